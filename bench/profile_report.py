"""What a cold `kb report` spends, stage by stage: CPU and wall seconds, and the memory each holds.

Runs the stages of kb/build.py `report()` on a KB folder, one after the other, in this process:
the cache key (the hash of every input), load, the labels and conclusion levels the rules share,
the audit rule by rule, `reportdata.inputs` (its reference entries apart), and the rendering
written into a temporary folder (report.html and report.md are made as they are written; a
report above kb.pages.PAGED_ABOVE claims is paged, as `kb report` makes it: its pages rendered
through an empty page cache, with a worker when a core is idle, then written).

    python bench/profile_report.py KB                 # seconds per stage, and the process's peak RSS
    python bench/profile_report.py KB --top 15        # and each stage's 15 costliest functions (cProfile)
    python bench/profile_report.py KB --memory        # and what each stage allocates (tracemalloc)
    python bench/profile_report.py KB --memory --lines 10  # and where the memory still held was allocated

cProfile and tracemalloc each slow the run (tracemalloc about threefold): the seconds of a run
with --top or --memory are relative, the plain run's are what a cold build costs. A rule's time
includes what it computes first and others reuse (the placement of citations is computed by
citation-not-placed, reused by cited-without-source and no-citations).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _cpu() -> float:
    """CPU seconds of this process and of the workers it has waited for (kb/pagework.py)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


class Stages:
    """Runs stages one by one and keeps what each cost."""

    def __init__(self, top: int, memory: bool) -> None:
        self.top = top
        self.memory = memory
        self.rows: list[tuple[str, float, float, float, float, float]] = []  # name, cpu, wall, peak MB, held MB, RSS MB
        self.profiles: list[tuple[str, str]] = []
        self.held = ""  # where the memory held before rendering was allocated (--lines)

    def run(self, name: str, stage: Callable[[], Any]) -> Any:
        profile = cProfile.Profile() if self.top else None
        before = tracemalloc.get_traced_memory()[0] if self.memory else 0
        if self.memory:
            tracemalloc.reset_peak()
        cpu, wall = _cpu(), time.perf_counter()
        if profile is not None:
            profile.enable()
        result = stage()
        if profile is not None:
            profile.disable()
        cpu, wall = _cpu() - cpu, time.perf_counter() - wall
        peak = held = 0.0
        if self.memory:
            current, top = tracemalloc.get_traced_memory()
            peak, held = (top - before) / 2**20, (current - before) / 2**20
        self.rows.append((name, cpu, wall, peak, held, _rss()))
        if profile is not None:
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(self.top)
            self.profiles.append((name, out.getvalue()))
        return result

    def table(self) -> str:
        lines = ["| stage | CPU s | wall s | RSS after, MB |" + (" peak MB | held MB |" if self.memory else ""),
                 "|---|---:|---:|---:|" + ("---:|---:|" if self.memory else "")]
        for name, cpu, wall, peak, held, rss in self.rows:
            lines.append(f"| {name} | {cpu:.2f} | {wall:.2f} | {rss:,.0f} |"
                         + (f" {peak:,.0f} | {held:+,.0f} |" if self.memory else ""))
        cpu = sum(row[1] for row in self.rows)
        wall = sum(row[2] for row in self.rows)
        lines.append(f"| total | {cpu:.2f} | {wall:.2f} | |" + (" | |" if self.memory else ""))
        return "\n".join(lines)


def profile(root: Path, lang: str, stages: Stages, lines: int = 0) -> None:
    """The stages of a cold `kb report` of the KB at `root`; with `lines` (and tracemalloc on),
    where the memory held before rendering was allocated."""
    from kb import cache, pages
    from kb import report as report_
    from kb.output import write_all

    stages.run("cache key", lambda: cache.key(root, lang))
    inputs = _inputs(root, lang, stages, lines)  # the knowledge base is gone once they are made
    with tempfile.TemporaryDirectory(prefix="kb-profile-") as out:
        if not pages.paged(inputs.report, "auto"):
            stages.run("render and write", lambda: write_all(Path(out), report_.render(inputs, lang)))
            return
        # a paged report as a cold `kb report` makes it: through an empty page cache (kb/pages.py)
        files = stages.run("render pages", lambda: pages.render(inputs, lang, Path(out) / "cache"))
        stages.run("write", lambda: write_all(Path(out) / "report", files))


def _inputs(root: Path, lang: str, stages: Stages, lines: int) -> Any:
    """The rendering's inputs (`kb.reportdata.Inputs`): load, audit, the report's data."""
    from kb import reportdata
    from kb.audit import registry
    from kb.knowledgebase import load

    kb = stages.run("load", lambda: load(root))
    if kb.unreadable:
        raise SystemExit(f"{root}: the KB cannot be read: {kb.unreadable[0].format()}")
    stages.run("labels", lambda: kb.labels)
    stages.run("strengths", lambda: kb.strengths)
    found = list(kb.load_findings) + list(registry.config_findings(kb))
    for name in registry.RULES:
        if kb.config.severity.get(name) != "off":
            found += stages.run(f"audit: {name}", lambda name=name: list(registry.CHECKS[name](kb)))
    findings = stages.run("audit: sort", lambda: registry.sorted_findings(registry.configured(kb, found)))
    entries = stages.run("reference entries", lambda: reportdata.reference_entries(kb, lang))
    report = stages.run("report data", lambda: reportdata.data(kb, findings, entries))
    labels = {c["id"]: c["label"] for c in report["claims"]}
    texts = stages.run("text segments", lambda: {d.id: reportdata.segments(kb, d, labels) for d in kb.documents})
    if lines and tracemalloc.is_tracing():
        stages.held = _held(lines)
    return reportdata.Inputs(kb.root, report, texts, entries)


def _rss() -> float:
    """The resident memory of this process now, in MB (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return 0.0


def _held(lines: int) -> str:
    """Where the memory still allocated was allocated, largest first."""
    top = tracemalloc.take_snapshot().statistics("lineno")[:lines]
    return "\n".join(f"{stat.size / 2**20:9,.1f} MB {stat.count:>10,} blocks  {stat.traceback[0]}" for stat in top)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kb", type=Path, help="a KB folder (bench/scale.py --keep DIR writes some)")
    parser.add_argument("--lang", default="nl", help="the report's language (as kb report --lang)")
    parser.add_argument("--top", type=int, default=0, metavar="N", help="print each stage's N costliest functions")
    parser.add_argument("--memory", action="store_true", help="trace allocations (tracemalloc): peak and held per stage")
    parser.add_argument("--lines", type=int, default=0, metavar="N",
                        help="with --memory: where the N largest allocations still held after the data stages were made")
    parser.add_argument("--gc", action="store_true", help="keep the cycle collector on (kb's commands turn it off)")
    args = parser.parse_args()
    if not args.gc:
        gc.disable()  # as kb.cli does for every command
    stages = Stages(args.top, args.memory)
    if args.memory:
        tracemalloc.start()
    cpu, wall = _cpu(), time.perf_counter()
    profile(args.kb, args.lang, stages, args.lines)
    cpu, wall = _cpu() - cpu, time.perf_counter() - wall
    for name, text in stages.profiles:
        print(f"## {name}\n\n{text}")
    if stages.held:
        print(f"## held before rendering, by where it was allocated\n\n{stages.held}\n")
    print(stages.table())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    print(f"\nwhole run: {cpu:.2f} s CPU, {wall:.2f} s wall; peak RSS {rss:,.0f} MB"
          + (" (tracemalloc's own bookkeeping included)" if args.memory else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
