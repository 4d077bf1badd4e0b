"""Incremental `kb report`: what an earlier build kept of each leaflet, reused where nothing it
depends on changed, makes the files a cold build makes, byte for byte (kb/incremental.py)."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

import kb.build
from kb import cache, incremental
from kb.cli import main

ROOTS = Path(__file__).parent / "roots"
REPORT = ("report.html", "report.json", "report.md")


def _cold(root: Path, out: Path, lang: str = "nl") -> tuple[kb.build.Outcome, dict[str, bytes]]:
    """The report of `root` built cold: the whole KB read and audited at once, nothing kept."""
    outcome = kb.build._report_cold(root, out, lang, "", lambda what: None)
    return outcome, {name: (out / name).read_bytes() for name in REPORT if (out / name).exists()}


def _incremental(root: Path, out: Path, lang: str = "nl") -> tuple[kb.build.Outcome, dict[str, bytes]]:
    """The report of `root` as `kb report` builds it, the whole-report cache left out."""
    shutil.rmtree(root / "build" / cache.CACHE_DIR / "ignored", ignore_errors=True)
    for entry in (root / "build" / cache.CACHE_DIR).glob("*"):
        if entry.name != incremental.STATE:
            shutil.rmtree(entry, ignore_errors=True)
    outcome = kb.build.report(root, out, lang)
    return outcome, {name: (out / name).read_bytes() for name in REPORT if (out / name).exists()}


def _same(root: Path, tmp: Path, lang: str = "nl") -> None:
    cold, cold_files = _cold(root, tmp / "cold", lang)
    warm, warm_files = _incremental(root, tmp / "incremental", lang)
    assert [f.format() for f in warm.findings] == [f.format() for f in cold.findings]
    assert (warm.failed, warm.unreadable) == (cold.failed, cold.unreadable)
    assert warm_files.keys() == cold_files.keys()
    for name in cold_files:
        assert warm_files[name] == cold_files[name], name


@pytest.mark.parametrize("name", sorted(p.name for p in ROOTS.iterdir() if (p / "claims").is_dir()))
def test_every_test_root_builds_as_cold_first_and_again(name: str, root, tmp_path: Path) -> None:
    folder = root(name)
    _same(folder, tmp_path / "first")
    _same(folder, tmp_path / "again")  # from what the first build kept
