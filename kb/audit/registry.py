"""The rule registry: every audit rule, its check, and the run that applies the KB's severities.

A rule is declared once, with its name and default severity (`kb.findings.Rule`); its check
makes findings through it, so neither is written a second time. Rules found by another stage
(the leaflet's placement of citations) are declared and checked here like any other, and that
stage reports them through the same `Rule`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

from kb.findings import CONFIG, Finding, Location, Rule, Severity, sorted_findings
from kb.knowledgebase import KnowledgeBase

Check = Callable[[KnowledgeBase], Iterator[Finding]]

RULES: dict[str, Rule] = {}  # name -> rule, in the order they are declared
CHECKS: dict[str, Check] = {}  # name -> the function that finds its problems


# How far each rule looks, which decides when kb/incremental.py runs it again:
# - LEAFLET: a leaflet's findings depend on that leaflet alone (its claims file and text), the
#   records its claims cite, their verification.json entries and the whole bibliography's
#   citation identity (authors, year, title: ambiguity, 2017a/b), nothing of another leaflet;
# - KB: it reads across leaflets or the whole bibliography, but no claim's text and no leaflet
#   text: its findings are kept while references.bib, verification.json, kb.toml and every
#   claims file but its claims' text stay the same.
# A rule named in neither runs on the whole KB at every build.
LEAFLET, KB = "leaflet", "kb"
SCOPES: dict[str, str] = {
    **dict.fromkeys(("missing-reference", "claim-not-in-text", "unsupported-claim", "expert-only-claim",
                     "unexplained-fit", "unassessed-support", "ambiguous-citation", "cited-without-source",
                     "uncovered-citation", "citation-not-placed", "no-citations", "overclaim",
                     "unchecked-language"), LEAFLET),
    **dict.fromkeys(("unused-reference", "duplicate-claim-id", "citation-mismatch", "unverified-reference",
                     "fields-from-memory", "missing-field", "duplicate-reference", "malformed-doi",
                     "retracted-work", "corrected-work", "status-disagrees", "doi-mismatch",
                     "recalled-doi-confirmed", "metadata-differs", "design-suggestion",
                     "stale-verification"), KB),
}


def scope(name: str) -> str | None:
    """LEAFLET or KB (see SCOPES), None for a rule that must see the whole KB at every build."""
    return SCOPES.get(name)


def declare(name: str, severity: Severity, description: str) -> Rule:
    """A new audit rule; `kb audit --rules` lists it, kb.toml can set its severity."""
    if name in RULES:
        raise ValueError(f"audit rule {name} is declared twice")
    RULES[name] = Rule(name, severity, description)
    return RULES[name]


def checks(rule: Rule) -> Callable[[Check], Check]:
    """Register the decorated function as the check of `rule`."""
    def register(check: Check) -> Check:
        CHECKS[rule.name] = check
        return check
    return register


def config_findings(kb: KnowledgeBase) -> Iterator[Finding]:
    """kb.toml naming a rule that does not exist."""
    for name, line in kb.config.severity_lines.items():
        if name not in RULES:
            yield CONFIG.finding(Location("kb.toml", line),
                                 f"unknown audit rule '{name}' (known: {', '.join(sorted(RULES))})")


def configured(kb: KnowledgeBase, findings: list[Finding]) -> list[Finding]:
    """`findings` at the severities kb.toml sets; those of a rule set to `off` left out."""
    result = []
    for finding in findings:
        setting = kb.config.severity.get(finding.rule) if finding.rule in RULES else None
        if setting == "off":
            continue
        result.append(finding if setting is None else replace(finding, severity=Severity(setting)))
    return result


def checked(kb: KnowledgeBase, name: str) -> list[Finding]:
    """The findings of the rule `name` on `kb`, at its default severity; none when kb.toml turns it off."""
    return list(CHECKS[name](kb)) if kb.config.severity.get(name) != "off" else []


def run(kb: KnowledgeBase, names: Iterator[str] | None = None) -> list[Finding]:
    """Every finding: what loading met, then each rule's (or the rules `names`), at the KB's severities."""
    findings = list(kb.load_findings) + list(config_findings(kb))
    for name in (names if names is not None else RULES):
        if kb.config.severity.get(name) != "off":
            findings.extend(CHECKS[name](kb))
    return sorted_findings(configured(kb, findings))


def summary(findings: list[Finding]) -> str:
    counts = {severity: 0 for severity in Severity}
    for finding in findings:
        counts[finding.severity] += 1
    return ", ".join(f"{counts[s]} {s.value}{'s' if counts[s] != 1 else ''}" for s in Severity)
