"""The audit rules built on the citation parser: citation-mismatch and uncovered-citation."""

from __future__ import annotations

from conftest import REPO


def test_citation_mismatch_on_the_shipped_kb(kb) -> None:
    result = kb("--kb", REPO, "audit")
    found = [line for line in result.out.splitlines() if line.endswith("[citation-mismatch]")]
    assert found == [
        "claims/npi-pmt.yaml:107: warning: claim npi-handboek: 'Roemen- van Haaren' has a space at its hyphen: "
        "drewes2019 has Roemen-van Haaren [citation-mismatch]",
        "claims/npi-pmt.yaml:147: warning: claim npi-lichaamsattitude: 'et al' without its full stop in "
        "Bellino et al, 2006: write 'Bellino et al.' (bellino2006 has 6 authors) [citation-mismatch]",
        "claims/npi-pmt.yaml:159: warning: claim npi-identificeren-emoties: 'et al' without its full stop in "
        "New et al, 2012: write 'New et al.' (new2012 has 11 authors) [citation-mismatch]",
        "claims/npi-pmt.yaml:196: warning: claim npi-bottom-up: Bernst is spelled Bernstein in vandenbroek2011 "
        "[citation-mismatch]",
        "claims/npi-pmt.yaml:213: warning: claim npi-yoga-mindfulness: 'et al' without its full stop in "
        "Soler et al, 2016: write 'Soler et al.' (soler2016 has 7 authors) [citation-mismatch]",
        "claims/npi-pmt.yaml:222: warning: claim npi-relaxatie: Glanz is spelled Glantz in glantz1990 "
        "[citation-mismatch]",
        "claims/npi-pmt.yaml:243: warning: claim npi-conditie-zelfvertrouwen: vandenbroek2011 is cited as "
        "'Van den Broek, Keulen-de Vos, & Bernstein, 2011' here and as 'Van den Broek, Keulen-de Vos, & Bernst, "
        "2011' in claim npi-bottom-up (claims/npi-pmt.yaml:196); the record: van den Broek, Keulen-de Vos, & "
        "Bernstein (2011) [citation-mismatch]",
        "claims/npi-pmt.yaml:298: warning: claim npi-onderbouwing: 'Roemen- van Haaren' has a space at its hyphen: "
        "drewes2019 has Roemen-van Haaren [citation-mismatch]",
    ]
    assert "[uncovered-citation]" not in result.out


def test_cited_as_naming_no_source(root, kb) -> None:
    folder = root("uncovered_citation")
    claims = folder / "claims" / "a.yaml"
    claims.write_text(claims.read_text(encoding="utf-8").replace("(Jansen, 2018)", "(Jansen, 2017; Smit, 2018)"),
                      encoding="utf-8")
    lines = [line for line in kb("--kb", folder, "audit").out.splitlines() if "[citation-mismatch]" in line]
    assert lines == [
        "claims/a.yaml:2: warning: claim spanning: 2017: the year of jansen2018 is 2018 [citation-mismatch]",
        "claims/a.yaml:2: warning: claim spanning: Smit, 2018 matches none of the claim's sources (jansen2018) "
        "[citation-mismatch]",
    ]


def test_uncovered_citation(root, kb) -> None:
    result = kb("--kb", root("uncovered_citation"), "audit")
    assert [line for line in result.out.splitlines() if line.endswith("[uncovered-citation]")] == [
        "claims/a.txt:4: warning: the citation (Pieters & De Vries, 2016) is covered by no claim of claims/a.yaml "
        "[uncovered-citation]",
        "claims/a.txt:5: warning: the citation Koch et al. (2014) is covered by no claim of claims/a.yaml "
        "[uncovered-citation]",
    ]


def test_rules_are_listed(kb) -> None:
    out = kb("audit", "--rules").out
    assert "citation-mismatch      warning" in out
    assert "uncovered-citation     warning" in out
