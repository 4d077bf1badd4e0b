"""Citation detection: a table of Dutch and English forms, found and not found, with exact spans."""

from __future__ import annotations

import pytest

from kb.citations.parse import find

# (text, the span of every group found in it, in order)
FORMS: list[tuple[str, list[str]]] = [
    # Dutch, parenthetical
    ("PMT helpt (Kraak, 2010).", ["(Kraak, 2010)"]),
    ("Dat blijkt (Bellino et al, 2006; Sansone, Chu, & Wiederman, 2010).",
     ["(Bellino et al, 2006; Sansone, Chu, & Wiederman, 2010)"]),
    ("Dit blijkt uit onderzoek (Jansen e.a., 2015).", ["(Jansen e.a., 2015)"]),
    ("Gedrag (Van den Broek, Keulen-de Vos, & Bernstein, 2011) telt.",
     ["(Van den Broek, Keulen-de Vos, & Bernstein, 2011)"]),
    ("Zo is het (de Lange, 2010).", ["(de Lange, 2010)"]),
    ("Zo is het (Leirvåg, Pedersen, & Karterud, 2010).", ["(Leirvåg, Pedersen, & Karterud, 2010)"]),
    ("Zo is het (Spaans, Veselka, Luyten, & Bühring, 2009).", ["(Spaans, Veselka, Luyten, & Bühring, 2009)"]),
    ("Twee delen (Fonagy et al., 2017a, 2017b).", ["(Fonagy et al., 2017a, 2017b)"]),
    ("Zonder jaar (Kraak, z.d.).", ["(Kraak, z.d.)"]),
    ("Nog niet uit (Jansen, ter perse).", ["(Jansen, ter perse)"]),
    ("Met pagina (Kraak, 2010, blz. 12).", ["(Kraak, 2010, blz. 12)"]),
    ("Met signaal (zie Kraak, 2010).", ["(zie Kraak, 2010)"]),
    ("Met signaal (bijv. Jansen & De Vries, 2018).", ["(bijv. Jansen & De Vries, 2018)"]),
    ("Met signaal (zoals beschreven door Kraak, 2010).", ["(zoals beschreven door Kraak, 2010)"]),
    ("Met signaal (vgl. Pieters, 2001).", ["(vgl. Pieters, 2001)"]),
    ("Met signaal (gebaseerd op Kraak, 2010).", ["(gebaseerd op Kraak, 2010)"]),
    ("Met signaal (o.a. Jansen, 2012; Pieters, 2013).", ["(o.a. Jansen, 2012; Pieters, 2013)"]),
    ("Met initialen na de naam (Jansen, M., 2008).", ["(Jansen, M., 2008)"]),
    ("Markdown-notitie (<mark style=\"background: #D2B3FFA6;\">Roose & Meuleman, 2018</mark>).",
     ["(<mark style=\"background: #D2B3FFA6;\">Roose & Meuleman, 2018</mark>)"]),
    ("Nadruk (<em>zie</em> Jansen, 2010) en p (p < 0.05; q > 2).", ["(<em>zie</em> Jansen, 2010)"]),
    ("Initialen zonder komma (Jansen M., 2008; Bakker A.B. & Demerouti E., 2007).",
     ["(Jansen M., 2008; Bakker A.B. & Demerouti E., 2007)"]),
    ("Jansen, M. A. (2008) beschrijft dit.", ["Jansen, M. A. (2008)"]),
    ("Met signaal (Smith, 2010; zie ook Jones, 2012).", ["(Smith, 2010; zie ook Jones, 2012)"]),
    ("Uit een pdf (Soler et al, \n\n2016), zo.", ["(Soler et al, \n\n2016)"]),
    ("Uit een pdf (Drewes, Nijkamp, & \nRoemen- van Haaren, 2019).",
     ["(Drewes, Nijkamp, & \nRoemen- van Haaren, 2019)"]),
    ("Instituut (Trimbos-instituut, 2020).", ["(Trimbos-instituut, 2020)"]),
    ("Vereniging (Nederlandse Vereniging voor Psychiatrie [NVvP], 2008).",
     ["(Nederlandse Vereniging voor Psychiatrie [NVvP], 2008)"]),
    ("Tussenvoegsel (in 't Hout, 2010).", ["(in 't Hout, 2010)"]),
    ("Tussenvoegsel (aan het Rot et al., 2012).", ["(aan het Rot et al., 2012)"]),
    ("Dubbel (Keulen-de Vos, 2016).", ["(Keulen-de Vos, 2016)"]),
    ("Twee jaren (Jansen, 2010, 2012).", ["(Jansen, 2010, 2012)"]),
    ("Twee letters (Jansen, 2010a, b).", ["(Jansen, 2010a, b)"]),
    ("Twee jaren met en (Jansen, 2010 en 2012).", ["(Jansen, 2010 en 2012)"]),
    ("Hoofdletter (Zie bijvoorbeeld Jansen, 2010).", ["(Zie bijvoorbeeld Jansen, 2010)"]),
    ("Andere woorden (PMT; Kraak, 2010).", ["Kraak, 2010"]),
    ("Andere woorden (n = 64; Soler et al., 2016).", ["Soler et al., 2016"]),
    ("Naam in de zin (MBT) (Kraak, 2010).", ["(Kraak, 2010)"]),
    ("Met staart (zie Smith, 2010, voor een overzicht).", ["(zie Smith, 2010, voor een overzicht)"]),
    ("Nieuws (NOS, 2020, 12 maart).", ["(NOS, 2020, 12 maart)"]),
    ("Zonder jaartal (Jansen, z.j.).", ["(Jansen, z.j.)"]),
    ("Met bron (Bron: Trimbos-instituut, 2021).", ["(Bron: Trimbos-instituut, 2021)"]),
    ("Instituut (Rijksinstituut voor Volksgezondheid en Milieu [RIVM], 2020).",
     ["(Rijksinstituut voor Volksgezondheid en Milieu [RIVM], 2020)"]),
    ("Afkorting (RIVM, 2020) en (WHO, 2019).", ["(RIVM, 2020)", "(WHO, 2019)"]),
    # Dutch, narrative
    ("Volgens Koch et al. (2014) werkt dans.", ["Koch et al. (2014)"]),
    ("Drewes, Nijkamp en Roemen-van Haaren (2019) beschrijven dit.",
     ["Drewes, Nijkamp en Roemen-van Haaren (2019)"]),
    ("Jansen e.a. (2015) vonden dit.", ["Jansen e.a. (2015)"]),
    ("Zoals van der Kolk (2014) stelt.", ["van der Kolk (2014)"]),
    ("Van der Kolk (2014) stelt dat.", ["Van der Kolk (2014)"]),
    ("Daarnaast tonen De Vries en Jansen (2012) aan dat.", ["De Vries en Jansen (2012)"]),
    ("Het Trimbos-instituut (2020) adviseert.", ["Trimbos-instituut (2020)"]),
    ("Jansen (z.d., blz. 4) schrijft.", ["Jansen (z.d., blz. 4)"]),
    ("Jansen c.s. (2010) zeggen dit.", ["Jansen c.s. (2010)"]),
    ("Onderzoek doen! (Fischer & Julsing, 2014), waarin het staat.", ["(Fischer & Julsing, 2014)"]),
    # Dutch forms met in real texts
    ("Het lichaam staat centraal (Van der Kolk, 2014).", ["(Van der Kolk, 2014)"]),
    ("Volgens De Lange e.a. (2019) werkt het.", ["De Lange e.a. (2019)"]),
    ("Bij stress (zie o.a. Probst, 2017; Emck & Scheewe, 2019).", ["(zie o.a. Probst, 2017; Emck & Scheewe, 2019)"]),
    ("Zorgstandaard (GGZ Standaarden, z.d.).", ["(GGZ Standaarden, z.d.)"]),
    ("Richtlijn (Nederlandse Vereniging voor Psychiatrie\n[NVvP], 2017).",
     ["(Nederlandse Vereniging voor Psychiatrie\n[NVvP], 2017)"]),
    ("Cijfers (RIVM, 2021a, 2021b).", ["(RIVM, 2021a, 2021b)"]),
    ("Kuin (2005, blz. 43) spreekt van bewustwording.", ["Kuin (2005, blz. 43)"]),
    ("Eerder beschreven (in: De Lange, 2010) en later.", ["(in: De Lange, 2010)"]),
    ("Een overzicht bij Van Busschbach en Hoven (2016, pp. 23-31).", ["Van Busschbach en Hoven (2016, pp. 23-31)"]),
    ("Zo ook Hoven ea (2021) en anderen.", ["Hoven ea (2021)"]),
    ("Onderzocht (Scheffers et al., ter perse; Kuin & Koch, in druk).",
     ["(Scheffers et al., ter perse; Kuin & Koch, in druk)"]),
    ("Ander werk (J. de Lange, 2010; Scheffers & Van Bussch-\nbach, 2017) ook.",
     ["(J. de Lange, 2010; Scheffers & Van Bussch-\nbach, 2017)"]),
    ("Tweemaal (Probst, 2012, 2017).", ["(Probst, 2012, 2017)"]),
    ("Zonder komma (Stevens e.a. 2017).", ["(Stevens e.a. 2017)"]),
    ("Lege rest (Matthys & Van de Glind 2013; ).", ["(Matthys & Van de Glind 2013; )"]),
    ("Spatie binnen ( Wells e.a., 1989).", ["( Wells e.a., 1989)"]),
    ("Afbreking (Van\nden Hoofdakker, Albersnagel & Ormel, 1989).",
     ["(Van\nden Hoofdakker, Albersnagel & Ormel, 1989)"]),
    ("Niet gesloten (Wittchen, Knäuper & Kessler (1994). Verder.", ["Wittchen, Knäuper & Kessler (1994)"]),
    ("Zonder spatie partners(Lusse & Kassenberg, 2021).", ["(Lusse & Kassenberg, 2021)"]),
    ("Hoofdletters (Carrièretijger, Z.D.).", ["(Carrièretijger, Z.D.)"]),
    ("Zonder punt (Middlesworth, n.d).", ["(Middlesworth, n.d)"]),
    ("Met en (Few, 2013 en Tufte, 2001) verbonden.", ["(Few, 2013 en Tufte, 2001)"]),
    ("Met komma (Jansen, 2010, 2012, De Vries, 2014).", ["(Jansen, 2010, 2012, De Vries, 2014)"]),
    ("Kleine letters (Trimbos instituut, 2006).", ["(Trimbos instituut, 2006)"]),
    ("Titel (Duurzame aanpak van kinderarmoede, 2022).", ["(Duurzame aanpak van kinderarmoede, 2022)"]),
    ("Titel en site (Maak je sterk tegen armoede op school | Netwerk tegen Armoede, 2019).",
     ["(Maak je sterk tegen armoede op school | Netwerk tegen Armoede, 2019)"]),
    ("Titel met signaal (zie Duurzame aanpak van kinderarmoede, 2022).",
     ["(zie Duurzame aanpak van kinderarmoede, 2022)"]),
    ("Met pagina zonder spatie (Johnson, 2009, p.81).", ["(Johnson, 2009, p.81)"]),
    ("Voorafgaand woord (impulse-responsmodel, Banister 1975).", ["(impulse-responsmodel, Banister 1975)"]),
    ("In een lijst (zie figuur 1.2 in Stegeman & Koningsveld-Kortekaas, 2017, p. 6):",
     ["Stegeman & Koningsveld-Kortekaas, 2017, p. 6"]),
    ("Staart met jaar (Zwart, Stam & Kuipers, 1997, scholierenonderzoek 1996).", ["Zwart, Stam & Kuipers, 1997"]),
    ("Titel zonder jaar (Richtlijn Autisme bij kinderen; Trimbos-instituut, 2011).", ["Trimbos-instituut, 2011"]),
    ("De rapporten van van Hasselt (2010) en Schrijvers et al. (2010).",
     ["van Hasselt (2010)", "Schrijvers et al. (2010)"]),
    # English, parenthetical
    ("Load rises (Kahneman, 1973).", ["(Kahneman, 1973)"]),
    ("Limits (based on Savino, 2009), times.", ["(based on Savino, 2009)"]),
    ("Gaps (Papantoniou, Papadimitriou, and Yannis, 2017).", ["(Papantoniou, Papadimitriou, and Yannis, 2017)"]),
    ("In the past (e.g. Katidioti et al., 2016).", ["(e.g. Katidioti et al., 2016)"]),
    ("Quoted (e.g., Smith, 2010, p. 12).", ["(e.g., Smith, 2010, p. 12)"]),
    ("Pages (Smith & Jones, 2010, pp. 3-4).", ["(Smith & Jones, 2010, pp. 3-4)"]),
    ("Soon (see also Brown, in press).", ["(see also Brown, in press)"]),
    ("Compare (cf. O'Brien, 2001).", ["(cf. O'Brien, 2001)"]),
    ("A council (National Research Council, 2009).", ["(National Research Council, 2009)"]),
    ("Reviews (Salazar de Pablo et al., 2021).", ["(Salazar de Pablo et al., 2021)"]),
    ("Reviews (Werner-Seidler et al., 2021).", ["(Werner-Seidler et al., 2021)"]),
    ("Secondary (Smith, 2000, as cited in Jones, 2010).", ["(Smith, 2000, as cited in Jones, 2010)"]),
    ("Health (World Health Organization [WHO], 2019).", ["(World Health Organization [WHO], 2019)"]),
    ("Names (McGowan et al., 2016; IntHout et al., 2016).", ["(McGowan et al., 2016; IntHout et al., 2016)"]),
    ("Accents (Bellón et al., 2015).", ["(Bellón et al., 2015)"]),
    ("Reprint (Freud, 1900/1953).", ["(Freud, 1900/1953)"]),
    ("Harvard (Smith 2010).", ["(Smith 2010)"]),
    ("Harvard (Smith et al. 2010: 45).", ["(Smith et al. 2010: 45)"]),
    ("An initial (J. Smith, 2010).", ["(J. Smith, 2010)"]),
    ("Reviewed (for a review, see Smith, 2010).", ["(for a review, see Smith, 2010)"]),
    ("Reviewed (see Smith, 2010, for a review).", ["(see Smith, 2010, for a review)"]),
    ("No date (Novacic & Tokhi, n.d.).", ["(Novacic & Tokhi, n.d.)"]),
    ("Other words (a large trial in 2010 by Smith, 2010).", ["Smith, 2010"]),
    # English, narrative
    ("In addition, Vidulich and Chang (2012) outline reasons.", ["Vidulich and Chang (2012)"]),
    ("Described in Novacic & Tokhi (n.d.), which works.", ["Novacic & Tokhi (n.d.)"]),
    ("Smith et al.'s (2010) review found.", ["Smith et al.'s (2010)"]),
    ("According to Smith (2010, p. 5), yes.", ["Smith (2010, p. 5)"]),
    ("As was done by Mindakis and Lohan (2018), we.", ["Mindakis and Lohan (2018)"]),
    ("Both Smith (2010) and Jones (2012) agree.", ["Smith (2010)", "Jones (2012)"]),
    ("Smith (2010a, 2010b) wrote twice.", ["Smith (2010a, 2010b)"]),
    ("Brown (in press) will show.", ["Brown (in press)"]),
    ("A quote ends.\" (Mindakis & Lohan, 2018) but then.", ["(Mindakis & Lohan, 2018)"]),
    # not citations
    ("Meta-analyse van 23 trials (n=1078) wijst.", []),
    ("Wat is psychomotorische therapie (PMT) ?", []),
    ("Mentaliseren Bevorderende Therapie (MBT) werkt.", []),
    ("Jongeren (leeftijd 25 tot 35 jaar) doen mee.", []),
    ("Het jaar (2010) was goed.", []),
    ("(2010) at the start.", []),
    ("For (semi-)automated systems.", []),
    ("Under the right instructions (i.e. to prioritize the main task) the task.", []),
    ("Prevalence is high (25%).", []),
    ("Je merkt het (bv door de klachten die je hebt).", []),
    ("Lees verder (zie hoofdstuk 3).", []),
    ("Gemeten (1990-2000) in Nederland.", []),
    ("Significant (p < .05).", []),
    ("De pandemie (COVID-19, 2020) veranderde veel.", []),
    ("Started (January 2020) in winter.", []),
    ("Zie tabel (Tabel 2).", []),
    ("De wet (2015) regelt dit.", []),
    ("Sinds (2010) is dat zo.", []),
    ("Unbalanced (Smith, 2010 and more", []),
    ("Published (Amsterdam: Boom).", []),
    ("Measures (e.g. the driving performance measures outlined in the previous paragraph).", []),
    ("A device (EyeLink Portable Duo from SR research) records.", []),
    ("Conditions (aided and unaided) differ.", []),
    ("Wat er (werkelijk) in je speelt.", []),
    # Dutch prose without citations
    ("Aanmelden gaat anders (zie bijlage 2).", []),
    ("Niet van toepassing (artikel 7:446 BW) hier.", []),
    ("De wachttijd (tabel 3) staat hieronder.", []),
    ("Voor volwassenen (18+) bedoeld.", []),
    ("Werkvormen (o.a. PMT en dramatherapie) worden gebruikt.", []),
    ("In de gymzaal (2x per week) bijeen.", []),
    ("De afspraken in de ggz (ggz) gelden.", []),
    ("Geregistreerd (Wet BIG) therapeut.", []),
    ("Gestart (januari 2020) in het voorjaar.", []),
    ("Herhaald (2019-2021) elk jaar.", []),
    ("Al langer (bijv. in 2010) bekend.", []),
    ("Uitgebreid (sinds 2015) aanbod.", []),
    ("Geen naam (Tabel 2, 2019) hier.", []),
    ("Geen naam (Nederland, april 2019) hier.", []),
    ("Geen naam (Stand van zaken in 2019) hier.", []),
    ("Geen naam (DSM-5, 2013) hier.", []),
    ("Een categorie (OWASP A03:2021) hier.", []),
    ("Een norm (WCAG 2.1) hier.", []),
    ("Verwijzing (P-01 t/m P-08) hier.", []),
    ("Openingstijden (ma t/m vr, 9.00-17.00 uur) hier.", []),
    ("Een rapport (zie het jaarverslag over 2019, blz. 3) hier.", []),
    ("Een byline. A.G. Aarts, S. Appels, C. Houben (2015) Zorgprogramma.", []),
    ("Een byline. Félice Michels, Edith Kind, Joy Goffin (2015) Zorgprogramma.", []),
    ("Literatuur\n2. Akwa GGZ (2017). Zorgstandaard Persoonlijkheidsstoornissen. GGZ Standaarden.", []),
    ("Angststoornissen. Utrecht.\nTrimbos-instituut (2020). Angststoornissen. Utrecht: Trimbos-instituut.", []),
    ("- BMJ Best Practice (2021). What is GRADE? Retrieved from: https://bestpractice.bmj.com", []),
    ("Voor een samenvatting zie\nDe Wolf (2015). In de jaren zestig.", ["De Wolf (2015)"]),
]


@pytest.mark.parametrize(("text", "expected"), FORMS, ids=[f"{i:02d}" for i in range(len(FORMS))])
def test_citation_forms(text: str, expected: list[str]) -> None:
    groups = find(text)
    assert [g.text for g in groups] == expected
    for group, span in zip(groups, expected, strict=True):
        assert (group.start, group.end) == (text.index(span), text.index(span) + len(span))
        assert text[group.start:group.end] == group.text


def test_there_are_at_least_sixty_forms() -> None:
    assert len(FORMS) >= 60
    assert sum(1 for _, spans in FORMS if not spans) >= 15


# (text, each citation as (text, authors, et_al, year, suffix, locator, prefix))
PARSES: list[tuple[str, list[tuple[str, tuple[str, ...], str, str, str, str, str]]]] = [
    ("(Bellino et al, 2006; Sansone, Chu, & Wiederman, 2010)", [
        ("Bellino et al, 2006", ("Bellino",), "et al", "2006", "", "", ""),
        ("Sansone, Chu, & Wiederman, 2010", ("Sansone", "Chu", "Wiederman"), "", "2010", "", "", "")]),
    ("(Drewes, Nijkamp, & \n\nRoemen- van Haaren, 2019)", [
        ("Drewes, Nijkamp, & Roemen- van Haaren, 2019", ("Drewes", "Nijkamp", "Roemen- van Haaren"), "", "2019",
         "", "", "")]),
    ("(Van den Broek, Keulen-de \n\nVos, & Bernst, 2011; Van der Kolk, 2014)", [
        ("Van den Broek, Keulen-de Vos, & Bernst, 2011", ("Van den Broek", "Keulen-de Vos", "Bernst"), "", "2011",
         "", "", ""),
        ("Van der Kolk, 2014", ("Van der Kolk",), "", "2014", "", "", "")]),
    ("(zie ook Jansen e.a., 2017b, blz. 12-14)", [
        ("Jansen e.a., 2017b, blz. 12-14", ("Jansen",), "e.a.", "2017", "b", "blz. 12-14", "zie ook")]),
    ("(Jansen, M., 2008)", [("Jansen, M., 2008", ("Jansen",), "", "2008", "", "", "")]),
    ("(Jansen, M. A., & De Vries, K.-J., 2010; Smit, 2011)", [
        ("Jansen, M. A., & De Vries, K.-J., 2010", ("Jansen", "De Vries"), "", "2010", "", "", ""),
        ("Smit, 2011", ("Smit",), "", "2011", "", "", "")]),
    ("(e.g. Katidioti et al., 2016)", [
        ("Katidioti et al., 2016", ("Katidioti",), "et al.", "2016", "", "", "e.g.")]),
    ("(Fonagy et al., 2017a, b)", [
        ("Fonagy et al., 2017a", ("Fonagy",), "et al.", "2017", "a", "", ""),
        ("b", ("Fonagy",), "et al.", "2017", "b", "", "")]),
    ("(Smith, 2000, as cited in Jones, 2010, p. 3)", [
        ("Smith, 2000", ("Smith",), "", "2000", "", "", ""),
        ("Jones, 2010, p. 3", ("Jones",), "", "2010", "", "p. 3", "as cited in")]),
    ("Koch et al. (2014, p. 50)", [
        ("Koch et al. (2014, p. 50)", ("Koch",), "et al.", "2014", "", "p. 50", "")]),
    ("Novacic & Tokhi (n.d.)", [("Novacic & Tokhi (n.d.)", ("Novacic", "Tokhi"), "", "n.d.", "", "", "")]),
    ("(Jansen, ter perse)", [("Jansen, ter perse", ("Jansen",), "", "ter perse", "", "", "")]),
    ("(Kraak, z.d.)", [("Kraak, z.d.", ("Kraak",), "", "z.d.", "", "", "")]),
    ("(Few, 2013 en Tufte, 2001)", [
        ("Few, 2013", ("Few",), "", "2013", "", "", ""),
        ("Tufte, 2001", ("Tufte",), "", "2001", "", "", "")]),
    ("(Scheffers & Van Bussch-\nbach, 2017)", [
        ("Scheffers & Van Bussch- bach, 2017", ("Scheffers", "Van Busschbach"), "", "2017", "", "", "")]),
    ("(Keulen-\nde Vos, 2016)", [("Keulen- de Vos, 2016", ("Keulen-de Vos",), "", "2016", "", "", "")]),
    ("(Werner-\nSeidler et al., 2021)", [
        ("Werner- Seidler et al., 2021", ("Werner-Seidler",), "et al.", "2021", "", "", "")]),
    ("(zie Duurzame aanpak van kinderarmoede, 2022)", [
        ("Duurzame aanpak van kinderarmoede, 2022", ("Duurzame aanpak van kinderarmoede",), "", "2022", "", "",
         "zie")]),
    ("Hoven ea (2021)", [("Hoven ea (2021)", ("Hoven",), "ea", "2021", "", "", "")]),
    ("(Jansen, In druk)", [("Jansen, In druk", ("Jansen",), "", "In druk", "", "", "")]),
]


@pytest.mark.parametrize(("text", "expected"), PARSES, ids=[f"{i:02d}" for i in range(len(PARSES))])
def test_citation_parts(text: str, expected: list[tuple[str, tuple[str, ...], str, str, str, str, str]]) -> None:
    (group,) = find(text)
    got = [(c.text, c.authors, c.et_al, c.year, c.suffix, c.locator, c.prefix) for c in group.citations]
    assert got == expected
    for citation in group.citations:
        assert " ".join(text[citation.start:citation.end].split()) == citation.text


# (citation as printed, the first author's initials as parsed)
INITIALS = [
    ("(Jansen, M., 2008)", "M."),
    ("(Jansen, M. A., & De Vries, K., 2010)", "M. A."),
    ("(Langfeldt, H.-P., 2008)", "H.-P."),
    ("(Jansen M., 2008)", "M."),
    ("(Bakker A.B. & Demerouti E., 2007)", "A.B."),
    ("(J. Smith, 2010)", "J."),
    ("M. Jansen (2008)", "M."),
    ("Jansen, M. A. (2008)", "M. A."),
    ("(Jansen, 2008)", ""),
    ("(Jansen & De Vries, K., 2010)", ""),
]


@pytest.mark.parametrize(("text", "initials"), INITIALS, ids=[f"{i:02d}" for i in range(len(INITIALS))])
def test_first_author_initials(text: str, initials: str) -> None:
    (group,) = find(text)
    assert group.citations[0].initials == initials
