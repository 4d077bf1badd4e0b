"""A leaflet read from a Word document (.docx) with python-docx: headings by their style, list
items by their style or numbering, tables' text in order, the title and language of its
properties."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from typing import Any

from kb.findings import UNREADABLE_INPUT, Finding, Location
from kb.intake.model import Block, Source
from kb.intake.text import language_code, tidy

_HEADING_STYLE = re.compile(r"(?:heading|kop)\s*([1-9])", re.IGNORECASE)
_TITLE_STYLE = re.compile(r"title|titel", re.IGNORECASE)
_LIST_STYLE = re.compile(r"list|lijst|opsomming", re.IGNORECASE)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound file: a .doc, or a .docx encrypted with a password


def read_docx(data: bytes, shown: str) -> Source | Finding:
    """The leaflet in the .docx `data`; a finding when it is encrypted, broken, or holds no text."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    where = Location(shown, 0)
    if data.startswith(_OLE):
        return UNREADABLE_INPUT.finding(where, "the document is protected by a password, or is an old .doc "
                                        "file: save it as .docx without a password first")
    try:
        document = docx.Document(io.BytesIO(data))
        blocks = tuple(_blocks(document))
        properties = document.core_properties
        title, language = tidy(properties.title or ""), language_code(properties.language or "")
    except (zipfile.BadZipFile, PackageNotFoundError) as error:
        return UNREADABLE_INPUT.finding(where, f"not a Word document (.docx), or a broken one: {error}")
    except (KeyError, ValueError, AttributeError) as error:  # a package whose parts are missing or malformed
        return UNREADABLE_INPUT.finding(where, f"the Word document is broken: {type(error).__name__}: {error}")
    except Exception as error:  # noqa: BLE001  (lxml's parse errors of a broken part, among others)
        return UNREADABLE_INPUT.finding(where, f"the Word document is broken: {' '.join(str(error).split())[:200]}")
    if not blocks:
        return UNREADABLE_INPUT.finding(where, "the Word document holds no text (only images?): nothing to read")
    return Source(blocks=blocks, title=title, language=language)


def _blocks(document: Any) -> Iterator[Block]:
    from docx.table import Table

    for part in document.iter_inner_content():
        if isinstance(part, Table):
            yield from _table(part)
        else:
            block = _paragraph(part)
            if block is not None:
                yield block


def _table(table: Any) -> Iterator[Block]:
    seen: set[int] = set()
    for row in table.rows:
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is listed once per column it spans
                continue
            seen.add(id(cell._tc))
            for paragraph in cell.paragraphs:
                block = _paragraph(paragraph)
                if block is not None:
                    yield block
            for inner in cell.tables:
                yield from _table(inner)


def _paragraph(paragraph: Any) -> Block | None:
    text = tidy(paragraph.text)
    if not text:
        return None
    names = _style_names(paragraph.style)
    heading = next((min(int(m.group(1)), 6) for n in names if (m := _HEADING_STYLE.search(n))), 0)
    if not heading and any(_TITLE_STYLE.fullmatch(n) for n in names):
        heading = 1
    properties = paragraph._p.pPr
    numbered = properties is not None and properties.numPr is not None
    item = not heading and (numbered or any(_LIST_STYLE.search(n) for n in names))
    return Block(text, heading=heading, item=item)


def _style_names(style: Any) -> list[str]:
    """The names of a paragraph's style and the styles it is based on."""
    names: list[str] = []
    while style is not None and len(names) < 10:
        names.append(style.name or "")
        style = style.base_style
    return names

