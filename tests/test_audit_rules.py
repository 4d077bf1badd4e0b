"""Each audit rule on the tiny KB that triggers it: every finding line exactly, and the exit code."""

from __future__ import annotations

import json
import re

import pytest
from conftest import REPO, ROOTS

from kb.audit import RULES
from kb.findings import INPUT_RULES

CASES = [
    ("unsupported_claim", [
        "claims/a.yaml:2: warning: claim somber has no support: the leaflet cites no source for this claim "
        "[unsupported-claim]",
    ], 0),
    ("expert_only_claim", [
        "claims/a.yaml:2: warning: claim spanning rests on expert-based works alone: jansen2018, book, EBRO D "
        "(supports) [expert-only-claim]",
    ], 0),
    ("duplicate_claim_id", [
        "claims/a.yaml:5: error: claim id contact is already used at claims/a.yaml:2 [duplicate-claim-id]",
    ], 1),
    ("overclaim", [
        "claims/a.yaml:4: warning: 'Bekend is dat' in claim bekend, which has no support (the leaflet cites no "
        "source for this claim) [overclaim]",
        "claims/a.yaml:6: warning: 'toont aan' in claim pilot, which is of conclusion level 3 (level 3, one B or C "
        "study: berg2019 (pilot-rct, EBRO B, supports)), worded as: Er zijn aanwijzingen dat ... [overclaim]",
        "claims/a.yaml:13: warning: 'toont aan' in claim trial, which is of conclusion level 2 (level 2, one A2 "
        "study: smith2020 (rct, EBRO A2, supports)), worded as: Het is aannemelijk dat ... [overclaim]",
        "claims/a.yaml:22: warning: 'essentieel' in claim essentieel, which is of conclusion level 4 (level 4, "
        "expert opinion (D) only: jansen2018 (book, EBRO D, supports)), worded as: Deskundigen zijn van mening dat "
        "... [overclaim]",
        "claims/b.yaml:4: warning: 'It is known', 'always' in claim known, which has no support (the leaflet "
        "cites no source for this claim) [overclaim]",
        "claims/b.yaml:6: warning: 'proves' in claim proves, which is of conclusion level 3 (level 3, one B or C "
        "study: berg2019 (pilot-rct, EBRO B, partial: counted as C)), worded as: There are indications that ... "
        "[overclaim]",
    ], 0),
    ("ambiguous_citation", [
        "claims/a.yaml:2: error: claim somberheid: '(Berg & Vos, 2017)' fits 2 works with the same authors and "
        "year: berg2017a, berg2017b; APA 7 tells them apart by title (2017a = berg2017a, 2017b = berg2017b) "
        "[ambiguous-citation]",
        "claims/a.yaml:19: error: claim blijvend: 'Berg en Vos (2017)' fits 2 works with the same authors and "
        "year: berg2017a, berg2017b; APA 7 tells them apart by title (2017a = berg2017a, 2017b = berg2017b) "
        "[ambiguous-citation]",
    ], 1),
    ("cited_without_source", [
        "claims/a.txt:1: error: the citation (Doe, 2001) cannot be printed with an entry in the list: no record in "
        "the bibliography matches Doe, 2001; link its work from the sources of claim somber [citation-not-placed]",
        "claims/a.yaml:2: warning: claim somber is cited as '(Doe, 2001)' but links no work [cited-without-source]",
        "claims/a.yaml:2: warning: claim somber has no support: the leaflet cites no source for this claim "
        "[unsupported-claim]",
    ], 1),
    ("citation_not_placed", [
        "claims/a.txt:5: error: the citation Berg en Vos (2017) cannot be printed with an entry in the list: Berg en "
        "Vos (2017) matches 2 records: berg2017a, berg2017b; the year needs its a/b; link it from the sources of a "
        "claim in claims/a.yaml [citation-not-placed]",
        "claims/a.txt:5: warning: the citation Berg en Vos (2017) is covered by no claim of claims/a.yaml "
        "[uncovered-citation]",
        "claims/a.yaml:5: warning: claim weg: 2016: the year of berg2017a is 2017 [citation-mismatch]",
        "claims/a.yaml:5: error: claim weg: its printed citation '(Berg & Vos, 2016)' is not found in the "
        "leaflet, so its citation cannot be placed [citation-not-placed]",
        "claims/a.yaml:5: info: claim weg is empirical only by taking its citation at face value: whether "
        "berg2017a says this is unassessed [unassessed-support]",
    ], 1),
    ("no_citations", [
        "claims/a.yaml:0: info: the leaflet cites no works (no claim has sources, no printed citation), so its "
        "reference list is empty [no-citations]",
        "claims/a.yaml:2: warning: claim somber has no support: the leaflet cites no source for this claim "
        "[unsupported-claim]",
    ], 0),
    ("unexplained_fit", [
        "claims/a.yaml:6: warning: claim angst: the link to smith2020 is partial, but no note says why "
        "[unexplained-fit]",
    ], 0),
    ("unassessed_support", [
        "claims/a.yaml:2: info: claim angst is empirical only by taking its citation at face value: whether "
        "smith2020 says this is unassessed [unassessed-support]",
    ], 0),
    ("unchecked_language", [
        "claims/a.yaml:0: info: no phrase lists for language 'de' (known: en, nl): its claims were not checked "
        "for overclaim [unchecked-language]",
    ], 0),
    ("unverified_reference", [
        "references.bib:1: warning: kraak2010 is not verified (from-memory): that Kraak wrote it, its title and "
        "pages were NOT seen in any source [unverified-reference]",
        "references.bib:11: warning: drewes2019 is not verified (partly): from memory: publisher (Boom) "
        "[unverified-reference]",
        "references.bib:21: error: henquet2005 (book) lacks verificationstatus [missing-field]",
        "references.bib:21: warning: henquet2005 has no verificationstatus: nothing says whether the record was "
        "checked [unverified-reference]",
        "references.bib:30: warning: glantz1990 is not verified (unresolved), and no verification field says "
        "what was checked [unverified-reference]",
    ], 1),
    ("fields_from_memory", [
        "references.bib:1: info: jansen2018 is verified-core, but not every field was seen in a source: "
        "from memory: publisher [fields-from-memory]",
    ], 0),
    ("missing_field", [
        "references.bib:1: error: smith2020 (article) lacks journal or journaltitle, year, n [missing-field]",
        "references.bib:10: error: jones2015: design 'cohort-study' is not in the design vocabulary; did you "
        "mean 'cohort'? [missing-field]",
        "references.bib:10: error: jones2015: verificationstatus 'checked' is not one of verified, "
        "verified-core, partly, from-memory, listed, unresolved [missing-field]",
    ], 1),
    ("duplicate_reference", [
        "references.bib:14: warning: smith2020copy duplicates smith2020 (references.bib:1): same DOI "
        "10.1000/test.2020.1 [duplicate-reference]",
        "references.bib:27: warning: smith2020b duplicates smith2020 (references.bib:1): same title and year "
        "(2020) [duplicate-reference]",
    ], 0),
    ("malformed_doi", [
        "references.bib:1: warning: smith2020: doi 'https://doi.org/10.1000/test.2020.1' is not a DOI; write the "
        "bare DOI 10.1000/test.2020.1 [malformed-doi]",
        "references.bib:1: warning: smith2020: doiunverified 'unknown' is not a DOI; a DOI looks like "
        "10.1000/xyz [malformed-doi]",
    ], 0),
]


@pytest.mark.parametrize("name, expected, code", CASES, ids=[c[0] for c in CASES])
def test_rule_gives_exactly_its_findings(name: str, expected: list[str], code: int, root, kb) -> None:
    result = kb("--kb", root(name), "audit")
    *findings, summary = result.out.splitlines()
    if name != "no_citations":  # the info every leaflet without a citation gets
        findings = [line for line in findings if not line.endswith("[no-citations]")]
    assert findings == expected
    assert re.fullmatch(r"\d+ errors?, \d+ warnings?, \d+ infos?", summary)
    assert result.code == code
    assert result.err == ""


def test_every_rule_has_a_tiny_kb_named_for_it() -> None:
    assert [name for name in RULES if not (ROOTS / name.replace("-", "_")).is_dir()] == []
    triggered = {line.rsplit("[", 1)[1].rstrip("]") for name, lines, _ in CASES for line in lines}
    assert {name.replace("_", "-") for name, _, _ in CASES} <= triggered


@pytest.mark.parametrize("name, rule, extra", [
    ("overclaim", "overclaim", {"claim": "pilot", "suggestion": "Er zijn aanwijzingen uit onderzoek dat PMT angst vermindert"}),
    ("ambiguous_citation", "ambiguous-citation", {"claim": "somberheid"}),
    ("unexplained_fit", "unexplained-fit", {"claim": "angst", "key": "smith2020"}),
    ("unverified_reference", "unverified-reference", {"key": "kraak2010"}),
    ("duplicate_reference", "duplicate-reference", {"key": "smith2020copy"}),
    ("cited_without_source", "cited-without-source", {"claim": "somber"}),
])
def test_json_carries_claim_key_and_suggestion(name: str, rule: str, extra: dict[str, str], root, kb) -> None:
    findings = json.loads(kb("--kb", root(name), "audit", "--format", "json").out)
    first = next(f for f in findings if f["rule"] == rule and f.get("claim", f.get("key")) in extra.values())
    assert {"path", "line", "severity", "rule", "message"} <= set(first)
    assert {k: first[k] for k in extra} == extra
    assert set(first) - {"path", "line", "severity", "rule", "message"} == set(extra)


def test_overclaim_suggestions_per_evidence_level(root, kb) -> None:
    findings = json.loads(kb("--kb", root("overclaim"), "audit", "--format", "json").out)
    suggestions = {f["claim"]: f["suggestion"] for f in findings}
    assert suggestions == {
        "bekend": "Het is onzeker of spanning pijn erger maakt",
        "pilot": "Er zijn aanwijzingen uit onderzoek dat PMT angst vermindert",
        "trial": "Onderzoek wijst erop dat bewegen angst vermindert",  # one RCT: level 2, "aannemelijk"
        "essentieel": "Lichaamsbewustzijn is volgens deskundigen essentieel voor herstel",
        "known": "It is uncertain whether tension often worsens pain",
        "proves": "There are indications from this study that body awareness therapy works",
    }


def test_strict_fails_on_warnings_but_not_on_infos(root, kb) -> None:
    assert kb("--kb", root("unexplained_fit"), "audit").code == 0
    assert kb("--kb", root("unexplained_fit"), "audit", "--strict").code == 1
    assert kb("--kb", root("unassessed_support"), "audit", "--strict").code == 0


def test_a_rule_switched_off_or_made_an_error_in_kb_toml(root, kb) -> None:
    folder = root("overclaim")
    toml = folder / "kb.toml"
    toml.write_text(toml.read_text() + 'overclaim = "error"\n')
    result = kb("--kb", folder, "audit")
    assert "claims/a.yaml:6: error: 'toont aan' in claim pilot" in result.out
    assert result.code == 1
    toml.write_text(toml.read_text().replace('overclaim = "error"', 'overclaim = "off"'))
    result = kb("--kb", folder, "audit")
    assert result.out.splitlines() == ["0 errors, 0 warnings, 0 infos"]
    assert result.code == 0


def test_report_shows_the_suggestion_next_to_the_claim(root, kb) -> None:
    folder = root("overclaim")
    assert kb("--kb", folder, "report").code == 0
    html = (folder / "build" / "report.html").read_text(encoding="utf-8")
    assert "→ Er zijn aanwijzingen uit onderzoek dat PMT angst vermindert" in html
    markdown = (folder / "build" / "report.md").read_text(encoding="utf-8")
    assert "→ Het is onzeker of spanning pijn erger maakt" in markdown
    claims = {c["id"]: c for c in json.loads((folder / "build" / "report.json").read_text())["claims"]}
    assert [f["rule"] for f in claims["pilot"]["findings"]] == ["overclaim"]
    assert [f["rule"] for f in claims["trial"]["findings"]] == ["overclaim"]  # one RCT "toont" nothing "aan"


def test_rules_list_matches_the_readme(kb) -> None:
    listed = kb("audit", "--rules").out.splitlines()
    assert [line.split()[0] for line in listed] == list(RULES) + [r.name for r in INPUT_RULES]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Audit rules", 1)[1]
    rows = {m.group(1): (m.group(2), m.group(3)) for m in re.finditer(r"^\| (\S+) \| (\w+) \| (.+) \|$", table,
                                                                       re.MULTILINE)}
    every = {**RULES, **{r.name: r for r in INPUT_RULES}}
    assert {name: (r.severity.value, r.description) for name, r in every.items()} == \
        {name: rows[name] for name in every if name in rows}
    assert set(every) <= set(rows)


@pytest.mark.parametrize("name, rule, expected", [
    ("missing_reference", "missing-reference",
     ["claims/a.yaml:6: error: claim helpt cites doe2001, which references.bib lacks [missing-reference]"]),
    ("claim_not_in_text", "claim-not-in-text",
     ["claims/a.yaml:5: error: claim verzonnen: its text is not in claims/a.txt; closest passage (line 1): "
      "'Bewegen helpt tegen angst'; they first differ after 'ewegen helpt tegen a': the text goes on "
      "'ngst (Smith, 20', the claim 'lles' [claim-not-in-text]"]),
    ("unused_reference", "unused-reference",
     ["references.bib:17: warning: jansen2018 is cited by no claim [unused-reference]"]),
    ("duplicate_reference", "duplicate-reference", [
        "references.bib:14: warning: smith2020copy duplicates smith2020 (references.bib:1): same DOI "
        "10.1000/test.2020.1 [duplicate-reference]",
        "references.bib:27: warning: smith2020b duplicates smith2020 (references.bib:1): same title and year "
        "(2020) [duplicate-reference]"]),
])
def test_bad_input_gets_exactly_its_finding(name: str, rule: str, expected: list[str], root, kb) -> None:
    """The skeleton's scenarios: exactly the finding for the problem, and no other error."""
    findings = json.loads(kb("--kb", root(name), "audit", "--format", "json").out)
    lines = [f"{f['path']}:{f['line']}: {f['severity']}: {f['message']} [{f['rule']}]" for f in findings]
    assert [line for line in lines if line.endswith(f"[{rule}]")] == expected
    assert [f for f in findings if f["severity"] == "error" and f["rule"] != rule] == []
