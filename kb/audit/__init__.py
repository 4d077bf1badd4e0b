"""The audit: named rules over the knowledge base, each finding located, with a severity.

`registry` keeps the rules and runs them; the rules live by what they look at: `claims`
(what a claim rests on), `citations` (citations as printed), `records` (references.bib
entries), `overclaim` (assertive wording) and `verification` (what `kb verify` found).
Importing this package declares them all.
"""

from __future__ import annotations

from kb.audit import citations, claims, overclaim, records, verification  # noqa: F401  (declares the rules)
from kb.audit.registry import CHECKS, KB, LEAFLET, RULES, checked, config_findings, configured, run, scope, summary

__all__ = ["CHECKS", "KB", "LEAFLET", "RULES", "checked", "config_findings", "configured", "run", "scope", "summary"]
