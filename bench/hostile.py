"""Hostile input benchmark: how long `kb` takes on input made to be slow.

Three kinds of case, each command run in a fresh process under a timeout, its wall-clock and
CPU seconds printed (the CPU seconds are what a busy machine does not inflate):

- citation-shaped text (`--size` characters, 100 KB by default): runs of capitals, author lists
  joined by "&" and ",", "et al." repeated, particles ("van der de"), initials, nested and
  unbalanced parentheses, years and locators, and a random mix of all of these, as a leaflet
  text through `kb extract`, `kb audit` and `kb report`;
- a claims file that repeats a long text through YAML aliases, through `kb audit` (refused at
  once as a claims-schema error);
- with `--big`: a leaflet text of 49.9 MB and 100,000 claims, in text order, shuffled and not in
  the text, through `kb audit` and `kb report` (minutes; peak memory printed too); and one of
  50.1 MB, over the limit of one file, refused.

    python bench/hostile.py                       # the citation-shaped texts and the YAML aliases
    python bench/hostile.py --size 200000         # longer citation-shaped texts
    python bench/hostile.py --only amp_list,nested_balanced --commands extract
    python bench/hostile.py --big                 # also the 50 MB leaflet with 100,000 claims
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TIMEOUT = 600  # seconds a command may take before the case counts as hanging

BIB = """@article{jansen2018,
  author = {Jansen, Piet},
  year = {2018},
  title = {Het lichaam in therapie},
  journal = {Tijdschrift},
  verificationstatus = {verified},
  verification = {verified: publisher page}
}

@article{vanderberg2010,
  author = {{van der} Berg, Anna and Smith, Kim},
  year = {2010},
  title = {Bewegen en angst},
  journal = {Tijdschrift},
  verificationstatus = {verified},
  verification = {verified: publisher page}
}
"""

CLAIMS = """document:
  title: "Hostile"
  language: nl
claims:
  - id: een
    kind: clinical
    text: "Bewegen helpt tegen angst"
    cited_as: "(Jansen, 2018)"
    sources:
      - key: jansen2018
        fit: supports
  - id: twee
    kind: clinical
    text: "Dit staat nergens in de tekst"
    sources: []
"""


def _repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def citation_texts(size: int, seed: int = 0) -> dict[str, str]:
    """Texts of about `size` characters that look like citations to the citation grammar."""
    rng = random.Random(seed)
    texts = {
        "amp_list": "(" + _repeat("Aa & ", size - 10) + "2010)",
        "comma_amp_list": "(" + _repeat("Aa, & ", size - 10) + "2010)",
        "amp_list_each": _repeat("(" + "Aa & " * 24 + "2010) ", size),
        "comma_amp_each": _repeat("(" + "Aa, & " * 24 + "2010) ", size),
        "capitals": "(" + _repeat("Aa Bb Cc Dd ", size - 10) + ", 2010)",
        "capitals_each": _repeat("(" + "Aa Bb " * 150 + ", 2010) ", size),
        "et_al": _repeat("(Smith et al. et al. et al., 2010 et al. ", size),
        "et_al_list": "(" + _repeat("Smith et al., ", size - 10) + "x)",
        "particles": "(" + _repeat("van der de Van Der De ", size - 10) + "Berg, 2010)",
        "particles_each": _repeat("(" + "van der de Van De " * 20 + "x, 2010) ", size),
        "open_parentheses": _repeat("(", size // 2) + _repeat("Aa, 2010)", size // 2),
        "nested": _repeat("(Aa & Bb, 2010 ", size // 2) + _repeat(")", size // 2),
        "nested_balanced": "".join(_repeat("(", 500) + _repeat("Aa, 2010; ", 1000) + _repeat(")", 500)
                                   for _ in range(max(1, size // 2000))),
        "joined_years": _repeat("(" + "Aa, 2010, " * 150 + "x) ", size),
        "joined_years_capitals": _repeat("(" + "Aa Bb, 2010, " * 150 + "Aa & Bb &) ", size),
        "locators": _repeat("(" + "Aa, 2010, p. 1, " * 100 + "X) ", size),
        "narrative": _repeat("Aa & Bb & Cc (2010) ", size),
        "narrative_capitals": _repeat("Aa Bb Cc Dd Ee Ff Gg Hh Ii Jj Kk Ll & (2010) ", size),
        "initials": _repeat("(A. B. C. D. E. Aa, M. N. O., ", size - 10) + "2010)",
        "hyphenated_lines": "(" + _repeat("Aa-\nBb-\n", size - 10) + ", 2010)",
        "spaced_hyphens": "(" + _repeat("Aa - Bb - ", size - 10) + "Cc, 2010)",
        "apostrophes": "(" + _repeat("D'Aa d'Bb L'Cc ", size - 10) + ", 2010)",
        "brackets": "(" + _repeat("Aa [B] & ", size - 10) + "2010)",
        "commas": "(" + _repeat(", ", size - 10) + "2010)",
        "semicolons": _repeat("(Aa, 2010; ;; ; Bb, 2011; ", size) + ")",
        "tags": _repeat("<a (Aa <b> & Bb, 2010</b>) ", size),
        "undated": _repeat("(Aa, n.d., z.d., in press, ter perse, ", size) + ")",
        "organisations": "(" + _repeat("Department of Health of the World of ", size - 10) + "Health, 2010)",
        "cited_in": _repeat("(Aa, 2010, as cited in Bb, 2011, as cited in ", size) + ")",
        "markdown_emphasis": "# Kop\n\n" + _repeat("**Aa (Bb, 2010) ", size),
    }
    words = ["Aa", "van", "der", "de", "&", ",", "et", "al.", "(", ")", "2010", "e.a.", "Van", "De", "M.", "-",
             "en", "and", ";", "\n", "[X]", "n.d.", "O'Brien", "Keulen-de", "p.", "12", "**"]
    texts["random_mix"] = " ".join(rng.choice(words) for _ in range(size // 3))[:size]
    return texts


def alias_claims(size: int = 1_000_001) -> dict[str, str]:
    """Claims files that repeat a long text through YAML aliases."""
    big = "x" * size
    note = "y" * 1000
    return {
        "alias_text": f'claims:\n  - id: c0\n    text: &a "{big}"\n'
                      + "".join(f"  - id: c{i}\n    text: *a\n" for i in range(1, 1000)),
        "alias_notes": "claims:\n" + "".join(
            f"  - id: c{i}\n    text: x\n    sources:\n      - key: jansen2018\n        fit: supports\n"
            f"        note: {'&n ' + json.dumps(note) if i == 0 else '*n'}\n" for i in range(3000)),
        "alias_block": "document:\n  title: &t |\n" + "".join("    " + "z" * 99 + "\n" for _ in range(20_000))
                       + "claims:\n" + "".join(f"  - id: c{i}\n    text: *t\n" for i in range(100)),
    }


def _big(folder: Path, megabytes: float, claims: int, order: str, seed: int = 7) -> None:
    """A leaflet of `megabytes` MB of sentences, a third cited, and `claims` claims taken from it."""
    rng = random.Random(seed)
    vocabulary = ["".join(rng.choice("abcdefghijklmnoprstuvwz") for _ in range(rng.randint(2, 9))) for _ in range(5000)]
    pieces, sentences, size = [], [], 0
    while size < megabytes * 1_000_000:
        sentence = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(6, 18))).capitalize()
        cited = rng.random() < 0.3
        piece = sentence + (" (Jansen, 2018)." if cited else ".") + rng.choice(["\n\n", "\n", " ", " ", " "])
        sentences.append((sentence, cited))
        pieces.append(piece)
        size += len(piece)
    (folder / "claims" / "doc.txt").write_text("".join(pieces), encoding="utf-8")
    chosen = sentences[::max(1, len(sentences) // claims)][:claims]
    if order == "shuffled":
        rng.shuffle(chosen)
    lines = ["document:", '  title: "Big"', "  language: nl", "claims:"]
    for i, (sentence, cited) in enumerate(chosen):
        text = sentence + " zzqx" if order == "absent" else sentence
        lines += [f"  - id: c{i}", "    kind: clinical", f"    text: {json.dumps(text)}"]
        lines += ['    cited_as: "(Jansen, 2018)"', "    sources:", "      - key: jansen2018", "        fit: unassessed"] \
            if cited else ["    sources: []"]
    (folder / "claims" / "doc.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


# Runs the command in-process in the child, and reports its peak memory on stderr's last line.
_LAUNCH = ("import resource, sys\nfrom kb.cli import main\ncode = main(sys.argv[1:])\n"
           "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\nsys.exit(code)")


def run(args: list[str]) -> tuple[str, float, float, int]:
    """(outcome, wall seconds, CPU seconds, peak memory in MB) of `kb args` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-c", _LAUNCH, *args], capture_output=True, text=True,
                              timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return f"HUNG (over {TIMEOUT} s)", time.perf_counter() - start, 0.0, 0
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = done.stderr.splitlines()
    memory = int(lines[-1]) // 1024 if lines and lines[-1].isdigit() else 0
    outcome = f"exit {done.returncode}" if done.returncode in (0, 1, 2) else f"FAILED {done.returncode}"
    return outcome, wall, cpu, memory


def _folder(root: Path, name: str, text: str, claims: str = CLAIMS) -> Path:
    folder = root / name
    (folder / "claims").mkdir(parents=True)
    (folder / "references.bib").write_text(BIB, encoding="utf-8")
    (folder / "claims" / "doc.yaml").write_text(claims, encoding="utf-8")
    (folder / "claims" / "doc.txt").write_text(text, encoding="utf-8")
    return folder


def _args(command: str, folder: Path) -> list[str]:
    if command == "extract":
        return ["--kb", str(folder), "extract", str(folder / "claims" / "doc.txt"), "--format", "json"]
    return ["--kb", str(folder), command]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000, help="characters of each citation-shaped text")
    parser.add_argument("--only", default="", help="comma-separated case names")
    parser.add_argument("--commands", default="extract,audit,report", help="comma-separated kb commands")
    parser.add_argument("--big", action="store_true", help="also a 50 MB leaflet with 100,000 claims")
    args = parser.parse_args()
    only = {name for name in args.only.split(",") if name}
    commands = [c for c in args.commands.split(",") if c]
    slowest = (0.0, "")
    print(f"{'case':28s} {'command':8s} {'outcome':10s} {'wall s':>8s} {'cpu s':>8s} {'MB':>6s}", flush=True)

    def report(case: str, command: str, folder: Path) -> None:
        nonlocal slowest
        outcome, wall, cpu, memory = run(_args(command, folder))
        print(f"{case:28s} {command:8s} {outcome:10s} {wall:8.2f} {cpu:8.2f} {memory:6d}", flush=True)
        if wall > slowest[0]:
            again = f"python bench/hostile.py --only {case} --commands {command}" + (" --big" if "MB" in case else "")
            slowest = (wall, f"kb {command} on {case} ({again})")

    with tempfile.TemporaryDirectory(prefix="kb-hostile-") as tmp:
        root = Path(tmp)
        for name, text in citation_texts(args.size).items():
            if not only or name in only:
                folder = _folder(root, name, text)
                for command in commands:
                    report(name, command, folder)
        for name, claims in alias_claims().items():
            if not only or name in only:
                report(name, "audit", _folder(root, name, "Bewegen helpt tegen angst (Jansen, 2018).\n", claims))
        if args.big:
            # Just under the 50 MB a KB reads of one text, in three orders of the claims; then just
            # over it, which is refused at once with the limit named.
            for megabytes, order in ((49.9, "in_order"), (49.9, "shuffled"), (49.9, "absent"), (50.1, "in_order")):
                name = f"{megabytes:g}MB_100k_claims_{order}"
                folder = _folder(root, name, "")
                _big(folder, megabytes, 100_000, order)
                for command in ("audit", "report"):
                    report(name, command, folder)
    print(f"slowest: {slowest[0]:.2f} s, {slowest[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
