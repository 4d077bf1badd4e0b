"""Benchmark: the interactive report of a large synthetic knowledge base in chromium.

Makes a KB of N works (default 10,000) and as many claims spread over a few leaflets, runs
`kb report` on it, opens report.html in headless chromium and measures the time to first
render (first contentful paint), until the report's script is ready, and how long filters
take until the next frame is painted. Long tasks over 50 ms are listed: they are what a
reader feels as a freeze.

    .venv/bin/python bench/report_browser.py [--works 10000] [--leaflets 5] [--keep DIR]

A paged report (kb/pages.py) is measured page by page: the index (first contentful paint, until
its script is ready, the first search, which reads the search data) and one leaflet's page (as
the single report above); the largest page is named with its size. `--kb DIR` measures the
report of a KB already made, such as bench/scale.py's (`--keep DIR --sizes 10000`):

    .venv/bin/python bench/report_browser.py --kb DIR/kb-10000 --pages paged
"""

from __future__ import annotations

import argparse
import contextlib
import io
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from kb.cli import main as kb_main

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DESIGNS = ["meta-analysis", "systematic-review", "rct", "pilot-rct", "cohort", "cross-sectional", "pre-post",
           "case-series", "narrative-review", "theory", "handbook-chapter", "book", "expert-opinion"]
FITS = ["supports", "partial", "indirect", "not-addressed", "unassessed"]
STATES = ["verified", "verified-core", "partly", "from-memory", "unresolved"]
WORDS = ["lichaam", "beweging", "spanning", "angst", "houding", "adem", "emotie", "grens", "ervaring", "therapie", "groep", "herstel", "pijn", "stress", "slaap", "kracht", "balans", "ritme", "contact", "vertrouwen"]
SURNAMES = ["Jansen", "de-Vries", "Bakker", "Visser", "Smit", "Meijer", "de-Boer", "Mulder", "de-Groot", "Bos", "Vos", "Peters", "Hendriks", "van-Dijk", "Dekker", "Brouwer", "Probst", "Koch", "Röhricht", "Sørensen"]


def make_kb(root: Path, works: int, leaflets: int, seed: int = 7) -> None:
    """A KB as big as asked: every work cited once or more, claims across `leaflets` leaflets."""
    rng = random.Random(seed)
    entries = []
    for i in range(works):
        family = rng.choice(SURNAMES).replace("-", " ")
        design = rng.choice(DESIGNS)
        doi = f"  doi = {{10.5555/bench.{i}}},\n" if i % 3 == 0 else ""
        doi += f"  doiunverified = {{10.5555/recalled.{i}}},\n" if i % 3 == 1 else ""
        entries.append(
            f"@article{{w{i},\n  author = {{{family}, A. and Other, B.}},\n  year = {{{2000 + i % 24}}},\n"
            f"  title = {{Study {i} of {rng.choice(WORDS)} and {rng.choice(WORDS)} in therapy}},\n"
            f"  journal = {{Journal of {rng.choice(WORDS).title()}}},\n  volume = {{{i % 40 + 1}}},\n"
            f"  pages = {{{i % 90 + 1}--{i % 90 + 12}}},\n{doi}  design = {{{design}}},\n"
            f"  population = {{adults with {rng.choice(WORDS)} complaints}},\n  n = {{{20 + i % 400}}},\n"
            f"  verificationstatus = {{{rng.choice(STATES)}}},\n  verification = {{checked against a synthetic source}}\n}}\n")
    (root / "references.bib").write_text("\n".join(entries), encoding="utf-8")
    (root / "claims").mkdir()
    per = works // leaflets
    for d in range(leaflets):
        lines, claims = [], []
        for j in range(per):
            i = d * per + j
            if j % 40 == 0:
                section = f"Onderdeel {j // 40 + 1} over {rng.choice(WORDS)}"
                lines += ["", section, ""]
            text = f"Bewering {i} zegt dat {rng.choice(WORDS)} helpt bij {rng.choice(WORDS)} en {rng.choice(WORDS)}"
            kind = "service" if j % 17 == 0 else "clinical"
            sources = [] if kind == "service" or j % 11 == 0 else [i] + ([rng.randrange(works)] if j % 4 == 0 else [])
            lines.append(text + (" (bron)." if sources else ".") + ("\n" if j % 5 == 4 else ""))
            claims.append(f"  - id: c{i}\n    section: \"{section}\"\n    kind: {kind}\n    text: \"{text}\"\n"
                          + ("    sources:\n" + "".join(
                              f"      - key: w{k}\n        fit: {rng.choice(FITS)}\n" for k in sources)
                             if sources else "    sources: []\n"))
        (root / "claims" / f"leaflet{d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (root / "claims" / f"leaflet{d}.yaml").write_text(
            f"document:\n  title: \"Synthetische folder {d}\"\n  publisher: \"Bench\"\nclaims:\n" + "".join(claims),
            encoding="utf-8")


_FRAME = "() => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)))"


def _wait(page: Any, condition: str) -> None:
    """Poll a condition (the page's security policy forbids playwright's wait_for_function)."""
    while not page.evaluate(condition):
        time.sleep(0.005)


def _timed(page: Any, action: str) -> float:
    """Milliseconds from an action in the page until the next frame has been painted."""
    return float(page.evaluate(
        "async () => { const t0 = performance.now(); " + action +
        "; await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0))); return performance.now() - t0; }"))


def _timing(page: Any) -> dict[str, float]:
    # A page whose script is ready before its first frame (a small leaflet page) has no paint entry
    # yet: it is waited for (5 s at most, then -1), not read as missing.
    return dict(page.evaluate("""async () => {
        const nav = performance.getEntriesByType('navigation')[0];
        const fcp = await new Promise(resolve => {
            const found = performance.getEntriesByName('first-contentful-paint')[0];
            if (found) { resolve(found.startTime); return; }
            new PerformanceObserver(list => {
                const entry = list.getEntriesByName('first-contentful-paint')[0];
                if (entry) resolve(entry.startTime);
            }).observe({type: 'paint', buffered: true});
            setTimeout(() => resolve(-1), 5000);
        });
        return {fcp: fcp, dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd};
    }"""))


def measure_paged(out: Path, runs: int) -> dict[str, list[float]]:
    """The index of a paged report, and its first leaflet's page."""
    from playwright.sync_api import sync_playwright

    results: dict[str, list[float]] = {}

    def keep(name: str, value: float) -> None:
        results.setdefault(name, []).append(value)

    leaflet = min((out / "report" / "leaflets").glob("*.html"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            start = time.perf_counter()
            page.goto((out / "report.html").as_uri(), wait_until="load")
            _wait(page, "!document.getElementById('search-form').hidden")
            keep("index: wall, goto until script ready (ms)", (time.perf_counter() - start) * 1000)
            timing = _timing(page)
            keep("index: first contentful paint (ms)", timing["fcp"])
            keep("index: DOMContentLoaded (ms)", timing["dcl"])
            keep("index: load event (ms)", timing["load"])
            page.evaluate(_FRAME)
            start = time.perf_counter()
            page.fill("#search-input", "spanning helpt")
            _wait(page, "document.getElementById('search-status').textContent.length > 0")
            keep("index: first search, data read (ms, wall)", (time.perf_counter() - start) * 1000)
            page.close()
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            start = time.perf_counter()
            page.goto(leaflet.as_uri(), wait_until="load")
            _wait(page, "document.getElementById('filter-status').textContent.length > 0")
            keep("leaflet page: wall, goto until script ready (ms)", (time.perf_counter() - start) * 1000)
            timing = _timing(page)
            keep("leaflet page: first contentful paint (ms)", timing["fcp"])
            keep("leaflet page: DOMContentLoaded, script ran (ms)", timing["dcl"])
            keep("leaflet page: open a claim panel (ms)", _timed(page, "document.querySelector('.leaflet a.claim').click()"))
            page.close()
        browser.close()
    return results


def measure(html: Path, runs: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    results: dict[str, list[float]] = {}

    def keep(name: str, value: float) -> None:
        results.setdefault(name, []).append(value)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.add_init_script("""
                window.__long = [];
                new PerformanceObserver(list => list.getEntries().forEach(e => window.__long.push(e.duration)))
                  .observe({type: 'longtask', buffered: true});
            """)
            start = time.perf_counter()
            page.goto(html.as_uri(), wait_until="load")
            _wait(page, "document.getElementById('filter-status').textContent.length > 0")
            keep("wall: goto until script ready (ms)", (time.perf_counter() - start) * 1000)
            timing = page.evaluate("""() => {
                const nav = performance.getEntriesByType('navigation')[0];
                const fcp = performance.getEntriesByName('first-contentful-paint')[0];
                return {fcp: fcp ? fcp.startTime : -1, dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd};
            }""")
            keep("first contentful paint (ms)", timing["fcp"])
            keep("DOMContentLoaded, script ran (ms)", timing["dcl"])
            keep("load event (ms)", timing["load"])
            page.evaluate(_FRAME)
            before = len(page.evaluate("window.__long"))
            keep("filter: untick one label (ms)",
                 _timed(page, "document.querySelector('input[name=label][value=empirical]').click()"))
            keep("filter: findings only (ms)", _timed(page, "document.querySelector('input[name=findings]').click()"))
            keep("filter: gap-map cell (ms)", _timed(page, "document.querySelector('a[data-gap]').click()"))
            keep("filter: reset (ms)", _timed(page, "document.getElementById('filter-reset').click()"))
            page.fill("#filter-search", "spanning helpt")
            _wait(page, "!document.getElementById('filter-status').textContent.startsWith("
                        "document.querySelectorAll('li.card').length + ' ')")
            keep("open a claim panel (ms)", _timed(page, "document.querySelector('.leaflet a.claim').click()"))
            longest = page.evaluate("window.__long")
            keep("longest task while loading (ms)", max(longest[:before] or [0]))
            keep("longest task while filtering (ms)", max(longest[before:] or [0]))
            page.close()
        browser.close()
    return results


def run() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--works", type=int, default=10_000)
    parser.add_argument("--leaflets", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3, help="page loads to measure (median shown)")
    parser.add_argument("--keep", metavar="DIR", help="build the KB here and keep it")
    parser.add_argument("--kb", metavar="DIR", help="measure the report of this KB (made already)")
    parser.add_argument("--pages", choices=("auto", "single", "paged"), default="auto", help="kb report --pages")
    args = parser.parse_args()
    if args.kb:
        folder = Path(args.kb)
    else:
        folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="kb-bench-"))
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / "references.bib").exists():
            make_kb(folder, args.works, args.leaflets)
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):  # a path a file, a line a finding
        code = kb_main(["--kb", str(folder), "report", "--out", str(folder / "build"), "--pages", args.pages])
    seconds = time.perf_counter() - start
    if code not in (0, 1):
        print(f"kb report failed with exit code {code}", file=sys.stderr)
        return 1
    out = folder / "build"
    html = out / "report.html"
    print(f"KB in {folder}")
    print(f"kb report (load, audit, render, write): {seconds:.1f} s; report.html {html.stat().st_size / 1e6:.1f} MB")
    paged = (out / "report" / "leaflets").is_dir()
    if paged:
        files = [html, *(out / "report").rglob("*.html")]
        largest = max(files, key=lambda p: p.stat().st_size)
        print(f"paged: {len(files)} pages, {sum(p.stat().st_size for p in files) / 1e6:.0f} MB in all; largest "
              f"{largest.relative_to(out)} {largest.stat().st_size / 1e6:.2f} MB")
    for name, values in (measure_paged(out, args.runs) if paged else measure(html, args.runs)).items():
        print(f"{name:<48} median {statistics.median(values):8.0f}   runs {', '.join(f'{v:.0f}' for v in values)}")
    return 0


if __name__ == "__main__":
    sys.exit(run())
