"""Settings: `kb.toml` at the KB root (audit severities), validated, with located problems."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from kb.findings import CONFIG, Finding, Location

CONFIG_NAME = "kb.toml"
SEVERITY_VALUES = ("error", "warning", "info", "off")


@dataclass(frozen=True)
class Config:
    """What a KB sets for itself; all optional."""

    severity: dict[str, str] = field(default_factory=dict)  # rule -> error|warning|info|off
    severity_lines: dict[str, int] = field(default_factory=dict)  # rule -> its line in kb.toml


def _line_of(text: str, name: str) -> int:
    match = re.search(rf'^\s*"?{re.escape(name)}"?\s*=', text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else 0


def load(path: Path, display: str) -> tuple[Config, list[Finding]]:
    """Read kb.toml if there is one. Unknown rules are checked by the audit, which knows them."""
    if not path.exists():
        return Config(), []
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        match = re.search(r"line (\d+)", str(error))
        return Config(), [CONFIG.finding(Location(display, int(match.group(1)) if match else 0),
                                         f"cannot read TOML: {error}")]
    findings: list[Finding] = []
    severity: dict[str, str] = {}
    lines: dict[str, int] = {}
    table = data.get("audit", {}).get("severity", {}) if isinstance(data.get("audit"), dict) else {}
    if not isinstance(table, dict):
        table = {}
    for rule, value in table.items():
        line = _line_of(text, rule)
        if value not in SEVERITY_VALUES:
            findings.append(CONFIG.finding(Location(display, line), f"severity of {rule} must be one of {', '.join(SEVERITY_VALUES)}, not {value!r}"))
            continue
        severity[rule] = value
        lines[rule] = line
    return Config(severity=severity, severity_lines=lines), findings
