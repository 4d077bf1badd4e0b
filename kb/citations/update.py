"""Update: a new draft merged into an existing claims file, every hand-written byte kept.

The existing file is edited as text, never re-serialised, so its comments, order, quoting and
every field written by hand stay exactly as they are. Its claims are matched to the leaflet's
new text and to the new draft:

- kept: the claim's text is still in the leaflet (whitespace-insensitive, as the audit finds
  it). Nothing of it changes.
- changed: its text is gone, but a draft claim reads nearly the same (difflib's
  SequenceMatcher ratio of the two texts, whitespace collapsed and case folded, at least
  NEAR). Its `text` becomes the draft's; its old text stays in a comment above it; its id,
  kind, section, cited_as, sources, fits and notes are kept.
- vanished: neither. It is kept as it is, with a comment above it saying so; the report
  names it. A claim is never deleted: a person decides.
- added: a draft claim that no kept or changed claim overlaps in the text. It is inserted
  before the first existing claim that comes after it in the text (else at the end), with
  the draft's id when that id is free, else the next free `<doc>-NNN`.

Running the update again with the same draft changes nothing.
"""

from __future__ import annotations

import bisect
import difflib
import re
from dataclasses import dataclass, field

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from kb.citations.extract import DraftClaim, Extraction, claim_lines, quote
from kb.findings import CLAIMS_SCHEMA, YAML_SYNTAX, Finding, Location
from kb.identifiers import id_prefix

NEAR = 0.9  # SequenceMatcher ratio from which a claim whose text changed is the same claim
VANISHED_NOTE = "# kb extract --update: this claim's text is no longer in the leaflet; kept for review"
CHANGED_NOTE = "# kb extract --update: the leaflet's text changed; the claim's text was:"


@dataclass
class Report:
    """What an update did to a claims file."""

    kept: list[str] = field(default_factory=list)  # ids of claims whose text is still in the leaflet
    changed: list[str] = field(default_factory=list)  # ids whose text was replaced by a nearly equal draft text
    added: list[str] = field(default_factory=list)  # ids of the draft claims added
    vanished: list[tuple[str, int]] = field(default_factory=list)  # (id, line in the new text) of claims no longer in the text
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, message): the file was left as it was


class _Flat:
    """A text with its whitespace collapsed, and the way back to the text's offsets."""

    def __init__(self, text: str) -> None:
        chars: list[str] = []
        self.offsets: list[int] = []
        for match in re.finditer(r"\S+", text):
            if chars:
                chars.append(" ")
                self.offsets.append(match.start() - 1)
            chars.append(match.group())
            self.offsets.extend(range(match.start(), match.end()))
        self.text = "".join(chars)

    def find(self, words: str) -> tuple[int, int] | None:
        """(start, end) in the original text of the first place `words` stand, whitespace-insensitive."""
        needle = " ".join(words.split())
        at = self.text.find(needle) if needle else -1
        if at < 0:
            return None
        return self.offsets[at], self.offsets[at + len(needle) - 1] + 1


def _fold(words: str) -> str:
    return " ".join(words.split()).casefold()


@dataclass(frozen=True)
class _Existing:
    """One claim of the existing file."""

    id: str
    text: str  # its text as the file gives it
    first: int  # index of its first line (the "- " line)
    last: int  # index just past its last line
    text_line: int | None  # index of its `text:` line, when the text is a one-line scalar
    span: tuple[int, int] | None  # where its text stands in the new leaflet text


def _scalar(mapping: MappingNode, key: str) -> tuple[str, ScalarNode | None]:
    for k, v in mapping.value:
        if isinstance(k, ScalarNode) and k.value == key and isinstance(v, ScalarNode):
            return v.value, v
    return "", None


def _claims_node(root: Node | None) -> SequenceNode | None:
    if not isinstance(root, MappingNode):
        return None
    for k, v in root.value:
        if isinstance(k, ScalarNode) and k.value == "claims" and isinstance(v, SequenceNode):
            return v
    return None


def _indent(lines: list[str], dash: int) -> list[str]:
    """Draft lines (items at column 2) moved to the existing items' column."""
    shift = dash - 2
    if shift >= 0:
        return [" " * shift + line for line in lines]
    return [line[-shift:] if line[:-shift].isspace() else line for line in lines]


def _fresh_id(wanted: str, prefix: str, taken: set[str]) -> str:
    if wanted not in taken:
        return wanted
    number = 1
    while f"{prefix}-{number:03d}" in taken:
        number += 1
    return f"{prefix}-{number:03d}"


def update(existing_yaml_text: str, draft: Extraction, text: str | None = None) -> tuple[str, Report]:
    """`existing_yaml_text` with `draft` merged in (see the module's docstring), and what was done.

    `text` is the leaflet's text the draft was made from (by default `draft.text`). On a file
    that cannot be read as a claims file, the text comes back unchanged with the problem in
    the report.
    """
    report = Report()
    leaflet = _Flat(draft.text if text is None else text)
    try:
        root = yaml.compose(existing_yaml_text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        report.problems.append(((mark.line + 1) if mark else 1, f"cannot read YAML: {error}".splitlines()[0]))
        return existing_yaml_text, report
    sequence = _claims_node(root)
    if sequence is None:
        report.problems.append((1, "no `claims:` list: not a claims file"))
        return existing_yaml_text, report
    lines = existing_yaml_text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    existing: list[_Existing] = []
    for item in sequence.value:
        if not isinstance(item, MappingNode):
            report.problems.append((item.start_mark.line + 1, "a claim that is not a mapping"))
            return existing_yaml_text, report
        claim_id, _ = _scalar(item, "id")
        claim_text, text_node = _scalar(item, "text")
        one_line = text_node is not None and text_node.start_mark.line == text_node.end_mark.line
        last = _last_line(item) + 1
        existing.append(_Existing(claim_id, claim_text, item.start_mark.line, last,
                                  text_node.start_mark.line if one_line and text_node else None,
                                  leaflet.find(claim_text)))
    spans = [(c.span, c) for c in existing if c.span]
    edits: dict[int, list[str]] = {}  # line index -> lines to insert before it
    replaced: dict[int, str] = {}  # line index -> its new content
    covered: list[tuple[int, int]] = [span for span, _ in spans]
    drafts = list(draft.claims)
    for claim in existing:
        if claim.span:
            report.kept.append(claim.id)
            continue
        near = _nearest(claim.text, drafts)
        above = lines[claim.first - 1].strip() if claim.first > 0 else ""
        if near is not None and claim.text_line is not None:
            line = lines[claim.text_line]
            head = line[:len(line) - len(line.lstrip())]
            replaced[claim.text_line] = f"{head}text: {quote(near.text)}\n"
            edits.setdefault(claim.first, []).append(
                " " * (len(lines[claim.first]) - len(lines[claim.first].lstrip())) + f"{CHANGED_NOTE} {quote(claim.text)}\n")
            covered.append((near.start, near.end))
            report.changed.append(claim.id)
        else:
            if above != VANISHED_NOTE:
                indent = " " * (len(lines[claim.first]) - len(lines[claim.first].lstrip()))
                edits.setdefault(claim.first, []).append(indent + VANISHED_NOTE + "\n")
            report.vanished.append((claim.id, claim.first + 1))
    taken = {c.id for c in existing}
    prefix = id_prefix(draft.document)
    dash = len(lines[existing[0].first]) - len(lines[existing[0].first].lstrip()) if existing else 2
    ordered = sorted(((span[0], c) for span, c in spans), key=lambda pair: pair[0])
    starts = [start for start, _ in ordered]
    appended: list[str] = []
    for new in drafts:
        if any(new.start < end and start < new.end for start, end in covered):
            continue
        new_id = _fresh_id(new.id, prefix, taken)
        taken.add(new_id)
        report.added.append(new_id)
        new_lines = [line + "\n" for line in _indent(claim_lines(new, new_id), dash)]
        after = bisect.bisect_right(starts, new.start)
        if after < len(ordered):
            at = _above_comments(lines, ordered[after][1].first)
            edits.setdefault(at, []).extend(new_lines)
        else:
            appended.extend(new_lines)
    if not edits and not replaced and not appended:
        return existing_yaml_text, report
    if appended and existing:
        edits.setdefault(existing[-1].last, []).extend(appended)  # after the last claim's last line
    elif appended:
        replaced.update(_opened(lines, sequence))
        edits.setdefault(sequence.end_mark.line + 1, []).extend(appended)
    out: list[str] = []
    moved: list[int] = []  # each line's index in the new text
    for index, line in enumerate(lines):
        out.extend(edits.get(index, []))
        moved.append(len(out))
        out.append(replaced.get(index, line))
    out.extend(edits.get(len(lines), []))
    report.vanished = [(claim_id, moved[line - 1] + 1) for claim_id, line in report.vanished]
    return "".join(out), report


def _last_line(node: Node) -> int:
    """The index of the last line that holds a part of `node`."""
    if isinstance(node, ScalarNode):
        return node.end_mark.line if node.end_mark.column else node.end_mark.line - 1
    children: list[Node] = ([n for pair in node.value for n in pair] if isinstance(node, MappingNode)
                            else list(node.value))
    return max((_last_line(child) for child in children), default=node.start_mark.line)


def _opened(lines: list[str], sequence: SequenceNode) -> dict[int, str]:
    """The line of an empty flow sequence (`claims: []`) with the `[]` taken out."""
    line = lines[sequence.start_mark.line]
    start, end = sequence.start_mark.column, sequence.end_mark.column
    return {sequence.start_mark.line: (line[:start].rstrip() + line[end:]).rstrip() + "\n"}


def _above_comments(lines: list[str], first: int) -> int:
    """The index of the first of the comment lines right above line `first` (or `first`)."""
    while first > 0 and lines[first - 1].lstrip().startswith("#"):
        first -= 1
    return first


def _nearest(text: str, drafts: list[DraftClaim]) -> DraftClaim | None:
    """The draft claim whose text is nearest to `text`, when its ratio is at least NEAR."""
    folded = _fold(text)
    best, best_ratio = None, NEAR
    for claim in drafts:
        matcher = difflib.SequenceMatcher(None, folded, _fold(claim.text), autojunk=False)
        if matcher.real_quick_ratio() < best_ratio or matcher.quick_ratio() < best_ratio:
            continue
        ratio = matcher.ratio()
        if ratio >= best_ratio:
            best, best_ratio = claim, ratio
    return best


def findings(report: Report, shown: str) -> list[Finding]:
    """The problems of a claims file an update could not read, as located findings."""

    return [(YAML_SYNTAX if message.startswith("cannot read YAML") else CLAIMS_SCHEMA).finding(
        Location(shown, line), message) for line, message in report.problems]
