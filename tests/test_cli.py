"""The command end to end: show, init, a real process, and a wheel installed apart from this checkout."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import REPO


def test_show_a_claim(root, kb) -> None:
    result = kb("--kb", root("tiny"), "show", "angst")
    assert result.code == 0
    assert result.out.splitlines()[0] == "claim angst  [empirical]  claims/folder.yaml:6"
    assert "  -> smith2020  fit: supports" in result.out
    assert "n: 120" in result.out


def test_show_a_work(root, kb) -> None:
    result = kb("--kb", root("tiny"), "show", "jansen2018")
    assert result.out.splitlines()[0] == "work jansen2018  [expert-based, EBRO D]  references.bib:17"
    assert "  <- spanning [expert-based]  fit: unassessed" in result.out


def test_show_unknown(root, kb) -> None:
    result = kb("--kb", root("tiny"), "show", "nothing")
    assert result.code == 2
    assert result.err == "kb: no work, claim or leaflet called 'nothing', and no claim holds those words\n"


def test_init_then_report(kb, tmp_path: Path) -> None:
    target = tmp_path / "new"
    assert kb("init", target).code == 0
    assert (target / "references.bib").exists() and (target / "claims").is_dir()
    assert (target / ".gitignore").read_text(encoding="utf-8").split() == ["build/", ".kb-cache/"]
    result = kb("--kb", target, "report")
    assert result.code == 0
    assert (target / "build" / "report.html").exists()
    assert kb("init", target).code == 2  # never over an existing KB


def test_a_real_process_shows_no_traceback(tmp_path: Path) -> None:
    (tmp_path / "references.bib").write_text("@article{x, title = {unclosed\n")
    run = subprocess.run([sys.executable, "-m", "kb", "--kb", str(tmp_path), "audit"],
                         capture_output=True, text=True, cwd=tmp_path, check=False)
    assert run.returncode == 2
    assert run.stderr.startswith("references.bib:1: error:")
    assert "Traceback" not in run.stderr


def test_a_real_process_ends_with_its_output_whole(tmp_path: Path, kb) -> None:
    """The program ends at once, its objects not freed (kb.cli._leave): what it wrote to pipes, more
    than a pipe holds, is all there, and its exit code is the command's."""
    spec = importlib.util.spec_from_file_location("scale", REPO / "bench" / "scale.py")
    assert spec is not None and spec.loader is not None
    scale = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scale)
    scale.generate(tmp_path / "org", 300)
    # a large output in one write, thousands of lines, and a few short lines (held in a buffer:
    # output to a pipe is, unless PYTHONUNBUFFERED says otherwise)
    env = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    for command in (["export", "--format", "json", "--out", "-"], ["audit"], ["report"]):
        run = subprocess.run([sys.executable, "-m", "kb", "--kb", str(tmp_path / "org"), *command],
                             capture_output=True, text=True, cwd=tmp_path, env=env, check=False)
        here = kb("--kb", tmp_path / "org", *command)
        assert (run.returncode, run.stdout, run.stderr) == (here.code, here.out, here.err)
        assert run.stdout.endswith("\n")


_LEFT_RUNNING = """
import multiprocessing, signal, sys, time

def wait():
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as a page worker: Ctrl-C is the command's
    time.sleep(120)

if __name__ == "__main__":
    child = multiprocessing.get_context("spawn").Process(target=wait)
    child.start()
    print(child.pid, flush=True)
    from kb.cli import _leave
    _leave(0)
"""


def test_no_process_the_command_started_outlives_it(tmp_path: Path) -> None:
    """The program ends at once (kb.cli._leave), with no pool's thread left to end its workers: a
    process it started and left running is stopped first. One left running would hold the
    command's output open, and a pipe reading it would wait for it."""
    script = tmp_path / "left.py"
    script.write_text(_LEFT_RUNNING, encoding="utf-8")
    started = time.monotonic()
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=False,
                         cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert time.monotonic() - started < 60
    child = int(run.stdout.split()[0])
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)


def test_wheel_runs_on_a_kb_made_by_init(tmp_path: Path) -> None:
    source = tmp_path / "source"  # build from a copy: setuptools writes build/ into the tree it builds
    shutil.copytree(REPO / "kb", source / "kb", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(dist), str(source)], check=True, cwd=tmp_path)
    wheel = next(dist.glob("evidence_kb-*.whl"))
    packaged = {name for name in zipfile.ZipFile(wheel).namelist() if name.startswith("kb/")}
    tree = {p.relative_to(REPO).as_posix() for p in (REPO / "kb").rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}
    assert tree - packaged == set()  # every module, template and data file of the package
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site),
                    str(wheel)], check=True, cwd=tmp_path)
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run([sys.executable, "-c", "import sys, kb.build, kb.audit, kb.apa.references, "
                            "kb.citations.extract; print('\\n'.join(m.__file__ or '' for n, m in sys.modules.items() "
                            "if n.split('.')[0] == 'kb'))"], capture_output=True, text=True, env=env, cwd=tmp_path,
                           check=True)
    assert where.stdout.split() and all(path.startswith(str(site)) for path in where.stdout.split())
    kb_dir = tmp_path / "kb"
    subprocess.run([sys.executable, "-m", "kb", "init", str(kb_dir)], env=env, cwd=tmp_path, check=True)
    (kb_dir / "claims" / "a.txt").write_text("Bewegen helpt.\n", encoding="utf-8")
    (kb_dir / "claims" / "a.yaml").write_text('claims:\n  - id: a\n    text: "Bewegen helpt."\n', encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "kb", "--kb", str(kb_dir), "report", "--lang", "en"],
                         capture_output=True, text=True, env=env, cwd=tmp_path, check=False)
    assert run.returncode == 0, run.stderr
    html = (kb_dir / "build" / "report.html").read_text(encoding="utf-8")
    assert "Bewegen helpt." in html and "unsupported" in html
