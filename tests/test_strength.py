"""EBRO conclusion levels and the GRADE-like certainty (kb/strength.py): a table of claims with one
to three works of each design and fit, same-trial and independent works, provisional and retracted."""

from __future__ import annotations

import pytest

from kb.bibliography import Name, Work
from kb.claims import Claim, Source
from kb.strength import Strength, same_study, sample_size, strength_of
from kb.verify.evidence import Evidence
from kb.verify.model import RecordResult, Retraction

# key -> (first author, year, design, n, verificationstatus, trial)
RECORDS = {
    "sr": ("Koch", "2014", "meta-analysis", "23 trials; N = 1078", "verified", ""),
    "review": ("Smith", "2020", "systematic-review", "12 trials; N = 900", "verified", ""),
    "rct1": ("Jones", "2018", "rct", "120", "verified", ""),
    "rct2": ("Brown", "2019", "rct", "140", "verified", ""),
    "rct1b": ("Jones", "2019", "rct", "120", "verified", ""),  # the same first author: not independent
    "rct3": ("Green", "2020", "rct", "80", "verified", "NCT01"),
    "rct4": ("White", "2021", "rct", "80", "verified", "nct01"),  # the same trial as rct3
    "small-rct": ("Black", "2018", "rct", "30", "verified", ""),
    "pilot": ("Soler", "2016", "pilot-rct", "64 (32 mindfulness, 32 control)", "verified", ""),
    "cohort1": ("Adams", "2010", "cohort", "300", "verified", ""),
    "cohort2": ("Baker", "2012", "cohort", "250", "verified", ""),
    "partA": ("Fonagy", "2017", "cohort", "200", "verified", ""),
    "partB": ("Fonagy", "2017", "case-control", "200", "verified", ""),
    "nonrandom": ("Leirvag", "2010", "non-randomised-comparison", "50 (29 body awareness, 21 psychodynamic)",
                  "verified-core", ""),
    "quasi": ("Hutchinson", "1999", "quasi-experimental", "37", "verified-core", ""),
    "cross": ("New", "2012", "cross-sectional", "194", "verified", ""),
    "cross-unknown-n": ("Sansone", "2010", "cross-sectional", "not verified", "verified-core", ""),
    "series": ("Case", "2001", "case-series", "6", "verified", ""),
    "prepost": ("Post", "2003", "pre-post", "150", "verified", ""),
    "experiment": ("Nummenmaa", "2014", "experimental", "701", "verified", ""),
    "handbook": ("Drewes", "2019", "handbook-chapter", "not applicable", "partly", ""),
    "theory": ("Probst", "2010", "theory", "not applicable", "verified", ""),
    "book": ("Kolk", "2014", "book", "not applicable", "verified", ""),
    "memory": ("Kraak", "2010", "handbook-chapter", "not applicable", "from-memory", ""),
    "unknown": ("Henquet", "2005", "unknown", "unknown", "unresolved", ""),
    "opinion": ("Expert", "2000", "expert-opinion", "not applicable", "verified", ""),
}


def _work(key: str) -> Work:
    author, year, design, n, status, trial = RECORDS[key]
    fields = {"design": design, "n": n, "verificationstatus": status, "year": year, "title": key}
    if trial:
        fields["trial"] = trial
    return Work(key=key, entry_type="article", line=1, authors=(Name("A.", "", author),), editors=(),
                year=year, title=key, fields=fields)


WORKS = {key: _work(key) for key in RECORDS}


def _claim(*links: str, kind: str = "clinical") -> Claim:
    """A claim citing `key` or `key:fit` (supports when no fit is given)."""
    sources = []
    for i, link in enumerate(links):
        key, _, fit = link.partition(":")
        note = ""
        if fit.endswith("+note"):
            fit, note = fit[:-5], "Healthy volunteers, not personality disorders."
        sources.append(Source(key, fit or "supports", note, 10 + i))
    return Claim("c", "doc", "s", kind, "text", "", tuple(sources), 1)


# links -> (level, provisional, certainty, words the level's reason holds)
LEVELS = [
    # one work of each design, fit supports
    (("sr",), 1, False, "high", ["level 1, an A1 study", "sr (meta-analysis, EBRO A1, supports)"]),
    (("review",), 1, False, "high", ["review (systematic-review, EBRO A1"]),
    (("rct1",), 2, False, "high", ["level 2, one A2 study", "rct1 (rct, EBRO A2, supports)"]),
    (("pilot",), 3, False, "low", ["level 3, one B or C study", "pilot (pilot-rct, EBRO B"]),
    (("cohort1",), 3, False, "low", ["cohort1 (cohort, EBRO B"]),
    (("nonrandom",), 3, False, "very-low", ["nonrandom (non-randomised-comparison, EBRO B"]),
    (("quasi",), 3, False, "very-low", ["quasi (quasi-experimental, EBRO B"]),
    (("cross",), 3, False, "low", ["cross (cross-sectional, EBRO C"]),
    (("series",), 3, False, "very-low", ["series (case-series, EBRO C"]),
    (("prepost",), 3, False, "low", ["prepost (pre-post, EBRO C"]),
    (("experiment",), 3, False, "low", ["experiment (experimental, EBRO C"]),
    (("theory",), 4, False, "very-low", ["level 4, expert opinion (D) only", "theory (theory, EBRO D"]),
    (("book",), 4, False, "very-low", ["book (book, EBRO D"]),
    (("opinion",), 4, False, "very-low", ["opinion (expert-opinion, EBRO D"]),
    (("handbook",), 4, False, "very-low", ["handbook (handbook-chapter, EBRO D"]),
    (("unknown",), 4, False, "very-low", ["unknown (unknown: counted as expert opinion, D, supports)"]),
    # each fit
    (("rct1:partial",), 3, False, "moderate", ["rct1 (rct, EBRO A2, partial: counted as B)"]),
    (("rct1:indirect",), 3, False, "moderate", ["counted as B"]),
    (("sr:indirect",), 2, False, "moderate", ["level 2, one A2 study", "sr (meta-analysis, EBRO A1, indirect: counted as A2)"]),
    (("cross:partial",), 4, False, "very-low", ["no study counts above expert opinion (D)", "counted as D"]),
    (("theory:partial",), 4, False, "very-low", ["theory (theory, EBRO D, partial)"]),
    (("rct1:not-addressed",), None, False, None, ["no conclusion level: rct1 does not say this (not-addressed)"]),
    (("rct1:unassessed",), 2, True, "high", ["rct1 (rct, EBRO A2, unassessed)", "provisional"]),
    (("missing",), None, False, None, ["missing is not in references.bib"]),
    ((), None, False, None, ["the leaflet cites no source"]),
    # two and three works: independent or one study
    (("rct1", "rct2"), 1, False, "high", ["level 1, two independent A2 studies", "rct1", "rct2"]),
    (("rct1", "rct1b"), 2, False, "high", ["level 2, one A2 study", "rct1 and rct1b count as one study (same first author (Jones))"]),
    (("rct3", "rct4"), 2, False, "high", ["rct3 and rct4 count as one study (same trial (NCT01))"]),
    (("rct1", "rct3", "rct4"), 1, False, "high", ["two independent A2 studies"]),
    (("cohort1", "cohort2"), 2, False, "low", ["level 2, two independent B studies"]),
    (("partA", "partB"), 3, False, "low", ["partA and partB count as one study (same first author (Fonagy))"]),
    (("cohort1", "rct1:partial"), 2, False, "moderate", ["two independent B studies", "rct1 (rct, EBRO A2, partial: counted as B)"]),
    (("rct1", "cohort1", "theory"), 2, False, "high", ["one A2 study: rct1"]),
    (("rct1:unassessed", "cohort1"), 2, True, "high", ["provisional"]),
    (("rct1", "cohort1:unassessed"), 2, False, "high", ["one A2 study"]),
    (("rct1", "rct2:unassessed"), 1, True, "high", ["provisional"]),
    (("theory", "book", "rct1:not-addressed"), 4, False, "very-low", ["rct1 does not say this (not-addressed): not counted"]),
    (("rct1:partial", "rct1"), 2, False, "high", ["rct1 (rct, EBRO A2, supports)"]),  # the same work twice: its best link
]


@pytest.mark.parametrize(("links", "level", "provisional", "certainty", "words"), LEVELS,
                         ids=[" ".join(row[0]) or "no-source" for row in LEVELS])
def test_conclusion_level(links: tuple[str, ...], level: int | None, provisional: bool, certainty: str | None,
                          words: list[str]) -> None:
    strength = strength_of(_claim(*links), WORKS)
    assert (strength.level, strength.provisional, strength.certainty) == (level, provisional, certainty), \
        (strength.level_reason, strength.certainty_reasons)
    for word in words:
        assert word in strength.level_reason
    if level is None:
        assert strength.deciding == () and strength.certainty_reasons == ()


def test_a_service_claim_has_no_level() -> None:
    assert strength_of(_claim("rct1", kind="service"), WORKS) == \
        Strength(None, "service information: no conclusion level", False, None, (), ())


def test_the_deciding_works_are_named() -> None:
    assert strength_of(_claim("theory", "rct1", "cohort1"), WORKS).deciding == ("rct1",)
    assert strength_of(_claim("cross", "cohort1", "theory"), WORKS).deciding == ("cohort1", "cross")
    assert strength_of(_claim("rct3", "rct4", "rct1"), WORKS).deciding == ("rct1", "rct3", "rct4")


def _retracted(*keys: str, status: str = "verified") -> Evidence:
    notice = (Retraction("crossref", "10.1/notice", "retraction", "2020-01-01"),)
    return Evidence({key: RecordResult(key, status, "verified", retractions=notice) for key in keys})


def test_a_retracted_work_never_counts() -> None:
    strength = strength_of(_claim("rct1", "rct2"), WORKS, _retracted("rct2"))
    assert strength.level == 2
    assert "rct2 is retracted (kb verify): not counted" in strength.level_reason
    alone = strength_of(_claim("sr"), WORKS, _retracted("sr"))
    assert (alone.level, alone.certainty) == (None, None)
    assert alone.level_reason == "no conclusion level: sr is retracted (kb verify): not counted"


# links -> the certainty and every reason, in order
CERTAINTY = [
    (("sr",), "high", []),
    (("small-rct",), "moderate", ["imprecision: 30 participants in all (small-rct: 30), fewer than 100"]),
    (("pilot",), "low", ["risk of bias: pilot: a pilot trial",
                              "imprecision: 64 participants in all (pilot: 64), fewer than 100"]),
    (("cohort1",), "low", ["starts low: observational evidence (cohort1: cohort)"]),
    (("nonrandom",), "very-low", ["starts low: observational evidence (nonrandom: non-randomised-comparison)",
                                  "risk of bias: nonrandom: allocation not randomised",
                                  "imprecision: 50 participants in all (nonrandom: 50), fewer than 100"]),
    (("series",), "very-low", ["starts low: observational evidence (series: case-series)",
                               "risk of bias: series: a case series of 6",
                               "imprecision: 6 participants in all (series: 6), fewer than 100"]),
    (("cross-unknown-n",), "low", ["starts low: observational evidence (cross-unknown-n: cross-sectional)"]),
    (("rct1:indirect",), "moderate", ["indirectness: rct1: fit indirect"]),
    (("rct1:supports+note",), "moderate", ["indirectness: rct1: its note says the population or intervention differs"]),
    (("rct1", "rct2:not-addressed"), "moderate", ["inconsistency: rct1 for it, but rct2 does not say this"]),
    (("memory",), "very-low", ["starts very low: expert opinion, theory or handbook only (memory: handbook-chapter)",
                               "not verified: memory: verificationstatus from-memory"]),
]


@pytest.mark.parametrize(("links", "certainty", "reasons"), CERTAINTY, ids=[" ".join(r[0]) for r in CERTAINTY])
def test_certainty_steps(links: tuple[str, ...], certainty: str, reasons: list[str]) -> None:
    strength = strength_of(_claim(*links), WORKS)
    assert strength.certainty == certainty
    assert list(strength.certainty_reasons) == reasons


def test_imprecision_adds_the_deciding_works() -> None:
    # Two RCTs of 80 (one trial) are 160 participants: precise enough; RCTs of 30 and 30 + 30 are not.
    assert not any(r.startswith("imprecision") for r in strength_of(_claim("rct3", "rct4"), WORKS).certainty_reasons)
    assert "imprecision: 60 participants in all (small-rct: 30, pilot: 64)" not in \
        strength_of(_claim("small-rct", "pilot"), WORKS).certainty_reasons  # the pilot (B) does not decide
    assert strength_of(_claim("small-rct", "pilot"), WORKS).certainty_reasons == \
        ("imprecision: 30 participants in all (small-rct: 30), fewer than 100",)
    # A deciding work without a number leaves imprecision unjudged: no number is invented.
    assert strength_of(_claim("cross", "cross-unknown-n"), WORKS).certainty_reasons == \
        ("starts low: observational evidence (cross: cross-sectional; cross-unknown-n: cross-sectional)",)


def test_a_record_kb_verify_did_not_find_is_not_verified() -> None:
    evidence = Evidence({"rct1": RecordResult("rct1", "not-found", "verified")})
    strength = strength_of(_claim("rct1"), WORKS, evidence)
    assert strength.certainty == "moderate"
    assert strength.certainty_reasons == ("not verified: rct1: kb verify found no such work",)


def test_certainty_floors_at_very_low() -> None:
    strength = strength_of(_claim("quasi:indirect", "rct1:not-addressed"), WORKS)
    assert strength.certainty == "very-low"
    assert [r.split(":")[0] for r in strength.certainty_reasons] == \
        ["starts low", "risk of bias", "indirectness", "imprecision", "inconsistency"]


@pytest.mark.parametrize(("value", "n"), [
    ("194", 194), ("50 (29 body awareness, 21 psychodynamic)", 50), ("64 (32 mindfulness, 32 control)", 64),
    ("23 trials; N = 1078 (N from memory, matches the leaflet)", 1078), ("1,078", 1078), ("23 trials", None),
    ("not applicable", None), ("unknown", None), ("not verified", None), ("", None), ("n = 37", 37),
])
def test_sample_size_reads_the_leading_number_and_invents_none(value: str, n: int | None) -> None:
    assert sample_size(value) == n


def test_independence() -> None:
    assert same_study(WORKS["partA"], WORKS["partB"]) == "same first author (Fonagy)"
    assert same_study(WORKS["rct3"], WORKS["rct4"]) == "same trial (NCT01)"
    assert same_study(WORKS["rct1"], WORKS["rct2"]) == ""
