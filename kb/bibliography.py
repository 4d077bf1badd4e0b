"""The bibliography: `references.bib` read into `Work` records, with the line of each entry."""

from __future__ import annotations

import itertools
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from kb.findings import BIBTEX_SYNTAX, DUPLICATE_KEY, Finding, Location
from kb.identifiers import KEY_CHARACTERS, bad_key_character, named
from kb.paths import LOOSE, MAX_BIB_BYTES, Files

if TYPE_CHECKING:  # pybtex is imported where it reads: a build whose bibliography is kept never does
    from pybtex.backends import BaseBackend
    from pybtex.database import Person

# Short, machine-readable verification states, strongest first.
# `listed`: the record was drafted from the citing text's reference list (kb add, kb import) and
# seen nowhere else.
VERIFICATION_STATES = ("verified", "verified-core", "partly", "from-memory", "listed", "unresolved")

MACRO_LIMIT = 100_000  # characters of one @string: a page of text is 3,000

_ENTRY_START = re.compile(r"@\s*([A-Za-z]+)\s*[{(]\s*([^,\s{}()]+)\s*,")

# biblatex's verbatim fields, the KB's recalled DOI and the printed entry of a reference list
# (`printed`, kb import): addresses, identifiers and quotations read character for character. A `~` in a URL is a tilde, not a no-break space, and
# a `%` is part of a percent-encoding, not the start of a LaTeX comment, so these are never decoded.
VERBATIM_FIELDS = frozenset({"url", "doi", "doiunverified", "eprint", "file", "pdf", "verba", "verbb", "verbc",
                             "printed"})


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class Work:
    """One entry of references.bib with its evidence metadata."""

    key: str  # the BibTeX key
    entry_type: str  # article, book, incollection, ...
    line: int  # line of the entry's `@type{key,` in the file
    authors: tuple[Name, ...]  # in order; empty for an anonymous work
    editors: tuple[Name, ...]  # editors of the container, if any
    year: str  # as written; may be "" when missing
    title: str  # LaTeX decoded
    fields: dict[str, str] = field(hash=False, compare=False)  # every field, lower-case names (see field_value)

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
    from pybtex.plugin import find_plugin

    return find_plugin("pybtex.backends", "text")()


# Text whose only markup is braces: no command, math, comment, tie, ligature (-- '' ,, ?` !`)
# or run of spaces, all of which pybtex's lexer would change.
_BRACES_ONLY = re.compile(r"(?:[^\\$~%\-`',\s]| (?! )|-(?!-)|'(?!')|,(?!,))*")


def balanced(value: str) -> bool:
    """Whether every brace of `value` closes one opened before it, and all are closed."""
    depth = 0
    for char in value:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


@lru_cache(maxsize=65536)
def decode(value: str) -> str:
    """LaTeX markup and accents to plain Unicode text ("B{\\"u}hring" -> "Bühring")."""
    if not any(c in value for c in "\\{}$~"):
        return value
    if not value.startswith(" ") and _BRACES_ONLY.fullmatch(value) and balanced(value):
        return value.replace("{", "").replace("}", "")  # what pybtex renders, without its lexer
    from pybtex.richtext import Text
    from pybtex.scanner import PybtexError

    try:
        return str(Text.from_latex(value).render(_text_backend()))
    except (PybtexError, ValueError, IndexError):
        return value


def verbatim(value: str) -> str:
    """A verbatim field's value as written: only braces around the whole value are removed
    (`{{10.1000/x}}` is 10.1000/x); a `~`, `%`, `\\` or brace inside stays."""
    value = value.strip()
    while value.startswith("{") and value.endswith("}") and balanced(value[1:-1]):
        value = value[1:-1].strip()
    return value


def field_value(name: str, value: str) -> str:
    """The value of field `name` (lower case) as the KB keeps it: decoded, or verbatim."""
    return verbatim(value) if name in VERBATIM_FIELDS else decode(value)


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
    for begin, end in itertools.pairwise(bounds):
        pieces.append((line, text[begin:end]))
        line += text.count("\n", begin, end)
    return pieces


def _entry_line(message: str, lines: dict[str, list[int]], default: int) -> int:
    for word in re.split(r"[\s:]+", message):
        if word in lines:
            return lines[word][-1]
    return default


def _names(strings: list[str]) -> tuple[Name, ...] | None:
    from kb import bibtex

    names = []
    for string in strings:
        parts = bibtex.split_name(string)
        if parts is not None:
            names.append(Name(*(decode(" ".join(words)) for words in parts)))
            continue
        import pybtex.errors
        from pybtex.database import Person

        with pybtex.errors.capture() as captured:
            person = Person(string)
        if captured:
            return None  # pybtex reads the entry again, and words the problem itself
        names.append(_name(person))
    return tuple(names)


@lru_cache(maxsize=4096)
def _lower(name: str) -> str:
    """A field's or type's name in lower case, one string for all the works that have it: a large
    KB's works hold a dozen fields each, and each name read anew was a string of its own."""
    return sys.intern(name.lower())


def _fields(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Field name (lower case) -> its value as the KB keeps it (`field_value`)."""
    fields = {}
    for name, value in pairs:
        lower = _lower(name)
        fields[lower] = field_value(lower, value)
    return fields


def _work(key: str, entry_type: str, line: int, fields: dict[str, str], authors: tuple[Name, ...],
          editors: tuple[Name, ...]) -> Work:
    # pybtex's entry is not kept: a large KB's works would hold its whole database
    return Work(key=sys.intern(key), entry_type=_lower(entry_type), line=line, authors=authors, editors=editors,
                year=fields.get("year", ""), title=fields.get("title", ""), fields=fields)


def parse(text: str, path: Path, display: str) -> tuple[Bibliography, list[Finding]]:
    """Read BibTeX `text`; every syntax problem becomes an error finding, none is raised.

    Each entry is read on its own: by the fast reader when it is plain, else by pybtex.
    """
    import pybtex.errors
    from pybtex.database import BibliographyData
    from pybtex.database.input.bibtex import Parser
    from pybtex.scanner import PybtexError

    from kb import bibtex

    lines = index_lines(text)
    findings: list[Finding] = []
    parser = Parser()
    macros = {name.lower(): value for name, value in parser.macros.items()}
    works: dict[str, Work] = {}
    first_spelling: dict[str, str] = {}  # lower-case key -> the key as first written

    def add(work: Work, line: int) -> None:
        bad = bad_key_character(work.key)
        if bad is not None:  # pybtex takes any key without a space, comma or brace: the KB does not
            findings.append(BIBTEX_SYNTAX.finding(Location(display, line), f"cannot read BibTeX: the key {work.key} holds {named(bad)}, which a key "
                                                  f"cannot hold ({KEY_CHARACTERS}); this entry is ignored", key=work.key))
            return
        seen = first_spelling.setdefault(work.key.lower(), work.key)
        if seen in works:  # pybtex's rule: keys are case-insensitive, the first one stays
            findings.append(DUPLICATE_KEY.finding(Location(display, line), f"the key {work.key} is used again (first at line {works[seen].line}); this entry is ignored",
                key=work.key))
            return
        works[work.key] = work

    for first_line, chunk in _chunks(text):
        entry = bibtex.read_entry(chunk, macros)
        if entry is not None:
            authors = _names(entry.persons.get("author", []))
            editors = _names(entry.persons.get("editor", []))
            if authors is not None and editors is not None:
                fields = _fields(entry.fields)
                add(_work(entry.key, entry.entry_type, first_line, fields, authors, editors), first_line)
                continue
        parser.data = BibliographyData()  # this chunk's entries only; its macros stay
        with pybtex.errors.capture() as captured:
            try:
                parser.parse_string(chunk)
            except PybtexError as error:  # raised past capture(): keep what was read
                captured.append(error)
        for problem in captured:
            findings.append(_finding(problem, first_line, lines, display))
        for key, parsed in parser.data.entries.items():
            if key.startswith("unnamed-") and key not in chunk:
                continue  # pybtex's name for an entry whose key it could not read: reported above
            fields = _fields((name, str(value)) for name, value in parsed.fields.items())
            line = next((at for at in lines.get(key, []) if at >= first_line), first_line)
            add(_work(key, parsed.type, line,
                      fields, tuple(_name(p) for p in parsed.persons.get("author", [])),
                      tuple(_name(p) for p in parsed.persons.get("editor", []))), line)
        for name, value in list(parser.macros.items()):
            if len(value) > MACRO_LIMIT:  # @string{b = a # a} doubles a text at every line
                del parser.macros[name]
                findings.append(BIBTEX_SYNTAX.finding(Location(display, first_line), f"cannot read BibTeX: the @string {name} would be {len(value):,} "
                                        "characters long; it is ignored"))
        macros = {name.lower(): value for name, value in parser.macros.items()}
    return Bibliography(path=path, works=works, lines=lines), findings


def _finding(error: Exception, first_line: int, lines: dict[str, list[int]], display: str) -> Finding:
    from pybtex.scanner import PrematureEOF, PybtexSyntaxError

    message = str(error)
    if message.startswith(("repeated bibliograhpy entry", "repeated bibliography entry")):
        key = message.rsplit(":", 1)[-1].strip()
        found = lines.get(key) or [first_line]  # a key the line index missed: its chunk's line
        return DUPLICATE_KEY.finding(Location(display, found[-1]), f"the key {key} is used again (first at line {found[0]}); this entry is ignored",
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
    return BIBTEX_SYNTAX.finding(Location(display, line), f"cannot read BibTeX: {message}")


def load(path: Path, display: str, files: Files = LOOSE) -> tuple[Bibliography, list[Finding]]:
    """Read the .bib file at `path`; a missing, undecodable or refused file (`kb.paths`) is one error finding."""
    text = files.read_text(path, display, limit=MAX_BIB_BYTES)
    if isinstance(text, Finding):
        return Bibliography(path, {}, {}), [text]
    return parse(text, path, display)
