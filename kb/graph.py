"""The evidence graph: document -> section -> claim -> work, labelled, and the queries on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kb.bibliography import Work
from kb.claims import Document
from kb.labels import Labels

if TYPE_CHECKING:  # networkx is imported when a graph is built: a warm `kb report` never needs it
    import networkx as nx


def doc_node(doc_id: str) -> str:
    return f"document:{doc_id}"


def section_node(doc_id: str, section: str) -> str:
    return f"section:{doc_id}:{section}"


def claim_node(claim_id: str) -> str:
    return f"claim:{claim_id}"


def work_node(key: str) -> str:
    return f"work:{key}"


@dataclass(frozen=True)
class Link:
    """A claim -> work edge as a query returns it."""

    claim: str  # claim id
    key: str  # work key
    fit: str  # supports, partial, indirect, not-addressed, unassessed
    note: str  # why that fit
    line: int  # line of the source entry in the claims file


def build(works: dict[str, Work], documents: list[Document], labels: Labels) -> nx.MultiDiGraph:
    """The graph with the KB's derived labels as node attributes (for queries and exports).

    A MultiDiGraph because a claim may cite the same work twice (with two fits).
    Keys cited but missing from the bibliography get a `missing` work node so that
    the graph still shows the link.
    """
    import networkx as nx

    graph = nx.MultiDiGraph()
    for key, work in works.items():
        work_label = labels.works[key]
        graph.add_node(work_node(key), type="work", key=key, label=work_label.label.value, ebro=work_label.ebro,
                       label_reason=work_label.reason, design=work.design, missing=False)
    for document in documents:
        graph.add_node(doc_node(document.id), type="document", id=document.id, title=document.title)
        for claim in document.claims:
            section = section_node(document.id, claim.section)
            if section not in graph:
                graph.add_node(section, type="section", document=document.id, name=claim.section)
                graph.add_edge(doc_node(document.id), section, type="contains")
            label = labels.claims[claim.id]
            graph.add_node(claim_node(claim.id), type="claim", id=claim.id, document=document.id,
                           section=claim.section, kind=claim.kind, label=label.label.value,
                           label_reason=label.reason, strongest=label.strongest)
            graph.add_edge(section, claim_node(claim.id), type="contains")
            for source in claim.sources:
                target = work_node(source.key)
                if target not in graph:
                    graph.add_node(target, type="work", key=source.key, label="", ebro="",
                                   label_reason="not in references.bib", design="", missing=True)
                graph.add_edge(claim_node(claim.id), target, type="cites", fit=source.fit,
                               note=source.note, line=source.line)
    return graph


def works_behind(graph: nx.MultiDiGraph, claim_id: str) -> list[Link]:
    """The works a claim cites, with fit and note, in the order the claims file gives."""
    node = claim_node(claim_id)
    links = [Link(claim_id, graph.nodes[target]["key"], data["fit"], data["note"], data["line"])
             for _, target, data in graph.out_edges(node, data=True) if data["type"] == "cites"]
    return sorted(links, key=lambda link: link.line)


def claims_on(graph: nx.MultiDiGraph, key: str) -> list[Link]:
    """The claims resting on a work (the graph's reverse edges)."""
    node = work_node(key)
    if node not in graph:
        return []
    links = [Link(graph.nodes[source]["id"], key, data["fit"], data["note"], data["line"])
             for source, _, data in graph.in_edges(node, data=True) if data["type"] == "cites"]
    return sorted(links, key=lambda link: (graph.nodes[claim_node(link.claim)]["document"], link.line))


def uncited_works(graph: nx.MultiDiGraph) -> list[str]:
    """Keys of works no claim cites."""
    return sorted(data["key"] for node, data in graph.nodes(data=True)
                  if data["type"] == "work" and graph.in_degree(node) == 0)


def missing_works(graph: nx.MultiDiGraph) -> list[str]:
    """Keys cited by a claim that the bibliography lacks."""
    return sorted(data["key"] for _, data in graph.nodes(data=True)
                  if data["type"] == "work" and data["missing"])
