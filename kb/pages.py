"""A paged report: report.html as an index, one page per leaflet, works pages; each page
rendered from a slice of the report's inputs alone, and kept in a page cache by that slice.

Layout (`out/` is `kb report --out`):

    report.html                   the index: every leaflet's counts, search, works cited by many
                                  leaflets, the consistency list (kb/consistency.py)
    report.json                   the whole report.json, as in a single report
    report.md                     the index in Markdown
    report/leaflets/<doc>.html    one leaflet: the single report's interactive view of it alone
    report/leaflets/<doc>.md      the same in Markdown
    report/works/<xx>.html        works whose key hashes to xx, each with every claim resting on it
    report/findings.html          findings of no leaflet (the bibliography's)

Every page is a pure function of its slice (a JSON-able dict made by `slices`), the language
and the templates: the page cache (kb/pagecache.py) keys it by exactly those and the code.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from functools import lru_cache, partial
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, overload, runtime_checkable
from urllib.parse import quote

from kb import consistency, markdown, pagecache, pagework, rendering
from kb import report as report_
from kb.apa.references import Entry
from kb.apart import Apart
from kb.labels import CLAIM_LABELS
from kb.output import Later, Linked
from kb.reportdata import Inputs

if TYPE_CHECKING:
    from kb.incremental import Scope

MODES = ("auto", "single", "paged")
# Above this many claims `auto` makes a paged report: the single report.html takes about 2.4 kB
# per claim (123 MB at 50,000 claims), so it is some 5 MB here, where a browser starts to labour.
PAGED_ABOVE = 2000
FOLDER = "report"  # the pages beside report.html
WORKS_PER_PAGE = 100  # at most this many works on a works page, on average
POPULAR = 100  # works cited by most leaflets, on the index
CONSISTENCY_SHOWN = 500  # groups of the consistency list shown on the index
INDEX = "report.html"
ENTRIES_KEPT = 20000  # reference entries a renderer keeps for the pages after (_Renderer.entries)
FINDINGS = f"{FOLDER}/findings.html"  # findings of no leaflet


@runtime_checkable
class Summarised(Protocol):
    """report.json's claims as an incremental build keeps them (kb.incremental.Claims): each
    claim's summary at hand, a document's whole claims read when asked for."""

    def summary(self) -> list[Any]: ...  # `Summary` objects

    def of(self, document: str) -> list[dict[str, Any]]: ...

    def summary_of(self, document: str) -> list[Any]: ...  # one document's `Summary` objects, in order

    def where(self, claim_id: str) -> str | None: ...  # the document of the claim with this id

    def parts(self) -> list[dict[str, Any]]: ...

    def rows(self) -> list[tuple[Any, ...]]: ...  # every claim as the index takes it (`index_rows`)


class Source:
    """A claim's link to a work as its `Summary` keeps it, read as report.json's is: source["fit"]."""

    __slots__ = ("fit", "key")
    __getitem__ = object.__getattribute__

    def __init__(self, key: str, fit: str) -> None:
        self.key = key
        self.fit = fit


class Summary:
    """What pages but the claim's leaflet page show of a claim (report.json's fields, fewer), and
    the words the consistency list compares (kb.consistency.joined); read as report.json's claim
    is (claim["text"]), held in a fraction of a dict's memory (a KB of 50,000 works holds 250,000)."""

    __slots__ = ("conclusion_level", "document", "id", "kind", "label", "sources", "text", "words")
    __getitem__ = object.__getattribute__

    def __init__(self, id: str, document: str, text: str, label: str, kind: str, conclusion_level: int | None,
                 sources: tuple[Source, ...], words: str) -> None:
        self.id = id
        self.document = document
        self.text = text
        self.label = label
        self.kind = kind
        self.conclusion_level = conclusion_level
        self.sources = sources
        self.words = words

    def get(self, name: str, default: Any = None) -> Any:
        return getattr(self, name, default)

    def row(self) -> list[Any]:
        """As a leaflet's kept summaries hold it (`summaries_json`): its fields but the document."""
        return [self.id, self.text, self.label, self.kind, self.conclusion_level,
                [part for source in self.sources for part in (source.key, source.fit)], self.words]


_one: dict[str, str] = {}  # labels, kinds, fits, documents: one string each, whatever the claims


def summary(claim: dict[str, Any]) -> Summary:
    """The claim's `Summary`, from its report.json entry."""
    return Summary(claim["id"], claim["document"], claim["text"], claim["label"], claim["kind"],
                   claim["conclusion_level"], tuple(Source(s["key"], s["fit"]) for s in claim["sources"]),
                   consistency.joined(claim["text"]))


def summaries_json(document: str, summaries: list[Summary], part: dict[str, Any]) -> dict[str, Any]:
    """A leaflet's summaries and its `index_part`, as a build keeps them (`read_summaries`)."""
    return {"document": document, "claims": [s.row() for s in summaries], "index": part}


def read_summaries(data: dict[str, Any]) -> list[Summary]:
    """The summaries `summaries_json` keeps (KeyError, TypeError or ValueError when they are not such)."""
    share = _one.setdefault
    document = share(data["document"], data["document"])
    found = []
    for id_, text, label, kind, level, links, words in data["claims"]:
        found.append(Summary(id_, document, text, share(label, label), share(kind, kind), level,
                             tuple(Source(links[i], share(links[i + 1], links[i + 1])) for i in range(0, len(links), 2)),
                             words))
    return found


def read_part(part: dict[str, Any], shared: dict[str, str]) -> dict[str, Any]:
    """A leaflet's `index_part` as a build keeps it, its words and its claims' id endings one
    string each in `shared`, with every other leaflet's read with it (each leaflet's words are
    its own list, mostly of the same words: 25 MB of copies at 50,000 works)."""
    share = shared.setdefault
    part["words"] = [share(word, word) for word in part["words"]]
    for row in part["rows"]:
        row[1] = share(row[1], row[1])
    return part


def index_rows(claims: Iterable[Any]) -> list[tuple[Any, ...]]:
    """Each claim (report.json's, or its summary) as the index takes it (`_index_row`)."""
    numbers: dict[str, int] = {}
    rows = []
    for claim in claims:
        number = numbers[claim["document"]] = numbers.get(claim["document"], 0) + 1
        rows.append(_index_row(claim, number))
    return rows


def _index_row(claim: Any, number: int) -> tuple[Any, ...]:
    """A claim as the index takes it: `consistency.entry`'s fields, then its text, its kind and
    its number in its leaflet."""
    return consistency.entry(claim) + (claim["text"], claim["kind"], number)


class _Rows(Sequence[tuple[Any, ...]]):
    """Claims' summaries as the index takes them (`_index_row`), each made when looked at."""

    def __init__(self, every: list[Any], numbers: dict[str, int]) -> None:
        self._every = every
        self._numbers = numbers

    def __len__(self) -> int:
        return len(self._every)

    @overload
    def __getitem__(self, i: int) -> tuple[Any, ...]: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[tuple[Any, ...]]: ...

    def __getitem__(self, i: int | slice) -> tuple[Any, ...] | Sequence[tuple[Any, ...]]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        claim = self._every[i]
        return _index_row(claim, self._numbers[claim["id"]])


class IndexClaims(NamedTuple):
    """Every claim as the index takes it (`_Lookups.index_claims`)."""

    rows: Sequence[tuple[Any, ...]]
    row: Callable[[str], tuple[Any, ...] | None]  # a claim's row by its id
    document: Callable[[str], str | None]  # a claim's leaflet by its id


def kept_rows(data: dict[str, Any]) -> list[tuple[Any, ...]]:
    """`index_rows` of one leaflet from its summaries as a build keeps them (`summaries_json`),
    without making each claim's `Summary` (KeyError, TypeError or ValueError when they are not such)."""
    share = _one.setdefault
    document = share(data["document"], data["document"])
    return [(id_, document, words, share(label, label), level, links, text, share(kind, kind), number)
            for number, (id_, text, label, kind, level, links, words) in enumerate(data["claims"], 1)]


class References(dict[str, Entry]):
    """Work key -> reference entry (kb.reportdata.Inputs.references) as an incremental build keeps
    them: with the words the index's search takes of each (`search_words`), kept beside them, and
    the works' part of that search (`search_works`), made once per bibliography."""

    def __init__(self, entries: dict[str, Entry], words: dict[str, str],
                 search: dict[str, Any] | None = None) -> None:
        super().__init__(entries)
        self.words = words
        self.search = search


def search_words(entry: Entry) -> str:
    """The words of a reference entry the index's search looks through: its plain text, its
    links left out, words joined by one space."""
    return " ".join(_URL.sub("", entry.plain).split())


def index_part(claims: list[Any]) -> dict[str, Any]:
    """What the index takes of one leaflet's claims (or their summaries), which an incremental
    build keeps with them: how many claims each level column has, and its part of the search
    (`search_data`): the words of its claims' texts (the commonest first, ties in the order they
    first come) and each claim's row, [shared, rest, label * 10 + level, its text as numbers of
    those words]. A leaflet's part is its own: made once, with its claims, however many others."""
    levels = dict.fromkeys(report_.LEVEL_COLUMNS, 0)
    texts = [claim["text"].split() for claim in claims]
    words, number = _numbered(chain.from_iterable(texts))
    rows = []
    previous = ""
    for claim, text in zip(claims, texts):
        level = _level(claim)
        levels[level] += 1
        shared = _shared(previous, claim["id"])
        previous = claim["id"]
        rows.append([shared, previous[shared:], _LABEL_NUMBER[claim["label"]] + _LEVEL_NUMBER[level],
                     " ".join(map(number, text))])
    return {"levels": levels, "rows": rows, "words": words}


def _summaries(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Every claim of `report`, as much as `summary` keeps (or more: the claims themselves)."""
    claims = report["claims"]
    return claims.summary() if isinstance(claims, Summarised) else list(claims)


def paged(report: dict[str, Any], mode: str) -> bool:
    """Whether `mode` (auto, single or paged) makes a paged report of `report`."""
    return mode == "paged" or (mode == "auto" and len(report["claims"]) > PAGED_ABOVE)


def leaflet_page(document: str, suffix: str = ".html") -> str:
    """The leaflet page's path in the output folder."""
    return f"{FOLDER}/leaflets/{document}{suffix}"


def works_pages(keys: list[str]) -> dict[str, str]:
    """Work key -> its works page's path: the first hex digits of a hash of the key, as many as
    keep the average page at WORKS_PER_PAGE works or fewer (a work keeps its page when others come)."""
    return dict(_works_pages(tuple(keys)))


@lru_cache(maxsize=2)  # a build asks for the same works' pages several times
def _works_pages(keys: tuple[str, ...]) -> dict[str, str]:
    digits = 1
    while len(keys) > WORKS_PER_PAGE * 16 ** digits:
        digits += 1
    return {key: f"{FOLDER}/works/{hashlib.blake2b(key.encode('utf-8'), digest_size=8).hexdigest()[:digits]}.html"
            for key in keys}


def href(path: str, anchor: str = "", base: str = "") -> str:
    """A relative link from the page `base` (a path in the output folder, "" for report.html) to
    `path` (and `#anchor`), percent-encoded."""
    up = "../" * base.count("/")
    link = up + (path if _PLAIN_PATH.match(path) else quote(path, safe="/"))
    if not anchor:
        return link
    return link + "#" + (anchor if _PLAIN_PATH.match(anchor) and "/" not in anchor else quote(anchor, safe="-"))


_PLAIN_PATH = re.compile(r"[A-Za-z0-9_.~/-]*\Z")  # what quote leaves as it is (safe="/"): most paths and ids


def _entry(entry: Entry) -> list[Any]:
    return [entry.text, list(entry.links)]


def _level(claim: dict[str, Any]) -> str:
    return report_._level_column(claim)


def _owner(finding: dict[str, Any], claim: Callable[[str], Any], files: dict[str, str]) -> str | None:
    """The leaflet whose page shows `finding`: its claim's, else the one whose file it is in; None
    for the findings page."""
    named = finding.get("claim")  # a finding about no claim looks none up (a build would read every claim's leaflet)
    about = claim(named) if named is not None else None
    return about["document"] if about is not None else files.get(finding["path"])


@runtime_checkable
class Chunked(Protocol):
    """report.json's findings as an incremental build keeps them (kb.incremental.Parsed): in
    chunks, each parsed when asked for."""

    def chunk_count(self) -> int: ...

    def chunk_items(self, i: int) -> list[dict[str, Any]]: ...

    def chunk_tally(self, i: int) -> Any:
        """None, or what is known of the `i`th chunk without parsing it (kb.incremental.Tally:
        page, count, errors, warnings)."""


class _Findings:
    """report.json's findings by the page showing them (a leaflet's; None: the findings page),
    each held as its place (chunk, position) and parsed again when its page is made, so that all
    of them are never held at once; with each page's count of errors and warnings."""

    def __init__(self, found: Any, owner: Callable[[dict[str, Any]], str | None]) -> None:
        self._items: Callable[[int], list[dict[str, Any]]]
        if isinstance(found, Chunked):  # a leaflet's page reads its findings' chunks again (a few)
            chunks, self._items = found.chunk_count(), lru_cache(maxsize=4)(found.chunk_items)
        else:
            whole = list(found)
            chunks, self._items = 1, lambda i: whole
        self._places: dict[str | None, list[tuple[int, int]]] = {}  # position -1: the whole chunk
        self._counts: dict[str | None, int] = {}
        self._severities: dict[str | None, dict[str, int]] = {}
        self.totals = {"error": 0, "warning": 0}
        for chunk in range(chunks):
            tally = found.chunk_tally(chunk) if isinstance(found, Chunked) else None
            if tally is not None:  # a leaflet's findings of one file, all on its page: not parsed
                page, count, errors, warnings = tally
                self._places.setdefault(page, []).append((chunk, -1))
                self._counts[page] = self._counts.get(page, 0) + count
                severities = self._severities.setdefault(page, {"error": 0, "warning": 0})
                for severity, n in (("error", errors), ("warning", warnings)):
                    severities[severity] += n
                    self.totals[severity] += n
                continue
            for position, finding in enumerate(self._items(chunk)):
                page = owner(finding)
                self._places.setdefault(page, []).append((chunk, position))
                self._counts[page] = self._counts.get(page, 0) + 1
                severity = finding["severity"]
                if severity in self.totals:
                    self.totals[severity] += 1
                    self._severities.setdefault(page, {"error": 0, "warning": 0})[severity] += 1

    def of(self, page: str | None) -> list[dict[str, Any]]:
        """The findings `page` shows, in report.json's order."""
        found: list[dict[str, Any]] = []
        for chunk, position in self._places.get(page, []):
            if position < 0:
                found += self._items(chunk)
            else:
                found.append(self._items(chunk)[position])
        return found

    def severities(self, page: str | None) -> dict[str, int]:
        return dict(self._severities.get(page, {"error": 0, "warning": 0}))

    def count(self, page: str | None) -> int:
        return self._counts.get(page, 0)


class _Lookups:
    """What the slices of a rendering are made from, made once for them all: every claim's summary,
    by leaflet and by id, with its number in its leaflet; the works by key and their pages; the
    findings by the page showing them; the leaflets' titles. Every summary is read when first
    needed (`every`, `claims_by_id`, ...) or at once (`whole`); before that, where the build knows
    each claim's leaflet (kb.incremental.Claims), `claim` and `number` read that leaflet's alone:
    the few pages an edit renders again do not read every leaflet's."""

    def __init__(self, inputs: Inputs, whole: bool = False) -> None:
        report = inputs.report
        self._report = report
        self._summarised = isinstance(report["claims"], Summarised)  # (a Protocol's check is slow)
        self._every: list[Any] | None = None
        self._by_document: dict[str, list[Any]] = {}
        self._claims_by_id: dict[str, Any] = {}
        self._numbers: dict[str, int] = {}  # a claim's number in its leaflet
        self._read: dict[str, dict[str, tuple[Any, int]]] = {}  # leaflet -> claim id -> (summary, number)
        self.works = {w["key"]: w for w in report["works"]}
        self.pages = works_pages(list(self.works))
        files = {}
        for document in report["documents"]:
            files[document["claims_file"]] = files[document["text_file"]] = document["id"]
        self.findings = _Findings(report["findings"], lambda finding: _owner(finding, self.claim, files))
        self.titles = {d["id"]: d["title"] for d in report["documents"]}
        if whole:
            self._whole()

    def _whole(self) -> list[Any]:
        if self._every is None:
            every = _summaries(self._report)
            for claim in every:
                siblings = self._by_document.setdefault(claim["document"], [])
                siblings.append(claim)
                self._numbers[claim["id"]] = len(siblings)
                self._claims_by_id[claim["id"]] = claim
            self._every = every
            self._read.clear()
        return self._every

    @property
    def every(self) -> list[Any]:
        return self._whole()

    def index_claims(self) -> IndexClaims:
        """Every claim as the index takes it (`index_rows`), in report order, with a claim's row
        and its leaflet by its id (the last of an id, as report.json's claims are looked up): read
        from what the build kept (kb.incremental.Claims.rows) unless every summary is read already;
        then each row is made from its summary when looked at, and none is held besides (a KB of
        50,000 works holds 250,000)."""
        if self._every is None and self._summarised:
            rows: list[tuple[Any, ...]] = self._report["claims"].rows()
            by_id = {row[0]: row for row in rows}

            def leaflet(claim_id: str) -> str | None:
                row = by_id.get(claim_id)
                return None if row is None else row[1]

            return IndexClaims(rows, by_id.get, leaflet)
        every, claims, numbers = self.every, self.claims_by_id, self.numbers

        def row(claim_id: str) -> tuple[Any, ...] | None:
            claim = claims.get(claim_id)
            return None if claim is None else _index_row(claim, numbers[claim_id])

        def document(claim_id: str) -> str | None:
            claim = claims.get(claim_id)
            return None if claim is None else claim["document"]

        return IndexClaims(_Rows(every, numbers), row, document)

    @property
    def by_document(self) -> dict[str, list[Any]]:
        self._whole()
        return self._by_document

    @property
    def claims_by_id(self) -> dict[str, Any]:
        self._whole()
        return self._claims_by_id

    @property
    def numbers(self) -> dict[str, int]:
        self._whole()
        return self._numbers

    def _alone(self, claim_id: str) -> tuple[Any, int] | None:
        """The claim's summary and number, its leaflet's summaries read alone ((None, 0): no claim
        of the report); None where the build does not know each claim's leaflet (or every summary
        is read already)."""
        if self._every is not None or not self._summarised:
            return None
        claims = self._report["claims"]
        document = claims.where(claim_id)
        if document is None:
            return None, 0
        if document not in self._read:
            self._read[document] = {claim["id"]: (claim, n) for n, claim in enumerate(claims.summary_of(document), 1)}
        return self._read[document].get(claim_id, (None, 0))

    def claim(self, claim_id: str) -> Any:
        """The claim's summary; None for no claim of the report."""
        alone = self._alone(claim_id)
        return alone[0] if alone is not None else self.claims_by_id.get(claim_id)

    def number(self, claim_id: str) -> int:
        """The claim's number in its leaflet."""
        alone = self._alone(claim_id)
        if alone is None:
            return self.numbers[claim_id]
        if alone[0] is None:
            raise KeyError(claim_id)
        return alone[1]


def slices(inputs: Inputs, only: set[str] | None = None, lookups: _Lookups | None = None) -> dict[str, dict[str, Any]]:
    """Page path -> the slice of `inputs` it is rendered from (JSON-able); with `only`, the
    slices of those pages alone."""
    return dict(each_slice(inputs, only, lookups))


def each_slice(inputs: Inputs, only: set[str] | None = None,
               lookups: _Lookups | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
    """`slices` one page at a time: a page rendered from its slice lets it go before the next is
    made. `lookups`, when given, are `_Lookups(inputs)` made already."""
    def wanted(page: str) -> bool:
        return only is None or page in only

    report = inputs.report
    found = lookups if lookups is not None else _Lookups(inputs)
    works, pages, findings, titles = found.works, found.pages, found.findings, found.titles
    claim, number = found.claim, found.number
    for document in report["documents"]:
        doc = document["id"]
        base = leaflet_page(doc)
        if not wanted(base):
            continue
        claims = report["claims"].of(doc) if isinstance(report["claims"], Summarised) \
            else found.by_document.get(doc, [])
        mine = {c["id"] for c in claims}
        keys = list(dict.fromkeys(s["key"] for c in claims for s in c["sources"] if s["key"] in works))
        cited = [{**works[k], "cited_by": [c for c in works[k]["cited_by"] if c in mine]} for k in sorted(keys)]
        yield base, {"kind": "leaflet", "document": document, "claims": claims, "works": cited,
                        "findings": findings.of(doc), "texts": inputs.texts.get(doc, []),
                        "references": {k: _entry(inputs.references[k]) for k in keys},
                        "work_pages": {k: href(pages[k], "work-" + k, base) for k in keys}}
    grouped: dict[str, list[str]] = {}
    for key in sorted(works):
        if wanted(pages[key]):
            grouped.setdefault(pages[key], []).append(key)
    for page, keys in grouped.items():
        resting = {c: claim(c) for c in sorted({c for k in keys for c in works[k]["cited_by"]})}
        # the fit of each link, from the claims resting on these works alone
        citing = report_.citing({"claims": list(resting.values()), "works": [works[k] for k in keys]})
        yield page, {
            "kind": "works", "works": [works[k] for k in keys],
            "references": {k: _entry(inputs.references[k]) for k in keys},
            "citing": {k: citing[k] for k in keys},
            "claims": {i: {"id": i, "document": c["document"], "text": c["text"], "label": c["label"],
                           "level": _level(c), "number": number(i),
                           "href": href(leaflet_page(c["document"]), "claim-" + i, page)}
                       for i, c in resting.items()},
            "documents": {d: titles[d] for d in sorted({c["document"] for c in resting.values()})},
        }
    if wanted(FINDINGS):
        yield FINDINGS, {"kind": "findings", "findings": findings.of(None)}
    if wanted(INDEX):
        indexed = found.index_claims()
        parts = report["claims"].parts() if isinstance(report["claims"], Summarised) \
            else [index_part(found.by_document.get(d["id"], [])) for d in report["documents"]]
        yield INDEX, _index(inputs, indexed, parts, findings, pages)


def every_page(report: dict[str, Any]) -> set[str]:
    """The path of every page of `report`."""
    return ({leaflet_page(d["id"]) for d in report["documents"]} | {FINDINGS, INDEX}
            | set(works_pages([w["key"] for w in report["works"]]).values()))


def _index(inputs: Inputs, claims: IndexClaims, parts: list[dict[str, Any]], findings: _Findings,
           pages: dict[str, str]) -> dict[str, Any]:
    report = inputs.report
    documents = []
    for document, part in zip(report["documents"], parts):
        documents.append({"id": document["id"], "title": document["title"], "publisher": document["publisher"],
                          "claims": document["claims"], "counts": document["counts"], "levels": part["levels"],
                          "findings": findings.severities(document["id"]),
                          "href": href(leaflet_page(document["id"])), "md": href(leaflet_page(document["id"], ".md"))})
    spread = []
    leaflet = claims.document
    for work in report["works"]:
        leaflets = {leaflet(c) for c in work["cited_by"]} - {None}
        if len(leaflets) > 1:
            spread.append((-len(leaflets), -len(work["cited_by"]), work["key"], len(leaflets)))
    spread.sort()
    works = {w["key"]: w for w in report["works"]}
    popular = [{"key": key, "reference": inputs.references[key].plain, "label": works[key]["label"],
                "leaflets": n, "claims": len(works[key]["cited_by"]), "href": href(pages[key], "work-" + key)}
               for _, _, key, n in spread[:POPULAR]]
    titles = {d["id"]: d["title"] for d in report["documents"]}
    found = consistency.grouped(claims.rows)

    def shown(claim_id: str) -> dict[str, Any]:
        row = claims.row(claim_id)
        assert row is not None
        _, document, _, label, level, links, text, kind, number = row
        return {"id": claim_id, "document": document, "title": titles[document],
                "text": text, "label": label, "level": _level({"conclusion_level": level, "kind": kind}),
                "fits": sorted(set(links[1::2])), "number": number,
                "href": href(leaflet_page(document), "claim-" + claim_id)}

    return {
        "kind": "index",
        "documents": documents,
        "totals": {"claims": len(claims.rows), "works": len(report["works"]),
                   "findings": dict(findings.totals), "other_findings": findings.count(None)},
        "popular": popular,
        "consistency": [{"differs": list(g.differs), "claims": [shown(c) for c in g.claims]}
                        for g in found[:CONSISTENCY_SHOWN]],
        "consistency_total": len(found),
        "search": search_data(inputs, parts, pages),
    }


_URL = re.compile(r"\s*https?://\S+")
_LABELS = [label.value for label in CLAIM_LABELS]
_LABEL_NUMBER = {label: i * 10 for i, label in enumerate(_LABELS)}
_LEVEL_NUMBER = {level: i for i, level in enumerate(report_.LEVEL_COLUMNS)}


def search_data(inputs: Inputs, parts: list[dict[str, Any]], pages: dict[str, str]) -> dict[str, Any]:
    """What the index's search looks through, compact (some 60 bytes a claim): texts as numbers of
    words (in base 36, the commonest first), claim ids as the length of the part they share with
    the claim before and the rest, label and level as one number.

    claims: per leaflet (its row in the index) [[shared, rest, label * 10 + level, words], ...],
    numbered from 1 in that order, each leaflet's words in `claim_words` (its own: `index_part`);
    works: [key, reference words without its links, works page], their words in `words`
    (`search_works`). `parts` are the leaflets' `index_part`s, in report order."""
    keys = [w["key"] for w in inputs.report["works"]]
    kept = inputs.references.search if isinstance(inputs.references, References) else None
    if kept is None or [work[0] for work in kept["works"]] != keys:  # none kept for these works
        kept = search_works(keys, _search_words(inputs.references, keys), pages)
    return {"words": kept["words"], "claims": [part["rows"] for part in parts],
            "claim_words": [part["words"] for part in parts], "works": kept["works"], "labels": list(_LABELS),
            "levels": list(report_.LEVEL_COLUMNS)}


def _search_words(references: dict[str, Entry], keys: list[str]) -> list[str]:
    kept = references.words if isinstance(references, References) else {}
    return [kept[key] if key in kept else search_words(references[key]) for key in keys]


def search_works(keys: list[str], words: list[str], pages: dict[str, str] | None = None) -> dict[str, Any]:
    """The works' part of the index's search (`search_data`), from each work's key and its
    `search_words`, in report order: {"words": the words, the commonest first; "works": [key, its
    words as their numbers in base 36, its works page's name]}. It depends on the bibliography
    alone: an incremental build keeps it with the reference entries (kb.pages.References)."""
    pages = pages if pages is not None else works_pages(keys)
    split = [found.split() for found in words]
    vocabulary, number = _numbered(chain.from_iterable(split))
    return {"words": vocabulary,
            "works": [[key, " ".join(map(number, found)), pages[key].rsplit("/", 1)[1].removesuffix(".html")]
                      for key, found in zip(keys, split)]}


def _shared(a: str, b: str) -> int:
    """The length of the longest prefix `a` and `b` share (a bisection: claim ids share long ones)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _numbered(found: Iterable[str]) -> tuple[list[str], Callable[[str], str]]:
    """The words `found` holds, the commonest first (ties in the order they first come), and a
    word's number among them in base 36."""
    words = [word for word, _ in Counter(found).most_common()]
    return words, {word: _base36(i) for i, word in enumerate(words)}.__getitem__


_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def _base36(n: int) -> str:
    text = _BASE36[n % 36]
    while n >= 36:
        n //= 36
        text = _BASE36[n % 36] + text
    return text


# ---- rendering ---------------------------------------------------------------------------------

class _Renderer:
    """What every page of one rendering shares: the environments (each template compiled once,
    and kept compiled beside the page cache for the next run when `compiled` is given), the
    interface text, and the reasons in the report's language, translated once."""

    def __init__(self, root: Path, lang: str, compiled: Path | None = None) -> None:
        self.root = root
        self.lang = lang
        self.compiled = compiled
        self.t = rendering.interface(lang)
        self.say = rendering.direct(lru_cache(maxsize=1 << 16)(partial(rendering.localise, lang=lang)))
        self.html = rendering.environment(root, compiled=compiled)
        self.markdown = rendering.environment(root, markdown_templates=True, compiled=compiled)
        self.made: dict[tuple[str, str, tuple[str, ...]], Entry] = {}  # see `entries`

    def entries(self, data: dict[str, list[Any]]) -> dict[str, Entry]:
        """A slice's reference entries (`_entry`) as entries, the same entry for the same data on
        every page this renderer makes: its HTML and Markdown (cached on it) are made once for
        the leaflet pages and the works page that show it. The last ENTRIES_KEPT are kept."""
        found = {}
        for key, (text, links) in data.items():
            made = (key, text, tuple(links))
            entry = self.made.get(made)
            if entry is None:
                entry = self.made[made] = Entry(*made)
                if len(self.made) > ENTRIES_KEPT:
                    del self.made[next(iter(self.made))]
            found[key] = entry
        return found

    def base(self) -> dict[str, Any]:
        return {"t": self.t, "lang": self.lang, "csp_hash": report_.csp_hash, "index": INDEX, "say": self.say,
                "labels": tuple(label.value for label in CLAIM_LABELS), "level_columns": report_.LEVEL_COLUMNS}

    def leaflet(self, piece: dict[str, Any]) -> tuple[bytes, bytes]:
        """The leaflet page and its Markdown: the single report of this leaflet alone."""
        document = piece["document"]
        inputs = Inputs(self.root, {"documents": [document], "claims": piece["claims"], "works": piece["works"],
                                    "findings": piece["findings"]}, {document["id"]: piece["texts"]},
                        self.entries(piece["references"]))
        context = report_.context(inputs, self.lang, self.say, self.t)
        context.update(work_pages=piece["work_pages"], index=href(INDEX, base=leaflet_page(document["id"])),
                       page_title=document["title"])
        html = report_.html_page(inputs, context, "leaflet.page.html.j2", self.html)
        markdown_ = rendering.render(self.markdown, "report.md.j2", context)
        return html, markdown_.encode("utf-8")

    def static(self, template: str, piece: dict[str, Any], base: str) -> bytes:
        context = {**self.base(), "page": piece, "index": href(INDEX, base=base) if base else INDEX}
        if piece["kind"] == "works":
            context["references"] = self.entries(piece["references"])
        if piece["kind"] == "index":
            context["search_json"] = report_.script_json(piece["search"])
        return rendering.render(self.html, template, context).encode("utf-8")

    def index_markdown(self, piece: dict[str, Any]) -> bytes:
        context = {**self.base(), "page": piece, "md_link": md_link}
        return rendering.render(self.markdown, "index.md.j2", context).encode("utf-8")

    def page(self, path: str, piece: dict[str, Any]) -> dict[str, bytes]:
        """The file (or files: a leaflet page and its Markdown) of the page at `path` from its slice."""
        kind = piece["kind"]
        if kind == "leaflet":
            html, markdown_ = self.leaflet(piece)
            return {path: html, path.removesuffix(".html") + ".md": markdown_}
        if kind == "index":
            return {path: self.static("index.html.j2", piece, ""), "report.md": self.index_markdown(piece)}
        return {path: self.static("workspage.html.j2" if kind == "works" else "findingspage.html.j2", piece, path)}


@rendering.direct
def md_link(text: str, target: str) -> markdown.Markdown:
    """A Markdown link to one of the report's own files (`target`, from `href`), its text escaped."""
    return markdown.Markdown(f"[{markdown.text(text)}]({target})")


def render_page(root: Path, path: str, piece: dict[str, Any], lang: str) -> dict[str, bytes]:
    """The file (or files: a leaflet page and its Markdown) of the page at `path` from its slice
    alone (`slices`), in `lang`, with the KB's templates at `root` before the packaged ones."""
    return _Renderer(root, lang).page(path, piece)


def render(inputs: Inputs, lang: str, cache_dir: Path | None = None, rendered: list[str] | None = None,
           written: pagecache.Written | None = None,
           scope: Scope | None = None) -> dict[str, Iterator[bytes] | bytes | Later | Linked]:
    """The paged report's files (output path -> content); with `cache_dir`, a page whose slice,
    language, templates and code are unchanged is taken from there instead of rendered, and the
    cache keeps only this run's pages. `rendered`, if given, gets the paths of pages rendered.
    With `written` (the output folder, pagecache.Written), a page file there that this cache
    wrote from the same page (pagecache.remember), untouched since, is left out of the files and
    its path put in `written.same`; `written.ledger` gets each page file's cache key. With `scope`
    too (what the incremental build changed since the build that wrote the folder), only the pages
    showing what changed are sliced: the others hold what they held."""
    templates = pagecache.templates(inputs.root)
    last = pagecache.last(cache_dir, written.out) if cache_dir is not None and written is not None else {}
    there: dict[str, list[Any]] = last.get("files", {})
    basis = pagecache.page_key("", {}, lang, templates)
    kept = _kept(inputs.report, there, scope) if scope is not None and scope.previous is not None \
        and last.get("generation") == scope.previous and last.get("basis") == basis else {}
    if written is not None:
        written.generation, written.basis = (scope.generation if scope is not None else None), basis
    # the templates compiled by an earlier run are kept beside the page cache (its pruning, per
    # language, passes them by): a run that renders one page again does not compile them all
    renderer = _Renderer(inputs.root, lang, cache_dir.parent / ".templates" if cache_dir is not None else None)
    files: dict[str, Iterator[bytes] | bytes | Later | Linked] = {"report.json": report_.json_chunks(inputs.report)}
    used: set[str] = set()
    wanted = every_page(inputs.report) - kept.keys() if kept else None
    # a cold build's pages are rendered by this process and a worker at once (kb.pagework);
    # each page's outcome is taken in the order the pages were sliced
    workers = _workers(inputs, lang, cache_dir, renderer, len(wanted) if wanted is not None
                       else len(every_page(inputs.report)))
    claims = len(inputs.report["claims"])
    # below COPY_MOST claims, a copy of this process slices and renders every other leaflet's and
    # works page in the workers' stead: nothing is sent to it, and this process slices only its own
    copying = workers is not None and claims < COPY_MOST
    # the index, the largest page by far, is made in a copy of this process: at once in a build of
    # a few pages (one leaflet edited), while this one makes the others; once the pages are done in
    # a build of many (no copy beside a worker's threads, nor beside the command's peak at 50,000 works)
    apart = cache_dir is not None and (wanted is None or INDEX in wanted) and INDEX_APART <= claims \
        and (workers is None or copying)
    index = None
    if apart and workers is None and cache_dir is not None:
        # made first: each process makes the lookups its slices are made from (every claim's
        # summary read) at once
        index = _index_apart(inputs, lang, cache_dir, renderer, templates)
        apart = index is not None
    # the slices made here, and by a copy made from now on, are made from them: every summary read
    # at once where every page is made, or a copy is made from them; else as the pages need them
    lookups = _Lookups(inputs, whole=wanted is None or copying)
    if apart:
        wanted = (wanted if wanted is not None else every_page(inputs.report)) - {INDEX}
    share = theirs = None
    if copying and cache_dir is not None:
        theirs = _every_other(inputs.report, wanted)
        share = Apart.fork(_render_share, inputs, theirs, lang, cache_dir, renderer, templates, lookups)
        if share is not None:
            workers = None
            wanted = (wanted if wanted is not None else every_page(inputs.report)) - theirs
    made = each_slice(inputs, wanted, lookups)
    waiting: deque[tuple[str, str, Future[pagework.Outcome] | pagework.Outcome]] = deque()

    def copied() -> Iterator[tuple[str, dict[str, Any] | None]]:
        """The copy's pages, once this process's own are made: each put in order with its key (a
        page it could not render is rendered here, its error raised here); where the copy failed,
        sliced and rendered here."""
        if share is None:
            return
        done = share.result()
        if done is None:
            yield from each_slice(inputs, theirs, lookups)
            return
        for path, key, names, new in done:
            used.add(key)
            if new and rendered is not None:
                rendered.append(path)
            waiting.append((path, key, names))

    def place(path: str, key: str, result: Future[pagework.Outcome] | pagework.Outcome) -> None:
        assert cache_dir is not None
        names = pagework.outcome(result) if isinstance(result, Future) else result
        if names is None:  # a worker's page it could not render: rendered here, its error raised here
            names = _keep(renderer, cache_dir, path, slices(inputs, {path})[path], key)
        assert names is not None
        if isinstance(names, dict):  # the page cache could not keep it: written from memory
            files.update(names)
            return
        if written is not None:
            written.ledger.update(dict.fromkeys(names, key))
        for name in names:
            seen = pagecache.unchanged(there, written.out, name, key) if written is not None else None
            if written is not None and seen is not None:
                written.same.append(name)
                written.seen[name] = seen
            else:
                # read back from the cache as it is written: the pages of a large KB (gigabytes at
                # 50,000 works) are never all in memory at once
                files[name] = _later(cache_dir, key, name, partial(_again, renderer, inputs, path))

    try:
        for path, piece in chain(made, ((path, None) for path in sorted(kept)), copied()):
            if cache_dir is None:
                assert piece is not None
                files.update(renderer.page(path, piece))
                continue
            if workers is not None and piece is not None and piece["kind"] not in ("leaflet", "works"):
                # the leaflets' and works' pages are done (the findings page and the index come
                # last): the workers end before the index's slice, the largest by far (the search
                # over every claim), is made, so that they do not hold memory beside it
                while waiting:
                    place(*waiting.popleft())
                workers.close()
                workers = None
            key = kept[path] if piece is None else pagecache.page_key(path, piece, lang, templates)
            used.add(key)
            if piece is None and written is not None and _left(written, there, path, key):
                continue  # its files hold it still: the cache is not looked at
            names: Future[pagework.Outcome] | pagework.Outcome = pagecache.lookup(cache_dir, key)
            if names is None:
                if piece is None:  # a page the build did not slice, gone from the cache: sliced now
                    piece = slices(inputs, {path})[path]
                if rendered is not None:
                    rendered.append(path)
                names = workers.submit(path, piece, key) if workers is not None else None
                if names is None:  # no worker, or each has pages enough waiting: rendered here
                    try:
                        names = _keep(renderer, cache_dir, path, piece, key)
                    except Exception:  # a page before it fails first, as it would without workers
                        while waiting:
                            place(*waiting.popleft())
                        raise
            waiting.append((path, key, names))
            while waiting and not (isinstance(waiting[0][2], Future) and not waiting[0][2].done()):
                place(*waiting.popleft())
        while waiting:
            place(*waiting.popleft())
    except BaseException:
        for process in (index, share):
            if process is not None:
                process.close()
        raise
    finally:
        if workers is not None:
            workers.close(cancel=bool(waiting))
    if apart:  # its files are written last, once made (here, where no copy could be): the cache is pruned then
        assert cache_dir is not None
        if index is None:
            index = _index_apart(inputs, lang, cache_dir, renderer, templates, lookups)
        later = _Later(index, partial(_index_page, inputs, lang, cache_dir, renderer, templates, lookups), cache_dir,
                       used, written, rendered)
        files.update({name: later.file(name) for name in _INDEX_FILES})
        return files
    if cache_dir is not None:
        pagecache.prune(cache_dir, used)
    return files


_INDEX_FILES = (INDEX, "report.md")


class _Later:
    """The index, made apart (`_index_apart`), as the report's writing takes it: its files are
    staged after every other (kb.output.write_all), so that the command writes the rest of the
    report meanwhile. The copy's result is waited for once, when the first is staged; where the
    copy failed, the index is made here then (a template's error is raised there, as for a page
    rendered while written). The page cache is pruned once the index is in it."""

    def __init__(self, index: Apart | None, here: Callable[..., tuple[str, pagework.Outcome, bool]], cache_dir: Path,
                 used: set[str], written: pagecache.Written | None, rendered: list[str] | None) -> None:
        self._index = index
        self._here = here
        self._cache_dir = cache_dir
        self._used = used
        self._written = written
        self._rendered = rendered
        self._files: dict[str, bytes] | None = None

    def file(self, name: str) -> _LaterFile:
        return _LaterFile(self, name)

    def content(self, name: str) -> bytes:
        if self._files is None:
            found = self._index.result() if self._index is not None else None
            key, names, new = found if found is not None else self._here()
            assert names is not None
            if new and self._rendered is not None:
                self._rendered.append(INDEX)
            self._used.add(key)
            if self._written is not None:
                self._written.ledger.update(dict.fromkeys(_INDEX_FILES, key))
            read = names if isinstance(names, dict) else {n: pagecache.read(self._cache_dir, key, n) for n in names}
            files = {n: c for n, c in read.items() if c is not None}
            self._files = files if len(files) == len(read) else self._here_rendered()  # pruned meanwhile
            pagecache.prune(self._cache_dir, self._used)
        return self._files[name]

    def _here_rendered(self) -> dict[str, bytes]:
        _, files, _ = self._here(cached=False)
        assert isinstance(files, dict)
        return files

    def close(self) -> None:
        """The copy ended, whether its result was taken or not."""
        if self._index is not None:
            self._index.close()


class _LaterFile(Later):
    """One file of the index made apart (`_Later`), staged last."""

    def __init__(self, later: _Later, name: str) -> None:
        self._later = later
        self._name = name

    def __iter__(self) -> Iterator[bytes]:
        yield self._later.content(self._name)

    def close(self) -> None:
        self._later.close()


# Claims from which the index is made apart (`_index_apart`): its search and consistency list cost
# 0.5 s at 50,000 claims; a copy of the command costs some hundredths. A build of many pages (a
# first one) has every other page rendered by a copy (`_render_share`) rather than by workers,
# and then the index made apart, below COPY_MOST claims: a copy made while the command holds
# every page's data would pass 1 GB at 50,000 works (250,000 claims); workers hold only a slice.
INDEX_APART = 10000
COPY_MOST = 100000


def _index_apart(inputs: Inputs, lang: str, cache_dir: Path, renderer: _Renderer, templates: str,
                 lookups: _Lookups | None = None) -> Apart | None:
    """The index being made and kept in the page cache (`_index_page`) by a copy of this process
    (kb.apart), on a machine of two cores or more; else None. A copy is made whatever the load
    (as workers are not): it lasts less than a second."""
    if pagework.cores() < 2:
        return None
    return Apart.fork(_index_page, inputs, lang, cache_dir, renderer, templates, lookups)


def _index_page(inputs: Inputs, lang: str, cache_dir: Path, renderer: _Renderer, templates: str,
                lookups: _Lookups | None = None, cached: bool = True) -> tuple[str, pagework.Outcome, bool]:
    """The index's cache key, its names in the page cache (or its files: where the cache could not
    keep them, or not `cached`) and whether it was rendered (not found in the cache)."""
    piece = slices(inputs, {INDEX}, lookups)[INDEX]
    key = pagecache.page_key(INDEX, piece, lang, templates)
    if not cached:
        return key, renderer.page(INDEX, piece), True
    names = pagecache.lookup(cache_dir, key)
    if names is not None:
        return key, names, False
    return key, _keep(renderer, cache_dir, INDEX, piece, key), True


def _workers(inputs: Inputs, lang: str, cache_dir: Path | None, renderer: _Renderer,
             pages: int) -> pagework.Workers | None:
    """Workers for the pages of a large report kept in a page cache, on a machine with cores to spare."""
    spare = min(pagework.spare_cores(), pagework.MOST)
    if cache_dir is None or pages < pagework.PARALLEL_FROM or spare < 1:
        return None
    return pagework.Workers(inputs.root, lang, renderer.compiled, cache_dir, spare)


def _keep(renderer: _Renderer, cache_dir: Path, path: str, piece: dict[str, Any],
          key: str) -> list[str] | dict[str, bytes]:
    """The page at `path` rendered here and put in the page cache: its names there, or its files
    when the cache could not keep it."""
    page = renderer.page(path, piece)
    return list(page) if pagecache.keep(cache_dir, key, page) else page


def _left(written: pagecache.Written, there: dict[str, list[Any]], path: str, key: str) -> bool:
    """Whether every file of the page at `path` in the output folder holds the page `key` still, as
    this cache wrote it there; if so they are put in `written` as left as they are."""
    seen = {}
    for name in _names(path):
        found = pagecache.unchanged(there, written.out, name, key)
        if found is None:
            return False
        seen[name] = found
    written.ledger.update(dict.fromkeys(seen, key))
    written.same += seen
    written.seen.update(seen)
    return True


def _names(path: str) -> list[str]:
    """The files of the page at `path`: a leaflet's page has its Markdown beside it."""
    return [path, path.removesuffix(".html") + ".md"] if path.startswith(f"{FOLDER}/leaflets/") else [path]


def _kept(report: dict[str, Any], there: dict[str, list[Any]], scope: Scope) -> dict[str, str]:
    """Page path -> its cache key, for the pages of `report` that show nothing `scope` changed
    and that the last build wrote (`there`: page file -> [key, ...]); the index always changes."""
    pages = works_pages([w["key"] for w in report["works"]])
    changed = {leaflet_page(d) for d in scope.documents} | {pages[k] for k in scope.works if k in pages} | {INDEX}
    kept = {}
    for path in every_page(report) - changed:
        keys = {str(there[name][0]) if name in there else "" for name in _names(path)}
        if len(keys) == 1 and "" not in keys:
            kept[path] = keys.pop()
    return kept


def _every_other(report: dict[str, Any], wanted: set[str] | None) -> set[str]:
    """Every other leaflet's and works page of those `wanted` (None: all), in the order they are
    sliced (`each_slice`): a copy's share of the rendering (`_render_share`)."""
    pages = works_pages([w["key"] for w in report["works"]])
    order = [leaflet_page(d["id"]) for d in report["documents"]] + list(dict.fromkeys(pages[k] for k in sorted(pages)))
    return set([path for path in order if wanted is None or path in wanted][1::2])


def _render_share(inputs: Inputs, paths: set[str], lang: str, cache_dir: Path, renderer: _Renderer,
                  templates: str, lookups: _Lookups) -> list[tuple[str, str, pagework.Outcome, bool]]:
    """In a copy of the command (kb.apart): the pages at `paths` sliced, and taken from the page
    cache or rendered into it, in slice order: each one's path, key, names in the cache (its files
    where the cache could not keep them; None where it could not be rendered: the command renders
    it again and meets the error) and whether it was rendered."""
    done: list[tuple[str, str, pagework.Outcome, bool]] = []
    for path, piece in each_slice(inputs, paths, lookups):
        key = pagecache.page_key(path, piece, lang, templates)
        names: pagework.Outcome = pagecache.lookup(cache_dir, key)
        new = names is None
        if new:
            try:
                names = _keep(renderer, cache_dir, path, piece, key)
            except Exception:  # noqa: BLE001  (the command renders it again and reports the error)
                names = None
        done.append((path, key, names, new))
    return done


def _again(renderer: _Renderer, inputs: Inputs, path: str) -> dict[str, bytes]:
    """A page rendered again, from its slice made again (not held meanwhile)."""
    return renderer.page(path, slices(inputs, {path})[path])


def _later(cache_dir: Path, key: str, name: str, again: Callable[[], dict[str, bytes]]) -> Linked:
    """The file `name` of the cached page `key`, linked to where the cache keeps it when it is
    written (a page is written once); read, or rendered again should a concurrent run have pruned
    it meanwhile, where it cannot be linked."""
    def fallback() -> bytes:
        content = pagecache.read(cache_dir, key, name)
        return content if content is not None else again()[name]

    return Linked(partial(pagecache.source, cache_dir, key, name), fallback)


def stale(out: Path, written: list[Path]) -> list[Path]:
    """Pages in `out/report/` this report did not write (a leaflet since removed, a single report
    replacing a paged one): `kb report` removes them."""
    folder = out / FOLDER
    if not folder.is_dir():
        return []
    kept = {os.path.normpath(p) for p in written}
    found = []
    for where, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(where, name)
            if name.endswith((".html", ".md")) and os.path.normpath(path) not in kept and os.path.isfile(path):
                found.append(Path(path))
    return sorted(found)
