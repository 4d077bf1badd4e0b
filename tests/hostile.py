"""What the hostile-input tests share: a KB with a finished report, every command run on it
after a change, and the checks that a failing run names the problem and leaves build/ alone."""

from __future__ import annotations

import contextlib
import resource
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

from conftest import Result

# Every command that reads a KB, with what it reads of the `tiny` scenario.
COMMANDS: dict[str, tuple[str, ...]] = {
    "report": ("report",),
    "audit": ("audit",),
    "leaflet": ("leaflet", "folder"),
    "show": ("show", "angst"),
    "export": ("export", "json"),
}
READERS = tuple(COMMANDS)  # the commands that read the KB's data (templates aside)
SECRET = "SECRET-OUTSIDE-THE-KB"  # the content of every file outside the KB that a test offers it


def built(root: Callable[[str], Path], kb: Callable[..., Result]) -> Path:
    """The `tiny` KB with a report and a graph.json in build/, as a previous run left them;
    and a file outside the KB holding `SECRET`, beside it."""
    folder = root("tiny")
    assert kb("--kb", folder, "report").code == 0
    assert kb("--kb", folder, "export", "json").code == 0
    (folder.parent / "secret.txt").write_text(f"{SECRET}\n", encoding="utf-8")
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under build/ (the cache's included), by its path there, with its bytes."""
    build = folder / "build"
    return {p.relative_to(build).as_posix(): p.read_bytes() for p in sorted(build.rglob("*")) if p.is_file()}


def _address_space() -> int:
    """The bytes of address space this process holds now."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


@contextlib.contextmanager
def guarded(seconds: int = 20, memory: int = 2 * 1024**3) -> Iterator[None]:
    """Fail, rather than hang or take the machine's memory, when a command blocks (on a named
    pipe, say) or reads without end (/dev/zero): an alarm, and a cap of `memory` bytes more
    address space than the process holds, which turns such a read into a MemoryError."""
    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    limits = resource.getrlimit(resource.RLIMIT_AS)
    held = _address_space()
    if held:
        cap = held + memory
        resource.setrlimit(resource.RLIMIT_AS, (cap if limits[1] == resource.RLIM_INFINITY else min(cap, limits[1]),
                                                limits[1]))
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        resource.setrlimit(resource.RLIMIT_AS, limits)
        signal.signal(signal.SIGALRM, previous)


def refuses(kb: Callable[..., Result], folder: Path, expected: str, commands: tuple[str, ...] = READERS,
            trailer: bool = True) -> None:
    """Each command exits 2 printing the finding `expected`, leaves build/ byte for byte as it
    was, and puts nothing of the secret anywhere in it."""
    before = snapshot(folder)
    for name in commands:
        with guarded():
            result = kb("--kb", folder, *COMMANDS[name])
        err = result.err
        lines = err.splitlines()
        assert expected in lines, f"kb {name}:\n{err}"
        assert result.code == 2, f"kb {name}: exit {result.code}\n{err}"
        assert "internal error" not in err and "Traceback" not in err
        if trailer:
            assert lines[-1] == f"kb: cannot read the knowledge base in {folder.as_posix()}; nothing was written"
        assert SECRET not in result.out + err
        assert snapshot(folder) == before, f"kb {name} changed build/"
    assert not any(SECRET.encode() in content for content in snapshot(folder).values())
