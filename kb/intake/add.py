"""`kb add`: a leaflet from a PDF, Word document, saved web page, Markdown or text file made a
leaflet of the KB: `claims/DOC.txt` (the text as published, reflowed, without its reference
list), a draft `claims/DOC.yaml`, and its reference list's entries merged into references.bib.

Everything is read and checked before anything is written: the document id, that neither
claims file exists (unless `force`), the source, references.bib. With `force`, the text is
replaced and the new draft is merged into an existing claims file (kb/citations/update.py):
claims still in the text keep their ids, kinds, sources, fits and notes; new ones are added;
those no longer in the text are kept and marked for review. Then the entries are merged
(so that the draft's citations resolve to them), the draft is made against the merged
bibliography, and both claims files are written together.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kb import bibliography
from kb.findings import UNREADABLE_INPUT, UNREADABLE_RULES, Finding, Location
from kb.identifiers import ID_CHARACTERS, bad_id_character, named
from kb.intake.documents import read_source
from kb.intake.model import Draft, Source
from kb.intake.reflist import split_references
from kb.intake.text import as_text
from kb.knowledgebase import BIB_NAME, CLAIMS_DIR
from kb.output import write_all
from kb.printable import in_json


@dataclass(frozen=True)
class Options:
    """What `kb add` is asked to do."""

    document: str  # the document id: claims/<document>.txt and .yaml
    source: Path  # the file to read
    shown: str  # the source as messages name it
    title: str = ""  # the document's title; the file's own when ""
    publisher: str = ""
    language: str = ""  # "nl" or "en"; the file's own, else guessed from the text, when ""
    force: bool = False  # replace existing claims files
    verify: bool = False  # look the new records up with kb verify


@dataclass(frozen=True)
class Added:
    """What `kb add` did, or why it did nothing."""

    findings: list[Finding] = field(default_factory=list)  # why nothing was written, or what merging said
    unreadable: bool = False  # nothing was written
    written: list[Path] = field(default_factory=list)  # the claims files
    title: str = ""  # the title written into the claims file
    language: str = ""
    kinds: dict[str, int] = field(default_factory=dict)  # draft claims per kind
    citation_groups: int = 0
    citations: int = 0  # single citations in those groups
    resolved: int = 0  # citations resolved to a record
    references_heading: str = ""  # the heading of the reference list, "" when there is none
    entries: int = 0  # reference-list entries parsed
    merged: Any = None  # kb.intake.merge.MergeOutcome of the entries, None when there were none
    verified: Any = None  # kb.verify.run.VerifyOutcome with --verify
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step: read, reflow, draft, merge, verify
    updated: Any = None  # kb.citations.update.Report when an existing claims file took the new draft


def targets(root: Path, document: str) -> tuple[Path, Path]:
    return root / CLAIMS_DIR / f"{document}.txt", root / CLAIMS_DIR / f"{document}.yaml"


def check_document(root: Path, options: Options) -> Finding | None:
    """Why `kb add` cannot write this document, or None: a bad id, or claims files that exist."""
    where = Location(options.document, 0)
    bad = bad_id_character(options.document)
    if not options.document or bad is not None:
        reason = f"holds {named(bad)}" if bad else "is empty"
        return UNREADABLE_INPUT.finding(where, f"not a document id: it {reason}; use {ID_CHARACTERS}")
    text, claims = targets(root, options.document)
    twin = claims.with_suffix(".yml")
    for path in (text, claims, twin):
        if path.is_dir():
            return UNREADABLE_INPUT.finding(Location(f"{CLAIMS_DIR}/{path.name}", 0), "a folder is in the way")
        if (path.exists() or path.is_symlink()) and not options.force:
            return UNREADABLE_INPUT.finding(Location(f"{CLAIMS_DIR}/{path.name}", 0),
                                            "exists; kb add never replaces it without --force")
    return None


def add(root: Path, options: Options) -> Added:
    """Read the source, merge its reference list, draft its claims, and write both claims files."""
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[step] = timings.get(step, 0.0) + now - clock
        clock = now

    problem = check_document(root, options)
    if problem is not None:
        return Added([problem], unreadable=True)
    source = read_source(options.source, options.shown)
    if isinstance(source, Finding):
        return Added([source], unreadable=True)
    lap("read")
    split = split_references(source.blocks)
    text = as_text(split.body)
    if not text.strip():
        return Added([UNREADABLE_INPUT.finding(Location(options.shown, 0), "no text besides a reference list")],
                     unreadable=True)
    lap("reflow")
    bib_path = root / BIB_NAME
    before, findings = bibliography.load(bib_path, BIB_NAME)
    if any(f.rule in UNREADABLE_RULES for f in findings):
        return Added(findings, unreadable=True)
    text_path, claims_path = targets(root, options.document)
    existing = _existing_claims(claims_path)
    if isinstance(existing, Finding):
        return Added([existing], unreadable=True)
    if existing is not None:  # tried before anything is written: a claims file the update cannot read stops here
        problems = _update(existing, _draft(text, before.works, source, options)[1], claims_path)[2]
        if problems:
            return Added(problems, unreadable=True)
    drafts = parse_entries(split.entries, options.shown)
    lap("parse entries")
    merged = None
    if drafts:
        merged = merge_entries(root, drafts)
        findings = findings + list(getattr(merged, "findings", []))
        if getattr(merged, "unreadable", False):
            return Added(findings, unreadable=True)
    lap("merge")
    bib, _ = bibliography.load(bib_path, BIB_NAME)
    content, extraction, title, language = _draft(text, bib.works, source, options)
    updated = None
    if existing is not None:  # the new draft merged into the claims file: no hand-written field lost
        content, updated, _ = _update(existing, extraction, claims_path)
    lap("draft")
    written = write_all(root / CLAIMS_DIR, {text_path.name: text, claims_path.name: content})
    lap("write")
    verified = None
    added_keys = tuple(getattr(merged, "added", ()) or ())
    if options.verify and added_keys:
        from kb.verify.run import Options as VerifyOptions
        from kb.verify.run import verify

        verified = verify(root, VerifyOptions(keys=added_keys))
        lap("verify")
    claims = (yaml.safe_load(content) or {}).get("claims") or []
    cited = [r for g in extraction.groups for r in g.resolutions]
    return Added(
        findings=findings, written=written, title=title, language=language,
        kinds=dict(sorted(Counter(str(c.get("kind", "")) for c in claims).items())),
        citation_groups=len(extraction.groups), citations=len(cited), resolved=sum(1 for r in cited if r.keys),
        references_heading=split.heading, entries=len(drafts), merged=merged, verified=verified, timings=timings,
        updated=updated)


def _existing_claims(path: Path) -> str | Finding | None:
    """The claims file `kb add --force` merges the new draft into; None when there is none."""
    if not (path.exists() or path.is_symlink()):
        return None
    from kb.paths import LOOSE

    return LOOSE.read_text(path, f"{CLAIMS_DIR}/{path.name}")


def _update(existing: str, extraction: Any, path: Path) -> tuple[str, Any, list[Finding]]:
    """The claims file with the draft merged in (kb/citations/update.py), the report, and why it cannot be."""
    from kb.citations import update

    content, report = update.update(existing, extraction)
    return content, report, update.findings(report, f"{CLAIMS_DIR}/{path.name}")


def parse_entries(entries: Sequence[str], shown: str) -> list[Draft]:
    """A draft record of each reference-list entry (kb/intake/entries.py)."""
    if not entries:
        return []
    from kb.intake.entries import parse_entry

    return [dataclasses.replace(draft, source=draft.source or shown)
            for draft in (parse_entry(entry) for entry in entries)]


def merge_entries(root: Path, drafts: Sequence[Draft]) -> Any:
    """The drafts merged into references.bib (kb/intake/merge.py)."""
    from kb.intake.merge import merge_drafts

    return merge_drafts(root, drafts)


def _draft(text: str, works: Any, source: Source, options: Options) -> tuple[str, Any, str, str]:
    """The draft claims file of `text`, with the document's title, publisher and language."""
    from kb.citations import extract, sentences

    # A file's declared language is often its tool's default (Word's en-US, a browser's): the
    # text's own words decide where they are clear.
    language = options.language or sentences.clear_language(text) or source.language or None
    extraction = extract.extract(text, works, options.document, language)
    # The document's own first heading names it: a file's metadata title is often the site's
    # ("... | Site") or the tool's ("Microsoft Word - folder.docx").
    heading = next((block.text for block in source.blocks if block.heading == 1), "")
    title = options.title or heading or source.title or extraction.title
    extraction = dataclasses.replace(extraction, title=title)
    lines = extract.as_yaml(extraction, f"{options.document}.txt").split("\n")
    if options.publisher:
        at = next(i for i, line in enumerate(lines) if line.startswith("  title: "))
        lines.insert(at + 1, f"  publisher: {in_json(json.dumps(options.publisher, ensure_ascii=False))}")
    return "\n".join(lines), extraction, title, extraction.language
