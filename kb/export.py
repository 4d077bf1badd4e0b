"""Exports for other tools: the labelled graph as GraphML, node-link JSON or RDF Turtle, the works as CSL-JSON.

Every export is text made from a loaded knowledge base; nothing is written here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from kb.bibliography import Work
from kb.graph import claim_node, doc_node
from kb.knowledgebase import KnowledgeBase
from kb.labels import DESIGNS, EMPIRICAL, EXPERT_BASED, MEANINGS, Label
from kb.strength import CERTAINTIES, LEVEL_MEANINGS, LEVELS

if TYPE_CHECKING:  # networkx is imported by the exports that need it: `kb` reads EXPORTS at start-up
    import networkx as nx

# Version of the node-link JSON layout; raised when a field changes meaning.
GRAPH_FORMAT_VERSION = 1


def _names(work: Work) -> str:
    return "; ".join(f"{a.family}, {a.first}".strip(", ") for a in work.authors)


def graph(kb: KnowledgeBase) -> nx.MultiDiGraph:
    """The KB's graph with what a reader of another tool needs on each node.

    The labels, EBRO levels and fits are the graph's own attributes; titles, texts
    and names are added here so that the export can be read on its own.
    """
    exported = kb.graph.copy()
    exported.graph.update(format="evidence-kb graph", version=GRAPH_FORMAT_VERSION)
    for node, data in exported.nodes(data=True):
        # `id` is the node's own name in node-link JSON: a claim's id is its `name`,
        # a document's its `document`, as on its sections.
        own_id = data.pop("id", None)
        if data["type"] == "work":
            work = kb.works.get(data["key"])
            data["name"] = work.short_citation() if work else data["key"]
            for name, value in (_work_fields(work) if work else {}).items():
                data[name] = value
        elif data["type"] == "document":
            data["name"] = data["title"]
            data["document"] = own_id
        elif data["type"] == "section":
            data["name"] = data["name"] or "(no section)"
    for document in kb.documents:
        exported.nodes[doc_node(document.id)].update(publisher=document.publisher, language=document.language)
        for claim in document.claims:
            exported.nodes[claim_node(claim.id)].update(
                name=claim.id, text=claim.text, cited_as=claim.cited_as, line=claim.line,
                **_strength_fields(kb, claim.id))
    return exported


# GraphML holds no list: a claim's certainty reasons are one text there, joined by this.
REASONS_JOINED_BY = " | "


def _strength_fields(kb: KnowledgeBase, claim_id: str) -> dict[str, str | int | bool]:
    """A claim's conclusion level (left out when it has none: GraphML holds no null), certainty
    ("" when none) and their reasons, as graph attributes."""
    strength = kb.strengths[claim_id]
    fields: dict[str, str | int | bool] = {
        "conclusion_reason": strength.level_reason, "certainty": strength.certainty or "",
        "certainty_reasons": REASONS_JOINED_BY.join(strength.certainty_reasons), "provisional": strength.provisional}
    if strength.level is not None:
        fields["conclusion_level"] = strength.level
    return fields


def _work_fields(work: Work) -> dict[str, str | int]:
    return {
        "title": work.title,
        "year": work.year,
        "authors": _names(work),
        "entry_type": work.entry_type,
        "doi": work.doi,
        "n": work.get("n"),
        "population": work.get("population"),
        "verification": work.verification_status,
        "line": work.line,
    }


def graphml(kb: KnowledgeBase) -> str:
    """GraphML for Gephi, Cytoscape and `networkx.read_graphml`; every attribute typed."""
    exported = graph(kb)
    # GraphML declares one type per attribute name: a work's `line` and a claim's are both int.
    from networkx.readwrite.graphml import GraphMLWriter

    writer = GraphMLWriter(prettyprint=True, named_key_ids=True)
    writer.add_graph_element(exported)
    # The writer's text as it is: `generate_graphml` splits it with str.splitlines, which also
    # breaks at a carriage return, \x0b, \x0c or \x1c to \x1e inside a value, and joins with "\n".
    return xml_characters(str(writer).rstrip("\n")) + "\n"


# XML 1.0 (section 2.2) holds tab, line feed, carriage return, U+0020 to U+D7FF, U+E000 to
# U+FFFD and U+10000 on. ElementTree writes the other C0 controls as they are and every other
# character beyond ASCII as a reference (&#55296;), and a parser refuses both.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\r]|&#(5[5-7]\d{3}|6553[45]);")
_MARKS = (*(chr(code) for code in range(0x20) if chr(code) not in "\t\n"), "&#55", "&#56", "&#57", "&#6553")


def _visible(match: re.Match[str]) -> str:
    if match.group(1) is None:
        char = match.group()
        return "&#13;" if char == "\r" else f"\\x{ord(char):02x}"  # a carriage return is data: kept
    code = int(match.group(1))
    return f"\\u{code:04x}" if 0xD800 <= code <= 0xDFFF or code >= 0xFFFE else match.group()


def xml_characters(xml: str) -> str:
    """ElementTree's `xml` made well-formed XML 1.0: a character XML cannot hold, in a value or a
    node's id, is written as a visible escape instead, `\\x1b` (an escape character), `\\x00` or
    `\\ufffe`; a carriage return as `&#13;`, which a parser keeps (a raw one becomes a line feed)."""
    if not any(mark in xml for mark in _MARKS):  # nearly always: a few scans at memchr's speed, not a regex's
        return xml
    return _NOT_XML.sub(_visible, xml)



def node_link(kb: KnowledgeBase) -> str:
    """The whole graph as node-link JSON (`networkx.node_link_graph` reads it back)."""
    import networkx as nx

    data = nx.node_link_data(graph(kb), edges="edges")
    for node in data["nodes"]:  # JSON holds what GraphML cannot: the reasons as a list, no level as null
        if node["type"] == "claim":
            strength = kb.strengths[node["name"]]
            node["conclusion_level"] = strength.level
            node["certainty"] = strength.certainty
            node["certainty_reasons"] = list(strength.certainty_reasons)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# --- RDF -----------------------------------------------------------------------------------

VOCAB = "urn:evidence-kb:vocab:"  # our own small vocabulary (labels, EBRO levels, fits)
BASE = "urn:evidence-kb:"  # the KB's own things: works, claims, documents, citations
CITO = "http://purl.org/spar/cito/"
FABIO = "http://purl.org/spar/fabio/"
PRISM = "http://prismstandard.org/namespaces/basic/2.0/"

# BibTeX entry type -> FaBiO class; anything else is a fabio:Expression.
FABIO_TYPES = {
    "article": "JournalArticle", "book": "Book", "incollection": "BookChapter", "inbook": "BookChapter",
    "inproceedings": "ConferencePaper", "conference": "ConferencePaper", "proceedings": "ConferenceProceedings",
    "phdthesis": "DoctoralThesis", "mastersthesis": "MastersThesis", "techreport": "TechnicalReport",
    "report": "Report", "manual": "InstructionManual", "unpublished": "Manuscript", "online": "WebContent",
    "thesis": "Thesis",
}

SUPPORT = ("supports", "partial", "unassessed")


def cito_property(fit: str, work_label: str) -> str:
    """The CiTO property of a claim -> work link, by the link's fit and the work's label.

    supports, partial and unassessed (taken at face value, as the labels do) cite the work
    as evidence when it is empirical and as an authority when it is expert-based; indirect
    (another population or intervention) cites it as related; not-addressed, or a work the
    bibliography lacks, is a bare cito:cites: the leaflet cites it, but it does not back
    the claim.
    """
    if fit in SUPPORT and work_label == EMPIRICAL:
        return "citesAsEvidence"
    if fit in SUPPORT and work_label == EXPERT_BASED:
        return "citesAsAuthority"
    if fit == "indirect" and work_label:
        return "citesAsRelated"
    return "cites"


_KINDS = ("work", "claim", "document", "citation")


def _iri(kind: str, name: str) -> str:
    return f"{BASE}{kind}:{quote(name, safe='')}"


def turtle(kb: KnowledgeBase) -> str:
    """RDF Turtle: FaBiO and Dublin Core for works, CiTO for claim -> work links, our vocabulary for labels."""
    from rdflib import RDF, RDFS, XSD, Literal, Namespace, URIRef
    from rdflib.namespace import DC, DCTERMS

    ekb, cito, fabio, prism = Namespace(VOCAB), Namespace(CITO), Namespace(FABIO), Namespace(PRISM)
    g = _Turtle()
    for prefix, namespace in (("ekb", ekb), ("cito", cito), ("fabio", fabio), ("prism", prism), ("dc", DC),
                              ("dcterms", DCTERMS), ("rdfs", RDFS), ("xsd", XSD),
                              *((kind, Namespace(f"{BASE}{kind}:")) for kind in _KINDS)):
        g.bind(prefix, namespace)
    _vocabulary(g, ekb)

    def text(subject: URIRef, predicate: URIRef, value: str) -> None:
        if value:
            g.add((subject, predicate, Literal(value)))

    for work in kb.works.values():
        work_label = kb.labels.works[work.key]
        subject = URIRef(_iri("work", work.key))
        g.add((subject, RDF.type, fabio[FABIO_TYPES.get(work.entry_type, "Expression")]))
        g.add((subject, RDF.type, ekb.Work))
        text(subject, ekb.key, work.key)
        text(subject, DCTERMS.title, work.title)
        for name in work.authors:
            text(subject, DC.creator, f"{name.family}, {name.first}".strip(", "))
        text(subject, DCTERMS.issued, work.year)
        text(subject, prism.doi, work.doi)
        text(subject, prism.publicationName, work.get("journal") or work.get("booktitle"))
        text(subject, DCTERMS.publisher, work.get("publisher"))
        g.add((subject, ekb.evidenceLabel, ekb[work_label.label.value]))
        if work_label.ebro:
            g.add((subject, ekb.ebroLevel, ekb[f"EBRO-{work_label.ebro}"]))
        text(subject, ekb.labelReason, work_label.reason)
        text(subject, ekb.design, work.design)
        text(subject, ekb.population, work.get("population"))
        n = work.get("n")
        if n.isdigit():
            g.add((subject, ekb.sampleSize, Literal(int(n), datatype=XSD.integer)))
        text(subject, ekb.verificationStatus, work.verification_status)
    for document in kb.documents:
        doc = URIRef(_iri("document", document.id))
        g.add((doc, RDF.type, ekb.Leaflet))
        text(doc, DCTERMS.title, document.title)
        text(doc, DCTERMS.publisher, document.publisher)
        text(doc, DCTERMS.language, document.language)
        for claim in document.claims:
            claim_label = kb.labels.claims[claim.id]
            subject = URIRef(_iri("claim", claim.id))
            g.add((subject, RDF.type, ekb.Claim))
            g.add((subject, DCTERMS.isPartOf, doc))
            text(subject, ekb.text, claim.text)
            text(subject, ekb.section, claim.section)
            g.add((subject, ekb.kind, ekb[claim.kind]))
            g.add((subject, ekb.evidenceLabel, ekb[claim_label.label.value]))
            text(subject, ekb.labelReason, claim_label.reason)
            strength = kb.strengths[claim.id]
            if strength.level is not None:
                g.add((subject, ekb.conclusionLevel, ekb[f"level-{strength.level}"]))
            text(subject, ekb.conclusionReason, strength.level_reason)
            if strength.certainty is not None:
                g.add((subject, ekb.certainty, ekb[f"certainty-{strength.certainty}"]))
            for reason in strength.certainty_reasons:
                text(subject, ekb.certaintyReason, reason)
            if strength.provisional:
                g.add((subject, ekb.provisional, Literal(True)))
            text(subject, ekb.citedAs, claim.cited_as)
            for number, source in enumerate(claim.sources, 1):
                target = URIRef(_iri("work", source.key))
                if source.key not in kb.works:
                    g.add((target, RDF.type, ekb.MissingWork))
                    text(target, ekb.key, source.key)
                label = kb.labels.works[source.key].label.value if source.key in kb.works else ""
                characterisation = cito[cito_property(source.fit, label)]
                g.add((subject, characterisation, target))
                citation = URIRef(f"{_iri('citation', claim.id)}.{number}")
                g.add((citation, RDF.type, cito.Citation))
                g.add((citation, cito.hasCitingEntity, subject))
                g.add((citation, cito.hasCitedEntity, target))
                g.add((citation, cito.hasCitationCharacterization, characterisation))
                g.add((citation, ekb.fit, ekb[source.fit]))
                text(citation, ekb.note, source.note)
                text(citation, RDFS.comment, f"{claim.id} -> {source.key}: {source.fit}")
    return g.serialize()


_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?")  # a safe Turtle local name


class _Turtle:
    """Triples grouped by subject and written as Turtle, each term in rdflib's syntax.

    rdflib's own serializer took a minute for 50,000 triples: it guesses a namespace
    for every IRI and sorts as it goes. Output is sorted: same KB, same bytes.
    """

    def __init__(self) -> None:
        self.prefixes: dict[str, str] = {}
        self.subjects: dict[Any, dict[Any, dict[Any, None]]] = {}

    def bind(self, prefix: str, namespace: object) -> None:
        self.prefixes[prefix] = str(namespace)

    def add(self, triple: tuple[Any, Any, Any]) -> None:
        subject, predicate, value = triple
        self.subjects.setdefault(subject, {}).setdefault(predicate, {})[value] = None

    def _term(self, term: Any) -> str:
        if not isinstance(term, self._iri):
            return str(term.n3())
        for prefix, namespace in self._longest_first:
            if term.startswith(namespace) and _LOCAL.fullmatch(term, len(namespace)):
                return f"{prefix}:{term[len(namespace):]}"
        return f"<{term}>"

    def serialize(self) -> str:
        from rdflib import RDF, URIRef

        self._iri = URIRef
        self._longest_first = sorted(self.prefixes.items(), key=lambda item: -len(item[1]))
        lines = [f"@prefix {prefix}: <{namespace}> ." for prefix, namespace in sorted(self.prefixes.items())]
        for subject in sorted(self.subjects, key=str):
            predicates = self.subjects[subject]
            parts = [("a" if predicate == RDF.type else self._term(predicate)) + " "
                     + " , ".join(sorted(self._term(value) for value in predicates[predicate]))
                     for predicate in sorted(predicates, key=lambda p: (p != RDF.type, str(p)))]
            lines.append(f"\n{self._term(subject)} " + " ;\n    ".join(parts) + " .")
        return "\n".join(lines) + "\n"


def _vocabulary(g: Any, ekb: Any) -> None:
    """The terms of our own vocabulary, so that the export explains itself."""
    from rdflib import RDF, RDFS, Literal

    terms = {
        "Claim": "one assertion of a leaflet: a verbatim span of its text",
        "Leaflet": "a patient leaflet whose claims the knowledge base records",
        "Work": "an entry of references.bib",
        "MissingWork": "a work a claim cites that references.bib lacks",
        "EvidenceLabel": "what a work or claim rests on",
        "EbroLevel": "a level of the Dutch CBO/EBRO system for intervention studies",
        "Fit": "how well a cited work says what the claim says",
        "ClaimKind": "clinical (needs evidence) or service (practical information)",
        "clinical": "a claim that needs evidence",
        "ConclusionLevel": "an EBRO conclusion level (richtlijnendatabase.nl application/notitie/27): how "
                           "strong the studies behind a claim are, 1 strongest, 4 expert opinion only",
        "Certainty": "a GRADE-like certainty the KB derives from its records (high, moderate, low, very low); "
                     "not a GRADE panel's judgement of an outcome",
        "conclusionLevel": "the claim's EBRO conclusion level; absent for an unsupported or service claim",
        "conclusionReason": "why the claim has its conclusion level (or none), naming the deciding works",
        "certainty": "the claim's GRADE-like certainty; absent where it has no conclusion level",
        "certaintyReason": "one step down from high certainty, with its reason",
        "provisional": "true when the conclusion level rests on a link whose fit was not yet assessed",
        **{f"level-{level}": f"EBRO conclusion level {level}: {meaning}" for level, meaning in LEVEL_MEANINGS.items()},
        **{f"certainty-{c}": f"certainty {c.replace('-', ' ')}" for c in CERTAINTIES},
        **{label.value: meaning for label, meaning in MEANINGS.items()},
    }
    for name, comment in terms.items():
        g.add((ekb[name], RDFS.comment, Literal(comment, lang="en")))
    for name in ("Claim", "Leaflet", "Work", "MissingWork", "EvidenceLabel", "EbroLevel", "Fit", "ClaimKind",
                 "ConclusionLevel", "Certainty"):
        g.add((ekb[name], RDF.type, RDFS.Class))
    for name in ("conclusionLevel", "conclusionReason", "certainty", "certaintyReason", "provisional"):
        g.add((ekb[name], RDF.type, RDF.Property))
    for number in LEVELS:
        g.add((ekb[f"level-{number}"], RDF.type, ekb.ConclusionLevel))
        g.add((ekb[f"level-{number}"], RDFS.label, Literal(f"EBRO conclusion level {number}")))
    for certainty in CERTAINTIES:
        g.add((ekb[f"certainty-{certainty}"], RDF.type, ekb.Certainty))
    for label in Label:
        g.add((ekb[label.value], RDF.type, ekb.EvidenceLabel))
    for kind in ("clinical", "service"):
        g.add((ekb[kind], RDF.type, ekb.ClaimKind))
    for level in sorted({level for level in DESIGNS.values() if level}):
        g.add((ekb[f"EBRO-{level}"], RDF.type, ekb.EbroLevel))
        g.add((ekb[f"EBRO-{level}"], RDFS.label, Literal(f"EBRO {level}")))
    for fit in ("supports", "partial", "indirect", "not-addressed", "unassessed"):
        g.add((ekb[fit], RDF.type, ekb.Fit))


def csl_json(kb: KnowledgeBase) -> str:
    """Every work as CSL-JSON, the conversion the leaflet uses (kb/csl.py), for citeproc-py,
    pandoc's `--citeproc` and Zotero; in references.bib's order."""
    from kb.apa import csl

    return json.dumps(csl.items(kb.works.values()), ensure_ascii=False, indent=2) + "\n"


# --- the registry the command uses -----------------------------------------------------------

EXPORTS: dict[str, tuple[Callable[[KnowledgeBase], str], str]] = {
    "graphml": (graphml, "graph.graphml"),
    "json": (node_link, "graph.json"),
    "csljson": (csl_json, "works.json"),
    "rdf": (turtle, "graph.ttl"),
}
