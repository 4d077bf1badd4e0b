"""Scale benchmark: synthetic knowledge bases of 1k, 10k and 50k works, five claims per work.

For each size it writes a KB (references.bib with evidence fields, LaTeX accents and
particles; leaflets of 40 claims each, with their texts), then times in one run:

- pybtex_parse: pybtex's own parse of the same references.bib (`pybtex.database.parse_file`,
  timed inside a fresh process, without the interpreter's start);
- audit_cold: `kb audit`, a fresh process, wall clock;
- report_cold: `kb report` with no build/ (so no cache), a fresh process, wall clock; a run after
  the first (--repeat) on a copy of the KB made for it, not after removing build/ (see `measure`);
- report_warm: `kb report` again, inputs unchanged (the cache in build/.cache answers);
- peak_rss_mb: the peak resident memory of the cold `kb report` (its own rusage), in MB;
- report_one_leaflet_edit: `kb report` after one claim of one leaflet changed (its text, in the
  claims file and in the leaflet), following the cold and the warm run: what an incremental
  build costs (kb/incremental.py); report_one_leaflet_edit_over_cold: its ratio to report_cold;
- report_one_leaflet_edit_inputs: the same after another such edit, up to the report's inputs
  (kb.reportdata.Inputs) and report.json written: `kb report` but the rendering of its pages.

kb runs as Python runs any installed program: its modules' bytecode is cached by the first
run of each (the first `kb audit`, the first `kb report`), so PYTHONDONTWRITEBYTECODE is left
out of the commands' environment, as bench/leaflet.py does: with it, every run would compile
the modules changed since their bytecode was last written.

    python bench/scale.py                      # 1000, 10000 and 50000 works, a table
    python bench/scale.py --sizes 1000,10000   # fewer sizes
    python bench/scale.py --json               # one JSON object keyed by size
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path

CLAIMS_PER_WORK = 5
CLAIMS_PER_LEAFLET = 40
SECTIONS_PER_LEAFLET = 4

# Surnames as a large bibliography has them: thousands, a few with particles, so that two
# works by the same authors in the same year are as rare as in a real file.
_HEADS = ["Bak", "Ber", "Bos", "Brou", "Dek", "Dijk", "Graaf", "Hen", "Hol", "Jan", "Kor", "Kui", "Lam",
          "Mei", "Mol", "Nijs", "Pie", "Ros", "Smeel", "Stee", "Ter", "Vis", "Wil", "Zand", "Koch", "Prob"]
_TAILS = ["ker", "sen", "stra", "man", "berg", "hof", "link", "ma", "ing", "dam", "veld", "huis", "st",
          "endonk", "wijk", "bosch", "mans", "ema", "ert", "ink"]
_ENDS = ["", "s", "e", "er", "ijn"]
SURNAMES = [head + tail + end for head in _HEADS for tail in _TAILS for end in _ENDS]  # 2,600 names
PARTICLES = ["van", "de", "van den", "van der", "ter"]
LATEX_SURNAMES = {
    "M{\\\"u}ller": "Müller", "Garc{\\'\\i}a": "García", "Bj{\\\"o}rk": "Björk", "{\\O}stergaard": "Østergaard",
    "Fran{\\c{c}}ois": "François", "Sch{\\\"a}fer": "Schäfer", "L{\\'o}pez": "López", "{van der} Kolk": "van der Kolk",
    "{de} Lange": "de Lange",
}
GIVEN = ["Anna", "Jan", "Piet", "Sabine C.", "M.", "K. L.", "Ingrid", "Thomas", "E.", "Marieke", "Peter", "J. A."]
WORDS = [
    "psychomotorische", "therapie", "beweging", "lichaam", "angst", "spanning", "emotie", "regulatie",
    "stress", "depressie", "persoonlijkheid", "stoornis", "behandeling", "groep", "sessie", "ervaring",
    "bewustzijn", "gevoel", "houding", "adem", "ontspanning", "conditie", "zelfvertrouwen", "trauma",
    "herstel", "klachten", "pijn", "vermoeidheid", "slaap", "sport", "dans", "mentaliseren", "schema",
    "patiënt", "therapeut", "effect", "onderzoek", "vermindert", "verbetert", "helpt", "vergroot",
]
JOURNALS = ["Arts in Psychotherapy", "Journal of Tests", "Body, Movement and Dance in Psychotherapy",
            "Tijdschrift voor Psychotherapie", "Frontiers in Psychology", "BMC Psychiatry"]
DESIGNS = ["systematic-review", "meta-analysis", "rct", "pilot-rct", "cohort", "quasi-experimental",
           "cross-sectional", "case-series", "pre-post", "narrative-review", "theory", "book",
           "handbook-chapter", "expert-opinion", "unknown"]
FITS = ["supports"] * 4 + ["partial", "indirect", "not-addressed", "unassessed", "unassessed"]


def _sentence(rng: random.Random, words: int) -> str:
    chosen = [rng.choice(WORDS) for _ in range(words)]
    return " ".join(chosen).capitalize()


def _yaml_text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _surname(rng: random.Random) -> str:
    if rng.random() < 0.05:
        return rng.choice(list(LATEX_SURNAMES))
    name = rng.choice(SURNAMES)
    return f"{rng.choice(PARTICLES)} {name}" if rng.random() < 0.1 else name


def _bib_entry(rng: random.Random, index: int) -> tuple[str, str, str]:
    """One entry, its key, and how a leaflet would cite it."""
    surnames = [_surname(rng) for _ in range(rng.choice((1, 1, 2, 3, 4, 6)))]
    year = str(rng.randint(1985, 2024))
    key = f"{surnames[0].strip('{}').split()[-1].lower()}{year}x{index}"
    key = "".join(c for c in key if c.isalnum())
    authors = " and ".join(f"{name}, {rng.choice(GIVEN)}" for name in surnames)
    design = rng.choice(DESIGNS)
    n = str(rng.randint(8, 2000)) if design not in ("theory", "book", "handbook-chapter", "expert-opinion") else ""
    entry_type = {"book": "book", "handbook-chapter": "incollection"}.get(design, "article")
    if entry_type == "article":
        container = [("journal", rng.choice(JOURNALS)), ("volume", str(rng.randint(1, 60))),
                     ("number", str(rng.randint(1, 12))),
                     ("pages", f"{rng.randint(1, 400)}--{rng.randint(401, 800)}"), ("doi", f"10.5555/synthetic.{index}")]
    else:
        container = [("booktitle", _sentence(rng, 5)) if entry_type == "incollection" else ("edition", "2"),
                     ("publisher", rng.choice(("Boom", "Bohn Stafleu van Loghum", "Routledge"))),
                     ("address", "Amsterdam")]
    fields = [
        ("author", authors),
        ("year", year),
        ("title", _sentence(rng, rng.randint(6, 14)) + (" : a {PMT} study" if rng.random() < 0.2 else "")),
        *container,
        ("design", design),
        ("population", "adults with " + rng.choice(("anxiety disorders", "personality disorders", "chronic pain"))),
        ("n", n),
        ("verificationstatus", rng.choice(("verified", "verified-core", "from-memory"))),
        ("verification", "synthetic record for the scale benchmark"),
    ]
    body = ",\n".join(f"  {name:<18} = {{{value}}}" for name, value in fields if value)
    printed = [LATEX_SURNAMES.get(name, name) for name in surnames]
    who = printed[0] if len(printed) == 1 else f"{printed[0]} & {printed[1]}" if len(printed) == 2 else (
        f"{printed[0]} et al.")
    cited = f"({who[:1].upper()}{who[1:]}, {year})"
    return f"@{entry_type}{{{key},\n{body}\n}}\n", key, cited


def generate(folder: Path, works: int, seed: int = 8) -> dict[str, int]:
    """Write a synthetic KB of `works` works and five claims per work into `folder`."""
    rng = random.Random(seed)
    (folder / "claims").mkdir(parents=True)
    entries, keys, cited = [], [], []
    for index in range(works):
        entry, key, citation = _bib_entry(rng, index)
        entries.append(entry)
        keys.append(key)
        cited.append(citation)
    (folder / "references.bib").write_text("% synthetic knowledge base\n\n" + "\n".join(entries), encoding="utf-8")
    total = works * CLAIMS_PER_WORK
    leaflets = (total + CLAIMS_PER_LEAFLET - 1) // CLAIMS_PER_LEAFLET
    claim_number = 0
    for leaflet in range(leaflets):
        doc = f"leaflet{leaflet:05d}"
        yaml_lines = ["document:", f"  title: {_yaml_text('Folder ' + _sentence(rng, 3))}",
                      '  publisher: "Synthetische praktijk"', "  language: nl", "claims:"]
        text_lines = [f"Folder {leaflet}", ""]
        count = min(CLAIMS_PER_LEAFLET, total - claim_number)
        per_section = (count + SECTIONS_PER_LEAFLET - 1) // SECTIONS_PER_LEAFLET
        for position in range(count):
            if position % per_section == 0:
                section = f"Over {rng.choice(WORDS)} {position // per_section + 1}"
                text_lines += ["", section, ""]
            work = claim_number // CLAIMS_PER_WORK  # every work carries five claims
            text = _sentence(rng, rng.randint(6, 16))
            service = rng.random() < 0.05
            yaml_lines += [f"  - id: {doc}-c{position}", f"    section: {_yaml_text(section)}",
                           f"    kind: {'service' if service else 'clinical'}", f"    text: {_yaml_text(text)}"]
            if service:
                text_lines.append(text + ".")
            else:
                sources = [(work, rng.choice(FITS))]
                if rng.random() < 0.2:
                    sources.append((rng.randrange(len(keys)), rng.choice(FITS)))
                citation = "(" + "; ".join(cited[index][1:-1] for index, _ in sources) + ")"
                sources = [(keys[index], fit) for index, fit in sources]
                if rng.random() < 0.001:
                    sources.append((f"missing{claim_number}", "unassessed"))
                yaml_lines.append(f"    cited_as: {_yaml_text(citation)}")
                yaml_lines.append("    sources:")
                for key, fit in sources:
                    yaml_lines += [f"      - key: {key}", f"        fit: {fit}"]
                    if rng.random() < 0.3:
                        yaml_lines.append(f"        note: {_yaml_text(_sentence(rng, 10))}")
                text_lines.append(f"{text} {citation}.")
            if position % 4 == 3:
                text_lines.append("")
            claim_number += 1
        (folder / "claims" / f"{doc}.yaml").write_text("\n".join(yaml_lines) + "\n", encoding="utf-8")
        (folder / "claims" / f"{doc}.txt").write_text("\n".join(text_lines) + "\n", encoding="utf-8")
    return {"works": works, "claims": claim_number, "leaflets": leaflets}


PYBTEX = """
import sys, time
from pybtex.database import parse_file
wall, cpu = time.perf_counter(), time.process_time()
data = parse_file(sys.argv[1])
print(time.perf_counter() - wall, time.process_time() - cpu, len(data.entries))
"""


def edit_one_claim(folder: Path, round_: int) -> None:
    """Change the text of one claim of the middle leaflet, in its claims file and in its text alike."""
    leaflets = sorted((folder / "claims").glob("*.yaml"))
    claims = leaflets[len(leaflets) // 2]
    text = claims.with_suffix(".txt")
    yaml = claims.read_text(encoding="utf-8")
    start = yaml.index('    text: "') + len('    text: "')
    old = yaml[start:yaml.index('"', start)]
    new = f"{old} {WORDS[round_ % len(WORDS)]}"
    leaflet = text.read_text(encoding="utf-8")
    if old not in leaflet:
        raise SystemExit(f"{text}: the claim's text is not in the leaflet")
    claims.write_text(yaml[:start] + new + yaml[start + len(old):], encoding="utf-8")
    text.write_text(leaflet.replace(old, new, 1), encoding="utf-8")


# As the command runs it (kb.cli): the cycle collector off, and the process ended at once, its
# output flushed, rather than freeing what the build made.
INPUTS = """
import gc, os, sys
from pathlib import Path
gc.disable()
from kb import incremental
from kb.output import chunk_bytes
built = incremental.build(Path(sys.argv[1]), "nl")
assert built is not None and len(built.recomputed) == 1, "not one leaflet recomputed"
with open(sys.argv[2], "wb") as out:
    for chunk in built.report_json:
        out.write(chunk_bytes(chunk))
incremental.keep(built)
sys.stdout.flush()
sys.stderr.flush()
os._exit(0)
"""


_ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def _run(args: list[str]) -> tuple[float, float, float]:
    """Wall-clock and CPU seconds (user + system) of a command in a fresh process, and its peak
    resident memory in MB: the child's own rusage (os.wait4), not the maximum over all children."""
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=stderr, env=_ENVIRONMENT)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode not in (0, 1):
            stderr.seek(0)
            error = stderr.read().decode("utf-8", "replace")
            raise SystemExit(f"{' '.join(args)} failed ({child.returncode}):\n{error[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # ru_maxrss: kB on Linux


def _copied(source: Path, target: Path) -> Path:
    """The KB `source` but its build/ copied to `target`."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, ignore=lambda folder, names: ["build"] if Path(folder) == source else [])
    return target


def measure(folder: Path, repeat: int) -> dict[str, float]:
    """The timings of one KB, each the best of `repeat` runs; `_cpu` keys hold CPU seconds."""
    best: dict[str, list[float]] = {}

    def keep(name: str, wall: float, cpu: float, rss: float | None = None) -> None:
        best.setdefault(name, []).append(wall)
        best.setdefault(f"{name}_cpu", []).append(cpu)
        if rss is not None and name == "report_cold":
            best.setdefault("peak_rss_mb", []).append(rss)

    for run in range(repeat):
        # each run on a KB of its own, no build/ in it: nothing is deleted while the benchmark runs
        # (a cold build right after a build folder was removed is slower, whatever the code: ext4
        # passes over the inodes freed in the last minute as it looks for new ones)
        here = folder if run == 0 else _copied(folder, folder.with_name(f"{folder.name}-run{run}"))
        kb = [sys.executable, "-m", "kb", "--kb", str(here)]
        out = subprocess.run([sys.executable, "-c", PYBTEX, str(here / "references.bib")],
                             capture_output=True, text=True, check=True).stdout.split()
        keep("pybtex_parse", float(out[0]), float(out[1]))
        keep("audit_cold", *_run(kb + ["audit"]))
        keep("report_cold", *_run(kb + ["report"]))
        keep("report_warm", *_run(kb + ["report"]))
        edit_one_claim(here, len(best["report_cold"]))
        keep("report_one_leaflet_edit", *_run(kb + ["report"]))
        edit_one_claim(here, len(best["report_cold"]) + 100)
        with tempfile.TemporaryDirectory() as scratch:
            keep("report_one_leaflet_edit_inputs",
                 *_run([sys.executable, "-c", INPUTS, str(here), str(Path(scratch) / "report.json")]))
    result = {name: min(values) for name, values in best.items()}  # peak_rss_mb: the smallest peak
    result["report_cold_over_pybtex"] = result["report_cold"] / result["pybtex_parse"]
    result["report_cold_over_pybtex_cpu"] = result["report_cold_cpu"] / result["pybtex_parse_cpu"]
    result["report_one_leaflet_edit_over_cold"] = result["report_one_leaflet_edit"] / result["report_cold"]
    result["report_one_leaflet_edit_over_cold_cpu"] = result["report_one_leaflet_edit_cpu"] / result["report_cold_cpu"]
    return {name: round(value, 3) for name, value in result.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="numbers of works, comma-separated")
    parser.add_argument("--json", action="store_true", help="print one JSON object keyed by size")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement; the best counts")
    parser.add_argument("--keep", metavar="DIR", help="write the KBs into DIR and keep them")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="kb-scale-"))
    results: dict[str, dict[str, float]] = {}
    try:
        for size in sizes:
            folder = base / f"kb-{size}"
            shutil.rmtree(folder, ignore_errors=True)
            shape = generate(folder, size)
            results[str(size)] = measure(folder, args.repeat)
            if not args.json:
                print(f"{size} works, {shape['claims']} claims, {shape['leaflets']} leaflets: "
                      f"{results[str(size)]}", file=sys.stderr)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    columns = ("pybtex_parse", "audit_cold", "report_cold", "report_warm", "report_one_leaflet_edit",
               "report_one_leaflet_edit_inputs", "report_cold_over_pybtex", "report_one_leaflet_edit_over_cold")
    print("seconds, wall clock (CPU, user + system)\n")
    print("| works | " + " | ".join(columns) + " | peak_rss_mb (report_cold) |")
    print("|---:|" + "---:|" * (len(columns) + 1))
    for size, row in results.items():
        print(f"| {int(size):,} | " + " | ".join(f"{row[c]:.2f} ({row[c + '_cpu']:.2f})" for c in columns)
              + f" | {row['peak_rss_mb']:,.0f} |")
    print()
    for small, large in pairwise(sizes):
        wall = results[str(large)]["report_cold"] / results[str(small)]["report_cold"]
        cpu = results[str(large)]["report_cold_cpu"] / results[str(small)]["report_cold_cpu"]
        print(f"report_cold({large}) / report_cold({small}) = {wall:.2f} ({cpu:.2f}); works x{large / small:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
