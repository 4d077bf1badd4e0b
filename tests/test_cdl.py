"""A real, large, hand-kept bibliography (../shared/data/cdl.bib): every entry kept, none merged."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import REPO

from kb import bibliography, bibtex

CDL = REPO.parent / "shared" / "data" / "cdl.bib"
ENTRIES = 6315

pytestmark = pytest.mark.skipif(not CDL.exists(), reason="../shared/data/cdl.bib is not beside this checkout")


@pytest.fixture(scope="module")
def cdl() -> tuple[bibliography.Bibliography, list]:
    return bibliography.load(CDL, "cdl.bib")


def test_every_entry_is_kept(cdl) -> None:
    bib, findings = cdl
    text = CDL.read_text(encoding="utf-8")
    written = re.findall(r"^@\s*[A-Za-z]+\s*\{\s*([^,\s]+)\s*,", text, re.MULTILINE)
    assert len(written) == ENTRIES
    assert len(bib.works) == ENTRIES
    assert list(bib.works) == written  # in file order, keys as written
    assert len({key.lower() for key in bib.works}) == ENTRIES  # nothing merged by case either
    assert findings == []


def test_each_work_has_the_line_of_its_entry(cdl) -> None:
    bib, _ = cdl
    lines = CDL.read_text(encoding="utf-8").splitlines()
    for work in bib.works.values():
        assert re.match(rf"@\w+\{{{re.escape(work.key)},", lines[work.line - 1]), work.key


def test_entry_types_and_latex_accents(cdl) -> None:
    bib, _ = cdl
    types = {work.entry_type for work in bib.works.values()}
    assert {"article", "incollection", "book", "inproceedings", "inbook", "misc", "phdthesis"} <= types
    harris = bib.works["HarrEtal20"]
    assert harris.title == "Array programming with NumPy"
    assert [(a.first, a.von, a.last) for a in harris.authors[:3]] == [
        ("Charles R", "", "Harris"), ("K Jarrod", "", "Millman"), ("Stéfan J", "van der", "Walt")]
    assert len(harris.authors) == 26
    assert [a.family for a in bib.works["MarsEtal15"].authors][:2] == ["Marsh", "Sörqvist"]
    assert bib.works["MarsEtal15"].fields["pages"] == "118--133"


def test_the_fast_reader_gives_what_pybtex_gives(cdl, monkeypatch: pytest.MonkeyPatch) -> None:
    bib, findings = cdl
    monkeypatch.setattr(bibtex, "read_entry", lambda chunk, macros: None)  # every entry through pybtex
    bibliography.decode.cache_clear()
    slow, slow_findings = bibliography.load(CDL, "cdl.bib")
    assert list(slow.works) == list(bib.works)
    for key, work in bib.works.items():
        other = slow.works[key]
        assert (work.entry_type, work.line, work.authors, work.editors, work.fields) == (
            other.entry_type, other.line, other.authors, other.editors, other.fields), key
    assert slow_findings == findings


def test_a_kb_on_cdl_bib_holds_every_entry(kb, tmp_path: Path) -> None:
    folder = tmp_path / "cdl"
    (folder / "claims").mkdir(parents=True)
    shutil.copyfile(CDL, folder / "references.bib")
    result = kb("--kb", folder, "audit", "--format", "json")
    assert result.code in (0, 1), result.err
    findings = json.loads(result.out)
    unused = [f for f in findings if f["rule"] == "unused-reference"]
    assert len(unused) == ENTRIES  # every entry is a work of the KB (and no claim cites it)
    assert all(f["path"] == "references.bib" and f["line"] > 0 for f in findings)
    assert not [f for f in findings if f["rule"] in ("duplicate-key", "bibtex-syntax")]


def test_a_damaged_copy_loses_nothing_and_says_where(tmp_path: Path) -> None:
    text = CDL.read_text(encoding="utf-8")
    damaged = text.replace("Title = {Educational psychology: the psychology of learning}",
                           "Title = {Educational psychology: {the psychology of learning}", 1)
    damaged += "\n@article{Rame72,\n\tTitle = {A second record under a key already used},\n\tYear = {1999}}\n"
    lines = damaged.count("\n")
    bib, findings = bibliography.parse(damaged, tmp_path / "cdl.bib", "cdl.bib")
    assert [f.format() for f in findings] == [
        "cdl.bib:10: error: cannot read BibTeX: the entry is not closed before the next entry or the end of "
        "the file (unbalanced braces?) [bibtex-syntax]",
        f"cdl.bib:{lines - 2}: error: the key Rame72 is used again (first at line 1); this entry is ignored "
        "[duplicate-key]",
    ]
    assert len(bib.works) == ENTRIES  # the unclosed entry keeps what was read before it went wrong
    assert bib.works["Thor13"].line == 10 and bib.works["Thor13"].authors[0].last == "Thorndike"
    assert bib.works["Rame72"].title.startswith("An iterative procedure")
