"""Extraction: a leaflet's citations found, resolved and placed in their sentences, and its draft claims.

The draft claims file is the KB's own `claims/<doc>.yaml` format: one claim per cited sentence
(or per cited clause, where citations stand inside the sentence: the clause that asserts, from
its start up to the citation, or on to the sentence's end when the words after the citation
still belong to it), `cited_as` the citation groups exactly as printed (whitespace
collapsed), its sources the resolved records with fit `unassessed`; and each uncited
sentence that asserts something as a candidate claim with no sources, of the kind
`kb.citations.kinds` gives it (headings, questions, meta sentences and instructions to the
reader are no claims). A trailing reference list ("Literatuur", "References" and entries) is
no part of the leaflet's running text: it yields no citations and no claims. A person reviews it.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Mapping
from dataclasses import dataclass

import regex
from yaml import ScalarNode
from yaml.resolver import Resolver

from kb.bibliography import Work
from kb.citations import kinds, parse, sentences
from kb.citations.parse import Group, collapse
from kb.citations.resolve import Problem, Resolution, index_for, reading, resolve
from kb.citations.sentences import Sentence
from kb.identifiers import id_prefix
from kb.printable import in_json, printable
from kb.texts import blocks

_LIST_MARKER = regex.compile(r"(?:[-•*–]|\d{1,2}[.)]|\p{Ll}\))\s+")
_EDGE_PUNCTUATION = " \t\n,;:"


@dataclass(frozen=True)
class FoundGroup:
    """A citation group with its records and its sentence."""

    group: Group  # as found in the text
    resolutions: tuple[Resolution, ...]  # one per citation of the group, in printed order
    sentence: Sentence  # the sentence that carries it

    @property
    def keys(self) -> tuple[str, ...]:
        """Every record the group stands for, in printed order, each once."""
        return tuple(dict.fromkeys(key for r in self.resolutions for key in r.keys))

    @property
    def problems(self) -> tuple[Problem, ...]:
        return tuple(p for r in self.resolutions for p in r.problems)


@dataclass(frozen=True)
class DraftClaim:
    """One claim of the draft claims file."""

    id: str  # "<document>-001", in text order
    section: str  # the heading it stands under; "" before the first heading
    text: str  # the verbatim span, whitespace collapsed, its citations and final full stop left out
    start: int  # offset of the span in the text
    end: int  # offset just past the span
    groups: tuple[FoundGroup, ...]  # the citation groups it rests on; none for an uncited assertion
    kind: str = kinds.CLINICAL  # "clinical" or "service", as kb.citations.kinds reads its sentence

    @property
    def cited_as(self) -> str:
        return " ".join(collapse(g.group.text) for g in self.groups)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(key for g in self.groups for key in g.keys))


@dataclass(frozen=True)
class Extraction:
    """Everything `kb extract` found in one text."""

    document: str  # the text file's stem, e.g. "npi-pmt"
    title: str  # the text's first heading, else the document name
    language: str  # "nl" or "en", as guessed from the text
    groups: tuple[FoundGroup, ...]  # in text order
    claims: tuple[DraftClaim, ...]  # in text order
    references: tuple[int, int] | None = None  # (start, end) of a trailing reference list, left out of both
    text: str = ""  # the text the claims were drafted from (their offsets point into it)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without edge punctuation, a list marker in front, or a final full stop."""
    while start < end and text[start] in _EDGE_PUNCTUATION:
        start += 1
    marker = _LIST_MARKER.match(text, start, end)
    if marker:
        start = marker.end()
    start = kinds.label_end(text, start, end)  # "Spanning: Als je angstig bent ...": the label is no claim
    while end > start and text[end - 1] in _EDGE_PUNCTUATION + ".!":
        end -= 1
    return start, end


def _sentence_kind(text: str, sentence: Sentence, language: str) -> str:
    """The kind an uncited sentence is drafted as, "" for one that asserts nothing."""
    return kinds.kind_of(collapse(text[sentence.start:sentence.end]), language, sentence.heading)[0]


def _cited_kind(text: str, start: int, end: int, language: str) -> str:
    return kinds.SERVICE if kinds.is_service(collapse(text[start:end]), language) else kinds.CLINICAL


Piece = tuple[str, int, int, tuple[FoundGroup, ...], str]  # section, start, end, groups, kind


def _cited_pieces(text: str, section: str, sentence: Sentence, inside: list[FoundGroup], language: str,
                  pieces: list[Piece]) -> None:
    """The claims of a sentence that holds citations: one per citation group (or run of groups
    printed side by side), each the clause it stands in; and the sentence's uncited last clause."""
    first = len(pieces)
    cursor = clause = sentence.start
    pending: list[FoundGroup] = []
    for item in inside:
        pending.append(item)
        if item.group.narrative:
            continue  # "Koch et al. (2014) found ...": the citation stays in the claim's words
        start, end = _trim(text, cursor, item.group.start)
        if end > start:
            if cursor > sentence.start and not kinds.opens_clause(text[cursor:item.group.start], language):
                start = clause  # ", relaxatie interventies (Glanz, 1990)": no clause of its own; the claim is the clause
            clause = start
            pieces.append((section, start, end, tuple(pending), _cited_kind(text, start, end, language)))
        elif len(pieces) > first:  # "(A, 2010) (B, 2011)": both rest on the words before
            last = pieces[-1]
            pieces[-1] = (last[0], last[1], last[2], last[3] + tuple(pending), last[4])
        pending = []
        cursor = item.group.end
    start, end = _trim(text, cursor, sentence.end)
    if end <= start:
        return
    if pending:  # a narrative citation with no parenthetical after it: the claim is its clause
        begin = start if cursor == sentence.start or kinds.opens_clause(text[cursor:end], language) else clause
        pieces.append((section, begin, end, tuple(pending), _cited_kind(text, begin, end, language)))
    elif len(pieces) > first and not kinds.opens_clause(text[cursor:sentence.end], language):
        last = pieces[-1]  # "PMT helpt (Koch, 2014) bij depressie": the clause goes on past its citation
        pieces[-1] = (last[0], last[1], end, last[3], _cited_kind(text, last[1], end, language))
    else:
        kind = kinds.kind_of(collapse(text[start:sentence.end]), language)[0]
        if kind:
            pieces.append((section, start, end, (), kind))


def _claims(text: str, document: str, found: list[FoundGroup], all_sentences: list[Sentence], language: str,
            cited_only: bool) -> list[DraftClaim]:
    pieces: list[Piece] = []
    section = ""
    by_sentence: dict[Sentence, list[FoundGroup]] = {}
    for item in found:
        by_sentence.setdefault(item.sentence, []).append(item)
    for sentence in all_sentences:
        if sentence.heading:
            section = collapse(text[sentence.start:sentence.end]).lstrip("#").strip()
            continue
        inside = by_sentence.get(sentence, [])
        if inside:
            _cited_pieces(text, section, sentence, inside, language, pieces)
        elif not cited_only:
            kind = _sentence_kind(text, sentence, language)
            start, end = _trim(text, sentence.start, sentence.end)
            if kind and end > start:
                pieces.append((section, start, end, (), kind))
    prefix = id_prefix(document)  # a file's name may hold what an id cannot: a space, a newline
    return [DraftClaim(id=f"{prefix}-{i:03d}", section=section, text=collapse(text[start:end]), start=start,
                       end=end, groups=groups, kind=kind)
            for i, (section, start, end, groups, kind) in enumerate(pieces, 1)]


_ENTRY = regex.compile(r"\(\s*(?:\d{4}[a-z]?|n\.\s?d\.|z\.\s?d\.|in press|ter perse)[^)]{0,40}\)|\b(?:19|20)\d{2}[a-z]?[.,;]")


def _reference_list(text: str, all_sentences: list[Sentence], language: str) -> tuple[int, int] | None:
    """(start, end) of a reference list that closes the text: a heading such as "Literatuur" or
    "References:" followed by entries (blocks holding a year), up to the end or the next heading
    that is no entry. None when the text has no such list."""
    for sentence in all_sentences:
        if not kinds.is_references_heading(text[sentence.start:sentence.end], language):
            continue
        end = len(text)
        entries = others = 0
        for start, stop in blocks(text):
            if start < sentence.end:
                continue
            words = text[start:stop]
            if _ENTRY.search(words):
                entries += 1
            elif sentences.is_heading(words):
                end = start
                break
            else:
                others += 1
        if entries and entries >= others:
            return sentence.start, end
    return None


def extract(text: str, works: Mapping[str, Work], document: str, language: str | None = None,
            cited_only: bool = False) -> Extraction:
    """Find, resolve and place every citation of `text`, and draft its claims (only the cited
    ones with `cited_only`)."""
    language = language or sentences.guess_language(text)
    groups = parse.find(text)
    all_sentences = sentences.split(text, language, [(g.start, g.end) for g in groups])
    references = _reference_list(text, all_sentences, language)
    if references:
        outside = [g for g in groups if not references[0] <= g.start < references[1]]
        if len(outside) < len(groups):  # an entry read as a citation masked its words: split again
            groups = outside
            all_sentences = sentences.split(text, language, [(g.start, g.end) for g in groups])
        all_sentences = [s for s in all_sentences if not references[0] <= s.start < references[1]]
    index = index_for(groups, works)
    found = []
    starts = [s.start for s in all_sentences]  # in text order, none overlapping another
    for i, group in enumerate(groups):
        group = groups[i] = reading(text, group, index)
        at = bisect.bisect_right(starts, group.start) - 1
        sentence = (all_sentences[at] if at >= 0 and group.start < all_sentences[at].end
                    else Sentence(group.start, group.end, False))
        found.append(FoundGroup(group, tuple(resolve(c, index) for c in group.citations), sentence))
    headings = [s for s in all_sentences if s.heading]
    title = collapse(text[headings[0].start:headings[0].end]).lstrip("#").strip() if headings else document
    claims = _claims(text, document, found, all_sentences, language, cited_only)
    return Extraction(document, title, language, tuple(found), tuple(claims), references, text)


def _problems(problems: tuple[Problem, ...]) -> list[dict[str, str]]:
    return [{"kind": p.kind, "message": p.message} for p in problems]


def as_json(extraction: Extraction) -> str:
    """The extract JSON: citation groups with offsets, keys and problems, and the draft claims."""
    groups = []
    for found in extraction.groups:
        group = found.group
        groups.append({
            "text": group.text, "start": group.start, "end": group.end, "keys": list(found.keys),
            "narrative": group.narrative, "sentence_start": found.sentence.start,
            "sentence_end": found.sentence.end, "problems": _problems(found.problems),
            "citations": [{
                "text": r.citation.text, "start": r.citation.start, "end": r.citation.end,
                "authors": list(r.citation.authors), "et_al": r.citation.et_al, "year": r.citation.year,
                "suffix": r.citation.suffix, "locator": r.citation.locator, "prefix": r.citation.prefix,
                "initials": r.citation.initials,
                "keys": list(r.keys), "problems": _problems(r.problems),
            } for r in found.resolutions],
        })
    claims = [{
        "id": c.id, "section": c.section, "kind": c.kind, "text": c.text, "start": c.start, "end": c.end,
        "cited_as": c.cited_as, "sources": [{"key": key, "fit": "unassessed"} for key in c.keys],
    } for c in extraction.claims]
    data = {"document": extraction.document, "language": extraction.language, "citations": groups,
            "claims": claims}
    return in_json(json.dumps(data, ensure_ascii=False, indent=2)) + "\n"


def _quote(value: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is a subset of it) that reads back as
    `value` and shows on a terminal as it is: what `printable` escapes is a `\\u` escape here
    (DEL, C1 controls and U+2028/U+2029 would also break YAML or its lines)."""
    return in_json(json.dumps(value, ensure_ascii=False))


_RESOLVER = Resolver()
_PLAIN = regex.compile(r"\w[\w.:/+-]*(?<!:)")  # no indicator first, no ":" last: a plain scalar


def _scalar(value: str) -> str:
    """A key or id as a plain YAML scalar where that reads back as this text, else quoted
    (`-x`, `a:`, `null`, `2020`, `1.5`)."""
    if _PLAIN.fullmatch(value) and _RESOLVER.resolve(ScalarNode, value, (True, False)) == Resolver.DEFAULT_SCALAR_TAG:
        return value
    return _quote(value)


def as_yaml(extraction: Extraction, text_name: str) -> str:
    """The draft `claims/<doc>.yaml`, with each citation's problems as comments for the reviewer."""
    lines = [
        f"# Draft claims of {printable(text_name)}, made by `kb extract`: one claim per cited sentence or clause,",
        "# and each uncited sentence that asserts something as a candidate. Review every claim's kind, span and sources.",
        "document:",
        f"  title: {_quote(extraction.title)}",
        f"  language: {extraction.language}",
        f"  text: {_quote(text_name)}",
        "claims:" if extraction.claims else "claims: []",
    ]
    for claim in extraction.claims:
        lines += claim_lines(claim)
    return "\n".join(lines) + "\n"


def claim_lines(claim: DraftClaim, claim_id: str | None = None) -> list[str]:
    """One claim of the draft claims file as YAML lines, an item of `claims:` ("  - id: ...")."""
    lines = [f"  - id: {_scalar(claim_id or claim.id)}", f"    section: {_quote(claim.section)}",
             f"    kind: {claim.kind}", f"    text: {_quote(claim.text)}"]
    if claim.groups:
        lines.append(f"    cited_as: {_quote(claim.cited_as)}")
    lines.append("    sources:" if claim.keys else "    sources: []")
    for key in claim.keys:
        lines += [f"      - key: {_scalar(key)}", "        fit: unassessed"]
    for group in claim.groups:
        for problem in group.problems:
            lines.append(f"    # {problem.kind}: {printable(' '.join(problem.message.split()))}")
    return lines


def quote(value: str) -> str:
    """`value` as a YAML double-quoted scalar that shows on a terminal as it is."""
    return _quote(value)
