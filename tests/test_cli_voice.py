"""One command line: --kb anywhere, one language vocabulary, clear messages outside a KB, `kb show`
for leaflets and words, and a leaflet that never prints a citation without its entry."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import REPO


@pytest.fixture
def repo_kb(tmp_path: Path) -> Path:
    """A copy of this repository's KB (references.bib, claims/), so tests write nothing into the checkout."""
    target = tmp_path / "kb"
    target.mkdir()
    shutil.copy(REPO / "references.bib", target)
    shutil.copytree(REPO / "claims", target / "claims")
    return target


@pytest.mark.parametrize("command", [["audit"], ["audit", "--format", "json"], ["show", "kraak2010"],
                                     ["export", "json", "--out", "-"], ["leaflet", "npi-pmt"]])
def test_kb_before_or_after_the_command(command: list[str], kb, repo_kb: Path) -> None:
    before = kb("--kb", repo_kb, *command)
    after = kb(*command, "--kb", repo_kb)
    assert (after.code, after.out, after.err) == (before.code, before.out, before.err)
    assert before.out


@pytest.mark.parametrize("lang, word", [("nl", "Literatuur"), ("nl-NL", "Literatuur"), ("en", "References"),
                                        ("en-US", "References")])
def test_leaflet_takes_every_language_form(lang: str, word: str, kb, repo_kb: Path) -> None:
    result = kb("--kb", repo_kb, "leaflet", "npi-pmt", "--lang", lang)
    assert result.code == 0
    assert f"\n## {word}\n" in result.out


@pytest.mark.parametrize("lang, heading", [("nl", "# Evidence-rapport"), ("nl-NL", "# Evidence-rapport"),
                                           ("en", "# Evidence report"), ("en-US", "# Evidence report")])
def test_report_takes_every_language_form(lang: str, heading: str, kb, repo_kb: Path, tmp_path: Path) -> None:
    out = tmp_path / f"out-{lang}"
    assert kb("--kb", repo_kb, "report", "--lang", lang, "--out", out).code in (0, 1)
    assert heading in (out / "report.md").read_text(encoding="utf-8")


def test_export_takes_format_as_an_option_too(kb, repo_kb: Path) -> None:
    positional = kb("--kb", repo_kb, "export", "csljson", "--out", "-")
    option = kb("--kb", repo_kb, "export", "--format", "csljson", "--out", "-")
    assert (option.code, option.out) == (0, positional.out)
    both = kb("--kb", repo_kb, "export", "json", "--format", "rdf", "--out", "-")
    assert (both.code, both.out) == (2, "")
    assert kb("--kb", repo_kb, "export").code == 2


@pytest.mark.parametrize("command", [["audit"], ["report"], ["show", "x"], ["export", "json"], ["leaflet", "x"]])
def test_outside_a_kb_one_line_and_exit_2(command: list[str], kb, tmp_path: Path) -> None:
    result = kb("--kb", tmp_path, *command)
    assert result.code == 2
    assert result.err == (f"kb: no references.bib in {tmp_path.as_posix()}: not a knowledge base. "
                          "Name one with --kb DIR, or make one with kb init DIR\n")
    assert result.out == ""
    assert not (tmp_path / "build").exists()


def test_show_a_leaflet_summary(kb, repo_kb: Path) -> None:
    result = kb("--kb", repo_kb, "show", "npi-pmt")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0] == "leaflet npi-pmt  claims/npi-pmt.yaml"
    assert "  claims: 52  empirical: 7, expert-based: 7, unsupported: 23, service: 15" in lines
    findings = next(line for line in lines if line.startswith("  findings: "))
    assert "overclaim: 7" in findings and "ambiguous-citation: 1" in findings


def test_show_claims_holding_words(kb, repo_kb: Path) -> None:
    result = kb("--kb", repo_kb, "show", "toont aan")
    assert result.code == 0
    assert result.out.splitlines()[0] == "1 claim holding “toont aan”:"
    assert "npi-vergelijkend-onderzoek" in result.out


def test_show_a_claim_with_its_findings_and_rewrite(kb, repo_kb: Path) -> None:
    result = kb("--kb", repo_kb, "show", "npi-vergelijkend-onderzoek")
    assert result.code == 0
    assert "warning [overclaim]: 'toont aan' in claim npi-vergelijkend-onderzoek" in result.out
    assert re.search(r"suggested: .*Er zijn aanwijzingen uit vergelijkend onderzoek dat", result.out)


def test_show_unknown_suggests_the_closest(kb, repo_kb: Path) -> None:
    result = kb("--kb", repo_kb, "show", "kraak2001")
    assert result.code == 2
    assert result.err == ("kb: no work, claim or leaflet called 'kraak2001', and no claim holds those words; "
                          "did you mean kraak2010?\n")


def test_all_problems_of_a_kb_at_once(kb, tmp_path: Path) -> None:
    """A YAML problem does not hide a record's missing design."""
    folder = tmp_path / "kb"
    (folder / "claims").mkdir(parents=True)
    (folder / "references.bib").write_text(
        "@article{smith2020,\n  author = {Smith, Ann},\n  title = {A trial},\n  journal = {J},\n"
        "  year = {2020},\n  verificationstatus = {verified}\n}\n", encoding="utf-8")
    (folder / "claims" / "a.txt").write_text("Bewegen helpt (Smith, 2020).\n", encoding="utf-8")
    (folder / "claims" / "a.yaml").write_text(
        'document:\n  text: a.txt\nclaims:\n  - id: x\n    text: "Bewegen helpt"\n    kind: clincal\n'
        '    sources: [smith2020]\n  - text: "y"\n', encoding="utf-8")
    result = kb("--kb", folder, "audit")
    assert result.code == 2
    assert result.err.splitlines() == [
        "claims/a.yaml:6: error: claim x: kind 'clincal' is not one of clinical, service [claims-schema]",
        "claims/a.yaml:8: error: a claim has no 'id' [claims-schema]",
        "references.bib:1: error: smith2020 (article) lacks design [missing-field]",
        f"kb: cannot read the knowledge base in {folder.as_posix()}; nothing was written",
    ]


def _without_claim(folder: Path, claim_id: str) -> None:
    """The claims file of npi-pmt without the claim `claim_id` (its citation stays in the text)."""
    path = folder / "claims" / "npi-pmt.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index(f"  - id: {claim_id}\n")
    end = text.index("\n  - id: ", start + 1) + 1
    path.write_text(text[:start] + text[end:], encoding="utf-8")


def test_a_citation_no_claim_carries_keeps_its_entry(kb, repo_kb: Path) -> None:
    """Deleting the claim that carried "(Koch, Kunz, Lykou, & Cruz, 2014)" leaves the citation in the
    text: the leaflet renders it from the extractor's resolution, with its entry in the list."""
    _without_claim(repo_kb, "npi-dansbewegingstherapie")
    result = kb("--kb", repo_kb, "leaflet", "npi-pmt")
    assert result.code == 0
    body, references = result.out.split("\n## Literatuur\n")
    assert "(Koch et al., 2014)" in body
    assert "Koch, S. C., Kunz, T., Lykou, S., & Cruz, R. F. (2014)." in references
    audit = json.loads(kb("--kb", repo_kb, "audit", "--format", "json").out)
    assert [f["line"] for f in audit if f["rule"] == "uncovered-citation"] == [114]


def test_a_citation_that_cannot_be_resolved_stops_the_leaflet(kb, repo_kb: Path, tmp_path: Path) -> None:
    text = repo_kb / "claims" / "npi-pmt.txt"
    text.write_text(text.read_text(encoding="utf-8") + "\nZie ook Darko et al. (2023).\n", encoding="utf-8")
    out = tmp_path / "leaflet.md"
    result = kb("--kb", repo_kb, "leaflet", "npi-pmt", "--out", out)
    assert result.code == 1
    assert re.search(r"^claims/npi-pmt\.txt:\d+: error: the citation Darko et al\. \(2023\) cannot be printed with "
                     r"an entry in the list: no record in the bibliography matches Darko et al\. \(2023\); link it "
                     r"from the sources of a claim in claims/npi-pmt\.yaml \[citation-not-placed\]$", result.err,
                     re.MULTILINE)
    assert not out.exists()
    assert "[citation-not-placed]" in kb("--kb", repo_kb, "audit").out


def test_the_leaflet_rules_are_switchable(kb, repo_kb: Path) -> None:
    (repo_kb / "kb.toml").write_text('[audit.severity]\nno-citations = "off"\n', encoding="utf-8")
    result = kb("--kb", repo_kb, "leaflet", "alkura-alk")
    assert (result.code, result.err) == (0, "")
    listed = kb("audit", "--rules").out
    for rule in ("citation-not-placed", "no-citations", "cited-without-source"):
        assert re.search(rf"^{rule} ", listed, re.MULTILINE)
