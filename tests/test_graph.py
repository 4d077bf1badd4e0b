"""Graph queries: the works behind a claim, the claims on a work, works cited by no claim."""

from __future__ import annotations

from kb.graph import claim_node, claims_on, missing_works, uncited_works, works_behind
from kb.knowledgebase import load


def test_queries_on_the_tiny_kb(root) -> None:
    kb = load(root("tiny"))
    assert [(link.key, link.fit) for link in works_behind(kb.graph, "angst")] == [("smith2020", "supports")]
    assert [link.claim for link in claims_on(kb.graph, "jansen2018")] == ["spanning"]
    assert uncited_works(kb.graph) == []
    assert kb.graph.nodes[claim_node("altijd")]["label"] == "unsupported"


def test_structure_document_section_claim_work(root) -> None:
    kb = load(root("tiny"))
    graph = kb.graph
    assert list(graph.successors("document:folder")) == ["section:folder:Over bewegen", "section:folder:Contact"]
    assert "claim:angst" in graph.successors("section:folder:Over bewegen")
    assert list(graph.successors("claim:angst")) == ["work:smith2020"]


def test_missing_and_uncited(root) -> None:
    kb = load(root("missing_reference"))
    assert missing_works(kb.graph) == ["doe2001"]
    kb = load(root("unused_reference"))
    assert uncited_works(kb.graph) == ["jansen2018"]
