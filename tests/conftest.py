"""Shared fixtures: the tiny KB folders in tests/roots/, the real KB, and the `kb` command."""

from __future__ import annotations

import difflib
import ipaddress
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir
from verify_server import verify_server  # noqa: F401  (a fixture: the loopback fake of the services)

from kb.cli import main

TESTS = Path(__file__).parent
ROOTS = TESTS / "roots"
REPO = TESTS.parent


# Property tests keep no example database, nor anything else, in the checkout.
settings.register_profile("kb", database=None)
settings.load_profile("kb")
set_hypothesis_home_dir(tempfile.mkdtemp(prefix="kb-hypothesis-"))

# Folders a test run may leave in the checkout: the set-up's, and caches of the tools themselves.
_ALLOWED = {".git", ".venv", "__pycache__", ".ruff_cache", ".mypy_cache", "evidence_kb.egg-info", "build"}
_BEFORE: set[str] = set()


def _files(top: Path) -> set[str]:
    found: set[str] = set()
    for folder, names, files in os.walk(top):
        names[:] = [n for n in names if n not in _ALLOWED or (n == "build" and Path(folder) != top)]
        found.update(os.path.relpath(os.path.join(folder, f), top) for f in files)
    return found


def pytest_sessionstart(session: pytest.Session) -> None:
    _BEFORE.update(_files(REPO))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Tests write into temporary folders only: a file new in the checkout (tests/roots/ included) fails the run."""
    new = sorted(_files(REPO) - _BEFORE)
    if new:
        print(f"\ntests wrote into the checkout: {', '.join(new[:10])}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# No test reaches the network: connecting to, or looking up, anything but this machine raises
# and fails the test, even when the code under test catches the error (a lookup that failed).
# Subprocesses started by a test are not covered.
_OFFLINE: list[str] = []
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", socket.gethostname()}


def _local(host: Any) -> bool:
    if host is None:
        return True
    name = host.decode() if isinstance(host, bytes) else str(host)
    try:
        return ipaddress.ip_address(name.split("%")[0]).is_loopback or name in ("", "0.0.0.0", "::")
    except ValueError:
        return name.lower() in _LOCAL_NAMES


def _refuse(what: str) -> OSError:
    _OFFLINE.append(what)
    return OSError(f"tests may not reach the network: {what}")


def _block_network() -> None:
    connect, connect_ex, getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

    def guarded_connect(self: Any, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
            raise _refuse(f"connect to {address!r}")
        connect(self, address)

    def guarded_connect_ex(self: Any, address: Any) -> int:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
            raise _refuse(f"connect to {address!r}")
        return connect_ex(self, address)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _local(host):
            raise _refuse(f"look up {host!r}")
        return getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = guarded_getaddrinfo


_block_network()


@pytest.fixture(autouse=True)
def offline() -> Iterator[None]:
    """Fails the test that tried to reach the network, whatever it did with the error."""
    before = len(_OFFLINE)
    yield
    if len(_OFFLINE) > before:
        pytest.fail("the test tried to reach the network: " + "; ".join(_OFFLINE[before:]))


def copied(kb_dir: Path, where: Path) -> Path:
    """A copy of the KB folder `kb_dir` inside `where` (made once), so that its output lands there."""
    target = where / f"kb-{kb_dir.name}"
    if not target.exists():
        shutil.copytree(kb_dir, target, ignore=shutil.ignore_patterns("build"))
    return target


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--regen-golden", action="store_true",
                     help="rewrite the golden files in tests/golden/ from the current output")


@pytest.fixture
def regen_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--regen-golden"))


def check_golden(produced: str, golden: Path, regen: bool) -> None:
    """`produced` must equal the golden file; a missing one is written and the test fails, so
    that a person looks at it. `--regen-golden` rewrites it on purpose."""
    if regen or not golden.exists():
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(produced, encoding="utf-8")
        pytest.fail(f"wrote {golden}; look at it, then run again" if not regen else "regenerated")
    expected = golden.read_text(encoding="utf-8")
    if produced != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), produced.splitlines(True),
                                            "golden", "produced", n=2))
        pytest.fail(f"{golden.name} differs from {golden} (rerun with --regen-golden if intended):\n{diff[:4000]}")


@pytest.fixture
def root(tmp_path: Path):
    """Copy a scenario from tests/roots/ into a temporary folder, so output lands there."""
    def copy(name: str) -> Path:
        target = tmp_path / name
        if not target.exists():
            shutil.copytree(ROOTS / name, target)
        return target
    return copy


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


@pytest.fixture
def kb(capsys: pytest.CaptureFixture[str]):
    """Run the `kb` command in-process; returns exit code, stdout and stderr."""
    def run(*args: str) -> Result:
        try:
            code = main([str(a) for a in args])
        except SystemExit as exit_:  # argparse usage errors
            code = int(exit_.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)
    return run
