"""Claim rules: what each claim rests on, and whether its text and links are sound."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from kb.audit.registry import checks, declare
from kb.claims import SUPPORTING_FITS, Claim, Document
from kb.findings import Finding, Location, Severity
from kb.knowledgebase import BIB_NAME, KnowledgeBase
from kb.labels import EMPIRICAL, EXPERT_BASED, UNSUPPORTED
from kb.texts import LeafletText, closest_difference

MISSING_REFERENCE = declare("missing-reference", Severity.ERROR, "a claim cites a key that references.bib lacks")
UNUSED_REFERENCE = declare("unused-reference", Severity.WARNING, "a work in references.bib that no claim cites")
CLAIM_NOT_IN_TEXT = declare("claim-not-in-text", Severity.ERROR,
                            "a claim's text is not found verbatim in its leaflet")
DUPLICATE_CLAIM_ID = declare("duplicate-claim-id", Severity.ERROR, "two claims share an id")
UNSUPPORTED_CLAIM = declare("unsupported-claim", Severity.WARNING, "a clinical claim with no support")
EXPERT_ONLY_CLAIM = declare("expert-only-claim", Severity.WARNING,
                            "a clinical claim resting on expert-based works alone")
UNEXPLAINED_FIT = declare("unexplained-fit", Severity.WARNING,
                          "a link whose fit is partial, indirect or not-addressed, with no note saying why")
UNASSESSED_SUPPORT = declare("unassessed-support", Severity.INFO,
                             "a clinical claim labelled only by unassessed links (its citation taken at face value)")


def claims_of(kb: KnowledgeBase) -> Iterator[tuple[str, Claim]]:
    """Every claim of the KB, with the path its findings show, in file order."""
    for document in kb.documents:
        path = kb.display(document.claims_path)
        for claim in document.claims:
            yield path, claim


def supporting(kb: KnowledgeBase, claim: Claim) -> list[str]:
    """Keys of the works that count as the claim's support, each once, in the claims file's order."""
    keys = [s.key for s in claim.sources if s.fit in SUPPORTING_FITS and s.key in kb.works]
    return list(dict.fromkeys(keys))


@checks(MISSING_REFERENCE)
def _missing_reference(kb: KnowledgeBase) -> Iterator[Finding]:
    for path, claim in claims_of(kb):
        for source in claim.sources:
            if source.key not in kb.works:
                yield MISSING_REFERENCE.finding(Location(path, source.line),
                                                f"claim {claim.id} cites {source.key}, which references.bib lacks",
                                                claim=claim.id, key=source.key)


@checks(UNUSED_REFERENCE)
def _unused_reference(kb: KnowledgeBase) -> Iterator[Finding]:
    cited = {s.key for _, claim in claims_of(kb) for s in claim.sources}
    for key in sorted(set(kb.works) - cited):
        yield UNUSED_REFERENCE.finding(Location(BIB_NAME, kb.works[key].line), f"{key} is cited by no claim", key=key)


# Claims of a leaflet not found in it that are shown with the closest passage, the first in
# file order: each costs a few searches of the whole text, and a claims file of thousands of
# claims with no leaflet of their own would otherwise cost thousands.
CLOSEST_PASSAGES = 20


def _shown_closest(kb: KnowledgeBase, document: Document, text: LeafletText) -> set[Claim]:
    """The claims of `document` whose claim-not-in-text finding shows the closest passage."""
    shown: dict[str, set[Claim]] = kb.memo.setdefault("closest-passages", {})
    if document.id not in shown:
        text.expect(claim.text for claim in document.claims)
        missing = (claim for claim in document.claims if claim.text and text.find(claim.text) is None)
        shown[document.id] = set(itertools.islice(missing, CLOSEST_PASSAGES))
    return shown[document.id]


def not_in_text(kb: KnowledgeBase, document: Document, claim: Claim, text: LeafletText) -> Finding:
    """The claim-not-in-text finding of a claim, with the closest passage of its leaflet (for the
    first CLOSEST_PASSAGES such claims of the leaflet)."""
    closest = closest_difference(text, claim.text) if claim in _shown_closest(kb, document, text) else ""
    return CLAIM_NOT_IN_TEXT.finding(Location(kb.display(document.claims_path), claim.line),
                                     f"claim {claim.id}: its text is not in {kb.display(document.text_path)}"
                                     + closest, claim=claim.id)


@checks(CLAIM_NOT_IN_TEXT)
def _claim_not_in_text(kb: KnowledgeBase) -> Iterator[Finding]:
    for document in kb.documents:
        text = kb.texts.get(document.id)
        if text is None:
            continue
        text.expect(claim.text for claim in document.claims)
        for claim in document.claims:
            if claim.text and text.find(claim.text) is None:
                yield not_in_text(kb, document, claim, text)


@checks(DUPLICATE_CLAIM_ID)
def _duplicate_claim_id(kb: KnowledgeBase) -> Iterator[Finding]:
    seen: dict[str, str] = {}
    for path, claim in claims_of(kb):
        if claim.id in seen:
            yield DUPLICATE_CLAIM_ID.finding(Location(path, claim.line),
                                             f"claim id {claim.id} is already used at {seen[claim.id]}",
                                             claim=claim.id)
        else:
            seen[claim.id] = f"{path}:{claim.line}"


@checks(UNSUPPORTED_CLAIM)
def _unsupported_claim(kb: KnowledgeBase) -> Iterator[Finding]:
    for path, claim in claims_of(kb):
        label = kb.labels.claims[claim.id]
        if label.label is UNSUPPORTED:
            yield UNSUPPORTED_CLAIM.finding(
                Location(path, claim.line),
                f"claim {claim.id} has no support: {label.reason.removeprefix('unsupported: ')}", claim=claim.id)


@checks(EXPERT_ONLY_CLAIM)
def _expert_only_claim(kb: KnowledgeBase) -> Iterator[Finding]:
    for path, claim in claims_of(kb):
        label = kb.labels.claims[claim.id]
        if label.label is EXPERT_BASED:
            yield EXPERT_ONLY_CLAIM.finding(
                Location(path, claim.line), f"claim {claim.id} rests on expert-based works alone: "
                f"{label.reason.removeprefix('expert-based: ')}", claim=claim.id)


@checks(UNEXPLAINED_FIT)
def _unexplained_fit(kb: KnowledgeBase) -> Iterator[Finding]:
    for path, claim in claims_of(kb):
        for source in claim.sources:
            if source.fit in ("partial", "indirect", "not-addressed") and not source.note:
                yield UNEXPLAINED_FIT.finding(
                    Location(path, source.line),
                    f"claim {claim.id}: the link to {source.key} is {source.fit}, but no note says why",
                    claim=claim.id, key=source.key)


@checks(UNASSESSED_SUPPORT)
def _unassessed_support(kb: KnowledgeBase) -> Iterator[Finding]:
    for path, claim in claims_of(kb):
        label = kb.labels.claims[claim.id].label
        if label not in (EMPIRICAL, EXPERT_BASED):
            continue
        fits = {s.fit for s in claim.sources if s.fit in SUPPORTING_FITS and s.key in kb.works}
        if fits == {"unassessed"}:
            keys = ", ".join(supporting(kb, claim))
            yield UNASSESSED_SUPPORT.finding(
                Location(path, claim.line),
                f"claim {claim.id} is {label} only by taking its citation at face value: "
                f"whether {keys} says this is unassessed", claim=claim.id)
