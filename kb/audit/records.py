"""Record checks: findings on the entries of references.bib, each at its entry's line.

Whether a record was verified, which fields it lacks, whether two entries are one work,
whether a DOI is well formed.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterator

from kb.audit.registry import checks, declare
from kb.bibliography import VERIFICATION_STATES, Work
from kb.findings import Finding, Location, Severity
from kb.knowledgebase import BIB_NAME, KnowledgeBase
from kb.labels import DESIGNS, WORK_LABELS

UNVERIFIED_REFERENCE = declare("unverified-reference", Severity.WARNING,
                               "a record not verified or verified-core (partly, from-memory, listed, unresolved, none), "
                               "with what was not seen")
FIELDS_FROM_MEMORY = declare("fields-from-memory", Severity.INFO,
                             "a verified or verified-core record with fields from memory, naming them")
MISSING_FIELD = declare("missing-field", Severity.ERROR,
                        "a record lacks a field its type needs, design, verificationstatus, or population and n of "
                        "an empirical design; or has a value outside the vocabulary")
DUPLICATE_REFERENCE = declare("duplicate-reference", Severity.WARNING,
                              "two records with the same DOI, or the same title and year")
MALFORMED_DOI = declare("malformed-doi", Severity.WARNING, "a doi or doiunverified that is not a bare DOI (10.xxxx/...)")
# These look at references.bib alone: they run even when a claims file cannot be read.
RECORD_RULES = (UNVERIFIED_REFERENCE, FIELDS_FROM_MEMORY, MISSING_FIELD, DUPLICATE_REFERENCE, MALFORMED_DOI)

# Statuses that count as checked against a source (the rest are reported as unverified).
VERIFIED = ("verified", "verified-core")
EMPIRICAL_LEVELS = ("A1", "A2", "B", "C")

# Required fields per entry type; a tuple is "one of these". `year` may be a BibLaTeX `date`.
REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "article": (("author",), ("title",), ("journal", "journaltitle"), ("year", "date")),
    "book": (("author", "editor"), ("title",), ("publisher",), ("year", "date")),
    "inbook": (("author", "editor"), ("title",), ("publisher",), ("year", "date")),
    "incollection": (("author",), ("title",), ("booktitle",), ("publisher",), ("year", "date")),
    "inproceedings": (("author",), ("title",), ("booktitle",), ("year", "date")),
    "phdthesis": (("author",), ("title",), ("school", "institution"), ("year", "date")),
    "mastersthesis": (("author",), ("title",), ("school", "institution"), ("year", "date")),
    "thesis": (("author",), ("title",), ("school", "institution"), ("year", "date")),
    "techreport": (("author",), ("title",), ("institution",), ("year", "date")),
    "report": (("author",), ("title",), ("institution",), ("year", "date")),
    "online": (("title",), ("url",), ("year", "date", "urldate")),
    "misc": (("title",), ("year", "date")),
}
DEFAULT_REQUIRED: tuple[tuple[str, ...], ...] = (("title",), ("year", "date"))

_DOI = re.compile(r"10\.\d{4,9}/\S+")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


def _at(work: Work) -> Location:
    return Location(BIB_NAME, work.line)


def _clauses(text: str) -> list[str]:
    """`text` cut at semicolons outside parentheses (URLs and page ranges hold some inside)."""
    clauses, depth, start = [], 0, 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == ";" and depth <= 0:
            clauses.append(text[start:index])
            start = index + 1
    clauses.append(text[start:])
    return [c.strip() for c in clauses if c.strip()]


def not_seen(verification: str) -> str:
    """What the `verification` text says was not seen in a source: its "NOT seen" clause,
    else the clause from "from memory" on; "" when it says neither."""
    clauses = _clauses(verification)
    for clause in clauses:
        if re.search(r"\bnot seen\b", clause, re.IGNORECASE):
            return clause
    for clause in clauses:
        marker = re.search(r"\bfrom memory\b", clause, re.IGNORECASE)
        if marker:
            return clause[marker.start():]
    return ""


def unverified(work: Work) -> Finding | None:
    """The unverified-reference finding of a record, None when it was checked against a source."""
    status, key = work.verification_status, work.key
    if status in VERIFIED or (status and status not in VERIFICATION_STATES):
        return None  # an unknown status is a missing-field finding
    verification = work.get("verification")
    if not status:
        message = f"{key} has no verificationstatus: nothing says whether the record was checked"
    elif not verification:
        message = f"{key} is not verified ({status}), and no verification field says what was checked"
    else:
        message = f"{key} is not verified ({status}): {not_seen(verification) or verification}"
    return UNVERIFIED_REFERENCE.finding(_at(work), message, key=key)


@checks(UNVERIFIED_REFERENCE)
def unverified_reference(kb: KnowledgeBase) -> Iterator[Finding]:
    for work in kb.works.values():
        finding = unverified(work)
        if finding is not None:
            yield finding


@checks(FIELDS_FROM_MEMORY)
def fields_from_memory(kb: KnowledgeBase) -> Iterator[Finding]:
    for key, work in kb.works.items():
        if work.verification_status not in VERIFIED:
            continue
        for clause in _clauses(work.get("verification")):
            marker = re.search(r"\bfrom memory\b", clause, re.IGNORECASE)
            if marker:
                yield FIELDS_FROM_MEMORY.finding(_at(work), f"{key} is {work.verification_status}, but not every field was seen in a source: "
                              f"{clause[marker.start():]}", key=key)
                break


def _present(work: Work, name: str) -> bool:
    if name == "author":
        return bool(work.authors)
    if name == "editor":
        return bool(work.editors)
    return bool(work.get(name).strip())


@checks(MISSING_FIELD)
def missing_field(kb: KnowledgeBase) -> Iterator[Finding]:
    for key, work in kb.works.items():
        required = REQUIRED.get(work.entry_type, DEFAULT_REQUIRED)
        missing = [" or ".join(n for n in names if n not in ("date", "urldate"))
                   for names in required if not any(_present(work, n) for n in names)]
        design = work.design
        missing += [name for name in ("design", "verificationstatus") if not work.get(name)]
        if DESIGNS.get(design, "") in EMPIRICAL_LEVELS:
            missing += [name for name in ("population", "n") if not work.get(name)]
        if missing:
            yield MISSING_FIELD.finding(_at(work), f"{key} ({work.entry_type}) lacks {', '.join(missing)}", key=key)
        if design and design not in DESIGNS:
            close = difflib.get_close_matches(design.lower(), list(DESIGNS), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else " (see the README's design table)"
            yield MISSING_FIELD.finding(_at(work), f"{key}: design '{design}' is not in the design vocabulary{hint}", key=key)
        status = work.verification_status
        if status and status not in VERIFICATION_STATES:
            yield MISSING_FIELD.finding(_at(work), f"{key}: verificationstatus '{status}' is not one of {', '.join(VERIFICATION_STATES)}",
                          key=key)
        evidence = work.get("evidence")
        if evidence and evidence not in WORK_LABELS:
            yield MISSING_FIELD.finding(_at(work), f"{key}: evidence '{evidence}' is not one of {', '.join(WORK_LABELS)}", key=key)


def normal_doi(value: str) -> str:
    return _DOI_PREFIX.sub("", value.strip()).strip().lower()


def normal_title(title: str) -> str:
    """Case, accents, punctuation and spacing taken out, so that trivially different copies meet."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", title) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", plain.casefold()).split())


@checks(DUPLICATE_REFERENCE)
def duplicate_reference(kb: KnowledgeBase) -> Iterator[Finding]:
    dois: dict[str, Work] = {}
    titles: dict[tuple[str, str], Work] = {}
    for key, work in kb.works.items():
        duplicate: tuple[Work, str] | None = None
        for value in (work.doi, work.get("doiunverified")):
            doi = normal_doi(value)
            if doi:
                seen = dois.setdefault(doi, work)
                if seen is not work and duplicate is None:
                    duplicate = (seen, f"same DOI {doi}")
        title = normal_title(work.title)
        # A title in brackets describes an unidentified work; two such are not one work.
        if title and not work.title.lstrip().startswith("["):
            seen = titles.setdefault((title, work.year), work)
            if seen is not work and duplicate is None:
                duplicate = (seen, f"same title and year ({work.year})")
        if duplicate is not None:
            first, reason = duplicate
            yield DUPLICATE_REFERENCE.finding(_at(work), f"{key} duplicates {first.key} ({BIB_NAME}:{first.line}): {reason}", key=key)


@checks(MALFORMED_DOI)
def malformed_doi(kb: KnowledgeBase) -> Iterator[Finding]:
    for key, work in kb.works.items():
        for name in ("doi", "doiunverified"):
            value = work.get(name).strip()
            if not value or _DOI.fullmatch(value):
                continue
            bare = _DOI_PREFIX.sub("", value).strip()
            advice = f"write the bare DOI {bare}" if _DOI.fullmatch(bare) else "a DOI looks like 10.1000/xyz"
            yield MALFORMED_DOI.finding(_at(work), f"{key}: {name} '{value}' is not a DOI; {advice}", key=key)
