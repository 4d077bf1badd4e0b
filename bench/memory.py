"""Where a cold `kb report` holds its memory: resident memory at each step of the build, and with
--trace what is allocated where (tracemalloc), at each step and at the peak.

Runs kb/build.py `report()` in this process as `kb report` runs it (the cycle collector off, as
kb.cli turns it off), on a KB folder whose build/ it removes first (a cold build: no cache), into
a temporary output folder. The steps are those the build tells its progress bar: reading the
bibliography, the leaflets, auditing, rendering, writing, done.

    python bench/memory.py KB                  # resident memory (now, peak) at each step
    python bench/memory.py KB --trace          # and traced memory, now and each step's peak
    python bench/memory.py KB --trace --lines 12   # and where the memory held at each step, and at
                                                   # each step's traced peak, was allocated (by line)
    python bench/memory.py KB --audit          # the knowledge base loaded and audited as one
                                               # piece instead (kb.knowledgebase.load, labels,
                                               # strengths, kb.audit.run): traced memory held
                                               # after loading, after the audit, and its peak

bench/scale.py `generate` writes a synthetic KB (10,000 works: 1,250 leaflets, 50,000 claims).
tracemalloc slows the run about threefold and adds its own bookkeeping to the resident memory:
the resident figures of a plain run are what `kb report` costs.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

MB = 2**20


def _status() -> tuple[float, float]:
    """The resident memory of this process now and at its peak, in MB (Linux; zeros elsewhere)."""
    found = {"VmRSS:": 0.0, "VmHWM:": 0.0}
    try:
        with open("/proc/self/status") as status:
            for line in status:
                name = line.split(maxsplit=1)[0] if line.strip() else ""
                if name in found:
                    found[name] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return found["VmRSS:"], found["VmHWM:"]


def _top(snapshot: tracemalloc.Snapshot, lines: int) -> str:
    stats = snapshot.statistics("lineno")[:lines]
    return "\n".join(f"  {s.size / MB:8,.1f} MB {s.count:>10,} blocks  {s.traceback[0]}" for s in stats)


class Steps:
    """The build's progress, step by step: what each step holds and its peak."""

    def __init__(self, trace: bool, lines: int) -> None:
        self.trace = trace
        self.lines = lines
        self.rows: list[tuple[str, float, float, float, float, float]] = []  # step, s, RSS, RSS peak, traced, traced peak
        self.held: list[tuple[str, str]] = []
        self.step = "start"
        self.started = time.perf_counter()
        self.lock = threading.Lock()
        self.peaks: dict[str, tuple[float, tracemalloc.Snapshot]] = {}  # step -> its traced peak and a snapshot near it
        self.done = threading.Event()

    def advance(self, what: str) -> None:
        step = "leaflets" if what.endswith((".yaml", ".yml")) else what
        if step == self.step:
            return
        self.close()
        self.step = step

    def close(self) -> None:
        """The step that ends here: what is held now, and the peak since it began."""
        rss, hwm = _status()
        traced = peak = 0.0
        if self.trace:
            with self.lock:
                current, top = tracemalloc.get_traced_memory()
                tracemalloc.reset_peak()
            traced, peak = current / MB, top / MB
            if self.lines:
                self.held.append((self.step, _top(tracemalloc.take_snapshot(), self.lines)))
        self.rows.append((self.step, time.perf_counter() - self.started, rss, hwm, traced, peak))

    def watch(self, every: float) -> None:
        """Keep a snapshot of the allocations whenever the traced memory passes the step's highest
        yet by a twentieth: the last one kept of each step is near its peak."""
        while not self.done.wait(every):
            with self.lock:
                current = tracemalloc.get_traced_memory()[0] / MB
                step = self.step
                if current > self.peaks.get(step, (0.0, None))[0] * 1.05:
                    self.peaks[step] = (current, tracemalloc.take_snapshot())

    def table(self) -> str:
        rows = ["| step | s | RSS MB | RSS peak MB |" + (" traced MB | step's traced peak MB |" if self.trace else ""),
                "|---|---:|---:|---:|" + ("---:|---:|" if self.trace else "")]
        for step, seconds, rss, hwm, traced, peak in self.rows:
            rows.append(f"| {step} | {seconds:.1f} | {rss:,.0f} | {hwm:,.0f} |"
                        + (f" {traced:,.0f} | {peak:,.0f} |" if self.trace else ""))
        return "\n".join(rows)


def audit(root: Path, lines: int) -> str:
    """The KB at `root` loaded and audited whole, under tracemalloc: what the model records and
    the audit hold (the cold build's path for a KB it cannot follow leaflet by leaflet)."""
    from kb import audit as audit_
    from kb.knowledgebase import load

    tracemalloc.start()
    kb = load(root)
    loaded = tracemalloc.get_traced_memory()[0] / MB
    held = _top(tracemalloc.take_snapshot(), lines) if lines else ""
    _ = (kb.labels, kb.strengths)  # computed first, as the rules share them
    findings = audit_.run(kb)
    current, peak = tracemalloc.get_traced_memory()
    text = f"## held after loading\n\n{held}\n\n" if lines else ""
    if lines:
        text += f"## held after the audit\n\n{_top(tracemalloc.take_snapshot(), lines)}\n\n"
    return text + (f"traced: held after loading {loaded:,.1f} MB; held after the audit {current / MB:,.1f} MB, "
                   f"peak {peak / MB:,.1f} MB; {len(findings):,} findings")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kb", type=Path, help="a KB folder (its build/ is removed first)")
    parser.add_argument("--lang", default="nl", help="the report's language (as kb report --lang)")
    parser.add_argument("--pages", default=None, help="auto, single or paged (as kb report --pages)")
    parser.add_argument("--trace", action="store_true", help="trace allocations (tracemalloc)")
    parser.add_argument("--lines", type=int, default=0, metavar="N",
                        help="with --trace: the N lines that allocated most of what is held, per step and at the peak")
    parser.add_argument("--every", type=float, default=1.0, metavar="S",
                        help="with --trace --lines: look at the traced memory every S seconds for the peak")
    parser.add_argument("--audit", action="store_true",
                        help="load and audit the KB whole instead of building the report (traced)")
    args = parser.parse_args()
    from kb import build

    if args.audit:
        gc.disable()
        print(audit(args.kb, args.lines))
        return 0

    shutil.rmtree(args.kb / "build", ignore_errors=True)
    steps = Steps(args.trace, args.lines)
    watcher = None
    gc.disable()  # as kb.cli does for every command
    if args.trace:
        tracemalloc.start()
        if args.lines:
            watcher = threading.Thread(target=steps.watch, args=(args.every,), daemon=True)
            watcher.start()
    with tempfile.TemporaryDirectory(prefix="kb-memory-") as out:
        outcome = build.report(args.kb, Path(out), args.lang, steps.advance, args.pages)
        steps.close()
    steps.done.set()
    if watcher is not None:
        watcher.join()
    for step, text in steps.held:
        print(f"## held after {step}\n\n{text}\n")
    for step, (size, snapshot) in steps.peaks.items():
        print(f"## held near the peak of {step} ({size:,.0f} MB traced)\n\n{_top(snapshot, args.lines)}\n")
    print(steps.table())
    print(f"\n{len(outcome.written)} files written; peak RSS {_status()[1]:,.0f} MB"
          + (" (tracemalloc's own bookkeeping included)" if args.trace else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
