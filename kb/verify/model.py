"""What `kb verify` learns about a record: the services' candidates, the field-by-field verdicts,
the lookups made, retraction and correction notices, and the computed status.

These shapes are a contract: `kb verify --format json` and `verification.json` print
`RecordResult.as_json()`, and the audit and the report read them back with `from_json`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

SERVICES = ("crossref", "openalex", "pubmed")

# The computed status: the KB's own vocabulary (verified, verified-core) and what only a lookup adds.
STATUSES = ("verified", "verified-core", "not-found", "ambiguous", "lookup-failed")

# The fields compared, in the order they are printed.
FIELDS = ("title", "authors", "year", "container", "volume", "issue", "pages", "doi", "type")

Verdict = Literal["match", "differs", "missing"]
# A lookup's outcome: the service answered with a match, answered with nothing that matched,
# answered with several candidates none of which is clearly the work, or did not answer.
Outcome = Literal["found", "not-found", "ambiguous", "failed"]


class LookupFailed(Exception):
    """A service did not answer usefully (down, timeout, 5xx, a body that is not JSON, too many
    429s): never a sign that the work does not exist. `str(error)` says why in a few words."""


@dataclass(frozen=True)
class Fetched:
    """A service's answer: its parsed JSON body, when it was fetched, and the URL asked."""

    body: Any  # None when the service answered 404: no such record
    date: str  # ISO 8601 date (UTC) the answer was fetched from the service, also when it comes from a cache
    url: str  # the full URL asked, parameters included (the mailto left out)


# fetch(service, path, params) -> the answer, its body None when the service answers 404 (no such
# record, e.g. an unknown DOI at Crossref; a fetch may also return None then). Raises LookupFailed. `path` is relative to the service's base
# URL from kb.toml `[verify.services]` (e.g. "works/10.1000/x" for Crossref, "esearch.fcgi" for
# PubMed's E-utilities).
Fetch = Callable[[str, str, Mapping[str, str]], Fetched | None]


@dataclass(frozen=True)
class Retraction:
    """A notice that a work was retracted, corrected, or is under an expression of concern."""

    source: str  # crossref | openalex | pubmed | retraction-watch
    notice: str  # the notice's DOI (or PMID, or URL); "" when the source names none
    type: str  # retraction | correction | expression-of-concern | withdrawal | ... (lower case, hyphens)
    date: str  # ISO 8601 date (or year-month, year) of the notice; "" when unknown
    origin: str = ""  # who deposited the notice, as the source says (Crossref: publisher, retraction-watch)

    @property
    def retracts(self) -> bool:
        return self.type in ("retraction", "withdrawal", "removal")

    def as_json(self) -> dict[str, str]:
        return {"source": self.source, "notice": self.notice, "type": self.type, "date": self.date,
                **({"origin": self.origin} if self.origin else {})}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Retraction:
        return cls(str(data["source"]), str(data.get("notice", "")), str(data["type"]), str(data.get("date", "")),
                   str(data.get("origin", "")))


@dataclass(frozen=True)
class Candidate:
    """One service's record of a work, in the KB's terms. Empty strings where the service gives nothing."""

    service: str  # crossref | openalex | pubmed
    record_id: str  # the service's own id: the DOI at Crossref, W123 at OpenAlex, the PMID at PubMed
    title: str  # as the service gives it (subtitle joined with ": "), markup removed
    authors: tuple[str, ...]  # family names, in the service's order
    year: str  # the year the service gives as the work's (Crossref: issued)
    container: str = ""  # journal or book title
    volume: str = ""
    issue: str = ""
    pages: str = ""  # "239-248" or an article number
    doi: str = ""  # lower case, no https://doi.org/
    entry_type: str = ""  # mapped to a BibTeX type: article, book, incollection, inproceedings, misc, ...
    other_years: tuple[str, ...] = ()  # other years the service gives (online first, print)
    pmid: str = ""
    publication_types: tuple[str, ...] = ()  # PubMed's, as PubMed spells them ("Randomized Controlled Trial")
    retractions: tuple[Retraction, ...] = ()  # notices this record carries (Crossref updated-by, ...)
    score: float | None = None  # the service's relevance score, where it gives one


@dataclass(frozen=True)
class ServiceAnswer:
    """What one service said about one record: the lookups made and the candidates they gave."""

    service: str
    lookups: tuple[Lookup, ...]
    candidates: tuple[Candidate, ...] = ()
    failed: str = ""  # why the service did not answer; "" when it did


@dataclass(frozen=True)
class Lookup:
    """One question asked of a service, kept as evidence anyone can re-check."""

    service: str
    query: str  # what was asked: "doi:10.1186/..." , "pmid:123", or the bibliographic query
    outcome: Outcome
    date: str  # ISO date the answer was fetched (from the cache: when it was fetched then)
    record_id: str = ""  # the matched record's id at the service; "" when none
    detail: str = ""  # for a failure: why ("HTTP 503", "timed out after 20 s")

    def as_json(self) -> dict[str, str]:
        return {"service": self.service, "query": self.query, "outcome": self.outcome, "date": self.date,
                "record_id": self.record_id, **({"detail": self.detail} if self.detail else {})}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Lookup:
        return cls(str(data["service"]), str(data["query"]), data["outcome"], str(data.get("date", "")),
                   str(data.get("record_id", "")), str(data.get("detail", "")))


@dataclass(frozen=True)
class FieldVerdict:
    verdict: Verdict
    ours: str  # the record's value ("" when it has none)
    theirs: str  # the service's value ("" when it gives none)
    note: str = ""  # e.g. "one year apart: online first 2016, print 2017"
    service: str = ""  # whose value `theirs` is

    def as_json(self) -> dict[str, str]:
        return {"verdict": self.verdict, "ours": self.ours, "theirs": self.theirs,
                **({"note": self.note} if self.note else {}), **({"service": self.service} if self.service else {})}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FieldVerdict:
        return cls(data["verdict"], str(data.get("ours", "")), str(data.get("theirs", "")),
                   str(data.get("note", "")), str(data.get("service", "")))


@dataclass(frozen=True)
class Suggestion:
    """A change the lookup suggests; never made by itself (`kb verify --diff` shows it)."""

    field: str  # the BibTeX field: doi, pmid, design, year, ...
    value: str  # the suggested value
    reason: str  # in words, naming the service

    def as_json(self) -> dict[str, str]:
        return {"field": self.field, "value": self.value, "reason": self.reason}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Suggestion:
        return cls(str(data["field"]), str(data["value"]), str(data.get("reason", "")))


@dataclass(frozen=True)
class RecordResult:
    """Everything `kb verify` found about one record of references.bib."""

    key: str
    status: str  # computed: one of STATUSES
    typed_status: str  # the record's own verificationstatus ("" when it has none)
    fields: dict[str, FieldVerdict] = field(default_factory=dict)  # FIELDS order; empty without a match
    lookups: tuple[Lookup, ...] = ()
    retractions: tuple[Retraction, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    reason: str = ""  # the status in words ("title, authors and year match Crossref 10.x; pages differ")
    matched: str = ""  # "service:record_id" of the candidate compared, "" when none
    doi_resolves_to_other: str = ""  # a DOI of the record that a service says is another work: its title there

    @property
    def retracted(self) -> bool:
        return any(r.retracts for r in self.retractions)

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key, "status": self.status, "typed_status": self.typed_status, "reason": self.reason,
            "matched": self.matched,
            "fields": {name: self.fields[name].as_json() for name in FIELDS if name in self.fields},
            "lookups": [lookup.as_json() for lookup in self.lookups],
            "retractions": [r.as_json() for r in self.retractions],
            "suggestions": [s.as_json() for s in self.suggestions],
            **({"doi_resolves_to_other": self.doi_resolves_to_other} if self.doi_resolves_to_other else {}),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RecordResult:
        return cls(
            key=str(data["key"]), status=str(data["status"]), typed_status=str(data.get("typed_status", "")),
            fields={name: FieldVerdict.from_json(value) for name, value in data.get("fields", {}).items()},
            lookups=tuple(Lookup.from_json(x) for x in data.get("lookups", [])),
            retractions=tuple(Retraction.from_json(x) for x in data.get("retractions", [])),
            suggestions=tuple(Suggestion.from_json(x) for x in data.get("suggestions", [])),
            reason=str(data.get("reason", "")), matched=str(data.get("matched", "")),
            doi_resolves_to_other=str(data.get("doi_resolves_to_other", "")),
        )
