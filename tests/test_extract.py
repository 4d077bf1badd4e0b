"""`kb extract` end to end: the NPI leaflet's citations as JSON, the draft claims file, and bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from kb import claims


def _npi(kb) -> dict:
    result = kb("extract", REPO / "claims" / "npi-pmt.txt", "--bib", REPO / "references.bib", "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_npi_leaflet_groups_citations_and_keys(kb) -> None:
    data = _npi(kb)
    text = (REPO / "claims" / "npi-pmt.txt").read_text(encoding="utf-8")
    groups = data["citations"]
    assert len(groups) == 16
    assert sum(len(g["citations"]) for g in groups) == 20
    assert all(c["keys"] for g in groups for c in g["citations"])
    for group in groups:
        assert text[group["start"]:group["end"]] == group["text"]
        assert group["sentence_start"] <= group["start"] < group["end"] <= group["sentence_end"]
        assert set(group) >= {"text", "start", "end", "keys", "narrative", "sentence_start", "sentence_end",
                              "problems"}
    fonagy = next(g for g in groups if "Fonagy" in g["text"])
    assert fonagy["keys"] == ["fonagy2017a", "fonagy2017b"]
    assert [p["kind"] for p in fonagy["problems"]] == ["ambiguous"]


def test_npi_leaflet_slips_are_problems(kb) -> None:
    problems = [(c["text"], p["kind"]) for g in _npi(kb)["citations"] for c in g["citations"] for p in c["problems"]]
    assert ("Van den Broek, Keulen-de Vos, & Bernst, 2011", "surname-spelling") in problems
    assert ("Glanz & Goisman, 1990", "surname-spelling") in problems
    assert [t for t, kind in problems if kind == "et-al-punctuation"] == [
        "Bellino et al, 2006", "New et al, 2012", "Soler et al, 2016"]
    assert [kind for t, kind in problems if t.startswith("Drewes")] == ["hyphen-space", "hyphen-space"]


def test_draft_claims_load_and_lie_in_the_text(kb, tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    (folder / "claims").mkdir(parents=True)
    shutil.copy(REPO / "references.bib", folder)
    shutil.copy(REPO / "claims" / "npi-pmt.txt", folder / "claims")
    out = folder / "claims" / "npi-pmt.yaml"
    assert kb("--kb", folder, "extract", folder / "claims" / "npi-pmt.txt", "--out", out).code == 0
    document, findings = claims.load(out, "claims/npi-pmt.yaml")
    assert findings == [] and document is not None
    assert document.text_path == folder / "claims" / "npi-pmt.txt"
    kraak = next(c for c in document.claims if c.cited_as == "(Kraak, 2010)")
    assert kraak.text.startswith("PMT heeft een plaats in de multidisciplinaire behandeling")
    assert kraak.text.endswith("Mentaliseren Bevorderende Therapie (MBT)")
    assert [(s.key, s.fit) for s in kraak.sources] == [("kraak2010", "unassessed")]
    by_text = {c.text: c for c in document.claims}
    # A citation inside a sentence belongs to its clause: "relaxatie interventies" is no claim of its own.
    assert "relaxatie interventies" not in by_text
    glanz = by_text["Aanwijzingen zijn er voor een werkzame bijdrage van yoga en mindfulness (Soler et al, 2016), "
                    "relaxatie interventies"]
    assert glanz.cited_as == "(Glanz & Goisman, 1990)"
    assert by_text["Wel geldt bij behandeling in de specialistische GGZ het eigen risico"].kind == "service"
    assert by_text["Dit bemoeilijkt het identificeren van emoties"].cited_as == "(New et al, 2012)"
    assert by_text["Het eerste betreft problemen met identiteit"].sources == ()
    audit = kb("--kb", folder, "audit")
    assert "claim-not-in-text" not in audit.out
    assert "# surname-spelling: Glanz is spelled Glantz in glantz1990" in out.read_text(encoding="utf-8")


def test_draft_of_a_tiny_leaflet(root, kb) -> None:
    folder = root("tiny")
    result = kb("--kb", folder, "extract", folder / "claims" / "folder.txt")
    assert result.code == 0
    assert result.out.splitlines()[2:] == [
        "document:",
        '  title: "Over bewegen"',
        "  language: nl",
        '  text: "folder.txt"',
        "claims:",
        "  - id: folder-001",
        '    section: "Over bewegen"',
        "    kind: clinical",
        '    text: "Bewegingstherapie vermindert angst"',
        '    cited_as: "(Smith, van der Berg, & Jones, 2020)"',
        "    sources:",
        "      - key: smith2020",
        "        fit: unassessed",
        "  - id: folder-002",
        '    section: "Over bewegen"',
        "    kind: clinical",
        '    text: "Het lichaam onthoudt spanning"',
        '    cited_as: "(Jansen, 2018)"',
        "    sources:",
        "      - key: jansen2018",
        "        fit: unassessed",
        "  - id: folder-003",
        '    section: "Over bewegen"',
        "    kind: clinical",
        '    text: "Bewegen is altijd goed voor je"',
        "    sources: []",
        "  - id: folder-004",
        '    section: "Contact"',
        "    kind: service",  # an instruction with practical information: when to call
        '    text: "Bel ons op werkdagen"',
        "    sources: []",
    ]
    assert result.err == "kb extract: 2 citation groups, 2 citations, 2 resolved, 0 with problems; 4 draft claims\n"


def test_out_is_never_overwritten_without_force(root, kb) -> None:
    folder = root("tiny")
    out = folder / "draft.yaml"
    out.write_text("mine\n", encoding="utf-8")
    result = kb("--kb", folder, "extract", folder / "claims" / "folder.txt", "--out", out)
    assert result.code == 2
    assert f"kb: {out} exists; use --force to replace it" in result.err
    assert out.read_text(encoding="utf-8") == "mine\n"
    assert kb("--kb", folder, "extract", folder / "claims" / "folder.txt", "--out", out, "--force").code == 0
    assert out.read_text(encoding="utf-8").startswith("# Draft claims of claims/folder.txt")


def test_missing_text_and_unreadable_bib(root, kb, tmp_path: Path) -> None:
    result = kb("extract", tmp_path / "nothing.txt")
    assert result.code == 2
    assert result.err == f"{tmp_path / 'nothing.txt'}:0: error: file not found [unreadable-input]\n"
    folder = root("malformed_bib")
    result = kb("--kb", folder, "extract", folder / "claims" / "a.txt")
    assert result.code == 2
    assert "references.bib:6: error: cannot read BibTeX" in result.err
    result = kb("extract", folder / "claims" / "a.txt", "--bib", tmp_path / "none.bib")
    assert result.code == 2 and result.err.endswith("none.bib:0: error: file not found [unreadable-input]\n")


def test_without_a_bibliography_citations_are_kept_unresolved(kb, tmp_path: Path) -> None:
    text = tmp_path / "a.txt"
    text.write_text("Bewegen helpt (Jansen, 2018).\n", encoding="utf-8")
    result = kb("--kb", tmp_path, "extract", text, "--format", "json")
    assert result.code == 0
    (group,) = json.loads(result.out)["citations"]
    assert group["keys"] == []
    assert group["problems"] == [
        {"kind": "unresolved", "message": "no record in the bibliography matches Jansen, 2018"}]


@pytest.mark.skipif(not (REPO.parent / "shared" / "eval").is_dir(), reason="../shared/eval is not beside this checkout")
def test_benchmark_meets_its_targets() -> None:
    run = subprocess.run([sys.executable, str(REPO / "bench" / "extract_eval.py"), "--check"],
                         capture_output=True, text=True, cwd=REPO, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "nl_npi_pmt" in run.stdout and "en_depression_prevention_background" in run.stdout
