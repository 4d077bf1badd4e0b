"""The pipeline: load the knowledge base, audit it, render, write; one function per command.

Each function reads everything it needs before it writes anything, and returns what happened
(`Outcome`): the files written, the findings to show, whether the input could be read. The
command (`kb.cli`) prints them and decides the exit code. Each function imports the stages it
runs: `kb leaflet` does not pay for the audit's graph, nor `kb audit` for the CSL processor.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.findings import Finding, Severity, UnreadableInput, sorted_findings
from kb.knowledgebase import KnowledgeBase, load
from kb.output import write_all

if TYPE_CHECKING:
    from kb import incremental, pagecache, reportdata

Advance = Callable[[str], None]


@dataclass(frozen=True)
class Outcome:
    """What a command did."""

    findings: list[Finding] = field(default_factory=list)  # to show, sorted
    written: list[Path] = field(default_factory=list)  # files written, in order
    unreadable: bool = False  # the input could not be read: nothing was done
    failed: bool = False  # error findings (the cached report's verdict, when `findings` are not all known)
    lines: tuple[str, ...] = ()  # findings as a cached run printed them
    outside: tuple[Path, ...] = ()  # leaflet texts the report read from outside claims/ (kb serve watches them)


def _silent(what: str) -> None:
    pass


def read(root: Path, advance: Advance = _silent, only: str | None = None) -> tuple[KnowledgeBase, Outcome | None]:
    """The KB at `root`, and an outcome to stop with when it cannot be read.

    Record rules need no claims: when a claims file cannot be read, the bibliography's own
    problems are reported with it, so that one run shows them all."""
    kb = load(root, advance, only=only)
    if not kb.unreadable:
        return kb, None
    from kb.audit import run
    from kb.audit.records import RECORD_RULES

    return kb, Outcome(findings=run(kb, iter(r.name for r in RECORD_RULES)), unreadable=True)


# What the commands of the program itself (kb.cli) have made, held when they return: the program
# ends without freeing any of it (kb.cli._leave), rather than freeing it object by object as they
# return (a twentieth of a second after an edit of a KB of 10,000 works). None, as for any caller
# of its own (tests, kb serve): freed as usual.
held: list[Any] | None = None


def _hold(*made: Any) -> None:
    if held is not None:
        held.append(made)


def audit(root: Path, advance: Advance = _silent) -> Outcome:
    kb, stop = read(root, advance)
    if stop:
        return stop
    from kb.audit import run

    advance("auditing")
    findings = run(kb)
    advance("done")
    _hold(kb)
    return Outcome(findings=findings, failed=any(f.severity is Severity.ERROR for f in findings))


def report(root: Path, out: Path, lang: str, advance: Advance = _silent, pages: str | None = None) -> Outcome:
    """report.json, report.html and report.md of the KB in `out`, paged or not as `pages` says
    (auto, single, paged; None: kb.toml's [report] pages); a cached rendering when the inputs
    are unchanged, else what changed since the last build made anew (kb.incremental). The
    outcome's findings are the errors (the report holds the rest)."""
    from kb import cache

    label = lang if pages is None else f"{lang}/{pages}"
    inputs = cache.key(root, label)
    hit = cache.lookup(root, lang, inputs) if inputs else None
    if hit is not None:
        try:
            written = cache.restore(hit, out, root)
        except OSError:  # the entry went away meanwhile (pruned by a concurrent run): render
            pass
        else:
            _remove_stale(out, written)
            cache.remember(root)  # files touched, not changed: not read again next time
            return Outcome(written=written, failed=hit.code != 0, lines=hit.errors, outside=hit.extra)
    from kb import incremental

    # An input that could not be hashed (refused, unreadable) is reported as a cold build reports it.
    built = incremental.build(root, lang, advance) if inputs else None
    if built is None:  # a KB it cannot follow leaflet by leaflet: built cold
        return _report_cold(root, out, lang, label, inputs, advance, pages)
    from kb import reportdata

    advance("rendering")
    try:
        rendering = _render(reportdata.Inputs(root, built.report, built.texts, built.references), root, lang,
                            pages or built.pages, out, built.scope)
        rendering.files["report.json"] = built.report_json
        advance("writing")
        written = rendering.write(out)
    except UnreadableInput as error:  # a template's error: write_all has left the previous report
        incremental.discard(built)
        return Outcome(findings=error.findings, unreadable=True)
    except BaseException:
        incremental.discard(built)
        raise
    _remove_stale(out, written)
    incremental.keep(built)
    advance("done")
    _hold(built, rendering)
    failed = bool(built.errors)
    outside = _store(root, label, inputs, written, built.errors, failed, built.text_paths, out, rendering.written)
    return Outcome(findings=built.errors, written=written, failed=failed, outside=outside)


@dataclass
class _Rendering:
    """The report's files to write, and for a paged report what its page files are (pagecache.Written)."""

    files: dict[str, Any]
    written: pagecache.Written | None = None
    cache: Path | None = None  # the page cache

    def write(self, out: Path) -> list[Path]:
        """Write the files; every file of the report, written or left as it was, in name order."""
        from kb import pagecache

        same = self.written.same if self.written is not None else []
        written = sorted(write_all(out, self.files) + [out / name for name in same])
        if self.cache is not None and self.written is not None:
            pagecache.remember(self.cache, self.written)
        return written


def _render(data: reportdata.Inputs, root: Path, lang: str, pages: str, out: Path,
            scope: incremental.Scope | None = None) -> _Rendering:
    """The report's files: a folder of pages (kb.pages) or the single report (kb.report)."""
    from kb import pagecache
    from kb import pages as pages_
    from kb import report as report_

    if pages_.paged(data.report, pages):
        made = _Rendering({}, pagecache.Written(out), pagecache.cache_folder(root, lang))
        made.files = dict(pages_.render(data, lang, made.cache, written=made.written, scope=scope))
        return made
    return _Rendering(dict(report_.render(data, lang)))


def _report_cold(root: Path, out: Path, lang: str, label: str, inputs: str, advance: Advance,
                 pages: str | None) -> Outcome:
    """The report of the whole KB read and audited at once."""
    kb, stop = read(root, advance)
    if stop:
        return stop
    from kb import reportdata
    from kb.audit import run

    findings = run(kb)
    advance("rendering")
    try:
        rendering = _render(reportdata.inputs(kb, findings, lang), root, lang, pages or kb.config.pages, out)
        _hold(kb, rendering)
        advance("writing")
        written = rendering.write(out)  # renders report.html and report.md as it writes them
    except UnreadableInput as error:  # a template's error: write_all has left the previous report
        return Outcome(findings=error.findings, unreadable=True)
    _remove_stale(out, written)
    advance("done")
    errors = [f for f in findings if f.severity is Severity.ERROR]
    failed = bool(errors)
    outside = _store(root, label, inputs, written, errors, failed, tuple(d.text_path for d in kb.documents), out,
                     rendering.written)
    return Outcome(findings=errors, written=written, failed=failed, outside=outside)


def _store(root: Path, label: str, inputs: str, written: list[Path], errors: list[Finding], failed: bool,
           texts: tuple[Path, ...], out: Path, pages: pagecache.Written | None) -> tuple[Path, ...]:
    """Keep the report just written for a run with the same inputs (kb.cache); a paged report's
    pages as the page cache holds them (`pages`). The texts read from outside claims/."""
    from kb import cache

    # Texts the cache's hash of claims/ may miss: elsewhere in the KB, or reached through a link
    # (the hash does not follow a linked folder).
    claims = os.path.normpath(os.path.abspath(root / "claims"))
    outside = [text for text in texts if not _hashed_with_claims(claims, text)]
    if inputs == cache.key(root, label, save=True):  # the inputs did not change while it ran
        try:
            cache.store(root, inputs, written, [f.format() for f in errors], int(failed), outside, out, pages)
        except OSError:  # the cache only saves time: a KB whose build/ is read-only still reports
            pass
    return tuple(outside)


def _remove_stale(out: Path, written: list[Path]) -> None:
    """Pages of a paged report that this report does not hold (a leaflet removed since, or a
    single report after a paged one) go."""
    from kb.pages import stale

    for page in stale(out, written):
        page.unlink(missing_ok=True)


def _hashed_with_claims(claims: str, text: Path) -> bool:
    """Whether the cache's walk of claims/ (`claims`: its absolute path) reads `text`: it lies in
    claims/, and no linked folder leads to it (the walk does not follow one)."""
    plain = os.path.normpath(os.path.abspath(text))
    if not plain.startswith(claims + os.sep):
        return False
    folder = os.path.dirname(plain)
    return folder == claims or os.path.realpath(folder) == os.path.normpath(
        os.path.join(os.path.realpath(claims), os.path.relpath(folder, claims)))


@dataclass(frozen=True)
class LeafletOutcome:
    """A rendered leaflet: its files (or its text, for standard output) and what to know about it."""

    outcome: Outcome  # findings; unreadable when the KB or the leaflet could not be read
    files: dict[Path, str] = field(default_factory=dict)  # to write: the leaflet, and its CSL-JSON beside it
    text: str = ""  # the leaflet, when no file was asked for
    known: tuple[str, ...] = ()  # the KB's leaflets, when the one asked for is not among them


def leaflet(root: Path, doc: str, fmt: str, locale: str | None, out: Path | None,
            annotate: bool = False) -> LeafletOutcome:
    """The leaflet `doc` in `fmt`, rendered from that leaflet alone (a broken claims file of
    another leaflet does not stop it). Nothing is written here: the command writes `files`."""
    from kb import leaflet as leaflet_
    from kb.rendering import bibliography_name, locale_of

    wanted = Path(doc).stem if doc.endswith((".yaml", ".yml", ".txt")) else doc
    kb, stop = read(root, only=wanted)  # that leaflet alone: the others and the graph are not needed
    if stop:
        return LeafletOutcome(stop)
    document = next((d for d in kb.documents if d.id == wanted), None)
    if document is None:
        return LeafletOutcome(Outcome(unreadable=True), known=tuple(leaflets(root)))
    built, findings = leaflet_.build(kb, document, locale_of(locale or document.language))
    if built is None:
        return LeafletOutcome(Outcome(findings=sorted_findings(findings), failed=True))
    files: dict[Path, str] = {}
    bibliography = None
    if fmt == "pandoc" and out is not None:
        bibliography = bibliography_name(out.name)
        files[out.with_name(bibliography)] = leaflet_.csl_json(built)
    try:
        text = leaflet_.render(kb, built, fmt, bibliography, annotate)
    except UnreadableInput as error:  # a template's error
        return LeafletOutcome(Outcome(findings=error.findings, unreadable=True))
    if out is not None:
        files = {out: text, **files}
    return LeafletOutcome(Outcome(findings=sorted_findings(findings)), files, text)


def leaflets(root: Path) -> list[str]:
    """The ids of the KB's leaflets (its claims files' names)."""
    from kb.knowledgebase import CLAIMS_DIR

    folder = root / CLAIMS_DIR
    return sorted(p.stem for p in folder.glob("*.y*ml")) if folder.is_dir() else []
