"""CSL-JSON items from references.bib records: a table of records and their exact items."""

from __future__ import annotations

import pytest
from conftest import REPO, ROOTS

from kb import bibliography
from kb.apa import csl

RECORDS, _ = bibliography.load(ROOTS / "csl_records" / "references.bib", "references.bib")

EXPECTED = {
    "article": {
        "DOI": "10.1016/j.aip.2011.09.005",  # a doi.org link in the record is stored bare
        "author": [
            {"family": "Broek", "given": "Elsa", "non-dropping-particle": "van den"},
            {"family": "Keulen-de Vos", "given": "Marije"},
            {"family": "Berg", "given": "Jan", "non-dropping-particle": "van der"},  # {van der} Berg
        ],
        "container-title": "The Arts in Psychotherapy",
        "id": "article",
        "issue": "5",
        "issued": {"date-parts": [[2011, 11]]},
        "page": "325-332",
        "title": "Arts therapies and Schema Focused therapy: A pilot study",
        "type": "article-journal",
        "volume": "38",
    },
    "chapter": {  # the chapter keeps its editors and publisher, and nothing is re-cased
        "author": [{"family": "Kuin", "given": "F. M. B."}],
        "container-title": "Psychomotorische therapie in de praktijk",
        "editor": [{"family": "Lange", "given": "J.", "non-dropping-particle": "de"},
                   {"family": "Bosscher", "given": "R. J."}],
        "id": "chapter",
        "issued": {"date-parts": [[2005]]},
        "language": "nl",
        "page": "43-64",
        "publisher": "Boom",
        "publisher-place": "Amsterdam",
        "title": "Op tijd stoppen: Behandeling van impulscontroleproblematiek",
        "type": "chapter",
    },
    "placeholder": {  # the bracketed title is a fact about what is unknown; the recalled DOI is no DOI
        "author": [{"family": "Henquet"}],
        "id": "placeholder",
        "issued": {"date-parts": [[2005]]},
        "title": "[Unresolved: Dutch PMT text on impulse regulation]",
        "type": "document",
    },
    "thesis": {
        "URL": "https://example.org/thesis",
        "author": [{"family": "Jansen", "given": "Piet"}],
        "genre": "Doctoral dissertation",
        "id": "thesis",
        "issued": {"literal": "in press"},
        "publisher": "Vrije Universiteit Amsterdam",
        "title": "Bewegen — en wat het doet",  # TeX's --- is an em dash
        "type": "thesis",
    },
}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_item(key: str) -> None:
    assert csl.item(RECORDS.works[key]) == EXPECTED[key]


def test_items_keep_the_order_given_and_sort_their_keys() -> None:
    works = [RECORDS.works["thesis"], RECORDS.works["article"]]
    converted = csl.items(works)
    assert [i["id"] for i in converted] == ["thesis", "article"]
    assert all(list(i) == sorted(i) for i in converted)


@pytest.mark.parametrize(("pages", "expected"), [
    ("325--332", "325-332"), ("325–332", "325-332"), ("325 - 332", "325-332"), ("e1001", "e1001"), ("11", "11")])
def test_pages(pages: str, expected: str) -> None:
    assert csl.pages(pages) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("19--20", "19-20"), ("3–4", "3-4"), ("3 - 4", "3-4"), ("S1-S2", "S1-S2"), ("1--2, 4--6", "1-2, 4-6"),
    ("Suppl. 2--3", "Suppl. 2-3"), ("12", "12"),
    ("2020-1", "2020-1"),  # down, so no range: the year's first issue, as written
    ("BCCS-02-01", "BCCS-02-01"), ("10(4-B)", "10(4-B)"),  # identifiers, not ranges
    ("10.1523/JNEUROSCI.1920-17.2018", "10.1523/JNEUROSCI.1920-17.2018")])
def test_volume_and_issue_ranges(value: str, expected: str) -> None:
    assert csl.ranges(value) == expected


def test_volume_and_issue_ranges_in_items() -> None:
    """A TeX en dash ("19--20") in a volume or issue is a range: CSL data writes it "19-20";
    elsewhere it is the en dash it stands for."""
    parsed, _ = bibliography.parse("@article{a, title = {T}, journal = {J}, year = {2001}, volume = {19--20},\n"
                                   "  number = {3--4}}\n@article{b, title = {T}, journal = {J}, year = {2001},\n"
                                   "  volume = {2020--1}}\n", REPO / "x.bib", "x.bib")
    item = csl.item(parsed.works["a"])
    assert (item["volume"], item["issue"]) == ("19-20", "3-4")
    assert csl.item(parsed.works["b"])["volume"] == "2020\u20131"


def test_the_knowledge_base_records() -> None:
    """All 19 records of this KB: standard CSL variables only, no recalled DOI passed as seen."""
    records, findings = bibliography.load(REPO / "references.bib", "references.bib")
    assert not findings
    converted = {i["id"]: i for i in csl.items(records.works.values())}
    assert len(converted) == 19
    standard = {"id", "type", "author", "editor", "issued", "title", "container-title", "volume", "issue",
                "page", "DOI", "publisher", "publisher-place", "URL"}
    assert set().union(*converted.values()) <= standard
    for key, work in records.works.items():
        if work.get("doiunverified"):
            assert "DOI" not in converted[key], key
    assert converted["vandenbroek2011"]["author"][0] == {
        "family": "Broek", "given": "Elsa", "non-dropping-particle": "van den"}
    assert converted["drewes2019"]["container-title"].startswith("Psychomotor interventions for mental health – Adults")
    assert converted["kraak2010"]["title"] == (
        "[Chapter on psychomotor therapy for personality disorders; exact title not verified]")


def test_no_record_fields_outside_csl() -> None:
    """KB-only fields (verification, design, note) never leave the KB as CSL variables."""
    item = csl.item(RECORDS.works["article"])
    assert not {"note", "verificationstatus", "design"} & set(item)
