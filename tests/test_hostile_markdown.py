"""Hostile input, class 2: raw HTML from data in Markdown. A title, author, journal, claim text,
section, note, key, cited_as, id or any other value holding HTML (`<img src=x onerror=...>`,
`<script>`, comments), character references, Markdown or pandoc syntax (a code span with
`{=html}`, heading or span attributes, a table pipe) is written into report.md and the md and
pandoc leaflets escaped, so that every Markdown reader (pandoc's, GitHub's, CommonMark) shows it
as the text it is: no tag, no attribute, no link of its own, nothing dropped.

The escaper is tried on its own (a table of payloads and a generated table of strings of
Markdown's special characters, through pandoc in four readers), and in the outputs of one KB
holding every payload in every field. The properties that held before are kept with variants
of their own: report.html and the HTML leaflet escape as HTML, and text that looks like Jinja
is never evaluated."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hostile_pages import (
    FLAVOURS,
    PANDOC,
    Markup,
    Outputs,
    Work,
    is_web_link,
    launched_chromium,
    pandoc_html,
    record,
    write_kb,
)
from hostile_pages import outputs as all_outputs

from kb.apa import csl
from kb.markdown import code, text

PAYLOADS = {
    "img onerror": "<img src=x onerror=alert(1)>",
    "script": "<script>alert(1)</script>",
    "svg onload": "<svg/onload=alert(1)>",
    "iframe": "<iframe src=javascript:alert(1)></iframe>",
    "anchor": '<a href="https://evil.example/">klik</a>',
    "comment": "<!-- verborgen --> zichtbaar",
    "style": "<style>body{display:none}</style>",
    "entity tags": "&lt;script&gt;alert(1)&lt;/script&gt;",
    "numeric references": "&#60;img src=x onerror=alert(1)&#62;",
    "raw attribute": "`<img src=x onerror=alert(1)>`{=html}",
    "span attributes": "[tekst]{onmouseover=alert(1)}",
    "heading attributes": "Kop {onclick=alert(1)}",
    "table pipe": "a | <img src=x onerror=alert(1)> | b",
    "backticks": "``x`` `<img src=x onerror=alert(1)>`",
    "backslash": "\\<img src=x onerror=alert(1)>",
    "html block": "x\n<div>\n<script>alert(1)</script>\n</div>",
    "processing": "<?php echo 1; ?><![CDATA[<img src=x onerror=alert(1)>]]>",
    "jinja": "{{ 7*191 }} {% for x in range(3) %}x{% endfor %} {# weg #} {{ config }}",
    "emphasis": "*schuin* __vet__ ~~weg~~ ^hoog^ ~laag~ $x$ @key",
}
# Keys of BibTeX records: no space, comma or brace, and cited as `@{key}` in the pandoc leaflet.
# Keys and ids holding markup are refused when the KB is read (their character set, see
# tests/test_hostile_lines.py); these use every character a key may hold besides letters and digits.
KEYS = {
    "colon key": "k:a",
    "slash key": "k/b.c",
    "plus key": "k+d_e-f",
}
# What no rendered output may hold: tags and attributes that run script or load anything.
FORBIDDEN_TAGS = {"script", "img", "svg", "iframe", "style", "object", "embed", "video", "audio", "math"}


def _bib_safe(value: str) -> bool:
    """A payload BibTeX can hold as it is: no brace (a TeX group) or backslash (a TeX command)."""
    return not re.search(r"[{}\\]", value)


def _single_line(value: str) -> bool:
    return "\n" not in value


# --- the escaper on its own ----------------------------------------------------------------------

def _page(values: list[str], pandoc: bool) -> str:
    """A Markdown list with each value escaped after a label, as the templates put values."""
    return "".join(f"- v{i}: {text(v, pandoc)}\n" for i, v in enumerate(values))


def _items(html: str) -> list[str]:
    """The text of each list item of pandoc's HTML, whitespace collapsed."""
    return [" ".join(Markup(item).shown.split()) for item in re.findall(r"<li>(.*?)</li>", html, re.DOTALL)]


def _safe(html: str) -> None:
    """No forbidden tag in the body, no event-handler attribute, no link but http(s) or within."""
    markup = Markup(html.split("<body>", 1)[-1])
    assert markup.elements(*FORBIDDEN_TAGS) == []
    assert markup.handlers == []
    assert [h for h in markup.hrefs if not is_web_link(h)] == []


@pytest.fixture(scope="module")
def pandoc(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """pandoc's HTML of a Markdown text in a reader, each rendered once."""
    if PANDOC is None:
        pytest.skip("pandoc is not installed: the Markdown is not rendered")
    folder = tmp_path_factory.mktemp("escaped")

    @cache
    def render(markdown: str, flavour: str) -> str:
        source = folder / "in.md"
        source.write_text(markdown, encoding="utf-8")
        return pandoc_html(source, flavour)
    return render


def _readers(pandoc_flavour: bool) -> list[str]:
    """The readers in which escaped text reads exactly as written: Markdown's escaping leaves
    pandoc's own syntax (^sup^, $math$, @cite) to its pandoc flavour; smart quotes are off."""
    return ["markdown-smart", "gfm", "commonmark"] if pandoc_flavour else ["gfm", "commonmark"]


ONE_LINE = [name for name, payload in PAYLOADS.items() if _single_line(payload)]


@pytest.mark.parametrize("pandoc_flavour", [False, True], ids=["md", "pandoc"])
@pytest.mark.parametrize("name", ONE_LINE)
def test_an_escaped_payload_reads_as_written_in_every_reader(pandoc: Any, name: str, pandoc_flavour: bool) -> None:
    payload = PAYLOADS[name]
    page = _page([PAYLOADS[n] for n in ONE_LINE], pandoc_flavour)  # all at once: one pandoc run per reader
    for flavour in FLAVOURS:
        html = pandoc(page, flavour)
        item = re.findall(r"<li>(.*?)</li>", html, re.DOTALL)[ONE_LINE.index(name)]
        _safe(item)
        if flavour in _readers(pandoc_flavour):
            assert _items(f"<li>{item}</li>") == [f"v{ONE_LINE.index(name)}: {' '.join(payload.split())}"], flavour


def test_a_payload_over_several_lines_is_safe_in_every_reader(pandoc: Any) -> None:
    """A value with line breaks may start a block (a list, a paragraph), never HTML."""
    for flavour in FLAVOURS:
        for pandoc_flavour in (False, True):
            _safe(pandoc(_page([PAYLOADS["html block"]], pandoc_flavour), flavour))


# Pieces of which the generated strings are made: Markdown's and HTML's syntax, and words.
PIECES = ["\\", "`", "``", "*", "**", "_", "__", "[", "]", "(", ")", "<", ">", "</", "/>", "|", "{", "}", "{=html}",
          "&", "&lt;", "&#60;", "&#x3C;", "&amp;", ";", "#", "!", "![", "](", "]:", "@", "~", "~~", "^", "$", ":",
          "javascript:", "https://", "http://x.org", "www.x.org", "<img src=x onerror=alert(1)>", "<!--", "-->", "<script>",
          "alert(1)", "x", "een", "woord", " ", " ", "  ", "'", '"', "=", "+", "-", ".", "1.", "%0A"]


def _generated(count: int, seed: int) -> list[str]:
    """`count` strings of 1-12 pieces, the same on every run."""
    rng = random.Random(seed)
    made = ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 12))) for _ in range(count)]
    return [m for m in made if m.strip()]


@pytest.mark.parametrize("pandoc_flavour", [False, True], ids=["md", "pandoc"])
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_generated_strings_read_as_written(pandoc: Any, flavour: str, pandoc_flavour: bool) -> None:
    values = _generated(300, seed=7)
    html = pandoc(_page(values, pandoc_flavour), flavour)
    _safe(html)
    if flavour in _readers(pandoc_flavour):
        expected = [f"v{i}: {' '.join(v.split())}".strip() for i, v in enumerate(values)]
        wrong = [(e, got) for e, got in zip(expected, _items(html)) if e != got]
        assert wrong == []
        assert len(_items(html)) == len(values)


@pytest.mark.parametrize("value, expected", [
    ("a", "`a`"),
    ("a`b", "``a`b``"),
    ("`a``", "``` `a`` ```"),
    (" a ", "`  a  `"),
    ("a\nb", "`a b`"),
    ("", ""),
])
def test_a_code_span_is_fenced_past_the_backticks_it_holds(value: str, expected: str) -> None:
    assert code(value) == expected


def test_a_code_span_in_a_table_cell_escapes_its_pipes() -> None:
    assert code("a|b", cell=True) == "`a\\|b`"


# --- the outputs of a hostile KB -----------------------------------------------------------------

def _kb(folder: Path) -> Path:
    """Every payload in every field it can be in: records (title, journal, author, population,
    a recalled DOI that the audit quotes), keys, claims (id, text, section, cited_as, note), the
    document's title and publisher, a heading of the leaflet's text."""
    works: list[Work] = []
    claims: list[dict[str, Any]] = []
    paragraphs = [f"# Kop {PAYLOADS['img onerror']} {PAYLOADS['heading attributes']}"]
    key_works = list(KEYS.values())
    for i, (name, payload) in enumerate(PAYLOADS.items()):
        key = f"w{i:02d}"
        family = f"Auteur{i:02d}"
        fields = {"title": f"Titel {i}", "journal": "Blad"}
        if _bib_safe(payload):
            flat = " ".join(payload.split())
            family = f"Auteur{i:02d} {flat}".replace(",", " ")  # capital first: no particle
            fields = {"title": f"Titel {flat}", "journal": f"Blad {flat}", "population": flat,
                      "doiunverified": flat, "pages": "1--2", "volume": "3"}
        works.append(record(key, family, "article", **fields))
        source_key = key_works[i % len(key_works)]
        one_line = " ".join(payload.split())
        claim_text = f"Zin {i} met {one_line} klopt"
        cited_as = f"(Geciteerd {one_line})"
        claims.append({"id": f"c{i:02d}", "section": f"Sectie {payload}", "kind": "clinical",
                       "text": claim_text, "cited_as": cited_as,
                       "sources": [{"key": key, "fit": "supports", "note": f"Noot {payload}"},
                                   {"key": source_key, "fit": "partial"}]})
        paragraphs.append(f"{claim_text} {cited_as}.")
    works += [record(key, f"Sleutel{i}") for i, key in enumerate(KEYS.values())]
    document = {"title": f"Folder {PAYLOADS['script']} {PAYLOADS['heading attributes']}",
                "publisher": PAYLOADS["img onerror"], "language": "nl"}
    return write_kb(folder, works, document, claims, "\n\n".join(paragraphs) + "\n")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    folder = tmp_path_factory.mktemp("hostile-markdown")
    return all_outputs(_kb(folder / "kb"), folder / "out")


@cache
def _rendered(source: Path, flavour: str, bibliography: Path | None = None) -> str:
    return pandoc_html(source, flavour, citeproc=source.name != "report.md" and source.name != "leaflet.md",
                       bibliography=bibliography)


def _render(built: Outputs, name: str, flavour: str) -> str:
    if PANDOC is None:
        pytest.skip("pandoc is not installed: the Markdown outputs are not rendered")
    bibliography = built.files["leaflet.pandoc.json"] if name == "leaflet.pandoc.md" else None
    return _rendered(built.files[name], flavour, bibliography)


MARKDOWN_OUTPUTS = ("report.md", "leaflet.md", "leaflet.pandoc.md", "leaflet.front.md")


def test_the_kb_gives_every_output(built: Outputs) -> None:
    """Every claim is placed and every output written: the payloads reach all of them."""
    report = json.loads(built.text("report.json"))
    assert len(report["claims"]) == len(PAYLOADS)
    assert not [f for f in report["findings"] if f["severity"] == "error"]
    for name in MARKDOWN_OUTPUTS + ("leaflet.html", "report.html"):
        assert built.text(name)


# Where Markdown shows what it holds as it is: code spans (the report's keys and locations), and
# in the pandoc leaflet the citation keys, `@{key}`, and the strings of its front matter.
_VERBATIM = re.compile(r"(?<!\\)(`+)(?!`).*?(?<!`)\1(?!`)|@\{[^}\s]*\}|^---\n.*?\n---\n", re.DOTALL)


@pytest.mark.parametrize("name", MARKDOWN_OUTPUTS)
def test_the_markdown_escapes_every_angle_bracket_and_reference(built: Outputs, name: str) -> None:
    """In the file itself, outside code spans and citation keys: every `<` is escaped or opens an
    http(s) autolink, every `&` that starts a character reference is escaped."""
    markdown = _VERBATIM.sub("", built.text(name))
    assert [m for m in re.findall(r"(?<!\\)<.{0,10}", markdown) if not re.match(r"<https?://", m)] == []
    assert re.findall(r"(?<!\\)&(?:#\d+|#x[0-9a-f]+|[a-z]+\d*);", markdown, re.IGNORECASE) == []


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("name", MARKDOWN_OUTPUTS)
def test_rendered_markdown_holds_no_html_from_data(built: Outputs, name: str, flavour: str) -> None:
    html = _render(built, name, flavour)
    body = html.split("<body>", 1)[-1]
    _safe(html)
    for forbidden in ("<script", "<img", "<svg", "<iframe"):  # text shows them as &lt;img
        assert forbidden not in body.lower(), forbidden
    assert re.findall(r"<[^>]*\son\w+=", body) == []  # no event handler in any tag
    assert "1337" not in Markup(body).shown  # {{ 7*191 }} is text, never evaluated


def _shown(built: Outputs, name: str) -> str:
    """The text a reader sees of an output: for the Markdown ones, GitHub's rendering (pandoc's,
    without smart quotes, for the pandoc leaflet)."""
    if name in ("report.html", "leaflet.html"):
        return Markup(built.text(name)).shown
    return Markup(_render(built, name, "markdown-smart" if "pandoc" in name or "front" in name else "gfm")).shown


@pytest.mark.parametrize("payload", list(PAYLOADS))
@pytest.mark.parametrize("name", ["report.md", "report.html"])
def test_every_value_of_the_report_reads_as_written(built: Outputs, name: str, payload: str) -> None:
    """Escaped, not dropped: each field's value (as report.json holds it) is in the text a
    reader of report.md or report.html sees."""
    report = json.loads(built.text("report.json"))
    i = list(PAYLOADS).index(payload)
    claim = report["claims"][i]
    work = next(w for w in report["works"] if w["key"] == f"w{i:02d}")
    shown = _shown(built, name)
    values = {"claim id": claim["id"], "claim text": claim["text"], "section": claim["section"],
              "cited_as": claim["cited_as"], "note": claim["sources"][0]["note"],
              "title": csl.text(work["title"]),  # APA's reference sets TeX's -- as a dash
              "author": work["authors"][0], "population": work["population"]}
    for field, value in values.items():
        assert " ".join(value.split()) in shown, field
    if _bib_safe(PAYLOADS[payload]):  # quoted by the audit: "doiunverified '...' is not a DOI"
        assert any(" ".join(PAYLOADS[payload].split()) in f["message"] for f in report["findings"])
        assert f"'{' '.join(PAYLOADS[payload].split())}' is not a DOI" in shown


@pytest.mark.parametrize("name", ["report.md", "report.html"])
def test_the_keys_and_the_document_read_as_written(built: Outputs, name: str) -> None:
    shown = _shown(built, name)
    for key in KEYS.values():
        assert key in shown, key
    assert f"Folder {PAYLOADS['script']} {PAYLOADS['heading attributes']}" in shown
    assert PAYLOADS["img onerror"] in shown  # the publisher


@pytest.mark.parametrize("name", ["leaflet.md", "leaflet.pandoc.md", "leaflet.html"])
def test_the_leaflet_text_and_references_read_as_written(built: Outputs, name: str) -> None:
    shown = _shown(built, name)
    assert f"Kop {PAYLOADS['img onerror']} {PAYLOADS['heading attributes']}" in shown
    titles = {w["key"]: w["title"] for w in json.loads(built.text("report.json"))["works"]}
    for i, (what, payload) in enumerate(PAYLOADS.items()):
        if what != "emphasis":  # a leaflet's text is Markdown: its own emphasis is kept, by design
            assert f"Zin {i} met {' '.join(payload.split())} klopt" in shown, payload
        if name != "leaflet.pandoc.md":  # pandoc's style sets titles its own way
            # the title as read (TeX's ~ is a space) and set (TeX's -- a dash)
            assert " ".join(csl.text(titles[f"w{i:02d}"]).split()) in shown, payload


@pytest.mark.parametrize("name", ["report.html", "leaflet.html"])
def test_the_html_outputs_escape_every_payload(built: Outputs, name: str) -> None:
    """Held before, kept: autoescaped HTML, in which no payload is markup."""
    body = Markup(built.text(name).split("<body>", 1)[1])
    assert body.elements(*FORBIDDEN_TAGS - {"script"}) == []
    assert len(body.elements("script")) == (2 if name == "report.html" else 0)  # the report's data and code
    assert body.handlers == []
    assert [h for h in body.hrefs if not is_web_link(h)] == []
    assert "1337" not in body.shown


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    yield from launched_chromium()


def test_no_payload_runs_in_chromium(chromium: Any, built: Outputs, tmp_path: Path) -> None:
    """report.html with every claim's panel open, the HTML leaflet, and pandoc's HTML of each
    Markdown output: no dialog, no console message, no element a payload would make."""
    from hostile_pages import ClickingPage

    pages = {name: built.files[name] for name in ("report.html", "leaflet.html")}
    if PANDOC is not None:
        for name in MARKDOWN_OUTPUTS:
            pages[name] = tmp_path / f"{name}.html"
            pages[name].write_text(_render(built, name, "markdown"), encoding="utf-8")
    for name, page_file in pages.items():
        with ClickingPage(chromium, page_file) as page:
            if name == "report.html":
                for claim in page.page.eval_on_selector_all(".leaflet a.claim", "a => a.map(x => x.dataset.claim)"):
                    page.page.evaluate("id => [...document.querySelectorAll('.leaflet a.claim')]"
                                       ".find(a => a.dataset.claim === id).click()", claim)
                    assert page.page.locator("#panel-body").inner_text()
            result = page.clicked()
            assert (result.dialogs, result.console, result.errors) == ([], [], []), name
            assert page.page.locator("body img, body svg, body iframe, body script[src]").count() == 0, name

