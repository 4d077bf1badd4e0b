"""What `kb verify` prints: one block per record in text, or `{"records": [...]}` in JSON."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence

from kb.printable import printable
from kb.verify.compare import SERVICE_NAMES
from kb.verify.model import STATUSES, RecordResult


def as_json(results: Sequence[RecordResult]) -> str:
    """The contract: one object per record (`RecordResult.as_json`), exact values."""
    return json.dumps({"records": [result.as_json() for result in results]}, ensure_ascii=False, indent=2)


def as_text(results: Sequence[RecordResult]) -> str:
    """Per record: `key: status (typed: ...) reason`, then what differs, each notice, each
    suggestion, indented; a summary line last. Values from data escaped for the terminal."""
    lines = []
    for result in results:
        typed = result.typed_status or "none"
        lines.append(printable(f"{result.key}: {result.status} (typed: {typed})"
                               + (f": {result.reason}" if result.reason else "")))
        for name, verdict in result.fields.items():
            if verdict.verdict == "match" and name != "year" or not (verdict.ours or verdict.theirs):
                continue  # a match is in the reason; a field neither side gives says nothing
            if verdict.verdict == "match" and not verdict.note:
                continue
            where = SERVICE_NAMES.get(verdict.service, verdict.service or "the service")
            if verdict.verdict == "missing" and verdict.ours:
                said = f"ours {verdict.ours!r}; {verdict.note or 'the service gives none'}"
            elif verdict.verdict == "missing":
                said = f"not in our record; {where} gives {verdict.theirs!r}"
            else:
                said = (f"matches {where}" if verdict.verdict == "match" else
                        f"ours {verdict.ours!r}, {where} {verdict.theirs!r}") + (f" ({verdict.note})" if verdict.note else "")
            lines.append(printable(f"    {name} {verdict.verdict}: {said}"))
        if result.doi_resolves_to_other:
            lines.append(printable(f"    its DOI is another work's: {result.doi_resolves_to_other!r}"))
        for notice in result.retractions:
            lines.append(printable(f"    {notice.type.upper() if notice.retracts else notice.type}: "
                                   f"{notice.notice or 'notice not named'}, {notice.date or 'date unknown'} "
                                   f"({notice.source})"))
        for suggestion in result.suggestions:
            lines.append(printable(f"    suggest {suggestion.field} = {suggestion.value!r}: {suggestion.reason}"))
        failed = [lookup for lookup in result.lookups if lookup.outcome == "failed"]
        for lookup in failed:
            if lookup.detail and lookup.detail in result.reason:
                continue  # the reason says it already
            lines.append(printable(f"    {lookup.service} did not answer: {lookup.detail or 'no reason given'}"))
    counts = Counter(result.status for result in results)
    retracted = sum(result.retracted for result in results)
    lines.append(f"{len(results)} record{'s' if len(results) != 1 else ''}: "
                 + ", ".join(f"{counts[s]} {s}" for s in STATUSES if counts[s])
                 + f"; {retracted} retracted")
    return "\n".join(lines) + "\n"


def failing(results: Sequence[RecordResult]) -> bool:
    """Exit 1: a record is retracted, one of its DOIs is another work's, or a service did not answer."""
    return any(r.retracted or r.doi_resolves_to_other or r.status == "lookup-failed" for r in results)
