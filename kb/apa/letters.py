"""Year letters: the a, b, c that APA 7 adds to the year of works with the same authors and year.

The one rule that decides them, for every part that shows or reads a letter: the audit's
ambiguous-citation message, the resolution of "(Berg & Vos, 2017a)" to a record (`kb extract`,
the audit, placing a leaflet's citations) and the leaflet's citations and reference list.

- The same authors: the same surnames (particles included: "van den Broek"), in the same order,
  and the same initials of the first author. Surnames are compared as printed, without regard to
  case. Given names are left out because a citation shows surnames only; the first author's
  initials count because APA prints them in citations where two first authors share a surname
  (APA 7 §8.20), which tells those works apart without a letter. A work without authors goes by
  its editors, as its citation does; one with neither is cited by its title and takes no letter.
- The same year: as the record writes it, a letter stuck to it (2017a) aside; no year, "n.d." and
  "z.d." are one undated year (APA's "n.d.-a").
- The order, which is the reference list's (APA 7 §9.47, as apa.csl sorts it): by the initials of
  the other authors (the list prints them, "Vos, J." before "Vos, K."); then by date where the
  entry prints more than the year (a web page, a document: year alone first, then by month,
  apa.csl's `date-sort`); then by title, without case, accents, punctuation and a leading article
  (A, An, The, and Dutch De, Het, Een, as the Dutch APA guides say); then by key.

CSL processors (citeproc-py, pandoc 2.17) compare the title with its article: they file "De
angst" under D, where APA files it under A. Nothing here imports citeproc or lxml, so that the
audit and `kb extract` can use the rule without loading the processor.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache

from kb.apa import csl
from kb.bibliography import Name, Work

# Leading articles APA ignores when it sorts titles: English (APA 7 §9.47) and Dutch.
ARTICLES = ("a", "an", "the", "de", "het", "een")
_LEADING_ARTICLE = re.compile(rf"^(?:{'|'.join(ARTICLES)})\s+")
_NOT_A_WORD = re.compile(r"[^\w\s]+|_")
_SPACES = re.compile(r"\s+")
_GIVEN_BREAK = re.compile(r"[\s.\-]+")
_YEAR = re.compile(r"(\d{4})[a-z]?")
_UNDATED = frozenset({"", "nd", "zd", "zj", "sd", "oj"})

# CSL types whose APA entry prints the year alone (apa.csl's `date-sort` macro); the others
# print the full date, and their works of one year are listed by it.
_YEAR_ONLY = frozenset("""article article-journal book chapter entry entry-dictionary entry-encyclopedia dataset
figure graphic manuscript map musical_score patent report review review-book thesis""".split())
# A paper in proceedings prints the year alone when it is published like a chapter or an article.
_PUBLISHED = ("collection-editor", "compiler", "editor", "editorial-director", "issue", "page",
              "supplement-number", "volume")


def letter(n: int) -> str:
    """0 -> a, 25 -> z, 26 -> aa: the letter of the n-th work of a group, as CSL counts on past z."""
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def rank(suffix: str) -> tuple[int, str]:
    """Sort key of a letter: z before aa."""
    return len(suffix), suffix


@cache
def _fold(text: str) -> str:
    """Case and accents folded, punctuation dropped, spaces collapsed: a title as APA sorts it."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()
    return _SPACES.sub(" ", _NOT_A_WORD.sub("", plain)).strip()


def initials(given: str) -> str:
    """"Hans-Peter" -> "HP", "K." -> "K", "Karin" -> "K": what a citation or list shows of given names."""
    return "".join(word[:1] for word in _GIVEN_BREAK.split(given) if word).upper()


def names(work: Work) -> tuple[Name, ...]:
    """The names a work is cited by: its authors, else its editors."""
    return work.authors or work.editors


def year(work: Work) -> str:
    """The year that letters are counted within: "2017" for 2017 and 2017a, "nd" for any undated form."""
    written = work.year.strip()
    found = _YEAR.fullmatch(written)
    if found:
        return found.group(1)
    compact = _fold(written).replace(" ", "")
    return "nd" if compact in _UNDATED else compact


def same_authors(work: Work) -> tuple[str, ...] | None:
    """What "the same authors" compares (see the module's docstring); None for a work cited by its title."""
    people = names(work)
    if not people:
        return None
    surnames = tuple(_SPACES.sub(" ", unicodedata.normalize("NFC", p.family)).strip().casefold() for p in people)
    return (*surnames, initials(people[0].first))


def title_key(title: str) -> str:
    """A title as APA sorts it: "The Zebra: a study" -> "zebra a study"."""
    return _LEADING_ARTICLE.sub("", _fold(title))


def _date(work: Work) -> tuple[int, ...]:
    """The month, for a work whose entry prints it; () for one that prints the year alone, which
    APA lists first ("nothing before something")."""
    if csl.TYPES.get(work.entry_type, "document") in _YEAR_ONLY:
        return ()  # most works: spares converting them
    data = csl.item(work)
    if data["type"] == "paper-conference" and any(v in data for v in _PUBLISHED):
        return ()
    parts = data.get("issued", {}).get("date-parts", [[]])[0]
    return tuple(parts[1:])


def order_key(work: Work) -> tuple[tuple[str, ...], tuple[int, ...], str, str]:
    """Where a work stands among the works of its authors and year (see the module's docstring)."""
    others = tuple(initials(p.first) for p in names(work)[1:])
    return others, _date(work), title_key(work.title), work.key


def groups(works: Iterable[Work]) -> list[list[Work]]:
    """The works that share authors and year, two or more a group, each in the order of its letters;
    groups in the order of their first work in `works`."""
    found: dict[tuple[tuple[str, ...], str], list[Work]] = {}
    for work in works:
        authors = same_authors(work)
        if authors is not None:
            found.setdefault((authors, year(work)), []).append(work)
    return [sorted(members, key=order_key) for members in found.values() if len(members) > 1]


def year_letters(works: Iterable[Work]) -> dict[str, str]:
    """Key -> the letter its year takes among `works` (a reference list, or a whole bibliography);
    a work whose authors have no other work of its year is absent: its year takes no letter."""
    return {work.key: letter(i) for members in groups(works) for i, work in enumerate(members)}
