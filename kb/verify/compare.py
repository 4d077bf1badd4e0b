"""A record against what the services answered: field verdicts, the candidate that is the work,
the computed status, retraction notices and suggestions (a `RecordResult`).

How a candidate is judged to be the record's work (numbers chosen on bench/verify_eval.py's
labelled records; see bench/verify_eval/README.md for the figures):

- title similarity: difflib's ratio of the normalised titles (case, accents, LaTeX, markup and
  punctuation gone; either part of a bracketed translation; a subtitle missing on one side).
  `TITLE_MATCH` (0.90) or more is a matching title.
- identity is certain when
  * the title matches and our first author is the service's first (or among its authors: two
    names swapped), and the years are at most one apart or the title is near identical
    (`TITLE_SURE`, 0.97: a wrong year is then a differing field), or
  * the record's DOI (`doi` or `doiunverified`) names the candidate and the candidate agrees on
    the title (`TITLE_DOI`, 0.75) or on first author and year.
- a DOI whose record agrees on none of this (title below `TITLE_OTHER`, 0.50, or first author
  different and title below `TITLE_DOI`) is another work: `doi_resolves_to_other`.
- candidates that are the work are grouped (same DOI, or the same title and a year at most one
  apart: one work seen by several services); two groups whose scores are within `TIE` (0.05)
  make the record `ambiguous`.

Status: `verified` when title, authors, year, container (not for a book, thesis or report that
names none) and the record's DOI match a service record and no other field differs; `verified-core` when identity is certain but fields differ
or are missing (named in `reason`); `not-found` when every service answered and nothing was the
work; `lookup-failed` when a service failed and no other found the work; `ambiguous` as above.
A field matches when any service's record of the work agrees ("a service record").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from kb.bibliography import Work
from kb.verify import normalise
from kb.verify.model import FIELDS, Candidate, FieldVerdict, Lookup, RecordResult, Retraction, ServiceAnswer, Suggestion

if TYPE_CHECKING:
    from kb.verify.retractionwatch import RetractionWatch

TITLE_MATCH = 0.90
TITLE_SURE = 0.97
TITLE_DOI = 0.75
TITLE_OTHER = 0.50
TIE = 0.05

SERVICE_NAMES = {"crossref": "Crossref", "openalex": "OpenAlex", "pubmed": "PubMed"}

# BibTeX entry types that name the same kind of work (a candidate's entry_type is already a
# BibTeX type). misc, online and unpublished say nothing about the kind and agree with anything.
_TYPE_GROUPS = (
    {"article", "periodical"},
    {"book", "mvbook", "collection", "proceedings", "booklet", "manual"},
    {"incollection", "inbook", "inreference", "bookinbook"},
    {"inproceedings", "conference"},
    {"phdthesis", "mastersthesis", "thesis"},
    {"techreport", "report"},
)
_ANY_TYPE = {"misc", "online", "unpublished", ""}

# PubMed publication types -> the KB's design vocabulary (references.bib header), most specific
# first. "Clinical Trial", "Controlled Clinical Trial" and "Observational Study" are left out:
# each covers designs of different EBRO levels (randomised or not; cohort, case-control or
# cross-sectional), so they suggest nothing.
DESIGN_BY_PUBLICATION_TYPE = (
    ("Meta-Analysis", "meta-analysis"),
    ("Systematic Review", "systematic-review"),
    ("Randomized Controlled Trial", "rct"),
    ("Case Reports", "clinical-report"),
    ("Review", "narrative-review"),
    ("Editorial", "expert-opinion"),
)
# Designs a suggestion does not disagree with.
_DESIGN_AGREES = {
    "meta-analysis": {"meta-analysis", "systematic-review"},
    "systematic-review": {"systematic-review", "meta-analysis"},
    "rct": {"rct", "pilot-rct"},
    "clinical-report": {"clinical-report", "case-series"},
    "narrative-review": {"narrative-review", "theory", "systematic-review", "meta-analysis", "handbook-chapter"},
    "expert-opinion": {"expert-opinion", "theory"},
}

# BibTeX field a differing verdict suggests a change to.
_BIBTEX_FIELD = {"title": "title", "authors": "author", "year": "year", "volume": "volume", "issue": "number",
                 "pages": "pages"}


# --- field by field ---------------------------------------------------------------------------

def _container(work: Work) -> str:
    for name in ("journal", "journaltitle", "booktitle"):
        if work.get(name):
            return work.get(name)
    return ""


def _our_dois(work: Work) -> list[str]:
    return [d for d in (normalise.doi(work.get("doi")), normalise.doi(work.get("doiunverified"))) if d]


def _missing(ours: str, theirs: str, service: str) -> FieldVerdict:
    where = "our record has none" if not ours else f"{SERVICE_NAMES.get(service, service)} gives none"
    return FieldVerdict("missing", ours, theirs, where, service if theirs else "")


def _title(work: Work, c: Candidate) -> FieldVerdict:
    if not work.title or not c.title:
        return _missing(work.title, c.title, c.service)
    score, note = normalise.title_similarity(work.title, c.title)
    if score >= TITLE_MATCH:
        return FieldVerdict("match", work.title, c.title, note, c.service)
    return FieldVerdict("differs", work.title, c.title, f"similarity {score:.2f}", c.service)


def _authors(work: Work, c: Candidate) -> FieldVerdict:
    ours = [a.family for a in work.authors if a.family.casefold() != "others"]
    shortened = len(ours) < len(work.authors)  # "and others": only the names given are compared
    ours_text, theirs_text = "; ".join(ours), "; ".join(c.authors)
    if not ours or not c.authors:
        return _missing(ours_text, theirs_text, c.service)
    theirs = list(c.authors[: len(ours)]) if shortened else list(c.authors)
    paired = [any(normalise.family_matches(o, t) for t in theirs) for o in ours]
    found = [any(normalise.family_matches(o, t) for o in ours) for t in theirs]
    extra = [o for o, ok in zip(ours, paired, strict=True) if not ok]  # ours only
    lacking = [t for t, ok in zip(theirs, found, strict=True) if not ok]  # theirs only
    in_order = len(ours) == len(theirs) and all(
        normalise.family_matches(o, t) for o, t in zip(ours, theirs, strict=True))
    if in_order:
        return FieldVerdict("match", ours_text, theirs_text, "first authors only (and others)" if shortened else "",
                        c.service)
    notes = []
    if lacking:
        notes.append("missing from ours: " + ", ".join(lacking))
    if extra:
        notes.append("not at the service: " + ", ".join(extra))
    if not lacking and not extra:
        notes.append("same names in another order")
    return FieldVerdict("differs", ours_text, theirs_text, "; ".join(notes), c.service)


def _year(work: Work, c: Candidate) -> FieldVerdict:
    ours, theirs = work.year.strip(), c.year.strip()
    if not theirs and c.other_years:
        theirs = ours if ours in c.other_years else c.other_years[0]  # no main year: the others stand in
    if not ours or not theirs:
        return _missing(ours, theirs, c.service)
    if ours == theirs:
        return FieldVerdict("match", ours, theirs, "", c.service)
    name = SERVICE_NAMES.get(c.service, c.service)
    if ours in c.other_years and ours.isdigit() and theirs.isdigit() and abs(int(ours) - int(theirs)) == 1:
        first, second = sorted((ours, theirs))
        return FieldVerdict("match", ours, theirs, f"one year apart: {name} gives {first} (online first) "
                            f"and {second} (print)", c.service)
    if ours.isdigit() and theirs.isdigit() and abs(int(ours) - int(theirs)) == 1:
        return FieldVerdict("differs", ours, theirs, "one year apart", c.service)
    return FieldVerdict("differs", ours, theirs, "", c.service)


def _text_field(ours: str, theirs: str, service: str, same: bool, note: str = "") -> FieldVerdict:
    if not ours or not theirs:
        if not ours and not theirs:
            return FieldVerdict("match", "", "", "neither gives one", service)
        return _missing(ours, theirs, service)
    return FieldVerdict("match" if same else "differs", ours, theirs, note, service)


def _pages(ours: str, theirs: str, service: str) -> FieldVerdict:
    a, b = normalise.pages(ours), normalise.pages(theirs)
    if a and b and a != b and ("-" in a) != ("-" in b):
        single, ranged = (a, b) if "-" not in a else (b, a)
        if ranged.partition("-")[0] == single:
            return _text_field(ours, theirs, service, True, "first page only on one side")
    return _text_field(ours, theirs, service, a == b)


def _type(work: Work, c: Candidate) -> FieldVerdict:
    ours, theirs = work.entry_type.lower(), c.entry_type.lower()
    if not theirs:
        return _missing(ours, theirs, c.service)
    same = ours == theirs or ours in _ANY_TYPE or theirs in _ANY_TYPE or any(
        ours in group and theirs in group for group in _TYPE_GROUPS)
    return FieldVerdict("match" if same else "differs", ours, theirs, "", c.service)


def compare(work: Work, candidate: Candidate) -> dict[str, FieldVerdict]:
    """Each of FIELDS of `work` against `candidate`: match, differs (their value) or missing."""
    c = candidate
    our_doi = work.get("doi") or work.get("doiunverified")
    doi_note = "" if work.get("doi") or not our_doi else "our DOI is the recalled doiunverified"
    verdicts = {
        "title": _title(work, c),
        "authors": _authors(work, c),
        "year": _year(work, c),
        "container": _text_field(_container(work), c.container, c.service,
                                 normalise.container_matches(_container(work), c.container)),
        "volume": _text_field(work.get("volume"), c.volume, c.service,
                              normalise.number(work.get("volume")) == normalise.number(c.volume)),
        "issue": _text_field(work.get("number") or work.get("issue"), c.issue, c.service,
                             normalise.number(work.get("number") or work.get("issue")) == normalise.number(c.issue)),
        "pages": _pages(work.get("pages"), c.pages, c.service),
        "doi": _text_field(our_doi, c.doi, c.service, normalise.doi(our_doi) == normalise.doi(c.doi), doi_note),
        "type": _type(work, c),
    }
    return {name: verdicts[name] for name in FIELDS}


# --- which candidate is the work ---------------------------------------------------------------

@dataclass(frozen=True)
class _Judged:
    candidate: Candidate
    title: float  # title similarity
    first_author: bool | None  # None when either side names no author
    years_apart: int | None  # None when either side has no year
    doi_names_it: bool  # the record's DOI is the candidate's
    same_work: bool  # identity certain
    other_work: bool  # the record's DOI leads to this candidate, which is another work
    score: float


def _judge(work: Work, c: Candidate) -> _Judged:
    title, _ = normalise.title_similarity(work.title, c.title) if work.title and c.title else (0.0, "")
    ours_first = next((a.family for a in work.authors if a.family.casefold() != "others"), "")
    first: bool | None = None
    if ours_first and c.authors:
        # our first author first at the service, or among its authors (two names swapped)
        first = normalise.family_matches(ours_first, c.authors[0])
        near = first or any(normalise.family_matches(ours_first, name) for name in c.authors[1:])
    else:
        near = False
    years = [y for y in (c.year, *c.other_years) if y.isdigit()]
    apart = min(abs(int(work.year) - int(y)) for y in years) if work.year.isdigit() and years else None
    doi_names_it = bool(c.doi) and normalise.doi(c.doi) in _our_dois(work)
    by_text = title >= TITLE_MATCH and (first is not False or near) and (
        (apart is not None and apart <= 1) or title >= TITLE_SURE)
    by_doi = doi_names_it and (title >= TITLE_DOI or (near and apart is not None and apart <= 1))
    other = doi_names_it and not by_doi and (title < TITLE_OTHER or not near or not work.title)
    score = title + (0.3 if first else 0.15 if near else 0.0) + (0.2 if apart == 0 else 0.1 if apart == 1 else 0.0)
    score += 0.5 if doi_names_it else 0.0
    return _Judged(c, title, first, apart, doi_names_it, by_text or by_doi, other, score)


def _same_group(a: Candidate, b: Candidate) -> bool:
    """One work: the same DOI, or the same title, first author and year at most one apart (a
    preprint and its journal version, or two services' records without a DOI)."""
    if a.doi and b.doi and normalise.doi(a.doi) == normalise.doi(b.doi):
        return True
    close_years = a.year == b.year or not a.year or not b.year or (
        a.year.isdigit() and b.year.isdigit() and abs(int(a.year) - int(b.year)) <= 1)
    same_first = not a.authors or not b.authors or normalise.family_matches(a.authors[0], b.authors[0])
    return close_years and same_first and normalise.title_similarity(a.title, b.title)[0] >= TITLE_SURE


def _groups(judged: list[_Judged]) -> list[list[_Judged]]:
    """Candidates that are the work, grouped by the work they describe, best group first."""
    groups: list[list[_Judged]] = []
    for j in sorted((j for j in judged if j.same_work), key=lambda j: -j.score):
        for group in groups:
            if any(_same_group(j.candidate, other.candidate) for other in group):
                group.append(j)
                break
        else:
            groups.append([j])
    return groups


# --- the result -------------------------------------------------------------------------------

def _ref(c: Candidate) -> str:
    return f"{SERVICE_NAMES.get(c.service, c.service)} {c.record_id}"


def _merged(work: Work, group: list[_Judged]) -> dict[str, FieldVerdict]:
    """Field verdicts against the best candidate, where another service's record of the same work
    agrees (or has a value the first lacks) taking that one: the field matches a service record."""
    per = [compare(work, j.candidate) for j in group]
    merged = {}
    for name in FIELDS:
        verdicts = [v[name] for v in per]
        merged[name] = next((v for v in verdicts if v.verdict == "match"), None) or next(
            (v for v in verdicts if v.verdict == "differs"), verdicts[0])
        if merged[name].verdict == "missing" and merged[name].ours:
            names = sorted({SERVICE_NAMES.get(j.candidate.service, j.candidate.service) for j in group})
            merged[name] = replace(merged[name], note=" and ".join(names) + (" give" if len(names) > 1 else " gives")
                                   + " none")
    return merged


def _retractions(work: Work, group: list[_Judged], pmid: str, retraction_watch: RetractionWatch | None,
                 doi_is_other: bool = False) -> tuple[Retraction, ...]:
    """Every notice of every candidate that is the work, and the Retraction Watch index's for the
    record's DOI and PMID (not for a DOI that is another work's); one per notice and type."""
    found = [r for j in group for r in j.candidate.retractions]
    if retraction_watch is not None:
        dois = set() if doi_is_other else set(_our_dois(work))
        dois |= {normalise.doi(j.candidate.doi) for j in group if j.candidate.doi}
        for doi in sorted(dois) or [""]:
            found += retraction_watch.lookup(doi, pmid)
    seen: dict[tuple[str, str], Retraction] = {}
    for r in found:
        seen.setdefault((r.type, normalise.doi(r.notice) if r.notice else f"{r.source}:"), r)
    noticed = {t for t, notice in seen if not notice.endswith(":")}
    kept = [r for (t, notice), r in seen.items() if not notice.endswith(":") or t not in noticed]
    order = {"crossref": 0, "openalex": 1, "pubmed": 2, "retraction-watch": 3}
    return tuple(sorted(kept, key=lambda r: (r.type, order.get(r.source, 9), r.notice, r.date)))


def _design_suggestion(work: Work, group: list[_Judged]) -> Suggestion | None:
    types = {t for j in group for t in j.candidate.publication_types}
    for publication_type, design in DESIGN_BY_PUBLICATION_TYPE:
        if publication_type in types:
            if work.design in _DESIGN_AGREES.get(design, {design}):
                return None
            pmid = next((j.candidate.record_id for j in group if j.candidate.service == "pubmed"), "")
            now = f"the record's design is {work.design}" if work.design and work.design != "unknown" \
                else "the record gives no design"
            return Suggestion("design", design, f"PubMed {pmid} types it '{publication_type}'; {now}")
    return None


def _cut_short(ours: str, theirs: str) -> bool:
    """Whether the service's family names are the first of ours, in order, and fewer."""
    mine = [normalise.family_key(name) for name in ours.split("; ") if name]
    given = [normalise.family_key(name) for name in theirs.split("; ") if name]
    return 0 < len(given) < len(mine) and mine[:len(given)] == given


def _suggestions(work: Work, fields: dict[str, FieldVerdict], group: list[_Judged]) -> list[Suggestion]:
    best = group[0].candidate
    out: list[Suggestion] = []
    for name, verdict in fields.items():
        where = SERVICE_NAMES.get(verdict.service, verdict.service)
        if name == "authors" and verdict.verdict == "differs" and _cut_short(verdict.ours, verdict.theirs):
            continue  # the service lists only the first of our authors: it is short, not we wrong
        if name in _BIBTEX_FIELD and verdict.verdict == "differs":
            value = " and ".join(verdict.theirs.split("; ")) if name == "authors" else verdict.theirs
            note = f" ({verdict.note})" if verdict.note else ""
            out.append(Suggestion(_BIBTEX_FIELD[name], value, f"{where} gives {verdict.theirs!r}{note}"))
        elif name == "container" and verdict.verdict == "differs":
            bibtex = "booktitle" if work.get("booktitle") and not work.get("journal") else "journal"
            out.append(Suggestion(bibtex, verdict.theirs, f"{where} gives {verdict.theirs!r}"))
    recalled = normalise.doi(work.get("doiunverified"))
    confirmed = [j for j in group if j.candidate.doi and normalise.doi(j.candidate.doi) == recalled]
    if recalled and not work.get("doi") and confirmed:
        out.append(Suggestion("doi", recalled, f"the recalled DOI is {_ref(confirmed[0].candidate)}'s, "
                              "whose title, first author and year agree"))
    elif not work.get("doi") and not recalled and best.doi:
        with_doi = next(j.candidate for j in group if j.candidate.doi)
        out.append(Suggestion("doi", normalise.doi(with_doi.doi), f"the work's DOI at {_ref(with_doi)}"))
    pmid = next((j.candidate.pmid or j.candidate.record_id for j in group if j.candidate.service == "pubmed"), "") \
        or next((j.candidate.pmid for j in group if j.candidate.pmid), "")
    if pmid and work.get("pmid") != pmid:
        out.append(Suggestion("pmid", pmid, f"PubMed {pmid} is the work" if any(
            j.candidate.service == "pubmed" for j in group) else f"the PMID {_ref(best)} gives"))
    design = _design_suggestion(work, group)
    if design:
        out.append(design)
    return out


def _lookups(answers: Sequence[ServiceAnswer], chosen: list[_Judged], tied: list[list[_Judged]]) -> tuple[Lookup, ...]:
    out = []
    for answer in answers:
        mine = next((j.candidate for j in chosen if j.candidate.service == answer.service), None)
        in_tie = any(j.candidate.service == answer.service for group in tied for j in group)
        for lookup in answer.lookups:
            if lookup.outcome == "failed" or (answer.failed and not answer.candidates):
                out.append(replace(lookup, outcome="failed", record_id="", detail=lookup.detail or answer.failed))
            elif lookup.outcome == "not-found":  # this question had no answer; another one may have
                out.append(lookup)
            elif mine is not None:
                out.append(replace(lookup, outcome="found", record_id=mine.record_id))
            elif in_tie:
                out.append(replace(lookup, outcome="ambiguous", record_id=""))
            else:
                out.append(replace(lookup, outcome="not-found", record_id=""))
    return tuple(out)


def _names(services: Sequence[str]) -> str:
    names = [SERVICE_NAMES.get(s, s) for s in services]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def decide(work: Work, answers: Sequence[ServiceAnswer],
           retraction_watch: RetractionWatch | None = None) -> RecordResult:
    """The record's computed status from every service's answer (see the module docstring)."""
    judged = [_judge(work, c) for answer in answers for c in answer.candidates]
    groups = _groups(judged)
    others = [j for j in judged if j.other_work]
    other_title = others[0].candidate.title if others and not any(
        j.doi_names_it for g in groups for j in g) else ""
    failed = [a for a in answers if a.failed]
    base = RecordResult(key=work.key, status="not-found", typed_status=work.verification_status,
                        doi_resolves_to_other=other_title)
    unknown_dois = _unknown_dois(work, answers)
    doi_words = ""
    if other_title:
        doi_words = f"; the record's DOI is another work at {_ref(others[0].candidate)}: {other_title!r}"
    elif unknown_dois:
        knows = "knows" if len(unknown_dois) == 1 else "know"
        doi_words = f"; {_names(unknown_dois)} {knows} no record of the DOI {_our_dois(work)[0]}"

    tied = [g for g in groups[1:] if groups[0][0].score - g[0].score <= TIE] if groups else []
    pmid = work.get("pmid")
    if tied:
        lookups = _lookups(answers, [], [groups[0], *tied])
        listed = "; ".join(f"{_ref(g[0].candidate)} {g[0].candidate.title!r}" for g in [groups[0], *tied])
        return replace(base, status="ambiguous", lookups=lookups, retractions=_retractions(
            work, [], pmid, retraction_watch, bool(other_title)), reason=f"{len(tied) + 1} records match about equally: {listed}"
            + doi_words)
    if not groups:
        lookups = _lookups(answers, [], [])
        retractions = _retractions(work, [], pmid, retraction_watch, bool(other_title))
        if failed or not answers:
            why = "; ".join(f"{SERVICE_NAMES.get(a.service, a.service)} failed ({a.failed})" for a in failed) \
                or "no service was asked"
            answered = [a.service for a in answers if not a.failed]
            rest = f"; {_names(answered)} answered without a match" if answered else ""
            return replace(base, status="lookup-failed", lookups=lookups, retractions=retractions,
                           reason=why + rest + doi_words)
        return replace(base, lookups=lookups, retractions=retractions,
                       reason=f"{_names([a.service for a in answers])} answered; no record had this title, "
                       "first author and year" + doi_words)

    group = groups[0]
    fields = _merged(work, group)
    best = group[0].candidate
    pmid = pmid or next((j.candidate.pmid or j.candidate.record_id for j in group
                         if j.candidate.service == "pubmed"), "") or next(
        (j.candidate.pmid for j in group if j.candidate.pmid), "")
    # a book, thesis or report stands alone: a series name at the service is no container it lacks
    standalone = work.entry_type in _TYPE_GROUPS[1] | _TYPE_GROUPS[4] | _TYPE_GROUPS[5] and not _container(work)
    core = ["title", "authors", "year"] + ([] if standalone else ["container"]) + (["doi"] if _our_dois(work) else [])
    short = [n for n in core if fields[n].verdict != "match"]
    short += [n for n in FIELDS if n not in core and fields[n].verdict == "differs"]
    seen_at = _names(sorted({j.candidate.service for j in group}, key=lambda s: list(SERVICE_NAMES).index(s)
                            if s in SERVICE_NAMES else 9))
    how = "the record's DOI, whose record agrees on the title" if group[0].doi_names_it and any(
        fields[n].verdict != "match" for n in ("title", "authors", "year")) else "title, first author and year"
    status = "verified" if not short else "verified-core"
    if status == "verified":
        reason = f"title, authors, year and container match {_ref(best)} (seen at {seen_at})"
    else:
        listed = "; ".join(f"{n} {fields[n].verdict}" + (f" ({fields[n].note})" if fields[n].note else "")
                           for n in short)
        reason = f"identity certain from {how} at {_ref(best)} (seen at {seen_at}); {listed}"
    return replace(base, status=status, fields=fields, lookups=_lookups(answers, group, []),
                   retractions=_retractions(work, group, pmid, retraction_watch),
                   suggestions=tuple(_suggestions(work, fields, group)), reason=reason + doi_words,
                   matched=f"{best.service}:{best.record_id}")


def _unknown_dois(work: Work, answers: Sequence[ServiceAnswer]) -> list[str]:
    """The services asked for the record's DOI that returned no record of it."""
    dois = _our_dois(work)
    out = []
    for answer in answers:
        asked = [lk for lk in answer.lookups if lk.query.lower().startswith("doi:")
                 and normalise.doi(lk.query[4:]) in dois]
        if asked and not answer.failed and not any(normalise.doi(c.doi) in dois for c in answer.candidates):
            out.append(answer.service)
    return out
