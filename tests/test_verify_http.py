"""kb/verify/http.py against a real HTTP server on 127.0.0.1 (tests/verify_server.py): answers,
404s, 429 and Retry-After, 5xx, timeouts, broken bodies, a service that is down, pacing, the
mailto kept private, the cache (hits, --offline, --refresh, the age limit, damage), and
recordings played back."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from email.utils import formatdate
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from verify_server import FakeService, Reply, closed_port

from kb.output import CannotWrite
from kb.verify.answers import Answer, Cache, StoreError, recording_name, request_key
from kb.verify.http import Client, Services
from kb.verify.model import Fetched, LookupFailed

MAILTO = "kb-tester@example.org"
WORK = {"status": "ok", "message-type": "work", "message": {"DOI": "10.1000/xyz", "title": ["A trial"]}}


class FakeTime:
    """A monotonic clock, sleep and wall clock that move only when slept."""

    def __init__(self) -> None:
        self.t, self.wall = 1000.0, datetime(2024, 5, 1, 12, tzinfo=UTC).timestamp()
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds
        self.wall += seconds

    def now(self) -> float:
        return self.wall


def client(server: FakeService, tmp_path: Path, fake: FakeTime | None = None, max_age_days: float | None = 30,
           offline: bool = False, refresh: bool = False, record_dir: Path | None = None,
           replay_dir: Path | None = None, progress: Any = None, **settings: Any) -> Client:
    """A client of the fake services, with a cache in tmp_path; quick retries and no pacing unless asked."""
    services = server.services(**{"mailto": MAILTO, "timeout": 2.0, "retries": 2, "backoff": 0.01, "interval": 0.0,
                                  **settings})
    timing: dict[str, Any] = {} if fake is None else {"clock": fake.clock, "sleep": fake.sleep, "now": fake.now}
    return Client(services, tmp_path / "cache" / "verify.sqlite", max_age_days, offline, refresh, record_dir,
                  replay_dir, progress, **timing)


def today() -> str:
    return datetime.now(UTC).date().isoformat()


# Answers.

def test_an_answer_is_the_parsed_body_with_the_date_and_url(verify_server: FakeService, tmp_path: Path) -> None:
    verify_server.script("crossref/works/10.1000/xyz", Reply(body=WORK))
    with client(verify_server, tmp_path) as fetch:
        got = fetch("crossref", "works/10.1000/xyz", {"select": "DOI,title"})
    assert got == Fetched(WORK, today(), verify_server.url + "crossref/works/10.1000/xyz?select=DOI%2Ctitle")
    [asked] = verify_server.received
    assert asked.params == {"select": "DOI,title", "mailto": MAILTO}
    assert asked.headers["user-agent"] == f"evidence-kb/0.1.0 (mailto:{MAILTO})"


def test_a_path_with_characters_a_url_cannot_hold_is_quoted(verify_server: FakeService, tmp_path: Path) -> None:
    doi = "10.1002/(SICI)1097-4679(199901)55:1<1::AID-JCLP1>3.0.CO;2-#"
    verify_server.script(f"crossref/works/{doi}", Reply(body=WORK))
    with client(verify_server, tmp_path) as fetch:
        got = fetch("crossref", f"works/{doi}", {})
    assert got is not None and got.body == WORK
    assert got.url.endswith("works/10.1002/(SICI)1097-4679(199901)55:1%3C1::AID-JCLP1%3E3.0.CO;2-%23")


def test_404_is_none_and_cached_as_such(verify_server: FakeService, tmp_path: Path) -> None:
    with client(verify_server, tmp_path) as fetch:
        assert fetch("crossref", "works/10.1000/none", {}).body is None
        assert fetch("crossref", "works/10.1000/none", {}).body is None
    assert len(verify_server.received) == 1


def test_a_redirect_is_followed(verify_server: FakeService, tmp_path: Path) -> None:
    """OpenAlex answers a merged work's old id with a redirect to the new one."""
    verify_server.script("openalex/works/W1", Reply(301, "", {"Location": "/openalex/works/W2"}))
    verify_server.script("openalex/works/W2", Reply(body={"id": "https://openalex.org/W2"}))
    with client(verify_server, tmp_path) as fetch:
        got = fetch("openalex", "works/W1", {})
    assert got is not None and got.body == {"id": "https://openalex.org/W2"}
    assert got.url == verify_server.url + "openalex/works/W1"


# 429, 503 and Retry-After.

def test_429_with_retry_after_is_waited_for_then_answered(verify_server: FakeService, tmp_path: Path) -> None:
    fake = FakeTime()
    verify_server.script("crossref/works/10.1000/xyz", Reply(429, {"message": "slow down"}, {"Retry-After": "30"}),
                         Reply(body=WORK))
    with client(verify_server, tmp_path, fake) as fetch:
        got = fetch("crossref", "works/10.1000/xyz", {})
    assert got is not None and got.body == WORK
    assert len(verify_server.received) == 2
    assert fake.slept == [pytest.approx(30)]


def test_503_with_retry_after_as_an_http_date(verify_server: FakeService, tmp_path: Path) -> None:
    fake = FakeTime()
    later = formatdate(fake.now() + 20, usegmt=True)
    verify_server.script("pubmed/esearch.fcgi", Reply(503, "busy", {"Retry-After": later}), Reply(body={"ok": 1}))
    with client(verify_server, tmp_path, fake) as fetch:
        got = fetch("pubmed", "esearch.fcgi", {"db": "pubmed", "term": "x", "retmode": "json"})
    assert got is not None and got.body == {"ok": 1}
    assert fake.slept == [pytest.approx(20, abs=1)]


def test_a_wait_beyond_the_bound_fails_at_once_and_says_so(verify_server: FakeService, tmp_path: Path) -> None:
    fake = FakeTime()
    verify_server.script("crossref/works/10.1000/xyz", Reply(429, "", {"Retry-After": "3600"}), Reply(body=WORK))
    with client(verify_server, tmp_path, fake) as fetch, pytest.raises(LookupFailed) as failed:
        fetch("crossref", "works/10.1000/xyz", {})
    assert str(failed.value) == "HTTP 429: the service asks to wait 3600 s, longer than the 60 s waited for"
    assert len(verify_server.received) == 1 and fake.slept == []


def test_a_real_retry_after_of_one_second(verify_server: FakeService, tmp_path: Path) -> None:
    verify_server.script("openalex/works/W1", Reply(429, "", {"Retry-After": "1"}), Reply(body={"id": "W1"}))
    with client(verify_server, tmp_path) as fetch:
        got = fetch("openalex", "works/W1", {})
    assert got is not None and got.body == {"id": "W1"}
    first, second = verify_server.received
    assert 0.98 <= second.time - first.time < 3.0


def test_a_retry_after_holds_every_request_to_the_host(verify_server: FakeService, tmp_path: Path) -> None:
    """A service that asked to wait is not asked anything else meanwhile, even after the last try."""
    fake = FakeTime()
    verify_server.script("crossref/works/a", Reply(429, "", {"Retry-After": "5"}))
    verify_server.script("crossref/works/b", Reply(body=WORK))
    with client(verify_server, tmp_path, fake, retries=0) as fetch:
        with pytest.raises(LookupFailed, match="^HTTP 429$"):
            fetch("crossref", "works/a", {})
        assert fetch("crossref", "works/b", {}) is not None
    assert fake.slept == [pytest.approx(5)]


# 5xx, timeouts, broken bodies, a service that is down.

def test_5xx_is_tried_again_with_backoff_then_answered(verify_server: FakeService, tmp_path: Path) -> None:
    fake = FakeTime()
    verify_server.script("crossref/works/10.1000/xyz", Reply(500, "oops"), Reply(502, "bad gateway"), Reply(body=WORK))
    with client(verify_server, tmp_path, fake, backoff=1.5) as fetch:
        got = fetch("crossref", "works/10.1000/xyz", {})
    assert got is not None and got.body == WORK
    assert len(verify_server.received) == 3
    assert fake.slept == [pytest.approx(1.5), pytest.approx(3.0)]


def test_persistent_5xx_fails_and_is_not_cached(verify_server: FakeService, tmp_path: Path) -> None:
    verify_server.script("crossref/works/10.1000/xyz", Reply(503, "down for maintenance"))
    with client(verify_server, tmp_path, FakeTime()) as fetch:
        with pytest.raises(LookupFailed) as failed:
            fetch("crossref", "works/10.1000/xyz", {})
        assert str(failed.value) == "HTTP 503 (3 tries)"
        verify_server.script("crossref/works/10.1000/xyz", Reply(body=WORK))
        assert fetch("crossref", "works/10.1000/xyz", {}) is not None
    assert len(verify_server.received) == 4


def test_other_4xx_fails_at_once_with_the_services_words(verify_server: FakeService, tmp_path: Path) -> None:
    verify_server.script("crossref/works", Reply(400, {"status": "failed", "message": [
        {"type": "validation-failure", "message": "Parameter rows must be an integer"}]}))
    with client(verify_server, tmp_path) as fetch, pytest.raises(LookupFailed) as failed:
        fetch("crossref", "works", {"rows": "many"})
    assert str(failed.value).startswith('HTTP 400: {"status": "failed", "message": [{"type": "validation-failure"')
    assert len(verify_server.received) == 1


def test_a_hang_longer_than_the_timeout_fails(verify_server: FakeService, tmp_path: Path) -> None:
    verify_server.script("crossref/works/10.1000/xyz", Reply(body=WORK, delay=5))
    started = time.monotonic()
    with client(verify_server, tmp_path, timeout=0.25, retries=1) as fetch, pytest.raises(LookupFailed) as failed:
        fetch("crossref", "works/10.1000/xyz", {})
    assert str(failed.value) == "timed out after 0.25 s (2 tries)"
    assert time.monotonic() - started < 2
    assert len(verify_server.received) == 2


def test_a_truncated_body_fails(verify_server: FakeService, tmp_path: Path) -> None:
    verify_server.script("crossref/works/10.1000/xyz", Reply(body=WORK, missing=100))
    with client(verify_server, tmp_path, retries=1) as fetch, pytest.raises(LookupFailed) as failed:
        fetch("crossref", "works/10.1000/xyz", {})
    assert str(failed.value).startswith(f"the connection to 127.0.0.1:{verify_server.port} broke off: ")
    assert str(failed.value).endswith("(2 tries)")


@pytest.mark.parametrize(("body", "kind"), [
    ("<html><body>Service Unavailable</body></html>", "text/html"),
    ('{"status": "ok", "message": {"DOI": ', "application/json"),  # cut short, Content-Length honest
    ("[" * 100_000, "application/json"),  # deeper than the parser goes
    (b"\xff\xfe{}", "application/json"),
])
def test_a_body_that_is_not_json_fails(verify_server: FakeService, tmp_path: Path, body: str | bytes,
                                       kind: str) -> None:
    verify_server.script("crossref/works/10.1000/xyz", Reply(body=body, headers={"Content-Type": kind}))
    with client(verify_server, tmp_path) as fetch, pytest.raises(LookupFailed) as failed:
        fetch("crossref", "works/10.1000/xyz", {})
    assert str(failed.value).startswith(f"HTTP 200 but not JSON ({kind}): ")
    assert len(verify_server.received) == 1


def test_a_connection_closed_without_an_answer_fails(verify_server: FakeService, tmp_path: Path) -> None:
    verify_server.script("crossref/works/10.1000/xyz", Reply(close=True))
    with client(verify_server, tmp_path, retries=1) as fetch, pytest.raises(LookupFailed) as failed:
        fetch("crossref", "works/10.1000/xyz", {})
    assert "broke off" in str(failed.value) and str(failed.value).endswith("(2 tries)")


def test_a_service_that_is_down_fails(tmp_path: Path) -> None:
    port = closed_port()
    services = Services(crossref=f"http://127.0.0.1:{port}/", retries=1, backoff=0.01)
    with Client(services, tmp_path / "cache.sqlite", 30) as fetch, pytest.raises(LookupFailed) as failed:
        fetch("crossref", "works/10.1000/xyz", {})
    assert str(failed.value).startswith(f"cannot connect to 127.0.0.1:{port}: ")
    assert str(failed.value).endswith("(2 tries)")


@pytest.mark.parametrize("chunked", [False, True])
def test_an_answer_larger_than_the_bound_is_refused(verify_server: FakeService, tmp_path: Path,
                                                    chunked: bool) -> None:
    """Refused from its Content-Length, or while it is read when it declares none."""
    verify_server.script("openalex/works/W1", Reply(body={"message": "x" * 5000}, chunked=chunked))
    with client(verify_server, tmp_path, max_bytes=4000) as fetch:
        with pytest.raises(LookupFailed) as failed:
            fetch("openalex", "works/W1", {})
        assert str(failed.value) == ("HTTP 200: an answer of more than 4,000 bytes" if chunked else
                                     "HTTP 200: an answer of 5,015 bytes, more than the 4,000 read")
        verify_server.script("openalex/works/W1", Reply(body={"message": "x" * 3000}, chunked=chunked))
        got = fetch("openalex", "works/W1", {})
        assert got is not None and got.body == {"message": "x" * 3000}


# Pacing.

def test_requests_to_one_host_are_paced(verify_server: FakeService, tmp_path: Path) -> None:
    with client(verify_server, tmp_path, interval=0.2) as fetch:
        for n in range(3):
            fetch("crossref", f"works/10.1000/{n}", {})
        fetch("openalex", "works/W1", {})  # the same host
    times = [r.time for r in verify_server.received]
    gaps = [b - a for a, b in pairwise(times)]
    assert len(gaps) == 3
    assert all(0.18 <= gap < 0.7 for gap in gaps), gaps  # 0.2 s apart when sent; arrival jitters a little


def test_each_service_has_its_own_pace() -> None:
    assert Services().pace("crossref") == 0.25 and Services(mailto=MAILTO).pace("crossref") == 0.12
    assert Services().pace("pubmed") == 0.35 and Services(api_key="k").pace("pubmed") == 0.12
    assert Services().pace("openalex") == 0.12
    assert Services(interval=1.0).pace("pubmed") == 1.0


# The mailto and API key: sent, never kept.

def test_the_mailto_and_api_key_are_sent_but_never_kept(verify_server: FakeService, tmp_path: Path) -> None:
    verify_server.script("pubmed/esummary.fcgi", Reply(body={"result": {"uids": ["123"]}}))
    verify_server.script("openalex/works/W1", Reply(body={"id": "W1"}))
    record_dir = tmp_path / "recorded"
    with client(verify_server, tmp_path, api_key="SECRET-NCBI-KEY", record_dir=record_dir) as fetch:
        pubmed = fetch("pubmed", "esummary.fcgi", {"db": "pubmed", "id": "123", "retmode": "json"})
        openalex = fetch("openalex", "works/W1", {})
        assert fetch("crossref", "works/10.1000/none", {"mailto": MAILTO}).body is None  # a caller's own mailto too
    pubmed_asked, openalex_asked, crossref_asked = verify_server.received
    assert pubmed_asked.params == {"db": "pubmed", "id": "123", "retmode": "json", "tool": "evidence-kb",
                                   "email": MAILTO, "api_key": "SECRET-NCBI-KEY"}
    assert openalex_asked.params == {"mailto": MAILTO}
    assert crossref_asked.params == {"mailto": MAILTO}
    assert pubmed is not None and openalex is not None
    assert pubmed.url == verify_server.url + "pubmed/esummary.fcgi?db=pubmed&id=123&retmode=json"
    kept = b"".join(p.read_bytes() for p in (tmp_path / "cache").iterdir())
    kept += b"".join(p.read_bytes() for p in record_dir.rglob("*") if p.is_file())
    assert b"kb-tester" not in kept and b"SECRET" not in kept
    assert b"esummary.fcgi" in kept  # the files are read, and hold what was asked
    assert "SECRET" not in repr(Services(api_key="SECRET", mailto=MAILTO)) and MAILTO not in repr(Services(mailto=MAILTO))
    assert request_key("crossref", "works/x", {"mailto": MAILTO, "rows": "2"}) == request_key("crossref", "works/x",
                                                                                              {"rows": "2"})


def test_the_mailto_is_not_repeated_in_an_error(verify_server: FakeService, tmp_path: Path) -> None:
    verify_server.script("crossref/works", Reply(400, f"bad mailto {MAILTO}"))
    with client(verify_server, tmp_path) as fetch, pytest.raises(LookupFailed) as failed:
        fetch("crossref", "works", {})
    assert str(failed.value) == "HTTP 400: bad mailto ..."


# The cache.

def test_a_cached_answer_is_given_without_a_request(verify_server: FakeService, tmp_path: Path) -> None:
    verify_server.script("crossref/works/10.1000/xyz", Reply(body=WORK))
    with client(verify_server, tmp_path) as fetch:
        first = fetch("crossref", "works/10.1000/xyz", {"select": "DOI"})
    verify_server.script("crossref/works/10.1000/xyz", Reply(body={"changed": True}))
    with client(verify_server, tmp_path) as fetch:
        assert fetch("crossref", "works/10.1000/xyz", {"select": "DOI"}) == first
        assert fetch.requests == 0
    assert len(verify_server.received) == 1


def test_offline_answers_from_the_cache_only(verify_server: FakeService, tmp_path: Path) -> None:
    fake = FakeTime()
    verify_server.script("crossref/works/10.1000/xyz", Reply(body=WORK))
    with client(verify_server, tmp_path, fake) as fetch:
        first = fetch("crossref", "works/10.1000/xyz", {})
        assert fetch("crossref", "works/10.1000/none", {}).body is None
    fake.wall += 400 * 86400  # older than the age limit: offline, still the answer there is
    with client(verify_server, tmp_path, fake, offline=True) as fetch:
        assert fetch("crossref", "works/10.1000/xyz", {}) == first
        assert fetch("crossref", "works/10.1000/none", {}).body is None
        with pytest.raises(LookupFailed, match=r"^offline: not in the cache$"):
            fetch("crossref", "works/10.1000/other", {})
    assert len(verify_server.received) == 2


def test_refresh_asks_again_and_keeps_the_new_answer(verify_server: FakeService, tmp_path: Path) -> None:
    verify_server.script("crossref/works/10.1000/xyz", Reply(body=WORK))
    with client(verify_server, tmp_path) as fetch:
        fetch("crossref", "works/10.1000/xyz", {})
    verify_server.script("crossref/works/10.1000/xyz", Reply(body={"changed": True}))
    with client(verify_server, tmp_path, refresh=True) as fetch:
        got = fetch("crossref", "works/10.1000/xyz", {})
        assert got is not None and got.body == {"changed": True}
    with client(verify_server, tmp_path) as fetch:
        got = fetch("crossref", "works/10.1000/xyz", {})
        assert got is not None and got.body == {"changed": True}
    assert len(verify_server.received) == 2
    with pytest.raises(ValueError, match="exclude"):
        client(verify_server, tmp_path, offline=True, refresh=True)


def test_an_answer_older_than_the_age_limit_is_asked_again(verify_server: FakeService, tmp_path: Path) -> None:
    fake = FakeTime()
    verify_server.script("crossref/works/10.1000/xyz", Reply(body=WORK))
    with client(verify_server, tmp_path, fake, max_age_days=1) as fetch:
        first = fetch("crossref", "works/10.1000/xyz", {})
        assert first is not None and first.date == "2024-05-01"
        fake.wall += 0.9 * 86400
        assert fetch("crossref", "works/10.1000/xyz", {}) == first
        fake.wall += 0.2 * 86400
        second = fetch("crossref", "works/10.1000/xyz", {})
        assert second is not None and second.date == "2024-05-02"
    assert len(verify_server.received) == 2


@pytest.mark.parametrize("damage", ["not a database", "pages overwritten"])
def test_a_damaged_cache_is_set_aside_and_started_afresh(verify_server: FakeService, tmp_path: Path,
                                                         damage: str) -> None:
    verify_server.script("crossref/works/10.1000/xyz", Reply(body=WORK))
    cache = tmp_path / "cache" / "verify.sqlite"
    cache.parent.mkdir()
    if damage == "not a database":
        cache.write_text("this is no SQLite file\n" * 100)
    else:
        with client(verify_server, tmp_path) as fetch:
            for n in range(200):
                fetch("crossref", f"works/10.1000/{n}", {"filler": "x" * 500})
        content = bytearray(cache.read_bytes())
        content[4096:len(content) - 4096] = b"\x5a" * (len(content) - 8192)
        cache.write_bytes(bytes(content))
    with client(verify_server, tmp_path) as fetch:
        got = fetch("crossref", "works/10.1000/xyz", {})
        assert got is not None and got.body == WORK
        [note] = fetch.notes
    assert note.startswith(f"{cache}: not a usable cache (") and note.endswith("moved to verify.sqlite.corrupt, started afresh")
    assert (cache.parent / "verify.sqlite.corrupt").exists()
    with client(verify_server, tmp_path, offline=True) as fetch:  # the fresh cache keeps what it was given
        assert fetch("crossref", "works/10.1000/xyz", {}) == got and fetch.notes == []


def test_a_cache_that_cannot_be_opened_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "cache.sqlite").mkdir()
    with pytest.raises(StoreError, match=r"cache.sqlite: cannot use the cache: unable to open database file$"):
        Client(Services(), tmp_path / "cache.sqlite", 30)


_WRITER = """
import sys
from pathlib import Path
from kb.output import CannotWrite
from kb.verify.answers import Answer, Cache
cache = Cache(Path(sys.argv[1]))
for n in range(150):
    cache.put(f"{sys.argv[2]}-{n}", Answer(200, {"n": n, "pad": "x" * 2000}, "http://x/", "2024-05-01", 0.0))
print(len(cache.notes))
"""


def _locked_at_first(times: int, name: str = "SQLITE_BUSY") -> type[sqlite3.Connection]:
    """A connection whose switch to the write-ahead log is refused `times` times, as SQLite
    refuses it at once to one of two processes opening a new cache together."""
    refused = [0]

    class Locked(sqlite3.Connection):
        def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
            if sql == "PRAGMA journal_mode=WAL" and refused[0] < times:
                refused[0] += 1
                error = sqlite3.OperationalError("database is locked")
                error.sqlite_errorname = name  # type: ignore[attr-defined]
                raise error
            return super().execute(sql, *args)

    return Locked


def test_a_cache_locked_while_another_process_opens_it_is_asked_again(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: connect(*a, factory=_locked_at_first(3), **k))
    cache = Cache(tmp_path / "shared.sqlite")
    cache.put("k", Answer(200, {"n": 1}, "http://x/", "2024-05-01", 0.0))
    with connect(tmp_path / "shared.sqlite") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    # another refusal is no lock: said at once
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: connect(*a, factory=_locked_at_first(1, "SQLITE_IOERR"),
                                                                     **k))
    with pytest.raises(StoreError, match="cannot use the cache: database is locked$"):
        Cache(tmp_path / "other.sqlite")


def test_concurrent_processes_share_the_cache(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, str(path), name], stdout=subprocess.PIPE, text=True)
               for name in "abcd"]
    outputs = [writer.communicate(timeout=120)[0] for writer in writers]
    assert [writer.returncode for writer in writers] == [0] * 4 and outputs == ["0\n"] * 4
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM answers").fetchone() == (600,)
    cache = Cache(path)
    assert cache.get("c-149", None, 0.0) == Answer(200, {"n": 149, "pad": "x" * 2000}, "http://x/", "2024-05-01", 0.0)
    cache.close()


# Recordings.

def test_recorded_answers_play_back_the_same(verify_server: FakeService, tmp_path: Path) -> None:
    verify_server.script("crossref/works/10.1000/xyz", Reply(body=WORK))
    verify_server.script("pubmed/esearch.fcgi", Reply(body={"esearchresult": {"idlist": ["42"]}}))
    recorded = tmp_path / "recorded"
    questions = [("crossref", "works/10.1000/xyz", {"select": "DOI,title"}), ("crossref", "works/10.1000/none", {}),
                 ("pubmed", "esearch.fcgi", {"db": "pubmed", "term": "koch[au] AND 2014[dp]", "retmode": "json"})]
    with client(verify_server, tmp_path, record_dir=recorded) as fetch:
        answers = [fetch(*question) for question in questions]
    assert answers[0] is not None and answers[1].body is None and answers[2] is not None
    written = json.loads((recorded / recording_name(*questions[0])).read_text(encoding="utf-8"))
    assert written == {"service": "crossref", "path": "works/10.1000/xyz", "params": {"select": "DOI,title"},
                       "status": 200, "date": today(), "url": answers[0].url, "body": WORK}
    assert json.loads((recorded / recording_name(*questions[1])).read_text(encoding="utf-8"))["status"] == 404
    verify_server.stop()
    with client(verify_server, tmp_path / "elsewhere", replay_dir=recorded) as replay:
        assert [replay(*question) for question in questions] == answers
        with pytest.raises(LookupFailed, match=r"^not in the recording$"):
            replay("crossref", "works/10.1000/xyz", {})
        assert replay.requests == 0
    assert not (tmp_path / "elsewhere").exists()  # no cache either


def test_a_recording_folder_that_cannot_be_written_is_one_located_error(verify_server: FakeService,
                                                                       tmp_path: Path) -> None:
    (tmp_path / "recorded").write_text("a file where the folder should be")
    verify_server.script("crossref/works/x", Reply(body=WORK))
    with client(verify_server, tmp_path, record_dir=tmp_path / "recorded") as fetch, \
            pytest.raises(CannotWrite) as failed:
        fetch("crossref", "works/x", {})
    assert failed.value.finding.format().startswith(f"{tmp_path}/recorded/crossref/")
    assert failed.value.finding.format().endswith(f"error: cannot write: {tmp_path}/recorded is a file, not a folder "
                                                  "[cannot-write]")


def test_a_recording_is_found_by_what_it_holds(tmp_path: Path) -> None:
    folder = tmp_path / "fixtures"
    (folder / "openalex").mkdir(parents=True)
    (folder / "openalex" / "synthetic-koch2014.json").write_text(json.dumps({
        "service": "openalex", "path": "works/doi:10.1016/j.aip.2014.01.003", "params": {}, "status": 200,
        "date": "2024-05-01", "url": "https://api.openalex.org/works/doi:10.1016/j.aip.2014.01.003",
        "body": {"id": "https://openalex.org/W1"}}))
    (folder / "raw").mkdir()
    (folder / "raw" / "response.json").write_text("not read")
    with Client(Services(), tmp_path / "unused.sqlite", 30, replay_dir=folder) as replay:
        assert replay("openalex", "works/doi:10.1016/j.aip.2014.01.003", {}) == Fetched(
            {"id": "https://openalex.org/W1"}, "2024-05-01", "https://api.openalex.org/works/doi:10.1016/j.aip.2014.01.003")


@pytest.mark.parametrize(("content", "error"), [
    ("{", "not a recording: Expecting property name"),
    ("[]", "not a recording: a JSON object is expected"),
    ('{"service": "crossref"}', "not a recording: no path, params, status, date, url, body"),
    ('{"service": "openalex", "path": "p", "params": {}, "status": 200, "date": "", "url": "", "body": 1}',
     "a recording of 'openalex' in the folder of crossref"),
    ('{"service": "crossref", "path": "p", "params": {}, "status": 500, "date": "", "url": "", "body": 1}',
     "status 500: a recording holds 200 or 404"),
    ('{"service": "crossref", "path": "p", "params": {"rows": 2}, "status": 200, "date": "", "url": "", "body": 1}',
     "params must be an object of strings"),
])
def test_a_file_that_is_no_recording_is_one_clear_error(tmp_path: Path, content: str, error: str) -> None:
    (tmp_path / "crossref").mkdir()
    (tmp_path / "crossref" / "bad.json").write_text(content)
    with pytest.raises(StoreError) as failed:
        Client(Services(), tmp_path / "unused.sqlite", 30, replay_dir=tmp_path)
    assert str(failed.value).startswith(f"{tmp_path / 'crossref' / 'bad.json'}: {error}")


def test_two_recordings_of_one_request_are_refused(tmp_path: Path) -> None:
    (tmp_path / "crossref").mkdir()
    for name in ("a.json", "b.json"):
        (tmp_path / "crossref" / name).write_text(json.dumps({
            "service": "crossref", "path": "works/x", "params": {}, "status": 404, "date": "", "url": "", "body": None}))
    with pytest.raises(StoreError, match="b.json: the same request as .*a.json"):
        Client(Services(), tmp_path / "unused.sqlite", 30, replay_dir=tmp_path)


# Settings, progress, and the network block.

def test_progress_is_told_of_requests_and_long_waits(verify_server: FakeService, tmp_path: Path) -> None:
    told: list[str] = []
    verify_server.script("crossref/works/x", Reply(429, "", {"Retry-After": "3"}), Reply(body=WORK))
    with client(verify_server, tmp_path, FakeTime(), progress=told.append) as fetch:
        fetch("crossref", "works/x", {})
    assert told == ["crossref: works/x", f"waiting 3 s for 127.0.0.1:{verify_server.port}", "crossref: works/x"]


@pytest.mark.parametrize(("settings", "error"), [
    ({"crossref": "ftp://example.org/"}, "the base URL of crossref is not an http(s) URL: 'ftp://example.org/'"),
    ({"pubmed": "eutils"}, "the base URL of pubmed is not an http(s) URL: 'eutils'"),
    ({"timeout": 0}, "timeout and max_bytes must be positive"),
    ({"retries": -1}, "timeout and max_bytes must be positive; retries, backoff and max_wait not negative"),
])
def test_bad_settings_are_refused(settings: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError) as failed:
        Services(**settings)
    assert str(failed.value).startswith(error)


def test_no_test_reaches_the_network(tmp_path: Path) -> None:
    """The real services' addresses, as a run without [verify.services] would use them."""
    from conftest import _OFFLINE

    before = len(_OFFLINE)
    with Client(Services(retries=0), tmp_path / "cache.sqlite", 30) as fetch, pytest.raises(LookupFailed) as failed:
        fetch("crossref", "works/10.1000/xyz", {})
    assert "tests may not reach the network: look up 'api.crossref.org'" in str(failed.value)
    import socket
    with socket.socket() as sock, pytest.raises(OSError, match="tests may not reach the network: connect to"):
        sock.connect(("192.0.2.1", 80))
    assert len(_OFFLINE) == before + 2
    del _OFFLINE[before:]  # seen: this test does not fail for them
