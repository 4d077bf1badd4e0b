"""The paged report in a real Chromium: the index's search finds a claim of another leaflet, its
link opens that leaflet's page with the claim shown; every page is readable with JavaScript off
and holds to its security policy (no console error, no request but its own file)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOTS, copied
from test_browser import Watched, launched_chromium

from kb.cli import main


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched_chromium()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("paged")
    out = where / "out"
    assert main(["--kb", str(copied(ROOTS / "paged", where)), "report", "--pages", "paged", "--out", str(out)]) == 0
    return out


class Opened(Watched):
    """A page of the report opened in chromium, with its console, errors and requests (without
    their fragment) kept."""

    def __init__(self, browser: Any, javascript: bool = True) -> None:
        super().__init__(browser, javascript=javascript, request=lambda url: url.split("#")[0])

    def check_clean(self, *files: Path) -> None:
        """No console error (a refused inline script or style is one), no script error, no request
        but the report's own files."""
        assert [m for m in self.console if m.startswith("error")] == []
        assert self.errors == []
        assert set(self.requests) <= {f.resolve().as_uri() for f in files}


def test_search_finds_a_claim_of_another_leaflet_and_its_page_shows_it(browser: Any, built: Path) -> None:
    opened = Opened(browser)
    page = opened.page
    page.goto((built / "report.html").as_uri())
    assert page.locator("#search-form").is_visible()
    page.fill("#search-input", "wandelen humeur")
    found = page.locator("#search-claims a")
    found.first.wait_for()
    assert found.count() == 1 and found.first.inner_text() == "Wandelen is goed voor je humeur"
    assert page.locator("#search-status").inner_text() == "1 beweringen en 0 bronnen gevonden"
    page.fill("#search-input", "dans spanning")
    page.locator("#search-works a").first.wait_for()
    assert page.locator("#search-works a").all_inner_texts() == ["devries2019"]
    page.fill("#search-input", "wandelen")
    page.locator("#search-claims a", has_text="Wandelen").click()
    page.wait_for_url("**/report/leaflets/spanning.html#claim-span-wandelen")
    # the leaflet page's own script opens the claim the link names
    panel = page.locator("#panel")
    panel.wait_for(state="visible")
    assert "Wandelen is goed voor je humeur" in page.locator("#panel-body").inner_text()
    assert page.locator("h1").inner_text() == "Spanning de baas"
    opened.check_clean(built / "report.html", built / "report" / "leaflets" / "spanning.html")
    opened.context.close()


def test_a_works_link_leads_from_a_leaflet_to_every_leaflet_on_that_work(browser: Any, built: Path) -> None:
    opened = Opened(browser)
    page = opened.page
    page.goto((built / "report" / "leaflets" / "angst.html").as_uri())
    page.locator("#work-devries2019 .elsewhere a").click()
    page.wait_for_url("**/report/works/*.html#work-devries2019")
    rests = page.locator("#work-devries2019 .rests li").all_inner_texts()
    assert any("Dansen helpt bij spanning" in r for r in rests) and any("Wandelen" in r for r in rests)
    page.locator("#work-devries2019 .rests a", has_text="Wandelen").click()
    page.wait_for_url("**/report/leaflets/spanning.html#claim-span-wandelen")
    page.locator("#panel").wait_for(state="visible")
    opened.check_clean(*(p for p in built.rglob("*.html")))
    opened.context.close()


@pytest.mark.parametrize("name", ["report.html", "report/leaflets/spanning.html", "report/findings.html"])
def test_readable_without_javascript(browser: Any, built: Path, name: str) -> None:
    opened = Opened(browser, javascript=False)
    page = opened.page
    page.goto((built / name).as_uri())
    text = page.locator("body").inner_text()
    if name == "report.html":
        assert "Angst en bewegen" in text and "Spanning de baas" in text
        assert "Zoeken werkt met JavaScript" in text and not page.locator("#search-form").is_visible()
        assert "Het lichaam onthoudt spanning!" in text  # the consistency list
    elif "leaflets" in name:
        assert "Wandelen is goed voor je humeur" in text and "De Vries, L. (2019)" in text
    opened.check_clean(built / name)
    opened.context.close()


def test_the_works_pages_open_clean(browser: Any, built: Path) -> None:
    for works in sorted((built / "report" / "works").glob("*.html")):
        opened = Opened(browser)
        opened.page.goto(works.as_uri())
        assert opened.page.locator("li.work").count() >= 1
        opened.check_clean(works)
        opened.context.close()
