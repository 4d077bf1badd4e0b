"""What rendering a report costs: the single report and the paged one (kb/pages.py, through an
empty page cache, as a cold `kb report`) made from the same inputs and written into a temporary folder, CPU and wall seconds each.

The inputs (`kb.reportdata.Inputs`: load, audit, report data) are made once, before any clock
starts, so that the rendering alone is measured:

    python bench/render.py KB                     # both modes, seconds each
    python bench/render.py KB --pages paged       # one mode
    python bench/render.py KB --top 25            # and the 25 costliest functions (cProfile)
    python bench/render.py KB --digest            # and a SHA-256 of every file written

CPU seconds are this process's and its workers' (a paged report's pages are rendered by a
worker too on a machine with more than one core: kb/pagework.py).

`--digest` tells whether two versions of the code write the same bytes: run it in each and
compare. cProfile slows a run several times: the seconds of a run with --top are relative.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def inputs(root: Path, lang: str) -> Any:
    """The report's inputs, as kb/build.py makes them for a cold `kb report`."""
    from kb import audit, reportdata
    from kb.knowledgebase import load

    kb = load(root)
    if kb.unreadable:
        raise SystemExit(f"{root}: the KB cannot be read: {kb.unreadable[0].format()}")
    return reportdata.inputs(kb, audit.run(kb), lang)


def render(made: Any, lang: str, mode: str, out: Path) -> None:
    """The report in `mode` (single or paged) written into `out`; a paged one through an empty
    page cache beside it, as a cold `kb report` renders it (and with its workers)."""
    from kb import pages
    from kb import report as report_
    from kb.output import write_all

    if mode == "single":
        write_all(out, report_.render(made, lang))
        return
    with tempfile.TemporaryDirectory(prefix="kb-render-cache-") as cache:
        write_all(out, pages.render(made, lang, Path(cache) / "pages"))


def _cpu() -> float:
    """CPU seconds of this process and of its workers that have ended (kb.pagework)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def digest(folder: Path) -> str:
    """One SHA-256 over every file's path and bytes."""
    total = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        total.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        total.update(hashlib.sha256(path.read_bytes()).digest())
    return total.hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kb", type=Path, help="a KB folder (bench/scale.py --keep DIR writes some)")
    parser.add_argument("--lang", default="nl", help="the report's language (as kb report --lang)")
    parser.add_argument("--pages", choices=("single", "paged", "both"), default="both")
    parser.add_argument("--top", type=int, default=0, metavar="N", help="print each mode's N costliest functions")
    parser.add_argument("--digest", action="store_true", help="print a SHA-256 of the files each mode wrote")
    args = parser.parse_args()
    gc.disable()  # as kb.cli does for every command
    made = inputs(args.kb, args.lang)
    for mode in ("single", "paged") if args.pages == "both" else (args.pages,):
        with tempfile.TemporaryDirectory(prefix="kb-render-") as out:
            profile = cProfile.Profile() if args.top else None
            cpu, wall = _cpu(), time.perf_counter()
            if profile is not None:
                profile.enable()
            render(made, args.lang, mode, Path(out))
            if profile is not None:
                profile.disable()
            cpu, wall = _cpu() - cpu, time.perf_counter() - wall
            if profile is not None:
                text = io.StringIO()
                pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(args.top)
                print(f"## {mode}\n\n{text.getvalue()}")
            shown = f"  sha256 {digest(Path(out))}" if args.digest else ""
            print(f"{mode}: {cpu:.2f} s CPU, {wall:.2f} s wall{shown}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
