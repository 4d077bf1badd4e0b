"""Formatted references: APA 7 in-text citations and reference-list entries from CSL-JSON items.

The formatting is citeproc-py's with the official APA style (kb.apa.style). What the processor
lacks at the level of citations is added here, as CSL 1.0.2 describes it:

- disambiguation: names added to an "et al." that two different author lists share, initials
  for first authors who share a surname, then year suffixes (2017a, 2017b) for the same
  authors in the same year: the letters of kb.apa.letters, the one rule that the audit and the
  resolution of citations follow too, with the reference list and the cites of one citation in
  their order (CSL's processors give them in their list order, which files a title under its
  article: "De angst" under D, where APA files it under A);
- cite grouping with `collapse="year"`: "(Fonagy et al., 2017a, 2017b)";
- narrative citations ("Koch et al. (2014)"), with the locale's "and" (Dutch "en") where the
  parenthetical citation has "&", as APA writes running text;
- no period after a title that ends in "?" or "!" (CSL's punctuation rules).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from citeproc import DATES, NAMES, VARIABLES, Citation, CitationItem, CitationStylesBibliography
from citeproc.source import Date, Name, Reference
from citeproc.source.json import CiteProcJSON
from citeproc.string import MixedString, String

from kb.apa.letters import letter, rank
from kb.apa.style import CSL_NS, MARKS, RICH, shared, style

Shown = tuple[int, bool]  # disambiguation: authors to show in citations (0: the style's), with initials


@dataclass(frozen=True)
class Cite:
    """One work as an in-text citation shows it, in pieces that clusters are made of."""

    key: str  # the work's key
    author: str  # "Fonagy et al." (rich text, see MARKS)
    narrative_author: str  # "Glantz en Goisman": the author as running text names them
    date: str  # "2017a"


@dataclass(frozen=True)
class Layout:
    """The style's citation layout: how cites are joined into one citation."""

    prefix: str  # "(" before a parenthetical citation
    suffix: str  # ")" after it
    delimiter: str  # "; " between cites of different authors
    group_delimiter: str  # ", " between author and date
    year_delimiter: str  # ", " between collapsed dates of one author ("2017a, 2017b")
    and_term: str  # the locale's "and" ("en"), between narrative citations


@dataclass(frozen=True)
class Formatted:
    """The works of one text formatted: citation pieces and the reference list."""

    cites: dict[str, Cite]  # key -> its citation pieces
    order: dict[str, int]  # key -> rank in the style's citation sort (cites in one citation)
    entries: tuple[tuple[str, str], ...]  # (key, reference entry as rich text), in list order
    layout: Layout  # how citations are assembled

    def citation(self, keys: list[str], narrative: bool = False) -> str:
        """One citation of `keys`: "(Bellino et al., 2006; Sansone et al., 2010)", or in running
        text "Koch et al. (2014)". Cites of the same authors share one author: "2017a, 2017b"."""
        cites = [self.cites[k] for k in dict.fromkeys(keys)]
        if not narrative:
            cites.sort(key=lambda c: self.order.get(c.key, 0))
        grouped: dict[str, list[str]] = {}  # cite grouping (CSL 1.0.2): same names together
        for cite in cites:
            grouped.setdefault(cite.narrative_author if narrative else cite.author, []).append(cite.date)
        groups = list(grouped.items())
        layout = self.layout
        if narrative:
            parts = [f"{author} ({layout.year_delimiter.join(dates)})" for author, dates in groups]
            if len(parts) > 1:
                return ", ".join(parts[:-1]) + f" {layout.and_term} " + parts[-1]
            return parts[0]
        parts = [layout.group_delimiter.join(p for p in (author, layout.year_delimiter.join(dates)) if p)
                 for author, dates in groups]
        return layout.prefix + layout.delimiter.join(parts) + layout.suffix


_END_PUNCTUATION = re.compile("([?!])((?:[\ue000-\ue009])*)\\.")


def _clean(text: Any) -> str:
    """A rendered string as plain text with marks; no "?." where a delimiter met a question mark."""
    return _END_PUNCTUATION.sub(r"\1\2", str(text))


_KNOWN = frozenset(VARIABLES)
_NAMES, _DATES = frozenset(NAMES), frozenset(DATES)
_NAME_PARTS = frozenset({"family", "given", "dropping-particle", "non-dropping-particle", "suffix"})


class _Source(CiteProcJSON):  # type: ignore[misc]
    """CiteProcJSON that makes the same references, names and dates without checking each of
    them against citeproc-py's lists of what they may hold (a set of every CSL variable built
    per reference): `_source` keeps only known variables, and a name or date of any other form
    than kb.apa.csl writes goes through citeproc-py's own constructors. A string without markup
    (nearly every one) is not scanned for `<span class="nocase">`: the same MixedString of one
    String."""

    def __init__(self, json_data: list[dict[str, Any]]) -> None:
        for data in json_data:
            reference = Reference.__new__(Reference)
            fields: dict[str, Any] = {}
            for name, value in data.items():
                variable = name.replace("-", "_")
                if variable == "id":
                    key = str(value).lower()
                elif variable == "type":
                    kind = value
                elif variable in _NAMES:
                    fields[variable] = self.parse_names(value)
                elif variable in _DATES:
                    fields[variable] = self.parse_date(value)
                elif name == "language":
                    fields[variable] = value
                else:
                    fields[variable] = self.parse_string(value)
            dict.update(reference, key=key, type=kind)  # what Reference(key, type, **fields) holds
            dict.update(reference, fields)
            self.add(reference)

    def parse_string(self, string: Any) -> MixedString:
        string = str(string)
        if "<" in string:
            return super().parse_string(string)
        return MixedString([String(string)]) if string else MixedString()

    def parse_names(self, json_data: list[dict[str, Any]]) -> list[Name]:
        names = []
        for data in json_data:
            if not _NAME_PARTS.issuperset(data):  # a literal name, or parts citeproc-py warns of
                return list(super().parse_names(json_data))
            name = Name.__new__(Name)
            dict.update(name, data)
            names.append(name)
        return names

    def parse_date(self, json_data: dict[str, Any]) -> Any:
        parts = json_data.get("date-parts")
        if (len(json_data) != 1 or not isinstance(parts, list) or len(parts) != 1 or not parts[0]
                or len(parts[0]) > 3 or not all(type(p) is int for p in parts[0])):
            return super().parse_date(json_data)  # a range, a season, a literal, text parts
        date = Date.__new__(Date)
        dict.__setitem__(date, "circa", 0)  # Date(circa=False, ...) makes every value an int
        dict.update(date, zip(("year", "month", "day"), parts[0]))
        return date


def _source(items: list[dict[str, Any]]) -> CiteProcJSON:
    """citeproc-py's source of `items`, holding only the variables it knows (it warns on others)."""
    clean = []
    for data in items:
        clean.append({k: (MARKS.sub("", v) if isinstance(v, str) else v) for k, v in data.items()
                      if k in ("id", "type") or k.replace("-", "_") in _KNOWN})
    return _Source(clean)


class _Item(CitationItem):  # type: ignore[misc]
    """A cite that holds its reference instead of looking it up through three dictionaries:
    a plain attribute, read hundreds of times per entry."""

    reference: Any = None  # hides CitationItem's property; each item sets its own

    def __init__(self, key: str, reference: Any) -> None:
        super().__init__(key)
        object.__setattr__(self, "reference", reference)  # CustomDict would store it as a key


class _Processor:
    """One run of the processor over a set of works in one locale."""

    def __init__(self, items: list[dict[str, Any]], locale: str) -> None:
        self.locale = locale
        self.keys = {str(d["id"]).lower(): str(d["id"]) for d in items}  # citeproc-py lowercases ids
        self.source = _source(items)
        for reference in self.source.values():  # a work without a language is in the output's:
            if "language" not in reference:     # saying so spares citeproc-py an exception per text
                reference["language"] = locale
        self.bibliography = CitationStylesBibliography(style(locale), self.source, RICH)
        self.items = [_Item(k, self.source[k]) for k in self.keys]
        self.citation = Citation(self.items)
        # What CitationStylesBibliography.register does, without looking each key up in the
        # list of keys so far (quadratic: 0.1 s at 5,000 works): these keys are distinct and
        # all in the source.
        self.citation.bibliography = self.bibliography
        self.bibliography.keys = [item.key for item in self.items]
        self.bibliography.items = list(self.items)
        self.bibliography.sort()

    def render(self, item: CitationItem, part: int, narrative: bool = False, shown: Shown = (0, False)) -> str:
        """Piece `part` (0 author, 1 date) of the style's citation layout for `item`, with the
        names `shown` that disambiguation asks for."""
        layout, pieces = _citation_pieces(self.locale, narrative, shown)
        item.citation.bibliography = self.bibliography
        layout.repressed = {}
        rendered = pieces[part].render(item)
        return _clean(rendered) if rendered is not None else ""

    def entry(self, item: CitationItem) -> str | None:
        """The reference-list entry of `item`; None for a work APA cites in the text only."""
        texts = self.bibliography.style.root.bibliography.layout.render_bibliography([item])
        return _clean(texts[0]) if texts else None


@cache
def _citation_pieces(locale: str, narrative: bool, shown: Shown) -> tuple[Any, list[Any]]:
    """The citation layout of the style variant and its pieces (the author's group, the date's)."""
    layout = style(locale, narrative, *shown).root.citation.layout
    return layout, list(layout.find(f"{{{CSL_NS}}}group"))


def _each(run: _Processor, name: str) -> list[Any]:
    """`run.<name>(item)` for every item of the run, in order."""
    return shared(len(run.items), lambda indices: [getattr(run, name)(run.items[i]) for i in indices])


def _disambiguate(run: _Processor, letters: Mapping[str, str] | None, cited: set[str] | None = None
                  ) -> tuple[dict[str, Shown], dict[str, tuple[str, str]], list[list[str]]]:
    """CSL's disambiguation as apa.csl asks for it: the first author's initials wherever two
    cited first authors share a surname (`primary-name-with-initials`, over all citations, as
    APA wants it), then, where two works would still be cited alike, names added to an
    "et al." that hides different co-authors, then year suffixes (set on the source): the
    `letters` of kb.apa.letters (lower-case key -> letter), or, for works they do not letter,
    CSL's own rule, list order. Returns the names to show per key, each key's (author, date) as
    cited (date "" for a work that is not `cited`, lower-case keys, and whose author no other
    work has: it is never rendered), and the keys that took letters, a list per set of works
    cited alike, in letter order."""
    by_item = {item.key: item for item in run.items}
    lettered: list[list[str]] = []
    shown: dict[str, Shown] = {k: (0, True) for k in _shared_surnames(run)}
    # Each author is rendered once, with the initials it needs; a date only where it is cited
    # (`cited`: lower-case keys, None for every work) or its author is another work's too, the
    # only works that two citations could show alike.
    items = run.items
    cited_as = shared(len(items), lambda indices: [
        run.render(items[i], 0, shown=shown.get(items[i].key, (0, False))) for i in indices])
    twice = {author for author, n in Counter(cited_as).items() if n > 1}
    dated = [i for i, item in enumerate(items) if cited is None or item.key in cited or cited_as[i] in twice]
    dates = dict(zip(dated, shared(len(dated), lambda indices: [run.render(items[dated[i]], 1) for i in indices])))
    rendered = {item.key: (cited_as[i], dates.get(i, "")) for i, item in enumerate(items)}
    clashes: dict[tuple[str, str], list[str]] = {}
    for key in run.bibliography.keys:  # list order
        clashes.setdefault(rendered[key], []).append(key)
    for group in clashes.values():
        if len(group) < 2:
            continue
        authors = {k: _author_list(run.source[k]) for k in group}
        if len(set(authors.values())) > 1:
            longest = max(len(a) for a in authors.values())
            for names in range(2, longest + 1):
                tried = {k: run.render(by_item[k], 0, shown=(names, shown.get(k, (0, False))[1])) for k in group}
                if len(set(tried.values())) == len(set(authors.values())):
                    shown.update({k: (names, shown.get(k, (0, False))[1]) for k in group})
                    rendered.update({k: (tried[k], rendered[k][1]) for k in group})
                    break
        for keys in _alike(group, rendered):
            if letters is not None and all(k in letters for k in keys):
                suffixes = {k: letters[k] for k in keys}
            else:  # CSL-JSON without records, or works the records do not give the same authors
                suffixes = {k: letter(i) for i, k in enumerate(keys)}
            for k in keys:
                run.source[k]["year_suffix"] = String(suffixes[k])
                rendered[k] = (rendered[k][0], run.render(by_item[k], 1))
            lettered.append(sorted(keys, key=lambda k: rank(suffixes[k])))
    return shown, rendered, lettered


def _in_letter_order(keys: list[str], lettered: list[list[str]]) -> list[str]:
    """`keys` with the works of each lettered set moved, among the places they hold, into the order
    of their letters: the letters are APA's (titles without a leading article), the processor's
    sort compares whole titles."""
    placed = list(keys)
    where = {k: i for i, k in enumerate(keys)}
    for members in lettered:
        places = sorted(where[k] for k in members if k in where)
        for place, key in zip(places, (k for k in members if k in where)):
            placed[place] = key
    return placed


def _shared_surnames(run: _Processor) -> list[str]:
    """Keys whose first author shares a surname with a first author of other initials."""
    initials: dict[str, set[str]] = {}
    firsts: dict[str, str] = {}
    for key, reference in run.source.items():
        people = reference.get("author") or reference.get("editor") or []
        if not people or "family" not in people[0]:
            continue
        first = people[0]
        surname = " ".join(str(p) for p in (first.get("non-dropping-particle"), first["family"]) if p).lower()
        firsts[key] = surname
        given = re.split(r"[\s.\-]+", str(first.get("given", "")))
        initials.setdefault(surname, set()).add("".join(word[:1] for word in given if word).upper())
    return [key for key, surname in firsts.items() if len(initials[surname]) > 1]


def _alike(group: list[str], rendered: dict[str, tuple[str, str]]) -> list[list[str]]:
    """The keys of `group` whose citations still show the same author, two or more a set."""
    same: dict[str, list[str]] = {}
    for key in group:
        same.setdefault(rendered[key][0], []).append(key)
    return [keys for keys in same.values() if len(keys) > 1]


def _author_list(reference: Any) -> tuple[tuple[str, ...], ...]:
    people = reference.get("author") or reference.get("editor") or []
    return tuple(tuple(str(p.get(part, "")) for part in ("non-dropping-particle", "family", "given"))
                 for p in people)


def format_items(items: list[dict[str, Any]], locale: str,
                 citations: Iterable[tuple[Sequence[str], bool]] | None = None,
                 letters: Mapping[str, str] | None = None) -> Formatted:
    """Citation pieces and reference entries of `items` (CSL-JSON, see kb.apa.csl) in `locale`.

    `citations` are the (keys, narrative) citations the text will ask for; with them, only
    what those need is rendered (the cites of the works they cite, narrative names, the order
    of cites sharing a citation): `cites` holds the works they cite. Without them, everything
    is, for any citation of these items.

    `letters` (key -> year letter) are the letters kb.apa.letters gives the records of these
    items; the reference list and the cites of one citation follow them. Without them (CSL-JSON
    that comes without records) the letters follow the processor's list order, as in pandoc."""
    base = style(locale)
    run = _Processor(items, locale)
    lower = None if letters is None else {k.lower(): v for k, v in letters.items()}
    narrative = together = wanted = None
    if citations is not None:
        asked = [({str(k).lower() for k in keys}, flag) for keys, flag in citations]
        narrative = set().union(*(keys for keys, flag in asked if flag))
        together = set().union(*(keys for keys, _ in asked if len(keys) > 1))
        wanted = set().union(*(keys for keys, _ in asked))
    shown, rendered, lettered = _disambiguate(run, lower, wanted)
    cites = {}
    for item in run.items:
        key = item.key
        if wanted is not None and key not in wanted:
            continue
        author, date = rendered[key]
        narrative_author = author if narrative is not None and key not in narrative else \
            run.render(item, 0, narrative=True, shown=shown.get(key, (0, False)))
        cites[run.keys[key]] = Cite(key=run.keys[key], author=author, narrative_author=narrative_author, date=date)
    ranked = [item for item in run.items if together is None or item.key in together]
    if base.root.citation.sort is not None and len(ranked) > 1:
        ranked = base.root.citation.sort.sort(ranked, base.root.citation.layout)
    cited = _in_letter_order([item.key for item in ranked], lettered)  # "2017a, 2017b", whatever the titles
    order = {run.keys[key]: place for place, key in enumerate(cited)}
    texts = dict(zip((item.key for item in run.items), _each(run, "entry")))
    entries = tuple((run.keys[k], texts[k]) for k in _in_letter_order(run.bibliography.keys, lettered)
                    if texts[k] is not None)
    layout_element = base.root.citation.layout
    group = layout_element.find(f"{{{CSL_NS}}}group")
    layout = Layout(
        prefix=layout_element.get("prefix", ""),
        suffix=layout_element.get("suffix", ""),
        delimiter=layout_element.get("delimiter", "; "),
        group_delimiter=group.get("delimiter", ", ") if group is not None else ", ",
        year_delimiter=base.root.citation.get("cite-group-delimiter", ", "),
        and_term=str(base.root.get_single_term("and")),
    )
    run.citation.cites = run.citation.bibliography = None  # its items name it: a cycle, kept with the cycle collector off
    return Formatted(cites=cites, order=order, entries=entries, layout=layout)
