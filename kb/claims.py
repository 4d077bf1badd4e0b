"""Claims: each leaflet's `claims/<doc>.yaml` read into `Document` and `Claim` records, with lines."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml
import yaml.reader
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from kb.findings import CLAIMS_SCHEMA, YAML_SYNTAX, Finding, Location, Rule
from kb.identifiers import ID_CHARACTERS, KEY_CHARACTERS, bad_id_character, bad_key_character, named
from kb.paths import LOOSE, Files

KINDS = ("clinical", "service")
FITS = ("supports", "partial", "indirect", "not-addressed", "unassessed")
# A link with one of these fits counts as support for the claim's label.
SUPPORTING_FITS = ("supports", "partial", "indirect", "unassessed")

_CLAIM_FIELDS = {"id", "section", "kind", "text", "cited_as", "sources"}
_SOURCE_FIELDS = {"key", "fit", "note"}
_DOCUMENT_FIELDS = {"title", "publisher", "language", "text", "url", "date"}
_NULL_TAG = "tag:yaml.org,2002:null"
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))  # YAML 1.1's plain nulls


@dataclass(frozen=True, slots=True)
class Source:
    """One link from a claim to a work."""

    key: str  # the BibTeX key of the work
    fit: str  # one of FITS: how well the work says what the claim says
    note: str  # why that fit, in a sentence or two; "" when none was given
    line: int  # line of the source entry in the claims file


@dataclass(frozen=True, slots=True)
class Claim:
    """One assertion of a leaflet: a verbatim span of its text."""

    id: str  # unique across the KB, e.g. "npi-kader"
    document: str  # the claims file's stem, e.g. "npi-pmt"
    section: str  # the heading it stands under
    kind: str  # "clinical" (needs evidence) or "service" (practical information)
    text: str  # the verbatim span (whitespace-insensitive)
    cited_as: str  # the citation exactly as printed, "" when the leaflet gives none
    sources: tuple[Source, ...]  # links to works, in the order given
    line: int  # line of the claim in the claims file


@dataclass(frozen=True)
class Document:
    """One leaflet: its metadata, the path of its text, and its claims in file order."""

    id: str  # the claims file's stem, e.g. "npi-pmt"
    title: str  # the leaflet's title
    publisher: str  # who published it, "" when unknown
    language: str  # "nl" or "en"
    text_path: Path  # the leaflet's text as published
    claims_path: Path  # the claims file
    claims: tuple[Claim, ...]  # in file order
    text_name: str = ""  # the text's path as the claims file gives it, relative to claims/
    text_line: int = 1  # the line of `text:` in the claims file; 1 when it names no text


class _Problems:
    """Collects schema problems of one claims file."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.findings: list[Finding] = []

    def add(self, node: Node, message: str, rule: Rule = CLAIMS_SCHEMA, claim: str | None = None) -> None:
        self.findings.append(rule.finding(Location(self.display, node.start_mark.line + 1), message, claim=claim))


def _mapping(node: Node, what: str, problems: _Problems) -> dict[str, tuple[Node, Node]] | None:
    if not isinstance(node, MappingNode):
        problems.add(node, f"{what} must be a mapping of fields")
        return None
    fields: dict[str, tuple[Node, Node]] = {}
    for key_node, value_node in node.value:
        name = key_node.value if isinstance(key_node, ScalarNode) else str(key_node)
        if name in fields:
            problems.add(key_node, f"{what} has the field '{name}' twice")
        fields[name] = (key_node, value_node)
    return fields


def _text(fields: dict[str, tuple[Node, Node]], name: str, what: str, problems: _Problems,
          required: bool = True, claim: str | None = None) -> str:
    if name not in fields:
        return ""
    _, value_node = fields[name]
    if not isinstance(value_node, ScalarNode) or value_node.tag == _NULL_TAG:
        if required or value_node.tag != _NULL_TAG:
            problems.add(value_node, f"{what}: '{name}' must be text", claim=claim)
        return ""
    return str(value_node.value).strip()


def _unknown(fields: dict[str, tuple[Node, Node]], allowed: set[str], what: str, problems: _Problems,
             claim: str | None = None) -> None:
    for name, (key_node, _) in fields.items():
        if name not in allowed:
            known = ", ".join(sorted(allowed))
            problems.add(key_node, f"{what} has an unknown field '{name}' (known: {known})", claim=claim)


def _bad_key(node: Node, key: str, what: str, problems: _Problems, claim_id: str) -> bool:
    """Whether `key` holds a character no work key holds (which no record could match)."""
    bad = bad_key_character(key)
    if bad is not None:
        problems.add(node, f"{what}: the key {key} holds {named(bad)}, which a key cannot hold ({KEY_CHARACTERS})",
                     claim=claim_id)
    return bad is not None


def _source(node: Node, claim_id: str, problems: _Problems) -> Source | None:
    what = f"a source of claim {claim_id}"
    if isinstance(node, ScalarNode):  # `- koch2014` is shorthand for an unassessed link
        key = str(node.value).strip()
        if _bad_key(node, key, what, problems, claim_id):
            return None
        return Source(key=sys.intern(key), fit="unassessed", note="", line=node.start_mark.line + 1)
    fields = _mapping(node, what, problems)
    if fields is None:
        return None
    _unknown(fields, _SOURCE_FIELDS, what, problems, claim_id)
    key = _text(fields, "key", what, problems, claim=claim_id)
    if not key:
        problems.add(node, f"{what} has no 'key'", claim=claim_id)
        return None
    if _bad_key(fields["key"][1], key, what, problems, claim_id):
        return None
    fit = _text(fields, "fit", what, problems, claim=claim_id) or "unassessed"
    if fit not in FITS:
        problems.add(fields["fit"][1], f"{what}: fit '{fit}' is not one of {', '.join(FITS)}", claim=claim_id)
        return None
    note = _text(fields, "note", what, problems, required=False, claim=claim_id)
    # Keys, fits, kinds and sections repeat over thousands of claims: one string each (sys.intern)
    return Source(key=sys.intern(key), fit=sys.intern(fit), note=note, line=node.start_mark.line + 1)


def _claim(node: Node, document: str, problems: _Problems) -> Claim | None:
    fields = _mapping(node, "a claim", problems)
    if fields is None:
        return None
    claim_id = _text(fields, "id", "a claim", problems)
    if not claim_id:
        problems.add(node, "a claim has no 'id'")
        return None
    bad = bad_id_character(claim_id)
    if bad is not None:  # an id is printed, linked and typed: no newline, control character or space in it
        problems.add(fields["id"][1], f"a claim's id {claim_id} holds {named(bad)}, which an id cannot hold "
                     f"({ID_CHARACTERS})", claim=claim_id)
        return None
    what = f"claim {claim_id}"
    _unknown(fields, _CLAIM_FIELDS, what, problems, claim_id)
    text = _text(fields, "text", what, problems, claim=claim_id)
    if not text:
        problems.add(node, f"{what} has no 'text'", claim=claim_id)
    kind = _text(fields, "kind", what, problems, claim=claim_id) or "clinical"
    if kind not in KINDS:
        problems.add(fields["kind"][1], f"{what}: kind '{kind}' is not one of {', '.join(KINDS)}", claim=claim_id)
    sources: list[Source] = []
    if "sources" in fields:
        value = fields["sources"][1]
        if isinstance(value, SequenceNode):
            for item in value.value:
                source = _source(item, claim_id, problems)
                if source is not None:
                    sources.append(source)
        elif not (isinstance(value, ScalarNode) and value.tag == _NULL_TAG):
            problems.add(value, f"{what}: 'sources' must be a list")
    return Claim(
        id=claim_id,
        document=document,
        section=sys.intern(_text(fields, "section", what, problems, required=False, claim=claim_id)),
        kind=sys.intern(kind),
        text=text,
        cited_as=_text(fields, "cited_as", what, problems, required=False, claim=claim_id),
        sources=tuple(sources),
        line=node.start_mark.line + 1,
    )


class _TextResolver(BaseResolver):
    """Tags a plain scalar null or text, nothing else: all this loader asks of a tag.

    SafeLoader's resolver tries its regular expressions for booleans, numbers and dates
    on every scalar, which was most of the time of composing a large claims file.
    """

    def resolve(self, kind: type, value: str | None, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            return _NULL_TAG if implicit[0] and value in _NULLS else self.DEFAULT_SCALAR_TAG
        return self.DEFAULT_SEQUENCE_TAG if kind is SequenceNode else self.DEFAULT_MAPPING_TAG


try:  # libyaml parses ten times faster than PyYAML's own parser
    from yaml.cyaml import CParser  # type: ignore[attr-defined]

    class _FastLoader(CParser, _TextResolver):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _TextResolver.__init__(self)
except ImportError:  # PyYAML built without libyaml
    _FastLoader = yaml.SafeLoader  # type: ignore[assignment, misc]


def _compose(text: str) -> Node | None:
    """The YAML node tree; a syntax error is raised with PyYAML's own message, which names
    what it found (libyaml's says less), at the same line. Nesting beyond what either can read
    raises RecursionError: libyaml stops at a thousand levels, where PyYAML's own parser would
    take seconds to reach Python's recursion limit."""
    try:
        root: Node | None = yaml.compose(text, Loader=_FastLoader)  # type: ignore[arg-type]
        if _FastLoader is not yaml.SafeLoader:
            return root  # libyaml refuses an escaped surrogate itself
    except yaml.YAMLError as error:
        if "maximum nesting depth" in str(error):
            raise RecursionError(str(error)) from error
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    _refuse_surrogates(root, text)
    return root


_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\(?:u|U0000)([dD][89a-fA-F][0-9a-fA-F]{2})(?:\\(?:u|U0000)([dD][c-fC-F][0-9a-fA-F]{2}))?")


def _refuse_surrogates(root: Node | None, text: str) -> None:
    """PyYAML turns the escape "\\ud800" into a lone surrogate: half of a UTF-16 pair, not a
    character, which no UTF-8 file can hold. Every output would fail on it long after reading,
    so it is a syntax error here, at the first such escape's own line. Each node is visited once."""
    seen: set[int] = set()
    stack = [root] if root is not None else []
    found: list[ScalarNode] = []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, ScalarNode):
            if _SURROGATE.search(node.value):
                found.append(node)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
    if not found:
        return
    node = min(found, key=lambda n: n.start_mark.index)
    mark = node.start_mark
    escape = _SURROGATE_ESCAPE.search(text, mark.index, node.end_mark.index)
    if escape is None:  # a surrogate that no escape of this scalar wrote: said at the scalar
        raise yaml.MarkedYAMLError(problem="a value holds a lone surrogate, which cannot be stored as UTF-8",
                                   problem_mark=mark)
    high, low = escape.group(1), escape.group(2)
    if low and int(high, 16) < 0xDC00:  # a UTF-16 pair, as JSON writes it: YAML wants the one code point
        code = 0x10000 + ((int(high, 16) - 0xD800) << 10) + (int(low, 16) - 0xDC00)
        problem = (f"{escape.group()} is a UTF-16 surrogate pair, which YAML reads as two halves of a "
                   f"character that cannot be stored as UTF-8; write the character itself, or \\U{code:08X}")
    else:
        problem = (f"{escape.group(0)[:escape.end(1) - escape.start()]} is not a character but half of a UTF-16 "
                   "surrogate pair, which cannot be stored as UTF-8; write the character itself, or its "
                   "\\UXXXXXXXX escape")
    line = text.count("\n", 0, escape.start())
    raise yaml.MarkedYAMLError(
        problem=problem,
        problem_mark=yaml.Mark(mark.name, escape.start(), line, 0, None, None))  # type: ignore[no-untyped-call, arg-type]


_ANCHOR = re.compile(r"&[^\s]")  # a YAML anchor, which an alias needs; "Smith & Jones" is none

# Characters that aliases may add to a claims file by repeating texts: a claim's text is a
# sentence, and a page of text is 3,000 characters; an alias of a 1 MB text used a thousand
# times would make a gigabyte to search the leaflet for and to write into the report.
ALIASED_TEXT_LIMIT = 1_000_000


def _repeated(root: Node) -> tuple[Node, bool] | None:
    """A list or mapping that occurs twice in the tree (through an alias), or a text whose
    repetitions bring the characters that aliases repeat past ALIASED_TEXT_LIMIT, if any; and
    whether it is a text.

    Each node is visited once, and each alias once: a tree of aliases to aliases is never unfolded.
    """
    seen: set[int] = set()
    repeated_text = 0
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, ScalarNode):
            if id(node) in seen:
                repeated_text += len(node.value)
                if repeated_text > ALIASED_TEXT_LIMIT:
                    return node, True
            seen.add(id(node))
            continue
        if id(node) in seen:
            return node, False
        seen.add(id(node))
        if isinstance(node, SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
    return None


def _nesting_line(text: str) -> int:
    """The line where lists and mappings first nest deeper than `MAX_NESTING`, read event by event
    (which nests nothing in Python); 0 when they never do."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_FastLoader):  # type: ignore[arg-type]
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_NESTING:
                    return int(event.start_mark.line) + 1 if event.start_mark else 0
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        pass
    return 0


MAX_NESTING = 100  # lists and mappings in lists and mappings: a claims file nests five deep


def load(path: Path, display: str, files: Files = LOOSE) -> tuple[Document | None, list[Finding]]:
    """Read one claims file; every problem in it is a finding, all of them at once. `files` is
    the KB's (`kb.paths`): what it refuses to read is a finding."""
    problems = _Problems(display)
    text = files.read_text(path, display)
    if isinstance(text, Finding):
        return None, [text]
    try:
        root = _compose(text)
    except RecursionError:  # PyYAML composes recursively: a file nested hundreds deep is refused
        return None, [YAML_SYNTAX.finding(Location(display, max(1, _nesting_line(text))),
                                          f"cannot read YAML: lists and mappings nested more than {MAX_NESTING} deep")]
    except yaml.reader.ReaderError as error:  # a control character: no mark, only an offset
        line = text.count("\n", 0, error.position) + 1
        return None, [YAML_SYNTAX.finding(Location(display, line), f"cannot read YAML: unacceptable character #x{error.character:04x}: {error.reason}")]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + 1 if mark else 0
        problem = getattr(error, "problem", None) or " ".join(str(error).split())
        context = getattr(error, "context", None)
        message = f"cannot read YAML: {problem}" + (f" ({context})" if context else "")
        return None, [YAML_SYNTAX.finding(Location(display, line), message)]
    if root is None or (isinstance(root, ScalarNode) and root.tag == _NULL_TAG):
        # A file cut short to nothing would drop a whole leaflet without a word.
        return None, [CLAIMS_SCHEMA.finding(Location(display, 1), "the claims file is empty (cut short?): it needs "
                                            "'claims', written 'claims: []' for a leaflet without claims")]
    repeated = _repeated(root) if _ANCHOR.search(text) else None
    if repeated is not None:
        node, is_text = repeated
        message = (f"YAML aliases repeat the text anchored here past {ALIASED_TEXT_LIMIT:,} characters; write each "
                   "text out (aliases can multiply a small file into gigabytes of text)" if is_text else
                   "a YAML alias repeats the list or mapping anchored here; write each claim and source out "
                   "(aliases can multiply a small file into millions of links)")
        return None, [CLAIMS_SCHEMA.finding(Location(display, node.start_mark.line + 1), message)]
    stem = path.stem
    top = _mapping(root, "the claims file", problems)
    if top is None:
        return None, problems.findings
    _unknown(top, {"document", "claims"}, "the claims file", problems)
    if "claims" not in top:  # a file cut short before its claims would drop them without a word
        problems.add(root, "the claims file has no 'claims' (cut short?): write 'claims: []' for a leaflet "
                           "without claims")
    meta: dict[str, tuple[Node, Node]] = {}
    if "document" in top:
        meta = _mapping(top["document"][1], "'document'", problems) or {}
        _unknown(meta, _DOCUMENT_FIELDS, "'document'", problems)
    text_named = _text(meta, "text", "'document'", problems, required=False)
    text_name = text_named or f"{stem}.txt"
    claims: list[Claim] = []
    if "claims" in top:
        value = top["claims"][1]
        if isinstance(value, SequenceNode):
            for item in value.value:
                claim = _claim(item, stem, problems)
                if claim is not None:
                    claims.append(claim)
        elif isinstance(value, ScalarNode) and value.tag == _NULL_TAG:
            problems.add(top["claims"][0], "'claims' is empty (cut short?): write 'claims: []' for a leaflet "
                                           "without claims")
        else:
            problems.add(value, "'claims' must be a list of claims")
    document = Document(
        id=stem,
        title=_text(meta, "title", "'document'", problems, required=False) or stem,
        publisher=_text(meta, "publisher", "'document'", problems, required=False),
        language=_text(meta, "language", "'document'", problems, required=False) or "nl",
        text_path=path.parent / text_name,
        claims_path=path,
        claims=tuple(claims),
        text_name=text_name,
        text_line=meta["text"][0].start_mark.line + 1 if text_named else 1,
    )
    return document, problems.findings
