"""Sentence boundaries in Dutch and English leaflet text: abbreviations, initials, quotes, citations."""

from __future__ import annotations

import pytest

from kb.citations.parse import find
from kb.citations.sentences import guess_language, split

SENTENCES: list[tuple[str, str, list[str]]] = [
    ("nl", "Je voelt bijv. een brok in de keel. Dat is normaal.",
     ["Je voelt bijv. een brok in de keel.", "Dat is normaal."]),
    ("nl", "Dit geldt o.a. voor angst. Ook voor somberheid.",
     ["Dit geldt o.a. voor angst.", "Ook voor somberheid."]),
    ("nl", "Jansen e.a. (2015) vonden dit. Anderen niet.", ["Jansen e.a. (2015) vonden dit.", "Anderen niet."]),
    ("nl", "Het werkt (Jansen e.a., 2015). Anderen twijfelen.",
     ["Het werkt (Jansen e.a., 2015).", "Anderen twijfelen."]),
    ("nl", "Volgens dr. Jansen werkt het. Zo is het.", ["Volgens dr. Jansen werkt het.", "Zo is het."]),
    ("nl", "Het boek van J. A. Spaans gaat hierover. Lees het.",
     ["Het boek van J. A. Spaans gaat hierover.", "Lees het."]),
    ("nl", "Dat is zo. (Kraak, 2010) Het volgende.", ["Dat is zo. (Kraak, 2010)", "Het volgende."]),
    ("nl", "Psychische problemen hebben vaak een lichamelijke uiting, zoals een brok in de keel en \n\n"
           "een huilbui die je met moeite onderdrukt. Ook zonder woorden kun je een overtuiging \n\n"
           "hebben of ervaren. Naast woorden komen lichamelijke beleving, expressie en interactie \n\n"
           "aan bod.",
     ["Psychische problemen hebben vaak een lichamelijke uiting, zoals een brok in de keel en \n\n"
      "een huilbui die je met moeite onderdrukt.", "Ook zonder woorden kun je een overtuiging \n\nhebben of ervaren.",
      "Naast woorden komen lichamelijke beleving, expressie en interactie \n\naan bod."]),
    ("nl", "Kosten\n\nDe zorg wordt vergoed.", ["Kosten", "De zorg wordt vergoed."]),
    ("nl", "Het helpt d.w.z. soms. Niet altijd.", ["Het helpt d.w.z. soms.", "Niet altijd."]),
    ("en", "Koch et al. (2014) found it. Others did not.", ["Koch et al. (2014) found it.", "Others did not."]),
    ("en", "It works (Koch et al., 2014). Others disagree.", ["It works (Koch et al., 2014).", "Others disagree."]),
    ("en", "It is 4.4% of U.S. children (Bitsko et al., 2022). More follows.",
     ["It is 4.4% of U.S. children (Bitsko et al., 2022).", "More follows."]),
    ("en", "They \"assume that it is high.\" (Mindakis & Lohan, 2018) but it is unclear. Next one.",
     ["They \"assume that it is high.\" (Mindakis & Lohan, 2018) but it is unclear.", "Next one."]),
    ("en", "Some systems (e.g. light pollution) matter. Others (i.e. noise) do not.",
     ["Some systems (e.g. light pollution) matter.", "Others (i.e. noise) do not."]),
    ("en", "Files go to an .EDF file for analysis. Then stop.",
     ["Files go to an .EDF file for analysis.", "Then stop."]),
    ("en", "## Methods\n\nWe measured it. It worked.", ["## Methods", "We measured it.", "It worked."]),
    ("en", "Assess whether a) it works and b) it lasts. Done.",
     ["Assess whether a) it works and b) it lasts.", "Done."]),
    ("nl", "Het gaat nl. om de ervaring vs. het inzicht (Bosscher, 1999), i.e. om doen. Verder.",
     ["Het gaat nl. om de ervaring vs. het inzicht (Bosscher, 1999), i.e. om doen.", "Verder."]),
    ("nl", "Dit geldt m.b.t. trauma, d.w.z. bij Van de Kamp e.a. (2019) en Hoven ea (2021). Klaar.",
     ["Dit geldt m.b.t. trauma, d.w.z. bij Van de Kamp e.a. (2019) en Hoven ea (2021).", "Klaar."]),
    ("nl", "Een cursus zoals Doe Mee! (2018) is geen therapie. Klaar.",
     ["Een cursus zoals Doe Mee! (2018) is geen therapie.", "Klaar."]),
    # one paragraph per line with blank lines between, as web pages and Markdown give it
    ("nl", "Marco Visser, Tine Van Damme\n\nSamenvatting\n\nSteeds vaker werkt het (Mous, 2017).\n\n"
           "Een tweede alinea volgt hier.\n",
     ["Marco Visser, Tine Van Damme", "Samenvatting", "Steeds vaker werkt het (Mous, 2017).",
      "Een tweede alinea volgt hier."]),
    ("nl", "Inleiding\n1.1. Probleemstelling\nIn het taalgebied is er variatie (Ghyselen e.a., 2020). Klaar.",
     ["Inleiding", "1.1. Probleemstelling", "In het taalgebied is er variatie (Ghyselen e.a., 2020).", "Klaar."]),
    ("nl", "Eerste alinea.\n\nHet beroepsprofiel PMT heeft in dit\nopzicht een functie (FVB, 2008).",
     ["Eerste alinea.", "Het beroepsprofiel PMT heeft in dit\nopzicht een functie (FVB, 2008)."]),
    ("nl", "Te laag voor conclusies (vergeleken met zorg. Bovendien past het niet. In de studie van Power et al. "
           "(2012) kregen ouders steun.",
     ["Te laag voor conclusies (vergeleken met zorg.", "Bovendien past het niet.",
      "In de studie van Power et al. (2012) kregen ouders steun."]),
]


@pytest.mark.parametrize(("language", "text", "expected"), SENTENCES, ids=[f"{i:02d}" for i in range(len(SENTENCES))])
def test_sentence_boundaries(language: str, text: str, expected: list[str]) -> None:
    masks = [(g.start, g.end) for g in find(text)]
    assert [text[s.start:s.end] for s in split(text, language, masks)] == expected


def test_headings_are_marked() -> None:
    text = "Kosten\n\nDe zorg wordt vergoed."
    assert [s.heading for s in split(text, "nl")] == [True, False]


@pytest.mark.parametrize(("text", "language"), [
    ("De behandeling is voor wie last heeft van het eigen lichaam.", "nl"),
    ("The treatment is for those who struggle with their own body.", "en"),
])
def test_language_is_guessed(text: str, language: str) -> None:
    assert guess_language(text) == language
