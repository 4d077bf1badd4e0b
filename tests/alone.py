"""The processes a build starts apart (kb.apart), as tests see them: a test's body run in a process
of its own (the threads of the test run, a browser's watchers, a pool's handlers, would keep a
command from copying itself: no fork beside a thread), and the processes started, counted."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


class Processes(list[Any]):
    """The processes a command starts apart (kb.apart), through `spy`, a stand-in for
    `Apart.fork` or `Apart.start`: the real one (`real`) for a target `wanted` says yes to, each
    process it starts (or None) kept in this list and its target in `targets`; no process (None)
    for any other target."""

    def __init__(self, real: Callable[..., Any], wanted: Callable[[Any], bool] = lambda target: True) -> None:
        super().__init__()
        self.targets: list[Any] = []
        self._real = real
        self._wanted = wanted

    def spy(self, target: Any, *args: Any) -> Any:
        if not self._wanted(target):
            return None
        self.targets.append(target)
        self.append(self._real(target, *args))
        return self[-1]
