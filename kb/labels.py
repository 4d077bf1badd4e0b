"""Labels: design -> EBRO level -> work label, and each claim's label with its reason."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from kb.bibliography import Work
from kb.claims import SUPPORTING_FITS, Claim, Document


class Label(StrEnum):
    """An evidence label; its value is the word report.json, exports and templates use."""

    EMPIRICAL = "empirical"
    EXPERT_BASED = "expert-based"
    UNSUPPORTED = "unsupported"
    SERVICE = "service"  # the label slot of a service claim, which needs none


# What each label means, in one line (the RDF export's vocabulary comments; the report's words are in
# kb/data/interface.toml and its colours and symbols in kb/templates/report.css).
MEANINGS = {
    Label.EMPIRICAL: "rests on empirical research (EBRO A1, A2, B or C)",
    Label.EXPERT_BASED: "rests on expert opinion, theory or handbooks only (EBRO D, or design unknown)",
    Label.UNSUPPORTED: "a clinical claim without support",
    Label.SERVICE: "practical information that needs no evidence",
}

EMPIRICAL, EXPERT_BASED, UNSUPPORTED, SERVICE = Label.EMPIRICAL, Label.EXPERT_BASED, Label.UNSUPPORTED, Label.SERVICE
WORK_LABELS = (EMPIRICAL, EXPERT_BASED)
CLAIM_LABELS = tuple(Label)

# The EBRO level (Dutch CBO system for intervention studies) of each design.
DESIGNS: dict[str, str] = {
    "systematic-review": "A1",
    "meta-analysis": "A1",
    "rct": "A2",
    "pilot-rct": "B",
    "non-randomised-comparison": "B",
    "cohort": "B",
    "case-control": "B",
    "quasi-experimental": "B",
    "cross-sectional": "C",
    "case-series": "C",
    "experimental": "C",
    "pre-post": "C",
    "narrative-review": "D",
    "theory": "D",
    "handbook-chapter": "D",
    "book": "D",
    "expert-opinion": "D",
    "clinical-report": "D",
    "unknown": "",
}
EBRO_ORDER = ("A1", "A2", "B", "C", "D", "")


@dataclass(frozen=True, slots=True)
class WorkLabel:
    """What kind of evidence a work is."""

    label: Label  # empirical or expert-based
    ebro: str  # A1, A2, B, C, D, or "" when the design is unknown
    reason: str  # e.g. "meta-analysis, EBRO A1"


@dataclass(frozen=True, slots=True)
class ClaimLabel:
    """What a claim rests on."""

    label: Label  # empirical, expert-based, unsupported, or service
    reason: str  # e.g. "empirical: koch2014, meta-analysis, EBRO A1"
    strongest: str  # best EBRO level among the supporting works, "" if none


_LABELED: dict[tuple[str, str, str], WorkLabel] = {}  # (design, evidence, evidencereason) -> the label they give


def label_work(work: Work) -> WorkLabel:
    """A work's label, from its design and override alone: made once for the works that share them
    (a bibliography of 10,000 works has a few dozen), as the audit of one leaflet labels them all."""
    fields = work.fields
    override = fields.get("evidence", "")
    key = (fields.get("design", ""), override, fields.get("evidencereason", "") if override in WORK_LABELS else "")
    found = _LABELED.get(key)
    if found is None:
        found = _LABELED[key] = _label(*key)
    return found


def _label(design: str, override: str, reason: str) -> WorkLabel:
    ebro = DESIGNS.get(design, "")
    if override in WORK_LABELS:
        why = reason or "set in the record"
        default = _by_level(ebro) if design in DESIGNS and design != "unknown" else ""
        if override != default:
            return WorkLabel(Label(override), ebro, f"{_design_text(design, ebro)}; {override} by override: {why}")
    if design in DESIGNS and design != "unknown":
        return WorkLabel(_by_level(ebro), ebro, _design_text(design, ebro))
    # Unknown or missing design: nothing shows the work is empirical.
    return WorkLabel(EXPERT_BASED, ebro, f"{_design_text(design, ebro)}; treated as expert-based until identified")


def _by_level(ebro: str) -> Label:
    return EMPIRICAL if ebro in ("A1", "A2", "B", "C") else EXPERT_BASED


def _design_text(design: str, ebro: str) -> str:
    if not design:
        return "design not given"
    if design not in DESIGNS:
        return f"design '{design}' not in the vocabulary"
    if not ebro:
        return "design unknown"
    return f"{design}, EBRO {ebro}"


def _work_phrase(key: str, work: Work | None, label: WorkLabel | None) -> str:
    if work is None or label is None:
        return f"{key} (not in references.bib)"
    n = work.get("n")
    size = f", n = {n}" if n and n[:1].isdigit() else ""
    return f"{key}, {work.design or 'design not given'}{size}" + (f", EBRO {label.ebro}" if label.ebro else "")


def label_claim(claim: Claim, works: dict[str, Work], work_labels: dict[str, WorkLabel]) -> ClaimLabel:
    """The DESIGN.md rule; a link still `unassessed` counts as support, taken at face value."""
    if claim.kind == "service":
        return ClaimLabel(SERVICE, "service information: needs no evidence", "")
    supporting = [s for s in claim.sources if s.fit in SUPPORTING_FITS and s.key in works]
    empirical = [s for s in supporting if work_labels[s.key].label == EMPIRICAL]
    if empirical:
        empirical.sort(key=lambda s: EBRO_ORDER.index(work_labels[s.key].ebro))
        phrases = "; ".join(_work_phrase(s.key, works[s.key], work_labels[s.key]) + f" ({s.fit})"
                            for s in empirical)
        return ClaimLabel(EMPIRICAL, f"empirical: {phrases}", work_labels[empirical[0].key].ebro)
    if supporting:
        phrases = "; ".join(_work_phrase(s.key, works[s.key], work_labels[s.key]) + f" ({s.fit})"
                            for s in supporting)
        return ClaimLabel(EXPERT_BASED, f"expert-based: {phrases}", "D")
    if not claim.sources:
        return ClaimLabel(UNSUPPORTED, "unsupported: the leaflet cites no source for this claim", "")
    parts = []
    for source in claim.sources:
        if source.key not in works:
            parts.append(f"{source.key} is not in references.bib")
        else:
            parts.append(f"{source.key} does not say this ({source.fit})")
    return ClaimLabel(UNSUPPORTED, "unsupported: " + "; ".join(parts), "")


@dataclass(frozen=True)
class Labels:
    """Every label of a knowledge base, derived once; the graph and every output read them here."""

    works: dict[str, WorkLabel]  # work key -> its label
    claims: dict[str, ClaimLabel]  # claim id -> its label (the first claim of an id used twice)


def label_all(works: dict[str, Work], documents: Iterable[Document]) -> Labels:
    work_labels = {key: label_work(work) for key, work in works.items()}
    return Labels(work_labels, label_claims(documents, works, work_labels))


def label_claims(documents: Iterable[Document], works: dict[str, Work],
                 work_labels: dict[str, WorkLabel]) -> dict[str, ClaimLabel]:
    """Claim id -> its label (the first claim of an id used twice). A label depends on the claim's
    kind and its sources' keys and fits alone: claims that share them share one label."""
    claim_labels: dict[str, ClaimLabel] = {}
    known: dict[tuple[object, ...], ClaimLabel] = {}
    for document in documents:
        for claim in document.claims:
            if claim.id in claim_labels:
                continue
            grounds = (claim.kind, *((s.key, s.fit) for s in claim.sources))
            found = known.get(grounds)
            if found is None:
                found = known[grounds] = label_claim(claim, works, work_labels)
            claim_labels[claim.id] = found
    return claim_labels
