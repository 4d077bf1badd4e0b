"""The evidence report: `report.json`, `report.html` and `report.md`, rendered from its inputs
(`kb.reportdata.Inputs`)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterator
from functools import cache, partial
from typing import Any

import jinja2
import orjson
from markupsafe import Markup

from kb import rendering
from kb.claims import FITS
from kb.labels import CLAIM_LABELS
from kb.reportdata import Inputs
from kb.strength import CERTAINTIES

REPORT_FILES = ("report.json", "report.html", "report.md")


def gap_map(document: dict[str, Any], claims: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per section of a leaflet: how many of its claims carry each label.

    The last row (section None) is the whole leaflet; its counts are `documents[].counts`.
    """
    rows = [{"section": name, "index": i, "counts": {label.value: 0 for label in CLAIM_LABELS}}
            for i, name in enumerate(document["sections"])]
    by_name = {row["section"]: row for row in rows}
    for claim in claims:
        by_name[claim["section"]]["counts"][claim["label"]] += 1
    rows.append({"section": None, "index": -1, "counts": dict(document["counts"])})
    for row in rows:
        row["total"] = sum(row["counts"].values())
        row["levels"] = {level: 0 for level in LEVEL_COLUMNS}
    for claim in claims:
        level = _level_column(claim)
        by_name[claim["section"]]["levels"][level] += 1
        rows[-1]["levels"][level] += 1
    return rows


# The gap map's columns by conclusion level: "1" to "4", "none" for a clinical claim without one,
# and "service" for practical information, which needs none.
LEVEL_COLUMNS = ("1", "2", "3", "4", "none", "service")


def _level_column(claim: dict[str, Any]) -> str:
    if claim["conclusion_level"] is not None:
        return str(claim["conclusion_level"])
    return "service" if claim["kind"] == "service" else "none"


def citing(report: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    """Work key -> the claims resting on it with the fit of each link, in `cited_by` order."""
    fits: dict[tuple[str, str], list[str]] = {}
    for claim in report["claims"]:
        for source in claim["sources"]:
            fits.setdefault((source["key"], claim["id"]), []).append(source["fit"])
    result: dict[str, list[dict[str, str]]] = {}
    for work in report["works"]:
        seen: dict[str, int] = {}
        links = []
        for claim_id in work["cited_by"]:
            # A claim citing a work twice appears twice in cited_by, once per fit.
            i = seen.get(claim_id, 0)
            seen[claim_id] = i + 1
            links.append({"claim": claim_id, "fit": fits[(work["key"], claim_id)][i]})
        result[work["key"]] = links
    return result


# Characters escaped in JSON inside a script element. Replaced one by one rather than with
# str.translate, which takes seconds on the megabytes of a large KB's report data.
_JSON_IN_SCRIPT = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                   ("\u2029", "\\u2029"))
_JSON_IN_SCRIPT_BYTES = tuple((char.encode("utf-8"), escaped.encode("ascii")) for char, escaped in _JSON_IN_SCRIPT)


def script_json(value: Any) -> Markup:
    """JSON that is safe inside `<script type="application/json">`: no `</script>` can end it.

    orjson writes what json.dumps(ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    would (keys sorted by code point, as their UTF-8 bytes sort), ten times faster and as bytes,
    which the escapes are made in before the one decoding; json.dumps is left for what orjson
    refuses (a string with a lone surrogate, a key that is no string)."""
    try:
        encoded = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        encoded = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode(
            "utf-8", "surrogatepass")
    return Markup(_in_script(encoded).decode("utf-8", "surrogatepass"))


def _in_script(encoded: bytes) -> bytes:
    """JSON's UTF-8 with the characters that could end a script escaped (`_JSON_IN_SCRIPT`)."""
    for char, escaped in _JSON_IN_SCRIPT_BYTES:
        encoded = encoded.replace(char, escaped)
    return encoded


def _script_text(value: Any) -> str:
    return str(script_json(value))


def script_json_chunks(value: dict[str, Any]) -> Iterator[str]:
    """`script_json(value)` piece by piece, the same text: a list among `value`'s values is
    written one item at a time (a list made by a generator is never whole in memory)."""
    yield "{"
    for i, name in enumerate(sorted(value)):
        yield ("," if i else "") + _script_text(name) + ":"
        items = value[name]
        if not isinstance(items, (list, Iterator)):
            yield _script_text(items)
            continue
        yield "["
        for j, item in enumerate(items):
            yield ("," if j else "") + _script_text(item)
        yield "]"
    yield "}"


# Stands where the page's data goes until the page is written: then the data is made and written
# piece by piece (script_json_chunks) instead of being one string of a hundred megabytes.
_DATA_MARK = Markup("\x00kb-data\x00")


def _with_data(pieces: Iterator[str], data: Callable[[], Iterator[str]]) -> Iterator[str]:
    """The page's pieces with the data written wherever the mark is."""
    for piece in pieces:
        if _DATA_MARK not in piece:
            yield piece
            continue
        parts = piece.split(_DATA_MARK)
        for i, part in enumerate(parts):
            if i:
                yield from data()
            yield part


def json_chunks(report: dict[str, Any]) -> Iterator[bytes]:
    """`report` as orjson.dumps(report, option=OPT_INDENT_2) + a newline writes it, the same
    bytes, one item of its lists at a time: a large report.json is never whole in memory."""
    yield b"{"
    for i, (name, items) in enumerate(report.items()):
        yield (b",\n  " if i else b"\n  ") + orjson.dumps(name) + b": "
        if not items:
            yield b"[]"
            continue
        for j, item in enumerate(items):
            # an item's own lines one level deeper: JSON strings hold no newline, only `\n`
            yield (b",\n    " if j else b"[\n    ") + orjson.dumps(item, option=orjson.OPT_INDENT_2).replace(
                b"\n", b"\n    ")
        yield b"\n  ]"
    yield b"\n}\n" if report else b"}\n"


@rendering.direct
def csp_hash(text: str) -> str:
    """The Content-Security-Policy source that allows exactly this inline script or style."""
    digest = hashlib.sha256(str(text).encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def browser_data(report: dict[str, Any], t: dict[str, Any], numbers: dict[str, int],
                 say: Callable[[str], str]) -> dict[str, Any]:
    """What the report's script needs: claims, works and interface text (the page shows the rest)."""
    claim_keys = ("id", "document", "section", "text", "cited_as", "sources", "label", "label_reason",
                  "findings", "retracted", "retracted_works", "conclusion_level", "certainty")
    work_keys = ("key", "label", "label_reason", "ebro", "design", "verification", "verification_text",
                 "n", "population", "reference", "doi", "doi_unverified", "cited_by", "verify", "retracted")
    # claims and works made as they are written (script_json_chunks): a list of them is the
    # largest thing a large report would hold
    return {
        "claims": ({**{k: c[k] for k in claim_keys}, "number": numbers[c["id"]],
                    "label_reason": say(c["label_reason"]), "level": _level_column(c),
                    "conclusion_reason": say(c["conclusion_reason"]),
                    "certainty_reasons": [say(r) for r in c["certainty_reasons"]]} for c in report["claims"]),
        # A DOI's link is decided here (kb.links), not by the script: None when it is no DOI.
        "works": ({**{k: w[k] for k in work_keys}, "label_reason": say(w["label_reason"]),
                   "doi_href": rendering.doi_href(w["doi"])} for w in report["works"]),
        "documents": [{"id": d["id"], "title": d["title"], "language": d["language"], "sections": d["sections"]}
                      for d in report["documents"]],
        "t": {k: t[k] for k in ("labels", "fits", "statuses", "browser", "design", "ebro", "population",
                                "n", "verification", "note", "reason", "section", "cited_as",
                                "missing_work", "doi_unverified", "no_sources", "sources", "findings",
                                "claim", "verify", "levels", "certainties", "strength")},
    }


def _by_document(claims: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Document id -> its claims, in report order: for templates, one pass, not one per document."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for claim in claims:
        grouped.setdefault(claim["document"], []).append(claim)
    return grouped


def context(inputs: Inputs, lang: str, say: Callable[[str], str] | None = None,
            t: dict[str, Any] | None = None) -> dict[str, Any]:
    """What report.html.j2 and report.md.j2 are rendered with (and a paged report's leaflet pages,
    kb/pages.py, from one leaflet's inputs, with the `say` and interface text `t` all its pages share)."""
    report = inputs.report
    numbers = {c["id"]: i for i, c in enumerate(report["claims"], 1)}
    by_document = _by_document(report["claims"])
    # Reasons in the report's language (report.json keeps English); the same reason is shown by
    # the page, its data and report.md, and fixed ones by thousands of claims: translated once.
    # Kept for the whole report: the page, the data and report.md each go through all reasons
    # in turn (88,000 different ones at 10k works), which a bounded cache would forget between.
    if say is None:
        say = rendering.direct(cache(partial(rendering.localise, lang=lang)))
    return {
        "report": report,
        "t": t if t is not None else rendering.interface(lang),
        "lang": lang,
        "works": {w["key"]: w for w in report["works"]},
        "references": inputs.references,  # key -> Entry: the reference as HTML (`.html`) and Markdown (`.markdown`)
        "claims": {c["id"]: c for c in report["claims"]},
        "texts": inputs.texts,
        "claim_numbers": numbers,
        "claims_by_document": by_document,
        "labels": tuple(label.value for label in CLAIM_LABELS),
        "fits": FITS,
        "level_columns": LEVEL_COLUMNS,
        "certainties": CERTAINTIES + ("",),
        "gaps": {d["id"]: gap_map(d, by_document.get(d["id"], [])) for d in report["documents"]},
        "citing": citing(report),
        "data_json": _DATA_MARK,  # written by _with_data
        "say": say,
        "csp_hash": csp_hash,
        "work_pages": {},  # a paged report's leaflet page: work key -> the works page that shows it
    }


def html_chunks(inputs: Inputs, context: dict[str, Any], template: str = "report.html.j2",
                env: jinja2.Environment | None = None) -> Iterator[str]:
    """The interactive page (`template`, report.html.j2 or one extending it) of `context`; `env`
    the environment to render it in (pages rendered by the thousand share one: kb/pages.py)."""
    data = partial(browser_data, inputs.report, context["t"], context["claim_numbers"], context["say"])
    return _with_data(rendering.generate(env or rendering.environment(inputs.root), template, context),
                      lambda: script_json_chunks(data()))


def html_page(inputs: Inputs, context: dict[str, Any], template: str, env: jinja2.Environment) -> bytes:
    """The interactive page of `context` whole, in UTF-8, as `html_chunks` writes it: for a page of
    a paged report (some hundred kB), where two generators per piece of text cost more than the page."""
    data = browser_data(inputs.report, context["t"], context["claim_numbers"], context["say"])
    # one JSON of the whole data, the text script_json_chunks writes item by item: a page's data
    # is small, and a call per claim and work cost more than encoding them together
    whole = {name: list(value) if isinstance(value, Iterator) else value for name, value in data.items()}
    page = rendering.render(env, template, context)
    try:
        encoded = _in_script(orjson.dumps(whole, option=orjson.OPT_SORT_KEYS))
    except TypeError:  # what orjson refuses (script_json): its text put in, the page encoded whole
        return page.replace(_DATA_MARK, str(script_json(whole))).encode("utf-8")
    # orjson's UTF-8 put between the page's pieces as they are encoded: the data is not decoded
    # only to be encoded again, nor the page copied to hold it
    return encoded.join(piece.encode("utf-8") for piece in page.split(_DATA_MARK))


def markdown_chunks(inputs: Inputs, context: dict[str, Any], template: str = "report.md.j2",
                    env: jinja2.Environment | None = None) -> Iterator[str]:
    return rendering.generate(env or rendering.environment(inputs.root, markdown_templates=True), template, context)


def render(inputs: Inputs, lang: str) -> dict[str, Iterator[bytes] | Iterator[str]]:
    """The three report files, each made while it is written (a large report's HTML is half a
    gigabyte): report.json as UTF-8 chunks, the others as text; nothing is written here."""
    context_ = context(inputs, lang)
    return {
        # orjson writes the bytes json.dumps(indent=2, ensure_ascii=False) would, twenty times faster;
        # kept as bytes: a large report.json is not decoded only to be encoded again
        "report.json": json_chunks(inputs.report),
        "report.html": html_chunks(inputs, context_),
        "report.md": markdown_chunks(inputs, context_),
    }
