"""One piece of a build done in another process, on a core the command leaves idle, while the
command goes on with the rest (kb/incremental.py: a first build renders the works' reference
entries apart while it audits the leaflets).

The process is started fresh ("spawn"), given its arguments (pickled: they are the command's own
data, never read from a file), or it is a copy of the command (`fork`: a piece that reads what
the command holds: kb/pages.py's index after an edit, the last half of the leaflets a first build
audits, as the command read them); it sends back its result once. It ignores Ctrl-C, which the
command handles, and it is a daemon: a command that stops, whatever the reason, ends it
(`close`). A piece that could not be done apart (no process started, the process gone, an
exception in it) is None to the command, which then does it itself.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, NoReturn

from kb.output import held

_SIGNALS = {getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)} \
    if hasattr(signal, "pthread_sigmask") else set()


_ENDING = 1.0  # seconds a process that has sent its result is given to end before it is stopped


class Apart:
    """`target(*args)` running in another process (`start`), its result taken with `result`."""

    def __init__(self, process: Any, connection: Connection) -> None:
        self._process = process
        self._connection = connection

    @classmethod
    def start(cls, target: Callable[..., Any], *args: Any) -> Apart | None:
        """`target` (a module's function) called with `args` in a new process; None when no process
        could be started."""
        try:
            tracker_started()
        except (OSError, RuntimeError):
            return None
        return cls._started("spawn", target, args)

    @classmethod
    def fork(cls, target: Callable[..., Any], *args: Any) -> Apart | None:
        """`target(*args)` in a copy of this process, which reads the command's data where it lies
        (nothing is sent); None where no copy can be made: no fork on this system, or a thread
        running beside this one (a lock it holds would be held for ever in the copy)."""
        if not can_fork():
            return None
        flush_output()
        return cls._started("fork", target, args)

    @classmethod
    def _started(cls, method: str, target: Callable[..., Any], args: tuple[Any, ...]) -> Apart | None:
        context = multiprocessing.get_context(method)
        receiving, sending = context.Pipe(duplex=False)
        process = context.Process(target=_run, args=(sending, target, args), daemon=True)  # type: ignore[attr-defined]
        try:
            with held():  # started with the signals held: it ignores Ctrl-C from its first instruction
                process.start()
        except (OSError, RuntimeError):
            receiving.close()
            return None
        finally:
            sending.close()
        return cls(process, receiving)

    def result(self) -> Any:
        """What `target` returned, waited for; None when it failed, whatever the reason."""
        try:
            outcome, value = self._connection.recv()
            self._process.join(_ENDING)  # it ends once it has sent it
        except (EOFError, OSError):  # the process ended without a result
            outcome, value = "failed", None
        finally:
            self.close()
        return value if outcome == "done" else None

    def close(self) -> None:
        """The process ended (stopped if it still runs) and its pipe closed."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._connection.close()


def tracker_started() -> None:
    """multiprocessing's resource tracker running, started before a process is started with the
    signals held: starting it unblocks SIGINT and SIGTERM (its own way of holding them while it
    starts), which would let a Ctrl-C reach the new interpreter during its start-up, before it
    ignores Ctrl-C, and kill it with a traceback of its own."""
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()


def _run(sending: Connection, target: Callable[..., Any], args: tuple[Any, ...]) -> None:
    if _SIGNALS:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for name in ("SIGTERM", "SIGHUP"):  # a copy of the command has its handlers: it is ended quietly
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)
    try:
        sending.send(("done", target(*args)))
    except Exception:  # noqa: BLE001  (the command does the piece itself, and meets the error there)
        sending.send(("failed", None))
    finally:
        sending.close()
    end_copy()


def can_fork() -> bool:
    """Whether a copy of this process (a fork) may be made: fork on this system, and no thread
    running beside this one (a lock it holds would be held for ever in the copy)."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def flush_output() -> None:
    """What waits to be written to stdout and stderr written, once: before a copy is made (else
    both would write it), and as a copy ends."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()


def end_copy() -> NoReturn:
    """A copy of the command, its work done and sent, ended at once: the interpreter's exit would
    free, one by one, every object the copy holds (some hundredths of a second the command waits)."""
    flush_output()
    os._exit(0)
