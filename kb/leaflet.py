"""The cited leaflet: a leaflet's text with every citation rendered in APA 7 from its claims'
sources, followed by a reference list of exactly the works it cites.

Each claim in `claims/<doc>.yaml` that the leaflet cites for has `cited_as`, the citation as
printed right after the claim's span (or, in running text, "Koch et al. (2014)" inside or just
before it). That printed citation is replaced by one rendered from the claim's sources, so the
slips of the printed version (misspelt names, "et al" without its full stop, a missing a/b)
are gone. A claim with sources but no printed citation gets a citation after its span. The
rest of the text stays as published, its PDF line breaks reflowed into paragraphs. A text written
in Markdown keeps its headings, list items and emphasis as such, in every format.

Formats: `md` (Markdown), `html` (one self-contained page), `pandoc` (Markdown with `[@key]`
citations for `pandoc --citeproc`, its CSL-JSON bibliography beside it).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from kb import links, rendering
from kb.apa import csl, formatting
from kb.apa import references as rich
from kb.apa.letters import year_letters
from kb.apa.marks import BOLD, ITALIC
from kb.audit.citations import NO_CITATIONS
from kb.audit.records import unverified
from kb.audit.registry import configured
from kb.bibliography import Work
from kb.claims import Document
from kb.findings import UNREADABLE_INPUT, Finding, Location, Severity
from kb.knowledgebase import KnowledgeBase
from kb.markdown import Markdown
from kb.markdown import text as markdown_text
from kb.placement import Placement, place
from kb.texts import Block, LeafletText, collapse, emphasis, layout, spliced

TEMPLATES = rendering.LEAFLET_TEMPLATES
LABELS = {
    "nl": {"references": "Literatuur", "unverified": "verificatie",
           "no_citations": "Deze folder noemt geen bronnen: geen bewering in {claims} verwijst naar "
                           "literatuur. De literatuurlijst is daarom leeg."},
    "en": {"references": "References", "unverified": "verification",
           "no_citations": "This leaflet cites no sources: no claim in {claims} links to a work, "
                           "so the reference list is empty."},
}


@dataclass(frozen=True)
class Reference:
    """One entry of the reference list."""

    key: str  # the work's key
    text: str  # the entry as rich text (kb.apa.marks.MARKS)
    links: tuple[str, ...]  # URLs printed in it (DOI link, URL), to be made links
    status: str  # the record's verificationstatus, "" when it has none
    verification: str  # what was checked, as the record says


@dataclass(frozen=True)
class Paragraph:
    """A paragraph, heading or list item of the leaflet, its citations rendered."""

    pieces: tuple[tuple[str, int | None], ...]  # (text, None) or (citation, its placement's index); rich text
    heading: int = 0  # a Markdown heading's level; 0 for running text
    item: bool = False  # an item of a Markdown list


@dataclass(frozen=True)
class Leaflet:
    """A leaflet ready to be written in any format."""

    document: Document  # the leaflet's claims file and metadata
    locale: str  # "nl-NL" or "en-US"
    blocks: tuple[Paragraph, ...]  # the text, in order
    markdown: bool  # the text is Markdown: it has headings of its own
    placements: tuple[Placement, ...]  # the citations, in text order (`index` above)
    references: tuple[Reference, ...]  # in the style's order
    # CSL-JSON of the cited works for pandoc, in list order: ids as `pandoc_key`, no URL or DOI
    # that may not be a link
    items: tuple[dict[str, Any], ...]
    note: str  # why the list is empty, in the leaflet's language; "" when it is not


def _sentence_start(before: str) -> bool:
    stripped = before.rstrip()
    return not stripped or stripped.endswith((".", "!", "?", ":"))


def _reflow(raw: list[tuple[str, int | None]]) -> list[tuple[str, int | None]]:
    """Text pieces with their line breaks and runs of spaces as single spaces."""
    pieces: list[tuple[str, int | None]] = []
    for i, (piece, index) in enumerate(raw):
        if index is not None:
            pieces.append((piece, index))
            continue
        lead = " " if piece[:1].isspace() and i > 0 else ""
        trail = " " if piece[-1:].isspace() and i < len(raw) - 1 else ""
        flat = collapse(piece)
        flat = lead + flat + trail if flat else (" " if lead or trail else "")
        if flat:
            pieces.append((flat, None))
    return pieces


def _marks(text: str, block: Block, placements: list[Placement]) -> list[tuple[int, int, str]]:
    """A Markdown block's emphasis delimiters, as the rich-text marks that replace them; not those
    of an emphasis a citation takes half of (its text replaced), which would be left open."""
    marks = []
    for found in emphasis(text, block):
        delimiters = found.delimiters
        if any(p.start < b and a < p.end for a, b in delimiters for p in placements):
            continue
        for (a, b), mark in zip(delimiters, BOLD if found.strong else ITALIC):
            marks.append((a, b, mark))
    return sorted(marks)


def _paragraphs(text: LeafletText, placements: list[Placement], rendered: list[str], cut: list[Block],
                markdown: bool) -> tuple[Paragraph, ...]:
    """The text cut into paragraphs of pieces: (text, None) or (citation, its placement's index)."""
    result = []
    queue = list(enumerate(placements))
    done = 0  # offset up to which the text is used
    for block in cut:
        start, end = block.body, block.end
        marks = _marks(text.text, block, placements) if markdown else []
        raw: list[tuple[str, int | None]] = []
        position = max(start, done)
        while queue and queue[0][1].start < end:
            index, placement = queue.pop(0)
            if placement.start > position:
                raw.append((spliced(text.text, position, placement.start, marks), None))
            raw.append(("", index))
            position = max(position, placement.end)
        if position < end:
            raw.append((spliced(text.text, position, end, marks), None))
        done = max(done, position)
        paragraph: list[tuple[str, int | None]] = []
        before = ""  # the paragraph so far: enough of it to see where a sentence starts
        for piece, where in _reflow(raw):
            if where is None:
                paragraph.append((piece, None))
                before = (before + piece)[-8:]
                continue
            index = where
            placement, citation = placements[index], rendered[index]
            if placement.narrative and _sentence_start(before):
                citation = citation[:1].upper() + citation[1:]
            if placement.start == placement.end and before and not before.endswith(" "):
                paragraph.append((" ", None))  # an inserted citation
            paragraph.append((citation, index))
            before = (before + citation)[-8:]
        if paragraph:
            result.append(Paragraph(tuple(paragraph), block.heading, block.item))
    return tuple(result)


def build(kb: KnowledgeBase, document: Document, locale: str) -> tuple[Leaflet | None, list[Finding]]:
    """The leaflet with its citations placed and formatted; findings say what a writer must know:
    errors (nothing can be rendered), unverified records, a leaflet that cites nothing."""
    text = kb.texts.get(document.id)
    if text is None:
        return None, [UNREADABLE_INPUT.finding(Location(kb.display(document.claims_path), 0), f"the leaflet text {kb.display(document.text_path)} cannot be read")]
    placements, findings = place(kb, document, text)
    findings = configured(kb, findings)
    if any(f.severity is Severity.ERROR for f in findings):
        return None, findings
    cited = [kb.works[k] for k in dict.fromkeys(k for p in placements for k in p.keys)]
    items = csl.items(cited)
    formatted = formatting.format_items(items, locale, [(p.keys, p.narrative) for p in placements],
                                        letters=year_letters(cited))
    rendered = [formatted.citation(list(p.keys), p.narrative) for p in placements]
    works = {w.key: w for w in cited}
    references = tuple(_reference(entry, works[entry.key]) for entry in rich.entries(formatted, cited).values())
    by_key = {item["id"]: item for item in items}
    note = ""
    if not placements:
        note = LABELS[locale[:2]]["no_citations"].format(claims=kb.display(document.claims_path))
        findings.append(NO_CITATIONS.finding(Location(kb.display(document.claims_path), 0),
                                             "the leaflet cites no works (no claim has sources, no printed "
                                             "citation), so its reference list is empty"))
    for reference in references:  # what the audit says of each cited record, in the list's order
        finding = unverified(works[reference.key])
        if finding is not None:
            findings.append(finding)
    findings = configured(kb, findings)
    cut = layout(text.text)
    markdown = any(block.heading for block in cut)
    leaflet = Leaflet(
        document=document,
        locale=locale,
        blocks=_paragraphs(text, placements, rendered, cut, markdown),
        markdown=markdown,
        placements=tuple(placements),
        references=references,
        # pandoc links every URL and DOI of these: one that may not be a link is left out (kb.links)
        items=tuple({**links.csl_linkable(by_key[r.key]), "id": pandoc_key(r.key)} for r in references),
        note=note,
    )
    return leaflet, findings


def _reference(entry: rich.Entry, work: Work) -> Reference:
    return Reference(key=entry.key, text=entry.text, links=entry.links,
                     status=work.verification_status, verification=work.get("verification"))


# --- output formats -------------------------------------------------------------------------

def _convert(text: str, fmt: str) -> Markup | Markdown:
    """Rich text (kb.apa.marks.MARKS) in the leaflet's format."""
    return rich.html(text) if fmt == "html" else rich.markdown(text, (), fmt == "pandoc")


def pandoc_key(key: str) -> str:
    """A work's key as the pandoc leaflet cites it and its CSL-JSON names it: as it is, but with
    the characters Markdown or HTML could read as their own (`<`, `&`, a backtick, a brace, a
    space, `%` itself) percent-encoded. pandoc reads a key in `@{...}` without escapes, and a
    reader other than pandoc's sees it as text: `k<img ...>` would be a tag there."""
    return quote(key, safe="!$'()*+,-./:;=?@_~#")


def _pandoc_citation(keys: tuple[str, ...], narrative: bool) -> Markdown:
    names = ["@" + k if re.fullmatch(r"\w+", k) else "@{" + k + "}" for k in map(pandoc_key, keys)]
    if narrative:
        return Markdown(" ".join(names[:1] + [f"[{'; '.join('-' + n for n in names[1:])}]"] if names[1:]
                                 else names[:1]))
    return Markdown("[" + "; ".join(names) + "]")


def csl_json(leaflet: Leaflet) -> str:
    """The cited works as a CSL-JSON file, for pandoc's `--bibliography`."""
    return json.dumps(list(leaflet.items), ensure_ascii=False, indent=2) + "\n"


def annotation(kb: KnowledgeBase, placement: Placement, lang: str, clinical: frozenset[str]) -> str:
    """For a review copy: the conclusion level and certainty of the claims a citation belongs to,
    "[niveau 3, zekerheid laag]" ("[level 3, low certainty]"), each distinct pair once; "geen
    niveau" for a claim nothing it cites supports; "" when none of them is in `clinical`."""
    words = rendering.interface(lang)
    levels, certainties = words["levels"], words["certainties"]
    prefix = words["strength"]["certainty_prefix"]
    said = []
    for claim_id in placement.claims:
        strength = kb.strengths.get(claim_id)
        if strength is None or claim_id not in clinical:
            continue
        if strength.level is None:  # cited, but nothing it cites counts: say so
            said.append(levels["none"])
            continue
        level = levels[str(strength.level)] + (f" ({words['strength']['provisional']})" if strength.provisional else "")
        certainty = certainties.get(strength.certainty or "", strength.certainty or "")
        said.append(f"{level}, {prefix} {certainty}" if lang == "nl" else f"{level}, {certainty} {prefix}")
    return f"[{'; '.join(dict.fromkeys(said))}]" if said else ""


def render(kb: KnowledgeBase, leaflet: Leaflet, fmt: str, bibliography: str | None = None,
           annotate: bool = False) -> str:
    """The leaflet in `fmt`. For `pandoc`, `bibliography` names the CSL-JSON file beside it;
    without one the works go into the front matter (`references:`), so stdout stands alone.
    `annotate` adds each cited claim's conclusion level and certainty after its citation."""
    lang = leaflet.locale[:2]
    clinical = frozenset(c.id for c in leaflet.document.claims if c.kind == "clinical") if annotate else frozenset()
    blocks = []
    for block in leaflet.blocks:
        pieces: list[str] = []
        for text, index in block.pieces:
            if index is None:
                pieces.append(_convert(text, fmt))
            elif fmt == "pandoc":
                placement = leaflet.placements[index]
                pieces.append(_pandoc_citation(placement.keys, placement.narrative))
            else:
                pieces.append(f'<span class="citation">{_convert(text, "html")}</span>' if fmt == "html"
                              else _convert(text, "md"))
            if index is not None and annotate:
                note = annotation(kb, leaflet.placements[index], lang, clinical)
                if note:
                    pieces.append(f' <span class="annotation">{_convert(note, "html")}</span>' if fmt == "html"
                                  else " " + _convert(note, fmt))
        if fmt == "html":
            blocks.append({"text": Markup("".join(pieces)), "heading": block.heading, "item": block.item})
        else:  # Markdown marks a heading or an item in its text
            marker = "#" * block.heading + " " if block.heading else "- " if block.item else ""
            blocks.append({"text": Markdown(marker + "".join(pieces)), "heading": block.heading, "item": block.item})
    statuses = rendering.interface(lang)["statuses"]
    references = [{
        "key": r.key,
        "text": rich.html(r.text, r.links) if fmt == "html" else rich.markdown(r.text, r.links, fmt == "pandoc"),
        "verified": r.status == "verified",
        "status": statuses.get(r.status, r.status),
        "verification": r.verification,
    } for r in leaflet.references]
    front: dict[str, Any] = {"pagetitle": leaflet.document.title, "lang": leaflet.locale,
             "reference-section-title": LABELS[lang]["references"]}
    if not bibliography:
        front["references"] = list(leaflet.items)
    # pandoc reads the strings of front matter as Markdown: escaped, they stay the text they are.
    front = _front_matter(front)
    if bibliography:
        front["bibliography"] = bibliography  # the file the user named: a path, not data
    context = {
        "document": leaflet.document,
        "lang": lang,
        "locale": leaflet.locale,
        "t": LABELS[lang],
        "blocks": blocks,  # each with its text, heading level and whether it is a list item
        "paragraphs": [block["text"] for block in blocks],  # the texts alone, for a template of before blocks
        # The page's <h1>: a Markdown text without a level-1 heading of its own is given its title.
        "title": leaflet.document.title if leaflet.markdown and not any(b.heading == 1 for b in leaflet.blocks)
        else "",
        "references": references,
        "note": leaflet.note if fmt == "html" else markdown_text(leaflet.note, fmt == "pandoc"),
        "front_matter": _yaml(front) if fmt == "pandoc" else "",
    }
    return rendering.render(rendering.environment(kb.root, markdown_templates=fmt != "html"), TEMPLATES[fmt], context)


# Written as YAML escapes in the front matter: a reader that takes it for Markdown text (any but
# pandoc's) finds no tag, link or character reference in it; YAML reads them back.
_YAML_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("[", "\\u005b"), ("]", "\\u005d"), ("&", "\\u0026"))


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _yaml(front: dict[str, Any]) -> Markdown:
    """Front matter as YAML (JSON, which YAML reads), with `_YAML_ESCAPES` inside its strings."""
    def escaped(string: re.Match[str]) -> str:
        text = string.group()
        for char, escape in _YAML_ESCAPES:
            text = text.replace(char, escape)
        return text
    return Markdown(_JSON_STRING.sub(escaped, json.dumps(front, ensure_ascii=False, indent=2)))


def _front_matter(value: Any) -> Any:
    """Front matter with every string escaped as pandoc Markdown text: pandoc parses the strings
    of YAML metadata (titles in `references` too) as Markdown, raw HTML and links included."""
    if isinstance(value, str):
        return str(markdown_text(value, pandoc=True))
    if isinstance(value, list):
        return [_front_matter(v) for v in value]
    if isinstance(value, dict):
        return {k: _front_matter(v) for k, v in value.items()}
    return value
