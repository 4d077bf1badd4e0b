"""Comparable forms of bibliographic values: titles, family names, journal names, pages and DOIs.

Each function turns what a record or a service writes into the form two values are compared in:
lower case, accents and markup gone, punctuation as spaces. They never decide anything;
`kb.verify.compare` does.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from urllib.parse import unquote

from kb.links import bare_doi

# Name particles: left out of the comparison key, so that "van Haaren", "Haaren" and
# "Van Haaren" compare equal (services split Dutch, German and French names differently).
PARTICLES = frozenset("van von der den de del della di da das dos du des la le ten ter te 't het op in zu".split())

# Words a journal name may drop or abbreviate away: "Journal of the ..." vs "J ...".
_CONTAINER_STOP = frozenset("the of and for in on a an de het voor en der des la le et".split())

_LATEX_COMMAND = re.compile(r"\\[A-Za-z]+\*?\s*")
_MARKUP = re.compile(r"</?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?>")  # HTML, JATS (<jats:italic>), MathML
_NOT_WORD = re.compile(r"[^\w]+")
_DASHES = re.compile(r"\s*(?:-{1,3}|[\u2010-\u2015\u2212])\s*")
_INITIALS = re.compile(r"^(?:[A-Z]\.?){1,3}$")


def plain(text: str) -> str:
    """Lower case, without accents, LaTeX commands and braces, HTML/JATS markup or punctuation."""
    text = _MARKUP.sub(" ", text)
    text = _LATEX_COMMAND.sub("", text).replace("{", "").replace("}", "")
    text = text.replace("&amp;", " and ").replace("&", " and ").replace("ß", "ss")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = text.replace("ø", "o").replace("Ø", "o").replace("ł", "l").replace("đ", "d")
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).replace("_", " ").split())


def ratio(a: str, b: str) -> float:
    """difflib's similarity of two already normalised strings, 0 to 1."""
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def title_forms(title: str) -> tuple[str, str]:
    """The normalised title whole, and its main title before a subtitle ("" when it has none)."""
    whole = plain(title)
    head, colon, _ = _MARKUP.sub(" ", title).partition(":")
    main = plain(head) if colon else ""
    return whole, (main if main and main != whole else "")


def title_versions(title: str) -> list[str]:
    """The title, and each part of a bracketed translation: "Dutch title [English title]"."""
    versions = [title]
    bracket = re.fullmatch(r"\s*(.*?)\s*\[(.+)\]\s*\.?\s*", title, re.DOTALL)
    if bracket and bracket.group(1):
        versions += [bracket.group(1), bracket.group(2)]
    elif bracket:  # the whole title bracketed: a translation or a description standing in
        versions = [bracket.group(2)]
    return versions


def title_similarity(ours: str, theirs: str) -> tuple[float, str]:
    """The best similarity between two titles and what made it ("" or a note).

    Either part of a bracketed translation may match; a subtitle may be missing on ONE side
    (our whole title against their main title, or the reverse), never on both: two parts of
    a series ("... about: Part 1. ..." and "... about: Part 2. ...") share only their main title.
    """
    best, note = 0.0, ""
    for our_version in title_versions(ours):
        for their_version in title_versions(theirs):
            our_whole, our_main = title_forms(our_version)
            their_whole, their_main = title_forms(their_version)
            pairs = [(our_whole, their_whole, "")]
            if their_main:
                pairs.append((our_whole, their_main, "the service's title has a subtitle ours lacks"))
            if our_main:
                pairs.append((our_main, their_whole, "our title has a subtitle the service's lacks"))
            for a, b, why in pairs:
                score = ratio(a, b)
                if score > best + 1e-9:
                    best, note = score, why
    return best, note


def family_key(name: str) -> str:
    """A family name's comparison key: particles and initials left out, no spaces or hyphens."""
    words = [w for w in re.split(r"[\s\-\u2010\u2011]+", name.strip()) if w]
    if len(words) > 1:
        # "Fonagy P" or "P. Fonagy": a service that gives the whole name in one string
        kept = [w for w in words if not _INITIALS.match(w.replace("-", ""))]
        words = kept or words
    keys = [plain(w).replace(" ", "") for w in words]
    significant = [k for k in keys if k and k not in PARTICLES]
    return "".join(significant or keys)


def family_matches(ours: str, theirs: str) -> bool:
    """The same family name: equal keys, or one a double-barrelled part of the other."""
    a, b = family_key(ours), family_key(theirs)
    if not a or not b:
        return False
    if a == b:
        return True
    parts_a = {plain(w) for w in re.split(r"[\s\-\u2010\u2011]+", ours) if plain(w) not in PARTICLES}
    parts_b = {plain(w) for w in re.split(r"[\s\-\u2010\u2011]+", theirs) if plain(w) not in PARTICLES}
    parts_a.discard("")
    parts_b.discard("")
    return bool(parts_a and parts_b) and (parts_a < parts_b or parts_b < parts_a)


def container_words(name: str) -> list[str]:
    """A journal or book title as comparable words: no "The", no stop words, no punctuation."""
    return [w for w in plain(name).split() if w not in _CONTAINER_STOP]


def container_matches(ours: str, theirs: str) -> bool:
    """Full name vs abbreviation ("J. Pers. Disord." vs "Journal of Personality Disorders"),
    case, "The", "&"; or a close spelling."""
    a, b = container_words(ours), container_words(theirs)
    if not a or not b:
        return False
    if a == b or ratio(" ".join(a), " ".join(b)) >= 0.9:
        return True
    short, full = (a, b) if len("".join(a)) <= len("".join(b)) else (b, a)
    return len(short) == len(full) and all(f.startswith(s) for s, f in zip(short, full, strict=True))


def doi(value: str) -> str:
    """A DOI in lower case without its resolver or `doi:` prefix."""
    return bare_doi(unquote(value)).strip().rstrip(".").casefold()


def number(value: str) -> str:
    """A volume or issue: "Vol. 12" -> "12", "3--4" -> "3-4"."""
    value = re.sub(r"^(?:vol(?:ume)?|no|nr|issue|iss)\.?\s*", "", value.strip(), flags=re.IGNORECASE)
    return _DASHES.sub("-", value).casefold().strip()


def pages(value: str) -> str:
    """A page range or article number: dashes unified, "pp." and an "e" locator dropped, an
    abbreviated end written out ("239-48" -> "239-248")."""
    value = re.sub(r"^(?:pp?\.?\s*)", "", value.strip(), flags=re.IGNORECASE)
    value = _DASHES.sub("-", value).replace(" ", "").casefold()
    first, dash, last = value.partition("-")
    if dash and first.isdigit() and last.isdigit() and len(last) < len(first) and int(first[-len(last):]) < int(last):
        last = first[: len(first) - len(last)] + last
    first = first[1:] if re.fullmatch(r"e\d+", first) else first
    last = last[1:] if re.fullmatch(r"e\d+", last) else last
    return f"{first}-{last}" if dash else first
