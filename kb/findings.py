"""Findings: every problem in user data, located, named and with a severity."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from kb.printable import printable


class Severity(str, Enum):
    """How bad a finding is; `error` makes the command exit non-zero."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


# Slots, not a dict per record: a large KB's audit holds hundreds of thousands of findings.
@dataclass(frozen=True, order=True, slots=True)
class Location:
    path: str  # relative to the KB root where possible, with forward slashes
    line: int  # 1-based; 0 when the problem concerns the whole file


@dataclass(frozen=True, slots=True)
class Finding:
    location: Location  # where a person goes to fix it
    severity: Severity  # default from the rule, adjustable in kb.toml
    rule: str  # the rule's name, e.g. "missing-reference"
    message: str  # one line, in English
    claim: str | None = None  # the claim id it concerns, if any
    key: str | None = None  # the work key it concerns, if any
    suggestion: str | None = None  # a proposed fix (e.g. a hedged rewrite)
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def format(self) -> str:
        """The one line a person reads: `path:line: severity: message [rule]`. One line whatever
        the data holds: a newline, escape sequence or bidirectional override in a path or a
        message is written as a visible escape (`\\n`, `\\x1b`, `\\u202e`), never acted on."""
        return printable(
            f"{self.location.path}:{self.location.line}: "
            f"{self.severity.value}: {self.message} [{self.rule}]"
        )

    def as_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "path": self.location.path,
            "line": self.location.line,
            "severity": self.severity.value,
            "rule": self.rule,
            "message": self.message,
        }
        for name in ("claim", "key", "suggestion"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        return data


@dataclass(frozen=True)
class Rule:
    """A named kind of problem: its name and default severity are written here and nowhere else."""

    name: str  # e.g. "missing-reference"
    severity: Severity  # the default; a KB may change it in kb.toml (input rules excepted)
    description: str  # one line, for the README and `kb audit --rules`

    def finding(self, location: Location, message: str, *, claim: str | None = None, key: str | None = None,
                suggestion: str | None = None) -> Finding:
        """A finding of this rule at its default severity."""
        return Finding(location, self.severity, self.name, message, claim=claim, key=key, suggestion=suggestion)


# Rules of reading: a finding of one of these means the input could not be read (exit 2).
UNREADABLE_INPUT = Rule("unreadable-input", Severity.ERROR,
                        "a file that is missing, not UTF-8, not readable, not a regular file, or too large")
BIBTEX_SYNTAX = Rule("bibtex-syntax", Severity.ERROR,
                     "references.bib holds an entry pybtex cannot read, or a key outside the KB's characters")
YAML_SYNTAX = Rule("yaml-syntax", Severity.ERROR, "a claims file that is not valid YAML")
CLAIMS_SCHEMA = Rule("claims-schema", Severity.ERROR, "a claims file whose content breaks its schema")
CONFIG = Rule("config", Severity.ERROR,
              "kb.toml that cannot be read, holds a table or key the tool does not know, or names an unknown "
              "rule or severity")
DUPLICATE_KEY = Rule("duplicate-key", Severity.ERROR,
                     "two entries of references.bib share a key (case aside): the second is ignored")
TEMPLATE = Rule("template", Severity.ERROR,
                "a report or leaflet template that jinja2 cannot compile, or that fails while rendering")
OUTSIDE_KB = Rule("outside-kb", Severity.ERROR,
                  "a path a KB reads (a leaflet text, a claims file, a template) leads outside the KB's folder")
VERIFICATION_FILE = Rule("verification-file", Severity.ERROR,
                         "verification.json that is not JSON, or holds a record that does not fit the shape kb verify "
                         "writes")
# The rule of writing: an output that cannot be written (kb/output.py) also exits 2, and leaves
# the previous files as they were.
CANNOT_WRITE = Rule("cannot-write", Severity.ERROR,
                    "an output that cannot be written: no permission, a full disk, a file where a folder is "
                    "needed or a folder where the file should go; the previous output stays")
WRITING_RULES = (CANNOT_WRITE,)
INPUT_RULES = (UNREADABLE_INPUT, OUTSIDE_KB, BIBTEX_SYNTAX, YAML_SYNTAX, CLAIMS_SCHEMA, CONFIG, DUPLICATE_KEY, TEMPLATE,
               VERIFICATION_FILE, *WRITING_RULES)
UNREADABLE_RULES = frozenset(r.name for r in INPUT_RULES if r is not DUPLICATE_KEY)


def sort_key(finding: Finding) -> tuple[str, int, str, str]:
    return (finding.location.path, finding.location.line, finding.rule, finding.message)


def sorted_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=sort_key)


def relpath(path: Path, root: Path) -> str:
    """`path` relative to `root` when it lies inside it, else as given."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


class UnreadableInput(Exception):
    """Input that cannot be read at all; carries every finding that says why."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__("\n".join(f.format() for f in findings))
        self.findings = findings
