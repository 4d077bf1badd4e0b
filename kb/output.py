"""Writing output: atomically (temporary file, then rename), never over a file without leave."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write `content` to `path` so that readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_all(folder: Path, files: dict[str, str | bytes]) -> list[Path]:
    """Write every file of a finished rendering; each one atomically."""
    written = []
    for name, content in sorted(files.items()):
        target = folder / name
        write_atomic(target, content)
        written.append(target)
    return written


class WouldOverwrite(Exception):
    """The target exists and `--force` was not given."""


def write_new(path: Path, content: str | bytes, force: bool) -> None:
    if path.exists() and not force:
        raise WouldOverwrite(f"{path} exists; use --force to replace it")
    write_atomic(path, content)
