"""One reference renderer: report.json, report.html (works view, claim cards, data block),
report.md and `kb show` give each work's reference as the APA 7 entry `kb leaflet` prints,
in nl-NL and in en-US, for every work of this KB and for 300 entries of a real bibliography
(../shared/data/cdl.bib) of every entry type."""

from __future__ import annotations

import html
import json
import re
import shutil
import textwrap
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import REPO

from kb import build, show
from kb.apa.references import Entry, markdown, plain
from kb.apa.references import html as rich_html
from kb.cli import main

CDL = REPO.parent / "shared" / "data" / "cdl.bib"
needs_cdl = pytest.mark.skipif(not CDL.is_file(), reason="../shared/data/cdl.bib is not beside this checkout")
SAMPLE = 300
LANGUAGES = ("nl", "en")


@dataclass
class Shown:
    """Where a KB shows each work's reference, as plain text, and the leaflet's own markup."""

    plain: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # key -> place -> texts
    leaflet_html: dict[str, str] = field(default_factory=dict)  # key -> the leaflet's HTML entry
    leaflet_md: dict[str, str] = field(default_factory=dict)  # key -> the leaflet's Markdown entry
    report_html: dict[str, str] = field(default_factory=dict)  # key -> the works view's HTML entry
    report_md: dict[str, str] = field(default_factory=dict)  # key -> the works table's Markdown entry

    def add(self, key: str, place: str, text: str) -> None:
        self.plain.setdefault(key, {}).setdefault(place, []).append(text)


def from_html(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", fragment))


def from_markdown(text: str) -> str:
    """Markdown as kb.apa.references writes it, back to plain text: escapes, emphasis, autolinks."""
    def undo(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return match.group(1)
        return unquote(match.group(2)) if match.group(2) is not None else ""
    return re.sub(r"\\(.)|<(https?://[^>\s]*)>|\*", undo, text)


def same_urls(text: str) -> str:
    """URLs percent-decoded: a link's href is the URL with unsafe characters encoded."""
    return re.sub(r"https?://\S+", lambda m: unquote(m.group()), text)


def one(pattern: str, text: str) -> str:
    match = re.search(pattern, text, re.DOTALL)
    assert match, f"nothing matches {pattern!r}"
    return match.group(1)


def _report(kb_dir: Path, out: Path, lang: str, shown: Shown) -> dict:
    assert main(["--kb", str(kb_dir), "report", "--out", str(out), "--lang", lang]) in (0, 1)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    for work in report["works"]:
        shown.add(work["key"], "report.json", work["reference"])
    page = (out / "report.html").read_text(encoding="utf-8")
    data = json.loads(one(r'<script type="application/json" id="kb-data">(.*?)</script>', page))
    for work in data["works"]:
        shown.add(work["key"], "report.html data", work["reference"])
    for key, entry in re.findall(r'<li class="work [^"]*" id="work-([^"]+)" data-work="[^"]+">\n<p class="ref">'
                                 r'<span class="badge[^"]*">[^<]*</span> <span class="reference">(.*?)</span> '
                                 r'<span class="key">', page):
        shown.report_html[html.unescape(key)] = entry
        shown.add(html.unescape(key), "report.html works", from_html(entry))
    for entry, key in re.findall(r'<span class="reference">(.*?)</span> <a class="key" href="#work-([^"]+)">', page):
        shown.add(html.unescape(key), "report.html claims", from_html(entry))
    text = (out / "report.md").read_text(encoding="utf-8")
    for key, entry in re.findall(r"^\| `([^`]+)` \| ((?:[^|\\]|\\.)*) \| ", text, re.MULTILINE):
        shown.report_md[key] = entry.replace("\\|", "|")
        shown.add(key, "report.md works", from_markdown(shown.report_md[key]))
    # The claims' sources, in report order: "- **fit**: <reference> (design..." per source.
    lines = iter(re.findall(r"^- \*\*[^*]+\*\*: (.*)$", text, re.MULTILINE))
    works = {w["key"] for w in report["works"]}
    for claim in report["claims"]:
        for source in claim["sources"]:
            line = next(lines)
            if source["key"] in works:
                shown.add(source["key"], "report.md claims", line)  # checked against the works table below
    return report


def _leaflets(kb_dir: Path, docs: list[str], lang: str, shown: Shown) -> None:
    for doc in docs:
        assert main(["--kb", str(kb_dir), "leaflet", doc, "--lang", lang, "--format", "html",
                     "--out", str(kb_dir / "build" / f"{doc}-{lang}.html"), "--force"]) == 0
        page = (kb_dir / "build" / f"{doc}-{lang}.html").read_text(encoding="utf-8")
        listed = re.findall(r'<li id="ref-([^"]+)">(.*?)(?: <span class="unverified"[^>]*>[^<]*</span>)?</li>', page)
        if not listed:  # a leaflet that cites nothing (alkura-alk)
            continue
        assert main(["--kb", str(kb_dir), "leaflet", doc, "--lang", lang,
                     "--out", str(kb_dir / "build" / f"{doc}-{lang}.md"), "--force"]) == 0
        paragraphs = (kb_dir / "build" / f"{doc}-{lang}.md").read_text(encoding="utf-8").strip().split("\n\n")
        for (key, entry), md in zip(listed, paragraphs[-len(listed):], strict=True):
            key = html.unescape(key)
            assert shown.leaflet_html.setdefault(key, entry) == entry, f"{key}: two leaflets list it differently"
            shown.leaflet_md[key] = md
            shown.add(key, "kb leaflet html", from_html(entry))
            shown.add(key, "kb leaflet md", from_markdown(md))


def _show(kb_dir: Path, lang: str, shown: Shown, capsys: pytest.CaptureFixture[str]) -> None:
    kb, stop = build.read(kb_dir)
    assert stop is None
    for key in kb.works:
        text = show.describe(kb, key, lang)
        assert text is not None
        lines = text.splitlines()
        end = next(i for i, line in enumerate(lines) if line.startswith("  label: "))
        shown.add(key, "kb show", " ".join(line.strip() for line in lines[1:end]))
    for claim in (c for d in kb.documents for c in d.claims if c.sources):
        text = show.describe(kb, claim.id, lang)
        assert text is not None
        said = " ".join(line.strip() for line in text.splitlines())
        for source in claim.sources:
            shown.add(source.key, "kb show claim", said)  # holds the reference; checked below
    # The command prints what describe() gives, in the language asked for.
    key = next(iter(kb.works))
    capsys.readouterr()
    assert main(["--kb", str(kb_dir), "show", key, "--lang", lang]) == 0
    assert capsys.readouterr().out == f"{show.describe(kb, key, lang)}\n"


def check(shown: Shown, works: list[str]) -> None:
    """Every place gives each work the leaflet's text; the report's markup is the leaflet's."""
    assert set(shown.plain) == set(works)
    for key in works:
        places = shown.plain[key]
        expected = places["report.json"][0]
        assert expected, f"{key}: no reference"
        if key in shown.leaflet_html:
            expected = from_html(shown.leaflet_html[key])
            assert shown.report_html[key] == shown.leaflet_html[key], key
            assert shown.report_md[key] == shown.leaflet_md[key], key
        for place, texts in places.items():
            for text in texts:
                if place == "report.md claims":
                    assert text.startswith(shown.report_md[key] + " ("), (key, place)
                elif place == "kb show claim":
                    assert " ".join(expected.split()) in text, (key, place)
                elif place == "kb show":
                    assert text == " ".join(expected.split()), (key, place)
                else:
                    assert same_urls(text) == same_urls(expected), (key, place, text, expected)


def _kb_report(kb_dir: Path, docs: list[str], lang: str, out: Path, capsys: pytest.CaptureFixture[str]
               ) -> tuple[Shown, dict]:
    shown = Shown()
    report = _report(kb_dir, out, lang, shown)
    _leaflets(kb_dir, docs, lang, shown)
    _show(kb_dir, lang, shown, capsys)
    return shown, report


# --- this KB ---------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_work_of_this_kb_has_the_leaflet_reference_everywhere(lang: str, tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    kb_dir = tmp_path / "kb"
    shutil.copytree(REPO / "claims", kb_dir / "claims")
    shutil.copy(REPO / "references.bib", kb_dir)
    docs = sorted(p.stem for p in (REPO / "claims").glob("*.yaml"))
    shown, report = _kb_report(kb_dir, docs, lang, tmp_path / "out", capsys)
    works = [w["key"] for w in report["works"]]
    check(shown, works)
    cited = {s["key"] for c in report["claims"] for s in c["sources"]}
    assert cited & set(works) <= set(shown.leaflet_html)  # every cited work is in a leaflet's list
    by_key = {w["key"]: w["reference"] for w in report["works"]}
    # The same authors in the same year are told apart as the leaflet tells them apart.
    assert re.search(r"\(2017a\)\. What we have changed our minds about: Part 1\.", by_key["fonagy2017a"])
    assert re.search(r"\(2017b\)\. What we have changed our minds about: Part 2\.", by_key["fonagy2017b"])
    assert "<i>The Arts in Psychotherapy</i>, <i>41</i>(1), 46–64. " \
           '<a href="https://doi.org/10.1016/j.aip.2013.10.004">' in shown.report_html["koch2014"]
    assert "*The Arts in Psychotherapy*, *41*(1), 46–64. <https://doi.org/10.1016/j.aip.2013.10.004>" \
           in shown.report_md["koch2014"]
    assert ("In J. de Lange (Red.)" if lang == "nl" else "In J. de Lange (Ed.)") in by_key["kraak2010"]


# --- 300 entries of a real bibliography --------------------------------------------------------

def cdl_sample(count: int = SAMPLE) -> list[str]:
    """`count` entries of cdl.bib as BibTeX, every entry type among them: each type an equal
    share (a type with fewer entries leaves the rest to the others), spread over the file."""
    text = CDL.read_text(encoding="utf-8")
    starts = [m.start() for m in re.finditer(r"^@", text, re.MULTILINE)]
    by_type: dict[str, list[str]] = {}
    for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
        chunk = text[start:end]
        by_type.setdefault(one(r"^@(\w+)\{", chunk).lower(), []).append(chunk)
    chosen = []
    left = count
    kinds = sorted(by_type, key=lambda kind: (len(by_type[kind]), kind))
    for i, kind in enumerate(kinds):
        entries = by_type[kind]
        take = min(len(entries), left // (len(kinds) - i))
        chosen += [entries[j * len(entries) // take] for j in range(take)]
        left -= take
    return chosen


def write_kb(folder: Path, entries: list[str]) -> list[str]:
    """A KB whose one leaflet cites every entry: claim i cites work i, with no printed citation,
    so that the leaflet places one after it and lists every work. Returns the keys."""
    keys = [one(r"^@\w+\{\s*([^,\s]+)\s*,", entry) for entry in entries]
    (folder / "claims").mkdir(parents=True)
    (folder / "references.bib").write_text("\n".join(entries), encoding="utf-8")
    claims = ["document:", '  title: "Alle bronnen"', "  language: nl", "claims:"]
    for i, key in enumerate(keys, 1):
        claims += [f"  - id: c{i}", '    section: "Bronnen"', "    kind: clinical",
                   f'    text: "Uitspraak nummer {i} is waar."', "    sources:",
                   f"      - key: {json.dumps(key)}", "        fit: unassessed"]
    (folder / "claims" / "cdl.yaml").write_text("\n".join(claims) + "\n", encoding="utf-8")
    text = "Bronnen\n\n" + " ".join(f"Uitspraak nummer {i} is waar." for i in range(1, len(keys) + 1)) + "\n"
    (folder / "claims" / "cdl.txt").write_text(text, encoding="utf-8")
    return keys


@needs_cdl
def test_the_sample_covers_every_entry_type() -> None:
    sample = cdl_sample()
    assert len(sample) == SAMPLE
    types = Counter(one(r"^@(\w+)\{", entry).lower() for entry in sample)
    everywhere = {one(r"^@(\w+)\{", m).lower() for m in re.findall(r"^@\w+\{", CDL.read_text(encoding="utf-8"),
                                                                    re.MULTILINE)}
    assert set(types) == everywhere and len(everywhere) >= 10
    assert types["article"] < SAMPLE // 2  # not mostly articles, as the file is


@pytest.fixture(scope="module")
def cdl_kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[str]]]:
    folder = tmp_path_factory.mktemp("cdl") / "kb"
    yield folder, write_kb(folder, cdl_sample())


@needs_cdl
@pytest.mark.parametrize("lang", LANGUAGES)
def test_300_real_entries_have_the_leaflet_reference_everywhere(lang: str, cdl_kb: tuple[Path, list[str]],
                                                                tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    folder, keys = cdl_kb
    shown, report = _kb_report(folder, ["cdl"], lang, tmp_path / "out", capsys)
    assert [w["key"] for w in report["works"]] == keys
    assert set(shown.leaflet_html) == set(keys)  # the leaflet lists every work
    check(shown, keys)
    assert sum("<i>" in entry for entry in shown.report_html.values()) > SAMPLE * 0.9
    assert sum("*" in entry for entry in shown.report_md.values()) > SAMPLE * 0.9


# --- the conversions ---------------------------------------------------------------------------

def test_only_http_and_doi_links_become_links() -> None:
    entry = Entry("x", "Jansen, P. (2020). \ue000A <b> & \"c\"\ue001. javascript:alert(1) https://e.org/a b",
                  ("https://e.org/a b",))
    assert entry.html == ('Jansen, P. (2020). <i>A &lt;b&gt; &amp; &#34;c&#34;</i>. javascript:alert(1) '
                          '<a href="https://e.org/a%20b">https://e.org/a b</a>')
    # the colon of a scheme that is no link is escaped: no renderer's bare-URI autolink takes it
    assert entry.markdown == 'Jansen, P. (2020). *A \\<b\\> & "c"*. javascript\\:alert(1) <https://e.org/a%20b>'
    assert entry.plain == plain(entry.text) == 'Jansen, P. (2020). A <b> & "c". javascript:alert(1) https://e.org/a b'
    assert rich_html("#1 \ue000x\ue001") == "#1 <i>x</i>" and markdown("#1 \ue000x\ue001") == "\\#1 *x*"


def test_a_record_url_that_is_not_http_is_never_a_link(tmp_path: Path) -> None:
    from kb.apa.references import render
    from kb.bibliography import parse

    bib, _ = parse('@misc{evil, title = {Evil}, author = {Doe, J.}, year = {2020}, url = {javascript:alert(1)}}\n'
                   '@misc{good, title = {Good}, author = {Doe, K.}, year = {2020}, url = {https://example.org/x}}\n',
                   tmp_path / "references.bib", "references.bib")
    entries = render(list(bib.works.values()), "en-US")
    assert "javascript:alert(1)" in entries["evil"].plain and entries["evil"].links == ()
    assert "<a " not in entries["evil"].html
    assert entries["good"].links == ("https://example.org/x",)
    assert '<a href="https://example.org/x">https://example.org/x</a>' in entries["good"].html


def test_show_wraps_a_reference_only_at_spaces() -> None:
    text = "Kuru Alici, N., & Smith-Jones, A. (2020). " + "Long " * 12 + "https://example.org/" + "x" * 90
    wrapped = "\n".join(show._wrap(text, whole_words=True))
    assert " ".join(line.strip() for line in wrapped.splitlines()) == text
    assert textwrap.fill(text, 88) != wrapped.replace("\n  ", "\n").strip()


@needs_cdl
def test_the_works_of_a_year_give_the_entries_all_works_give() -> None:
    """`kb show` renders a work with the works of its year only: on the whole of cdl.bib, with
    its many works of the same authors and year, that gives every entry, letters and all."""
    from kb.apa.references import of_year, render
    from kb.bibliography import load

    bib, _ = load(CDL, "cdl.bib")
    works = list(bib.works.values())
    together = render(works, "en-US")
    by_year = {}
    for year in dict.fromkeys(work.year.strip() for work in works):
        by_year.update(render(of_year(works, year), "en-US"))
    assert by_year == together
    assert len(together) == len(works)
    assert sum(bool(re.search(r"\(\d{4}[a-z]\)", entry.plain)) for entry in together.values()) > 100
