"""Drafted records merged into references.bib: new entries appended, duplicates recognised.

Each draft gets a key the KB's way: the first author's family name folded to ASCII letters, its
particles joined to it (`vandenbroek2011`, as the shipped keys), then the year ("nd" without
one), then a letter when the key is taken (`fonagy2017a`, `fonagy2017b`). A draft is a
duplicate, and is not added, when a record (or an earlier draft) has its DOI, or the same year,
the same first author and nearly the same title. New entries are appended in the file's own
layout (two spaces, names padded to the `=`), with the file's line ending; every byte already
in references.bib stays as it was, and the file is replaced atomically.

Fields written beside the usual ones:
  printed            = the entry as printed in the reference list, whole (kb add, kb import)
  verificationstatus = the draft's status: `listed` for a reference-list entry
  verification       = where the record came from and what was not checked (as the source says, if it does)
  design             = unknown (nobody has read the work yet)
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kb import bibliography
from kb.findings import UNREADABLE_RULES, Finding
from kb.intake.entries import fold
from kb.intake.model import Draft
from kb.knowledgebase import BIB_NAME
from kb.output import write_atomic
from kb.paths import MAX_BIB_BYTES, Files, decode

SAME_DOI = "same DOI"
SAME_WORK = "same title, year and first author"
TITLE_SIMILARITY = 0.9  # difflib's ratio of two folded titles that name one work
_WIDTH = len("verificationstatus")  # the shipped file pads field names to this width
_ARTICLES = frozenset("a an the de het een der die das le la les".split())
_PARTICLES = re.compile(r"^(?:(?:van|von|de|der|den|het|ter|ten|te|du|da|di|le|la|'t|aan|in|op)\s+)+", re.IGNORECASE)
_CONTAINER_FIELD = {"article": "journal", "incollection": "booktitle", "inproceedings": "booktitle",
                    "inbook": "booktitle", "online": "organization"}
_PUBLISHER_FIELD = {"techreport": "institution", "report": "institution", "phdthesis": "school",
                    "mastersthesis": "school", "thesis": "school"}
# What a text value cannot hold as it is; braces, which the KB's reading
# (pybtex) cannot get back, are left out of a text field (they stay in `printed`, read verbatim).
_LATEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "~": r"\textasciitilde{}", "{": "", "}": ""}


@dataclass(frozen=True)
class Duplicate:
    """A draft that was not added because references.bib (or an earlier draft) holds its work."""

    draft: Draft
    key: str  # the record it repeats
    why: str  # SAME_DOI or SAME_WORK


@dataclass(frozen=True)
class MergeOutcome:
    added: tuple[str, ...] = ()  # keys of the new entries, in order
    duplicates: tuple[Duplicate, ...] = ()
    text: str = ""  # references.bib as it is after the merge (as it was when nothing is added)
    diff: str = ""  # the change as a unified diff that `git apply` takes in the KB folder
    findings: list[Finding] = field(default_factory=list)  # why references.bib could not be read
    unreadable: bool = False  # references.bib could not be read: nothing was merged


@dataclass
class _Known:
    key: str
    doi: str
    year: str
    first: str  # the first author's folded family name, particles dropped
    title: str  # folded title words


def merge_drafts(root: Path, drafts: Sequence[Draft], *, write: bool = True) -> MergeOutcome:
    """Append the drafts that are new to `root`/references.bib (written only with `write`)."""
    path = root / BIB_NAME
    files = Files(root)
    content = files.read(path, BIB_NAME, limit=MAX_BIB_BYTES)
    if isinstance(content, Finding):
        return MergeOutcome(findings=[content], unreadable=True)
    text = decode(content, BIB_NAME)
    if isinstance(text, Finding):
        return MergeOutcome(findings=[text], unreadable=True)
    bib, findings = bibliography.parse(text, path, BIB_NAME)
    if any(f.rule in UNREADABLE_RULES for f in findings):
        return MergeOutcome(findings=findings, unreadable=True)
    known = [_known(work.key, work.doi or work.get("doiunverified"), work.year,
                    work.authors[0].family if work.authors else (work.editors[0].family if work.editors else ""),
                    work.title) for work in bib.works.values()]
    taken = {key.lower() for key in bib.lines} | {key.lower() for key in bib.works}
    raw = content.decode("utf-8")  # as it is on disk (line ends, byte order mark): what the diff applies to
    newline = "\r\n" if "\r\n" in raw else "\n"
    added: list[str] = []
    duplicates: list[Duplicate] = []
    entries: list[str] = []
    for draft in drafts:
        people = draft.authors or draft.editors
        record = _known("", draft.doi, draft.year, people[0][0] if people else "", draft.title)
        same = _same(record, known)
        if same is not None:
            duplicates.append(Duplicate(draft, *same))
            continue
        record.key = make_key(draft, taken)
        taken.add(record.key.lower())
        known.append(record)
        added.append(record.key)
        entries.append(entry_text(record.key, draft, newline))
    if not entries:
        return MergeOutcome(duplicates=tuple(duplicates), text=raw)
    ending = "" if not raw or raw.endswith(("\n", "\r")) else newline
    addition = ending + "".join(newline + entry for entry in entries)
    new_text = raw + addition
    if write:
        write_atomic(path, content + addition.encode("utf-8"))  # the bytes read, untouched, then the new ones
    return MergeOutcome(added=tuple(added), duplicates=tuple(duplicates), text=new_text,
                        diff=unified_diff(raw, new_text, BIB_NAME))


def _known(key: str, doi: str, year: str, family: str, title: str) -> _Known:
    return _Known(key=key, doi=doi.strip().lower(), year=year.strip(), first=fold(_PARTICLES.sub("", family)),
                  title=" ".join(fold(word) for word in title.split() if fold(word)))


def _same(draft: _Known, known: Sequence[_Known]) -> tuple[str, str] | None:
    """(key, why) of the record that holds the draft's work, or None."""
    if draft.doi:
        for record in known:
            if record.doi == draft.doi:
                return record.key, SAME_DOI
    if not draft.title:
        return None
    for record in known:
        if (record.year == draft.year and record.first == draft.first and record.title
                and difflib.SequenceMatcher(None, record.title, draft.title).ratio() >= TITLE_SIMILARITY):
            if record.doi and draft.doi and record.doi != draft.doi:
                continue  # two DOIs: two works, however alike their titles (Part 1 and Part 2)
            return record.key, SAME_WORK
    return None


def make_key(draft: Draft, taken: set[str]) -> str:
    """The first author's (or editor's) family name folded, particles joined, then the year, and a
    letter when that key is taken: `taken` holds the keys in use, lower case."""
    people = draft.authors or draft.editors
    if people:
        stem = fold(people[0][0])
    else:
        words = [fold(w) for w in draft.title.split()]
        stem = next((w for w in words if w and w not in _ARTICLES), "")
    base = (stem or "anon") + (re.sub(r"\D", "", draft.year) or "nd")
    if base not in taken and base + "a" not in taken:
        return base
    for letter in "abcdefghijklmnopqrstuvwxyz"[0 if base not in taken else 1:]:
        if base + letter not in taken:
            return base + letter
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def latex(value: str) -> str:
    """Plain text as a BibTeX value that the KB decodes back to the same text (braces left out)."""
    return "".join(_LATEX.get(char, char) for char in " ".join(value.split()))


def _verbatim(value: str) -> str:
    """A URL or DOI as biblatex reads it, character for character; a brace is percent-encoded."""
    return "".join(value.split()).replace("{", "%7B").replace("}", "%7D")


def _quoted(value: str) -> str:
    """A printed entry as a verbatim value: its text whole, braces kept when they pair up."""
    value = " ".join(value.split())
    return value if bibliography.verbatim("{" + value + "}") == value and bibliography.balanced(value) else (
        value.replace("{", "(").replace("}", ")"))


def _person(family: str, given: str) -> str:
    family, given = latex(family), latex(given)
    if not given:
        return f"{{{family}}}" if (" " in family or "," in family) else family
    if "," in family or re.search(r"\band\b", family, re.IGNORECASE):
        family = f"{{{family}}}"
    return f"{family}, {given}"


def fields_of(draft: Draft) -> list[tuple[str, str]]:
    """(name, BibTeX value without its braces) of every field the draft holds, in the KB's order."""
    container = _CONTAINER_FIELD.get(draft.entry_type, "journal" if draft.volume else "howpublished")
    publisher = _PUBLISHER_FIELD.get(draft.entry_type, "publisher")
    extra = {name.lower(): value for name, value in draft.extra.items() if value}
    rows: list[tuple[str, str]] = []

    def add(name: str, value: str, verbatim: bool = False) -> None:
        if value.strip() and name not in (n for n, _ in rows):
            rows.append((name, _verbatim(value) if verbatim else latex(value)))

    if draft.authors:
        rows.append(("author", " and ".join(_person(f, g) for f, g in draft.authors)))
    add("year", draft.year)
    add("title", draft.title)
    add(container, draft.container)
    if draft.editors:
        rows.append(("editor", " and ".join(_person(f, g) for f, g in draft.editors)))
    add("volume", draft.volume)
    add("number", draft.issue)
    add("pages", re.sub(r"(?<=\w)\s*[-\u2013\u2014]+\s*(?=\w)", "--", draft.pages))  # a range as BibTeX writes it
    add(publisher, draft.publisher or extra.pop(publisher, ""))
    for name in sorted(extra):
        if name not in ("urldate", "printed", "verificationstatus", "verification", "design"):
            add(name, extra[name])
    add("doi", draft.doi, verbatim=True)
    add("url", draft.url, verbatim=True)
    add("urldate", extra.get("urldate", ""))
    if draft.printed.strip():
        rows.append(("printed", _quoted(draft.printed)))
    status = draft.status or "listed"
    add("verificationstatus", status)
    where = f" ({draft.source})" if draft.source else ""
    came = f"read from a reference list{where} only" if draft.printed else f"imported{where}"
    add("verification", extra.get("verification") or f"{came}; not checked against any source")
    add("design", extra.get("design") or "unknown")
    return rows


def entry_text(key: str, draft: Draft, newline: str = "\n") -> str:
    """One BibTeX entry in the shipped file's layout, ending with `newline`."""
    rows = fields_of(draft)
    width = max([_WIDTH, *(len(name) for name, _ in rows)])
    lines = [f"@{draft.entry_type or 'misc'}{{{key},"]
    for number, (name, value) in enumerate(rows, 1):
        lines.append(f"  {name:<{width}} = {{{value}}}{',' if number < len(rows) else ''}")
    lines.append("}")
    return newline.join(lines) + newline


def _lines(text: str) -> list[str]:
    """Lines as git counts them: ended by "\n" only (a lone "\r" or U+2028 is part of a line)."""
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


def unified_diff(old: str, new: str, name: str) -> str:
    """The change from `old` to `new` as a patch `git apply` takes (a/NAME, b/NAME), marking a
    last line without a line ending as git does."""
    lines = difflib.unified_diff(_lines(old), _lines(new), f"a/{name}", f"b/{name}")
    out = []
    for line in lines:
        if line.endswith("\n"):
            out.append(line)
        else:
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)
