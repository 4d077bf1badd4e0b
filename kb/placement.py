"""Placements: where each citation of a leaflet goes, and the works it cites.

A claim with sources places its citation over its printed one (`cited_as`, after its span or,
in running text, inside or before it), or inserts one after its span. A citation printed in
the text that no claim places is read as `kb extract` reads it: resolved to one record per
citation, it is placed from that resolution; otherwise it is a located error, so that a
leaflet never prints a citation without its entry in the list. Nothing here formats: the audit
checks placements without loading the CSL processor.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass

from kb.audit.citations import CITATION_NOT_PLACED, CITED_WITHOUT_SOURCE, bibliography_letters
from kb.audit.claims import MISSING_REFERENCE, not_in_text
from kb.claims import Claim, Document
from kb.findings import Finding, Location
from kb.knowledgebase import KnowledgeBase
from kb.texts import LeafletText, Pieces

_BETWEEN = " \t\r\n,.;:"

# What every year of a citation holds, in a text folded by str.casefold: a year 1600-2099 or an
# undated form (n.d., z.d., z.j., s.d., o.J., in press, ter perse, in druk, forthcoming, in
# voorbereiding, te verschijnen), as kb.citations.grammar reads them, loosened: no look-around,
# any character between "n." and "d". Each citation group that kb.citations.parse finds holds
# the year of its last citation, so a stretch of text without one holds no group.
_YEARLIKE = re.compile(r"1[6-9]\d\d|20\d\d|[nzs]\..?[dj]|o\..?j|press|perse|druk|forthcoming|voorbereiding"
                       r"|verschijnen", re.DOTALL)


@dataclass(frozen=True)
class Placement:
    """Where one citation goes in the leaflet's text."""

    start: int  # offset of the printed citation (or of the insertion point)
    end: int  # offset just past the printed citation; == start for an inserted one
    keys: tuple[str, ...]  # the works it cites, in the claims' order
    narrative: bool  # "Koch et al. (2014)" in running text rather than "(Koch et al., 2014)"
    claims: tuple[str, ...]  # ids of the claims it belongs to


def _placement(text: LeafletText, claim: Claim, cursor: int, starts: list[int]) -> tuple[int, int, bool] | None:
    """(start, end, narrative) of the claim's printed citation, or of the insertion point.
    `starts` are the offsets where the text's paragraphs start."""
    span = text.find(claim.text, cursor) or text.find(claim.text)
    if span is None:
        return None
    if not claim.cited_as:
        end = span.end
        while end > span.start and text.text[end - 1] in ".!?":
            end -= 1  # a citation goes before the sentence's full stop
        return end, end, False
    narrative = not claim.cited_as.lstrip().startswith(("(", "["))
    after = text.find_at(claim.cited_as, span.end)
    if after is not None:
        return after.start, after.end, narrative
    # In running text the citation may open the claim or stand inside it: the nearest one
    # before the claim's end, in the claim's paragraph.
    paragraph = starts[max(0, bisect.bisect_right(starts, span.start) - 1)] if starts else 0
    nearest = text.find_last(claim.cited_as, paragraph, span.end)
    return (nearest.start, nearest.end, narrative) if nearest is not None else None


def place(kb: KnowledgeBase, document: Document, text: LeafletText) -> tuple[list[Placement], list[Finding]]:
    """Every citation of the leaflet, in text order, and the problems that keep one from its place."""
    findings: list[Finding] = []
    places: dict[tuple[int, int], Placement] = {}
    display = kb.display(document.claims_path)
    starts = [block.start for block in text.layout()]
    text.expect(claim.text for claim in document.claims)
    cursor = 0
    for claim in document.claims:
        if not claim.sources:
            if claim.cited_as:  # its printed citation is read from the text below
                findings.append(CITED_WITHOUT_SOURCE.finding(
                    Location(display, claim.line), f"claim {claim.id} is cited as '{claim.cited_as}' but links no work",
                    claim=claim.id))
            continue
        found = _placement(text, claim, cursor, starts)
        if found is None:
            if text.find(claim.text) is None:  # the leaflet cannot place it, and the audit says why
                findings.append(not_in_text(kb, document, claim, text))
            else:
                findings.append(CITATION_NOT_PLACED.finding(
                    Location(display, claim.line), f"claim {claim.id}: its printed citation {claim.cited_as!r} is "
                    "not found in the leaflet, so its citation cannot be placed", claim=claim.id))
            continue
        start, end, narrative = found
        cursor = start
        keys = tuple(s.key for s in claim.sources)
        old = places.get((start, end))
        if old is not None:  # two claims before one printed citation share it
            keys = tuple(dict.fromkeys(old.keys + keys))
            places[(start, end)] = Placement(start, end, keys, old.narrative, old.claims + (claim.id,))
        else:
            places[(start, end)] = Placement(start, end, keys, narrative, (claim.id,))
        for source in claim.sources:
            if source.key not in kb.works:
                findings.append(MISSING_REFERENCE.finding(
                    Location(display, source.line), f"claim {claim.id} cites {source.key}, which references.bib lacks",
                    claim=claim.id, key=source.key))
    placed = sorted(places.values(), key=lambda p: (p.start, p.end))
    return _printed(kb, document, text, placed, findings), findings


def _gaps(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """The stretches of `text` that no span (start, end), in order of start, overlaps."""
    gaps = []
    reach = 0
    for start, end in spans:
        if start > reach:
            gaps.append(text[reach:start])
        reach = max(reach, end)
    gaps.append(text[reach:])
    return gaps


def _printed(kb: KnowledgeBase, document: Document, text: LeafletText, placed: list[Placement],
             findings: list[Finding]) -> list[Placement]:
    """`placed` with every citation printed in the text that no claim placed: taken over by the
    citation a claim inserts right before it, or placed from its resolution, or an error."""
    spans = sorted((p.start, p.end) for p in placed if p.start != p.end)
    if not any(_YEARLIKE.search(gap.casefold()) for gap in _gaps(text.text, spans)):
        return placed  # no year outside the placed citations: no citation to read (nor its grammar to load)
    from kb.citations.parse import Group, collapse
    from kb.citations.resolve import Index, index_for, reading, resolve

    # The printed citations no claim placed: by bisection over the placements in text order.
    span_starts = [start for start, _ in spans]
    reach = list(itertools.accumulate((end for _, end in spans), max))  # furthest end so far
    groups = [g for g in text.citations()
              if not (k := bisect.bisect_left(span_starts, g.end)) or reach[k - 1] <= g.start]
    if not groups:
        return placed
    # The bibliography's index, made once for every leaflet of the KB; each text learns its own abbreviations.
    base = kb.memo.get("works-index")
    if base is None:
        base = kb.memo["works-index"] = Index(kb.works, bibliography_letters(kb))
    index = index_for(groups, kb.works, base)
    groups = [reading(text.text, g, index) for g in groups]  # as `kb extract` reads them
    result = list(placed)
    # Insertion points (claims without a printed citation), by offset, each taken once.
    inserts = [(p.start, i) for i, p in enumerate(result) if p.start == p.end]
    taken: set[int] = set()
    unplaced: list[tuple[Group, str]] = []
    for group in groups:
        reach_back = group.start
        while reach_back > 0 and text.text[reach_back - 1] in _BETWEEN:
            reach_back -= 1
        k = bisect.bisect_left(inserts, (reach_back, -1))
        while k < len(inserts) and inserts[k][1] in taken:
            k += 1
        if k < len(inserts) and inserts[k][0] <= group.start:
            # "claim text (Kraak, 2010)" whose claim did not record cited_as
            inserted = inserts[k][1]
            taken.add(inserted)
            old = result[inserted]
            result[inserted] = Placement(group.start, group.end, old.keys, group.narrative, old.claims)
            continue
        resolutions = [resolve(c, index) for c in group.citations]
        if resolutions and all(len(r.keys) == 1 for r in resolutions):
            keys = tuple(dict.fromkeys(r.keys[0] for r in resolutions))
            result.append(Placement(group.start, group.end, keys, group.narrative, ()))
            continue
        why = "; ".join(p.message for r in resolutions for p in r.problems if p.kind in ("unresolved", "ambiguous"))
        unplaced.append((group, why))
    # The first claim whose cited_as holds each unplaced citation, looked up for all of them at once.
    printed = Pieces(collapse(group.text) for group, _ in unplaced)
    carriers: dict[str, str] = {}
    for claim in document.claims:
        if claim.cited_as:
            for piece in printed.held_by(collapse(claim.cited_as)):
                carriers.setdefault(piece, claim.id)
    for group, why in unplaced:
        carrier = carriers.get(collapse(group.text))
        fix = (f"link its work from the sources of claim {carrier}" if carrier
               else f"link it from the sources of a claim in {kb.display(document.claims_path)}")
        findings.append(CITATION_NOT_PLACED.finding(
            Location(kb.display(document.text_path), text.line_of(group.start)),
            f"the citation {collapse(group.text)} cannot be printed with an entry in the list: "
            f"{why or 'it names no work'}; {fix}"))
    return sorted(result, key=lambda p: (p.start, p.end))



