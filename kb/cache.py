"""The report cache: a finished rendering in `build/.cache`, keyed by a content hash of every input.

The key covers references.bib, kb.toml, verification.json, every file under claims/ and the KB's templates/,
any leaflet text a claims file names outside claims/, the packaged templates, interface
text and code, the package version and the report language: any change to any of them is
a miss. A hit writes nothing that is already in place (the cached files are hard links to
the report that was written); otherwise each file is put back atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kb import __version__
from kb.findings import Finding
from kb.output import held
from kb.paths import LOOSE, MAX_BIB_BYTES, Files

CACHE_DIR = ".cache"
KEEP = 4  # cache entries kept; older ones are removed when a new one is stored
_PACKAGE = Path(__file__).parent
_HASHED_FOLDERS = ("claims", "templates")
_HASHED_FILES = ("references.bib", "kb.toml", "verification.json")


@dataclass(frozen=True)
class Hit:
    """A cached rendering that matches the inputs as they are now."""

    folder: Path  # the cache entry
    files: tuple[str, ...]  # names of the report files, e.g. report.html
    errors: tuple[str, ...]  # the error findings the run printed, formatted
    code: int  # the exit code of the run


def _files(root: Path) -> list[Path]:
    """The KB's inputs: its files by name, and everything but a folder in its claims/ and templates/
    (a named pipe or a broken link too, which `_digest` refuses: the KB is then read, and says why)."""
    found = [root / name for name in _HASHED_FILES]
    for folder in _HASHED_FOLDERS:
        found += sorted(p for p in (root / folder).rglob("*") if not p.is_dir())
    return found


def _package() -> list[Path]:
    return sorted(p for p in _PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def _digest(paths: list[Path], files: Files = LOOSE, package: list[Path] | None = None, label: str = "") -> str | None:
    """The hash of `label`, the files' names and contents, read through `files` (`kb.paths`), and
    the `package`'s; None when one of `paths` is refused there (outside the KB, no regular file,
    too large): such a KB is read, and reading it says why, rather than hashed."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(label.encode("utf-8") + b"\0")
    for path in paths:
        digest.update(path.as_posix().encode("utf-8", "surrogateescape") + b"\0")
        content = files.read_present(path, path.as_posix(), limit=MAX_BIB_BYTES)
        if isinstance(content, Finding):
            return None
        digest.update(b"\1missing" if content is None else content)
        digest.update(b"\0")
    for path in package or ():
        digest.update(path.as_posix().encode("utf-8", "surrogateescape") + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def key(root: Path, lang: str) -> str:
    """The content hash of every input of `kb report --lang lang` on the KB at `root`; "" when
    one cannot be read as an input (the report is then rendered, and reading it fails)."""
    if not root.is_dir():
        return ""
    files = Files(root)
    if isinstance(files.listing(root / "claims", "claims"), Finding):
        return ""  # a claims/ that cannot be listed looks empty to rglob
    found = _digest(_files(root), files, _package(), f"{__version__}/{lang}")
    return found[:32] if found else ""


def _folder(root: Path) -> Path:
    return root / "build" / CACHE_DIR


def _signature(path: Path) -> list[int]:
    status = path.stat()
    return [status.st_size, status.st_mtime_ns, status.st_ino]


def lookup(root: Path, lang: str, inputs: str) -> Hit | None:
    """The cached rendering for `inputs` (from `key`), if there is one and it is intact."""
    entry = _folder(root) / inputs
    try:
        meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
        if meta["extra"] and _digest([Path(p) for p in meta["extra"]], Files(root)) != meta["extra_digest"]:
            return None  # a leaflet text outside claims/ changed
        for name, signature in meta["signatures"].items():
            if _signature(entry / name) != signature:
                return None  # changed in place since it was stored
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return Hit(entry, tuple(meta["signatures"]), tuple(meta["errors"]), int(meta["code"]))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _place(source: Path, target: Path) -> None:
    """`target` becomes a copy of `source` atomically: a hard link where it can, else a copy."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = ""
    try:
        with held():  # a signal comes once the name is known, so that it is removed (kb/output.py)
            fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            os.close(fd)
        os.unlink(temporary)
        try:
            os.link(source, temporary)
        except OSError:
            shutil.copyfile(source, temporary)
        os.replace(temporary, target)
        # Renaming a link onto another link of the same file (put there meanwhile by a
        # concurrent run) does nothing at all, and leaves the temporary name behind.
        Path(temporary).unlink(missing_ok=True)
    except BaseException:
        if temporary:
            Path(temporary).unlink(missing_ok=True)
        raise


def restore(hit: Hit, out: Path) -> list[Path]:
    """Put the cached files in `out`; those already there (the same file) are left alone."""
    written = []
    for name in sorted(hit.files):
        target = out / name
        if not _same_file(hit.folder / name, target):
            _place(hit.folder / name, target)
        written.append(target)
    return written


def store(root: Path, inputs: str, written: list[Path], errors: list[str], code: int,
          extra: list[Path], out: Path | None = None) -> None:
    """Keep the report just written under `inputs`; a concurrent run that stored first wins.
    With `out`, the folder the files were written in, each keeps its path from there (a paged
    report's report/leaflets/x.html), else its name."""
    if not inputs:
        return
    cache = _folder(root)
    cache.mkdir(parents=True, exist_ok=True)
    staging: Path | None = None
    try:
        with held():
            staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=cache))
        names = [path.relative_to(out).as_posix() if out is not None else path.name for path in written]
        for path, name in zip(written, names, strict=True):
            _place(path, staging / name)
        meta = {
            "signatures": {name: _signature(staging / name) for name in names},
            "errors": errors,
            "code": code,
            "extra": [p.as_posix() for p in extra],
            "extra_digest": _digest(extra, Files(root)),
        }
        (staging / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        try:
            os.rename(staging, cache / inputs)
        except OSError:  # stored meanwhile by a concurrent run with the same inputs
            return
    finally:
        if staging is not None and staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    _prune(cache)


def _prune(cache: Path) -> None:
    # The reports kept, named by their key (`key`): not a staging folder, nor kb/incremental.py's state.
    entries = sorted((p for p in cache.iterdir() if p.is_dir() and len(p.name) == 32 and p.name.isalnum()),
                     key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in entries[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)
