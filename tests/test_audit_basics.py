"""The audit rules of the walking skeleton: exact finding lines on tiny KBs."""

from __future__ import annotations

import json


def test_missing_reference(root, kb) -> None:
    result = kb("--kb", root("missing_reference"), "audit")
    assert "claims/a.yaml:6: error: claim helpt cites doe2001, which references.bib lacks [missing-reference]" \
        in result.out.splitlines()
    assert result.code == 1


def test_claim_not_in_text(root, kb) -> None:
    result = kb("--kb", root("claim_not_in_text"), "audit")
    assert "claims/a.yaml:5: error: claim verzonnen: its text is not in claims/a.txt; closest passage (line 1): " \
        "'Bewegen helpt tegen angst'; they first differ after 'ewegen helpt tegen a': the text goes on " \
        "'ngst (Smith, 20', the claim 'lles' [claim-not-in-text]" in result.out.splitlines()
    assert result.code == 1


def test_unused_reference(root, kb) -> None:
    result = kb("--kb", root("unused_reference"), "audit")
    assert "references.bib:17: warning: jansen2018 is cited by no claim [unused-reference]" in result.out.splitlines()
    assert result.code == 0
    assert kb("--kb", root("unused_reference"), "audit", "--strict").code == 1


def test_json_output_parses(root, kb) -> None:
    result = kb("--kb", root("missing_reference"), "audit", "--format", "json")
    findings = json.loads(result.out)
    first = next(f for f in findings if f["rule"] == "missing-reference")
    assert first == {"path": "claims/a.yaml", "line": 6, "severity": "error", "rule": "missing-reference",
                     "message": "claim helpt cites doe2001, which references.bib lacks",
                     "claim": "helpt", "key": "doe2001"}


def test_severity_set_in_kb_toml(root, kb) -> None:
    folder = root("unused_reference")
    (folder / "kb.toml").write_text('[audit.severity]\nunused-reference = "error"\nunsupported-claim = "off"\n')
    result = kb("--kb", folder, "audit")
    assert "references.bib:17: error: jansen2018 is cited by no claim [unused-reference]" in result.out
    assert result.code == 1


def test_unknown_rule_in_kb_toml(root, kb) -> None:
    folder = root("unused_reference")
    (folder / "kb.toml").write_text('[audit.severity]\nno-such-rule = "error"\n')
    result = kb("--kb", folder, "audit")
    assert any(line.startswith("kb.toml:2: error: unknown audit rule 'no-such-rule'") for line in result.out.splitlines())
    assert result.code == 1
