"""The page cache of a paged report (kb/pages.py): each page's files kept by a hash of what it
is rendered from (its path and slice, the language, the KB's templates, the package), so that
a page whose slice did not change is not rendered again.

An entry is in `build/.cache/.pages/<lang>/`: each of the page's files in a file of its own, named
by the key and its number (`<key>.0`), so that the report's page file can be a hard link to it
(kb.output.Linked: a cold build writes each page once), and the list of them in a file named by
the key: a first line, then the files' names, sizes and times (JSON). A file whose size or time
is not the one listed (a report's page file changed by hand, which is the same file) is a miss.
A page cache only saves time: it is written without fsync, and a failure to read or write it is a
miss.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from kb import __version__


def cache_folder(root: Path, lang: str) -> Path:
    """Where the page cache keeps the pages of `lang`: in the report cache's folder (kb/cache.py),
    under a name its pruning of whole reports passes by."""
    from kb.cache import CACHE_DIR

    return root / "build" / CACHE_DIR / ".pages" / lang


@cache
def code() -> str:
    """A hash of the package (code, packaged templates, interface text) and its version."""
    digest = hashlib.blake2b(__version__.encode("utf-8"), digest_size=20)
    package = Path(__file__).parent
    for path in sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(package).as_posix().encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def templates(root: Path) -> str:
    """A hash of the KB's own templates/, which come before the packaged ones."""
    digest = hashlib.blake2b(digest_size=20)
    folder = root / "templates"
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.relative_to(folder).as_posix().encode("utf-8", "surrogateescape") + b"\0"
                          + path.read_bytes() + b"\0")
    return digest.hexdigest()


def page_key(path: str, piece: dict[str, Any], lang: str, templates: str) -> str:
    """The page cache's key: the page's path and slice, the language, the templates and the code."""
    digest = hashlib.blake2b(digest_size=20)
    for part in (path.encode("utf-8"), lang.encode("utf-8"), templates.encode("ascii"), code().encode("ascii")):
        digest.update(part + b"\0")
    digest.update(orjson.dumps(piece, option=orjson.OPT_SORT_KEYS))
    return digest.hexdigest()


_MAGIC = b"kb-page 2\n"  # an entry's first line; then its files' names, sizes and times (JSON) on one line


def _file(folder: Path, key: str, i: int) -> Path:
    return folder / f"{key}.{i}"


def _listed(folder: Path, key: str) -> list[list[Any]] | None:
    """An entry's files: [name, size, time (ns)] each, in order; None for no entry of this kind."""
    try:
        with open(folder / key, "rb") as handle:
            if handle.read(len(_MAGIC)) != _MAGIC:
                return None
            line = handle.readline(1 << 20)
        names = orjson.loads(line) if line.endswith(b"\n") else None
    except (OSError, orjson.JSONDecodeError):
        return None
    return names if isinstance(names, list) else None


def _as_kept(path: Path, size: int, time: int) -> bool:
    """Whether the file at `path` is as the cache wrote it: a report's page file may be this very
    file (`source`), and one changed by hand changes it too. A link is never the cache's (one
    put there would bring a file from outside the KB into the report)."""
    try:
        found = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(found.st_mode) and found.st_size == size and found.st_mtime_ns == time


def lookup(folder: Path, key: str) -> list[str] | None:
    """The names of the files the cached page `key` holds (read with `read`, linked with `source`),
    or None when it is not whole in the cache, or one of its files changed since it was kept."""
    listed = _listed(folder, key)
    if listed is None or not all(_as_kept(_file(folder, key, i), size, time)
                                 for i, (_, size, time) in enumerate(listed)):
        return None
    return [name for name, _, _ in listed]


def source(folder: Path, key: str, name: str) -> Path | None:
    """The cache's file holding the file `name` of the page `key`, as it was kept; None when it
    is not there (pruned meanwhile) or changed since."""
    for i, (each, size, time) in enumerate(_listed(folder, key) or []):
        if each == name:
            path = _file(folder, key, i)
            return path if _as_kept(path, size, time) else None
    return None


def read(folder: Path, key: str, name: str) -> bytes | None:
    """The file `name` of the cached page `key`, or None when it is not there (pruned meanwhile)."""
    path = source(folder, key, name)
    try:
        return path.read_bytes() if path is not None else None
    except OSError:
        return None


def keep(folder: Path, key: str, files: dict[str, bytes]) -> bool:
    """Put a page's files in the cache, a file each and the list of them (a page cache only saves
    time: no fsync, failures pass); whether they are there. Each file may become a report's page
    file too (kb.output.Linked): it is readable by all, as a written report is."""
    temporary = ""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        listed = []
        for i, (name, content) in enumerate(files.items()):
            temporary = _written(folder, content)
            found = os.stat(temporary)
            os.replace(temporary, _file(folder, key, i))
            temporary = ""
            listed.append([name, found.st_size, found.st_mtime_ns])
        temporary = _written(folder, _MAGIC + orjson.dumps(listed) + b"\n")
        os.replace(temporary, folder / key)
    except OSError:
        if temporary:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        return False
    return True


def _written(folder: Path, content: bytes) -> str:
    fd, temporary = tempfile.mkstemp(prefix=".page.", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.chmod(temporary, 0o644)
    except OSError:
        os.unlink(temporary)
        raise
    return temporary


def prune(folder: Path, used: set[str]) -> None:
    """Every file of the cache that is no file of the pages `used` removed (an entry's list is named
    by its key, its files by the key and their number)."""
    try:
        for entry in os.scandir(folder):
            if entry.name.split(".", 1)[0] not in used and entry.is_file():
                os.unlink(entry.path)
    except OSError:
        pass


_WRITTEN = "written.json"  # which page file of the report folder holds which cached page


def _stat(path: Path) -> list[int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return [found.st_size, found.st_mtime_ns, found.st_ino]


@dataclass
class Written:
    """A paged report's files in its output folder `out`, as one build leaves them: each page file
    with the key of the page it holds (`ledger`), those left as they were (`same`), and what the
    build rendered from (`generation`: the incremental build's, kb.incremental.Scope; `basis`:
    the language, templates and code), so that the next build can tell which pages it must look at."""

    out: Path
    same: list[str] = field(default_factory=list)
    ledger: dict[str, str] = field(default_factory=dict)
    generation: str | None = None
    basis: str | None = None
    seen: dict[str, list[int]] = field(default_factory=dict)  # a file of `same` -> what it was found to be


def remember(folder: Path, written: Written) -> None:
    """After the report is written: each page file of `out` with the key of the page it holds
    and what its file is now (size, time, inode), so that the next run leaves it alone while
    both are unchanged. A cache only saves time: failures pass."""
    files = {}
    for name, key in written.ledger.items():
        found = written.seen[name] if name in written.seen else _stat(written.out / name)
        if found is not None:
            files[name] = [key, *found]
    try:
        fd, temporary = tempfile.mkstemp(prefix=".written.", dir=folder)
        with os.fdopen(fd, "wb") as handle:
            handle.write(orjson.dumps({"out": os.path.abspath(written.out), "files": files,
                                       "generation": written.generation, "basis": written.basis}))
        os.replace(temporary, folder / _WRITTEN)
    except OSError:
        pass


def last(folder: Path, out: Path) -> dict[str, Any]:
    """What `remember` last said of the report folder `out` (nothing for another folder): its
    `files` (name -> [key, size, time, inode]), `generation` and `basis`."""
    try:
        data = orjson.loads((folder / _WRITTEN).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    if not isinstance(data, dict) or data.get("out") != os.path.abspath(out) or not isinstance(data.get("files"), dict):
        return {}
    return data


def unchanged(there: dict[str, list[Any]], out: Path, name: str, key: str) -> list[int] | None:
    """What `out`/`name` is found to be (size, time, inode) when it still holds the page `key` as
    this cache wrote it there; else None."""
    found = there.get(name)
    if found is None or found[0] != key:
        return None
    now = _stat(out / name)
    return now if now is not None and found[1:] == now else None
