"""The evidence report: `report.json`, `report.html` and `report.md` from a labelled knowledge base."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from kb import rendering
from kb.bibliography import Work
from kb.claims import Claim, Document
from kb.findings import Finding
from kb.graph import claim_node, work_node
from kb.knowledgebase import KnowledgeBase
from kb.labels import CLAIM_LABELS
from kb.texts import Span, blocks, collapse

REPORT_FILES = ("report.json", "report.html", "report.md")


def _names(work: Work) -> str:
    names = [f"{a.family}, {a.first}".strip(", ") for a in work.authors]
    if len(names) > 1:
        return ", ".join(names[:-1]) + " & " + names[-1]
    return names[0] if names else ""


def reference_text(work: Work) -> str:
    """A plain one-line description of a work for the report's tables."""
    container = work.get("journal") or work.get("booktitle") or work.get("publisher")
    volume = work.get("volume")
    number = work.get("number")
    pages = work.get("pages").replace("--", "–")
    parts = [f"{_names(work)} ({work.year or 'n.d.'}). {work.title}."]
    if container:
        tail = container
        if volume:
            tail += f", {volume}" + (f"({number})" if number else "")
        if pages:
            tail += f", {pages}"
        parts.append(tail + ".")
    return " ".join(parts)


def _work_json(kb: KnowledgeBase, work: Work, cited_by: list[str]) -> dict[str, Any]:
    node = kb.graph.nodes[work_node(work.key)]
    return {
        "key": work.key,
        "label": node["label"],
        "label_reason": node["label_reason"],
        "ebro": node["ebro"],
        "design": work.design,
        "verification": work.verification_status,
        "verification_text": work.get("verification"),
        "n": work.get("n"),
        "population": work.get("population"),
        "type": work.entry_type,
        "authors": [a.family for a in work.authors],
        "year": work.year,
        "title": work.title,
        "reference": reference_text(work),
        "doi": work.doi,
        "doi_unverified": work.get("doiunverified"),
        "line": work.line,
        "cited_by": cited_by,
    }


def _claim_json(kb: KnowledgeBase, document: Document, claim: Claim,
                findings: list[dict[str, object]]) -> dict[str, Any]:
    node = kb.graph.nodes[claim_node(claim.id)]
    return {
        "id": claim.id,
        "document": document.id,
        "section": claim.section,
        "text": claim.text,
        "kind": claim.kind,
        "cited_as": claim.cited_as,
        "sources": [{"key": s.key, "fit": s.fit, "note": s.note} for s in claim.sources],
        "label": node["label"],
        "label_reason": node["label_reason"],
        "line": claim.line,
        "findings": findings,
    }


def _document_json(kb: KnowledgeBase, document: Document) -> dict[str, Any]:
    counts = {label: 0 for label in CLAIM_LABELS}
    for claim in document.claims:
        counts[kb.graph.nodes[claim_node(claim.id)]["label"]] += 1
    sections = []
    for claim in document.claims:
        if claim.section not in sections:
            sections.append(claim.section)
    return {
        "id": document.id,
        "title": document.title,
        "publisher": document.publisher,
        "language": document.language,
        "claims_file": kb.display(document.claims_path),
        "text_file": kb.display(document.text_path),
        "claims": len(document.claims),
        "counts": counts,
        "sections": sections,
    }


def cited_by(kb: KnowledgeBase) -> dict[str, list[str]]:
    """Work key -> the claims citing it, by document and line: `graph.claims_on` for every
    work in one pass over the claims instead of one graph query per work."""
    citing: dict[str, list[tuple[str, int, str]]] = {}
    for document in kb.documents:
        for claim in document.claims:
            for source in claim.sources:
                citing.setdefault(source.key, []).append((document.id, source.line, claim.id))
    return {key: [claim for _, _, claim in sorted(links, key=lambda link: link[:2])]
            for key, links in citing.items()}


def data(kb: KnowledgeBase, findings: list[Finding]) -> dict[str, Any]:
    """Everything the report shows, as the `report.json` contract gives it."""
    as_json = [f.as_json() for f in findings]
    by_claim: dict[str, list[dict[str, object]]] = {}
    for finding, finding_json in zip(findings, as_json):
        if finding.claim is not None:
            by_claim.setdefault(finding.claim, []).append(finding_json)
    citing = cited_by(kb)
    return {
        "documents": [_document_json(kb, d) for d in kb.documents],
        "claims": [_claim_json(kb, d, c, by_claim.get(c.id, [])) for d in kb.documents for c in d.claims],
        "works": [_work_json(kb, w, citing.get(w.key, [])) for w in kb.works.values()],
        "findings": as_json,
    }


def _segments(kb: KnowledgeBase, document: Document, labels: dict[str, str]) -> list[list[dict[str, Any]]]:
    """The leaflet's text as blocks of segments, each segment with the claims covering it."""
    text = kb.texts.get(document.id)
    if text is None:
        return []
    spans: list[tuple[Span, str]] = []
    cursor = 0
    for claim in document.claims:
        # Claims come in document order: search on from the last one, then from the top.
        span = text.find(claim.text, cursor) or text.find(claim.text)
        if span is not None:
            spans.append((span, claim.id))
            cursor = span.start
    result = []
    for start, end in blocks(text.text):
        # Only the spans that reach into this block: a leaflet's claims are not searched
        # again for every block and every segment.
        inside = [(span, cid) for span, cid in spans if span.start < end and start < span.end]
        cuts = {start, end}
        for span, _ in inside:
            cuts.update(p for p in (span.start, span.end) if start < p < end)
        points = sorted(cuts)
        segments = []
        for a, b in zip(points, points[1:]):
            ids = [cid for span, cid in inside if span.start <= a and b <= span.end]
            piece = collapse(text.text[a:b])
            if not piece:
                continue
            # keep the single space collapse() trims at the edges
            if text.text[a:b][:1].isspace():
                piece = " " + piece
            if text.text[a:b][-1:].isspace():
                piece += " "
            segments.append({"text": piece, "claims": ids, "label": labels[ids[0]] if ids else ""})
        result.append(segments)
    return result


def _by_document(claims: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Document id -> its claims, in report order: for templates, one pass, not one per document."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for claim in claims:
        grouped.setdefault(claim["document"], []).append(claim)
    return grouped


def render(kb: KnowledgeBase, findings: list[Finding], lang: str) -> dict[str, bytes | Iterator[str]]:
    """The three report files: report.json as UTF-8, the others as text rendered while it is
    written (a large report's HTML is half a gigabyte); nothing is written here."""
    report = data(kb, findings)
    labels = {c["id"]: c["label"] for c in report["claims"]}
    env = rendering.environment(kb.root)
    context = {
        "report": report,
        "t": rendering.interface(lang),
        "lang": lang,
        "works": {w["key"]: w for w in report["works"]},
        "claims": {c["id"]: c for c in report["claims"]},
        "texts": {d.id: _segments(kb, d, labels) for d in kb.documents},
        "claim_numbers": {c["id"]: i for i, c in enumerate(report["claims"], 1)},
        "claims_by_document": _by_document(report["claims"]),
        "labels": CLAIM_LABELS,
    }
    return {
        # orjson writes the bytes json.dumps(indent=2, ensure_ascii=False) would, twenty times faster;
        # kept as bytes: a large report.json is not decoded only to be encoded again
        "report.json": orjson.dumps(report, option=orjson.OPT_INDENT_2) + b"\n",
        "report.html": env.get_template("report.html.j2").generate(context),
        "report.md": env.get_template("report.md.j2").generate(context),
    }
