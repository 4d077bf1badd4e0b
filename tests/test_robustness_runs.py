"""Runs that fail half-way leave the previous build/ whole; concurrent runs leave a complete report."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from kb import output

REPORT = ("report.html", "report.json", "report.md")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_a_template_that_fails_half_way_leaves_the_previous_report(root, kb) -> None:
    folder = root("tiny")
    assert kb("--kb", folder, "report").code == 0
    before = _files(folder / "build")
    (folder / "templates").mkdir()
    (folder / "templates" / "report.md.j2").write_text("# {{ report.documents[0].title }}\n{{ no_such_thing.x }}\n")
    result = kb("--kb", folder, "report")
    assert result.code == 2
    assert result.err.startswith("templates/report.md.j2:2: error: 'no_such_thing' is undefined [template]\n")
    assert _files(folder / "build") == before


def test_a_write_that_fails_half_way_leaves_the_previous_report(root, kb, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = root("tiny")
    assert kb("--kb", folder, "report").code == 0
    before = _files(folder / "build")
    (folder / "claims" / "folder.yaml").write_text(
        (folder / "claims" / "folder.yaml").read_text(encoding="utf-8").replace("Over bewegen", "Over rennen"))
    synced: list[int] = []
    fsync = os.fsync

    def fsync_then_full(fd: int) -> None:  # the second file finds the disk full
        if synced:
            raise OSError(28, "No space left on device")
        synced.append(fd)
        fsync(fd)

    monkeypatch.setattr(output.os, "fsync", fsync_then_full)
    result = kb("--kb", folder, "report")
    assert (result.code, result.out) == (2, "")
    assert result.err == f"{(folder / 'build' / 'report.json').as_posix()}:0: error: cannot write: " \
        "no space left on device [cannot-write]\n"
    assert _files(folder / "build") == before  # the staged report.html is gone too
    assert [p.name for p in (folder / "build").iterdir() if p.name.endswith(".tmp")] == []


def test_a_broken_claims_file_among_good_ones_writes_nothing(root, kb) -> None:
    folder = root("tiny")
    assert kb("--kb", folder, "report").code == 0
    before = _files(folder / "build")
    (folder / "claims" / "b.txt").write_text("Iets.\n", encoding="utf-8")
    (folder / "claims" / "b.yaml").write_text("claims:\n  - id: b\n    text: \"Iets.\n", encoding="utf-8")
    (folder / "claims" / "c.txt").write_text("Meer.\n", encoding="utf-8")
    (folder / "claims" / "c.yaml").write_text("claims:\n  - id: c\n    text: Meer.\n", encoding="utf-8")
    result = kb("--kb", folder, "report")
    assert result.code == 2
    assert result.err.startswith("claims/b.yaml:4: error: cannot read YAML: found unexpected end of stream")
    assert _files(folder / "build") == before


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A knowledge base large enough that two runs overlap: 300 works, 1,500 claims."""
    spec = importlib.util.spec_from_file_location("scale", REPO / "bench" / "scale.py")
    assert spec and spec.loader
    scale = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scale)
    folder = tmp_path_factory.mktemp("synthetic") / "kb"
    scale.generate(folder, 300)
    return folder


def _together(folder: Path, count: int = 2) -> list[subprocess.CompletedProcess[str]]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    runs = [subprocess.Popen([sys.executable, "-m", "kb", "--kb", str(folder), "report"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(count)]
    return [subprocess.CompletedProcess(r.args, r.wait(), *r.communicate()) for r in runs]


def test_concurrent_runs_leave_a_complete_report(synthetic: Path, kb, tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    code = kb("--kb", synthetic, "report", "--out", reference).code
    assert code in (0, 1)
    expected = _files(reference)
    for round_ in ("cold", "cold", "warm", "warm"):
        if round_ == "cold":
            subprocess.run(["rm", "-rf", str(synthetic / "build")], check=True)
        runs = _together(synthetic)
        assert [run.returncode for run in runs] == [code, code], [run.stderr[-500:] for run in runs]
        assert all(run.stdout.splitlines() == [str(synthetic / "build" / name) for name in REPORT] for run in runs)
        assert runs[0].stderr == runs[1].stderr
        assert _files(synthetic / "build") == expected, round_
        leftovers = [p for p in (synthetic / "build").rglob("*") if p.name.startswith(".") and p.name != ".cache"]
        assert leftovers == []
