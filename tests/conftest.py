"""Shared fixtures: the tiny KB folders in tests/roots/, the real KB, and the `kb` command."""

from __future__ import annotations

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
