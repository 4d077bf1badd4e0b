"""Progress of a long command: a bar on standard error when that is a terminal, nothing otherwise."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kb.printable import printable


def _silent(what: str) -> None:
    return None


@contextmanager
def bar(root: Path, after: int = 4, total: int | None = None) -> Iterator[Callable[[str], None]]:
    """Yields `advance(what)`: one step done, `what` the one now under way.

    The steps are references.bib, each claims file, then `after` more: for `kb report` the
    graph, rendering, writing and done; or `total` steps when given (`kb verify`: the records).
    """
    if not sys.stderr.isatty():
        yield _silent
        return
    from tqdm import tqdm

    # no monitor thread: a command with a thread beside its own cannot use a copy of itself
    # (kb.apart.Apart.fork, kb.apa.style.shared), whose lock the thread might hold
    tqdm.monitor_interval = 0
    claims = root / "claims"
    if total is None:
        files = len(list(claims.glob("*.yaml")) + list(claims.glob("*.yml"))) if claims.is_dir() else 0
        total = 1 + files + after
    with tqdm(total=total, file=sys.stderr, unit="step", leave=False,
              dynamic_ncols=True, mininterval=0.2) as shown:
        started = False

        def advance(what: str) -> None:
            nonlocal started
            if started:
                shown.update(1)
            started = True
            shown.set_description_str(printable(what)[:40], refresh=False)  # a claims file's name, escaped

        yield advance
