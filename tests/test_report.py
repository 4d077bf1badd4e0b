"""The report: golden files for a tiny KB, escaping, determinism, languages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import TESTS, check_golden

GOLDEN = TESTS / "golden" / "tiny"


@pytest.mark.parametrize("name", ["report.json", "report.md", "report.html"])
def test_golden_report(name: str, root, kb, regen_golden: bool) -> None:
    folder = root("tiny")
    assert kb("--kb", folder, "report").code == 0
    check_golden((folder / "build" / name).read_text(encoding="utf-8"), GOLDEN / name, regen_golden)


def test_report_json_contract(root, kb) -> None:
    folder = root("tiny")
    kb("--kb", folder, "report")
    data = json.loads((folder / "build" / "report.json").read_text(encoding="utf-8"))
    work = data["works"][0]
    assert {"key", "label", "label_reason", "ebro", "design", "verification", "n", "population"} <= set(work)
    claim = data["claims"][0]
    assert {"id", "document", "section", "text", "kind", "cited_as", "sources", "label", "label_reason",
            "line"} <= set(claim)
    assert claim["document"] == "folder"
    assert claim["sources"] == [{"key": "smith2020", "fit": "supports", "note": "The trial's primary outcome."}]
    assert data["documents"][0]["counts"] == {"empirical": 1, "expert-based": 1, "unsupported": 1, "service": 1}


def test_same_input_same_bytes(root, kb, tmp_path: Path) -> None:
    """Two renderings from scratch (no cache between them) are the same bytes."""
    folder = root("tiny")
    kb("--kb", folder, "report", "--out", tmp_path / "one")
    shutil.rmtree(folder / "build")  # the cache: the second run renders again
    kb("--kb", folder, "report", "--out", tmp_path / "two")
    for name in ("report.json", "report.md", "report.html"):
        one, two = tmp_path / "one" / name, tmp_path / "two" / name
        assert not one.samefile(two) and one.stat().st_ino != two.stat().st_ino
        assert one.read_bytes() == two.read_bytes()


def test_html_escapes_values_from_the_kb(root, kb) -> None:
    folder = root("tiny")
    bib = folder / "references.bib"
    bib.write_text(bib.read_text().replace("Het lichaam in therapie", '<script>alert(1)</script><img src=x onerror=alert(2)>'))
    kb("--kb", folder, "report")
    html = (folder / "build" / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html


def test_english_interface(root, kb) -> None:
    folder = root("tiny")
    kb("--kb", folder, "report", "--lang", "en")
    html = (folder / "build" / "report.html").read_text(encoding="utf-8")
    assert "<title>Evidence report</title>" in html
    assert 'lang="en"' in html


def test_report_has_no_external_resources(root, kb) -> None:
    folder = root("tiny")
    kb("--kb", folder, "report")
    html = (folder / "build" / "report.html").read_text(encoding="utf-8")
    assert "<link" not in html and "src=\"http" not in html and "@import" not in html


def test_kb_templates_override_and_extend_the_packaged_ones(root, kb) -> None:
    folder = root("tiny")
    (folder / "templates").mkdir()
    (folder / "templates" / "report.md.j2").write_text(
        '{% extends "default:report.md.j2" %}\n', encoding="utf-8")
    (folder / "templates" / "legend.html.j2").write_text("<p>OWN LEGEND</p>\n", encoding="utf-8")
    assert kb("--kb", folder, "report").code == 0
    assert "OWN LEGEND" in (folder / "build" / "report.html").read_text(encoding="utf-8")
    assert "# Evidence-rapport" in (folder / "build" / "report.md").read_text(encoding="utf-8")


def test_report_exits_1_on_error_findings_but_writes_the_report(root, kb) -> None:
    folder = root("missing_reference")
    result = kb("--kb", folder, "report")
    assert result.code == 1
    assert (folder / "build" / "report.html").exists()
    assert "missing-reference" in result.err
