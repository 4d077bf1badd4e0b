"""Hostile input, class 1: script from data never runs in a page. A `url`, `doi` or
`doiunverified` field holding `javascript:` (or `data:`, `vbscript:`, `file:`, any spelling of
them) and Markdown link syntax in any text never become a link in any output: the HTML leaflet,
report.html (its claim cards, works view and the panel report.js builds), report.md, the md and
pandoc leaflets as pandoc renders them, the exports. Only http, https and real DOIs (as
https://doi.org/...) are links; a DOI never seen in a source (`doiunverified`) never is.

A table of spellings x fields is written into one KB; every output of it is checked, the HTML
ones also in chromium, where every link is clicked and nothing may run."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from xml.etree import ElementTree

import pytest
from hostile_pages import (
    FLAVOURS,
    MARKDOWN,
    PANDOC,
    ClickingPage,
    Markup,
    Outputs,
    Work,
    browser_target,
    is_web_link,
    launched_chromium,
    pandoc_html,
    record,
    write_kb,
)
from hostile_pages import outputs as all_outputs

from kb.cli import main
from kb.links import bare_doi, doi_href, href

# Spellings of a link that runs script or opens what a page should not: none may be a link.
SPELLINGS = {
    "plain": "javascript:alert(1)",
    "mixed case": "JaVaScRiPt:alert(1)",
    "leading spaces": "   javascript:alert(1)",
    "leading newline": "\njavascript:alert(1)",
    "tab inside": "java\tscript:alert(1)",
    "decimal reference": "&#106;avascript:alert(1)",
    "hex reference": "&#x6A;avascript:alert(1)",
    "reference for a tab": "java&#9;script:alert(1)",
    "named colon": "javascript&colon;alert(1)",
    "comment then newline": "javascript://%0Aalert(1)",
    "title": "javascript:document.title='pwned'",
    "console": "javascript:console.log('pwned')",
    "data html": "data:text/html,<script>alert(1)</script>",
    "data base64": "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript": "vbscript:msgbox(1)",
    "file": "file:///etc/passwd",
    "protocol relative": "//evil.example/x",
    "https without slashes": "https:javascript:alert(1)",
    "percent encoded": "%6Aavascript:alert(1)",
    "no-break space": "\u00a0javascript:alert(1)",
}
# What a DOI field may hold besides: a DOI's prefix before a script, a DOI with more after it.
NOT_DOIS = {
    **SPELLINGS,
    "doi prefix": "doi:javascript:alert(1)",
    "resolver prefix": "https://doi.org/javascript:alert(1)",
    "doi then space": "10.1000/x javascript:alert(1)",
    "no suffix": "10.1000",
}
# Values that are links, and the href each must become.
LINKS = {
    "https://example.org/ok?a=1&b=2": "https://example.org/ok?a=1&b=2",
    "HTTP://EXAMPLE.ORG/UPPER": "http://EXAMPLE.ORG/UPPER",
    'https://example.org/a b"c<d>': "https://example.org/a%20b%22c%3Cd%3E",
}
DOIS = {
    "10.1000/ok.1": "https://doi.org/10.1000/ok.1",
    "https://doi.org/10.1000/ok.2": "https://doi.org/10.1000/ok.2",
    "doi:10.1000/ok.3": "https://doi.org/10.1000/ok.3",
    "10.1002/(SICI)1097-4679(199901)55:1<1::AID-JCLP1>3.0.CO;2-B":
        "https://doi.org/10.1002/(SICI)1097-4679(199901)55:1%3C1::AID-JCLP1%3E3.0.CO;2-B",
}
UNVERIFIED = "10.1000/unverified.1"  # recalled, never seen in a source: never a link
# Markdown (and HTML) link syntax in text from data: none may become a link in any renderer.
LINK_SYNTAX = {
    "inline link": "[klik](javascript:alert(1))",
    "autolink": "<javascript:alert(1)>",
    "reference link": "[klik][x]\n\n[x]: javascript:alert(1)",
    "html anchor": '<a href="javascript:alert(1)">klik</a>',
    "image": "![beeld](javascript:alert(1))",
    "spaced mixed case": "[klik](  JaVaScRiPt:alert(1) )",
    "data link": "[klik](data:text/html,<script>alert(1)</script>)",
    "vbscript autolink": "<vbscript:msgbox(1)>",
    "reference in link": "[klik](&#106;avascript:alert(1))",
    "bare": "zie javascript:alert(1) nu",
    "comment in autolink": "<javascript://%0Aalert(1)>",
    "tab in link": "[klik](java\tscript:alert(1))",
    "newline before link": "[klik](\njavascript:alert(1))",
}
FIELDS = ("url", "doi", "doiunverified")


def _values(field: str) -> dict[str, str]:
    return NOT_DOIS if field != "url" else SPELLINGS


def _kb(folder: Path) -> Path:
    """One KB with every spelling in every field, the links that are links, and the link syntax
    in titles, notes, sections and the leaflet's text."""
    works: list[Work] = []
    claims: list[dict[str, Any]] = []
    text = []
    for field in FIELDS:
        keys = []
        for i, value in enumerate(_values(field).values()):
            key = f"{field}{i:02d}"
            works.append(record(key, f"{field.capitalize()}{i:02d}", **{field: value}))
            keys.append(key)
        claims.append({"id": f"claim-{field}", "section": field, "kind": "clinical",
                       "text": f"De bronnen van het veld {field} kloppen",
                       "sources": [{"key": k, "fit": "supports"} for k in keys]})
        text.append(f"De bronnen van het veld {field} kloppen.")
    good = [record(f"link{i}", f"Link{i}", url=value) for i, value in enumerate(LINKS)]
    good += [record(f"doi{i}", f"Doi{i}", doi=value) for i, value in enumerate(DOIS)]
    good.append(record("unverified", "Unverified", doiunverified=UNVERIFIED, url=""))
    works += good
    claims.append({"id": "claim-links", "section": "links", "kind": "clinical",
                   "text": "Deze bronnen zijn echte links", "sources": [{"key": w.key, "fit": "supports"} for w in good]})
    text.append("Deze bronnen zijn echte links.")
    for i, (name, payload) in enumerate(LINK_SYNTAX.items()):
        works.append(record(f"syntax{i}", f"Syntax{i}", title=f"Titel {payload}"))
        claims.append({"id": f"syntax-{i}", "section": payload, "kind": "clinical", "text": f"Zin {i} klopt",
                       "sources": [{"key": f"syntax{i}", "fit": "supports", "note": payload}]})
        text.append(f"Zin {i} klopt. Daarna {payload} als tekst.")
    document = {"title": "Folder " + LINK_SYNTAX["inline link"], "language": "nl"}
    return write_kb(folder, works, document, claims, "Links\n\n" + "\n\n".join(text) + "\n")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    folder = tmp_path_factory.mktemp("hostile-links")
    return all_outputs(_kb(folder / "kb"), folder / "out")


EXPECTED = set(LINKS.values()) | set(DOIS.values())  # every link the HTML outputs may hold


# --- the one decision ----------------------------------------------------------------------------

@pytest.mark.parametrize("value", [*SPELLINGS.values(), "java\x00script:alert(1)", "\x01javascript:alert(1)",
                                   "https:///evil", "https://", "http:/x", " https ://x", "javascript:https://x"],
                         ids=[*SPELLINGS, "nul inside", "control before", "no host", "nothing", "one slash",
                              "space in scheme", "http later"])
def test_no_other_value_may_be_a_link(value: str) -> None:
    assert href(value) is None
    assert doi_href(value) is None


@pytest.mark.parametrize("value", list(NOT_DOIS.values()), ids=list(NOT_DOIS))
def test_a_doi_field_is_a_link_only_when_it_holds_a_doi(value: str) -> None:
    assert doi_href(value) is None


@pytest.mark.parametrize("value, expected", [*LINKS.items(), ("  https://example.org/x\t", "https://example.org/x"),
                                             ("https://example.org/\x00\n<", "https://example.org/%00%0A%3C")])
def test_web_urls_are_links_percent_encoded(value: str, expected: str) -> None:
    assert href(value) == expected


@pytest.mark.parametrize("value, expected", list(DOIS.items()))
def test_real_dois_are_doi_org_links(value: str, expected: str) -> None:
    assert doi_href(value) == expected


# --- the outputs ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["leaflet.html", "report.html"])
def test_html_links_only_web_urls_and_real_dois(built: Outputs, name: str) -> None:
    page = Markup(built.text(name))
    hrefs = page.hrefs
    assert [h for h in hrefs if not is_web_link(h)] == []
    assert {h for h in hrefs if not h.startswith("#")} == EXPECTED  # no recalled DOI among them


@pytest.mark.parametrize("name", ["leaflet.html", "report.html"])
def test_html_pages_forbid_script_they_do_not_hold(built: Outputs, name: str) -> None:
    """A second wall: whatever a page's markup held, its Content-Security-Policy runs no script but its own."""
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', built.text(name))
    assert policy is not None
    rules = dict((rule.split(" ", 1) + [""])[:2] for rule in policy.group(1).split("; "))
    assert rules["default-src"] == "'none'" and rules["base-uri"] == "'none'" and rules["form-action"] == "'none'"
    assert "unsafe-inline" not in rules.get("script-src", "") and "unsafe-eval" not in rules.get("script-src", "")


@pytest.mark.parametrize("name, field", [(name, field) for name in ("leaflet.html", "report.html") for field in FIELDS
                                         if (name, field) != ("leaflet.html", "doiunverified")])  # not in a leaflet
def test_every_spelling_is_shown_as_text(built: Outputs, name: str, field: str) -> None:
    """Not a link, not dropped: the value reads as written (its whitespace as BibTeX reads it)."""
    shown = Markup(built.text(name)).shown
    for spelling, value in _values(field).items():
        written = " ".join(value.split())
        assert (bare_doi(written) if field == "doi" else written) in shown, spelling


@pytest.mark.parametrize("name", MARKDOWN + ("leaflet.front.md",))
def test_markdown_makes_no_link_of_its_own(built: Outputs, name: str) -> None:
    """In the Markdown itself: every unescaped `<` opens an http(s) autolink, and no `](`, `![`
    or `[...]:` at a line's start is left unescaped for a link, an image or a link definition."""
    markdown = built.text(name)
    opened = re.findall(r"(?<!\\)<([^>\n]{0,12})", markdown)
    assert [o for o in opened if not re.match(r"https?://", o)] == []
    assert re.findall(r"(?<!\\)\]\(|(?<!\\)!\[", markdown) == []
    assert re.findall(r"(?m)^[\s>*+\-\d.]*\[[^\]]*\]:", markdown) == []  # a link definition


def _rendered(built: Outputs, name: str, flavour: str) -> str:
    if PANDOC is None:
        pytest.skip("pandoc is not installed: the Markdown outputs are not rendered")
    return _pandoc(built.files[name], flavour, built.files["leaflet.pandoc.json"])


@cache
def _pandoc(source: Path, flavour: str, bibliography: Path) -> str:
    if source.name == "leaflet.pandoc.md":  # as its user runs it: with the CSL-JSON file beside it
        return pandoc_html(source, flavour, citeproc=True, bibliography=bibliography)
    return pandoc_html(source, flavour, citeproc=source.name == "leaflet.front.md")


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("name", MARKDOWN + ("leaflet.front.md",))
def test_rendered_markdown_links_only_web_urls_and_real_dois(built: Outputs, name: str, flavour: str) -> None:
    hrefs = Markup(_rendered(built, name, flavour)).hrefs
    assert [h for h in hrefs if not is_web_link(h)] == []
    if flavour in ("gfm", "markdown+autolink_bare_uris"):
        return  # these link any https:// text too, such as the printed https://doi.org/javascript...
    for link in hrefs:  # pandoc's citeproc links a DOI itself: only a real one may be there
        target = browser_target(link)
        if re.match(r"(?i)https?://(dx\.)?doi\.org/", target):
            assert re.match(r"(?i)https?://(dx\.)?doi\.org/10\.\d{4,9}/", target), link
    assert not [h for h in hrefs if "unverified" in h]


def test_pandoc_is_given_no_url_or_doi_that_may_not_be_a_link(built: Outputs) -> None:
    """pandoc's citeproc links every URL and DOI of its items (one with `://` as it stands):
    the leaflet's CSL-JSON and its front matter hold only those that may be links."""
    front = json.loads(built.text("leaflet.front.md").split("\n---\n")[0].removeprefix("---\n"))
    for items in (json.loads(built.text("leaflet.pandoc.json")), front["references"]):
        assert {i["id"] for i in items if "URL" in i} == {f"link{i}" for i in range(len(LINKS))}
        assert {i["id"] for i in items if "DOI" in i} == {f"doi{i}" for i in range(len(DOIS))}


@pytest.mark.parametrize("name", ["export.graphml", "export.json", "export.csl.json"])
def test_exports_hold_urls_as_data_and_make_no_links(built: Outputs, name: str) -> None:
    """The exports keep a record's url and doi as written (a tool that reads them decides), as
    strings: GraphML has no link attribute, the JSON exports are data, not pages."""
    text = built.text(name)
    if name == "export.graphml":
        attributes = {a for element in ElementTree.fromstring(text).iter() for a in element.attrib}
        assert not [a for a in attributes if "href" in a.lower()]
    else:
        json.loads(text)
    assert "javascript:alert(1)" in text


def test_the_rdf_export_makes_no_iri_of_a_value(built: Outputs) -> None:
    """In Turtle a url or doi is a literal: every IRI is the KB's own or a vocabulary's."""
    from rdflib import Graph, URIRef

    graph = Graph().parse(data=built.text("export.ttl"), format="turtle")
    iris = {str(term) for triple in graph for term in triple if isinstance(term, URIRef)}
    assert [iri for iri in iris if not re.match(r"(https?://|urn:evidence-kb:)", iri)] == []
    assert not [iri for iri in iris if "javascript" in iri.lower() and not iri.startswith("urn:evidence-kb:")]


# --- in chromium ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    yield from launched_chromium()


def _check(page: ClickingPage) -> None:
    """Nothing ran, nothing but http(s) was asked for, the page stayed."""
    result = page.clicked()
    assert (result.dialogs, result.title_changes, result.console, result.errors, result.left) == ([], [], [], [], [])
    assert [r for r in result.requests if not re.match(r"https?://", r)] == []
    assert [t for t in result.resolved if not (re.match(r"https?://", t) or t.startswith(page.url))] == []


def test_clicking_every_link_of_the_html_leaflet_runs_nothing(chromium: Any, built: Outputs) -> None:
    with ClickingPage(chromium, built.files["leaflet.html"]) as page:
        assert set(page.click_all()) == EXPECTED  # each link there, and clicked
        _check(page)


def test_clicking_every_link_of_the_report_and_its_panels_runs_nothing(chromium: Any, built: Outputs) -> None:
    with ClickingPage(chromium, built.files["report.html"]) as page:
        in_panels = []
        claims = page.page.eval_on_selector_all(".leaflet a.claim", "links => links.map(a => a.dataset.claim)")
        assert len(set(claims)) == len(FIELDS) + 1 + len(LINK_SYNTAX)
        for claim in dict.fromkeys(claims):
            # clicked by script: a link clicked before may leave a navigation that playwright awaits
            page.page.evaluate("id => [...document.querySelectorAll('.leaflet a.claim')]"
                               ".find(a => a.dataset.claim === id).click()", claim)
            assert page.page.locator("#panel").is_visible()
            in_panels += page.click_all("#panel-body a[href]")
            page.page.evaluate("() => document.getElementById('panel-close').click()")
        # the panels' DOI facts and references, built by report.js, link exactly these
        assert {link for link in in_panels if not link.startswith("#")} == EXPECTED
        assert {link for link in page.click_all() if not link.startswith("#")} == EXPECTED
        _check(page)


@pytest.mark.parametrize("name", MARKDOWN + ("leaflet.front.md",))
def test_clicking_every_link_of_rendered_markdown_runs_nothing(chromium: Any, built: Outputs, name: str,
                                                               tmp_path: Path) -> None:
    page_file = tmp_path / "rendered.html"
    page_file.write_text(_rendered(built, name, "markdown"), encoding="utf-8")
    with ClickingPage(chromium, page_file) as page:
        page.click_all()
        _check(page)


# --- a paged report (kb/pages.py): the index, the leaflet's page, the works pages ----------------

@pytest.fixture(scope="module")
def paged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile-paged")
    out = folder / "out"
    assert main(["--kb", str(_kb(folder / "kb")), "report", "--pages", "paged", "--out", str(out)]) in (0, 1)
    return out


def _paged_pages(out: Path) -> list[Path]:
    return sorted([out / "report.html", *(out / "report").rglob("*.html")])


def _own(page: Path, link: str, out: Path) -> bool:
    """A link to a file of the report itself: a relative path, no scheme, that exists in `out`."""
    if link.startswith("#"):
        return True
    path = link.split("#")[0]
    if ":" in path or path.startswith("/") or "\\" in path:
        return False
    target = (page.parent / unquote(path)).resolve()
    return target.is_file() and target.is_relative_to(out.resolve())


def test_paged_html_links_only_web_urls_real_dois_and_its_own_pages(paged: Path) -> None:
    web: set[str] = set()
    for page in _paged_pages(paged):
        hrefs = Markup(page.read_text(encoding="utf-8")).hrefs
        web |= {h for h in hrefs if is_web_link(h) and not h.startswith("#")}
        assert [h for h in hrefs if not is_web_link(h) and not _own(page, h, paged)] == [], page.name
    assert web == EXPECTED


def test_paged_pages_forbid_script_they_do_not_hold(paged: Path) -> None:
    for page in _paged_pages(paged):
        policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page.read_text("utf-8"))
        assert policy is not None, page.name
        rules = dict((rule.split(" ", 1) + [""])[:2] for rule in policy.group(1).split("; "))
        assert rules["default-src"] == "'none'" and rules["base-uri"] == "'none'" and rules["form-action"] == "'none'"
        assert "unsafe" not in policy.group(1)


def test_clicking_every_link_of_the_paged_report_runs_nothing(chromium: Any, paged: Path) -> None:
    outward = "a[href^='http'], a[href^='#']"  # the others lead to the report's own files (checked above)
    for page_file in _paged_pages(paged):
        with ClickingPage(chromium, page_file) as page:
            page.click_all(outward)
            if page_file.name == "report.html":
                # the search's results: made by index.js from the data, links to the report's own pages
                page.page.fill("#search-input", "klopt")
                page.page.locator("#search-claims a").first.wait_for()
                found = page.page.eval_on_selector_all("#search-results a", "links => links.map(a => a.getAttribute('href'))")
                assert len(found) >= len(FIELDS) and all(_own(page_file, link, paged) for link in found)
            if "leaflets" in page_file.parts:
                for claim in page.page.eval_on_selector_all(".leaflet a.claim", "links => links.map(a => a.dataset.claim)"):
                    page.page.evaluate("id => [...document.querySelectorAll('.leaflet a.claim')]"
                                       ".find(a => a.dataset.claim === id).click()", claim)
                    page.click_all("#panel-body a[href^='http'], #panel-body a[href^='#']")
                    page.page.evaluate("() => document.getElementById('panel-close').click()")
            _check(page)
