"""Verification rules: what `kb verify` found (verification.json), each at its record's line.

Read from the file `kb verify` wrote, never from a service: the audit does not go online. A
record never looked up gives nothing here; a lookup that failed is never taken for a verdict.
"""

from __future__ import annotations

from collections.abc import Iterator

from kb.audit.claims import claims_of
from kb.audit.records import normal_doi
from kb.audit.registry import checks, declare
from kb.bibliography import Work
from kb.claims import SUPPORTING_FITS
from kb.findings import Finding, Location, Severity
from kb.knowledgebase import BIB_NAME, KnowledgeBase
from kb.verify.evidence import VERIFICATION_NAME
from kb.verify.model import RecordResult, Retraction

RETRACTED_WORK = declare("retracted-work", Severity.ERROR,
                         "kb verify found a retraction (or withdrawal) notice for the work: source, notice, date, "
                         "and the claims resting on it")
CORRECTED_WORK = declare("corrected-work", Severity.INFO,
                         "kb verify found a correction, erratum or expression of concern for the work")
STATUS_DISAGREES = declare("status-disagrees", Severity.WARNING,
                           "the typed verificationstatus claims more than kb verify found (typed verified, "
                           "computed verified-core or not-found)")
DOI_MISMATCH = declare("doi-mismatch", Severity.ERROR, "a DOI of the record resolves to a different work")
RECALLED_DOI_CONFIRMED = declare("recalled-doi-confirmed", Severity.INFO,
                                 "a recalled doiunverified that a service confirmed: it can move to doi")
METADATA_DIFFERS = declare("metadata-differs", Severity.WARNING,
                           "fields of a record that differ from the service's record of the work, with its values")
DESIGN_SUGGESTION = declare("design-suggestion", Severity.INFO,
                            "PubMed's publication types suggest a design where the record's is unknown or another")
STALE_VERIFICATION = declare("stale-verification", Severity.INFO,
                             "a record of verification.json whose key references.bib no longer has")

# How much a status says was seen in a source; the typed one may not claim more than the computed.
# A lookup that failed says nothing, so it is absent: it never disagrees.
RANK = {"verified": 4, "verified-core": 3, "partly": 2, "ambiguous": 2, "from-memory": 1, "listed": 1, "unresolved": 1,
        "not-found": 1}
CONFIDENT = ("verified", "verified-core")  # a computed status whose match is certain


def _at(work: Work) -> Location:
    return Location(BIB_NAME, work.line)


def looked_up(kb: KnowledgeBase) -> Iterator[tuple[Work, RecordResult]]:
    """Every work of references.bib that verification.json holds a record of, in file order."""
    if kb.verification is None:
        return
    for key, work in kb.works.items():
        result = kb.verification.get(key)
        if result is not None:
            yield work, result


def resting_on(kb: KnowledgeBase) -> dict[str, list[str]]:
    """Work key -> the ids of the claims resting on it (a supporting fit, unassessed included), each once."""
    resting: dict[str, list[str]] = {}
    for _, claim in claims_of(kb):
        for source in claim.sources:
            if source.fit in SUPPORTING_FITS and claim.id not in resting.setdefault(source.key, []):
                resting[source.key].append(claim.id)
    return resting


def retracted(kb: KnowledgeBase) -> dict[str, RecordResult]:
    """Work key -> its verification record, for the works kb verify found retracted."""
    found = kb.memo.get("retracted")
    if found is None:
        found = kb.memo["retracted"] = {work.key: result for work, result in looked_up(kb) if result.retracted}
    return found  # type: ignore[no-any-return]


def notice(retraction: Retraction) -> str:
    """A notice in words: `retraction (Crossref, notice 10.x/y, 2020-03-01)`."""
    details = [retraction.source]
    if retraction.notice:
        details.append(f"notice {retraction.notice}")
    if retraction.date:
        details.append(retraction.date)
    return f"{retraction.type.replace('-', ' ')} ({', '.join(details)})"


@checks(RETRACTED_WORK)
def retracted_work(kb: KnowledgeBase) -> Iterator[Finding]:
    resting = resting_on(kb)
    for key, result in retracted(kb).items():
        notices = "; ".join(notice(r) for r in result.retractions if r.retracts)
        claims = resting.get(key, [])
        rests = (f"claim{'s' if len(claims) != 1 else ''} resting on it: {', '.join(claims)}" if claims
                 else "no claim rests on it")
        yield RETRACTED_WORK.finding(_at(kb.works[key]), f"{key} is retracted: {notices}; {rests}", key=key)


@checks(CORRECTED_WORK)
def corrected_work(kb: KnowledgeBase) -> Iterator[Finding]:
    for work, result in looked_up(kb):
        others = [r for r in result.retractions if not r.retracts]
        if others:
            said = "a notice" if len(others) == 1 else "notices"
            yield CORRECTED_WORK.finding(_at(work), f"{work.key} has {said}: {'; '.join(notice(r) for r in others)}",
                                         key=work.key)


# Works the services often do not list, in the words a finding uses.
_OFTEN_ABSENT = {"book": "book", "incollection": "book chapter", "inbook": "book chapter", "phdthesis": "thesis",
                 "mastersthesis": "thesis", "techreport": "report", "online": "web page", "misc": "work of this type"}


@checks(STATUS_DISAGREES)
def status_disagrees(kb: KnowledgeBase) -> Iterator[Finding]:
    for work, result in looked_up(kb):
        typed, computed = work.verification_status, result.status
        if typed not in RANK or computed not in RANK or RANK[typed] <= RANK[computed]:
            continue
        why = f": {result.reason}" if result.reason else ""
        if computed == "not-found" and work.entry_type not in ("article", "inproceedings"):
            what = _OFTEN_ABSENT.get(work.entry_type, "work of this type")
            why += f" (a {what} is often absent from these services: check the source the record names first)"
        yield STATUS_DISAGREES.finding(_at(work), f"{work.key} is typed {typed}, but kb verify found it "
                                       f"{computed}{why}", key=work.key)


@checks(DOI_MISMATCH)
def doi_mismatch(kb: KnowledgeBase) -> Iterator[Finding]:
    for work, result in looked_up(kb):
        if not result.doi_resolves_to_other:
            continue
        named = [f"{name} {work.get(name)}" for name in ("doi", "doiunverified") if work.get(name)]
        service = next((lookup.service for lookup in result.lookups if lookup.query.startswith("doi:")), "a service")
        yield DOI_MISMATCH.finding(_at(work), f"{work.key}: {' and '.join(named) or 'its DOI'} is another work at "
                                   f"{service}: '{result.doi_resolves_to_other}'", key=work.key)


def confirmed_doi(work: Work, result: RecordResult) -> str:
    """The record's recalled doiunverified when a service confirmed it (a suggestion to move it to
    doi, or a matching DOI of a certain match); "" otherwise."""
    recalled = normal_doi(work.get("doiunverified"))
    if not recalled or work.doi or result.doi_resolves_to_other:
        return ""
    suggested = any(s.field == "doi" and normal_doi(s.value) == recalled for s in result.suggestions)
    verdict = result.fields.get("doi")
    matched = (result.status in CONFIDENT and verdict is not None and verdict.verdict == "match"
               and normal_doi(verdict.theirs or verdict.ours) == recalled)
    return work.get("doiunverified") if suggested or matched else ""


@checks(RECALLED_DOI_CONFIRMED)
def recalled_doi_confirmed(kb: KnowledgeBase) -> Iterator[Finding]:
    for work, result in looked_up(kb):
        doi = confirmed_doi(work, result)
        if doi:
            yield RECALLED_DOI_CONFIRMED.finding(
                _at(work), f"{work.key}: the recalled DOI {doi} is confirmed by {result.matched or 'a service'}",
                key=work.key, suggestion="move it from doiunverified to doi (kb verify --diff shows the change)")


@checks(METADATA_DIFFERS)
def metadata_differs(kb: KnowledgeBase) -> Iterator[Finding]:
    for work, result in looked_up(kb):
        if result.status not in CONFIDENT:
            continue  # without a certain match, another work's fields say nothing about this one
        differing = [(name, verdict) for name, verdict in result.fields.items() if verdict.verdict == "differs"]
        if not differing:
            continue
        parts = []
        for name, verdict in differing:
            whose = verdict.service or "the service"
            note = f" ({verdict.note})" if verdict.note else ""
            parts.append(f"{name} '{verdict.ours}', {whose} '{verdict.theirs}'{note}")
        yield METADATA_DIFFERS.finding(_at(work), f"{work.key} differs from {result.matched or 'the service'}: "
                                       + "; ".join(parts), key=work.key)


@checks(DESIGN_SUGGESTION)
def design_suggestion(kb: KnowledgeBase) -> Iterator[Finding]:
    for work, result in looked_up(kb):
        for suggestion in result.suggestions:
            if suggestion.field == "design" and suggestion.value != work.design:
                typed = f"design is {work.design}" if work.design else "no design is given"
                why = f" ({suggestion.reason})" if suggestion.reason else ""
                yield DESIGN_SUGGESTION.finding(_at(work), f"{work.key}: {typed}; kb verify suggests "
                                                f"{suggestion.value}{why}", key=work.key,
                                                suggestion=f"design = {{{suggestion.value}}}")


@checks(STALE_VERIFICATION)
def stale_verification(kb: KnowledgeBase) -> Iterator[Finding]:
    if kb.verification is None:
        return
    for key in kb.verification:
        if key not in kb.works:
            yield STALE_VERIFICATION.finding(Location(VERIFICATION_NAME, kb.verification.lines.get(key, 0)),
                                             f"a record of {key}, which references.bib no longer has; the next "
                                             "kb verify over every record leaves it out", key=key)
