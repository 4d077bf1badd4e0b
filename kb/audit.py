"""The audit: named rules over the knowledge base, each finding located, with a severity."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from kb.findings import Finding, Location, Severity, sorted_findings
from kb.graph import claim_node, missing_works, uncited_works
from kb.knowledgebase import BIB_NAME, KnowledgeBase
from kb.labels import EXPERT_BASED, UNSUPPORTED


@dataclass(frozen=True)
class Rule:
    """One check a reviewer can name, switch off, or make an error."""

    name: str  # e.g. "missing-reference"
    severity: Severity  # the default
    description: str  # one line, for the README and `kb audit --rules`
    check: Callable[[KnowledgeBase], Iterator[Finding]]  # yields findings at the default severity


RULES: dict[str, Rule] = {}


def rule(name: str, severity: Severity, description: str) -> Callable[
        [Callable[[KnowledgeBase], Iterator[Finding]]], Callable[[KnowledgeBase], Iterator[Finding]]]:
    def register(check: Callable[[KnowledgeBase], Iterator[Finding]]) -> Callable[[KnowledgeBase], Iterator[Finding]]:
        RULES[name] = Rule(name, severity, description, check)
        return check
    return register


def _claims_path(kb: KnowledgeBase, document_id: str) -> str:
    for document in kb.documents:
        if document.id == document_id:
            return kb.display(document.claims_path)
    return document_id


@rule("missing-reference", Severity.ERROR, "a claim cites a key that references.bib lacks")
def _missing_reference(kb: KnowledgeBase) -> Iterator[Finding]:
    missing = set(missing_works(kb.graph))
    for document in kb.documents:
        for claim in document.claims:
            for source in claim.sources:
                if source.key in missing:
                    yield Finding(Location(kb.display(document.claims_path), source.line), Severity.ERROR,
                                  "missing-reference", f"claim {claim.id} cites {source.key}, which references.bib lacks",
                                  claim=claim.id, key=source.key)


@rule("unused-reference", Severity.WARNING, "a work in references.bib that no claim cites")
def _unused_reference(kb: KnowledgeBase) -> Iterator[Finding]:
    for key in uncited_works(kb.graph):
        yield Finding(Location(BIB_NAME, kb.works[key].line), Severity.WARNING, "unused-reference",
                      f"{key} is cited by no claim", key=key)


@rule("claim-not-in-text", Severity.ERROR, "a claim's text is not found verbatim in its leaflet")
def _claim_not_in_text(kb: KnowledgeBase) -> Iterator[Finding]:
    for document in kb.documents:
        text = kb.texts.get(document.id)
        if text is None:
            continue
        for claim in document.claims:
            if claim.text and text.find(claim.text) is None:
                yield Finding(Location(kb.display(document.claims_path), claim.line), Severity.ERROR,
                              "claim-not-in-text",
                              f"claim {claim.id}: its text is not in {kb.display(document.text_path)}",
                              claim=claim.id)


@rule("duplicate-claim-id", Severity.ERROR, "two claims share an id")
def _duplicate_claim_id(kb: KnowledgeBase) -> Iterator[Finding]:
    seen: dict[str, str] = {}
    for document in kb.documents:
        for claim in document.claims:
            where = f"{kb.display(document.claims_path)}:{claim.line}"
            if claim.id in seen:
                yield Finding(Location(kb.display(document.claims_path), claim.line), Severity.ERROR,
                              "duplicate-claim-id", f"claim id {claim.id} is already used at {seen[claim.id]}",
                              claim=claim.id)
            else:
                seen[claim.id] = where


@rule("unsupported-claim", Severity.WARNING, "a clinical claim with no support")
def _unsupported_claim(kb: KnowledgeBase) -> Iterator[Finding]:
    for document in kb.documents:
        for claim in document.claims:
            node = kb.graph.nodes[claim_node(claim.id)]
            if node["label"] == UNSUPPORTED:
                yield Finding(Location(kb.display(document.claims_path), claim.line), Severity.WARNING,
                              "unsupported-claim", f"claim {claim.id} has no support: {node['label_reason']}",
                              claim=claim.id)


@rule("expert-only-claim", Severity.WARNING, "a clinical claim resting on expert-based works alone")
def _expert_only_claim(kb: KnowledgeBase) -> Iterator[Finding]:
    for document in kb.documents:
        for claim in document.claims:
            node = kb.graph.nodes[claim_node(claim.id)]
            if node["label"] == EXPERT_BASED:
                yield Finding(Location(kb.display(document.claims_path), claim.line), Severity.WARNING,
                              "expert-only-claim", f"claim {claim.id} rests on expert-based works alone: "
                              f"{node['label_reason'].removeprefix('expert-based: ')}", claim=claim.id)


def config_findings(kb: KnowledgeBase) -> Iterator[Finding]:
    """kb.toml naming a rule that does not exist."""
    known = set(RULES)
    for name, line in kb.config.severity_lines.items():
        if name not in known:
            yield Finding(Location("kb.toml", line), Severity.ERROR, "config",
                          f"unknown audit rule '{name}' (known: {', '.join(sorted(known))})")


def run(kb: KnowledgeBase) -> list[Finding]:
    """Every finding: what loading met, then each rule's, at the severity the KB sets."""
    findings = list(kb.load_findings) + list(config_findings(kb))
    for name, entry in RULES.items():
        setting = kb.config.severity.get(name)
        if setting == "off":
            continue
        for finding in entry.check(kb):
            if setting is not None:
                finding = replace(finding, severity=Severity(setting))
            findings.append(finding)
    return sorted_findings(findings)


def summary(findings: list[Finding]) -> str:
    counts = {severity: 0 for severity in Severity}
    for finding in findings:
        counts[finding.severity] += 1
    return ", ".join(f"{counts[s]} {s.value}{'s' if counts[s] != 1 else ''}" for s in Severity)
