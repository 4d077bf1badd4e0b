"""A leaflet read from a saved web page: its main content only, without navigation, cookie
banners, header, footer and side bars, found by readability-lxml; headings, list items and
paragraphs as the page marks them up; the title of `<title>` (or the first `<h1>`) and the
language of `<html lang>`.

Nothing of the page is run or fetched: it is parsed by lxml (no network access, no external
entities), its scripts and styles are dropped, and no address it names is asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kb.findings import UNREADABLE_INPUT, Finding, Location
from kb.intake.model import Block, Source
from kb.intake.text import language_code, tidy

_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_PARAGRAPHS = frozenset({"p", "pre", "dt", "dd", "td", "th", "figcaption", "caption", "address", "blockquote"})
_SKIPPED = frozenset({"script", "style", "noscript", "template", "nav", "button", "form", "select", "svg", "iframe"})
_BLOCKS = frozenset(_HEADINGS) | _PARAGRAPHS | frozenset({
    "div", "section", "article", "main", "ul", "ol", "li", "table", "thead", "tbody", "tfoot", "tr", "dl",
    "header", "footer", "aside", "figure", "hr", "body", "html", "details", "summary"})


def read_html(data: bytes, shown: str) -> Source | Finding:
    """The main content of the saved page `data`; a finding when it holds no text."""
    import lxml.html
    from readability import Document
    from readability.readability import Unparseable

    where = Location(shown, 0)
    try:
        page = lxml.html.document_fromstring(data)
        readable = Document(data)
        summary = readable.summary(html_partial=True)
    except (Unparseable, ValueError) as error:
        return UNREADABLE_INPUT.finding(where, f"the page cannot be read as HTML: {' '.join(str(error).split())[:200]}")
    blocks = tuple(_blocks(lxml.html.fragment_fromstring(summary, create_parent="div")))
    if not blocks:
        return UNREADABLE_INPUT.finding(where, "the page holds no text to read")
    # The page's own heading names the leaflet; <title> often adds the site ("... | Site").
    title = next((b.text for b in blocks if b.heading == 1), "")
    if not title:
        titles = page.xpath("//title")
        title = tidy(titles[0].text_content()) if titles else ""
    language = language_code(page.get("lang") or page.get("{http://www.w3.org/XML/1998/namespace}lang") or "")
    return Source(blocks=blocks, title=title, language=language)


def _blocks(element: Any) -> Iterator[Block]:
    """The blocks of `element`: its headings, items and paragraphs, and the loose text between
    its block children as paragraphs of their own."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _SKIPPED:
        return
    if tag in _HEADINGS:
        text = tidy(element.text_content())
        if text:
            yield Block(text, heading=_HEADINGS[tag])
        return
    if not any(isinstance(c.tag, str) and c.tag in _BLOCKS for c in element.iterchildren()):
        text = tidy(_inline(element))
        if text:
            yield Block(text, item=tag == "li")
        return
    run: list[str] = [element.text or ""]
    item = tag == "li"
    for child in element.iterchildren():
        if isinstance(child.tag, str) and child.tag in _BLOCKS:
            text = tidy("".join(run))
            if text:
                yield Block(text, item=item)
                item = False
            run = []
            yield from _blocks(child)
        elif not (isinstance(child.tag, str) and child.tag in _SKIPPED):
            run.append(_inline(child))
        run.append(child.tail or "")
    text = tidy("".join(run))
    if text:
        yield Block(text, item=item)


def _inline(element: Any) -> str:
    """The text of an element holding no blocks, as it is; a `<br>` is a space."""
    parts = [element.text or ""]
    for child in element.iterchildren():
        if isinstance(child.tag, str) and child.tag == "br":
            parts.append(" ")
        elif not (isinstance(child.tag, str) and child.tag in _SKIPPED):
            parts.append(_inline(child))
        parts.append(child.tail or "")
    return "".join(parts)
