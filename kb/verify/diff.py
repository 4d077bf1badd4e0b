"""`kb verify --diff`: what the lookups suggest for references.bib, as a unified diff that
`git apply` takes from the KB's folder. references.bib itself is never written.

Only the lines of the fields changed are touched: a value is replaced where it stands (its
braces or quotes kept), a confirmed recalled DOI moves from `doiunverified` to `doi` on its
own line, and a new field (a PMID) gets a line after the entry's last field, indented and
aligned as the entry's fields are. Every other byte of the file stays as it was.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kb.audit.verification import CONFIDENT, confirmed_doi
from kb.bibliography import Work, balanced
from kb.verify.model import RecordResult

# The BibTeX field a compared field is written to, in the order they are tried: the first the
# entry has, else the first of its type's (a container is a journal, or a book's title).
_TARGETS: dict[str, tuple[str, ...]] = {
    "title": ("title",), "year": ("year",), "volume": ("volume",), "issue": ("number", "issue"),
    "pages": ("pages",), "doi": ("doi",),
    "container": ("journal", "journaltitle", "booktitle"),
}
_CONTAINER = {"article": "journal", "incollection": "booktitle", "inproceedings": "booktitle", "inbook": "booktitle"}
# Suggestions other than these are not edits (a design is suggested, never written in).
_SUGGESTED = ("doi", "pmid")
_LATEX_SPECIAL = re.compile(r"([&%$#_])")
_NAME = re.compile(r"[A-Za-z][\w:.+-]*")
_BARE = re.compile(r"[^\s,#{}()\"=]+")
_RANGE = re.compile(r"^(\w+)\s*[-\u2010-\u2015]+\s*(\w+)$")


@dataclass(frozen=True)
class _Field:
    """One `name = value,` of an entry, by offsets into the file's text."""

    name: str  # lower case
    name_start: int  # where the name begins
    name_end: int
    value_start: int  # the value, delimiters included
    value_end: int
    comma: bool  # a comma follows the value


@dataclass(frozen=True)
class _Entry:
    fields: tuple[_Field, ...]  # in the file's order
    close: int  # offset of the entry's closing brace or parenthesis


def changes(work: Work, result: RecordResult) -> dict[str, str]:
    """BibTeX field -> its new value, for what `result` confirms of `work`: a recalled DOI a service
    confirmed (as `doi`), a suggested PMID or DOI, and, for a certain match, the fields that differ."""
    edits: dict[str, str] = {}
    confident = result.status in CONFIDENT and not result.doi_resolves_to_other
    if confident:
        for name, verdict in result.fields.items():
            if verdict.verdict != "differs" or not verdict.theirs or name not in _TARGETS:
                continue
            if name == "year" and ("online" in verdict.note or "print" in verdict.note):
                continue  # the service gives our year too (online first, print): the record's is not wrong
            target = _target(work, name)
            if target:
                edits[target] = verdict.theirs
    recalled = confirmed_doi(work, result)
    if recalled:
        edits["doi"] = recalled
    for suggestion in result.suggestions:
        if suggestion.field not in _SUGGESTED or not suggestion.value:
            continue
        if suggestion.field == "doi" and not (confident or recalled):
            continue
        if work.get(suggestion.field).strip().lower() != suggestion.value.strip().lower():
            edits[suggestion.field] = suggestion.value
    return edits


def _target(work: Work, name: str) -> str:
    for candidate in _TARGETS[name]:
        if work.get(candidate):
            return candidate
    if name == "container":
        return _CONTAINER.get(work.entry_type, "")
    return _TARGETS[name][0]


def _bibtex(name: str, value: str) -> str:
    """`value` as BibTeX text: a page range with `--` (as BibTeX writes one), LaTeX's special
    characters escaped; a DOI as it is."""
    if name in ("doi", "pmid", "url"):
        return value
    if name == "pages":
        found = _RANGE.match(value.strip())
        if found:
            return f"{found.group(1)}--{found.group(2)}"
    return _LATEX_SPECIAL.sub(r"\\\1", value)


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at


def _braced(text: str, at: int) -> int:
    """The end of the `{...}` that opens at `at`; -1 when it does not close."""
    depth = 0
    for index in range(at, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return index + 1
    return -1


def _quoted(text: str, at: int) -> int:
    """The end of the `"..."` that opens at `at` (a quote inside braces is text); -1 when it does not close."""
    depth = 0
    for index in range(at + 1, len(text)):
        char = text[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            return index + 1
    return -1


def _value_end(text: str, at: int) -> int:
    """The end of a value (pieces joined by `#`) that starts at `at`; -1 when it cannot be read."""
    while True:
        if text.startswith("{", at):
            end = _braced(text, at)
        elif text.startswith('"', at):
            end = _quoted(text, at)
        else:
            found = _BARE.match(text, at)
            end = found.end() if found else -1
        if end < 0:
            return -1
        after = _skip_space(text, end)
        if not text.startswith("#", after):
            return end
        at = _skip_space(text, after + 1)


def _entry(text: str, line_start: int, key: str) -> _Entry | None:
    """The fields of the entry `key` whose `@type{key,` is on the line starting at `line_start`."""
    opening = re.compile(r"@\s*[A-Za-z]+\s*([{(])\s*" + re.escape(key) + r"\s*,")
    found = opening.search(text, line_start)
    if found is None or text.count("\n", line_start, found.start()) > 0:
        return None
    closer = "}" if found.group(1) == "{" else ")"
    fields: list[_Field] = []
    at = found.end()
    while True:
        at = _skip_space(text, at)
        if text.startswith(closer, at):
            return _Entry(tuple(fields), at)
        name = _NAME.match(text, at)
        if name is None:
            return None
        equals = _skip_space(text, name.end())
        if not text.startswith("=", equals):
            return None
        value_start = _skip_space(text, equals + 1)
        value_end = _value_end(text, value_start)
        if value_end < 0:
            return None
        after = _skip_space(text, value_end)
        comma = text.startswith(",", after)
        fields.append(_Field(name.group().lower(), name.start(), name.end(), value_start, value_end, comma))
        at = after + 1 if comma else after


def _line_start(text: str, at: int) -> int:
    return text.rfind("\n", 0, at) + 1


def _aligned(text: str, fields: tuple[_Field, ...]) -> bool:
    """Whether the entry's `=` signs stand in one column (each field on a line of its own)."""
    columns = {text.index("=", f.name_end) - _line_start(text, f.name_start) for f in fields}
    return len(columns) == 1 and len(fields) > 1


def _edit(text: str, entry: _Entry, edits: dict[str, str], newline: str) -> list[tuple[int, int, str]]:
    """The replacements (start, end, new text) that make `edits` in `entry`, by offsets of `text`."""
    replacements: list[tuple[int, int, str]] = []
    by_name = {f.name: f for f in entry.fields}
    pending = dict(edits)
    moved = by_name.get("doiunverified")
    if "doi" in pending and "doi" not in by_name and moved is not None:
        # The recalled DOI is confirmed: its line becomes the doi line, `=` where it stood.
        gap = text[moved.name_end:text.index("=", moved.name_end)]
        padding = " " * (len("doiunverified") - len("doi")) + gap if _aligned(text, entry.fields) else gap
        replacements.append((moved.name_start, moved.value_end,
                             "doi" + padding + text[text.index("=", moved.name_end):moved.value_start]
                             + _delimited(text[moved.value_start:moved.value_end], pending.pop("doi"))))
    for name in sorted(pending):
        field = by_name.get(name)
        if field is not None:
            replacements.append((field.value_start, field.value_end,
                                 _delimited(text[field.value_start:field.value_end], pending.pop(name))))
    if pending and entry.fields:
        last = entry.fields[-1]
        indent_start = _line_start(text, last.name_start)
        indent = text[indent_start:last.name_start]
        if indent.strip():  # the last field shares its line with something else: a plain indent
            indent = "  "
        equals = text.index("=", last.name_end)
        column = equals - indent_start
        after_equals = text[equals + 1:last.value_start]
        lines = []
        for name in sorted(pending):
            gap = " " * max(1, column - len(indent) - len(name)) if _aligned(text, entry.fields) \
                else text[last.name_end:equals]
            lines.append(f"{indent}{name}{gap}={after_equals}{{{pending[name]}}}")
        end_of_last = _skip_space(text, last.value_end) + 1 if last.comma else last.value_end
        line_end = text.find("\n", end_of_last, entry.close)
        trailing = "," if last.comma else ""
        if not last.comma:
            replacements.append((last.value_end, last.value_end, ","))
        block = ("," + newline).join(lines) + trailing
        if line_end >= 0:
            replacements.append((line_end + 1, line_end + 1, block + newline))
        else:  # the closing brace on the last field's line
            replacements.append((entry.close, entry.close, newline + block + newline))
    return replacements


def _delimited(old: str, value: str) -> str:
    """`value` in the delimiters of the value it replaces: braces, quotes, or bare digits."""
    if old.startswith('"') and '"' not in value:
        return f'"{value}"'
    if value.isdigit() and not old.startswith(("{", '"')):
        return value
    return "{" + value + "}"


def patched(bib_text: str, works: Mapping[str, Work], results: Iterable[RecordResult]) -> tuple[str, dict[str, dict[str, str]]]:
    """The text of references.bib with the suggested edits made, and key -> BibTeX field -> the new
    value, for the edits made. An entry that cannot be read field by field is left alone."""
    newline = "\r\n" if "\r\n" in bib_text else "\n"
    starts = [0] + [m.end() for m in re.finditer("\n", bib_text)]
    replacements: list[tuple[int, int, str]] = []
    made: dict[str, dict[str, str]] = {}
    for result in sorted(results, key=lambda r: r.key):
        work = works.get(result.key)
        if work is None or not 0 < work.line <= len(starts):
            continue
        edits = {name: _bibtex(name, value) for name, value in changes(work, result).items()}
        edits = {name: value for name, value in edits.items()
                 if balanced(value) and "\n" not in value and "\r" not in value}
        if not edits:
            continue
        entry = _entry(bib_text, starts[work.line - 1], work.key)
        if entry is None:
            continue
        replacements += _edit(bib_text, entry, edits, newline)
        made[work.key] = edits
    text = bib_text
    # From the end of the file on, so that offsets hold; of two insertions at one place, the one
    # made first ends up first (a comma before the line after it).
    order = sorted(range(len(replacements)), key=lambda i: (replacements[i][0], replacements[i][1], i), reverse=True)
    for index in order:
        start, end, new = replacements[index]
        text = text[:start] + new + text[end:]
    return text, made


def _lines(text: str) -> list[str]:
    """`text` cut after each `\n`, as git cuts it (str.splitlines also cuts at form feeds and more)."""
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


def diff(bib_text: str, bib_name: str, works: Mapping[str, Work], results: Iterable[RecordResult]) -> str:
    """A unified diff (`--- a/<bib_name>`, `+++ b/<bib_name>`) making the edits the lookups
    suggest; "" when there are none. `bib_text` is the file exactly as it is on disk (line ends
    and a byte order mark included: read the bytes and decode them), so that the diff applies."""
    text, _ = patched(bib_text, works, results)
    if text == bib_text:
        return ""
    lines = difflib.unified_diff(_lines(bib_text), _lines(text), f"a/{bib_name}", f"b/{bib_name}")
    out = []
    for line in lines:
        out.append(line)
        if not line.endswith("\n"):  # the file's last line, without a line end
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)
