"""Drafted claims: which sentences are claims and of which kind, the clause a citation belongs
to, `--cited-only`, and a pasted reference list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb.citations import kinds
from kb.citations.extract import extract

NO_CLAIM = ""
# (language, sentence, kind it is drafted as; "" for no claim)
SENTENCES = [
    # headings' kin: questions
    ("nl", "Wat is psychomotorische therapie?", NO_CLAIM),
    ("nl", "Voor wie is vaktherapie bedoeld?", NO_CLAIM),
    ("en", "What is psychomotor therapy?", NO_CLAIM),
    ("en", "Who can take part in the group?", NO_CLAIM),
    # structural and meta sentences
    ("nl", "Om te beginnen met een korte uitleg over PMT.", NO_CLAIM),
    ("nl", "In dit hoofdstuk beschrijven we de behandeling.", NO_CLAIM),
    ("nl", "In deze folder leest u meer over psychomotorische therapie.", NO_CLAIM),
    ("nl", "Deze folder geeft informatie over de behandeling van angst.", NO_CLAIM),
    ("nl", "Hierbij kun je denken aan:", NO_CLAIM),
    ("nl", "Hieronder staat een overzicht van de behandelingen.", NO_CLAIM),
    ("nl", "Zoals eerder genoemd is bewegen belangrijk.", NO_CLAIM),
    ("nl", "De volgende onderwerpen komen aan bod.", NO_CLAIM),
    ("nl", "Er zijn nu een aantal thema's beschreven waaraan gewerkt kan worden.", NO_CLAIM),
    ("nl", "De therapie bestaat uit drie onderdelen:", NO_CLAIM),
    ("en", "In this chapter we describe the treatment.", NO_CLAIM),
    ("en", "The following topics are discussed.", NO_CLAIM),
    ("en", "This leaflet explains what to expect from therapy.", NO_CLAIM),
    ("en", "As mentioned above, exercise matters.", NO_CLAIM),
    ("en", "The programme has three parts:", NO_CLAIM),
    # instructions to the reader
    ("nl", "Bel bij spoed de crisisdienst.", NO_CLAIM),
    ("nl", "Lees ook de folder over angst.", NO_CLAIM),
    ("nl", "Vraag je behandelaar om meer uitleg.", NO_CLAIM),
    ("nl", "Probeer elke dag een half uur te wandelen.", NO_CLAIM),
    ("nl", "Zorg dat je makkelijk zittende kleding draagt.", NO_CLAIM),
    ("en", "Call your GP if you feel worse.", NO_CLAIM),
    ("en", "Ask your therapist for more information.", NO_CLAIM),
    ("en", "Try to walk for half an hour every day.", NO_CLAIM),
    ("en", "Do not stop your medication on your own.", NO_CLAIM),
    # practical information
    ("nl", "Neem contact op met je behandelaar als je vragen hebt.", kinds.SERVICE),
    ("nl", "Kijk voor meer informatie op onze website.", kinds.SERVICE),
    ("nl", "De polikliniek is geopend van maandag tot en met vrijdag van 9.00 tot 17.00 uur.", kinds.SERVICE),
    ("nl", "Ons adres is Stationsplein 1, 1012 AB Amsterdam.", kinds.SERVICE),
    ("nl", "U kunt ons bereiken op 020-5551234.", kinds.SERVICE),
    ("nl", "De behandeling wordt vergoed door je zorgverzekeraar.", kinds.SERVICE),
    ("nl", "Wel geldt het eigen risico.", kinds.SERVICE),
    ("nl", "De wachttijd voor een intake is ongeveer zes weken.", kinds.SERVICE),
    ("nl", "Je kunt je aanmelden via je huisarts.", kinds.SERVICE),
    ("nl", "Neem je legitimatiebewijs mee naar het eerste gesprek.", kinds.SERVICE),
    ("nl", "De behandeling bestaat uit acht sessies van een uur.", kinds.SERVICE),
    ("nl", "In de groep oefenen we met ontspanning.", kinds.SERVICE),
    ("en", "The clinic is open Monday to Friday, 9 am to 5 pm.", kinds.SERVICE),
    ("en", "Treatment is covered by your health insurance.", kinds.SERVICE),
    ("en", "The waiting list is about six weeks.", kinds.SERVICE),
    ("en", "Please bring your passport to the first appointment.", kinds.SERVICE),
    ("en", "You can reach us on 020 555 1234.", kinds.SERVICE),
    ("en", "Read more about anxiety on our website.", kinds.SERVICE),
    # clinical claims
    ("nl", "PMT vermindert spanning bij mensen met angstklachten.", kinds.CLINICAL),
    ("nl", "Bewegen helpt om stress te verminderen.", kinds.CLINICAL),
    ("nl", "Bij angst spannen de spieren zich vaak onbewust aan.", kinds.CLINICAL),
    ("nl", "Vaktherapie is een bewezen effectieve behandeling bij trauma.", kinds.CLINICAL),
    ("nl", "In PMT gaan we ervan uit dat het lichaam een rol speelt.", kinds.CLINICAL),
    ("nl", "- Spanning: Als je angstig bent, spannen je spieren zich vaak aan.", kinds.CLINICAL),
    ("nl", "Zorg op maat verbetert de uitkomst van de behandeling.", kinds.CLINICAL),
    ("en", "Exercise reduces symptoms of depression in adults.", kinds.CLINICAL),
    ("en", "Body awareness is essential for identifying emotions.", kinds.CLINICAL),
    ("en", "Contact with peers reduces anxiety in adolescents.", kinds.CLINICAL),
    ("en", "Talk therapy helps many people with depression.", kinds.CLINICAL),
    ("en", "We know that exercise lifts mood.", kinds.CLINICAL),
    # the authors' own study, method or system
    ("en", "We measured pupil size with an eye-tracker.", NO_CLAIM),
    ("en", "We will investigate how the pupil changes over time.", NO_CLAIM),
    ("en", "Participants were asked to solve multiplication problems.", NO_CLAIM),
    ("en", "The quality of studies was assessed by the modified Newcastle-Ottawa Scale.", NO_CLAIM),
    ("en", "The recorded samples are written to a file for offline analysis.", NO_CLAIM),
    ("en", "In this study, depression was measured with the BDI-II.", NO_CLAIM),
    ("en", "This task permits two performance metrics.", NO_CLAIM),
    ("en", "Table 2. Characteristics of the included studies.", NO_CLAIM),
    ("en", "We thank the participants for their time.", NO_CLAIM),
    ("en", "This work was supported by a grant from ZonMw.", NO_CLAIM),
    ("nl", "Wij hebben de klachten gemeten met een vragenlijst.", NO_CLAIM),
    ("nl", "In dit onderzoek keken we naar jongeren met angstklachten.", NO_CLAIM),
    ("nl", "Deelnemers werden willekeurig verdeeld over twee groepen.", NO_CLAIM),
    ("nl", "Daarnaast werd de samenhang met therapieresistentie getoetst.", NO_CLAIM),
    ("nl", "Figuur 1. Het verloop van de klachten.", NO_CLAIM),
    ("nl", "Met dank aan alle deelnemers.", NO_CLAIM),
    ("nl", "Retrospectief dossieronderzoek onder patiënten van de kliniek.", NO_CLAIM),
    ("en", "From 419 obtained studies, 26 were included.", NO_CLAIM),
    ("en", "The decision system will depend on changes in the pupil size.", NO_CLAIM),
    ("en", "A randomised trial showed that exercise reduces depression.", kinds.CLINICAL),
    # ... unless it reports a finding, or speaks of the world
    ("en", "The pooled prevalence of anxiety was found to be 25%.", kinds.CLINICAL),
    ("en", "In this study, exercise was shown to reduce anxiety.", kinds.CLINICAL),
    ("en", "Moving averages can be computed efficiently.", kinds.CLINICAL),
    ("en", "While the weight is fixed, the variance remains adaptive (since it is calculated for a window).",
     kinds.CLINICAL),
    ("nl", "In dit onderzoek bleek PMT de spanning te verminderen.", kinds.CLINICAL),
    ("nl", "Uit de resultaten bleek dat de klachten afnamen.", kinds.CLINICAL),
    # list items with no finite verb are fragments; with one, they assert
    ("en", "1. Eye-tracking (for the purpose of measuring pupil dilation).", NO_CLAIM),
    ("en", "2. Simulation measures of driving performance.", NO_CLAIM),
    ("en", "3. Decision mechanism that combines all measures and decides on a level of automation.", NO_CLAIM),
    ("en", "4. The implementation of the levels of automation.", NO_CLAIM),
    ("en", "- A lower risk of relapse after treatment.", NO_CLAIM),
    ("nl", "1. Een kennismakingsgesprek met de therapeut van de groep.", NO_CLAIM),
    ("nl", "- Oefeningen voor ontspanning en ademhaling.", NO_CLAIM),
    ("en", "1. Exercise reduces symptoms of depression.", kinds.CLINICAL),
    ("en", "2. Anxiety is common in adolescents.", kinds.CLINICAL),
    ("nl", "1. Het eerste betreft problemen met identiteit.", kinds.CLINICAL),
    ("nl", "2. Het tweede aspect betreft zelf-directie.", kinds.CLINICAL),
    ("nl", "- Bewegen helpt bij somberheid.", kinds.CLINICAL),
    # what comes up in the sessions, the treatment team
    ("nl", "Dit thema kan bij PMT aan de orde komen.", kinds.SERVICE),
    ("nl", "Het behandelteam streeft naar zorg op maat.", kinds.SERVICE),
    ("nl", "De eerste stap is om de klacht in kaart te brengen.", kinds.SERVICE),
    ("nl", "Samen met je behandelaar kijk je welke behandeling past.", kinds.SERVICE),
    ("nl", "Psychische belemmeringen vallen samen met lichamelijke.", kinds.CLINICAL),
    # too short, or unfinished
    ("nl", "Dag in dag uit", NO_CLAIM),
    ("en", "Sleep helps.", NO_CLAIM),
]


@pytest.mark.parametrize(("language", "sentence", "kind"), SENTENCES)
def test_kind_of_a_sentence(language: str, sentence: str, kind: str) -> None:
    got, why = kinds.kind_of(sentence, language)
    assert got == kind, why
    assert bool(why) == (kind == NO_CLAIM)


def test_a_heading_is_no_claim() -> None:
    assert kinds.kind_of("Kosten", "nl", heading=True) == ("", kinds.HEADING)


def _claims(text: str, language: str = "nl", cited_only: bool = False) -> list[tuple[str, str, str]]:
    draft = extract(text, {}, "doc", language, cited_only=cited_only)
    return [(c.kind, c.text, c.cited_as) for c in draft.claims]


LEAFLET = """Over bewegen

In deze folder leest u meer over bewegen. Bewegingstherapie vermindert angst (Smith, 2020).
Wat is bewegingstherapie? Het lichaam onthoudt spanning.

Kosten
De behandeling wordt vergoed door je zorgverzekeraar. Bel ons op 020-5551234.
"""


def test_a_leaflet_drafts_assertions_with_their_kinds() -> None:
    assert _claims(LEAFLET) == [
        ("clinical", "Bewegingstherapie vermindert angst", "(Smith, 2020)"),
        ("clinical", "Het lichaam onthoudt spanning", ""),
        ("service", "De behandeling wordt vergoed door je zorgverzekeraar", ""),
        ("service", "Bel ons op 020-5551234", ""),
    ]


def test_cited_only_drafts_only_the_cited_claims(kb, tmp_path: Path) -> None:
    assert _claims(LEAFLET, cited_only=True) == [("clinical", "Bewegingstherapie vermindert angst", "(Smith, 2020)")]
    text = tmp_path / "folder.txt"
    text.write_text(LEAFLET, encoding="utf-8")
    result = kb("--kb", tmp_path, "extract", text, "--cited-only", "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert [c["text"] for c in data["claims"]] == ["Bewegingstherapie vermindert angst"]
    assert data["claims"][0]["kind"] == "clinical" and len(data["citations"]) == 1


# The clause rule: (sentence, [(claim text, cited_as)])
CLAUSES = [
    # words after a citation that go on with a list belong to the clause the list stands in
    ("Aanwijzingen zijn er voor yoga (Soler, 2016), relaxatie (Glanz, 1990) en impulsregulatie (Kuin, 2005).",
     [("Aanwijzingen zijn er voor yoga", "(Soler, 2016)"),
      ("Aanwijzingen zijn er voor yoga (Soler, 2016), relaxatie", "(Glanz, 1990)"),
      ("Aanwijzingen zijn er voor yoga (Soler, 2016), relaxatie (Glanz, 1990) en impulsregulatie", "(Kuin, 2005)")]),
    ("These challenges include academic problems (Clay, 2019), drug use (Groen, 2017), and conflicts (Clay, 2019).",
     [("These challenges include academic problems", "(Clay, 2019)"),
      ("These challenges include academic problems (Clay, 2019), drug use", "(Groen, 2017)"),
      ("These challenges include academic problems (Clay, 2019), drug use (Groen, 2017), and conflicts",
       "(Clay, 2019)")]),
    # a clause of its own after the citation: its own claim
    ("Dit bemoeilijkt het herkennen van emoties (New, 2012), waarvoor lichaamsbewustzijn nodig is (Hari, 2014).",
     [("Dit bemoeilijkt het herkennen van emoties", "(New, 2012)"),
      ("waarvoor lichaamsbewustzijn nodig is", "(Hari, 2014)")]),
    ("Exercise lowers stress (Smith, 2020), which improves sleep in adults (Jones, 2019).",
     [("Exercise lowers stress", "(Smith, 2020)"), ("which improves sleep in adults", "(Jones, 2019)")]),
    # a citation inside the clause that goes on after it: the claim is the whole sentence
    ("PMT helpt (Koch, 2014) bij mensen met een depressie.",
     [("PMT helpt (Koch, 2014) bij mensen met een depressie", "(Koch, 2014)")]),
    ("Dance therapy improves (Koch, 2014) body image and mood in adults.",
     [("Dance therapy improves (Koch, 2014) body image and mood in adults", "(Koch, 2014)")]),
    ("Volgens onderzoek (Jansen, 2018) is bewegen goed tegen somberheid.",
     [("Volgens onderzoek (Jansen, 2018) is bewegen goed tegen somberheid", "(Jansen, 2018)")]),
    # an uncited clause after the last citation, opened by a clause word: a candidate of its own
    ("Bewegen helpt bij angst (Smith, 2020), maar het effect op slaap is nog onduidelijk.",
     [("Bewegen helpt bij angst", "(Smith, 2020)"), ("maar het effect op slaap is nog onduidelijk", "")]),
    # a narrative citation stays in the claim's words
    ("Koch et al. (2014) vonden dat dans de stemming verbetert.",
     [("Koch et al. (2014) vonden dat dans de stemming verbetert", "Koch et al. (2014)")]),
]


@pytest.mark.parametrize(("sentence", "expected"), CLAUSES)
def test_a_citation_belongs_to_its_clause(sentence: str, expected: list[tuple[str, str]]) -> None:
    language = "en" if sentence.startswith(("These", "Exercise", "Dance")) else "nl"
    assert [(text, cited) for _, text, cited in _claims(sentence, language)] == expected


def test_the_claim_text_is_verbatim_in_the_leaflet() -> None:
    text = "Aanwijzingen zijn er voor yoga (Soler,\n2016), relaxatie (Glanz, 1990) en meer.\n"
    for claim in extract(text, {}, "doc", "nl").claims:
        assert " ".join(text[claim.start:claim.end].split()) == claim.text


REFERENCE_LISTS = [
    ("nl", """Bewegen en angst

Bewegingstherapie vermindert angst (Smith, 2020).

Literatuur

Smith, J. (2020). Exercise and anxiety. Journal of Anxiety, 12(3), 45-67. https://doi.org/10.1000/xyz
Jansen, M., & de Vries, P. (2018). Bewegen bij angst. Tijdschrift voor Vaktherapie, 14(2), 3-9.
Kraak, A. (2010). Psychomotorische therapie. In H. de Lange (Red.), Handboek (pp. 10-20). Bohn Stafleu van Loghum.
"""),
    ("en", """# Exercise

Exercise reduces anxiety (Smith, 2020).

## References:

- Smith, J. (2020). Exercise and anxiety. *Journal of Anxiety*, 12(3), 45-67.
- World Health Organization. (2019). Mental health action plan. WHO.
- Koch, S., Kunz, T., Lykou, S., & Cruz, R. (2014). Effects of dance movement therapy. The Arts in Psychotherapy, 41, 46-64.
"""),
]


@pytest.mark.parametrize(("language", "text"), REFERENCE_LISTS)
def test_a_pasted_reference_list_yields_no_citations_and_no_claims(language: str, text: str) -> None:
    draft = extract(text, {}, "doc", language)
    assert [g.group.text for g in draft.groups] == ["(Smith, 2020)"]
    assert [c.text for c in draft.claims] == [
        "Bewegingstherapie vermindert angst" if language == "nl" else "Exercise reduces anxiety"]
    assert draft.references is not None and text[draft.references[0]:].lstrip("# ").startswith(("Literatuur",
                                                                                                   "References"))


def test_a_heading_named_like_a_reference_list_without_entries_is_text() -> None:
    text = "Bronnen van steun\n\nBronnen\n\nVrienden en familie zijn een belangrijke steun bij herstel.\n"
    draft = extract(text, {}, "doc", "nl")
    assert draft.references is None
    assert [c.text for c in draft.claims] == ["Vrienden en familie zijn een belangrijke steun bij herstel"]


def test_a_reference_list_before_another_section_ends_there() -> None:
    text = ("Bewegen vermindert angst (Smith, 2020).\n\nReferences\n\n"
            "Smith, J. (2020). Exercise and anxiety. Journal of Anxiety, 12, 45-67.\n\n"
            "Contact\n\nThe clinic is open on weekdays from 9 am to 5 pm.\n")
    draft = extract(text, {}, "doc", "en")
    assert [(c.kind, c.text) for c in draft.claims] == [
        ("clinical", "Bewegen vermindert angst"), ("service", "The clinic is open on weekdays from 9 am to 5 pm")]


def test_resolved_sources_and_the_json_contract_keep_their_fields(kb, tmp_path: Path) -> None:
    bib = tmp_path / "references.bib"
    bib.write_text("@article{smith2020, author = {Smith, John}, title = {Exercise}, journal = {J}, year = {2020}}\n",
                   encoding="utf-8")
    text = tmp_path / "folder.txt"
    text.write_text(LEAFLET, encoding="utf-8")
    result = kb("--kb", tmp_path, "extract", text, "--format", "json")
    assert result.code == 0, result.err
    claim = json.loads(result.out)["claims"][0]
    assert set(claim) == {"id", "section", "kind", "text", "start", "end", "cited_as", "sources"}
    assert claim["sources"] == [{"key": "smith2020", "fit": "unassessed"}]


@pytest.mark.parametrize("sentence", [
    "Analyzing School-Based Interventions for Primary and Secondary Prevention of Depression.",
    "Psychomotor Therapy for Adults With Personality Disorders.",
])
def test_a_title_printed_as_a_line_is_no_claim(sentence: str) -> None:
    from kb.citations.kinds import HEADING, kind_of

    assert kind_of(sentence, "en") == ("", HEADING)


def test_names_and_acronyms_do_not_make_a_sentence_a_title() -> None:
    from kb.citations.kinds import CLINICAL, kind_of

    assert kind_of("PMT heeft een plaats in de multidisciplinaire behandeling binnen Schematherapie en "
                   "Mentaliseren Bevorderende Therapie (MBT).", "nl") == (CLINICAL, "")
