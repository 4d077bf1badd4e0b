"""A piece of a build done in another process (kb/apart.py): its result, or None however it fails."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kb.apart import Apart

REPO = Path(__file__).resolve().parents[1]


def test_the_result_comes_back() -> None:
    apart = Apart.start(max, [3, 9, 4])
    assert apart is not None
    assert apart.result() == 9


def test_an_exception_or_a_process_gone_is_none() -> None:
    for target, args in ((int, ("not a number",)), (os._exit, (3,))):
        apart = Apart.start(target, *args)
        assert apart is not None
        assert apart.result() is None


def test_close_stops_a_process_still_running() -> None:
    apart = Apart.start(time.sleep, 60)
    assert apart is not None
    began = time.monotonic()
    apart.close()
    assert not apart._process.is_alive()
    assert time.monotonic() - began < 30


def test_ctrl_c_while_leaflets_are_audited_apart_stops_every_process(tmp_path: Path) -> None:
    """Ctrl-C during a first build whose leaflets are audited in two processes: the command exits
    130 without a traceback, the other process is gone, and nothing is kept for the next build."""
    spec = importlib.util.spec_from_file_location("scale", REPO / "bench" / "scale.py")
    assert spec and spec.loader
    scale = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scale)
    folder = tmp_path / "kb"
    scale.generate(folder, 512)  # 64 leaflets
    forced = tmp_path / "forced"
    forced.mkdir()
    # every process of the command (the spawned ones too) starts with a core to spare and audits apart
    (forced / "sitecustomize.py").write_text(
        "import kb.incremental, kb.pagework\n"
        "kb.pagework.spare_cores = lambda: 1\n"
        "kb.incremental.AUDIT_APART = 0\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join((str(REPO), str(forced)))}
    command = [sys.executable, "-m", "kb", "--kb", str(folder), "report"]
    run = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           start_new_session=True)  # a group of its own, as a terminal's job is
    children = _children(run, " -m kb ", 120)  # a copy of the command (kb.incremental.audit_copy)
    if not children:
        run.communicate(timeout=60)
        pytest.skip("the build ended before another process was started")
    _interrupted(run, children, 60)
    assert not (folder / "build" / ".cache" / "incremental" / "leaflets.json").exists()


def test_ctrl_c_while_the_index_is_made_apart_stops_the_copy_quietly(root, tmp_path: Path) -> None:
    """Ctrl-C while a copy of the command makes the index (kb.pages._index_apart): exit 130, no
    traceback (the copy has the command's signal handlers: it is ended by default), no process
    left, the report as it was. The copy is held a while, so that the signal finds it."""
    folder = root("tiny")
    forced = tmp_path / "forced"
    forced.mkdir()
    (forced / "sitecustomize.py").write_text(
        "import os, time, kb.pages\n"
        "kb.pages.INDEX_APART = 0\n"
        "command = os.getpid()\n"
        "real = kb.pages._index_page\n"
        "def slow(*args, **kwargs):\n"
        "    if os.getpid() != command:\n"
        "        time.sleep(30)\n"
        "    return real(*args, **kwargs)\n"
        "kb.pages._index_page = slow\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join((str(REPO), str(forced)))}
    command = [sys.executable, "-m", "kb", "--kb", str(folder), "report", "--pages", "paged"]
    assert subprocess.run(command, capture_output=True, check=False).returncode == 0  # made here, at once
    before = {p: p.read_bytes() for p in (folder / "build").rglob("*") if p.is_file() and ".cache" not in p.parts}
    bib = folder / "references.bib"
    bib.write_text(bib.read_text(encoding="utf-8") + "\n% again\n", encoding="utf-8")  # built again, not restored
    run = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           start_new_session=True)  # a group of its own, as a terminal's job is
    children = _children(run, "", 60)
    assert children, "no copy was made"
    time.sleep(0.3)  # in the copy's sleep, the command waiting for it
    _interrupted(run, children, 20)
    assert {p: p.read_bytes() for p in (folder / "build").rglob("*")
            if p.is_file() and ".cache" not in p.parts} == before
    assert not list((folder / "build").rglob(".*.tmp"))


def test_a_copy_reads_what_the_command_holds_and_ends_quietly() -> None:
    held = {"numbers": [3, 9, 4]}  # not sent: the copy has it
    apart = Apart.fork(lambda: max(held["numbers"]))
    assert apart is not None
    assert apart.result() == 9
    assert apart._process.exitcode == 0
    failed = Apart.fork(int, "not a number")
    assert failed is not None and failed.result() is None


def _children(run: subprocess.Popen[str], marker: str, within: float) -> list[int]:
    """The processes `run` started whose command line holds `marker`, as soon as there are any
    (none: it ended first, or `within` seconds passed)."""
    deadline = time.monotonic() + within
    while run.poll() is None and time.monotonic() < deadline:
        listed = subprocess.run(["ps", "-ww", "-o", "pid=,args=", "--ppid", str(run.pid)], check=False,
                                capture_output=True, text=True).stdout
        children = [int(line.split()[0]) for line in listed.splitlines() if marker in line]
        if children:
            return children
        time.sleep(0.01)
    return []


def _interrupted(run: subprocess.Popen[str], children: list[int], within: float) -> None:
    """Ctrl-C to `run`'s process group: it exits 130 with no output and no traceback, and each of
    its `children` is gone."""
    os.killpg(run.pid, signal.SIGINT)
    out, err = run.communicate(timeout=within)
    assert (run.returncode, out) == (130, ""), err[-2000:]
    assert "Traceback" not in err
    for pid in children:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.05)
        assert not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split(")")[-1].split()[0] == "Z")  # a zombie has ended
