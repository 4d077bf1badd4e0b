"""Reading a knowledge base's files: only regular files inside its folder, of a bounded size.

Every reader of a KB file (references.bib, kb.toml, claims files, leaflet texts, templates,
and the report cache's hash of them) goes through `Files`, so that a name with `..`, an
absolute path or a symbolic link cannot copy a file from elsewhere into a report, and a named
pipe, a device or a huge file cannot hang a run or fill its memory. What is refused is a
finding; nothing of a refused file is read.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from kb.findings import OUTSIDE_KB, UNREADABLE_INPUT, Finding, Location

MEGABYTE = 1_000_000
MAX_BYTES = 50 * MEGABYTE  # a leaflet text, claims file, template or kb.toml: a leaflet is some 10 kB
MAX_BIB_BYTES = 200 * MEGABYTE  # references.bib: some 660 bytes a work, so about 300,000 works

# A file's times have the resolution of the kernel's clock tick (a few milliseconds; two seconds
# on some file systems): a file changed again within the tick it was read in keeps its times.
# Its status (size, times, inode) stands for its content only once its last change is older.
SETTLED_NS = 3_000_000_000


def settled(status: os.stat_result) -> bool:
    """Whether a file's status can stand for its content: its last change (its change time, which
    no one can set back) is old enough that any change from now on gives it another time."""
    return status.st_ctime_ns < time.time_ns() - SETTLED_NS


_KINDS = {  # what a file is, as a person calls it
    stat.S_IFREG: "a file",
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a named pipe",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}
# Opened without blocking (a named pipe put in place meanwhile opens at once, and is then refused),
# and not through a symbolic link: the path opened is the real one, checked, with none left in it.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)


@dataclass(frozen=True)
class Named:
    """Where a KB file names the path read: a finding about the name (outside the KB, missing)
    is located there, for that is where it is fixed."""

    location: Location  # the naming file and line, e.g. claims/a.yaml:3
    what: str  # what the path is, e.g. "the leaflet text"
    name: str  # the path as written there, e.g. "../leaflets/a.txt"


def _kind(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def _reason(error: OSError) -> str:
    """An operating system's refusal, in the words of a finding."""
    if error.errno == errno.ELOOP:
        return "a loop of symbolic links"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "cannot be read: permission denied"
    if error.errno == errno.ENOTDIR:
        return "cannot be read: a file stands where a folder is expected in its path"
    return f"cannot be read: {(error.strerror or type(error).__name__).lower()}"


def _open(path: str) -> int:
    """The file at the real path `path` opened for reading, as `_OPEN_FLAGS` says."""
    return os.open(path, _OPEN_FLAGS)


def _list(path: str) -> list[str]:
    return os.listdir(path)


class Files:
    """The files of one KB folder (`root`), or with `root` None those a person names on the
    command line, which may lie anywhere: read only when regular and within the size limit."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self._lexical = os.path.abspath(root) if root is not None else ""
        self._real = os.path.realpath(root) if root is not None else ""
        self._folders: dict[str, str] = {}  # a folder's absolute path -> its real one, for this read

    def shown(self, path: Path) -> str:
        """`path` relative to the KB root when its name lies inside it (links not followed), else as given."""
        full = os.path.normpath(os.path.abspath(path))
        if self.root is not None and _within(full, self._lexical):
            return Path(os.path.relpath(full, self._lexical)).as_posix()
        return path.as_posix()

    def _real_folder(self, folder: str) -> str:
        """Where `folder` really is; remembered for a KB (whose thousands of leaflets resolve claims/
        once), not for files named on the command line (`LOOSE` lives as long as the process)."""
        if self.root is None:
            return os.path.realpath(folder)
        real = self._folders.get(folder)
        if real is None:
            real = self._folders[folder] = os.path.realpath(folder)
        return real

    def _named_out(self, full: str, shown: str, named: Named | None) -> Finding | None:
        """An `outside-kb` finding when the name `full` itself lies outside the KB (`..`, an absolute
        path): at `named`, where it is written, when a KB file names it."""
        if self.root is None or _within(full, self._lexical):
            return None
        location = named.location if named else Location(shown, 0)
        what = f"{named.what} {named.name}" if named else shown
        return OUTSIDE_KB.finding(location, f"{what} lies outside the knowledge-base folder: a KB reads only its own files")

    def _linked_out(self, real: str, shown: str) -> Finding | None:
        """An `outside-kb` finding, at the file, when a symbolic link takes it to `real`, outside the KB."""
        if self.root is None or _within(real, self._real):
            return None
        return OUTSIDE_KB.finding(Location(shown, 0), f"a symbolic link out of the knowledge-base folder, to {real}: "
                                                      "a KB reads only its own files")

    def inside(self, path: Path, shown: str, named: Named | None = None) -> str | Finding:
        """The real path of `path` (symbolic links followed), when it lies inside the KB folder;
        else an `outside-kb` finding, at `named` when the name itself leads out, at the file when
        a symbolic link does. `read` checks every file the same way, as it looks at it."""
        full = os.path.normpath(os.path.abspath(path))
        folder, name = os.path.split(full)
        real = os.path.join(self._real_folder(folder), name)
        if os.path.islink(real):
            real = os.path.realpath(real)
        return self._named_out(full, shown, named) or self._linked_out(real, shown) or real

    def exists(self, path: Path) -> bool:
        """Whether there is anything at `path`, a broken symbolic link included."""
        return os.path.lexists(path)

    def read(self, path: Path, shown: str, named: Named | None = None, limit: int = MAX_BYTES) -> bytes | Finding:
        """The bytes of `path`, when it is a regular file inside the KB of at most `limit` bytes;
        else the finding that says why not (a missing file's at `named`, when a KB file names it)."""
        content = self.read_present(path, shown, named, limit)
        if content is not None:
            return content
        if named is not None:
            return UNREADABLE_INPUT.finding(named.location, f"{named.what} {shown} is missing")
        return UNREADABLE_INPUT.finding(Location(shown, 0), "file not found")

    def read_present(self, path: Path, shown: str, named: Named | None = None,
                     limit: int = MAX_BYTES) -> bytes | Finding | None:
        """As `read`, but None when nothing is at `path`.

        Where the file really is is checked before anything is opened: the name, then a link's
        target, against the KB folder; then what it is (a regular file) and its size, by `stat`;
        and again on what was opened (it may have been replaced meanwhile). One `lstat` of a file
        that is no link: the report cache does this for every file of a KB of thousands."""
        full = os.path.normpath(os.path.abspath(path))
        outside = self._named_out(full, shown, named)
        if outside is not None:
            return outside
        folder, name = os.path.split(full)
        real = os.path.join(self._real_folder(folder), name)
        try:
            status = os.lstat(real)
        except FileNotFoundError:
            return None
        except OSError as error:
            return UNREADABLE_INPUT.finding(Location(shown, 0), _reason(error))
        linked = stat.S_ISLNK(status.st_mode)
        if linked:
            real = os.path.realpath(real)
        outside = self._linked_out(real, shown)
        if outside is not None:
            return outside
        try:
            if linked:
                status = os.stat(real)
            if not stat.S_ISREG(status.st_mode):
                return self._refused(shown, status.st_mode)
            if status.st_size > limit:
                return _too_large(shown, status.st_size, limit)
            descriptor = _open(real)
            with os.fdopen(descriptor, "rb") as handle:
                status = os.fstat(descriptor)
                if not stat.S_ISREG(status.st_mode):
                    return self._refused(shown, status.st_mode)
                if status.st_size > limit:
                    return _too_large(shown, status.st_size, limit)
                # As much as fstat says, and a byte: asking for `limit` at once would allocate it.
                content = handle.read(min(status.st_size, limit) + 1)
                if len(content) > status.st_size:  # it grew meanwhile: the rest, up to the limit
                    content += handle.read(max(0, limit + 1 - len(content)))
        except FileNotFoundError:  # a broken link, or gone meanwhile
            if named is not None:
                return UNREADABLE_INPUT.finding(named.location, f"{named.what} {shown} is missing")
            return UNREADABLE_INPUT.finding(Location(shown, 0), "file not found")
        except OSError as error:
            return UNREADABLE_INPUT.finding(Location(shown, 0), _reason(error))
        if len(content) > limit:  # it grew while it was read
            return _too_large(shown, len(content), limit)
        return content

    def read_text(self, path: Path, shown: str, named: Named | None = None,
                  limit: int = MAX_BYTES) -> str | Finding:
        """The text of `path` as UTF-8, a leading byte order mark dropped and line ends made
        `\\n` (as Python's text files make them); a byte that is not UTF-8 is a finding at its line."""
        content = self.read(path, shown, named, limit)
        if isinstance(content, Finding):
            return content
        return decode(content, shown)

    def listing(self, path: Path, shown: str) -> list[str] | Finding | None:
        """The names in the folder `path`, sorted; None when there is none; a finding when it
        cannot be read, is no folder, or lies outside the KB."""
        if not os.path.lexists(path):
            return None
        real = self.inside(path, shown)
        if isinstance(real, Finding):
            return real
        try:
            status = os.stat(real)
            if not stat.S_ISDIR(status.st_mode):
                return UNREADABLE_INPUT.finding(Location(shown, 0), f"{_kind(status.st_mode)}, not a folder")
            return sorted(_list(real))
        except FileNotFoundError:
            return None
        except OSError as error:
            return UNREADABLE_INPUT.finding(Location(shown, 0), _reason(error))

    @staticmethod
    def _refused(shown: str, mode: int) -> Finding:
        kind = _kind(mode)
        if stat.S_ISDIR(mode):
            return UNREADABLE_INPUT.finding(Location(shown, 0), "a folder, not a file")
        return UNREADABLE_INPUT.finding(Location(shown, 0), f"{kind}, not a regular file: only regular files are read")


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _too_large(shown: str, size: int, limit: int) -> Finding:
    return UNREADABLE_INPUT.finding(Location(shown, 0), f"too large: {size:,} bytes, where a KB reads at most "
                                                        f"{limit // MEGABYTE} MB ({limit:,} bytes) of one file")


def decode(content: bytes, shown: str) -> str | Finding:
    """`content` as text: UTF-8 without NUL bytes, a leading byte order mark dropped, line ends `\\n`."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        return UNREADABLE_INPUT.finding(Location(shown, line),
                                        f"not UTF-8: byte 0x{content[error.start]:02x} cannot be decoded")
    if "\x00" in text:  # UTF-16 or UTF-32 without a byte order mark, or a binary file
        at = text.index("\x00")
        return UNREADABLE_INPUT.finding(Location(shown, text.count("\n", 0, at) + 1),
                                        "not UTF-8 text: it holds a NUL byte (UTF-16 without a byte order mark, "
                                        "or not a text file)")
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


LOOSE = Files(None)  # files a person names on the command line: anywhere, but still only regular ones
