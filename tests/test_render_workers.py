"""A paged report's pages rendered by workers beside the command (kb/pagework.py), or by a copy of
the command (kb.pages._render_share): the same bytes as rendered in one process, a template's error
reported as one process reports it, and Ctrl-C still stopping the command with the previous report
in place."""

from __future__ import annotations

import glob
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from alone import Processes, in_a_process

from kb import pages, pagework, reportdata
from kb.audit import run
from kb.findings import UnreadableInput
from kb.knowledgebase import load

REPO = Path(__file__).resolve().parents[1]


def _inputs(folder: Path) -> reportdata.Inputs:
    knowledge = load(folder)
    return reportdata.inputs(knowledge, run(knowledge), "nl")


def _bytes(files: dict[str, Any]) -> dict[str, bytes]:
    return {name: content if isinstance(content, bytes) else b"".join(content) for name, content in files.items()}


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Workers for any number of pages, as on two idle cores; the pages given to one are listed."""
    given: list[str] = []
    submit = pagework.Workers.submit

    def counted(self: pagework.Workers, path: str, piece: dict[str, Any], key: str) -> Any:
        future = submit(self, path, piece, key)
        if future is not None:
            given.append(path)
        return future

    monkeypatch.setattr(pagework, "PARALLEL_FROM", 1)
    monkeypatch.setattr(pagework, "spare_cores", lambda: 1)
    monkeypatch.setattr(pagework.Workers, "submit", counted)
    monkeypatch.setattr(pages, "COPY_MOST", 0)  # no copy shares the rendering: workers do
    return given


def test_pages_a_worker_renders_are_the_pages_rendered_here(root, tmp_path: Path, workers: list[str]) -> None:
    inputs = _inputs(root("paged"))
    rendered: list[str] = []
    made = _bytes(pages.render(inputs, "nl", tmp_path / "cache", rendered))
    assert workers and pages.INDEX not in workers  # the index is rendered here, the workers done
    assert sorted(rendered) == sorted(pages.slices(inputs))  # each page once, in one process or the other
    assert made == _bytes(pages.render(inputs, "nl", None))  # byte for byte


def test_a_template_error_in_a_worker_is_reported_as_without_workers(root, kb, workers: list[str],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    folder = root("paged")
    (folder / "templates").mkdir()
    (folder / "templates" / "claim.html.j2").write_text("{{ claim.text }}\n{{ 1 // 0 }}\n", encoding="utf-8")
    with_workers = kb("--kb", folder, "report", "--pages", "paged")
    assert workers
    monkeypatch.setattr(pagework, "PARALLEL_FROM", 10**9)
    workers.clear()
    alone = kb("--kb", folder, "report", "--pages", "paged")
    assert not workers
    assert (with_workers.code, with_workers.err) == (alone.code, alone.err)
    assert alone.code == 2 and alone.err.startswith(
        "templates/claim.html.j2:2: error: ZeroDivisionError: integer division or modulo by zero [template]\n")
    assert not (folder / "build" / "report.html").exists()
    with pytest.raises(UnreadableInput):
        pages.render(_inputs(folder), "nl", folder / "build" / "cache")


def test_pages_a_copy_renders_are_the_pages_rendered_here(root, tmp_path: Path) -> None:
    """Every other leaflet's and works page rendered by a copy of the command, which slices them
    itself: the same bytes, each page once; a copy that fails leaves its pages to the command."""
    assert in_a_process("test_render_workers", "rendered_by_a_copy", root("paged"), tmp_path) == "copies 2\n"


def rendered_by_a_copy(folder: Path, tmp_path: Path) -> None:
    """`test_pages_a_copy_renders_are_the_pages_rendered_here`, in the process it runs."""
    import threading
    from unittest import mock

    from kb import apart

    copies = Processes(apart.Apart.fork, lambda target: target is pages._render_share)
    assert threading.active_count() == 1
    inputs = _inputs(folder)
    alone = _bytes(pages.render(inputs, "nl", None))
    every = sorted(pages.slices(inputs))
    with mock.patch.object(pagework, "PARALLEL_FROM", 1), mock.patch.object(pagework, "spare_cores", lambda: 1), \
            mock.patch.object(apart.Apart, "fork", staticmethod(copies.spy)):
        rendered: list[str] = []
        assert _bytes(pages.render(inputs, "nl", tmp_path / "cache", rendered)) == alone
        assert len(copies) == 1 and copies[0]._process.exitcode == 0
        assert sorted(rendered) == every  # each page once, in one process or the other
        with mock.patch.object(pages, "_render_share", lambda *args: 1 / 0):  # the copy fails
            rendered = []
            assert _bytes(pages.render(inputs, "nl", tmp_path / "failed", rendered)) == alone
            assert len(copies) == 2 and copies[1]._process.exitcode == 0
            assert sorted(rendered) == every  # the copy's pages too, here
    print("copies", len(copies))


@pytest.mark.parametrize("by", ["a copy", "workers"])
def test_ctrl_c_while_pages_are_rendered_apart_leaves_the_previous_report(by: str, tmp_path: Path) -> None:
    """Ctrl-C reaches every process of the terminal's group, a copy of the command or the workers
    too: the command stops (130, no traceback from any process) and the report it was replacing
    stays whole."""
    spec = importlib.util.spec_from_file_location("scale", REPO / "bench" / "scale.py")
    assert spec and spec.loader
    scale = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scale)
    folder = tmp_path / "kb"
    scale.generate(folder, 1000)  # 125 leaflets: more pages than workers start for
    forced = tmp_path / "forced"
    forced.mkdir()
    if by == "workers":  # no copy shares the rendering: workers do
        (forced / "sitecustomize.py").write_text("import kb.pages\nkb.pages.COPY_MOST = 0\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join((str(REPO), str(forced)))}
    command = [sys.executable, "-m", "kb", "--kb", str(folder), "report", "--pages", "paged"]
    subprocess.run(command, env=env, capture_output=True, check=False)
    build = folder / "build"
    before = {p.relative_to(build): p.read_bytes() for p in build.rglob("*")
              if p.is_file() and ".cache" not in p.parts}
    assert Path("report.html") in before
    shutil.rmtree(build / ".cache")  # a cold rendering, which the workers share
    cache = build / ".cache" / ".pages" / "nl"
    run_ = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # a group of its own, as a terminal's job is
    deadline = time.monotonic() + 120
    while run_.poll() is None and len(glob.glob(str(cache / "[0-9a-f]*"))) < 20 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert run_.poll() is None, "the report was written before Ctrl-C could be sent"
    children = subprocess.run(["ps", "-o", "args=", "--ppid", str(run_.pid)], check=False, capture_output=True,
                              text=True).stdout
    os.killpg(run_.pid, signal.SIGINT)
    out, err = run_.communicate(timeout=60)
    assert (run_.returncode, out) == (130, ""), err[-2000:]
    assert "Traceback" not in err
    after = {p.relative_to(build): p.read_bytes() for p in build.rglob("*")
             if p.is_file() and ".cache" not in p.parts}
    assert after == before
    marker = "spawn_main" if by == "workers" else " -m kb "  # a copy's command line is the command's
    if marker not in children:  # the load average left no core to spare (kb.pagework.spare_cores)
        pytest.skip(f"no process ({by}) was started: the machine is busy; the command alone was stopped")


def test_spare_cores_count_the_processes_running_now_not_only_the_last_minute(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A build right after another is not taken for a busy machine: the last minute's load average
    still holds the first build's processes, the processes running now do not. A machine busy with
    other work shows in both, and is left alone; where the running processes cannot be read, the
    average decides, as it did."""
    loadavg = tmp_path / "loadavg"
    monkeypatch.setattr(pagework, "_LOADAVG", str(loadavg))
    monkeypatch.setattr(pagework, "cores", lambda: 4)
    monkeypatch.setattr(pagework.multiprocessing, "active_children", list)  # none started by this one
    monkeypatch.setattr(os, "getloadavg", lambda: (3.0, 2.0, 1.0))  # a build of three processes just ended

    loadavg.write_text("3.00 2.00 1.00 1/312 4242\n", encoding="utf-8")  # this process alone runs now
    assert pagework._running() == 1
    assert pagework.spare_cores() == 3

    loadavg.write_text("3.00 2.00 1.00 4/312 4242\n", encoding="utf-8")  # three others run now too
    assert pagework.spare_cores() == 1  # the average's two others, fewer than the three running

    monkeypatch.setattr(os, "getloadavg", lambda: (1.0, 1.0, 1.0))
    assert pagework.spare_cores() == 3  # a moment's three runners, on a machine idle over the minute

    loadavg.write_text("not a load average\n", encoding="utf-8")
    monkeypatch.setattr(os, "getloadavg", lambda: (3.0, 2.0, 1.0))
    assert pagework._running() is None
    assert pagework.spare_cores() == 1  # the average alone: two others
