"""A printed reference entry (APA 6 or 7, Dutch or English) read into a `Draft`.

The entry is cut where APA puts its marks: the authors before the parenthesised date, the title up
to the first full stop outside brackets, then the source: a journal with volume, issue and pages,
"In <editors> (Eds.), <book> (pp. x-y). <Publisher>." for a chapter, a publisher for a book or a
report, and a site with "Retrieved from" or "Geraadpleegd op ... van" for a web page. A DOI
(https://doi.org/... or doi:...) and a URL are taken out first. Nothing is guessed: a part the
entry does not print stays "".
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from kb.intake.model import Draft

# The date group: "(2019)", "(2019a)", "(2019, 4 december)", "(n.d.)", "(z.d.)", "(in press)".
_DATE = re.compile(
    r"\(\s*(?:(?P<year>(?:1[5-9]|20)\d\d)(?P<suffix>[a-z])?(?:\s*[,/–-][^()]*)?"
    r"|(?P<nodate>n\.\s?d\.|z\.\s?d\.|s\.\s?d\.|o\.\s?J\.)"
    r"|(?P<press>in press|ter perse|in druk|forthcoming))\s*\)\.?",
    re.IGNORECASE)
_DOI = re.compile(r"(?:https?://(?:dx\.)?doi\.org/(?:(?:dx\.)?doi\.org/)?|\bdoi:\s*|\bDOI\s+)(10\.\d{4,9}/\S+)",
                  re.IGNORECASE)
_BARE_DOI = re.compile(r"(?<![\w/.])(10\.\d{4,9}/\S+)")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_RETRIEVED = re.compile(
    r"(?:(?:Geraadpleegd|Bezocht|Opgehaald)(?:\s+op)?(?P<nl>[^()]*?\d{4})?,?\s*(?:van|via|op)?"
    r"|Retrieved(?:\s+on)?(?P<en>[^()]*?\d{4})?,?\s*from:?"
    r"|Accessed(?P<acc>[^()]*?\d{4})?,?\s*(?:from|at)?"
    r"|Available (?:from|at):?)\s*$",
    re.IGNORECASE)
_EDITOR_MARK = re.compile(r"\s*\((?:Eds?|Red|Hrsg|Hg|réd|Coord)\.?\)\s*[,.]?\s*$", re.IGNORECASE)
_PAGES_GROUP = re.compile(r"\((?P<inner>[^()]*\b(?:pp?|blz|pag|S)\.\s*[^()]*)\)")
_INITIALS = re.compile(r"^(?:[A-ZÀ-ÖØ-ÞĀ-Ž][a-zà-ÿ]{0,2}\.(?:\s*-\s*|\s+)?)+$")
_PARTICLE_TAIL = re.compile(r"^(?P<given>.*?\.)\s+(?P<particles>(?:van|von|de|der|den|het|ter|ten|te|du|da|di|le|la|'t)"
                            r"(?:\s+(?:van|von|de|der|den|het|ter|ten|te|du|da|di|le|la|'t))*)$")
_PARTICLES_ONLY = re.compile(r"^(?:van|von|de|der|den|het|ter|ten|te|du|da|di|le|la|'t)"
                             r"(?:\s+(?:van|von|de|der|den|het|ter|ten|te|du|da|di|le|la|'t))*$")
_LAST_INITIAL_BARE = re.compile(r"^(?:[A-ZÀ-ÖØ-Þ]\.\s*)*[A-ZÀ-ÖØ-Þ]$")
_DEGREES = frozenset("MSc MA BA BSc PhD MD RN MNS MPH MS DPhil PsyD EdD Jr Jr. Sr Sr. II III drs dr prof".split())
_DESCRIPTION = re.compile(r"thesis|dissertat|proefschrift|scriptie|ph\.?\s?d|doctora|master|bachelor|brochure|"
                          r"report|rapport|video|podcast|fact sheet|factsheet|webpagina|web page|blog|"
                          r"leaflet|folder|powerpoint|slides|data set|computer software|universit|hogeschool", re.IGNORECASE)
_THESIS = re.compile(r"thesis|dissertat|proefschrift|scriptie|ph\.?\s?d|doctora|master|bachelor", re.IGNORECASE)
_MASTERS = re.compile(r"master|scriptie|bachelor", re.IGNORECASE)
_REPORT_WORDS = re.compile(r"\b(?:report|rapport|richtlijn|guideline|factsheet|fact sheet|monitor|"
                           r"jaarverslag|advies|standaard)\b", re.IGNORECASE)
# A translator's note after a title: "(J. Jansen, Trans.)", "(Vert. J. Jansen)", "(M. W. Hengeveld, Supervisie vert.)".
_TRANSLATOR = re.compile(r"(?:,\s*)?(?:\b(?:supervisie|eind)\s*)?\b(?:Trans|Transl|Vert|Übers)\.|\b(?:vertaald door|vertaling|"
                         r"translated by|translation by)\b", re.IGNORECASE)
_EDITION = re.compile(r"^\s*\((?P<edition>[^()]*(?:ed\.|edition|druk|editie|uitg\.|Aufl\.)[^()]*)\)\s*$", re.IGNORECASE)
_ABBREVIATIONS = frozenset("vol no nr pp p blz ed eds red dr prof st vs e.g i.e u.s u.k jr sr ca fig dept inc ltd "
                           "co corp univ pt ch".split())
_JOURNAL = re.compile(
    r"^(?:(?P<container>.*?),\s*)??(?P<volume>\d+[A-Za-z]?(?:[-–]\d+)?)\s*(?:\((?P<issue>[^()]+)\))?"
    r"(?:\s*[,:]\s*(?P<pages>(?:(?:Article|Artikel)\s+)?[A-Za-z]{0,2}\d+[A-Za-z]?(?:\s*[-–—]+\s*[A-Za-z]{0,2}\d+[A-Za-z]?)?))?"
    r"\s*\.?\s*$")
_AHEAD = re.compile(r"^(?P<container>[^,]+),\s*(?:Early View|Advance online publication|Online ahead of print|"
                    r"in press|ter perse)\.?$", re.IGNORECASE)
_REPORT_NUMBER = re.compile(r"^\((?P<number>[^()]*(?:No\.|Nr\.|nummer|Report|Rapport)[^()]*\d[^()]*)\)\.?$", re.IGNORECASE)
_PLACE = re.compile(r"^[A-ZÀ-Þ][^\W\d]*(?:[ ,.'-]+[^\W\d]+){0,4}\.?:\s+\S")  # "Houten: Bohn Stafleu van Loghum.", "New York, NY: Guilford."
_LAST_SEPARATOR = re.compile(r",?\s+(?:&|and|en|und|et)\s+")
_PLACE_PUBLISHER = re.compile(r"\.\s+[A-ZÀ-Þ][^.:()]{1,40}:\s+[^.:()]+\.?$")  # ". Amsterdam: Uitgeverij Boom." closing an entry
_JOURNAL_WORDS = re.compile(r"\b(?:Journal|Tijdschrift|Review|Quarterly|Annals|Archives|Bulletin|Zeitschrift)\b")
_MONTHS = {name: number for number, names in enumerate((
    "januari january jan", "februari february feb", "maart march mar mrt", "april apr", "mei may",
    "juni june jun", "juli july jul", "augustus august aug", "september sep sept", "oktober october okt oct",
    "november nov", "december dec"), 1) for name in names.split()}


def parse_entry(text: str, source: str = "") -> Draft:
    """The fields of one printed reference entry; a field the entry does not print stays ""."""
    printed = " ".join(text.split())
    rest = re.sub(r"^(?:\[\d+\]|\d+[.)]|[-*•–])\s+", "", printed)  # a list's number or bullet
    extra: dict[str, str] = {}
    rest, doi = _take_doi(rest)
    rest, url, accessed = _take_url(rest)
    if accessed:
        extra["urldate"] = accessed
    date = _DATE.search(rest)
    if date is None:
        return Draft(entry_type="misc", doi=doi, url=url, printed=printed, extra=extra, source=source)
    year = date.group("year") or ""
    if date.group("press"):
        extra["pubstate"] = "inpress"
    head, tail = rest[:date.start()].strip(), rest[date.end():].strip()
    authors, editors_first, title_first = _people_or_title(head)
    if re.search(r"…|\.\s\.\s\.|\.\.\.", head):
        extra["note"] = ("the reference list shortens the author list with an ellipsis: the authors between "
                         f"{authors[-2][0] if len(authors) > 1 else 'the first'} and the last are not listed here")
    parts = _sentences(tail)
    title = title_first
    if not title and parts:
        title = parts.pop(0)
        cut = _title_end(parts)
        title = " ".join([title, *parts[:cut]])
        parts = parts[cut:]
    title, description, editors_in_title, edition, translator, number = _title_notes(title)
    if edition:
        extra["edition"] = edition
    if number:
        extra["number"] = number
    if translator:  # BibTeX's name list: "Jansen, J. and de Vries, P."
        extra["translator"] = " and ".join(f"{family}, {given}" if given else family for family, given in _names(translator))
    source_text = " ".join(parts).strip()
    fields, book_editors = _source(source_text, description, extra)
    editors = editors_first or editors_in_title or book_editors
    dated = bool(date.group("year")) and bool(re.search(r"[A-Za-z]", date.group(0)[5:]))  # "(2019, 4 december)"
    entry_type = _entry_type(fields, bool(book_editors), description, bool(editors_first), bool(url),
                             bool(accessed) or dated, title)
    if entry_type == "online" and fields.get("publisher") and not fields.get("container"):
        fields["container"] = fields.pop("publisher")  # the site's name, CSL's container-title of a web page
    if entry_type in ("phdthesis", "mastersthesis") and fields.get("publisher") and not fields.get("school"):
        extra["school"] = fields.pop("publisher")
    if fields.get("school"):
        extra["school"] = fields.pop("school")
    return Draft(
        entry_type=entry_type, authors=() if editors_first else authors, year=year, title=_strip_end(title),
        container=fields.get("container", ""), volume=fields.get("volume", ""), issue=fields.get("issue", ""),
        pages=fields.get("pages", ""), doi=doi, url=url, publisher=fields.get("publisher", ""),
        editors=editors, printed=printed, extra=extra, source=source)


# Identifiers and addresses.


def _take_doi(text: str) -> tuple[str, str]:
    found = _DOI.search(text) or _BARE_DOI.search(text)
    if found is None:
        return text, ""
    doi = found.group(1).rstrip(".,;)").lower()
    return (text[:found.start()] + text[found.end():]).strip(), doi


def _take_url(text: str) -> tuple[str, str, str]:
    """The text without its URL and the words that announce it, the URL, and the date it was seen."""
    found = _URL.search(text)
    if found is None:
        return text, "", ""
    url = found.group(0).rstrip(".,;")
    before = text[:found.start()].rstrip()
    accessed = ""
    announced = _RETRIEVED.search(before)
    if announced:
        said = announced.group("nl") or announced.group("en") or announced.group("acc") or ""
        accessed = _iso_date(said)
        before = before[:announced.start()].rstrip()
    after = text[found.end():].strip().lstrip(".").strip()
    return f"{before} {after}".strip(), url, accessed


def _iso_date(said: str) -> str:
    """"17 maart 2020" or "March 17, 2020" as 2020-03-17; "" when it is not a whole date."""
    words = re.findall(r"[A-Za-z]+|\d+", said)
    day = month = year = 0
    for word in words:
        if word.isdigit():
            if len(word) == 4:
                year = int(word)
            elif not day:
                day = int(word)
        elif word.lower() in _MONTHS:
            month = _MONTHS[word.lower()]
    if day and month and year and 1 <= day <= 31:
        return f"{year:04d}-{month:02d}-{day:02d}"
    return ""


# Authors and editors.


def _people_or_title(head: str) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...], str]:
    """(authors, editors, title) from the text before the date: a title stands there when a work
    has no author; editors when the list ends in (Eds.)/(Red.)."""
    head = head.strip().rstrip(",").strip()
    if not head:
        return (), (), ""
    mark = _EDITOR_MARK.search(head)
    if mark:
        return (), _names(head[:mark.start()]), ""
    if _looks_like_title(head):
        return (), (), head
    return _names(head), (), ""


def _looks_like_title(head: str) -> bool:
    """A work without author prints its title first ("Visie & missie van Buro3o | Buro3o.")."""
    if re.search(r"[A-ZÀ-Þ][a-z]{0,2}\.", head) and "," in head:
        return False  # initials after a comma: people
    bare = head.rstrip(".").strip()
    return bool(re.search(r"[:|?!]", bare)) or len(bare.split()) > 7


def _names(text: str) -> tuple[tuple[str, str], ...]:
    if "&" not in text and not any(_given(t)[0] for t in text.split(",")) and not re.search(r"\b[A-Z]\.", text):
        return ((text.strip().rstrip(".").strip(), ""),)  # one group author: "Ministerie van VWS, Welzijn en Sport"
    text = re.sub(r"\s*(?:…|\.\s\.\s\.|\.\.\.)\s*", ", ", text)  # APA 7's ellipsis before the last author
    text = re.sub(r",?\s*\bet al\.?", "", text)
    last: list[tuple[str, str]] = []
    final = [m for m in _LAST_SEPARATOR.finditer(text) if "&" in m.group()] or list(_LAST_SEPARATOR.finditer(text))
    if final:  # "&" stands before the last author: what follows it is one name, a group's commas and all
        after = text[final[-1].end():].strip()
        if after and not any(_given(t)[0] for t in after.split(",")) and not re.search(r"\b[A-Z]\.", after):
            last = [(after.rstrip(".").strip(), "")]
            text = text[:final[-1].start()]
        # A list that puts a comma before its "&" separates no names with a bare one: "Stichting Lezen & Schrijven, & X"
        separator = r",\s+(?:&|and|en|und|et)\s+" if final[-1].group().startswith(",") else r",?\s+(?:&|and|en|und|et)\s+"
        text = re.sub(separator, ", ", text)
    tokens = [t.strip() for t in text.split(",")]
    tokens = [t for t in tokens if t and t.rstrip(".") not in _DEGREES]
    names: list[tuple[str, str]] = []
    index = 0
    while index < len(tokens):
        family = tokens[index].strip()
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        given, particles = _given(following)
        if given:
            after = tokens[index + 2] if index + 2 < len(tokens) else ""
            if not particles and _PARTICLES_ONLY.match(after):  # "Alphen, R., van": the particles printed last
                particles, index = after, index + 1
            family = f"{particles} {family}" if particles else family
            names.append((family.rstrip("."), given))
            index += 2
            continue
        inverted = re.match(r"^(?P<given>(?:[A-ZÀ-Þ][a-z]?\.[\s-]*)+)\s*(?P<family>[^.\s].*)$", family)
        if inverted:  # "B. van der Meijden": initials first
            names.append((inverted.group("family").rstrip("."), inverted.group("given").strip()))
        else:
            names.append((family.rstrip(".") if not family.endswith(" Jr.") else family, ""))
        index += 1
    return tuple(names + last)


def _given(token: str) -> tuple[str, str]:
    """(initials, trailing particles) when `token` is a person's initials ("J. B. A. van"); ("", "") otherwise."""
    token = token.strip()
    if _INITIALS.match(token):
        return token, ""
    if _LAST_INITIAL_BARE.match(token):  # "A" or "G. J. A": the full stop of the last initial left out
        return token + ".", ""
    tail = _PARTICLE_TAIL.match(token)
    if tail and _INITIALS.match(tail.group("given")):
        return tail.group("given"), tail.group("particles")
    return "", ""


# Title and source.


def _sentences(text: str) -> list[str]:
    """`text` cut after each full stop, question or exclamation mark that ends a part: outside
    brackets and quotes, not after an initial or a known abbreviation, and before a capital or a
    digit or the end."""
    parts: list[str] = []
    depth = 0
    start = 0
    for index, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif char in ".?!" and depth == 0:
            after = text[index + 1:index + 3]
            if after[:1] not in (" ", "") or (after[:1] == " " and after[1:2] and not after[1:2].isupper()
                                              and not after[1:2].isdigit() and after[1:2] not in "[(‘“'\""):
                continue
            if char == ".":
                word = re.search(r"(\S+)$", text[start:index])
                last = word.group(1).lower() if word else ""
                if last in _ABBREVIATIONS or re.fullmatch(r"[a-zà-þ]", last) or re.fullmatch(r"[a-z]\.[a-z]", last):
                    continue
                if re.fullmatch(r"(?:part|deel|chapter|hoofdstuk|study|studie)", _previous_word(text[start:index])):
                    continue
            parts.append(text[start:index + 1].strip())
            start = index + 1
    if text[start:].strip():
        parts.append(text[start:].strip())
    return [p for p in parts if p.strip(" .")]


def _title_end(parts: list[str]) -> int:
    """How many of the parts after a title's first sentence still belong to it, told by what
    follows the title: those before a bracketed description ("[Master's thesis]"), a chapter's
    "In ...", or a journal with its volume ("GRADE guidelines: 3. Rating the quality of evidence.
    Journal of clinical epidemiology, 64(4)"); before a book's publisher, printed last, all of them
    ("Leren ontspannen. Handleiding voor de therapeutische beroepen. Dekker & Van der Vegt.")."""
    for index, part in enumerate(parts):
        if re.fullmatch(r"\[[^\[\]]+\]\.?", part) and _DESCRIPTION.search(part):
            return index + 1  # the description too: _title_notes takes it off
    for index, part in enumerate(parts):
        if (re.match(r"^In:?\s+\S", part) or _is_journal(part) or _AHEAD.match(part) or _REPORT_NUMBER.match(part)
                or _PLACE.match(part)):
            return index
    if len(parts) >= 2 and not any(_JOURNAL_WORDS.search(part) for part in parts):
        return len(parts) - 1  # one publisher (or a site) closes the entry; the parts before it are the title's
    return 0


def _is_journal(part: str) -> bool:
    """Whether a part is a journal's name with its volume ("Journal, 64(4):401-406.")."""
    journal = _JOURNAL.match(part)
    return bool(journal and (journal.group("container") or "").strip() and not re.search(r"\d{4}$", journal.group("volume")))


def _previous_word(text: str) -> str:
    """The word before a number that ends `text`: "Part" of "... Part 1"."""
    found = re.search(r"(\w+)\s+\d+$", text)
    return found.group(1).lower() if found else ""


class _Notes(NamedTuple):
    """A title and what APA prints after it in brackets."""

    title: str  # the title without them
    description: str  # "Doctoral dissertation, X", "Fact sheet"
    editors: tuple[tuple[str, str], ...]  # "(M. E. O’Connell, & T. Boat, Eds.)"
    edition: str  # "2nd ed."
    translator: str  # the translators' names as printed: "J. Jansen" of "(J. Jansen, Trans.)"
    number: str  # a report's number: "Publication No. 16-6249"


def _title_notes(title: str) -> _Notes:
    """The title without what APA puts after it in brackets: a description ("[Doctoral
    dissertation, X]"), editors ("(M. E. O’Connell, & T. Boat, Eds.)"), an edition ("(2nd ed.)"),
    a translator ("(J. Jansen, Trans.)", "(Vert. J. Jansen)"), a report's number ("(Report No. 12)")."""
    title = title.strip()
    description = ""
    editors: tuple[tuple[str, str], ...] = ()
    edition = translator = number = ""
    while True:
        stripped = title.rstrip(". ")
        bracket = re.search(r"\s*\[([^\[\]]+)\]$", stripped)
        if bracket and _DESCRIPTION.search(bracket.group(1)):
            description = bracket.group(1).strip()
            title = stripped[:bracket.start()]
            continue
        paren = re.search(r"\s*\(([^()]+)\)$", stripped)
        if paren:
            inner = paren.group(1)
            if re.search(r",\s*(?:Eds?|Red|Hrsg)\.$", inner):
                editors = _names(re.sub(r",\s*(?:Eds?|Red|Hrsg)\.$", "", inner))
                title = stripped[:paren.start()]
                continue
            if _TRANSLATOR.search(inner):
                translator = _TRANSLATOR.sub(" ", inner).strip(" ,.")
                title = stripped[:paren.start()]
                continue
            if _EDITION.match(f"({inner})") or re.search(r"\bversion\b|\bversie\b|\bvol\.", inner, re.IGNORECASE):
                edition = inner.strip()
                title = stripped[:paren.start()]
                continue
            if _REPORT_NUMBER.match(f"({inner})"):
                number = inner.strip()
                title = stripped[:paren.start()]
                continue
        return _Notes(title, description, editors, edition, translator, number)


def _strip_end(title: str) -> str:
    title = title.strip()
    if title.endswith(".") and not re.search(r"\b[A-Z]\.$|\.\.\.$|…$", title):
        title = title[:-1]
    return title.strip()


People = tuple[tuple[str, str], ...]


def _source(text: str, description: str, extra: dict[str, str]) -> tuple[dict[str, str], People]:
    """Container, volume, issue, pages, publisher of the part after the title, and a chapter's editors."""
    text = text.strip()
    fields: dict[str, str] = {}
    if not text:
        if description and "," in description:
            fields["school"] = description.split(",", 1)[1].strip()
        return fields, ()
    chapter = re.match(r"^(?:In|in|In:)\s+(?P<rest>.+)$", text)
    if chapter:
        return _chapter(chapter.group("rest"), extra)
    parts = _sentences(text)
    first = parts[0] if parts else text
    ahead = _AHEAD.match(first)
    if ahead:  # a journal article before its issue
        fields["container"] = ahead.group("container").strip()
        return fields, ()
    if len(parts) == 2 and _AHEAD.match(f"x, {parts[1]}"):  # APA 7: "Journal. Advance online publication."
        fields["container"] = _strip_end(first)
        return fields, ()
    journal = _JOURNAL.match(first)
    if journal and _is_journal(first):
        fields.update(container=_strip_end(journal.group("container")), volume=journal.group("volume"),
                      issue=(journal.group("issue") or "").strip(), pages=_pages(journal.group("pages") or ""))
        return fields, ()
    if journal and not (journal.group("container") or "").strip(" ,"):  # "71(2), 48." without a journal's name
        fields.update(volume=journal.group("volume"), issue=(journal.group("issue") or "").strip(),
                      pages=_pages(journal.group("pages") or ""))
        return fields, ()
    if description and "," in description:
        fields["school"] = description.split(",", 1)[1].strip()
    if len(parts) == 1 and _JOURNAL_WORDS.search(first) and ":" not in first:
        fields["container"] = _strip_end(first)  # a journal named without volume: an article in press
        return fields, ()
    report = _REPORT_NUMBER.match(first)
    if report:
        extra["number"] = report.group("number").strip()
        parts = parts[1:]
    if parts:
        publisher = _strip_end(parts[-1] if len(parts) == 1 else parts[0])
        place = re.match(r"^(?P<address>[^:]{2,40}):\s+(?P<publisher>.+)$", publisher)
        if place:
            extra["address"] = place.group("address").strip()
            publisher = place.group("publisher").strip()
        fields["publisher"] = publisher
    return fields, ()


def _chapter(text: str, extra: dict[str, str]) -> tuple[dict[str, str], People]:
    """"J. de Lange & R. J. Bosscher (Red.), Book (pp. 43-64). Boom." or "Book (pp. 51-62). Publisher."."""
    fields: dict[str, str] = {}
    editors: People = ()
    mark = re.search(r"\s*\((?:Eds?|Red|Hrsg|Hg)\.?\)\s*,?\s*", text, re.IGNORECASE)
    if mark:
        editors = _names(text[:mark.start()])
        text = text[mark.end():]
    pages = _PAGES_GROUP.search(text)
    if pages:
        book = text[:pages.start()]
        inner = pages.group("inner")
        found = re.search(r"\b(?:pp?|blz|pag|S)\.\s*([A-Za-z]?\d+[A-Za-z]?(?:\s*[-–—]+\s*[A-Za-z]?\d+[A-Za-z]?)?)", inner)
        if found:
            fields["pages"] = _pages(found.group(1))
        volume = re.search(r"\b(?:Vol|Deel|Bd)\.\s*(\w+)", inner, re.IGNORECASE)
        if volume:
            fields["volume"] = volume.group(1)
        after = text[pages.end():].strip().lstrip(".").strip()
    else:
        place = _PLACE_PUBLISHER.search(text)  # "..., deel 1. Amsterdam: Uitgeverij Boom.": the publisher closes it
        parts = [text[:place.start() + 1], text[place.start() + 1:]] if place else _sentences(text)
        book = parts[0] if parts else text
        after = " ".join(parts[1:])
        notes = re.search(r"\s*\(([^()]+)\)\s*\.?$", book)
        if notes:
            extra["note"] = notes.group(1)
            book = book[:notes.start()]
    fields["container"] = _strip_end(book.strip().rstrip(","))
    publisher = _strip_end(after)
    place = re.match(r"^(?P<address>[^:]{2,40}):\s+(?P<publisher>.+)$", publisher)
    if place:
        extra["address"] = place.group("address").strip()
        publisher = place.group("publisher").strip()
    if publisher:
        fields["publisher"] = publisher
    fields["chapter"] = "yes"
    return fields, editors


def _pages(pages: str) -> str:
    """"387–403" as 387-403 (the KB's ASCII hyphen), "Article 12" as 12."""
    pages = re.sub(r"^(?:Article|Artikel)\s+", "", pages.strip())
    return re.sub(r"\s*[-–—]+\s*", "-", pages)


def _entry_type(fields: dict[str, str], book_editors: bool, description: str, edited: bool, url: bool,
                accessed: bool, title: str) -> str:
    if description and _THESIS.search(description):
        return "mastersthesis" if _MASTERS.search(description) else "phdthesis"
    container = fields.get("container", "")
    if fields.pop("chapter", "") or book_editors or (container and "publisher" in fields and not fields.get("volume")):
        return "inproceedings" if re.search(r"proceedings|conference|congres", container, re.IGNORECASE) else "incollection"
    if container and (fields.get("volume") or fields.get("pages") or "publisher" not in fields):
        return "article"
    if fields.get("volume"):
        return "article"
    if accessed or (url and "publisher" not in fields):
        return "online"
    if "publisher" in fields:
        if (description and re.search(r"report|rapport", description, re.IGNORECASE)) or _REPORT_WORDS.search(title):
            return "techreport"
        return "book"
    if edited:
        return "book"
    return "misc"


def fold(text: str) -> str:
    """`text` in plain ASCII letters and digits, lower case: a key's stem ("Leirvåg" -> "leirvag")."""
    text = text.replace("ø", "o").replace("Ø", "O").replace("æ", "ae").replace("ß", "ss").replace("ł", "l")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed.lower() if c.isascii() and c.isalnum())
