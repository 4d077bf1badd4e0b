"""What the evidence report shows, from a labelled knowledge base: the `report.json` contract
(`data`), each leaflet's text as segments covered by claims, and every work's reference entry.

`inputs` gathers them into `Inputs`, all the report's pages are rendered from (kb/report.py):
rendering needs no knowledge base, so what a build can keep from an earlier one is plain data.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb.apa import references
from kb.apa.references import Entry
from kb.audit.verification import retracted
from kb.bibliography import Work
from kb.claims import SUPPORTING_FITS, Claim, Document
from kb.findings import Finding
from kb.knowledgebase import KnowledgeBase
from kb.labels import CLAIM_LABELS
from kb.rendering import locale_of
from kb.texts import Span, collapse, emphasis, spliced


@dataclass(frozen=True)
class Inputs:
    """Everything the report's files are rendered from."""

    root: Path  # the KB's folder: its own templates, if any
    report: dict[str, Any]  # the report.json contract: documents, claims, works, findings
    texts: Mapping[str, list[dict[str, Any]]]  # document id -> its text as blocks of segments (`segments`)
    references: dict[str, Entry]  # work key -> its APA 7 reference entry


def inputs(kb: KnowledgeBase, findings: list[Finding], lang: str) -> Inputs:
    """The report's inputs for `kb` audited with `findings`, references in `lang`."""
    entries = reference_entries(kb, lang)
    report = data(kb, findings, entries)
    labels = {c["id"]: c["label"] for c in report["claims"]}
    return Inputs(kb.root, report, {d.id: segments(kb, d, labels) for d in kb.documents}, entries)


def work_json(kb: KnowledgeBase, work: Work, cited_by: list[str], reference: str) -> dict[str, Any]:
    label = kb.labels.works[work.key]
    checked = kb.verification.get(work.key) if kb.verification is not None else None
    return {
        "key": work.key,
        "label": label.label.value,
        "label_reason": label.reason,
        "ebro": label.ebro,
        "design": work.design,
        "verification": work.verification_status,
        "verification_text": work.get("verification"),
        "n": work.get("n"),
        "population": work.get("population"),
        "type": work.entry_type,
        "authors": [a.family for a in work.authors],
        "year": work.year,
        "title": work.title,
        "reference": reference,
        "doi": work.doi,
        "doi_unverified": work.get("doiunverified"),
        "line": work.line,
        "cited_by": cited_by,
        # What `kb verify` found (verification.json's record), null when it was never looked up.
        "verify": checked.as_json() if checked is not None else None,
        "retracted": checked is not None and checked.retracted,
    }


def claim_json(kb: KnowledgeBase, document: Document, claim: Claim,
                findings: list[dict[str, Any]]) -> dict[str, Any]:
    label = kb.labels.claims[claim.id]
    strength = kb.strengths[claim.id]
    withdrawn = retracted(kb)
    resting = list(dict.fromkeys(s.key for s in claim.sources if s.fit in SUPPORTING_FITS and s.key in withdrawn))
    return {
        "id": claim.id,
        "document": document.id,
        "section": claim.section,
        "text": claim.text,
        "kind": claim.kind,
        "cited_as": claim.cited_as,
        "sources": [{"key": s.key, "fit": s.fit, "note": s.note} for s in claim.sources],
        "label": label.label.value,
        "label_reason": label.reason,
        "line": claim.line,
        "findings": findings,
        "retracted": bool(resting),  # it rests on a work kb verify found retracted
        "retracted_works": resting,  # those works' keys
        # How strong (kb/strength.py): the EBRO conclusion level and the GRADE-like certainty.
        "conclusion_level": strength.level,
        "conclusion_reason": strength.level_reason,
        "certainty": strength.certainty,
        "certainty_reasons": list(strength.certainty_reasons),
    }


def document_json(kb: KnowledgeBase, document: Document) -> dict[str, Any]:
    counts = {label.value: 0 for label in CLAIM_LABELS}
    for claim in document.claims:
        counts[kb.labels.claims[claim.id].label.value] += 1
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


def reference_entries(kb: KnowledgeBase, lang: str) -> dict[str, Entry]:
    """Work key -> its APA 7 reference entry in `lang`, for every work: the entries of all the
    KB's works rendered together, so that works of the same authors and year are told apart
    (2017a, 2017b) as across the whole KB. A work APA would list nowhere gets an empty entry."""
    return works_entries(list(kb.works.values()), lang)


def works_entries(works: list[Work], lang: str) -> dict[str, Entry]:
    """`reference_entries` of `works` (rendered together, in their order)."""
    found = references.render(works, locale_of(lang))
    return {work.key: found.get(work.key) or Entry(work.key, "", ()) for work in works}


def data(kb: KnowledgeBase, findings: list[Finding], entries: dict[str, Entry]) -> dict[str, Any]:
    """Everything the report shows, as the `report.json` contract gives it; `entries` are the
    works' reference entries (`reference_entries`), whose plain text is each work's `reference`."""
    as_json = [f.as_json() for f in findings]
    by_claim: dict[str, list[dict[str, Any]]] = {}
    for finding, finding_json in zip(findings, as_json):
        if finding.claim is not None:
            by_claim.setdefault(finding.claim, []).append(finding_json)
    citing_claims = cited_by(kb)
    return {
        "documents": [document_json(kb, d) for d in kb.documents],
        "claims": [claim_json(kb, d, c, by_claim.get(c.id, [])) for d in kb.documents for c in d.claims],
        "works": [work_json(kb, w, citing_claims.get(w.key, []), entries[w.key].plain) for w in kb.works.values()],
        "findings": as_json,
    }


def segments(kb: KnowledgeBase, document: Document, labels: dict[str, str]) -> list[dict[str, Any]]:
    """The leaflet's text as blocks (a Markdown heading's level, whether a Markdown list item)
    of segments, each segment with the claims covering it."""
    text = kb.texts.get(document.id)
    if text is None:
        return []
    spans: list[tuple[Span, str]] = []
    cursor = 0
    text.expect(claim.text for claim in document.claims)
    for claim in document.claims:
        # Claims come in document order: search on from the last one, then from the top.
        span = text.find(claim.text, cursor) or text.find(claim.text)
        if span is not None:
            spans.append((span, claim.id))
            cursor = span.start
    layout_ = text.layout()
    markdown = any(block.heading for block in layout_)
    cut = [(block.body, block.end) for block in layout_]  # a Markdown heading's #s and a bullet left out
    # Each block's spans, found by bisection: a pass over all spans per block is quadratic.
    starts = [start for start, _ in cut]
    in_block: list[list[tuple[Span, str]]] = [[] for _ in cut]
    for span, claim_id in spans:
        first = max(bisect.bisect_right(starts, span.start) - 1, 0)
        for i in range(first, bisect.bisect_left(starts, span.end)):
            if span.start < cut[i][1] and cut[i][0] < span.end:
                in_block[i].append((span, claim_id))
    result = []
    source = text.text
    for block, (start, end), covering in zip(layout_, cut, in_block):
        # Markdown emphasis is shown as the text it stresses, without its * or _.
        hidden = sorted((a, b, "") for found in emphasis(source, block) for a, b in found.delimiters) \
            if markdown else []
        hidden_starts = [a for a, _, _ in hidden]
        cuts = {start, end}
        for span, _ in covering:
            cuts.update(p for p in (span.start, span.end) if start < p < end)
        points = sorted(cuts)
        # The claims over each stretch between two points, kept up to date from one point to the
        # next (a scan of all the block's claims per stretch is quadratic), the narrowest first:
        # a claim inside another keeps a highlight of its own.
        opening: dict[int, list[int]] = {}
        closing: dict[int, list[int]] = {}
        widths = []
        for i, (span, _) in enumerate(covering):
            opening.setdefault(max(span.start, start), []).append(i)
            closing.setdefault(min(span.end, end), []).append(i)
            widths.append(span.end - span.start)
        active: set[int] = set()
        segments = []
        for a, b in itertools.pairwise(points):
            if a in closing:
                active.difference_update(closing[a])
            if a in opening:
                active.update(opening[a])
            if len(active) > 1:
                ids = [covering[i][1] for _, i in sorted((widths[i], i) for i in active)]
            else:
                ids = [covering[i][1] for i in active]
            if hidden:
                lo, hi = bisect.bisect_left(hidden_starts, a), bisect.bisect_left(hidden_starts, b)
                shown = spliced(source, a, b, hidden[lo:hi])
            else:
                shown = source[a:b]
            piece = collapse(shown)
            if not piece:
                continue
            # keep the single space collapse() trims at the edges
            if shown[:1].isspace():
                piece = " " + piece
            if shown[-1:].isspace():
                piece += " "
            segments.append({"text": piece, "claims": ids, "label": labels[ids[0]] if ids else ""})
        result.append({"heading": block.heading, "item": block.item, "segments": segments})
    return result
