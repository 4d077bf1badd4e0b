"""Leaflet texts: the published text, where each claim's verbatim span lies in it, and its lines."""

from __future__ import annotations

import bisect
import difflib
import re
from dataclasses import dataclass, field

_SPACE = re.compile(r"\s+")


def collapse(text: str) -> str:
    """Every run of whitespace as one space, ends trimmed: how claim spans are compared."""
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class Span:
    start: int  # offset of the first character in the text as read
    end: int  # offset just past the last character


@dataclass(frozen=True)
class LeafletText:
    """A leaflet's text as published, with an index from collapsed to original offsets."""

    text: str  # the file's text, exactly as read (UTF-8)
    collapsed: str = field(init=False, repr=False)  # `collapse(text)` without trimming
    # Each run of whitespace is one space in `collapsed`; these map offsets between the two
    # (a table per run, not per character: a large KB holds millions of characters).
    run_starts: tuple[int, ...] = field(init=False, repr=False)  # original offset of each run
    run_places: tuple[int, ...] = field(init=False, repr=False)  # its space's index in `collapsed`
    run_shrink: tuple[int, ...] = field(init=False, repr=False)  # characters dropped up to and with it
    line_starts: tuple[int, ...] = field(init=False, repr=False)  # offset of each line's start

    def __post_init__(self) -> None:
        starts, places, shrink = [], [], []
        dropped = 0
        for match in _SPACE.finditer(self.text):
            starts.append(match.start())
            places.append(match.start() - dropped)
            dropped += match.end() - match.start() - 1
            shrink.append(dropped)
        object.__setattr__(self, "collapsed", _SPACE.sub(" ", self.text))
        object.__setattr__(self, "run_starts", tuple(starts))
        object.__setattr__(self, "run_places", tuple(places))
        object.__setattr__(self, "run_shrink", tuple(shrink))
        starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        object.__setattr__(self, "line_starts", tuple(starts))

    def _original(self, index: int) -> int:
        """The offset in `text` of the character at `index` in `collapsed`."""
        run = bisect.bisect_right(self.run_places, index) - 1
        if run < 0:
            return index
        if index == self.run_places[run]:
            return self.run_starts[run]
        return index + self.run_shrink[run]

    def _collapsed_before(self, offset: int) -> int:
        """How many characters of `collapsed` stand for characters before `offset` in `text`."""
        offset = min(offset, len(self.text))
        run = bisect.bisect_left(self.run_starts, offset) - 1
        if run < 0:
            return offset
        before = self.run_shrink[run - 1] if run else 0
        length = self.run_shrink[run] - before + 1
        return offset - before - min(length, offset - self.run_starts[run]) + 1

    def find(self, span_text: str, after: int = 0) -> Span | None:
        """Where `span_text` (whitespace-insensitive) first occurs at or after offset `after`."""
        needle = collapse(span_text)
        if not needle:
            return None
        found = self.collapsed.find(needle, self._collapsed_before(after))
        if found < 0:
            return None
        return Span(self._original(found), self._original(found + len(needle) - 1) + 1)

    def line_of(self, offset: int) -> int:
        """1-based line number of the character at `offset`."""
        return bisect.bisect_right(self.line_starts, offset)


def closest_difference(text: LeafletText, span_text: str) -> str:
    """For a claim text not found verbatim: "; closest passage (line N): '...'", and where the two
    first differ, so that a one-letter slip is found at once. "" when nothing in the text is close."""
    needle = collapse(span_text)
    haystack = text.collapsed
    if not needle or not haystack:
        return ""
    matcher = difflib.SequenceMatcher(None, haystack, needle, autojunk=False)
    anchor = matcher.find_longest_match(0, len(haystack), 0, len(needle))
    if anchor.size < min(12, max(3, len(needle) // 3)):
        return ""
    start = max(0, anchor.a - anchor.b - 10)
    window = haystack[start:anchor.a - anchor.b + len(needle) + 10]
    aligned = difflib.SequenceMatcher(None, window, needle, autojunk=False)
    blocks_ = [b for b in aligned.get_matching_blocks() if b.size]
    first, last = blocks_[0], blocks_[-1]
    passage_start, passage_end = start + first.a - first.b, start + last.a + last.size + (len(needle) - last.b - last.size)
    while passage_end < len(haystack) and haystack[passage_end].isalnum():
        passage_end += 1  # to the end of its last word
    passage = haystack[max(passage_start, 0):passage_end]
    passage_start = max(passage_start, 0) + len(passage) - len(passage.lstrip())
    where = text.line_of(text._original(passage_start))
    said = f"; closest passage (line {where}): {passage.strip()!r}"
    diff = next((op for op in aligned.get_opcodes() if op[0] != "equal"
                 and not (op[0] == "delete" and op[3] in (0, len(needle)))), None)
    if diff is None:
        return said
    at_text, at_claim = (diff[2] if diff[3] == 0 else diff[1]), diff[3]
    return (said + f"; they first differ after {needle[max(0, at_claim - 20):at_claim]!r}: the text goes on "
            f"{window[at_text:at_text + 15]!r}, the claim {needle[at_claim:at_claim + 15]!r}")


_BLOCK_START = re.compile(r"[ \t]*(?:[-•*]\s|\d+\.\s)")


def _double_spaced(lines: list[str]) -> bool:
    """Whether every line break was doubled (a common artefact of PDF and Word export).

    A text that puts each paragraph on one line with a blank line between paragraphs (web
    pages, Markdown) looks the same; there, no sentence goes on past a blank line.
    """
    content = [i for i, line in enumerate(lines[:-1]) if line.strip()]
    if len(content) < 3:
        return False
    followed = [i for i in content if lines[i + 1] in ("\n", "\r\n")]
    if len(followed) < 0.8 * len(content):
        return False
    # The first character of the next line with content after each line: one pass from the end,
    # not a search per line (a text of many short lines made that quadratic).
    next_start = [""] * (len(lines) + 1)
    for i in range(len(lines) - 1, -1, -1):
        stripped = lines[i].strip()
        next_start[i] = stripped[:1] if stripped else next_start[i + 1]
    continued = sum(next_start[i + 2][:1].islower() for i in followed if i + 2 <= len(lines))
    return continued >= max(2, 0.1 * len(followed))


SECTION_NUMBER = re.compile(r"\d{1,2}(?:\.\d{1,2})*\.?\s+")


def _is_heading(line: str, previous: str, following: str = "") -> bool:
    """A short line that starts with a capital or a section number ("1.1. Probleemstelling"),
    after a finished sentence, and ends none; the line after it does not go on in lower case."""
    number = SECTION_NUMBER.match(line)
    title = line[number.end():] if number else line
    return (
        len(line) <= 70
        and title[:1].isupper()
        and not line.endswith((".", ",", ";", ":", ")"))
        and (not previous or previous.endswith((".", "?", "!", ":")))
        and not following[:1].islower()
    )


# Markdown, recognised line by line: an ATX heading ("## Sectie", closing #s dropped), a setext
# underline ("Titel" over "====" or "----"), a thematic break ("---", "* * *"), a bullet.
_ATX = re.compile(r"[ \t]*(#{1,6})[ \t]+(\S.*?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"[ \t]{0,3}(?:=+|-{2,})[ \t]*$")
_RULE = re.compile(r"[ \t]{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_BULLET = re.compile(r"[ \t]*[-•*+][ \t]+(?=\S)")


@dataclass(frozen=True)
class Block:
    """A paragraph, list item or heading of a leaflet's text."""

    start: int  # offset of its first character, a Markdown heading's #s or a bullet included
    end: int  # offset just past its last character, trailing whitespace left out
    body: int  # offset of its text: past a Markdown heading's #s or a Markdown list item's bullet
    heading: int = 0  # a Markdown heading's level (1 to 6); 0 otherwise, a heading guessed in plain text too
    item: bool = False  # an item of a Markdown list


def _markdown(lines: list[str]) -> bool:
    """Whether the text is Markdown: it has a heading written as Markdown writes one."""
    after_text = False  # the line before holds text: a line of = or - under it underlines a heading
    for line in lines:
        bare = line.rstrip("\r\n")
        if _ATX.match(bare) or (after_text and _SETEXT.match(bare)):
            return True
        after_text = bool(bare.strip()) and not _RULE.match(bare) and not _BULLET.match(bare)
    return False


def layout(text: str) -> list[Block]:
    """The text cut into readable blocks: paragraphs, list items and headings, in text order.

    PDF-extracted leaflets break lines inside sentences; a blank line or a line that
    opens a list item starts a new block, any other line break is a space. Where every
    line break was doubled, only a line holding spaces, or two empty lines, is blank.
    A short line that reads as a heading is a block of its own.

    A Markdown text (one with a `#` or underlined heading) is read as Markdown: a blank
    line ends a paragraph, headings and bullets are marked up as such and kept out of the
    blocks' text, and a thematic break (`---`) is no text, in any text.
    """
    lines = text.splitlines(keepends=True)
    markdown = _markdown(lines)
    doubled = not markdown and _double_spaced(lines)
    result: list[Block] = []
    start: int | None = None  # the open block's start, body, bullet, and the line it opened on
    body, item, opened = 0, False, -1
    pos = 0
    empties = 0
    previous = ""

    def close(end: int, heading: int = 0) -> None:
        nonlocal start
        if start is not None:
            trimmed = start + len(text[start:end].rstrip())
            result.append(Block(start, trimmed, min(body, trimmed), heading, item and not heading))
        start = None

    for n, line in enumerate(lines):
        stripped = line.strip()
        bare = line.rstrip("\r\n")
        atx = _ATX.match(bare) if markdown else None
        if not stripped:
            empties += 1
            soft = doubled and line in ("\n", "\r\n") and empties < 2
            if not soft:
                previous = ""  # a blank line ends a paragraph: a short line after it may be a heading
                close(pos)
        elif atx:
            close(pos)
            result.append(Block(pos + len(bare) - len(bare.lstrip()), pos + atx.end(2), pos + atx.start(2),
                                len(atx.group(1))))
            empties, previous = 0, ""
        elif markdown and start is not None and opened == n - 1 and not item and _SETEXT.match(bare):
            close(pos, 1 if stripped[0] == "=" else 2)  # the line above was a heading
            empties, previous = 0, ""
        elif _RULE.match(bare):
            close(pos)
            empties, previous = 0, ""
        else:
            empties = 0
            indent = len(line) - len(line.lstrip())
            following = next((after.strip() for after in lines[n + 1:n + 4] if after.strip()), "")
            # In Markdown a paragraph ends at a blank line only: no heading is guessed.
            heading = not markdown and _is_heading(stripped, previous, following)
            bullet = _BULLET.match(line) if markdown else None
            if start is not None and (heading or _BLOCK_START.match(line) or bullet):
                close(pos)
            if start is None:
                start, opened, item = pos + indent, n, bullet is not None
                body = pos + bullet.end() if bullet else start
            if heading:
                close(pos + len(line))
            previous = "" if heading else stripped  # a heading ends what came before it
        pos += len(line)
    close(pos)
    return result


def blocks(text: str) -> list[tuple[int, int]]:
    """Where each block of `layout` stands in the text, as (start, end) offsets."""
    return [(block.start, block.end) for block in layout(text)]


@dataclass(frozen=True)
class Emphasis:
    """A Markdown emphasis in a block: `*text*` or `_text_`, strong as `**text**` or `__text__`."""

    start: int  # offset of the opening delimiter
    end: int  # offset just past the closing delimiter
    strong: bool  # doubled delimiters: strong emphasis

    @property
    def delimiters(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """The (start, end) of the opening and of the closing delimiter."""
        width = 2 if self.strong else 1
        return (self.start, self.start + width), (self.end - width, self.end)


# A delimiter touches its text and no word character outside it, as in CommonMark: "5*3" and
# "snake_case" are text.
_STRONG = re.compile(r"(?<![\w*_])(\*\*|__)(?=[^\s*_])(.+?)(?<=[^\s*_])\1(?![\w*_])", re.DOTALL)
_EMPHASIS = re.compile(r"(?<![\w*_])([*_])(?=[^\s*_])(.+?)(?<=[^\s*_])\1(?![\w*_])", re.DOTALL)


def emphasis(text: str, block: Block) -> list[Emphasis]:
    """The emphases in a block of a Markdown text, in text order."""
    found = [Emphasis(m.start(), m.end(), True) for m in _STRONG.finditer(text, block.body, block.end)]
    found += [Emphasis(m.start(), m.end(), False) for m in _EMPHASIS.finditer(text, block.body, block.end)]
    return sorted(found, key=lambda e: e.start)


def spliced(text: str, start: int, end: int, replacements: list[tuple[int, int, str]]) -> str:
    """`text[start:end]` with each (a, b, new) of `replacements` (sorted, none overlapping)
    replaced where it lies inside it."""
    pieces = []
    for a, b, new in replacements:
        if start <= a and b <= end:
            pieces += [text[start:a], new]
            start = b
    return "".join(pieces) + text[start:end]
