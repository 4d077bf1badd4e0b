"""Kinds: whether a sentence of a leaflet is drafted as a claim, and as which kind.

A draft holds assertions. Headings, questions, a sentence ending in ":" (it introduces a list),
the text speaking of itself ("In deze folder leest u ...", "Hierbij kun je denken aan"),
the authors' own study, method or system ("We measured ...", "Participants were ...", "The
quality of studies was assessed ...", "Deelnemers kregen ..."), figure and table captions,
acknowledgements, list items with no finite verb ("1. Eye-tracking (...).") and instructions
to the reader ("Neem contact op met ...", "Call ...") assert nothing, and are not drafted;
practical information (contact, opening hours, costs and insurance, waiting times, how to
register, what to bring, what "we" do in the sessions) is drafted as `service`;
every other finished statement as `clinical`. The phrase lists are data, per language, in
kb/data/phrases.toml (`[nl.drafts]`, `[en.drafts]`; its header says how they are read).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import regex

from kb.audit.overclaim import Pattern, compile_pattern

CLINICAL = "clinical"
SERVICE = "service"
# Why a sentence is no claim, as `kind_of` says it.
HEADING, QUESTION, LIST_INTRODUCTION, META, METHOD, INSTRUCTION, FRAGMENT = (
    "heading", "question", "list-introduction", "meta", "method", "instruction", "fragment")

# In front of the words a sentence opens with: a list marker, an opening quote or bracket, and a
# short label before a colon ("Het leren mentaliseren: Soms ...").
_LEAD = regex.compile(r"(?:\s|[-•*–]\s|\d{1,2}[.)]\s|\p{Ll}\)\s|[\"'“‘(\[])*")
_LABEL = regex.compile(r"[^\s:.!?]+(?:\s+[^\s:.!?]+){0,4}:\s+(?=\p{Lu})")
_FINISHED = regex.compile(r"[.!][\"'”’)]*$")
_ITEM = regex.compile(r"\s*(?:[-•*–]|\d{1,2}[.)]|\p{Ll}\))\s")  # a list item's marker
_BRACKETS = regex.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_WORD = regex.compile(r"\p{L}[\p{L}'’-]*")


@dataclass(frozen=True)
class Rules:
    """The phrase lists of one language."""

    references: frozenset[str]  # headings that open a reference list, lower case
    barriers: frozenset[str]  # words that open a new clause ("waarvoor", "which"), lower case
    meta_opening: tuple[Pattern, ...]  # the text speaking of itself, where a sentence opens
    meta: tuple[Pattern, ...]  # ... anywhere in it
    method_opening: tuple[Pattern, ...]  # the authors' own study, method or system, where a sentence opens
    method: tuple[Pattern, ...]  # ... anywhere in it
    method_regex: tuple[regex.Pattern[str], ...]  # ... as regular expressions (captions, verb-final clauses)
    method_unless: tuple[Pattern, ...]  # a finding reported, which is a claim
    finite: frozenset[str]  # finite verbs (auxiliaries, copulas, the commonest), lower case
    finite_regex: tuple[regex.Pattern[str], ...]  # a word that is a finite verb unless a determiner precedes it
    determiners: frozenset[str]  # words after which such a word is a noun or an adjective, lower case
    noun_before: frozenset[str]  # words before which such a word is a noun ("measures of"), lower case
    relatives: frozenset[str]  # words that open a relative clause, lower case
    service: tuple[Pattern, ...]  # practical information
    service_regex: tuple[regex.Pattern[str], ...]  # ... as regular expressions (numbers, times, amounts)
    instruction_opening: tuple[Pattern, ...]  # an imperative where a sentence opens
    procedure: tuple[regex.Pattern[str], ...]  # what "we" do
    procedure_unless: tuple[Pattern, ...]  # what we hold true, which is a claim


def _rules(table: dict[str, Any], barriers: list[str]) -> Rules:
    def patterns(key: str) -> tuple[Pattern, ...]:
        alternatives = "|".join(regex.escape(b) for b in sorted(barriers, key=len, reverse=True)) or "(?!)"
        return tuple(compile_pattern(source, alternatives) for source in table.get(key, []))

    def expressions(key: str) -> tuple[regex.Pattern[str], ...]:
        return tuple(regex.compile(source, regex.IGNORECASE) for source in table.get(key, []))

    return Rules(
        references=frozenset(r.lower() for r in table.get("references", [])),
        barriers=frozenset(b.lower() for b in barriers),
        meta_opening=patterns("meta_opening"), meta=patterns("meta"), service=patterns("service"),
        method_opening=patterns("method_opening"), method=patterns("method"),
        method_regex=expressions("method_regex"), method_unless=patterns("method_unless"),
        finite=frozenset(w.lower() for w in table.get("finite", [])), finite_regex=expressions("finite_regex"),
        determiners=frozenset(w.lower() for w in table.get("determiners", [])),
        noun_before=frozenset(w.lower() for w in table.get("noun_before", [])),
        relatives=frozenset(w.lower() for w in table.get("relatives", [])),
        service_regex=expressions("service_regex"), instruction_opening=patterns("instruction_opening"),
        procedure=expressions("procedure_regex"), procedure_unless=patterns("procedure_unless"))


@cache
def rules(language: str) -> Rules:
    """The lists for a language ("nl", "en-US"); a language without lists gets English's."""
    data = tomllib.loads(resources.files("kb").joinpath("data/phrases.toml").read_text(encoding="utf-8"))
    code = language.split("-")[0].split("_")[0].lower()
    table: dict[str, Any] = data[code] if isinstance(data.get(code), dict) and "drafts" in data[code] else data["en"]
    return _rules(table["drafts"], table.get("barriers", []))


def opening(sentence: str) -> int:
    """Where a sentence's own words start: after a list marker, an opening quote, a short label."""
    start = _LEAD.match(sentence).end()  # type: ignore[union-attr]  # it matches the empty string
    return label_end(sentence, start)


def label_end(text: str, start: int, end: int | None = None) -> int:
    """Past a short label that opens a list item, "Het leren mentaliseren: Soms ...", else `start`."""
    label = _LABEL.match(text, start, len(text) if end is None else end)
    return label.end() if label else start


def _opens(patterns: tuple[Pattern, ...], text: str, at: int) -> bool:
    return any(p.regex.match(text, at) for p in patterns)


def _holds(patterns: tuple[Pattern, ...], text: str) -> bool:
    return any(p.regex.search(text) for p in patterns)


def is_service(sentence: str, language: str) -> bool:
    """Whether a sentence gives practical information."""
    lang = rules(language)
    return _holds(lang.service, sentence) or any(r.search(sentence) for r in lang.service_regex)


_LONG_WORD = regex.compile(r"\p{L}[\p{L}'’-]{3,}")


def _title_cased(text: str) -> bool:
    """A title printed as a line of its own ("Analyzing School-Based Interventions for Primary and
    Secondary Prevention of Depression"): most of its longer words, the first one aside, capitalised."""
    words = _LONG_WORD.findall(text)[1:]
    capitals = sum(1 for word in words if word[:1].isupper())
    return capitals >= 3 and capitals >= 0.7 * len(words)


def _own_study(text: str, at: int, lang: Rules) -> bool:
    """Whether a sentence describes the authors' own study, method or system, a caption or an
    acknowledgement, and reports no finding."""
    own = _BRACKETS.sub(" ", text[at:])  # an aside in brackets ("(since it is also calculated ...)") decides nothing
    said = (_opens(lang.method_opening, text, at) or _holds(lang.method, own)
            or any(r.search(own) for r in lang.method_regex))
    return said and not _holds(lang.method_unless, own)


def _verbless(text: str, lang: Rules) -> bool:
    """Whether a list item ("1. Eye-tracking (for ...).", "- Decision mechanism that combines
    ...") holds no finite verb outside its brackets and relative clauses: a fragment."""
    if not _ITEM.match(text):
        return False
    words = [w.lower() for w in _WORD.findall(_BRACKETS.sub(" ", text))]
    for i, word in enumerate(words):
        before, after = words[i - 1] if i else "", words[i + 1] if i + 1 < len(words) else ""
        if word in lang.relatives and before:
            return True  # what follows is a relative clause
        if word in lang.finite:
            return False
        if (before not in lang.determiners and after not in lang.noun_before and word not in lang.determiners
                and any(r.search(word) for r in lang.finite_regex)):
            return False
    return True


def kind_of(sentence: str, language: str, heading: bool = False) -> tuple[str, str]:
    """(kind, "") for a sentence drafted as a claim of that kind; ("", why) for one that is not.

    `sentence` is the sentence as printed, whitespace collapsed, with its final punctuation.
    """
    text = sentence.strip()
    if heading:
        return "", HEADING
    if text.rstrip("\"'”’)»").endswith("?"):
        return "", QUESTION
    if text.endswith(":"):
        return "", LIST_INTRODUCTION
    if _title_cased(text):
        return "", HEADING
    lang = rules(language)
    at = opening(text)
    own = text[at:]
    if _opens(lang.meta_opening, text, at) or _holds(lang.meta, own):
        return "", META
    if _own_study(text, at, lang):
        return "", METHOD
    if _verbless(text, lang):
        return "", FRAGMENT
    if is_service(own, language):
        return SERVICE, ""
    if _opens(lang.instruction_opening, text, at):
        return "", INSTRUCTION
    if not _FINISHED.search(text) or len(own.split()) < 4:
        return "", FRAGMENT
    if any(r.search(own) for r in lang.procedure) and not _holds(lang.procedure_unless, own):
        return SERVICE, ""
    return CLINICAL, ""


def opens_clause(words: str, language: str) -> bool:
    """Whether the words after a citation open a clause of their own (", waarvoor ...", "; ...",
    ", which ...") rather than go on with the one before it (", relaxatie interventies")."""
    stripped = words.lstrip(" \t\n,")
    if stripped.startswith(";") or stripped[:1] in ".!?":
        return True
    first = regex.match(r"\w+", stripped)
    return bool(first) and first.group().lower() in rules(language).barriers  # type: ignore[union-attr]


def is_references_heading(heading: str, language: str) -> bool:
    """Whether a heading opens a reference list ("Literatuur", "## References:")."""
    words = " ".join(heading.lstrip("#").strip().rstrip(":").split()).lower()
    return words in rules(language).references
