"""`kb extract --update`: a new draft merged into a claims file, every hand-written field kept."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from conftest import REPO

from kb.citations.extract import extract
from kb.citations.update import CHANGED_NOTE, VANISHED_NOTE, Report, update

TEXT = """Over bewegen

Bewegingstherapie vermindert angst (Smith, 2020). Het lichaam onthoudt spanning.
Bewegen is goed voor je humeur.

Kosten
De behandeling wordt vergoed door je zorgverzekeraar.
"""

CLAIMS = """# Claims of the folder, checked by hand.
document:
  title: "Over bewegen"
  publisher: "Praktijk"
  language: nl
  text: folder.txt
claims:
  - id: angst
    section: "Over bewegen"
    kind: clinical
    text: "Bewegingstherapie vermindert angst"
    cited_as: "(Smith, 2020)"
    sources:
      - key: smith2020
        fit: partial   # a trial in adults, the leaflet speaks of everyone
        note: "An RCT in adults."
  # The body's memory: no source yet.
  - id: spanning
    section: "Over bewegen"
    kind: clinical
    text: "Het lichaam onthoudt spanning"
    sources: []
  - id: vergoeding
    section: "Kosten"
    kind: service
    text: "De behandeling wordt vergoed door je zorgverzekeraar"
    sources: []
"""


def _merge(text: str, claims: str = CLAIMS) -> tuple[str, Report]:
    return update(claims, extract(text, {}, "folder", "nl"))


def _keeps_every_line(before: str, after: str) -> bool:
    """Whether every line of `before` is in `after`, in the same order (lines may be added)."""
    remaining = iter(after.splitlines())
    return all(any(line == other for other in remaining) for line in before.splitlines())


def _by_id(yaml_text: str) -> dict[str, dict]:
    return {c["id"]: c for c in yaml.safe_load(yaml_text)["claims"]}


def test_claims_still_in_the_text_keep_every_field_and_new_ones_are_added() -> None:
    merged, report = _merge(TEXT)
    assert report.kept == ["angst", "spanning", "vergoeding"] and report.vanished == [] and report.changed == []
    assert report.added == ["folder-003"]
    before, after = _by_id(CLAIMS), _by_id(merged)
    for claim_id, claim in before.items():
        assert after[claim_id] == claim
    assert after["folder-003"] == {"id": "folder-003", "section": "Over bewegen", "kind": "clinical",
                                   "text": "Bewegen is goed voor je humeur", "sources": []}
    assert yaml.safe_load(merged)["document"] == yaml.safe_load(CLAIMS)["document"]
    # every line of the file is still there, comments included, in order; the new claim in text order
    assert _keeps_every_line(CLAIMS, merged)
    ids = list(_by_id(merged))
    assert ids == ["angst", "spanning", "folder-003", "vergoeding"]


def test_updating_with_the_same_draft_changes_nothing() -> None:
    merged, _ = _merge(TEXT)
    again, report = _merge(TEXT, merged)
    assert again == merged
    assert report.added == [] and report.changed == []
    changed = TEXT.replace("Het lichaam onthoudt spanning.", "Het lichaam onthoudt alle spanning.")
    once, _ = _merge(changed, merged)
    twice, _ = _merge(changed, once)
    assert twice == once
    gone = TEXT.replace("Het lichaam onthoudt spanning.", "")
    once, _ = _merge(gone, merged)
    twice, _ = _merge(gone, once)
    assert twice == once and once.count(VANISHED_NOTE) == 1


def test_a_claim_whose_text_changed_a_little_keeps_its_fields_and_its_old_text_in_a_comment() -> None:
    changed = TEXT.replace("Bewegingstherapie vermindert angst", "Bewegingstherapie vermindert de angst")
    merged, report = _merge(changed)
    assert report.changed == ["angst"] and report.added == ["folder-003"] and report.vanished == []
    before, after = _by_id(CLAIMS)["angst"], _by_id(merged)["angst"]
    assert after["text"] == "Bewegingstherapie vermindert de angst"
    assert {k: v for k, v in after.items() if k != "text"} == {k: v for k, v in before.items() if k != "text"}
    assert f'{CHANGED_NOTE} "Bewegingstherapie vermindert angst"' in merged
    assert "# a trial in adults, the leaflet speaks of everyone" in merged


def test_a_vanished_claim_is_kept_marked_and_reported() -> None:
    gone = TEXT.replace("Het lichaam onthoudt spanning.", "Rust helpt bij herstel na een zware dag.")
    merged, report = _merge(gone)
    assert report.vanished == [("spanning", 19)]
    assert report.added == ["folder-002", "folder-003"]
    assert _by_id(merged)["spanning"] == _by_id(CLAIMS)["spanning"]
    lines = merged.splitlines()
    assert lines[lines.index("  - id: spanning") - 1] == "  " + VANISHED_NOTE
    assert "  # The body's memory: no source yet." in lines


def test_an_empty_claims_file_gets_the_draft() -> None:
    empty = "document:\n  title: \"Over bewegen\"\n  language: nl\nclaims: []  # none yet\n"
    merged, report = _merge(TEXT, empty)
    assert report.added == ["folder-001", "folder-002", "folder-003", "folder-004"]
    assert yaml.safe_load(merged)["claims"][0]["text"] == "Bewegingstherapie vermindert angst"
    assert "# none yet" in merged


def test_ids_of_added_claims_never_clash() -> None:
    claims = CLAIMS.replace("id: spanning", "id: folder-003")
    merged, report = _merge(TEXT, claims)
    assert report.added == ["folder-001"]
    assert len(set(_by_id(merged))) == len(yaml.safe_load(merged)["claims"])


def test_a_claims_file_that_cannot_be_read_is_left_as_it_is() -> None:
    broken = CLAIMS.replace("  - id: spanning", "  - id: [spanning")
    merged, report = _merge(TEXT, broken)
    assert merged == broken and report.problems and report.problems[0][1].startswith("cannot read YAML")
    merged, report = _merge(TEXT, "document:\n  title: x\n")
    assert report.problems == [(1, "no `claims:` list: not a claims file")]


def test_the_shipped_leaflets_lose_no_hand_written_field() -> None:
    for doc in ("npi-pmt", "alkura-alk"):
        text = (REPO / "claims" / f"{doc}.txt").read_text(encoding="utf-8")
        claims = (REPO / "claims" / f"{doc}.yaml").read_text(encoding="utf-8")
        merged, report = update(claims, extract(text, {}, doc))
        assert report.vanished == [] and report.changed == []
        after = _by_id(merged)
        for claim_id, claim in _by_id(claims).items():
            assert after[claim_id] == claim
        assert _keeps_every_line(claims, merged)


def test_the_command_updates_in_place_and_reports(kb, root, tmp_path: Path) -> None:
    folder = root("tiny")
    (folder / "claims" / "folder.txt").write_text(TEXT, encoding="utf-8")
    target = folder / "claims" / "folder.yaml"
    target.write_text(CLAIMS, encoding="utf-8")
    result = kb("--kb", folder, "extract", folder / "claims" / "folder.txt", "--update", target)
    assert result.code == 0, result.err
    assert result.err.endswith("3 kept, 0 changed, 1 added, 0 no longer in the text (kept)\n")
    assert "Bewegen is goed voor je humeur" in target.read_text(encoding="utf-8")
    audit = kb("--kb", folder, "audit")
    assert "claim-not-in-text" not in audit.out + audit.err
    result = kb("--kb", folder, "extract", folder / "claims" / "folder.txt", "--update", target)
    assert result.err.endswith("; nothing to change\n")
    gone = tmp_path / "gone.txt"
    gone.write_text(TEXT.replace("Het lichaam onthoudt spanning.", ""), encoding="utf-8")
    result = kb("--kb", folder, "extract", gone, "--update", target)
    assert f"{target}:19: warning: claim spanning is no longer in the leaflet's text" in result.err
    assert kb("--kb", folder, "extract", gone, "--update", target, "--out", tmp_path / "x.yaml").code == 2
    broken = tmp_path / "broken.yaml"
    broken.write_text("claims: [\n", encoding="utf-8")
    result = kb("--kb", folder, "extract", gone, "--update", broken)
    assert result.code == 2 and result.err.startswith(f"{broken}:") and "[yaml-syntax]" in result.err
    assert broken.read_text(encoding="utf-8") == "claims: [\n"
    shutil.rmtree(folder)
