"""A test's body run in a process of its own: the threads of the test run (a browser's watchers,
a pool's handlers) would keep a command from copying itself (kb.apart: no fork beside a thread)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def in_a_process(module: str, function: str, *folders: Path) -> str:
    """What `function` of the test module `module` prints, called with `folders` in a new
    interpreter; its errors fail the test."""
    arguments = ", ".join(f"Path({str(folder)!r})" for folder in folders)
    script = f"import sys\nsys.path.insert(0, {str(REPO / 'tests')!r})  # its helpers, as pytest finds them\n" \
             f"from pathlib import Path\nfrom tests.{module} import {function}\n{function}({arguments})\n"
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=600,
                          check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout
