"""Citations: APA-like author-year citations found in plain text, parsed, with their offsets.

Two shapes are found, in Dutch and English text alike: a parenthetical group
"(Bellino et al, 2006; Sansone, Chu, & Wiederman, 2010)" and a narrative citation
"Koch et al. (2014)". Each citation in a group is parsed into its printed surnames,
et-al marker, year and a/b suffix, page locator and the signal words before it
("e.g.", "zie ook"), each with offsets into the text as read (Python string indices).
Line breaks may fall anywhere inside a citation, as in text extracted from a PDF.

Reading takes time linear in the text's length, whatever the text: the grammar's patterns match
each author list in one way only, and three bounds keep text made to look like endless author
lists or parentheses from taking longer. A parenthesis is read as a citation group only when it
is at most MAX_GROUP characters long and holds no parenthesis that holds another; an author list
is looked for only in the AUTHOR_LIST_SPAN characters before its year, and holds at most 41
names (`grammar.AUTHORS`); and two citations joined without ';' are told apart only in a part of
at most MAX_JOINED characters. Real citations lie far within these bounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import regex

from kb.citations import grammar

MAX_GROUP = 2000  # characters of a parenthesis read as a citation group, at most
AUTHOR_LIST_SPAN = 240  # characters before a year in which its author list is looked for
MAX_JOINED = 600  # characters of a ';'-part in which citations joined without ';' are told apart


@dataclass(frozen=True, slots=True)
class Citation:
    """One author-year reference inside a group: one work, as printed."""

    text: str  # as printed, signal words left out ("Bellino et al, 2006")
    start: int  # offset of its first character in the text
    end: int  # offset just past its last character
    authors: tuple[str, ...]  # surnames as printed, whitespace collapsed ("Roemen- van Haaren")
    et_al: str  # the et-al marker as printed ("et al.", "et al", "e.a."); "" when none
    year: str  # "2017", "n.d.", "z.d.", "in press", "ter perse", as printed, without suffix
    suffix: str  # the letter after the year ("a" in 2017a); "" when none
    locator: str  # "p. 12", "blz. 3-4"; "" when none
    prefix: str  # signal words before it in the parenthesis ("e.g.", "zie ook"); "" when none
    initials: str = ""  # the first author's initials as printed ("M.", "H.-P."), which tell namesakes apart; "" when none


@dataclass(frozen=True, slots=True)
class Group:
    """A parenthesis of citations, or one narrative citation, as it stands in the text."""

    text: str  # the span as printed: the whole parenthesis, or only its author-year part
    start: int  # offset of its first character
    end: int  # offset just past its last character
    narrative: bool  # "Koch et al. (2014)" rather than "(Koch et al., 2014)"
    citations: tuple[Citation, ...]  # in printed order


def collapse(text: str) -> str:
    return " ".join(text.split())


_LINE_END_HYPHEN = regex.compile(r"-[ \t]*\r?\n\s*(?:(?=(\p{Ll}+)(?![\p{L}\p{M}])(\s+)?))?")


def name_as_printed(text: str) -> str:
    """A printed name with its whitespace collapsed and a word hyphenated at a line end joined.

    "Bussch-" and "bach" on two lines is "Busschbach"; "Keulen-" and "de Vos" keeps its
    hyphen ("Keulen-de Vos"), as a particle followed by another word starts a name part, and
    so does "Werner-" and "Seidler".
    """
    def join(match: regex.Match[str]) -> str:
        word = match.group(1)
        return "" if word and not (word in grammar.PARTICLE_WORDS and match.group(2)) else "-"
    return collapse(_LINE_END_HYPHEN.sub(join, text))


def _years(match: regex.Match[str], offset: int) -> list[tuple[str, str, int, int]]:
    """(year, suffix, start, end) for each year of a year list; "2010a, b" gives 2010a and 2010b."""
    result: list[tuple[str, str, int, int]] = []
    for token, (start, end) in zip(match.captures("y"), match.spans("y"), strict=True):
        parsed = grammar.YEAR_TOKEN.fullmatch(token)
        if parsed is None:  # a bare suffix letter continues the year before it
            year = result[-1][0] if result else ""
            result.append((year, token, start + offset, end + offset))
        else:
            result.append((collapse(parsed.group("year")), parsed.group("suffix") or "",
                           start + offset, end + offset))
    return result


def _is_signal(prefix: str) -> bool:
    """Whether words before a citation are a signal ("e.g.", "zie ook") rather than other content."""
    if not prefix:
        return True
    words = (prefix[:1].lower() + prefix[1:]).replace(",", " ").replace(":", " ").split()  # "Zie bijvoorbeeld"
    if collapse(prefix).lower().rstrip(",:") in grammar.SIGNALS:
        return True
    return len(words) <= 6 and all(w[:1].islower() and not any(c.isdigit() for c in w) for w in words)


# Patterns used for every parenthesis of a text, compiled once (the `regex` module's cache is slow).
_CAPITAL = regex.compile(r"(?<![\p{L}\p{M}])\p{Lu}")
_WORD = regex.compile(r"[\p{L}\p{M}]+")
_SENTENCE_END = regex.compile(r"[.!?]\s+\p{Lu}")
_FULL_STOP = regex.compile(r"\.(?:\s|$)")
# A lower-case word and blanks right before an offset; read backwards from it (the text before
# it may be long).
_LOWER_WORD_BEFORE = regex.compile(r"\p{Ll}[\p{L}\p{M}]*\s++", regex.REVERSE)


def _authors_at(text: str, start: int, end: int) -> regex.Match[str] | None:
    """The author list that fills text[start:end] exactly, if no word of it is a common word."""
    match = grammar.AUTHORS.fullmatch(text, start, end)
    if match is None:
        return None
    for name in match.captures("author"):
        printed = [w for w in grammar.WORD_BREAK.split(name) if w]
        words = [w.lower() for w in printed]
        if len(words) > 2 and words[0] == words[1] and words[0] in grammar.PARTICLE_WORDS:
            return None  # "rapporten van van Hasselt": the first "van" is the preposition
        for i, word in enumerate(words):
            if word in grammar.PARTICLE_WORDS and i < len(words) - 1:
                continue
            if word in grammar.PREPOSITION_PARTICLES and i < len(words) - 1 and words[i + 1] in grammar.ARTICLES:
                continue
            # the first word decides: "Volgens Koch" is no surname, "National Research Council" is one
            if word.strip(".") in grammar.STOPWORDS and not (len(word) > 1 and printed[i].isupper()):
                return None  # (an acronym such as WHO is a name)
            break
    return match


_LIST_END = regex.compile(r"[\p{L}\p{M}.\]]")  # how an author list ends: a name, initials, "et al.", "[WHO]"
_NEVER_IN_LIST = regex.compile(r"[()\d;]", regex.REVERSE)  # outside an abbreviation's brackets


def _leftmost_authors(text: str, start: int, end: int) -> regex.Match[str] | None:
    """The longest author list that ends exactly at `end` and starts at or after `start`, within
    the AUTHOR_LIST_SPAN characters before `end`."""
    if end <= start or not _LIST_END.match(text, end - 1):
        return None
    start = max(start, end - AUTHOR_LIST_SPAN)
    last = _NEVER_IN_LIST.search(text, start, end)
    if last is not None and "]" not in text[last.start():end]:
        start = last.end()  # no list runs across a parenthesis, a digit or a ';'
    return _authors_ending(text, start, end)


@lru_cache(maxsize=64)
def _authors_ending(text: str, start: int, end: int) -> regex.Match[str] | None:
    """`_leftmost_authors` for a window; cached, as each cut of a part reads the same rest of it."""
    for begin in grammar.NARRATIVE_START.finditer(text, start, end):
        match = _authors_at(text, begin.start(), end)
        if match is not None:
            return match
    return None


def _citations(text: str, authors: regex.Match[str] | None, years: list[tuple[str, str, int, int]],
               locator: str, prefix: str, end: int) -> list[Citation]:
    """One citation per year: the first spans authors to year, the others only their year."""
    names = tuple(name_as_printed(a) for a in authors.captures("author")) if authors else ()
    et_al = collapse(authors.group("etal") or "") if authors else ""
    initials = _first_initials(text, authors) if authors else ""
    result = []
    for i, (year, suffix, y_start, y_end) in enumerate(years):
        start = authors.start() if authors and i == 0 else y_start
        stop = end if i == len(years) - 1 else y_end
        result.append(Citation(text=collapse(text[start:stop]), start=start, end=stop, authors=names,
                               et_al=et_al, year=year, suffix=suffix,
                               locator=locator if i == len(years) - 1 else "",
                               prefix=prefix if i == 0 else "", initials=initials))
    return result


def _first_initials(text: str, authors: regex.Match[str]) -> str:
    """The initials of the first author of an author list, before or after the surname."""
    start, end = authors.spans("author")[0]
    leading = grammar.LEADING_INITIALS.match(text, start, end)
    if leading:
        return collapse(leading.group())
    trailing = grammar.TRAILING_INITIALS.match(text, end, authors.end())
    return collapse(trailing.group("trailing")) if trailing else ""


def _part(text: str, start: int, end: int, previous: tuple[str, ...]) -> tuple[list[Citation], bool]:
    """The citations in one ';'-separated part of a parenthesis, and whether the part held nothing else."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    found, clean = _part_read(text[start - 1:start] if start else "", text[start:end], previous)
    return [_shifted(c, start) for c in found], clean


def _shifted(citation: Citation, offset: int) -> Citation:
    c = citation
    return Citation(c.text, c.start + offset, c.end + offset, c.authors, c.et_al, c.year, c.suffix, c.locator,
                    c.prefix, c.initials) if offset else c


@lru_cache(maxsize=1 << 15)
def _part_read(before: str, part: str, previous: tuple[str, ...]) -> tuple[tuple[Citation, ...], bool]:
    """`_part_at` of a part (without blanks at either end) and the one character `before` it, its
    citations' offsets from the part's start. No pattern of a part looks further back than one
    character, nor past its end (each is matched up to it), so a part printed alike in many
    parentheses (a work cited alone and with others) is read once."""
    found, clean = _part_at(before + part, len(before), len(before) + len(part), previous)
    return tuple(_shifted(c, -len(before)) for c in found), clean


def _part_at(text: str, start: int, end: int, previous: tuple[str, ...]) -> tuple[list[Citation], bool]:
    """`_part` of text[start:end], which has no blanks at either end."""
    match = grammar.PART.fullmatch(text, start, end)
    if match is None:
        return [], start == end
    years = _years(match, 0)
    locator = collapse(match.group("loc") or "")
    head_end = match.start("years")
    if head_end > start and not (text[head_end - 1].isspace() or text[head_end - 1] == ","):
        return [], False  # "COVID-2019", "Smith2010": no space or comma before the year
    while head_end > start and (text[head_end - 1].isspace() or text[head_end - 1] == ","):
        head_end -= 1
    if head_end == start:  # "(Smith, 2010; 2012)": a year list that continues the authors before it
        if not previous:
            return [], False
        cites = _citations(text, None, years, locator, "", match.end("years") if not locator else end)
        return [Citation(c.text, c.start, c.end, previous, "", c.year, c.suffix, c.locator, "", c.initials)
                for c in cites], True
    authors = _leftmost_authors(text, start, head_end)
    if (authors is None or not _is_signal(collapse(text[start:authors.start()]))) \
            and "," in text[head_end:match.start("years")]:
        authors = _named_before_comma(text, start, head_end) or authors
    if authors is None:
        return [], False
    prefix = collapse(text[start:authors.start()])
    stop = match.end("loc") if locator else match.end("years")
    clean = _is_signal(prefix) and _is_signal(collapse(match.group("tail") or ""))
    return _citations(text, authors, years, locator, prefix, stop), clean


def _named_before_comma(text: str, start: int, end: int) -> regex.Match[str] | None:
    """The author of a parenthetical part "Name, 2019" that the narrative rules turn down.

    Inside a parenthesis, before a comma and a year, a surname that is also a common word
    ("Few, 2013") is a name; and APA cites a work without an author by its title, and an
    organisation by its name, which may hold lower-case words ("Trimbos instituut", "Duurzame
    aanpak van kinderarmoede"). Either is taken after any signal words when it opens with a
    capital and not with a word that never names anything, and a title holds no digit, comma
    or sentence end.
    """
    first = _CAPITAL.search(text, pos=start, endpos=end)
    if first is None or not _is_signal(collapse(text[start:first.start()])):
        return None
    opening = _WORD.match(text, pos=first.start(), endpos=end)
    if opening is None or opening.group().lower() in grammar.NEVER_NAMES:
        return None
    match = grammar.AUTHORS.fullmatch(text, first.start(), end) or grammar.TITLE_AUTHOR.fullmatch(text, first.start(), end)
    if match is None or _SENTENCE_END.search(match.group("author")):
        return None
    return match


# Two citations joined without ';': "(Few, 2013 en Tufte, 2001)", "(Jansen, 2010, De Vries, 2012)".
_JOINED = regex.compile(rf"""(?<=(?:\d{{4}}[a-z]?|(?i:[nz]\.\s?d)\.?))(?:\s*,\s*(?:(?:en|and|&)\s+)?|\s+(?:en|and|&)\s+)
    (?=\p{{Lu}}|{grammar.PARTICLE_START})""", regex.VERBOSE)


def _joined(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A part cut where one citation's year is followed by another citation's authors."""
    pieces: list[tuple[int, int]] = []
    if end - start > MAX_JOINED:
        return [(start, end)]
    for cut in _JOINED.finditer(text, start, end):
        left, _ = _part(text, start, cut.start(), ())
        right, _ = _part(text, cut.end(), end, ())
        if left and right and left[0].authors and right[0].authors:
            pieces.append((start, cut.start()))
            start = cut.end()
    pieces.append((start, end))
    return pieces


_BRACKET_OR_SEMICOLON = regex.compile(r"[()\[\];]")


def _split_parts(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The parts of a parenthesis: split at ';' outside brackets, and before "as cited in"."""
    parts: list[tuple[int, int]] = []
    depth = 0
    begin = start
    for bracket in _BRACKET_OR_SEMICOLON.finditer(text, start, end):
        c, i = bracket.group(), bracket.start()
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif depth == 0:
            parts.append((begin, i))
            begin = i + 1
    parts.append((begin, end))
    result: list[tuple[int, int]] = []
    for p_start, p_end in parts:
        for cut in grammar.CITED_IN.finditer(text, p_start, p_end):
            result.append((p_start, cut.start()))
            p_start = cut.start() + 1  # past the comma: "as cited in" becomes the next part's prefix
        result.append((p_start, p_end))
    return [piece for p_start, p_end in result for piece in _joined(text, p_start, p_end)]


@lru_cache(maxsize=1 << 15)  # about 30 MB: the citations of 10,000 works and their pairs
def _parenthesis(printed: str) -> tuple[bool, Group | None]:
    """What a parenthesis (`printed`, brackets included) holds: whether years only, as a narrative
    citation's does, which is read with the names before it; and its group (`_parenthetical`),
    offsets from its "(".

    Read from the parenthesis alone: no pattern looks past its own brackets (a lookbehind at its
    first character sees only the bracket), so the same parenthesis reads the same wherever it
    stands, and a citation printed after each of a work's claims, or in a leaflet and in a claim's
    `cited_as`, is read once."""
    years_only = grammar.YEARS_ONLY.fullmatch(printed, 1, len(printed) - 1) is not None
    return years_only, _parenthetical(printed, 0, len(printed) - 1)


def _moved(group: Group | None, offset: int) -> Group | None:
    """`group` read from a text that starts `offset` characters later."""
    if group is None or not offset:
        return group
    return Group(group.text, group.start + offset, group.end + offset, group.narrative,
                 tuple(Citation(c.text, c.start + offset, c.end + offset, c.authors, c.et_al, c.year, c.suffix,
                                c.locator, c.prefix, c.initials) for c in group.citations))


def _parenthetical(text: str, open_: int, close: int) -> Group | None:
    """A group for the parenthesis text[open_:close + 1], if it holds author-year citations."""
    citations: list[Citation] = []
    only_citations = True
    previous: tuple[str, ...] = ()
    for start, end in _split_parts(text, open_ + 1, close):
        found, clean = _part(text, start, end, previous)
        if not found:
            only_citations = only_citations and clean  # "(Matthys & Van de Glind 2013; )": an empty part
            continue
        only_citations = only_citations and clean
        citations.extend(found)
        previous = found[-1].authors
    if not citations:
        return None
    if only_citations:
        start, end = open_, close + 1
    else:  # other words in the parenthesis: only the author-year part is the citation
        start, end = citations[0].start, citations[-1].end
        citations = [c if c.prefix == "" or _is_signal(c.prefix) else
                     Citation(c.text, c.start, c.end, c.authors, c.et_al, c.year, c.suffix, c.locator, "", c.initials)
                     for c in citations]
    return Group(text=text[start:end], start=start, end=end, narrative=False, citations=tuple(citations))


_WITH_INITIALS = regex.compile(r"\p{Lu}\p{Ll}?\.")


def _byline(authors: regex.Match[str]) -> bool:
    """"A.G. Aarts, S. Appels, C. Houben (2015)": a document's authors, not a citation.

    A citation gives initials only to a first author, to tell apart authors sharing a surname,
    and names three or more authors by surname alone ("Edith Kind" is a byline's given name).
    """
    names = authors.captures("author")
    if any(_WITH_INITIALS.match(name) for name in names[1:]):
        return True
    given = [len(name.split()) >= 2 and name.split()[0].lower() not in grammar.PARTICLE_WORDS | grammar.ARTICLES
             for name in names]
    return len(names) >= 3 and all(given)


# What may stand between a line's start and a reference entry's names: blanks and a list marker.
# Read backwards from the names, so that the work is that of the blanks, not of the whole line.
_ENTRY_OPENING = regex.compile(r"(?:^|(?<=\n))[ \t]*+(?P<marker>[-•*–]|\d{1,3}[.)]|\[\d{1,3}\])?[ \t]*+",
                               regex.REVERSE)
_LAST_VISIBLE = regex.compile(r"\S", regex.REVERSE)
_LAST_WORD = regex.compile(r"\S+", regex.REVERSE)


def _reference_entry(text: str, start: int, close: int) -> bool:
    """"Akwa GGZ (2017). Zorgstandaard ...": an entry of a reference list, not a citation.

    The names open a line, as a list item or after a line that ended a sentence (not inside
    a sentence broken across lines): after a full stop, question or exclamation mark or colon,
    a blank line, or a link; and the year is followed by a full stop and the title.
    """
    if not _FULL_STOP.match(text[close + 1:close + 3]):
        return False
    opening = _ENTRY_OPENING.match(text, 0, start)
    if opening is None:
        return False
    if opening.group("marker"):
        return True
    line = opening.start()
    last = _LAST_VISIBLE.search(text, 0, line)
    if last is None or last.group() in ".!?:" or text.count("\n", last.end(), line) >= 2:
        return True
    word = _LAST_WORD.match(text, 0, line - 1) if last.end() == line - 1 else None
    return word is not None and "://" in word.group()[1:-1]


_POSSESSIVE = regex.compile(r"(?<=[\p{L}.])['’]s?\s*$")


def _narrative(text: str, open_: int, close: int) -> Group | None:
    """"Koch et al. (2014)": a parenthesis of years right after an author list."""
    match = grammar.YEARS_ONLY.fullmatch(text, open_ + 1, close)
    if match is None:
        return None
    end = open_
    while end > 0 and text[end - 1].isspace():
        end -= 1
    possessive = _POSSESSIVE.search(text, max(0, end - 3), end)
    if possessive:
        end = possessive.start()
    authors = _leftmost_authors(text, 0, end)
    if authors is None or _byline(authors) or _reference_entry(text, authors.start(), close):
        return None
    years = _years(match, 0)
    locator = collapse(match.group("loc") or "")
    cites = _citations(text, authors, years, locator, "", close + 1)
    first = cites[0]
    cites[0] = Citation(collapse(text[first.start:close + 1]) if len(cites) == 1 else first.text, first.start,
                        close + 1 if len(cites) == 1 else first.end, first.authors, first.et_al, first.year,
                        first.suffix, first.locator, "", first.initials)
    start = authors.start()
    return Group(text=text[start:close + 1], start=start, end=close + 1, narrative=True, citations=tuple(cites))


_PARENTHESIS = regex.compile(r"[()]")


def _parentheses(text: str) -> list[tuple[int, int]]:
    """(open, close) offsets of every balanced parenthesis that may be a citation group, inner
    ones included: at most MAX_GROUP characters long, and holding no parenthesis that holds
    another, so that however deep parentheses nest, each character is read in two at most."""
    result: list[tuple[int, int]] = []
    stack: list[list[int]] = []  # each open parenthesis: its offset, the depth of those inside it
    for match in _PARENTHESIS.finditer(text):
        i = match.start()
        if text[i] == "(":
            stack.append([i, 0])
        elif stack:
            open_, inner = stack.pop()
            if stack:
                stack[-1][1] = max(stack[-1][1], inner + 1)
            if i - open_ <= MAX_GROUP and inner <= 1:
                result.append((open_, i))
    return sorted(result)


# An inline markup tag, as Markdown notes and HTML exports hold them ("<mark style=...>", "</em>");
# "p < 0.05" is none, as a tag opens with a letter or a slash.
_TAG = regex.compile(r"<(?:[A-Za-z][A-Za-z0-9]*(?:\s[^<>\n]*)?|/[A-Za-z][A-Za-z0-9]*\s*)>")


def _without_tags(text: str) -> str:
    """The text with each markup tag blanked out, so offsets stay those of the text as read."""
    return _TAG.sub(lambda tag: " " * len(tag.group()), text) if "<" in text else text


def find(text: str) -> list[Group]:
    """Every citation group in `text`, in text order, none overlapping another.

    Markup tags count as spaces: "(<mark>Roose & Meuleman, 2018</mark>)" is a citation, and a
    ';' inside a tag's attributes splits nothing. A group's text is still the text as read.
    """
    return list(_find_kept(text) if len(text) > _KEPT else _find(text))


_KEPT = 100_000  # characters of a text whose citations are kept once read


@lru_cache(maxsize=2)
def _find_kept(text: str) -> tuple[Group, ...]:
    """`_find` of a long text, kept: the audit reads a leaflet's citations for more than one rule."""
    return _find(text)


def forget() -> None:
    """Let go of what the caches of this module hold (some 30 MB once a large KB's citations are
    read): a build is done with them once its audit is."""
    for cached in (_authors_ending, _part_read, _parenthesis, _find_kept):
        cached.cache_clear()


def _find(text: str) -> tuple[Group, ...]:
    original, text = text, _without_tags(text)
    groups: list[Group] = []
    for open_, close in _parentheses(text):
        years_only, found = _parenthesis(text[open_:close + 1])
        group = (_narrative(text, open_, close) if years_only else None) or _moved(found, open_)
        if group is not None:
            groups.append(Group(original[group.start:group.end], group.start, group.end, group.narrative,
                                group.citations) if text is not original else group)
    groups.sort(key=lambda g: (g.start, -g.end))
    result: list[Group] = []
    for group in groups:
        if result and group.start < result[-1].end:
            continue  # a group inside another one (a narrative citation in a parenthesis) is kept once
        result.append(group)
    return tuple(result)


_PREPOSITION = regex.compile(r"(?:van|von|de)\s+(?=\p{Lu})")


def without_preposition(text: str, group: Group) -> Group | None:
    """"onderzoek van Jansen (2010)": the group without a leading "van" that may be a preposition.

    Dutch writes a particle with a capital when no initials precede it ("Van Dam (2015)"), so
    a lower-case "van" after a lower-case word is more often the preposition; the caller
    decides by the records which reading to keep.
    """
    first = group.citations[0]
    lead = _PREPOSITION.match(text, group.start)
    if not group.narrative or lead is None or not _LOWER_WORD_BEFORE.match(text, 0, group.start):
        return None
    start = lead.end()
    authors = (first.authors[0].split(" ", 1)[1],) + first.authors[1:]
    trimmed = Citation(collapse(text[start:first.end]), start, first.end, authors, first.et_al, first.year,
                       first.suffix, first.locator, first.prefix, first.initials)
    return Group(text[start:group.end], start, group.end, True, (trimmed,) + group.citations[1:])


def without_leading_authors(text: str, group: Group) -> list[Group]:
    """"voor Nederland, Nauta (2005)": the narrative group without one, two, ... of its first names.

    A capitalised word and a comma before a narrative citation read as one more author; the
    caller keeps the longest reading that the records bear out.
    """
    first = group.citations[0]
    open_ = text.rfind("(", group.start, group.end)
    if not group.narrative or len(first.authors) < 2 or open_ < 0:
        return []
    end = open_
    while end > group.start and text[end - 1].isspace():
        end -= 1
    possessive = _POSSESSIVE.search(text, max(group.start, end - 3), end)
    match = grammar.AUTHORS.fullmatch(text, group.start, possessive.start() if possessive else end)
    if match is None:
        return []
    result = []
    for n, (start, _) in enumerate(match.spans("author")[1:], 1):
        trimmed = Citation(collapse(text[start:first.end]), start, first.end, first.authors[n:], first.et_al,
                           first.year, first.suffix, first.locator, first.prefix)
        result.append(Group(text[start:group.end], start, group.end, True, (trimmed,) + group.citations[1:]))
    return result

