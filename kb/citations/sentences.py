"""Sentences: the sentence boundaries of a leaflet's text, in Dutch or English, with offsets.

The splitter is pysbd (rule-based Sentence Boundary Disambiguation, with Dutch and English
rules). It is run per block of text (a paragraph, list item or heading, as `kb.texts.blocks`
cuts them) on the block with its whitespace collapsed, so that PDF line breaks inside a
sentence do not end it, and with every citation masked, so that "et al." or "e.a." inside a
citation never ends a sentence. Its result is then corrected where it is wrong for leaflets:
an abbreviation ("bijv.", "o.a.", "e.g.", "U.S.") or an initial taken for a sentence end, and
a citation after the final full stop, which belongs to the sentence before it.

pysbd's time grows with the square of the text it is given, so a block longer than PIECE
characters is given to it in pieces of at most that length, each cut after a likely sentence
end (a full stop and a space before a capital), else at a space; the corrections above join a
cut that was no sentence end. Every other step takes time linear in the text's length.
"""

from __future__ import annotations

import bisect
import functools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import pysbd
import regex

from kb.texts import SECTION_NUMBER, blocks

# Abbreviations that never end a sentence, and those that end one only before a capital.
_NEVER_FINAL = frozenset("""
bijv. bv. b.v. o.a. e.g. i.e. cf. vgl. zgn. z.g. dr. prof. mr. ir. drs. ing. dhr. mw. mevr. st. nl.
d.w.z. m.a.w. i.p.v. t.o.v. m.b.t. o.b.v. a.d.h.v. i.v.m. n.a.v. t.a.v. vs. resp. ca. incl. excl.
p. pp. blz. nr. no. vol. fig. tab. hfst. ed. eds. red. mrs. mr. ms. jr. sr. approx. ref. refs. viz. jl.
""".split())
_MAYBE_FINAL = frozenset("et al. e.a. etc. enz. u.s. u.k. e.d. c.s. a.s.".split())
# Read backwards from a sentence's end: a merged sentence grows, and only its end counts.
_TERMINAL = regex.compile(r"[.!?…][\"'”’»)\]]*", regex.REVERSE)
_LONGEST_ABBREVIATION = max(len(a) for a in _NEVER_FINAL | _MAYBE_FINAL)
PIECE = 1500  # characters given to pysbd at once, at most
# A full stop after a word of three lower-case letters or more, before a capitalised word: no
# abbreviation, initial or list number, so a sentence end wherever pysbd would put one.
_LIKELY_END = regex.compile(r"(?<=\p{Ll}{3})[.!?][\"'”’»)\]]*\s+(?=\p{Lu}\p{Ll})", regex.REVERSE)
_BLANK = regex.compile(r"\s", regex.REVERSE)
# A parenthesis followed by a lower-case word goes on with the sentence before it: "Doe Mee! (2018) is ...".
_PARENTHESIS_GOES_ON = regex.compile(r"\((?:[^()]|\([^()]*\))*\)\s*\p{Ll}")
_DUTCH = frozenset("de het een en van is dat niet zijn voor met ook bij je wordt worden kan".split())
_ENGLISH = frozenset("the a an and of is that not are for with also by to be can this".split())


@dataclass(frozen=True)
class Sentence:
    """One sentence, or one heading, of a text."""

    start: int  # offset of its first character in the text
    end: int  # offset just past its last character, trailing whitespace left out
    heading: bool  # a heading line ("Kosten", "## Methods") rather than running text


def guess_language(text: str) -> str:
    """"nl" or "en", by which language's commonest words the text uses more."""
    dutch, english = _common_words(text)
    return "en" if english > dutch else "nl"


def clear_language(text: str) -> str | None:
    """"nl" or "en" when the text's commonest words leave no doubt (twenty of them or more, three
    times as many of one language as of the other), else None: a file's declared language (a
    word processor's default, a browser's) is trusted only where its text does not say otherwise."""
    dutch, english = _common_words(text)
    if dutch + english < 20:
        return None
    return "nl" if dutch >= 3 * english else "en" if english >= 3 * dutch else None


def _common_words(text: str) -> tuple[int, int]:
    words = regex.findall(r"\p{L}+", text.lower())
    return sum(w in _DUTCH for w in words), sum(w in _ENGLISH for w in words)


@functools.cache
def _segmenter(language: str) -> pysbd.Segmenter:
    return pysbd.Segmenter(language=language if language in ("nl", "en") else "en", clean=False)


def is_heading(block: str) -> bool:
    """A markdown heading, or one short line that starts with a capital and ends no sentence."""
    line = " ".join(block.split())
    if line.startswith("#"):
        return True
    number = SECTION_NUMBER.match(line)  # "1.1. Probleemstelling"
    title = line[number.end():] if number else line
    return ("\n" not in block.strip() and len(line) <= 80 and title[:1].isupper()
            and not line.endswith((".", ",", ";", ":", ")", "!")))


def _last_token(text: str, start: int, end: int) -> str:
    """The last word of text[start:end], lower-cased, if it may be an abbreviation; else ""."""
    while end > start and text[end - 1].isspace():
        end -= 1
    begin = end
    while begin > start and not text[begin - 1].isspace():
        begin -= 1
        if end - begin > _LONGEST_ABBREVIATION:
            return ""
    return text[begin:end].lower()


def _ends_in_initial(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] ends in an initial ("J."), after a space or at its start."""
    while end > start and text[end - 1].isspace():
        end -= 1
    if end - start < 2 or text[end - 1] != "." or unicodedata.category(text[end - 2]) != "Lu":
        return False
    return end - 2 == start or text[end - 3].isspace()


def _merge_abbreviations(text: str, spans: list[list[int]]) -> list[list[int]]:
    """Join a span to the next where it ends in an abbreviation or initial that ends no sentence here."""
    result: list[list[int]] = []
    for span in spans:
        if result:
            begin, end = result[-1]
            following = text[span[0]:span[1]].lstrip()
            token = _last_token(text, begin, end)
            continues = following[:1].islower() or following[:1].isdigit() or following[:1] in "(,;"
            glued = span[0] == end  # "an .EDF file": no space after the full stop
            trimmed = end
            while trimmed > begin and text[trimmed - 1].isspace():
                trimmed -= 1
            unfinished = not _TERMINAL.match(text, begin, trimmed)  # "whether a) ... and b) ..."
            if (glued or unfinished or token in _NEVER_FINAL or (token in _MAYBE_FINAL and continues)
                    or _PARENTHESIS_GOES_ON.match(following)
                    or (_ends_in_initial(text, begin, end) and following[:1].isupper())):
                result[-1][1] = span[1]
                continue
        result.append(span)
    return result


def _attach_citations(text: str, spans: list[list[int]], masks: list[tuple[int, int]]) -> list[list[int]]:
    """A citation that opens a span after a full stop belongs to the sentence before it."""
    starts = {start: end for start, end in masks if text[start] == "("}
    result: list[list[int]] = []
    for span in spans:
        begin = span[0]
        while begin < span[1] and text[begin].isspace():
            begin += 1
        if result and begin in starts:
            cut = starts[begin]
            rest = text[cut:span[1]].lstrip()
            if not rest or not rest[:1].isupper():  # '."(Mindakis & Lohan, 2018) but it is ...'
                result[-1][1] = span[1]
                continue
            result[-1][1] = cut
            span = [cut, span[1]]
        result.append(span)
    return result


def _unclosed(text: str) -> list[int]:
    """Offsets of the opening parentheses that no closing one matches."""
    opened: list[int] = []
    for i, c in enumerate(text):
        if c == "(":
            opened.append(i)
        elif c == ")" and opened:
            opened.pop()
    return opened


def _pieces(probe: str) -> list[tuple[int, int]]:
    """The block cut into pieces of at most PIECE characters, each after a likely sentence end in
    its second half, else after a space there, else at PIECE characters."""
    pieces: list[tuple[int, int]] = []
    begin = 0
    while len(probe) - begin > PIECE:
        cut = _LIKELY_END.search(probe, begin + PIECE // 2, begin + PIECE) or _BLANK.search(
            probe, begin + PIECE // 2, begin + PIECE)
        end = cut.end() if cut is not None else begin + PIECE
        pieces.append((begin, end))
        begin = end
    pieces.append((begin, len(probe)))
    return pieces


def _segments(probe: str, language: str) -> list[list[int]]:
    """pysbd's sentences of the (masked) block, as [start, end] spans, piece by piece."""
    spans: list[list[int]] = []
    for begin, end in _pieces(probe):
        piece = probe[begin:end]
        first = len(spans)
        pos = 0
        for sentence in _segmenter(language).segment(piece):
            stripped = sentence.strip()
            if not stripped:
                continue
            found = piece.find(stripped, pos)
            if found < 0:  # the splitter changed the text: keep the rest of the piece as one sentence
                break
            spans.append([begin + found, begin + found + len(stripped)])
            pos = found + len(stripped)
        if len(spans) > first:
            spans[-1][1] = begin + len(piece.rstrip())
        elif piece.strip():
            spans.append([begin + len(piece) - len(piece.lstrip()), begin + len(piece.rstrip())])
    return spans


def _block(text: str, start: int, end: int, language: str, masks: Sequence[tuple[int, int]]) -> list[Sentence]:
    chars: list[str] = []
    offsets: list[int] = []
    for match in regex.finditer(r"\s+|\S+", text[start:end]):
        if match.group().isspace():
            chars.append(" ")
            offsets.append(start + match.start())
        else:
            chars.append(match.group())
            offsets.extend(range(start + match.start(), start + match.end()))
    flat = "".join(chars)
    local: list[tuple[int, int]] = []
    masked = list(flat)
    # The masks in this block, by bisection: they are sorted and none overlaps another.
    for index in range(max(bisect.bisect_right(masks, (start, start)) - 1, 0), len(masks)):
        m_start, m_end = masks[index]
        if m_start >= end:
            break
        if m_end <= start:
            continue
        i = bisect.bisect_left(offsets, m_start)
        j = bisect.bisect_left(offsets, m_end)
        local.append((i, j))
        for k in range(i + 1, j - 1):  # keep the brackets, hide the full stops of "et al."
            masked[k] = "x" if flat[k] != " " else " "
    for k in _unclosed(flat):  # "(psycho-educatie ... neurofeedback. Bovendien": the splitter would wait for ")"
        masked[k] = " "
    probe = "".join(masked)
    spans = _segments(probe, language)
    if not spans:
        spans = [[0, len(flat.rstrip())]]
    spans[-1][1] = len(flat.rstrip())
    spans = _attach_citations(flat, _merge_abbreviations(flat, spans), local)
    result = []
    for s, e in spans:
        while s < e and flat[s] == " ":
            s += 1
        while e > s and flat[e - 1] == " ":
            e -= 1
        if e > s:
            result.append(Sentence(offsets[s], offsets[e - 1] + 1, False))
    return result


def split(text: str, language: str, masks: Sequence[tuple[int, int]] = ()) -> list[Sentence]:
    """Every sentence and heading of `text`; `masks` are the (start, end) of its citations."""
    result: list[Sentence] = []
    masks = sorted(masks)  # citation groups: none overlaps another
    for start, end in blocks(text):  # a Markdown heading is a block of its own, its #s included
        if is_heading(text[start:end]):
            result.append(Sentence(start, end, True))
        else:
            result.extend(_block(text, start, end, language, masks))
    return result
