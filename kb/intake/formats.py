"""Records read from an export into `Draft`s: BibTeX, RIS, CSL-JSON, or a list of DOIs.

The format is chosen by the file's extension (.bib, .ris, .json, .txt) and, where that says
nothing, by its content. BibTeX goes through the KB's own reader (kb/bibliography.py); RIS through
rispy; CSL-JSON (Zotero's and pandoc's) is a JSON list of items, or one item. A list of DOIs, one a line (bare,
doi:..., or https://doi.org/...), is looked up at Crossref through kb verify's client: a DOI
Crossref does not know, or a lookup that fails, is reported and no record is made of it.
A file that cannot be read is one located error, and nothing is drafted from it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from kb import bibliography
from kb.findings import UNREADABLE_INPUT, UNREADABLE_RULES, Finding, Location, Rule, Severity
from kb.intake.model import Draft
from kb.paths import LOOSE

DOI_NOT_FOUND = Rule("doi-not-found", Severity.ERROR,
                     "a DOI of an imported list that Crossref does not know, or that could not be looked up")

FORMATS = ("bibtex", "ris", "csljson", "doi")
_EXTENSIONS = {".bib": "bibtex", ".bibtex": "bibtex", ".ris": "ris", ".json": "csljson", ".csljson": "csljson"}
_DOI_LINE = re.compile(r"^\s*(?:https?://(?:dx\.)?doi\.org/|doi:\s*)?(10\.\d{4,9}/\S+)\s*$", re.IGNORECASE)
_RIS_TAG = re.compile(r"^[A-Z][A-Z0-9]  - ?", re.MULTILINE)
_RIS_TYPES = {"JOUR": "article", "JFULL": "article", "MGZN": "article", "NEWS": "article", "EJOUR": "article",
              "BOOK": "book", "EBOOK": "book", "EDBOOK": "book", "CHAP": "incollection", "ECHAP": "incollection",
              "RPRT": "techreport", "THES": "phdthesis", "ELEC": "online", "WEB": "online", "BLOG": "online",
              "CONF": "inproceedings", "CPAPER": "inproceedings"}
_CSL_TYPES = {"article-journal": "article", "article-magazine": "article", "article-newspaper": "article",
              "article": "article", "book": "book", "chapter": "incollection", "report": "techreport",
              "thesis": "phdthesis", "webpage": "online", "post-weblog": "online", "paper-conference": "inproceedings"}
_CONTAINER = ("journal", "journaltitle", "booktitle", "organization", "howpublished")
_MAPPED = frozenset({"author", "editor", "year", "title", *_CONTAINER, "volume", "number", "pages", "doi", "url",
                     "publisher", "institution", "school", "printed", "verificationstatus"})

# A DOI -> its Draft, or the reason there is none ("Crossref does not know it", "timeout").
Lookup = Callable[[str], "Draft | str"]


def sniff(path: Path, text: str) -> str:
    """The format of an import file: by extension first, then by what it holds."""
    chosen = _EXTENSIONS.get(path.suffix.lower())
    if chosen:
        return chosen
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if lines and all(_DOI_LINE.match(line) for line in lines):
        return "doi"
    if re.search(r"^TY  - ", text, re.MULTILINE):
        return "ris"
    if text.lstrip().startswith(("[", "{")):
        return "csljson"
    if re.search(r"^\s*@\s*[A-Za-z]+\s*[{(]", text, re.MULTILINE):
        return "bibtex"
    return "doi"  # a plain .txt: each line must then be a DOI, and a line that is not one is located


def read(path: Path, shown: str, lookup: Lookup | None = None) -> tuple[list[Draft], list[Finding]]:
    """The drafts of one import file. Findings of UNREADABLE_RULES mean nothing was read."""
    text = LOOSE.read_text(path, shown)
    if isinstance(text, Finding):
        return [], [text]
    fmt = sniff(path, text)
    if fmt == "bibtex":
        return read_bibtex(text, path, shown)
    if fmt == "ris":
        return read_ris(text, shown)
    if fmt == "csljson":
        return read_csljson(text, shown)
    return read_dois(text, shown, lookup)


def _bad(shown: str, line: int, message: str) -> list[Finding]:
    return [UNREADABLE_INPUT.finding(Location(shown, line), message)]


# BibTeX.


def read_bibtex(text: str, path: Path, shown: str) -> tuple[list[Draft], list[Finding]]:
    bib, findings = bibliography.parse(text, path, shown)
    if any(f.rule in UNREADABLE_RULES for f in findings):
        return [], findings
    if not bib.works and text.strip():
        return [], _bad(shown, 1, "no BibTeX entry in this file")
    drafts = []
    for work in bib.works.values():
        fields = work.fields
        extra = {name: value for name, value in fields.items() if name not in _MAPPED and value}
        drafts.append(Draft(
            entry_type=work.entry_type, authors=tuple((n.family, n.first) for n in work.authors),
            year=work.year, title=work.title, container=next((fields[n] for n in _CONTAINER if fields.get(n)), ""),
            volume=fields.get("volume", ""), issue=fields.get("number", ""), pages=fields.get("pages", "").replace("--", "-"),
            doi=fields.get("doi", "").lower(), url=fields.get("url", ""),
            publisher=fields.get("publisher") or fields.get("institution") or fields.get("school", ""),
            editors=tuple((n.family, n.first) for n in work.editors), printed=fields.get("printed", ""),
            extra=extra, status=fields.get("verificationstatus", "listed"), source=f"{shown}:{work.line}"))
    return drafts, [f for f in findings if f.rule not in UNREADABLE_RULES]


# RIS.


def read_ris(text: str, shown: str) -> tuple[list[Draft], list[Finding]]:
    import rispy

    starts = [text.count("\n", 0, m.start()) + 1 for m in re.finditer(r"^TY  - ", text, re.MULTILINE)]
    first = next(((number, line) for number, line in enumerate(text.splitlines(), 1) if line.strip()), None)
    if first is not None and not _RIS_TAG.match(first[1].lstrip("\ufeff")):
        return [], _bad(shown, first[0], f"not RIS: a record starts with a tag such as 'TY  - ', not {first[1][:40]!r}")
    open_at = 0
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("TY  -"):
            if open_at:
                return [], _bad(shown, open_at, "this RIS record has no end ('ER  - ') before the next one")
            open_at = number
        elif line.startswith("ER  -"):
            open_at = 0
    if open_at:
        return [], _bad(shown, open_at, "this RIS record has no end ('ER  - ')")
    try:
        records = rispy.loads(text, skip_unknown_tags=False)
    except (OSError, ValueError, KeyError) as error:
        return [], _bad(shown, 0, f"cannot read RIS: {error}")
    if not records:
        return [], _bad(shown, 1, "no RIS record (TY  - ... ER  -) in this file")
    drafts = []
    for index, record in enumerate(records):
        at = starts[index] if index < len(starts) else 0
        drafts.append(_ris_draft(record, f"{shown}:{at}"))
    return drafts, []


def _ris_names(values: Iterable[str]) -> tuple[tuple[str, str], ...]:
    names = []
    for value in values:
        family, _, given = value.partition(",")
        names.append((family.strip(), given.strip()))
    return tuple(n for n in names if n[0])


def _first(record: Mapping[str, Any], *names: str) -> str:
    for name in names:
        value = record.get(name)
        if isinstance(value, list):
            value = value[0] if value else ""
        if value:
            return str(value).strip()
    return ""


def _ris_draft(record: Mapping[str, Any], source: str) -> Draft:
    kind = _RIS_TYPES.get(str(record.get("type_of_reference", "")).upper(), "misc")
    unknown = record.get("unknown_tag") or {}
    editors = list(record.get("secondary_authors") or []) if kind in ("incollection", "book") else []
    editors += list(unknown.get("ED", [])) if isinstance(unknown, dict) else []
    year = re.match(r"\d{4}", _first(record, "year", "publication_year", "date"))
    start, end = _first(record, "start_page"), _first(record, "end_page")
    extra = {name: value for name, value in (("address", _first(record, "place_published")),
                                             ("edition", _first(record, "edition")),
                                             ("urldate", _first(record, "access_date"))) if value}
    return Draft(
        entry_type=kind, authors=_ris_names(list(record.get("authors") or []) + list(record.get("first_authors") or [])),
        year=year.group(0) if year else "", title=_first(record, "title", "primary_title"),
        container=_first(record, "secondary_title", "journal_name", "alternate_title3", "alternate_title1")
        if kind != "book" else "",
        volume=_first(record, "volume"), issue=_first(record, "number"),
        pages=f"{start}-{end}" if start and end and start != end else start,
        doi=re.sub(r"^https?://(?:dx\.)?doi\.org/", "", _first(record, "doi")).lower(),
        url=_first(record, "urls"), publisher=_first(record, "publisher"), editors=_ris_names(editors),
        extra=extra, source=source)


# CSL-JSON.


def read_csljson(text: str, shown: str) -> tuple[list[Draft], list[Finding]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return [], _bad(shown, error.lineno, f"cannot read CSL-JSON: {error.msg} (column {error.colno})")
    items = data.get("items", [data] if "type" in data or "title" in data else None) if isinstance(data, dict) else data
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        return [], _bad(shown, 1, "not CSL-JSON: a CSL-JSON file is a list of items (objects)")
    drafts = []
    for item in items:
        ident = str(item.get("id", ""))
        at = text.find(json.dumps(ident)) if ident else -1
        line = text.count("\n", 0, at) + 1 if at >= 0 else 0
        drafts.append(_csl_draft(item, f"{shown}:{line}"))
    return drafts, []


def _csl_names(values: object) -> tuple[tuple[str, str], ...]:
    names = []
    for person in values if isinstance(values, list) else []:
        if not isinstance(person, dict):
            continue
        if person.get("literal") and not person.get("family"):
            names.append((str(person["literal"]), ""))
            continue
        particle = str(person.get("non-dropping-particle", "")).strip()
        family = " ".join(p for p in (particle, str(person.get("family", "")).strip()) if p)
        if family:
            names.append((family, str(person.get("given", "")).strip()))
    return tuple(names)


def _csl_year(item: Mapping[str, Any]) -> str:
    issued = item.get("issued")
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            return str(parts[0][0])
        raw = str(issued.get("raw", "") or issued.get("literal", ""))
        found = re.search(r"\d{4}", raw)
        return found.group(0) if found else ""
    return ""


def _csl_draft(item: Mapping[str, Any], source: str) -> Draft:
    def text(name: str) -> str:
        value = item.get(name, "")
        return str(value).strip() if isinstance(value, (str, int, float)) else ""

    extra = {name: text(key) for name, key in (("address", "publisher-place"), ("edition", "edition"),
                                               ("note", "note")) if text(key)}
    return Draft(
        entry_type=_CSL_TYPES.get(text("type"), "misc"), authors=_csl_names(item.get("author")), year=_csl_year(item),
        title=text("title"), container=text("container-title"), volume=text("volume"), issue=text("issue"),
        pages=re.sub(r"\s*[-–]+\s*", "-", text("page")), doi=text("DOI").lower(), url=text("URL"),
        publisher=text("publisher"), editors=_csl_names(item.get("editor")), extra=extra, source=source)


# A list of DOIs.


def read_dois(text: str, shown: str, lookup: Lookup | None) -> tuple[list[Draft], list[Finding]]:
    dois: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        found = _DOI_LINE.match(line)
        if found is None:
            return [], _bad(shown, number, f"not a DOI: {line.strip()[:60]!r} (a DOI list holds one DOI a line, "
                                           "10.xxxx/..., doi:... or https://doi.org/...)")
        dois.append((number, found.group(1).rstrip(".").lower()))
    if not dois:
        return [], _bad(shown, 1, "no DOI in this file")
    drafts, findings = [], []
    for number, doi in dois:
        if lookup is None:
            found_draft: Draft | str = "no service to look it up"
        else:
            found_draft = lookup(doi)
        if isinstance(found_draft, str):
            findings.append(DOI_NOT_FOUND.finding(Location(shown, number), f"{doi}: {found_draft}; no record is made of it"))
        else:
            drafts.append(Draft(**{**_fields(found_draft), "source": f"{shown}:{number}"}))
    return drafts, findings


def _fields(draft: Draft) -> dict[str, Any]:
    return {name: getattr(draft, name) for name in Draft.__dataclass_fields__}


def crossref_draft(message: Mapping[str, Any], doi: str, date: str) -> Draft:
    """A draft of Crossref's record of `doi` (its `message`), marked as taken from Crossref."""
    from kb.verify.services import crossref_candidate

    candidate = crossref_candidate(message)
    authors = []
    for person in message.get("author") or []:
        if isinstance(person, dict):
            family = str(person.get("family") or person.get("name") or "").strip()
            if family:
                authors.append((family, str(person.get("given", "")).strip()))
    editors = tuple((str(p.get("family", "")).strip(), str(p.get("given", "")).strip())
                    for p in message.get("editor") or [] if isinstance(p, dict) and p.get("family"))
    publisher = str(message.get("publisher", "")).strip()
    return Draft(
        entry_type=candidate.entry_type or "misc", authors=tuple(authors), year=candidate.year, title=candidate.title,
        container=candidate.container, volume=candidate.volume, issue=candidate.issue, pages=candidate.pages,
        doi=candidate.doi or doi, publisher=publisher, editors=editors, status="verified",
        extra={"verification": f"verified: Crossref's record of doi:{doi}, fetched {date} (kb import)"})


def crossref_lookup(fetch: Callable[[str, str, Mapping[str, str]], Any]) -> Lookup:
    """A `Lookup` that asks Crossref through `fetch` (a kb.verify.http.Client)."""
    from kb.verify.model import LookupFailed

    def lookup(doi: str) -> Draft | str:
        try:
            fetched = fetch("crossref", f"works/{doi}", {})
        except LookupFailed as error:
            return f"Crossref could not be asked ({error})"
        body = getattr(fetched, "body", None)
        message = body.get("message") if isinstance(body, dict) else None
        if not isinstance(message, dict):
            return "Crossref does not know this DOI"
        return crossref_draft(message, doi, getattr(fetched, "date", ""))

    return lookup

