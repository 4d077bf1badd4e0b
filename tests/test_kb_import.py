"""`kb import FILE [--diff]` end to end: BibTeX, RIS, CSL-JSON and a list of DOIs merged into
references.bib through the command line; --diff as a patch git applies; bad files refused."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from verify_server import FakeService, Reply

from kb import bibliography

FIXTURES = Path(__file__).parent / "fixtures" / "intake"

ZOTERO_CSL = [  # Zotero's "Export Item... CSL JSON" shape: a list, ids, date-parts, particles apart
    {"id": "http://zotero.org/users/local/x/items/AB12CD34", "type": "article-journal",
     "title": "Arts therapies and Schema Focused therapy: A pilot study", "container-title": "The Arts in Psychotherapy",
     "page": "325-332", "volume": "38", "issue": "5",
     "author": [{"family": "Broek", "given": "Ellen", "non-dropping-particle": "van den"},
                {"family": "Bernstein", "given": "David P."}],
     "issued": {"date-parts": [["2011"]]}},
    {"id": "jansen2018-boek", "type": "chapter", "title": "Lichaamsgerichte interventies",
     "container-title": "Handboek vaktherapie", "publisher": "Bohn Stafleu van Loghum", "publisher-place": "Houten",
     "page": "43-64", "author": [{"family": "Jansen", "given": "P."}], "editor": [{"family": "Smit", "given": "A."}],
     "issued": {"date-parts": [[2018, 5]]}},
]
BIBTEX = """@article{anything,
  author = {Smith, Anna and Jones, Kim},
  title = {Movement therapy for anxiety: a randomised trial},
  journal = {Journal of Tests},
  year = {2020}
}

@book{other,
  author = {Visser, Karin},
  title = {Bewegen \\& voelen},
  publisher = {Boom},
  address = {Amsterdam},
  year = {2021}
}
"""
CROSSREF_WORK = {"status": "ok", "message": {
    "DOI": "10.1000/new.2019.7", "type": "journal-article", "title": ["Body awareness in practice"],
    "author": [{"family": "Leirvåg", "given": "Hanne"}, {"family": "Karterud", "given": "Sigmund"}],
    "container-title": ["Nordic Journal of Tests"], "volume": "64", "issue": "2", "page": "115-122",
    "issued": {"date-parts": [[2019, 3]]}, "publisher": "Taylor & Francis"}}


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _works(folder: Path) -> dict[str, bibliography.Work]:
    bib, findings = bibliography.load(folder / "references.bib", "references.bib")
    assert findings == []
    return bib.works


def test_bibtex_import_adds_the_new_and_names_the_duplicate(root, kb, tmp_path: Path) -> None:
    folder = root("tiny")
    before = (folder / "references.bib").read_bytes()
    source = _write(tmp_path, "export.bib", BIBTEX)
    result = kb("--kb", folder, "import", source)
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "added visser2021",
        f"{source}:1: already in references.bib as smith2020 (same title, year and first author): "
        "Movement therapy for anxiety: a randomised trial"]
    assert result.err.splitlines()[-1] == f"kb import: 2 records read from {source}; added 1, 1 already in references.bib"
    assert (folder / "references.bib").read_bytes().startswith(before)
    work = _works(folder)["visser2021"]
    assert (work.title, work.get("publisher"), work.get("address")) == ("Bewegen & voelen", "Boom", "Amsterdam")
    again = kb("--kb", folder, "import", source)  # a second import adds nothing
    assert again.code == 0 and "added" not in again.out
    assert again.out.count("already in references.bib") == 2


def test_ris_import(root, kb) -> None:
    folder = root("tiny")
    result = kb("--kb", folder, "import", FIXTURES / "crossref.ris")
    assert result.code == 0, result.err
    assert result.out.splitlines() == ["added sankar2014"]
    work = _works(folder)["sankar2014"]
    assert [a.family for a in work.authors] == ["Sankar", "Nieminen", "Ragni", "Xenarios", "Hardtke"]
    assert (work.entry_type, work.get("journal"), work.get("volume"), work.doi) == (
        "article", "eLife", "3", "10.7554/elife.01567")
    assert work.title.startswith("Automated quantitative histology")


def test_csljson_import_one_item_and_a_zotero_list(root, kb, tmp_path: Path) -> None:
    folder = root("tiny")
    assert kb("--kb", folder, "import", FIXTURES / "citeproc.json").out.splitlines() == ["added fenner2016"]
    fenner = _works(folder)["fenner2016"]
    assert ([(a.family, a.first) for a in fenner.authors], fenner.entry_type, fenner.get("organization")) == (
        [("Fenner", "Martin")], "online", "DataCite Blog")
    source = _write(tmp_path, "zotero.json", json.dumps(ZOTERO_CSL, indent=2))
    result = kb("--kb", folder, "import", source)
    assert result.out.splitlines() == ["added vandenbroek2011", "added jansen2018b"]  # jansen2018 is taken
    chapter = _works(folder)["jansen2018b"]
    assert (chapter.entry_type, chapter.get("booktitle"), chapter.get("pages"), [e.family for e in chapter.editors]) == (
        "incollection", "Handboek vaktherapie", "43--64", ["Smit"])
    assert _works(folder)["vandenbroek2011"].authors[0].family == "van den Broek"


def test_doi_list_is_looked_up_at_crossref(root, kb, tmp_path: Path, verify_server: FakeService) -> None:
    folder = root("tiny")
    (folder / "kb.toml").write_text(f'[verify]\nretries = 0\n\n[verify.services]\ncrossref = "{verify_server.url}crossref/"\n',
                                    encoding="utf-8")
    verify_server.script("crossref/works/10.1000/new.2019.7", Reply(body=CROSSREF_WORK))
    source = _write(tmp_path, "dois.txt", "# from the leaflet\nhttps://doi.org/10.1000/NEW.2019.7\n"
                                          "doi:10.1000/test.2020.1\n10.1000/unknown.1\n")
    verify_server.script("crossref/works/10.1000/test.2020.1", Reply(body={"status": "ok", "message": {
        "DOI": "10.1000/test.2020.1", "title": ["Movement therapy for anxiety"], "type": "journal-article"}}))
    result = kb("--kb", folder, "import", source)
    assert result.code == 1  # a DOI Crossref does not know is an error, and no record is made of it
    assert result.out.splitlines() == [
        "added leirvag2019", f"{source}:3: already in references.bib as smith2020 (same DOI): Movement therapy for anxiety"]
    assert f"{source}:4: error: 10.1000/unknown.1: Crossref does not know this DOI; no record is made of it [doi-not-found]" \
        in result.err
    work = _works(folder)["leirvag2019"]
    assert (work.verification_status, work.get("journal"), work.get("pages"), work.doi, work.get("publisher")) == (
        "verified", "Nordic Journal of Tests", "115--122", "10.1000/new.2019.7", "Taylor & Francis")
    assert [(a.family, a.first) for a in work.authors] == [("Leirvåg", "Hanne"), ("Karterud", "Sigmund")]
    assert "unknown" not in (folder / "references.bib").read_text(encoding="utf-8").split("leirvag2019")[1].split(
        "verification ")[0]


def test_diff_is_a_patch_git_applies(root, kb, tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    folder = root("tiny")
    (folder / "references.bib").write_bytes((folder / "references.bib").read_bytes().replace(b"\n", b"\r\n"))
    for command in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@example.org",
                                                    "commit", "-qm", "base"]):
        subprocess.run(["git", *command], cwd=folder, check=True)
    before = (folder / "references.bib").read_bytes()
    source = _write(tmp_path, "export.bib", BIBTEX)
    result = kb("--kb", folder, "import", source, "--diff")
    assert result.code == 0
    assert (folder / "references.bib").read_bytes() == before  # --diff changes nothing
    assert result.out.startswith("--- a/references.bib\n+++ b/references.bib\n")
    patch = _write(tmp_path, "change.patch", "")
    patch.write_bytes(result.out.encode("utf-8"))
    subprocess.run(["git", "apply", str(patch)], cwd=folder, check=True)
    applied = (folder / "references.bib").read_bytes()
    assert applied.startswith(before) and b"@book{visser2021,\r\n" in applied
    kb("--kb", folder, "import", source)  # the same change, made: byte for byte what the patch gave
    subprocess.run(["git", "checkout", "-q", "references.bib"], cwd=folder, check=True)
    assert kb("--kb", folder, "import", source).code == 0
    assert (folder / "references.bib").read_bytes() == applied


@pytest.mark.parametrize(("name", "content", "message"), [
    ("bad.json", '[\n  {"id": "a",\n   "title": }\n]\n', "bad.json:3: error: cannot read CSL-JSON: Expecting value"),
    ("bad.json", '{"items": 3}', "bad.json:1: error: not CSL-JSON: a CSL-JSON file is a list of items (objects)"),
    ("bad.ris", "TY  - JOUR\nTI  - A\nER  - \nTY  - BOOK\nTI  - B\n",
     "bad.ris:4: error: this RIS record has no end ('ER  - ')"),
    ("bad.ris", "Title: something\nTY  - JOUR\nER  - \n",
     "bad.ris:1: error: not RIS: a record starts with a tag such as 'TY  - ', not 'Title: something'"),
    ("dois.txt", "10.1000/a.1\nsee the leaflet\n", "dois.txt:2: error: not a DOI: 'see the leaflet'"),
    ("bad.bib", "@article{x,\n  title = {unclosed\n", "bad.bib:1: error: cannot read BibTeX"),
])
def test_bad_files_are_located_and_nothing_is_written(root, kb, tmp_path: Path, name: str, content: str,
                                                       message: str) -> None:
    folder = root("tiny")
    before = (folder / "references.bib").read_bytes()
    source = _write(tmp_path, name, content)
    result = kb("--kb", folder, "import", source)
    assert result.code == 2
    assert result.err.splitlines()[0].startswith(f"{tmp_path / message}"), result.err
    assert "Traceback" not in result.err
    assert result.err.splitlines()[-1] == f"kb import: cannot read {source}; nothing was written"
    assert (folder / "references.bib").read_bytes() == before


def test_missing_file_and_missing_kb(root, kb, tmp_path: Path) -> None:
    folder = root("tiny")
    result = kb("--kb", folder, "import", tmp_path / "nothing.bib")
    assert result.code == 2 and "nothing.bib:0: error:" in result.err
    assert kb("--kb", tmp_path / "nowhere", "import", FIXTURES / "crossref.ris").code == 2
