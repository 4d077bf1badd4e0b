"""The services' answers kept: in a SQLite cache with an age limit, and as recording folders.

An answer is what a service said to one request: 200 with a JSON body, or 404 (no such record).
Failures are never kept. A request is named by its key (`request_key`): the service, the path and
the sorted parameters, without the mailto, email or api_key that identify the person asking.

A recording folder (`kb verify --record DIR`, played back with `--replay DIR`) holds one JSON file
per request, `DIR/<service>/<first 16 hex digits of the SHA-256 of the key>.json`:

    {"service": "crossref", "path": "works/10.1000/xyz", "params": {"select": "DOI,title"},
     "status": 200, "date": "2024-05-01", "url": "https://api.crossref.org/works/10.1000/xyz?select=DOI%2Ctitle",
     "body": {... the service's JSON, as it came ...}}

`status` is 200 or 404 (then `body` is null); `date` is the ISO date (UTC) the service answered;
`params` are strings. Played back, a file is found by what it holds, not by its name: a file made
by hand may have any name ending in `.json` (`synthetic-koch2014.json`), inside the folder of its
service. Every `.json` file under `DIR/crossref/`, `DIR/openalex/` and `DIR/pubmed/` must be such
a recording; other folders of DIR are not read.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb.output import write_atomic
from kb.verify.model import SERVICES, Fetched

# Parameters that identify the person asking: sent, never kept.
PRIVATE = frozenset({"mailto", "email", "api_key"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    key TEXT PRIMARY KEY,   -- request_key()
    status INTEGER NOT NULL,  -- 200 or 404
    body TEXT,              -- the JSON body as text; NULL for 404
    url TEXT NOT NULL,      -- the URL asked, without the private parameters
    date TEXT NOT NULL,     -- ISO date (UTC) the service answered
    fetched REAL NOT NULL   -- seconds since the epoch the service answered: for the age limit
)
"""
_BROKEN = ("SQLITE_NOTADB", "SQLITE_CORRUPT")
_WAIT = 30.0  # seconds a process waits for another's lock on the cache


def _write_ahead(db: sqlite3.Connection) -> None:
    """The write-ahead log switched on (a no-op once the file has it). Processes opening a new
    cache at once each want the file to themselves for that; SQLite answers one of them "database
    is locked" at once, without waiting, where waiting could be for ever (two processes each
    waiting for the other's lock): that one asks again, until the others are done, for `_WAIT`
    seconds at most."""
    deadline = time.monotonic() + _WAIT
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL").fetchall()
            return
        except sqlite3.OperationalError as error:
            if getattr(error, "sqlite_errorname", "") not in ("SQLITE_BUSY", "SQLITE_LOCKED") \
                    or time.monotonic() > deadline:
                raise
        time.sleep(0.02)


class StoreError(Exception):
    """The cache or a recording folder cannot be used; `str(error)` names the file and says why."""


@dataclass(frozen=True)
class Answer:
    """A service's answer to one request."""

    status: int  # 200, or 404 for no such record
    body: Any  # the parsed JSON body; None for 404
    url: str  # the URL asked, without the private parameters
    date: str  # ISO date (UTC) the service answered
    fetched: float  # seconds since the epoch the service answered

    def result(self) -> Fetched:
        return Fetched(self.body if self.status == 200 else None, self.date, self.url)


def public(params: Mapping[str, str]) -> dict[str, str]:
    """The parameters without those that identify the person asking, sorted by name."""
    return {name: str(params[name]) for name in sorted(params) if name not in PRIVATE}


def request_key(service: str, path: str, params: Mapping[str, str]) -> str:
    return json.dumps([service, path, sorted(public(params).items())], ensure_ascii=False, separators=(",", ":"))


def recording_name(service: str, path: str, params: Mapping[str, str]) -> str:
    """Where `--record` writes a request's answer, relative to the folder."""
    digest = hashlib.sha256(request_key(service, path, params).encode("utf-8")).hexdigest()
    return f"{service}/{digest[:16]}.json"


class Cache:
    """Answers in SQLite at `path`, shared safely by concurrent processes (write-ahead log, waits
    for a lock). A file that is not a SQLite database, or a damaged one, is moved aside to
    `<name>.corrupt` and the cache starts afresh; `notes` says so."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.notes: list[str] = []
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"{path}: cannot make its folder: {error.strerror or error}") from error
        self._db = self._open()

    def _open(self, fresh: bool = False) -> sqlite3.Connection:
        db: sqlite3.Connection | None = None
        try:
            db = sqlite3.connect(self.path, timeout=_WAIT, isolation_level=None)
            if db.execute("PRAGMA quick_check").fetchall() != [("ok",)]:
                raise sqlite3.DatabaseError("database disk image is malformed")
            _write_ahead(db)
            db.execute("PRAGMA synchronous=NORMAL")  # a cache: a power cut may lose the last answers, never the file
            db.execute(_SCHEMA)
            return db
        except sqlite3.DatabaseError as error:
            if db is not None:
                db.close()
            if fresh or not self._broken(error):  # a failure after a fresh start is not the file's damage
                raise StoreError(f"{self.path}: cannot use the cache: {error}") from error
            self._set_aside(error)
            return self._open(fresh=True)

    @staticmethod
    def _broken(error: sqlite3.DatabaseError) -> bool:
        name = getattr(error, "sqlite_errorname", "")
        return name in _BROKEN or (not name and "malformed" in str(error))

    def _set_aside(self, error: sqlite3.DatabaseError) -> None:
        aside = self.path.with_name(self.path.name + ".corrupt")
        try:
            os.replace(self.path, aside)
            for suffix in ("-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        except OSError as failure:
            raise StoreError(f"{self.path}: damaged ({error}) and cannot be moved aside: {failure}") from failure
        self.notes.append(f"{self.path}: not a usable cache ({error}); moved to {aside.name}, started afresh")

    def get(self, key: str, max_age: float | None, now: float) -> Answer | None:
        """The answer kept for `key`, if it is at most `max_age` seconds old (any age with None)."""
        try:
            row = self._db.execute("SELECT status, body, url, date, fetched FROM answers WHERE key = ?",
                                   (key,)).fetchone()
        except sqlite3.DatabaseError as error:
            if not self._broken(error):
                raise StoreError(f"{self.path}: {error}") from error
            self._db.close()
            self._set_aside(error)
            self._db = self._open(fresh=True)
            return None
        if row is None or (max_age is not None and now - row[4] > max_age):
            return None
        status, body, url, date, fetched = row
        try:
            parsed = None if body is None else json.loads(body)
        except ValueError:  # a row written by something else than this module: not an answer
            return None
        return Answer(int(status), parsed, str(url), str(date), float(fetched))

    def put(self, key: str, answer: Answer) -> None:
        """Keep `answer`; a cache that cannot take it is noted, the answer still counts."""
        body = None if answer.status != 200 else json.dumps(answer.body, ensure_ascii=False)
        try:
            self._db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?)",
                             (key, answer.status, body, answer.url, answer.date, answer.fetched))
        except sqlite3.DatabaseError as error:
            self.notes.append(f"{self.path}: an answer was not kept: {error}")

    def close(self) -> None:
        self._db.close()


def record(folder: Path, service: str, path: str, params: Mapping[str, str], answer: Answer) -> None:
    """Write `answer` to the recording folder, atomically; `kb.output.CannotWrite` when it cannot be."""
    data = {"service": service, "path": path, "params": public(params), "status": answer.status,
            "date": answer.date, "url": answer.url, "body": answer.body if answer.status == 200 else None}
    write_atomic(folder / recording_name(service, path, params),
                 json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def _recording(file: Path, service: str) -> tuple[str, Answer]:
    """The key and the answer held by a recording file; StoreError when it is not one."""
    try:
        data = json.loads(file.read_bytes())
    except (OSError, ValueError, RecursionError) as error:
        raise StoreError(f"{file}: not a recording: {error}") from error
    if not isinstance(data, dict):
        raise StoreError(f"{file}: not a recording: a JSON object is expected")
    missing = [name for name in ("service", "path", "params", "status", "date", "url", "body") if name not in data]
    if missing:
        raise StoreError(f"{file}: not a recording: no {', '.join(missing)}")
    params = data["params"]
    if data["service"] != service:
        raise StoreError(f"{file}: a recording of {data['service']!r} in the folder of {service}")
    if data["status"] not in (200, 404):
        raise StoreError(f"{file}: status {data['status']!r}: a recording holds 200 or 404")
    if not isinstance(params, dict) or not all(isinstance(v, str) for v in params.values()):
        raise StoreError(f"{file}: params must be an object of strings")
    if not all(isinstance(data[name], str) for name in ("path", "date", "url")):
        raise StoreError(f"{file}: path, date and url must be strings")
    answer = Answer(data["status"], data["body"] if data["status"] == 200 else None, data["url"], data["date"], 0.0)
    return request_key(service, data["path"], params), answer


class Recording:
    """The answers of a recording folder, read whole when it is opened."""

    def __init__(self, folder: Path) -> None:
        if not folder.is_dir():
            raise StoreError(f"{folder}: no such folder of recordings")
        self.answers: dict[str, Answer] = {}
        where: dict[str, Path] = {}
        for service in SERVICES:
            for file in sorted((folder / service).rglob("*.json")):
                key, answer = _recording(file, service)
                if key in where:
                    raise StoreError(f"{file}: the same request as {where[key]}")
                where[key], self.answers[key] = file, answer
