"""Given names inside an author-year citation: one named slip ("given-names"), and the work still found."""

from __future__ import annotations

import json

import pytest
from conftest import REPO, ROOTS

from kb import bibliography
from kb.audit.citations import MISMATCH_KINDS
from kb.citations.parse import find
from kb.citations.resolve import PROBLEM_KINDS, Index, resolve

BIB, _ = bibliography.load(ROOTS / "given_names" / "references.bib", "references.bib")
INDEX = Index(BIB.works)

BOTH = ("'Nilgün Kuru Alici' and 'Bilge Kalanlar' give given names: APA cites by surname only, "
        "write 'Kuru Alici & Kalanlar, 2021'")

# (citation as printed, the keys it resolves to, its problems as (kind, message))
CASES: list[tuple[str, tuple[str, ...], list[tuple[str, str]]]] = [
    ("(Nilgün Kuru Alici & Bilge Kalanlar, 2021)", ("kurualici2021",), [("given-names", BOTH)]),
    ("Nilgün Kuru Alici en Bilge Kalanlar (2021)", ("kurualici2021",), [(
        "given-names", ("'Nilgün Kuru Alici' and 'Bilge Kalanlar' give given names: APA cites by surname only, "
                       "write 'Kuru Alici en Kalanlar (2021)'"))]),
    ("(Nilgün Kuru Alici & Kalanlar, 2021)", ("kurualici2021",), [(
        "given-names", ("'Nilgün Kuru Alici' gives a given name: APA cites by surname only, "
                       "write 'Kuru Alici & Kalanlar, 2021'"))]),
    ("(Kuru Alici & Bilge Kalanlar, 2021)", ("kurualici2021",), [(
        "given-names", ("'Bilge Kalanlar' gives a given name: APA cites by surname only, "
                       "write 'Kuru Alici & Kalanlar, 2021'"))]),
    ("(Kuru Alici & B. Kalanlar, 2021)", ("kurualici2021",), [(
        "given-names", "'B. Kalanlar' gives initials: APA cites by surname only, write 'Kuru Alici & Kalanlar, 2021'")]),
    ("(Nilgün Kuru Alici, 2021)", ("kurualici2021",), [
        ("given-names", "'Nilgün Kuru Alici' gives a given name: APA cites by surname only, write 'Kuru Alici, 2021'"),
        ("missing-coauthor", "Kalanlar, an author of kurualici2021, is left out")]),
    ("(Anna van den Berg, 2020)", ("vandenberg2020",), [(
        "given-names", "'Anna van den Berg' gives a given name: APA cites by surname only, write 'van den Berg, 2020'")]),
    # no slip: surnames only, or a first author's initials (APA's way of telling namesakes apart)
    ("(Kuru Alici & Kalanlar, 2021)", ("kurualici2021",), []),
    ("(N. Kuru Alici & Kalanlar, 2021)", ("kurualici2021",), []),
    ("(van den Berg, 2020)", ("vandenberg2020",), []),
    # a word that is not this person's given name is no given name
    ("(Kuru Alici & Nilgün Kalanlar, 2021)", ("kurualici2021",), [(
        "extra-coauthor", "Nilgün Kalanlar is not an author of kurualici2021 (Kuru Alici & Kalanlar)"), (
        "missing-coauthor", "Kalanlar, an author of kurualici2021, is left out")]),
]


@pytest.mark.parametrize(("printed", "keys", "problems"), CASES, ids=[c[0] for c in CASES])
def test_resolution(printed: str, keys: tuple[str, ...], problems: list[tuple[str, str]]) -> None:
    (group,) = find(printed)
    (citation,) = group.citations
    result = resolve(citation, INDEX)
    assert result.keys == keys
    assert [(p.kind, p.message) for p in result.problems] == problems


def test_extract_names_the_slip_once(root, kb) -> None:
    folder = root("given_names")
    result = kb("--kb", folder, "extract", folder / "claims" / "folder.txt", "--format", "json")
    assert result.code == 0
    groups = json.loads(result.out)["citations"]
    assert [(g["text"], g["keys"], [p["kind"] for p in g["problems"]]) for g in groups] == [
        ("(Nilgün Kuru Alici & Bilge Kalanlar, 2021)", ["kurualici2021"], ["given-names"]),
        ("Nilgün Kuru Alici en Bilge Kalanlar (2021)", ["kurualici2021"], ["given-names"]),
        ("(Anna van den Berg, 2020)", ["vandenberg2020"], ["given-names"]),
    ]


def test_audit_names_the_slip_once(root, kb) -> None:
    result = kb("--kb", root("given_names"), "audit")
    assert [line for line in result.out.splitlines() if "[citation-mismatch]" in line] == [
        f"claims/folder.yaml:7: warning: claim helpt: {BOTH} [citation-mismatch]",
        ("claims/folder.yaml:13: warning: claim blijft: 'Nilgün Kuru Alici' and 'Bilge Kalanlar' give given names: "
         "APA cites by surname only, write 'Kuru Alici en Kalanlar (2021)' [citation-mismatch]"),
        ("claims/folder.yaml:19: warning: claim rust: 'Anna van den Berg' gives a given name: APA cites by surname "
         "only, write 'van den Berg, 2020' [citation-mismatch]"),
    ]


def test_the_leaflet_cites_by_surname(root, kb) -> None:
    result = kb("--kb", root("given_names"), "leaflet", "folder")
    assert result.out.splitlines()[0] == (
        "Bewegen helpt (Kuru Alici & Kalanlar, 2021). Volgens Kuru Alici en Kalanlar (2021) blijft het effect. "
        "Rust helpt ook (Van den Berg, 2020).")


def test_every_problem_kind_is_in_the_readme() -> None:
    table = (REPO / "README.md").read_text(encoding="utf-8").split("| kind | the citation |", 1)[1].split("\n\n")[0]
    assert [line.split("|")[1].strip() for line in table.splitlines()[2:]] == list(PROBLEM_KINDS)
    assert MISMATCH_KINDS <= set(PROBLEM_KINDS)
