"""The audit: named rules over the knowledge base, each finding located, with a severity."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import cache

from kb import overclaim, recordchecks
from kb.bibliography import Work
from kb.claims import SUPPORTING_FITS, Claim
from kb.findings import Finding, Location, Severity, sorted_findings
from kb.graph import claim_node, missing_works, uncited_works, work_node
from kb.knowledgebase import BIB_NAME, KnowledgeBase
from kb.labels import EMPIRICAL, EXPERT_BASED, UNSUPPORTED


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


def _claims(kb: KnowledgeBase) -> Iterator[tuple[str, Claim]]:
    """Every claim of the KB, with the path its findings show, in file order."""
    for document in kb.documents:
        path = kb.display(document.claims_path)
        for claim in document.claims:
            yield path, claim


@rule("missing-reference", Severity.ERROR, "a claim cites a key that references.bib lacks")
def _missing_reference(kb: KnowledgeBase) -> Iterator[Finding]:
    missing = set(missing_works(kb.graph))
    for path, claim in _claims(kb):
        for source in claim.sources:
            if source.key in missing:
                yield Finding(Location(path, source.line), Severity.ERROR,
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
    for path, claim in _claims(kb):
        if claim.id in seen:
            yield Finding(Location(path, claim.line), Severity.ERROR,
                          "duplicate-claim-id", f"claim id {claim.id} is already used at {seen[claim.id]}",
                          claim=claim.id)
        else:
            seen[claim.id] = f"{path}:{claim.line}"


@rule("unsupported-claim", Severity.WARNING, "a clinical claim with no support")
def _unsupported_claim(kb: KnowledgeBase) -> Iterator[Finding]:
    for path, claim in _claims(kb):
        node = kb.graph.nodes[claim_node(claim.id)]
        if node["label"] == UNSUPPORTED:
            yield Finding(Location(path, claim.line), Severity.WARNING,
                          "unsupported-claim",
                          f"claim {claim.id} has no support: {node['label_reason'].removeprefix('unsupported: ')}",
                          claim=claim.id)


@rule("expert-only-claim", Severity.WARNING, "a clinical claim resting on expert-based works alone")
def _expert_only_claim(kb: KnowledgeBase) -> Iterator[Finding]:
    for path, claim in _claims(kb):
        node = kb.graph.nodes[claim_node(claim.id)]
        if node["label"] == EXPERT_BASED:
            yield Finding(Location(path, claim.line), Severity.WARNING,
                          "expert-only-claim", f"claim {claim.id} rests on expert-based works alone: "
                          f"{node['label_reason'].removeprefix('expert-based: ')}", claim=claim.id)


def _supporting(kb: KnowledgeBase, claim: Claim) -> list[str]:
    """Keys of the works that count as the claim's support, each once, in the claims file's order."""
    keys = [s.key for s in claim.sources if s.fit in SUPPORTING_FITS and s.key in kb.works]
    return list(dict.fromkeys(keys))


def _weak_basis(kb: KnowledgeBase, claim: Claim) -> tuple[str, bool] | None:
    """What a claim rests on when that is too little for assertive wording, and whether it is
    very little (unsupported or expert-only: the GRADE "uncertain whether" hedge), else None."""
    node = kb.graph.nodes[claim_node(claim.id)]
    if node["label"] == UNSUPPORTED:
        return f"has no support ({node['label_reason'].removeprefix('unsupported: ')})", True
    keys = _supporting(kb, claim)
    works = "; ".join(f"{k}, {kb.works[k].design or 'design not given'}" for k in keys
                      if node["label"] == EXPERT_BASED or kb.graph.nodes[work_node(k)]["label"] == EMPIRICAL)
    if node["label"] == EXPERT_BASED:
        return f"rests on expert-based work only ({works})", True
    if node["label"] == EMPIRICAL and node["strongest"] in ("B", "C"):
        levels = sorted({kb.graph.nodes[work_node(k)]["ebro"] for k in keys
                         if kb.graph.nodes[work_node(k)]["label"] == EMPIRICAL})
        return f"rests on EBRO {'/'.join(levels)} work only ({works})", False
    return None


@rule("overclaim", Severity.WARNING, "assertive wording (toont aan, bekend is dat, essentieel; proves) on a claim that is "
      "unsupported, expert-only or rests on EBRO B/C work only; proposes a hedged rewrite")
def _overclaim(kb: KnowledgeBase) -> Iterator[Finding]:
    for document in kb.documents:
        path = kb.display(document.claims_path)
        for claim in document.claims:
            if claim.kind != "clinical" or not claim.text:
                continue
            basis = _weak_basis(kb, claim)
            if basis is None:
                continue
            found = overclaim.assess(claim.text, document.language, weak=basis[1])
            if found is None:
                continue
            words = ", ".join(f"'{hit.words}'" for hit in found.hits)
            yield Finding(Location(path, claim.line), Severity.WARNING, "overclaim",
                          f"{words} in claim {claim.id}, which {basis[0]}", claim=claim.id,
                          suggestion=found.suggestion)


@cache
def _fold(text: str) -> str:
    """Case and accents folded: "Leirvåg" and "leirvag" are one surname in a citation.

    Cached: the same surnames and citations are folded for every claim that cites them.
    """
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


@cache
def _name_pattern(name: str) -> re.Pattern[str]:
    """A surname, folded, as a whole word."""
    return re.compile(rf"(?<!\w){re.escape(_fold(name))}(?!\w)")


def _names(text: str, names: list[str]) -> bool:
    return all(_name_pattern(n).search(text) for n in names)


_LEADING_ARTICLE = re.compile(r"^(?:a|an|the|de|het|een)\s+")
_CITED_YEAR = re.compile(r"(?<!\d)(\d{4})([a-z]?)(?![\d\w])")
_ET_AL = re.compile(r"\bet\.?\s*al\b")
_WORDS = re.compile(r"\w+")


def _apa_title(work: Work) -> str:
    """The title as APA 7 sorts same-author, same-year works for their a/b letters."""
    return _LEADING_ARTICLE.sub("", _fold(work.title))


def _unwrapped(part: str) -> str:
    """One citation of a group, without the group's parenthesis at either end: "(A, 2017" -> "A, 2017"."""
    text = part.strip()
    if text.startswith("(") and text.count("(") > text.count(")"):
        text = text[1:].strip()
    if text.endswith(")") and text.count(")") > text.count("("):
        text = text[:-1].strip()
    return text


def _by_year_and_surname(kb: KnowledgeBase) -> dict[tuple[str, str], list[Work]]:
    """(year, last word of the first author's folded surname) -> works, to look citations up in."""
    index: dict[tuple[str, str], list[Work]] = {}
    for work in kb.works.values():
        if work.authors and work.year[:4].isdigit():
            surname = _fold(work.authors[0].family).split()
            if surname:
                index.setdefault((work.year[:4], surname[-1]), []).append(work)
    return index


def _ambiguous(claim: Claim, index: dict[tuple[str, str], list[Work]]) -> Iterator[tuple[str, str, list[Work]]]:
    """(citation, year, works) for each citation in `cited_as` whose year has no a/b although
    two or more works share its authors and year."""
    for part in claim.cited_as.split(";"):
        years = list(_CITED_YEAR.finditer(part))
        if not years:
            continue
        names = _fold(part[:years[0].start()])
        et_al = _ET_AL.search(names) is not None
        words = set(_WORDS.findall(names))
        for year in years:
            if year.group(2):
                continue
            groups: dict[tuple[str, ...], list[Work]] = {}
            for word in sorted(words):
                for work in index.get((year.group(1), word), []):
                    families = [a.family for a in work.authors]
                    if et_al and _names(names, families[:1]):
                        groups.setdefault((_fold(families[0]),), []).append(work)
                    elif not et_al and _names(names, families):
                        groups.setdefault(tuple(_fold(f) for f in families), []).append(work)
            for works in groups.values():
                if len(works) > 1:
                    yield _unwrapped(part), year.group(1), sorted(works, key=_apa_title)


@rule("ambiguous-citation", Severity.ERROR, "a citation without a/b while two works share its authors and "
      "year (Fonagy 2017)")
def _ambiguous_citation(kb: KnowledgeBase) -> Iterator[Finding]:
    index = _by_year_and_surname(kb)
    for path, claim in _claims(kb):
        if not claim.cited_as:
            continue
        for citation, year, works in _ambiguous(claim, index):
            letters = ", ".join(f"{year}{chr(97 + i)} = {w.key}" for i, w in enumerate(works))
            yield Finding(Location(path, claim.line), Severity.ERROR,
                          "ambiguous-citation",
                          f"claim {claim.id}: '{citation}' fits {len(works)} works with the same authors "
                          f"and year: {', '.join(w.key for w in works)}; APA 7 tells them apart by title "
                          f"({letters})", claim=claim.id)


@rule("cited-without-source", Severity.WARNING, "a claim with a printed citation (cited_as) that links no work")
def _cited_without_source(kb: KnowledgeBase) -> Iterator[Finding]:
    for path, claim in _claims(kb):
        if claim.cited_as and not claim.sources:
            yield Finding(Location(path, claim.line), Severity.WARNING,
                          "cited-without-source",
                          f"claim {claim.id} is cited as '{claim.cited_as}' but links no work", claim=claim.id)


@rule("unexplained-fit", Severity.WARNING, "a link whose fit is partial, indirect or not-addressed, with no "
      "note saying why")
def _unexplained_fit(kb: KnowledgeBase) -> Iterator[Finding]:
    for path, claim in _claims(kb):
        for source in claim.sources:
            if source.fit in ("partial", "indirect", "not-addressed") and not source.note:
                yield Finding(Location(path, source.line), Severity.WARNING,
                              "unexplained-fit",
                              f"claim {claim.id}: the link to {source.key} is {source.fit}, but no note says why",
                              claim=claim.id, key=source.key)


@rule("unassessed-support", Severity.INFO, "a clinical claim labelled only by unassessed links (its "
      "citation taken at face value)")
def _unassessed_support(kb: KnowledgeBase) -> Iterator[Finding]:
    for path, claim in _claims(kb):
        node = kb.graph.nodes[claim_node(claim.id)]
        if node["label"] not in (EMPIRICAL, EXPERT_BASED):
            continue
        fits = {s.fit for s in claim.sources if s.fit in SUPPORTING_FITS and s.key in kb.works}
        if fits == {"unassessed"}:
            keys = ", ".join(_supporting(kb, claim))
            yield Finding(Location(path, claim.line), Severity.INFO,
                          "unassessed-support",
                          f"claim {claim.id} is {node['label']} only by taking its citation at face value: "
                          f"whether {keys} says this is unassessed", claim=claim.id)


@rule("unchecked-language", Severity.INFO, "a leaflet in a language kb/data/phrases.toml has no lists for: "
      "overclaim cannot check it")
def _unchecked_language(kb: KnowledgeBase) -> Iterator[Finding]:
    for document in kb.documents:
        path = kb.display(document.claims_path)
        if overclaim.language(document.language) is None and any(c.kind == "clinical" for c in document.claims):
            known = ", ".join(sorted(overclaim.languages()))
            yield Finding(Location(path, 0), Severity.INFO, "unchecked-language",
                          f"no phrase lists for language '{document.language}' (known: {known}): "
                          "its claims were not checked for overclaim")


rule("unverified-reference", Severity.WARNING, "a record not verified or verified-core (partly, from-memory, "
     "unresolved, none), with what was not seen")(recordchecks.unverified_reference)
rule("fields-from-memory", Severity.INFO, "a verified or verified-core record with fields from memory, "
     "naming them")(recordchecks.fields_from_memory)
rule("missing-field", Severity.ERROR, "a record lacks a field its type needs, design, verificationstatus, "
     "or population and n of an empirical design; or has a value outside the vocabulary")(
    recordchecks.missing_field)
rule("duplicate-reference", Severity.WARNING, "two records with the same DOI, or the same title and year")(
    recordchecks.duplicate_reference)
rule("malformed-doi", Severity.WARNING, "a doi or doiunverified that is not a bare DOI (10.xxxx/...)")(
    recordchecks.malformed_doi)


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
      "a claim's `cited_as` disagrees with the records of its sources (surname spelling, particle, co-author left "
      "out or added, year, a/b, \"et al\" without its full stop, a space at a hyphen), names none of them, leaves a "
      "source out, or cites a work otherwise than another claim does")
def _citation_mismatch(kb: KnowledgeBase) -> Iterator[Finding]:
    from kb.citations import Citation, Group, find
    from kb.resolution import Index, Resolution, authors_text, resolve

    seen: dict[str, tuple[tuple[str, ...], str, str, str]] = {}  # key -> (names, year, form, where)
    whole = Index(kb.works)  # a year's letter is right when the whole bibliography needs it
    # A work is cited alike by each claim it supports: read each printed citation once, and
    # resolve it once against each set of sources it is given with.
    parsed: dict[str, list[Group]] = {}
    indexes: dict[tuple[str, ...], Index] = {}
    resolved: dict[tuple[Citation, tuple[str, ...]], Resolution] = {}
    suffix_wrong: dict[Citation, bool] = {}
    for path, claim in _claims(kb):
        if not claim.cited_as or not claim.sources:
            continue  # a citation with no source at all is cited-without-source
        works = {s.key: kb.works[s.key] for s in claim.sources if s.key in kb.works}
        where = Location(path, claim.line)
        groups = parsed.get(claim.cited_as)
        if groups is None:
            groups = parsed[claim.cited_as] = find(claim.cited_as)
        if not groups:
            yield Finding(where, Severity.WARNING, "citation-mismatch",
                          f"claim {claim.id}: cited_as '{claim.cited_as}' cannot be read as an author-year "
                          f"citation", claim=claim.id)
            continue
        sources = tuple(works)
        index = indexes.get(sources)
        if index is None:
            index = indexes[sources] = Index(works)
        covered: set[str] = set()
        for citation in (c for g in groups for c in g.citations):
            resolution = resolved.get((citation, sources))
            if resolution is None:
                resolution = resolved[(citation, sources)] = resolve(citation, index)
            covered.update(resolution.keys)
            for problem in resolution.problems:
                if problem.kind == "year-suffix":
                    if citation not in suffix_wrong:
                        suffix_wrong[citation] = any(
                            p.kind == "year-suffix" for p in resolve(citation, whole).problems)
                    if not suffix_wrong[citation]:
                        continue
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
                # a year with and without its letter is ambiguous-citation's finding, not this one's
                years_differ = first_year != year and (first_year[:4] != year[:4] or
                                                       (len(first_year) > 4 and len(year) > 4))
                if (len(first_names) == len(names) and first_names != names) or years_differ:
                    work = kb.works[key]
                    yield Finding(where, Severity.WARNING, "citation-mismatch",
                                  f"claim {claim.id}: {key} is cited as '{citation.text}' here and as '{form}' "
                                  f"in {first_where}; the record: {authors_text(work.authors)} ({work.year})",
                                  claim=claim.id, key=key)
        for key, source_work in works.items():
            if key not in covered:
                yield Finding(where, Severity.WARNING, "citation-mismatch",
                              f"claim {claim.id}: its source {key} ({source_work.short_citation()}) is not "
                              f"named in cited_as '{claim.cited_as}'", claim=claim.id, key=key)


@rule("uncovered-citation", Severity.WARNING,
      "a citation in a leaflet's text (found as `kb extract` finds it) that no claim's `cited_as` holds and that no "
      "claim's span ends right before")
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
