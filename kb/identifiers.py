"""The characters of a work's key and of a claim's id, and what to say of one outside them.

Keys and ids are names that commands print, take as arguments and put in links and file
formats, so they hold no space, no control character, no bidirectional mark and no quote:

- a work key (references.bib, a claim's sources) is letters and digits of any script (with
  their combining marks, not first) and `_ - : . / +`, in any order: what BibTeX keys hold in
  practice (`kraak2010`, `Rame72`, `doe:2020`, `smith_inpress`, `müller2010`);
- a claim id is letters, digits and `_ . : -`, starting with a letter or digit (`npi-kader`).
"""

from __future__ import annotations

import re
import unicodedata

KEY_PUNCTUATION = "_-:./+"
ID_PUNCTUATION = "_.:-"
KEY_CHARACTERS = f"letters, digits and {KEY_PUNCTUATION}"
ID_CHARACTERS = f"letters, digits and {ID_PUNCTUATION}, starting with a letter or digit"

_ASCII_KEY = re.compile(r"[A-Za-z0-9_\-:./+]+")
_ASCII_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:\-]*")


def _outside(value: str, punctuation: str, punctuation_first: bool) -> str | None:
    for position, char in enumerate(value):
        if char in punctuation:
            if position == 0 and not punctuation_first:
                return char
            continue
        kind = unicodedata.category(char)[0]
        if kind in "LN" or (kind == "M" and position > 0):
            continue
        return char
    return None


def bad_key_character(key: str) -> str | None:
    """The first character of `key` that a work key cannot hold; None when it fits."""
    return None if _ASCII_KEY.fullmatch(key) else _outside(key, KEY_PUNCTUATION, True)


def bad_id_character(claim_id: str) -> str | None:
    """The first character of `claim_id` that a claim id cannot hold; None when it fits."""
    return None if _ASCII_ID.fullmatch(claim_id) else _outside(claim_id, ID_PUNCTUATION, False)


def id_prefix(name: str) -> str:
    """`name` (a file's name) made the beginning of claim ids: each run of characters an id
    cannot hold becomes one hyphen (none after a hyphen), and what an id cannot start with is
    left off (`Folder 2024` gives `Folder-2024`, `(concept)` gives `concept-`); `claim` when
    nothing is left."""
    kept: list[str] = []
    for char in name:
        if char in ID_PUNCTUATION or unicodedata.category(char)[0] in "LMN":
            kept.append(char)
        elif not kept or kept[-1] != "-":
            kept.append("-")
    start = next((i for i, char in enumerate(kept) if unicodedata.category(char)[0] in "LN"), len(kept))
    return "".join(kept[start:]) or "claim"


def named(char: str) -> str:
    """A character as a message names it, visible whatever it is: `U+001B`, `U+0020 (space)`."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" ({name.lower()})" if name else "")
