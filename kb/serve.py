"""Live preview: the report served on 127.0.0.1, rebuilt when the KB changes, the open page reloaded.

`kb serve` builds the report (`kb.build.report`), serves its folder over HTTP on the loopback
address only and watches the KB's inputs (watchdog). A change is followed, after a quiet
moment (the debounce), by one rebuild: never two at once, and Ctrl-C stops a rebuild as it
stops `kb report`. The builds are made by a copy of the command made before any thread starts
(`_Builder`), so that each may share its work with processes of its own as `kb report` does.
Each served HTML page carries a small script that asks `/__kb/version` every so often and
reloads the page once a newer build is done; the page's Content-Security-Policy lets that
script run and ask, in the served copy only: the files on disk stay what `kb report` writes.
While the KB cannot be read, the pages show its located errors instead, and come back when it
is fixed.
"""

from __future__ import annotations

import contextlib
import gc
import html
import json
import multiprocessing
import os
import pickle
import re
import signal
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote

from watchdog import events
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from kb import build
from kb.apart import can_fork, end_copy, flush_output
from kb.output import CannotWrite, held
from kb.report import csp_hash

HOST = "127.0.0.1"
VERSION_PATH = "/__kb/version"
INPUT_FILES = ("references.bib", "kb.toml", "verification.json")  # as kb.cache hashes them
INPUT_FOLDERS = ("claims", "templates")
_HEAD_BYTES = 1 << 16  # where a page's Content-Security-Policy is looked for
_TYPES = {".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8",
          ".json": "application/json", ".md": "text/markdown; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".js": "text/javascript; charset=utf-8", ".txt": "text/plain; charset=utf-8",
          ".csv": "text/csv; charset=utf-8", ".bib": "text/plain; charset=utf-8", ".svg": "image/svg+xml",
          ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".graphml": "application/xml",
          ".ttl": "text/turtle; charset=utf-8"}

# Asks for the build's version and reloads the page when it is not the one the page was served
# with. It reads its settings from its own tag, so that its text, and its hash, never change.
RELOAD_SCRIPT = (
    "(function () {"
    " var me = document.currentScript, seen = me.dataset.version, every = Number(me.dataset.poll);"
    " function ask() {"
    " fetch(me.dataset.url, {cache: 'no-store'})"
    ".then(function (r) { return r.json(); })"
    ".then(function (d) { if (String(d.version) !== seen) { location.reload(); } else { setTimeout(ask, every); } },"
    " function () { setTimeout(ask, every); });"
    " }"
    " setTimeout(ask, every);"
    "})();")
RELOAD_HASH = csp_hash(RELOAD_SCRIPT)

_ERROR_STYLE = ("body{font:16px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem}"
                "pre{white-space:pre-wrap;background:#fff4f4;border-left:4px solid #b00020;padding:1rem}")


@dataclass(frozen=True)
class Settings:
    """How quickly `kb serve` answers a change."""

    debounce: float = 0.2  # seconds without a further change before a rebuild begins
    poll: float = 1.0  # seconds between an open page's questions to /__kb/version


@dataclass(frozen=True)
class Build:
    """The last build, as the served pages show it."""

    version: int  # counts finished builds: an open page reloads when it changes
    errors: tuple[str, ...] = ()  # located lines when the report could not be built; none when it was


Built = Callable[[build.Outcome, float], None]  # told of each build's outcome and its wall seconds


class Preview:
    """The server, the watcher and the builds of one `kb serve`. Bind it (the constructor), then
    `run` until Ctrl-C; `close` in every case."""

    def __init__(self, root: Path, out: Path, lang: str, port: int, settings: Settings = Settings()) -> None:
        self.root, self.out, self.lang, self.settings = root, out, lang, settings
        self.state = Build(0)
        self._changed = threading.Event()
        self._last_change = 0.0
        self._server = _Server((HOST, port), self)  # OSError when the port is taken
        self._serving: threading.Thread | None = None
        self._builder: _Builder | None = None  # made by `run`
        self._observing: Callable[[], BaseObserver] = Observer  # watchdog's, inotify on Linux
        self._observer: BaseObserver | None = None
        self._watched: dict[str, tuple[tuple[int, int], frozenset[str] | None]] = {}  # folder -> which
        # folder it is (device, inode) and the names watched in it (None: all, and its subfolders)
        self._texts: tuple[Path, ...] = ()  # leaflet texts read from outside claims/
        self.polling = ""  # why the files are looked at every second instead of watched, when they are
        self.url = f"http://{HOST}:{self._server.server_address[1]}/"

    def run(self, built: Built) -> None:
        """Builds, serves, and rebuilds on every change, until KeyboardInterrupt (which it lets through).

        Every other thread (the watcher's, the server's and its requests') is started with SIGINT,
        SIGTERM and SIGHUP blocked (`held`: a thread keeps the mask it was started with), so that
        the kernel hands them to this thread, where kb.output holds them while a set of report
        files replaces the previous one."""
        self._builder = _Builder(self.root, self.out, self.lang, self._server)  # before any thread starts
        self._watch()
        self._build(built)
        self._serving = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                         name="kb-serve-http", daemon=True)
        with held():
            self._serving.start()
        while True:
            self._wait_for_change()
            self._build(built)

    def close(self) -> None:
        """Stops the watcher, the server and the builds, and waits for them."""
        if self._builder is not None:
            self._builder.close()
        self._unwatch()
        if self._serving is not None:
            self._server.shutdown()
            self._serving.join()
        self._server.server_close()

    def changed(self) -> None:
        """An input changed (called by the watcher's thread)."""
        self._last_change = time.monotonic()
        self._changed.set()

    def _wait_for_change(self) -> None:
        while not self._changed.wait(0.5):  # a timeout, so that Ctrl-C is seen at once everywhere
            pass
        while (left := self._last_change + self.settings.debounce - time.monotonic()) > 0:
            time.sleep(left)
        # A change from now on sets it again: the build below starts after it, and one more follows.
        self._changed.clear()

    def _build(self, built: Built) -> None:
        started = time.monotonic()
        assert self._builder is not None  # made as `run` begins
        outcome = self._builder.build()
        errors = tuple(f.format() for f in outcome.findings) if outcome.unreadable else ()
        self.state = Build(self.state.version + 1, errors)
        if not outcome.unreadable:
            self._texts = outcome.outside
        built(outcome, time.monotonic() - started)
        self._watch()  # claims/ or templates/ may have come or gone, a leaflet text moved
        _collect()

    def _watch(self) -> None:
        """Watches the KB's own folder for its input files, claims/ and templates/ whole, and the
        leaflet texts the last build read from elsewhere, as they are now: nothing else under the KB
        (its build/, a .venv) is watched.

        When a folder came, went or is another one than before (replaced, or moved away and back:
        a watch follows the folder it was given, wherever it goes), a new observer watches them all
        (watchdog's observer loses a folder watched again after it was let go), and a build follows:
        what changed in a new folder before it was watched is seen by that build."""
        root = os.path.abspath(self.root)
        names: dict[str, frozenset[str] | None] = {root: frozenset(INPUT_FILES + INPUT_FOLDERS)}
        names.update(dict.fromkeys((os.path.join(root, f) for f in INPUT_FOLDERS), None))
        for text in self._texts:
            folder, name = os.path.split(os.path.abspath(text))
            if not any(found is None and _inside(folder, path) for path, found in names.items()):
                names[folder] = (names.get(folder) or frozenset()) | {name}
        wanted = {path: (identity, found) for path, found in names.items()
                  if (identity := _identity(path)) is not None}
        if wanted == self._watched:
            return
        again = self._observer is not None
        self._unwatch()
        self._observer = observer = PollingObserver() if self.polling else self._observing()
        path = root
        try:
            with held():  # the threads of the observer and of each watch start here
                observer.start()
                for path, (_, found) in wanted.items():
                    observer.schedule(_Changes(self, path, found), path, recursive=found is None,
                                      event_filter=_EVENTS)
        except OSError as error:  # no inotify, or its limit of watches reached: look every second instead
            if self.polling:
                raise
            self.polling = f"{path}: {error.strerror or error}"
        if self.polling and not isinstance(observer, PollingObserver):
            self._watch()
            return
        self._watched = wanted
        if again:
            self.changed()

    def _unwatch(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            if self._observer.is_alive():
                self._observer.join()
        self._observer, self._watched = None, {}


def _report(root: Path, out: Path, lang: str) -> build.Outcome:
    """One build of the report, as `kb report` makes it (its cycles are freed by `_collect`)."""
    collecting = gc.isenabled()
    gc.disable()  # as in a one-shot command (kb.cli): the collector's passes over a build's records are slow
    try:
        return build.report(root, out, lang)
    except CannotWrite as error:  # the output folder, not the KB: shown the same way
        return build.Outcome(findings=[error.finding], unreadable=True)
    finally:
        if collecting:
            gc.enable()


def _collect() -> None:
    """A long run frees each build's cycles, once its outcome is shown."""
    with held():  # a Ctrl-C meanwhile would be raised in some __del__, and lost there
        gc.collect()


class _Builder:
    """The builds of one `kb serve`, made one at a time, when asked, by a copy of the command
    (a fork) made before the watcher and the server start their threads.

    A build shares its work with processes of its own (kb.apart, kb.pagework), which are copies
    of the process it runs in: from a process running other threads it makes none (a lock one
    of them held would stay held in the copy). Made by the command, at 10,000 works, the first
    build took 25.2 s and rebuilds 1.73-2.06 s; made by the copy, 21.9 s and 1.66-1.75 s. The
    copy runs no thread of its own, and keeps from build to build what `kb report` makes again:
    modules, compiled templates.

    Where no copy can be made (no fork on the system, a thread running already), the builds are
    made in the command, as they are when the copy is gone (killed)."""

    def __init__(self, root: Path, out: Path, lang: str, server: ThreadingHTTPServer) -> None:
        self.arguments = (root, out, lang)
        self._process: Any = None
        if not can_fork():
            return
        context = multiprocessing.get_context("fork")
        self._connection, theirs = context.Pipe()
        flush_output()
        # Not a daemon (a daemon may start no process, and a build starts some): `close` ends it.
        # It takes Ctrl-C and SIGTERM as the command does: a build there stops as `kb report` stops.
        self._process = context.Process(target=_builds, args=(theirs, self._connection, server, root, out, lang),
                                        name="kb-serve-builds")
        self._process.start()
        theirs.close()

    def build(self) -> build.Outcome:
        """The next build's outcome. A Ctrl-C (or SIGTERM) while it is made stops it there too."""
        if self._process is None:
            return _report(*self.arguments)
        try:
            self._connection.send(True)
            answer, value = self._connection.recv()
        except (EOFError, OSError):  # the copy is gone: the builds are made here from now on
            self.close()
            return _report(*self.arguments)
        except BaseException:  # Ctrl-C, SIGTERM: the build stopped as it stops `kb report`
            self.close(interrupted=True)
            raise
        if answer == "raised":  # a bug: raised here, as it would be by a build made here
            raise value
        outcome: build.Outcome = value
        return outcome

    def close(self, interrupted: bool = False) -> None:
        """The copy ended: told to, or with `interrupted` stopped as Ctrl-C stops a build (its
        temporary files removed); killed if it does not end."""
        process, self._process = self._process, None
        if process is None:
            return
        if interrupted and process.is_alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGINT)
        self._connection.close()  # a copy waiting for the next build ends
        process.join(_ENDING)
        if process.is_alive():
            process.terminate()
            process.join()


_ENDING = 30.0  # seconds a copy stopping its build (`_Builder.close`) is given before it is killed


def _builds(connection: Any, commands_end: Any, server: ThreadingHTTPServer, root: Path, out: Path,
            lang: str) -> None:
    """The copy's loop (`_Builder`): a build each time the command asks on `connection`, its outcome
    sent back, until the command closes its end or Ctrl-C (or SIGTERM) stops it."""
    from kb.cli import Terminated

    commands_end.close()  # the copy's own copy of it: the command's closing it then ends the loop
    server.server_close()  # the listening socket is the command's: the copy lets go of its own
    try:
        while connection.recv():
            answer: tuple[str, Any]
            try:
                answer = ("built", _report(root, out, lang))
            except Exception as error:  # noqa: BLE001  (a bug: raised again in the command)
                answer = ("raised", error)
            try:
                connection.send(answer)
            except (pickle.PicklingError, TypeError, AttributeError):  # an error that cannot be sent: its line
                said = answer[1]
                connection.send(("raised", RuntimeError(f"{type(said).__name__}: {said}")))
            del answer
            _collect()  # once the command has the outcome
    except (EOFError, OSError, KeyboardInterrupt, Terminated):  # closed, Ctrl-C, SIGTERM: ended quietly
        pass
    finally:
        connection.close()
    end_copy()


def _identity(folder: str) -> tuple[int, int] | None:
    """Which folder `folder` is now (device and inode); None when it is no folder."""
    try:
        status = os.stat(folder)
    except OSError:
        return None
    return (status.st_dev, status.st_ino) if stat.S_ISDIR(status.st_mode) else None


# What changes a file: not its being opened or read (a build reads every input).
_EVENTS: list[type[events.FileSystemEvent]] = [
    events.FileCreatedEvent, events.FileDeletedEvent, events.FileModifiedEvent, events.FileMovedEvent,
    events.FileClosedEvent, events.DirCreatedEvent, events.DirDeletedEvent, events.DirMovedEvent]


class _Changes(events.FileSystemEventHandler):
    """Tells a preview of a change to an input in `folder`: one of `names` there, or with None any
    file but an editor's hidden or backup one."""

    def __init__(self, preview: Preview, folder: str, names: frozenset[str] | None) -> None:
        self.preview, self.folder, self.names = preview, folder, names

    def on_any_event(self, event: events.FileSystemEvent) -> None:
        if self._input(event.src_path) or self._input(event.dest_path):
            self.preview.changed()

    def _input(self, path: bytes | str) -> bool:
        if not path:
            return False
        plain = os.fsdecode(path)
        name = os.path.basename(plain)
        if self.names is not None:
            return name in self.names and os.path.dirname(plain) == self.folder
        return not name.startswith(".") and not name.endswith("~") and name != "4913"  # vim's probe


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a page's open connection does not hold up Ctrl-C

    def __init__(self, address: tuple[str, int], preview: Preview) -> None:
        self.preview = preview
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "kb-serve"
    sys_version = ""

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: object) -> None:
        pass  # a page asks every second: the terminal keeps the builds' lines only

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def _refuse(self) -> None:
        self.send_response(HTTPStatus.METHOD_NOT_ALLOWED)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _refuse

    def _answer(self, body: bool) -> None:
        preview = self.server.preview
        port = self.server.server_address[1]
        host = self.headers.get("Host")
        if host is not None and host.lower() not in (f"{HOST}:{port}", f"localhost:{port}"):
            # a page elsewhere that got its name to point here (DNS rebinding) reads nothing
            self.send_error(HTTPStatus.BAD_REQUEST, "unexpected Host")
            return
        state = preview.state  # before the file: a page never carries a newer version than its content
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path == VERSION_PATH:
            data = json.dumps({"version": state.version, "errors": list(state.errors)}).encode("utf-8")
            self._send(HTTPStatus.OK, "application/json", len(data), [data] if body else [])
            return
        found = resolve(preview.out, path)
        if isinstance(found, str):  # a folder named without its slash: relative links need it
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", found)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        page = _is_page(found) if found is not None else path in ("/", "/index.html", "/report.html")
        if state.errors and page:
            text = served(error_page(state.errors, preview.lang).encode("utf-8"), state.version, preview.settings)
            self._send(HTTPStatus.OK, _TYPES[".html"], len(text), [text] if body else [])
            return
        if found is None:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        try:
            handle = open(found, "rb")  # noqa: SIM115  (closed below, after streaming)
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        with handle:
            size = os.fstat(handle.fileno()).st_size
            if not _is_page(found):
                self._send(HTTPStatus.OK, _type(found), size, _chunks(handle) if body else [])
                return
            head = handle.read(_HEAD_BYTES)
            text = served(head, state.version, preview.settings)
            self._send(HTTPStatus.OK, _TYPES[".html"], size - len(head) + len(text),
                       _chunks(handle, first=text) if body else [])

    def _send(self, status: HTTPStatus, kind: str, length: int, chunks: Iterable[bytes]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(length))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        try:
            for chunk in chunks:
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):  # the page went away: nothing to tell
            pass


def _chunks(handle: BinaryIO, first: bytes = b"") -> Iterator[bytes]:
    if first:
        yield first
    while chunk := handle.read(1 << 16):
        yield chunk


def _is_page(path: Path) -> bool:
    return path.suffix.lower() in (".html", ".htm")


def _type(path: Path) -> str:
    return _TYPES.get(path.suffix.lower(), "application/octet-stream")


def resolve(folder: Path, url_path: str) -> Path | str | None:
    """The file in `folder` that `url_path` (a request's path, percent-encoded) names; a str (where
    to redirect) for a folder named without its closing slash; None for anything else: a path that
    leaves the folder (`..`, however encoded, a link pointing out), a hidden name (the cache, a
    file being written), a NUL or a backslash, or no such file. `/` is index.html or report.html."""
    try:
        plain = unquote(url_path, errors="strict")
    except UnicodeDecodeError:
        return None
    if not plain.startswith("/") or "\0" in plain or "\\" in plain:
        return None
    parts = [p for p in plain.split("/") if p]
    if any(p.startswith(".") for p in parts):  # `..` and `.` too
        return None
    base = os.path.realpath(folder)
    target = os.path.realpath(os.path.join(base, *parts))
    if not _inside(target, base):
        return None
    if os.path.isdir(target):
        if parts and not plain.endswith("/"):
            return url_path + "/"
        names = ("index.html", "report.html") if target == base else ("index.html",)
        target = next((os.path.realpath(os.path.join(target, n)) for n in names
                       if os.path.isfile(os.path.join(target, n))), "")
        if not _inside(target, base):  # an index that is a link pointing out
            return None
    return Path(target) if os.path.isfile(target) else None


def _inside(path: str, base: str) -> bool:
    return path == base or path.startswith(base.rstrip(os.sep) + os.sep)


_META = re.compile(rb"<meta\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(rb"""([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")
_OPENING = (re.compile(rb"<head\b[^>]*>", re.IGNORECASE), re.compile(rb"<html\b[^>]*>", re.IGNORECASE),
            re.compile(rb"<!doctype\b[^>]*>", re.IGNORECASE))
_HEAD_END = re.compile(rb"</head\s*>|<body\b", re.IGNORECASE)


def served(head: bytes, version: int, settings: Settings) -> bytes:
    """The beginning of a page (`head`, its first bytes) as served: the reload script added after its
    Content-Security-Policy, which is widened to let that script run and ask for the version."""
    end = _HEAD_END.search(head)
    limit = end.start() if end else len(head)
    pieces: list[bytes] = []
    done = 0
    at = None
    for meta in _META.finditer(head, 0, limit):
        value = _policy(meta.group())
        if value is None:
            continue
        start, stop, policy = value
        pieces += [head[done:meta.start() + start], _attribute(widened(policy))]
        done = meta.start() + stop
        at = meta.end()
    if at is None:
        opening = next((m for m in (p.search(head, 0, limit) for p in _OPENING) if m), None)
        at = opening.end() if opening else 0
    script = (f'<script data-version="{version}" data-poll="{round(settings.poll * 1000)}" '
              f'data-url="{VERSION_PATH}">{RELOAD_SCRIPT}</script>').encode()
    return b"".join(pieces) + head[done:at] + script + head[at:]


def _attribute(value: str) -> bytes:
    """`value` for a double-quoted attribute: its single quotes (a policy's) left as they are."""
    return html.escape(value, quote=False).replace('"', "&quot;").encode("utf-8")


def _policy(tag: bytes) -> tuple[int, int, str] | None:
    """Where a <meta> tag's content value lies in it and what it says, when the tag is a
    Content-Security-Policy; None for any other tag."""
    policy = None
    equiv = False
    for attribute in _ATTRIBUTE.finditer(tag, 5):
        name = attribute.group(1).lower()
        group = next((g for g in (2, 3, 4) if attribute.group(g) is not None), None)
        if group is None:
            continue
        if name == b"http-equiv":
            equiv = attribute.group(group).decode("utf-8", "replace").strip().lower() == "content-security-policy"
        elif name == b"content":
            text = html.unescape(attribute.group(group).decode("utf-8", "replace"))
            policy = (attribute.start(group), attribute.end(group), text)
    return policy if equiv and policy is not None else None


def widened(policy: str, script: str = RELOAD_HASH) -> str:
    """`policy` that also lets the inline script with hash `script` run, and fetch from this server.
    Nothing is added where the policy already allows it (no such directive, nor default-src;
    'unsafe-inline' without hashes): a hash would take 'unsafe-inline' away."""
    directives = [d.split() for d in policy.split(";") if d.strip()]
    names = [d[0].lower() for d in directives]
    default = directives[names.index("default-src")][1:] if "default-src" in names else None

    def allow(name: str, source: str) -> None:
        if name in names:
            sources = directives[names.index(name)][1:]
        elif default is not None and name != "script-src-elem":
            sources = list(default)
        else:
            return
        lowered = [s.lower() for s in sources]
        inline_allowed = "'unsafe-inline'" in lowered and not any(
            s.startswith(("'sha", "'nonce-")) for s in lowered)
        if source in sources or (source.startswith("'sha") and inline_allowed):
            return
        kept = [s for s in sources if s.lower() != "'none'"] + [source]
        if name in names:
            directives[names.index(name)][1:] = kept
        else:
            directives.append([name, *kept])
            names.append(name)

    allow("script-src", f"'{script}'")
    allow("script-src-elem", f"'{script}'")
    allow("connect-src", "'self'")
    return "; ".join(" ".join(d) for d in directives)


def error_page(errors: tuple[str, ...], lang: str = "en") -> str:
    """What a page shows while the report cannot be built, in the report's language: the located
    errors (as the terminal shows them), escaped."""
    from kb.rendering import interface

    say = interface(lang)["serve"]
    lines = "\n".join(html.escape(e) for e in errors)
    return (f'<!DOCTYPE html>\n<html lang="{html.escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            f"style-src '{csp_hash(_ERROR_STYLE)}'; base-uri 'none'; form-action 'none'\">\n"
            f"<title>{html.escape(say['title'])}</title>\n"
            f"<style>{_ERROR_STYLE}</style>\n</head>\n<body>\n<h1>{html.escape(say['heading'])}</h1>\n"
            f"<p>{html.escape(say['advice'])}</p>\n"
            f'<pre id="kb-errors">{lines}</pre>\n</body>\n</html>\n')