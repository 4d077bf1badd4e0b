"""`kb add`: a leaflet file made claims/DOC.txt and a draft claims/DOC.yaml, its reference list
parsed and merged; never over existing files without --force; a bad id or source is one line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import REPO, Result
from verify_server import FakeService, Reply

from kb.bibliography import load

LITERATUUR = """# Wat is PMT?

PMT is een ervaringsgerichte therapie die helpt bij het reguleren van emoties (Koch, Kunz, Lykou, & Cruz, 2014).

## Kosten

De behandeling wordt vergoed via de Zorgverzekeringswet.

## Literatuur

Koch, S., Kunz, T., Lykou, S., & Cruz, R. (2014). Effects of dance movement therapy and dance on health-related \
psychological outcomes: A meta-analysis. The Arts in Psychotherapy, 41(1), 46-64. \
https://doi.org/10.1016/j.aip.2013.10.004 Van der Kolk, B. A. (2014). The body keeps the score. Viking.
"""


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_add_a_markdown_leaflet(tmp_path: Path, root: Callable[[str], Path], kb: Callable[..., Result]) -> None:
    folder = root("tiny")
    source = tmp_path / "npi.txt"
    source.write_text((REPO / "claims" / "npi-pmt.txt").read_text(encoding="utf-8"), encoding="utf-8")
    result = kb("--kb", folder, "add", "npi", source, "--publisher", "NPI (Arkin)", "--title", "Wat is PMT?")
    assert result.code == 0, result.err
    assert result.out.splitlines()[:2] == ["wrote claims/npi.txt", "wrote claims/npi.yaml"]
    assert "kb add: 'Wat is PMT?' (nl): draft claims" in result.out
    assert "16 citation groups, 20 citations" in result.out and "no reference list" in result.out
    claims = yaml.safe_load((folder / "claims" / "npi.yaml").read_text(encoding="utf-8"))
    assert claims["document"] == {"title": "Wat is PMT?", "publisher": "NPI (Arkin)", "language": "nl",
                                  "text": "npi.txt"}
    audit = kb("--kb", folder, "audit")
    assert audit.code in (0, 1) and "claim-not-in-text" not in audit.err + audit.out


def test_reference_list_kept_out_parsed_and_merged(tmp_path: Path, root: Callable[[str], Path],
                                                   kb: Callable[..., Result]) -> None:
    folder = root("tiny")
    bib_before = (folder / "references.bib").read_bytes()
    source = tmp_path / "leaflet.md"
    source.write_text(LITERATUUR, encoding="utf-8")
    result = kb("--kb", folder, "add", "pmt", source)
    assert result.code == 0, result.err
    assert "2 reference-list entries parsed (under 'Literatuur')" in result.out
    assert "added koch2014 to references.bib" in result.out and "added vanderkolk2014 to references.bib" in result.out
    bib = (folder / "references.bib").read_bytes()
    assert bib.startswith(bib_before)  # every byte that was there stays
    works = load(folder / "references.bib", "references.bib")[0].works
    koch = works["koch2014"]
    assert (koch.get("doi"), koch.get("journal"), koch.get("volume"), koch.get("pages")) == (
        "10.1016/j.aip.2013.10.004", "The Arts in Psychotherapy", "41", "46--64")
    assert koch.verification_status == "listed" and koch.get("printed").startswith("Koch, S., Kunz, T.,")
    assert works["vanderkolk2014"].get("publisher") == "Viking"
    text = (folder / "claims" / "pmt.txt").read_text(encoding="utf-8")
    assert "Literatuur" not in text and "Viking" not in text
    assert text.startswith("# Wat is PMT?\n\nPMT is een ervaringsgerichte therapie")
    assert "1 citation groups, 1 citations, 1 resolved" in result.out  # to the record the list just gave
    claims = yaml.safe_load((folder / "claims" / "pmt.yaml").read_text(encoding="utf-8"))["claims"]
    assert [s["key"] for c in claims for s in c.get("sources", [])] == ["koch2014"]
    audit = kb("--kb", folder, "audit")
    assert "koch2014 is not verified (listed)" in audit.out


def test_never_overwrites_without_force(tmp_path: Path, root: Callable[[str], Path], kb: Callable[..., Result]) -> None:
    folder = root("tiny")
    source = tmp_path / "folder.md"
    source.write_text("# Nieuw\n\nPMT helpt mensen met veel verschillende klachten.\n", encoding="utf-8")
    before = files(folder)
    result = kb("--kb", folder, "add", "folder", source)
    assert result.code == 2
    assert result.err == "claims/folder.txt:0: error: exists; kb add never replaces it without --force [unreadable-input]\n"
    assert files(folder) == before
    result = kb("--kb", folder, "add", "folder", source, "--force")
    assert result.code == 0, result.err
    assert (folder / "claims" / "folder.txt").read_text(encoding="utf-8") == (
        "# Nieuw\n\nPMT helpt mensen met veel verschillende klachten.\n")


def test_adding_again_keeps_every_hand_written_field(tmp_path: Path, root: Callable[[str], Path],
                                                    kb: Callable[..., Result]) -> None:
    folder = root("tiny")
    source = tmp_path / "pmt.md"
    source.write_text("# Over PMT\n\nPMT vermindert spanning bij volwassenen (Jansen, 2018). "
                      "Bewegen helpt tegen somberheid.\n", encoding="utf-8")
    assert kb("--kb", folder, "add", "pmt", source).code == 0
    claims_path = folder / "claims" / "pmt.yaml"
    drafted = claims_path.read_text(encoding="utf-8")
    edited = drafted.replace("fit: unassessed", "fit: partial\n        note: \"Alleen volwassenen.\"", 1)
    assert edited != drafted
    claims_path.write_text("# nagekeken door de redactie\n" + edited, encoding="utf-8")
    source.write_text("# Over PMT\n\nPMT vermindert spanning bij volwassenen (Jansen, 2018). "
                      "Sporten maakt je fitter.\n", encoding="utf-8")
    result = kb("--kb", folder, "add", "pmt", source, "--force")
    assert result.code == 0, result.err
    after = claims_path.read_text(encoding="utf-8")
    assert after.startswith("# nagekeken door de redactie\n") and 'note: "Alleen volwassenen."' in after
    kept = yaml.safe_load(after)["claims"]
    assert [c["sources"][0]["fit"] for c in kept if c.get("sources")] == ["partial"]
    assert any(c["text"] == "Sporten maakt je fitter" for c in kept)  # the new sentence, added
    assert any(c["text"] == "Bewegen helpt tegen somberheid" for c in kept)  # gone from the text, kept for review
    assert "is no longer in the leaflet's text; kept, marked for review" in result.err
    assert "kb add: claims/pmt.yaml: 1 kept, 0 changed, 1 added, 1 no longer in the text (kept)" in result.out


@pytest.mark.parametrize(("doc", "message"), [
    ("a b", "not a document id: it holds U+0020 (space)"),
    ("../x", "not a document id: it holds U+002E"),
    ("", "not a document id: it is empty"),
])
def test_bad_document_id(tmp_path: Path, root: Callable[[str], Path], kb: Callable[..., Result], doc: str,
                         message: str) -> None:
    folder = root("tiny")
    source = tmp_path / "x.md"
    source.write_text("Tekst.\n", encoding="utf-8")
    before = files(folder)
    result = kb("--kb", folder, "add", doc, source)
    assert result.code == 2 and len(result.err.splitlines()) == 1 and message in result.err
    assert files(folder) == before


def test_unknown_suffix_and_missing_file(tmp_path: Path, root: Callable[[str], Path], kb: Callable[..., Result]) -> None:
    folder = root("tiny")
    odt = tmp_path / "folder.odt"
    odt.write_bytes(b"PK")
    result = kb("--kb", folder, "add", "nieuw", odt)
    assert result.code == 2
    assert result.err == (f"{odt}:0: error: cannot read a .odt: give a .docx, .htm, .html, .md, .pdf, .txt file "
                          "[unreadable-input]\n")
    result = kb("--kb", folder, "add", "nieuw", tmp_path / "weg.pdf")
    assert result.code == 2 and result.err == f"{tmp_path / 'weg.pdf'}:0: error: file not found [unreadable-input]\n"
    assert not (folder / "claims" / "nieuw.txt").exists()


def test_verify_looks_the_new_records_up_at_once(tmp_path: Path, root: Callable[[str], Path],
                                                 kb: Callable[..., Result], verify_server: FakeService) -> None:
    folder = root("tiny")
    (folder / "kb.toml").write_text("[verify]\nretries = 0\n\n[verify.services]\n" + "".join(
        f'{name} = "{verify_server.url}{name}/"\n' for name in ("crossref", "openalex", "pubmed")), encoding="utf-8")
    doi = "10.1016/j.aip.2013.10.004"
    verify_server.script(f"crossref/works/{doi}", Reply(body={"status": "ok", "message-type": "work", "message": {
        "DOI": doi, "type": "journal-article", "issued": {"date-parts": [[2014]]},
        "title": ["Effects of dance movement therapy and dance on health-related psychological outcomes: "
                  "A meta-analysis"],
        "author": [{"family": name, "given": given} for name, given in
                   (("Koch", "Sabine"), ("Kunz", "Teresa"), ("Lykou", "Sissy"), ("Cruz", "Robyn"))],
        "container-title": ["The Arts in Psychotherapy"], "volume": "41", "issue": "1", "page": "46-64"}}))
    verify_server.script("pubmed/esearch.fcgi", Reply(body={"esearchresult": {"count": "0", "idlist": []}}))
    source = tmp_path / "leaflet.md"
    source.write_text(LITERATUUR, encoding="utf-8")
    result = kb("--kb", folder, "add", "pmt", source, "--verify")
    assert "added koch2014 to references.bib" in result.out
    assert "koch2014: verified (typed: listed): title, authors, year and container match Crossref " + doi in result.out
    assert "vanderkolk2014: " in result.out  # a book the services do not know: looked up all the same
    assert any(r.path == f"crossref/works/{doi}" for r in verify_server.received)
    records = json.loads((folder / "verification.json").read_text(encoding="utf-8"))["records"]
    assert {r["key"] for r in records} == {"koch2014", "vanderkolk2014"}
    audit = kb("--kb", folder, "audit")
    assert "koch2014 is typed listed" not in audit.out  # listed claims less than verified: no disagreement
