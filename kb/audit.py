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


# Citations as printed: each claim's `cited_as` against the records of its sources, and
# citations in a leaflet's text that no claim covers. Both read citations with kb.citations,
# the parser behind `kb extract`; imported here so that this block stands on its own.

# Problems of a citation (kb.resolution.PROBLEM_KINDS) that make a citation-mismatch finding;
# "ambiguous" is left out: a claim may link every work a citation without a/b can mean.
MISMATCH_KINDS = frozenset({"unresolved", "surname-spelling", "particle", "missing-coauthor", "extra-coauthor",
                            "year-mismatch", "year-suffix", "et-al-punctuation", "hyphen-space"})


@rule("citation-mismatch", Severity.WARNING,
      "a claim's cited_as disagrees with the records of its sources, or cites one work two ways")
def _citation_mismatch(kb: KnowledgeBase) -> Iterator[Finding]:
    from kb.citations import find
    from kb.resolution import Index, authors_text, resolve

    seen: dict[str, tuple[tuple[str, ...], str, str, str]] = {}  # key -> (names, year, form, where)
    for document in kb.documents:
        path = kb.display(document.claims_path)
        for claim in document.claims:
            if not claim.cited_as:
                continue
            works = {s.key: kb.works[s.key] for s in claim.sources if s.key in kb.works}
            where = Location(path, claim.line)
            groups = find(claim.cited_as)
            if not groups:
                yield Finding(where, Severity.WARNING, "citation-mismatch",
                              f"claim {claim.id}: cited_as '{claim.cited_as}' cannot be read as an author-year "
                              f"citation", claim=claim.id)
                continue
            index = Index(works)
            covered: set[str] = set()
            for citation in (c for g in groups for c in g.citations):
                resolution = resolve(citation, index)
                covered.update(resolution.keys)
                for problem in resolution.problems:
                    if problem.kind == "unresolved":
                        listed = ", ".join(sorted(works)) or "none"
                        message = f"{citation.text} matches none of the claim's sources ({listed})"
                    elif problem.kind in MISMATCH_KINDS:
                        message = problem.message
                    else:
                        continue
                    yield Finding(where, Severity.WARNING, "citation-mismatch", f"claim {claim.id}: {message}",
                                  claim=claim.id, key=resolution.keys[0] if resolution.keys else None)
                names = tuple(n.casefold() for n in citation.authors)
                year = f"{citation.year}{citation.suffix}"
                for key in resolution.keys:
                    if key not in seen:
                        seen[key] = (names, year, citation.text, f"claim {claim.id} ({path}:{claim.line})")
                        continue
                    first_names, first_year, form, first_where = seen[key]
                    if (len(first_names) == len(names) and first_names != names) or first_year != year:
                        work = kb.works[key]
                        yield Finding(where, Severity.WARNING, "citation-mismatch",
                                      f"claim {claim.id}: {key} is cited as '{citation.text}' here and as '{form}' "
                                      f"in {first_where}; the record: {authors_text(work.authors)} ({work.year})",
                                      claim=claim.id, key=key)
            for key in works:
                if key not in covered:
                    yield Finding(where, Severity.WARNING, "citation-mismatch",
                                  f"claim {claim.id}: its source {key} ({works[key].short_citation()}) is not "
                                  f"named in cited_as '{claim.cited_as}'", claim=claim.id, key=key)


@rule("uncovered-citation", Severity.WARNING, "a citation in a leaflet's text that no claim covers")
def _uncovered_citation(kb: KnowledgeBase) -> Iterator[Finding]:
    from kb.citations import collapse, find

    for document in kb.documents:
        text = kb.texts.get(document.id)
        if text is None:
            continue
        cited = [collapse(c.cited_as) for c in document.claims if c.cited_as]
        spans = [s for s in (text.find(c.text) for c in document.claims if c.text) if s is not None]
        for group in find(text.text):
            printed = collapse(group.text)
            if any(printed in c or c in printed for c in cited):
                continue
            between = (text.text[s.end:group.start].strip(" \t\r\n,.;:") for s in spans if s.start <= group.start)
            if any(s.start <= group.start and s.end >= group.end for s in spans) or "" in between:
                continue  # right after a claim's span, or inside it ("Koch et al. (2014) found ...")
            yield Finding(Location(kb.display(document.text_path), text.line_of(group.start)), Severity.WARNING,
                          "uncovered-citation", f"the citation {printed} is covered by no claim of "
                                                f"{kb.display(document.claims_path)}")
