"""Warm `kb report`: the cache in build/.cache, keyed by every input, and the progress bar."""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
import threading
import time
import types
from pathlib import Path
from typing import Any

import pytest

from kb import cache, incremental, paths
from kb.cli import main

REPORT = ("report.html", "report.json", "report.md")


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every time a run reads the KB (a cache miss: a build, incremental or else cold), its folder."""
    seen: list[Path] = []
    real = incremental.build

    def spy(root: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(root)
        return real(root, *args, **kwargs)

    monkeypatch.setattr(incremental, "build", spy)
    return seen


def _report(folder: Path) -> dict[str, bytes]:
    return {name: (folder / "build" / name).read_bytes() for name in REPORT}


def test_a_warm_run_repeats_the_cold_one_without_reading_the_kb(root, kb, loads: list[Path]) -> None:
    folder = root("missing_reference")
    cold = kb("--kb", folder, "report")
    assert (cold.code, len(loads)) == (1, 1)
    files = _report(folder)
    warm = kb("--kb", folder, "report")
    assert len(loads) == 1
    assert (warm.code, warm.out, warm.err) == (cold.code, cold.out, cold.err)
    assert "missing-reference" in warm.err
    assert _report(folder) == files


CHANGES = {
    "references.bib": lambda f: (f / "references.bib").write_text(
        (f / "references.bib").read_text(encoding="utf-8") + "\n% a comment\n", encoding="utf-8"),
    "claims yaml": lambda f: (f / "claims" / "folder.yaml").write_text(
        (f / "claims" / "folder.yaml").read_text(encoding="utf-8").replace("primary outcome", "main outcome"),
        encoding="utf-8"),
    "leaflet text": lambda f: (f / "claims" / "folder.txt").write_text(
        (f / "claims" / "folder.txt").read_text(encoding="utf-8") + "\nNog iets.\n", encoding="utf-8"),
    "kb.toml": lambda f: (f / "kb.toml").write_text('[audit.severity]\nunsupported-claim = "error"\n'),
    "verification.json": lambda f: (f / "verification.json").write_text('{"records": []}\n'),
    "KB template": lambda f: (f / "templates").mkdir() or (f / "templates" / "legend.html.j2").write_text("<p>L</p>\n"),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_any_change_of_input_is_a_miss(change: str, root, kb, loads: list[Path]) -> None:
    folder = root("tiny")
    kb("--kb", folder, "report")
    kb("--kb", folder, "report")
    assert len(loads) == 1
    CHANGES[change](folder)
    kb("--kb", folder, "report")
    assert len(loads) == 2
    kb("--kb", folder, "report")  # now a hit
    assert len(loads) == 2
    fresh = folder.parent / "fresh"  # the changed KB elsewhere, with no cache: rendered from scratch
    shutil.copytree(folder, fresh, ignore=shutil.ignore_patterns("build"))
    kb("--kb", fresh, "report")
    assert len(loads) == 3
    assert _report(folder) == _report(fresh)


def test_language_and_a_leaflet_text_outside_claims_are_inputs(root, kb, loads: list[Path]) -> None:
    folder = root("tiny")
    (folder / "leaflets").mkdir()
    (folder / "claims" / "folder.txt").rename(folder / "leaflets" / "folder.txt")
    yaml_file = folder / "claims" / "folder.yaml"
    yaml_file.write_text(yaml_file.read_text(encoding="utf-8").replace(
        '  language: nl\n', '  language: nl\n  text: ../leaflets/folder.txt\n'), encoding="utf-8")
    assert kb("--kb", folder, "report").code == 0
    kb("--kb", folder, "report", "--lang", "en")
    assert len(loads) == 2
    kb("--kb", folder, "report", "--lang", "en")
    assert len(loads) == 2
    (folder / "leaflets" / "folder.txt").write_text("Iets anders.\n", encoding="utf-8")
    assert kb("--kb", folder, "report", "--lang", "en").code == 1  # the claims are no longer in the text
    assert len(loads) == 3


def test_a_lost_or_edited_report_file_comes_back(root, kb, loads: list[Path]) -> None:
    folder = root("tiny")
    kb("--kb", folder, "report")
    files = _report(folder)
    (folder / "build" / "report.md").unlink()
    kb("--kb", folder, "report")
    assert len(loads) == 1 and _report(folder) == files
    with open(folder / "build" / "report.html", "ab") as handle:  # edited in place: the cached copy too
        handle.write(b"<!-- mine -->")
    kb("--kb", folder, "report")
    assert len(loads) == 2 and _report(folder) == files


def test_old_entries_are_pruned(root, kb) -> None:
    folder = root("tiny")
    bib = folder / "references.bib"
    for number in range(cache.KEEP + 3):
        bib.write_text(bib.read_text(encoding="utf-8") + f"\n% {number}\n", encoding="utf-8")
        kb("--kb", folder, "report")
    entries = [p for p in (folder / "build" / ".cache").iterdir() if p.name not in (incremental.STATE, cache._KNOWN)]
    assert len(entries) == cache.KEEP
    assert all(len(p.name) == 32 for p in entries)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_on_a_terminal_only(root, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    folder = root("tiny")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    threads = set(threading.enumerate())
    assert main(["--kb", str(folder), "report"]) == 0
    assert "step" in terminal.getvalue() and "|" in terminal.getvalue()
    assert set(threading.enumerate()) <= threads  # no thread of the bar's (its monitor) stays
    monkeypatch.undo()
    capsys.readouterr()
    (folder / "references.bib").write_text((folder / "references.bib").read_text() + "\n% again\n")
    assert main(["--kb", str(folder), "report"]) == 0
    assert capsys.readouterr().err == ""


def test_an_input_unchanged_since_it_was_hashed_is_not_read_again(root, kb, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = root("tiny")
    monkeypatch.setattr(paths, "SETTLED_NS", -10**10)  # as if the KB had been made ten seconds ago
    kb("--kb", folder, "report")
    read: list[str] = []
    real = cache.Files.read_present

    def spy(self, path: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        read.append(Path(path).name)
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(cache.Files, "read_present", spy)
    key = cache.key(folder, "nl")
    assert key and read == ["kb.toml", "verification.json"]  # absent: nothing to remember of them
    claims = min((folder / "claims").glob("*.yaml"))
    claims.write_bytes(claims.read_bytes().replace(b"\n", b"\n\n", 1))  # another size
    read.clear()
    assert cache.key(folder, "nl") != key and claims.name in read and "references.bib" not in read


def test_a_paged_report_is_kept_as_its_pages_in_the_page_cache(root, kb, loads: list[Path]) -> None:
    folder = root("paged")
    assert kb("--kb", folder, "report", "--pages", "paged").code in (0, 1)
    out = folder / "build"
    files = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and ".cache" not in p.parts}
    page = out / "report" / "leaflets" / "spanning.html"
    entry = next(p for p in (out / ".cache").iterdir() if len(p.name) == 32)
    assert not (entry / "report" / "leaflets" / "spanning.html").exists()  # not linked: held by the page cache
    assert page.stat().st_nlink == 2  # the page cache's file: the page was written once
    page.unlink()
    kb("--kb", folder, "report", "--pages", "paged")
    assert len(loads) == 1  # a warm run: the page put back from the page cache, linked again
    assert page.stat().st_nlink == 2
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*")
            if p.is_file() and ".cache" not in p.parts} == files
    # a page file changed by hand changes the page cache's file, which is the same file: that
    # entry is no more, and the page is rendered again, as it was
    markdown = out / "report" / "leaflets" / "spanning.md"
    markdown.write_bytes(b"mine")
    kb("--kb", folder, "report", "--pages", "paged")
    assert len(loads) == 2
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*")
            if p.is_file() and ".cache" not in p.parts} == files
    shutil.rmtree(out / ".cache" / ".pages")  # the pages gone: the report is built again
    page.unlink()
    kb("--kb", folder, "report", "--pages", "paged")
    assert len(loads) == 3 and page.read_bytes() == files[page.relative_to(out)]


def test_a_link_in_the_page_cache_brings_nothing_into_the_report(root, kb, tmp_path: Path) -> None:
    """A page cache entry whose file is a link to a file outside the KB, its listed size and time
    forged to the target's, is no entry: the page is rendered again, and the report holds neither
    that file's bytes nor a link to it."""
    folder = root("paged")
    assert kb("--kb", folder, "report", "--pages", "paged").code in (0, 1)
    page = folder / "build" / "report" / "leaflets" / "spanning.html"
    written = page.read_bytes()
    cached = folder / "build" / ".cache" / ".pages" / "nl"
    key = next(p.name for p in cached.iterdir() if "." not in p.name and b"spanning.html" in p.read_bytes())
    secret = tmp_path / "secret.html"
    secret.write_bytes(b"<p>not the KB's</p>")
    (cached / f"{key}.0").unlink()
    (cached / f"{key}.0").symlink_to(secret)
    manifest = (cached / key).read_bytes().split(b"\n")
    listed = json.loads(manifest[1])
    listed[0][1:] = [secret.stat().st_size, secret.stat().st_mtime_ns]
    (cached / key).write_bytes(b"\n".join([manifest[0], json.dumps(listed).encode("utf-8"), b""]))
    page.unlink()
    kb("--kb", folder, "report", "--pages", "paged")
    assert page.read_bytes() == written
    assert not os.path.samefile(page, secret)


class _CoarseClock(types.SimpleNamespace):
    """The os module as one file's times look on a coarse clock: whatever is written to `path`,
    its mtime and ctime stay those of the tick it was first seen in (now)."""

    def __init__(self, path: Path) -> None:
        super().__init__(file=os.path.abspath(path), tick=time.time_ns())

    def stat(self, target: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        found = os.stat(target, *args, **kwargs)
        if os.path.abspath(target) != self.file:
            return found
        fields = list(found)[:10]
        fields[7:10] = [self.tick // 10**9] * 3  # atime, mtime, ctime in seconds, and in nanoseconds:
        return os.stat_result(fields, {"st_atime_ns": self.tick, "st_mtime_ns": self.tick,
                                       "st_ctime_ns": self.tick, "st_blksize": found.st_blksize})

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)


def test_a_file_changed_again_within_its_clock_tick_is_read_again(root, kb, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = root("tiny")
    claims = min((folder / "claims").glob("*.yaml"))
    clock = _CoarseClock(claims)
    monkeypatch.setattr(cache, "os", clock)
    monkeypatch.setattr(incremental, "os", clock)
    assert kb("--kb", folder, "report").code == 0
    key = cache.key(folder, "nl")
    claims.write_bytes(claims.read_bytes().replace(b"primary outcome", b"primary OUTCOME"))  # the same size
    assert clock.stat(claims).st_ctime_ns == clock.tick
    assert cache.key(folder, "nl") != key
    kb("--kb", folder, "report")
    assert "primary OUTCOME" in (folder / "build" / "report.json").read_text(encoding="utf-8")
