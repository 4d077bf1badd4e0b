"""The evidence report: `report.json`, `report.html` and `report.md` from a labelled knowledge base."""

from __future__ import annotations

import base64
import bisect
import hashlib
import itertools
import json
from collections.abc import Callable, Iterator
from functools import lru_cache, partial
from typing import Any

import orjson
from markupsafe import Markup

from kb import links, rendering
from kb.apa import references
from kb.apa.references import Entry
from kb.audit.verification import retracted
from kb.bibliography import Work
from kb.claims import FITS, SUPPORTING_FITS, Claim, Document
from kb.findings import Finding
from kb.knowledgebase import KnowledgeBase
from kb.labels import CLAIM_LABELS
from kb.rendering import locale_of
from kb.strength import CERTAINTIES
from kb.texts import Span, collapse, emphasis, layout, spliced

REPORT_FILES = ("report.json", "report.html", "report.md")


def _work_json(kb: KnowledgeBase, work: Work, cited_by: list[str], reference: str) -> dict[str, Any]:
    label = kb.labels.works[work.key]
    checked = kb.verification.get(work.key) if kb.verification is not None else None
    return {
        "key": work.key,
        "label": label.label.value,
        "label_reason": label.reason,
        "ebro": label.ebro,
        "design": work.design,
        "verification": work.verification_status,
        "verification_text": work.get("verification"),
        "n": work.get("n"),
        "population": work.get("population"),
        "type": work.entry_type,
        "authors": [a.family for a in work.authors],
        "year": work.year,
        "title": work.title,
        "reference": reference,
        "doi": work.doi,
        "doi_unverified": work.get("doiunverified"),
        "line": work.line,
        "cited_by": cited_by,
        # What `kb verify` found (verification.json's record), null when it was never looked up.
        "verify": checked.as_json() if checked is not None else None,
        "retracted": checked is not None and checked.retracted,
    }


def _claim_json(kb: KnowledgeBase, document: Document, claim: Claim,
                findings: list[dict[str, Any]]) -> dict[str, Any]:
    label = kb.labels.claims[claim.id]
    strength = kb.strengths[claim.id]
    withdrawn = retracted(kb)
    resting = list(dict.fromkeys(s.key for s in claim.sources if s.fit in SUPPORTING_FITS and s.key in withdrawn))
    return {
        "id": claim.id,
        "document": document.id,
        "section": claim.section,
        "text": claim.text,
        "kind": claim.kind,
        "cited_as": claim.cited_as,
        "sources": [{"key": s.key, "fit": s.fit, "note": s.note} for s in claim.sources],
        "label": label.label.value,
        "label_reason": label.reason,
        "line": claim.line,
        "findings": findings,
        "retracted": bool(resting),  # it rests on a work kb verify found retracted
        "retracted_works": resting,  # those works' keys
        # How strong (kb/strength.py): the EBRO conclusion level and the GRADE-like certainty.
        "conclusion_level": strength.level,
        "conclusion_reason": strength.level_reason,
        "certainty": strength.certainty,
        "certainty_reasons": list(strength.certainty_reasons),
    }


def _document_json(kb: KnowledgeBase, document: Document) -> dict[str, Any]:
    counts = {label.value: 0 for label in CLAIM_LABELS}
    for claim in document.claims:
        counts[kb.labels.claims[claim.id].label.value] += 1
    sections = []
    for claim in document.claims:
        if claim.section not in sections:
            sections.append(claim.section)
    return {
        "id": document.id,
        "title": document.title,
        "publisher": document.publisher,
        "language": document.language,
        "claims_file": kb.display(document.claims_path),
        "text_file": kb.display(document.text_path),
        "claims": len(document.claims),
        "counts": counts,
        "sections": sections,
    }


def cited_by(kb: KnowledgeBase) -> dict[str, list[str]]:
    """Work key -> the claims citing it, by document and line: `graph.claims_on` for every
    work in one pass over the claims instead of one graph query per work."""
    citing: dict[str, list[tuple[str, int, str]]] = {}
    for document in kb.documents:
        for claim in document.claims:
            for source in claim.sources:
                citing.setdefault(source.key, []).append((document.id, source.line, claim.id))
    return {key: [claim for _, _, claim in sorted(links, key=lambda link: link[:2])]
            for key, links in citing.items()}


def reference_entries(kb: KnowledgeBase, lang: str) -> dict[str, Entry]:
    """Work key -> its APA 7 reference entry in `lang`, for every work: the entries of all the
    KB's works rendered together, so that works of the same authors and year are told apart
    (2017a, 2017b) as across the whole KB. A work APA would list nowhere gets an empty entry."""
    found = references.render(list(kb.works.values()), locale_of(lang))
    return {key: found.get(key) or Entry(key, "", ()) for key in kb.works}


def data(kb: KnowledgeBase, findings: list[Finding], entries: dict[str, Entry]) -> dict[str, Any]:
    """Everything the report shows, as the `report.json` contract gives it; `entries` are the
    works' reference entries (`reference_entries`), whose plain text is each work's `reference`."""
    as_json = [f.as_json() for f in findings]
    by_claim: dict[str, list[dict[str, Any]]] = {}
    for finding, finding_json in zip(findings, as_json):
        if finding.claim is not None:
            by_claim.setdefault(finding.claim, []).append(finding_json)
    citing_claims = cited_by(kb)
    return {
        "documents": [_document_json(kb, d) for d in kb.documents],
        "claims": [_claim_json(kb, d, c, by_claim.get(c.id, [])) for d in kb.documents for c in d.claims],
        "works": [_work_json(kb, w, citing_claims.get(w.key, []), entries[w.key].plain) for w in kb.works.values()],
        "findings": as_json,
    }


def _segments(kb: KnowledgeBase, document: Document, labels: dict[str, str]) -> list[dict[str, Any]]:
    """The leaflet's text as blocks (a Markdown heading's level, whether a Markdown list item)
    of segments, each segment with the claims covering it."""
    text = kb.texts.get(document.id)
    if text is None:
        return []
    spans: list[tuple[Span, str]] = []
    cursor = 0
    text.expect(claim.text for claim in document.claims)
    for claim in document.claims:
        # Claims come in document order: search on from the last one, then from the top.
        span = text.find(claim.text, cursor) or text.find(claim.text)
        if span is not None:
            spans.append((span, claim.id))
            cursor = span.start
    layout_ = layout(text.text)
    markdown = any(block.heading for block in layout_)
    cut = [(block.body, block.end) for block in layout_]  # a Markdown heading's #s and a bullet left out
    # Each block's spans, found by bisection: a pass over all spans per block is quadratic.
    starts = [start for start, _ in cut]
    in_block: list[list[tuple[Span, str]]] = [[] for _ in cut]
    for span, claim_id in spans:
        first = max(bisect.bisect_right(starts, span.start) - 1, 0)
        for i in range(first, bisect.bisect_left(starts, span.end)):
            if span.start < cut[i][1] and cut[i][0] < span.end:
                in_block[i].append((span, claim_id))
    result = []
    for block, (start, end), covering in zip(layout_, cut, in_block):
        # Markdown emphasis is shown as the text it stresses, without its * or _.
        hidden = sorted((a, b, "") for found in emphasis(text.text, block) for a, b in found.delimiters) \
            if markdown else []
        hidden_starts = [a for a, _, _ in hidden]
        cuts = {start, end}
        for span, _ in covering:
            cuts.update(p for p in (span.start, span.end) if start < p < end)
        points = sorted(cuts)
        # The claims over each stretch between two points, kept up to date from one point to the
        # next (a scan of all the block's claims per stretch is quadratic), the narrowest first:
        # a claim inside another keeps a highlight of its own.
        opening: dict[int, list[int]] = {}
        closing: dict[int, list[int]] = {}
        for i, (span, _) in enumerate(covering):
            opening.setdefault(max(span.start, start), []).append(i)
            closing.setdefault(min(span.end, end), []).append(i)
        active: set[int] = set()
        segments = []
        for a, b in itertools.pairwise(points):
            active.difference_update(closing.get(a, ()))
            active.update(opening.get(a, ()))
            inside = sorted((covering[i][0].end - covering[i][0].start, i) for i in active)
            ids = [covering[i][1] for _, i in inside]
            lo, hi = bisect.bisect_left(hidden_starts, a), bisect.bisect_left(hidden_starts, b)
            shown = spliced(text.text, a, b, hidden[lo:hi])
            piece = collapse(shown)
            if not piece:
                continue
            # keep the single space collapse() trims at the edges
            if shown[:1].isspace():
                piece = " " + piece
            if shown[-1:].isspace():
                piece += " "
            segments.append({"text": piece, "claims": ids, "label": labels[ids[0]] if ids else ""})
        result.append({"heading": block.heading, "item": block.item, "segments": segments})
    return result


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
    for char, escaped in _JSON_IN_SCRIPT:
        encoded = encoded.replace(char.encode("utf-8"), escaped.encode("ascii"))
    return Markup(encoded.decode("utf-8", "surrogatepass"))


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
                   "doi_href": links.doi_href(w["doi"])} for w in report["works"]),
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


def render(kb: KnowledgeBase, findings: list[Finding], lang: str) -> dict[str, Iterator[bytes] | Iterator[str]]:
    """The three report files, each made while it is written (a large report's HTML is half a
    gigabyte): report.json as UTF-8 chunks, the others as text; nothing is written here."""
    entries = reference_entries(kb, lang)
    report = data(kb, findings, entries)
    labels = {c["id"]: c["label"] for c in report["claims"]}
    env = rendering.environment(kb.root)
    t = rendering.interface(lang)
    numbers = {c["id"]: i for i, c in enumerate(report["claims"], 1)}
    by_document = _by_document(report["claims"])
    # Reasons in the report's language (report.json keeps English); the same reason is shown by
    # the page, its data and report.md, and fixed ones by thousands of claims: translated once.
    say = lru_cache(maxsize=1 << 16)(partial(rendering.localise, lang=lang))
    context = {
        "report": report,
        "t": t,
        "lang": lang,
        "works": {w["key"]: w for w in report["works"]},
        "references": entries,  # key -> Entry: the reference as HTML (`.html`) and Markdown (`.markdown`)
        "claims": {c["id"]: c for c in report["claims"]},
        "texts": {d.id: _segments(kb, d, labels) for d in kb.documents},
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
    }
    return {
        # orjson writes the bytes json.dumps(indent=2, ensure_ascii=False) would, twenty times faster;
        # kept as bytes: a large report.json is not decoded only to be encoded again
        "report.json": json_chunks(report),
        "report.html": _with_data(rendering.generate(env, "report.html.j2", context),
                                  lambda: script_json_chunks(browser_data(report, t, numbers, say))),
        "report.md": rendering.generate(rendering.environment(kb.root, markdown_templates=True), "report.md.j2",
                                        context),
    }
