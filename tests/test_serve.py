"""`kb serve`: a real server on 127.0.0.1 in its own process, over a copy of a KB in tmp.

Each test starts `python -m kb serve --port 0` with short debounce and poll intervals, talks to
it over HTTP (http.client, which sends a path exactly as given), edits the KB's files and asks
`/__kb/version` until the rebuild is done; every server is stopped with SIGINT (Ctrl-C) and
killed if it does not stop, whatever the test did.
"""

from __future__ import annotations

import contextlib
import errno
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from test_browser import launched_chromium
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from kb import serve
from kb.report import csp_hash

TIMEOUT = 30.0  # seconds a build may take on a loaded machine before a test gives up
TEXT = "Bewegingstherapie vermindert angst"  # a claim's text in tests/roots/tiny/claims/folder.yaml
BROKEN_YAML = 'document:\n  title: "<b>x</b>"\nclaims: [\n'


# `python -m kb` with Ctrl-C as a terminal gives it: a test run started as a shell's background job
# hands its children SIGINT ignored, and Ctrl-C is what these tests send.
# SIGUSR1 prints every thread's stack, for a test that gives up on a server to say where it was.
KB_COMMAND = [sys.executable, "-c", "import faulthandler, runpy, signal; signal.signal(signal.SIGINT, "
              "signal.default_int_handler); faulthandler.register(signal.SIGUSR1, all_threads=True); "
              "runpy.run_module('kb', run_name='__main__')"]


class Served:
    """One `kb serve` process and the HTTP requests made to it."""

    def __init__(self, root: Path, logs: Path, *options: str) -> None:
        self.root = root
        self.out_path, self.err_path = logs / "serve.out", logs / "serve.err"
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.process = subprocess.Popen(
                [*KB_COMMAND, "--kb", str(root), "serve", "--port", "0", "--debounce", "0.05",
                 "--poll", "0.1", *options], stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=logs)
        deadline = time.monotonic() + TIMEOUT
        while not (found := re.search(r"http://127\.0\.0\.1:(\d+)/", self.out_path.read_text())):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"kb serve did not start (exit {self.process.poll()}): {self.err()}")
            time.sleep(0.05)
        self.port = int(found.group(1))
        self.url = found.group()

    def err(self) -> str:
        return self.err_path.read_text(encoding="utf-8")

    def stacks(self) -> str:
        """What the server says, with where each of its threads is (for a test that gives up on it)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGUSR1)
            time.sleep(1)
        return self.err()

    def request(self, path: str, method: str = "GET", host: str | None = None) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            connection.putrequest(method, path, skip_host=host is not None, skip_accept_encoding=True)
            if host is not None:
                connection.putheader("Host", host)
            connection.endheaders()
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def page(self, path: str = "/") -> str:
        status, _, body = self.request(path)
        assert status == 200, path
        return body.decode("utf-8")

    def state(self) -> dict[str, Any]:
        status, headers, body = self.request(serve.VERSION_PATH)
        assert status == 200 and headers["content-type"] == "application/json"
        state: dict[str, Any] = json.loads(body)
        return state

    def rebuilt(self, after: int) -> dict[str, Any]:
        """The state once a build newer than version `after` is done."""
        deadline = time.monotonic() + TIMEOUT
        while (state := self.state())["version"] <= after:
            assert self.process.poll() is None, self.err()
            assert time.monotonic() < deadline, f"no rebuild after version {after}: {self.stacks()}"
            time.sleep(0.05)
        return state

    def stop(self) -> int:
        """Ctrl-C, and the exit code."""
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=TIMEOUT)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def served(root: Callable[[str], Path], tmp_path: Path) -> Iterator[Callable[..., Served]]:
    """Starts `kb serve` on a copy of a tests/roots/ scenario; every one started is ended."""
    started: list[Served] = []

    def start(name: str = "tiny", *options: str) -> Served:
        logs = tmp_path / f"logs-{len(started)}"
        logs.mkdir()
        started.append(Served(root(name), logs, *options))
        return started[-1]

    try:
        yield start
    finally:
        for server in started:
            server.kill()


def _stopped_cleanly(server: Served) -> str:
    code = server.stop()
    err = server.err()
    assert code == 0, err
    assert "Traceback" not in err and err.rstrip().endswith("kb serve: stopped"), err
    with pytest.raises(OSError):  # nothing listens any more
        socket.create_connection(("127.0.0.1", server.port), timeout=5).close()
    return err


def _claim_text(root: Path, old: str, new: str) -> None:
    claims = root / "claims" / "folder.yaml"
    text = claims.read_text(encoding="utf-8")
    assert old in text
    claims.write_text(text.replace(old, new), encoding="utf-8")


def test_serves_the_report_with_the_reload_script_and_leaves_the_files_as_written(served: Callable[..., Served]) -> None:
    server = served()
    assert server.state() == {"version": 1, "errors": []}
    on_disk = (server.root / "build" / "report.html").read_bytes()
    assert b"__kb" not in on_disk  # the files are what `kb report` writes
    status, headers, body = server.request("/")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert int(headers["content-length"]) == len(body) and headers["cache-control"] == "no-store"
    page = body.decode("utf-8")
    assert server.page("/report.html") == page
    script = re.search(r'<script data-version="1" data-poll="100" data-url="/__kb/version">(.*?)</script>', page)
    assert script is not None and script.group(1) == serve.RELOAD_SCRIPT
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    assert policy is not None
    directives = {d.split()[0]: d.split()[1:] for d in policy.group(1).split("; ")}
    assert f"'{csp_hash(script.group(1))}'" in directives["script-src"]
    assert directives["connect-src"] == ["'self'"] and directives["default-src"] == ["'none'"]
    # the rest of the page is the file's, byte for byte
    assert body.replace(script.group().encode(), b"").replace(
        f" '{serve.RELOAD_HASH}'".encode(), b"").replace(b"; connect-src 'self'", b"") == on_disk
    status, headers, head_body = server.request("/", method="HEAD")
    assert status == 200 and head_body == b"" and int(headers["content-length"]) == len(body)
    status, headers, data = server.request("/report.json")
    assert status == 200 and headers["content-type"] == "application/json"
    assert data == (server.root / "build" / "report.json").read_bytes()
    status, headers, _ = server.request("/report.md")
    assert status == 200 and headers["content-type"] == "text/markdown; charset=utf-8"
    _stopped_cleanly(server)


def test_nothing_outside_the_build_folder_whatever_the_url(served: Callable[..., Served], tmp_path: Path) -> None:
    server = served()
    build = server.root / "build"
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET", encoding="utf-8")
    (build / "out.txt").symlink_to(secret)
    (build / "out-folder").symlink_to(tmp_path)
    (build / "empty").mkdir()
    bib = (server.root / "references.bib").as_posix()
    for path in ["/../references.bib", "/../../secret.txt", "/%2e%2e/references.bib", "/%2E%2E/%2e%2e/secret.txt",
                 "/..%2freferences.bib", "/%2e%2e%2f%2e%2e%2fsecret.txt", "/..%5creferences.bib",
                 "/..\\references.bib", "/%5c..%5c..%5csecret.txt", "/report.json%00", "/%00", "/report.html%00.txt",
                 "/%252e%252e/references.bib", bib, "/" + bib, "//" + bib.lstrip("/"), "/%2f" + bib.lstrip("/"),
                 "/out.txt", "/out-folder/secret.txt", "/out-folder/", "/.cache/", "/.cache", "/empty/",
                 "/%ff", "/no-such.html", "*", "report.json", f"http://127.0.0.1:{server.port}/../references.bib"]:
        status, _, body = server.request(path)
        assert (status, b"SECRET" in body, b"@article" in body) == (404, False, False), path
    status, headers, _ = server.request("/empty")
    assert (status, headers["location"]) == (301, "/empty/")
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        status, headers, _ = server.request("/report.html", method=method)
        assert (status, headers.get("allow")) == (405, "GET, HEAD"), method
    assert server.request("/report.html", method="BREW")[0] == 501
    # a page elsewhere whose name was made to point here (DNS rebinding) is refused; the names of this server are not
    assert server.request("/report.json", host="evil.example:80")[0] == 400
    assert server.request("/report.json", host=f"localhost:{server.port}")[0] == 200
    _stopped_cleanly(server)


def test_a_change_rebuilds_and_the_version_moves(served: Callable[..., Served]) -> None:
    server = served()
    assert TEXT in server.page()
    _claim_text(server.root, TEXT, "Bewegingstherapie vermindert angst bij volwassenen")
    state = server.rebuilt(after=1)
    assert state["errors"] == []
    page = server.page()
    assert "angst bij volwassenen" in page and f'data-version="{state["version"]}"' in page
    assert "angst bij volwassenen" in (server.root / "build" / "report.md").read_text(encoding="utf-8")
    err = _stopped_cleanly(server)
    assert "kb serve: rebuilt in" in err


def test_a_leaflet_text_outside_claims_is_watched(root: Callable[[str], Path], tmp_path: Path) -> None:
    folder = root("tiny")
    (folder / "texts").mkdir()
    (folder / "claims" / "folder.txt").rename(folder / "texts" / "folder.txt")
    claims = folder / "claims" / "folder.yaml"
    claims.write_text(claims.read_text(encoding="utf-8").replace(
        '  language: nl\n', '  language: nl\n  text: "../texts/folder.txt"\n', 1), encoding="utf-8")
    logs = tmp_path / "logs"
    logs.mkdir()
    server = Served(folder, logs)
    try:
        assert server.state()["errors"] == []
        text = folder / "texts" / "folder.txt"
        text.write_text(text.read_text(encoding="utf-8").replace(TEXT, "Iets heel anders"), encoding="utf-8")
        report = folder / "build" / "report.json"
        assert "claim-not-in-text" not in report.read_text(encoding="utf-8")
        # the claim is no longer in its text, which a rebuilt report says
        deadline = time.monotonic() + TIMEOUT
        while "claim-not-in-text" not in report.read_text(encoding="utf-8"):
            assert server.process.poll() is None, server.err()
            assert time.monotonic() < deadline, f"the text's change was not seen: {server.stacks()}"
            time.sleep(0.1)
        _stopped_cleanly(server)
    finally:
        server.kill()


def test_a_broken_claims_file_shows_its_located_error_and_the_server_keeps_running(
        served: Callable[..., Served]) -> None:
    server = served()
    claims = server.root / "claims" / "folder.yaml"
    good = claims.read_text(encoding="utf-8")
    claims.write_text(BROKEN_YAML, encoding="utf-8")
    state = server.rebuilt(after=1)
    located = [e for e in state["errors"] if e.startswith("claims/folder.yaml:")]
    assert len(located) == 1 and re.match(r"claims/folder\.yaml:\d+: error: cannot read YAML: .* \[yaml-syntax\]$",
                                          located[0]), state
    page = server.page()
    assert '<pre id="kb-errors">' in page and TEXT not in page
    assert '<html lang="nl">' in page and "Het rapport kan niet worden gemaakt" in page  # the report's language
    assert re.sub("&#x27;", "'", located[0].replace("<", "&lt;").replace(">", "&gt;")) in page.replace("&#x27;", "'")
    assert f'data-version="{state["version"]}"' in page  # it reloads when the file is fixed
    assert server.page("/report.html") == page
    assert server.request("/report.json")[0] == 200  # the previous report stays on disk meanwhile
    assert server.process.poll() is None
    claims.write_text(good, encoding="utf-8")
    state = server.rebuilt(after=state["version"])
    assert state["errors"] == []
    assert TEXT in server.page() and "kb-errors" not in server.page()
    err = _stopped_cleanly(server)
    assert located[0] in err.splitlines()  # on the terminal too
    assert "the page shows why" in err


def test_a_template_made_after_the_start_is_watched_and_its_error_shown(served: Callable[..., Served]) -> None:
    server = served()
    templates = server.root / "templates"
    templates.mkdir()
    (templates / "claim.html.j2").write_text("{% if %}\n", encoding="utf-8")
    state = server.rebuilt(after=1)
    assert any(e.startswith("templates/claim.html.j2:1: error:") for e in state["errors"]), state
    assert "templates/claim.html.j2:1: error:" in server.page()
    (templates / "claim.html.j2").unlink()
    assert server.rebuilt(after=state["version"])["errors"] == []
    _stopped_cleanly(server)


def test_a_claims_folder_replaced_by_another_is_watched_anew(served: Callable[..., Served]) -> None:
    server = served()
    claims = server.root / "claims"
    claims.rename(server.root / "claims-before")
    shutil.copytree(server.root / "claims-before", claims)  # as a checkout of another branch may do
    version = server.rebuilt(after=1)["version"]
    while (quiet := server.state()["version"]) != version:
        version = quiet  # until the builds that the two moves set off are done
        time.sleep(0.5)
    _claim_text(server.root, TEXT, TEXT + " bij volwassenen")  # in the new folder, not the one watched first
    deadline = time.monotonic() + TIMEOUT
    while "angst bij volwassenen" not in server.page():  # a build under way may have read the file before
        version = server.rebuilt(after=version)["version"]
        assert time.monotonic() < deadline, "the edit in the new claims folder was not seen"
    _stopped_cleanly(server)


def test_a_port_in_use_is_one_line_and_exit_2(root: Callable[[str], Path], kb: Callable[..., Any]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = kb("--kb", root("tiny"), "serve", "--port", port)
    assert result.code == 2 and result.out == ""
    assert result.err == (f"kb serve: cannot listen on 127.0.0.1:{port}: the port is in use; choose another "
                          "with --port N (--port 0 picks a free one)\n")
    assert not (root("tiny") / "build").exists()


def test_a_port_or_interval_out_of_range_is_a_usage_error(root: Callable[[str], Path], kb: Callable[..., Any]) -> None:
    for option, value in (("--port", "65536"), ("--port", "-1"), ("--port", "http"), ("--poll", "0"),
                          ("--debounce", "-1"), ("--debounce", "nan")):
        result = kb("--kb", root("tiny"), "serve", option, value)
        assert result.code == 2 and f"argument {option}: not a" in result.err, (option, value)


def test_without_inotify_the_files_are_looked_at_instead(root: Callable[[str], Path]) -> None:
    kb_dir = root("tiny")

    class Exhausted(Observer):  # type: ignore[misc,valid-type]
        def schedule(self, *args: Any, **kwargs: Any) -> Any:
            raise OSError(errno.ENOSPC, "inotify watch limit reached")

    preview = serve.Preview(kb_dir, kb_dir / "build", "nl", 0)
    try:
        preview._observing = Exhausted
        preview._watch()
        assert preview.polling == f"{kb_dir}: inotify watch limit reached"
        assert isinstance(preview._observer, PollingObserver)
        assert sorted(preview._watched) == [str(kb_dir), str(kb_dir / "claims")]
        time.sleep(1.5)  # a poll or so: a change is then one the observer sees, not one it starts from
        preview._changed.clear()
        _claim_text(kb_dir, TEXT, TEXT + " bij volwassenen")
        assert preview._changed.wait(TIMEOUT)
    finally:
        preview.close()


def test_no_kb_is_said_before_anything_listens(tmp_path: Path, kb: Callable[..., Any]) -> None:
    result = kb("--kb", tmp_path, "serve", "--port", "0")
    assert result.code == 2 and "no references.bib" in result.err


@pytest.mark.parametrize(("policy", "expected"), [
    ("default-src 'none'; script-src 'sha256-a'",
     f"default-src 'none'; script-src 'sha256-a' '{serve.RELOAD_HASH}'; connect-src 'self'"),
    ("default-src 'none'", f"default-src 'none'; script-src '{serve.RELOAD_HASH}'; connect-src 'self'"),
    ("default-src 'self'", f"default-src 'self'; script-src 'self' '{serve.RELOAD_HASH}'"),  # fetches allowed
    ("style-src 'unsafe-inline'", "style-src 'unsafe-inline'"),  # scripts and fetches were not restricted
    ("script-src 'unsafe-inline'; connect-src 'none'", "script-src 'unsafe-inline'; connect-src 'self'"),
    ("script-src 'none'; script-src-elem 'sha256-b'",
     f"script-src '{serve.RELOAD_HASH}'; script-src-elem 'sha256-b' '{serve.RELOAD_HASH}'"),
])
def test_the_served_policy_lets_the_reload_script_run_and_ask(policy: str, expected: str) -> None:
    assert serve.widened(policy) == expected


def test_the_script_goes_after_the_policy_or_at_the_head() -> None:
    script = f'<script data-version="7" data-poll="1000" data-url="/__kb/version">{serve.RELOAD_SCRIPT}</script>'
    page = b"<!DOCTYPE html><html><head><meta charset=utf-8><title>t</title></head><body></body></html>"
    assert serve.served(page, 7, serve.Settings()) == page.replace(b"<head>", b"<head>" + script.encode())
    with_policy = (b'<html><head><meta content="default-src &#39;none&#39;" http-equiv=Content-Security-Policy>'
                   b"</head><body><meta http-equiv=Content-Security-Policy content=x></body>")
    assert serve.served(with_policy, 7, serve.Settings()).decode() == (
        f"<html><head><meta content=\"default-src 'none'; script-src '{serve.RELOAD_HASH}'; connect-src 'self'\" "
        f"http-equiv=Content-Security-Policy>{script}</head><body><meta http-equiv=Content-Security-Policy "
        "content=x></body>")


def test_the_error_page_escapes_what_it_shows() -> None:
    page = serve.error_page(("claims/<x>.yaml:3: error: '<script>alert(1)</script>' & more [yaml-syntax]",))
    assert "<script>alert" not in page
    assert "claims/&lt;x&gt;.yaml:3: error: &#x27;&lt;script&gt;alert(1)&lt;/script&gt;&#x27; &amp; more" in page


# Module-scoped: playwright's sync API runs one at a time, and other modules launch their own.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched_chromium()


def test_the_open_page_shows_an_edited_claim_without_a_reload_by_hand(
        browser: Any, served: Callable[..., Served]) -> None:
    from playwright.sync_api import expect

    server = served()
    context = browser.new_context()
    try:
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
        page.goto(server.url)
        expect(page.locator("body")).to_contain_text(TEXT)
        _claim_text(server.root, TEXT, "Bewegingstherapie vermindert angst bij volwassenen")
        expect(page.locator("body")).to_contain_text("angst bij volwassenen", timeout=TIMEOUT * 1000)
        assert page.evaluate("performance.getEntriesByType('navigation')[0].type") == "reload"
        claims = server.root / "claims" / "folder.yaml"
        good = claims.read_text(encoding="utf-8")
        claims.write_text(BROKEN_YAML, encoding="utf-8")
        expect(page.locator("#kb-errors")).to_contain_text("claims/folder.yaml:", timeout=TIMEOUT * 1000)
        claims.write_text(good, encoding="utf-8")
        expect(page.locator("body")).to_contain_text("angst bij volwassenen", timeout=TIMEOUT * 1000)
        expect(page.locator("#kb-errors")).to_have_count(0)
        # the page's own script ran under the served policy, and the reload script under it too: no violation
        assert [m for m in console if m.startswith(("error", "pageerror"))] == []
    finally:
        context.close()
    _stopped_cleanly(server)


# Run in a process of its own (this one may run threads: a browser's), which says where each
# build was made: the process and how many threads it had.
_WHERE_BUILT = """
import os, signal, sys, threading
from pathlib import Path
from kb import build, serve

def report(root, out, lang):
    return build.Outcome(lines=(f"{os.getpid()} {threading.active_count()}",))

serve._report = report
folder = Path(sys.argv[1])
server = serve._Server(("127.0.0.1", 0), None)
builder = serve._Builder(folder, folder / "build", "nl", server)
running = threading.Event()
beside = threading.Thread(target=running.wait)  # as the watcher's and the server's, started after
beside.start()

def where(made):
    print(os.getpid(), made.build().lines[0], flush=True)

for _ in range(2):
    where(builder)
if sys.argv[2] == "kill":  # the copy killed (the kernel's OOM killer, a person): builds made here
    os.kill(builder._process.pid, signal.SIGKILL)
    builder._process.join(30)
    where(builder)
    print(builder._process is None)
else:  # a builder made while a thread runs: no copy
    where(serve._Builder(folder, folder / "build", "nl", server))
builder.close()
running.set()
beside.join()
"""


def _where_built(tmp_path: Path, then: str) -> list[tuple[int, int, int]]:
    """(this process, the build's process, its threads) of each build `_WHERE_BUILT` made."""
    done = subprocess.run([sys.executable, "-c", _WHERE_BUILT, str(tmp_path), then], capture_output=True, text=True,
                          timeout=TIMEOUT, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.split("\n")
    return [(int(a), int(b), int(c)) for a, b, c in (line.split() for line in lines if line.count(" ") == 2)]


def test_builds_are_made_where_no_other_thread_runs_so_they_may_share_their_work(tmp_path: Path) -> None:
    """A build forks processes of its own (kb.apart, kb.pagework) only where no other thread runs:
    kb serve's builds are made by a copy of the command, one for all of them, made before its
    threads start."""
    (here, first, threads), (_, second, threads_then), (_, after, _) = _where_built(tmp_path, "beside")
    assert first not in (here, 0) and threads == 1
    assert second == first and threads_then == 1
    assert after == here  # a builder made beside a thread: the builds are made in the command


def test_a_builder_gone_leaves_the_builds_to_the_command(tmp_path: Path) -> None:
    (here, first, _), _, (_, after, _) = _where_built(tmp_path, "kill")
    assert first != here and after == here


def test_ctrl_c_or_sigterm_during_a_build_leaves_no_process_and_no_temporary_file(
        served: Callable[..., Served]) -> None:
    """The build is made by a copy of the command: stopped with it, whichever of them the signal reaches."""
    for how in ("ctrl-c to the server", "ctrl-c to the terminal's group", "sigterm"):
        server = served()
        version = server.state()["version"]
        _claim_text(server.root, TEXT, TEXT + " bij volwassenen")
        time.sleep(0.1)  # the debounce (0.05 s): its build has begun
        if how == "sigterm":
            server.process.send_signal(signal.SIGTERM)
        elif how == "ctrl-c to the server":
            server.process.send_signal(signal.SIGINT)
        else:
            copies = _children(server.process.pid)
            for pid in [server.process.pid, *copies]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGINT)
        code = server.process.wait(timeout=TIMEOUT)
        assert code == (143 if how == "sigterm" else 0), (how, version, server.err())
        assert "Traceback" not in server.err(), how
        deadline = time.monotonic() + TIMEOUT
        while _children(server.process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _children(server.process.pid) == [], how
        assert list((server.root / "build").rglob(".*.tmp")) == [], how
        _claim_text(server.root, TEXT + " bij volwassenen", TEXT)


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found
