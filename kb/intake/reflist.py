"""A leaflet's reference list: found by its heading, split into entries, and kept out of its text.

The list opens with a heading, or a line on its own, such as "Literatuur", "Referenties",
"Bronnen" or "References" (case and a trailing colon aside); the last such opening counts (a
leaflet may speak of "Bronnen" earlier), and the list runs to the next heading of the same or a
higher level, or to the end. Its entries are its paragraphs and items; APA entries run together
in one paragraph (a PDF's hanging indents leave no gap between them) are split where a new one
starts: "Surname, X." after a full stop.

The leaflet text `kb add` writes holds everything but the list: the entries become records in
references.bib (`verificationstatus = listed`, the printed entry kept), and neither the audit nor
citation extraction ever reads them as claims or citations.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from kb.intake.model import Block

HEADINGS = frozenset({
    "literatuur", "literatuurlijst", "referenties", "referentielijst", "bronnen", "bronvermelding",
    "geraadpleegde literatuur", "gebruikte literatuur", "literatuur en bronnen", "references", "bibliography",
    "works cited", "sources", "reference list", "literature",
})
_PARTICLE = r"(?:(?:[Vv]an|[Dd]e|[Dd]en|[Dd]er|[Tt]e|[Tt]er|[Tt]en|[Vv]on|[Ll]a|[Ll]e|[Dd]u|[Dd]i|[Dd]a)\s)*"
_SURNAME = r"\p{Lu}[\p{L}'’]+(?:[-\s]\p{Lu}[\p{L}'’]+)*"
_INITIALS = r"(?:\p{Lu}\.\s?(?:-\s?\p{Lu}\.\s?)?)+"
_GROUP_START = r"\p{Lu}[\p{L}&-]+(?:\s[\p{L}&-]+){0,8}\.\s\(\d{4}"  # "Trimbos-instituut. (2019)."


@dataclass(frozen=True)
class Split:
    """A leaflet's blocks with its reference list taken out."""

    body: tuple[Block, ...]  # the text without the list
    heading: str  # the heading that opened the list, as printed; "" when there is none
    entries: tuple[str, ...]  # the list's entries, each as printed on one line


def is_reference_heading(text: str) -> bool:
    return " ".join(text.split()).rstrip(":").strip().lower() in HEADINGS


def split_references(blocks: Sequence[Block]) -> Split:
    """`blocks` without their reference list, and the list's entries."""
    opening = None
    for index, block in enumerate(blocks):
        if is_reference_heading(block.text) and (block.heading or len(block.text) <= 40):
            opening = index
    if opening is None:
        return Split(tuple(blocks), "", ())
    level = blocks[opening].heading
    end = len(blocks)
    for index in range(opening + 1, len(blocks)):
        heading = blocks[index].heading
        if heading and (not level or heading <= level):
            end = index
            break
    listed = [(block, split_entries(block.text)) for block in blocks[opening + 1:end]]
    # A list whose entries carry their dates ("(2016).") ends at the last block that has one: what
    # follows without one is the page's own text (a footer, a contact line), not an entry.
    dated = [any(_DATED.search(entry) for entry in pieces) for _, pieces in listed]
    if sum(dated) * 2 > len(dated):
        while listed and not dated[len(listed) - 1]:
            listed.pop()
    entries = tuple(entry for _, pieces in listed for entry in pieces)
    body = tuple(blocks[:opening]) + tuple(blocks[opening + 1 + len(listed):])
    return Split(body, blocks[opening].text.strip(), entries)


# The date group of an APA entry: (2016), (2016a), (2016, 3 mei), (n.d.), (z.d.), (in press), (ter perse).
_DATED = re.compile(r"\((?:\d{4}[a-z]?|n\.\s?d\.|z\.\s?d\.|in press|ter perse)\b[^()]{0,40}\)", re.IGNORECASE)


def split_entries(text: str) -> list[str]:
    """The entries of one paragraph of a reference list: one, or several run together."""
    import regex

    start = regex.compile(rf"(?<=[.)]\s|\.\s*\]\s|(?:https?://|doi:)\S+\s)(?={_PARTICLE}{_SURNAME},\s{_INITIALS}(?:,|\s\(|\s&|\s\p{{Lu}}\.)"
                          rf"|{_GROUP_START})")
    cuts = [0] + [m.start() for m in start.finditer(text)] + [len(text)]
    pieces = [" ".join(text[a:b].split()) for a, b in itertools.pairwise(cuts)]
    # A cut stands only between two entries that each have their date: "Wiersma, J., ... Lancioni,
    # G. E. (2016)" is one entry whose author list an ellipsis shortens, not two.
    entries: list[str] = []
    for piece in (piece for piece in pieces if piece):
        if entries and not (_DATED.search(entries[-1]) and _DATED.search(piece)):
            entries[-1] = f"{entries[-1]} {piece}"
        else:
            entries.append(piece)
    return entries
