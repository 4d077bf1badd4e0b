"""The report shows what `kb verify` found: per work what was checked, where, when and what
differs; a banner on every claim resting on a retracted work (report.html's cards, panel and
works view, report.md); report.json gains `verify` and `retracted`, and keeps every field."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOTS
from hostile_pages import launched_chromium
from test_browser import Page
from verify_results import RETRACTION, put, smith

from kb.verify.model import FieldVerdict, Lookup, RecordResult, Retraction

WORK_FIELDS = {"key", "label", "label_reason", "ebro", "design", "verification", "verification_text", "n",
               "population", "type", "authors", "year", "title", "reference", "doi", "doi_unverified", "line",
               "cited_by"}
CLAIM_FIELDS = {"id", "document", "section", "text", "kind", "cited_as", "sources", "label", "label_reason",
                "line", "findings"}


def _report(folder: Path, kb: Any, *extra: str) -> tuple[dict[str, Any], str, str]:
    run = kb("--kb", folder, "report", *extra)
    assert run.code in (0, 1), run.err
    build = folder / "build"
    return (json.loads((build / "report.json").read_text(encoding="utf-8")),
            (build / "report.html").read_text(encoding="utf-8"), (build / "report.md").read_text(encoding="utf-8"))


def test_report_json_adds_verify_and_retracted(root, kb) -> None:
    report, _, _ = _report(root("retracted_work"), kb)
    works = {w["key"]: w for w in report["works"]}
    assert set(works["smith2020"]) == WORK_FIELDS | {"verify", "retracted"}  # added, none renamed
    assert works["smith2020"]["verification"] == "verified"  # the typed status stays where it was
    assert works["smith2020"]["verify"] == smith(retractions=(RETRACTION,)).as_json()
    assert works["smith2020"]["retracted"] is True
    assert works["jansen2018"]["verify"]["status"] == "not-found" and works["jansen2018"]["retracted"] is False
    claims = {c["id"]: c for c in report["claims"]}
    assert set(claims["angst"]) == CLAIM_FIELDS | {"retracted", "retracted_works", "conclusion_level",
                                                   "conclusion_reason", "certainty", "certainty_reasons"}
    assert {c: (claims[c]["retracted"], claims[c]["retracted_works"]) for c in claims} == {
        "angst": (True, ["smith2020"]), "spanning": (False, []), "altijd": (False, []), "bellen": (False, [])}


def test_without_verification_json_work_verify_is_null(root, kb) -> None:
    report, html, markdown = _report(root("tiny"), kb)
    assert {w["verify"] for w in report["works"]} == {None}
    assert {c["retracted"] for c in report["claims"]} == {False}
    assert "retracted-banner" not in html.split("<script")[0].split("</style>")[1]
    assert "kb verify" not in markdown


def test_banner_in_html_on_the_claim_and_the_work(root, kb) -> None:
    _, html, _ = _report(root("retracted_work"), kb)
    card = html.split('id="claim-angst"', 1)[1].split("</li>", 1)[0]
    assert ('<p class="retracted-banner" role="note"><strong>Ingetrokken</strong>: Let op: deze bewering steunt op '
            'een ingetrokken publicatie (<a href="#work-smith2020">smith2020</a>).</p>') in card
    assert "retracted-banner" not in html.split('id="claim-spanning"', 1)[1].split("</li>", 1)[0]
    work = html.split('id="work-smith2020"', 1)[1].split('id="findings"', 1)[0]
    assert "Deze publicatie is ingetrokken." in work
    assert '<a href="https://doi.org/10.1000/retraction.2022.9">10.1000/retraction.2022.9</a>' in work
    assert "<td>doi:10.1000/test.2020.1</td>" in work and "<td>2024-05-01</td>" in work
    assert "Ingetrokken" not in html.split('id="work-jansen2018"', 1)[1].split("</li>", 1)[0].split("<details")[0]


def test_banner_and_evidence_in_markdown(root, kb) -> None:
    _, _, markdown = _report(root("retracted_work"), kb)
    claim = markdown.split("### 1. angst", 1)[1].split("###", 1)[0]
    assert "**Ingetrokken**: Let op: deze bewering steunt op een ingetrokken publicatie (`smith2020`)." in claim
    assert "Ingetrokken" not in markdown.split("### 2. spanning", 1)[1].split("###", 1)[0]
    assert ("- `smith2020`: Gevonden status **geverifieerd**, Opgegeven status geverifieerd (title, authors and "
            "year match Crossref 10.1000/test.2020.1)") in markdown
    assert "  - Meldingen: retraction (crossref, `10.1000/retraction.2022.9`, 2022-03-04)" in markdown
    assert "  - Opgezocht: pubmed `doi:10.1000/test.2020.1`: gevonden (`31234567`), 2024-05-01" in markdown


def test_differing_fields_ours_and_theirs_in_english(root, kb) -> None:
    _, html, markdown = _report(root("metadata_differs"), kb, "--lang", "en")
    work = html.split('id="work-smith2020"', 1)[1]
    assert ('<tr data-field="pages"><th scope="row">pages</th><td>10--20</td><td>10-21 <span class="service">'
            "(crossref)</span></td></tr>") in work
    assert "Checked by kb verify: <span class=\"computed computed-verified-core\">core verified</span>" in work
    assert "  - Fields that differ: year: Ours `2020`, The service's `2019` (one year apart: online first 2019, " \
           "print 2020)" in markdown


def test_hostile_values_are_escaped(root, kb) -> None:
    folder = root("tiny")
    evil = "<script>alert(1)</script>"
    put(folder, smith("verified-core", retractions=(Retraction("crossref", "javascript:alert(1)", "retraction",
                                                               evil),),
                      fields={"title": FieldVerdict("differs", "x", evil, note=evil, service=evil)}),
        RecordResult(key="jansen2018", status="lookup-failed", typed_status="from-memory",
                           lookups=(Lookup("crossref", f"`{evil}` [x](javascript:alert(1))", "failed", "2024-05-01",
                                           detail=evil),)))
    _, html, markdown = _report(folder, kb)
    page = html.split("</style>", 1)[1].split('<script type="application/json"', 1)[0]
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="javascript' not in html
    # In report.md a value is escaped text, or a code span (shown exactly, HTML and all).
    outside_code = re.sub(r"(`+).*?\1", "", markdown)
    assert "<script>" not in outside_code and "](javascript" not in outside_code.replace("\\](javascript", "")
    assert "\\<script\\>alert(1)\\</script\\>" in outside_code


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched_chromium()


@pytest.fixture(scope="module")
def retracted_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    from kb.cli import main

    folder = tmp_path_factory.mktemp("retracted") / "kb"
    shutil.copytree(ROOTS / "retracted_work", folder)
    assert main(["--kb", str(folder), "report"]) == 1  # the retracted-work error
    return folder / "build" / "report.html"


def test_browser_shows_the_banner_in_the_claim_panel(browser: Any, retracted_report: Path) -> None:
    page = Page(browser, retracted_report)
    try:
        card = page.page.locator("#claim-angst .retracted-banner")
        assert card.is_visible()
        page.page.click('#claim-angst a[data-claim="angst"]')
        banner = page.page.locator("#panel-body .retracted-banner")
        assert banner.is_visible()
        assert banner.inner_text() == "Ingetrokken: Let op: deze bewering steunt op een ingetrokken publicatie " \
                                      "(smith2020)."
        assert page.page.locator("#panel-body .facts .retracted").inner_text() == "Ingetrokken"
        page.page.click("#panel-close")
        page.page.click('#claim-spanning a[data-claim="spanning"]')
        assert page.page.locator("#panel-body .retracted-banner").count() == 0
        assert page.page.locator("#work-smith2020 .retracted-banner").is_visible()
        assert page.page.locator("#work-smith2020 details.verify").get_attribute("open") is not None
        page.check_clean()
    finally:
        page.close()


def test_a_new_verification_json_is_not_hidden_by_the_report_cache(root, kb) -> None:
    folder = root("tiny")
    report, _, _ = _report(folder, kb)
    assert {w["verify"] is None for w in report["works"]} == {True}
    put(folder, smith(retractions=(RETRACTION,)))
    report, html, _ = _report(folder, kb)
    assert {w["key"]: w["retracted"] for w in report["works"]} == {"smith2020": True, "jansen2018": False}
    assert 'class="retracted-banner"' in html
