"""The `kb` command: the only place that prints, and that decides the exit code."""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import json
import os
import signal
import sys
import traceback
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from kb import __version__, bibliography, build, progress
from kb.export import EXPORTS
from kb.findings import UNREADABLE_INPUT, UNREADABLE_RULES, Finding, Location, Severity, sorted_findings
from kb.knowledgebase import BIB_NAME
from kb.output import CannotWrite, WouldOverwrite, check_new, write_new
from kb.paths import LOOSE
from kb.printable import in_json, printable
from kb.rendering import LANGUAGE_CHOICES, LEAFLET_FORMATS, bibliography_name, language_of

if TYPE_CHECKING:
    from kb import serve
    from kb.verify.http import Client

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2
EXPORT_FORMATS = tuple(EXPORTS)
NEEDS_KB = frozenset({"report", "audit", "show", "export", "leaflet", "verify", "add", "import", "serve"})


def _say(message: object, *, out: bool = False) -> None:
    """One line to standard error (or output), with whatever it names of the data or the command
    line (a key, a leaflet's name, a path) escaped where a terminal would act on it."""
    print(printable(str(message)), file=sys.stdout if out else sys.stderr)


def _print_findings(findings: Sequence[Finding]) -> None:
    # a thousand lines a write: standard error is line-buffered, and a large KB has thousands
    for start in range(0, len(findings), 1000):
        sys.stderr.write("".join(finding.format() + "\n" for finding in findings[start:start + 1000]))


def _exit_code(findings: Sequence[Finding], strict: bool = False) -> int:
    failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    return EXIT_FINDINGS if any(f.severity in failing for f in findings) else EXIT_OK


def _no_kb(root: Path) -> int | None:
    """Exit 2 with one line when `root` holds no knowledge base; None when it does (or holds a
    references.bib that is no regular file, which reading it reports)."""
    if os.path.lexists(root / BIB_NAME):
        return None
    if root.exists() and not root.is_dir():
        _print_findings([UNREADABLE_INPUT.finding(Location(root.as_posix(), 0),
                                                  "a file, not a knowledge-base folder: name one with --kb DIR")])
        return EXIT_UNREADABLE
    where = "." if root == Path(".") else root.as_posix()
    _say(f"kb: no {BIB_NAME} in {where}: not a knowledge base. Name one with --kb DIR, "
         f"or make one with kb init DIR")
    return EXIT_UNREADABLE


def _unreadable(outcome: build.Outcome, root: Path) -> int:
    _print_findings(outcome.findings)
    _say(f"kb: cannot read the knowledge base in {root.as_posix()}; nothing was written")
    return EXIT_UNREADABLE


def cmd_report(args: argparse.Namespace) -> int:
    root = Path(args.kb)
    out = Path(args.out) if args.out else root / "build"
    with progress.bar(root) as advance:
        outcome = build.report(root, out, language_of(args.lang), advance, args.pages)
    if outcome.unreadable:
        return _unreadable(outcome, root)
    # a paged report's pages are counted, not listed: thousands of lines for a large KB
    pages = [path for path in outcome.written if path.parent != out]
    for path in outcome.written:
        if path.parent == out:
            _say(path, out=True)
    if pages:
        _say(f"{os.path.commonpath(pages)}{os.sep}: {len(pages)} page files (report.html is their index)", out=True)
    for line in outcome.lines:
        _say(line)
    _print_findings(outcome.findings)
    return EXIT_FINDINGS if outcome.failed else EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    """The report on 127.0.0.1, rebuilt on every change to the KB, until Ctrl-C: which is how it
    is meant to end, so it exits 0 (SIGTERM still exits 143, as for every command)."""
    from kb import serve

    build.held = None  # one build after another: each freed as the next is made
    root = Path(args.kb)
    out = Path(args.out) if args.out else root / "build"
    settings = serve.Settings(debounce=args.debounce, poll=args.poll)
    try:
        preview = serve.Preview(root, out, language_of(args.lang), args.port, settings)
    except OSError as error:
        reason = "the port is in use" if error.errno == errno.EADDRINUSE else (error.strerror or str(error)).lower()
        _say(f"kb serve: cannot listen on {serve.HOST}:{args.port}: {reason}; choose another with --port N "
             f"(--port 0 picks a free one)")
        return EXIT_UNREADABLE
    try:
        preview.run(partial(_built, preview, []))
    except KeyboardInterrupt:
        _say("kb serve: stopped")
        return EXIT_OK
    finally:
        preview.close()
    return EXIT_OK  # run() returns only by an exception


def _built(preview: serve.Preview, said: list[str], outcome: build.Outcome, seconds: float) -> None:
    """What a build of `kb serve` says: the address after the first, the located errors of a KB
    that cannot be read, and a line for each."""
    version = preview.state.version
    if outcome.unreadable:
        _print_findings(outcome.findings)
        _say(f"kb serve: the report cannot be built ({seconds:.2f} s); the page shows why until it is fixed")
    else:
        errors = len(outcome.findings) or len(outcome.lines)
        note = f"; {errors} error{'s' if errors != 1 else ''} in the report" if errors else ""
        _say(f"kb serve: {'built' if version == 1 else 'rebuilt'} in {seconds:.2f} s{note}")
    if preview.polling and (version == 1 or not said):
        _say(f"kb serve: cannot watch the files ({preview.polling}); looking at them every second instead")
        said.append(preview.polling)
    if version == 1:
        _say(f"kb serve: {preview.url} (Ctrl-C stops)", out=True)
        sys.stdout.flush()


def cmd_audit(args: argparse.Namespace) -> int:
    if args.rules:
        from kb.audit import RULES
        from kb.findings import INPUT_RULES

        for entry in RULES.values():
            print(f"{entry.name:<22} {entry.severity.value:<8} {entry.description}")
        from kb.findings import WRITING_RULES

        for entry in INPUT_RULES:
            stage = "writing" if entry in WRITING_RULES else "reading"
            print(f"{entry.name:<22} {entry.severity.value:<8} {entry.description} ({stage}; cannot be switched)")
        return EXIT_OK
    root = Path(args.kb)
    with progress.bar(root, after=3) as advance:
        outcome = build.audit(root, advance)
    if outcome.unreadable:
        return _unreadable(outcome, root)
    from kb.audit import summary

    if args.format == "json":
        print(in_json(json.dumps([f.as_json() for f in outcome.findings], ensure_ascii=False, indent=2)))
    else:
        for finding in outcome.findings:
            print(finding.format())
        print(summary(outcome.findings))
    return _exit_code(outcome.findings, args.strict)


def cmd_show(args: argparse.Namespace) -> int:
    from kb import show

    root = Path(args.kb)
    kb, stop = build.read(root)
    if stop:
        return _unreadable(stop, root)
    text = show.describe(kb, args.target, language_of(args.lang))
    if text is None:
        _say(f"kb: {show.not_found(kb, args.target)}")
        return EXIT_UNREADABLE
    print(text)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from kb import export
    from kb.output import write_atomic

    fmt = args.format_option or args.format
    if fmt is None or (args.format and args.format_option and args.format != args.format_option):
        print(f"kb export: give one format: {' | '.join(EXPORT_FORMATS)}", file=sys.stderr)
        return EXIT_UNREADABLE
    root = Path(args.kb)
    kb, stop = build.read(root)
    if stop:
        return _unreadable(stop, root)
    make, name = export.EXPORTS[fmt]
    text = make(kb)
    if args.out == "-":
        sys.stdout.write(text)
        return EXIT_OK
    target = Path(args.out) if args.out else kb.root / "build" / name
    try:
        if args.out:
            write_new(target, text, args.force)
        else:
            write_atomic(target, text)  # build/ holds generated files only: replaced like the report
    except WouldOverwrite as error:
        _say(f"kb: {error}")
        return EXIT_UNREADABLE
    _say(target, out=True)
    return EXIT_OK


def cmd_leaflet(args: argparse.Namespace) -> int:
    root = Path(args.kb)
    out = Path(args.out) if args.out else None
    if out is not None and args.format == "pandoc" and out.name == bibliography_name(out.name):
        _say(f"kb: {out} would also be the name of its CSL-JSON bibliography; choose a .md name")
        return EXIT_UNREADABLE
    result = build.leaflet(root, args.doc, args.format, args.lang, out, args.annotate)
    outcome = result.outcome
    if outcome.unreadable:
        if outcome.findings:
            return _unreadable(outcome, root)
        _say(f"kb: no leaflet called {args.doc!r} (known: {', '.join(result.known) or 'none'})")
        return EXIT_UNREADABLE
    for path in result.files:  # a folder is never replaced, --force or not: said before anything else
        check_new(path, force=True)
    _print_findings(outcome.findings)
    if outcome.failed:
        _say("kb: the leaflet cannot be rendered; nothing was written")
        return EXIT_FINDINGS
    if out is None:
        sys.stdout.write(result.text)
        return EXIT_OK
    existing = [path for path in result.files if path.exists()]
    if existing and not args.force:
        for path in existing:
            _say(f"kb: {path} exists; use --force to replace it")
        return EXIT_UNREADABLE
    try:
        for path, content in result.files.items():
            write_new(path, content, args.force)
            _say(path, out=True)
    except WouldOverwrite as error:
        _say(f"kb: {error}")
        return EXIT_UNREADABLE
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    from kb import init

    target = Path(args.dir)
    problem = init.create(target)
    if problem:
        _say(f"kb: {problem}")
        return EXIT_UNREADABLE
    _say(f"created an empty knowledge base in {target}", out=True)
    return EXIT_OK


def cmd_extract(args: argparse.Namespace) -> int:
    from kb.citations import extract

    text_path = Path(args.text)
    text = LOOSE.read_text(text_path, args.text)  # a regular file of bounded size, wherever it is
    if isinstance(text, Finding):
        _print_findings([text])
        return EXIT_UNREADABLE
    bib_path = Path(args.bib) if args.bib else Path(args.kb) / BIB_NAME
    works: dict[str, bibliography.Work] = {}
    if args.bib or bib_path.exists():
        bib, findings = bibliography.load(bib_path, bib_path.as_posix())
        _print_findings(sorted_findings(findings))
        if any(f.rule in UNREADABLE_RULES for f in findings):
            return EXIT_UNREADABLE
        works = bib.works
    else:
        _say(f"kb: no {bib_path.as_posix()}; citations are found but not resolved")
    if args.update:
        if args.out or args.format == "json":
            _say("kb extract: --update writes the claims file it names; it takes neither --out nor --format json")
            return EXIT_UNREADABLE
        return _extract_update(args, text, text_path, works)
    result = extract.extract(text, works, text_path.stem, cited_only=args.cited_only)
    if args.format == "json":
        content = extract.as_json(result)
    else:
        out_dir = Path(args.out).parent if args.out else text_path.parent
        content = extract.as_yaml(result, Path(os.path.relpath(text_path, out_dir)).as_posix())
    if args.out:
        try:
            write_new(Path(args.out), content, args.force)
        except WouldOverwrite as error:
            _say(f"kb: {error}")
            return EXIT_UNREADABLE
        _say(args.out, out=True)
    else:
        sys.stdout.write(content)
    cited = [r for g in result.groups for r in g.resolutions]
    print(f"kb extract: {len(result.groups)} citation groups, {len(cited)} citations, "
          f"{sum(1 for r in cited if r.keys)} resolved, {sum(1 for r in cited if r.problems)} with problems; "
          f"{len(result.claims)} draft claims", file=sys.stderr)
    return EXIT_OK


def _extract_update(args: argparse.Namespace, text: str, text_path: Path,
                    works: dict[str, bibliography.Work]) -> int:
    """kb extract TEXT --update claims/DOC.yaml: the draft merged into the claims file, in place."""
    from kb.citations import extract, update
    from kb.output import write_atomic

    claims_path = Path(args.update)
    existing = LOOSE.read_text(claims_path, args.update)
    if isinstance(existing, Finding):
        _print_findings([existing])
        return EXIT_UNREADABLE
    document = claims_path.stem
    result = extract.extract(text, works, document, cited_only=args.cited_only)
    content, report = update.update(existing, result)
    if report.problems:
        _print_findings(update.findings(report, args.update))
        return EXIT_UNREADABLE
    if content != existing:
        write_atomic(claims_path, content)
    for claim_id, line in report.vanished:
        _say(f"{args.update}:{line}: warning: claim {claim_id} is no longer in the leaflet's text; kept, marked for review")
    _say(f"kb extract: {args.update}: {len(report.kept)} kept, {len(report.changed)} changed, "
         f"{len(report.added)} added, {len(report.vanished)} no longer in the text (kept)"
         + ("" if content != existing else "; nothing to change"))
    return EXIT_OK


def cmd_add(args: argparse.Namespace) -> int:
    from kb.intake.add import Options, add

    root = Path(args.kb)
    options = Options(document=args.doc, source=Path(args.source), shown=args.source, title=args.title or "",
                      publisher=args.publisher or "", language=args.lang or "", force=args.force,
                      verify=args.verify)
    added = add(root, options)
    if added.unreadable:
        _print_findings(added.findings)  # one located line each; nothing was written
        return EXIT_UNREADABLE
    for path in added.written:
        _say(f"wrote {os.path.relpath(path, root) if root != Path('.') else path.as_posix()}", out=True)
    merged = added.merged
    for key in getattr(merged, "added", ()) or ():
        _say(f"added {key} to {BIB_NAME}", out=True)
    kinds = ", ".join(f"{count} {kind}" for kind, count in added.kinds.items()) or "none"
    listed = (f"{added.entries} reference-list entries parsed (under {added.references_heading!r})"
              if added.references_heading else "no reference list")
    _say(f"kb add: {added.title!r} ({added.language}): draft claims {kinds}; {added.citation_groups} citation groups, "
         f"{added.citations} citations, {added.resolved} resolved; {listed}", out=True)
    report = added.updated
    if report is not None:
        shown = f"claims/{args.doc}.yaml"
        for claim_id, line in report.vanished:
            _say(f"{shown}:{line}: warning: claim {claim_id} is no longer in the leaflet's text; kept, marked for review")
        _say(f"kb add: {shown}: {len(report.kept)} kept, {len(report.changed)} changed, {len(report.added)} added, "
             f"{len(report.vanished)} no longer in the text (kept)", out=True)
    if added.verified is not None:
        from kb.verify import summary

        print(summary.as_text(added.verified.results), end="")
        _print_findings(added.verified.findings)
    _print_findings(sorted_findings(added.findings))
    return _exit_code(added.findings)


def cmd_verify(args: argparse.Namespace) -> int:
    from kb.verify import summary
    from kb.verify.run import Options, verify

    if args.offline and args.refresh:
        _say("kb verify: --offline answers from the cache, --refresh ignores it: give one of them")
        return EXIT_UNREADABLE
    root = Path(args.kb)
    options = Options(keys=tuple(dict.fromkeys(args.keys)), offline=args.offline, refresh=args.refresh,
                      record=Path(args.record) if args.record else None,
                      replay=Path(args.replay) if args.replay else None, write=not args.diff)
    with progress.bar(root, total=len(options.keys) or _records(root)) as advance:
        outcome = verify(root, options, advance)
    if outcome.unreadable:
        _print_findings(outcome.findings)
        _say(f"kb: cannot verify the knowledge base in {root.as_posix()}; nothing was written")
        return EXIT_UNREADABLE
    for note in outcome.notes:
        _say(f"kb verify: {note}")
    if args.diff:
        sys.stdout.write(outcome.diff)
    elif args.format == "json":
        print(in_json(summary.as_json(outcome.results)))
    else:
        print(summary.as_text(outcome.results), end="")
    for path in outcome.written:
        _say(f"wrote {path.as_posix()}")
    _print_findings(outcome.findings)
    return EXIT_FINDINGS if summary.failing(outcome.results) else EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from kb.intake import formats, merge

    root = Path(args.kb)
    path = Path(args.file)
    text = LOOSE.read_text(path, args.file)
    if isinstance(text, Finding):
        _print_findings([text])
        return EXIT_UNREADABLE
    lookup = None
    client = None
    if formats.sniff(path, text) == "doi":
        client, problems = _doi_client(root)
        if problems:
            _print_findings(problems)
            return EXIT_UNREADABLE
        if client is not None:
            lookup = formats.crossref_lookup(client)
    try:
        drafts, findings = formats.read(path, args.file, lookup)
    finally:
        if client is not None:
            client.close()
    if any(f.rule in UNREADABLE_RULES for f in findings):
        _print_findings(findings)
        _say(f"kb import: cannot read {args.file}; nothing was written")
        return EXIT_UNREADABLE
    outcome = merge.merge_drafts(root, drafts, write=not args.diff)
    if outcome.unreadable:
        return _unreadable(build.Outcome(findings=outcome.findings, unreadable=True), root)
    if args.diff:
        sys.stdout.write(outcome.diff)
    else:
        for key in outcome.added:
            _say(f"added {key}", out=True)
    for duplicate in outcome.duplicates:
        draft = duplicate.draft
        where = f"{draft.source}: " if draft.source else ""
        _say(f"{where}already in {BIB_NAME} as {duplicate.key} ({duplicate.why}): {draft.title[:60]}",
             out=not args.diff)
    _print_findings(findings)
    verb = "would add" if args.diff else "added"
    _say(f"kb import: {len(drafts)} records read from {args.file}; {verb} {len(outcome.added)}, "
         f"{len(outcome.duplicates)} already in {BIB_NAME}")
    return _exit_code(findings)


def _doi_client(root: Path) -> tuple[Client | None, list[Finding]]:
    """kb verify's client, with the KB's [verify] settings (kb.toml), for looking DOIs up at Crossref."""
    from kb import config
    from kb.verify import answers, http
    from kb.verify.run import CACHE_PATH, DEFAULT_CACHE_DAYS, MAILTO_VARIABLE

    settings = config.VerifySettings()
    if (root / "kb.toml").exists():
        loaded, problems = config.load(root / "kb.toml", "kb.toml")
        if problems:
            return None, problems
        settings = loaded.verify
    defaults = http.Services()
    services = http.Services(
        crossref=settings.services.get("crossref", defaults.crossref),
        openalex=settings.services.get("openalex", defaults.openalex),
        pubmed=settings.services.get("pubmed", defaults.pubmed),
        mailto=os.environ.get(MAILTO_VARIABLE, "") or settings.mailto,
        timeout=settings.timeout or defaults.timeout,
        retries=settings.retries if settings.retries is not None else defaults.retries)
    days = settings.cache_days if settings.cache_days is not None else DEFAULT_CACHE_DAYS
    try:
        return http.Client(services, cache_path=root / CACHE_PATH, max_age_days=days), []
    except answers.StoreError as error:
        return None, [UNREADABLE_INPUT.finding(Location(CACHE_PATH.as_posix(), 0), str(error))]


def _records(root: Path) -> int:
    """How many records references.bib holds, counted cheaply for the progress bar."""
    try:
        with open(root / BIB_NAME, "rb") as bib:
            return sum(line.lstrip().startswith(b"@") for line in bib) or 1
    except OSError:
        return 1


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"not a port: {text!r} (0 to 65535; 0 picks a free one)")
    return port


def _seconds(text: str, least: float) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = float("nan")
    if not least <= seconds <= 3600:  # NaN too
        raise argparse.ArgumentTypeError(f"not a number of seconds from {least:g} to 3600: {text!r}")
    return seconds


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="kb", description="What the claims in patient leaflets rest on.")
    main.add_argument("--kb", default=".", metavar="DIR", help="the knowledge-base folder (default: .)")
    main.add_argument("--debug", action="store_true", help="show Python tracebacks")
    main.add_argument("--version", action="version", version=f"kb {__version__}")
    # --kb and --debug are also taken after the command: `kb report --kb DIR` as `kb --kb DIR report`
    anywhere = argparse.ArgumentParser(add_help=False)
    anywhere.add_argument("--kb", default=argparse.SUPPRESS, metavar="DIR", help="the knowledge-base folder")
    anywhere.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show Python tracebacks")
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")
    command = partial(commands.add_parser, parents=[anywhere])

    p = command("report", help="the annotated evidence report (HTML, Markdown, JSON)")
    p.add_argument("--out", metavar="DIR", help="output folder (default: build/ in the KB)")
    p.add_argument("--lang", choices=LANGUAGE_CHOICES, default="nl", help="interface language (default: nl)")
    p.add_argument("--pages", choices=("auto", "single", "paged"),
                   help="one report.html, or an index with a page per leaflet and works pages; auto: "
                        "paged above 2,000 claims (default: kb.toml [report] pages, else auto)")
    p.set_defaults(run=cmd_report)

    p = command("serve", help="the report on 127.0.0.1, rebuilt and reloaded in the browser on every change")
    p.add_argument("--port", type=_port, default=8000, metavar="N", help="the port (default: 8000; 0: a free one)")
    p.add_argument("--out", metavar="DIR", help="output folder (default: build/ in the KB)")
    p.add_argument("--lang", choices=LANGUAGE_CHOICES, default="nl", help="interface language (default: nl)")
    p.add_argument("--debounce", type=partial(_seconds, least=0.0), default=0.2, metavar="SECONDS",
                   help="quiet time after a change before the rebuild (default: 0.2)")
    p.add_argument("--poll", type=partial(_seconds, least=0.01), default=1.0, metavar="SECONDS",
                   help="how often an open page asks whether a newer build is done (default: 1)")
    p.set_defaults(run=cmd_serve)

    p = command("audit", help="check claims and works; exit 1 on errors")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--strict", action="store_true", help="warnings fail too")
    p.add_argument("--rules", action="store_true", help="list the rules and their default severities")
    p.set_defaults(run=cmd_audit)

    p = command("show", help="a work, a claim, a leaflet's summary, or the claims holding some words")
    p.add_argument("target", metavar="KEY-CLAIM-DOC-or-WORDS")
    p.add_argument("--lang", choices=LANGUAGE_CHOICES, default="nl",
                   help="language of the references, as in kb report (default: nl)")
    p.set_defaults(run=cmd_show)

    p = command("export", help="the graph or the works for other tools (GraphML, JSON, CSL-JSON, RDF)")
    p.add_argument("format", nargs="?", choices=EXPORT_FORMATS, metavar="FORMAT", help=" | ".join(EXPORT_FORMATS))
    p.add_argument("--format", dest="format_option", choices=EXPORT_FORMATS, metavar="FORMAT",
                   help="the same as FORMAT")
    p.add_argument("--out", metavar="FILE", help="output file, - for standard output (default: build/ in the KB)")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    p.set_defaults(run=cmd_export)

    p = command("extract", help="find and resolve the citations of a leaflet's text; draft its claims")
    p.add_argument("text", metavar="TEXT", help="the leaflet's plain text (UTF-8)")
    p.add_argument("--bib", metavar="FILE",
                   help="the bibliography to resolve against (default: the KB's references.bib)")
    p.add_argument("--format", choices=("yaml", "json"), default="yaml",
                   help="yaml: a draft claims file; json: citations with offsets, keys and problems (default: yaml)")
    p.add_argument("--out", metavar="FILE", help="write here instead of to standard output")
    p.add_argument("--force", action="store_true", help="replace --out if it exists")
    p.add_argument("--cited-only", action="store_true", help="draft only the claims that cite a source")
    p.add_argument("--update", metavar="FILE",
                   help="merge the draft into this existing claims file, in place: every hand-written field kept")
    p.set_defaults(run=cmd_extract)

    p = command("add", help="a leaflet from a PDF, Word, web page, Markdown or text file: its text, draft claims "
                            "and reference list")
    p.add_argument("doc", metavar="DOC", help="the new leaflet's id: claims/DOC.txt and claims/DOC.yaml")
    p.add_argument("source", metavar="SOURCE", help="the leaflet: .pdf, .docx, .html/.htm (a saved page), .md or .txt")
    p.add_argument("--title", metavar="T", help="the leaflet's title (default: the file's own)")
    p.add_argument("--publisher", metavar="P", help="who published it")
    p.add_argument("--lang", choices=("nl", "en"), help="the leaflet's language (default: the file's, else guessed)")
    p.add_argument("--force", action="store_true", help="replace claims/DOC.txt and claims/DOC.yaml if they exist")
    p.add_argument("--verify", action="store_true", help="look the reference list's new records up at once (kb verify)")
    p.set_defaults(run=cmd_add)

    p = command("leaflet", help="a leaflet with its citations in APA 7 and a reference list")
    p.add_argument("doc", metavar="DOC", help="the leaflet: its claims file's name without .yaml, e.g. npi-pmt")
    p.add_argument("--format", choices=LEAFLET_FORMATS, default="md",
                   help="md (Markdown), html (one page) or pandoc (Markdown with [@key] citations; "
                        "with --out, its CSL-JSON bibliography is written beside it as NAME.json)")
    p.add_argument("--lang", choices=LANGUAGE_CHOICES, help="language of the citations and the list "
                   "(default: the leaflet's own)")
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    p.add_argument("--annotate", action="store_true",
                   help="a review copy: each citation followed by its claims' conclusion level and certainty")
    p.set_defaults(run=cmd_leaflet)

    p = command("verify", help="check each record against Crossref, OpenAlex and PubMed; write verification.json")
    p.add_argument("keys", nargs="*", metavar="KEY", help="the records to check (default: all)")
    p.add_argument("--offline", action="store_true", help="answer from the cache only; never go online")
    p.add_argument("--refresh", action="store_true", help="ask the services again, whatever the cache holds")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--diff", action="store_true",
                   help="print the corrections the lookups suggest as a patch for references.bib (git apply); "
                        "verification.json is not written")
    p.add_argument("--record", metavar="DIR", help="also save every answer received from a service in DIR")
    p.add_argument("--replay", metavar="DIR", help="answer only from answers saved with --record in DIR")
    p.set_defaults(run=cmd_verify)

    p = command("import", help="merge the records of a BibTeX, RIS, CSL-JSON file or a list of DOIs into references.bib")
    p.add_argument("file", metavar="FILE", help=".bib, .ris, .json (CSL-JSON), or .txt with one DOI a line "
                   "(looked up at Crossref)")
    p.add_argument("--diff", action="store_true",
                   help="print the change to references.bib as a patch (git apply) instead of making it")
    p.set_defaults(run=cmd_import)

    p = command("init", help="a new, empty knowledge base")
    p.add_argument("dir", metavar="DIR")
    p.set_defaults(run=cmd_init)
    return main


class Terminated(BaseException):
    """SIGTERM or SIGHUP: raised where the program is, like Ctrl-C's KeyboardInterrupt, so that
    the writers remove their temporary files on the way out (kb/output.py)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _terminate(signum: int, frame: object) -> None:
    raise Terminated(signum)


def _on_termination() -> dict[int, object]:
    """Install `_terminate` for SIGTERM and SIGHUP where their default (die at once) is in force;
    a signal the caller ignores (nohup) stays ignored. Returns the handlers to put back."""
    previous: dict[int, object] = {}
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        try:
            if number is not None and signal.getsignal(number) is signal.SIG_DFL:
                previous[number] = signal.signal(number, _terminate)
        except ValueError:  # not the main thread (kb called from a library): signals stay as they are
            break
    return previous


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:  # the program itself: what its command makes is never freed (`_leave`)
        build.held = []
    try:
        try:
            code = _main(argv)
        except KeyboardInterrupt:  # Ctrl-C before the command began or after it ended: nothing half done
            code = 130
    finally:
        if argv is None:  # the program itself (not a caller's): its work done, Ctrl-C changes nothing
            _exit_quietly()
    if argv is None:
        _leave(code)
    return code


def _leave(code: int) -> None:
    """The program ends at once, its output written: the interpreter's own exit would free every
    object the command made, one by one (a tenth of a second after a report of 10,000 works), for
    nothing. Every file the command writes is closed (and synced) before it returns, and every
    process it started has ended. Where its output cannot be flushed (a closed pipe), the
    interpreter ends it as it would."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    _end_children()
    os._exit(code)


def _end_children() -> None:
    """Any process the command started and left running stopped: none outlives it (a worker
    ignores Ctrl-C, and one whose pool was told to end while a second Ctrl-C came would wait for
    pages for ever, holding the command's output open)."""
    processes = sys.modules.get("multiprocessing")
    if processes is None:  # none was started
        return
    left = processes.active_children()
    for child in left:
        child.terminate()
    for child in left:
        child.join(1)


def _exit_quietly() -> None:
    """Ctrl-C ignored from here on: the interpreter's exit runs finalizers (a library's `__del__`),
    in which a KeyboardInterrupt would print a traceback however the command ended."""
    with contextlib.suppress(ValueError, KeyboardInterrupt):  # not the main thread; Ctrl-C in this instant
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _main(argv: Sequence[str] | None) -> int:
    args = parser().parse_args(argv)
    handlers = _on_termination()
    # One short run that builds a few hundred thousand records and frees them at exit: the
    # cycle collector's repeated passes over them were a third of loading a large KB.
    collecting = gc.isenabled()
    gc.disable()
    try:
        if args.command in NEEDS_KB and not getattr(args, "rules", False):
            missing = _no_kb(Path(args.kb))
            if missing is not None:
                return missing
        return int(args.run(args))
    except KeyboardInterrupt:
        return 130
    except Terminated as stop:
        return 128 + stop.signum  # what a shell reports for a process a signal ended: 143 for SIGTERM
    except CannotWrite as error:  # the output, not the KB: one located line, the previous output stays
        _print_findings([error.finding])
        return EXIT_UNREADABLE
    except BrokenPipeError:
        return EXIT_OK
    except Exception as error:  # a bug, not a user error: say so briefly unless --debug
        if args.debug:
            raise
        _say(f"kb: internal error: {type(error).__name__}: {error} (run with --debug for a traceback)")
        if "KB_TRACEBACK" in os.environ:
            traceback.print_exc()
        return 3
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)  # type: ignore[arg-type]
        if collecting and argv is not None:  # (the program itself ends: a collection would be for nothing)
            gc.enable()


if __name__ == "__main__":
    sys.exit(main())
