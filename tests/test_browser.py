"""The interactive report in a real Chromium: panel, filters, gap map, fragment links, escaping.

Python playwright drives Debian's chromium (`playwright install` is not needed). Without
chromium these tests are skipped with the reason; with KB_REQUIRE_BROWSER=1 (as in CI)
they fail instead, so that CI never passes without having run them.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, ROOTS, copied

from kb import rendering
from kb.cli import main
from kb.links import doi_href

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture then skips (or fails) every test, saying why
    pass

CHROMIUM = Path(os.environ.get("KB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
LABELS = ("empirical", "expert-based", "unsupported", "service")
FITS = ("supports", "partial", "indirect", "not-addressed", "unassessed", "")


def _missing_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if not CHROMIUM.exists():
        return f"no chromium at {CHROMIUM} (apt-get install chromium, or set KB_CHROMIUM)"
    return None


# Module-scoped: playwright's sync API runs one at a time, and other modules launch their own.
def launched_chromium() -> Iterator[Any]:
    """Debian's chromium, for a fixture to yield from; skipped without it (a failure with
    KB_REQUIRE_BROWSER=1)."""
    missing = _missing_browser()
    if missing:
        if os.environ.get("KB_REQUIRE_BROWSER") == "1":
            pytest.fail(f"KB_REQUIRE_BROWSER=1 but the browser tests cannot run: {missing}")
        pytest.skip(f"browser tests skipped: {missing}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched_chromium()


def build_report(kb_dir: Path, out: Path, lang: str = "nl") -> tuple[Path, dict[str, Any]]:
    """`kb report` into `out`; the HTML file and the parsed report.json."""
    code = main(["--kb", str(copied(kb_dir, out.parent)), "report", "--out", str(out), "--lang", lang])
    assert code in (0, 1), f"kb report exited {code}"
    return out / "report.html", json.loads((out / "report.json").read_text(encoding="utf-8"))


class Watched:
    """A chromium page with every console message, page error and request kept (each request's
    URL as `request` keeps it)."""

    def __init__(self, browser: Any, width: int = 1280, javascript: bool = True,
                 request: Callable[[str], str] = str) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": 900},
                                           java_script_enabled=javascript)
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(request(r.url)))


class Page(Watched):
    """A report opened in chromium, with every console message, page error and request kept."""

    def __init__(self, browser: Any, html: Path, width: int = 1280, javascript: bool = True,
                 fragment: str = "") -> None:
        super().__init__(browser, width, javascript)
        self.url = html.resolve().as_uri()
        self.page.goto(self.url + fragment)

    def check_clean(self) -> None:
        """No console error, no script error, no request but the file itself."""
        assert [m for m in self.console if m.startswith("error")] == []
        assert self.errors == []
        assert {r.split("#")[0] for r in self.requests} == {self.url}

    def shown_cards(self) -> list[str]:
        return self.page.eval_on_selector_all(
            "ol.claims > li.card:not([hidden])", "cards => cards.map(c => c.dataset.claimItem)")

    def panel_sources(self) -> list[tuple[str, str]]:
        return [tuple(pair) for pair in self.page.eval_on_selector_all(
            "#panel-body ul.sources > li", "items => items.map(i => [i.dataset.key, i.dataset.fit])")]

    def only(self, name: str, value: str) -> None:
        """Tick exactly one box of a filter group (by clicking, as a person would)."""
        self.reset()
        for box in self.page.query_selector_all(f"#filters input[name={name}]"):
            if (box.get_attribute("value") == value) != box.is_checked():
                box.click()

    def reset(self) -> None:
        """Clear every filter (the button is disabled while none is set)."""
        if self.page.locator("#filter-reset").is_enabled():
            self.page.click("#filter-reset")
        assert self.page.locator("#filter-reset").is_disabled()

    def search(self, query: str) -> None:
        """Type a search and wait until the page has applied it (it waits for typing to pause)."""
        self.page.fill("#filter-search", query)
        words = " ".join(fold(query).split())
        expect(self.page.locator(".filter-note").first).to_have_text(re.compile(re.escape(words) + "$"))

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The report of the knowledge base in this repository."""
    return build_report(REPO, tmp_path_factory.mktemp("real"))


@pytest.fixture
def opened(browser: Any, real: tuple[Path, dict[str, Any]]) -> Iterator[Page]:
    page = Page(browser, real[0])
    yield page
    page.check_clean()
    page.close()


def fold(text: str) -> str:
    """The report's search folding: no case, no accents."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).lower()


@pytest.mark.parametrize("width", [1280, 390])
def test_report_opens_clean_and_shows_every_claim(browser: Any, real, width: int, tmp_path: Path) -> None:
    html, data = real
    page = Page(browser, html, width=width)
    page.page.wait_for_timeout(300)  # content-visibility paints a frame late
    page.page.screenshot(path=str(tmp_path / f"report-{width}.png"))
    assert len(page.shown_cards()) == len(data["claims"])
    assert page.page.locator("#filters").is_visible()
    assert page.page.locator("#filter-status").inner_text() == \
        f"{len(data['claims'])} van {len(data['claims'])} beweringen · {len(data['works'])} van {len(data['works'])} bronnen"
    marked = set(page.page.eval_on_selector_all(".leaflet a.claim", "marks => marks.map(m => m.dataset.claim)"))
    assert marked == {c["id"] for c in data["claims"]}
    page.check_clean()
    page.close()
    assert (tmp_path / f"report-{width}.png").stat().st_size > 10_000


def test_clicking_a_claim_shows_exactly_its_sources(opened: Page, real, tmp_path: Path) -> None:
    _, data = real
    works = {w["key"]: w for w in data["works"]}
    t = rendering.interface("nl")
    cited = [c for c in data["claims"] if c["sources"]]
    bare = [c for c in data["claims"] if not c["sources"]]
    assert len(cited) >= 5 and bare
    for claim in cited + bare[:3]:
        opened.page.locator(f'.leaflet a.claim[data-claim="{claim["id"]}"]').first.click()
        panel = opened.page.locator("#panel")
        assert panel.is_visible()
        number = next(i for i, c in enumerate(data["claims"], 1) if c["id"] == claim["id"])
        assert opened.page.locator("#panel-title").inner_text() == f"Bewering {number}"
        assert opened.page.locator("#panel-body .head .badge").inner_text() == t["labels"][claim["label"]]
        assert rendering.localise(claim["label_reason"], "nl") in opened.page.locator("#panel-body .reason").inner_text()
        assert opened.panel_sources() == [(s["key"], s["fit"]) for s in claim["sources"]]
        for item, source in zip(opened.page.locator("#panel-body ul.sources > li").all(), claim["sources"]):
            work = works.get(source["key"])
            text = item.inner_text()
            if work is None:
                assert t["missing_work"] in text
                continue
            assert work["reference"] in text
            # The APA 7 entry with its italics and links, as the works view (and the leaflet) has it.
            reference = item.locator("p.ref > .reference").inner_html()
            assert reference == opened.page.locator(f'li[data-work="{source["key"]}"] .reference').inner_html()
            assert "<i>" in reference
            if work["n"]:
                assert work["n"] in text
            links = item.locator("a.doi")
            if work["doi"]:
                assert links.get_attribute("href") == doi_href(work["doi"])
            else:
                assert links.count() == 0  # a DOI never seen in a source is never a link
                if work["doi_unverified"]:
                    assert work["doi_unverified"] in text
            if source["note"]:
                assert source["note"] in text
            others = len(set(work["cited_by"])) - 1
            assert item.locator("p.others").count() == (1 if others else 0)
        assert opened.page.locator("#panel-body .claim-findings > li").count() == len(claim["findings"])
        assert opened.page.url.endswith(f"#claim-{claim['id']}")
    opened.page.screenshot(path=str(tmp_path / "panel.png"))


def test_the_panel_works_from_the_keyboard(opened: Page, real) -> None:
    _, data = real
    claim = next(c for c in data["claims"] if c["sources"])
    mark = opened.page.locator(f'.leaflet a.claim[data-claim="{claim["id"]}"]').first
    mark.focus()
    opened.page.keyboard.press("Enter")
    assert opened.page.locator("#panel").is_visible()
    assert opened.page.evaluate("document.activeElement.id") == "panel-title"
    opened.page.click("#panel-next")
    index = [c["id"] for c in data["claims"]].index(claim["id"])
    assert opened.page.url.endswith(f"#claim-{data['claims'][index + 1]['id']}")
    opened.page.keyboard.press("Escape")
    assert not opened.page.locator("#panel").is_visible()
    assert "#claim-" not in opened.page.url


def test_clicking_anywhere_on_a_card_opens_its_claim(browser: Any, real) -> None:
    html, data = real
    page = Page(browser, html, width=390)
    claim = data["claims"][-1]
    page.page.locator(f'li.card[data-claim-item="{claim["id"]}"] .section').click()
    assert page.page.locator("#panel-body blockquote").inner_text() == claim["text"]
    page.page.click("#panel-close")
    assert not page.page.locator("#panel").is_visible()
    page.check_clean()
    page.close()


def test_each_filter_shows_the_right_number_of_claims(opened: Page, real) -> None:
    _, data = real
    claims = data["claims"]
    for label in LABELS:
        opened.only("label", label)
        expected = [c["id"] for c in claims if c["label"] == label]
        assert opened.shown_cards() == expected, label
        assert opened.page.locator(f'[data-count="label:{label}"]').inner_text() == str(len(expected))
        assert opened.page.locator("#filter-status").inner_text().startswith(f"{len(expected)} van {len(claims)} ")
    for fit in FITS:
        opened.only("fit", fit)
        expected = [c["id"] for c in claims
                    if fit in {s["fit"] for s in c["sources"]} or (fit == "" and not c["sources"])]
        assert opened.shown_cards() == expected, fit or "no source"
    opened.reset()
    opened.page.check("#filters input[name=findings]")
    with_findings = [c["id"] for c in claims if c["findings"]]
    assert opened.shown_cards() == with_findings
    assert opened.page.locator('[data-count="findings"]').inner_text() == str(len(with_findings))
    # Facet counts follow the other filters: labels among claims with findings.
    for label in LABELS:
        assert opened.page.locator(f'[data-count="label:{label}"]').inner_text() == \
            str(sum(1 for c in claims if c["findings"] and c["label"] == label))
    opened.reset()
    assert len(opened.shown_cards()) == len(claims)


def _search_expected(data: dict[str, Any], query: str) -> list[str]:
    works = {w["key"]: w for w in data["works"]}
    shown = []
    for claim in data["claims"]:
        parts = [claim["id"], claim["text"], claim["section"], claim["cited_as"]]
        for source in claim["sources"]:
            parts += [source["key"], works[source["key"]]["reference"] if source["key"] in works else ""]
        hay = fold("\n".join(parts))
        if all(term in hay for term in fold(query).split()):
            shown.append(claim["id"])
    return shown


def test_search_covers_claim_text_and_works(opened: Page, real) -> None:
    _, data = real
    cited = next(w for w in data["works"] if w["cited_by"])
    for query in ("lichaam", cited["authors"][0], "LICHAAMSGERICHTE interventies", "geen-woord-dat-er-is"):
        opened.search(query)
        assert opened.shown_cards() == _search_expected(data, query), query
    assert opened.page.locator("#doc-npi-pmt .none-shown").is_visible()
    # A work's key finds that work in the works view, even one that no claim cites.
    opened.search(cited["key"])
    works_shown = opened.page.eval_on_selector_all("li.work:not([hidden])", "ws => ws.map(w => w.dataset.work)")
    assert cited["key"] in works_shown
    assert set(opened.shown_cards()) >= set(cited["cited_by"])


def test_gap_map_counts_equal_report_json_and_cells_filter(opened: Page, real) -> None:
    _, data = real
    for document in data["documents"]:
        expected: Counter[tuple[int, str]] = Counter()
        for claim in data["claims"]:
            if claim["document"] == document["id"]:
                expected[(document["sections"].index(claim["section"]), claim["label"])] += 1
        for i in range(len(document["sections"])):
            expected[(i, "")] = sum(expected[(i, label)] for label in LABELS)
        for label in LABELS:
            expected[(-1, label)] = document["counts"][label]
        expected[(-1, "")] = document["claims"]
        cells = opened.page.eval_on_selector_all(
            f'table.gapmap[data-document="{document["id"]}"] td',
            "tds => tds.map(td => [Number(td.dataset.section), td.dataset.label, Number(td.innerText)])")
        assert len(cells) == (len(document["sections"]) + 1) * (len(LABELS) + 1)
        assert {(s, label): n for s, label, n in cells} == {key: expected[key] for key in
                                                              ((s, label) for s, label, _ in cells)}
        for section, label, count in cells:
            if not count:
                continue
            opened.page.click(f'a[data-gap="{document["id"]}"][data-section="{section}"][data-label="{label}"]')
            shown = opened.shown_cards()
            assert len(shown) == count, (document["id"], section, label)
            by_id = {c["id"]: c for c in data["claims"]}
            assert all(by_id[i]["document"] == document["id"] for i in shown)
            if section >= 0:
                assert all(by_id[i]["section"] == document["sections"][section] for i in shown)
            if label:
                assert all(by_id[i]["label"] == label for i in shown)
            assert opened.page.locator(f"#claims-{document['id']} .filter-note").is_visible()
    opened.reset()


def test_a_fragment_link_reopens_its_claim(browser: Any, real) -> None:
    html, data = real
    claim = next(c for c in data["claims"] if len(c["sources"]) > 1)
    page = Page(browser, html, fragment=f"#claim-{claim['id']}")
    assert page.page.locator("#panel").is_visible()
    assert page.panel_sources() == [(s["key"], s["fit"]) for s in claim["sources"]]
    # Back and forward move between claims the way links do.
    other = next(c for c in data["claims"] if c["id"] != claim["id"])
    page.page.locator(f'.leaflet a.claim[data-claim="{other["id"]}"]').first.click()
    assert page.page.locator("#panel-body blockquote").inner_text() == other["text"]
    page.page.go_back()
    expect(page.page.locator("#panel-body blockquote")).to_have_text(claim["text"])
    page.page.click("#panel-close")
    assert not page.page.locator("#panel").is_visible()
    page.page.go_back()
    expect(page.page.locator("#panel")).to_be_visible()
    page.check_clean()
    page.close()


def test_markup_in_kb_values_is_shown_as_text_and_runs_nothing(browser: Any, tmp_path: Path) -> None:
    html, data = build_report(ROOTS / "markup_in_values", tmp_path / "out")
    page = Page(browser, html)
    claim = data["claims"][0]
    work = data["works"][0]
    assert page.page.evaluate("typeof window.pwned") == "undefined"
    assert page.page.locator("#works li.work .ref").inner_text().count(work["title"]) == 1
    assert page.page.locator("h2").filter(has_text="Folder").first.inner_text().startswith("<script>window.pwned = 4")
    assert page.page.locator(".leaflet").inner_text().count("Bewegen <b>helpt</b> & </script> werkt") == 1
    page.page.locator(".leaflet a.claim").first.click()
    body = page.page.locator("#panel-body").inner_text()
    for value in (claim["text"], claim["cited_as"], claim["section"], claim["sources"][0]["note"],
                  work["title"], work["population"]):
        assert value in body
    assert page.page.locator("#panel-body a.doi").get_attribute("href") == doi_href(work["doi"])
    assert page.page.evaluate("typeof window.pwned") == "undefined"
    assert page.page.locator("img, svg, iframe, em, b").count() == 0
    page.page.reload()
    assert page.page.locator("#panel").is_visible()  # the fragment holds the hostile id safely
    assert page.page.evaluate("typeof window.pwned") == "undefined"
    page.page.screenshot(path=str(tmp_path / "markup.png"))
    page.check_clean()
    page.close()


def test_without_javascript_everything_is_readable(browser: Any, real) -> None:
    html, data = real
    page = Page(browser, html, javascript=False)
    assert not page.page.locator("#filters").is_visible()
    assert not page.page.locator("#panel").is_visible()
    assert page.page.locator("ol.claims > li.card").count() == len(data["claims"])
    cited = next(c for c in data["claims"] if c["sources"])
    card = page.page.locator(f'li.card[data-claim-item="{cited["id"]}"]')
    assert card.locator(".sources").is_visible()
    assert card.locator(".sources > li").count() == len(cited["sources"])
    page.check_clean()
    page.close()


def test_print_shows_details_and_hides_controls(opened: Page, real) -> None:
    _, data = real
    opened.page.emulate_media(media="print")
    cited = next(c for c in data["claims"] if c["sources"])
    assert not opened.page.locator("#filters").is_visible()
    assert opened.page.locator(f'li.card[data-claim-item="{cited["id"]}"] .sources').is_visible()
    opened.page.emulate_media(media="screen")
    assert not opened.page.locator(f'li.card[data-claim-item="{cited["id"]}"] .sources').is_visible()


def test_english_interface_in_the_browser(browser: Any, tmp_path: Path) -> None:
    html, _ = build_report(ROOTS / "tiny", tmp_path / "out", lang="en")
    page = Page(browser, html, width=390)
    assert page.page.locator("#filter-status").inner_text() == "4 of 4 claims · 2 of 2 works"
    page.page.locator(".leaflet a.claim").first.click()
    assert page.page.locator("#panel-title").inner_text() == "Claim 1"
    assert page.page.locator("#panel-close").inner_text().endswith("Close")
    page.page.screenshot(path=str(tmp_path / "tiny-en-390.png"))
    page.check_clean()
    page.close()


def test_long_lists_show_the_first_claims_and_more_on_request(browser: Any, tmp_path: Path) -> None:
    kb_dir = tmp_path / "kb"
    (kb_dir / "claims").mkdir(parents=True)
    (kb_dir / "references.bib").write_text("", encoding="utf-8")
    (kb_dir / "claims" / "lang.txt").write_text(
        "".join(f"Bewering {i} is waar.\n\n" for i in range(230)), encoding="utf-8")
    (kb_dir / "claims" / "lang.yaml").write_text("claims:\n" + "".join(
        f"  - id: b{i}\n    kind: {'service' if i % 10 == 0 else 'clinical'}\n    text: \"Bewering {i} is waar.\"\n"
        for i in range(230)), encoding="utf-8")
    html, data = build_report(kb_dir, tmp_path / "out")
    page = Page(browser, html)
    ids = [c["id"] for c in data["claims"]]
    assert page.shown_cards() == ids[:200]
    more = page.page.locator('button[data-more="doc:lang"]')
    assert more.inner_text() == "Toon er nog 30 (van 30 niet getoond)"
    assert page.page.locator("#filter-status").inner_text().startswith("230 van 230 beweringen")
    more.click()
    # the click's handler runs on the page's main thread, after the click returns: wait for it
    page.page.wait_for_function("n => document.querySelectorAll('ol.claims > li.card:not([hidden])').length === n",
                                arg=len(ids))
    assert page.shown_cards() == ids
    assert not more.is_visible()
    page.only("label", "service")  # a new selection starts short again: 23 fit
    assert page.shown_cards() == [c["id"] for c in data["claims"] if c["kind"] == "service"]
    page.reset()
    assert len(page.shown_cards()) == 200
    page.page.emulate_media(media="print")
    page.page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.shown_cards() == ids  # on paper, all of them
    page.check_clean()
    page.close()


def test_a_missing_work_shows_as_missing_in_the_panel(browser: Any, tmp_path: Path) -> None:
    html, _ = build_report(ROOTS / "missing_reference", tmp_path / "out")
    page = Page(browser, html)
    page.page.locator('.leaflet a.claim[data-claim="helpt"]').click()
    assert page.panel_sources() == [("doe2001", "unassessed")]
    assert "ontbreekt in references.bib" in page.page.locator("#panel-body").inner_text()
    page.check_clean()
    page.close()
