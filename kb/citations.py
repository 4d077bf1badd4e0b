"""Citations: APA-like author-year citations found in plain text, parsed, with their offsets.

Two shapes are found, in Dutch and English text alike: a parenthetical group
"(Bellino et al, 2006; Sansone, Chu, & Wiederman, 2010)" and a narrative citation
"Koch et al. (2014)". Each citation in a group is parsed into its printed surnames,
et-al marker, year and a/b suffix, page locator and the signal words before it
("e.g.", "zie ook"), each with offsets into the text as read (Python string indices).
Line breaks may fall anywhere inside a citation, as in text extracted from a PDF.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from kb import citation_grammar as grammar


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Group:
    """A parenthesis of citations, or one narrative citation, as it stands in the text."""

    text: str  # the span as printed: the whole parenthesis, or only its author-year part
    start: int  # offset of its first character
    end: int  # offset just past its last character
    narrative: bool  # "Koch et al. (2014)" rather than "(Koch et al., 2014)"
    citations: tuple[Citation, ...]  # in printed order


def collapse(text: str) -> str:
    return " ".join(text.split())


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


def _authors_at(text: str, start: int, end: int) -> regex.Match[str] | None:
    """The author list that fills text[start:end] exactly, if no word of it is a common word."""
    match = grammar.AUTHORS.fullmatch(text, start, end)
    if match is None:
        return None
    for name in match.captures("author"):
        printed = [w for w in regex.split(r"[\s\-]+", name) if w]
        words = [w.lower() for w in printed]
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


def _leftmost_authors(text: str, start: int, end: int) -> regex.Match[str] | None:
    """The longest author list that ends exactly at `end` and starts at or after `start`."""
    for begin in grammar.NARRATIVE_START.finditer(text, start, end):
        match = _authors_at(text, begin.start(), end)
        if match is not None:
            return match
    return None


def _citations(text: str, authors: regex.Match[str] | None, years: list[tuple[str, str, int, int]],
               locator: str, prefix: str, end: int) -> list[Citation]:
    """One citation per year: the first spans authors to year, the others only their year."""
    names = tuple(collapse(a) for a in authors.captures("author")) if authors else ()
    et_al = collapse(authors.group("etal") or "") if authors else ""
    result = []
    for i, (year, suffix, y_start, y_end) in enumerate(years):
        start = authors.start() if authors and i == 0 else y_start
        stop = end if i == len(years) - 1 else y_end
        result.append(Citation(text=collapse(text[start:stop]), start=start, end=stop, authors=names,
                               et_al=et_al, year=year, suffix=suffix,
                               locator=locator if i == len(years) - 1 else "",
                               prefix=prefix if i == 0 else ""))
    return result


def _part(text: str, start: int, end: int, previous: tuple[str, ...]) -> tuple[list[Citation], bool]:
    """The citations in one ';'-separated part of a parenthesis, and whether the part held nothing else."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
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
        return [Citation(c.text, c.start, c.end, previous, "", c.year, c.suffix, c.locator, "")
                for c in cites], True
    authors = _leftmost_authors(text, start, head_end)
    if authors is None:
        return [], False
    prefix = collapse(text[start:authors.start()])
    stop = match.end("loc") if locator else match.end("years")
    clean = _is_signal(prefix) and _is_signal(collapse(match.group("tail") or ""))
    return _citations(text, authors, years, locator, prefix, stop), clean


def _split_parts(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The parts of a parenthesis: split at ';' outside brackets, and before "as cited in"."""
    parts: list[tuple[int, int]] = []
    depth = 0
    begin = start
    for i in range(start, end):
        c = text[i]
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == ";" and depth == 0:
            parts.append((begin, i))
            begin = i + 1
    parts.append((begin, end))
    result: list[tuple[int, int]] = []
    for p_start, p_end in parts:
        for cut in grammar.CITED_IN.finditer(text, p_start, p_end):
            result.append((p_start, cut.start()))
            p_start = cut.start() + 1  # past the comma: "as cited in" becomes the next part's prefix
        result.append((p_start, p_end))
    return result


def _parenthetical(text: str, open_: int, close: int) -> Group | None:
    """A group for the parenthesis text[open_:close + 1], if it holds author-year citations."""
    citations: list[Citation] = []
    only_citations = True
    previous: tuple[str, ...] = ()
    for start, end in _split_parts(text, open_ + 1, close):
        found, clean = _part(text, start, end, previous)
        if not found:
            only_citations = False
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
                     Citation(c.text, c.start, c.end, c.authors, c.et_al, c.year, c.suffix, c.locator, "")
                     for c in citations]
    return Group(text=text[start:end], start=start, end=end, narrative=False, citations=tuple(citations))


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
    authors = _leftmost_authors(text, max(0, end - 240), end)
    if authors is None:
        return None
    years = _years(match, 0)
    locator = collapse(match.group("loc") or "")
    cites = _citations(text, authors, years, locator, "", close + 1)
    first = cites[0]
    cites[0] = Citation(collapse(text[first.start:close + 1]) if len(cites) == 1 else first.text, first.start,
                        close + 1 if len(cites) == 1 else first.end, first.authors, first.et_al, first.year,
                        first.suffix, first.locator, "")
    start = authors.start()
    return Group(text=text[start:close + 1], start=start, end=close + 1, narrative=True, citations=tuple(cites))


def _parentheses(text: str) -> list[tuple[int, int]]:
    """(open, close) offsets of every balanced parenthesis, inner ones included."""
    result: list[tuple[int, int]] = []
    stack: list[int] = []
    for i, c in enumerate(text):
        if c == "(":
            stack.append(i)
        elif c == ")" and stack:
            open_ = stack.pop()
            if i - open_ <= 2000:
                result.append((open_, i))
    return sorted(result)


def find(text: str) -> list[Group]:
    """Every citation group in `text`, in text order, none overlapping another."""
    groups: list[Group] = []
    for open_, close in _parentheses(text):
        group = _narrative(text, open_, close) or _parenthetical(text, open_, close)
        if group is not None:
            groups.append(group)
    groups.sort(key=lambda g: (g.start, -g.end))
    result: list[Group] = []
    for group in groups:
        if result and group.start < result[-1].end:
            continue  # a group inside another one (a narrative citation in a parenthesis) is kept once
        result.append(group)
    return result


_PREPOSITION = regex.compile(r"(?:van|von|de)\s+(?=\p{Lu})")


def without_preposition(text: str, group: Group) -> Group | None:
    """"onderzoek van Jansen (2010)": the group without a leading "van" that may be a preposition.

    Dutch writes a particle with a capital when no initials precede it ("Van Dam (2015)"), so
    a lower-case "van" after a lower-case word is more often the preposition; the caller
    decides by the records which reading to keep.
    """
    first = group.citations[0]
    lead = _PREPOSITION.match(text, group.start)
    if not group.narrative or lead is None or not regex.search(r"\p{Ll}[\p{L}\p{M}]*\s+$", text[:group.start]):
        return None
    start = lead.end()
    authors = (first.authors[0].split(" ", 1)[1],) + first.authors[1:]
    trimmed = Citation(collapse(text[start:first.end]), start, first.end, authors, first.et_al, first.year,
                       first.suffix, first.locator, first.prefix)
    return Group(text[start:group.end], start, group.end, True, (trimmed,) + group.citations[1:])

