"""A leaflet read from a PDF's text layer: its blocks in reading order, without running headers,
footers and page numbers, hyphenation breaks joined.

pdfminer.six gives the text lines of each page with their positions, sizes and fonts. From
them: lines repeated at the same height on most pages (a title, "Pagina 3 van 8", a date, an
address) and page numbers in the margins are left out; the columns of a page are found by the
gutters no line crosses, and read left to right, each top to bottom, under any line that spans
them; the lines of a column are grouped into paragraphs by the gaps between them, and into
headings by a larger or bold font; a paragraph's lines are joined, a word broken at a line end
made whole again.
"""

from __future__ import annotations

import io
import itertools
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from kb.findings import UNREADABLE_INPUT, Finding, Location
from kb.intake.model import Block, Source
from kb.intake.text import Hyphenation, join_lines, language_code, list_marker, tidy

_EDGE = 0.12  # the share of a page's height at its top and at its bottom where headers and footers stand
_PAGE_NUMBER = re.compile(
    r"(?:(?:pagina|page|blz\.?|bladzijde|p\.)\s*)?[-–—]?\s*\d{1,4}\s*[-–—]?"
    r"(?:\s*(?:/|van|of|uit)\s*\d{1,4})?", re.IGNORECASE)
_BOLD = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)


@dataclass(frozen=True)
class Piece:
    """A run of text on one line of a page, as pdfminer found it."""

    page: int  # 0-based
    x0: float  # left edge
    x1: float  # right edge
    top: float  # distance of its top from the page's top
    bottom: float  # distance of its bottom from the page's top
    text: str  # as in the PDF, ligatures expanded; a trailing space kept (a break after a hyphen)
    size: float  # font size of most of its characters
    bold: bool  # most of its characters in a bold font


@dataclass(frozen=True)
class Line:
    """The pieces of one column at one height, left to right."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    column: tuple[int, int, int]  # (page, band, column): a change is a column or page break
    right: float  # the right edge of its column


def read_pdf(data: bytes, shown: str) -> Source | Finding:
    """The leaflet in the PDF `data`; a finding when it has no text layer, a password, or is broken."""
    pages = _pages(data, shown)
    if isinstance(pages, Finding):
        return pages
    pieces, heights, title, language, marked = pages
    if sum(len(p.text.strip()) for p in pieces) < 20:
        return UNREADABLE_INPUT.finding(Location(shown, 0), "the PDF has no text layer (a scanned or image-only "
                                        "PDF?): nothing to read; make it searchable with OCR first")
    pieces = _without_margins(pieces, heights)
    body = _body_size(pieces)
    lines = list(_lines(pieces, body))
    blocks = _blocks(lines, body, marked)
    return Source(blocks=tuple(blocks), title=title, language=language)


def _pages(data: bytes, shown: str) -> tuple[list[Piece], list[float], str, str, bool] | Finding:
    """Every text line of every page, the pages' heights, the document's title and language, and
    whether its producer prints a hyphenation break as U+2010 (chromium's Skia: a plain hyphen
    at a line end is then the text's own)."""
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    where = Location(shown, 0)
    if not data.lstrip()[:5].startswith(b"%PDF-"):
        return UNREADABLE_INPUT.finding(where, "not a PDF file (it does not start with %PDF-)")
    pieces: list[Piece] = []
    heights: list[float] = []
    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
        title, language, producer = _metadata(document)
        manager = PDFResourceManager()
        device = PDFPageAggregator(manager, laparams=LAParams())
        interpreter = PDFPageInterpreter(manager, device)
        for number, page in enumerate(PDFPage.create_pages(document)):
            interpreter.process_page(page)
            layout = device.get_result()
            heights.append(float(layout.height))
            pieces.extend(_pieces(layout, number, float(layout.height)))
    except PDFPasswordIncorrect:
        return UNREADABLE_INPUT.finding(where, "the PDF is protected by a password; save it without one first")
    except PDFEncryptionError as error:
        return UNREADABLE_INPUT.finding(where, f"the PDF's encryption cannot be read: {error}")
    except RecursionError:
        return UNREADABLE_INPUT.finding(where, "the PDF is broken: its objects nest without end")
    except Exception as error:  # noqa: BLE001  (pdfminer's parser raises many kinds on broken input)
        reason = str(error) or type(error).__name__
        return UNREADABLE_INPUT.finding(where, f"the PDF is broken or truncated: {' '.join(reason.split())[:200]}")
    if not heights:
        return UNREADABLE_INPUT.finding(where, "the PDF is broken or truncated: it has no pages")
    return pieces, heights, title, language, producer.startswith("Skia/PDF")


def _metadata(document: object) -> tuple[str, str, str]:
    """The Title and Producer of the document information and the catalog's /Lang, "" where absent."""
    from pdfminer.pdftypes import resolve1
    from pdfminer.utils import decode_text

    def text(value: object) -> str:
        value = resolve1(value)
        if isinstance(value, bytes):
            return tidy(decode_text(value))
        return tidy(value) if isinstance(value, str) else ""

    infos = getattr(document, "info", [])
    title = next((text(info.get("Title")) for info in infos if info.get("Title")), "")
    producer = next((text(info.get("Producer")) for info in infos if info.get("Producer")), "")
    catalog = getattr(document, "catalog", {})
    return title, language_code(text(catalog.get("Lang")) if isinstance(catalog, dict) else ""), producer


def _pieces(layout: object, page: int, height: float) -> Iterator[Piece]:
    from pdfminer.layout import LTChar, LTTextLineHorizontal

    def walk(item: object) -> Iterator[LTTextLineHorizontal]:
        if isinstance(item, LTTextLineHorizontal):
            yield item
        elif hasattr(item, "__iter__") and not isinstance(item, LTChar):
            for child in item:  # type: ignore[attr-defined]
                yield from walk(child)

    for line in walk(layout):
        chars = [c for c in line if isinstance(c, LTChar)]
        text = _expand(_text(list(line)).rstrip("\n"))
        if not chars or not text.strip():
            continue
        sizes = Counter(round(c.size, 1) for c in chars)
        bold = sum(bool(_BOLD.search(c.fontname)) for c in chars) * 2 > len(chars)
        yield Piece(page, float(line.x0), float(line.x1), height - float(line.y1), height - float(line.y0), text,
                    sizes.most_common(1)[0][0], bold)


def _text(items: list[object]) -> str:
    """A line's text; a space that takes no room is left out (chromium prints a soft hyphen
    where it does not break the line as a space of no width)."""
    from pdfminer.layout import LTChar

    chars = []
    for index, item in enumerate(items):
        text = item.get_text()  # type: ignore[attr-defined]
        following = items[index + 1] if index + 1 < len(items) else None
        if (text == " " and isinstance(item, LTChar) and isinstance(following, LTChar)
                and following.x0 < item.x0 + 0.1 * item.size):
            continue
        chars.append(text)
    return "".join(chars)


_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})


def _expand(text: str) -> str:
    return text.translate(_LIGATURES).replace("\u00a0", " ")


def _without_margins(pieces: list[Piece], heights: Sequence[float]) -> list[Piece]:
    """The pieces without running headers and footers and page numbers.

    A running header or footer stands in the top or bottom eighth of the page, at the same height
    on most pages, with the same text but for its digits ("Pagina 3 van 8"). A page number is a
    piece of digits ("3", "3/8", "- 3 -", "Pagina 3") in those margins. A one-page document has no
    repetition to go by: there a piece in the outer twentieth of the page in a smaller font than
    the text is left out too (a browser's printed date, title and address)."""
    pages = len(heights)

    def edge(piece: Piece, share: float) -> bool:
        height = heights[piece.page]
        return piece.top < share * height or piece.bottom > (1 - share) * height

    seen: defaultdict[tuple[int, str], set[int]] = defaultdict(set)
    for piece in pieces:
        if edge(piece, _EDGE):
            seen[(round(piece.top / 4), re.sub(r"\d+", "#", " ".join(piece.text.split())))].add(piece.page)

    def running(piece: Piece) -> bool:
        key = (round(piece.top / 4), re.sub(r"\d+", "#", " ".join(piece.text.split())))
        near = set().union(*(seen.get((key[0] + d, key[1]), set()) for d in (-1, 0, 1)))
        return pages > 1 and len(near) >= max(2, (pages + 1) // 2)

    body = _body_size(pieces)
    kept = []
    for piece in pieces:
        if edge(piece, _EDGE) and (_PAGE_NUMBER.fullmatch(piece.text.strip()) or running(piece)):
            continue
        if pages == 1 and edge(piece, 0.05) and piece.size < 0.9 * body:
            continue
        kept.append(piece)
    return kept


def _body_size(pieces: Iterable[Piece]) -> float:
    """The font size most of the text is set in."""
    sizes: Counter[float] = Counter()
    for piece in pieces:
        sizes[piece.size] += len(piece.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _gutters(pieces: Sequence[Piece], body: float) -> list[tuple[float, float]]:
    """The vertical gaps between the columns of a page: stretches of x that at most one line in
    fifty narrower than half the text's width crosses (a heading's long word may overrun its
    column), with a column on either side, and crossed by few lines (a title over the columns;
    the lines of a justified text, its words far apart, cross it)."""
    if not pieces:
        return []
    left, right = min(p.x0 for p in pieces), max(p.x1 for p in pieces)
    narrow = [p for p in pieces if p.x1 - p.x0 < 0.55 * (right - left)]
    allowed = max(1, len(narrow) // 50)
    events = sorted([(p.x0, 1) for p in narrow] + [(p.x1, -1) for p in narrow])
    gutters = []
    covering, opened = 0, None
    for x, step in events:
        covering += step
        if covering <= allowed and opened is None:
            opened = x
        elif covering > allowed and opened is not None:
            if x - opened > 0.8 * body and opened > left:
                gutters.append((opened, x))
            opened = None
    return [(a, b) for a, b in gutters if _column(pieces, left, a) and _column(pieces, b, right)
            and 4 * sum(p.x0 < a and p.x1 > b for p in pieces) < min(sum(p.x1 <= a for p in pieces),
                                                                       sum(p.x0 >= b for p in pieces))]


def _column(pieces: Sequence[Piece], left: float, right: float) -> bool:
    """Whether the pieces between `left` and `right` make a column: three lines or more, most of
    them starting at its left edge (the words of a justified line, far apart, do not)."""
    inside = [p for p in pieces if p.x0 >= left - 1 and p.x1 <= right + 1]
    if len(inside) < 3:
        return False
    start = min(p.x0 for p in inside)
    return sum(p.x0 - start < 2 for p in inside) * 2 >= len(inside)


def _lines(pieces: Sequence[Piece], body: float) -> Iterator[Line]:
    """The lines of every page in reading order."""
    by_page: defaultdict[int, list[Piece]] = defaultdict(list)
    for piece in pieces:
        by_page[piece.page].append(piece)
    for page in sorted(by_page):
        on_page = by_page[page]
        gutters = _gutters(on_page, body)
        edges = [min(p.x0 for p in on_page)] + [x for g in gutters for x in g] + [max(p.x1 for p in on_page)]
        columns = [(edges[2 * i], edges[2 * i + 1]) for i in range(len(gutters) + 1)]

        spanning = sorted((p for p in on_page if _column_of(p, columns) is None), key=lambda p: p.top)
        cuts = [p.top for p in spanning]
        bands: defaultdict[tuple[int, int], list[Piece]] = defaultdict(list)
        for piece in on_page:
            column = _column_of(piece, columns)
            band = sum(cut <= piece.top + 0.01 for cut in cuts) if column is not None else 0
            if column is None:  # a spanning line is a band of its own, read where it stands
                band = 2 * (cuts.index(piece.top)) + 1
                bands[(band, 0)].append(piece)
            else:
                bands[(2 * band, column)].append(piece)
        for (band, column), group in sorted(bands.items()):
            right = columns[column][1] if band % 2 == 0 else max(p.x1 for p in group)
            yield from _rows(group, (page, band, column), right)


def _column_of(piece: Piece, columns: Sequence[tuple[float, float]]) -> int | None:
    """The column `piece` stands in, or None when it spans a gutter: a line that overruns its
    column into the gutter (a heading's long word) but does not reach the next one stands in it."""
    for index, (a, b) in enumerate(columns):
        limit = columns[index + 1][0] if index + 1 < len(columns) else b
        if piece.x0 >= a - 1 and piece.x1 <= limit + 1 and (piece.x0 <= b or index + 1 == len(columns)):
            return index
    return None


def _rows(pieces: list[Piece], column: tuple[int, int, int], right: float) -> Iterator[Line]:
    """The pieces of one column grouped into lines by their height, top to bottom."""
    rows: list[list[Piece]] = []
    for piece in sorted(pieces, key=lambda p: (p.bottom, p.x0)):
        if rows and abs(rows[-1][0].bottom - piece.bottom) < 0.4 * piece.size:
            rows[-1].append(piece)
        else:
            rows.append([piece])
    for row in rows:
        row.sort(key=lambda p: p.x0)
        text = " ".join(p.text.strip() for p in row)
        if row[-1].text.endswith(" "):
            text += " "
        main = max(row, key=lambda p: len(p.text))
        yield Line(text, row[0].x0, row[-1].x1, min(p.top for p in row), max(p.bottom for p in row),
                   main.size, all(p.bold for p in row), column, right)


def _blocks(lines: Sequence[Line], body: float, marked: bool) -> list[Block]:
    """Lines grouped into headings, list items and paragraphs, each made one line of text."""
    pitches = Counter(round(b.bottom - a.bottom, 1) for a, b in itertools.pairwise(lines)
                      if a.column == b.column and abs(a.size - body) < 0.5 and abs(b.size - body) < 0.5
                      and b.bottom > a.bottom)
    pitch = pitches.most_common(1)[0][0] if pitches else 1.2 * body
    heading_sizes = sorted({round(line.size) for line in lines if line.size >= 1.15 * body}, reverse=True)

    def level(line: Line) -> int:
        if line.size >= 1.15 * body:
            return heading_sizes.index(round(line.size)) + 1
        return len(heading_sizes) + 1 if line.bold else 0

    hyphenation = Hyphenation.of((line.text for line in lines), marked)
    groups: list[tuple[int, bool, list[Line]]] = []
    for line in lines:
        heading = level(line)
        marker = list_marker(line.text)
        previous = groups[-1][2][-1] if groups else None
        new = (previous is None or heading != groups[-1][0] or marker is not None
               or _paragraph_break(previous, line, pitch))
        if new:
            groups.append((heading, marker is not None, [line]))
        else:
            groups[-1][2].append(line)
    blocks = []
    for heading, item, group in groups:
        texts = [line.text for line in group]
        if item:
            marker = list_marker(texts[0])
            texts[0] = texts[0][len(marker or ""):]
        text = join_lines(texts, hyphenation)
        if not text:
            continue
        if heading and (len(text) > 200 or statistics.fmean(len(t) for t in texts) > 120):
            heading = 0  # a bold paragraph, not a heading
        blocks.append(Block(text, heading=min(heading, 6), item=item and not heading))
    return blocks


def _paragraph_break(previous: Line, line: Line, pitch: float) -> bool:
    """Whether `line` starts a new paragraph after `previous` (of the same style)."""
    if previous.column != line.column:  # a column or page break: one paragraph goes on when it is not finished
        finished = previous.text.rstrip().endswith((".", "!", "?", ":"))
        full = previous.x1 > previous.right - 3 * previous.size
        return finished and not full
    return line.bottom - previous.bottom > 1.35 * max(pitch, line.size)
