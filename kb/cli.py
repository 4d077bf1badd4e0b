"""The `kb` command: the only place that prints, and that decides the exit code."""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from kb import __version__, bibliography, leaflet, progress
from kb.findings import Finding, Location, Severity, sorted_findings
from kb.knowledgebase import BIB_NAME, UNREADABLE_RULES, KnowledgeBase, load
from kb.output import WouldOverwrite, write_all, write_new

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2
EXPORT_FORMATS = ("graphml", "json", "csljson", "rdf")


def _print_findings(findings: Sequence[Finding]) -> None:
    for finding in findings:
        print(finding.format(), file=sys.stderr)


def _load(args: argparse.Namespace, advance: Callable[[str], None] | None = None,
          only: str | None = None) -> KnowledgeBase | None:
    kb = load(Path(args.kb), advance, only=only)
    if kb.unreadable:
        _print_findings(sorted_findings(list(kb.load_findings)))
        print(f"kb: cannot read the knowledge base in {args.kb}; nothing was written", file=sys.stderr)
        return None
    return kb


def _exit_code(findings: Sequence[Finding], strict: bool = False) -> int:
    failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    return EXIT_FINDINGS if any(f.severity in failing for f in findings) else EXIT_OK


# Each command imports the stages it runs: `kb leaflet` does not pay for the audit's graph,
# extraction's sentence splitter or the report's modules.


def cmd_report(args: argparse.Namespace) -> int:
    from kb import audit, cache, report

    root = Path(args.kb)
    out = Path(args.out) if args.out else root / "build"
    inputs = cache.key(root, args.lang)
    hit = cache.lookup(root, args.lang, inputs) if inputs else None
    if hit is not None:
        try:
            written = cache.restore(hit, out)
        except OSError:  # the entry went away meanwhile (pruned by a concurrent run): render
            hit = None
        else:
            for path in written:
                print(path)
            for line in hit.errors:
                print(line, file=sys.stderr)
            return hit.code
    with progress.bar(root) as advance:
        kb = _load(args, advance)
        if kb is None:
            return EXIT_UNREADABLE
        findings = audit.run(kb)
        advance("rendering")
        files = report.render(kb, findings, args.lang)
        advance("writing")
        written = write_all(out, files)
        advance("done")
    for path in written:
        print(path)
    errors = [f for f in findings if f.severity is Severity.ERROR]
    _print_findings(errors)
    code = _exit_code(findings)
    claims_folder = os.path.normpath(root / "claims") + os.sep
    outside = [d.text_path for d in kb.documents if not os.path.normpath(d.text_path).startswith(claims_folder)]
    if inputs == cache.key(root, args.lang):  # the inputs did not change while it ran
        try:
            cache.store(root, inputs, written, [f.format() for f in errors], code, outside)
        except OSError:  # the cache only saves time: a KB whose build/ is read-only still reports
            pass
    return code


def cmd_audit(args: argparse.Namespace) -> int:
    from kb import audit

    if args.rules:
        for entry in audit.RULES.values():
            print(f"{entry.name:<22} {entry.severity.value:<8} {entry.description}")
        return EXIT_OK
    with progress.bar(Path(args.kb), after=3) as advance:
        kb = _load(args, advance)
        if kb is None:
            return EXIT_UNREADABLE
        advance("auditing")
        findings = audit.run(kb)
        advance("done")
    if args.format == "json":
        print(json.dumps([f.as_json() for f in findings], ensure_ascii=False, indent=2))
    else:
        for finding in findings:
            print(finding.format())
        print(audit.summary(findings))
    return _exit_code(findings, args.strict)


def cmd_show(args: argparse.Namespace) -> int:
    from kb import show

    kb = _load(args)
    if kb is None:
        return EXIT_UNREADABLE
    text = show.describe(kb, args.target)
    if text is None:
        print(f"kb: no work or claim called {args.target!r}", file=sys.stderr)
        return EXIT_UNREADABLE
    print(text)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from kb import export
    from kb.output import write_atomic

    kb = _load(args)
    if kb is None:
        return EXIT_UNREADABLE
    make, name = export.EXPORTS[args.format]
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
        print(f"kb: {error}", file=sys.stderr)
        return EXIT_UNREADABLE
    print(target)
    return EXIT_OK


def cmd_leaflet(args: argparse.Namespace) -> int:
    wanted = Path(args.doc).stem if args.doc.endswith((".yaml", ".yml", ".txt")) else args.doc
    kb = _load(args, only=wanted)  # that leaflet alone: the others and the graph are not needed
    if kb is None:
        return EXIT_UNREADABLE
    document = next((d for d in kb.documents if d.id == wanted), None)
    if document is None:
        known = ", ".join(d.id for d in load(Path(args.kb)).documents) or "none"
        print(f"kb: no leaflet called {args.doc!r} (known: {known})", file=sys.stderr)
        return EXIT_UNREADABLE
    locale = args.lang or ("en-US" if document.language.startswith("en") else "nl-NL")
    built, findings = leaflet.build(kb, document, locale)
    _print_findings(sorted_findings(findings))
    if built is None:
        print("kb: the leaflet cannot be rendered; nothing was written", file=sys.stderr)
        return EXIT_FINDINGS
    out = Path(args.out) if args.out else None
    files: dict[Path, str] = {}
    bibliography = None
    if args.format == "pandoc" and out is not None:
        bibliography = leaflet.bibliography_name(out.name)
        if out.name == bibliography:
            print(f"kb: {out} would also be the name of its CSL-JSON bibliography; choose a .md name",
                  file=sys.stderr)
            return EXIT_UNREADABLE
        files[out.with_name(bibliography)] = leaflet.csl_json(built)
    text = leaflet.render(kb, built, args.format, bibliography)
    if out is None:
        sys.stdout.write(text)
        return EXIT_OK
    files = {out: text, **files}
    existing = [path for path in files if path.exists()]
    if existing and not args.force:
        for path in existing:
            print(f"kb: {path} exists; use --force to replace it", file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        for path, content in files.items():
            write_new(path, content, args.force)
            print(path)
    except WouldOverwrite as error:
        print(f"kb: {error}", file=sys.stderr)
        return EXIT_UNREADABLE
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    from kb import init

    target = Path(args.dir)
    problem = init.create(target)
    if problem:
        print(f"kb: {problem}", file=sys.stderr)
        return EXIT_UNREADABLE
    print(f"created an empty knowledge base in {target}")
    return EXIT_OK


def cmd_extract(args: argparse.Namespace) -> int:
    from kb import extract

    text_path = Path(args.text)
    try:
        text = text_path.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, UnicodeDecodeError) as error:
        reason = "not UTF-8" if isinstance(error, UnicodeDecodeError) else "file not found"
        _print_findings([Finding(Location(args.text, 0), Severity.ERROR, "unreadable-input", reason)])
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
        print(f"kb: no {bib_path.as_posix()}; citations are found but not resolved", file=sys.stderr)
    result = extract.extract(text, works, text_path.stem)
    if args.format == "json":
        content = extract.as_json(result)
    else:
        out_dir = Path(args.out).parent if args.out else text_path.parent
        content = extract.as_yaml(result, Path(os.path.relpath(text_path, out_dir)).as_posix())
    if args.out:
        try:
            write_new(Path(args.out), content, args.force)
        except WouldOverwrite as error:
            print(f"kb: {error}", file=sys.stderr)
            return EXIT_UNREADABLE
        print(args.out)
    else:
        sys.stdout.write(content)
    cited = [r for g in result.groups for r in g.resolutions]
    print(f"kb extract: {len(result.groups)} citation groups, {len(cited)} citations, "
          f"{sum(1 for r in cited if r.keys)} resolved, {sum(1 for r in cited if r.problems)} with problems; "
          f"{len(result.claims)} draft claims", file=sys.stderr)
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="kb", description="What the claims in patient leaflets rest on.")
    main.add_argument("--kb", default=".", metavar="DIR", help="the knowledge-base folder (default: .)")
    main.add_argument("--debug", action="store_true", help="show Python tracebacks")
    main.add_argument("--version", action="version", version=f"kb {__version__}")
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("report", help="the annotated evidence report (HTML, Markdown, JSON)")
    p.add_argument("--out", metavar="DIR", help="output folder (default: build/ in the KB)")
    p.add_argument("--lang", choices=("nl", "en"), default="nl", help="interface language (default: nl)")
    p.set_defaults(run=cmd_report)

    p = commands.add_parser("audit", help="check claims and works; exit 1 on errors")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--strict", action="store_true", help="warnings fail too")
    p.add_argument("--rules", action="store_true", help="list the rules and their default severities")
    p.set_defaults(run=cmd_audit)

    p = commands.add_parser("show", help="a work with the claims resting on it, or a claim with its sources")
    p.add_argument("target", metavar="KEY-or-CLAIM-ID")
    p.set_defaults(run=cmd_show)

    p = commands.add_parser("export", help="the graph or the works for other tools (GraphML, JSON, CSL-JSON, RDF)")
    p.add_argument("format", choices=EXPORT_FORMATS, metavar="FORMAT", help=" | ".join(EXPORT_FORMATS))
    p.add_argument("--out", metavar="FILE", help="output file, - for standard output (default: build/ in the KB)")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    p.set_defaults(run=cmd_export)

    p = commands.add_parser("extract", help="find and resolve the citations of a leaflet's text; draft its claims")
    p.add_argument("text", metavar="TEXT", help="the leaflet's plain text (UTF-8)")
    p.add_argument("--bib", metavar="FILE",
                   help="the bibliography to resolve against (default: the KB's references.bib)")
    p.add_argument("--format", choices=("yaml", "json"), default="yaml",
                   help="yaml: a draft claims file; json: citations with offsets, keys and problems (default: yaml)")
    p.add_argument("--out", metavar="FILE", help="write here instead of to standard output")
    p.add_argument("--force", action="store_true", help="replace --out if it exists")
    p.set_defaults(run=cmd_extract)

    p = commands.add_parser("leaflet", help="a leaflet with its citations in APA 7 and a reference list")
    p.add_argument("doc", metavar="DOC", help="the leaflet: its claims file's name without .yaml, e.g. npi-pmt")
    p.add_argument("--format", choices=leaflet.FORMATS, default="md",
                   help="md (Markdown), html (one page) or pandoc (Markdown with [@key] citations; "
                        "with --out, its CSL-JSON bibliography is written beside it as NAME.json)")
    p.add_argument("--lang", choices=("nl-NL", "en-US"), help="language of the citations and the list "
                   "(default: the leaflet's own)")
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    p.set_defaults(run=cmd_leaflet)

    p = commands.add_parser("init", help="a new, empty knowledge base")
    p.add_argument("dir", metavar="DIR")
    p.set_defaults(run=cmd_init)
    return main


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # One short run that builds a few hundred thousand records and frees them at exit: the
    # cycle collector's repeated passes over them were a third of loading a large KB.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as error:  # a bug, not a user error: say so briefly unless --debug
        if args.debug:
            raise
        print(f"kb: internal error: {type(error).__name__}: {error} (run with --debug for a traceback)",
              file=sys.stderr)
        if "KB_TRACEBACK" in os.environ:
            traceback.print_exc()
        return 3
    finally:
        if collecting:
            gc.enable()


if __name__ == "__main__":
    sys.exit(main())
