"""The audit of the shipped knowledge base: the findings a reviewer of these two leaflets must get."""

from __future__ import annotations

import json
import re

import pytest
from conftest import REPO

from kb.audit import run
from kb.findings import Finding
from kb.knowledgebase import load


@pytest.fixture(scope="module")
def findings() -> list[Finding]:
    return run(load(REPO))


def by_rule(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


def test_overclaims(findings: list[Finding]) -> None:
    assert [f.format() for f in by_rule(findings, "overclaim")] == [
        "claims/alkura-alk.yaml:60: warning: 'Bekend is dat' in claim alk-spierspanning-erger, which has no "
        "support (the leaflet cites no source for this claim) [overclaim]",
        "claims/npi-pmt.yaml:116: warning: 'nodig' in claim npi-lichaamsgericht-nodig, which has no support "
        "(fonagy2017a does not say this (not-addressed); fonagy2017b does not say this (not-addressed)) "
        "[overclaim]",
        "claims/npi-pmt.yaml:159: warning: 'bemoeilijkt' in claim npi-identificeren-emoties, which is of "
        "conclusion level 4 (level 4, no study counts above expert opinion (D): new2012 (cross-sectional, "
        "EBRO C, partial: counted as D)), worded as: Deskundigen zijn van mening dat ... [overclaim]",
        "claims/npi-pmt.yaml:168: warning: 'essentieel' in claim npi-lichaamsbewustzijn-essentieel, which is "
        "of conclusion level 4 (level 4, no study counts above expert opinion (D): nummenmaa2014 "
        "(experimental, EBRO C, indirect: counted as D)), worded as: Deskundigen zijn van mening dat ... "
        "[overclaim]",
        "claims/npi-pmt.yaml:177: warning: 'toont aan' in claim npi-vergelijkend-onderzoek, which is of "
        "conclusion level 3 (level 3, one B or C study: leirvag2010 (non-randomised-comparison, EBRO B, "
        "partial: counted as C)), worded as: Er zijn aanwijzingen dat ... [overclaim]",
        "claims/npi-pmt.yaml:196: warning: 'voorwaarde' in claim npi-bottom-up, which is of conclusion level "
        "4 (level 4, expert opinion (D) only: vanderkolk2014 (book, EBRO D, unassessed); provisional: it "
        "rests on a fit not yet assessed; vandenbroek2011 does not say this (not-addressed): not counted), "
        "worded as: Deskundigen zijn van mening dat ... [overclaim]",
        "claims/npi-pmt.yaml:243: warning: 'ondersteunt' in claim npi-conditie-zelfvertrouwen, which is of "
        "conclusion level 3 (level 3, one B or C study: hutchinson1999 (quasi-experimental, EBRO B, indirect: "
        "counted as C); vandenbroek2011 does not say this (not-addressed): not counted), worded as: Er zijn "
        "aanwijzingen dat ... [overclaim]",
        "claims/npi-pmt.yaml:293: warning: 'bij uitstek' in claim npi-aanrakingsvormen, which has no support "
        "(the leaflet cites no source for this claim) [overclaim]",
    ]
    suggestions = {f.claim: f.suggestion or "" for f in by_rule(findings, "overclaim")}
    assert suggestions["npi-vergelijkend-onderzoek"].startswith(
        "Er zijn aanwijzingen uit vergelijkend onderzoek dat groepstherapie gericht op lichaamsbewustzijn "
        "effectiever is")  # one B study: level 3, "Er zijn aanwijzingen dat"
    assert suggestions["alk-spierspanning-erger"] == (
        "Het is onzeker of verhoogde spierspanning de lichamelijke klacht die je hebt vaak erger maakt of het "
        "herstel ervan in de weg staat")
    assert suggestions["npi-lichaamsbewustzijn-essentieel"] == (
        "waarvoor het lichaamsbewustzijn volgens deskundigen essentieel is")  # level 4: the experts' view
    assert suggestions["npi-bottom-up"].startswith(
        "Een experiëntiële bottom-up behandeling van emotieregulatie is volgens deskundigen een voorwaarde voor")


def test_no_finding_on_a_hedged_claim(findings: list[Finding]) -> None:
    # "Aanwijzingen zijn er voor", "wijst op", "kan helpen"
    hedged = {"npi-yoga-mindfulness", "npi-dansbewegingstherapie", "alk-angst-zakken"}
    assert hedged & {f.claim for f in by_rule(findings, "overclaim")} == set()
    # the hedged claims resting on empirical work get no finding about their evidence at all
    evidence = ("overclaim", "unsupported-claim", "expert-only-claim", "unexplained-fit", "unassessed-support")
    assert [f for f in findings if f.claim in hedged - {"alk-angst-zakken"} and f.rule in evidence] == []


def test_fonagy_2017_is_ambiguous(findings: list[Finding]) -> None:
    assert [f.format() for f in by_rule(findings, "ambiguous-citation")] == [
        "claims/npi-pmt.yaml:116: error: claim npi-lichaamsgericht-nodig: '(Fonagy, Luyten, Allison, & Campbell, "
        "2017)' fits 2 works with the same authors and year: fonagy2017a, fonagy2017b; APA 7 tells them apart by "
        "title (2017a = fonagy2017a, 2017b = fonagy2017b) [ambiguous-citation]",
    ]


def test_the_four_unverified_records(findings: list[Finding]) -> None:
    assert [f.format() for f in by_rule(findings, "unverified-reference")] == [
        "references.bib:33: warning: kraak2010 is not verified (from-memory): that Kraak wrote a chapter in it, the "
        "chapter title, initials and pages were NOT seen in any source [unverified-reference]",
        "references.bib:53: warning: drewes2019 is not verified (partly): from memory / leaflet only: that Drewes, "
        "Nijkamp and Roemen-van Haaren wrote its personality-disorder chapter, their initials, chapter title, "
        "pages, publisher (Boom) [unverified-reference]",
        "references.bib:288: warning: glantz1990 is not verified (from-memory): from memory (names, title, journal, "
        "volume, pages, DOI): no source found in the searched corpora for any field (searches for 'Goisman', "
        "'Glanz, L. M.' and the title returned nothing relevant) [unverified-reference]",
        "references.bib:309: warning: henquet2005 is not verified (unresolved): from memory / unresolved: no "
        "matching record found (searches for 'Henquet' and 'Henquet, W' in public reference lists and web pages) "
        "[unverified-reference]",
    ]


def test_every_alkura_clinical_claim_is_unsupported(findings: list[Finding]) -> None:
    kb = load(REPO)
    alkura = next(d for d in kb.documents if d.id == "alkura-alk")
    clinical = [c for c in alkura.claims if c.kind == "clinical"]
    flagged = by_rule(findings, "unsupported-claim")
    for claim in clinical:
        assert (f"claims/alkura-alk.yaml:{claim.line}: warning: claim {claim.id} has no support: the leaflet cites "
                "no source for this claim [unsupported-claim]") in [f.format() for f in flagged]
    assert {f.claim for f in flagged if f.location.path == "claims/alkura-alk.yaml"} == {c.id for c in clinical}


def test_claims_resting_on_expert_based_works_alone(findings: list[Finding]) -> None:
    kb = load(REPO)
    expert = {f.claim for f in by_rule(findings, "expert-only-claim")}
    assert expert == {"npi-kader", "npi-hechting-trauma", "npi-bottom-up", "npi-relaxatie", "npi-impulsregulatie",
                      "npi-empathisch-vermogen", "npi-onderbouwing"}
    assert all(kb.labels.claims[str(c)].label == "expert-based" for c in expert)


def test_records_are_complete_distinct_and_well_formed(findings: list[Finding]) -> None:
    for rule in ("missing-field", "duplicate-reference", "malformed-doi", "unexplained-fit", "cited-without-source",
                 "unused-reference", "missing-reference", "claim-not-in-text", "duplicate-claim-id"):
        assert by_rule(findings, rule) == [], rule


def test_command_exits_1_and_json_parses(kb) -> None:
    result = kb("--kb", REPO, "audit")
    assert result.code == 1
    assert re.fullmatch(r"[1-9]\d* errors?, \d+ warnings?, \d+ infos?", result.out.splitlines()[-1])
    data = json.loads(kb("--kb", REPO, "audit", "--format", "json").out)
    assert len(data) == len(result.out.splitlines()) - 1
    assert all({"path", "line", "severity", "rule", "message"} <= set(f) for f in data)
    lines = [(f["path"], f["line"]) for f in data]
    assert lines == sorted(lines)
