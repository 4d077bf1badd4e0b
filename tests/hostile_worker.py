"""The work of tests/test_hostile_hangs.py, done in a worker process that the test can stop: a
hang in a regular expression holds the interpreter, so only another process can bound its time."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from kb.citations.parse import find
from kb.cli import main


def groups(text: str) -> int:
    """How many citation groups `text` holds, as `kb extract` finds them."""
    return len(find(text))


def commands(folder: str, text: str, runs: list[list[str]]) -> list[tuple[int, str]]:
    """`text` as the leaflet of the knowledge base in `folder`, then each `kb` command of `runs`
    (`{text}` standing for the leaflet's path): each one's exit code and what it printed."""
    leaflet = Path(folder) / "claims" / "doc.txt"
    leaflet.write_text(text, encoding="utf-8")
    results = []
    for args in runs:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--kb", folder, *(str(leaflet) if arg == "{text}" else arg for arg in args)])
        results.append((code, out.getvalue() + err.getvalue()))
    return results
