"""Bad input: every problem at once, located, with the exact message and exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

CASES = [
    ("malformed_bib", [
        "references.bib:6: error: cannot read BibTeX: the entry is not closed before the next entry "
        "or the end of the file (unbalanced braces?) [bibtex-syntax]",
        "references.bib:15: error: the key good2020 is used again (first at line 1); this entry is ignored "
        "[duplicate-key]",
    ], 2),
    ("malformed_yaml", [
        "claims/a.yaml:5: error: cannot read YAML: found unexpected end of stream "
        "(while scanning a quoted scalar) [yaml-syntax]",
    ], 2),
    ("missing_text", [
        "claims/a.yaml:1: error: the leaflet text claims/a.txt is missing [unreadable-input]",
    ], 2),
    ("bad_schema", [
        "claims/a.yaml:4: error: claim iets: kind 'klinisch' is not one of clinical, service [claims-schema]",
        "claims/a.yaml:5: error: claim iets has an unknown field 'colour' "
        "(known: cited_as, id, kind, section, sources, text) [claims-schema]",
        "claims/a.yaml:8: error: a source of claim iets: fit 'maybe' is not one of supports, partial, "
        "indirect, not-addressed, unassessed [claims-schema]",
        "claims/a.yaml:9: error: a claim has no 'id' [claims-schema]",
    ], 2),
]


@pytest.mark.parametrize("name, expected, code", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gives_every_problem_located(name: str, expected: list[str], code: int, root, kb) -> None:
    folder = root(name)
    result = kb("--kb", folder, "audit")
    lines = (result.err + result.out).splitlines()
    for line in expected:
        assert line in lines
    assert "Traceback" not in result.err
    assert result.code == code


def test_unreadable_input_writes_nothing_and_keeps_the_previous_report(root, kb) -> None:
    folder = root("tiny")
    assert kb("--kb", folder, "report").code == 0
    before = {p.name: p.read_bytes() for p in (folder / "build").iterdir() if p.is_file()}
    (folder / "claims" / "folder.yaml").write_text("claims: [\n", encoding="utf-8")
    result = kb("--kb", folder, "report")
    assert result.code == 2
    assert "claims/folder.yaml:2: error: cannot read YAML" in result.err
    assert "nothing was written" in result.err
    after = {p.name: p.read_bytes() for p in (folder / "build").iterdir() if p.is_file()}
    assert after == before


def test_missing_kb_folder_is_a_clear_error(kb, tmp_path: Path) -> None:
    result = kb("--kb", tmp_path / "nowhere", "audit")
    assert result.code == 2
    assert result.err == f"kb: no references.bib in {(tmp_path / 'nowhere').as_posix()}: not a knowledge base. " \
        "Name one with --kb DIR, or make one with kb init DIR\n"
    assert "Traceback" not in result.err


def test_usage_error_exits_2(kb) -> None:
    assert kb("audit", "--format", "xml").code == 2
    assert kb("frobnicate").code == 2


def test_bib_entries_after_a_broken_one_are_kept(root) -> None:
    from kb.knowledgebase import load
    kb = load(root("malformed_bib"))
    assert set(kb.works) == {"good2020", "broken2021", "after2022"}
    assert kb.works["after2022"].line == 10
