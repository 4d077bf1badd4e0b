"""Markdown that shows data as text: the one escaper of every Markdown output (report.md, the
`md` and `pandoc` leaflets), code spans, and `finalize`, which applies the escaper to every
`{{ value }}` of a Markdown template.

Markdown renderers pass raw HTML through (`<img src=x onerror=...>`, `<script>`, comments),
decode character references (`&#106;avascript:`), make links of `[x](...)`, `<scheme:...>`
and, with pandoc's extensions, of bare URIs, and give a heading or span `{onclick=...}`
attributes. A value from a knowledge base is therefore escaped wherever it goes: each of those
characters gets a backslash, which every renderer (CommonMark, GitHub, pandoc) removes again,
so the text reads as it was written. Text that is Markdown already, made from escaped pieces,
is a `Markdown` string and is written as it is.
"""

from __future__ import annotations

import re
from typing import Any

# Markdown syntax that can make HTML, a link, emphasis, strike-through (GitHub's ~~), code, a
# table cell or attributes; pandoc's citations, superscript and math too. Each gets a backslash:
# a value is searched for them first and translated only when it holds one (most hold none, and
# a report writes a million values).
_SPECIAL = "\\`*_[]<>|{~"
_PANDOC_SPECIAL = _SPECIAL + "@^$"
_FOUND = re.compile("[" + re.escape(_SPECIAL) + "]")
_PANDOC_FOUND = re.compile("[" + re.escape(_PANDOC_SPECIAL) + "]")
_ESCAPES = str.maketrans({char: "\\" + char for char in _SPECIAL})
_PANDOC_ESCAPES = str.maketrans({char: "\\" + char for char in _PANDOC_SPECIAL})
# An `&` that starts a character reference (`&lt;`, `&#106;`, `&#x6A;`); any other `&` is shown
# as it is by every renderer, and stays unescaped so that "Smith & Jones" reads as it did.
_REFERENCE = re.compile(r"&(?=#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")
# A URI scheme's colon (`javascript:alert`, `data:text`, `https://`): escaped, so that no
# reader's autolinking of bare URIs (GitHub's, pandoc's autolink_bare_uris) makes a link of text
# from data; pandoc's takes a backslash into such a URI, and the `<` it escaped would be a tag
# again. The links kb makes are autolinks (`<https://...>`). "Note: x" (a space follows) is no URI.
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):(?=\S)")


class Markdown(str):
    """Markdown already: escaped where it came from data, written into a template as it is."""

    __slots__ = ()


def text(value: str, pandoc: bool = False) -> Markdown:
    """Plain text escaped so that Markdown (and pandoc's extensions, with `pandoc`) shows it as
    it is: no HTML, no link, no emphasis or other markup of its own."""
    return Markdown(_escaped(value, pandoc))


# A character without which `_escaped` changes nothing: most values hold none, and are
# returned after this one search instead of four.
_ANY = re.compile("[" + re.escape(_SPECIAL + "&:#") + "]")
_PANDOC_ANY = re.compile("[" + re.escape(_PANDOC_SPECIAL + "&:#") + "]")
SPECIAL = _ANY.search  # None for a text `finalize` writes as it is (templates compiled by kb.rendering look first)


def _escaped(value: str, pandoc: bool = False) -> str:
    if (_PANDOC_ANY if pandoc else _ANY).search(value) is None:
        return value
    if (_PANDOC_FOUND if pandoc else _FOUND).search(value):
        value = value.translate(_PANDOC_ESCAPES if pandoc else _ESCAPES)
    if "&" in value and ";" in value:  # a reference ends with one
        value = _REFERENCE.sub(r"\\&", value)
    if value.count(":") > value.count(": "):  # a scheme's colon has no space after it
        value = _SCHEME.sub(r"\1\\:", value)
    return "\\" + value if value.startswith("#") else value


def code(value: Any, cell: bool = False) -> Markdown:
    """`value` as a code span: shown exactly, HTML and all, in a fence of more backticks than it
    holds. In a table `cell`, a `|` is escaped: tables are cut at pipes before code is seen."""
    shown = " ".join(str(value).splitlines())  # a code span is one line
    if cell:
        shown = shown.replace("|", "\\|")
    if not shown:
        return Markdown("")
    fence = "`" * (max(map(len, re.findall("`+", shown))) + 1) if "`" in shown else "`"
    # A span that starts or ends with a backtick, or with spaces at both ends, is padded by one
    # space, which the renderer takes off again.
    pad = " " if shown[0] == "`" or shown[-1] == "`" or (shown[0] == " " and shown[-1] == " ") else ""
    return Markdown(f"{fence}{pad}{shown}{pad}{fence}")


def finalize(value: Any) -> str:
    """What a Markdown template writes for `{{ value }}`: Markdown as it is, anything else (a
    value from data, a number, interface text) escaped as text."""
    if type(value) is str:  # the most of them, checked first: a report writes a million
        return _escaped(value)
    if isinstance(value, Markdown):
        return value
    return _escaped(str(value))
