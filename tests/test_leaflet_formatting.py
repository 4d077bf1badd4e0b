"""APA formatting details that citeproc-py lacks and kb.style / kb.formatting add: tables of
CSL-JSON input and the exact citation or entry."""

from __future__ import annotations

from typing import Any

import pytest

from kb.apa import formatting, style


def _book(key: str, year: int | str, *people: tuple[str, str, str], title: str = "") -> dict[str, Any]:
    authors = [{k: v for k, v in (("non-dropping-particle", p), ("family", f), ("given", g)) if v}
               for p, f, g in people]
    issued = {"date-parts": [[year]]} if isinstance(year, int) else {"literal": year}
    return {"id": key, "type": "book", "title": title or key.upper(), "author": authors, "issued": issued,
            "publisher": "Boom"}


@pytest.mark.parametrize(("lang", "citation", "narrative", "entry"), [
    ("nl-NL", "(Van den Broek & Vos, 2011)", "Van den Broek en Vos (2011)", "Van den Broek, E., & Vos, M. (2011)."),
    ("en-US", "(van den Broek & Vos, 2011)", "van den Broek and Vos (2011)", "van den Broek, E., & Vos, M. (2011)."),
])
def test_particles_and_and(lang: str, citation: str, narrative: str, entry: str) -> None:
    formatted = formatting.format_items([_book("b", 2011, ("van den", "Broek", "Elsa"), ("", "Vos", "Marije"))], lang)
    assert formatted.citation(["b"]) == citation
    assert formatted.citation(["b"], narrative=True) == narrative
    assert formatted.entries[0][1].startswith(entry)


def test_editors_keep_their_particle_lower_case_after_initials() -> None:
    chapter = {"id": "c", "type": "chapter", "title": "Hoofdstuk", "author": [{"family": "Kuin", "given": "F."}],
               "editor": [{"family": "Lange", "given": "J.", "non-dropping-particle": "de"}],
               "container-title": "Handboek", "publisher": "Boom", "issued": {"date-parts": [[2005]]}, "page": "43-64"}
    entry = style.MARKS.sub("", formatting.format_items([chapter], "nl-NL").entries[0][1])
    assert entry == "Kuin, F. (2005). Hoofdstuk. In J. de Lange (Red.), Handboek (pp. 43–64). Boom."


def test_same_initials_are_one_person() -> None:
    """"K. Jansen" and "Karin Jansen" share initials, so APA groups them under "K. Jansen"
    (pandoc 2.17 treats them as two people and drops the initials of both)."""
    formatted = formatting.format_items([
        _book("p", 2020, ("", "Jansen", "Piet")), _book("k1", 2015, ("", "Jansen", "K.")),
        _book("k2", 2020, ("", "Jansen", "Karin"))], "nl-NL")
    assert formatted.citation(["p", "k1", "k2"]) == "(K. Jansen, 2015, 2020; P. Jansen, 2020)"


def test_year_suffixes_past_z() -> None:
    works = [_book(f"w{i:02}", 2020, ("", "Bakker", "Tom"), title=f"Deel {i:02}") for i in range(28)]
    formatted = formatting.format_items(works, "nl-NL")
    assert [formatted.cites[f"w{i:02}"].date for i in (0, 25, 26, 27)] == ["2020a", "2020z", "2020aa", "2020ab"]


def test_sorting_ignores_case_and_diacritics() -> None:
    formatted = formatting.format_items([
        _book("z", 2001, ("", "Zwart", "A.")), _book("a", 2001, ("", "Ångström", "A.")),
        _book("b", 2001, ("", "Bühring", "M.")), _book("c", 2001, ("", "Buhr", "M."))], "nl-NL")
    assert [key for key, _ in formatted.entries] == ["a", "c", "b", "z"]


def test_no_full_stop_after_a_question_mark() -> None:
    formatted = formatting.format_items([_book("q", 2010, ("", "Probst", "M."), title="What is in a name?")],
                                        "nl-NL")
    assert style.MARKS.sub("", formatted.entries[0][1]) == "Probst, M. (2010). What is in a name? Boom."


def test_no_date() -> None:
    formatted = formatting.format_items([_book("n", "in druk", ("", "Jansen", "P."))], "nl-NL")
    assert formatted.citation(["n"]) == "(Jansen, in druk)"


@pytest.mark.parametrize("lang", ["nl-NL", "en-US"])
def test_volume_and_issue_ranges_take_an_en_dash(lang: str) -> None:
    """APA sets every number range with an en dash, as pages already are; citeproc-py prints a
    volume's or issue's hyphen as it comes."""
    article = {"id": "a", "type": "article-journal", "title": "Titel", "author": [{"family": "Kraak", "given": "A."}],
               "container-title": "Tijdschrift", "issued": {"date-parts": [[2010]]}, "volume": "19-20",
               "issue": "3-4", "page": "10-20"}
    supplement = {**article, "id": "b", "volume": "S1-S2", "issue": "Suppl. 2-3", "issued": {"date-parts": [[2011]]}}
    year_issue = {**article, "id": "c", "volume": "7", "issue": "2020-1", "issued": {"date-parts": [[2012]]}}
    entries = [style.MARKS.sub("", e) for _, e in formatting.format_items([article, supplement, year_issue],
                                                                          lang).entries]
    assert entries == [
        "Kraak, A. (2010). Titel. Tijdschrift, 19–20(3–4), 10–20.",
        "Kraak, A. (2011). Titel. Tijdschrift, S1–S2(Suppl. 2–3), 10–20.",
        "Kraak, A. (2012). Titel. Tijdschrift, 7(2020-1), 10–20.",
    ]


@pytest.mark.parametrize("lang", ["nl-NL", "en-US"])
def test_a_surname_alone_keeps_the_full_stop_after_the_author(lang: str) -> None:
    """No initials ("Kraak", a record whose initials were never seen): the author element still
    ends with APA's full stop, as after a one-name author ("Plato. (1961).") or a group author
    ("World Health Organization. (2020)."); pandoc --citeproc prints the same
    (test_leaflet_pandoc). Only a full stop that ends an initial takes its place ("Kraak, A.")."""
    formatted = formatting.format_items([
        _book("k", 2010, ("", "Kraak", "")), _book("kj", 2011, ("", "Kraak", ""), ("", "Jansen", "")),
        _book("ka", 2012, ("", "Kraak", "A."))], lang)
    entries = [style.MARKS.sub("", entry) for _, entry in formatted.entries]
    assert entries == ["Kraak. (2010). K. Boom.", "Kraak, & Jansen. (2011). KJ. Boom.", "Kraak, A. (2012). KA. Boom."]
    assert formatted.citation(["kj"]) == "(Kraak & Jansen, 2011)"
