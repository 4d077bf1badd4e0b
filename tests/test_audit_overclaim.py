"""Overclaim: a table of assertive and hedged sentences, Dutch and English, with the exact rewrite.

The real sentences of the shipped leaflets come first; the rest show word order, inflection,
negation, fixed expressions, modal verbs and the hedges that clear a claim.
"""

from __future__ import annotations

import pytest

from kb.audit.overclaim import assess, compile_pattern, language

LEIRVAG = ("Vergelijkend onderzoek toont aan dat groepstherapie gericht op lichaamsbewustzijn effectiever is dan "
           "psychodynamische groepstherapie in het reduceren van problematisch functioneren")
BEKEND = ("Bekend is dat verhoogde spierspanning de lichamelijke klacht die je hebt vaak erger maakt of het herstel "
          "ervan in de weg staat")
BOTTOM_UP = ("Een experiëntiële bottom-up behandeling van emotieregulatie is voorwaarde voor cognitieve integratie om "
             "richting te kunnen geven aan gedrag")
NODIG = "Bij mentalisatieproblemen zijn lichaamsgerichte interventies nodig in aanvulling op cognitieve interventies"

# (language, claim text, weak evidence?, phrases found, suggested rewrite)
FLAGGED = [
    ('nl', LEIRVAG, False, ['toont aan'],
     'Vergelijkend onderzoek wijst erop dat groepstherapie gericht op lichaamsbewustzijn effectiever is dan psychodynamische groepstherapie in het reduceren van problematisch functioneren'),
    ('nl', BEKEND, True, ['Bekend is dat'],
     'Het is onzeker of verhoogde spierspanning de lichamelijke klacht die je hebt vaak erger maakt of het herstel ervan in de weg staat'),
    ('nl', BEKEND, False, ['Bekend is dat'],
     'Er zijn aanwijzingen dat verhoogde spierspanning de lichamelijke klacht die je hebt vaak erger maakt of het herstel ervan in de weg staat'),
    ('nl', 'waarvoor het lichaamsbewustzijn essentieel is', False, ['essentieel'],
     'waarvoor het lichaamsbewustzijn belangrijk kan zijn'),
    ('nl', BOTTOM_UP, True, ['voorwaarde'],
     'Een experiëntiële bottom-up behandeling van emotieregulatie is mogelijk een voorwaarde voor cognitieve integratie om richting te kunnen geven aan gedrag'),
    ('nl', NODIG, True, ['nodig'],
     'Bij mentalisatieproblemen kunnen lichaamsgerichte interventies nodig zijn in aanvulling op cognitieve interventies'),
    ('nl', 'waarvoor PMT bij uitstek werkvormen biedt, waaronder aanrakingsvormen', True, ['bij uitstek'],
     'waarvoor PMT werkvormen biedt, waaronder aanrakingsvormen'),
    ('nl', 'Onderzoek toont duidelijk aan dat PMT werkt', False, ['toont duidelijk aan'],
     'Onderzoek wijst er duidelijk op dat PMT werkt'),
    ('nl', 'Het is wetenschappelijk bewezen dat PMT werkt', True, ['bewezen'],
     'Het is onzeker of PMT werkt'),
    ('nl', 'PMT is bewezen effectief bij angst', False, ['bewezen'],
     'PMT is mogelijk effectief bij angst'),
    ('nl', 'PMT zorgt ervoor dat je minder angstig bent', True, ['zorgt ervoor'],
     'PMT kan ertoe bijdragen dat je minder angstig bent'),
    ('nl', 'Uit wetenschappelijk onderzoek blijkt dat PMT helpt', False, ['Uit wetenschappelijk onderzoek blijkt'],
     'Wetenschappelijk onderzoek wijst erop dat PMT helpt'),
    ('nl', 'Patiënten met ALK hebben PMT nodig', True, ['nodig'],
     'Patiënten met ALK kunnen baat hebben bij PMT'),
    ('nl', 'Het is essentieel zo snel mogelijk te beginnen', True, ['essentieel'],
     'Het kan belangrijk zijn zo snel mogelijk te beginnen'),
    ('nl', 'Daarbij is een goede relatie met de therapeut essentieel', True, ['essentieel'],
     'Daarbij kan een goede relatie met de therapeut belangrijk zijn'),
    ('nl', 'Bewegen is altijd goed voor je.', True, ['altijd'],
     'Bewegen is vaak goed voor je.'),
    ('nl', 'Ontspanning is voorwaarde voor herstel', False, ['voorwaarde'],
     'Ontspanning is mogelijk een voorwaarde voor herstel'),
    ('nl', 'Het is al lang bekend dat stress spierspanning geeft', False, ['is al lang bekend'],
     'Er zijn aanwijzingen dat stress spierspanning geeft'),
    ('nl', 'Onderzoek bij 50 vrouwen laat zien dat PMT werkt', False, ['Onderzoek bij 50 vrouwen laat zien'],
     'Onderzoek bij 50 vrouwen wijst erop dat PMT werkt'),
    ('nl', 'Lichaamsgerichte therapie is onmisbaar bij trauma', True, ['onmisbaar'],
     'Lichaamsgerichte therapie kan belangrijk zijn bij trauma'),
    ('nl', 'Het staat vast dat bewegen helpt', True, ['staat vast'],
     'Het is onzeker of bewegen helpt'),
    ('en', 'Research shows that exercise reduces anxiety', False, ['Research shows'],
     'Research suggests that exercise reduces anxiety'),
    ('en', 'It is well known that tension makes pain worse', True, ['It is well known'],
     'It is uncertain whether tension makes pain worse'),
    ('en', 'Tension is known to worsen pain', False, ['is known to'],
     'Tension may worsen pain'),
    ('en', 'This study proves that PMT works', False, ['proves'],
     'This study suggests that PMT works'),
    ('en', 'Comparative research demonstrates that body awareness therapy is more effective', False, ['demonstrates'],
     'Comparative research suggests that body awareness therapy is more effective'),
    ('en', 'Body awareness is essential for emotion recognition', True, ['essential'],
     'Body awareness may be important for emotion recognition'),
    ('en', 'Movement always improves mood', True, ['always'],
     'Movement often improves mood'),
    ('en', 'Bottom-up regulation is a prerequisite for cognitive integration', True, ['prerequisite'],
     'Bottom-up regulation may be a prerequisite for cognitive integration'),
    ('en', 'Group therapy ensures that patients feel safe', True, ['ensures'],
     'Group therapy may help ensure that patients feel safe'),
    ('en', 'It is essential to start as soon as possible', True, ['essential'],
     'It may be important to start as soon as possible'),
    ('nl', 'Onderzoek toont aan dat PMT klachten kan verminderen', False, ['toont aan'],
     'Onderzoek wijst erop dat PMT klachten kan verminderen'),
    ('nl', 'Bewegen is essentieel, want het helpt', True, ['essentieel'],
     'Bewegen kan belangrijk zijn, want het helpt'),
    ('en', 'Studies have shown that yoga can reduce stress', False, ['Studies have shown'],
     'Studies suggest that yoga can reduce stress'),
    ('nl', 'Uit onderzoek is gebleken dat PMT helpt', False, ['gebleken'],
     'Onderzoek wijst erop dat PMT helpt'),
    ('nl', 'PMT is effectief gebleken bij angst', False, ['gebleken'],
     'PMT lijkt effectief te zijn bij angst'),
    ('nl', 'Onderzoek heeft uitgewezen dat PMT werkt', True, ['heeft uitgewezen'],
     'Onderzoek wijst erop dat PMT werkt'),
    ('nl', 'Het is een feit dat stress pijn verergert', True, ['Het is een feit'],
     'Het is onzeker of stress pijn verergert'),
    ('nl', 'PMT is een wetenschappelijk onderbouwde behandeling', True, ['wetenschappelijk onderbouwde'],
     'PMT is een beperkt onderzochte behandeling'),
    ('nl', 'Spanning leidt tot pijn', True, ['leidt tot'],
     'Spanning kan leiden tot pijn'),
    ('nl', 'Pijn wordt vaak veroorzaakt door spanning', True, ['veroorzaakt'],
     'Pijn wordt vaak mogelijk veroorzaakt door spanning'),
    ('en', 'PMT has proven effective in trials', False, ['proven'],
     'PMT may be effective in trials'),
    ('en', 'Tension leads to pain', True, ['leads to'],
     'Tension may lead to pain'),
    ('en', 'It is a fact that stress worsens pain', True, ['It is a fact'],
     'It is uncertain whether stress worsens pain'),
    ('nl', 'PMT geneest je voor altijd', True, ['altijd'],
     'PMT geneest je mogelijk blijvend'),
    ('nl', 'Daarna heb je nooit meer last van spanning', True, ['nooit'],
     'Daarna heb je minder vaak last van spanning'),
    ('en', 'After PMT you will never again feel tense', True, ['never'],
     'After PMT you will less often feel tense'),
]

# Never flagged, whatever the evidence: hedged, negated, fixed expressions, or no assertive word at all.
CLEAR = [
    ('nl', 'Aanwijzingen zijn er voor een werkzame bijdrage van yoga en mindfulness'),
    ('nl', 'Meta-analyse van 23 trials (n=1078) wijst op ondersteuning van positieve emoties en lichaamsbeleving door dans-bewegingstherapie'),
    ('nl', 'Dat kan helpen om de verwarring of angst te laten zakken'),
    ('nl', 'PMT-oefenvormen nodigen hiertoe uit'),
    ('nl', 'Soms kan alles dat je in je lichaam voelt, zorgen voor verwarring of angst'),
    ('nl', 'Het is niet bewezen dat PMT werkt'),
    ('nl', 'PMT kan ervoor zorgen dat je minder angstig bent'),
    ('nl', 'Indien nodig kun je extra sessies krijgen'),
    ('nl', 'Bewegen helpt niet altijd'),
    ('nl', 'Dat betekent nog altijd dat een groep onvoldoende opknapt'),
    ('nl', 'Lichaamsbewustzijn is mogelijk essentieel voor herstel'),
    ('nl', 'In het verlengde van jouw psychotherapeutische behandeling word je uitgenodigd voor een kennismakingsgesprek'),
    ('nl', 'In je polisvoorwaarden staat precies beschreven voor welke vergoeding je in aanmerking komt'),
    ('nl', 'Een essentiële tremor is geen reden om te stoppen'),
    ('nl', 'De onderbouwing voor de vier aspecten is met name expert-based'),
    ('nl', 'Er is geen bewijs dat PMT schaadt'),
    ('nl', 'Het lijkt erop dat PMT helpt'),
    ('en', 'Exercise may help'),
    ('en', 'Evidence suggests that exercise reduces anxiety'),
    ('en', 'PMT is not always effective'),
    ('en', 'It has never been shown that PMT harms'),
    ('en', 'Take breaks if necessary'),
    ('en', 'Essential tremor is not a reason to stop'),
    ('en', 'Exercise can ensure better sleep'),
    ('nl', 'Bekend is dat PMT kan helpen'),
    ('nl', 'Het is niet bekend of PMT helpt'),
    ('en', 'There is no proof that PMT works'),
    ('nl', 'Spanning kan leiden tot pijn'),
    ('nl', 'PMT is beperkt wetenschappelijk onderbouwd'),
]


@pytest.mark.parametrize("lang, text, weak, words, suggestion", FLAGGED, ids=[f"{r[0]}:{r[1][:40]}" for r in FLAGGED])
def test_flagged(lang: str, text: str, weak: bool, words: list[str], suggestion: str) -> None:
    found = assess(text, lang, weak=weak)
    assert found is not None
    assert [hit.words for hit in found.hits] == words
    assert found.suggestion == suggestion


@pytest.mark.parametrize("lang, text, weak, words, suggestion", FLAGGED, ids=[f"{r[0]}:{r[1][:40]}" for r in FLAGGED])
def test_the_rewrite_is_itself_not_flagged(lang: str, text: str, weak: bool, words: list[str], suggestion: str) -> None:
    assert assess(suggestion, lang, weak=weak) is None


@pytest.mark.parametrize("lang, text", CLEAR, ids=[f"{r[0]}:{r[1][:40]}" for r in CLEAR])
@pytest.mark.parametrize("weak", [False, True])
def test_not_flagged(lang: str, text: str, weak: bool) -> None:
    assert assess(text, lang, weak=weak) is None


def test_the_table_is_large_and_bilingual() -> None:
    assert len(FLAGGED) + len(CLEAR) >= 30
    for lang in ("nl", "en"):
        assert sum(r[0] == lang for r in FLAGGED) >= 10 and sum(r[0] == lang for r in CLEAR) >= 5


def test_language_codes() -> None:
    assert language("nl-BE") is language("NL") is language("nl")
    assert language("de") is None
    assert assess("Bewegen ist immer gut", "de") is None


@pytest.mark.parametrize("pattern, text, matched", [
    ("toont ... aan (dat|$)", "Dit toont heel duidelijk aan dat het werkt", "toont heel duidelijk aan"),
    ("toont ... aan (dat|$)", "Dit toont het effect aan.", "toont het effect aan"),
    ("toont ... aan (dat|$)", "Dit toont de groep aan de therapeut", None),
    ("is ... essentieel", "Het is zo dat rust essentieel blijft", None),  # "dat" opens a new clause
    ("essenti*", "essentiële", "essentiële"),
    ("nodig", "uitnodigen", None),
    ("evidence-based", "evidence-based kaders", "evidence-based"),
])
def test_pattern_language(pattern: str, text: str, matched: str | None) -> None:
    barriers = "dat|die|of"
    found = compile_pattern(pattern, barriers).regex.search(text)
    assert (found.group() if found else None) == matched


def test_the_phrase_data_is_consistent() -> None:
    from kb.audit.overclaim import languages
    assert set(languages()) == {"nl", "en"}
    for lang in languages().values():
        assert lang.phrases and lang.hedges and lang.qualifiers
        for phrase in lang.phrases:
            assert phrase.kind in ("evidence", "necessity", "causal", "effect", "absolute")
            assert phrase.level in (1, 2, 3)
            assert phrase.rewrites, phrase.match[0].source
            for rewrite in phrase.rewrites:
                gaps = rewrite.pattern.source.split().count("...")
                for words in (rewrite.to or "", rewrite.weak, *(w for _, w in rewrite.levels)):
                    assert words.count("...") <= gaps, rewrite.pattern.source
                # a rule for level-2 or level-3 wording is used only where a level is known
                assert rewrite.to is not None or phrase.level > 1 or rewrite.levels, rewrite.pattern.source
        assert [n for n, _ in lang.wording] == [1, 2, 3, 4]


# (language, claim text, conclusion level, phrases found, suggestion in the level's wording)
LEVEL_FLAGGED = [
    ('nl', LEIRVAG, 3, ['toont aan'],
     'Er zijn aanwijzingen uit vergelijkend onderzoek dat groepstherapie gericht op lichaamsbewustzijn effectiever '
     'is dan psychodynamische groepstherapie in het reduceren van problematisch functioneren'),
    ('nl', LEIRVAG, 4, ['toont aan'],
     'Deskundigen zijn van mening dat groepstherapie gericht op lichaamsbewustzijn effectiever is dan '
     'psychodynamische groepstherapie in het reduceren van problematisch functioneren'),
    ('nl', LEIRVAG, 2, ['toont aan'],
     'Vergelijkend onderzoek wijst erop dat groepstherapie gericht op lichaamsbewustzijn effectiever is dan '
     'psychodynamische groepstherapie in het reduceren van problematisch functioneren'),
    ('nl', BEKEND, 2, ['Bekend is dat'],
     'Het is aannemelijk dat verhoogde spierspanning de lichamelijke klacht die je hebt vaak erger maakt of het '
     'herstel ervan in de weg staat'),
    ('nl', BEKEND, 4, ['Bekend is dat'],
     'Deskundigen zijn van mening dat verhoogde spierspanning de lichamelijke klacht die je hebt vaak erger maakt '
     'of het herstel ervan in de weg staat'),
    ('nl', 'Het is aangetoond dat PMT angst vermindert', 3, ['aangetoond'],
     'Er zijn aanwijzingen dat PMT angst vermindert'),
    ('nl', 'Het is aangetoond dat PMT angst vermindert', 2, ['aangetoond'],
     'Het is aannemelijk dat PMT angst vermindert'),
    ('nl', 'Het is aannemelijk dat PMT angst vermindert', 3, ['aannemelijk'],
     'Er zijn aanwijzingen dat PMT angst vermindert'),
    ('nl', 'Er zijn aanwijzingen dat PMT angst vermindert', 4, ['aanwijzingen'],
     'Deskundigen zijn van mening dat PMT angst vermindert'),
    ('nl', 'Onderzoek wijst erop dat PMT helpt', 3, ['wijst erop'],
     'Onderzoek geeft aanwijzingen dat PMT helpt'),
    # a simple clause is framed in its level's wording, the verb last
    ('nl', 'PMT vermindert angst', 3, ['vermindert'], 'Er zijn aanwijzingen dat PMT angst vermindert'),
    ('nl', 'PMT vermindert angst', 4, ['vermindert'], 'PMT vermindert volgens deskundigen angst'),
    ('nl', 'PMT zorgt voor minder spanning', 3, ['zorgt voor'], 'PMT kan bijdragen aan minder spanning'),
    ('nl', BOTTOM_UP, 4, ['voorwaarde'],
     'Een experiëntiële bottom-up behandeling van emotieregulatie is volgens deskundigen een voorwaarde voor '
     'cognitieve integratie om richting te kunnen geven aan gedrag'),
    ('nl', 'waarvoor het lichaamsbewustzijn essentieel is', 4, ['essentieel'],
     'waarvoor het lichaamsbewustzijn volgens deskundigen essentieel is'),
    ('nl', 'Uit onderzoek blijkt dat PMT helpt', 3, ['Uit onderzoek blijkt'],
     'Er zijn aanwijzingen uit onderzoek dat PMT helpt'),
    ('en', 'Comparative research demonstrates that body awareness therapy is more effective', 3, ['demonstrates'],
     'There are indications from comparative research that body awareness therapy is more effective'),
    ('en', 'Comparative research demonstrates that body awareness therapy is more effective', 4, ['demonstrates'],
     'Experts are of the opinion that body awareness therapy is more effective'),
    ('en', 'Research shows that exercise reduces anxiety', 2, ['Research shows'],
     'It is plausible that exercise reduces anxiety'),
    ('en', 'It is well known that tension makes pain worse', 3, ['It is well known'],
     'There are indications that tension makes pain worse'),
    ('en', 'It is plausible that tension makes pain worse', 3, ['It is plausible'],
     'There are indications that tension makes pain worse'),
    ('en', 'Research suggests that exercise reduces anxiety', 4, ['suggests'],
     'Experts are of the opinion that exercise reduces anxiety'),
]

# Worded at or below the level: never flagged.
LEVEL_CLEAR = [
    ('nl', LEIRVAG, 1),
    ('nl', 'Het is aangetoond dat PMT angst vermindert', 1),
    ('nl', 'Het is aannemelijk dat PMT angst vermindert', 2),
    ('nl', 'Er zijn aanwijzingen dat PMT angst vermindert', 3),
    ('nl', 'Er zijn aanwijzingen dat PMT angst vermindert', 2),
    ('nl', 'Deskundigen zijn van mening dat PMT angst vermindert', 4),
    ('nl', 'Aanwijzingen zijn er voor een werkzame bijdrage van yoga en mindfulness', 3),
    ('nl', 'Meta-analyse van 23 trials (n=1078) wijst op ondersteuning van positieve emoties', 2),
    ('nl', 'Onderzoek wijst erop dat PMT helpt', 2),
    ('nl', 'Dat kan helpen om de verwarring of angst te laten zakken', 4),
    ('nl', 'PMT vermindert mogelijk angst', 4),
    ('nl', 'De toegevoegde waarde van PMT kent volgens ervaren experts vier aspecten', 4),
    ('nl', 'PMT biedt hiervoor expertise', 4),
    ('en', 'There are indications that exercise reduces anxiety', 3),
    ('en', 'It is plausible that exercise reduces anxiety', 2),
    ('en', 'Experts are of the opinion that exercise reduces anxiety', 4),
    ('en', 'Exercise may reduce anxiety', 4),
    ('en', 'Research shows that exercise reduces anxiety', 1),
]


@pytest.mark.parametrize("lang, text, level, words, suggestion", LEVEL_FLAGGED,
                         ids=[f"{r[0]}:{r[2]}:{r[1][:40]}" for r in LEVEL_FLAGGED])
def test_wording_above_the_level(lang: str, text: str, level: int, words: list[str], suggestion: str) -> None:
    found = assess(text, lang, weak=level >= 4, level=level)
    assert found is not None
    assert [hit.words for hit in found.hits] == words
    assert found.suggestion == suggestion
    assert assess(suggestion, lang, weak=level >= 4, level=level) is None  # the rewrite is within the level


@pytest.mark.parametrize("lang, text, level", LEVEL_CLEAR, ids=[f"{r[0]}:{r[2]}:{r[1][:40]}" for r in LEVEL_CLEAR])
def test_wording_within_the_level(lang: str, text: str, level: int) -> None:
    assert assess(text, lang, level=level) is None


@pytest.mark.parametrize("level", [1, 2, 3, 4])
def test_the_level_wording_is_itself_within_its_level(level: int) -> None:
    from kb.audit.overclaim import wording
    for lang in ("nl", "en"):
        formula = wording(lang, level)
        assert formula
        assert assess(f"{formula} PMT angst vermindert" if lang == "nl" else f"{formula} PMT reduces anxiety",
                      lang, level=level) is None
        if level > 1:  # and the level above it is stronger than this one allows
            stronger = wording(lang, level - 1)
            assert assess(f"{stronger} PMT angst vermindert" if lang == "nl" else f"{stronger} PMT reduces anxiety",
                          lang, level=level) is not None
