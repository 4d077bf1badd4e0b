"""verification.json: written sorted and byte-stable, merged on a partial run, read back with
every malformed part located at its line, and never a traceback."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from verify_results import RETRACTION, jansen, put, smith

from kb.findings import Location
from kb.knowledgebase import load as load_kb
from kb.output import CannotWrite
from kb.paths import Files
from kb.verify import evidence
from kb.verify.evidence import VERIFICATION_NAME, Evidence
from kb.verify.model import FieldVerdict, RecordResult, Suggestion


def test_written_sorted_with_keys_in_contract_order(tmp_path: Path) -> None:
    path = tmp_path / VERIFICATION_NAME
    evidence.write(path, [smith(), jansen()], None)
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text.startswith('{\n  "records": [\n    {\n      "key": "jansen2018",\n      "status": "not-found",\n')
    records = json.loads(text)["records"]
    assert [r["key"] for r in records] == ["jansen2018", "smith2020"]
    assert list(records[1]) == ["key", "status", "typed_status", "reason", "matched", "fields", "lookups",
                                "retractions", "suggestions"]
    assert list(records[1]["fields"]) == ["title", "year", "doi"]  # FIELDS order
    assert records[1]["lookups"][0] == {"service": "crossref", "query": "doi:10.1000/test.2020.1",
                                        "outcome": "found", "date": "2024-05-01",
                                        "record_id": "10.1000/test.2020.1"}


def test_rewrite_without_change_is_byte_identical(tmp_path: Path) -> None:
    path = put(tmp_path, jansen(), smith(retractions=(RETRACTION,)))
    first = path.read_bytes()
    previous, findings = evidence.load(path)
    assert findings == [] and previous is not None
    evidence.write(path, list(previous.values())[::-1], None)  # read back, in another order
    assert path.read_bytes() == first
    evidence.write(path, [smith(retractions=(RETRACTION,))], previous)  # a run of one key, same result
    assert path.read_bytes() == first


def test_run_of_some_keys_keeps_the_other_records(tmp_path: Path) -> None:
    path = put(tmp_path, smith(), jansen())
    previous, _ = evidence.load(path)
    written = evidence.write(path, [jansen(status="lookup-failed")], previous)
    again, findings = evidence.load(path)
    assert findings == [] and again is not None
    assert dict(again) == dict(written)
    assert again["smith2020"] == smith()
    assert again["jansen2018"].status == "lookup-failed"
    evidence.write(path, [jansen()], None)  # a run over every record: the rest goes
    assert list(evidence.load(path)[0] or {}) == ["jansen2018"]


def test_read_back_equals_what_was_written(tmp_path: Path) -> None:
    full = smith("verified-core", retractions=(RETRACTION,),
                 fields={"pages": FieldVerdict("differs", "10-20", "10-21", note="last page", service="crossref")},
                 suggestions=(Suggestion("pmid", "31234567", "PubMed 31234567"),),
                 doi_resolves_to_other="Another work")
    path = put(tmp_path, full)
    loaded, findings = evidence.load(path)
    assert findings == [] and loaded is not None
    assert loaded["smith2020"] == full
    assert loaded.lines == {"smith2020": 3}
    assert isinstance(loaded, Evidence) and len(loaded) == 1


def test_record_lines_are_where_each_record_opens(tmp_path: Path) -> None:
    path = put(tmp_path, smith(), jansen())
    loaded, _ = evidence.load(path)
    assert loaded is not None
    lines = path.read_text(encoding="utf-8").splitlines()
    for key, line in loaded.lines.items():
        assert lines[line - 1].strip() == "{" and lines[line].strip() == f'"key": "{key}",'


def test_no_file_is_no_evidence(tmp_path: Path) -> None:
    assert evidence.load(tmp_path / VERIFICATION_NAME) == (None, [])


BAD_FILES = [
    ('{"records": [\n  {"key": "a", "status": "verified"},\n  {"key": "b" "status": 1}\n]}\n',
     2 + 1, "not JSON: Expecting ',' delimiter (column 15)"),
    ("[]\n", 1, 'expected an object {"records": [...]}, as kb verify writes it; found a list'),
    ('{"records": {}}\n', 1, 'expected an object {"records": [...]}, as kb verify writes it; found an object'),
    ('{"records": [], "extra": 1}\n', 1, "unknown key 'extra' beside \"records\""),
    ('{"records": [\n  {"key": "a", "status": NaN}\n]}\n', 2, "not JSON: NaN is not a JSON value"),
    ('{"records": [\n  {"key": "a", "status": "verified"},\n  "b"\n]}\n', 3,
     "record 2: expected an object, found a string"),
    ('{"records": [\n  {"key": "a", "status": "fabricated"}\n]}\n', 2,
     'record 1: a: status "fabricated" is not one of verified, verified-core, not-found, ambiguous, lookup-failed'),
    ('{"records": [\n  {"status": "verified"}\n]}\n', 2, "record 1: no \"key\": the record's key in references.bib"),
    ('{"records": [\n\n  {"key": "a", "status": "verified", "colour": "red"}\n]}\n', 3,
     "record 1: unknown key 'colour' (known: key, status, typed_status, fields, lookups, retractions, suggestions, "
     "reason, matched, doi_resolves_to_other)"),
    ('{"records": [{"key": "a", "status": "verified", "fields": {"title": {"verdict": "same"}}}]}\n', 1,
     'record 1: a: fields.title: "verdict" "same" is not one of match, differs, missing'),
    ('{"records": [{"key": "a", "status": "verified", "fields": {"colour": {"verdict": "match"}}}]}\n', 1,
     "record 1: a: unknown field 'colour' in \"fields\" (known: title, authors, year, container, volume, issue, "
     "pages, doi, type)"),
    ('{"records": [{"key": "a", "status": "verified", "lookups": [{"service": "crossref", "query": "q"}]}]}\n', 1,
     'record 1: a: lookups[1]: no "outcome"'),
    ('{"records": [{"key": "a", "status": "verified", "retractions": [{"source": "crossref", "type": 3}]}]}\n', 1,
     'record 1: a: retractions[1]: "type" must be a string, not a number'),
    ('{"records": [{"key": "a", "status": "verified", "suggestions": {}}]}\n', 1,
     'record 1: a: "suggestions" must be a list, not an object'),
    ('{"records": [{"key": "a", "status": "verified", "reason": null}]}\n', 1,
     'record 1: a: "reason" must be a string, not null'),
    ('{"records": [\n {"key": "a", "status": "verified"},\n {"key": "a", "status": "not-found"}\n]}\n', 3,
     "record 2: a second record of a (first at line 2)"),
    ("[" * 100_000 + "]" * 100_000, 1, "not JSON that can be read: nested too deep"),
]


@pytest.mark.parametrize("text, line, message", BAD_FILES)
def test_malformed_file_is_a_located_finding(text: str, line: int, message: str, tmp_path: Path) -> None:
    path = tmp_path / VERIFICATION_NAME
    path.write_text(text, encoding="utf-8")
    _, findings = evidence.load(path)
    assert [(f.location, f.message, f.rule, f.severity.value) for f in findings] == \
        [(Location(VERIFICATION_NAME, line), message, "verification-file", "error")]


def test_good_records_of_a_file_with_a_bad_one_are_kept(tmp_path: Path) -> None:
    path = tmp_path / VERIFICATION_NAME
    path.write_text('{"records": [\n  {"key": "a", "status": "verified"},\n  {"key": "b"}\n]}\n', encoding="utf-8")
    loaded, findings = evidence.load(path)
    assert loaded is not None and list(loaded) == ["a"] and len(findings) == 1


def test_refused_files_are_read_through_the_kbs_reader(tmp_path: Path) -> None:
    """A link out of the KB, a folder, or bytes that are not UTF-8: the KB's reader's findings."""
    kb_dir = tmp_path / "kb"
    kb_dir.mkdir()
    secret = tmp_path / "secret.json"
    secret.write_text('{"records": []}', encoding="utf-8")
    os.symlink(secret, kb_dir / VERIFICATION_NAME)
    _, findings = evidence.load(kb_dir / VERIFICATION_NAME, VERIFICATION_NAME, Files(kb_dir))
    assert [f.rule for f in findings] == ["outside-kb"]
    (kb_dir / VERIFICATION_NAME).unlink()
    (kb_dir / VERIFICATION_NAME).write_bytes(b'{"records": [\n\xff]}')
    _, findings = evidence.load(kb_dir / VERIFICATION_NAME, VERIFICATION_NAME, Files(kb_dir))
    assert [f.format() for f in findings] == [
        "verification.json:2: error: not UTF-8: byte 0xff cannot be decoded [unreadable-input]"]


def test_malformed_file_stops_the_commands_with_exit_2(root, kb) -> None:
    folder = root("tiny")
    (folder / VERIFICATION_NAME).write_text('{"records": [\n  {"key": "smith2020", "status": "real"}\n]}\n',
                                            encoding="utf-8")
    for command in (["audit"], ["report"], ["show", "smith2020"]):
        run = kb("--kb", folder, *command)
        assert run.code == 2, command
        assert ('verification.json:2: error: record 1: smith2020: status "real" is not one of verified, '
                'verified-core, not-found, ambiguous, lookup-failed [verification-file]') in run.err
        assert "Traceback" not in run.err
    assert not (folder / "build" / "report.html").exists()


def test_kb_loading_sees_the_file(root) -> None:
    folder = root("tiny")
    assert load_kb(folder).verification is None
    put(folder, smith())
    loaded = load_kb(folder)
    assert loaded.verification is not None and loaded.verification["smith2020"] == smith()
    assert loaded.load_findings == ()


def test_hostile_values_are_kept_exactly(tmp_path: Path) -> None:
    """Control characters, quotes, a lone surrogate from an escape, a bidirectional override: the
    file says what they are, reads back the same, and is still valid UTF-8."""
    hostile = RecordResult(key="smith2020", status="verified", typed_status="verified\u202e",
                           reason='<script>alert("x")</script>\n\x1b[2J', matched="crossref:\ud800")
    path = put(tmp_path, hostile)
    raw = path.read_bytes()
    raw.decode("utf-8")  # strict: no surrogate written raw
    assert b"\\u001b" in raw and b"\\ud800" in raw
    loaded, findings = evidence.load(path)
    assert findings == [] and loaded is not None and loaded["smith2020"] == hostile


def test_a_write_that_fails_leaves_the_old_file(tmp_path: Path) -> None:
    path = put(tmp_path, smith())
    before = path.read_bytes()
    (tmp_path / "blocked").write_text("a file", encoding="utf-8")
    with pytest.raises(CannotWrite) as raised:
        evidence.write(tmp_path / "blocked" / VERIFICATION_NAME, [jansen()], None)
    assert raised.value.finding.rule == "cannot-write"
    assert "blocked is a file, not a folder" in raised.value.finding.message
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocked", VERIFICATION_NAME]
