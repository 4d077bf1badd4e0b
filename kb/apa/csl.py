"""CSL-JSON items: the one conversion of `references.bib` records into the CSL data model.

Every CSL processor (citeproc-py here, pandoc's citeproc, Zotero) reads CSL-JSON, so this is
the form in which works leave the knowledge base. The conversion starts from pybtex's
parsed and LaTeX-decoded fields, never from a BibTeX-to-CSL reader of some other tool
(citeproc-py's drops a chapter's "In", editors and publisher, title-cases Dutch titles and
gives no year suffixes).

Facts stay as the record gives them: a title is not re-cased (Dutch titles are in sentence
case already, and a bracketed placeholder title is a statement of what is unknown), and a
DOI that was never seen in a source (`doiunverified`) is never put in `DOI`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from kb.bibliography import Name, Work
from kb.links import bare_doi

# BibTeX/BibLaTeX entry type -> CSL item type (as biblatex-csl-converter and pandoc map them).
TYPES = {
    "article": "article-journal",
    "book": "book",
    "mvbook": "book",
    "collection": "book",
    "mvcollection": "book",
    "proceedings": "book",
    "booklet": "pamphlet",
    "inbook": "chapter",
    "incollection": "chapter",
    "bookinbook": "chapter",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "manual": "report",
    "report": "report",
    "techreport": "report",
    "thesis": "thesis",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "unpublished": "manuscript",
    "online": "webpage",
    "www": "webpage",
    "electronic": "webpage",
    "dataset": "dataset",
    "software": "software",
    "misc": "document",
}

# The genre APA prints for a thesis whose record gives no `type`.
THESIS_GENRES = {"phdthesis": "Doctoral dissertation", "mastersthesis": "Master's thesis"}

# Plain fields copied as they are: BibTeX name -> CSL variable.
_PLAIN = {
    "title": "title",
    "shorttitle": "title-short",
    "edition": "edition",
    "volume": "volume",
    "url": "URL",
    "isbn": "ISBN",
    "issn": "ISSN",
    "pmid": "PMID",
    "pmcid": "PMCID",
    "publisher": "publisher",
    "address": "publisher-place",
    "location": "publisher-place",
    "series": "collection-title",
    "chapter": "chapter-number",
    "eventtitle": "event-title",
}

_MONTHS = {name: i for i, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
# BibLaTeX `langid`/`language` values -> the language tags CSL expects.
_LANGUAGES = {"dutch": "nl", "nederlands": "nl", "flemish": "nl", "english": "en", "american": "en-US",
              "british": "en-GB", "german": "de", "ngerman": "de", "french": "fr", "spanish": "es"}
_DASHES = re.compile(r"\s*(?:-{1,3}|–|—)\s*")
# Two numbers ("19", "S1", "4a") joined by a dash, not part of a longer identifier ("BCCS-02-01",
# "s41593-020-00711-6", "JNEUROSCI.1920-17.2018").
_RANGE = re.compile(r"(?<![\w./-])([A-Za-z]*(\d+)[A-Za-z]*)\s*(?:-{1,3}|–|—)\s*([A-Za-z]*(\d+)[A-Za-z]*)(?![\w./-])")
# Text fields whose TeX dash ligatures ("--" en dash, "---" em dash) are typography, not hyphens.
_TEXT = ("title", "title-short", "container-title", "collection-title", "publisher", "publisher-place",
         "edition", "genre", "event-title")


def text(value: str) -> str:
    """A decoded text field with TeX's dash ligatures as the dashes they stand for."""
    return value.strip().replace("---", "\u2014").replace("--", "\u2013")


def name(person: Name) -> dict[str, str]:
    """One person in CSL's parts. A BibTeX "von" part (van den, de, aan het) stays with the
    surname wherever it is shown, which is what CSL calls a non-dropping particle. Braces that
    kept BibTeX from splitting a name (`{van der} Berg`) hide the particle; it is split off
    again when lower-case words open a surname that goes on with a capital."""
    particle, family = person.von, person.last
    words = family.split(" ")
    if not particle and words[0].islower():
        lead = next((i for i, w in enumerate(words) if not w.islower()), 0)
        if lead and words[lead][:1].isupper():
            particle, family = " ".join(words[:lead]), " ".join(words[lead:])
    parts = {"family": family, "given": person.first,
             "non-dropping-particle": particle, "suffix": person.jr}
    return {key: value for key, value in parts.items() if value}


def doi(work: Work) -> str:
    """The DOI that was seen in a source, bare (`10.x/y`); "" when there is none."""
    return bare_doi(work.doi)


def pages(value: str) -> str:
    """`239--248` -> `239-248`: CSL processors set the range dash themselves."""
    return _DASHES.sub("-", value.strip())


def ranges(value: str, dash: str = "-") -> str:
    """`19--20` -> `19-20`: the ranges in a volume or issue with `dash` between their numbers,
    as CSL data writes them (the printed dash is the processor's, kb.apa.style). Only a range
    that goes up is one: an issue "2020-1" is the year's first, not a range."""
    def join(match: re.Match[str]) -> str:
        if int(match.group(2)) >= int(match.group(4)):
            return match.group()
        return f"{match.group(1)}{dash}{match.group(3)}"
    return _RANGE.sub(join, value.strip())


def _issued(work: Work) -> dict[str, Any] | None:
    year = work.year.strip()
    if not year:
        return None
    if not year.isdigit():
        return {"literal": year}
    parts = [int(year)]
    month = work.get("month").strip().lower()[:3]
    if month.isdigit() and 1 <= int(month) <= 12:
        parts.append(int(month))
    elif month in _MONTHS:
        parts.append(_MONTHS[month])
    return {"date-parts": [parts]}


def item(work: Work) -> dict[str, Any]:
    """The CSL-JSON item of one work: only standard CSL variables, keys in sorted order."""
    csl_type = TYPES.get(work.entry_type, "document")
    data: dict[str, Any] = {"id": work.key, "type": csl_type}
    for field, variable in _PLAIN.items():
        value = work.get(field).strip()
        if value and variable not in data:
            data[variable] = value
    if work.authors:
        data["author"] = [name(p) for p in work.authors]
    if work.editors:
        data["editor"] = [name(p) for p in work.editors]
    issued = _issued(work)
    if issued:
        data["issued"] = issued
    container = work.get("journal") or work.get("journaltitle") or work.get("booktitle")
    if container.strip():
        data["container-title"] = container.strip()
    number = work.get("number").strip()
    if number:
        data["issue" if csl_type in ("article-journal", "article-magazine", "article-newspaper") else "number"] = number
    if work.get("issue").strip():
        data["issue"] = work.get("issue").strip()
    for variable in ("volume", "issue"):
        if variable in data:
            data[variable] = ranges(text(data[variable]))  # "2020--1", no range, keeps its en dash
    if work.get("pages").strip():
        data["page"] = pages(work.get("pages"))
    publisher = work.get("institution") or work.get("school") or work.get("organization")
    if publisher.strip() and "publisher" not in data:
        data["publisher"] = publisher.strip()
    genre = work.get("type").strip() or THESIS_GENRES.get(work.entry_type, "")
    if genre:
        data["genre"] = genre
    language = (work.get("langid") or work.get("language")).strip().lower()
    if language:
        data["language"] = _LANGUAGES.get(language, language)
    if doi(work):
        data["DOI"] = doi(work)
    for variable in _TEXT:
        if variable in data:
            data[variable] = text(data[variable])
    return dict(sorted(data.items()))


def items(works: Iterable[Work]) -> list[dict[str, Any]]:
    """CSL-JSON for `works`, in the order given."""
    return [item(work) for work in works]
