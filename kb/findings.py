"""Findings: every problem in user data, located, named and with a severity."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path


class Severity(str, Enum):
    """How bad a finding is; `error` makes the command exit non-zero."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, order=True)
class Location:
    path: str  # relative to the KB root where possible, with forward slashes
    line: int  # 1-based; 0 when the problem concerns the whole file


@dataclass(frozen=True)
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
        """The one line a person reads: `path:line: severity: message [rule]`."""
        return (
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
