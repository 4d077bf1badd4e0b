"""Leaflet texts: the published text, where each claim's verbatim span lies in it, and its lines.

Locating claims takes time linear in the text and the claims together, in whatever order and
however many they are. A text looked for is collapsed once. In a long text, a claim of three
words or more is found through the offsets of one of its inner words, the one the leaflet uses
least, listed for all the claims a caller expects (`LeafletText.expect`) in one pass over the
text; a shorter claim, and every claim of a short text, is searched for directly. What each search learnt is kept, so that a claim
searched for again, from the previous claim on or from the start, costs next to nothing. A claim
not found verbatim is compared with the text around the longest half or quarter of it that is
found (`closest_difference`), never with the whole text.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import itertools
import re
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the citation parser is imported when a text's citations are first asked for
    from kb.citations.parse import Group

_SPACE = re.compile(r"\s+")
_RUN = re.compile(r"\s{2,}")  # a run of whitespace that `collapse` shortens
_LINE_BLOCK = 1 << 16  # characters per entry of the index of line numbers
DIRECT_SEARCH = 1 << 20  # characters of a text times the texts looked for in it, to search it directly
_CHUNK = 1 << 20  # characters of the collapsed text split into words at once


def _offsets(text: str) -> str:
    """The array type code that holds the offsets of `text`: four bytes each where they fit."""
    return "i" if len(text) < 2**31 else "q"


def collapse(text: str) -> str:
    """Every run of whitespace as one space, ends trimmed: how claim spans are compared.
    (`str.split` and the expressions' `\\s` take the same characters for whitespace.)
    A text already collapsed is given back itself, not a copy: the claims' texts, kept as the
    texts looked for, are then held once."""
    collapsed = " ".join(text.split())
    return text if type(text) is str and collapsed == text else collapsed


@dataclass(frozen=True, slots=True)
class Span:
    start: int  # offset of the first character in the text as read
    end: int  # offset just past the last character


class _Needle:
    """A text looked for (collapsed), and what its searches learnt of where it occurs."""

    __slots__ = ("anchor", "candidates", "found", "from_", "more", "none_from")

    def __init__(self) -> None:
        self.anchor = -1  # offset in it of the inner word it is found by; -1 when searched for directly
        self.candidates: Sequence[int] = ()  # offsets of that word in the collapsed text, in order
        # Where it occurs from an offset searched from: the first such pair in two numbers, any
        # others in a dict (a claim is mostly searched for from one offset: a dict per claim was
        # a tenth of what a large KB's audit held).
        self.from_ = -1  # the first offset searched from where it was found; -1 when none yet
        self.found = -1  # where it occurs from there on
        self.more: dict[int, int] | None = None  # further offsets searched from -> where it occurs
        self.none_from: int | None = None  # it occurs nowhere at or after this offset

    def known(self, start: int) -> int | None:
        """Where it occurs from `start` on, when a search from there found it."""
        if start == self.from_ and self.found >= 0:
            return self.found
        return self.more.get(start) if self.more is not None else None

    def learn(self, start: int, found: int) -> None:
        if self.from_ < 0:
            self.from_, self.found = start, found
        elif start != self.from_:
            if self.more is None:
                self.more = {}
            self.more[start] = found


@dataclass(frozen=True)
class LeafletText:
    """A leaflet's text as published, with an index from collapsed to original offsets."""

    text: str  # the file's text, exactly as read (UTF-8)
    collapsed: str = field(init=False, repr=False)  # `collapse(text)` without trimming
    # Each run of two whitespace characters or more is one space in `collapsed`; these map offsets
    # between the two (a table per such run, not per character: a large KB holds millions of
    # characters; a single space, tab or line break keeps its offset).
    run_starts: Sequence[int] = field(init=False, repr=False, compare=False)  # original offset of each run
    run_places: Sequence[int] = field(init=False, repr=False, compare=False)  # its space's index in `collapsed`
    run_shrink: Sequence[int] = field(init=False, repr=False, compare=False)  # characters dropped up to and with it
    # Line breaks before each block of _LINE_BLOCK characters: a line number is counted from there.
    line_counts: Sequence[int] = field(init=False, repr=False, compare=False)
    _needles: dict[str, _Needle] = field(init=False, repr=False, compare=False)  # collapsed text -> what is known
    _expected: set[str] = field(init=False, repr=False, compare=False)  # texts to index at the next search
    _kept: dict[str, Any] = field(init=False, repr=False, compare=False)  # what `citations` and `layout` read, once

    def __post_init__(self) -> None:
        kind = _offsets(self.text)
        starts, places, shrink = array(kind), array(kind), array(kind)
        dropped = 0
        for match in _RUN.finditer(self.text):
            starts.append(match.start())
            places.append(match.start() - dropped)
            dropped += match.end() - match.start() - 1
            shrink.append(dropped)
        object.__setattr__(self, "collapsed", _SPACE.sub(" ", self.text))
        object.__setattr__(self, "run_starts", starts)
        object.__setattr__(self, "run_places", places)
        object.__setattr__(self, "run_shrink", shrink)
        counts = array("q", [0])
        for block in range(_LINE_BLOCK, len(self.text), _LINE_BLOCK):
            counts.append(counts[-1] + self.text.count("\n", block - _LINE_BLOCK, block))
        object.__setattr__(self, "line_counts", counts)
        object.__setattr__(self, "_needles", {})
        object.__setattr__(self, "_expected", set())
        object.__setattr__(self, "_kept", {})

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

    def expect(self, span_texts: Iterable[str]) -> None:
        """Say which texts will be looked for (a leaflet's claims), so that one pass over the
        text lists where the inner words of all of them occur."""
        for span_text in span_texts:
            needle = collapse(span_text)
            if needle.count(" ") >= 2 and needle not in self._needles:
                self._expected.add(needle)

    def find(self, span_text: str, after: int = 0) -> Span | None:
        """Where `span_text` (whitespace-insensitive) first occurs at or after offset `after`."""
        needle = collapse(span_text)
        if not needle:
            return None
        found = self._search(needle, self._collapsed_before(max(after, 0)))
        if found < 0:
            return None
        return Span(self._original(found), self._original(found + len(needle) - 1) + 1)

    def find_at(self, span_text: str, offset: int) -> Span | None:
        """Where `span_text` occurs right at `offset`, blanks before it allowed; None elsewhere."""
        needle = collapse(span_text)
        if not needle:
            return None
        index = self._collapsed_before(offset)
        if not self.collapsed.startswith(needle, index):
            if not self.collapsed.startswith(" " + needle, index):
                return None
            index += 1
        return Span(self._original(index), self._original(index + len(needle) - 1) + 1)

    def find_last(self, span_text: str, start: int, end: int) -> Span | None:
        """Where `span_text` last occurs starting at an offset from `start` to `end` (both included).
        Read backwards from `end`: the work is that of the stretch between the two offsets."""
        needle = collapse(span_text)
        if not needle or end < start:
            return None
        found = self.collapsed.rfind(needle, self._collapsed_before(start),
                                     self._collapsed_before(end + 1) - 1 + len(needle))
        if found < 0:
            return None
        return Span(self._original(found), self._original(found + len(needle) - 1) + 1)

    def _search(self, needle: str, start: int) -> int:
        """The first index of `needle` in `collapsed` at or after `start`, or -1."""
        state = self._needles.get(needle)
        if state is None:
            if needle in self._expected:
                self._index()
                state = self._needles[needle]
            else:
                state = self._needles[needle] = _Needle()
        if state.none_from is not None and start >= state.none_from:
            return -1
        known = state.known(start)
        if known is not None:
            return known
        first = state.known(0)
        if first is not None and start <= first:
            return first
        if state.anchor < 0:
            end = len(self.collapsed) if state.none_from is None else state.none_from + len(needle) - 1
            found = self.collapsed.find(needle, start, end)
        else:  # check where its anchor word occurs, from `start` on
            found = -1
            candidates = state.candidates
            for at in range(bisect.bisect_left(candidates, start + state.anchor), len(candidates)):
                place = candidates[at] - state.anchor
                if state.none_from is not None and place >= state.none_from:
                    break
                if self.collapsed.startswith(needle, place):
                    found = place
                    break
        if found < 0:
            state.none_from = start if state.none_from is None else min(start, state.none_from)
        else:
            state.learn(start, found)
        return found

    def _index(self) -> None:
        """Where the inner words of every expected text occur, in one pass over the text; each
        text is then found through the pair of inner words (or, with one only, the inner word)
        that the text has least often. A text's inner words are whole words of the text wherever
        it occurs, so every place it occurs is among the places of its pair.

        A short text is searched directly instead: its length times the number of texts looked
        for stays under DIRECT_SEARCH, and a search is linear in the text, so the direct
        searches cost less than one pass of Python over its words."""
        if len(self.collapsed) * len(self._expected) <= DIRECT_SEARCH:
            for needle in self._expected:
                self._needles[needle] = _Needle()
            self._expected.clear()
            return
        keys: dict[str, list[tuple[int, str]]] = {}  # needle -> (offset in it, key) of its pairs or word
        places: dict[str, array[int]] = {}  # key -> where it occurs in `collapsed`
        firsts: set[str] = set()  # the first words of the pairs
        for needle in self._expected:
            tokens = needle.split(" ")
            offsets = list(itertools.accumulate((len(token) + 1 for token in tokens[:-1]), initial=0))
            if len(tokens) == 3:
                keys[needle] = [(offsets[1], tokens[1])]
            else:
                keys[needle] = [(offsets[i], tokens[i] + " " + tokens[i + 1]) for i in range(1, len(tokens) - 2)]
                firsts.update(tokens[1:-2])
            for _, key in keys[needle]:
                places.setdefault(key, array(_offsets(self.collapsed)))
        get = places.get
        collapsed, begin, offset = self.collapsed, 0, 0
        previous, previous_offset = "", -1
        while begin <= len(collapsed):
            end = collapsed.find(" ", begin + _CHUNK)
            end = len(collapsed) if end < 0 else end
            for token in collapsed[begin:end].split(" "):
                found = get(token)
                if found is not None:
                    found.append(offset)
                if previous in firsts:
                    found = get(previous + " " + token)
                    if found is not None:
                        found.append(previous_offset)
                previous, previous_offset = token, offset
                offset += len(token) + 1
            begin = end + 1
        for needle, anchors in keys.items():
            state = self._needles[needle] = _Needle()
            state.anchor, key = min(anchors, key=lambda anchor: len(places[anchor[1]]))
            state.candidates = places[key]
        self._expected.clear()

    def citations(self, last: bool = False) -> list[Group]:
        """The citation groups printed in the text (`kb.citations.parse.find`), read once: the
        placement of citations and the audit's uncovered citations both read them. The `last`
        reader lets them go: a large KB would hold every leaflet's groups to the end."""
        found = self._kept.pop("citations", None) if last else self._kept.get("citations")
        if found is None:
            from kb.citations.parse import find

            found = tuple(find(self.text))
            if not last:
                self._kept["citations"] = found
        return list(found)

    def layout(self) -> list[Block]:
        """The text's blocks (the module's `layout`), laid out once: the placement of citations
        and the report both read them."""
        found = self._kept.get("layout")
        if found is None:
            found = self._kept["layout"] = tuple(layout(self.text))
        return list(found)

    def line_of(self, offset: int) -> int:
        """1-based line number of the character at `offset`."""
        if offset < 0:
            return 0
        block = min(offset // _LINE_BLOCK, len(self.line_counts) - 1)
        return self.line_counts[block] + self.text.count("\n", block * _LINE_BLOCK, offset) + 1


_WORD = re.compile(r"\w{4,}")
_ANCHOR_WORDS = 16  # the longest words of a claim looked for when no half or quarter is found


def _anchor(haystack: str, needle: str, least: int) -> tuple[int, int, int] | None:
    """(a, b, size): a long stretch the needle and the text share, needle[b:b + size] ==
    haystack[a:a + size]: the longest of those that grow from a half or a quarter of the needle
    found verbatim, grown as far as both agree, or else from one of its longest words. None when
    nothing of at least `least` characters is shared. A handful of searches in the text, where difflib would compare the
    needle with every character of the text."""
    for parts in (2, 4):
        size = len(needle) // parts
        if size < least:
            break
        best: tuple[int, int, int] | None = None
        for b in range(0, len(needle) - size + 1, size):
            a = haystack.find(needle[b:b + size])
            if a < 0:
                continue
            end_a, end_b = a + size, b + size
            while a > 0 and b > 0 and haystack[a - 1] == needle[b - 1]:
                a, b = a - 1, b - 1
            while end_a < len(haystack) and end_b < len(needle) and haystack[end_a] == needle[end_b]:
                end_a, end_b = end_a + 1, end_b + 1
            if best is None or end_b - b > best[2]:
                best = (a, b, end_b - b)
        if best is not None:
            return best
    # No half or quarter is in the text (markup or a slip in each): its longest words are.
    words = sorted({m.group() for m in _WORD.finditer(needle)}, key=len, reverse=True)[:_ANCHOR_WORDS]
    best = None
    for word in words:
        a = haystack.find(word)
        if a < 0:
            continue
        b = needle.find(word)
        end_a, end_b = a + len(word), b + len(word)
        while a > 0 and b > 0 and haystack[a - 1] == needle[b - 1]:
            a, b = a - 1, b - 1
        while end_a < len(haystack) and end_b < len(needle) and haystack[end_a] == needle[end_b]:
            end_a, end_b = end_a + 1, end_b + 1
        if best is None or end_b - b > best[2]:
            best = (a, b, end_b - b)
    return best if best is not None and best[2] >= least else None


class Pieces:
    """A set of short texts (citations as printed), asked which of them a text holds: a text is
    compared with each piece, or its substrings of the lengths in question are looked up, whichever
    takes fewer steps, so that no text is compared with every piece of a large set."""

    def __init__(self, pieces: Iterable[str]) -> None:
        self.pieces = set(pieces)
        self.lengths = sorted({len(piece) for piece in self.pieces})

    def held_by(self, text: str) -> set[str]:
        """The pieces `text` holds (`piece in text`)."""
        size = len(text)
        substrings = sum(size - length + 1 for length in self.lengths if length <= size)
        if len(self.pieces) <= substrings:  # a few pieces: each searched for at C speed
            return {piece for piece in self.pieces if piece in text}
        return {piece for length in self.lengths if length <= size
                for piece in (text[at:at + length] for at in range(size - length + 1)) if piece in self.pieces}


CLOSEST_SPAN = 2000  # characters of a claim compared with the text for its closest passage, at most


def closest_difference(text: LeafletText, span_text: str) -> str:
    """For a claim text not found verbatim: "; closest passage (line N): '...'", and where the two
    first differ, so that a one-letter slip is found at once. "" when nothing in the text is close."""
    needle = collapse(span_text)
    haystack = text.collapsed
    if not needle or not haystack or len(needle) > CLOSEST_SPAN:
        return ""
    anchor = _anchor(haystack, needle, min(12, max(3, len(needle) // 3)))
    if anchor is None:
        return ""
    anchor_a, anchor_b, _ = anchor
    margin = 10 + len(needle) // 2  # room for what the text holds and the claim does not
    start = max(0, anchor_a - anchor_b - margin)
    window = haystack[start:anchor_a - anchor_b + len(needle) + margin]
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


@dataclass(frozen=True, slots=True)
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
    """`_layout(text)`, kept for the last long texts laid out: the audit, the report and the
    leaflet each ask for the blocks of a leaflet."""
    return list(_layout_kept(text) if len(text) > _KEPT else _layout(text))


_KEPT = 100_000  # characters of a text whose layout is kept


@functools.lru_cache(maxsize=2)
def _layout_kept(text: str) -> tuple[Block, ...]:
    return tuple(_layout(text))


def _layout(text: str) -> list[Block]:
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
# "snake_case" are text. An emphasis holds at most EMPHASIS_SPAN characters, so that a paragraph
# of openers without a closer is read in linear time.
EMPHASIS_SPAN = 2000
_STRONG = re.compile(rf"(?<![\w*_])(\*\*|__)(?=[^\s*_])(.{{1,{EMPHASIS_SPAN}}}?)(?<=[^\s*_])\1(?![\w*_])",
                     re.DOTALL)
_EMPHASIS = re.compile(rf"(?<![\w*_])([*_])(?=[^\s*_])(.{{1,{EMPHASIS_SPAN}}}?)(?<=[^\s*_])\1(?![\w*_])",
                       re.DOTALL)


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
