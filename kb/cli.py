"""The `kb` command: the only place that prints, and that decides the exit code."""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from kb import __version__, audit, init, report, show
from kb.findings import Finding, Severity, sorted_findings
from kb.knowledgebase import KnowledgeBase, load
from kb.output import write_all

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2
EXPORT_FORMATS = ("graphml", "json", "rdf")


def _print_findings(findings: Sequence[Finding]) -> None:
    for finding in findings:
        print(finding.format(), file=sys.stderr)


def _load(args: argparse.Namespace) -> KnowledgeBase | None:
    kb = load(Path(args.kb))
    if kb.unreadable:
        _print_findings(sorted_findings(list(kb.load_findings)))
        print(f"kb: cannot read the knowledge base in {args.kb}; nothing was written", file=sys.stderr)
        return None
    return kb


def _exit_code(findings: Sequence[Finding], strict: bool = False) -> int:
    failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    return EXIT_FINDINGS if any(f.severity in failing for f in findings) else EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    kb = _load(args)
    if kb is None:
        return EXIT_UNREADABLE
    findings = audit.run(kb)
    files = report.render(kb, findings, args.lang)
    out = Path(args.out) if args.out else kb.root / "build"
    for path in write_all(out, files):
        print(path)
    _print_findings([f for f in findings if f.severity is Severity.ERROR])
    return _exit_code(findings)


def cmd_audit(args: argparse.Namespace) -> int:
    if args.rules:
        for entry in audit.RULES.values():
            print(f"{entry.name:<22} {entry.severity.value:<8} {entry.description}")
        return EXIT_OK
    kb = _load(args)
    if kb is None:
        return EXIT_UNREADABLE
    findings = audit.run(kb)
    if args.format == "json":
        print(json.dumps([f.as_json() for f in findings], ensure_ascii=False, indent=2))
    else:
        for finding in findings:
            print(finding.format())
        print(audit.summary(findings))
    return _exit_code(findings, args.strict)


def cmd_show(args: argparse.Namespace) -> int:
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
    from kb.output import WouldOverwrite, write_atomic, write_new

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


def cmd_init(args: argparse.Namespace) -> int:
    target = Path(args.dir)
    problem = init.create(target)
    if problem:
        print(f"kb: {problem}", file=sys.stderr)
        return EXIT_UNREADABLE
    print(f"created an empty knowledge base in {target}")
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

    p = commands.add_parser("init", help="a new, empty knowledge base")
    p.add_argument("dir", metavar="DIR")
    p.set_defaults(run=cmd_init)
    return main


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
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
        if "KB_TRACEBACK" in __import__("os").environ:
            traceback.print_exc()
        return 3


if __name__ == "__main__":
    sys.exit(main())
