"""Organisations and titles as cited: how a name printed in a citation compares with a record
that has no personal author.

APA cites an organisation by its name, or its abbreviation once defined ("Trimbos-instituut",
"NVvP"), and a work without an author by its title ("Duurzame aanpak van kinderarmoede").
Writers shorten and extend such names: "OWASP" for the OWASP Foundation, "Atlassian Support"
for Atlassian, a web page's title with its site's name ("Maak je sterk tegen armoede op school
| Netwerk tegen Armoede"). These comparisons are looser than those of surnames, so the caller
accepts them only for records of the cited year.
"""

from __future__ import annotations

import unicodedata

import regex

# What separates a page's title from its site's name, or a title from its subtitle.
_PIECES = regex.compile(r"\s+[|–—-]\s+|\s*:\s+|\s*\|\s*")
_ARTICLES = frozenset("de het een the a an".split())
_WORD = regex.compile(r"[\p{L}\d]+")

EXACT, SHORTENED, NONE = 0, 1, 2  # how a printed name compares with a record's name or title


def words(text: str) -> list[str]:
    """The words of a name or title, lower-cased, accents and punctuation dropped, "&" kept as "en"."""
    decomposed = unicodedata.normalize("NFKD", text.replace("&", " en "))
    plain = "".join(c for c in decomposed.casefold() if not unicodedata.combining(c))
    found = _WORD.findall(plain)
    return found[1:] if len(found) > 1 and found[0] in _ARTICLES else found


def pieces(printed: str) -> list[str]:
    """The printed name, then each part of it that a separator sets off ("title | site")."""
    parts = [p for p in _PIECES.split(printed) if p.strip()]
    return [printed] + (parts if len(parts) > 1 else [])


def compare(printed: str, name: str) -> int:
    """EXACT when the words agree; SHORTENED when one is the other's opening words; else NONE.

    "OWASP" and "OWASP Foundation", "Atlassian Support" and "Atlassian", "Trimbos" and
    "Trimbos-instituut" are SHORTENED; "Health" and "World Health Organization" are not.
    """
    a, b = words(printed), words(name)
    if not a or not b:
        return NONE
    if a == b or "".join(a) == "".join(b):
        return EXACT
    shorter, longer = (a, b) if len(a) < len(b) else (b, a)
    return SHORTENED if longer[:len(shorter)] == shorter else NONE


def abbreviates(short: str, long: str) -> bool:
    """Whether `short` ("NVPMT", "NJi") abbreviates `long`, by Schwartz and Hearst's (2003) rule.

    Every letter of the abbreviation is found in the long form, in order and from the right;
    its first letter opens a word of the long form. The long form must have at least two
    words and no fewer words than half the abbreviation's letters.
    """
    s = [c for c in short.casefold() if c.isalnum()]
    long_words = words(long)
    if len(s) < 2 or len(long_words) < 2 or 2 * len(long_words) < len(s):
        return False
    text = " ".join(long_words)
    i = len(text) - 1
    for n in range(len(s) - 1, -1, -1):
        while i >= 0 and (text[i] != s[n] or (n == 0 and i > 0 and text[i - 1].isalnum())):
            i -= 1
        if i < 0:
            return False
        i -= 1
    return True
