"""`kb show`: a work with the claims that rest on it, or a claim with its sources, as terminal text."""

from __future__ import annotations

import textwrap

from kb.graph import claim_node, claims_on, work_node, works_behind
from kb.knowledgebase import KnowledgeBase
from kb.report import reference_text


def _wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(text, width=88, initial_indent=indent, subsequent_indent=indent)


def _claim(kb: KnowledgeBase, claim_id: str) -> str:
    node = kb.graph.nodes[claim_node(claim_id)]
    document = next(d for d in kb.documents if d.id == node["document"])
    claim = next(c for c in document.claims if c.id == claim_id)
    lines = [f"claim {claim.id}  [{node['label']}]  {kb.display(document.claims_path)}:{claim.line}",
             _wrap(f"“{claim.text}”"),
             f"  section: {claim.section}   kind: {claim.kind}"]
    if claim.cited_as:
        lines.append(f"  cited as: {claim.cited_as}")
    lines.append(_wrap(f"label: {node['label_reason']}"))
    for link in works_behind(kb.graph, claim_id):
        work = kb.works.get(link.key)
        lines.append(f"  -> {link.key}  fit: {link.fit}")
        if work is None:
            lines.append("     not in references.bib")
            continue
        work_data = kb.graph.nodes[work_node(link.key)]
        lines.append(_wrap(reference_text(work), "     "))
        lines.append(f"     {work_data['label']}: {work_data['label_reason']}")
        for name in ("population", "n", "verificationstatus"):
            if work.get(name):
                lines.append(_wrap(f"{name}: {work.get(name)}", "     "))
        if link.note:
            lines.append(_wrap(f"note: {link.note}", "     "))
    return "\n".join(lines)


def _work(kb: KnowledgeBase, key: str) -> str:
    work = kb.works[key]
    data = kb.graph.nodes[work_node(key)]
    lines = [f"work {key}  [{data['label']}, EBRO {data['ebro'] or '–'}]  references.bib:{work.line}",
             _wrap(reference_text(work)),
             _wrap(f"label: {data['label_reason']}")]
    for name in ("population", "n", "verificationstatus", "verification"):
        if work.get(name):
            lines.append(_wrap(f"{name}: {work.get(name)}"))
    links = claims_on(kb.graph, key)
    lines.append(f"  claims resting on it: {len(links)}")
    for link in links:
        claim = kb.graph.nodes[claim_node(link.claim)]
        lines.append(f"  <- {link.claim} [{claim['label']}]  fit: {link.fit}")
        if link.note:
            lines.append(_wrap(f"note: {link.note}", "     "))
    return "\n".join(lines)


def describe(kb: KnowledgeBase, target: str) -> str | None:
    """The text for a claim id or a work key, or None when it is neither."""
    if claim_node(target) in kb.graph:
        return _claim(kb, target)
    if target in kb.works:
        return _work(kb, target)
    return None
