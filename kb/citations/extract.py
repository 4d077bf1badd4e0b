"""Extraction: a leaflet's citations found, resolved and placed in their sentences, and its draft claims.

The draft claims file is the KB's own `claims/<doc>.yaml` format: one claim per cited sentence
(or per cited clause, where citations stand inside the sentence), its text the verbatim span
without the citations, `cited_as` the citation groups exactly as printed (whitespace
collapsed), its sources the resolved records with fit `unassessed`; and each uncited
assertive sentence as a candidate clinical claim with no sources. A person reviews it.
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
from kb.citations import parse, sentences
from kb.citations.parse import Group, collapse
from kb.citations.resolve import Problem, Resolution, index_for, reading, resolve
from kb.citations.sentences import Sentence
from kb.identifiers import id_prefix
from kb.printable import in_json, printable

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


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without edge punctuation, a list marker in front, or a final full stop."""
    while start < end and text[start] in _EDGE_PUNCTUATION:
        start += 1
    marker = _LIST_MARKER.match(text, start, end)
    if marker:
        start = marker.end()
    while end > start and text[end - 1] in _EDGE_PUNCTUATION + ".!":
        end -= 1
    return start, end


def _assertive(text: str, sentence_text: str) -> bool:
    """A statement worth a candidate claim: a finished sentence of four words or more, not a question."""
    finished = bool(regex.search(r"[.!][\"'”’)]*$", sentence_text.rstrip()))
    return finished and len(text.split()) >= 4


def _claims(text: str, document: str, found: list[FoundGroup], all_sentences: list[Sentence]) -> list[DraftClaim]:
    pieces: list[tuple[str, int, int, tuple[FoundGroup, ...]]] = []
    section = ""
    by_sentence: dict[Sentence, list[FoundGroup]] = {}
    for item in found:
        by_sentence.setdefault(item.sentence, []).append(item)
    for sentence in all_sentences:
        if sentence.heading:
            section = collapse(text[sentence.start:sentence.end]).lstrip("#").strip()
            continue
        inside = by_sentence.get(sentence, [])
        cursor = sentence.start
        pending: list[FoundGroup] = []
        for item in inside:
            pending.append(item)
            if item.group.narrative:
                continue  # "Koch et al. (2014) found ...": the citation stays in the claim's words
            start, end = _trim(text, cursor, item.group.start)
            if end > start:
                pieces.append((section, start, end, tuple(pending)))
            elif pieces and pieces[-1][1] >= sentence.start:  # "(A, 2010) (B, 2011)": both rest on the words before
                last = pieces[-1]
                pieces[-1] = (last[0], last[1], last[2], last[3] + tuple(pending))
            pending = []
            cursor = item.group.end
        start, end = _trim(text, cursor, sentence.end)
        words = text[start:end]
        if end > start and (pending or (_assertive(words, text[sentence.start:sentence.end]))):
            pieces.append((section, start, end, tuple(pending)))
    prefix = id_prefix(document)  # a file's name may hold what an id cannot: a space, a newline
    return [DraftClaim(id=f"{prefix}-{i:03d}", section=section, text=collapse(text[start:end]), start=start,
                       end=end, groups=groups) for i, (section, start, end, groups) in enumerate(pieces, 1)]


def extract(text: str, works: Mapping[str, Work], document: str, language: str | None = None) -> Extraction:
    """Find, resolve and place every citation of `text`, and draft its claims."""
    language = language or sentences.guess_language(text)
    groups = parse.find(text)
    all_sentences = sentences.split(text, language, [(g.start, g.end) for g in groups])
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
    claims = _claims(text, document, found, all_sentences)
    return Extraction(document, title, language, tuple(found), tuple(claims))


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
        "id": c.id, "section": c.section, "kind": "clinical", "text": c.text, "start": c.start, "end": c.end,
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
        "# and each uncited assertive sentence as a candidate. Review every claim's kind, span and sources.",
        "document:",
        f"  title: {_quote(extraction.title)}",
        f"  language: {extraction.language}",
        f"  text: {_quote(text_name)}",
        "claims:" if extraction.claims else "claims: []",
    ]
    for claim in extraction.claims:
        lines += [f"  - id: {_scalar(claim.id)}", f"    section: {_quote(claim.section)}", "    kind: clinical",
                  f"    text: {_quote(claim.text)}"]
        if claim.groups:
            lines.append(f"    cited_as: {_quote(claim.cited_as)}")
        lines.append("    sources:" if claim.keys else "    sources: []")
        for key in claim.keys:
            lines += [f"      - key: {_scalar(key)}", "        fit: unassessed"]
        for group in claim.groups:
            for problem in group.problems:
                lines.append(f"    # {problem.kind}: {printable(' '.join(problem.message.split()))}")
    return "\n".join(lines) + "\n"
