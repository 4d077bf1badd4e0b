"""What each service is asked about a work, and its answers read into `Candidate`s.

`ask(service, work, fetch)` looks a record up in one service and returns a `ServiceAnswer`: one
`Lookup` per question asked, the candidates the answers held, and `failed` when the service did
not answer (a `LookupFailed`): then the lookups made so far are kept and nothing is called
not-found. Whether a candidate *is* the work is for the comparison to say; a lookup's outcome here
is only what the service returned (found: at least one record; not-found: a 404 or no record).

Questions asked, with paths relative to each service's base URL:

- Every DOI of the record, `doi` and the recalled `doiunverified` (exactly what needs checking),
  is asked for directly: Crossref `works/{doi}`, OpenAlex `works/doi:{doi}`, PubMed
  `esearch.fcgi` with `term={doi}[doi]`. The lookup's query names the field ("doiunverified:10.x").
- Without a DOI, or when no DOI was found, a bibliographic search from the family names, the year
  (one year either side, for online-first gaps) and the title: its English part when the title
  holds a bracketed translation, "Dutch title [English title]". A placeholder title, wholly in
  brackets ("[Chapter on ...; exact title not verified]"), is no title: the container is searched
  for instead, with the authors and year.
- PubMed's PMIDs found by `esearch.fcgi` are read with one `esummary.fcgi` per search.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kb.bibliography import Work
from kb.verify import normalise
from kb.verify.model import Candidate, Fetch, Fetched, Lookup, LookupFailed, Outcome, Retraction, ServiceAnswer

ROWS = "5"  # candidates asked for in a bibliographic search
YEAR_SLACK = 1  # years either side of the record's in a bibliographic search
TITLE_WORDS = 6  # title words put in a PubMed search

# Crossref's work types, and OpenAlex's, as BibTeX entry types.
CROSSREF_TYPES = {
    "journal-article": "article", "book": "book", "monograph": "book", "edited-book": "book",
    "reference-book": "book", "book-set": "book", "book-series": "book", "book-track": "book",
    "book-chapter": "incollection", "book-section": "incollection", "book-part": "incollection",
    "reference-entry": "incollection", "proceedings-article": "inproceedings", "proceedings": "proceedings",
    "report": "techreport", "report-series": "techreport", "dissertation": "phdthesis",
    "posted-content": "misc", "dataset": "misc", "standard": "misc", "peer-review": "misc",
    "component": "misc", "journal-issue": "misc", "journal": "misc", "other": "misc",
}
OPENALEX_TYPES = {
    "article": "article", "review": "article", "letter": "article", "editorial": "article",
    "book": "book", "book-chapter": "incollection", "dissertation": "phdthesis", "report": "techreport",
    "preprint": "misc", "dataset": "misc", "erratum": "misc", "paratext": "misc", "retraction": "misc",
    "standard": "misc", "peer-review": "misc", "other": "misc",
}
# PubMed's "Xxx in:" comments on a record that was later retracted, corrected, ...
PUBMED_NOTICES = {
    "retraction in": "retraction", "partial retraction in": "partial-retraction",
    "erratum in": "correction", "expression of concern in": "expression-of-concern",
}
# Words of a title that say nothing in a PubMed title search.
_STOPWORDS = frozenset(
    "a an the and or of in on for to with from by at as is are was were be its it into than that this these "
    "those what which who how why not no vs versus between among after before during under over about".split())
_PARTICLES = frozenset("van von der den de del della di da dos das du le la ten ter aan het op in 't".split())
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_TAG = re.compile(r"<[^>]{1,200}>")
_SPACE = re.compile(r"\s+")
_YEAR = re.compile(r"(1[5-9]|20)\d\d")
_WORD = re.compile(r"[^\W\d_][\w'-]*", re.UNICODE)
_PAGES = re.compile(r"\s*(\w+)\s*(?:-|–|—|--)\s*(\w+)\s*")
_TRANSLATION = re.compile(r"^(?P<original>.+?)\s*\[(?P<english>[^\[\]]+)\]\s*$", re.DOTALL)


def ask(service: str, work: Work, fetch: Fetch) -> ServiceAnswer:
    """What `service` (crossref, openalex or pubmed) says about `work`."""
    try:
        ask_one = _ASK[service]
    except KeyError:
        raise ValueError(f"no such service: {service!r}") from None
    return ask_one(work, fetch)


# The record, as questions.


def dois(work: Work) -> list[tuple[str, str]]:
    """(field, DOI) for `doi` and the recalled `doiunverified`, each DOI once, in that order."""
    found: list[tuple[str, str]] = []
    for name in ("doi", "doiunverified"):
        doi = normalise_doi(work.get(name))
        if doi and doi not in (d for _, d in found):
            found.append((name, doi))
    return found


def placeholder(title: str) -> bool:
    """A title wholly in brackets stands for an unknown title ("[Chapter on ...; not verified]")."""
    title = title.strip()
    return title.startswith("[") and title.endswith("]") and "[" not in title[1:]


def search_title(work: Work) -> str:
    """The title to search for: the English part of "Original [English]", none for a placeholder."""
    title = _SPACE.sub(" ", work.title).strip()
    if not title or placeholder(title):
        return ""
    translated = _TRANSLATION.match(title)
    return translated.group("english").strip() if translated else title


def search_text(work: Work) -> str:
    """What a bibliographic search looks for: the title, else the container (book or journal)."""
    return search_title(work) or _SPACE.sub(" ", work.get("booktitle") or work.get("journal")).strip()


def families(work: Work) -> list[str]:
    return [name.family for name in work.authors if name.family]


def years(work: Work) -> tuple[int, int] | None:
    """The years searched: the record's, one either side."""
    found = _YEAR.search(work.year)
    if not found:
        return None
    year = int(found.group(0))
    return year - YEAR_SLACK, year + YEAR_SLACK


# Crossref.


def crossref(work: Work, fetch: Fetch) -> ServiceAnswer:
    asking = _Asking("crossref", fetch)
    try:
        for name, doi in dois(work):
            fetched = asking.get(f"{name}:{doi}", f"works/{doi}", {})
            found = [] if fetched is None else [crossref_candidate(_message(fetched.body))]
            asking.add(f"{name}:{doi}", fetched, found)
        if not asking.found_any():
            params = crossref_search(work)
            if params:
                query = _crossref_query(params)
                fetched = asking.get(query, "works", params)
                items = [] if fetched is None else _message(fetched.body).get("items")
                if fetched is not None and not isinstance(items, list):
                    raise LookupFailed("crossref: a search answer without items")
                asking.add(query, fetched, [crossref_candidate(item) for item in items or () if isinstance(item, dict)])
    except LookupFailed as error:
        return asking.failed(error)
    return asking.answer()


def crossref_search(work: Work) -> dict[str, str]:
    """The parameters of Crossref's bibliographic search for `work`; {} when there is nothing to ask."""
    text, names, span = search_text(work), families(work), years(work)
    if not text and not names:
        return {}
    params: dict[str, str] = {}
    if text:
        params["query.bibliographic"] = text
    if names:
        params["query.author"] = " ".join(names)
    if span:
        params["filter"] = f"from-pub-date:{span[0]},until-pub-date:{span[1]}"
    params["rows"] = ROWS
    return params


def _crossref_query(params: Mapping[str, str]) -> str:
    parts = [f'bibliographic "{params["query.bibliographic"]}"'] if "query.bibliographic" in params else []
    if "query.author" in params:
        parts.append(f'author "{params["query.author"]}"')
    if "filter" in params:
        first, last = re.findall(r"\d{4}", params["filter"])
        parts.append(f"published {first}-{last}")
    return "; ".join(parts)


def crossref_candidate(item: Mapping[str, Any]) -> Candidate:
    """One Crossref work (`message`, or an item of a search) as a candidate."""
    doi = normalise_doi(_text(item.get("DOI")))
    others = [_date_year(item.get(name)) for name in ("published-print", "published-online", "published")]
    # `issued` is the work's year; a search that selected fields may leave it out: its earliest date then.
    year = _date_year(item.get("issued")) or min((y for y in others if y), default="")
    names = []
    for person in _list(item.get("author")):
        if isinstance(person, dict):
            names.append(clean(_text(person.get("family") or person.get("name"))))
    title = _first(item.get("title"))
    subtitle = _first(item.get("subtitle"))
    if subtitle and subtitle.casefold() not in title.casefold():
        title = f"{title.rstrip(' :')}: {subtitle}" if title else subtitle
    score = item.get("score")
    return Candidate(
        service="crossref", record_id=doi, title=title, authors=tuple(n for n in names if n), year=year,
        container=_first(item.get("container-title")), volume=clean(_text(item.get("volume"))),
        issue=clean(_text(item.get("issue"))),
        pages=normalise_pages(_text(item.get("page")) or _text(item.get("article-number"))), doi=doi,
        entry_type=CROSSREF_TYPES.get(_text(item.get("type")), "misc" if item.get("type") else ""),
        other_years=_others(year, others), retractions=crossref_notices(item),
        score=float(score) if isinstance(score, int | float) else None)


def crossref_notices(item: Mapping[str, Any]) -> tuple[Retraction, ...]:
    """Every `updated-by` entry (a notice about this work), and every `update-to` entry (this record
    is itself the notice: type `notice-of-<type>`, which never says the work is retracted)."""
    notices = []
    for entry in _list(item.get("updated-by")):
        if isinstance(entry, dict):
            notices.append(Retraction("crossref", normalise_doi(_text(entry.get("DOI"))), _kind(entry.get("type")),
                                      _date(entry.get("updated")), origin=_text(entry.get("source"))))
    own = normalise_doi(_text(item.get("DOI")))
    for entry in _list(item.get("update-to")):
        if isinstance(entry, dict):
            notices.append(Retraction("crossref", own, "notice-of-" + _kind(entry.get("type")),
                                      _date(entry.get("updated")), origin=_text(entry.get("source"))))
    return tuple(notices)


# OpenAlex.


def openalex(work: Work, fetch: Fetch) -> ServiceAnswer:
    asking = _Asking("openalex", fetch)
    try:
        for name, doi in dois(work):
            fetched = asking.get(f"{name}:{doi}", f"works/doi:{doi}", {})
            found = [] if fetched is None else [openalex_candidate(_object(fetched.body, "openalex"))]
            asking.add(f"{name}:{doi}", fetched, found)
        if not asking.found_any():
            params = openalex_search(work)
            if params:
                query = "; ".join(f"{k} {v}" for k, v in params.items() if k != "per-page")
                fetched = asking.get(query, "works", params)
                results = None if fetched is None else _object(fetched.body, "openalex").get("results")
                if fetched is not None and not isinstance(results, list):
                    raise LookupFailed("openalex: a search answer without results")
                asking.add(query, fetched, [openalex_candidate(r) for r in results or () if isinstance(r, dict)])
    except LookupFailed as error:
        return asking.failed(error)
    return asking.answer()


def openalex_search(work: Work) -> dict[str, str]:
    """OpenAlex's search (titles, abstracts, full texts) for `work`; the family names only when there
    is neither title nor container. {} when there is nothing to ask."""
    text = search_text(work) or " ".join(families(work))
    if not text:
        return {}
    params = {"search": text}
    span = years(work)
    if span:
        params["filter"] = f"publication_year:{span[0]}-{span[1]}"
    params["per-page"] = ROWS
    return params


def openalex_candidate(item: Mapping[str, Any]) -> Candidate:
    """One OpenAlex work as a candidate."""
    names = []
    for authorship in _list(item.get("authorships")):
        author = authorship.get("author") if isinstance(authorship, dict) else None
        shown = _text(author.get("display_name")) if isinstance(author, dict) else ""
        shown = shown or (_text(authorship.get("raw_author_name")) if isinstance(authorship, dict) else "")
        if shown:
            names.append(family_name(shown))
    location = item.get("primary_location")
    source = location.get("source") if isinstance(location, dict) else None
    container = clean(_text(source.get("display_name"))) if isinstance(source, dict) else ""
    biblio = _dict(item.get("biblio"))
    first, last = _text(biblio.get("first_page")), _text(biblio.get("last_page"))
    pages = normalise_pages(f"{first}-{last}" if first and last and first != last else first or last)
    ids = _dict(item.get("ids"))
    pmid = _text(ids.get("pmid")).rstrip("/").rsplit("/", 1)[-1]
    kind = _text(item.get("type_crossref"))
    entry_type = CROSSREF_TYPES.get(kind) if kind else None
    if entry_type is None:
        kind = _text(item.get("type"))
        entry_type = OPENALEX_TYPES.get(kind, "misc" if kind else "")
    doi = normalise_doi(_text(item.get("doi")))
    return Candidate(
        service="openalex", record_id=_text(item.get("id")).rstrip("/").rsplit("/", 1)[-1],
        title=clean(_text(item.get("title") or item.get("display_name"))), authors=tuple(names),
        year=_text(item.get("publication_year")), container=container, volume=clean(_text(biblio.get("volume"))),
        issue=clean(_text(biblio.get("issue"))), pages=pages, doi=doi, entry_type=entry_type, pmid=pmid,
        retractions=(Retraction("openalex", "", "retraction", ""),) if item.get("is_retracted") is True else ())


def family_name(display_name: str) -> str:
    """The family name in a name written given-names first: the last word, with the particles
    before it ("Bessel A. van der Kolk" -> "van der Kolk"), without a lineage ("Jr.")."""
    words = _SPACE.sub(" ", clean(display_name)).strip().split(" ")
    while len(words) > 1 and words[-1].casefold().rstrip(",") in _SUFFIXES:
        words.pop()
    if words and words[-1].endswith(","):
        words[-1] = words[-1].rstrip(",")
    start = len(words) - 1
    while start > 1 and (words[start - 1].casefold() in _PARTICLES
                         or words[start - 1].rsplit("-", 1)[-1].casefold() in _PARTICLES and "-" in words[start - 1]):
        start -= 1
    return " ".join(words[start:])


# PubMed.


def pubmed(work: Work, fetch: Fetch) -> ServiceAnswer:
    asking = _Asking("pubmed", fetch)
    try:
        for name, doi in dois(work):
            _pubmed_search(asking, f"{name}:{doi}", f"{doi}[doi]")
        if not asking.found_any():
            term = pubmed_term(work)
            if term:
                _pubmed_search(asking, term, term)
    except LookupFailed as error:
        return asking.failed(error)
    return asking.answer()


def pubmed_term(work: Work) -> str:
    """PubMed's search for `work`: the first author, the years and up to TITLE_WORDS title words
    (the longest); "" when there is neither author nor title."""
    names, span = families(work), years(work)
    words = sorted({w for w in _WORD.findall(search_title(work)) if len(w) > 3 and w.casefold() not in _STOPWORDS},
                   key=lambda w: (-len(w), w.casefold()))[:TITLE_WORDS]
    if not names and not words:
        return ""
    parts = [f"{names[0]}[au]"] if names else []
    if span:
        parts.append(f"{span[0]}:{span[1]}[dp]")
    parts += [f"{w}[ti]" for w in sorted(words, key=lambda w: _WORD.findall(search_title(work)).index(w))]
    return " AND ".join(parts)


def _pubmed_search(asking: _Asking, query: str, term: str) -> None:
    fetched = asking.get(query, "esearch.fcgi", {"db": "pubmed", "term": term, "retmode": "json", "retmax": ROWS})
    if fetched is None:
        asking.add(query, None, [])
        return
    result = _object(fetched.body, "pubmed").get("esearchresult")
    if not isinstance(result, dict) or "ERROR" in result and not result.get("idlist"):
        raise LookupFailed(f"pubmed: esearch: {_text(result.get('ERROR')) if isinstance(result, dict) else 'no result'}")
    ids = [_text(i) for i in _list(result.get("idlist")) if _text(i).isdigit()]
    found: list[Candidate] = []
    if ids:
        summary = asking.fetch_more("esummary.fcgi", {"db": "pubmed", "id": ",".join(ids), "retmode": "json"})
        records = _object(summary.body if summary else None, "pubmed").get("result")
        if not isinstance(records, dict):
            raise LookupFailed("pubmed: esummary: no result")
        for uid in ids:
            record = records.get(uid)
            if isinstance(record, dict) and "error" not in record:
                found.append(pubmed_candidate(record))
    asking.add(query, fetched, found)


def pubmed_candidate(record: Mapping[str, Any]) -> Candidate:
    """One PubMed document summary (esummary, JSON) as a candidate."""
    names = []
    for author in _list(record.get("authors")):
        if isinstance(author, dict) and _text(author.get("name")):
            name = clean(_text(author.get("name")))
            names.append(name if author.get("authtype") == "CollectiveName" else _pubmed_family(name))
    ids = {(_text(a.get("idtype"))): _text(a.get("value")) for a in _list(record.get("articleids")) if isinstance(a, dict)}
    pubtypes = tuple(_text(t) for t in _list(record.get("pubtype")) if _text(t))
    year = (_YEAR.search(_text(record.get("pubdate"))) or _YEAR.search(_text(record.get("sortpubdate"))))
    online = _YEAR.search(_text(record.get("epubdate")))
    uid = _text(record.get("uid"))
    notices = [Retraction("pubmed", "", "retraction", "")] if "Retracted Publication" in pubtypes else []
    for comment in _list(record.get("references")):
        kind = PUBMED_NOTICES.get(_text(comment.get("reftype")).casefold()) if isinstance(comment, dict) else None
        if kind and isinstance(comment, dict):
            notice = _text(comment.get("pmid"))
            if kind == "retraction" and notices and not notices[0].notice:
                notices[0] = Retraction("pubmed", notice, "retraction", "")
            else:
                notices.append(Retraction("pubmed", notice, kind, ""))
    if "Retraction of Publication" in pubtypes:
        notices.append(Retraction("pubmed", uid, "notice-of-retraction", ""))
    doctype = _text(record.get("doctype"))
    title = clean(_text(record.get("title")))
    if title.endswith(".") and not title.endswith(".."):
        title = title[:-1]
    if placeholder(title):  # PubMed's English translation of a title in another language
        title = title[1:-1].strip()
    year_text = year.group(0) if year else ""
    return Candidate(
        service="pubmed", record_id=uid, title=title, authors=tuple(names), year=year_text,
        container=clean(_text(record.get("fulljournalname") or record.get("booktitle") or record.get("source"))),
        volume=clean(_text(record.get("volume"))), issue=clean(_text(record.get("issue"))),
        pages=normalise_pages(_text(record.get("pages"))), doi=normalise_doi(ids.get("doi", "")),
        entry_type={"book": "book", "chapter": "incollection"}.get(doctype, "article"),
        other_years=_others(year_text, [online.group(0) if online else ""]), pmid=uid,
        publication_types=pubtypes, retractions=tuple(notices))


def _pubmed_family(name: str) -> str:
    """"aan het Rot M" -> "aan het Rot": PubMed writes family names before the initials."""
    words = name.split(" ")
    if len(words) > 1 and re.fullmatch(r"[A-Z]{1,4}", words[-1]):
        words.pop()
    return " ".join(words)


# Values.


def clean(text: str) -> str:
    """Markup (JATS, HTML) and entities removed, white space made single."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub("", text))).strip()


def normalise_doi(doi: str) -> str:
    return normalise.doi(doi)


def normalise_pages(pages: str) -> str:
    """"239--248", "239–248" -> "239-248"; PubMed's "660-75" -> "660-675"; an article number as is."""
    pages = clean(pages)
    both = _PAGES.fullmatch(pages)
    if not both:
        return pages
    first, last = both.groups()
    if first.isdigit() and last.isdigit() and len(last) < len(first) and int(first[-len(last):]) <= int(last):
        last = first[:len(first) - len(last)] + last
    return f"{first}-{last}"


def _kind(value: object) -> str:
    return re.sub(r"[\s_]+", "-", _text(value).strip().casefold())


def _text(value: object) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value)


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _first(values: object) -> str:
    for value in _list(values):
        if _text(value).strip():
            return clean(_text(value))
    return clean(_text(values)) if isinstance(values, str) else ""


def _date_parts(value: object) -> list[Any]:
    parts = value.get("date-parts") if isinstance(value, dict) else None
    first = parts[0] if isinstance(parts, list) and parts and isinstance(parts[0], list) else []
    return [p for p in first if isinstance(p, int) or (isinstance(p, str) and p.isdigit())]


def _date_year(value: object) -> str:
    parts = _date_parts(value)
    return str(parts[0]) if parts else ""


def _date(value: object) -> str:
    """A Crossref date as ISO 8601 (as precise as it is given)."""
    if isinstance(value, dict) and isinstance(value.get("date-time"), str):
        return value["date-time"][:10]
    parts = _date_parts(value)
    return "-".join(f"{int(p):02d}" if i else str(p) for i, p in enumerate(parts[:3]))


def _others(year: str, found: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({y for y in found if y and y != year}))


def _object(body: object, service: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise LookupFailed(f"{service}: the answer is not a JSON object")
    return body


def _message(body: object) -> dict[str, Any]:
    message = _object(body, "crossref").get("message")
    if not isinstance(message, dict):
        raise LookupFailed("crossref: an answer without a message")
    return message


@dataclass
class _Asking:
    """The questions asked of one service for one record, and what they found."""

    service: str
    fetch: Fetch
    lookups: list[Lookup] = field(default_factory=list)
    candidates: dict[str, Candidate] = field(default_factory=dict)
    _query: str = ""

    _date: str = ""  # when the service answered the current question (a 404 too)

    def get(self, query: str, path: str, params: Mapping[str, str]) -> Fetched | None:
        """The service's answer; None for no such record (404)."""
        self._query = query
        fetched = self.fetch(self.service, path, params)
        self._date = fetched.date if fetched is not None else ""
        return fetched if fetched is not None and fetched.body is not None else None

    def fetch_more(self, path: str, params: Mapping[str, str]) -> Fetched | None:
        """A request that completes the current question (PubMed's esummary after esearch)."""
        fetched = self.fetch(self.service, path, params)
        return fetched if fetched is not None and fetched.body is not None else None

    def add(self, query: str, fetched: Fetched | None, found: list[Candidate]) -> None:
        date = fetched.date if fetched is not None else self._date
        outcome: Outcome = "found" if found else "not-found"
        self.lookups.append(Lookup(self.service, query, outcome, date, found[0].record_id if found else ""))
        for candidate in found:
            self.candidates.setdefault(candidate.record_id or f"#{len(self.candidates)}", candidate)

    def found_any(self) -> bool:
        return bool(self.candidates)

    def failed(self, error: LookupFailed) -> ServiceAnswer:
        why = str(error) or type(error).__name__
        lookups = [*self.lookups, Lookup(self.service, self._query, "failed", "", "", why)]
        return ServiceAnswer(self.service, tuple(lookups), tuple(self.candidates.values()), failed=why)

    def answer(self) -> ServiceAnswer:
        return ServiceAnswer(self.service, tuple(self.lookups), tuple(self.candidates.values()))


_ASK: dict[str, Callable[[Work, Fetch], ServiceAnswer]] = {"crossref": crossref, "openalex": openalex, "pubmed": pubmed}

