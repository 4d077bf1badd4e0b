"""Overclaims: assertive wording in a claim's text, and its hedged rewrite.

The phrase lists, hedges and rewrite rules are data (kb/data/phrases.toml), one table per
leaflet language; this module compiles their small pattern language to regular
expressions over the text as written, so that offsets, case and punctuation survive.
A language's lists are read when a leaflet in it is first checked, and each expression is
compiled when it is first matched: the audit of one leaflet compiles the few its claims' words
can open, not the hundreds of both languages.
"""

from __future__ import annotations

import bisect
import itertools
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from typing import Any

from kb.audit.registry import checks, declare
from kb.claims import Claim
from kb.findings import Finding, Location, Severity
from kb.knowledgebase import KnowledgeBase
from kb.labels import UNSUPPORTED

MAX_GAP = 6  # words a `...` may span: a Dutch middle field can be long
NEGATION_REACH = 3  # words before a phrase in which a negator cancels it
_PUNCT = ".,;:!?()\"“”"
_WORD_END = r"(?![\w-])"
_WORD_START = r"(?<![\w-])"


@dataclass(frozen=True)
class Pattern:
    source: str  # as written in phrases.toml
    expression: str  # the regular expression (case ignored); each `...` is a capturing group
    opening_expression: str | None = None  # the whole word every match opens with; None when it opens otherwise

    @cached_property
    def regex(self) -> re.Pattern[str]:
        """The expression compiled, when first matched."""
        return re.compile(self.expression, re.IGNORECASE)

    @cached_property
    def opening(self) -> re.Pattern[str] | None:
        """The opening word's expression compiled, when first asked for."""
        return re.compile(self.opening_expression, re.IGNORECASE) if self.opening_expression is not None else None


@dataclass(frozen=True)
class Rewrite:
    pattern: Pattern  # the words to replace; must overlap the phrase found
    to: str | None  # the hedged words; `...` stands for what the gaps matched; None: only at a level below
    weak: str  # used instead of `to` on an unsupported or expert-only claim; "" for none
    levels: tuple[tuple[int, str], ...] = ()  # (conclusion level, the words in that level's wording)

    def target(self, weak: bool, level: int | None) -> str | None:
        """The words for a claim at `level` (None: unsupported, or no level known), or None when
        this rule has none for it. At level 4 the weak words stand in for a missing `to4`."""
        if level is not None:
            own = dict(self.levels).get(level)
            if own is not None:
                return own
            if level >= 4 and self.weak:
                return self.weak
            return self.to
        return self.weak if weak and self.weak else self.to


@dataclass(frozen=True)
class Phrase:
    kind: str  # evidence, necessity, causal, effect or absolute
    level: int  # the conclusion level the wording asserts: 1 for "toont aan", 2 "aannemelijk", 3 "aanwijzingen"
    match: tuple[Pattern, ...]  # any of these finds the phrase
    unless: tuple[Pattern, ...]  # fixed expressions that cancel a match they overlap
    rewrites: tuple[Rewrite, ...]  # in order; the first that applies is used


@dataclass(frozen=True)
class Language:
    code: str  # "nl", "en"
    phrases: tuple[Phrase, ...]  # the assertive wording
    hedges: tuple[Pattern, ...]  # one anywhere in a claim clears it
    hedges_unless: tuple[Pattern, ...]  # uses of a hedge word that hedge nothing
    qualifiers: tuple[Pattern, ...]  # modal and frequency words, effective within a clause
    qualifiers_clear: frozenset[str]  # the phrase kinds a qualifier clears
    wording: tuple[tuple[int, str], ...]  # each conclusion level's guideline wording ("Er zijn aanwijzingen dat")
    negator: re.Pattern[str]  # any negator word
    barrier: re.Pattern[str]  # punctuation or a word that opens a clause
    # which phrase patterns, hedges and qualifiers can match in a text, by its words: most claims hold none
    phrase_openers: Openers = field(compare=False, repr=False)
    hedge_openers: Openers = field(compare=False, repr=False)
    qualifier_openers: Openers = field(compare=False, repr=False)
    # the phrase patterns that can match in a text -> each phrase with those of its patterns
    phrases_opened: dict[frozenset[int], tuple[tuple[Phrase, tuple[Pattern, ...]], ...]] = field(
        default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Hit:
    start: int  # offset in the claim text
    end: int  # just past the match
    words: str  # the matched words as the message quotes them, whitespace collapsed
    phrase: Phrase  # the entry that matched


@dataclass(frozen=True)
class Assessment:
    hits: tuple[Hit, ...]  # assertive phrases that no hedge, negator or qualifier clears, in text order
    suggestion: str | None  # the text with each phrase hedged; None when no rewrite applied
    worded: int  # the conclusion level the wording asserts (1 strongest); 1 for plain assertion


def _alternatives(token: str) -> str:
    words = []
    for word in token.split("|"):
        if word == "$":
            words.append("$")
        elif word.endswith("*"):
            words.append(re.escape(word[:-1]) + r"[\w-]*")
        else:
            words.append(re.escape(word))
    return "(?:" + "|".join(words) + ")"


def compile_pattern(source: str, barriers: str) -> Pattern:
    """The pattern language of phrases.toml as a regular expression (see the file's header)."""
    first = source.split()[0] if source.split() else ""
    opening = _WORD_START + _alternatives(first) + _WORD_END if _OPENING_WORD.fullmatch(first) else None
    gap = rf"((?:\s+(?!(?:{barriers}){_WORD_END})[^\s{re.escape(_PUNCT)}]+){{0,{MAX_GAP}}}?)\s+"
    parts: list[str] = []
    after_word = False
    for token in source.split():
        if token == "^":  # the start of the text; a gap after it holds the text's first words
            parts.append("^")
        elif token == "..." and parts == ["^"]:
            parts.append(rf"((?:(?!(?:{barriers}){_WORD_END})[^\s{re.escape(_PUNCT)}]+\s+){{0,{MAX_GAP}}}?)")
            after_word = False
        elif token == "...":
            parts.append(gap)
            after_word = False
        elif token.startswith("(") and token.endswith(")"):
            words = [w for w in token[1:-1].split("|") if w != "$"]
            options = [rf"\s*(?:[{re.escape(_PUNCT)}]|$)"] if "$" in token else []
            if words:
                options.insert(0, rf"\s+{_alternatives('|'.join(words))}{_WORD_END}")
            parts.append("(?=" + "|".join(options) + ")")
        else:
            if after_word:
                parts.append(r"\s+")
            parts.append(_WORD_START + _alternatives(token) + _WORD_END)
            after_word = True
    return Pattern(source, "".join(parts), opening)


_OPENING_WORD = re.compile(r"[\w*-]+(?:\|[\w*-]+)*")  # a pattern's first token that is a word (or words)


def _words(values: list[str]) -> str:
    return "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))


_TEXT_WORD = re.compile(r"[\w-]+")  # a run of word characters and hyphens: what a pattern's opening word matches


def runs(text: str) -> set[str]:
    """The runs of word characters and hyphens in `text`: the words a pattern can open with."""
    return set(_TEXT_WORD.findall(text))


class Openers:
    """Which of some patterns can match in a text. A pattern that opens with a word matches only
    where that word stands whole (`Pattern.opening`), and a whole word is a run of word characters
    and hyphens: a pattern whose word is none of the text's runs matches nowhere in it. The runs
    are found in one pass; which patterns a run opens is worked out once per run."""

    def __init__(self, patterns: tuple[Pattern, ...]) -> None:
        self.patterns = patterns
        self.always = frozenset(i for i, p in enumerate(patterns) if p.opening_expression is None)  # open otherwise
        self.seen: set[str] = set()  # the runs of texts looked at so far
        self.by_word: dict[str, frozenset[int]] = {}  # a run seen that opens patterns -> those patterns
        self.ordered: dict[frozenset[int], tuple[Pattern, ...]] = {}

    def opened(self, text: str, words: set[str] | None = None) -> frozenset[int]:
        """The indices of the patterns that can match in `text` (`words`: its runs, when known)."""
        if words is None:
            words = runs(text)
        for word in words - self.seen:  # most runs of a text were seen in another
            opens = frozenset(i for i, p in enumerate(self.patterns) if p.opening is not None and p.opening.fullmatch(word))
            if opens:
                self.by_word[word] = opens
            self.seen.add(word)
        found = set(self.always)
        for word in words.intersection(self.by_word):
            found.update(self.by_word[word])
        return frozenset(found)

    def chosen(self, opened: frozenset[int]) -> tuple[Pattern, ...]:
        """The patterns `opened`, in their order."""
        found = self.ordered.get(opened)
        if found is None:
            found = self.ordered[opened] = tuple(p for i, p in enumerate(self.patterns) if i in opened)
        return found


def _language(code: str, table: dict[str, Any], clear: frozenset[str]) -> Language:
    barriers = _words(table.get("barriers", []))

    def patterns(sources: list[str]) -> tuple[Pattern, ...]:
        return tuple(compile_pattern(s, barriers) for s in sources)

    phrases = tuple(
        Phrase(kind=entry["kind"], level=entry.get("level", 1), match=patterns(entry["match"]),
               unless=patterns(entry.get("unless", [])),
               rewrites=tuple(Rewrite(compile_pattern(r["from"], barriers), r.get("to"), r.get("weak", ""),
                                      tuple((n, r[f"to{n}"]) for n in (2, 3, 4) if f"to{n}" in r))
                              for r in entry.get("rewrite", [])))
        for entry in table.get("phrase", []))
    hedges = patterns(table.get("hedges", []))
    qualifiers = patterns(table.get("qualifiers", []))
    return Language(
        code=code,
        phrases=phrases,
        hedges=hedges,
        hedges_unless=patterns(table.get("hedges_unless", [])),
        qualifiers=qualifiers,
        qualifiers_clear=clear,
        wording=tuple(sorted((int(n), words) for n, words in table.get("wording", {}).items())),
        negator=re.compile(_WORD_START + "(?:" + _words(table.get("negators", [])) + ")" + _WORD_END, re.IGNORECASE),
        barrier=re.compile(rf"[{re.escape(_PUNCT)}]|{_WORD_START}(?:{barriers}){_WORD_END}", re.IGNORECASE),
        phrase_openers=Openers(tuple(p for phrase in phrases for p in phrase.match)),
        hedge_openers=Openers(hedges),
        qualifier_openers=Openers(qualifiers),
    )


@cache
def _tables() -> dict[str, Any]:
    """phrases.toml as read."""
    return tomllib.loads(resources.files("kb").joinpath("data/phrases.toml").read_text(encoding="utf-8"))


def codes() -> list[str]:
    """The languages phrases.toml has lists for, in its order."""
    return [code for code, table in _tables().items() if isinstance(table, dict)]


@cache
def _made(code: str) -> Language | None:
    table = _tables().get(code)
    if not isinstance(table, dict):
        return None
    return _language(code, table, frozenset(_tables().get("qualifiers_clear", [])))


def languages() -> dict[str, Language]:
    """Every language phrases.toml has lists for, by code."""
    return {code: made for code in codes() if (made := _made(code)) is not None}


@cache
def language(code: str) -> Language | None:
    """The lists for a leaflet's language ("nl", "nl-BE", "EN"), or None when there are none."""
    return _made(code.split("-")[0].split("_")[0].lower())


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


class _Spans:
    """Where some patterns match in one text, found once: whether one of those matches overlaps a
    stretch is then a bisection, not a new pass over the text (a long claim made that quadratic)."""

    def __init__(self, patterns: tuple[Pattern, ...], text: str) -> None:
        spans = sorted(m.span() for p in patterns for m in p.regex.finditer(text))
        self.starts = [a for a, _ in spans]
        self.reach = list(itertools.accumulate((b for _, b in spans), max))  # furthest end so far

    def overlaps(self, span: tuple[int, int]) -> bool:
        before = bisect.bisect_left(self.starts, span[1])  # the matches that start before its end
        return before > 0 and self.reach[before - 1] > span[0]


class _Clauses:
    """The barriers of one text (punctuation, clause-opening words), found once."""

    def __init__(self, lang: Language, text: str) -> None:
        self.text = text
        found = [m.span() for m in lang.barrier.finditer(text)]
        self.starts = [a for a, _ in found]
        self.ends = [b for _, b in found]

    def start(self, offset: int) -> int:
        """Where the clause holding `offset` starts: after the last barrier that ends by it."""
        before = bisect.bisect_right(self.ends, offset)
        return self.ends[before - 1] if before else 0

    def end(self, offset: int) -> int:
        """Where the clause goes on to from `offset`: the first barrier that starts there or after."""
        after = bisect.bisect_left(self.starts, offset)
        return self.starts[after] if after < len(self.starts) else len(self.text)


def _last_words(text: str, start: int, end: int, count: int) -> list[str]:
    """The last `count` words of text[start:end] (`str.split`'s words), read backwards from `end`
    in a stretch that doubles until it holds more than `count` words, whose last are then whole
    (a long clause is not split whole for each phrase in it)."""
    if count <= 0:
        return []
    reach = 16 * count
    while True:
        begin = max(start, end - reach)
        words = text[begin:end].split()
        if begin == start or len(words) > count:
            return words[-count:]
        reach *= 2


def _negated(text: str, match: re.Match[str], lang: Language, clauses: _Clauses) -> bool:
    before = _last_words(text, clauses.start(match.start()), match.start(), NEGATION_REACH)
    if any(lang.negator.fullmatch(word) for word in before):
        return True
    return any(gap and lang.negator.search(gap) for gap in match.groups())


def find(text: str, lang: Language, text_runs: set[str] | None = None) -> list[Hit]:
    """Assertive phrases in `text` that no negator, fixed expression or qualifier cancels.

    Hedges are not looked at here: `assess` decides on them for the whole claim, and the
    rewrite needs the phrases of a text that it has hedged itself. Each pattern is matched
    against the text once, so a long text costs time linear in its length.
    """
    hits: list[Hit] = []
    if text_runs is None:
        text_runs = runs(text)
    opened = _opened(lang, text, text_runs)
    if not opened:
        return hits
    qualifiers: tuple[Pattern, ...] | None = None  # those that can match in the text, when first asked
    clauses: _Clauses | None = None  # when a pattern first matches: most texts hold no phrase
    qualified: dict[tuple[int, int], bool] = {}  # clause -> whether a qualifier stands in it
    for phrase, patterns in opened:
        unless: _Spans | None = None
        for pattern in patterns:
            for match in pattern.regex.finditer(text):
                span = match.span()
                unless = unless or _Spans(phrase.unless, text)
                clauses = clauses or _Clauses(lang, text)
                if unless.overlaps(span) or _negated(text, match, lang, clauses):
                    continue
                if phrase.kind in lang.qualifiers_clear:
                    clause = clauses.start(span[0]), clauses.end(span[1])
                    if clause not in qualified:
                        words = text[clause[0]:clause[1]]
                        if qualifiers is None:
                            qualifiers = lang.qualifier_openers.chosen(lang.qualifier_openers.opened(text, text_runs))
                        qualified[clause] = any(q.regex.search(words) for q in qualifiers)
                    if qualified[clause]:
                        continue
                hits.append(Hit(span[0], span[1], " ".join(match.group().split()), phrase))
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    kept: list[Hit] = []
    for hit in hits:  # overlapping matches are one phrase: keep the first and longest
        # the kept ones start in order and do not overlap, so they end in order too
        if not kept or not _overlaps((hit.start, hit.end), (kept[-1].start, kept[-1].end)):
            kept.append(hit)
    return kept


def _opened(lang: Language, text: str, words: set[str]) -> tuple[tuple[Phrase, tuple[Pattern, ...]], ...]:
    """The phrases that can match in `text` (whose runs are `words`), each with those of its patterns that can."""
    opened = lang.phrase_openers.opened(text, words)
    found = lang.phrases_opened.get(opened)
    if found is None:
        grouped = []
        index = 0
        for phrase in lang.phrases:
            patterns = tuple(p for i, p in enumerate(phrase.match, index) if i in opened)
            index += len(phrase.match)
            if patterns:
                grouped.append((phrase, patterns))
        found = lang.phrases_opened[opened] = tuple(grouped)
    return found


def hedge(text: str, lang: Language, text_runs: set[str] | None = None) -> str | None:
    """The first hedge in `text` ("wijst op", "mogelijk", "suggests"), or None (`text_runs`: its `runs`, when known)."""
    unless: _Spans | None = None
    for pattern in lang.hedge_openers.chosen(lang.hedge_openers.opened(text, text_runs)):
        for match in pattern.regex.finditer(text):
            unless = unless or _Spans(lang.hedges_unless, text)
            if not unless.overlaps(match.span()):
                return " ".join(match.group().split())
    return None


def _replacement(target: str, match: re.Match[str], anchored: bool) -> str:
    gaps = [" ".join((g or "").split()) for g in match.groups()]
    if anchored and gaps and gaps[0][1:2].islower():  # the text's first words, no longer first
        gaps[0] = gaps[0][:1].lower() + gaps[0][1:]
    pieces = target.split("...")
    rest = iter(gaps)
    words = pieces[0] + "".join(next(rest, "") + piece for piece in pieces[1:])
    words = " ".join(words.split())
    original = match.group()
    before = match.start()
    while before > 0 and match.string[before - 1].isspace():
        before -= 1
    if words and original[:1].isupper() and (match.start() == 0 or match.string[before - 1:before] in ".!?"):
        words = words[:1].upper() + words[1:]
    return words


_SPACES = re.compile(r"[ \t]{2,}")  # left where words were replaced
_SPACE_BEFORE_MARK = re.compile(r"\s+([,.;:!?)])")


def rewrite(text: str, hits: list[Hit], weak: bool, level: int | None = None) -> str | None:
    """`text` with each hit replaced by its phrase's first rewrite that applies and has words for
    the claim's `level` (see `Rewrite.target`); None if none applied."""
    chosen: list[tuple[int, int, str]] = []  # in text order, none overlapping another
    matches: dict[int, tuple[list[re.Match[str]], list[int]]] = {}  # each rule's (by id) matches and their ends
    for hit in hits:
        done = False
        for rule in hit.phrase.rewrites:
            target = rule.target(weak, level)
            if target is None:
                continue
            if id(rule) not in matches:
                found = list(rule.pattern.regex.finditer(text))
                matches[id(rule)] = found, [m.end() for m in found]
            found, ends = matches[id(rule)]
            # its matches in text order, from the first that may overlap the hit
            for index in range(bisect.bisect_right(ends, hit.start), len(found)):
                match = found[index]
                span = match.span()
                if span[0] >= hit.end:
                    break
                at = bisect.bisect_left(chosen, (span[0],))
                if any(_overlaps(span, c[:2]) for c in chosen[max(at - 1, 0):at + 1]):
                    continue
                anchored = rule.pattern.source.startswith("^")
                chosen.insert(at, (span[0], span[1], _replacement(target, match, anchored)))
                done = True
                break
            if done:
                break
    if not chosen:
        return None
    pieces, position = [], 0
    for start, end, words in chosen:
        pieces += [text[position:start], words]
        position = end
    result = "".join(pieces) + text[position:]
    result = _SPACES.sub(" ", result)
    result = _SPACE_BEFORE_MARK.sub(r"\1", result)
    result = result.strip()
    return result[:1].upper() + result[1:] if text[:1].isupper() else result


def _governing(hits: list[Hit]) -> list[Hit]:
    """The hits that decide how strong a claim is worded. Wording about the evidence frames the
    clause it opens: in "er zijn aanwijzingen dat PMT angst vermindert" the effect verb is not
    asserted on its own, so effect verbs count only where no evidence wording stands."""
    if any(hit.phrase.kind == "evidence" for hit in hits):
        return [hit for hit in hits if hit.phrase.kind != "effect"]
    return hits


def assess(text: str, code: str, weak: bool = False, level: int | None = None) -> Assessment | None:
    """The overclaim in one claim's text, or None.

    Without a `level` (an unsupported claim, or a KB that knows no levels) any assertive phrase
    is one, unless a hedge stands anywhere in the claim; wording of level 2 or 3 ("wijst erop",
    "aanwijzingen") counts as a hedge. `weak` asks for the rewrite meant for an unsupported or
    expert-only claim. With the claim's EBRO conclusion `level` (1..4), the wording is an
    overclaim when it asserts a stronger level than that: "toont aan" (1) on level 3, "er zijn
    aanwijzingen dat" (3) on level 4; wording at or below the level is never one, nor is a
    claim that a plain hedge ("mogelijk", "kan helpen", "volgens deskundigen") clears.
    """
    lang = language(code)
    if lang is None:
        return None
    text_runs = runs(text)
    if hedge(text, lang, text_runs) is not None:
        return None
    hits = _governing(find(text, lang, text_runs))
    if not hits:
        return None
    framed = [hit for hit in hits if hit.phrase.level > 1]
    worded = max(hit.phrase.level for hit in framed) if framed else 1  # the weakest frame governs
    if level is None:
        if framed:
            return None
        return Assessment(tuple(hits), rewrite(text, hits, weak), worded)
    if worded >= level:
        return None
    over = [hit for hit in (framed or hits) if hit.phrase.level < level]
    return Assessment(tuple(over), _in_level_wording(text, over, code, level) or rewrite(text, over, weak, level),
                      worded)


# A subordinate clause or a second clause: the simple sentence `_in_level_wording` reorders has none.
_COMPLEX = re.compile(r"[,;:()]|\b(?:dat|die|omdat|doordat|wanneer|als|waardoor|waarbij|terwijl|en|of|maar|"
                      r"that|which|who|because|when|if|while|and|or|but)\b", re.IGNORECASE)


def _in_level_wording(text: str, hits: list[Hit], code: str, level: int) -> str | None:
    """A simple main clause whose verb asserts too much, framed in the guideline wording of its
    level: "Bewegingstherapie vermindert angst" at level 2 becomes "Het is aannemelijk dat
    bewegingstherapie angst vermindert" (Dutch puts the verb of a dat-clause last; English keeps
    its order). None for anything else: a longer sentence keeps the phrase-by-phrase rewrite."""
    framing = wording(code, level)
    if framing is None or level not in (2, 3) or len(hits) != 1 or " " in hits[0].words:
        return None
    hit = hits[0]
    subject, verb, rest = text[:hit.start].strip(), text[hit.start:hit.end], text[hit.end:].strip().rstrip(".")
    if not subject or not rest or len(subject.split()) > 4 or _COMPLEX.search(subject + " " + rest):
        return None
    if subject[:1].isupper() and subject[1:2].islower():  # not an acronym such as PMT
        subject = subject[:1].lower() + subject[1:]
    clause = f"{subject} {rest} {verb}" if code.startswith("nl") else f"{subject} {verb} {rest}"
    return f"{framing} {clause}"


@cache
def wording(code: str, level: int) -> str | None:
    """The guideline wording of conclusion `level` in a leaflet's language ("Er zijn aanwijzingen dat")."""
    lang = language(code)
    return dict(lang.wording).get(level) if lang else None


# --- the rules ---------------------------------------------------------------------------------

OVERCLAIM = declare("overclaim", Severity.WARNING,
                    "wording stronger than the claim's conclusion level allows (toont aan, bekend is dat, essentieel; "
                    "proves) or assertive wording on an unsupported claim; proposes a rewrite in the level's wording")
UNCHECKED_LANGUAGE = declare("unchecked-language", Severity.INFO,
                             "a leaflet in a language kb/data/phrases.toml has no lists for: overclaim cannot check it")


@dataclass(frozen=True)
class _Basis:
    level: int | None  # the claim's EBRO conclusion level; None when it has no support
    weak: bool  # unsupported or expert-only: the GRADE "uncertain whether" rewrite where no level wording fits
    says: str  # what it rests on, for the message


def _basis(kb: KnowledgeBase, claim: Claim, claim_language: str) -> _Basis | None:
    """What a claim rests on, when that could be too little for its wording: its conclusion level
    (kb/strength.py); None at level 1, where no wording is too strong."""
    label = kb.labels.claims[claim.id]
    strength = kb.strengths.get(claim.id)
    if label.label is UNSUPPORTED or strength is None or strength.level is None:
        return _Basis(None, True, f"has no support ({label.reason.removeprefix('unsupported: ')})")
    if strength.level <= 1:
        return None
    allowed = wording(claim_language, strength.level) or ""
    return _Basis(strength.level, strength.level >= 4, f"is of conclusion level {strength.level} "
                  f"({strength.level_reason}){f', worded as: {allowed} ...' if allowed else ''}")


@checks(OVERCLAIM)
def _overclaim(kb: KnowledgeBase) -> Iterator[Finding]:
    for document in kb.documents:
        path = kb.display(document.claims_path)
        for claim in document.claims:
            if claim.kind != "clinical" or not claim.text:
                continue
            basis = _basis(kb, claim, document.language)
            if basis is None:
                continue
            found = assess(claim.text, document.language, weak=basis.weak, level=basis.level)
            if found is None:
                continue
            words = ", ".join(f"'{hit.words}'" for hit in found.hits)
            yield OVERCLAIM.finding(Location(path, claim.line), f"{words} in claim {claim.id}, which {basis.says}",
                                    claim=claim.id, suggestion=found.suggestion)


@checks(UNCHECKED_LANGUAGE)
def _unchecked_language(kb: KnowledgeBase) -> Iterator[Finding]:
    for document in kb.documents:
        if language(document.language) is None and any(c.kind == "clinical" for c in document.claims):
            known = ", ".join(sorted(codes()))
            yield UNCHECKED_LANGUAGE.finding(Location(kb.display(document.claims_path), 0),
                                             f"no phrase lists for language '{document.language}' (known: {known}): "
                                             "its claims were not checked for overclaim")
