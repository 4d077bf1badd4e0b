"""`kb show`: a work, a claim, a leaflet's summary, or the claims holding some words, as terminal text.

A claim is shown with its label, sources and findings (with a suggested rewrite where the
audit proposes one); a work with the claims resting on it; a leaflet with its counts per
label and per finding. Anything else is looked for as words in the claims' texts.
"""

from __future__ import annotations

import difflib
import textwrap
from collections import Counter

from kb.findings import Finding
from kb.graph import claims_on, works_behind
from kb.knowledgebase import KnowledgeBase
from kb.labels import CLAIM_LABELS
from kb.printable import printable
from kb.rendering import locale_of

_WHITESPACE = str.maketrans("\t\n\r\v\f", "     ")


def _wrap(text: str, indent: str = "  ", whole_words: bool = False) -> list[str]:
    """`text` filled to 88 columns, as lines; with `whole_words`, broken only at spaces (a hyphenated
    name or a URL stays whole: a terminal's link works, and the lines joined give the text).
    A paragraph is refilled, so its tabs and line breaks are spaces (as textwrap makes them); any
    other control character is escaped before the filling, so that the lines are as wide as shown."""
    return textwrap.wrap(printable(text.translate(_WHITESPACE)), width=88, initial_indent=indent,
                         subsequent_indent=indent, break_long_words=not whole_words,
                         break_on_hyphens=not whole_words) or [""]


def _join(lines: list[str]) -> str:
    """The text of `lines`, each one line whatever the data in it holds: the one place where
    `kb show` escapes control and bidirectional characters (`\\x1b`, `\\n`, `\\u202e`)."""
    return "\n".join(printable(line) for line in lines)


def _findings(kb: KnowledgeBase) -> list[Finding]:
    from kb.audit import run

    found = kb.memo.get("findings")
    if found is None:
        found = kb.memo["findings"] = run(kb)
    return found


def _reference(kb: KnowledgeBase, key: str, lang: str) -> str:
    """The work's APA 7 entry as `kb leaflet` prints it, in plain text, with the year suffix
    (2017a) the report gives it: rendered with the KB's works of its year, which are all that
    decide its suffix (rendering every work of a large KB would take seconds)."""
    from kb.apa import references

    year = kb.works[key].year.strip()
    entries = kb.memo.get(f"references-{lang}-{year}")
    if entries is None:
        entries = references.render(references.of_year(kb.works.values(), year), locale_of(lang))
        kb.memo[f"references-{lang}-{year}"] = entries
    entry = entries.get(key)
    return entry.plain if entry else ""


def _finding_lines(findings: list[Finding], indent: str = "  ") -> list[str]:
    lines = []
    for finding in findings:
        lines += _wrap(f"{finding.severity.value} [{finding.rule}]: {finding.message}", indent)
        if finding.suggestion:
            lines += _wrap(f"suggested: {finding.suggestion}", indent + "  ")
    return lines


def _verified(kb: KnowledgeBase, key: str, indent: str = "  ") -> list[str]:
    """What verification.json says of the work: the computed status beside the typed one, where it
    was looked up, the fields that differ, and every notice; nothing when it was never looked up."""
    from kb.audit.verification import notice

    result = kb.verification.get(key) if kb.verification is not None else None
    if result is None:
        return []
    dates = sorted({lookup.date for lookup in result.lookups if lookup.date})
    when = f" ({dates[-1]})" if dates else ""
    lines = _wrap(f"kb verify{when}: {result.status}, typed {result.typed_status or 'none'}"
                  + (f"; {result.reason}" if result.reason else ""), indent)
    for lookup in result.lookups:
        found = f" -> {lookup.record_id}" if lookup.record_id else ""
        lines += _wrap(f"{lookup.service}: {lookup.query}: {lookup.outcome}{found}", indent + "  ")
    for name, verdict in result.fields.items():
        if verdict.verdict == "differs":
            lines += _wrap(f"{name} differs: ours '{verdict.ours}', {verdict.service or 'theirs'} '{verdict.theirs}'",
                           indent + "  ")
    for retraction in result.retractions:
        lines += _wrap(f"{'retracted' if retraction.retracts else 'notice'}: {notice(retraction)}", indent)
    return lines


def _claim(kb: KnowledgeBase, claim_id: str, lang: str) -> str:
    document = next(d for d in kb.documents if any(c.id == claim_id for c in d.claims))
    claim = next(c for c in document.claims if c.id == claim_id)
    label = kb.labels.claims[claim_id]
    lines = [f"claim {claim.id}  [{label.label}]  {kb.display(document.claims_path)}:{claim.line}",
             *_wrap(f"“{claim.text}”"),
             f"  section: {claim.section}   kind: {claim.kind}"]
    if claim.cited_as:
        lines.append(f"  cited as: {claim.cited_as}")
    lines += _wrap(f"label: {label.reason}")
    if claim.kind == "clinical":
        strength = kb.strengths[claim_id]
        lines.append(f"  conclusion level: {strength.level if strength.level is not None else 'none'}"
                     + (" (provisional)" if strength.provisional else ""))
        lines += _wrap(f"why: {strength.level_reason}", "    ")
        lines.append(f"  certainty: {strength.certainty or 'none'}")
        for reason in strength.certainty_reasons:
            lines += _wrap(f"down: {reason}", "    ")
    for link in works_behind(kb.graph, claim_id):
        work = kb.works.get(link.key)
        lines.append(f"  -> {link.key}  fit: {link.fit}")
        if work is None:
            lines.append("     not in references.bib")
            continue
        work_label = kb.labels.works[link.key]
        lines += _wrap(_reference(kb, link.key, lang), "     ", whole_words=True)
        lines.append(f"     {work_label.label}: {work_label.reason}")
        result = kb.verification.get(link.key) if kb.verification is not None else None
        if result is not None and result.retracted:
            lines += _wrap(f"RETRACTED: {link.key} ({'; '.join(r.notice or r.source for r in result.retractions if r.retracts)})",
                           "     ")
        for name in ("population", "n", "verificationstatus"):
            if work.get(name):
                lines += _wrap(f"{name}: {work.get(name)}", "     ")
        if link.note:
            lines += _wrap(f"note: {link.note}", "     ")
    findings = [f for f in _findings(kb) if f.claim == claim_id]
    lines.append(f"  findings: {len(findings)}")
    lines += _finding_lines(findings, "    ")
    return _join(lines)


def _work(kb: KnowledgeBase, key: str, lang: str) -> str:
    work = kb.works[key]
    label = kb.labels.works[key]
    lines = [f"work {key}  [{label.label}, EBRO {label.ebro or '–'}]  references.bib:{work.line}",
             *_wrap(_reference(kb, key, lang), whole_words=True),
             *_wrap(f"label: {label.reason}")]
    for name in ("population", "n", "verificationstatus", "verification"):
        if work.get(name):
            lines += _wrap(f"{name}: {work.get(name)}")
    lines += _verified(kb, key)
    links = claims_on(kb.graph, key)
    lines.append(f"  claims resting on it: {len(links)}")
    for link in links:
        lines.append(f"  <- {link.claim} [{kb.labels.claims[link.claim].label}]  fit: {link.fit}")
        if link.note:
            lines += _wrap(f"note: {link.note}", "     ")
    findings = [f for f in _findings(kb) if f.key == key and f.claim is None]
    if findings:
        lines.append(f"  findings: {len(findings)}")
        lines += _finding_lines(findings, "    ")
    return _join(lines)


def _document(kb: KnowledgeBase, doc_id: str) -> str:
    document = next(d for d in kb.documents if d.id == doc_id)
    counts = Counter(kb.labels.claims[c.id].label for c in document.claims)
    paths = {kb.display(document.claims_path), kb.display(document.text_path)}
    findings = [f for f in _findings(kb) if f.location.path in paths]
    lines = [f"leaflet {document.id}  {kb.display(document.claims_path)}",
             *_wrap(f"{document.title}" + (f" ({document.publisher})" if document.publisher else "")),
             f"  language: {document.language}   text: {kb.display(document.text_path)}",
             f"  claims: {len(document.claims)}  "
             + ", ".join(f"{label}: {counts[label]}" for label in CLAIM_LABELS)]
    by_rule = Counter(f.rule for f in findings)
    lines.append(f"  findings: {len(findings)}" + (
        "  (" + ", ".join(f"{rule}: {n}" for rule, n in sorted(by_rule.items())) + ")" if by_rule else ""))
    cited = sorted({s.key for c in document.claims for s in c.sources})
    lines += _wrap(f"works cited: {len(cited)}" + (f" ({', '.join(cited)})" if cited else ""))
    return _join(lines)


def _words(kb: KnowledgeBase, words: str) -> str | None:
    wanted = words.casefold().split()
    hits = [(d, c) for d in kb.documents for c in d.claims
            if all(w in " ".join(c.text.casefold().split()) for w in wanted)]
    if not wanted or not hits:
        return None
    lines = [f"{len(hits)} claim{'s' if len(hits) != 1 else ''} holding “{words}”:"]
    for document, claim in hits:
        lines.append(f"  {claim.id}  [{kb.labels.claims[claim.id].label}]  "
                     f"{kb.display(document.claims_path)}:{claim.line}")
        lines += _wrap(f"“{claim.text}”", "     ")
    return _join(lines)


def describe(kb: KnowledgeBase, target: str, lang: str = "nl") -> str | None:
    """The text for a claim id, a work key, a leaflet id, or words of claims; None when none fits.
    References are in `lang` ("nl" or "en"), as `kb report --lang` and `kb leaflet --lang` print them."""
    if target in kb.labels.claims:
        return _claim(kb, target, lang)
    if target in kb.works:
        return _work(kb, target, lang)
    if any(d.id == target for d in kb.documents):
        return _document(kb, target)
    return _words(kb, target)


def not_found(kb: KnowledgeBase, target: str) -> str:
    """What to say when `describe` found nothing: the closest names, if any."""
    names = [*kb.works, *kb.labels.claims, *(d.id for d in kb.documents)]
    close = difflib.get_close_matches(target, names, n=3, cutoff=0.6)
    said = f"no work, claim or leaflet called {target!r}, and no claim holds those words"
    return said + (f"; did you mean {' or '.join(close)}?" if close else "")
