"""Writing output: atomically (temporary file, then rename), never over a file without leave.

A write that fails (no permission, a full disk, a file where a folder is needed, a folder
where the file should go) raises `CannotWrite`, which carries one located `cannot-write`
finding; its temporary files are removed first and the previous files stay. SIGINT,
SIGTERM and SIGHUP are held while a temporary file is created and recorded, and while a
finished set of files replaces the previous one: an interrupted run leaves no temporary
file behind and never half a set.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import secrets
import signal
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import Any, BinaryIO

from kb.findings import CANNOT_WRITE, Finding, Location


@dataclass(frozen=True)
class Slice:
    """Bytes `start` to `end` of the file `path`, standing for them among a streamed file's chunks."""

    path: Path
    start: int
    end: int

    def __bool__(self) -> bool:
        return self.end > self.start

    def read(self) -> bytes:
        with open(self.path, "rb") as reading:
            reading.seek(self.start)
            return reading.read(self.end - self.start)


# Text a renderer hands over piece by piece (jinja2's `generate`), or encoded chunks (a streamed
# report.json), written as they come; among chunks, a file's path (or a `Slice` of it) stands
# for its bytes, copied by the kernel where it can (a kept leaflet's part of report.json is not
# read into memory).


class Later:
    """A file's content still being made elsewhere (kb.pages: the index, in another process),
    read as its chunks: staged after every other file of its set (`write_all`), so that they are
    written meanwhile, and let go (`close`) once the set is written, or is not."""

    def __iter__(self) -> Iterator[bytes]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class Linked:
    """A file's content that another file on the disk holds as it is (kb.pagecache: a page rendered
    once, kept): staged as a hard link to that file (`source`, looked up when staged), so that not a
    byte is written again; where it cannot be (the file gone or changed, another file system, no
    hard links there), staged from `fallback`'s bytes."""

    def __init__(self, source: Callable[[], Path | None], fallback: Callable[[], bytes]) -> None:
        self.source = source
        self.fallback = fallback

    def __iter__(self) -> Iterator[bytes]:
        """The content, read: for whoever takes it as a streamed file's chunks."""
        found = self.source()
        try:
            yield found.read_bytes() if found is not None else self.fallback()
        except OSError:  # gone since it was looked up
            yield self.fallback()


Content = str | bytes | Iterable[str] | Iterable[bytes | Path | Slice] | Later | Linked
_PIECES = 65536  # pieces of streamed text joined and encoded at a time

_HELD = frozenset(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))

_REASONS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "read-only file system",
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "the file is too large for the file system",
}


class CannotWrite(Exception):
    """An output that cannot be written; `finding` names it and says why, in one line."""

    def __init__(self, path: Path, reason: str) -> None:
        self.finding: Finding = CANNOT_WRITE.finding(Location(path.as_posix(), 0), f"cannot write: {reason}")
        super().__init__(self.finding.format())


class WouldOverwrite(Exception):
    """The target exists and `--force` was not given."""


def _reason(path: Path, error: OSError, folder: bool = False) -> str:
    """What a person can do something about: the folder that is a file, the file that is a folder,
    the permission or the space, rather than the name of a temporary file. `path` is a file
    to write, or with `folder` a folder to make."""
    if not folder and (isinstance(error, IsADirectoryError) or path.is_dir()):
        return "a folder has this name; a folder is never replaced by a file"
    blocker = next((p for p in ([path] if folder else []) + list(path.parents) if p.exists() and not p.is_dir()),
                   None)
    if blocker is not None:
        return f"{blocker.as_posix()} is a file, not a folder"
    return _REASONS.get(error.errno or 0) or (error.strerror or str(error)).lower()


@contextmanager
def _writing(path: Path, folder: bool = False) -> Iterator[None]:
    """Turns the file system's refusal to write `path` (a file, or with `folder` a folder) into
    `CannotWrite`."""
    try:
        yield
    except OSError as error:
        raise CannotWrite(path, _reason(path, error, folder)) from error


@contextmanager
def held() -> Iterator[None]:
    """Signals wait (and then arrive) until the block is done: a temporary file is recorded as
    soon as it exists, a set of files is replaced whole. Python runs its handlers in the main
    thread, which is the thread that writes."""
    if not _HELD or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def make_folder(path: Path) -> None:
    """`path` and its parents as folders (mkdir -p); `CannotWrite` when one cannot be made."""
    with _writing(path, folder=True):
        path.mkdir(parents=True, exist_ok=True)


def _stage(path: Path, content: Content, staged: list[str], sync: bool = True) -> str:
    """`content` in a temporary file beside `path`, flushed to disk (with `sync`: else its file
    system is synced once the whole set is staged, `_sync_all`); returns its name.

    The name is in `staged` from the moment the file exists, so that whoever catches an
    exception (a full disk, a signal, a template's error while the text is streamed) can
    remove it."""
    with _writing(path):  # named by the file it was to hold: `build is a file, not a folder`
        path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, Linked):
        source = content.source()
        linked = _linked(path, source, staged, sync) if source is not None else None
        if linked is not None:
            return linked
        content = content.fallback()
    with _writing(path), held():
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        staged.append(temporary)
        handle = os.fdopen(fd, "wb")
    try:
        if isinstance(content, (str, bytes)):
            with _writing(path):
                handle.write(content.encode("utf-8") if isinstance(content, str) else content)
        else:  # a large report never exists whole in memory, as text and again as UTF-8
            pieces: Iterator[str | bytes | Path | Slice] = iter(content)
            first = next(pieces, b"")  # rendering: its errors are the renderer's
            if isinstance(first, (bytes, Path, Slice)):  # encoded chunks: written as they come, the small together
                waiting: list[bytes] = []
                size = 0
                for piece in chain((first,), pieces, (None,)):  # None: the end, all that waits written
                    if isinstance(piece, (bytes, str)):
                        waiting.append(piece if isinstance(piece, bytes) else piece.encode("utf-8"))
                        size += len(waiting[-1])
                        if size < _GATHER:
                            continue
                    with _writing(path):
                        handle.write(b"".join(waiting))
                    waiting, size = [], 0
                    if isinstance(piece, (Path, Slice)):
                        _copy(piece, handle, path)
            else:
                texts = chain((first,), (p if isinstance(p, str) else chunk_bytes(p).decode("utf-8") for p in pieces))
                while chunk := "".join(islice(texts, _PIECES)):
                    with _writing(path):
                        handle.write(chunk.encode("utf-8"))
        with _writing(path):
            handle.flush()
            if sync:
                os.fsync(handle.fileno())
            os.chmod(temporary, 0o644)
    finally:
        try:
            handle.close()
        except OSError:  # a flush that failed again, while its first failure is on its way
            pass
    return temporary


_GATHER = 1 << 20  # small encoded chunks are written together up to this many bytes


def _linked(path: Path, source: Path, staged: list[str], sync: bool) -> str | None:
    """A hard link to `source` beside `path` (`_stage`), its name in `staged` from the moment it
    exists; None where none can be made."""
    for _ in range(100):  # a name no other file has, as mkstemp finds one
        temporary = os.path.join(path.parent, f".{path.name}.{secrets.token_hex(6)}.tmp")
        with held():
            try:
                os.link(source, temporary)
            except FileExistsError:
                continue
            except OSError:  # another file system, no hard links there, the file gone: written instead
                return None
            staged.append(temporary)
        if sync:
            with _writing(path):
                fd = os.open(temporary, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        return temporary
    return None


def chunk_bytes(piece: bytes | Path | Slice) -> bytes:
    """A streamed file's chunk as its bytes: a file's (or a `Slice` of one's) read."""
    return piece if isinstance(piece, bytes) else piece.read_bytes() if isinstance(piece, Path) else piece.read()


def _copy(source: Path | Slice, handle: BinaryIO, path: Path) -> None:
    """The bytes of the file `source` (or of a `Slice` of one) appended to `handle` (the temporary
    file of `path`): copied by the kernel where it can, else read and written. An error opening
    `source` is its own (OSError); one writing, `path`'s (CannotWrite)."""
    whole, start = (source, 0) if isinstance(source, Path) else (source.path, source.start)
    left = None if isinstance(source, Path) else source.end - source.start
    with open(whole, "rb", buffering=0) as reading:  # read where the kernel's copy leaves its offset
        reading.seek(start)
        with _writing(path):
            handle.flush()
            left = _kernel_copy(reading.fileno(), handle.fileno(), left)
        while left is None or left > 0:  # from where the kernel's copy stopped, if it began
            piece = reading.read(1 << 20 if left is None else min(1 << 20, left))
            if not piece:
                return
            if left is not None:
                left -= len(piece)
            with _writing(path):
                handle.write(piece)


_NO_COPY = {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EBADF}  # no kernel copy here


def _kernel_copy(source: int, target: int, count: int | None) -> int | None:
    """`count` bytes (None: the rest) of the file `source` appended to `target` by the kernel
    (copy_file_range), from their offsets; what is left to copy where the kernel cannot (what it
    copied before it stopped stays copied): 0 when all is, None for the rest of the file."""
    if not hasattr(os, "copy_file_range"):
        return count
    left = count
    try:
        while left is None or left > 0:
            copied = os.copy_file_range(source, target, 1 << 30 if left is None else min(1 << 30, left))
            if not copied:
                return 0
            if left is not None:
                left -= copied
    except OSError as error:
        if error.errno in _NO_COPY:
            return left
        raise
    return 0


# From this many files a set's file systems are each synced once (syncfs) instead of each file
# (a paged report: 2,760 fsyncs at 10,000 works took seconds of waiting on the disk).
ONE_SYNC_FROM = 64


def _find_syncfs() -> Any:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        return libc.syncfs
    except (OSError, AttributeError, TypeError):  # not Linux: each file is synced
        return None


_syncfs = _find_syncfs()


def _sync_all(folder: Path, staged: list[str]) -> None:
    """Flush the staged files to disk: each file system they are on synced once (syncfs)."""
    devices: dict[int, str] = {}
    for temporary in staged:
        where = os.path.dirname(temporary)
        with _writing(folder, folder=True):
            devices.setdefault(os.stat(where).st_dev, where)
    for where in devices.values():
        with _writing(folder, folder=True):
            fd = os.open(where, os.O_RDONLY)
            try:
                if _syncfs(fd) != 0:
                    code = ctypes.get_errno()
                    raise OSError(code, os.strerror(code))
            finally:
                os.close(fd)


def _remove(staged: list[str]) -> None:
    for temporary in staged:
        Path(temporary).unlink(missing_ok=True)


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write `content` to `path` so that readers see the old file or the new one, never half."""
    write_all(path.parent, {path.name: content})


def write_all(folder: Path, files: Mapping[str, Content]) -> list[Path]:
    """Write every file of a finished rendering: all are staged before any replaces its old
    version, so that a run that fails while writing (a full disk) leaves the previous set whole."""
    staged: list[str] = []
    # a name may hold folders: report/leaflets/x.html; content still being made elsewhere (kb.pages:
    # the index, made in another process) is staged last, the rest written meanwhile
    names = sorted(files, key=lambda name: (isinstance(files[name], Later), name))
    targets = [folder / name for name in names]
    once = len(names) >= ONE_SYNC_FROM and _syncfs is not None
    try:
        for name, target in zip(names, targets):
            if once and isinstance(files[name], Later):
                # the files made elsewhere come last: those before are put on disk while they are
                # waited for, and each of these is synced on its own
                _sync_all(folder, staged)
                once = False
            _stage(target, files[name], staged, sync=not once)
        if once:
            _sync_all(folder, staged)
        for target in targets:  # checked before any is replaced: no half set
            if target.is_dir():
                raise CannotWrite(target, _reason(target, IsADirectoryError(errno.EISDIR, "")))
        with held():
            for temporary, target in zip(staged, targets, strict=True):
                with _writing(target):
                    os.replace(temporary, target)
    except BaseException:  # an OSError, a template's error, Ctrl-C or SIGTERM: nothing is left behind
        _remove(staged)
        raise
    finally:  # content made elsewhere, and the process making it, let go whether it was taken or not
        for content in files.values():
            if isinstance(content, Later):
                content.close()
    return [folder / name for name in sorted(files)]


def check_new(path: Path, force: bool) -> None:
    """`path` may be written by a command that takes `--out FILE` and `--force`: a folder is never
    replaced (`CannotWrite`), a file only with `force` (`WouldOverwrite`)."""
    if path.is_dir():
        raise CannotWrite(path, "it is a folder, which is never replaced; name a file")
    if path.exists() and not force:
        raise WouldOverwrite(f"{path} exists; use --force to replace it")


def write_new(path: Path, content: str | bytes, force: bool) -> None:
    check_new(path, force)
    write_atomic(path, content)
