"""A loopback stand-in for Crossref, OpenAlex and PubMed: a real HTTP server on 127.0.0.1.

What only a server shows: 429 with Retry-After, 5xx, a hang longer than the client's timeout,
a truncated or non-JSON body, a connection closed without an answer. Each path is scripted with
the replies to give in turn (the last one repeats); a path not scripted answers 404 as Crossref
does. Every request received is kept, with its arrival time, for tests of pacing and parameters.

    def test_x(verify_server):
        verify_server.script("crossref/works/10.1/x", Reply(429, headers={"Retry-After": "1"}), Reply(body={...}))
        services = verify_server.services()  # every service's base URL below the server's
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from kb.verify.http import Services


@dataclass(frozen=True)
class Reply:
    """One scripted reply."""

    status: int = 200
    body: Any = None  # bytes and str are sent as they are, anything else as JSON; None: an empty JSON object
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before replying (a hang, when longer than the client's timeout)
    missing: int = 0  # bytes promised in Content-Length but never sent: a truncated body
    close: bool = False  # close the connection without replying
    chunked: bool = False  # sent in chunks, without a Content-Length

    def content(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps({} if self.body is None else self.body).encode("utf-8")


NOT_FOUND = Reply(404, "Resource not found.", {"Content-Type": "text/plain"})


@dataclass(frozen=True)
class Received:
    """One request the server received."""

    path: str  # without the leading / and the query, percent-decoded
    params: dict[str, str]  # the query's parameters (the last value of each)
    headers: dict[str, str]  # names in lower case
    time: float  # time.monotonic() on arrival


class FakeService:
    def __init__(self) -> None:
        self._scripts: dict[str, list[Reply]] = {}
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def script(self, path: str, *replies: Reply) -> None:
        """Reply to `path` with `replies` in turn; the last one is given again to further requests."""
        with self._lock:
            self._scripts[path] = list(replies)

    def services(self, **settings: Any) -> Services:
        """Services whose base URLs are `<server>/crossref/`, `/openalex/` and `/pubmed/`."""
        return Services(crossref=self.url + "crossref/", openalex=self.url + "openalex/",
                        pubmed=self.url + "pubmed/", **settings)

    def to(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    def _reply(self, path: str) -> Reply:
        with self._lock:
            replies = self._scripts.get(path)
            if not replies:
                return NOT_FOUND
            return replies.pop(0) if len(replies) > 1 else replies[0]

    def stop(self) -> None:
        self._stopping.set()  # ends the hangs
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def _handler(service: FakeService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the real services
        disable_nagle_algorithm = True  # headers and body are written apart: no 40 ms wait for an ACK

        def do_GET(self) -> None:
            arrived = time.monotonic()
            url = urlsplit(self.path)
            path = unquote(url.path.lstrip("/"))
            params = {name: values[-1] for name, values in parse_qs(url.query, keep_blank_values=True).items()}
            with service._lock:
                service.received.append(Received(path, params, {k.lower(): v for k, v in self.headers.items()},
                                                 arrived))
            reply = service._reply(path)
            if reply.delay and service._stopping.wait(reply.delay):
                return
            if reply.close:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            content = reply.content()
            try:
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                if reply.chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for start in range(0, len(content), 1000):
                        piece = content[start:start + 1000]
                        self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                    self.wfile.write(b"0\r\n\r\n")
                else:
                    self.send_header("Content-Length", str(len(content) + reply.missing))
                    self.end_headers()
                    self.wfile.write(content)
                self.wfile.flush()
                if reply.missing:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:  # the client gave up (its timeout) before the reply
                self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler


def closed_port() -> int:
    """A loopback port nothing listens on: a service that is down."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def verify_server() -> Iterator[FakeService]:
    """A loopback fake of the three services, stopped after the test."""
    server = FakeService()
    try:
        yield server
    finally:
        server.stop()
