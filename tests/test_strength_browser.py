"""The conclusion-level and certainty filters and the gap map by level, in a real Chromium
(the browser and page helpers of test_browser.py)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from conftest import REPO
from test_browser import Page, browser, build_report  # noqa: F401  (browser is a fixture)

LEVELS = ("1", "2", "3", "4", "none", "service")
CERTAINTIES = ("high", "moderate", "low", "very-low", "")


def _level(claim: dict[str, Any]) -> str:
    if claim["conclusion_level"] is not None:
        return str(claim["conclusion_level"])
    return "service" if claim["kind"] == "service" else "none"


def test_level_and_certainty_filters_show_the_right_claims(browser: Any, tmp_path: Path) -> None:  # noqa: F811
    html, data = build_report(REPO, tmp_path / "out")
    claims = data["claims"]
    assert {_level(c) for c in claims} >= {"2", "3", "4", "none", "service"}  # the real KB has these
    page = Page(browser, html)
    assert page.page.locator("#filter-strength").get_attribute("open") is None  # folded at first
    page.page.click("#filter-strength > summary")
    for level in LEVELS:
        page.only("level", level)
        expected = [c["id"] for c in claims if _level(c) == level]
        assert page.shown_cards() == expected, level
        assert page.page.locator(f'[data-count="level:{level}"]').inner_text() == str(len(expected))
        if expected:
            assert page.page.locator(".filter-note").first.inner_text().startswith("Filters: Niveau van conclusie: ")
    for certainty in CERTAINTIES:
        page.only("certainty", certainty)
        expected = [c["id"] for c in claims if (c["certainty"] or "") == certainty]
        assert page.shown_cards() == expected, certainty or "none"
    # Filters combine: level 4 and certainty very low; the level counts follow the certainty filter.
    page.only("level", "4")
    for box in page.page.query_selector_all("#filters input[name=certainty]"):
        if (box.get_attribute("value") == "very-low") != box.is_checked():
            box.click()
    expected = [c["id"] for c in claims if _level(c) == "4" and c["certainty"] == "very-low"]
    assert page.shown_cards() == expected
    for level in LEVELS:
        assert page.page.locator(f'[data-count="level:{level}"]').inner_text() == \
            str(sum(1 for c in claims if _level(c) == level and c["certainty"] == "very-low"))
    page.reset()
    assert len(page.shown_cards()) == len(claims)
    # The claim panel shows the level and certainty beside the label, and the reasons.
    claim = next(c for c in claims if c["conclusion_level"] == 3)
    page.page.click(f'li.card[data-claim-item="{claim["id"]}"] .quote a')
    head = page.page.locator("#panel-body .head").inner_text()
    assert "niveau 3" in head and "zekerheid" in head
    assert page.page.locator("#panel-body .certainty-reasons li").count() == len(claim["certainty_reasons"])
    page.check_clean()
    page.close()


def test_gap_map_by_level_counts_and_filters(browser: Any, tmp_path: Path) -> None:  # noqa: F811
    html, data = build_report(REPO, tmp_path / "out")
    page = Page(browser, html)
    assert page.page.locator("details.gap-levels").first.get_attribute("open") is None  # folded at first
    for summary in page.page.query_selector_all("details.gap-levels > summary"):
        summary.click()
    for document in data["documents"]:
        mine = [c for c in data["claims"] if c["document"] == document["id"]]
        expected: Counter[tuple[int, str]] = Counter()
        for claim in mine:
            expected[(document["sections"].index(claim["section"]), _level(claim))] += 1
            expected[(-1, _level(claim))] += 1
        cells = page.page.eval_on_selector_all(
            f'table.gapmap-levels[data-document="{document["id"]}"] td',
            "tds => tds.map(td => [Number(td.dataset.section), td.dataset.level, Number(td.innerText)])")
        assert len(cells) == (len(document["sections"]) + 1) * len(LEVELS)
        assert {(s, level): n for s, level, n in cells} == {(s, level): expected[(s, level)] for s, level, _ in cells}
        for section, level, count in cells:
            if not count or section >= 0 and count < 2:
                continue  # the whole-leaflet row and the fuller cells: each click is a page update
            page.page.click(f'a[data-gap="{document["id"]}"][data-section="{section}"][data-level="{level}"]')
            shown = page.shown_cards()
            assert len(shown) == count, (document["id"], section, level)
            by_id = {c["id"]: c for c in mine}
            assert all(_level(by_id[i]) == level for i in shown)
    page.reset()
    page.check_clean()
    page.close()
