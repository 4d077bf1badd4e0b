"""Arbitrary and mutated input for the BibTeX loader, the claims loader and the citation extractor:
each loads or gives located findings, never a traceback, never a hang."""

from __future__ import annotations

import contextlib
import importlib
import io
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import REPO, ROOTS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pybtex.database import Person

from kb import bibliography, bibtex, claims
from kb.cli import main

# Generous per-example deadlines: a hang fails, a busy machine does not.
QUICK = settings(max_examples=300, deadline=timedelta(seconds=5), suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=40, deadline=timedelta(seconds=20),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

BIB_PIECES = ["@article{", "@book(", "@string{", "@comment{", "@preamble{", "key2020,", "author = ", "title=",
              "{", "}", "(", ")", '"', ",", "=", "#", "%", "\\", "\\\"u", "{\\'e}", "~", "$x$", " and ",
              "van der ", "Jr, ", "--", "\n", "\n\n", " ", "\t", "jan", "2020", "é", "@", "\r\n"]
YAML_PIECES = ["claims:", "document:", "  - id: a", "    text: ", "sources:", "- key: k", "fit: supports",
               "kind: service", "&a", "*a", "!!int", "'", '"', "\\", ":", "-", "[", "]", "{", "}", "#", "|",
               ">", "\n", "  ", "\t", "? ", "null", "~", "é", "%YAML 1.1\n", "---\n", "...\n", "x"]
SEEDS_BIB = [ROOTS / "tiny" / "references.bib", ROOTS / "every_fit" / "references.bib", REPO / "references.bib"]
SEEDS_YAML = [ROOTS / "tiny" / "claims" / "folder.yaml", ROOTS / "every_fit" / "claims" / "folder.yaml",
              REPO / "claims" / "npi-pmt.yaml"]


def _text(pieces: list[str]) -> st.SearchStrategy[str]:
    return st.lists(st.one_of(st.sampled_from(pieces), st.text(max_size=4)), max_size=60).map("".join)


@st.composite
def _mutated(draw: st.DrawFn, seeds: list[Path]) -> str:
    """A real file with a few characters deleted, inserted or swapped, or lines repeated or cut."""
    text = draw(st.sampled_from(seeds)).read_text(encoding="utf-8")
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["delete", "insert", "replace", "repeat", "truncate"]))
        piece = draw(st.sampled_from(["{", "}", '"', ",", "=", "@", "\n", ":", "-", "  ", "#", "\\", "é", ""]))
        if kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 20)):]
        elif kind == "insert":
            text = text[:at] + piece + text[at:]
        elif kind == "replace":
            text = text[:at] + piece + text[at + 1:]
        elif kind == "repeat":
            line_end = text.find("\n", at)
            text = text[:line_end] + text[text.rfind("\n", 0, at):line_end] + text[line_end:] if line_end > 0 else text
        else:
            text = text[:at]
    return text


def _located(findings: list, path: str, text: str) -> None:
    last = len(text.splitlines()) + 1  # YAML also breaks lines at \r, \x85, \u2028 and \u2029
    for finding in findings:
        assert finding.location.path == path
        assert 1 <= finding.location.line <= last, finding.format()
        assert finding.format().startswith(f"{path}:{finding.location.line}: error: ")


def _parse_both_ways(text: str) -> None:
    """Loads with located findings; and the fast reader agrees with pybtex on whatever it reads."""
    bib, findings = bibliography.parse(text, Path("references.bib"), "references.bib")
    _located(findings, "references.bib", text)
    for work in bib.works.values():
        assert work.key in text and 1 <= work.line <= text.count("\n") + 1
    original = bibtex.read_entry
    bibtex.read_entry = lambda chunk, macros: None
    try:
        slow, slow_findings = bibliography.parse(text, Path("references.bib"), "references.bib")
    finally:
        bibtex.read_entry = original
    assert [f.format() for f in findings] == [f.format() for f in slow_findings]
    assert list(bib.works) == list(slow.works)
    for key, work in bib.works.items():
        other = slow.works[key]
        assert (work.entry_type, work.line, work.authors, work.editors, work.fields) == (
            other.entry_type, other.line, other.authors, other.editors, other.fields)


@QUICK
@given(_text(BIB_PIECES))
def test_bibtex_loader_takes_arbitrary_text(text: str) -> None:
    _parse_both_ways(text)


@QUICK
@given(_mutated(SEEDS_BIB))
def test_bibtex_loader_takes_mutated_files(text: str) -> None:
    _parse_both_ways(text)


WORD = st.text(st.sampled_from("abcdeABCDE-'.é1 "), min_size=1, max_size=8).map(str.strip).filter(bool)


@QUICK
@given(st.lists(st.one_of(WORD, st.sampled_from(["van", "der", "de", "la", ",", "Jr", "and", "d'Arc", "-x"])),
                max_size=8).map(" ".join))
def test_plain_names_split_as_pybtex_splits_them(name: str) -> None:
    parts = bibtex.split_name(name)
    if parts is None:
        return  # more than three commas: pybtex reads those
    person = Person(name)
    assert parts == (person.first_names + person.middle_names, person.prelast_names, person.last_names,
                     person.lineage_names)


@pytest.fixture(scope="module")
def yaml_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("yaml") / "claims" / "a.yaml"


def _load_claims(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    document, findings = claims.load(path, "claims/a.yaml")
    _located(findings, "claims/a.yaml", text)
    if document is not None:
        assert all(1 <= claim.line <= len(text.splitlines()) + 1 for claim in document.claims)
    else:
        assert findings


@QUICK
@given(text=_text(YAML_PIECES))
def test_claims_loader_takes_arbitrary_text(yaml_file: Path, text: str) -> None:
    _load_claims(yaml_file, text)


@QUICK
@given(text=_mutated(SEEDS_YAML))
def test_claims_loader_takes_mutated_files(yaml_file: Path, text: str) -> None:
    _load_claims(yaml_file, text)


FINDING_LINE = re.compile(r"^[^:\n]+:\d+: (error|warning|info): .+ \[[a-z-]+\]$")


@SLOW
@given(bib=_mutated(SEEDS_BIB[:2]), yaml_text=_mutated(SEEDS_YAML[:2]), leaflet=_mutated([ROOTS / "tiny" / "claims" / "folder.txt"]))
def test_the_command_never_shows_a_traceback(tmp_path: Path, bib: str, yaml_text: str, leaflet: str) -> None:
    folder = tmp_path / "kb"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "claims").mkdir(parents=True)
    (folder / "references.bib").write_text(bib, encoding="utf-8")
    (folder / "claims" / "folder.yaml").write_text(yaml_text, encoding="utf-8")
    (folder / "claims" / "folder.txt").write_text(leaflet, encoding="utf-8")
    for command in (["audit"], ["report"], ["export", "json"]):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--kb", str(folder), *command])
        assert code in (0, 1, 2), err.getvalue()
        lines = err.getvalue().splitlines()
        if code == 2:
            assert lines[-1].startswith("kb: cannot read the knowledge base")
            lines = lines[:-1]
        assert all(FINDING_LINE.match(line) for line in lines), err.getvalue()


@QUICK
@given(_text(["(", ")", "Koch", " et al.", ", ", "2014", "2014a", "; ", "&", " en ", "e.g. ", "zie ", "p. 3",
              "Roemen- van Haaren", "\n", "Bernstein", "van der Kolk", "n.d.", " (", "). ", "é", "[", "]"]))
def test_citation_extractor_takes_arbitrary_text(text: str) -> None:
    citations = importlib.import_module("kb.citations.parse")
    extract = importlib.import_module("kb.citations.extract")
    for group in citations.find(text):
        assert 0 <= group.start < group.end <= len(text)
        assert text[group.start:group.end] == group.text
        for citation in group.citations:
            assert group.start <= citation.start < citation.end <= group.end
    works = bibliography.parse((ROOTS / "tiny" / "references.bib").read_text(encoding="utf-8"),
                               Path("references.bib"), "references.bib")[0].works
    extraction = extract.extract(text, works, "folder")
    assert extract.as_json(extraction) and extract.as_yaml(extraction, "folder.txt")


def test_aliases_cannot_multiply_a_claims_file(yaml_file: Path) -> None:
    lines = ["claims:", "  - id: c0", "    text: x", "    sources: &big"]
    lines += [f"      - k{number}" for number in range(300)]
    for number in range(1, 300):
        lines += [f"  - id: c{number}", "    text: x", "    sources: *big"]
    yaml_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    document, findings = claims.load(yaml_file, "claims/a.yaml")
    assert document is None
    assert [f.format() for f in findings] == [
        "claims/a.yaml:4: error: a YAML alias repeats the list or mapping anchored here; write each claim and "
        "source out (aliases can multiply a small file into millions of links) [claims-schema]"]
    yaml_file.write_text('claims:\n  - id: a\n    text: &said "Bewegen helpt (Smith & Jones, 2020)."\n'
                         '  - id: b\n    text: *said\n', encoding="utf-8")
    document, findings = claims.load(yaml_file, "claims/a.yaml")  # an alias of a text repeats nothing large
    assert findings == [] and document is not None
    assert [c.text for c in document.claims] == ["Bewegen helpt (Smith & Jones, 2020)."] * 2


def test_string_macros_cannot_multiply_a_bibliography() -> None:
    lines = ['@string{m0 = "abcdefghij"}']
    lines += [f"@string{{m{number} = m{number - 1} # m{number - 1}}}" for number in range(1, 40)]
    lines += ["@article{a2020,", "  title = m39,", "  year = {2020}", "}"]
    text = "\n".join(lines) + "\n"
    bib, findings = bibliography.parse(text, Path("references.bib"), "references.bib")
    assert findings[0].format() == ("references.bib:15: error: cannot read BibTeX: the @string m14 would be "
                                    "163,840 characters long; it is ignored [bibtex-syntax]")
    assert all(f.rule == "bibtex-syntax" and f.location.line > 15 for f in findings[1:])
    assert "a2020" in bib.works and bib.works["a2020"].title == ""
