"""What comes in: a leaflet read from its file, and records drafted from a reference list or an
export, before they join the KB.

These shapes are shared by `kb add` (kb/intake/add.py), the reference-list parser
(kb/intake/entries.py) and `kb import` (kb/intake/merge.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Block:
    """One block of a leaflet's text as published: a heading, a paragraph or a list item."""

    text: str  # reflowed: one line, no hyphenation break, whitespace collapsed
    heading: int = 0  # 1..6 for a heading (its level), 0 otherwise
    item: bool = False  # a list item


@dataclass(frozen=True)
class Source:
    """A leaflet read from a .pdf, .docx, .html, .md or .txt file."""

    blocks: tuple[Block, ...]  # in reading order, without running headers, footers and page numbers
    title: str = ""  # the document's own title (PDF/DOCX metadata, HTML <title> or first h1), "" if none
    language: str = ""  # "nl" or "en" when the file says so, "" otherwise
    references: tuple[str, ...] = ()  # the entries of its reference list, each as printed (one line)
    references_heading: str = ""  # the heading that opened the list ("Literatuur"), "" when none


@dataclass(frozen=True)
class Draft:
    """A record drafted from a printed reference entry, an export or a DOI lookup."""

    entry_type: str  # BibTeX: article, book, incollection, techreport, misc, online, ...
    authors: tuple[tuple[str, str], ...] = ()  # (family, given) in order; a group author as (name, "")
    year: str = ""  # "2019", or "" when the entry has none ("n.d.")
    title: str = ""
    container: str = ""  # journal, or the book of a chapter
    volume: str = ""
    issue: str = ""
    pages: str = ""  # "239-248" or an article number
    doi: str = ""  # bare, lower case
    url: str = ""
    publisher: str = ""
    editors: tuple[tuple[str, str], ...] = ()
    printed: str = ""  # the entry as printed in the reference list, whole
    extra: dict[str, str] = field(default_factory=dict)  # other BibTeX fields (address, edition, note, ...)
    status: str = "listed"  # verificationstatus: `listed` for a reference-list entry
    source: str = ""  # where it came from, for messages: "claims/a.txt:88", "zotero.ris:12"
