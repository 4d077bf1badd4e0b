"""Settings: `kb.toml` at the KB root (audit severities, how `kb verify` reaches the services),
validated, with located problems.

Every table and key of the file is known here: one the tool does not know (a typing slip such
as `[audti.severity]`) is a `config` finding, with the name meant where one is close, never
ignored in silence.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.findings import CONFIG, Finding, Location
from kb.paths import LOOSE, Files

CONFIG_NAME = "kb.toml"
SEVERITY_VALUES = ("error", "warning", "info", "off")
# The file's shape: a table's known keys; None for a table whose keys are the audit's rules; a
# type (or types) for a key that holds a value.
_SERVICES = {"crossref": str, "openalex": str, "pubmed": str}
_SCHEMA: dict[str, Any] = {
    "audit": {"severity": None},
    "verify": {"mailto": str, "retraction-watch": str, "cache-days": int, "timeout": (int, float), "retries": int,
               "services": _SERVICES},
    "report": {"pages": str},
}
PAGES_VALUES = ("auto", "single", "paged")  # [report] pages: kb/pages.py
_TYPE_NAMES = {str: "a string", int: "a whole number", (int, float): "a number"}


@dataclass(frozen=True)
class VerifySettings:
    """kb.toml `[verify]`: how `kb verify` reaches the services. Empty values: the defaults."""

    mailto: str = ""  # sent to the services' polite pools; KB_MAILTO overrides it
    retraction_watch: str = ""  # the Retraction Watch CSV, relative to the KB folder
    retraction_watch_line: int = 0  # its line in kb.toml
    cache_days: int | None = None  # how old a cached answer may be
    timeout: float | None = None  # seconds a service may take to answer
    retries: int | None = None  # tries after the first, for a service that did not answer
    services: dict[str, str] = field(default_factory=dict)  # service -> base URL


@dataclass(frozen=True)
class Config:
    """What a KB sets for itself; all optional."""

    severity: dict[str, str] = field(default_factory=dict)  # rule -> error|warning|info|off
    severity_lines: dict[str, int] = field(default_factory=dict)  # rule -> its line in kb.toml
    verify: VerifySettings = field(default_factory=VerifySettings)
    pages: str = "auto"  # [report] pages: a single report.html, a paged report, or by size (kb/pages.py)


def _line_of(text: str, name: str) -> int:
    match = re.search(rf'^\s*"?{re.escape(name)}"?\s*=', text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else 0


def _line_of_key(text: str, name: str) -> int:
    """The first line that opens a table `[..name..]` or sets a key `name = `, `x.name = ` or
    `name.x = `; 0 when none does."""
    quoted = rf'"?{re.escape(name)}"?'
    match = re.search(rf'^\s*\[{{1,2}}[^\]\n]*?(?<![\w-]){quoted}(?![\w-])|^\s*(?:[\w"-]+\s*\.\s*)*{quoted}\s*[.=]',
                      text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else 0


def _nesting_line(text: str) -> int:
    """The line where arrays and inline tables first nest a hundred deep (strings not told apart:
    only a file refused for its nesting is looked at)."""
    depth = 0
    for number, line in enumerate(text.splitlines(), 1):
        for char in line:
            depth += char in "[{"
            depth -= char in "]}"
            if depth > 100:
                return number
    return 0


def _meant(name: str, known: list[str], or_list: bool = True) -> str:
    """" (did you mean 'x'?)" when a known name is close; else the known names (with `or_list`)."""
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return f" (known: {', '.join(known)})" if or_list else ""


def _check_shape(data: dict[str, Any], schema: dict[str, Any], text: str, display: str,
                 where: str = "") -> list[Finding]:
    """A finding for every table or key of `data` that `schema` does not know, or that is not a table where one is due."""
    findings = []
    for name, value in data.items():
        qualified = f"{where}.{name}" if where else name
        line = _line_of_key(text, name)
        if name not in schema:
            place = f" in [{where}]" if where else ""
            what = "table" if isinstance(value, dict) else "key"
            findings.append(CONFIG.finding(Location(display, line), f"unknown {what} '{name}'{place}"
                                           + _meant(name, sorted(schema))))
        elif not isinstance(schema[name], dict | None):
            wanted = schema[name]
            if not isinstance(value, wanted) or isinstance(value, bool):
                findings.append(CONFIG.finding(Location(display, line),
                                               f"'{qualified}' must be {_TYPE_NAMES[wanted]}, not {value!r}"))
        elif not isinstance(value, dict):
            findings.append(CONFIG.finding(Location(display, line),
                                           f"'{qualified}' must be a table ([{qualified}]), not {value!r}"))
        elif schema[name] is not None:
            findings += _check_shape(value, schema[name], text, display, qualified)
    return findings


def load(path: Path, display: str, files: Files = LOOSE) -> tuple[Config, list[Finding]]:
    """Read kb.toml if there is one. Unknown rules are checked by the audit, which knows them."""
    if not files.exists(path):
        return Config(), []
    text = files.read_text(path, display)  # a byte order mark is dropped: tomllib refuses one
    if isinstance(text, Finding):
        return Config(), [text]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        return Config(), [CONFIG.finding(Location(display, int(match.group(1)) if match else 0),
                                         f"cannot read TOML: {error}")]
    except RecursionError:  # tomllib reads nested arrays recursively
        return Config(), [CONFIG.finding(Location(display, _nesting_line(text)),
                                         "cannot read TOML: arrays or tables nested more than 100 deep")]
    findings = _check_shape(data, _SCHEMA, text, display)
    severity: dict[str, str] = {}
    lines: dict[str, int] = {}
    audit = data.get("audit")
    table = audit.get("severity", {}) if isinstance(audit, dict) else {}
    for rule, value in (table.items() if isinstance(table, dict) else ()):
        line = _line_of(text, rule)
        if value not in SEVERITY_VALUES:
            meant = _meant(value, list(SEVERITY_VALUES), or_list=False) if isinstance(value, str) else ""
            findings.append(CONFIG.finding(Location(display, line), f"severity of {rule} must be one of "
                                           f"{', '.join(SEVERITY_VALUES)}, not {value!r}{meant}"))
            continue
        severity[rule] = value
        lines[rule] = line
    verify, verify_findings = _verify_settings(data.get("verify"), text, display)
    report = data.get("report")
    pages = report.get("pages", "auto") if isinstance(report, dict) else "auto"
    if isinstance(pages, str) and pages not in PAGES_VALUES:
        findings.append(CONFIG.finding(Location(display, _line_of(text, "pages")), f"'report.pages' must be one of "
                                       f"{', '.join(PAGES_VALUES)}, not {pages!r}{_meant(pages, list(PAGES_VALUES), or_list=False)}"))
    pages = pages if pages in PAGES_VALUES else "auto"
    return (Config(severity=severity, severity_lines=lines, verify=verify, pages=pages),
            findings + verify_findings)


def _verify_settings(table: object, text: str, display: str) -> tuple[VerifySettings, list[Finding]]:
    """`[verify]`, its types already checked: base URLs must be http(s) URLs, the cache age positive."""
    if not isinstance(table, dict):
        return VerifySettings(), []
    findings = []
    services: dict[str, str] = {}
    given = table.get("services")
    for service, url in (given.items() if isinstance(given, dict) else ()):
        if not isinstance(url, str):
            continue
        if not re.fullmatch(r"https?://[^\s/?#]+(?:/[^\s?#]*)?", url):
            findings.append(CONFIG.finding(Location(display, _line_of(text, service)),
                                           f"the base URL of {service} must be an http or https URL, not {url!r}"))
            continue
        services[service] = url if url.endswith("/") else url + "/"
    days = table.get("cache-days")
    if isinstance(days, int) and days < 0:
        findings.append(CONFIG.finding(Location(display, _line_of(text, "cache-days")),
                                       f"'verify.cache-days' must be 0 or more, not {days}"))
        days = None
    timeout = table.get("timeout")
    if isinstance(timeout, int | float) and not isinstance(timeout, bool) and not 0 < timeout <= 600:
        findings.append(CONFIG.finding(Location(display, _line_of(text, "timeout")),
                                       f"'verify.timeout' must be more than 0 and at most 600 seconds, not {timeout}"))
        timeout = None

    retries = table.get("retries")
    if isinstance(retries, int) and not isinstance(retries, bool) and not 0 <= retries <= 10:
        findings.append(CONFIG.finding(Location(display, _line_of(text, "retries")),
                                       f"'verify.retries' must be from 0 to 10, not {retries}"))
        retries = None

    def text_of(name: str) -> str:
        value = table.get(name)
        return value if isinstance(value, str) else ""

    return VerifySettings(
        mailto=text_of("mailto"), retraction_watch=text_of("retraction-watch"),
        retraction_watch_line=_line_of(text, "retraction-watch"),
        cache_days=days if isinstance(days, int) and not isinstance(days, bool) else None,
        timeout=float(timeout) if isinstance(timeout, int | float) and not isinstance(timeout, bool) else None,
        retries=retries if isinstance(retries, int) and not isinstance(retries, bool) else None,
        services=services), findings
