"""Resolution: each parsed citation matched to bibliography records by surnames and year.

Leaflets hold slips (Glanz for Glantz, Bernst for Bernstein, a missing a/b, "et al" without its
full stop, a wrong year, a co-author too few or too many, given names before a surname). Each
slip that was tolerated to find the record is a named `Problem` of the citation; a citation that
matches no record is kept with no key and an `unresolved` problem, never guessed silently.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import regex

from kb.apa.letters import year_letters
from kb.bibliography import Name, Work
from kb.citations import organisations
from kb.citations.names import (
    EXACT,
    NONE,
    PARTICLE,
    SPELLING,
    authors_text,
    distance,
    name_match,
    normalize,
    normalize_words,
    spelled_out,
    split_given,
    strip_particles,
)
from kb.citations.parse import Citation, Group, without_leading_authors, without_preposition

# Every kind of problem a citation can have; a stable vocabulary for JSON output and the audit.
PROBLEM_KINDS = (
    "unresolved", "ambiguous", "surname-spelling", "particle", "missing-coauthor", "extra-coauthor",
    "year-mismatch", "year-suffix", "et-al-punctuation", "hyphen-space", "organisation-name", "given-names",
)


@dataclass(frozen=True)
class Problem:
    """One slip of a citation, or why it has no record."""

    kind: str  # one of PROBLEM_KINDS
    message: str  # one line, in English, naming what the record says


@dataclass(frozen=True)
class Resolution:
    """A citation with the records it stands for."""

    citation: Citation  # as parsed from the text
    keys: tuple[str, ...]  # matching records, in bibliography order; several when ambiguous, none when unresolved
    problems: tuple[Problem, ...]  # the slips tolerated to find them, or why none was found


# Patterns used per citation, compiled once: the `regex` module's own cache costs as much as a
# small match, and a large bibliography resolves tens of thousands of citations.
_SPACES = regex.compile(r"\s+")
_ACRONYM = regex.compile(r"\p{Lu}[\p{Lu}\p{Ll}]{1,9}")
_HYPHEN_SPACE = regex.compile(r"\S-\s|\s-\S")
_TRAILING_SEPARATORS = regex.compile(r"[\s,(]+$")


@cache
def normalize_year(year: str) -> str:
    if any(c.isdigit() for c in year):
        return _SPACES.sub("", year).rstrip("abcdefghijklmnopqrstuvwxyz")
    compact = normalize(year)
    if compact in ("nd", "zd", "zj", "sd", "oj", ""):
        return "nd"
    if compact in ("inpress", "terperse", "indruk", "forthcoming", "invoorbereiding", "teverschijnen"):
        return "inpress"
    return compact


def _acronym(printed: str) -> bool:
    """"WHO", "NVvP", "RIVM": how an organisation is cited after its first, full citation."""
    return bool(_ACRONYM.fullmatch(printed)) and sum(c.isupper() for c in printed) >= 2


@dataclass(frozen=True)
class _Entry:
    work: Work  # the record
    names: tuple[Name, ...]  # its authors, else its editors
    year: str  # normalized year
    suffix: str  # the letter its year takes among the indexed works (kb.apa.letters); "" when none


class Index:
    """Records of a bibliography, ready for matching."""

    def __init__(self, works: Mapping[str, Work], letters: Mapping[str, str] | None = None) -> None:
        """`letters`: key -> the letter of its year (kb.apa.letters), when `works` are part of a larger
        bibliography that decides them; by default they are the letters among `works`."""
        suffixes = year_letters(works.values()) if letters is None else letters
        self.entries = [_Entry(work, work.authors or work.editors, normalize_year(work.year), suffixes.get(work.key, ""))
                        for work in works.values()]
        self.order = {work.key: i for i, work in enumerate(works.values())}
        self.works = works
        # Records by the first letter of their first author's surname, with and without particles:
        # a slip rarely changes the first letter, and this keeps resolution fast on large files.
        self.by_letter: dict[str, list[_Entry]] = defaultdict(list)
        for entry in self.entries:
            if entry.names:
                for letter in {normalize(entry.names[0].family)[:1], normalize(entry.names[0].last)[:1]}:
                    self.by_letter[letter].append(entry)
        # Short names of organisations: biblatex's shortauthor, and the initials of a name of several words.
        self.short: dict[str, list[_Entry]] = defaultdict(list)
        for entry in self.entries:
            shorts = {normalize(entry.work.get("shortauthor"))}
            if len(entry.names) == 1 and len(entry.names[0].family.split()) > 1:
                shorts.add("".join(w[:1] for w in normalize_words(entry.names[0].family)))
            for short in shorts - {""}:
                self.short[short].append(entry)
        self.aliases: dict[str, str] = {}  # abbreviation -> the name it stands for, as the text defines it
        # Works of an organisation (one author without given names) or of no author, cited by name or title.
        self.unnamed = [e for e in self.entries if not e.names or (len(e.names) == 1 and not e.names[0].first)]

    def without_aliases(self) -> Index:
        """This index with no abbreviation learned, for another text: the records' lookups are shared."""
        index = copy.copy(self)
        index.aliases = {}
        return index

    def learn(self, abbreviation: str, name: str) -> None:
        """"Rijksinstituut voor Volksgezondheid en Milieu [RIVM]": later, RIVM stands for that name."""
        self.aliases.setdefault(normalize(abbreviation), name)

    def near(self, printed: str) -> list[_Entry]:
        """Records whose first author may match the printed surname, in bibliography order."""
        letters = {normalize(printed)[:1], normalize(strip_particles(printed))[:1]}
        found = {id(e): e for letter in letters for e in self.by_letter.get(letter, [])}
        return sorted(found.values(), key=lambda e: self.order[e.work.key])


@dataclass(frozen=True)
class _Candidate:
    entry: _Entry  # a record whose first author matches
    level: int  # how its first author matches: EXACT, PARTICLE or SPELLING
    problems: tuple[Problem, ...]  # slips of the citation measured against this record
    year_ok: bool  # the years agree

    @property
    def score(self) -> tuple[int, int]:
        return (self.level != EXACT) + len(self.problems), 0


def _name_problem(printed: str, name: Name, level: int, key: str) -> list[Problem]:
    if level == SPELLING:
        return [Problem("surname-spelling", f"{printed} is spelled {name.family} in {key}")]
    if level == PARTICLE:
        return [Problem("particle", f"{printed}: the surname in {key} is {name.family}")]
    return []


def _given_names(citation: Citation, given: list[tuple[str, str]]) -> Problem:
    """One problem for every printed name that gives given names: (name as printed, its given names)."""
    quoted = [f"'{name}'" for name, _ in given]
    names = " and ".join([", ".join(quoted[:-1]), quoted[-1]] if len(quoted) > 1 else quoted)
    what = ("a given name" if any(spelled_out(g) for _, g in given) else "initials") if len(given) == 1 else \
        "given names"
    surnames = citation.text
    for _, names_given in given:  # the citation as printed, without them: "Kuru Alici en Kalanlar (2021)"
        words = r"\s+".join(regex.escape(w) for w in names_given.split())
        surnames = regex.sub(rf"(?<![\p{{L}}\p{{M}}]){words}\s+", "", surnames, count=1)
    return Problem("given-names", f"{names} {'gives' if len(given) == 1 else 'give'} {what}: APA cites by "
                                  f"surname only, write '{surnames}'")


def _compare(citation: Citation, entry: _Entry, level: int) -> list[Problem]:
    """The citation's names measured against one record: spelling, co-authors left out or added,
    given names. Words before a surname that are its person's given names are not part of it."""
    key, names, printed = entry.work.key, entry.names, citation.authors
    first_given, first = split_given(printed[0], names[0])
    # a first author's initials alone tell namesakes apart (APA 7 §8.20): only a name written out is a slip
    given = [(printed[0], first_given)] if spelled_out(first_given) else []
    problems = _name_problem(first, names[0], level, key)
    remaining = list(range(1, len(names)))
    for i, name in enumerate(printed[1:], 1):
        ranked = sorted((name_match(bare, names[j]), j != i, j, names_given, bare)
                        for j in remaining for names_given, bare in [split_given(name, names[j])])
        if not ranked or ranked[0][0] == NONE:
            problems.append(Problem("extra-coauthor", f"{name} is not an author of {key} ({authors_text(names)})"))
            continue
        match_level, _, j, names_given, bare = ranked[0]
        remaining.remove(j)
        if names_given:
            given.append((name, names_given))
        problems += _name_problem(bare, names[j], match_level, key)
    if given:
        problems.append(_given_names(citation, given))
    if citation.et_al:
        if len(names) == 1:
            problems.append(Problem("extra-coauthor", f"'{citation.et_al}' stands for co-authors that {key} does not "
                                                      f"have ({names[0].family} is its only author)"))
        elif len(names) == 2 and len(printed) == 1:
            problems.append(Problem("missing-coauthor", f"{key} has two authors, {authors_text(names)}: "
                                                        f"both are named, without et al."))
    elif remaining:
        if len(printed) == 1 and len(names) >= 3:
            message = f"{key} has {len(names)} authors ({authors_text(names)}): cite it as {names[0].family} et al."
        else:
            message = f"{' & '.join(names[j].family for j in remaining)}, an author of {key}, is left out"
        problems.append(Problem("missing-coauthor", message))
    return problems


def _form_problems(citation: Citation, entry: _Entry | None) -> list[Problem]:
    """Slips visible in the citation itself: "et al" without its full stop, "Roemen- van Haaren"."""
    problems = []
    marker = citation.et_al
    right = "et al." if marker.startswith("et") else "e.a." if marker.startswith("e") else marker
    if marker != right:
        how = "without its full stop" if right.startswith(marker) else "misspelled"
        record = f" ({entry.work.key} has {len(entry.names)} authors)" if entry is not None else ""
        problems.append(Problem("et-al-punctuation", f"'{marker}' {how} in {citation.text}: write "
                                                     f"'{citation.authors[0]} {right}'{record}"))
    for i, name in enumerate(citation.authors):
        if _HYPHEN_SPACE.search(name):
            record = ""
            if entry is not None and i < len(entry.names):
                record = f": {entry.work.key} has {entry.names[i].family}"
            problems.append(Problem("hyphen-space", f"'{name}' has a space at its hyphen{record}"))
    return problems


def _years_close(cited: str, recorded: str) -> bool:
    """A year that is probably a slip for the other: one apart, one digit off, or n.d./in press for a year."""
    if cited.isdigit() and recorded.isdigit():
        return abs(int(cited) - int(recorded)) <= 1 or distance(cited, recorded, 1) <= 1
    return cited != recorded and (cited in ("nd", "inpress") or recorded in ("nd", "inpress"))


def _coauthors_agree(citation: Citation, entry: _Entry, problems: list[Problem], year: str) -> bool:
    """Whether a record found by a misspelled first author has the printed co-authors, or the year."""
    printed = len(citation.authors) - 1
    wrong = sum(1 for p in problems if p.kind == "extra-coauthor")
    if printed:
        return wrong < printed
    return entry.year == year


def _printed_names(citation: Citation) -> str:
    """The author list as printed, separators kept: "Ministerie van Volksgezondheid, Welzijn en Sport"."""
    year = citation.text.find(citation.year) if citation.year else -1
    if year <= 0 or not citation.text.startswith(citation.authors[0][:1]):
        return citation.authors[0]
    return _TRAILING_SEPARATORS.sub("", citation.text[:year])


def _unnamed_candidates(citation: Citation, index: Index, year: str) -> list[_Candidate]:
    """Works of an organisation or without author, of the cited year, by a name or title as printed."""
    printed = _printed_names(citation)
    best: list[_Candidate] = []
    for piece in organisations.pieces(printed):
        for entry in index.unnamed:
            if entry.year != year:
                continue
            if entry.names:
                name = entry.names[0].family
                how = organisations.compare(piece, name)
                if how == organisations.NONE and _acronym(piece) and organisations.abbreviates(piece, name):
                    how = organisations.EXACT  # "NVPMT" for the Nederlandse Vereniging voor Psychomotorische Therapie
                problems = () if how == organisations.EXACT else (
                    Problem("organisation-name", f"{piece} is named {name} in {entry.work.key}"),)
            else:  # cited by its title, which may be shortened
                how = organisations.compare(piece, entry.work.title)
                problems = ()
            if how == organisations.NONE:
                continue
            candidate = _Candidate(entry, EXACT if how == organisations.EXACT else SPELLING, problems, True)
            if not best or candidate.score < best[0].score:
                best = [candidate]
            elif candidate.score == best[0].score and all(c.entry is not entry for c in best):
                best.append(candidate)
    return best


def _candidates(citation: Citation, index: Index) -> list[_Candidate]:
    """Records whose first author matches: as printed, else by the exact readings of a longer name."""
    first = citation.authors[0]
    readings = [(first, False)]
    printed = _printed_names(citation)
    if len(citation.authors) > 1 and not citation.et_al:  # "Ministerie van Volksgezondheid, Welzijn en Sport"
        readings.append((printed, True))
    if len(citation.authors) > 1 and not citation.et_al:  # "Department of Health and Human Services"
        readings.append((" and ".join(citation.authors), True))
    if len(citation.authors) > 1 and not citation.et_al:  # "... Volksgezondheid en Milieu", "... & Human Services"
        readings += [(" en ".join(citation.authors), True), ("".join(citation.authors), True)]
    words = first.split()
    readings += [(" ".join(words[i:]), False) for i in range(1, len(words))]  # "Onderzoek van Jansen"
    if _acronym(first) and normalize(first) in index.aliases:
        readings.append((index.aliases[normalize(first)], False))
    year = normalize_year(citation.year)
    for n, (reading, joined) in enumerate(readings):
        found = []
        for entry in index.near(reading):
            level = name_match(reading, entry.names[0])
            if level == NONE or (n > 0 and level != EXACT) or (joined and len(entry.names) > 1):
                continue
            problems = [] if joined else _compare(citation, entry, level)
            if level == SPELLING and not _coauthors_agree(citation, entry, problems, year):
                continue  # a misspelled first author is believed only with co-authors or the year to back it
            found.append(_Candidate(entry, level, tuple(problems), entry.year == year))
        if found:
            return found
    if _acronym(first) and index.short.get(normalize(first)):
        return [_Candidate(entry, EXACT, (), entry.year == year) for entry in index.short[normalize(first)]]
    return _unnamed_candidates(citation, index, year)


_INITIAL = regex.compile(r"(?<![\p{L}\p{M}])\p{Lu}")


def _initials_fit(printed: str, names: tuple[Name, ...]) -> bool:
    """Whether initials as printed ("M. A.", "H.-P.") open the given names of a record's first author."""
    wanted = "".join(_INITIAL.findall(printed))
    return bool(names) and "".join(_INITIAL.findall(names[0].first)).startswith(wanted)


def resolve(citation: Citation, index: Index) -> Resolution:
    """The records `citation` stands for, with every slip tolerated to find them."""
    if not citation.authors:
        return Resolution(citation, (), (Problem("unresolved", f"{citation.text} names no author"),))
    candidates = _candidates(citation, index)
    same_year = [c for c in candidates if c.year_ok]
    year = normalize_year(citation.year)
    extra: list[Problem] = []
    if not same_year:
        close = [c for c in candidates if _years_close(year, c.entry.year)]
        if len(close) != 1:
            known = ", ".join(sorted(f"{c.entry.work.key} ({c.entry.work.year or 'n.d.'})" for c in candidates))
            hint = f"; by these authors: {known}" if known else ""
            return Resolution(citation, (), (*(_form_problems(citation, None)), Problem(
                "unresolved", f"no record in the bibliography matches {citation.text}{hint}")))
        same_year = close
        extra.append(Problem("year-mismatch", f"{citation.year}{citation.suffix}: the year of "
                                              f"{close[0].entry.work.key} is {close[0].entry.work.year}"))
    best_score = min(c.score for c in same_year)
    best = [c for c in same_year if c.score == best_score]
    if citation.suffix and len(best) > 1:
        best = [c for c in best if c.entry.suffix == citation.suffix] or best
    if citation.initials and len(best) > 1:  # APA adds initials exactly to tell namesakes apart
        best = [c for c in best if _initials_fit(citation.initials, c.entry.names)] or best
    best.sort(key=lambda c: index.order[c.entry.work.key])
    keys = tuple(c.entry.work.key for c in best)
    chosen = best[0]
    problems = _form_problems(citation, chosen.entry) + list(chosen.problems) + extra
    if len(best) > 1:
        problems.append(Problem("ambiguous", f"{citation.text} matches {len(best)} records: {', '.join(keys)}; "
                                             f"the year needs its a/b"))
    elif citation.suffix and chosen.entry.suffix != citation.suffix and not extra:
        if chosen.entry.suffix:
            message = (f"{citation.year}{citation.suffix}: {chosen.entry.work.key} is "
                       f"{citation.year}{chosen.entry.suffix}")
        else:
            message = (f"{citation.year}{citation.suffix}: {chosen.entry.work.key} is the only work of its authors "
                       f"in {chosen.entry.work.year}, so its year takes no letter")
        problems.append(Problem("year-suffix", message))
    return Resolution(citation, keys, tuple(problems))


def index_for(groups: list[Group], works: Mapping[str, Work], base: Index | None = None) -> Index:
    """The index of `works` that a text's citations are resolved against, knowing the
    abbreviations the text defines ("World Health Organization [WHO], 2019": later "WHO").
    `base`: `Index(works)` made once for many texts, which each learn their own abbreviations."""
    index = base.without_aliases() if base is not None else Index(works)
    for citation in (c for g in groups for c in g.citations):
        defined = regex.search(r"\[([^\]]+)\]", citation.text)
        if defined:
            index.learn(defined.group(1).strip(), citation.text[:defined.start()].strip())
    return index


def reading(text: str, group: Group, index: Index) -> Group:
    """"onderzoek van Jansen (2010)": keep "van" only where the record's surname has it; "voor
    Nederland, Nauta (2005)": drop leading names only where the rest has a record and the whole has none."""
    if group.narrative and len(group.citations[0].authors) > 1 and not resolve(group.citations[0], index).keys:
        group = next((g for g in without_leading_authors(text, group)
                      if resolve(g.citations[0], index).keys), group)
    shorter = without_preposition(text, group)
    if shorter is None:
        return group
    keys = resolve(group.citations[0], index).keys
    if keys and all(index.works[key].authors[:1] and
                    index.works[key].authors[0].family.lower().startswith(text[group.start:shorter.start].strip().lower())
                    for key in keys):
        return group
    return shorter
