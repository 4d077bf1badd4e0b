"""The text of a block as the readers make it: lines of a paragraph joined into one, a word
broken at a line end made whole, whitespace collapsed; and the leaflet text `kb add` writes.

A hyphen at a line end is hyphenation, and is dropped, when the producer marked it as such (a
soft hyphen, or U+2010 as browsers print one); a plain hyphen is dropped only when the next line
goes on in lower case, the word made whole is not a hyphenated one found elsewhere in the
document, and the hyphen does not stand for a left-out part ("lichaams- en bewegingsgerichte")
or join a name ("Keulen-de Vos"). Where the document marks its hyphenation, a plain hyphen at a
line end is the text's own and stays ("zelf-directie").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kb.intake.model import Block

_SPACE = re.compile(r"\s+")
_INVISIBLE = str.maketrans({"\u00ad": None, "\u200b": None, "\u200c": None, "\u200d": None, "\ufeff": None,
                            "ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})
_MARKED_BREAK = re.compile(r"(?<=\w)\s?[\u00ad\u2010]\s*$")  # a soft hyphen, or U+2010 as chromium prints one
_PLAIN_BREAK = re.compile(r"(\w+)-$")  # a plain hyphen right after a word, no space after it
_ELLIPSIS_WORDS = frozenset({"en", "of", "tot", "noch", "and", "or", "to", "nor"})
_PARTICLES = frozenset({"de", "den", "der", "van", "von", "ten", "ter", "te", "la", "le", "du", "da", "di"})
_MARKER = re.compile(r"\s*(?:[•·▪◦●○■□‣⁃∙*\uf0b7\uf0a7]|[-–—](?=\s))\s*")
_WORD = re.compile(r"\w+(?:-\w+)*")


def tidy(text: str) -> str:
    """`text` on one line: invisible characters and ligatures undone, whitespace collapsed."""
    return _SPACE.sub(" ", text.translate(_INVISIBLE)).strip()


def list_marker(text: str) -> str | None:
    """The bullet that starts a list item's first line, with the spaces around it; None when none."""
    match = _MARKER.match(text)
    return match.group(0) if match and match.end() < len(text) else None


def language_code(value: str) -> str:
    """"nl" or "en" for a language tag ("nl-NL", "en_US", "EN"); "" for anything else."""
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if code in ("nl", "en") else ""


@dataclass(frozen=True)
class Hyphenation:
    """What a document shows of how its line-end hyphens are to be read."""

    marked: bool = False  # it marks hyphenation (soft hyphen, U+2010): a plain hyphen at a line end is a real one
    words: frozenset[str] = frozenset()  # its words, lower case, hyphenated ones whole ("zelf-directie")

    @classmethod
    def of(cls, lines: Iterable[str], marked: bool = False) -> Hyphenation:
        """What `lines` show; `marked` when the producer is known to mark its hyphenation."""
        lines = list(lines)
        marked = marked or any(_MARKED_BREAK.search(line) for line in lines)
        words = frozenset(w.lower() for line in lines for w in _WORD.findall(line.translate(_INVISIBLE)))
        return cls(marked, words)


def join_lines(lines: Sequence[str], hyphenation: Hyphenation = Hyphenation()) -> str:
    """The lines of one paragraph as one line of text."""
    text = ""
    for raw in lines:
        line = raw.translate(_INVISIBLE) if not raw.rstrip().endswith("\u00ad") else raw
        if not text:
            text = line
            continue
        marked = _MARKED_BREAK.search(text)
        following = tidy(line)
        if marked:
            text = text[:marked.start()] + following
            continue
        plain = _PLAIN_BREAK.search(text)
        if plain and following[:1].islower() and _broken(plain.group(1), following, hyphenation):
            text = text[:plain.end() - 1] + following
        elif plain and following[:1].isalnum():
            text = text + following  # a real hyphen: "evidence-\nbased", "Keulen-\nde Vos"
            if following.split()[0].rstrip(",.;:") in _ELLIPSIS_WORDS:
                text = text[:len(text) - len(following)] + " " + following  # "lichaams- en"
        elif hyphenation.marked and re.search(r"\s-$", text) and following[:1].isalnum():
            text = text + following  # "je -\nvanwege je klachten-": a printer that keeps a space where there is one
        else:
            text = text.rstrip() + " " + following
    return tidy(text)


def _broken(before: str, after: str, hyphenation: Hyphenation) -> bool:
    """Whether `before-` at a line end and `after` on the next line are one word, hyphenated."""
    first = re.match(r"\w+(?:-\w+)*", after)
    next_word = first.group(0) if first else ""
    rest = after[len(next_word):].lstrip()
    if next_word.lower() in _ELLIPSIS_WORDS or hyphenation.marked:
        return False
    if before[:1].isupper() and next_word in _PARTICLES and rest[:1].isupper():
        return False  # "Roemen-van Haaren", "Keulen-de Vos"
    whole, hyphenated = (before + next_word).lower(), f"{before}-{next_word}".lower()
    return not (hyphenated in hyphenation.words and whole not in hyphenation.words)


def as_text(blocks: Iterable[Block]) -> str:
    """The leaflet text `kb add` writes: headings as Markdown `#` lines, list items as `- ` lines,
    blocks apart by a blank line (the KB reads a text with `#` headings as Markdown)."""
    parts = []
    for block in blocks:
        text = block.text
        if block.heading:
            parts.append("#" * block.heading + " " + text)
        elif block.item:
            parts.append("- " + text)
        else:
            parts.append(text)
    return "\n\n".join(parts) + "\n" if parts else ""
