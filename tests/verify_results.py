"""RecordResults as `kb verify` makes them, for the tests of what becomes of them in a KB
(verification.json, the audit, the report, --diff), built here by hand for tests/roots/tiny."""

from __future__ import annotations

from pathlib import Path

from kb.verify import evidence
from kb.verify.model import FieldVerdict, Lookup, Outcome, RecordResult, Retraction, Suggestion

DATE = "2024-05-01"


def crossref_doi(doi: str, outcome: Outcome = "found", record_id: str | None = None) -> Lookup:
    return Lookup("crossref", f"doi:{doi}", outcome, DATE, doi if record_id is None else record_id)


def smith(status: str = "verified", *, retractions: tuple[Retraction, ...] = (),
          fields: dict[str, FieldVerdict] | None = None, suggestions: tuple[Suggestion, ...] = (),
          doi_resolves_to_other: str = "") -> RecordResult:
    """smith2020 of tests/roots/tiny (typed verified), looked up by its DOI at Crossref (and, when
    `status` is not-found, not found there)."""
    if status == "not-found":
        return RecordResult(key="smith2020", status=status, typed_status="verified",
                            lookups=(crossref_doi("10.1000/test.2020.1", "not-found", ""),
                                     Lookup("openalex", "Smith 2020 Movement therapy for anxiety", "not-found", DATE)),
                            suggestions=suggestions, reason="Crossref and OpenAlex answered; neither holds this work",
                            doi_resolves_to_other=doi_resolves_to_other)
    return RecordResult(
        key="smith2020", status=status, typed_status="verified",
        fields=fields if fields is not None else {
            "title": FieldVerdict("match", "Movement therapy for anxiety: A randomised trial",
                                  "Movement therapy for anxiety: a randomised trial", service="crossref"),
            "year": FieldVerdict("match", "2020", "2020", service="crossref"),
            "doi": FieldVerdict("match", "10.1000/test.2020.1", "10.1000/test.2020.1", service="crossref")},
        lookups=(crossref_doi("10.1000/test.2020.1"),
                 Lookup("pubmed", "doi:10.1000/test.2020.1", "found", DATE, "31234567")),
        retractions=retractions, suggestions=suggestions,
        reason="title, authors and year match Crossref 10.1000/test.2020.1",
        matched="crossref:10.1000/test.2020.1", doi_resolves_to_other=doi_resolves_to_other)


def jansen(status: str = "not-found") -> RecordResult:
    """jansen2018 of tests/roots/tiny (a book, typed from-memory), looked up by a query."""
    return RecordResult(key="jansen2018", status=status, typed_status="from-memory",
                        lookups=(Lookup("crossref", "Jansen 2018 Het lichaam in therapie", "not-found", DATE),
                                 Lookup("openalex", "Jansen 2018 Het lichaam in therapie", "not-found", DATE)),
                        reason="every service answered; none holds a work of this title")


RETRACTION = Retraction("crossref", "10.1000/retraction.2022.9", "retraction", "2022-03-04")
CORRECTION = Retraction("pubmed", "38000001", "correction", "2021-01-10")


def put(folder: Path, *results: RecordResult) -> Path:
    """verification.json in the KB `folder`, as `kb verify` writes it."""
    path = folder / evidence.VERIFICATION_NAME
    evidence.write(path, results, None)
    return path
