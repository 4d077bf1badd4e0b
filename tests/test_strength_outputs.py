"""Where the conclusion level and certainty show: report.json, report.md, report.html, the three
graph exports and `kb show`, on the every_fit scenario (levels 2, 3, 4, none and a service claim)."""

from __future__ import annotations

import json
from typing import Any

import networkx as nx
import pytest

from kb.knowledgebase import load

# claim id -> (conclusion_level, certainty) in tests/roots/every_fit
EXPECTED = {
    "supported": (2, "moderate"),
    "expert-only": (4, "very-low"),
    "indirect-expert": (4, "very-low"),
    "face-value": (2, "moderate"),
    "missing": (None, None),
    "indirect-empirical": (3, "low"),
    "bellen": (None, None),
}


@pytest.fixture
def report(root, kb) -> tuple[Any, dict[str, Any]]:
    folder = root("every_fit")
    assert kb("--kb", folder, "report").code in (0, 1)
    return folder, json.loads((folder / "build" / "report.json").read_text(encoding="utf-8"))


def test_report_json_claims_gain_level_and_certainty(report) -> None:
    folder, data = report
    strengths = load(folder).strengths
    for claim in data["claims"]:
        assert (claim["conclusion_level"], claim["certainty"]) == EXPECTED[claim["id"]], claim["id"]
        assert claim["conclusion_reason"] == strengths[claim["id"]].level_reason
        assert claim["certainty_reasons"] == list(strengths[claim["id"]].certainty_reasons)
    by_id = {c["id"]: c for c in data["claims"]}
    assert by_id["indirect-empirical"]["conclusion_reason"] == \
        "level 3, one B or C study: trial2020 (rct, EBRO A2, indirect: counted as B)"
    assert by_id["indirect-empirical"]["certainty_reasons"] == [
        "indirectness: trial2020: fit indirect", "not verified: trial2020: no verificationstatus"]
    assert by_id["bellen"]["certainty_reasons"] == []


def test_report_md_lists_them_in_the_reports_language(report) -> None:
    folder, _ = report
    text = (folder / "build" / "report.md").read_text(encoding="utf-8")
    assert "- Niveau van conclusie: **niveau 3**, zekerheid **laag**" in text
    assert "  - Waarom dit niveau: niveau 3, één onderzoek van niveau B of C: trial2020" in text
    assert "  - Waarom deze zekerheid: indirectheid: trial2020: past indirect" in text
    assert "- Niveau van conclusie: **geen niveau**" in text  # the claim citing a missing work
    assert text.count("Niveau van conclusie:") == 6  # every clinical claim, not the service one


def test_report_html_shows_them_beside_the_label(report) -> None:
    folder, _ = report
    html = (folder / "build" / "report.html").read_text(encoding="utf-8")
    card = html.split('id="claim-indirect-empirical"')[1].split("</li>\n")[0]
    assert '<span class="strength-level strength-level-3" title="Niveau van conclusie">niveau 3</span>' in card
    assert '<span class="certainty certainty-low" title="Zekerheid">zekerheid laag</span>' in card
    assert "Waarom deze zekerheid" in card
    service = html.split('id="claim-bellen"')[1].split("</li>\n")[0]
    assert "strength-level" not in service
    for level in ("1", "2", "3", "4", "none", "service"):
        assert f'<input type="checkbox" name="level" value="{level}" checked>' in html
    for certainty in ("high", "moderate", "low", "very-low", ""):
        assert f'<input type="checkbox" name="certainty" value="{certainty}" checked>' in html
    assert '<table class="gapmap-levels" data-document="folder">' in html


def test_english_report_words(root, kb) -> None:
    folder = root("every_fit")
    assert kb("--kb", folder, "report", "--lang", "en").code in (0, 1)
    text = (folder / "build" / "report.md").read_text(encoding="utf-8")
    assert "- Conclusion level: **level 4**, certainty **very low**" in text
    assert "  - Why this certainty: inconsistency: handbook2018 for it, but trial2020 does not say this" in text


def test_exports_carry_them(root, kb) -> None:
    rdflib = pytest.importorskip("rdflib")
    folder = root("every_fit")
    for name in ("graphml", "json", "rdf"):
        assert kb("--kb", folder, "export", name).code == 0
    graph = nx.read_graphml(folder / "build" / "graph.graphml", force_multigraph=True)
    node = graph.nodes["claim:indirect-empirical"]
    assert (node["conclusion_level"], node["certainty"], node["provisional"]) == (3, "low", False)
    assert node["certainty_reasons"] == "indirectness: trial2020: fit indirect | not verified: trial2020: no verificationstatus"
    assert "conclusion_level" not in graph.nodes["claim:missing"]
    assert graph.nodes["claim:face-value"]["provisional"] is True

    data = json.loads((folder / "build" / "graph.json").read_text(encoding="utf-8"))
    claims = {n["name"]: n for n in data["nodes"] if n["type"] == "claim"}
    for claim_id, (level, certainty) in EXPECTED.items():
        assert (claims[claim_id]["conclusion_level"], claims[claim_id]["certainty"]) == (level, certainty)
    assert claims["expert-only"]["certainty_reasons"][0] == \
        "starts very low: expert opinion, theory or handbook only (handbook2018: book)"

    store = rdflib.Graph()
    store.parse(folder / "build" / "graph.ttl", format="turtle")
    rows = store.query("""PREFIX ekb: <urn:evidence-kb:vocab:>
        SELECT ?claim ?level ?certainty WHERE { ?claim ekb:conclusionLevel ?level ; ekb:certainty ?certainty }""")
    found = {str(c).rsplit(":", 1)[-1]: (str(lv).rsplit(":", 1)[-1], str(ct).rsplit(":", 1)[-1]) for c, lv, ct in rows}
    assert found == {claim_id: (f"level-{level}", f"certainty-{certainty}")
                     for claim_id, (level, certainty) in EXPECTED.items() if level is not None}
    vocab = rdflib.Namespace("urn:evidence-kb:vocab:")
    for term in ("conclusionLevel", "certainty", "certaintyReason", "level-1", "level-4", "certainty-very-low",
                 "ConclusionLevel", "Certainty"):
        assert (vocab[term], rdflib.RDFS.comment, None) in store, term
    reasons = {str(r) for r in store.objects(rdflib.URIRef("urn:evidence-kb:claim:indirect-expert"), vocab.certaintyReason)}
    assert "inconsistency: handbook2018 for it, but trial2020 does not say this" in reasons


def test_show_prints_them_with_reasons(root, kb) -> None:
    folder = root("every_fit")
    result = kb("--kb", folder, "show", "face-value")
    assert result.code == 0
    assert "  conclusion level: 2 (provisional)\n" \
           "    why: level 2, one A2 study: trial2020 (rct, EBRO A2, unassessed); provisional: it\n" \
           "    rests on a fit not yet assessed\n" \
           "  certainty: moderate\n" \
           "    down: not verified: trial2020: no verificationstatus\n" in result.out
    assert "  conclusion level: none\n    why: no conclusion level: nowhere2000 is not in references.bib\n" \
        "  certainty: none\n" in kb("--kb", folder, "show", "missing").out
    assert "conclusion level" not in kb("--kb", folder, "show", "bellen").out


def test_the_shipped_leaflet_has_a_level_for_every_cited_clinical_claim(kb) -> None:
    from conftest import REPO

    loaded = load(REPO)
    for document in loaded.documents:
        for claim in document.claims:
            strength = loaded.strengths[claim.id]
            counting = [s for s in claim.sources if s.fit != "not-addressed" and s.key in loaded.works]
            if claim.kind == "clinical" and counting:
                assert strength.level in (1, 2, 3, 4) and strength.certainty is not None, claim.id
            else:
                assert strength.level is None and strength.certainty is None, claim.id
