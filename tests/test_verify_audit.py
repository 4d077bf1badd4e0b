"""The verification rules: what verification.json holds, as findings at the record's line in
references.bib; switchable in kb.toml; in `kb audit --format json`; never online."""

from __future__ import annotations

import dataclasses
import json
import socket
from pathlib import Path

import pytest
from conftest import ROOTS
from verify_results import CORRECTION, RETRACTION, put, smith

from kb.audit import RULES
from kb.audit.verification import RANK
from kb.knowledgebase import load
from kb.verify import evidence
from kb.verify.evidence import VERIFICATION_NAME
from kb.verify.model import STATUSES, FieldVerdict, Retraction, Suggestion

VERIFICATION_RULES = ("retracted-work", "corrected-work", "status-disagrees", "doi-mismatch",
                      "recalled-doi-confirmed", "metadata-differs", "design-suggestion", "stale-verification")

CASES = [
    ("retracted_work", ["references.bib:13: error: smith2020 is retracted: retraction (crossref, notice "
                        "10.1000/retraction.2022.9, 2022-03-04); claim resting on it: angst [retracted-work]"], 1),
    ("corrected_work", ["references.bib:1: info: smith2020 has a notice: correction (pubmed, notice 38000001, "
                        "2021-01-10) [corrected-work]"], 0),
    ("status_disagrees", ["references.bib:1: warning: smith2020 is typed verified, but kb verify found it not-found: "
                          "Crossref and OpenAlex answered; neither holds this work [status-disagrees]"], 0),
    ("doi_mismatch", ["references.bib:1: error: smith2020: doi 10.1000/test.2020.1 is another work at crossref: "
                      "'Yoga for back pain: a cohort study' [doi-mismatch]",
                      "references.bib:1: warning: smith2020 is typed verified, but kb verify found it not-found: "
                      "Crossref and OpenAlex answered; neither holds this work [status-disagrees]"], 1),
    ("recalled_doi_confirmed", ["references.bib:1: info: smith2020: the recalled DOI 10.1000/test.2020.1 is "
                                "confirmed by crossref:10.1000/test.2020.1 [recalled-doi-confirmed]"], 0),
    ("metadata_differs", ["references.bib:1: warning: smith2020 differs from crossref:10.1000/test.2020.1: year "
                          "'2020', crossref '2019' (one year apart: online first 2019, print 2020); pages '10--20', "
                          "crossref '10-21' [metadata-differs]",
                          "references.bib:1: warning: smith2020 is typed verified, but kb verify found it "
                          "verified-core: title and authors match Crossref 10.1000/test.2020.1; year and pages differ "
                          "[status-disagrees]"], 0),
    ("design_suggestion", ["references.bib:1: info: smith2020: design is cohort; kb verify suggests rct (PubMed "
                           "publication type Randomized Controlled Trial) [design-suggestion]"], 0),
    ("stale_verification", ["verification.json:3: info: a record of gone2019, which references.bib no longer has; "
                            "the next kb verify over every record leaves it out [stale-verification]"], 0),
]


def _verification_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.rsplit("[", 1)[-1].rstrip("]") in VERIFICATION_RULES]


@pytest.mark.parametrize("name, expected, code", CASES, ids=[c[0] for c in CASES])
def test_rule_gives_exactly_its_findings(name: str, expected: list[str], code: int, root, kb) -> None:
    result = kb("--kb", root(name), "audit")
    assert _verification_lines(result.out) == expected
    assert result.code == code
    assert result.err == ""


def test_every_verification_rule_has_its_root_and_a_case() -> None:
    assert set(VERIFICATION_RULES) <= set(RULES)
    assert {name.replace("_", "-") for name, _, _ in CASES} == set(VERIFICATION_RULES)
    for name in VERIFICATION_RULES:
        assert (ROOTS / name.replace("-", "_") / VERIFICATION_NAME).is_file()


@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_roots_hold_the_file_as_kb_verify_writes_it(name: str) -> None:
    """Each scenario's verification.json is what evidence.write makes of its records."""
    path = ROOTS / name / VERIFICATION_NAME
    loaded, findings = evidence.load(path)
    assert findings == [] and loaded is not None
    assert evidence.dumps(loaded.values()) == path.read_text(encoding="utf-8")


def test_without_verification_nothing_is_found(root, kb) -> None:
    assert _verification_lines(kb("--kb", root("tiny"), "audit").out) == []


def test_a_record_never_looked_up_gives_nothing(root, kb) -> None:
    """jansen2018 has no record: only smith2020's finding, not one about jansen2018."""
    folder = root("tiny")
    put(folder, smith(retractions=(RETRACTION,)))
    lines = _verification_lines(kb("--kb", folder, "audit").out)
    assert [line.split(": ")[2].split()[0] for line in lines] == ["smith2020"]


def test_retraction_names_every_notice_and_each_claim_resting_on_it(root, kb) -> None:
    folder = root("tiny")
    withdrawal = Retraction("retraction-watch", "", "withdrawal", "")
    put(folder, smith(retractions=(RETRACTION, CORRECTION, withdrawal)))
    claims = folder / "claims" / "folder.yaml"
    claims.write_text(claims.read_text(encoding="utf-8").replace("      - key: jansen2018\n        fit: unassessed",
                                                                 "      - key: jansen2018\n        fit: unassessed\n"
                                                                 "      - key: smith2020\n        fit: partial\n"
                                                                 "        note: about adults"), encoding="utf-8")
    lines = _verification_lines(kb("--kb", folder, "audit").out)
    assert lines == [
        "references.bib:1: info: smith2020 has a notice: correction (pubmed, notice 38000001, 2021-01-10) "
        "[corrected-work]",
        "references.bib:1: error: smith2020 is retracted: retraction (crossref, notice 10.1000/retraction.2022.9, "
        "2022-03-04); withdrawal (retraction-watch); claims resting on it: angst, spanning [retracted-work]"]


def test_a_retracted_work_no_claim_rests_on(root, kb) -> None:
    folder = root("tiny")
    claims = folder / "claims" / "folder.yaml"
    claims.write_text(claims.read_text(encoding="utf-8").replace("fit: supports", "fit: not-addressed"),
                      encoding="utf-8")
    put(folder, smith(retractions=(RETRACTION,)))
    assert _verification_lines(kb("--kb", folder, "audit").out)[0].endswith("no claim rests on it [retracted-work]")


@pytest.mark.parametrize("typed, computed, disagrees", [
    ("verified", "verified", False),
    ("verified", "verified-core", True),
    ("verified", "not-found", True),
    ("verified", "ambiguous", True),
    ("verified", "lookup-failed", False),  # a failure says nothing
    ("verified-core", "verified", False),
    ("verified-core", "not-found", True),
    ("partly", "verified-core", False),
    ("partly", "not-found", True),
    ("partly", "ambiguous", False),
    ("from-memory", "not-found", False),
    ("unresolved", "not-found", False),
    ("unresolved", "lookup-failed", False),
    ("", "not-found", False),  # no typed status: missing-field says so
])
def test_status_order(typed: str, computed: str, disagrees: bool, root, kb) -> None:
    folder = root("tiny")
    bib = folder / "references.bib"
    bib.write_text(bib.read_text(encoding="utf-8").replace("verificationstatus = {verified},",
                                                           f"verificationstatus = {{{typed}}},"), encoding="utf-8")
    put(folder, dataclasses.replace(smith(computed if computed != "not-found" else "not-found"), status=computed,
                                    typed_status=typed))
    lines = [line for line in _verification_lines(kb("--kb", folder, "audit").out) if "[status-disagrees]" in line]
    assert bool(lines) is disagrees
    assert set(RANK) >= set(STATUSES) - {"lookup-failed"}


def test_metadata_of_an_uncertain_match_is_not_reported(root, kb) -> None:
    folder = root("tiny")
    put(folder, smith("ambiguous", fields={"year": FieldVerdict("differs", "2020", "2011", service="openalex")}))
    assert [line for line in _verification_lines(kb("--kb", folder, "audit").out)
            if "[metadata-differs]" in line] == []


def test_recalled_doi_needs_a_confirmation(root, kb) -> None:
    """A doiunverified is confirmed by a suggestion to move it, or by a matching DOI of a certain match;
    not by a DOI that is another work, nor when doi is given already."""
    folder = root("recalled_doi_confirmed")
    path = folder / VERIFICATION_NAME
    loaded, _ = evidence.load(path)
    assert loaded is not None
    plain = dataclasses.replace(loaded["smith2020"], suggestions=())
    evidence.write(path, [plain], None)
    assert "[recalled-doi-confirmed]" in kb("--kb", folder, "audit").out  # the doi field matches
    evidence.write(path, [dataclasses.replace(plain, status="ambiguous")], None)
    assert "[recalled-doi-confirmed]" not in kb("--kb", folder, "audit").out
    evidence.write(path, [dataclasses.replace(loaded["smith2020"], doi_resolves_to_other="Another work")], None)
    out = kb("--kb", folder, "audit").out
    assert "[recalled-doi-confirmed]" not in out
    assert ("smith2020: doiunverified 10.1000/test.2020.1 is another work at crossref: 'Another work' "
            "[doi-mismatch]") in out


def test_design_suggestion_that_agrees_is_not_reported(root, kb) -> None:
    folder = root("tiny")
    put(folder, smith(suggestions=(Suggestion("design", "rct", "PubMed publication type Randomized Controlled Trial"),)))
    assert "[design-suggestion]" not in kb("--kb", folder, "audit").out


def test_rules_are_switched_in_kb_toml(root, kb) -> None:
    folder = root("retracted_work")
    (folder / "kb.toml").write_text('[audit.severity]\nretracted-work = "warning"\nunverified-reference = "off"\n',
                                    encoding="utf-8")
    result = kb("--kb", folder, "audit")
    assert "references.bib:13: warning: smith2020 is retracted" in result.out
    assert result.code == 0
    (folder / "kb.toml").write_text('[audit.severity]\nretracted-work = "off"\n', encoding="utf-8")
    assert "[retracted-work]" not in kb("--kb", folder, "audit").out
    (folder / "kb.toml").write_text('[audit.severity]\nstale-verification = "error"\n', encoding="utf-8")
    assert kb("--kb", root("stale_verification"), "audit").code == 0
    stale = root("stale_verification")
    (stale / "kb.toml").write_text('[audit.severity]\nstale-verification = "error"\n', encoding="utf-8")
    result = kb("--kb", stale, "audit")
    assert "verification.json:3: error: a record of gone2019" in result.out and result.code == 1


def test_json_carries_them(root, kb) -> None:
    findings = json.loads(kb("--kb", root("retracted_work"), "audit", "--format", "json").out)
    found = [f for f in findings if f["rule"] == "retracted-work"]
    assert found == [{"path": "references.bib", "line": 13, "severity": "error", "rule": "retracted-work",
                      "key": "smith2020",
                      "message": "smith2020 is retracted: retraction (crossref, notice 10.1000/retraction.2022.9, "
                                 "2022-03-04); claim resting on it: angst"}]
    findings = json.loads(kb("--kb", root("recalled_doi_confirmed"), "audit", "--format", "json").out)
    found = [f for f in findings if f["rule"] == "recalled-doi-confirmed"]
    assert found[0]["suggestion"] == "move it from doiunverified to doi (kb verify --diff shows the change)"


def test_kb_show_names_what_kb_verify_found(root, kb) -> None:
    folder = root("retracted_work")
    out = kb("--kb", folder, "show", "smith2020").out
    assert "kb verify: not-found" not in out
    assert "retracted: retraction (crossref, notice 10.1000/retraction.2022.9, 2022-03-04)" in out
    assert "kb verify (2024-05-01): verified, typed verified" in out
    claim = kb("--kb", folder, "show", "angst").out
    assert "RETRACTED: smith2020" in claim


def test_audit_report_and_show_never_connect(root, kb, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A retracted work is found from the file alone: no socket is opened."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a connection was opened")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    folder = root("retracted_work")
    assert kb("--kb", folder, "audit").code == 1
    assert kb("--kb", folder, "report", "--out", tmp_path / "out").code == 1
    assert kb("--kb", folder, "show", "smith2020").code == 0
    assert load(folder).verification is not None
