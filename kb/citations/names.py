"""Names as a citation prints them, against a record's: how well a printed surname matches (exactly,
without its particles, misspelled, or not), and which printed words are given names.

APA cites by surname only ("Kuru Alici & Kalanlar, 2021"); a leaflet may print given names
("Nilgün Kuru Alici & Bilge Kalanlar") or a co-author's initials ("Kuru Alici & B. Kalanlar").
Words before a surname count as given names only when the record has them: "Onderzoek van
Jansen" is no given name of Jansen, and "Anna van den Berg" is one only for a record of Anna.
"""

from __future__ import annotations

import unicodedata
from functools import cache

import regex

from kb.bibliography import Name
from kb.citations.grammar import WORD_BREAK

EXACT, PARTICLE, SPELLING, NONE = 0, 1, 2, 3  # how a printed surname matches a record's, best first

_BRACKETED = regex.compile(r"\s*\[[^\]]*\]")
_LEADING_PARTICLES = regex.compile(r"^(?:(?:[Vv]an|[Dd]e[nr]?|[Tt]e[nr]?|[Vv]on|['’]t)\s+)+")


@cache
def normalize(name: str) -> str:
    """A surname for comparison: accents, case, spaces, hyphens and apostrophes dropped.

    Cached: the same few thousand surnames are compared for every citation.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed.casefold() if c.isalpha())


def normalize_words(name: str) -> list[str]:
    return [w for w in (normalize(part) for part in WORD_BREAK.split(name)) if w]


def distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of a and b, or limit + 1 once it is known to exceed limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def plain(printed: str) -> str:
    """A printed name without its bracketed abbreviation: "World Health Organization [WHO]"."""
    return _BRACKETED.sub("", printed)


def strip_particles(printed: str) -> str:
    return _LEADING_PARTICLES.sub("", printed.strip())


def name_match(printed: str, name: Name) -> int:
    """How a printed surname matches a record's: exactly, without its particles, misspelled, or not."""
    printed = plain(printed)
    p, family, last = normalize(printed), normalize(name.family), normalize(name.last)
    if not p:
        return NONE
    if p == family:
        return EXACT
    if p == last:
        return PARTICLE
    bare = normalize(strip_particles(printed))  # "van Jansen (2010)": a preposition read as a particle
    if bare == family or bare == last:
        return EXACT
    for target in (family, last):
        if min(len(p), len(target)) >= 4 and (target.startswith(p) and len(target) - len(p) <= 4
                                               or p.startswith(target) and len(p) - len(target) <= 2):
            return SPELLING  # "Bernst" for Bernstein
        if distance(p, target, 1 if len(target) <= 7 else 2) <= (1 if len(target) <= 7 else 2):
            return SPELLING
    return NONE


def split_given(printed: str, name: Name) -> tuple[str, str]:
    """(given names, surname) of a printed name that opens with given names of the record's person,
    or their initials: ("Nilgün", "Kuru Alici") for Kuru Alici, Nilgün; ("", printed) when it
    opens with none. The surname left must still match the record's."""
    words = printed.split()
    if len(words) < 2 or not name.first:
        return "", printed
    given = normalize_words(name.first)
    initials = {w[:1] for w in given}
    for cut in range(len(words) - 1, 0, -1):  # the longest run of given names first
        lead = normalize_words(" ".join(words[:cut]))
        if lead and all(w in given or (len(w) == 1 and w in initials) for w in lead):
            surname = " ".join(words[cut:])
            if name_match(surname, name) != NONE:
                return " ".join(words[:cut]), surname
    return "", printed


def spelled_out(given: str) -> bool:
    """Whether printed given names hold a name written out ("Nilgün"), not initials alone ("N.")."""
    return any(len(w) > 1 for w in normalize_words(given.replace(".", " ")))


def authors_text(names: tuple[Name, ...]) -> str:
    """"van den Broek, Keulen-de Vos, & Bernstein": how a record's authors are named in messages."""
    families = [n.family for n in names]
    if len(families) <= 2:
        return " & ".join(families)
    return ", ".join(families[:-1]) + ", & " + families[-1]
