"""Resolution: citations with the slips real leaflets hold, matched to records, each slip a named problem."""

from __future__ import annotations

import pytest
from conftest import ROOTS

from kb import bibliography
from kb.citations.parse import find
from kb.citations.resolve import Index, resolve

BIB, _ = bibliography.load(ROOTS / "citation_mismatch" / "references.bib", "references.bib")
INDEX = Index(BIB.works)

# (citation as printed, the keys it resolves to, the kinds of its problems)
CASES: list[tuple[str, tuple[str, ...], list[str]]] = [
    ("(Kraak, 2010)", ("kraak2010",), []),
    ("Kraak (2010)", ("kraak2010",), []),
    ("(Glanz & Goisman, 1990)", ("glantz1990",), ["surname-spelling"]),
    ("(Glanz & Adams, 1990)", (), ["unresolved"]),
    ("(Glanz, 1990)", ("glantz1990",), ["surname-spelling", "missing-coauthor"]),
    ("(Glanz, 1991)", (), ["unresolved"]),
    ("(Van den Broek, Keulen-de Vos, & Bernst, 2011)", ("vandenbroek2011",), ["surname-spelling"]),
    ("(van den Broek et al., 2011)", ("vandenbroek2011",), []),
    ("(Broek et al., 2011)", ("vandenbroek2011",), ["particle"]),
    ("(Fonagy & Luyten, 2017)", ("fonagy2017a", "fonagy2017b"), ["ambiguous"]),
    ("(Fonagy & Luyten, 2017b)", ("fonagy2017b",), []),
    ("(Caldwell et al., 2019a)", ("caldwell2019",), ["year-suffix"]),
    ("Vidulich and Chang (2012)", ("vidulich2012",), ["extra-coauthor", "missing-coauthor"]),
    ("(Smith & Jones, 2014)", ("smith2014",), ["missing-coauthor"]),
    ("(Smith, Jones, Brown, & Green, 2014)", ("smith2014",), ["extra-coauthor"]),
    ("(Smith, 2014)", ("smith2014",), ["missing-coauthor"]),
    ("(Smith et al., 2015)", ("smith2014",), ["year-mismatch"]),
    ("(Kraak et al., 2010)", ("kraak2010",), ["extra-coauthor"]),
    ("(Soler et al, 2016)", ("soler2016",), ["et-al-punctuation"]),
    ("(Soler e.a., 2016)", ("soler2016",), []),
    ("(Drewes, Nijkamp, & Roemen- van Haaren, 2019)", ("drewes2019",), ["hyphen-space"]),
    ("(Drewes, Nijkamp en Roemen-van Haaren, 2019)", ("drewes2019",), []),
    ("(Henquet, 2005)", (), ["unresolved"]),
    ("(Jansen, 2019)", (), ["unresolved"]),
    ("(Jansen, 2018)", ("jansen2018",), []),
    ("(National Research Council, 2009)", ("nrc2009",), []),
    ("(Department of Health and Human Services, 2010)", ("hhs2010",), []),
    ("Novacic & Tokhi (n.d.)", ("novacicnd",), []),
    ("(Novacic & Tokhi, z.d.)", ("novacicnd",), []),
    ("(Novacic & Tokhi, z.j.)", ("novacicnd",), []),
    ("(Rijksinstituut voor Volksgezondheid en Milieu [RIVM], 2020)", ("rivm2020",), []),
    ("(WHO, 2019)", ("who2019",), []),
    ("(World Health Organization [WHO], 2019)", ("who2019",), []),
    ("(NHG, 2018)", ("nhg2018",), []),
    ("(Jansen c.s., 2018)", ("jansen2018",), ["extra-coauthor"]),
    # initials tell two first authors with one surname and year apart
    ("(Verhoeven, 2016)", ("verhoevenm2016", "verhoevenhp2016"), ["ambiguous"]),
    ("(Verhoeven, M., 2016)", ("verhoevenm2016",), []),
    ("M. Verhoeven (2016)", ("verhoevenm2016",), []),
    ("(H.-P. Verhoeven, 2016)", ("verhoevenhp2016",), []),
    ("Verhoeven, H. P. (2016)", ("verhoevenhp2016",), []),
    ("(Verhoeven, K., 2016)", ("verhoevenm2016", "verhoevenhp2016"), ["ambiguous"]),
    # organisations and works without author, as Dutch texts cite them
    ("(OWASP, 2021)", ("owasp2021",), ["organisation-name"]),
    ("(Atlassian Support, z.d.)", ("atlassiannd",), ["organisation-name"]),
    ("(Atlassian Support, 2021)", (), ["unresolved"]),
    ("(Trimbos instituut, 2006)", ("trimbos2006",), []),
    ("(Trimbos Instituut, 2006)", ("trimbos2006",), []),
    ("(NVPMT, 2018)", ("nvpmt2018",), []),
    ("(NVPMT, 2019)", (), ["unresolved"]),
    ("(Ministerie van Volksgezondheid, Welzijn en Sport, 2022)", ("vws2022",), []),
    ("(Duurzame aanpak van kinderarmoede, 2022)", ("kinderarmoede2022",), []),
    ("(Duurzame aanpak, 2022)", ("kinderarmoede2022",), []),
    ("(Kwaliteitsstandaard Angst | GGZ Standaarden, 2017)", ("angst2017",), []),
    ("De Kwaliteitsstandaard Angst (2017, pp. 4-5)", ("angst2017",), []),
    ("(Kwaliteitsstandaard Depressie, 2017)", (), ["unresolved"]),
    # Dutch slips and forms
    ("Hoven ea (2021)", ("hoven2021",), ["et-al-punctuation"]),
    ("(Hoven e.a., 2021)", ("hoven2021",), []),
    ("(Scheffers & Van Bussch-\nbach, 2017)", ("scheffers2017",), []),
    ("(Nauta, Z.D.)", ("nauta2005",), ["year-mismatch"]),
]


@pytest.mark.parametrize(("printed", "keys", "kinds"), CASES, ids=[c[0] for c in CASES])
def test_resolution(printed: str, keys: tuple[str, ...], kinds: list[str]) -> None:
    (group,) = find(printed)
    (citation,) = group.citations
    result = resolve(citation, INDEX)
    assert result.keys == keys
    assert [p.kind for p in result.problems] == kinds


MESSAGES = [
    ("(Glanz & Goisman, 1990)", "Glanz is spelled Glantz in glantz1990"),
    ("(Van den Broek, Keulen-de Vos, & Bernst, 2011)", "Bernst is spelled Bernstein in vandenbroek2011"),
    ("(Fonagy & Luyten, 2017)", "Fonagy & Luyten, 2017 matches 2 records: fonagy2017a, fonagy2017b; "
                                "the year needs its a/b"),
    ("(Soler et al, 2016)", "'et al' without its full stop in Soler et al, 2016: write 'Soler et al.' "
                            "(soler2016 has 3 authors)"),
    ("(Drewes, Nijkamp, & Roemen- van Haaren, 2019)", "'Roemen- van Haaren' has a space at its hyphen: "
                                                      "drewes2019 has Roemen-van Haaren"),
    ("Vidulich and Chang (2012)", "Chang is not an author of vidulich2012 (Vidulich & Tsang)"),
    ("(Smith & Jones, 2014)", "Brown, an author of smith2014, is left out"),
    ("(Smith et al., 2015)", "2015: the year of smith2014 is 2014"),
    ("(Jansen, 2019)", "no record in the bibliography matches Jansen, 2019; by these authors: "
                       "jansen2018 (2018), jansen2020 (2020)"),
    ("(Caldwell et al., 2019a)", "2019a: caldwell2019 is the only work of its authors in 2019, so its year "
                                 "takes no letter"),
    ("(OWASP, 2021)", "OWASP is named OWASP Foundation in owasp2021"),
    ("Hoven ea (2021)", "'ea' misspelled in Hoven ea (2021): write 'Hoven e.a.' (hoven2021 has 3 authors)"),
]


@pytest.mark.parametrize(("printed", "message"), MESSAGES, ids=[m[0] for m in MESSAGES])
def test_problem_messages_name_the_record(printed: str, message: str) -> None:
    (group,) = find(printed)
    result = resolve(group.citations[0], INDEX)
    assert result.problems[0].message == message


def test_an_abbreviation_defined_in_the_text_resolves_later() -> None:
    from kb.citations.extract import extract
    text = "Eerst (Rijksinstituut voor Volksgezondheid en Milieu [RIVM], 2020). Later (RIVM, 2020)."
    result = extract(text, BIB.works, "a")
    assert [(g.group.text, g.keys) for g in result.groups] == [
        ("(Rijksinstituut voor Volksgezondheid en Milieu [RIVM], 2020)", ("rivm2020",)),
        ("(RIVM, 2020)", ("rivm2020",)),
    ]


def test_a_preposition_before_a_narrative_citation_is_left_out_unless_the_record_has_it() -> None:
    from kb.citations.extract import extract
    text = ("Uit een meta-analyse van Cuijpers e.a. (2019) blijkt dit. Zoals beschreven door van Dijk (2010) is "
            "het zo. Het model van Bosscher (2014) is bekend.")
    result = extract(text, BIB.works, "a")
    assert [(g.group.text, g.keys) for g in result.groups] == [
        ("Cuijpers e.a. (2019)", ("cuijpers2019",)),
        ("van Dijk (2010)", ("vandijk2010",)),
        ("Bosscher (2014)", ()),
    ]


def test_citations_joined_by_en_resolve_each() -> None:
    (group,) = find("Vanuit de literatuur (Few, 2013 en Tufte, 2001) leerde ik dit.")
    assert [resolve(c, INDEX).keys for c in group.citations] == [("few2013",), ("tufte2001",)]


def test_a_place_before_a_narrative_citation_is_left_out_where_the_record_says_so() -> None:
    from kb.citations.extract import extract
    text = "Zie voor een overzicht, voor Nederland, Nauta (2005, hoofdstuk 2). Voor Amsterdam, Jansen (2018) ook."
    result = extract(text, BIB.works, "a")
    assert [(g.group.text, g.keys) for g in result.groups] == [
        ("Nauta (2005, hoofdstuk 2)", ("nauta2005",)),
        ("Jansen (2018)", ("jansen2018",)),
    ]

