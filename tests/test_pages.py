"""The paged report (kb/pages.py): layout, links, counts, search data, the consistency list, the
page cache, and that a small KB keeps its single report.html."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from kb import consistency, pages, reportdata
from kb.audit import run
from kb.knowledgebase import load


class _Parsed(HTMLParser):
    """A page's ids, links, inline scripts and styles and its Content-Security-Policy."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.csp = ""
        self.inline: dict[str, list[str]] = {"script": [], "style": []}
        self._open: tuple[str, bool] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "a" and values.get("href") is not None:
            self.links.append(str(values["href"]))
        if tag == "meta" and values.get("http-equiv") == "Content-Security-Policy":
            self.csp = str(values["content"])
        if tag in ("script", "style"):
            executable = tag == "style" or values.get("type") in (None, "text/javascript")
            self._open, self._text = (tag, executable), []
        for name in ("src", "srcset", "action", "formaction"):
            assert name not in values, f"<{tag} {name}=...>: nothing is loaded from anywhere"

    def handle_data(self, data: str) -> None:
        if self._open:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[0] == tag:
            if self._open[1]:
                self.inline[tag].append("".join(self._text))
            self._open = None


def _parse(path: Path) -> _Parsed:
    parsed = _Parsed()
    parsed.feed(path.read_text(encoding="utf-8"))
    return parsed


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


@pytest.fixture
def paged(root, kb) -> Path:
    folder = root("paged")
    assert kb("--kb", folder, "report", "--pages", "paged").code == 0
    return folder / "build"


def _pages(out: Path) -> list[Path]:
    return sorted([out / "report.html", *(out / "report").rglob("*.html")])


def test_a_small_kb_keeps_its_single_report(root, kb) -> None:
    folder = root("paged")
    assert kb("--kb", folder, "report").code == 0
    assert sorted(p.name for p in (folder / "build").iterdir() if not p.name.startswith(".")) == [
        "report.html", "report.json", "report.md"]
    assert kb("--kb", folder, "report", "--pages", "single").code == 0
    assert not (folder / "build" / "report").exists()


def test_paged_layout(paged: Path) -> None:
    found = sorted(p.relative_to(paged).as_posix() for p in paged.rglob("*") if p.is_file() and ".cache" not in p.parts)
    works = pages.works_pages(["devries2019", "jansen2018", "smith2020"])
    assert found == sorted({"report.html", "report.json", "report.md", "report/findings.html",
                            "report/leaflets/angst.html", "report/leaflets/angst.md",
                            "report/leaflets/spanning.html", "report/leaflets/spanning.md", *works.values()})
    # report.json is the whole report, as in a single one
    data = json.loads((paged / "report.json").read_text(encoding="utf-8"))
    assert [d["id"] for d in data["documents"]] == ["angst", "spanning"] and len(data["claims"]) == 7


def test_every_link_leads_to_a_page_and_an_anchor_there(paged: Path) -> None:
    parsed = {page: _parse(page) for page in _pages(paged)}
    followed = 0
    for page, found in parsed.items():
        for link in found.links:
            parts = urlsplit(link)
            if parts.scheme:
                assert parts.scheme == "https", link
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            assert target.is_file(), f"{page.name}: {link}"
            if parts.fragment and target.suffix == ".html":
                assert unquote(parts.fragment) in parsed[target].ids, f"{page.name}: {link}"
            followed += 1
    assert followed > 30


def test_the_index_counts_each_leaflet(paged: Path) -> None:
    html = (paged / "report.html").read_text(encoding="utf-8")
    report = json.loads((paged / "report.json").read_text(encoding="utf-8"))
    for document in report["documents"]:
        row = re.search(rf'<tr data-document="{document["id"]}">(.*?)</tr>', html)
        assert row is not None
        cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))]
        claims = [c for c in report["claims"] if c["document"] == document["id"]]
        levels = [str(c["conclusion_level"]) if c["conclusion_level"] else c["kind"].replace("clinical", "none")
                  for c in claims]
        findings = [f for c in claims for f in c["findings"]]
        expected = [len(claims), *document["counts"].values(), *(levels.count(level) for level in
                                                                 ("1", "2", "3", "4", "none", "service")),
                    sum(f["severity"] == "error" for f in findings), sum(f["severity"] == "warning" for f in findings)]
        assert cells[1:14] == [str(n) for n in expected]
        assert f'href="report/leaflets/{document["id"]}.html">{document["title"]}</a>' in row.group(1)
    assert re.search(r'<tr data-document="angst">.*?<td>4</td><td>2</td><td>1</td><td class="zero">0</td>', html)


def test_the_index_lists_works_cited_by_several_leaflets(paged: Path) -> None:
    html = (paged / "report.html").read_text(encoding="utf-8")
    popular = html[html.index('id="popular"'):html.index('id="consistency"')]
    assert re.findall(r">(\w+\d{4})</a>", popular) == ["devries2019", "jansen2018"]
    assert "smith2020" not in popular  # one leaflet only


def test_the_consistency_list(paged: Path) -> None:
    html = (paged / "report.html").read_text(encoding="utf-8")
    listed = html[html.index('<ol class="groups">'):html.index("</ol>", html.index('<ol class="groups">'))]
    groups = [re.findall(r'data-claim="([^"]+)"', group) for group in listed.split('<li><p class="differs">')[1:]]
    assert groups == [["angst-pmt", "span-pmt"], ["angst-lichaam", "span-lichaam"]] or \
        sorted(groups) == sorted([["angst-pmt", "span-pmt"], ["angst-lichaam", "span-lichaam"]])
    assert "Verschilt in: label, conclusieniveau, passendheid" in listed
    assert "angst-dans" not in listed and "span-wandelen" not in listed  # cite the same work, say other things


@pytest.mark.parametrize("a, b, same", [
    # a word changed, a word added, punctuation, case and accents: nearly the same
    ("PMT vermindert angstklachten bij volwassenen met een angststoornis.",
     "PMT vermindert angstklachten bij jongeren met een angststoornis.", True),
    ("Bewegen vermindert spanning in het lichaam van volwassenen",
     "Bewegen vermindert de spanning in het lichaam van volwassenen", True),
    ("Het lichaam onthoudt spanning.", "Het lichaam onthoudt spanning!", True),
    ("Dansen helpt, zegt men, bij spanning", "dansen helpt zegt men bij spanning", True),
    ("Eén sessie per week is genoeg", "een sessie per week is genoeg", True),
    # other claims that share words
    ("PMT vermindert angstklachten", "PMT vermindert depressieve klachten", False),
    ("Dansen helpt bij spanning", "Wandelen helpt bij somberheid", False),
    ("Het lichaam onthoudt spanning", "Het lichaam vergeet spanning niet snel", False),
])
def test_nearly_the_same(a: str, b: str, same: bool) -> None:
    assert consistency.similar(consistency.words(a), consistency.words(b)) is same


def _claim(i: str, document: str, text: str, label: str = "empirical", level: int | None = 2,
           fits: tuple[str, ...] = ("supports",)) -> dict[str, Any]:
    return {"id": i, "document": document, "text": text, "label": label, "conclusion_level": level,
            "kind": "clinical", "sources": [{"key": "w", "fit": fit} for fit in fits]}


def test_groups_need_two_leaflets_and_a_difference() -> None:
    text = "PMT vermindert angstklachten bij volwassenen met een angststoornis"
    claims = [
        _claim("a1", "a", text),
        _claim("b1", "b", text.replace("volwassenen", "jongeren"), label="unsupported", level=None, fits=()),
        _claim("a2", "a", "Het lichaam onthoudt spanning"),
        _claim("a3", "a", "Het lichaam onthoudt spanning.", label="expert-based"),  # the same leaflet
        _claim("c1", "c", "Dansen helpt bij spanning"),
        _claim("d1", "d", "Dansen helpt bij spanning!"),  # the same verdict
        _claim("e1", "e", "Wandelen helpt bij somberheid", label="expert-based"),
    ]
    assert consistency.groups(claims) == [consistency.Group(("a1", "b1"), ("label", "level", "fit"))]


def test_a_word_in_an_eighth_of_the_claims_is_no_way_in() -> None:
    # 410 claims of a ten-word vocabulary (and a word of their own for 200 of them), each of the
    # ten in about half of them: none is rare
    vocabulary = "bewegen helpt bij angst spanning en stress in het lichaam".split()
    filler = [_claim(f"f{i}", f"leaflet{i % 40}", " ".join(words), label="expert-based")
              for i, words in enumerate(itertools.combinations(vocabulary, 6))]
    filler += [_claim(f"g{i}", f"other{i % 40}", " ".join(words) + f" woord{i}", label="expert-based")
               for i, words in enumerate(itertools.combinations(vocabulary, 5)) if i < 200]
    claims = [
        *filler,
        # rare words: found however common the others are
        _claim("r1", "a", "zwemmen vermindert paniekaanvallen bij angst en spanning in het lichaam"),
        _claim("r2", "b", "zwemmen vermindert paniekaanvallen bij angst en spanning in lichaam", label="unsupported"),
        # common words alone: nearly the same ones are not looked for, the same ones are found
        _claim("c1", "a", "bewegen helpt bij angst en spanning in het"),
        _claim("c2", "b", "bewegen helpt bij angst en spanning in het lichaam", label="unsupported"),
        _claim("s1", "a", "het lichaam en de stress"),
        _claim("s2", "b", "Het lichaam, en de stress!", label="unsupported"),
    ]
    found = consistency.groups(claims)
    assert consistency.Group(("r1", "r2"), ("label",)) in found
    assert consistency.Group(("s1", "s2"), ("label",)) in found
    assert not any("c1" in g.claims for g in found)
    assert consistency.similar(consistency.words(claims[-4]["text"]), consistency.words(claims[-3]["text"]))


def test_a_summary_reads_as_its_claim_and_keeps_through_json() -> None:
    claim = _claim("a1", "a", "PMT vermindert Angst, zégt men")
    found = pages.summary(claim)
    kept = pages.read_summaries(json.loads(json.dumps(pages.summaries_json("a", [found], {}))))[0]
    for summary in (found, kept):
        assert [summary[name] for name in ("id", "document", "text", "label", "kind", "conclusion_level")] == \
            [claim[name] for name in ("id", "document", "text", "label", "kind", "conclusion_level")]
        assert [(s["key"], s["fit"]) for s in summary["sources"]] == [(s["key"], s["fit"]) for s in claim["sources"]]
        assert summary.get("words") == "angst men pmt vermindert zegt"
        assert summary.get("absent", 7) == 7
    # the consistency list and the index read a summary as they read the claim itself
    other = _claim("b1", "b", "PMT vermindert angst; zegt men", label="unsupported", level=None, fits=())
    assert consistency.groups([kept, pages.summary(other)]) == consistency.groups([claim, other]) == \
        [consistency.Group(("a1", "b1"), ("label", "level", "fit"))]
    assert pages.index_part([kept]) == pages.index_part([claim])


def test_the_search_data_holds_every_claim_and_work(paged: Path) -> None:
    html = (paged / "report.html").read_text(encoding="utf-8")
    raw = re.search(r'<script type="application/json" id="kb-search">(.*?)</script>', html, re.DOTALL)
    assert raw is not None
    data = json.loads(raw.group(1))
    report = json.loads((paged / "report.json").read_text(encoding="utf-8"))

    def spelled(codes: str, words: list[str] = data["words"]) -> str:
        return " ".join(words[int(code, 36)] for code in codes.split())

    found = []
    for rows, words in zip(data["claims"], data["claim_words"], strict=True):  # a leaflet's own words
        previous = ""
        for row in rows:
            previous = previous[:row[0]] + row[1]
            found.append((previous, spelled(row[3], words), data["labels"][row[2] // 10]))
        assert len(words) == len(set(words)) and all(code for row in rows for code in row[3].split())
    assert found == [(c["id"], c["text"], c["label"]) for c in report["claims"]]
    assert [(w[0], w[2]) for w in data["works"]] == [
        (w["key"], pages.works_pages([x["key"] for x in report["works"]])[w["key"]][len("report/works/"):-5])
        for w in report["works"]]
    assert report["works"][0]["reference"].endswith("10–20. https://doi.org/10.1000/test.2020.1")
    assert spelled(data["works"][0][1]).endswith("Journal of Tests, 12(3), 10–20.")  # a link is no search word


def test_every_page_allows_only_its_own_script_and_style(paged: Path) -> None:
    for page in _pages(paged):
        parsed = _parse(page)
        allowed = set(re.findall(r"'(sha256-[^']+)'", parsed.csp))
        assert parsed.csp.startswith("default-src 'none';"), page
        assert "http" not in parsed.csp and "'unsafe" not in parsed.csp
        for kind in ("script", "style"):
            for text in parsed.inline[kind]:
                assert _hash(text) in allowed, f"{page.name}: an inline {kind} the policy does not allow"
        if "report/works" in page.as_posix() or page.name == "findings.html":
            assert not parsed.inline["script"]  # a static page


def test_a_leaflet_page_shows_its_leaflet_alone(paged: Path) -> None:
    html = (paged / "report" / "leaflets" / "spanning.html").read_text(encoding="utf-8")
    assert "<title>Spanning de baas</title>" in html and '<a href="../../report.html">' in html
    assert 'id="claim-span-pmt"' in html and 'id="claim-angst-pmt"' not in html
    assert 'id="work-jansen2018"' in html and 'id="work-smith2020"' not in html
    markdown = (paged / "report" / "leaflets" / "spanning.md").read_text(encoding="utf-8")
    assert "Wandelen is goed voor je humeur" in markdown and "Dansen" not in markdown
    index = (paged / "report.md").read_text(encoding="utf-8")
    assert "[Spanning de baas](report/leaflets/spanning.md)" in index


def test_a_works_page_shows_the_claims_of_every_leaflet(paged: Path) -> None:
    page = paged / pages.works_pages(["devries2019"])["devries2019"]
    html = page.read_text(encoding="utf-8")
    item = html[html.index('id="work-devries2019"'):]
    item = item[:item.index("</li>\n<li class=\"work") if "<li class=\"work" in item else len(item)]
    assert "Dansen helpt bij spanning" in item and "Wandelen is goed voor je humeur" in item
    assert '../../report/leaflets/angst.html#claim-angst-dans' in item


def test_kb_toml_chooses_and_a_wrong_value_is_named(root, kb) -> None:
    folder = root("paged")
    (folder / "kb.toml").write_text('[report]\npages = "paged"\n', encoding="utf-8")
    assert kb("--kb", folder, "report").code == 0
    assert (folder / "build" / "report" / "leaflets" / "angst.html").is_file()
    assert kb("--kb", folder, "report", "--pages", "single").code == 0  # the option wins, and old pages go
    assert not list((folder / "build" / "report").rglob("*.html"))
    (folder / "kb.toml").write_text('[report]\npages = "pagd"\n', encoding="utf-8")
    result = kb("--kb", folder, "audit")
    assert "kb.toml:2: error: 'report.pages' must be one of auto, single, paged, not 'pagd' (did you mean 'paged'?)" \
        in result.out + result.err


def test_pages_of_a_removed_leaflet_go(root, kb) -> None:
    folder = root("paged")
    assert kb("--kb", folder, "report", "--pages", "paged").code == 0
    for name in ("spanning.yaml", "spanning.txt"):
        (folder / "claims" / name).unlink()
    assert kb("--kb", folder, "report", "--pages", "paged").code == 0
    assert sorted(p.name for p in (folder / "build" / "report" / "leaflets").iterdir()) == ["angst.html", "angst.md"]


def _inputs(folder: Path) -> reportdata.Inputs:
    knowledge = load(folder)
    return reportdata.inputs(knowledge, run(knowledge), "nl")


def _bytes(files: dict[str, Any]) -> dict[str, bytes]:
    return {name: content if isinstance(content, bytes) else b"".join(content) for name, content in files.items()}


def test_the_page_cache_renders_only_what_a_change_touches(root, tmp_path: Path) -> None:
    folder = root("paged")
    cache = tmp_path / "pages-cache"
    first: list[str] = []
    pages.render(_inputs(folder), "nl", cache, first)
    assert len(first) == len(pages.slices(_inputs(folder)))  # all of them, the first time
    again: list[str] = []
    pages.render(_inputs(folder), "nl", cache, again)
    assert again == []
    claims = folder / "claims" / "spanning.yaml"
    claims.write_text(claims.read_text(encoding="utf-8").replace("goed voor je humeur", "goed voor je stemming"),
                      encoding="utf-8")
    (folder / "claims" / "spanning.txt").write_text(
        (folder / "claims" / "spanning.txt").read_text(encoding="utf-8").replace("humeur", "stemming"), encoding="utf-8")
    changed: list[str] = []
    inputs = _inputs(folder)
    cached = _bytes(pages.render(inputs, "nl", cache, changed))
    works = pages.works_pages([w["key"] for w in inputs.report["works"]])
    assert sorted(changed) == sorted({"report.html", "report/leaflets/spanning.html", works["devries2019"]})
    assert cached == _bytes(pages.render(inputs, "nl", None))  # byte for byte what no cache renders
    shutil.rmtree(cache)
    assert _bytes(pages.render(inputs, "en", cache)) != cached  # the language is part of the key


def test_the_same_input_gives_the_same_pages(root, kb, tmp_path: Path) -> None:
    folder = root("paged")
    kb("--kb", folder, "report", "--pages", "paged", "--out", tmp_path / "one")
    shutil.rmtree(folder / "build")  # the page cache
    kb("--kb", folder, "report", "--pages", "paged", "--out", tmp_path / "two")
    one = {p.relative_to(tmp_path / "one"): p.read_bytes() for p in (tmp_path / "one").rglob("*") if p.is_file()}
    two = {p.relative_to(tmp_path / "two"): p.read_bytes() for p in (tmp_path / "two").rglob("*") if p.is_file()}
    assert one == two and len(one) == 11


def test_the_threshold() -> None:
    small: dict[str, Any] = {"claims": [{}] * pages.PAGED_ABOVE}
    assert not pages.paged(small, "auto") and pages.paged(small, "paged")
    assert pages.paged({"claims": [{}] * (pages.PAGED_ABOVE + 1)}, "auto")
    assert not pages.paged({"claims": [{}] * (pages.PAGED_ABOVE + 1)}, "single")


def test_a_warm_run_restores_the_paged_report(root, kb) -> None:
    folder = root("paged")
    assert kb("--kb", folder, "report", "--pages", "paged").code == 0
    page = folder / "build" / "report" / "leaflets" / "angst.html"
    before = page.read_bytes()
    page.unlink()
    (folder / "build" / "report" / "leaflets" / "stale.html").write_text("old", encoding="utf-8")
    result = kb("--kb", folder, "report", "--pages", "paged")  # unchanged inputs: the cached report
    assert result.code == 0 and "report.html" in result.out
    assert result.out.splitlines()[-1] == f"{folder / 'build' / 'report'}/: 8 page files (report.html is their index)"
    assert page.read_bytes() == before
    assert not (folder / "build" / "report" / "leaflets" / "stale.html").exists()


def test_href_quotes_as_urllib_does() -> None:
    import random
    import string
    from urllib.parse import quote

    chars = string.ascii_letters + string.digits + "_.~/-#?% éü&+:@"
    rng = random.Random(1)
    for _ in range(20000):
        path = "".join(rng.choice(chars) for _ in range(rng.randint(0, 12)))
        anchor = "".join(rng.choice(chars) for _ in range(rng.randint(0, 8)))
        base = rng.choice(["", "report/x.html", "a/b/c"])
        want = "../" * base.count("/") + quote(path, safe="/") + ("#" + quote(anchor, safe="-") if anchor else "")
        assert pages.href(path, anchor, base) == want, (path, anchor, base)
