"""The report cache: a finished rendering in `build/.cache`, keyed by a content hash of every input.

The key covers references.bib, kb.toml, verification.json, every file under claims/ and the KB's templates/,
any leaflet text a claims file names outside claims/, the packaged templates, interface
text and code, the package version and the report language: any change to any of them is
a miss. A hit writes nothing that is already in place (the cached files are hard links to
the report that was written); otherwise each file is put back atomically. An input file whose
status (size, times, inode, mode) is what it was when last hashed is not read again (inputs.json).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb import __version__
from kb.findings import Finding
from kb.output import Linked, held
from kb.paths import LOOSE, MAX_BIB_BYTES, Files, settled

if TYPE_CHECKING:
    from kb.pagecache import Written

CACHE_DIR = ".cache"
KEEP = 4  # cache entries kept; older ones are removed when a new one is stored
_HASHED_FOLDERS = ("claims", "templates")
_HASHED_FILES = ("references.bib", "kb.toml", "verification.json")


@dataclass(frozen=True)
class Hit:
    """A cached rendering that matches the inputs as they are now."""

    folder: Path  # the cache entry
    files: tuple[str, ...]  # names of the report files, e.g. report.html
    errors: tuple[str, ...]  # the error findings the run printed, formatted
    code: int  # the exit code of the run
    pages: dict[str, str] = field(default_factory=dict)  # a paged report's page files -> their page's key
    lang: str = ""  # the page cache's language (kb.pagecache.cache_folder)
    generation: str | None = None  # what kb.pagecache.remember says of the pages
    basis: str | None = None
    extra: tuple[Path, ...] = ()  # leaflet texts outside claims/ that the report read


def _files(root: Path) -> list[str]:
    """The KB's inputs, as paths: its files by name, and everything but a folder in its claims/ and
    templates/ (a named pipe or a broken link too, which `_digest` refuses: the KB is then read, and
    says why), in name order. A linked folder is not followed."""
    found = [(root / name).as_posix() for name in _HASHED_FILES]
    for folder in _HASHED_FOLDERS:
        inside = []
        for where, _, names in os.walk((root / folder).as_posix()):
            inside += [f"{where}/{name}" for name in names]
        found += sorted(inside)
    return found


def _digest(paths: list[str], files: Files = LOOSE, label: str = "",
            known: dict[str, list[Any]] | None = None) -> str | None:
    """The hash of `label` and the files' names and contents, read through `files` (`kb.paths`); None when one of `paths` is refused there (outside the KB, no regular file,
    too large): such a KB is read, and reading it says why, rather than hashed. With `known`
    (path -> [size, mtime, ctime, inode, mode, hash] of its last reading), a file whose status is the
    same is not read again; `known` takes what was read."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(label.encode("utf-8") + b"\0")
    for name in paths:
        digest.update(name.encode("utf-8", "surrogateescape") + b"\0")
        status = _status(name) if known is not None else None
        last = known.get(name) if known is not None else None
        if status is not None and last is not None and last[:-1] == status:
            digest.update(bytes.fromhex(last[-1]))
            continue
        content = files.read_present(Path(name), name, limit=MAX_BIB_BYTES)
        if isinstance(content, Finding):
            return None
        one = hashlib.blake2b(b"\1missing" if content is None else content, digest_size=20).digest()
        digest.update(one)
        if known is not None:
            if status is not None and content is not None:
                known[name] = [*status, one.hex()]
            else:
                known.pop(name, None)
    return digest.hexdigest()


def _status(path: str) -> list[int] | None:
    """What stands for the file's content while it is the same: None for a file changed so lately
    that it could change again without its times changing (kb.paths.settled): it is read."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    if not settled(found):
        return None
    # the change time too: a chmod, a new ACL or owner (a file no longer readable) changes it
    return [found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino, found.st_mode]


_KNOWN = "inputs.json"  # the status and hash of each input file as `key` last read it


def key(root: Path, lang: str, save: bool = False) -> str:
    """The content hash of every input of `kb report --lang lang` on the KB at `root`; "" when
    one cannot be read as an input (the report is then rendered, and reading it fails). A file
    whose size, times, inode and mode are those of its last reading is not read again; `save`:
    what was read is remembered (by a run that succeeded: a failing one leaves build/ as it was)."""
    if not root.is_dir():
        return ""
    files = Files(root)
    if isinstance(files.listing(root / "claims", "claims"), Finding):
        return ""  # a claims/ that cannot be listed looks empty to rglob
    memo = _folder(root) / _KNOWN
    try:
        known: dict[str, list[Any]] = json.loads(memo.read_bytes())
        if not isinstance(known, dict):
            known = {}
    except (OSError, ValueError):
        known = {}
    before = dict(known)
    from kb.pagecache import code

    found = _digest(_files(root), files, label=f"{__version__}/{lang}/{code()}", known=known)
    _learnt.pop(memo, None)
    if found and known != before:
        _learnt[memo] = known
        if save:
            remember(root)
    return found[:32] if found else ""


_learnt: dict[Path, dict[str, list[Any]]] = {}  # what `key` read anew, not yet remembered


def remember(root: Path) -> None:
    """Keep what `key` last read of the KB at `root` for the next run (a run that succeeded)."""
    memo = _folder(root) / _KNOWN
    known = _learnt.pop(memo, None)
    if known is not None and memo.parent.is_dir():
        _save(memo, json.dumps(known).encode("utf-8"))


def _save(path: Path, content: bytes) -> None:
    """A cache file written atomically; a cache only saves time, so a failure passes."""
    temporary = ""
    try:
        with held():
            fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(temporary, path)
    except OSError:
        if temporary:
            Path(temporary).unlink(missing_ok=True)


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
        if meta["extra"] and _digest(list(meta["extra"]), Files(root)) != meta["extra_digest"]:
            return None  # a leaflet text outside claims/ changed
        for name, signature in meta["signatures"].items():
            if _signature(entry / name) != signature:
                return None  # changed in place since it was stored
        pages = meta.get("pages", {})
        if pages:
            from kb.pagecache import cache_folder

            folder = cache_folder(root, lang)
            if not all(os.path.isfile(folder / key) for key in set(pages.values())):
                return None  # its pages are no longer in the page cache
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return Hit(entry, tuple(meta["signatures"]), tuple(meta["errors"]), int(meta["code"]), pages, lang,
               meta.get("generation"), meta.get("basis"), tuple(Path(p) for p in meta["extra"]))


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


def _link(source: Path, target: Path) -> None:
    """`target`, a new name in a folder no one else reads, becomes a hard link to `source`, or a copy."""
    if not target.parent.is_dir():
        target.parent.mkdir(parents=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def restore(hit: Hit, out: Path, root: Path) -> list[Path]:
    """Put the cached files in `out`; those already there (the same file, or a page file holding
    its page as the page cache wrote it) are left alone. OSError: the entry is not whole."""
    written = []
    for name in sorted(hit.files):
        target = out / name
        if not _same_file(hit.folder / name, target):
            _place(hit.folder / name, target)
        written.append(target)
    if hit.pages:
        written += _restore_pages(hit, out, root)
    return sorted(written)


def _restore_pages(hit: Hit, out: Path, root: Path) -> list[Path]:
    """A paged report's page files, from the page cache (kb.pagecache) where they are not in place."""
    from kb import pagecache
    from kb.output import write_all

    folder = pagecache.cache_folder(root, hit.lang)
    there = pagecache.last(folder, out).get("files", {})
    files: dict[str, Linked] = {}
    for name, page in hit.pages.items():
        if not pagecache.unchanged(there, out, name, page):
            if pagecache.source(folder, page, name) is None:
                raise FileNotFoundError(folder / page)
            files[name] = Linked(partial(pagecache.source, folder, page, name), partial(_read, folder, page, name))
    if files:
        write_all(out, files)
    if files or there.keys() != hit.pages.keys():
        pagecache.remember(folder, pagecache.Written(out, ledger=hit.pages, generation=hit.generation,
                                                     basis=hit.basis))
    return [out / name for name in hit.pages]


def _read(folder: Path, page: str, name: str) -> bytes:
    """A page's file as the page cache keeps it, where it cannot be linked (kb.output.Linked)."""
    from kb import pagecache

    content = pagecache.read(folder, page, name)
    if content is None:  # pruned since it was looked up: the entry is not whole
        raise FileNotFoundError(folder / page)
    return content


def store(root: Path, inputs: str, written: list[Path], errors: list[str], code: int,
          extra: list[Path], out: Path | None = None, pages: Written | None = None) -> None:
    """Keep the report just written under `inputs`; a concurrent run that stored first wins.
    With `out`, the folder the files were written in, each keeps its path from there (a paged
    report's report/leaflets/x.html), else its name. With `pages`, a paged report's page files
    are kept as the keys of their pages in the page cache (kb.pagecache), not as files."""
    if not inputs:
        return
    cache = _folder(root)
    cache.mkdir(parents=True, exist_ok=True)
    staging: Path | None = None
    ledger = pages.ledger if pages is not None else {}
    try:
        with held():
            staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=cache))
        located = {_relative(path, out) if out is not None else path.name: path for path in written}
        names = [name for name in located if name not in ledger]
        for name in names:
            _link(located[name], staging / name)  # the staging folder is made whole, then renamed into place
        meta = {
            "signatures": {name: _signature(staging / name) for name in names},
            "errors": errors,
            "code": code,
            "extra": [p.as_posix() for p in extra],
            "extra_digest": _digest([p.as_posix() for p in extra], Files(root)),
            "pages": ledger,
            "generation": pages.generation if pages is not None else None,
            "basis": pages.basis if pages is not None else None,
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


def _relative(path: Path, out: Path) -> str:
    """`path`, a file written in `out`, from there, with forward slashes (Path.relative_to, cheaper)."""
    base = str(out) + os.sep
    found = str(path)
    return found[len(base):].replace(os.sep, "/") if found.startswith(base) else path.relative_to(out).as_posix()


def _prune(cache: Path) -> None:
    # The reports kept, named by their key (`key`): not a staging folder, nor kb/incremental.py's state.
    entries = sorted((p for p in cache.iterdir() if p.is_dir() and len(p.name) == 32 and p.name.isalnum()),
                     key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in entries[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)
