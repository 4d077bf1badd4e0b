"""Citation rules: each claim's printed citation (`cited_as`) against its sources' records, the
citations of a leaflet's text that no claim covers, and the leaflet's placement of citations.

Citations are read with kb.citations, the parser behind `kb extract`.
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from kb.apa.letters import rank, year_letters
from kb.audit.claims import claims_of
from kb.audit.registry import checks, declare
from kb.bibliography import Work
from kb.claims import Document
from kb.findings import Finding, Location, Severity
from kb.knowledgebase import KnowledgeBase
from kb.texts import Pieces

if TYPE_CHECKING:
    from kb.placement import Placement

AMBIGUOUS_CITATION = declare("ambiguous-citation", Severity.ERROR,
                             "a citation without a/b while two works share its authors and year (Fonagy 2017)")
CITED_WITHOUT_SOURCE = declare("cited-without-source", Severity.WARNING,
                               "a claim with a printed citation (cited_as) that links no work")
CITATION_MISMATCH = declare(
    "citation-mismatch", Severity.WARNING,
    "a claim's `cited_as` disagrees with the records of its sources (surname spelling, particle, co-author left "
    "out or added, year, a/b, \"et al\" without its full stop, a space at a hyphen, given names), names none of "
    "them, leaves a source out, or cites a work otherwise than another claim does")
UNCOVERED_CITATION = declare(
    "uncovered-citation", Severity.WARNING,
    "a citation in a leaflet's text (found as `kb extract` finds it) that no claim's `cited_as` holds and that no "
    "claim's span ends right before")
CITATION_NOT_PLACED = declare("citation-not-placed", Severity.ERROR,
                              "a claim with sources whose text or printed citation is not found in its leaflet, "
                              "so `kb leaflet` cannot place its citation")
NO_CITATIONS = declare("no-citations", Severity.INFO,
                       "a leaflet whose claims link no work: its reference list is empty")


@cache
def _fold(text: str) -> str:
    """Case and accents folded: "Leirvåg" and "leirvag" are one surname in a citation.

    Cached: the same surnames and citations are folded for every claim that cites them.
    """
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def _word_char(char: str) -> bool:
    """A character of a word, as `\\w` reads one."""
    return char.isalnum() or char == "_"


def _holds_word(text: str, word: str) -> bool:
    """Whether `word` stands in `text` with no word character right before or after it (as the
    expression (?<!\\w)word(?!\\w) finds it, without compiling one per surname of a large KB)."""
    at = text.find(word)
    while at >= 0:
        end = at + len(word)
        if (at == 0 or not _word_char(text[at - 1])) and (end == len(text) or not _word_char(text[end])):
            return True
        at = text.find(word, at + 1)
    return False


def _names(text: str, names: list[str]) -> bool:
    """Whether every surname of `names`, folded, stands in `text` as a whole word."""
    return all(_holds_word(text, _fold(n)) for n in names)


_CITED_YEAR = re.compile(r"(?<!\d)(\d{4})([a-z]?)(?![\d\w])")
_ET_AL = re.compile(r"\bet\.?\s*al\b")
_WORDS = re.compile(r"\w+")


def _unwrapped(part: str) -> str:
    """One citation of a group, without the group's parenthesis at either end: "(A, 2017" -> "A, 2017"."""
    text = part.strip()
    if text.startswith("(") and text.count("(") > text.count(")"):
        text = text[1:].strip()
    if text.endswith(")") and text.count(")") > text.count("("):
        text = text[:-1].strip()
    return text


def _by_year_and_surname(kb: KnowledgeBase, years: set[str]) -> dict[tuple[str, str], list[Work]]:
    """(year, last word of the first author's folded surname) -> works, to look citations up in;
    only works of `years` (those cited), so that one leaflet's audit folds few surnames."""
    index: dict[tuple[str, str], list[Work]] = {}
    for work in kb.works.values():
        if work.year[:4] in years and work.authors and work.year[:4].isdigit():
            surname = _fold(work.authors[0].family).split()
            if surname:
                index.setdefault((work.year[:4], surname[-1]), []).append(work)
    return index


def _cited_years(printed: Iterable[str]) -> set[str]:
    """Every year without a/b in the citations `printed` (cited_as): those `_ambiguous` looks up."""
    return {year.group(1) for cited_as in printed for year in _CITED_YEAR.finditer(cited_as) if not year.group(2)}


def _ambiguous(cited_as: str, index: dict[tuple[str, str], list[Work]]) -> Iterator[tuple[str, str, list[Work]]]:
    """(citation, year, works) for each citation in `cited_as` whose year has no a/b although
    two or more works share its authors and year."""
    for part in cited_as.split(";"):
        years = list(_CITED_YEAR.finditer(part))
        if not years:
            continue
        names = _fold(part[:years[0].start()])
        et_al = _ET_AL.search(names) is not None
        words = set(_WORDS.findall(names))
        for year in years:
            if year.group(2):
                continue
            groups: dict[tuple[str, ...], list[Work]] = {}
            for word in sorted(words):
                for work in index.get((year.group(1), word), []):
                    families = [a.family for a in work.authors]
                    if et_al and _names(names, families[:1]):
                        groups.setdefault((_fold(families[0]),), []).append(work)
                    elif not et_al and _names(names, families):
                        groups.setdefault(tuple(_fold(f) for f in families), []).append(work)
            for works in groups.values():
                if len(works) > 1:
                    yield _unwrapped(part), year.group(1), works


def _apart(works: list[Work], year: str, letters: dict[str, str]) -> str:
    """How APA 7 tells `works` apart: by the letters of kb.apa.letters, or by names where the
    works do not share all their authors (more names before "et al.", a first author's initials)."""
    lettered = sorted((w for w in works if w.key in letters), key=lambda w: rank(letters[w.key]))
    by_title = ", ".join(f"{year}{letters[w.key]} = {w.key}" for w in lettered)
    if len(lettered) == len(works):
        return f"by title ({by_title})"
    return "by more author names or initials" + (f", and by title ({by_title})" if lettered else "")


def bibliography_letters(kb: KnowledgeBase) -> dict[str, str]:
    """The year letters of the whole bibliography (kb.apa.letters), computed once per KB."""
    if "letters" not in kb.memo:
        kb.memo["letters"] = year_letters(kb.works.values())
    letters: dict[str, str] = kb.memo["letters"]
    return letters


@checks(AMBIGUOUS_CITATION)
def _ambiguous_citation(kb: KnowledgeBase) -> Iterator[Finding]:
    printed = {claim.cited_as for _, claim in claims_of(kb) if claim.cited_as}
    index = _by_year_and_surname(kb, _cited_years(printed))
    found: dict[str, list[tuple[str, str, list[Work]]]] = {}  # cited_as -> its ambiguities: many claims print one alike
    for path, claim in claims_of(kb):
        if not claim.cited_as:
            continue
        ambiguities = found.get(claim.cited_as)
        if ambiguities is None:
            ambiguities = found[claim.cited_as] = list(_ambiguous(claim.cited_as, index))
        for citation, year, works in ambiguities:
            letters = bibliography_letters(kb)
            works = sorted(works, key=lambda w: (w.key not in letters, rank(letters.get(w.key, "")), w.key))
            yield AMBIGUOUS_CITATION.finding(Location(path, claim.line), f"claim {claim.id}: '{citation}' fits {len(works)} works with the same authors "
                          f"and year: {', '.join(w.key for w in works)}; APA 7 tells them apart "
                          f"{_apart(works, year, letters)}", claim=claim.id)


# Problems of a citation (kb.resolution.PROBLEM_KINDS) that make a citation-mismatch finding;
# "ambiguous" is left out: a claim may link every work a citation without a/b can mean.
MISMATCH_KINDS = frozenset({"unresolved", "surname-spelling", "particle", "missing-coauthor", "extra-coauthor",
                            "year-mismatch", "year-suffix", "et-al-punctuation", "hyphen-space", "given-names"})


@dataclass(frozen=True)
class _Cited:
    """One citation of a cited_as, resolved against a claim's sources."""

    problems: tuple[tuple[str, str | None], ...]  # (message, key) of each finding it makes
    names: tuple[str, ...]  # its surnames, case folded
    year: str  # its year and letter
    text: str  # as printed
    keys: tuple[str, ...]  # the sources it resolves to


@dataclass(frozen=True)
class _Reading:
    """What a cited_as says against a set of sources: the same for each claim that prints it with them."""

    readable: bool  # whether it reads as author-year citations at all
    cited: tuple[_Cited, ...]  # each citation of it, in order
    unnamed: tuple[tuple[str, str], ...]  # (key, message) of each source that none names


@checks(CITATION_MISMATCH)
def _citation_mismatch(kb: KnowledgeBase) -> Iterator[Finding]:
    from kb.citations.parse import Citation, Group, find
    from kb.citations.resolve import Index, Resolution, authors_text, resolve

    seen: dict[str, tuple[tuple[str, ...], str, str, str]] = {}  # key -> (names, year, form, where)
    # A year's letter is the one the whole bibliography gives (kb.apa.letters), whichever of its
    # works a claim links: the index of a claim's sources takes its letters from there.
    letters = bibliography_letters(kb)
    # A work is cited alike by each claim it supports: read each printed citation once, and
    # resolve it once against each set of sources it is given with. What a printed citation
    # says against its sources is kept for the whole KB (leaflets cite a work alike); the
    # indexes of the sets of sources and the resolutions it is made from only for the leaflet
    # being read, where claims citing one work stand together (kept for the KB, they were a
    # third of what this rule held at 10,000 works).
    parsed: dict[str, list[Group]] = {}
    indexes: dict[tuple[str, ...], Index] = {}
    resolved: dict[tuple[Citation, tuple[str, ...]], Resolution] = {}
    readings: dict[tuple[str, tuple[str, ...]], _Reading] = {}
    leaflet = ""

    def reading(cited_as: str, sources: tuple[str, ...]) -> _Reading:
        works = {key: kb.works[key] for key in sources}
        groups = parsed.get(cited_as)
        if groups is None:
            groups = parsed[cited_as] = find(cited_as)
        if not groups:
            return _Reading(False, (), ())
        index = indexes.get(sources)
        if index is None:
            index = indexes[sources] = Index(works, letters)
        covered: set[str] = set()
        cited = []
        for citation in (c for g in groups for c in g.citations):
            resolution = resolved.get((citation, sources))
            if resolution is None:
                resolution = resolved[(citation, sources)] = resolve(citation, index)
            covered.update(resolution.keys)
            problems = []
            for problem in resolution.problems:
                if problem.kind == "unresolved":
                    listed = ", ".join(sorted(works)) or "none"
                    message = f"{citation.text} matches none of the claim's sources ({listed})"
                elif problem.kind in MISMATCH_KINDS:
                    message = problem.message
                else:
                    continue
                problems.append((message, resolution.keys[0] if resolution.keys else None))
            cited.append(_Cited(tuple(problems), tuple(n.casefold() for n in citation.authors),
                                f"{citation.year}{citation.suffix}", citation.text, resolution.keys))
        unnamed = tuple((key, f"its source {key} ({work.short_citation()}) is not named in cited_as '{cited_as}'")
                        for key, work in works.items() if key not in covered)
        return _Reading(True, tuple(cited), unnamed)

    for path, claim in claims_of(kb):
        if not claim.cited_as or not claim.sources:
            continue  # a citation with no source at all is cited-without-source
        where = Location(path, claim.line)
        sources = tuple(dict.fromkeys(s.key for s in claim.sources if s.key in kb.works))
        read = readings.get((claim.cited_as, sources))
        if read is None:
            if path != leaflet:
                leaflet = path
                indexes.clear()
                resolved.clear()
            read = readings[(claim.cited_as, sources)] = reading(claim.cited_as, sources)
        if not read.readable:
            yield CITATION_MISMATCH.finding(where, f"claim {claim.id}: cited_as '{claim.cited_as}' cannot be read as an author-year "
                          f"citation", claim=claim.id)
            continue
        for cited in read.cited:
            for message, problem_key in cited.problems:
                yield CITATION_MISMATCH.finding(where, f"claim {claim.id}: {message}", claim=claim.id, key=problem_key)
            names, year = cited.names, cited.year
            for key in cited.keys:
                if key not in seen:
                    seen[key] = (names, year, cited.text, f"claim {claim.id} ({path}:{claim.line})")
                    continue
                first_names, first_year, form, first_where = seen[key]
                # a year with and without its letter is ambiguous-citation's finding, not this one's
                years_differ = first_year != year and (first_year[:4] != year[:4] or
                                                       (len(first_year) > 4 and len(year) > 4))
                if (len(first_names) == len(names) and first_names != names) or years_differ:
                    work = kb.works[key]
                    yield CITATION_MISMATCH.finding(where, f"claim {claim.id}: {key} is cited as '{cited.text}' here and as '{form}' "
                                  f"in {first_where}; the record: {authors_text(work.authors)} ({work.year})",
                                  claim=claim.id, key=key)
        for key, message in read.unnamed:
            yield CITATION_MISMATCH.finding(where, f"claim {claim.id}: {message}", claim=claim.id, key=key)


@checks(UNCOVERED_CITATION)
def _uncovered_citation(kb: KnowledgeBase) -> Iterator[Finding]:
    from kb.citations.parse import collapse

    for document in kb.documents:
        text = kb.texts.get(document.id)
        if text is None:
            continue
        cited = Pieces(collapse(c.cited_as) for c in document.claims if c.cited_as)
        text.expect(c.text for c in document.claims)
        spans = sorted((s.start, s.end) for s in (text.find(c.text) for c in document.claims if c.text)
                       if s is not None)
        starts = [start for start, _ in spans]
        reach = list(itertools.accumulate((end for _, end in spans), max))  # furthest end so far
        groups = text.citations(last=True)  # placement has read them before, when it runs
        printed_texts = Pieces(collapse(group.text) for group in groups)
        held = set().union(*(printed_texts.held_by(c) for c in cited.pieces))  # printed in a cited_as
        for group in groups:
            printed = collapse(group.text)
            if printed in held or cited.held_by(printed):  # or a cited_as in it
                continue
            # Right after a claim's span, or inside it ("Koch et al. (2014) found ..."): a span
            # that starts before the group and reaches the blanks and punctuation before it.
            before = group.start
            while before > 0 and text.text[before - 1] in " \t\r\n,.;:":
                before -= 1
            k = bisect.bisect_right(starts, group.start)
            if k and reach[k - 1] >= before:
                continue
            yield UNCOVERED_CITATION.finding(Location(kb.display(document.text_path), text.line_of(group.start)), f"the citation {printed} is covered by no claim of "
                                                f"{kb.display(document.claims_path)}")


def _placed(kb: KnowledgeBase) -> Iterator[tuple[Document, list[Placement], list[Finding]]]:
    """Each leaflet's placements as `kb leaflet` makes them, computed once per KB."""
    from kb.placement import place

    done = kb.memo.setdefault("placements", {})
    for document in kb.documents:
        text = kb.texts.get(document.id)
        if text is None:
            continue
        if document.id not in done:
            done[document.id] = place(kb, document, text)
        yield document, *done[document.id]


@checks(CITATION_NOT_PLACED)
def _citation_not_placed(kb: KnowledgeBase) -> Iterator[Finding]:
    for _, _, found in _placed(kb):
        yield from (f for f in found if f.rule == CITATION_NOT_PLACED.name)


@checks(CITED_WITHOUT_SOURCE)
def _cited_without_source(kb: KnowledgeBase) -> Iterator[Finding]:
    for _, _, found in _placed(kb):
        yield from (f for f in found if f.rule == CITED_WITHOUT_SOURCE.name)


@checks(NO_CITATIONS)
def _no_citations(kb: KnowledgeBase) -> Iterator[Finding]:
    for document, placements, problems in _placed(kb):
        if not placements and not any(f.rule == CITATION_NOT_PLACED.name for f in problems):
            yield NO_CITATIONS.finding(Location(kb.display(document.claims_path), 0),
                                       "the leaflet cites no works (no claim has sources, no printed citation), "
                                       "so its reference list is empty")
