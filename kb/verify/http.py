"""The HTTP client behind `kb verify`: the `Fetch` of kb/verify/model.py, over httpx.

`Client(services, cache_path, max_age_days)(service, path, params)` asks `service` (crossref,
openalex, pubmed) for `path` below its base URL and returns `Fetched(body, date, url)`, its body None
when the service answers 404, or raises `LookupFailed` for anything that is not an answer.

- Politeness: the mailto goes where each service's polite pool looks for it (Crossref: the
  `mailto` parameter and the User-Agent; OpenAlex: `mailto`; PubMed: `email` and `tool`, with the
  NCBI `api_key` when there is one). It never appears in `Fetched.url`, the cache or a recording.
- Pacing: requests to one host start at least the service's interval apart (`Services.pace`).
- 429 and 503 with `Retry-After` (seconds or an HTTP date) are waited for, up to
  `Services.max_wait`; a longer wait fails the lookup at once and says so. 5xx, 429 without
  `Retry-After`, timeouts, refused or broken connections are tried again `Services.retries` times,
  after 1, 2, 4 ... times `Services.backoff` seconds. Other 4xx fail at once.
- An answer larger than `Services.max_bytes`, a truncated body, or one that is not JSON fails.
- Answers (200 and 404) are cached in SQLite (kb/verify/answers.py) for `max_age_days`;
  `offline` answers from the cache only, whatever their age; `refresh` asks again and keeps the
  new answers. `record_dir` also writes every answer returned (from the network or the cache) to
  a recording folder; `replay_dir` answers from such a folder only: no network, no cache. The
  recording format is in kb/verify/answers.py.
- `path` is sent as given, except that what cannot stand in a URL path (spaces, `?`, `#`, `<`,
  quotes ...) is percent-encoded; a `%` is kept, so a path may arrive already quoted.
"""

from __future__ import annotations

import json
import math
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import quote, urlencode, urlsplit

import httpx

from kb import __version__
from kb.verify.answers import Answer, Cache, Recording, StoreError, public, record, request_key
from kb.verify.model import SERVICES, Fetched, LookupFailed

_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_PACE = {  # seconds between requests to a service: (asking politely, anonymously); a margin under each limit
    "crossref": (0.12, 0.25),  # polite pool 10 a second, public pool 5
    "openalex": (0.12, 0.12),  # 10 a second
    "pubmed": (0.12, 0.35),  # 10 a second with an NCBI API key, 3 without
}


@dataclass(frozen=True)
class Services:
    """Where the services are and how to ask them (kb.toml `[verify]` and `[verify.services]`)."""

    crossref: str = "https://api.crossref.org/"  # base URL: a mirror, a proxy or a test server may stand in
    openalex: str = "https://api.openalex.org/"
    pubmed: str = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"  # E-utilities
    mailto: str = field(default="", repr=False)  # the polite pools' contact address (KB_MAILTO); never stored
    api_key: str = field(default="", repr=False)  # an NCBI API key for PubMed; never stored
    timeout: float = 20.0  # seconds to connect, and to wait for each part of an answer
    interval: float | None = None  # least seconds between requests to one host; None: each service's own
    retries: int = 3  # further tries after a 5xx, a 429, a timeout or a broken connection
    backoff: float = 1.0  # seconds before the first retry, doubled for each next one
    max_wait: float = 60.0  # the longest Retry-After waited for
    max_bytes: int = 20 * 1024 * 1024  # the largest answer read

    def __post_init__(self) -> None:
        for service in SERVICES:
            url = urlsplit(getattr(self, service))
            if url.scheme not in ("http", "https") or not url.hostname:
                raise ValueError(f"the base URL of {service} is not an http(s) URL: {getattr(self, service)!r}")
        if self.timeout <= 0 or self.retries < 0 or self.backoff < 0 or self.max_wait < 0 or self.max_bytes <= 0:
            raise ValueError("timeout and max_bytes must be positive; retries, backoff and max_wait not negative")

    def base(self, service: str) -> str:
        base: str = getattr(self, service)
        return base if base.endswith("/") else base + "/"

    def pace(self, service: str) -> float:
        if self.interval is not None:
            return self.interval
        polite, anonymous = _PACE[service]
        return polite if (self.api_key if service == "pubmed" else self.mailto) else anonymous

    def polite(self, service: str) -> dict[str, str]:
        """The parameters that identify the person asking, as `service` asks for them."""
        if service == "pubmed":
            return {"tool": "evidence-kb", **({"email": self.mailto} if self.mailto else {}),
                    **({"api_key": self.api_key} if self.api_key else {})}
        return {"mailto": self.mailto} if self.mailto else {}

    @property
    def user_agent(self) -> str:
        return f"evidence-kb/{__version__}" + (f" (mailto:{self.mailto})" if self.mailto else "")


def _today(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).date().isoformat()


class Client:
    """The `Fetch` of `kb verify`; close it when done (or use it as a context manager).

    `progress`, when given, is told in a few words what is under way: each request, and each
    wait longer than a second. `notes` collects what a person should know that is no failure
    (a damaged cache set aside, an answer the cache could not take). `clock`, `sleep` and `now`
    (monotonic seconds, sleeping, seconds since the epoch) can be replaced in tests.
    """

    def __init__(self, services: Services, cache_path: Path, max_age_days: float | None,
                 offline: bool = False, refresh: bool = False, record_dir: Path | None = None,
                 replay_dir: Path | None = None, progress: Callable[[str], None] | None = None, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 now: Callable[[], float] = time.time) -> None:
        if offline and refresh:
            raise ValueError("offline and refresh exclude each other")
        self.services = services
        self.offline, self.refresh = offline, refresh
        self.max_age = None if max_age_days is None else max_age_days * 86400.0
        self.record_dir = record_dir
        self.progress = progress or (lambda what: None)
        self.clock, self.sleep, self.now = clock, sleep, now
        self.requests = 0  # requests sent to the services
        self._next: dict[str, float] = {}  # host -> the clock time its next request may start
        self._down: dict[str, str] = {}  # host -> why it is taken to be down for the rest of the run
        self._replay = Recording(replay_dir) if replay_dir is not None else None
        self._cache = Cache(cache_path) if replay_dir is None else None
        self._http: httpx.Client | None = None
        if not offline and replay_dir is None:  # made now, not in the first request's time
            self._http = httpx.Client(timeout=httpx.Timeout(services.timeout), follow_redirects=True,
                                      headers={"User-Agent": services.user_agent, "Accept": "application/json"})

    @property
    def notes(self) -> list[str]:
        return self._cache.notes if self._cache is not None else []

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None
        if self._cache is not None:
            self._cache.close()

    def __call__(self, service: str, path: str, params: Mapping[str, str]) -> Fetched:
        if service not in SERVICES:
            raise ValueError(f"no such service: {service!r}")
        key = request_key(service, path, params)
        if self._replay is not None:
            if key not in self._replay.answers:
                raise LookupFailed("not in the recording")
            return self._replay.answers[key].result()
        assert self._cache is not None
        answer = None
        if not self.refresh:
            try:
                answer = self._cache.get(key, None if self.offline else self.max_age, self.now())
            except StoreError as error:
                raise LookupFailed(f"cache: {error}") from error
        if answer is None:
            if self.offline:
                raise LookupFailed("offline: not in the cache")
            answer = self._ask(service, path, params)
            self._cache.put(key, answer)
        if self.record_dir is not None:
            record(self.record_dir, service, path, params, answer)
        return answer.result()

    # The network.

    def _ask(self, service: str, path: str, params: Mapping[str, str]) -> Answer:
        """The service's answer, tried again as the module's docstring says; LookupFailed otherwise."""
        services = self.services
        shown = public(params)
        url = services.base(service) + quote(path.lstrip("/"), safe=_PATH_SAFE)
        where = url + ("?" + urlencode(shown) if shown else "")
        sent = {**shown, **services.polite(service)}
        host = urlsplit(url).netloc
        if host in self._down:  # it did not answer a whole round of tries: not asked again this run
            raise LookupFailed(self._down[host])
        tries, last, reached = services.retries + 1, "", False
        for attempt in range(tries):
            if attempt:
                self._hold(host, services.backoff * 2 ** (attempt - 1))
            self._pace(host, services.pace(service))
            self.progress(f"{service}: {path}")
            try:
                status, headers, content = self._get(url, sent)
            except httpx.TimeoutException:
                last = f"timed out after {services.timeout:g} s"
                continue
            except httpx.TransportError as error:
                last = self._scrub(_connection(error, host))
                if _unknown_host(error):  # no name server knows it (or none is reached): trying again cannot help
                    tries = attempt + 1
                    break
                continue
            except httpx.HTTPError as error:  # too many redirects, a bad URL
                raise LookupFailed(self._scrub(f"{type(error).__name__}: {error}")) from error
            reached = True
            if status == 200:
                return Answer(200, self._json(content, headers), where, _today(self.now()), self.now())
            if status == 404:
                return Answer(404, None, where, _today(self.now()), self.now())
            last = f"HTTP {status}"
            wait = _retry_after(headers.get("retry-after", ""), self.now()) if status in (429, 503) else None
            if wait is not None:
                if wait > services.max_wait:
                    raise LookupFailed(f"HTTP {status}: the service asks to wait {wait:.0f} s, "
                                       f"longer than the {services.max_wait:g} s waited for")
                self._hold(host, wait)  # every request to the host waits, not only this one's next try
                continue
            if status != 429 and status < 500:
                raise LookupFailed(f"HTTP {status}: {self._excerpt(content)}")
        why = f"{last} ({tries} tries)" if tries > 1 else last
        if not reached:  # no connection in any try: the service is down, and the rest of the run knows it
            self._down[host] = f"{why}; not asked again in this run"
        raise LookupFailed(why)

    def _get(self, url: str, params: Mapping[str, str]) -> tuple[int, httpx.Headers, bytes]:
        assert self._http is not None, "offline or replaying: no request is made"
        limit = self.services.max_bytes
        with self._http.stream("GET", url, params=params) as response:
            self.requests += 1
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise LookupFailed(f"HTTP {response.status_code}: an answer of {int(declared):,} bytes, "
                                   f"more than the {limit:,} read")
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise LookupFailed(f"HTTP {response.status_code}: an answer of more than {limit:,} bytes")
                chunks.append(chunk)
            return response.status_code, response.headers, b"".join(chunks)

    def _json(self, content: bytes, headers: httpx.Headers) -> object:
        try:
            return json.loads(content)
        except (ValueError, RecursionError):
            kind = headers.get("content-type", "").split(";")[0] or "no content type"
            raise LookupFailed(f"HTTP 200 but not JSON ({kind}): {self._excerpt(content)}") from None

    def _excerpt(self, content: bytes) -> str:
        text = " ".join(content[:400].decode("utf-8", "replace").split())
        return self._scrub(text[:120] + ("..." if len(text) > 120 else "")) or "no body"

    def _scrub(self, text: str) -> str:
        for secret in (self.services.mailto, self.services.api_key):
            if secret:
                text = text.replace(secret, "...").replace(quote(secret, safe=""), "...")
        return text

    # Pacing: a host's next request waits for its interval, a Retry-After or a backoff.

    def _hold(self, host: str, seconds: float) -> None:
        if seconds > 0:
            self._next[host] = max(self._next.get(host, -math.inf), self.clock() + seconds)

    def _pace(self, host: str, interval: float) -> None:
        wait = self._next.get(host, -math.inf) - self.clock()
        if wait > 0:
            if wait > 1:
                self.progress(f"waiting {wait:.0f} s for {host}")
            self.sleep(wait)
        self._next[host] = self.clock() + interval


def _retry_after(value: str, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or an HTTP date); None when absent or unreadable."""
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = when.timestamp() - now
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _unknown_host(error: BaseException) -> bool:
    """Whether the error comes from looking the host's name up (socket.gaierror somewhere in its chain)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _connection(error: httpx.TransportError, host: str) -> str:
    """A transport failure in a few words."""
    text = str(error) or type(error).__name__
    if isinstance(error, httpx.ConnectError):
        return f"cannot connect to {host}: {text}"
    if isinstance(error, httpx.RemoteProtocolError):
        return f"the connection to {host} broke off: {text}"
    return f"{type(error).__name__}: {text}"
