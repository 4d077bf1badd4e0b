"""Leaflet texts: the published text, where each claim's verbatim span lies in it, and its lines."""

from __future__ import annotations

import bisect
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
    offsets: tuple[int, ...] = field(init=False, repr=False)  # collapsed index -> original index
    line_starts: tuple[int, ...] = field(init=False, repr=False)  # offset of each line's start

    def __post_init__(self) -> None:
        # One step per run of whitespace, not per word: this was a large part of loading many leaflets.
        offsets: list[int] = []
        position = 0
        for match in _SPACE.finditer(self.text):
            offsets.extend(range(position, match.start()))
            offsets.append(match.start())
            position = match.end()
        offsets.extend(range(position, len(self.text)))
        object.__setattr__(self, "collapsed", _SPACE.sub(" ", self.text))
        object.__setattr__(self, "offsets", tuple(offsets))
        starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        object.__setattr__(self, "line_starts", tuple(starts))

    def find(self, span_text: str, after: int = 0) -> Span | None:
        """Where `span_text` (whitespace-insensitive) first occurs at or after offset `after`."""
        needle = collapse(span_text)
        if not needle:
            return None
        start_c = bisect.bisect_left(self.offsets, after)
        found = self.collapsed.find(needle, start_c)
        if found < 0:
            return None
        end_c = found + len(needle) - 1
        return Span(self.offsets[found], self.offsets[end_c] + 1)

    def line_of(self, offset: int) -> int:
        """1-based line number of the character at `offset`."""
        return bisect.bisect_right(self.line_starts, offset)


_BLOCK_START = re.compile(r"[ \t]*(?:[-•*]\s|\d+\.\s)")


def _double_spaced(lines: list[str]) -> bool:
    """Whether every line break was doubled (a common artefact of PDF and Word export)."""
    content = [i for i, line in enumerate(lines[:-1]) if line.strip()]
    if len(content) < 3:
        return False
    followed = sum(1 for i in content if lines[i + 1] in ("\n", "\r\n"))
    return followed >= 0.8 * len(content)


def _is_heading(line: str, previous: str) -> bool:
    """A short line that starts with a capital, after a finished sentence, and ends none."""
    return (
        len(line) <= 70
        and line[:1].isupper()
        and not line.endswith((".", ",", ";", ":", ")"))
        and (not previous or previous.endswith((".", "?", "!", ":")))
    )


def blocks(text: str) -> list[tuple[int, int]]:
    """The text cut into readable blocks (paragraphs, list items), as (start, end) offsets.

    PDF-extracted leaflets break lines inside sentences; a blank line or a line that
    opens a list item starts a new block, any other line break is a space. Where every
    line break was doubled, only a line holding spaces, or two empty lines, is blank.
    """
    lines = text.splitlines(keepends=True)
    doubled = _double_spaced(lines)
    result: list[tuple[int, int]] = []
    start: int | None = None
    pos = 0
    empties = 0
    previous = ""
    for line in lines:
        stripped = line.strip()
        if not stripped:
            empties += 1
            soft = doubled and line in ("\n", "\r\n") and empties < 2
            if start is not None and not soft:
                result.append((start, pos))
                start = None
        else:
            empties = 0
            indent = len(line) - len(line.lstrip())
            heading = _is_heading(stripped, previous)
            if start is not None and (heading or _BLOCK_START.match(line)):
                result.append((start, pos))
                start = None
            if start is None:
                start = pos + indent
            if heading:
                result.append((start, pos + len(line)))
                start = None
            previous = stripped
        pos += len(line)
    if start is not None:
        result.append((start, pos))
    return [(s, s + len(text[s:e].rstrip())) for s, e in result]
