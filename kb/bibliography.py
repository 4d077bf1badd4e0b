"""The bibliography: `references.bib` read into `Work` records, with the line of each entry."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import pybtex.errors
from pybtex.database import BibliographyData, Entry, Person
from pybtex.backends import BaseBackend
from pybtex.database.input.bibtex import Parser
from pybtex.plugin import find_plugin
from pybtex.richtext import Text
from pybtex.scanner import PrematureEOF, PybtexError, PybtexSyntaxError

from kb.findings import Finding, Location, Severity

# Short, machine-readable verification states, strongest first.
VERIFICATION_STATES = ("verified", "verified-core", "partly", "from-memory", "unresolved")

_ENTRY_START = re.compile(r"@\s*([A-Za-z]+)\s*[{(]\s*([^,\s{}()]+)\s*,")


@dataclass(frozen=True)
class Name:
    """One person's name, LaTeX decoded."""

    first: str  # given names and middle names, e.g. "Sabine C."
    von: str  # particles, as written, e.g. "van den"
    last: str  # surname without particles, e.g. "Broek"
    jr: str = ""  # lineage, e.g. "Jr."

    @property
    def family(self) -> str:
        """The surname as it is cited: particles included ("van den Broek")."""
        return f"{self.von} {self.last}".strip()


@dataclass(frozen=True)
class Work:
    """One entry of references.bib with its evidence metadata."""

    key: str  # the BibTeX key
    entry_type: str  # article, book, incollection, ...
    line: int  # line of the entry's `@type{key,` in the file
    authors: tuple[Name, ...]  # in order; empty for an anonymous work
    editors: tuple[Name, ...]  # editors of the container, if any
    year: str  # as written; may be "" when missing
    title: str  # LaTeX decoded
    fields: dict[str, str] = field(hash=False, compare=False)  # every field, decoded, lower-case names
    raw: Entry | None = field(default=None, hash=False, compare=False, repr=False)  # pybtex's entry

    def get(self, name: str, default: str = "") -> str:
        return self.fields.get(name, default)

    @property
    def design(self) -> str:
        return self.get("design")

    @property
    def verification_status(self) -> str:
        return self.get("verificationstatus")

    @property
    def doi(self) -> str:
        """A DOI that was seen in a source; a recalled one stays in `doiunverified`."""
        return self.get("doi")

    def short_citation(self) -> str:
        """`Koch et al. (2014)`-style label for terminals and tables (not APA output)."""
        names = [a.family for a in self.authors]
        if not names:
            who = self.title[:40]
        elif len(names) == 1:
            who = names[0]
        elif len(names) == 2:
            who = f"{names[0]} & {names[1]}"
        else:
            who = f"{names[0]} et al."
        who = who[:1].upper() + who[1:]
        return f"{who} ({self.year or 'n.d.'})"


@dataclass(frozen=True)
class Bibliography:
    """All works of a KB, by key, in file order."""

    path: Path  # the .bib file read
    works: dict[str, Work]  # key -> work, in file order
    lines: dict[str, list[int]] = field(hash=False, compare=False)  # key -> every line it starts at


@cache
def _text_backend() -> BaseBackend:
    # render_as("text") looks the backend up among the installed plugins on every
    # call, which cost more than all the parsing of a large file: look it up once.
    return find_plugin("pybtex.backends", "text")()


@lru_cache(maxsize=65536)
def decode(value: str) -> str:
    """LaTeX markup and accents to plain Unicode text ("B{\\"u}hring" -> "Bühring")."""
    if not any(c in value for c in "\\{}$~"):
        return value
    try:
        return str(Text.from_latex(value).render(_text_backend()))
    except (PybtexError, ValueError, IndexError):
        return value


def _name(person: Person) -> Name:
    return Name(
        first=decode(" ".join(person.first_names + person.middle_names)),
        von=decode(" ".join(person.prelast_names)),
        last=decode(" ".join(person.last_names)),
        jr=decode(" ".join(person.lineage_names)),
    )


def index_lines(text: str) -> dict[str, list[int]]:
    """Key -> the line numbers where an entry with that key starts (pybtex keeps none)."""
    lines: dict[str, list[int]] = {}
    line, counted = 1, 0
    for match in _ENTRY_START.finditer(text):
        if match.group(1).lower() in ("string", "preamble", "comment"):
            continue
        line += text.count("\n", counted, match.start())  # from the last match on: linear
        counted = match.start()
        lines.setdefault(match.group(2), []).append(line)
    return lines


_CHUNK_START = re.compile(r"^[ \t]*@[ \t]*[A-Za-z]+[ \t]*[{(]", re.MULTILINE)


def _chunks(text: str) -> list[tuple[int, str]]:
    """The text cut before each line that opens an entry, with each piece's first line.

    Parsing entry by entry keeps one unbalanced brace from swallowing the rest of
    the file, and gives every syntax error the line of its own entry.
    """
    starts = [m.start() for m in _CHUNK_START.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    bounds = starts + [len(text)]
    pieces = []
    line = 1
    for begin, end in zip(bounds, bounds[1:]):
        pieces.append((line, text[begin:end]))
        line += text.count("\n", begin, end)
    return pieces


def _entry_line(message: str, lines: dict[str, list[int]], default: int) -> int:
    for word in re.split(r"[\s:]+", message):
        if word in lines:
            return lines[word][-1]
    return default


def parse(text: str, path: Path, display: str) -> tuple[Bibliography, list[Finding]]:
    """Read BibTeX `text`; every syntax problem becomes an error finding, none is raised."""
    lines = index_lines(text)
    findings: list[Finding] = []
    parser = Parser()
    for first_line, chunk in _chunks(text):
        with pybtex.errors.capture() as captured:
            try:
                parser.parse_string(chunk)
            except PybtexError as error:  # raised past capture(): keep what was read
                captured.append(error)
        for error in captured:
            findings.append(_finding(error, first_line, lines, display))
    data: BibliographyData = parser.data
    works: dict[str, Work] = {}
    for key, entry in data.entries.items():
        fields = {name.lower(): decode(str(value)) for name, value in entry.fields.items()}
        works[key] = Work(
            key=key,
            entry_type=entry.type.lower(),
            line=lines.get(key, [0])[0],
            authors=tuple(_name(p) for p in entry.persons.get("author", [])),
            editors=tuple(_name(p) for p in entry.persons.get("editor", [])),
            year=fields.get("year", ""),
            title=fields.get("title", ""),
            fields=fields,
            raw=entry,
        )
    return Bibliography(path=path, works=works, lines=lines), findings


def _finding(error: Exception, first_line: int, lines: dict[str, list[int]], display: str) -> Finding:
    message = str(error)
    if message.startswith(("repeated bibliograhpy entry", "repeated bibliography entry")):
        key = message.rsplit(":", 1)[-1].strip()
        found = lines.get(key, [0])
        return Finding(
            Location(display, found[-1]), Severity.ERROR, "duplicate-key",
            f"the key {key} is used again (first at line {found[0]}); this entry is ignored",
            key=key,
        )
    if isinstance(error, PrematureEOF):
        message = "the entry is not closed before the next entry or the end of the file (unbalanced braces?)"
        line = first_line
    elif isinstance(error, PybtexSyntaxError):
        message = re.sub(r" in line \d+", "", message)
        line = first_line + (error.lineno or 1) - 1
    else:
        line = _entry_line(message, lines, first_line)
    return Finding(
        Location(display, line), Severity.ERROR, "bibtex-syntax", f"cannot read BibTeX: {message}")


def load(path: Path, display: str) -> tuple[Bibliography, list[Finding]]:
    """Read the .bib file at `path`; a missing or undecodable file is one error finding."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Bibliography(path, {}, {}), [Finding(
            Location(display, 0), Severity.ERROR, "unreadable-input", "file not found")]
    except UnicodeDecodeError as error:
        line = error.object[: error.start].count(b"\n") + 1
        return Bibliography(path, {}, {}), [Finding(
            Location(display, line), Severity.ERROR, "unreadable-input",
            f"not UTF-8: byte 0x{error.object[error.start]:02x} cannot be decoded")]
    return parse(text, path, display)
