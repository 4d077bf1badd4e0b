"""A fast reader for plain, well-formed BibTeX entries that gives pybtex's results.

pybtex's scanner was most of the time of loading a large bibliography (a token object
per brace, comma and word). Most entries of a hand-kept file are plain: `@type{key,`
then `name = {value}` pairs. This reader takes those in a few regular-expression steps
and answers None for anything else (`@string`, parentheses, an undefined macro, a
duplicate field, an unbalanced brace, text that holds another `@`), which pybtex then
reads as before, with its own messages. Names without braces, backslashes or `~` are
split here by pybtex's rules; any other name goes to pybtex's `Person`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from string import ascii_letters, digits

from pybtex.bibtex.utils import split_name_list
from pybtex.textutils import normalize_whitespace

_NAME_CHARS = re.escape(ascii_letters + "@!$&*+-./:;<>?[\\]^_`|~\x7f")
_NAME = rf"[{_NAME_CHARS}][{_NAME_CHARS}{digits}]*"  # pybtex's NAME token
_HEAD = re.compile(rf"\s*@\s*({_NAME})\s*\{{\s*([^\s,}}]+)\s*")
_FIELD = re.compile(rf"({_NAME})\s*=\s*")
_SPACE = re.compile(r"\s*")
_NUMBER = re.compile(r"[0-9]+")
_MACRO = re.compile(_NAME)
_BRACES = re.compile(r"[{}]")
_QUOTE_OR_BRACES = re.compile(r'["{}]')
_PERSON_FIELDS = ("author", "editor")
_AND = re.compile(" [Aa][Nn][Dd] ")
_PLAIN_NAME = re.compile(r"[^{}\\~]*")
_MAX_DEPTH = 100  # pybtex's limit on nested braces


@dataclass(frozen=True)
class Entry:
    """One entry as pybtex would give it: whitespace normalised, braces kept, no LaTeX decoded."""

    entry_type: str  # as written, e.g. "Article"
    key: str  # the citation key
    fields: list[tuple[str, str]]  # (name as written, value) for every field but the person fields
    persons: dict[str, list[str]]  # "author" / "editor" -> the name strings, in order


def _braced(text: str, pos: int, closing: re.Pattern[str]) -> int:
    """The offset just past the delimiter that closes a value opened before `pos`, or -1."""
    depth = 0
    for match in closing.finditer(text, pos):
        char = match.group()
        if char == "{":
            depth += 1
            if depth > _MAX_DEPTH:
                return -1  # pybtex reports the nesting
        elif char == "}":
            if depth == 0:
                return match.end() if closing is _BRACES else -1
            depth -= 1
        elif depth == 0:  # a quote at brace level 0 closes a quoted value
            return match.end()
    return -1


def _value(text: str, pos: int, macros: dict[str, str]) -> tuple[str, int] | None:
    """A field value (parts joined by `#`) starting at `pos`, and where it ends."""
    parts = []
    while True:
        char = text[pos:pos + 1]
        if char in ("{", '"'):
            end = _braced(text, pos + 1, _BRACES if char == "{" else _QUOTE_OR_BRACES)
            if end < 0:
                return None
            parts.append(text[pos + 1:end - 1])
        elif (number := _NUMBER.match(text, pos)) is not None:
            end = number.end()
            parts.append(number.group())
        elif (macro := _MACRO.match(text, pos)) is not None:
            value = macros.get(macro.group().lower())
            if value is None:
                return None
            end = macro.end()
            parts.append(value)
        else:
            return None
        pos = _SPACE.match(text, end).end()  # type: ignore[union-attr]
        if text[pos:pos + 1] != "#":
            return "".join(parts), pos
        pos = _SPACE.match(text, pos + 1).end()  # type: ignore[union-attr]


def read_entry(chunk: str, macros: dict[str, str]) -> Entry | None:
    """The one entry `chunk` holds, or None when pybtex must read it. `macros` by lower-case name."""
    head = _HEAD.match(chunk)
    if head is None or head.group(1).lower() in ("string", "preamble", "comment"):
        return None
    pos = head.end()
    fields: list[tuple[str, str]] = []
    persons: dict[str, list[str]] = {}
    seen: set[str] = set()
    if chunk[pos:pos + 1] == ",":
        pos = _SPACE.match(chunk, pos + 1).end()  # type: ignore[union-attr]
        while (name := _FIELD.match(chunk, pos)) is not None:
            found = _value(chunk, name.end(), macros)
            if found is None:
                return None
            value, pos = found
            lower = name.group(1).lower()
            if lower in seen:
                return None  # pybtex reports the duplicate field
            seen.add(lower)
            value = normalize_whitespace(value)
            if lower in _PERSON_FIELDS:
                persons[lower] = split_name_list(value) if "{" in value else (
                    [part.strip() for part in _AND.split(value)] if value else [])
            else:
                fields.append((name.group(1), value))
            if chunk[pos:pos + 1] != ",":
                break
            pos = _SPACE.match(chunk, pos + 1).end()  # type: ignore[union-attr]
    if chunk[pos:pos + 1] != "}" or "@" in chunk[pos + 1:]:
        return None
    return Entry(head.group(1), head.group(2), fields, persons)


def _is_von(word: str) -> bool:
    """pybtex's `is_von_name` for a word without braces or backslashes."""
    for char in word:
        if char.isalpha():
            return char.islower()
    return False


def split_name(name: str) -> tuple[list[str], list[str], list[str], list[str]] | None:
    """(first and middle, von, last, jr) by pybtex's rules, or None when pybtex must do it."""
    if _PLAIN_NAME.fullmatch(name) is None:
        return None
    name = name.strip()
    if not name:
        return [], [], [], []
    parts = [part.strip() for part in name.split(",")]
    if len(parts) > 3:
        return None  # pybtex reports a name with too many commas
    first: list[str] = []
    jr: list[str] = []
    if len(parts) == 1:
        words = parts[0].split()
        position = next((i for i, word in enumerate(words) if _is_von(word)), len(words))
        first, von_last = words[:position], words[position:]
        if not von_last and first:
            von_last = [first.pop()]
    else:
        von_last = parts[0].split()
        first = parts[-1].split()
        if len(parts) == 3:
            jr = parts[1].split()
    von: list[str] = []
    last = von_last[-1:]
    if len(von_last) > 1:
        head = von_last[:-1]
        cut = max((i + 1 for i, word in enumerate(head) if _is_von(word)), default=0)
        von, last = head[:cut], head[cut:] + last
    return first, von, last, jr
