"""Hostile knowledge bases and what their outputs become, for the tests of hostile input: a KB
written from tables of values, every output of it (report, the three leaflet formats, the
exports), pandoc's HTML of the Markdown ones, the links and markup of an HTML page, and a page
in chromium whose every link is clicked while anything that runs is recorded."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Self

from kb.cli import main

PANDOC = shutil.which("pandoc")
# Markdown readers a reader of report.md or a leaflet may use: pandoc's own (raw HTML, links,
# attributes), GitHub's, CommonMark, and pandoc's with bare URIs made links.
FLAVOURS = ("markdown", "gfm", "commonmark", "markdown+autolink_bare_uris")


@dataclass(frozen=True)
class Work:
    """A BibTeX record: its key and fields (values as written between braces)."""

    key: str
    fields: dict[str, str]
    entry_type: str = "misc"

    def bibtex(self) -> str:
        lines = ",\n".join(f"  {name} = {{{value}}}" for name, value in self.fields.items())
        return f"@{self.entry_type}{{{self.key},\n{lines}\n}}\n"


def record(key: str, family: str, entry_type: str = "misc", **fields: str) -> Work:
    """A verified record with every field the audit asks of it, and `fields` on top."""
    return Work(key, {"author": f"{family}, Ann", "year": "2020", "title": f"Study {family}", "design": "rct",
                      "population": "adults", "n": "40", "verificationstatus": "verified",
                      "verification": "verified: publisher page", **fields}, entry_type)


def write_kb(folder: Path, works: Iterable[Work], document: dict[str, Any], claims: list[dict[str, Any]],
             text: str, doc: str = "folder") -> Path:
    """A KB folder: references.bib, claims/DOC.yaml (written as JSON, which YAML reads) and its text."""
    (folder / "claims").mkdir(parents=True)
    (folder / "references.bib").write_text("\n".join(w.bibtex() for w in works), encoding="utf-8")
    (folder / "claims" / f"{doc}.yaml").write_text(
        json.dumps({"document": document, "claims": claims}, ensure_ascii=False, indent=1), encoding="utf-8")
    (folder / "claims" / f"{doc}.txt").write_text(text, encoding="utf-8")
    return folder


@dataclass
class Outputs:
    """Every output of one KB, by name: the files, and pandoc's HTML of the Markdown ones."""

    folder: Path
    files: dict[str, Path] = field(default_factory=dict)

    def text(self, name: str) -> str:
        return self.files[name].read_text(encoding="utf-8")


MARKDOWN = ("report.md", "leaflet.md", "leaflet.pandoc.md")


def outputs(kb_dir: Path, out: Path, doc: str = "folder") -> Outputs:
    """`kb report`, `kb leaflet` in each format and `kb export` in each format, into `out`."""
    out.mkdir(parents=True)
    found = Outputs(out)
    assert main(["--kb", str(kb_dir), "report", "--out", str(out / "report")]) in (0, 1)
    for name in ("report.html", "report.json", "report.md"):
        found.files[name] = out / "report" / name
    for fmt, name in (("html", "leaflet.html"), ("md", "leaflet.md"), ("pandoc", "leaflet.pandoc.md")):
        assert main(["--kb", str(kb_dir), "leaflet", doc, "--format", fmt, "--out", str(out / name)]) in (0, 1)
        found.files[name] = out / name
    found.files["leaflet.pandoc.json"] = out / "leaflet.pandoc.json"  # written beside the pandoc leaflet
    # The pandoc leaflet as standard output gives it: its works in the front matter.
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["--kb", str(kb_dir), "leaflet", doc, "--format", "pandoc"]) in (0, 1)
    found.files["leaflet.front.md"] = out / "leaflet.front.md"
    found.files["leaflet.front.md"].write_text(printed.getvalue(), encoding="utf-8")
    for fmt, name in (("graphml", "export.graphml"), ("json", "export.json"), ("csljson", "export.csl.json"),
                      ("rdf", "export.ttl")):
        assert main(["--kb", str(kb_dir), "export", fmt, "--out", str(out / name)]) in (0, 1)
        found.files[name] = out / name
    return found


def pandoc_html(source: Path, flavour: str = "markdown", citeproc: bool = False,
                bibliography: Path | None = None) -> str:
    """pandoc's standalone HTML of a Markdown file: what a reader who renders it gets."""
    assert PANDOC is not None
    command = [PANDOC, "-f", flavour, "-t", "html5", "-s", "--metadata", "pagetitle=x"]
    if citeproc:
        command.append("--citeproc")
    if bibliography is not None:
        command += ["--bibliography", str(bibliography)]
    run = subprocess.run([*command, str(source)], capture_output=True, text=True, check=True, cwd=source.parent)
    return run.stdout


class Markup(HTMLParser):
    """What an HTML page holds as markup: tags, attributes (decoded, as a browser reads them),
    links and the page's text."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def hrefs(self) -> list[str]:
        """Every link target of the page (a, area, link and the like)."""
        return [value or "" for _, attrs in self.tags for name, value in attrs if name in ("href", "xlink:href")]

    @property
    def handlers(self) -> list[str]:
        """Event-handler attributes (`onerror=`, `onclick=`): none may come from data."""
        return [f"{tag} {name}={value}" for tag, attrs in self.tags for name, value in attrs if name.startswith("on")]

    def elements(self, *names: str) -> list[str]:
        return [tag for tag, _ in self.tags if tag in names]

    @property
    def shown(self) -> str:
        """The page's text with its whitespace collapsed."""
        return " ".join("".join(self.text).split())


def browser_target(href: str) -> str:
    """A link target as a browser's URL parser reads it: leading and trailing C0 controls and
    spaces off, tabs and newlines anywhere removed."""
    return re.sub(r"[\t\n\r]", "", href.strip("".join(map(chr, range(0x21)))))


def is_web_link(href: str) -> bool:
    """An http or https link, or one within the page (`#...`)."""
    target = browser_target(href)
    return target.startswith("#") or re.match(r"(?i)https?://", target) is not None


# --- chromium ------------------------------------------------------------------------------------

def launched_chromium() -> Iterator[Any]:
    """Debian's chromium, launched as tests/test_browser.py launches it."""
    from test_browser import launched_chromium as launched

    yield from launched()


@dataclass
class Clicked:
    """What clicking every link of a page did."""

    resolved: list[str]  # every link clicked, its target as the browser resolved it
    dialogs: list[str]  # alert, confirm, prompt: script ran
    console: list[str]  # any console message
    errors: list[str]  # script errors of the page
    requests: list[str]  # every request but the page's own file
    left: list[str]  # the page's URL after a click when it was another document
    title_changes: list[str]  # titles other than the page's own


_CLICK_ALL = """async ([selector, title]) => {
  const clicked = [];
  const seen = new Set();
  for (const link of Array.from(document.querySelectorAll(selector))) {
    const written = link.getAttribute("href");
    // A link within the page does what its href and data-claim say: the same one again (the
    // report has each claim's link four or five times) is clicked once.
    const same = written + "\\n" + link.getAttribute("data-claim");
    if (written.startsWith("#") && seen.has(same)) continue;
    seen.add(same);
    clicked.push([written, link.href]);
    link.click();
    // within the page a click is handled at once; any other gets the time to run or load
    await new Promise(done => setTimeout(done, written.startsWith("#") ? 1 : 50));
    clicked[clicked.length - 1].push(document.title);
  }
  return clicked;
}"""


class ClickingPage:
    """A page opened in chromium; every http(s) request is answered 204 (no content: the page
    stays, nothing reaches the network) and recorded."""

    def __init__(self, browser: Any, page_file: Path) -> None:
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.url = page_file.resolve().as_uri()
        self.dialogs: list[str] = []
        self.console: list[str] = []
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.left: list[str] = []
        self.title_changes: list[str] = []
        self.resolved: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: None if r.url.split("#")[0] == self.url else self.requests.append(r.url))
        self.context.route(re.compile(r"^(?!file:).*"), lambda route: route.fulfill(status=204, body=""))
        self.page.goto(self.url)
        self.title = self._title()

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def click_all(self, selector: str = "a[href]") -> list[str]:
        """Click every link matching `selector` (a link within the page once), one at a time, as a
        script's click does (a hidden link too), waiting after each for what it starts (a
        javascript: URL runs as a task); their href attributes as written. The targets as the browser resolved them go to `resolved`,
        a title the page takes meanwhile to `title_changes`."""
        from playwright.sync_api import Error

        try:
            clicked = self.page.evaluate(_CLICK_ALL, [selector, self.title])
        except Error as error:  # a click replaced the document: what ran wrote a page of its own
            self.left.append(f"{self.page.url}: {error.message.splitlines()[0]}; it reads "
                             f"{self.page.evaluate('document.documentElement.outerHTML')[:200]!r}")
            self.page.goto(self.url)
            return []
        self.check_still_here()
        self.title_changes += [title for _, _, title in clicked if title != self.title]
        self.resolved += [resolved for _, resolved, _ in clicked]
        return [str(written) for written, _, _ in clicked]

    def check_still_here(self) -> None:
        if self.page.url.split("#")[0] != self.url:
            self.left.append(self.page.url)
            self.page.goto(self.url)
        if self._title() != self.title:
            self.title_changes.append(self._title())

    def _title(self) -> str:
        """The document's own title (the browser's title shows a pending navigation's URL)."""
        return str(self.page.evaluate("document.title"))

    def clicked(self) -> Clicked:
        """What the clicks did, once a script they started had the time to run."""
        self.page.wait_for_timeout(200)
        return Clicked(self.resolved, self.dialogs, self.console, self.errors, self.requests, self.left, self.title_changes)

    def close(self) -> None:
        self.context.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
