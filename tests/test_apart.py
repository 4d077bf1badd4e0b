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
    children: list[int] = []
    deadline = time.monotonic() + 120
    while run.poll() is None and time.monotonic() < deadline:
        listed = subprocess.run(["ps", "-ww", "-o", "pid=,args=", "--ppid", str(run.pid)], check=False,
                                capture_output=True, text=True).stdout
        children = [int(line.split()[0]) for line in listed.splitlines() if "spawn_main" in line]
        if children:
            break
        time.sleep(0.01)
    if not children:
        run.communicate(timeout=60)
        pytest.skip("the build ended before another process was started")
    os.killpg(run.pid, signal.SIGINT)
    out, err = run.communicate(timeout=60)
    assert (run.returncode, out) == (130, ""), err[-2000:]
    assert "Traceback" not in err
    for pid in children:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.05)
        assert not _alive(pid)
    assert not (folder / "build" / ".cache" / "incremental" / "leaflets.json").exists()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split(")")[-1].split()[0] == "Z")  # a zombie has ended
