"""A leaflet read from the file a person has: PDF, Word, a saved web page, Markdown or plain text.

Each reader gives a `Source`: the blocks of the text as published (headings, paragraphs, list
items) in reading order, the document's own title and language where the file says them. A
file that cannot be read (no text layer, a password, broken) is one finding, never a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from kb.findings import UNREADABLE_INPUT, Finding, Location
from kb.intake.model import Block, Source
from kb.intake.text import join_lines, list_marker
from kb.paths import LOOSE, decode

_HEADING = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_UNDERLINE = re.compile(r" {0,3}(=+|-+)[ \t]*$")
_ITEM = re.compile(r" {0,3}(?:[-*+•]|\d{1,3}[.)])[ \t]+")
_BREAK = re.compile(r" {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")


def read_source(path: Path, shown: str) -> Source | Finding:
    """The leaflet in the file at `path` (shown as `shown` in messages), read by its suffix."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        return UNREADABLE_INPUT.finding(Location(shown, 0), f"cannot read a {path.suffix or 'file without suffix'}: "
                                        f"give a {', '.join(sorted(READERS))} file")
    data = LOOSE.read(path, shown)
    if isinstance(data, Finding):
        return data
    return reader(data, shown)


def _pdf(data: bytes, shown: str) -> Source | Finding:
    from kb.intake.pdf import read_pdf

    return read_pdf(data, shown)


def _docx(data: bytes, shown: str) -> Source | Finding:
    from kb.intake.word import read_docx

    return read_docx(data, shown)


def _html(data: bytes, shown: str) -> Source | Finding:
    from kb.intake.webpage import read_html

    return read_html(data, shown)


def _markdown(data: bytes, shown: str) -> Source | Finding:
    text = decode(data, shown)
    if isinstance(text, Finding):
        return text
    blocks = tuple(markdown_blocks(text))
    title = next((b.text for b in blocks if b.heading == 1), "")
    return Source(blocks=blocks, title=title)


def markdown_blocks(text: str) -> list[Block]:
    """The blocks of a Markdown or plain text: `#` and underlined headings, `-`, `*`, `+` and
    numbered items (a numbered item keeps its number: it is part of the text as published),
    paragraphs apart by blank lines, each made one line."""
    blocks: list[Block] = []
    lines: list[str] = []
    item = False

    def close() -> None:
        nonlocal lines, item
        joined = join_lines(lines)
        if joined:
            blocks.append(Block(joined, item=item))
        lines, item = [], False

    for raw in text.splitlines():
        heading = _HEADING.match(raw)
        underline = _UNDERLINE.match(raw)
        if not raw.strip():
            close()
        elif heading:
            close()
            if heading.group(2):
                blocks.append(Block(join_lines([heading.group(2)]), heading=len(heading.group(1))))
        elif underline and len(lines) == 1 and not item:
            blocks.append(Block(join_lines(lines), heading=1 if underline.group(1)[0] == "=" else 2))
            lines = []
        elif _BREAK.match(raw):
            close()
        elif (marker := _ITEM.match(raw)) is not None:
            close()
            bullet = not marker.group(0).strip()[0].isdigit()
            item = bullet
            lines = [raw[marker.end():] if bullet else raw.strip()]
        else:
            if item and list_marker(raw) is None and not raw.startswith((" ", "\t")) and not lines:
                close()
            lines.append(raw)
    close()
    return blocks


READERS: dict[str, Callable[[bytes, str], Source | Finding]] = {
    ".pdf": _pdf, ".docx": _docx, ".html": _html, ".htm": _html, ".md": _markdown, ".txt": _markdown,
}
