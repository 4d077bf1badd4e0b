"""Reading leaflets from real files made here: PDFs printed by Debian's chromium (two columns,
its own running header and footer with page numbers, soft hyphens; a narrow column broken at
hard hyphens), Word documents written with python-docx, saved web pages with navigation, a
cookie banner, side bar and footer around the text, Markdown and text. For each, every claim
of the two shipped leaflets is found verbatim in the text read.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import Result

from kb.findings import Finding
from kb.intake.documents import read_source
from kb.intake.model import Source
from kb.intake.text import as_text

REPO = Path(__file__).parent.parent
CHROMIUM = Path(os.environ.get("KB_CHROMIUM", "/usr/bin/chromium"))
LEAFLETS = ("npi-pmt", "alkura-alk")


def collapse(text: str) -> str:
    return " ".join(text.split())


def parts(name: str) -> list[tuple[str, str]]:
    """The shipped leaflet text as (kind, text) parts: h1/h2 (its claims file's sections), li
    (a "- " line), p: paragraphs end at a line holding only spaces, as in the published texts."""
    text = (REPO / "claims" / f"{name}.txt").read_text(encoding="utf-8")
    sections = {collapse(c["section"]) for c in yaml.safe_load((REPO / "claims" / f"{name}.yaml").read_text())["claims"]}
    found: list[tuple[str, str]] = []
    for chunk in re.split(r"\n[ \t]+\n", text):
        lines: list[str] = []
        kind = "p"
        for line in chunk.splitlines():
            if not line.strip():
                continue
            if collapse(line) in sections:
                if lines:
                    found.append((kind, collapse(" ".join(lines))))
                found.append(("h1" if not found else "h2", collapse(line)))
                lines, kind = [], "p"
            elif line.lstrip().startswith("- "):
                if lines:
                    found.append((kind, collapse(" ".join(lines))))
                lines, kind = [line.lstrip()[2:]], "li"
            else:
                lines.append(line)
        if lines:
            found.append((kind, collapse(" ".join(lines))))
    return found


def claim_texts(name: str) -> list[str]:
    data = yaml.safe_load((REPO / "claims" / f"{name}.yaml").read_text(encoding="utf-8"))
    return [collapse(c["text"]) for c in data["claims"]]


def missing_claims(name: str, source: Source | Finding) -> list[str]:
    assert isinstance(source, Source), source
    text = collapse(as_text(source.blocks))
    return [claim for claim in claim_texts(name) if claim not in text]


def _shy(text: str) -> str:
    """Soft hyphens in the middle of long words, where a printer may break them."""
    return re.sub(r"\b(\w{6})(\w{6,})", lambda m: m.group(1) + "\u00ad" + m.group(2), text)


def page_html(name: str, css: str, shy: bool = False, around: bool = False) -> str:
    body = []
    items: list[str] = []
    for kind, text in parts(name):
        text = html.escape(_shy(text) if shy else text)
        if kind == "li":
            items.append(f"<li>{text}</li>")
            continue
        if items:
            body.append("<ul>" + "".join(items) + "</ul>")
            items = []
        body.append(f"<{kind}>{text}</{kind}>")
    if items:
        body.append("<ul>" + "".join(items) + "</ul>")
    content = "\n".join(body)
    if around:
        content = (
            '<div class="cookie-banner"><p>Wij gebruiken cookies om onze website te verbeteren. Kies '
            '<button>Accepteren</button> of stel je voorkeuren in.</p></div>'
            '<header><a href="/">Home</a><nav><ul><li><a href="/behandelingen">Behandelingen</a></li>'
            '<li><a href="/over-ons">Over ons</a></li><li><a href="/werken-bij">Werken bij</a></li>'
            '<li><a href="/contact">Contact</a></li></ul></nav></header>'
            '<nav class="breadcrumbs"><a href="/">Home</a> › <a href="/behandelingen">Behandelingen</a> › PMT</nav>'
            f'<main><article>{content}</article>'
            '<aside><h3>Lees ook</h3><ul><li><a href="/a">Wachttijden</a></li><li><a href="/b">Vergoedingen</a></li>'
            '</ul></aside></main>'
            '<footer><p>© 2024 Zorginstelling. Alle rechten voorbehouden.</p><ul><li><a href="/privacy">Privacy</a>'
            '</li><li><a href="/disclaimer">Disclaimer</a></li></ul></footer>'
            '<script>document.body.innerHTML = "gehackt";</script>'
        )
    return (f'<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Folder {name}</title>'
            f"<style>{css}</style></head><body>{content}</body></html>")


TWO_COLUMNS = ("body{font:11pt serif} h1{font-size:20pt;column-span:all} h2{font-size:14pt}"
               "main,body{column-count:2;column-gap:2em;text-align:justify}"
               "ul{list-style:none;padding-left:0} li::before{content:'• '}")
NARROW = "body{font:13pt sans-serif;width:8cm} h1{font-size:18pt} h2{font-size:15pt} li{margin:0}"


def _missing_browser() -> str | None:
    if not CHROMIUM.exists():
        return f"no chromium at {CHROMIUM} (apt-get install chromium, or set KB_CHROMIUM)"
    return None


def print_pdf(page: str, folder: Path, name: str, header_footer: bool = True) -> Path:
    """`page` printed to a PDF by chromium, with its default header and footer (the date, the
    page's title, its address and "page/pages") unless told otherwise."""
    missing = _missing_browser()
    if missing:
        if os.environ.get("KB_REQUIRE_BROWSER") == "1":
            pytest.fail(f"KB_REQUIRE_BROWSER=1 but chromium cannot print: {missing}")
        pytest.skip(missing)
    source = folder / f"{name}.html"
    source.write_text(page, encoding="utf-8")
    out = folder / f"{name}.pdf"
    command = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               f"--user-data-dir={folder / 'profile'}", f"--print-to-pdf={out}", source.as_uri()]
    if not header_footer:
        command.insert(4, "--no-pdf-header-footer")
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    assert out.stat().st_size > 0
    return out


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    folder = tmp_path_factory.mktemp("pdfs")
    made = {}
    for name in LEAFLETS:
        made[(name, "columns")] = print_pdf(page_html(name, TWO_COLUMNS, shy=True), folder, f"{name}-columns")
        made[(name, "narrow")] = print_pdf(page_html(name, NARROW), folder, f"{name}-narrow", header_footer=False)
    return made


@pytest.mark.parametrize("name", LEAFLETS)
@pytest.mark.parametrize("layout", ["columns", "narrow"])
def test_pdf_claims_verbatim(pdfs: dict[tuple[str, str], Path], name: str, layout: str) -> None:
    source = read_source(pdfs[(name, layout)], "folder.pdf")
    assert missing_claims(name, source) == []


def test_pdf_two_columns_without_header_footer_and_hyphenation(pdfs: dict[tuple[str, str], Path]) -> None:
    source = read_source(pdfs[("npi-pmt", "columns")], "folder.pdf")
    assert isinstance(source, Source)
    text = as_text(source.blocks)
    assert "file://" not in text and "Folder npi-pmt" not in text  # chromium's header and footer
    assert not re.search(r"\b\d+/\d+\b", text)  # its page numbers, "1/2"
    assert "\u00ad" not in text and "\u2010" not in text
    assert "psychomotorische" in text and "persoonlijkheidsstoornissen" in text
    assert source.title == "Folder npi-pmt" and source.language == "nl"
    headings = [b.text for b in source.blocks if b.heading]
    assert headings[:2] == ["Wat is psychomotorische therapie (PMT) ?", "Wat is PMT add-on en voor wie?"]
    assert "Kosten" in headings and "Contact" in headings
    items = [b.text for b in source.blocks if b.item]
    assert items[0].startswith("Een uitwerking van PMT bij persoonlijkheidsstoornissen")
    # reading order: the text of the first column comes before the second's
    assert text.index("PMT is een ervaringsgerichte therapie") < text.index("Kosten") < text.index("Contact")


def test_pdf_keeps_hyphens_of_compounds_at_line_ends(pdfs: dict[tuple[str, str], Path]) -> None:
    source = read_source(pdfs[("npi-pmt", "narrow")], "folder.pdf")
    assert isinstance(source, Source)
    text = collapse(as_text(source.blocks))
    for word in ("zelf-directie", "Keulen-de Vos", "dans-bewegingstherapie", "mindfulness-oefeningen",
                 "evidence-based", "Roemen- van Haaren"):
        assert word in text


def docx_file(name: str, folder: Path) -> Path:
    import docx

    document = docx.Document()
    document.core_properties.title = f"Folder {name}"
    document.core_properties.language = "nl-NL"
    pieces = parts(name)
    last = max(i for i, (kind, _) in enumerate(pieces) if kind == "p")
    for index, (kind, text) in enumerate(pieces):
        if kind in ("h1", "h2"):
            document.add_heading(text, level=int(kind[1]))
        elif kind == "li":
            document.add_paragraph(text, style="List Bullet")
        elif index == last:  # the last paragraph in a table's cell, beside a contact address
            table = document.add_table(rows=1, cols=2)
            table.cell(0, 0).text = text
            table.cell(0, 1).text = "Postbus 1, 1000 AA Amsterdam"
        else:
            document.add_paragraph(text)
    path = folder / f"{name}.docx"
    document.save(str(path))
    return path


@pytest.mark.parametrize("name", LEAFLETS)
def test_docx_claims_verbatim(tmp_path: Path, name: str) -> None:
    source = read_source(docx_file(name, tmp_path), "folder.docx")
    assert missing_claims(name, source) == []
    assert isinstance(source, Source)
    assert source.title == f"Folder {name}" and source.language == "nl"
    assert [b.heading for b in source.blocks if b.heading][:1] == ([1] if parts(name)[0][0] == "h1" else [])
    assert any(b.item for b in source.blocks)
    assert "Postbus 1, 1000 AA Amsterdam" in [b.text for b in source.blocks]


@pytest.mark.parametrize("name", LEAFLETS)
def test_saved_page_claims_verbatim_and_only_the_content(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.html"
    path.write_text(page_html(name, "", around=True), encoding="utf-8")
    source = read_source(path, "folder.html")
    assert missing_claims(name, source) == []
    assert isinstance(source, Source)
    text = as_text(source.blocks)
    for chrome in ("cookies", "Behandelingen", "Werken bij", "Wachttijden", "rechten voorbehouden", "gehackt"):
        assert chrome not in text
    # the page's own first heading names it; <title> (which often adds the site's name) without one
    assert source.title == next((b.text for b in source.blocks if b.heading == 1), f"Folder {name}")
    assert source.language == "nl"


@pytest.mark.parametrize("name", LEAFLETS)
@pytest.mark.parametrize("suffix", [".md", ".txt"])
def test_markdown_and_text_claims_verbatim(tmp_path: Path, name: str, suffix: str) -> None:
    marks = {"h1": "# ", "h2": "## ", "li": "- ", "p": ""}
    path = tmp_path / f"{name}{suffix}"
    path.write_text("\n\n".join(marks[k] + t for k, t in parts(name)) + "\n", encoding="utf-8")
    source = read_source(path, f"folder{suffix}")
    assert missing_claims(name, source) == []
    assert isinstance(source, Source)
    assert source.blocks[0].heading == (1 if parts(name)[0][0] == "h1" else 0)
    assert any(b.item for b in source.blocks)


def test_published_text_as_it_is(tmp_path: Path) -> None:
    """The shipped texts themselves, read as .txt: every claim is there."""
    for name in LEAFLETS:
        assert missing_claims(name, read_source(REPO / "claims" / f"{name}.txt", f"{name}.txt")) == []


Maker = Callable[[Path], Path]


def _image_only_pdf(folder: Path) -> Path:
    page = ("<!doctype html><html><body><canvas id=c width=600 height=200></canvas><script>"
            "var x=document.getElementById('c').getContext('2d');x.font='30px serif';"
            "x.fillText('PMT is een ervaringsgerichte therapie.',10,50);</script></body></html>")
    return print_pdf(page, folder, "scan", header_footer=False)


def _truncated_pdf(folder: Path) -> Path:
    whole = print_pdf(page_html("npi-pmt", ""), folder, "whole", header_footer=False)
    path = folder / "truncated.pdf"
    path.write_bytes(whole.read_bytes()[: whole.stat().st_size // 3])
    return path


def _garbage_docx(folder: Path) -> Path:
    path = folder / "broken.docx"
    path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8)
    return path


def _password_docx(folder: Path) -> Path:
    path = folder / "locked.docx"  # an encrypted .docx is a compound file, as Word writes it
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    return path


def _not_pdf(folder: Path) -> Path:
    path = folder / "leaflet.pdf"
    path.write_text("<html>not a PDF</html>", encoding="utf-8")
    return path


@pytest.mark.parametrize(("maker", "message"), [
    (_image_only_pdf, "the PDF has no text layer"),
    (_truncated_pdf, "the PDF is broken or truncated"),
    (_garbage_docx, "not a Word document (.docx), or a broken one"),
    (_password_docx, "the document is protected by a password"),
    (_not_pdf, "not a PDF file"),
])
def test_unreadable_source_is_one_line(tmp_path: Path, maker: Maker, message: str,
                                       root: Callable[[str], Path], kb: Callable[..., Result]) -> None:
    source = maker(tmp_path)
    folder = root("tiny")
    before = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))
    result = kb("--kb", str(folder), "add", "nieuw", str(source))
    assert result.code == 2
    lines = result.err.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{source}:0: error: {message}") and lines[0].endswith("[unreadable-input]")
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) == before


def test_encrypted_pdf(tmp_path: Path, root: Callable[[str], Path], kb: Callable[..., Result]) -> None:
    qpdf = Path("/usr/bin/qpdf")
    if not qpdf.exists():
        pytest.skip("no qpdf to encrypt a PDF with (apt-get install qpdf)")
    plain = print_pdf(page_html("npi-pmt", ""), tmp_path, "plain", header_footer=False)
    locked = tmp_path / "locked.pdf"
    subprocess.run([str(qpdf), "--encrypt", "geheim", "geheim", "256", "--", str(plain), str(locked)], check=True)
    result = kb("--kb", str(root("tiny")), "add", "nieuw", str(locked))
    assert result.code == 2
    assert result.err == f"{locked}:0: error: the PDF is protected by a password; save it without one first " \
                         "[unreadable-input]\n"


# Two columns a narrow gutter apart, under a heading whose long word in a large font overruns its
# column into the gutter; the page declares no language, so chromium's PDF says "en".
_OVERRUN = """<!doctype html><html><head><meta charset="utf-8"><title>PMT</title>
<style>body {{ font-family: serif; columns: 2; column-gap: 14px; width: 17cm }} h1 {{ font-size: 1.95em }}</style>
</head><body><h1>Psychomotorische therapie</h1>{body}</body></html>"""
_OVERRUN_PARAGRAPHS = [
    "Psychomotorische therapie is een behandelvorm voor mensen met psychische klachten, waarbij gewerkt "
    "wordt met bewegen en met de ervaring van het eigen lichaam.",
    "Het doel van de therapie is dat de klachten van de cliënt minder worden en dat hij weer grip krijgt "
    "op zijn dagelijks leven.",
    "De therapeut kijkt samen met de cliënt naar wat er in de oefeningen gebeurt en wat dat zegt over "
    "zijn manier van omgaan met spanning.",
    "Een behandeling duurt meestal tien tot twintig weken en vindt plaats in een gymzaal of buiten.",
    "Tijdens de therapie leert de cliënt de signalen van zijn lichaam herkennen en er op tijd naar te handelen.",
    "Na afloop van de behandeling bespreekt de therapeut met de cliënt wat hij in het dagelijks leven wil "
    "blijven oefenen.",
]


def test_pdf_heading_overrunning_a_narrow_gutter_and_a_default_language(
        tmp_path: Path, root: Callable[[str], Path], kb: Callable[..., Result]) -> None:
    body = "".join(f"<p>{p}</p>" for p in _OVERRUN_PARAGRAPHS)
    pdf = print_pdf(_OVERRUN.format(body=body), tmp_path, "overrun", header_footer=False)
    source = read_source(pdf, "folder.pdf")
    assert isinstance(source, Source)
    text = collapse(as_text(source.blocks))
    for paragraph in _OVERRUN_PARAGRAPHS:  # every paragraph whole, in reading order
        assert paragraph in text
    positions = [text.index(p) for p in _OVERRUN_PARAGRAPHS]
    assert positions == sorted(positions)
    assert text.index("Psychomotorische therapie") < positions[0]
    # the file says "en" (chromium's default); the text's own words say Dutch, and are followed
    folder = root("tiny")
    result = kb("--kb", str(folder), "add", "overrun", str(pdf))
    assert result.code == 0, result.err
    assert "(nl)" in result.out
    assert "language: nl" in (folder / "claims" / "overrun.yaml").read_text(encoding="utf-8")
