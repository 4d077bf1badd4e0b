"""`kb leaflet`: citations re-rendered from the claims' sources, the reference list, formats, output."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, TESTS, check_golden

from kb.apa import style

GOLDEN = TESTS / "golden" / "leaflet"

CITATIONS_NL = """\
Bewegen en rust

Lichaamsgerichte interventies zijn nodig (Fonagy et al., 2017a, 2017b). Ontspanning helpt (Glantz & Goisman, 1990).

Van den Broek et al. (2011) vonden verschillen in schemamodi. Volgens Glantz en Goisman (1990) helpt ontspanning \
bij borderline. Bewegen is goed voor de conditie (Bakker, 2021). Twee studies bestaan (Smith, Jones, et al., 2020; \
Smith, Brown, et al., 2020).
"""

REFERENCES_NL = """\
## Literatuur

Bakker, T. (2021). *Bewegen \\<script\\>alert(1)\\</script\\> & rusten*. Boom. <https://example.org/bewegen?a=1&b=2>

Fonagy, P., Luyten, P., Allison, E., & Campbell, C. (2017a). What we have changed our minds about: Part 1. \
*Borderline Personality Disorder and Emotion Dysregulation*, *4*, 11. <https://doi.org/10.1186/s40479-017-0061-9>

Fonagy, P., Luyten, P., Allison, E., & Campbell, C. (2017b). What we have changed our minds about: Part 2. \
*Borderline Personality Disorder and Emotion Dysregulation*, *4*, 9. <https://doi.org/10.1186/s40479-017-0062-8>

Glantz, K., & Goisman, R. M. (1990). Relaxation and merging in the borderline patient. \
*American Journal of Psychotherapy*, *44*(3), 405–413.

Smith, A., Brown, B., & Lee, L. (2020). Moving apart. *Journal of Tests*.

Smith, A., Jones, K., & Lee, L. (2020). Moving together. *Journal of Tests*.

Van den Broek, E., Keulen-de Vos, M., & Bernstein, D. P. (2011). Arts therapies and Schema Focused therapy: \
A pilot study. *The Arts in Psychotherapy*, *38*(5), 325–332.
"""


def test_markdown(root, kb) -> None:
    """Printed slips are gone: a/b for one citation of two works, names added where "et al."
    would hide different co-authors, "et al." with its full stop, the record's spelling,
    "&" in parentheses and "en" in running text, the Dutch capital on "Van den"."""
    result = kb("--kb", root("leaflet_citations"), "leaflet", "folder")
    assert result.code == 0
    assert result.out == CITATIONS_NL + "\n" + REFERENCES_NL


def test_warnings_name_every_unverified_record(root, kb) -> None:
    result = kb("--kb", root("leaflet_citations"), "leaflet", "folder")
    """The same findings, in the same words, as `kb audit` gives for those records."""
    assert result.err.splitlines() == [
        "references.bib:24: warning: glantz1990 is not verified (from-memory): from memory: every field "
        "[unverified-reference]",
        "references.bib:64: warning: script2021 has no verificationstatus: nothing says whether the record was "
        "checked [unverified-reference]",
    ]
    audit = kb("--kb", root("leaflet_citations"), "audit").out.splitlines()
    assert set(result.err.splitlines()) <= set(audit)


def test_a_recalled_doi_is_never_printed(root, kb) -> None:
    for fmt in ("md", "html", "pandoc"):
        out = kb("--kb", root("leaflet_citations"), "leaflet", "folder", "--format", fmt).out
        assert "10.1176/appi.psychotherapy" not in out, fmt


def test_english(root, kb) -> None:
    """APA's own rule for English: the particle as the author writes it, a capital only where
    the name opens a sentence; "and" in running text."""
    out = kb("--kb", root("leaflet_citations"), "leaflet", "folder", "--lang", "en-US").out
    assert "Van den Broek et al. (2011) vonden" in out
    assert "Volgens Glantz and Goisman (1990)" in out
    assert "\n\nvan den Broek, E., Keulen-de Vos, M., & Bernstein, D. P. (2011)." in out
    assert "## References" in out


def test_html_is_one_escaped_page_with_marks_for_unverified_records(root, kb) -> None:
    page = kb("--kb", root("leaflet_citations"), "leaflet", "folder", "--format", "html").out
    assert "<script>" not in page
    assert "<i>Bewegen &lt;script&gt;alert(1)&lt;/script&gt; &amp; rusten</i>" in page
    assert '<a href="https://example.org/bewegen?a=1&amp;b=2">https://example.org/bewegen?a=1&amp;b=2</a>' in page
    assert re.findall(r'<li id="ref-([^"]+)">', page) == [
        "script2021", "fonagy2017a", "fonagy2017b", "glantz1990", "smith2020b", "smith2020a", "vandenbroek2011"]
    marked = re.findall(r'<li id="ref-([^"]+)">.*?<span class="unverified" title="([^"]*)">([^<]*)</span>', page)
    assert marked == [
        ("script2021", "", "verificatie: onbekend"),
        ("fonagy2017b", "verified: title and DOI; from memory: article number", "verificatie: kern geverifieerd"),
        ("glantz1990", "from memory: every field", "verificatie: uit het geheugen"),
    ]
    assert not re.search(r'(?:src|href)="(?!https://)', page)  # nothing to fetch: one self-contained page
    assert '<span class="citation">(Fonagy et al., 2017a, 2017b)</span>' in page


def test_pandoc_markdown_and_its_bibliography_beside_it(root, kb, tmp_path: Path) -> None:
    out = tmp_path / "leaflet.md"
    result = kb("--kb", root("leaflet_citations"), "leaflet", "folder", "--format", "pandoc", "--out", out)
    assert result.code == 0
    assert result.out.splitlines() == [str(out), str(tmp_path / "leaflet.json")]
    text = out.read_text(encoding="utf-8")
    assert "zijn nodig [@fonagy2017a; @fonagy2017b]." in text
    assert "@vandenbroek2011 vonden verschillen" in text
    assert "Volgens @glantz1990 helpt" in text
    assert "Twee studies bestaan [@smith2020a; @smith2020b]." in text
    front = json.loads(text.split("---\n")[1])
    assert front == {"pagetitle": "Bewegen en rust", "lang": "nl-NL", "reference-section-title": "Literatuur",
                     "bibliography": "leaflet.json"}
    items = json.loads((tmp_path / "leaflet.json").read_text(encoding="utf-8"))
    assert [i["id"] for i in items] == [
        "script2021", "fonagy2017a", "fonagy2017b", "glantz1990", "smith2020b", "smith2020a", "vandenbroek2011"]


def test_pandoc_markdown_on_stdout_carries_its_references(root, kb) -> None:
    text = kb("--kb", root("leaflet_citations"), "leaflet", "folder", "--format", "pandoc").out
    front = json.loads(text.split("---\n")[1])
    assert [i["id"] for i in front["references"]][:2] == ["script2021", "fonagy2017a"]


def test_never_over_an_existing_file_without_force(root, kb, tmp_path: Path) -> None:
    folder = root("leaflet_citations")
    out = tmp_path / "leaflet.md"
    (tmp_path / "leaflet.json").write_text("keep", encoding="utf-8")
    result = kb("--kb", folder, "leaflet", "folder", "--format", "pandoc", "--out", out)
    assert result.code == 2
    assert f"kb: {tmp_path / 'leaflet.json'} exists; use --force to replace it" in result.err
    assert not out.exists()
    assert kb("--kb", folder, "leaflet", "folder", "--format", "pandoc", "--out", out, "--force").code == 0
    assert (tmp_path / "leaflet.json").read_text(encoding="utf-8").startswith("[")


def test_bad_input_is_all_reported_and_nothing_written(root, kb, tmp_path: Path) -> None:
    out = tmp_path / "leaflet.md"
    result = kb("--kb", root("leaflet_bad"), "leaflet", "folder", "--out", out)
    assert result.code == 1
    assert result.err.splitlines() == [
        "claims/folder.txt:1: error: the citation (Jansen, 2001) cannot be printed with an entry in the list: no "
        "record in the bibliography matches Jansen, 2001; link its work from the sources of claim slapen "
        "[citation-not-placed]",
        "claims/folder.yaml:2: error: claim ontspanning: its printed citation '(Glantz & Goisman, 1990)' is not "
        "found in the leaflet, so its citation cannot be placed [citation-not-placed]",
        "claims/folder.yaml:8: error: claim rust cites nobody2000, which references.bib lacks [missing-reference]",
        "claims/folder.yaml:9: warning: claim slapen is cited as '(Jansen, 2001)' but links no work "
        "[cited-without-source]",
        "kb: the leaflet cannot be rendered; nothing was written",
    ]
    assert not out.exists()


def test_unknown_leaflet(root, kb) -> None:
    result = kb("--kb", root("leaflet_citations"), "leaflet", "nothing")
    assert result.code == 2
    assert result.err == "kb: no leaflet called 'nothing' (known: folder)\n"


# --- the knowledge base's own leaflets ---------------------------------------------------------

def _citations(markdown: str) -> list[str]:
    body = markdown.split("\n## Literatuur\n")[0]
    return re.findall(r"\((?:[A-Z][^()]*?, (?:\d{4}[a-z]?|n\.d\.)(?:, \d{4}[a-z]?)*(?:; )?)+\)", body)


def test_npi_leaflet(kb) -> None:
    result = kb("--kb", REPO, "leaflet", "npi-pmt", "--format", "md")
    assert result.code == 0
    citations = _citations(result.out)
    assert citations == [
        "(Kraak, 2010)",
        "(Drewes et al., 2019)",
        "(Fonagy et al., 2017a, 2017b)",
        "(Spaans et al., 2009)",
        "(Bellino et al., 2006; Sansone et al., 2010)",
        "(New et al., 2012)",
        "(Nummenmaa et al., 2014)",
        "(Leirvåg et al., 2010)",
        "(Van den Broek et al., 2011; Van der Kolk, 2014)",
        "(Soler et al., 2016)",
        "(Glantz & Goisman, 1990)",
        "(Henquet, 2005; Kuin, 2005)",
        "(Hutchinson et al., 1999; Van den Broek et al., 2011)",
        "(Koch et al., 2014)",
        "(Probst et al., 2010)",
        "(Drewes et al., 2019)",
    ]
    assert sum(c.count(";") + 1 for c in citations) == 20  # 20 printed citations (Fonagy's one of two works)
    references = result.out.split("\n## Literatuur\n\n")[1].strip().split("\n\n")
    assert len(references) == 19
    assert references[2].startswith("Fonagy, P., Luyten, P., Allison, E., & Campbell, C. (2017a). ")
    assert references[3].startswith("Fonagy, P., Luyten, P., Allison, E., & Campbell, C. (2017b). ")
    assert references[4].startswith("Glantz, K., & Goisman, R. M. (1990).")
    assert references[17].startswith("Van den Broek, E., Keulen-de Vos, M., & Bernstein, D. P. (2011).")
    assert "Glanz" not in result.out and "Bernst," not in result.out and "et al," not in result.out
    assert "Roemen- van" not in result.out
    assert result.err.count("[unverified-reference]") == 4  # kraak2010, drewes2019, glantz1990, henquet2005


def test_npi_leaflet_golden(kb, regen_golden: bool) -> None:
    check_golden(kb("--kb", REPO, "leaflet", "npi-pmt").out, GOLDEN / "npi-pmt.md", regen_golden)


def test_alkura_leaflet_cites_nothing_and_says_so(kb) -> None:
    result = kb("--kb", REPO, "leaflet", "alkura-alk")
    assert result.code == 0
    assert result.out.endswith(
        "## Literatuur\n\nDeze folder noemt geen bronnen: geen bewering in claims/alkura-alk.yaml verwijst naar "
        "literatuur. De literatuurlijst is daarom leeg.\n")
    assert result.err == ("claims/alkura-alk.yaml:0: info: the leaflet cites no works (no claim has sources, "
                          "no printed citation), "
                          "so its reference list is empty [no-citations]\n")
    html = kb("--kb", REPO, "leaflet", "alkura-alk", "--format", "html").out
    assert '<p class="note">Deze folder noemt geen bronnen' in html
    assert '<ul class="references">\n</ul>' in html


def test_same_input_same_bytes(kb) -> None:
    for fmt in ("md", "html", "pandoc"):
        assert kb("--kb", REPO, "leaflet", "npi-pmt", "--format", fmt).out == \
            kb("--kb", REPO, "leaflet", "npi-pmt", "--format", fmt).out


def test_many_works_are_formatted_alike_in_forked_processes(kb, monkeypatch: pytest.MonkeyPatch) -> None:
    """From PARALLEL_FROM works on, rendering is shared out over idle cores: same bytes."""
    alone = kb("--kb", REPO, "leaflet", "npi-pmt", "--format", "html").out
    monkeypatch.setattr(style, "PARALLEL_FROM", 2)
    monkeypatch.setattr(style, "idle_cores", lambda: 2)
    assert kb("--kb", REPO, "leaflet", "npi-pmt", "--format", "html").out == alone


def test_each_printed_citation_is_replaced_once(root, kb) -> None:
    """The same printed citation twice in a paragraph: each claim takes the one nearest to it."""
    result = kb("--kb", root("leaflet_same_citation_twice"), "leaflet", "folder")
    assert result.out.split("\n\n")[0] == (
        "Koch et al. (2014) vonden minder angst. Koch et al. (2014) vonden ook een beter lichaamsbeeld. "
        "Dansen helpt (Koch et al., 2014).")


def test_a_leaflet_is_read_alone(root, kb) -> None:
    """`kb leaflet` reads the bibliography and its own leaflet only: a broken claims file of
    another leaflet stops the audit, not this leaflet."""
    folder = root("leaflet_beside_broken_claims")
    result = kb("--kb", folder, "leaflet", "folder")
    assert (result.code, result.err) == (0, "")
    assert result.out.startswith("Ontspanning helpt (Glantz & Goisman, 1990).\n")
    audit = kb("--kb", folder, "audit")
    assert audit.code == 2
    assert "claims/other.yaml:5: error: cannot read YAML" in audit.err
    unknown = kb("--kb", folder, "leaflet", "nothing")
    assert (unknown.code, unknown.err) == (2, "kb: no leaflet called 'nothing' (known: folder, other)\n")


def test_a_leaflet_needs_no_graph() -> None:
    """Neither the graph (networkx) nor the report's and extraction's sentence modules are imported."""
    code = ("import sys; from kb.cli import main; main(['--kb', sys.argv[1], 'leaflet', 'npi-pmt']); "
            "print(sorted(m for m in sys.modules if m in ('networkx', 'rdflib', 'kb.citations.extract', "
            "'kb.citations.sentences', 'kb.report', 'pysbd')), file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code, str(REPO)], capture_output=True, text=True, check=True)
    assert result.stderr.splitlines()[-1] == "[]"
