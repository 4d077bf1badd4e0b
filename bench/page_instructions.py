"""What rendering one leaflet page of a paged report costs in instructions (valgrind's callgrind):
a count that is the same on every run whatever else the machine does, where CPU seconds on a
shared machine vary by a fifth from one run to the next.

The KB's inputs (`kb.reportdata.Inputs`) are made once and kept in a temporary file; then two
runs under callgrind slice the first 1 + N leaflets alike and render the first page alone (which
compiles the templates) or all 1 + N: the difference over N is what one page's rendering costs
(`kb.pages._Renderer.page`: the page, its Markdown, its data).

    python bench/page_instructions.py KB                 # 10 pages
    python bench/page_instructions.py KB --pages 20

Needs valgrind; each run takes some fifty times its own time (half a minute at 10 pages).
"""

from __future__ import annotations

import argparse
import gc
import os
import pickle
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any


def _render(inputs_file: Path, pages: int, rendered: int) -> None:
    """Under callgrind: the first `pages` leaflet slices made, the first `rendered` of them rendered."""
    from kb import pages as pages_

    gc.disable()  # as kb.cli does for every command
    made = pickle.loads(inputs_file.read_bytes())
    renderer = pages_._Renderer(made.root, "nl")
    slices: list[tuple[str, dict[str, Any]]] = []
    for path, piece in pages_.each_slice(made):
        if piece["kind"] != "leaflet" or len(slices) == pages:
            break
        slices.append((path, piece))
    for path, piece in slices[:rendered]:
        renderer.page(path, piece)


def _instructions(inputs_file: Path, pages: int, rendered: int) -> int:
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
               "--render", str(inputs_file), str(pages), str(rendered)]
    # the same hashes in every run: a dict's layout, and so the instructions, do not vary
    done = subprocess.run(command, check=False, capture_output=True, text=True,
                          env={**os.environ, "PYTHONHASHSEED": "0"})
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode or found is None:
        raise SystemExit(done.stderr[-2000:])
    return int(found.group(1))


def main() -> int:
    if sys.argv[1:2] == ["--render"]:
        _render(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kb", type=Path, help="a KB folder with a paged report (bench/scale.py writes some)")
    parser.add_argument("--pages", type=int, default=10, help="leaflet pages rendered after the first")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).parent))
    from render import inputs

    with tempfile.TemporaryDirectory(prefix="kb-instructions-") as folder:
        inputs_file = Path(folder) / "inputs.pickle"
        inputs_file.write_bytes(pickle.dumps(inputs(args.kb, "nl")))
        first = _instructions(inputs_file, 1 + args.pages, 1)
        every = _instructions(inputs_file, 1 + args.pages, 1 + args.pages)
    print(f"{(every - first) / args.pages:,.0f} instructions per leaflet page ({args.pages} pages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
