"""`kb verify --diff`: a unified diff that `git apply` takes from the KB's folder, changing only
the fields it names and leaving every other byte of references.bib as it was."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOTS
from verify_results import jansen, smith

from kb.bibliography import parse
from kb.verify import evidence
from kb.verify.diff import diff, patched
from kb.verify.model import FieldVerdict, RecordResult, Suggestion

GIT = shutil.which("git")
pytestmark = pytest.mark.skipif(GIT is None, reason="git is not installed")


def _git(folder: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {"GIT_CONFIG_NOSYSTEM": "1", "HOME": str(folder), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin"}
    return subprocess.run([str(GIT), *args], cwd=folder, input=stdin, capture_output=True, text=True, env=env,
                          check=False)


def _applied(tmp_path: Path, bib: str, results: list[RecordResult]) -> tuple[str, str]:
    """The diff, and references.bib after `git apply` of it in a git repository holding the KB's folder."""
    folder = tmp_path / "kb"
    folder.mkdir(exist_ok=True)
    (folder / "references.bib").write_bytes(bib.encode("utf-8"))
    assert _git(folder, "init", "-q").returncode == 0
    works = parse(bib, folder / "references.bib", "references.bib")[0].works
    patch = diff(bib, "references.bib", works, results)
    check = _git(folder, "apply", "--check", "-", stdin=patch)
    assert check.returncode == 0, check.stderr + patch
    assert _git(folder, "apply", "-", stdin=patch).returncode == 0
    return patch, (folder / "references.bib").read_bytes().decode("utf-8")


def _fields(bib: str) -> dict[str, dict[str, str]]:
    works, findings = parse(bib, Path("references.bib"), "references.bib")
    assert findings == []
    return {key: dict(work.fields) for key, work in works.works.items()}


def _changed(before: str, after: str) -> dict[str, dict[str, tuple[str, str]]]:
    """Key -> field -> (old, new), for every field that differs between the two files as the KB reads them."""
    old, new = _fields(before), _fields(after)
    assert list(old) == list(new)
    result: dict[str, dict[str, tuple[str, str]]] = {}
    for key in old:
        for name in sorted(set(old[key]) | set(new[key])):
            if old[key].get(name, "") != new[key].get(name, ""):
                result.setdefault(key, {})[name] = (old[key].get(name, ""), new[key].get(name, ""))
    return result


def _root(name: str) -> tuple[str, list[RecordResult]]:
    loaded, _ = evidence.load(ROOTS / name / "verification.json")
    assert loaded is not None
    return (ROOTS / name / "references.bib").read_text(encoding="utf-8"), list(loaded.values())


def test_recalled_doi_moves_to_doi_and_pmid_is_added(tmp_path: Path) -> None:
    bib, results = _root("recalled_doi_confirmed")
    patch, after = _applied(tmp_path, bib, results)
    assert patch.startswith("--- a/references.bib\n+++ b/references.bib\n@@ ")
    assert "-  doiunverified      = {10.1000/test.2020.1},\n+  doi                = {10.1000/test.2020.1},\n" in patch
    assert "+  pmid               = {31234567}\n" in patch
    assert _changed(bib, after) == {"smith2020": {"doi": ("", "10.1000/test.2020.1"),
                                                  "doiunverified": ("10.1000/test.2020.1", ""),
                                                  "pmid": ("", "31234567")}}
    # Every other line is as it was: the lines taken out and put in are those of the fields named.
    removed = [line for line in patch.splitlines()[2:] if line.startswith("-")]
    added = [line for line in patch.splitlines()[2:] if line.startswith("+")]
    assert removed == ["-  doiunverified      = {10.1000/test.2020.1},",
                       "-  verification       = {partly: journal and year seen; DOI from memory}"]
    assert added == ["+  doi                = {10.1000/test.2020.1},",
                     "+  verification       = {partly: journal and year seen; DOI from memory},",
                     "+  pmid               = {31234567}"]


def test_differing_fields_of_a_certain_match_are_replaced_in_place(tmp_path: Path) -> None:
    bib, results = _root("metadata_differs")
    patch, after = _applied(tmp_path, bib, results)
    # The year is one year apart (online first): named, not corrected.
    assert _changed(bib, after) == {"smith2020": {"pages": ("10--20", "10--21")}}
    assert patch.count("\n-  ") == 1 and patch.count("\n+  ") == 1


def test_nothing_to_change_is_an_empty_diff() -> None:
    bib = (ROOTS / "tiny" / "references.bib").read_text(encoding="utf-8")
    works = parse(bib, Path("references.bib"), "references.bib")[0].works
    assert diff(bib, "references.bib", works, [smith(), jansen()]) == ""


def test_uncertain_matches_change_nothing_but_a_recalled_doi() -> None:
    bib = (ROOTS / "tiny" / "references.bib").read_text(encoding="utf-8")
    works = parse(bib, Path("references.bib"), "references.bib")[0].works
    for status in ("ambiguous", "not-found", "lookup-failed"):
        result = smith(status, fields={"pages": FieldVerdict("differs", "10--20", "99-100", service="openalex")},
                       suggestions=(Suggestion("doi", "10.9999/other", "OpenAlex"),
                                    Suggestion("design", "cohort", "PubMed publication type Cohort Studies")))
        assert diff(bib, "references.bib", works, [dataclasses.replace(result, status=status)]) == ""
    wrong = smith("verified", fields={"pages": FieldVerdict("differs", "10--20", "99-100")},
                  doi_resolves_to_other="Another work")
    assert diff(bib, "references.bib", works, [wrong]) == ""


HARD = """% A comment before any entry: { unbalanced in a comment
@string{jt = "Journal of Tests"}

@article{smith2020,
    author = {Smith, Anna and {van der} Berg, Jan},
    title = "Movement {therapy} for ``anxiety'': a {\\em randomised} trial",
    journal = jt # { (Online)},
    year = 2020,
    volume = "12",
    pages = {10--20},
    note = {A note
            on two lines, with {braces} inside},
    doiunverified = {10.1000/test.2020.1}}

@book{jansen2018, author = {Jansen, Piet}, title = {Het lichaam}, publisher = {Boom}, year = {2018}}
trailing text without a line end"""


def test_hard_bibtex_keeps_every_other_byte(tmp_path: Path) -> None:
    """Quoted values, a concatenation with a macro, a bare year, a two-line value, the closing
    brace on the last field's line, an entry on one line, and a file without a final line end."""
    result = RecordResult(
        key="smith2020", status="verified", typed_status="",
        fields={"title": FieldVerdict("differs", "x", "Movement therapy for anxiety & stress", service="crossref"),
                "year": FieldVerdict("differs", "2020", "2021", service="crossref"),
                "volume": FieldVerdict("differs", "12", "13", service="crossref"),
                "authors": FieldVerdict("differs", "Smith", "Smyth", service="crossref"),
                "doi": FieldVerdict("match", "10.1000/test.2020.1", "10.1000/test.2020.1", service="crossref")},
        suggestions=(Suggestion("pmid", "31234567", "PubMed 31234567"),), matched="crossref:10.1000/test.2020.1")
    book = RecordResult(key="jansen2018", status="verified-core", typed_status="",
                        fields={"year": FieldVerdict("differs", "2018", "2019", service="crossref")},
                        suggestions=(Suggestion("pmid", "123", "PubMed 123"),))
    _, after = _applied(tmp_path, HARD, [result, book])
    assert _changed(HARD, after) == {
        "smith2020": {"doi": ("", "10.1000/test.2020.1"), "doiunverified": ("10.1000/test.2020.1", ""),
                      "pmid": ("", "31234567"),
                      "title": (_fields(HARD)["smith2020"]["title"], "Movement therapy for anxiety & stress"),
                      "volume": ("12", "13"), "year": ("2020", "2021")},
        "jansen2018": {"pmid": ("", "123"), "year": ("2018", "2019")}}
    assert '    title = "Movement therapy for anxiety \\& stress",\n' in after
    assert "    year = 2021,\n" in after and '    volume = "13",\n' in after
    assert "    doi = {10.1000/test.2020.1},\n    pmid = {31234567}\n}\n" in after
    assert "@book{jansen2018, author = {Jansen, Piet}, title = {Het lichaam}, publisher = {Boom}, year = {2019},\n" \
           "  pmid = {123}\n}" in after
    assert after.endswith("trailing text without a line end")


def test_crlf_file_keeps_its_line_ends(tmp_path: Path) -> None:
    bib, results = _root("recalled_doi_confirmed")
    crlf = bib.replace("\n", "\r\n")
    works = parse(bib, Path("references.bib"), "references.bib")[0].works
    text, made = patched(crlf, works, results)
    assert made == {"smith2020": {"doi": "10.1000/test.2020.1", "pmid": "31234567"}}
    assert "\n" not in text.replace("\r\n", "")
    _, after = _applied(tmp_path, crlf, results)
    assert after == text


def test_a_last_line_without_line_end_in_a_hunk(tmp_path: Path) -> None:
    bib = "@article{a,\n  title = {T},\n  year = {2020}\n}"
    result = RecordResult(key="a", status="verified", typed_status="",
                          fields={"year": FieldVerdict("differs", "2020", "2021")})
    patch, after = _applied(tmp_path, bib, [result])
    assert patch.endswith(" }\n\\ No newline at end of file\n")
    assert after == "@article{a,\n  title = {T},\n  year = {2021}\n}"


def test_a_value_that_would_break_the_file_is_left_out(tmp_path: Path) -> None:
    bib = "@article{a,\n  title = {T},\n  year = {2020}\n}\n"
    works = parse(bib, Path("references.bib"), "references.bib")[0].works
    result = RecordResult(key="a", status="verified", typed_status="",
                          fields={"title": FieldVerdict("differs", "T", "T} @misc{evil, title={x"),
                                  "container": FieldVerdict("differs", "", "Two\nlines")})
    assert diff(bib, "references.bib", works, [result]) == ""


def test_the_file_is_never_written(tmp_path: Path) -> None:
    bib, results = _root("recalled_doi_confirmed")
    path = tmp_path / "references.bib"
    path.write_text(bib, encoding="utf-8")
    works = parse(bib, path, "references.bib")[0].works
    assert diff(path.read_text(encoding="utf-8"), "references.bib", works, results)
    assert path.read_text(encoding="utf-8") == bib
