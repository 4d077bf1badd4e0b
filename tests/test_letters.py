"""APA's year letters (2017a, 2017b): one rule, kb.apa.letters, that the audit, the resolution of
citations and the leaflet all follow."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from kb import bibliography
from kb.apa.letters import year_letters
from kb.citations.parse import find
from kb.citations.resolve import Index, resolve


def _letters(bib: str) -> dict[str, str]:
    works, findings = bibliography.parse(bib, Path("references.bib"), "references.bib")
    assert findings == []
    return year_letters(works.works.values())


def _article(key: str, title: str, author: str = "Berg, Anna and Vos, Kees", year: str = "2017",
             kind: str = "article", extra: str = "") -> str:
    return f"@{kind}{{{key},\n  author = {{{author}}},\n  year = {{{year}}},\n  title = {{{title}}},\n{extra}}}\n"


# (records, the letters they take)
CASES = [
    pytest.param(_article("x1", "Zwemmen") + _article("x2", "Bewegen"), {"x2": "a", "x1": "b"}, id="by-title"),
    pytest.param(_article("x1", "Bewegen helpt") + _article("x2", "De angst voorbij"), {"x2": "a", "x1": "b"},
                 id="dutch-article-ignored"),
    pytest.param(_article("x1", "Banana split") + _article("x2", "The apple"), {"x2": "a", "x1": "b"},
                 id="english-article-ignored"),
    pytest.param(_article("x1", "Ångst") + _article("x2", "[Angst] bij kinderen") + _article("x3", "angst, zo gaat het"),
                 {"x1": "a", "x2": "b", "x3": "c"}, id="case-accents-punctuation-ignored"),
    pytest.param(_article("x1", "Over tijd", author="Berg, A. and Vos, K.") + _article("x2", "Apart"),
                 {"x2": "a", "x1": "b"}, id="given-names-as-initials"),
    pytest.param(_article("x1", "Over tijd", author="Berg, Piet and Vos, Kees") + _article("x2", "Apart"), {},
                 id="first-authors-with-other-initials-are-told-apart-by-them"),
    pytest.param(_article("x1", "Over tijd", author="Berg, Anna and Vos, Jan") + _article("x2", "Apart"),
                 {"x1": "a", "x2": "b"}, id="co-author-initials-as-the-list-orders-them"),
    pytest.param(_article("x1", "Over tijd", author="Vos, Kees and Berg, Anna") + _article("x2", "Apart"), {},
                 id="other-order-other-authors"),
    pytest.param(_article("x1", "Over tijd", author="Berg, Anna") + _article("x2", "Apart"), {},
                 id="fewer-authors-other-authors"),
    pytest.param(_article("x1", "Over tijd", year="2016") + _article("x2", "Apart"), {}, id="other-year"),
    pytest.param(_article("x1", "Zwemmen", year="n.d.") + _article("x2", "Bewegen", year="z.d."),
                 {"x2": "a", "x1": "b"}, id="undated"),
    pytest.param(_article("x1", "Zwemmen", kind="misc", extra="  month = {feb},\n")
                 + _article("x2", "Bewegen", kind="misc", extra="  month = {nov},\n")
                 + _article("x3", "Lopen", kind="misc"),
                 {"x3": "a", "x1": "b", "x2": "c"}, id="dated-entries-by-date-year-alone-first"),
    pytest.param(_article("x1", "Zwemmen", extra="  month = {feb},\n")
                 + _article("x2", "Bewegen", extra="  month = {nov},\n"),
                 {"x2": "a", "x1": "b"}, id="an-article-prints-its-year-alone"),
    pytest.param("@book{e1,\n  editor = {Berg, Anna and Vos, Kees},\n  year = {2017},\n  title = {Zwemmen},\n}\n"
                 + _article("x2", "Bewegen"), {"x2": "a", "e1": "b"}, id="editors-as-authors"),
    pytest.param("@misc{t1,\n  year = {2017},\n  title = {Zwemmen},\n}\n@misc{t2,\n  year = {2017},\n"
                 "  title = {Bewegen},\n}\n", {}, id="no-authors-cited-by-title"),
]


@pytest.mark.parametrize(("bib", "letters"), CASES)
def test_year_letters(bib: str, letters: dict[str, str]) -> None:
    assert _letters(bib) == letters


def test_letters_past_z() -> None:
    bib = "".join(_article(f"w{i:02}", f"Deel {i:02}") for i in range(28))
    letters = _letters(bib)
    assert [letters[f"w{i:02}"] for i in (0, 25, 26, 27)] == ["a", "z", "aa", "ab"]


def _printed_letter(text: str, cited: str) -> str:
    """The letter after 2017 in the first line of `text` that holds `cited`."""
    line = next(line for line in text.splitlines() if cited in line)
    return line[line.index("(2017") + 5]


def test_audit_resolution_and_leaflet_agree(root, kb) -> None:
    """berg2017a and berg2017b: their keys say a/b, their titles (without "De") say b/a. APA's
    letters follow the titles, in the audit's message, in `kb extract` and in the leaflet."""
    folder = root("letters_by_title")
    audit = kb("--kb", folder, "audit")
    assert audit.code == 1
    assert audit.out.splitlines() == [
        ("claims/folder.yaml:23: error: claim samen: '(Berg & Vos, 2017)' fits 2 works with the same authors and "
         "year: berg2017b, berg2017a; APA 7 tells them apart by title (2017a = berg2017b, 2017b = berg2017a) "
         "[ambiguous-citation]"),
        "1 error, 0 warnings, 0 infos",
    ]

    extract = kb("--kb", folder, "extract", folder / "claims" / "folder.txt", "--format", "json")
    citations = {c["text"]: c for c in json.loads(extract.out)["citations"]}
    assert citations["(Berg & Vos, 2017a)"]["keys"] == ["berg2017b"]
    assert citations["(Berg & Vos, 2017b)"]["keys"] == ["berg2017a"]
    assert citations["(Berg & Vos, 2017a)"]["problems"] == citations["(Berg & Vos, 2017b)"]["problems"] == []

    leaflet = kb("--kb", folder, "leaflet", "folder")
    assert leaflet.code == 0
    text, references = leaflet.out.split("## Literatuur")
    assert text.strip() == (
        "Bewegen helpt tegen angst (Berg & Vos, 2017a). Bewegen helpt ook bij somberheid (Berg & Vos, 2017b). "
        "Samen tonen zij de waarde van bewegen (Berg & Vos, 2017a, 2017b).")
    assert references.strip().splitlines()[::2] == [
        "Berg, A., & Vos, K. (2017a). De angst voorbij: bewegen bij angst. *Tijdschrift voor Tests*.",
        "Berg, A., & Vos, K. (2017b). Bewegen helpt bij somberheid. *Tijdschrift voor Tests*.",
    ]
    # the three say the same of each work
    for key, title in (("berg2017b", "De angst"), ("berg2017a", "Bewegen helpt bij")):
        said_by_audit = audit.out.split(f" = {key}")[0][-1]
        resolved_to = next(t for t, c in citations.items() if c["keys"] == [key])[-2]
        assert said_by_audit == resolved_to == _printed_letter(references, title)


def test_audit_names_a_letter_that_follows_the_key(root, kb) -> None:
    """A leaflet that lettered its works by their keys cites berg2017a as 2017a: APA's letter is b."""
    folder = root("letters_by_title")
    claims = folder / "claims" / "folder.yaml"
    claims.write_text(claims.read_text(encoding="utf-8").replace(
        '"(Berg & Vos, 2017b)"', '"(Berg & Vos, 2017a)"').replace("ook bij somberheid (Berg & Vos, 2017b)",
                                                                  "ook bij somberheid (Berg & Vos, 2017a)"),
        encoding="utf-8")
    (folder / "claims" / "folder.txt").write_text((folder / "claims" / "folder.txt").read_text(
        encoding="utf-8").replace("somberheid (Berg & Vos, 2017b)", "somberheid (Berg & Vos, 2017a)"),
        encoding="utf-8")
    audit = kb("--kb", folder, "audit")
    assert "claims/folder.yaml:15: warning: claim somberheid: 2017a: berg2017a is 2017b [citation-mismatch]" in (
        audit.out.splitlines())


def test_a_claims_sources_take_the_letters_of_the_whole_bibliography() -> None:
    works, _ = bibliography.load(Path(__file__).parent / "roots" / "letters_by_title" / "references.bib",
                                 "references.bib")
    whole = year_letters(works.works.values())
    alone = Index({"berg2017a": works.works["berg2017a"]}, whole)
    citation = find("(Berg & Vos, 2017b)")[0].citations[0]
    assert resolve(citation, alone).keys == ("berg2017a",)
    assert resolve(citation, alone).problems == ()
    wrong = resolve(find("(Berg & Vos, 2017a)")[0].citations[0], alone)
    assert [p.message for p in wrong.problems] == ["2017a: berg2017a is 2017b"]


def test_the_audit_loads_no_citation_processor() -> None:
    """The letters are the audit's too, without citeproc-py or lxml behind them."""
    code = ("import sys; from kb.cli import main; main(['--kb', sys.argv[1], 'audit']); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('citeproc', 'lxml')), file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code, str(REPO)], capture_output=True, text=True,
                            check=True)
    assert result.stderr.splitlines()[-1] == "[]"


def test_works_of_other_co_authors_are_told_apart_by_names(tmp_path: Path, kb) -> None:
    """"(Berg et al., 2017)" for two works whose co-authors differ: APA adds names, not a letter."""
    (tmp_path / "claims").mkdir()
    (tmp_path / "references.bib").write_text(
        _article("vos", "Zwemmen", author="Berg, Anna and Vos, Kees and Lee, Li")
        + _article("kok", "Bewegen", author="Berg, Anna and Kok, Jan and Lee, Li"), encoding="utf-8")
    (tmp_path / "claims" / "a.txt").write_text("Bewegen helpt (Berg et al., 2017).\n", encoding="utf-8")
    (tmp_path / "claims" / "a.yaml").write_text(
        "document:\n  title: A\n  text: a.txt\nclaims:\n  - id: helpt\n    text: Bewegen helpt\n"
        "    cited_as: (Berg et al., 2017)\n    sources:\n      - key: vos\n      - key: kok\n", encoding="utf-8")
    found = [line for line in kb("--kb", tmp_path, "audit").out.splitlines() if "[ambiguous-citation]" in line]
    assert found == [
        ("claims/a.yaml:5: error: claim helpt: '(Berg et al., 2017)' fits 2 works with the same authors and year: "
         "kok, vos; APA 7 tells them apart by more author names or initials [ambiguous-citation]")]
