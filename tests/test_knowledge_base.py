"""The shipped knowledge base: its records, its claims and the labels they end up with."""

from __future__ import annotations

import re

import pytest
from conftest import REPO

from kb.audit import run
from kb.graph import claim_node, works_behind
from kb.knowledgebase import load
from kb.labels import DESIGNS

KEYS = ["kraak2010", "drewes2019", "fonagy2017a", "fonagy2017b", "spaans2009", "bellino2006", "sansone2010",
        "new2012", "nummenmaa2014", "leirvag2010", "vandenbroek2011", "vanderkolk2014", "soler2016",
        "glantz1990", "henquet2005", "kuin2005", "hutchinson1999", "koch2014", "probst2010"]

STATUS = {
    "verified": {"nummenmaa2014", "new2012", "soler2016", "fonagy2017b", "kuin2005", "vanderkolk2014", "probst2010"},
    "verified-core": {"fonagy2017a", "koch2014", "leirvag2010", "vandenbroek2011", "spaans2009", "sansone2010",
                      "hutchinson1999", "bellino2006"},
    "partly": {"drewes2019"},
    "from-memory": {"glantz1990", "kraak2010"},
    "unresolved": {"henquet2005"},
}


@pytest.fixture(scope="module")
def kb():
    return load(REPO)


def test_every_record_of_the_research_is_there(kb) -> None:
    assert list(kb.works) == KEYS
    assert not kb.load_findings


def test_each_record_has_design_status_and_verification(kb) -> None:
    for key, work in kb.works.items():
        assert work.design in DESIGNS, key
        assert work.get("designnote"), key
        assert work.get("verification"), key
    for status, keys in STATUS.items():
        assert {k for k, w in kb.works.items() if w.verification_status == status} == keys


def test_recalled_dois_are_never_passed_off_as_seen(kb) -> None:
    recalled = {k for k, w in kb.works.items() if w.get("doiunverified")}
    assert recalled == {"bellino2006", "sansone2010", "vandenbroek2011", "glantz1990", "hutchinson1999"}
    assert all(not kb.works[k].doi for k in recalled)


def test_work_labels(kb) -> None:
    labels = {k: kb.graph.nodes[f"work:{k}"]["label"] for k in kb.works}
    assert {k for k, v in labels.items() if v == "empirical"} == {
        "bellino2006", "sansone2010", "new2012", "nummenmaa2014", "leirvag2010", "vandenbroek2011", "soler2016",
        "hutchinson1999", "koch2014"}
    assert kb.graph.nodes["work:koch2014"]["ebro"] == "A1"


def test_every_claim_is_verbatim_in_its_leaflet(kb) -> None:
    assert [f for f in run(kb) if f.rule in ("claim-not-in-text", "missing-reference", "duplicate-claim-id")] == []


def npi(kb):
    return next(d for d in kb.documents if d.id == "npi-pmt")


def test_all_16_citation_groups_and_20_citations_are_linked(kb) -> None:
    cited = [c for c in npi(kb).claims if c.cited_as]
    assert len(cited) == 16
    printed = sum(len(re.findall(r"\d{4}", c.cited_as)) for c in cited)
    assert printed == 20
    # 20 citations, one of which (Fonagy 2017) is linked to both of its candidate papers
    assert sum(len(c.sources) for c in cited) == 21
    assert {s.key for c in cited for s in c.sources} == set(KEYS)


def test_fonagy_2017_is_linked_to_both_papers(kb) -> None:
    claim = next(c for c in npi(kb).claims if "Fonagy" in c.cited_as)
    assert [s.key for s in claim.sources] == ["fonagy2017a", "fonagy2017b"]


@pytest.mark.parametrize("key, fit", [
    ("spaans2009", "indirect"), ("leirvag2010", "partial"), ("soler2016", "partial"), ("new2012", "partial"),
    ("koch2014", "indirect"), ("bellino2006", "not-addressed"), ("nummenmaa2014", "indirect"),
    ("hutchinson1999", "indirect"),
])
def test_where_the_leaflet_says_more_than_its_source(kb, key: str, fit: str) -> None:
    links = [s for c in npi(kb).claims for s in c.sources if s.key == key]
    assert [s.fit for s in links] == [fit]
    assert links[0].note


def test_van_den_broek_supports_neither_claim(kb) -> None:
    links = [s for c in npi(kb).claims for s in c.sources if s.key == "vandenbroek2011"]
    assert [s.fit for s in links] == ["not-addressed", "not-addressed"]


def test_every_alkura_clinical_claim_is_unsupported(kb) -> None:
    alkura = next(d for d in kb.documents if d.id == "alkura-alk")
    clinical = [c for c in alkura.claims if c.kind == "clinical"]
    assert len(clinical) > 12
    assert {kb.graph.nodes[claim_node(c.id)]["label"] for c in clinical} == {"unsupported"}
    assert all(not works_behind(kb.graph, c.id) for c in alkura.claims)


HEADINGS = {
    "npi-pmt": ["Wat is psychomotorische therapie (PMT) ?", "Wat is PMT add-on en voor wie?",
                "Wat kun je lezen over PMT binnen de persoonlijkheidsstoornissen?", "Kosten", "Contact"],
    "alkura-alk": ["Korte uitwerking van de toepassing van PMT bij een aantal veelvoorkomende thema’s binnen "
                   "Alkura Specialistisch Centrum Aanhoudende Lichamelijke Klachten.", "- Het leren mentaliseren:",
                   "- Spanning:", "- Houding:", "- Doseren:", "- Assertiviteit:"],
}


def sentences(text: str) -> list[tuple[int, int]]:
    """Rough sentence spans: enough to show that no sentence is left without a claim."""
    spans, start = [], 0
    for match in re.finditer(r"(?<!\bbijv)(?<!\bbv)[.?!:](?=\s+[-‘'(]?[A-Z0-9])|\n\s*\n\s*-\s", text):
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if re.search(r"\w{3}", text[a:b])]


@pytest.mark.parametrize("doc_id", ["npi-pmt", "alkura-alk"])
def test_every_sentence_belongs_to_a_claim(kb, doc_id: str) -> None:
    document = next(d for d in kb.documents if d.id == doc_id)
    text = kb.texts[doc_id]
    covered = [text.find(c.text) for c in document.claims]
    headings = [text.find(h) for h in HEADINGS[doc_id]]
    uncovered = []
    for a, b in sentences(text.text):
        # citations are not part of a claim's text
        plain = re.sub(r"\([^()]*\d{4}[^()]*\)", lambda m: " " * len(m.group()), text.text[a:b])
        words = [m for m in re.finditer(r"\w{4,}", plain)]
        inside = [any(s and s.start <= a + m.start() < s.end for s in covered + headings) for m in words]
        if words and sum(inside) < len(words) / 2:
            uncovered.append(" ".join(text.text[a:b].split()))
    assert uncovered == []
