"""Drafts merged into references.bib: keys the KB's way, duplicates by DOI and by title, year
and first author, every existing byte kept (LF, CRLF, no final newline), written atomically."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kb import bibliography
from kb.audit.records import unverified
from kb.intake import merge
from kb.intake.entries import parse_entry
from kb.intake.merge import SAME_DOI, SAME_WORK, make_key, merge_drafts
from kb.intake.model import Draft
from kb.output import CannotWrite

ARTICLE = Draft(entry_type="article", authors=(("van den Broek", "E."), ("Bernstein", "D. P.")), year="2011",
                title="Arts therapies and Schema Focused therapy: A pilot study", container="The Arts in Psychotherapy",
                volume="38", issue="5", pages="325-332", printed="Van den Broek, E., & Bernstein, D. P. (2011). ...",
                source="list.txt:4")


def _bib(folder: Path, text: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "references.bib"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return folder


@pytest.mark.parametrize(("draft", "taken", "key"), [
    (ARTICLE, set(), "vandenbroek2011"),
    (Draft("article", authors=(("Leirvåg", "H."),), year="2010"), set(), "leirvag2010"),
    (Draft("article", authors=(("Fonagy", "P."),), year="2017"), {"fonagy2017"}, "fonagy2017b"),
    (Draft("article", authors=(("Fonagy", "P."),), year="2017"), {"fonagy2017a", "fonagy2017b"}, "fonagy2017c"),
    (Draft("article", authors=(("Fonagy", "P."),), year="2017"), {"fonagy2017", "fonagy2017b"}, "fonagy2017c"),
    (Draft("online", title="De visie van Buro3o"), set(), "visie" + "nd"),
    (Draft("book", editors=(("de Lange", "J."),), year="2010"), set(), "delange2010"),
    (Draft("misc", authors=(("Nederlandse Vereniging voor Psychiatrie", ""),), year="2019"), set(),
     "nederlandseverenigingvoorpsychiatrie2019"),
])
def test_keys_the_kb_way(draft: Draft, taken: set[str], key: str) -> None:
    assert make_key(draft, taken) == key


def test_new_entries_are_appended_and_every_byte_kept(root) -> None:
    folder = root("tiny")
    path = folder / "references.bib"
    before = path.read_bytes()
    outcome = merge_drafts(folder, [ARTICLE])
    after = path.read_bytes()
    assert outcome.added == ("vandenbroek2011",)
    assert after.startswith(before) and after != before
    assert after.decode("utf-8") == outcome.text
    added = after[len(before):].decode("utf-8")
    assert added.startswith("\n@article{vandenbroek2011,\n  author             = {van den Broek, E. and Bernstein, D. P.},\n")
    assert "  verificationstatus = {listed},\n" in added
    assert "  printed            = {Van den Broek, E., & Bernstein, D. P. (2011). ...},\n" in added
    assert added.endswith("  design             = {unknown}\n}\n")
    bib, findings = bibliography.parse(after.decode("utf-8"), path, "references.bib")
    assert findings == []
    work = bib.works["vandenbroek2011"]
    assert [a.family for a in work.authors] == ["van den Broek", "Bernstein"]
    assert (work.title, work.get("journal"), work.get("number"), work.get("pages")) == (
        ARTICLE.title, "The Arts in Psychotherapy", "5", "325--332")
    assert work.get("printed") == ARTICLE.printed
    finding = unverified(work)
    assert finding is not None and finding.rule == "unverified-reference" and "(listed)" in finding.message


def test_values_come_back_as_they_were(tmp_path: Path) -> None:
    printed = "Ünal, K. & Ng, M. (2020). Ideas & ~tildes~ \\ and 50% {braces}. J_Test, 1, 2. https://x.org/a~b%20c"
    draft = parse_entry(printed)
    folder = _bib(tmp_path / "kb", "")
    outcome = merge_drafts(folder, [draft])
    bib, findings = bibliography.parse(outcome.text, folder / "references.bib", "references.bib")
    assert findings == []
    work = bib.works[outcome.added[0]]
    assert work.title == "Ideas & ~tildes~ \\ and 50% braces"  # braces are BibTeX's: left out of a text field
    assert work.get("printed") == printed
    assert work.get("url") == "https://x.org/a~b%20c"
    assert [(a.family, a.first) for a in work.authors] == [("Ünal", "K."), ("Ng", "M.")]


def test_crlf_file_keeps_its_bytes_and_gets_crlf_entries(tmp_path: Path) -> None:
    text = "% kept\r\n@misc{old2000,\r\n  title = {Old},\r\n  year = {2000}\r\n}\r\n"
    folder = _bib(tmp_path / "kb", text)
    merge_drafts(folder, [ARTICLE])
    after = (folder / "references.bib").read_bytes()
    assert after.startswith(text.encode("utf-8"))
    added = after[len(text):]
    assert b"\r\n" in added and b"\n" not in added.replace(b"\r\n", b"")


def test_a_file_without_a_final_newline_is_only_added_to(tmp_path: Path) -> None:
    text = "@misc{old2000,\n  title = {Old},\n  year = {2000}\n}"
    folder = _bib(tmp_path / "kb", text)
    outcome = merge_drafts(folder, [ARTICLE])
    after = (folder / "references.bib").read_bytes()
    assert after.startswith(text.encode("utf-8")) and after[len(text):].startswith(b"\n\n@article{")
    assert "\\ No newline at end of file\n" in outcome.diff


def test_duplicates_by_doi_and_by_title_year_and_first_author(root) -> None:
    folder = root("tiny")
    by_doi = Draft("article", authors=(("Other", "X."),), year="1999", title="Something else", doi="10.1000/TEST.2020.1")
    by_title = Draft("article", authors=(("Smith", "A."),), year="2020",
                     title="Movement therapy for anxiety - a randomised trial.")
    other_year = Draft("article", authors=(("Smith", "A."),), year="2021",
                       title="Movement therapy for anxiety: A randomised trial")
    outcome = merge_drafts(folder, [by_doi, by_title, other_year], write=False)
    assert [(d.draft, d.key, d.why) for d in outcome.duplicates] == [
        (by_doi, "smith2020", SAME_DOI), (by_title, "smith2020", SAME_WORK)]
    assert outcome.added == ("smith2021",)


def test_duplicates_among_the_drafts_are_added_once(tmp_path: Path) -> None:
    folder = _bib(tmp_path / "kb", "")
    again = Draft(**{**ARTICLE.__dict__, "source": "list.txt:9", "title": ARTICLE.title.upper()})
    outcome = merge_drafts(folder, [ARTICLE, again])
    assert outcome.added == ("vandenbroek2011",)
    assert [(d.key, d.why) for d in outcome.duplicates] == [("vandenbroek2011", SAME_WORK)]
    assert (folder / "references.bib").read_text(encoding="utf-8").count("@article{") == 1


def test_two_dois_are_two_works_however_alike_their_titles(tmp_path: Path) -> None:
    folder = _bib(tmp_path / "kb", "")
    one = Draft("article", authors=(("Fonagy", "P."),), year="2017", title="What we have changed our minds about: Part 1",
                doi="10.1186/s40479-017-0061-9")
    two = Draft("article", authors=(("Fonagy", "P."),), year="2017", title="What we have changed our minds about: Part 2",
                doi="10.1186/s40479-017-0062-8")
    assert merge_drafts(folder, [one, two]).added == ("fonagy2017", "fonagy2017b")


def test_write_false_changes_nothing(root) -> None:
    folder = root("tiny")
    before = (folder / "references.bib").read_bytes()
    outcome = merge_drafts(folder, [ARTICLE], write=False)
    assert (folder / "references.bib").read_bytes() == before
    assert outcome.diff.startswith("--- a/references.bib\n+++ b/references.bib\n")


def test_a_failed_write_leaves_the_file_and_no_temporary(root, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = root("tiny")
    before = (folder / "references.bib").read_bytes()

    def refuse(source: object, target: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(CannotWrite):
        merge_drafts(folder, [ARTICLE])
    assert (folder / "references.bib").read_bytes() == before
    assert [p.name for p in folder.iterdir() if p.name.endswith(".tmp")] == []


def test_an_unreadable_bibliography_is_not_merged_into(root) -> None:
    folder = root("malformed_bib")
    before = (folder / "references.bib").read_bytes()
    outcome = merge_drafts(folder, [ARTICLE])
    assert outcome.unreadable and outcome.findings and outcome.added == ()
    assert (folder / "references.bib").read_bytes() == before


def test_field_layout_follows_the_shipped_file() -> None:
    text = merge.entry_text("k2000", Draft("incollection", authors=(("Kraak", ""),), year="2010", title="T",
                                           container="Boek", editors=(("de Lange", "J."),), publisher="Boom"))
    assert text.splitlines() == [
        "@incollection{k2000,",
        "  author             = {Kraak},",
        "  year               = {2010},",
        "  title              = {T},",
        "  booktitle          = {Boek},",
        "  editor             = {de Lange, J.},",
        "  publisher          = {Boom},",
        "  verificationstatus = {listed},",
        "  verification       = {imported; not checked against any source},",
        "  design             = {unknown}",
        "}"]
