"""A leaflet text written in Markdown: headings, rules, lists and emphasis are structure, not text."""

from __future__ import annotations

import re

import pytest

from kb.texts import layout


def _shown(text: str) -> list[str]:
    """Each block as `h2 text`, `li text` or `p text`, its text from its body on."""
    return [(f"h{b.heading}" if b.heading else "li" if b.item else "p") + " " + text[b.body:b.end] for b in layout(text)]


@pytest.mark.parametrize("text, expected", [
    ("# Titel\n\nTekst.\n", ["h1 Titel", "p Tekst."]),
    ("## Sectie ##\nTekst direct eronder.\n### Dieper\n", ["h2 Sectie", "p Tekst direct eronder.", "h3 Dieper"]),
    ("  # Ingesprongen\n", ["h1 Ingesprongen"]),
    ("Titel\n=====\n\nOnderkop\n--------\nTekst.\n", ["h1 Titel", "h2 Onderkop", "p Tekst."]),
    ("# T\n\nEen.\n\n---\n\nTwee.\n\n* * *\n", ["h1 T", "p Een.", "p Twee."]),
    ("# T\n\n- een\n- twee\n  loopt door\n* drie\n", ["h1 T", "li een", "li twee\n  loopt door", "li drie"]),
    # In Markdown a paragraph ends at a blank line only: a short line is no guessed heading.
    ("# T\n\nKosten\nDe zorg wordt vergoed.\n", ["h1 T", "p Kosten\nDe zorg wordt vergoed."]),
    ("# T\n\n#hashtag is tekst\n", ["h1 T", "p #hashtag is tekst"]),
    ("## Leren over C#\n", ["h2 Leren over C#"]),
    # Plain text: as before, a list item keeps its bullet and a short line is a block of its own.
    ("Kosten\nDe zorg wordt vergoed.\n\n- een\n- twee\n", ["p Kosten", "p De zorg wordt vergoed.", "p - een",
                                                          "p - twee"]),
    ("Een.\n\n-----\n\nTwee.\n", ["p Een.", "p Twee."]),  # a rule is no text, in plain text too
])
def test_layout(text: str, expected: list[str]) -> None:
    assert _shown(text) == expected


MARKDOWN = """\
# Bewegen bij angst

Bewegingstherapie vermindert angst (Smith et al., 2020). Dat is *goed nieuws*.

## Wat doet PMT?

- Het lichaam onthoudt spanning (Jansen, 2018).
- Je leert **ontspannen**.

## Contact

Bel ons op werkdagen.

## Literatuur
"""

ARTICLE = """\
<article class="leaflet">
<h1>Bewegen bij angst</h1>
<p>Bewegingstherapie vermindert angst <span class="citation">(Smith et al., 2020)</span>. Dat is <i>goed nieuws</i>.</p>
<h2>Wat doet PMT?</h2>
<ul>
<li>Het lichaam onthoudt spanning <span class="citation">(Jansen, 2018)</span>.</li>
<li>Je leert <b>ontspannen</b>.</li>
</ul>
<h2>Contact</h2>
<p>Bel ons op werkdagen.</p>
</article>
"""


def test_markdown_leaflet(root, kb) -> None:
    result = kb("--kb", root("markdown_leaflet"), "leaflet", "folder")
    assert result.code == 0
    assert result.out.startswith(MARKDOWN)


def test_pandoc_leaflet(root, kb) -> None:
    result = kb("--kb", root("markdown_leaflet"), "leaflet", "folder", "--format", "pandoc")
    assert result.code == 0
    body = result.out.split("\n---\n", 1)[1]
    assert body == "\n" + MARKDOWN.split("## Literatuur")[0].replace("(Smith et al., 2020)", "[@smith2020]") \
        .replace("(Jansen, 2018)", "[@jansen2018]").rstrip("\n") + "\n"


def test_html_leaflet(root, kb) -> None:
    result = kb("--kb", root("markdown_leaflet"), "leaflet", "folder", "--format", "html")
    assert result.code == 0
    article = re.search(r'<article class="leaflet">.*?</article>\n', result.out, re.DOTALL)
    assert article is not None and article.group() == ARTICLE


def test_html_leaflet_takes_its_title_from_the_claims_file_when_the_text_has_none(root, kb) -> None:
    folder = root("markdown_leaflet")
    text = folder / "claims" / "folder.txt"
    text.write_text(text.read_text(encoding="utf-8").replace("# Bewegen bij angst\n\n", ""), encoding="utf-8")
    result = kb("--kb", folder, "leaflet", "folder", "--format", "html")
    assert result.code == 0
    assert '<article class="leaflet">\n<h1>Over bewegen</h1>\n<p>Bewegingstherapie' in result.out
    assert result.out.count("<h1>") == 1


def test_plain_text_leaflets_get_no_title_of_their_own(root, kb) -> None:
    result = kb("--kb", root("tiny"), "leaflet", "folder", "--format", "html")
    assert "<h1>" not in result.out and '<article class="leaflet">\n<p>Over bewegen</p>' in result.out


def test_report_shows_headings_and_lists_not_markup(root, kb) -> None:
    folder = root("markdown_leaflet")
    assert kb("--kb", folder, "report").code == 0  # every claim is found in the text: no claim-not-in-text
    html = (folder / "build" / "report.html").read_text(encoding="utf-8")
    found = re.search(r'<div lang="nl">\n(.*?)</div>', html, re.DOTALL)
    assert found is not None
    text = found.group(1)
    tags = re.sub(r"<(?:a|sup)\b[^>]*>|</(?:a|sup)>", "", text)  # the claims' links and numbers aside
    assert tags == (
        "<h4>Bewegen bij angst</h4>\n"
        "<p>Bewegingstherapie vermindert angst1 (Smith, van der Berg, &amp; Jones, 2020). Dat is goed nieuws.</p>\n"
        "<h5>Wat doet PMT?</h5>\n"
        "<ul>\n<li>Het lichaam onthoudt spanning2 (Jansen, 2018).</li>\n<li>Je leert ontspannen.</li>\n</ul>\n"
        "<h5>Contact</h5>\n"
        "<p>Bel ons op werkdagen.3</p>\n")


def test_extract_reads_markdown_headings_as_sections(root, kb) -> None:
    result = kb("extract", root("markdown_leaflet") / "claims" / "folder.txt", "--format", "json")
    assert result.code == 0
    assert '"section": "Wat doet PMT?"' in result.out
