"""`kb verify` from the command line: this KB against recorded answers, and a small KB against
services on 127.0.0.1 (a retraction Crossref alone reports, a 429 waited for, services down)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from verify_server import FakeService, Reply, closed_port

from kb.verify.model import STATUSES

SYNTHETIC = REPO / "tests" / "fixtures" / "verify" / "kb-synthetic"
DOI = "10.1000/test.2020.1"


def _this_kb(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    folder.mkdir()
    shutil.copy(REPO / "references.bib", folder)
    shutil.copytree(REPO / "claims", folder / "claims")
    return folder


def test_every_record_of_this_kb_gets_a_computed_status(tmp_path: Path, kb) -> None:
    folder = _this_kb(tmp_path)
    result = kb("--kb", folder, "verify", "--replay", SYNTHETIC, "--format", "json")
    assert result.code == 0, result.err
    records = json.loads(result.out)["records"]
    assert len(records) == 19 and all(r["status"] in STATUSES for r in records)
    status = {r["key"]: (r["status"], r["typed_status"]) for r in records}
    assert status["fonagy2017b"] == ("verified", "verified")
    assert status["kraak2010"] == ("not-found", "from-memory")  # a handbook chapter: absent, never "fabricated"
    assert status["spaans2009"] == ("verified-core", "verified-core")
    new = next(r for r in records if r["key"] == "new2012")
    assert {"field": "pmid", "value": "23013336", "reason": "PubMed 23013336 is the work"} in new["suggestions"]
    nummenmaa = next(r for r in records if r["key"] == "nummenmaa2014")
    assert nummenmaa["fields"]["year"]["verdict"] == "match" and "one year apart" in nummenmaa["fields"]["year"]["note"]
    for record in records:  # the evidence: every question asked, with its date
        assert {lookup["service"] for lookup in record["lookups"]} == {"crossref", "openalex", "pubmed"}
        assert all(lookup["date"] for lookup in record["lookups"] if lookup["outcome"] != "not-found")

    written = (folder / "verification.json").read_bytes()
    assert json.loads(written) == {"records": sorted(records, key=lambda r: r["key"])}
    assert kb("--kb", folder, "verify", "--replay", SYNTHETIC).code == 0
    assert (folder / "verification.json").read_bytes() == written  # a re-run changes nothing

    audit = kb("--kb", folder, "audit")
    assert ("references.bib:325: warning: kuin2005 is typed verified, but kb verify found it not-found: Crossref, "
            "OpenAlex and PubMed answered; no record had this title, first author and year (a book chapter is often "
            "absent from these services: check the source the record names first) [status-disagrees]"
            ) in audit.out.splitlines()


def test_the_diff_applies_with_git_and_writes_nothing(tmp_path: Path, kb) -> None:
    folder = _this_kb(tmp_path)
    before = (folder / "references.bib").read_bytes()
    result = kb("--kb", folder, "verify", "--replay", SYNTHETIC, "--diff")
    assert result.code == 0 and result.out.startswith("--- a/references.bib\n+++ b/references.bib\n")
    assert not (folder / "verification.json").exists() and (folder / "references.bib").read_bytes() == before
    subprocess.run(["git", "init", "-q"], cwd=folder, check=True)
    (folder / "patch.diff").write_text(result.out, encoding="utf-8")
    subprocess.run(["git", "apply", "patch.diff"], cwd=folder, check=True)
    after = (folder / "references.bib").read_text(encoding="utf-8")
    assert after.replace("  n                  = {194},\n  pmid               = {23013336}\n",
                         "  n                  = {194}\n").encode("utf-8") == before


# --- a small KB against services on 127.0.0.1 ------------------------------------------------------

def _crossref_work(**extra: Any) -> dict[str, Any]:
    return {"status": "ok", "message-type": "work", "message": {
        "DOI": DOI, "type": "journal-article", "title": ["Movement therapy for anxiety: A randomised trial"],
        "author": [{"given": "Anna", "family": "Smith", "sequence": "first"},
                   {"given": "Jan", "family": "van der Berg", "sequence": "additional"},
                   {"given": "Kim", "family": "Jones", "sequence": "additional"}],
        "issued": {"date-parts": [[2020]]}, "container-title": ["Journal of Tests"], "volume": "12", "issue": "3",
        "page": "10-20", **extra}}


RETRACTED = _crossref_work(**{"updated-by": [
    {"DOI": "10.1000/test.2021.notice", "type": "correction", "label": "Correction", "source": "publisher",
     "updated": {"date-parts": [[2021, 2, 1]]}},
    {"DOI": "10.1000/test.2022.notice", "type": "retraction", "label": "Retraction", "source": "publisher",
     "updated": {"date-parts": [[2022, 5, 3]]}}]})
NO_PMID = {"header": {"type": "esearch"}, "esearchresult": {"count": "0", "retmax": "0", "idlist": []}}


def _small_kb(tmp_path: Path, root, services: str) -> Path:
    folder: Path = root("retracted_work")
    (folder / "verification.json").unlink()
    (folder / "kb.toml").write_text(f'[verify]\ntimeout = 2\nretries = 1\n\n[verify.services]\n{services}',
                                    encoding="utf-8")
    return folder


def _at(server: FakeService) -> str:
    return "".join(f'{name} = "{server.url}{name}/"\n' for name in ("crossref", "openalex", "pubmed"))


def test_a_retraction_only_crossref_reports_reaches_the_audit_and_the_report(tmp_path: Path, root, kb,
                                                                            verify_server: FakeService) -> None:
    verify_server.script(f"crossref/works/{DOI}", Reply(body=RETRACTED))
    verify_server.script("pubmed/esearch.fcgi", Reply(body=NO_PMID))
    folder = _small_kb(tmp_path, root, _at(verify_server))
    result = kb("--kb", folder, "verify", "smith2020", "--format", "json")
    assert result.code == 1  # a retracted work fails the run
    record = json.loads(result.out)["records"][0]
    assert record["status"] == "verified"
    assert {(r["type"], r["notice"], r["date"]) for r in record["retractions"]} == {
        ("correction", "10.1000/test.2021.notice", "2021-02-01"), ("retraction", "10.1000/test.2022.notice", "2022-05-03")}
    assert any(r["path"] == "openalex/works/doi:" + DOI for r in map(vars, verify_server.received))

    audit = kb("--kb", folder, "audit")
    retracted = [line for line in audit.out.splitlines() if line.endswith("[retracted-work]")]
    assert len(retracted) == 1 and retracted[0].startswith("references.bib:13: error: smith2020 ")
    assert "10.1000/test.2022.notice" in retracted[0] and "angst" in retracted[0]
    assert any(line.endswith("[corrected-work]") for line in audit.out.splitlines())

    assert kb("--kb", folder, "report").code == 1
    report = json.loads((folder / "build" / "report.json").read_text(encoding="utf-8"))
    claim = next(c for c in report["claims"] if c["id"] == "angst")
    assert claim["retracted"] is True and claim["retracted_works"] == ["smith2020"]
    html = (folder / "build" / "report.html").read_text(encoding="utf-8")
    assert "10.1000/test.2022.notice" in html


def test_a_429_with_retry_after_is_waited_for(tmp_path: Path, root, kb, verify_server: FakeService) -> None:
    verify_server.script(f"crossref/works/{DOI}", Reply(429, "slow down", {"Retry-After": "1"}),
                         Reply(body=_crossref_work()))
    verify_server.script("pubmed/esearch.fcgi", Reply(body=NO_PMID))
    folder = _small_kb(tmp_path, root, _at(verify_server))
    result = kb("--kb", folder, "verify", "smith2020", "--format", "json")
    assert result.code == 0, result.err
    record = json.loads(result.out)["records"][0]
    assert record["status"] == "verified" and record["retractions"] == []
    assert all(lookup["outcome"] != "failed" for lookup in record["lookups"])
    asked = verify_server.to(f"crossref/works/{DOI}")
    assert len(asked) == 2 and asked[1].time - asked[0].time >= 0.95


def test_services_that_are_down_give_lookup_failed_never_not_found(tmp_path: Path, root, kb) -> None:
    down = f"http://127.0.0.1:{closed_port()}/"
    folder = _small_kb(tmp_path, root, "".join(f'{name} = "{down}{name}/"\n' for name in ("crossref", "openalex", "pubmed")))
    result = kb("--kb", folder, "verify", "--format", "json")
    assert result.code == 1
    records = json.loads(result.out)["records"]
    assert {r["status"] for r in records} == {"lookup-failed"}
    assert all(lookup["outcome"] == "failed" for r in records for lookup in r["lookups"])
    details = [lookup["detail"] for r in records for lookup in r["lookups"]]
    assert details[0].startswith("cannot connect") and details[0].endswith("(2 tries)")
    assert all(d.endswith("; not asked again in this run") for d in details[1:])  # a service down costs one round
    audit = kb("--kb", folder, "audit")
    assert "[status-disagrees]" not in audit.out  # a failed lookup says nothing about the record


def test_one_service_down_and_nothing_found_elsewhere_is_lookup_failed(tmp_path: Path, root, kb,
                                                                       verify_server: FakeService) -> None:
    verify_server.script("pubmed/esearch.fcgi", Reply(body=NO_PMID))
    verify_server.script("openalex/works", Reply(body={"meta": {"count": 0}, "results": []}))
    verify_server.script("crossref/works", Reply(body={"status": "ok", "message-type": "work-list",
                                                       "message": {"total-results": 0, "items": []}}))
    services = _at(verify_server).replace(f"{verify_server.url}crossref/", f"http://127.0.0.1:{closed_port()}/")
    folder = _small_kb(tmp_path, root, services)
    result = kb("--kb", folder, "verify", "smith2020", "--format", "json")
    record = json.loads(result.out)["records"][0]
    assert record["status"] == "lookup-failed"


def test_offline_answers_from_the_cache_alone(tmp_path: Path, root, kb, verify_server: FakeService) -> None:
    verify_server.script(f"crossref/works/{DOI}", Reply(body=_crossref_work()))
    verify_server.script("pubmed/esearch.fcgi", Reply(body=NO_PMID))
    folder = _small_kb(tmp_path, root, _at(verify_server))
    online = kb("--kb", folder, "verify", "smith2020", "--format", "json")
    asked = len(verify_server.received)
    offline = kb("--kb", folder, "verify", "smith2020", "--format", "json", "--offline")
    assert offline.code == 0 and len(verify_server.received) == asked
    assert json.loads(offline.out) == json.loads(online.out)
    assert (folder / ".kb-cache" / "verify.sqlite").is_file()


@pytest.mark.parametrize("args, expected", [
    (["verify", "smith202"], "references.bib:0: error: no record has the key smith202 (did you mean smith2020?) "
                             "[unreadable-input]"),
    (["verify", "--offline", "--refresh"], "kb verify: --offline answers from the cache, --refresh ignores it: "
                                           "give one of them"),
])
def test_usage_errors_are_one_line_and_exit_2(args: list[str], expected: str, tmp_path: Path, root, kb) -> None:
    folder = _small_kb(tmp_path, root, "")
    result = kb("--kb", folder, *args)
    assert result.code == 2 and result.err.splitlines()[0] == expected
    assert not (folder / "verification.json").exists()


def test_a_replay_folder_that_cannot_be_used_is_one_line(tmp_path: Path, root, kb) -> None:
    folder = _small_kb(tmp_path, root, "")
    (tmp_path / "rec" / "crossref").mkdir(parents=True)
    (tmp_path / "rec" / "crossref" / "x.json").write_text("{", encoding="utf-8")
    for replay, said in ((tmp_path / "missing", "no such folder of recordings"), (tmp_path / "rec", "not a recording")):
        result = kb("--kb", folder, "verify", "--replay", replay)
        assert result.code == 2 and result.err.startswith(f"{replay.as_posix()}:0: error: ")
        assert said in result.err.splitlines()[0] and not (folder / "verification.json").exists()


def test_a_retraction_watch_file_outside_the_kb_is_refused(tmp_path: Path, root, kb) -> None:
    folder = _small_kb(tmp_path, root, "")
    (tmp_path / "rw.csv").write_text("Record ID,OriginalPaperDOI\n", encoding="utf-8")
    (folder / "kb.toml").write_text('[verify]\nretraction-watch = "../rw.csv"\n', encoding="utf-8")
    result = kb("--kb", folder, "verify", "--replay", SYNTHETIC)
    assert result.code == 2
    assert result.err.splitlines()[0].startswith("kb.toml:2: error: the Retraction Watch file ../rw.csv lies outside "
                                                 "the knowledge-base folder")


def test_services_down_never_replace_what_they_said_before(tmp_path: Path, root, kb, verify_server: FakeService) -> None:
    verify_server.script(f"crossref/works/{DOI}", Reply(body=_crossref_work()))
    verify_server.script("pubmed/esearch.fcgi", Reply(body=NO_PMID))
    folder = _small_kb(tmp_path, root, _at(verify_server))
    assert kb("--kb", folder, "verify", "smith2020").code == 0
    before = (folder / "verification.json").read_bytes()
    down = f"http://127.0.0.1:{closed_port()}/"
    (folder / "kb.toml").write_text("[verify]\nretries = 0\n\n[verify.services]\n" + "".join(
        f'{name} = "{down}{name}/"\n' for name in ("crossref", "openalex", "pubmed")), encoding="utf-8")
    assert kb("--kb", folder, "verify", "smith2020").code == 0  # from the cache: the services are not asked
    result = kb("--kb", folder, "verify", "smith2020", "--refresh")
    assert result.code == 1 and result.out.startswith("smith2020: lookup-failed (typed: verified): ")
    assert "kb verify: smith2020: the services did not answer; verification.json keeps what they said on " in result.err
    assert (folder / "verification.json").read_bytes() == before
