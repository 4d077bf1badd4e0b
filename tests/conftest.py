"""Shared fixtures: the tiny KB folders in tests/roots/, the real KB, and the `kb` command."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from kb.cli import main

TESTS = Path(__file__).parent
ROOTS = TESTS / "roots"
REPO = TESTS.parent


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
