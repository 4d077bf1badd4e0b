"""Incremental `kb report`: what an earlier build kept of each leaflet, reused where nothing it
depends on changed, makes the files a cold build makes, byte for byte (kb/incremental.py)."""

from __future__ import annotations

import importlib.util
import os
import random
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from alone import Processes, in_a_process

import kb.bibliography
import kb.build
from kb import cache, incremental, pagecache, pages

ROOTS = Path(__file__).parent / "roots"
REPORT = ("report.html", "report.json", "report.md")


def _files(out: Path) -> dict[str, bytes]:
    """Every file of the report in `out` (a paged report's pages too), by its path there."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} \
        if out.is_dir() else {}


def _cold(root: Path, out: Path, lang: str = "nl", pages: str | None = None) -> tuple[kb.build.Outcome, dict[str, bytes]]:
    """The report of `root` built cold: the whole KB read and audited at once, nothing kept, and
    no page taken from the page cache."""
    with tempfile.TemporaryDirectory() as empty, \
            mock.patch.object(pagecache, "cache_folder", lambda root, lang: Path(empty) / lang):
        outcome = kb.build._report_cold(root, out, lang, lang, "", lambda what: None, pages)
    return outcome, _files(out)


def _incremental(root: Path, out: Path, lang: str = "nl",
                 pages: str | None = None) -> tuple[kb.build.Outcome, dict[str, bytes]]:
    """The report of `root` as `kb report` builds it, the whole-report cache left out (what the
    incremental build and the page cache keep stays)."""
    shutil.rmtree(root / "build" / cache.CACHE_DIR / "ignored", ignore_errors=True)
    for entry in (root / "build" / cache.CACHE_DIR).glob("*"):
        if entry.name not in (incremental.STATE, pagecache.cache_folder(root, lang).parent.name):
            shutil.rmtree(entry, ignore_errors=True)
    outcome = kb.build.report(root, out, lang, pages=pages)
    return outcome, _files(out)


def _same(root: Path, tmp: Path, lang: str = "nl", pages: str | None = None) -> None:
    cold, cold_files = _cold(root, tmp / "cold", lang, pages)
    # into the same folder each time: what an earlier build wrote there and is unchanged stays
    warm, warm_files = _incremental(root, tmp.parent / "incremental", lang, pages)
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


def _scale() -> Any:
    spec = importlib.util.spec_from_file_location("scale", Path(__file__).parent.parent / "bench" / "scale.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def synthetic(tmp_path: Path) -> Path:
    """A KB of 64 works in 8 leaflets (bench/scale.py), with a verification.json about two of its works."""
    folder = tmp_path / "kb"
    _scale().generate(folder, 64)
    keys = re.findall(r"^@\w+\{(\w+),", (folder / "references.bib").read_text(encoding="utf-8"), re.MULTILINE)
    verification = (ROOTS / "corrected_work" / "verification.json").read_text(encoding="utf-8")
    for i, old in enumerate(dict.fromkeys(re.findall(r'"key": "([^"]+)"', verification))):
        verification = verification.replace(f'"{old}"', f'"{keys[3 + i]}"')
    (folder / "verification.json").write_text(verification, encoding="utf-8")
    return folder


def _claims_files(folder: Path) -> list[Path]:
    return sorted((folder / "claims").glob("*.yaml"))


def _edit(folder: Path, rng: random.Random) -> str:
    """One random edit of the KB, as a person makes them; what it did."""
    leaflets = _claims_files(folder)
    claims = rng.choice(leaflets)
    yaml = claims.read_text(encoding="utf-8")
    text = claims.with_suffix(".txt")
    bib = folder / "references.bib"
    kind = rng.choice(("claim-text", "claim-text-both", "fit", "source", "leaflet-text", "add-leaflet",
                       "remove-leaflet", "record", "record-title", "severity", "verification", "touch"))
    if kind in ("claim-text", "claim-text-both"):
        old = rng.choice(re.findall(r'    text: "([^"]+)"', yaml))
        new = old + " " + rng.choice(("vaak", "soms", "bewezen", "altijd"))
        claims.write_text(yaml.replace(f'text: "{old}"', f'text: "{new}"', 1), encoding="utf-8")
        if kind == "claim-text-both":
            text.write_text(text.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    elif kind == "fit":
        fits = list(re.finditer(r"fit: (\S+)", yaml))
        if fits:
            match = rng.choice(fits)
            fit = rng.choice(("supports", "partial", "indirect", "not-addressed", "unassessed"))
            claims.write_text(yaml[:match.start(1)] + fit + yaml[match.end(1):], encoding="utf-8")
    elif kind == "source":
        keys = list(re.finditer(r"- key: (\S+)", yaml))
        bib_keys = re.findall(r"^@\w+\{(\w+),", bib.read_text(encoding="utf-8"), re.MULTILINE)
        if keys:
            match = rng.choice(keys)
            key = rng.choice([*bib_keys, "nosuchwork2020"])
            claims.write_text(yaml[:match.start(1)] + key + yaml[match.end(1):], encoding="utf-8")
    elif kind == "leaflet-text":
        text.write_text(text.read_text(encoding="utf-8") + "\nDit helpt altijd iedereen.\n", encoding="utf-8")
    elif kind == "add-leaflet":
        new = folder / "claims" / f"extra{rng.randrange(1000):03d}.yaml"
        if not new.exists():
            new.write_text(yaml.replace(f"{claims.stem}-c", f"{new.stem}-c"), encoding="utf-8")
            new.with_suffix(".txt").write_text(text.read_text(encoding="utf-8"), encoding="utf-8")
    elif kind == "remove-leaflet":
        if len(leaflets) > 2:
            claims.unlink()
            text.unlink()
    elif kind in ("record", "record-title"):
        content = bib.read_text(encoding="utf-8")
        field = "n" if kind == "record" else "title"
        found = list(re.finditer(rf"  {field} +=\s*\{{([^}}]*)\}}", content))
        match = rng.choice(found)
        value = str(rng.randint(5, 500)) if kind == "record" else match.group(1) + " revisited"
        bib.write_text(content[:match.start(1)] + value + content[match.end(1):], encoding="utf-8")
    elif kind == "severity":
        rule = rng.choice(("overclaim", "unused-reference", "expert-only-claim", "missing-reference",
                           "ambiguous-citation"))
        level = rng.choice(("off", "error", "warning", "info"))
        (folder / "kb.toml").write_text(f'[audit.severity]\n"{rule}" = "{level}"\n', encoding="utf-8")
    elif kind == "verification":
        path = folder / "verification.json"
        content = path.read_text(encoding="utf-8")
        dates = list(re.finditer(r'"date": "(\d{4})', content))
        match = rng.choice(dates)
        path.write_text(content[:match.start(1)] + str(rng.randint(2019, 2025)) + content[match.end(1):],
                        encoding="utf-8")
    else:  # the same bytes, written again: a new mtime
        claims.write_text(yaml, encoding="utf-8")
    return f"{kind} {claims.name}"


@pytest.mark.parametrize("pages", ["single", "paged"])
def test_a_sequence_of_random_edits_builds_as_cold_each_time(synthetic: Path, tmp_path: Path, pages: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(incremental, "BATCH", 3)  # the leaflets made anew in batches, as in a large KB
    rng = random.Random(16)
    _same(synthetic, tmp_path / "start", pages=pages)
    for step in range(14):
        done = _edit(synthetic, rng)
        try:
            _same(synthetic, tmp_path / f"step{step}", pages=pages)
        except AssertionError as error:
            raise AssertionError(f"after step {step}, {done}: {error}") from error


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[incremental.Built | None]:
    """What each incremental build made (None: built cold)."""
    made: list[incremental.Built | None] = []
    real = incremental.build

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(incremental, "build", spy)
    return made


def _lengthen_claim(folder: Path, leaflet: str) -> None:
    """One claim of `leaflet` says a word more, in its claims file and its text."""
    claims = folder / "claims" / f"{leaflet}.yaml"
    yaml = claims.read_text(encoding="utf-8")
    old = re.findall(r'    text: "([^"]+)"', yaml)[5]
    claims.write_text(yaml.replace(old, old + " vaak", 1), encoding="utf-8")
    text = claims.with_suffix(".txt")
    text.write_text(text.read_text(encoding="utf-8").replace(old, old + " vaak", 1), encoding="utf-8")


def test_one_leaflet_edited_is_the_only_one_recomputed(synthetic: Path, tmp_path: Path, builds: list) -> None:
    _same(synthetic, tmp_path / "first")
    assert builds[-1] is not None and len(builds[-1].recomputed) == 8 and builds[-1].kb_rules_run
    _lengthen_claim(synthetic, "leaflet00003")
    _same(synthetic, tmp_path / "edited")
    assert builds[-1] is not None
    assert builds[-1].recomputed == ("leaflet00003",)
    assert not builds[-1].kb_rules_run  # no claim's sources, id or line changed
    _same(synthetic, tmp_path / "again")
    assert builds[-1] is not None and builds[-1].recomputed == ()


def test_the_kb_folder_spelled_another_way_keeps_what_the_rules_across_leaflets_found(
        synthetic: Path, tmp_path: Path, builds: list, monkeypatch: pytest.MonkeyPatch) -> None:
    kb.build.report(synthetic, tmp_path / "out", "nl")  # the folder by its absolute path
    _lengthen_claim(synthetic, "leaflet00003")
    monkeypatch.chdir(synthetic)
    kb.build.report(Path("."), tmp_path / "out", "nl")  # `kb report` in the folder
    assert builds[-1] is not None and builds[-1].recomputed == ("leaflet00003",)
    assert not builds[-1].kb_rules_run
    _lengthen_claim(synthetic, "leaflet00005")
    monkeypatch.chdir(tmp_path)
    kb.build.report(Path(os.path.relpath(synthetic)), tmp_path / "out", "nl")  # from another folder
    assert builds[-1] is not None and builds[-1].recomputed == ("leaflet00005",)
    assert not builds[-1].kb_rules_run


def test_one_record_edited_recomputes_the_leaflets_citing_it(synthetic: Path, tmp_path: Path, builds: list) -> None:
    _same(synthetic, tmp_path / "first")
    bib = synthetic / "references.bib"
    content = bib.read_text(encoding="utf-8")
    match = re.search(r"@article\{(\w+),(?:[^@]*?)  n +=\s*\{(\d+)\}", content)
    assert match is not None
    key = match.group(1)
    bib.write_text(content[:match.start(2)] + str(int(match.group(2)) + 1) + content[match.end(2):], encoding="utf-8")
    citing = tuple(p.stem for p in _claims_files(synthetic)
                   if re.search(rf"- key: {key}$", p.read_text(encoding="utf-8"), re.MULTILINE))
    assert citing
    _same(synthetic, tmp_path / "edited")
    assert builds[-1] is not None and builds[-1].recomputed == citing


def test_bad_input_is_reported_as_cold_and_nothing_kept_is_served(synthetic: Path, tmp_path: Path, kb) -> None:
    _same(synthetic, tmp_path / "first")
    claims = synthetic / "claims" / "leaflet00002.yaml"
    good = claims.read_text(encoding="utf-8")
    claims.write_text(good.replace("claims:\n", "claims:\n  - id: [broken\n", 1), encoding="utf-8")
    incremental_run = kb("--kb", synthetic, "report")
    shutil.rmtree(synthetic / "build")
    cold_run = kb("--kb", synthetic, "report")
    assert incremental_run.code == cold_run.code == 2
    assert incremental_run.err == cold_run.err and "claims/leaflet00002.yaml:" in cold_run.err
    assert not (synthetic / "build" / "report.json").exists()
    claims.write_text(good.replace("Folder", "Brochure", 1), encoding="utf-8")  # mended, and changed
    _same(synthetic, tmp_path / "mended")
    assert b"Brochure" in (tmp_path / "incremental" / "report.json").read_bytes()


def test_an_unchanged_bibliography_is_not_parsed_again(synthetic: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The kept bibliography fits the records' fields (a field added to Work or Name without
    the codec would have every build parse references.bib again, slowly but unnoticed)."""
    assert incremental._codec_fits()
    _same(synthetic, tmp_path / "first")
    parsed: list[Path] = []
    real = kb.bibliography.load

    def spy(path: Path, *args: Any, **kwargs: Any) -> Any:
        parsed.append(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(kb.bibliography, "load", spy)
    claims = min((synthetic / "claims").glob("*.yaml"))
    claims.write_text(claims.read_text(encoding="utf-8").replace('text: "', 'text: "Vaak ', 1), encoding="utf-8")
    _incremental(synthetic, tmp_path / "edited")
    assert parsed == []


def test_an_edit_makes_neither_every_summary_nor_the_works_search_again(synthetic: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """After one leaflet edited, the works' part of the index's search is the one kept with the
    reference entries (it depends on the bibliography alone), and no leaflet's claims are made into
    summaries but those of the pages shown again: the index takes every claim as a row."""
    _same(synthetic, tmp_path / "first", pages="paged")
    made: list[Any] = []
    real_search = pages.search_works
    def search_works(*args: Any) -> Any:
        made.append(args)
        return real_search(*args)

    monkeypatch.setattr(pages, "search_works", search_works)
    read: list[str] = []
    real_one = incremental.Claims._read_one

    def one(claims: incremental.Claims, i: int, shared: dict[str, str], reader: Any) -> Any:
        read.append(reader.__name__)
        return real_one(claims, i, shared, reader)

    monkeypatch.setattr(incremental.Claims, "_read_one", one)
    monkeypatch.setattr(incremental.Claims, "_read", lambda claims: pytest.fail("every summary made"))
    _lengthen_claim(synthetic, "leaflet00003")
    _incremental(synthetic, tmp_path / "incremental", pages="paged")  # where the first build wrote
    assert made == []
    assert read.count("kept_rows") == 8  # every leaflet, once, for the index
    assert read.count("read_summaries") <= 8  # a leaflet whose claims a works page shown again shows, once
    monkeypatch.undo()
    _same(synthetic, tmp_path / "compared", pages="paged")


def test_reference_entries_rendered_apart_are_those_rendered_here(synthetic: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A first build renders the works' reference entries in another process when a core is idle
    (kb.apart), while its leaflets are audited in another one: the report is the cold build's,
    byte for byte, with the entries the other process rendered; a process that fails leaves them
    to the build itself."""
    from kb import apart, pagework

    started = Processes(apart.Apart.start)

    from kb.apa import references

    here: list[int] = []  # the entries rendered by the build itself (the other processes' are their own)
    render = references.render

    def rendered_here(works: list[Any], locale: str) -> Any:
        here.append(1)
        return render(works, locale)

    monkeypatch.setattr(references, "render", rendered_here)
    monkeypatch.setattr(incremental, "REFERENCES_APART", 0)
    monkeypatch.setattr(incremental, "AUDIT_APART", 0)
    monkeypatch.setattr(pagework, "spare_cores", lambda: 1)
    monkeypatch.setattr(apart.Apart, "start", staticmethod(started.spy))
    monkeypatch.setattr(apart.Apart, "fork", staticmethod(lambda target, *args: None))  # both new processes
    # each _same builds cold first (which renders them here: one call), then as kb report does
    _same(synthetic, tmp_path / "apart", pages="paged")
    assert len(started) == 2 and None not in started and len(here) == 1
    assert not any(process._process.is_alive() for process in started)
    _same(synthetic, tmp_path / "again", pages="paged")  # kept: not rendered again, apart or here
    assert len(started) == 2 and len(here) == 2
    shutil.rmtree(synthetic / "build")
    monkeypatch.setattr(apart.Apart, "result", lambda self: None)  # the processes failed
    _same(synthetic, tmp_path / "failed", pages="paged")
    assert len(started) == 4 and len(here) == 4


def test_leaflets_audited_apart_are_those_audited_here(synthetic: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A build with many leaflets to audit audits the last of them in another process when a core
    is idle (kb.apart), a new one where no copy of the command can be made: the report is the cold
    build's, byte for byte, and so is the next build after an edit; a process that fails leaves
    its leaflets to the build itself."""
    from kb import apart, pagework

    started = Processes(apart.Apart.start, lambda target: target is incremental.audit_rows)
    monkeypatch.setattr(incremental, "AUDIT_APART", 0)
    monkeypatch.setattr(pagework, "spare_cores", lambda: 1)
    monkeypatch.setattr(apart.Apart, "start", staticmethod(started.spy))
    monkeypatch.setattr(apart.Apart, "fork", staticmethod(lambda target, *args: None))  # no copy: a new process
    _same(synthetic, tmp_path / "apart", pages="paged")
    assert len(started) == 1 and started[0] is not None
    assert not list((synthetic / "build" / ".cache" / incremental.STATE).glob(".pending-*"))
    claims = min((synthetic / "claims").glob("*.yaml"))
    claims.write_text(claims.read_text(encoding="utf-8").replace('text: "', 'text: "Vaak ', 1), encoding="utf-8")
    _same(synthetic, tmp_path / "edited", pages="paged")  # one leaflet: audited here
    shutil.rmtree(synthetic / "build")
    monkeypatch.setattr(apart.Apart, "result", lambda self: None)  # the process failed
    _same(synthetic, tmp_path / "failed", pages="paged")
    assert len(started) == 2  # not for the one edited leaflet: none of it would be audited apart


def test_leaflets_audited_in_a_copy_are_those_audited_here(synthetic: Path, tmp_path: Path) -> None:
    """A first build with many leaflets to audit audits the last half in a copy of itself, which
    reads them as the build read them: the report is the cold build's, byte for byte; a copy that
    fails leaves its leaflets to the build itself."""
    assert in_a_process("test_incremental", "audited_in_a_copy", synthetic, tmp_path) == "copies 2\n"


def audited_in_a_copy(synthetic: Path, tmp_path: Path) -> None:
    """`test_leaflets_audited_in_a_copy_are_those_audited_here`, in the process it runs."""
    import threading

    from kb import apart, pagework

    copies = Processes(apart.Apart.fork, lambda target: target is incremental.audit_copy)
    read_again: list[Path] = []
    reading = incremental._read_again

    def counted(files: Any, path: Path, *rest: Any) -> Any:
        read_again.append(path)
        return reading(files, path, *rest)

    assert threading.active_count() == 1
    with mock.patch.object(incremental, "AUDIT_APART", 0), mock.patch.object(pagework, "spare_cores", lambda: 1), \
            mock.patch.object(apart.Apart, "fork", staticmethod(copies.spy)):
        _same(synthetic, tmp_path / "copy", pages="paged")  # the cold build is made without the copy
        assert len(copies) == 1 and copies[0] is not None and copies[0]._process.exitcode == 0
        leaflets = len(list((synthetic / "claims").glob("*.yaml")))
        shutil.rmtree(synthetic / "build")
        with mock.patch.object(incremental, "_read_again", counted):
            with mock.patch.object(apart.Apart, "result", lambda self: (self.close(), None)[1]):  # the copy failed
                _same(synthetic, tmp_path / "failed", pages="paged")
            # read once each for the rules across the KB; the copy's again, here, once it failed
            assert len(read_again) == leaflets + leaflets // 2
    assert len(copies) == 2 and not any(copy._process.is_alive() for copy in copies)
    print("copies", len(copies))


def test_an_index_made_apart_is_the_index_made_here(synthetic: Path, tmp_path: Path) -> None:
    """A build of a few pages makes the index in a copy of itself (kb.pages._index_apart) while it
    writes the rest, and so does a first build once the copy rendering half its pages is done: the
    report is the cold build's, byte for byte, edit after edit; a copy that fails leaves the index
    to the build itself; no copy is left running."""
    assert in_a_process("test_incremental", "index_apart", synthetic, tmp_path) == "forked 14\n"


def index_apart(synthetic: Path, tmp_path: Path) -> None:
    """`test_an_index_made_apart_is_the_index_made_here`, in the process it runs."""
    import threading

    from kb import apart, pagework

    forked = Processes(apart.Apart.fork)
    assert threading.active_count() == 1
    with mock.patch.object(pages, "INDEX_APART", 0), mock.patch.object(apart.Apart, "fork", staticmethod(forked.spy)):
        _same(synthetic, tmp_path / "first", pages="paged")
        for step in range(3):
            _lengthen_claim(synthetic, f"leaflet0000{step}")
            _same(synthetic, tmp_path / f"edited{step}", pages="paged")
        assert len(forked) == 8 and None not in forked  # the cold build's and the incremental one's
        assert not any(process._process.is_alive() for process in forked)
        assert [process._process.exitcode for process in forked] == [0] * 8
        with mock.patch.object(apart.Apart, "result", lambda self: (self.close(), None)[1]):  # the copy failed
            _lengthen_claim(synthetic, "leaflet00005")
            _same(synthetic, tmp_path / "failed", pages="paged")
        assert len(forked) == 10
        # a first build of many pages on two cores: a copy renders every other page beside it (no
        # worker is started), and the index's copy is made once that one is done
        shutil.rmtree(synthetic / "build")
        given: list[str] = []
        submit = pagework.Workers.submit

        def counted(self: pagework.Workers, path: str, piece: dict[str, Any], key: str) -> Any:
            given.append(path)
            return submit(self, path, piece, key)

        with mock.patch.object(pagework, "spare_cores", lambda: 1), mock.patch.object(pagework, "PARALLEL_FROM", 0), \
                mock.patch.object(pagework.Workers, "submit", counted):
            _same(synthetic, tmp_path / "workers", pages="paged")
        assert not given
        assert forked.targets[10:] == [pages._render_share, pages._index_page] * 2
    assert len(forked) == 14 and None not in forked and not any(process._process.is_alive() for process in forked)
    print("forked", len(forked))


def test_pages_unchanged_since_the_last_build_are_left_as_they_are(synthetic: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """After one leaflet's claim changed, its page, the index and the pages that show the claim are
    sliced and written again; every other page file stays the very file it was (its inode), and
    the folder holds what a cold build writes."""
    _same(synthetic, tmp_path / "first", pages="paged")
    out = tmp_path / "incremental"
    before = {p.relative_to(out).as_posix(): p.stat().st_ino for p in out.rglob("*") if p.is_file()}
    _lengthen_claim(synthetic, "leaflet00003")
    sliced: list[set[str] | None] = []
    real = pages.each_slice

    def spy(inputs, only=None, lookups=None):  # type: ignore[no-untyped-def]
        sliced.append(only)
        return real(inputs, only, lookups)

    monkeypatch.setattr(pages, "each_slice", spy)
    _same(synthetic, tmp_path / "edited", pages="paged")
    monkeypatch.undo()
    asked = [only for only in sliced if only is not None]  # the incremental build's; the cold one slices all
    assert len(asked) == 1 and "report.html" in asked[0]
    assert {page for page in asked[0] if page.startswith("report/leaflets/")} == {"report/leaflets/leaflet00003.html"}
    assert "report/findings.html" not in asked[0]
    after = {p.relative_to(out).as_posix(): p.stat().st_ino for p in out.rglob("*") if p.is_file()}
    assert after.keys() == before.keys()
    replaced = {name for name in before if after[name] != before[name]}
    assert {"report.html", "report.md", "report.json", "report/leaflets/leaflet00003.html",
            "report/leaflets/leaflet00003.md"} <= replaced
    assert not any(name.startswith("report/leaflets/") and "leaflet00003" not in name for name in replaced)
    assert len(replaced) < len(before) / 2
    # a page file changed by hand is written again, whatever its cache says
    page = out / "report" / "leaflets" / "leaflet00005.html"
    page.write_bytes(page.read_bytes() + b"<!-- edited -->")
    _same(synthetic, tmp_path / "touched", pages="paged")
    assert not page.read_bytes().endswith(b"<!-- edited -->")
