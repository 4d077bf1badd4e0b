"""Writing output: atomically (temporary file, then rename), never over a file without leave."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping
from itertools import islice
from pathlib import Path

# Text a renderer hands over piece by piece (jinja2's `generate`), written as it comes.
Content = str | bytes | Iterable[str]
_PIECES = 65536  # pieces of streamed text joined and encoded at a time


def _stage(path: Path, content: Content) -> str:
    """`content` in a temporary file beside `path`, flushed to disk; returns its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(content, (str, bytes)):
                handle.write(content.encode("utf-8") if isinstance(content, str) else content)
            else:  # a large report never exists whole in memory, as text and again as UTF-8
                pieces = iter(content)
                while chunk := "".join(islice(pieces, _PIECES)):
                    handle.write(chunk.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return temporary


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write `content` to `path` so that readers see the old file or the new one, never half."""
    temporary = _stage(path, content)
    try:
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_all(folder: Path, files: Mapping[str, Content]) -> list[Path]:
    """Write every file of a finished rendering: all are staged before any replaces its old
    version, so that a run that fails while writing (a full disk) leaves the previous set whole."""
    staged: list[tuple[str, Path]] = []
    try:
        for name, content in sorted(files.items()):
            staged.append((_stage(folder / name, content), folder / name))
        for temporary, target in staged:
            os.replace(temporary, target)
    except BaseException:
        for temporary, _ in staged:
            Path(temporary).unlink(missing_ok=True)
        raise
    return [target for _, target in staged]


class WouldOverwrite(Exception):
    """The target exists and `--force` was not given."""


def write_new(path: Path, content: str | bytes, force: bool) -> None:
    if path.exists() and not force:
        raise WouldOverwrite(f"{path} exists; use --force to replace it")
    write_atomic(path, content)
