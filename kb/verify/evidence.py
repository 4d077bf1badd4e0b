"""`verification.json`: what `kb verify` found, kept in the KB folder beside references.bib.

One `RecordResult` per record, sorted by key, each object's keys in the contract's order
(`RecordResult.as_json`), two-space indents and a final newline: a run that learns nothing new
writes the same bytes, and one that does shows as a readable git diff. The audit, the report
and `kb show` read it back here; none of them goes online.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.findings import VERIFICATION_FILE, Finding, Location
from kb.output import write_atomic
from kb.paths import LOOSE, MAX_BIB_BYTES, Files
from kb.verify.model import FIELDS, STATUSES, RecordResult

VERIFICATION_NAME = "verification.json"

VERDICTS = ("match", "differs", "missing")
OUTCOMES = ("found", "not-found", "ambiguous", "failed")

# The shape of one record, key by key: "str", a tuple of the values allowed, or the shape of
# the objects in a list ("[...]") or of a mapping's values ("{...}").
_TEXT = "str"
_LOOKUP = {"service": _TEXT, "query": _TEXT, "outcome": OUTCOMES, "date": _TEXT, "record_id": _TEXT, "detail": _TEXT}
_RETRACTION = {"source": _TEXT, "notice": _TEXT, "type": _TEXT, "date": _TEXT, "origin": _TEXT}
_SUGGESTION = {"field": _TEXT, "value": _TEXT, "reason": _TEXT}
_VERDICT = {"verdict": VERDICTS, "ours": _TEXT, "theirs": _TEXT, "note": _TEXT, "service": _TEXT}
_REQUIRED = {"lookup": ("service", "query", "outcome"), "retraction": ("source", "type"),
             "suggestion": ("field", "value"), "field": ("verdict",)}
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Evidence(Mapping[str, RecordResult]):
    """The records of verification.json: key -> what `kb verify` found about that work."""

    records: dict[str, RecordResult]  # by key, sorted
    lines: dict[str, int] = field(default_factory=dict)  # key -> the line its record opens at in the file

    def __getitem__(self, key: str) -> RecordResult:
        return self.records[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)


def dumps(results: Iterable[RecordResult]) -> str:
    """The file's text: `{"records": [...]}` sorted by key, two-space indents, a final newline."""
    records = sorted(results, key=lambda r: r.key)
    text = json.dumps({"records": [r.as_json() for r in records]}, ensure_ascii=False, indent=2)
    # A lone surrogate (from a `\\ud800` escape read back) cannot be UTF-8: kept as its escape.
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


def merged(results: Iterable[RecordResult], previous: Evidence | None) -> Evidence:
    """The previous records with `results` in place of those of the same keys."""
    records = dict(previous.records) if previous is not None else {}
    records.update((r.key, r) for r in results)
    return Evidence({key: records[key] for key in sorted(records)})


def write(path: Path, results: Iterable[RecordResult], previous: Evidence | None) -> Evidence:
    """Write verification.json at `path` atomically: `results`, and the records of `previous`
    for the keys they do not cover (a run over some keys keeps the others; a run over every
    record passes None, so that the records of works no longer in references.bib go).
    Raises `kb.output.CannotWrite` (one located `cannot-write` finding); the old file then stays."""
    evidence = merged(results, previous)
    write_atomic(path, dumps(evidence.values()))
    return evidence


def load(path: Path, shown: str = VERIFICATION_NAME, files: Files = LOOSE) -> tuple[Evidence | None, list[Finding]]:
    """Read verification.json when there is one (None when not). A file that is not JSON, or a
    record that does not fit the shape `kb verify` writes, is a `verification-file` finding at
    its line; the records that fit are kept."""
    if not files.exists(path):
        return None, []
    text = files.read_text(path, shown, limit=MAX_BIB_BYTES)
    if isinstance(text, Finding):
        return None, [text]
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        return None, [VERIFICATION_FILE.finding(Location(shown, error.lineno), f"not JSON: {error.msg} "
                                                f"(column {error.colno})")]
    except ValueError as error:  # NaN, Infinity
        return None, [VERIFICATION_FILE.finding(Location(shown, _line(text, str(error))), f"not JSON: {error}")]
    except RecursionError:
        return None, [VERIFICATION_FILE.finding(Location(shown, 1), "not JSON that can be read: nested too deep")]
    if not isinstance(data, dict) or not isinstance(data.get("records"), list):
        return None, [VERIFICATION_FILE.finding(Location(shown, 1), 'expected an object {"records": [...]}, '
                                                f"as kb verify writes it; found {_kind(data)}")]
    findings = [VERIFICATION_FILE.finding(Location(shown, 1), f"unknown key '{name}' beside \"records\"")
                for name in data if name != "records"]
    offsets = _record_lines(text)
    records: dict[str, RecordResult] = {}
    lines: dict[str, int] = {}
    for index, item in enumerate(data["records"]):
        line = offsets[index] if index < len(offsets) else 1
        problem = _problem(item)
        if problem is not None:
            findings.append(VERIFICATION_FILE.finding(Location(shown, line), f"record {index + 1}: {problem}"))
            continue
        result = RecordResult.from_json(item)
        if result.key in records:
            findings.append(VERIFICATION_FILE.finding(Location(shown, line), f"record {index + 1}: a second record "
                                                      f"of {result.key} (first at line {lines[result.key]})"))
            continue
        records[result.key] = result
        lines[result.key] = line
    return Evidence({key: records[key] for key in sorted(records)}, lines), findings


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _line(text: str, message: str) -> int:
    word = message.split()[0]
    at = text.find(word)
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true or false", type(None): "null"}.get(
        type(value), "a number")


def _skip(text: str, at: int) -> int:
    """The first offset from `at` on that is not JSON whitespace."""
    while text[at:at + 1] in (" ", "\t", "\n", "\r"):
        at += 1
    return at


def _record_lines(text: str) -> list[int]:
    """The line each object of the top-level "records" list opens at (the text is valid JSON:
    json.loads read it). JSON readers keep no lines; this walks the top level with the decoder's
    own scanners."""
    decoder = json.JSONDecoder()
    offsets: list[int] = []
    at = _skip(text, 0)
    if text[at:at + 1] != "{":
        return []
    at = _skip(text, at + 1)
    while text[at:at + 1] == '"':
        name, at = decoder.raw_decode(text, at)
        at = _skip(text, at) + 1  # past the colon
        at = _skip(text, at)
        if name == "records" and text[at:at + 1] == "[":
            offsets = []  # a repeated key: json.loads keeps the last
            at = _skip(text, at + 1)
            while text[at:at + 1] not in ("]", ""):
                offsets.append(at)
                _, at = decoder.raw_decode(text, at)
                at = _skip(text, at)
                if text[at:at + 1] == ",":
                    at = _skip(text, at + 1)
            at += 1
        else:
            _, at = decoder.raw_decode(text, at)
        at = _skip(text, at)
        if text[at:at + 1] == ",":
            at = _skip(text, at + 1)
    lines, counted, line = [], 0, 1
    for offset in offsets:  # counted from the last one on: linear
        line += text.count("\n", counted, offset)
        counted = offset
        lines.append(line)
    return lines


# A record's own keys are RecordResult's fields, as as_json names them.
_RECORD_KEYS = tuple(f.name for f in dataclasses.fields(RecordResult))


def _problem(item: Any) -> str | None:
    """What keeps `item` from being a record as `kb verify` writes one; None when it is one."""
    if not isinstance(item, dict):
        return f"expected an object, found {_kind(item)}"
    for name in item:
        if name not in _RECORD_KEYS:
            return f"unknown key '{name}' (known: {', '.join(_RECORD_KEYS)})"
    key = item.get("key")
    if not isinstance(key, str) or not key.strip():
        return "no \"key\": the record's key in references.bib"
    where = f"{key}: "
    status = item.get("status")
    if status not in STATUSES:
        return f"{where}status {json.dumps(status, ensure_ascii=False)} is not one of {', '.join(STATUSES)}"
    for name in ("typed_status", "reason", "matched", "doi_resolves_to_other"):
        if not isinstance(item.get(name, ""), str):
            return f"{where}\"{name}\" must be a string, not {_kind(item[name])}"
    fields = item.get("fields", {})
    if not isinstance(fields, dict):
        return f"{where}\"fields\" must be an object, not {_kind(fields)}"
    for name, verdict in fields.items():
        if name not in FIELDS:
            return f"{where}unknown field '{name}' in \"fields\" (known: {', '.join(FIELDS)})"
        problem = _object_problem(verdict, _VERDICT, "field")
        if problem:
            return f"{where}fields.{name}: {problem}"
    for name, shape, kind in (("lookups", _LOOKUP, "lookup"), ("retractions", _RETRACTION, "retraction"),
                              ("suggestions", _SUGGESTION, "suggestion")):
        values = item.get(name, [])
        if not isinstance(values, list):
            return f"{where}\"{name}\" must be a list, not {_kind(values)}"
        for number, value in enumerate(values, 1):
            problem = _object_problem(value, shape, kind)
            if problem:
                return f"{where}{name}[{number}]: {problem}"
    return None


def _object_problem(value: Any, shape: dict[str, Any], kind: str) -> str | None:
    if not isinstance(value, dict):
        return f"expected an object, found {_kind(value)}"
    for name in _REQUIRED[kind]:
        if name not in value:
            return f"no \"{name}\""
    for name, held in value.items():
        allowed = shape.get(name)
        if allowed is None:
            return f"unknown key '{name}' (known: {', '.join(shape)})"
        if allowed == _TEXT and not isinstance(held, str):
            return f"\"{name}\" must be a string, not {_kind(held)}"
        if isinstance(allowed, tuple) and held not in allowed:
            return f"\"{name}\" {json.dumps(held, ensure_ascii=False)} is not one of {', '.join(allowed)}"
    return None
