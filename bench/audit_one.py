"""What the audit of one edited leaflet costs in a large KB: CPU seconds, and where they go.

After one claim of one leaflet changed, `kb report` re-audits that leaflet alone
(kb/incremental.py, through the per-leaflet rules of kb/audit/registry.py). This script makes
a synthetic KB (bench/scale.py), runs `kb report` once so that build/.cache/incremental holds
every leaflet's results, then, round by round, edits one claim (scale.edit_one_claim) and runs
the incremental build in a fresh process, as `kb report` does (so that what the rules prepare,
imports included, is paid for again): the CPU seconds of the whole build, of the leaflet's
audit (kb.incremental._leaflets), of its rules (kb.audit.registry.checked), and of each rule.

    python bench/audit_one.py                         # 10,000 works in /tmp/kb-audit-one-10000
    python bench/audit_one.py --works 1000 --rounds 5
    python bench/audit_one.py --folder DIR --top 25   # the last round under cProfile: its 25 costliest functions

A folder that already holds a KB is used again; `kb report` runs first in any case (after a
change to kb/ that is a cold build).
Seconds under cProfile (--top) are inflated; those of the other rounds are what a build costs.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import pstats
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale  # bench/scale.py, beside this file


def prepare(folder: Path, works: int) -> None:
    """A KB of `works` works in `folder`, reported so that its incremental cache holds every
    leaflet's results for this code (a build of other code keeps nothing: a cold build)."""
    if not (folder / "references.bib").is_file():
        scale.generate(folder, works)
    subprocess.run([sys.executable, "-m", "kb", "--kb", str(folder), "report"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


class Timer:
    """CPU seconds spent in wrapped functions, by name (a call within another's counts for both)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                result = function(*args, **kwargs)
                return list(result) if name.startswith("rule ") else result  # a check is a generator
            finally:
                self.seconds[name] = self.seconds.get(name, 0.0) + time.process_time() - start
        return timed


def child(folder: Path, number: int, top: int) -> dict[str, Any]:
    """One edit and the incremental build after it, in this (fresh) process."""
    gc.disable()  # as kb.cli does for every command
    scale.edit_one_claim(folder, number)
    start = time.process_time()
    from kb import incremental

    middle = time.process_time()
    from kb.audit import registry  # what `kb report` imports when it first audits

    imported = time.process_time() - middle
    incremental_import = middle - start
    timer = Timer()
    real_leaflets = incremental._leaflets
    incremental._leaflets = timer.wrap("_leaflets", real_leaflets)  # type: ignore[assignment]
    for name, check in list(registry.CHECKS.items()):
        registry.CHECKS[name] = timer.wrap(f"rule {name}", check)
    profile = cProfile.Profile(time.process_time) if top else None
    cpu, wall = time.process_time(), time.perf_counter()
    if profile is not None:
        profile.enable()
    built = incremental.build(folder, "nl")
    if profile is not None:
        profile.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if built is None or len(built.recomputed) != 1:
        raise SystemExit(f"round {number}: not one leaflet recomputed ({built and built.recomputed})")
    incremental.keep(built)
    rules = {name[5:]: s for name, s in timer.seconds.items() if name.startswith("rule ")}
    result: dict[str, Any] = {"import_cpu": incremental_import, "audit_import_cpu": imported, "build_cpu": cpu, "build_wall": wall,
              "leaflets_cpu": timer.seconds.get("_leaflets", 0.0), "rules_cpu": sum(rules.values()), "rules": rules}
    if profile is not None:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(top)
        result["profile"] = out.getvalue()
    return result


def registry_scope(name: str) -> str | None:
    """The rule's scope (kb.audit.registry.SCOPES)."""
    from kb.audit import registry

    return registry.scope(name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--works", type=int, default=10000, help="the synthetic KB's size (bench/scale.py)")
    parser.add_argument("--folder", type=Path, help="where the KB is (default /tmp/kb-audit-one-WORKS)")
    parser.add_argument("--rounds", type=int, default=3, help="edits, each followed by an incremental build")
    parser.add_argument("--top", type=int, default=0, metavar="N", help="profile the last round: its N costliest functions")
    parser.add_argument("--child", type=int, default=-1, help=argparse.SUPPRESS)  # one round, in this process
    args = parser.parse_args()
    folder = args.folder or Path(f"/tmp/kb-audit-one-{args.works}")
    if args.child >= 0:
        print(json.dumps(child(folder, args.child, args.top)))
        return 0
    prepare(folder, args.works)
    rows = []
    for number in range(args.rounds):
        top = args.top if args.top and number == args.rounds - 1 else 0
        done = subprocess.run([sys.executable, __file__, "--folder", str(folder), "--child", str(number), "--top", str(top)],
                              capture_output=True, text=True, check=False)
        if done.returncode:
            raise SystemExit(f"round {number} failed:\n{done.stderr[-3000:]}")
        row = json.loads(done.stdout)
        if "profile" in row:
            print(row["profile"])
        else:
            rows.append(row)
        rules = ", ".join(f"{name} {s:.3f}" for name, s in sorted(row["rules"].items(), key=lambda i: -i[1]) if s >= 0.002)
        print(f"round {number}{' (profiled)' if top else ''}: incremental build {row['build_cpu']:.3f} s CPU "
              f"({row['build_wall']:.3f} wall), one leaflet's audit (_leaflets) {row['leaflets_cpu']:.3f}, "
              f"its rules {row['rules_cpu']:.3f}: {rules}; import of kb.audit {row['audit_import_cpu']:.3f}")
    # A round that ran the KB-wide rules too (their inputs changed: the first build after a
    # cached whole report, say) is no one-leaflet edit: left out of the best when others are not.
    rows = [row for row in rows if all(registry_scope(name) == "leaflet" for name in row["rules"])] or rows
    if rows:
        best = min(rows, key=lambda row: row["leaflets_cpu"])
        print(f"\nbest of {len(rows)}: one leaflet's audit {best['leaflets_cpu']:.3f} s CPU and the import of kb.audit "
              f"{best['audit_import_cpu']:.3f} (together {best['leaflets_cpu'] + best['audit_import_cpu']:.3f}); its rules "
              f"{best['rules_cpu']:.3f}; the incremental build {best['build_cpu']:.3f} (wall {best['build_wall']:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
