"""URLs and DOIs are kept as written (biblatex's verbatim fields): a `~` is a tilde, a `%` no
LaTeX comment, in the records, the leaflet, report.json and the exports."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from kb import bibliography

URL = "https://www.ncbi.nlm.nih.gov/~pmc/articles/494055/"
QUERY = "https://example.org/zoek?q=angst%20bewegen&p=1"  # written {{...}} in the record
SICI = "10.1002/(SICI)1097-4679(199901)55:1<1::AID-JCLP1>3.0.CO;2-B"
UNDERSCORE = "10.1111/j.1365-2648.2007.04569_1.x"

ENTRY = """@online{KEY,
  title   = {Bewegen \\& rust~nu},
  url     = {https://x.org/~a/b%20c\\_d{e}},
  doi     = {{10.1000/a_b<c>~d}},
  eprint  = {hep-th/9901001~v2},
  year    = {2020}
}
"""


@pytest.mark.parametrize("entry", [
    ENTRY.replace("KEY", "plain"),  # read by kb.bibtex, the fast reader
    "@string{site = {https://x.org}}\n" + ENTRY.replace("KEY", "macro").replace(
        "{https://x.org/", "site # {/"),  # a macro: read by pybtex
])
def test_verbatim_fields_are_not_decoded(entry: str) -> None:
    bib, findings = bibliography.parse(entry, Path("x.bib"), "x.bib")
    assert not findings
    (work,) = bib.works.values()
    assert work.get("url") == "https://x.org/~a/b%20c\\_d{e}"  # only the value's own braces go
    assert work.get("doi") == "10.1000/a_b<c>~d"  # and braces around the whole value
    assert work.get("eprint") == "hep-th/9901001~v2"
    assert work.title == "Bewegen & rust\u00a0nu"  # other fields are LaTeX, as before


def _links(text: str) -> set[str]:
    """The targets of the Markdown autolinks and HTML links in `text`, percent-decoded: a link
    escapes what a URL cannot hold (`<`, `>`), and nothing else."""
    found = re.findall(r'<(https?://[^>\s]+)>|href="([^"]+)"', text)
    return {unquote(html.unescape(link)) for pair in found for link in pair if link}


def test_urls_and_dois_reach_every_output_as_written(root, kb) -> None:
    folder = root("verbatim_fields")
    expected = {unquote(u) for u in (URL, QUERY, "https://doi.org/" + SICI, "https://doi.org/" + UNDERSCORE)}
    for fmt in ("md", "html"):
        result = kb("--kb", folder, "leaflet", "folder", "--format", fmt)
        assert result.code == 0, result.err
        assert "%C2%A0" not in result.out and "\u00a0pmc" not in result.out
        assert _links(result.out) == expected, fmt
    page = kb("--kb", folder, "leaflet", "folder", "--format", "html").out
    assert f">{URL}</a>" in page and f">https://doi.org/{html.escape(SICI)}</a>" in page  # the link's text

    assert kb("--kb", folder, "report").code == 0
    works = {w["key"]: w for w in json.loads((folder / "build" / "report.json").read_text(encoding="utf-8"))["works"]}
    assert (works["sici1999"]["doi"], works["wiley2007"]["doi"]) == (SICI, UNDERSCORE)

    items = {i["id"]: i for i in json.loads(kb("--kb", folder, "export", "csljson", "--out", "-").out)}
    assert (items["pmc2004"]["URL"], items["zoek2020"]["URL"]) == (URL, QUERY)
    assert (items["sici1999"]["DOI"], items["wiley2007"]["DOI"]) == (SICI, UNDERSCORE)
    nodes = {n["id"]: n for n in json.loads(kb("--kb", folder, "export", "json", "--out", "-").out)["nodes"]}
    assert nodes["work:sici1999"]["doi"] == SICI
