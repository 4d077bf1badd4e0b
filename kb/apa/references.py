"""Reference-list entries in APA 7: the one rendering of a work's reference, in every output.

`kb leaflet` prints these entries under its text; the report (report.json's `reference`,
report.html, report.md) and `kb show` print the same strings. An entry is rich text (the
marks of kb.apa.style) with the URLs it prints; `html`, `markdown` and `plain` turn rich
text into each output format, escaped, with those URLs made links where `kb.links` lets them
(http, https and real DOIs; anything else is text).

Year suffixes (2017a, 2017b) are assigned among the works rendered together: a leaflet
renders the works it cites, the report every work of the knowledge base, and `kb show` the
works of one year, which give the report's suffixes (`of_year`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from kb.apa import csl
from kb.apa.marks import MARKS
from kb.bibliography import Work
from kb.links import doi_href, href
from kb.markdown import Markdown
from kb.markdown import text as markdown_text

if TYPE_CHECKING:  # the CSL processor is loaded to render: a report whose entries are kept never does
    from kb.apa import formatting


@dataclass(frozen=True)
class Entry:
    """One work's entry of an APA 7 reference list."""

    key: str  # the work's key
    text: str  # the entry as rich text (kb.apa.marks.MARKS)
    links: tuple[str, ...]  # URLs printed in it (the DOI link, the URL), to be made links

    @property
    def plain(self) -> str:
        """The entry as plain text, without italics."""
        return plain(self.text)

    @cached_property  # a report shows an entry once per claim citing it
    def html(self) -> Markup:
        """The entry as HTML: italics as `<i>`, its URLs as links."""
        return html(self.text, self.links)

    @cached_property
    def markdown(self) -> Markdown:
        """The entry as Markdown: italics as `*...*`, its URLs as links."""
        return markdown(self.text, self.links)


def render(works: Sequence[Work], locale: str) -> dict[str, Entry]:
    """Work key -> its reference-list entry, `works` rendered together in `locale`
    ("nl-NL", "en-US"), in the list's order. A work APA lists nowhere has no entry."""
    from kb.apa import formatting

    # Entries only: no in-text citation is asked for, so none is rendered.
    return entries(formatting.format_items(csl.items(works), locale, citations=()), works)


def of_year(works: Iterable[Work], year: str) -> list[Work]:
    """The works of `year` ("" for none), in the order given: all the works that decide the
    year suffixes of that year's works, since APA tells works apart by letters only when their
    authors *and year* are the same. Rendered together, these works get the entries that
    rendering all `works` gives them, at a fraction of the cost (`kb show` on a large KB)."""
    return [work for work in works if work.year.strip() == year.strip()]


def entries(formatted: formatting.Formatted, works: Iterable[Work]) -> dict[str, Entry]:
    """Work key -> the entry `formatted` holds for it, in the list's order."""
    by_key = {work.key: work for work in works}
    return {key: Entry(key, text, links(by_key[key], text)) for key, text in formatted.entries}


def links(work: Work, text: str) -> tuple[str, ...]:
    """The URLs of `work` that its entry `text` prints and that may be links (kb.links): its
    DOI's link when it is a real DOI, its URL when it is http or https. A `javascript:` URL or
    a DOI field holding anything but a DOI stays text."""
    found = []
    if doi_href(csl.doi(work)):
        found.append("https://doi.org/" + csl.doi(work))
    if href(work.get("url")):
        found.append(work.get("url").strip())
    return tuple(u for u in found if u and u in text)


# --- rich text in each output format ------------------------------------------------------

_HTML_MARKS = {"\ue000": "<i>", "\ue001": "</i>", "\ue002": "<b>", "\ue003": "</b>",
               "\ue004": '<span style="font-variant:small-caps">', "\ue005": "</span>",
               "\ue006": "<sup>", "\ue007": "</sup>", "\ue008": "<sub>", "\ue009": "</sub>"}
_MD_MARKS = {"\ue000": "*", "\ue001": "*", "\ue002": "**", "\ue003": "**", "\ue004": "", "\ue005": "",
             "\ue006": "^", "\ue007": "^", "\ue008": "~", "\ue009": "~"}

def _pieces(rich: str, links: tuple[str, ...]) -> list[str]:
    """`rich` cut at its links: text, link, text, ... (odd indices are links). From the left,
    the nearest link, the first of `links` where two start at one place: what splitting at a
    pattern of the links as alternatives gives, without compiling a pattern per entry."""
    pieces = []
    start = 0
    while links:
        found = -1, ""
        for url in links:
            at = rich.find(url, start)
            if at >= 0 and (found[0] < 0 or at < found[0]):
                found = at, url
        at, url = found
        if at < 0 or not url:
            break
        pieces += [rich[start:at], url]
        start = at + len(url)
    pieces.append(rich[start:])
    return pieces


def html(rich: str, links: tuple[str, ...] = ()) -> Markup:
    """Rich text as HTML, escaped, with `links` made links where kb.links lets them."""
    out = []
    for i, part in enumerate(_pieces(rich, links)):
        target = href(part) if i % 2 else None
        if target:
            out.append(f'<a href="{escape(target)}">{escape(part)}</a>')
        else:
            out.append(MARKS.sub(lambda m: _HTML_MARKS[m.group()], str(escape(part))))
    return Markup("".join(out))


def markdown(rich: str, links: tuple[str, ...] = (), pandoc: bool = False) -> Markdown:
    """Rich text as Markdown (pandoc's, with `pandoc`), escaped, with `links` as autolinks
    where kb.links lets them."""
    out = []
    for i, part in enumerate(_pieces(rich, links)):
        target = href(part) if i % 2 else None
        if target:
            out.append(f"<{target}>")
        else:
            out.append(MARKS.sub(lambda m: _MD_MARKS[m.group()], markdown_text(part, pandoc)))
    return Markdown("".join(out))


def plain(rich: str) -> str:
    """Rich text as plain text: the marks removed."""
    return MARKS.sub("", rich)
