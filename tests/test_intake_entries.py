"""A printed reference entry read into a draft: each kind of entry, Dutch and English conventions,
and the bench's hand-typed entries held at the accuracy the issue asks for."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kb.intake.entries import fold, parse_entry

GOLD = Path(__file__).resolve().parents[1] / "bench" / "reference_entries" / "entries.yaml"

# (printed entry, the fields it gives; every field not named must come back ""). Entries marked
# "made here" show one convention on an invented work; the others are printed as found (origins
# in bench/reference_entries/README.md).
ENTRIES = [
    # A journal article, English, with a DOI link.
    ("Johnson, C., Burke, C., Brinkman, S., & Wade, T. (2016). Effectiveness of a school-based mindfulness "
     "program for transdiagnostic prevention in young adolescents. Behaviour Research and Therapy, 81, 1–11. "
     "https://doi.org/10.1016/j.brat.2016.03.002",
     {"entry_type": "article", "authors": (("Johnson", "C."), ("Burke", "C."), ("Brinkman", "S."), ("Wade", "T.")),
      "year": "2016", "title": "Effectiveness of a school-based mindfulness program for transdiagnostic "
      "prevention in young adolescents", "container": "Behaviour Research and Therapy", "volume": "81",
      "pages": "1-11", "doi": "10.1016/j.brat.2016.03.002"}),
    # APA 6 in Dutch: "en" for "&", "doi:" and a Dutch journal (made here).
    ("Jansen, P., & de Vries, A. (2019a). Bewegen bij angst: Een pilotstudie. Tijdschrift voor Vaktherapie, "
     "15(2), 12-19. doi:10.1000/TVV.2019.2",
     {"entry_type": "article", "authors": (("Jansen", "P."), ("de Vries", "A.")), "year": "2019",
      "title": "Bewegen bij angst: Een pilotstudie", "container": "Tijdschrift voor Vaktherapie", "volume": "15",
      "issue": "2", "pages": "12-19", "doi": "10.1000/tvv.2019.2"}),
    ("Bakker, J. en Visser, K. (2020). Lichaamsbeleving in de ggz. Tijdschrift voor Psychiatrie, 62, 100-108.",
     {"entry_type": "article", "authors": (("Bakker", "J."), ("Visser", "K.")), "year": "2020",
      "title": "Lichaamsbeleving in de ggz", "container": "Tijdschrift voor Psychiatrie", "volume": "62",
      "pages": "100-108"}),
    # A chapter with Dutch editors' mark and place of publication (made here).
    ("Kuin, F. M. B. (2005). Op tijd stoppen. In J. de Lange & R. J. Bosscher (Red.), Psychomotorische therapie "
     "in de praktijk (pp. 43–64). Amsterdam: Boom.",
     {"entry_type": "incollection", "authors": (("Kuin", "F. M. B."),), "year": "2005", "title": "Op tijd stoppen",
      "container": "Psychomotorische therapie in de praktijk", "editors": (("de Lange", "J."), ("Bosscher", "R. J.")),
      "pages": "43-64", "publisher": "Boom", "extra": {"address": "Amsterdam"}}),
    # A book, a group author, no date, and a report.
    ("Nederlandse Vereniging voor Psychiatrie. (z.d.). Richtlijn persoonlijkheidsstoornissen. Utrecht: NVvP.",
     {"entry_type": "techreport", "authors": (("Nederlandse Vereniging voor Psychiatrie", ""),),
      "title": "Richtlijn persoonlijkheidsstoornissen", "publisher": "NVvP", "extra": {"address": "Utrecht"}}),
    ("Van der Kolk, B. A. (2014). The body keeps the score: Brain, mind, and body in the healing of trauma. Viking.",
     {"entry_type": "book", "authors": (("Van der Kolk", "B. A."),), "year": "2014",
      "title": "The body keeps the score: Brain, mind, and body in the healing of trauma", "publisher": "Viking"}),
    # In press, English and Dutch (made here).
    ("Smith, A., et al. (in press). A trial of movement. Journal of Tests.",
     {"entry_type": "article", "authors": (("Smith", "A."),), "title": "A trial of movement",
      "container": "Journal of Tests", "extra": {"pubstate": "inpress"}}),
    ("Smit, A. (ter perse). Bewegen en stemming. Tijdschrift voor Vaktherapie, 21(1), 3-9.",
     {"entry_type": "article", "authors": (("Smit", "A."),), "title": "Bewegen en stemming",
      "container": "Tijdschrift voor Vaktherapie", "volume": "21", "issue": "1", "pages": "3-9",
      "extra": {"pubstate": "inpress"}}),
    # Web pages: "Retrieved from", "Geraadpleegd op ... van", (n.d.).
    ("World Health Organization. (n.d.). Physical activity. Retrieved March 3, 2021, from "
     "https://www.who.int/news-room/fact-sheets/detail/physical-activity",
     {"entry_type": "online", "authors": (("World Health Organization", ""),), "title": "Physical activity",
      "url": "https://www.who.int/news-room/fact-sheets/detail/physical-activity",
      "extra": {"urldate": "2021-03-03"}}),
    ("Kennisplein Zorg voor Beter. (2020, 13 februari). Persoonsgerichte zorg. Geraadpleegd op 17 maart 2020, "
     "van https://www.zorgvoorbeter.nl/persoonsgerichte-zorg",
     {"entry_type": "online", "authors": (("Kennisplein Zorg voor Beter", ""),), "year": "2020",
      "title": "Persoonsgerichte zorg", "url": "https://www.zorgvoorbeter.nl/persoonsgerichte-zorg",
      "extra": {"urldate": "2020-03-17"}}),
    # A thesis with its description, a list number before the entry.
    ("12. Mychailyszyn, M. P. (2011). School-based interventions for anxious and depressed youth: A meta-analysis "
     "of outcomes [Ph.D., Temple University].",
     {"entry_type": "phdthesis", "authors": (("Mychailyszyn", "M. P."),), "year": "2011",
      "title": "School-based interventions for anxious and depressed youth: A meta-analysis of outcomes",
      "extra": {"school": "Temple University"}}),
    # An edited book: the editors stand before the date.
    ("Lange, J. de, Glas, O., & Busschbach, J. van (Red.). (2019). Psychomotor interventions for mental health. "
     "Amsterdam: Boom.",
     {"entry_type": "book", "editors": (("de Lange", "J."), ("Glas", "O."), ("van Busschbach", "J.")),
      "year": "2019", "title": "Psychomotor interventions for mental health", "publisher": "Boom",
      "extra": {"address": "Amsterdam"}}),
    # A full stop inside a title: what follows decides where the title ends (made here): a journal
    # with its volume, a chapter's "In", or the publisher that closes a book.
    ("Balshem, H., Helfand, M., & Kunz, R. (2011). GRADE guidelines: 3. Rating the quality of evidence. "
     "Journal of Clinical Epidemiology, 64(4), 401-406.",
     {"entry_type": "article", "authors": (("Balshem", "H."), ("Helfand", "M."), ("Kunz", "R.")), "year": "2011",
      "title": "GRADE guidelines: 3. Rating the quality of evidence", "container": "Journal of Clinical Epidemiology",
      "volume": "64", "issue": "4", "pages": "401-406"}),
    ("Bernstein, D. A., & Borkovec, T. D. (1977). Leren ontspannen. Handleiding voor de therapeutische beroepen. "
     "Dekker & Van der Vegt.",
     {"entry_type": "book", "authors": (("Bernstein", "D. A."), ("Borkovec", "T. D.")), "year": "1977",
      "title": "Leren ontspannen. Handleiding voor de therapeutische beroepen", "publisher": "Dekker & Van der Vegt"}),
    ("Smit, J. (2010). Angst. Een inleiding. In P. de Wit (Red.), Handboek angst (pp. 1-20). Boom.",
     {"entry_type": "incollection", "authors": (("Smit", "J."),), "year": "2010", "title": "Angst. Een inleiding",
      "container": "Handboek angst", "editors": (("de Wit", "P."),), "pages": "1-20", "publisher": "Boom"}),
    ("Jansen, K. (2018). Slaap en stemming. Tijdschrift voor Psychiatrie. Advance online publication.",
     {"entry_type": "article", "authors": (("Jansen", "K."),), "year": "2018", "title": "Slaap en stemming",
      "container": "Tijdschrift voor Psychiatrie"}),
    # A translator's note after the title is no part of it (made here, and the DSM-5 as printed).
    ("Yalom, I. D. (2005). De therapeutische relatie (J. Jansen & P. de Vries, Trans.). Amsterdam: Boom.",
     {"entry_type": "book", "authors": (("Yalom", "I. D."),), "year": "2005", "title": "De therapeutische relatie",
      "publisher": "Boom", "extra": {"address": "Amsterdam", "translator": "Jansen, J. and de Vries, P."}}),
    ("Beck, A. T. (1979). Cognitieve therapie bij depressie (Vert. J. de Vries). Lisse: Swets & Zeitlinger.",
     {"entry_type": "book", "authors": (("Beck", "A. T."),), "year": "1979", "title": "Cognitieve therapie bij depressie",
      "publisher": "Swets & Zeitlinger", "extra": {"address": "Lisse", "translator": "de Vries, J."}}),
    ("American Psychiatric Association (2014). Handboek voor de classificatie van psychische stoornissen: DSM-5 "
     "(M. W. Hengeveld, Supervisie vert.). Boom.",
     {"entry_type": "book", "authors": (("American Psychiatric Association", ""),), "year": "2014",
      "title": "Handboek voor de classificatie van psychische stoornissen: DSM-5", "publisher": "Boom",
      "extra": {"translator": "Hengeveld, M. W."}}),
    # A report's number after its title is no part of it (made here).
    ("Trimbos-instituut. (2019). Monitor ggz in beeld (Rapport nr. AF1234). Trimbos-instituut.",
     {"entry_type": "techreport", "authors": (("Trimbos-instituut", ""),), "year": "2019",
      "title": "Monitor ggz in beeld", "publisher": "Trimbos-instituut", "extra": {"number": "Rapport nr. AF1234"}}),
    # A chapter without pages: "Place: Publisher." closes it after a book's "deel 1." (made here).
    ("Smit, J. (2017) Angst. In P. de Wit & K. Bos (Eds.), Behandelingen voor volwassenen, deel 1. "
     "Amsterdam: Uitgeverij Boom.",
     {"entry_type": "incollection", "authors": (("Smit", "J."),), "year": "2017", "title": "Angst",
      "editors": (("de Wit", "P."), ("Bos", "K.")), "container": "Behandelingen voor volwassenen, deel 1",
      "publisher": "Uitgeverij Boom", "extra": {"address": "Amsterdam"}}),
    # "&" stands before the last author: a group author there keeps its commas; a list that puts a
    # comma before its "&" separates no names with a bare one (made here).
    ("Kroon, H., & Ministerie van Volksgezondheid, Welzijn en Sport. (2018). Praktijktest opvang. Trimbos-instituut.",
     {"entry_type": "book", "authors": (("Kroon", "H."), ("Ministerie van Volksgezondheid, Welzijn en Sport", "")),
      "year": "2018", "title": "Praktijktest opvang", "publisher": "Trimbos-instituut"}),
    ("Baay, P., Stichting Lezen & Schrijven, & Expertisecentrum Beroepsonderwijs. (2015). Laaggeletterden. "
     "Stichting Lezen & Schrijven.",
     {"entry_type": "book", "authors": (("Baay", "P."), ("Stichting Lezen & Schrijven", ""),
                                        ("Expertisecentrum Beroepsonderwijs", "")),
      "year": "2015", "title": "Laaggeletterden", "publisher": "Stichting Lezen & Schrijven"}),
    # "Place: Publisher." ends a title too, whatever follows it; a part numbered "Deel 2:" is no place (made here).
    ("Jansen, P. (2010). Angst bij kinderen. Houten: Bohn Stafleu van Loghum. ISBN 9789031378888.",
     {"entry_type": "book", "authors": (("Jansen", "P."),), "year": "2010", "title": "Angst bij kinderen",
      "publisher": "Bohn Stafleu van Loghum", "extra": {"address": "Houten"}}),
    ("Jansen, P. (2010). Angst. Deel 2: Behandeling. Boom.",
     {"entry_type": "book", "authors": (("Jansen", "P."),), "year": "2010", "title": "Angst. Deel 2: Behandeling",
      "publisher": "Boom"}),
]

FIELDS = ("entry_type", "authors", "year", "title", "container", "volume", "issue", "pages", "doi", "url",
          "publisher", "editors", "extra")


@pytest.mark.parametrize(("printed", "expected"), ENTRIES, ids=[e[0][:30] for e in ENTRIES])
def test_entry_fields(printed: str, expected: dict[str, object]) -> None:
    draft = parse_entry(printed, source="list.txt:3")
    for name in FIELDS:
        empty: object = () if name in ("authors", "editors") else ({} if name == "extra" else "")
        assert getattr(draft, name) == expected.get(name, empty), name
    assert draft.printed == " ".join(printed.split())
    assert draft.status == "listed"
    assert draft.source == "list.txt:3"


def test_an_entry_without_a_date_keeps_only_what_it_prints() -> None:
    draft = parse_entry("Schulz, C. Alle Complete Peanuts Vol 1-25 1950-1999")
    assert (draft.entry_type, draft.authors, draft.year, draft.title) == ("misc", (), "", "")
    assert draft.printed == "Schulz, C. Alle Complete Peanuts Vol 1-25 1950-1999"


def test_line_breaks_inside_an_entry_are_one_space() -> None:
    draft = parse_entry("Glantz, K., & Goisman, R. M. (1990). Relaxation and merging in the\n  borderline patient. "
                        "American Journal of Psychotherapy, 44(3),\n405–413.")
    assert draft.title == "Relaxation and merging in the borderline patient"
    assert (draft.volume, draft.issue, draft.pages) == ("44", "3", "405-413")


def test_fold_makes_ascii_key_stems() -> None:
    assert [fold(n) for n in ("Leirvåg", "van den Broek", "Bühring", "Martín-Blanco", "O’Kearney", "Søren")] == [
        "leirvag", "vandenbroek", "buhring", "martinblanco", "okearney", "soren"]


def test_bench_entries_meet_the_goal() -> None:
    """The issue's goal on the hand-typed entries: 0.95 on authors, year and title."""
    items = yaml.safe_load(GOLD.read_text(encoding="utf-8"))
    assert len(items) >= 40
    right = dict.fromkeys(("authors", "year", "title"), 0)
    for item in items:
        draft = parse_entry(item["printed"])
        gold = item["expected"]
        right["authors"] += draft.authors == tuple(tuple(p) for p in gold.get("authors", ()))
        right["year"] += draft.year == gold.get("year", "")
        right["title"] += draft.title == gold.get("title", "")
    assert {name: count / len(items) >= 0.95 for name, count in right.items()} == dict.fromkeys(right, True), right


def test_an_author_list_shortened_by_an_ellipsis_says_so() -> None:
    draft = parse_entry("Didden, R., Lindsay, W. R., Wiersma, J., ... Lancioni, G. E. (2016). Aggressive behavior. "
                        "In N. N. Singh (Ed.), Handbook of evidence-based practices (pp. 727-750). Cham: Springer.")
    assert [family for family, _ in draft.authors] == ["Didden", "Lindsay", "Wiersma", "Lancioni"]
    assert "ellipsis" in draft.extra["note"] and "Wiersma" in draft.extra["note"]
    assert "note" not in parse_entry("Lowe, K., & Felce, D. (1995). People. Psychological Medicine, 25, 595-603.").extra


@pytest.mark.parametrize(("printed", "expected"), [
    ("Bateman, A., & Fonagy, P. (2004). Mentalization-based treatment of BPD. Journal of Personality Disorders, "
     "18:36-51.", {"container": "Journal of Personality Disorders", "volume": "18", "pages": "36-51"}),
    ("Aldao, A., Nolen-Hoeksema, S., & Schweizer, S. (2010). Emotion-regulation strategies across psychopathology. "
     "Clinical Psychology Review, 30(2):217-237.",
     {"container": "Clinical Psychology Review", "volume": "30", "issue": "2", "pages": "217-237"}),
])
def test_pages_after_a_colon(printed: str, expected: dict[str, str]) -> None:
    draft = parse_entry(printed)
    assert {name: getattr(draft, name) for name in expected} == expected and draft.entry_type == "article"


def test_particles_printed_after_the_initials_and_a_bare_last_initial() -> None:
    draft = parse_entry("Alphen, R., van, Stams, G. J. J. M., & Arntz, A (2017). Titel. Tijdschrift, 3(1), 1-9.")
    assert draft.authors == (("van Alphen", "R."), ("Stams", "G. J. J. M."), ("Arntz", "A."))


def test_a_doubled_doi_prefix_and_retrieved_from_with_a_colon() -> None:
    assert parse_entry("Jansen, A. (2019). Titel. Frontiers, 13, 570. "
                       "https://doi.org/doi.org/10.3389/fnins.2019.00570").doi == "10.3389/fnins.2019.00570"
    web = parse_entry("BMJ Best Practice (2021). What is GRADE? Retrieved from: https://bestpractice.bmj.com/info/")
    assert (web.entry_type, web.url, web.publisher) == ("online", "https://bestpractice.bmj.com/info/", "")
