"""The interactive report's HTML without a browser: its data block, its security policy, its
gap map and works view, the interface text, and how the browser tests behave without chromium."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, ROOTS, TESTS, copied

from kb.cli import main
from kb.rendering import PACKAGED, interface
from kb.report import script_json

LABELS = ("empirical", "expert-based", "unsupported", "service")


def build(kb_dir: Path, out: Path, lang: str = "nl") -> tuple[str, dict[str, Any]]:
    assert main(["--kb", str(copied(kb_dir, out.parent)), "report", "--out", str(out), "--lang", lang]) in (0, 1)
    return ((out / "report.html").read_text(encoding="utf-8"),
            json.loads((out / "report.json").read_text(encoding="utf-8")))


def found(pattern: str, text: str, group: int = 1) -> str:
    """The group of the first match, which must exist."""
    match = re.search(pattern, text, re.DOTALL)
    assert match, f"nothing matches {pattern!r}"
    return match.group(group)


def data_block(page: str) -> str:
    return found(r'<script type="application/json" id="kb-data">(.*?)</script>', page)


@pytest.mark.parametrize("value, expected", [
    ("</script><script>x()</script>", '"\\u003c/script\\u003e\\u003cscript\\u003ex()\\u003c/script\\u003e"'),
    ("<!-- a & b -->", '"\\u003c!-- a \\u0026 b --\\u003e"'),
    ("line\u2028break", '"line\\u2028break"'),
    ("één “quote”", '"één “quote”"'),
])
def test_script_json_cannot_end_its_script_element(value: str, expected: str) -> None:
    text = script_json(value)
    assert str(text) == expected
    assert json.loads(text) == value


def test_the_data_block_holds_the_report_and_no_markup(tmp_path: Path) -> None:
    page, report = build(ROOTS / "markup_in_values", tmp_path)
    block = data_block(page)
    assert "<" not in block and ">" not in block
    data = json.loads(block)
    assert [c["id"] for c in data["claims"]] == [c["id"] for c in report["claims"]]
    assert data["claims"][0]["text"] == report["claims"][0]["text"] == "Bewegen <b>helpt</b> & </script> werkt"
    assert data["works"][0]["reference"] == report["works"][0]["reference"]
    assert "</script><script>window.pwned = 1</script>" in data["works"][0]["reference"]
    assert page.count("<script") == 3  # the class switch, the data block, the report's script
    assert "<img" not in page and "<svg" not in page and "<iframe" not in page


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def test_the_security_policy_allows_exactly_the_page_own_style_and_scripts(tmp_path: Path) -> None:
    page, _ = build(ROOTS / "tiny", tmp_path)
    policy = html.unescape(found(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page))
    assert "default-src 'none'" in policy
    styles = re.findall(r"<style>(.*?)</style>", page, re.DOTALL)
    scripts = re.findall(r"<script>(.*?)</script>", page, re.DOTALL)
    assert len(styles) == 1 and len(scripts) == 2
    style_src = found(r"style-src ([^;]*)", policy).split()
    script_src = found(r"script-src ([^;]*)", policy).split()
    assert style_src == [f"'{_sha256(styles[0])}'"]
    assert script_src == [f"'{_sha256(s)}'" for s in scripts]
    # The script is the packaged file as written: jinja changed nothing in it.
    assert scripts[1] == (PACKAGED / "report.js").read_text(encoding="utf-8")


def test_gap_map_cells_equal_report_json(tmp_path: Path) -> None:
    page, report = build(REPO, tmp_path)
    for document in report["documents"]:
        table = found(rf'<table class="gapmap" data-document="{re.escape(document["id"])}">(.*?)</table>', page)
        cells = {(int(s), label): int(n) for s, label, n in
                 re.findall(r'<td [^>]*data-section="(-?\d+)" data-label="([^"]*)" data-count="(\d+)"', table)}
        counts: Counter[tuple[int, str]] = Counter()
        for claim in report["claims"]:
            if claim["document"] == document["id"]:
                index = document["sections"].index(claim["section"])
                counts[(index, claim["label"])] += 1
                counts[(index, "")] += 1
        for label in LABELS:
            counts[(-1, label)] = document["counts"][label]
        counts[(-1, "")] = document["claims"]
        assert len(cells) == (len(document["sections"]) + 1) * (len(LABELS) + 1)
        assert cells == {key: counts[key] for key in cells}


def test_works_view_lists_the_claims_citing_each_work(tmp_path: Path) -> None:
    page, report = build(REPO, tmp_path)
    for work in report["works"]:
        entry = found(rf'<li class="work [^"]*" id="work-{re.escape(work["key"])}".*?\n</li>', page, 0)
        assert re.findall(r'<li data-claim-item="([^"]+)"', entry) == work["cited_by"]
        shown = found(r'<span class="reference">(.*?)</span> <span class="key">', entry)
        assert html.unescape(re.sub(r"<[^>]*>", "", shown)) == work["reference"]


def _keys(table: dict[str, Any], prefix: str = "") -> set[str]:
    keys = set()
    for key, value in table.items():
        keys.add(prefix + key)
        if isinstance(value, dict):
            keys |= _keys(value, prefix + key + ".")
    return keys


def test_dutch_and_english_interface_have_the_same_keys() -> None:
    assert _keys(interface("nl")) == _keys(interface("en"))


@pytest.mark.parametrize("required, outcome", [("", "skipped"), ("1", "error")])
def test_browser_tests_skip_or_fail_without_chromium(required: str, outcome: str, tmp_path: Path) -> None:
    env = {**os.environ, "KB_CHROMIUM": str(tmp_path / "no-chromium"), "KB_REQUIRE_BROWSER": required}
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs",
                          str(TESTS / "test_browser.py"), "-k", "english"],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert f"1 {outcome}" in run.stdout, run.stdout[-2000:]
    if outcome == "skipped":
        assert run.returncode == 0
        assert "browser tests skipped: no chromium at" in run.stdout
    else:
        assert run.returncode == 1
        assert "KB_REQUIRE_BROWSER=1 but the browser tests cannot run: no chromium at" in run.stdout


def test_a_claim_inside_another_keeps_a_highlight_of_its_own(tmp_path: Path) -> None:
    page, report = build(ROOTS / "nested_claims", tmp_path)
    leaflet = found(r'<div class="leaflet".*?</div>\n</div>', page, 0)
    marked = re.findall(r'<a class="claim label-[^"]*" href="#claim-([^"]+)"[^>]*>([^<]*)</a>', leaflet)
    assert {claim for claim, _ in marked} == {c["id"] for c in report["claims"]}
    assert marked == [("heel", "Bewegen helpt bij angst omdat "), ("binnen", "het lichaam "),
                      ("overlap", "ontspant"), ("overlap", ". Rust")]
