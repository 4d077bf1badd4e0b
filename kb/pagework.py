"""A paged report's pages rendered in other processes beside the one that slices them
(kb/pages.py `render`): a page is a pure function of its slice, so a worker renders it as the
command would, and puts its files in the page cache (kb/pagecache.py), from where the report
reads them as it writes them. On two cores the command slices and renders while a worker renders.
Below kb.pages.COPY_MOST claims a copy of the command (a fork, which slices its own pages) takes
the workers' place (kb.pages._render_share); workers render above it, and where no copy can be made.

Workers are started fresh ("spawn"), not forked: each holds a renderer and the slice it is
given, not a copy of the report's inputs (hundreds of MB at 50,000 works), nor a lock that a
thread of the command held at the fork. They ignore Ctrl-C, which the command handles: it stops
them. A page a worker could not render (a template's error, a worker gone) is rendered again by
the command itself, which reports the error as it reports it without workers.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from kb.apart import tracker_started
from kb.output import held

# Pages to render from which a worker is started: starting one costs a few tenths of a second
# of the other core (imports, templates), which a few dozen pages (one leaflet edited) do not repay.
PARALLEL_FROM = 100
AHEAD = 2  # pages given to a worker before it is done with the last: slices held at a time
MOST = 3  # workers at most, whatever the cores

# The signals a worker's start holds off (kb.output.held): it ignores Ctrl-C and dies of the others
_SIGNALS = {getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)} \
    if hasattr(signal, "pthread_sigmask") else set()

Outcome = list[str] | dict[str, bytes] | None  # the page's names in the cache, its files, or None: failed


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def spare_cores() -> int:
    """Cores that other processes leave idle, besides the one this process runs on. A worker on a
    busy core gains nothing and costs a fifth more CPU than the pages rendered here (the slices
    sent, the worker's start): measured at 10,000 works on two cores under a load of 4, 20 s of
    CPU against 17 for the same wall time.

    The other processes are the fewer of two counts: the last minute's load average, and the
    processes running now (`_running`). The average alone lags: after a build of a minute or
    more on two cores it stays above 1.5 for tens of seconds, and a build begun meanwhile took
    the machine for busy with the first one's processes (its pages rendered on one core, with
    no process apart). A machine busy with other work shows in both."""
    ours = 1 + len(multiprocessing.active_children())  # this process, and those it started
    try:
        others = os.getloadavg()[0] - 1  # this process is part of the load
    except OSError:  # no load average on this system
        others = 0.0
    now = _running()
    if now is not None:
        others = min(others, now - ours)
    return max(0, cores() - 1 - int(max(0.0, others) + 0.5))


_LOADAVG = "/proc/loadavg"  # its fourth field: the processes running now / all of them (Linux)


def _running(samples: int = 3) -> int | None:
    """How many processes are running now on the whole machine, this one among them: the median
    of a few looks (each is one instant's); None where the system does not say."""
    counts = []
    try:
        for _ in range(samples):
            with open(_LOADAVG, "rb") as handle:
                counts.append(int(handle.read().split()[3].split(b"/")[0]))
    except (OSError, ValueError, IndexError):
        return None
    return sorted(counts)[len(counts) // 2]


class Workers:
    """Workers rendering pages into the page cache `cache`, started at the first page given; at
    most `AHEAD` pages waiting per worker, so that the slices waiting are never many."""

    def __init__(self, root: Path, lang: str, compiled: Path | None, cache: Path, count: int) -> None:
        self.arguments = (root, lang, compiled, cache)
        self.count = count
        self.executor: ProcessPoolExecutor | None = None
        self.busy: list[Future[Outcome]] = []

    def submit(self, path: str, piece: dict[str, Any], key: str) -> Future[Outcome] | None:
        """The page at `path` rendered from `piece` and kept under `key` by a worker, or None
        when every worker has pages enough waiting (or none can be started): render it here."""
        self.busy = [f for f in self.busy if not f.done()]
        if len(self.busy) >= self.count * AHEAD:
            return None
        # Workers and the executor's threads are started by a submission, in this thread, with the
        # signals held: a thread keeps them blocked, so that they reach the command's main thread
        # (kb.output.held); a worker ignores Ctrl-C from its first instruction on (_start).
        try:
            if self.executor is None:
                tracker_started()  # before the signals are held: starting it unblocks them
            with held():
                if self.executor is None:
                    self.executor = ProcessPoolExecutor(self.count, mp_context=multiprocessing.get_context("spawn"),
                                                        initializer=_start, initargs=self.arguments)
                future = self.executor.submit(_render, path, piece, key)
        except (OSError, RuntimeError):  # no process could be started: the command renders alone
            return None
        self.busy.append(future)
        return future

    def close(self, cancel: bool = False) -> None:
        """The workers ended: after their pages, or with `cancel` (an error, Ctrl-C) after the
        page each has begun, the others dropped. Waited for either way: the command ends at once
        once it is done (kb.cli._leave), before the executor's thread could tell them to end,
        and a worker ignores Ctrl-C: it would wait for pages for ever."""
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=cancel)
            self.executor = None


def outcome(future: Future[Outcome]) -> Outcome:
    """What the worker made of its page; None when it failed, whatever the reason."""
    try:
        return future.result()
    except Exception:  # noqa: BLE001  (a worker gone, BrokenProcessPool; a page it could not send)
        return None


# ---- in a worker --------------------------------------------------------------------------------

_STATE: dict[str, Any] = {}


def _start(root: Path, lang: str, compiled: Path | None, cache: Path) -> None:
    if _SIGNALS:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)
    from kb import pages

    _STATE.update(renderer=pages._Renderer(root, lang, compiled), cache=cache)


def _render(path: str, piece: dict[str, Any], key: str) -> Outcome:
    from kb import pagecache

    try:
        page: dict[str, bytes] = _STATE["renderer"].page(path, piece)
    except Exception:  # noqa: BLE001  (the command renders the page again and reports its error)
        return None
    return list(page) if pagecache.keep(_STATE["cache"], key, page) else page
