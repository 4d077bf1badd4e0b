"""Strength: each clinical claim's EBRO conclusion level and a GRADE-like certainty, with reasons.

The conclusion level follows the table of richtlijnendatabase.nl (application/notitie/27, see
the README's "How strong"): 1 = one A1 study, or two independent A2 studies; 2 = one A2 study,
or two independent B studies; 3 = one B or C study; 4 = expert opinion (D) only. Each linked
work counts at its EBRO study level (kb/labels.py DESIGNS), one level lower for a `partial` or
`indirect` fit; `not-addressed`, a retracted work and a work missing from references.bib never
count. The certainty starts from the deciding works' design and goes down a step for each of
risk of bias, indirectness, imprecision, inconsistency and an unverified record. It is the
KB's own reading of its records, not a GRADE panel's judgement of an outcome.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from kb.bibliography import Work
from kb.claims import Claim, Source
from kb.labels import DESIGNS
from kb.verify.evidence import Evidence

STUDY_LEVELS = ("A1", "A2", "B", "C", "D")  # EBRO study levels, strongest first
CERTAINTIES = ("high", "moderate", "low", "very-low")  # strongest first
LEVELS = (1, 2, 3, 4)
# What each conclusion level rests on, in the words of the pinned EBRO table (notitie/27).
LEVEL_MEANINGS = {
    1: "one A1 study, or at least two independent A2 studies",
    2: "one A2 study, or at least two independent B studies",
    3: "one B or C study",
    4: "expert opinion (D) only",
}
# Where certainty starts, by design: randomised evidence high, observational low, the rest very low.
RANDOMISED = frozenset({"systematic-review", "meta-analysis", "rct", "pilot-rct"})
OBSERVATIONAL = frozenset({"non-randomised-comparison", "quasi-experimental", "cohort", "case-control",
                           "cross-sectional", "case-series", "experimental", "pre-post"})
# Risk of bias beyond what the start says: a pilot trial, allocation that was not random, a small case series.
BIASED_DESIGNS = {"pilot-rct": "a pilot trial", "non-randomised-comparison": "allocation not randomised",
                  "quasi-experimental": "allocation not randomised"}
SMALL_CASE_SERIES = 10  # a case series of fewer participants is at risk of bias
IMPRECISE_BELOW = 100  # participants over the deciding works: fewer is imprecise
UNVERIFIED = frozenset({"partly", "from-memory", "unresolved", ""})  # typed statuses below verified-core
COUNTING_FITS = ("supports", "partial", "indirect", "unassessed")
LOWERING_FITS = ("partial", "indirect")

# A fit note saying that the work's population or intervention is not the leaflet's.
_OTHER_POPULATION = re.compile(
    r"\b(?:not|no)\s+(?:PMT|patients|personality[- ]disorders?|psychomotor therapy)\b"
    r"|\b(?:another|other|different|mixed)\s+(?:populations?|interventions?)\b"
    r"|\bhealthy\s+(?:volunteers|adults|participants|people)\b"
    r"|\b(?:population|intervention)\s+differs\b", re.IGNORECASE)
# A sample size: "N = 1078" wherever it stands, else the number the field opens with, unless that
# number counts studies ("23 trials"). "not applicable" or "unknown" hold none.
_TOTAL = re.compile(r"\bN\s*=\s*(\d{1,3}(?:,\d{3})+|\d+)", re.IGNORECASE)
_LEADING = re.compile(r"\s*(\d{1,3}(?:,\d{3})+|\d+)(?!\s*(?:trials?|studies|study|papers?|articles?)\b)(?![\d,])")


@dataclass(frozen=True, slots=True)
class Strength:
    """How strong a claim's support is."""

    level: int | None  # EBRO conclusion level 1..4; None for an unsupported or non-clinical claim
    level_reason: str  # in words, naming the works that decide it
    provisional: bool  # an unassessed fit counted
    certainty: str | None  # "high" | "moderate" | "low" | "very-low"; None where level is None
    certainty_reasons: tuple[str, ...]  # every step down, with its reason
    deciding: tuple[str, ...]  # keys of the works that decide the level


@dataclass(frozen=True)
class _Counted:
    """One work as it counts for a claim."""

    key: str
    work: Work
    source: Source  # the link it counts through (the best one when the claim cites it twice)
    study: str  # the work's own EBRO level, D for an unknown design
    counted: str  # the level it counts at, after its fit


def sample_size(value: str) -> int | None:
    """The participants a record's `n` gives ("50 (29 ..., 21 ...)" is 50, "23 trials; N = 1078" is
    1078); None when it gives no number of participants ("not applicable", "unknown", "23 trials")."""
    found = _TOTAL.search(value) or _LEADING.match(value)
    return int(found.group(1).replace(",", "")) if found else None


def first_author(work: Work) -> str:
    """The first author's family name as independence compares it; the key for an anonymous work."""
    return work.authors[0].family.casefold() if work.authors else f"key:{work.key}"


def same_study(a: Work, b: Work) -> str:
    """Why `a` and `b` are not independent ("same trial NCT0..", "same first author (Fonagy)"); ""
    when they are: different first authors and no shared `trial`."""
    trial_a, trial_b = a.get("trial").strip(), b.get("trial").strip()
    if trial_a and trial_a.casefold() == trial_b.casefold():
        return f"same trial ({trial_a})"
    if first_author(a) == first_author(b):
        return f"same first author ({a.authors[0].family})" if a.authors else "same work"
    return ""


def _studies(counted: list[_Counted]) -> list[list[_Counted]]:
    """The works grouped into independent studies: works joined by `same_study`, transitively."""
    groups: list[list[_Counted]] = []
    for item in counted:
        joined = [g for g in groups if any(same_study(item.work, other.work) for other in g)]
        merged = [item] + [x for g in joined for x in g]
        groups = [g for g in groups if g not in joined] + [merged]
    return groups


def _lower(study: str) -> str:
    """One study level lower: A1 -> A2 -> B -> C -> D; D stays D."""
    return STUDY_LEVELS[min(STUDY_LEVELS.index(study) + 1, len(STUDY_LEVELS) - 1)]


def _phrase(item: _Counted) -> str:
    design = item.work.design or "design not given"
    if not DESIGNS.get(item.work.design):
        return f"{item.key} ({design}: counted as expert opinion, D, {item.source.fit})"
    text = f"{item.key} ({design}, EBRO {item.study}, {item.source.fit}"
    if item.counted != item.study:
        text += f": counted as {item.counted}"
    return text + ")"


def _level(counted: list[_Counted]) -> tuple[int | None, list[_Counted], str]:
    """The conclusion level of `counted`, the works that decide it, and the rule that applied."""
    at = {level: [c for c in counted if c.counted == level] for level in STUDY_LEVELS}
    if at["A1"]:
        return 1, at["A1"], "an A1 study"
    if len(_studies(at["A2"])) >= 2:
        return 1, at["A2"], "two independent A2 studies"
    if at["A2"]:
        return 2, at["A2"], "one A2 study"
    if len(_studies(at["B"])) >= 2:
        return 2, at["B"], "two independent B studies"
    if at["B"] or at["C"]:
        return 3, at["B"] + at["C"], "one B or C study"
    if at["D"]:
        lowered = any(c.study != "D" for c in at["D"])
        return 4, at["D"], "no study counts above expert opinion (D)" if lowered else "expert opinion (D) only"
    return None, [], ""


def _one_study_notes(deciding: list[_Counted]) -> list[str]:
    notes = []
    for group in _studies(deciding):
        if len(group) > 1:
            group = sorted(group, key=lambda c: c.key)
            keys = [c.key for c in group]
            why = same_study(group[0].work, group[1].work) or "linked by another work"
            notes.append(f"{' and '.join(keys)} count as one study ({why})")
    return notes


def strength_of(claim: Claim, works: Mapping[str, Work], verification: Evidence | None = None) -> Strength:
    """The claim's conclusion level and certainty, each with its reasons (see the module's docstring)."""
    if claim.kind != "clinical":
        return Strength(None, "service information: no conclusion level", False, None, (), ())
    counted, left_out = _counting(claim, works, verification)
    level, deciding, rule = _level(counted)
    if level is None:
        why = "; ".join(left_out) if left_out else "the leaflet cites no source for this claim"
        return Strength(None, f"no conclusion level: {why}", False, None, (), ())
    provisional = any(c.source.fit == "unassessed" for c in deciding) and \
        _level([c for c in counted if c.source.fit != "unassessed"])[0] != level
    deciding = sorted(deciding, key=lambda c: (STUDY_LEVELS.index(c.counted), c.key))
    parts = [f"level {level}, {rule}: " + "; ".join(_phrase(c) for c in deciding)]
    parts += _one_study_notes(deciding)
    if provisional:
        parts.append("provisional: it rests on a fit not yet assessed")
    parts += left_out
    certainty, reasons = _certainty(claim, deciding, verification)
    return Strength(level, "; ".join(parts), provisional, certainty, tuple(reasons), tuple(c.key for c in deciding))


def _counting(claim: Claim, works: Mapping[str, Work],
              verification: Evidence | None) -> tuple[list[_Counted], list[str]]:
    """The works that count for the claim (each once, through its best link) and, in words, those that do not."""
    best: dict[str, _Counted] = {}
    left_out: list[str] = []
    for source in claim.sources:
        work = works.get(source.key)
        if work is None:
            left_out.append(f"{source.key} is not in references.bib")
            continue
        checked = verification.get(source.key) if verification is not None else None
        if checked is not None and checked.retracted:
            left_out.append(f"{source.key} is retracted (kb verify): not counted")
            continue
        if source.fit not in COUNTING_FITS:
            left_out.append(f"{source.key} does not say this ({source.fit}): not counted")
            continue
        study = DESIGNS.get(work.design, "") or "D"  # an unknown design counts as expert opinion
        item = _Counted(source.key, work, source, study, _lower(study) if source.fit in LOWERING_FITS else study)
        known = best.get(source.key)
        if known is None or STUDY_LEVELS.index(item.counted) < STUDY_LEVELS.index(known.counted):
            best[source.key] = item
    return list(best.values()), list(dict.fromkeys(left_out))


def _certainty(claim: Claim, deciding: list[_Counted], verification: Evidence | None) -> tuple[str, list[str]]:
    reasons: list[str] = []
    starts = {c.key: _start(c.work.design) for c in deciding}
    start = min(starts.values())
    best = [c for c in deciding if starts[c.key] == start]
    if start == 2:
        reasons.append("starts low: observational evidence (" + "; ".join(
            f"{c.key}: {c.work.design}" for c in best) + ")")
    elif start == 3:
        reasons.append("starts very low: expert opinion, theory or handbook only (" + "; ".join(
            f"{c.key}: {c.work.design or 'design not given'}" for c in best) + ")")
    steps = 0
    biased = [f"{c.key}: {why}" for c in deciding if (why := _bias(c))]
    if biased:
        steps += 1
        reasons.append("risk of bias: " + "; ".join(biased))
    indirect = [f"{c.key}: {why}" for c in deciding if (why := _indirect(c.source))]
    if indirect:
        steps += 1
        reasons.append("indirectness: " + "; ".join(indirect))
    imprecise = _imprecision(deciding)
    if imprecise:
        steps += 1
        reasons.append("imprecision: " + imprecise)
    inconsistent = _inconsistency(claim)
    if inconsistent:
        steps += 1
        reasons.append("inconsistency: " + inconsistent)
    unverified = [f"{c.key}: {why}" for c in deciding if (why := _unverified(c.work, verification))]
    if unverified:
        steps += 1
        reasons.append("not verified: " + "; ".join(unverified))
    return CERTAINTIES[min(start + steps, len(CERTAINTIES) - 1)], reasons


def _start(design: str) -> int:
    """The index in CERTAINTIES where a design starts: 0 high, 2 low, 3 very low."""
    if design in RANDOMISED:
        return 0
    return 2 if design in OBSERVATIONAL else 3


def _bias(item: _Counted) -> str:
    design = item.work.design
    if design in BIASED_DESIGNS:
        return BIASED_DESIGNS[design]
    if design == "case-series":
        n = sample_size(item.work.get("n"))
        if n is not None and n < SMALL_CASE_SERIES:
            return f"a case series of {n}"
    return ""


def _indirect(source: Source) -> str:
    if source.fit in LOWERING_FITS:
        return f"fit {source.fit}"
    if _OTHER_POPULATION.search(source.note):
        return "its note says the population or intervention differs"
    return ""


def _imprecision(deciding: list[_Counted]) -> str:
    """Said when every deciding empirical work gives its n and together they are fewer than IMPRECISE_BELOW."""
    empirical = [c for c in deciding if c.study != "D"]
    sizes = [(c.key, sample_size(c.work.get("n"))) for c in empirical]
    if not sizes or any(n is None for _, n in sizes):
        return ""
    total = sum(n for _, n in sizes if n is not None)
    if total >= IMPRECISE_BELOW:
        return ""
    return f"{total} participants in all ({', '.join(f'{key}: {n}' for key, n in sizes)}), fewer than {IMPRECISE_BELOW}"


def _inconsistency(claim: Claim) -> str:
    """The claim's own sources point different ways: one counts for it, another does not say it."""
    counting = sorted({s.key for s in claim.sources if s.fit in COUNTING_FITS})
    silent = sorted({s.key for s in claim.sources if s.fit == "not-addressed"})
    if counting and silent:
        return f"{', '.join(counting)} for it, but {', '.join(silent)} does not say this"
    return ""


def _unverified(work: Work, verification: Evidence | None) -> str:
    checked = verification.get(work.key) if verification is not None else None
    if checked is not None and checked.status == "not-found":
        return "kb verify found no such work"
    status = work.verification_status
    if status in UNVERIFIED:
        return f"verificationstatus {status}" if status else "no verificationstatus"
    return ""


def _grounds(claim: Claim) -> tuple[object, ...]:
    """All of a claim that its strength depends on: its kind, and each source's key, fit and
    whether its note says the population or intervention differs."""
    return (claim.kind, *((s.key, s.fit, bool(s.note) and _OTHER_POPULATION.search(s.note) is not None)
                          for s in claim.sources))


def strengths(works: Mapping[str, Work], claims: list[Claim], verification: Evidence | None = None) -> dict[str, Strength]:
    """Claim id -> its strength (the first claim of an id used twice), as KnowledgeBase.strengths holds them.
    Claims that cite the same works with the same fits share one: each is worked out once."""
    result: dict[str, Strength] = {}
    known: dict[tuple[object, ...], Strength] = {}
    for claim in claims:
        if claim.id not in result:
            grounds = _grounds(claim)
            found = known.get(grounds)
            if found is None:
                found = known[grounds] = strength_of(claim, works, verification)
            result[claim.id] = found
    return result
