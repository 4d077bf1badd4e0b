"""Hostile values cannot forge a finding's line nor act on the terminal; JSON keeps them exactly.

A claim id, a work key, a section, a title, a note or a leaflet's text may hold a newline
followed by what reads as a finding, an escape sequence (clear the screen, a hidden link), a
carriage return, backspace, NUL, DEL, a C1 control or a bidirectional override. Keys and ids
outside their character sets are located errors; every other value is printed with those
characters escaped visibly (`kb.printable`), and JSON output holds them as they are.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import tempfile
import unicodedata
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from kb import bibliography, build
from kb.citations import extract
from kb.cli import main
from kb.findings import UNREADABLE_RULES, Finding, Location, Severity, sorted_findings
from kb.identifiers import bad_id_character, bad_key_character, id_prefix
from kb.printable import printable

FINDING = re.compile(r"^[^:\n]+:\d+: (error|warning|info): .* \[[a-z-]+\]$")
SUMMARY = re.compile(r"^\d+ errors?, \d+ warnings?, \d+ infos?$")
EXTRACTED = re.compile(r"^kb extract: \d+ citation groups, \d+ citations, \d+ resolved, \d+ with problems; "
                       r"\d+ draft claims$")
CANNOT_READ = re.compile(r"^kb: cannot read the knowledge base in [^\n]*; nothing was written$")
NOT_RENDERED = "kb: the leaflet cannot be rendered; nothing was written"
SHOW_HEADS = re.compile(r"^(claim |work |leaflet |\d+ claims? holding )")

BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029"
CONTROLS = "".join(map(chr, [*range(0x20), 0x7f, *range(0x80, 0xa0)]))
FORGED = [
    "\nclaims/doc.yaml:1: error: forged [missing-reference]",
    "\r\nreferences.bib:2: warning: forged finding [unused-reference]",
    "\rclaims/doc.yaml:3: info: over the line [no-citations]",
    "\x1b[2J\x1b[H",
    "\x1b]8;;https://evil.example/\x07click here\x1b]8;;\x07",
    "\x1b[1A\x1b[2Kclaims/doc.yaml:9: error: up one line [claim-not-in-text]",
    "\u202eevil\u202c",
    "\u2066isolated\u2069",
    "a\bb\x7f",
    "\x9b31mred",
    "\x00",
    "\u2028claims/doc.yaml:4: error: after a line separator [overclaim]",
]


def raw_characters(text: str) -> list[str]:
    """The characters of `text` a terminal would act on, newlines between lines aside."""
    return [c for c in text if c != "\n" and (unicodedata.category(c) in ("Cc", "Zl", "Zp", "Cs") or c in BIDI)]


# -- the knowledge base a test writes ---------------------------------------------------------------------

@dataclass(frozen=True)
class Values:
    """Everything of a small KB that comes from its author: one work, one leaflet, one claim."""

    key: str = "berg2020"  # the work's key in references.bib
    source_key: str | None = None  # the key the claim cites (the work's key when None)
    claim_id: str = "bewegen"
    section: str = "Over bewegen"
    title: str = "Over bewegen"  # the leaflet's title
    work_title: str = "Bewegen en angst"
    note: str = ""  # the link's note ("" leaves it out: an unexplained-fit warning names the claim)
    text: str = "Bewegen helpt tegen angst"  # the claim's text, also in the leaflet's text
    cited_as: str = "(Berg, 2020)"
    leaflet_extra: str = ""  # more text of the leaflet, after the claim's sentence
    doc: str = "doc"  # the leaflet's name (its files' stem)
    printed: str | None = None  # the claim's words as the leaflet prints them (its text when None)


def write_kb(folder: Path, values: Values) -> None:
    (folder / "claims").mkdir(parents=True)
    (folder / "references.bib").write_text(
        f"@article{{{values.key},\n  author = {{Berg, Anna}},\n  year = {{2020}},\n  title = {{{values.work_title}}},\n"
        "  journal = {Tijdschrift},\n  design = {rct},\n  population = {volwassenen},\n  n = {40},\n"
        "  verificationstatus = {from-memory},\n  verification = {from memory: all fields}\n}\n", encoding="utf-8")
    claim: dict[str, object] = {"id": values.claim_id, "section": values.section, "kind": "clinical",
                                "text": values.text, "cited_as": values.cited_as,
                                "sources": [{"key": values.source_key or values.key, "fit": "partial",
                                             **({"note": values.note} if values.note else {})}]}
    data = {"document": {"title": values.title, "language": "nl", "text": f"{values.doc}.txt"}, "claims": [claim]}
    dumped = yaml.safe_dump(data, allow_unicode=False, sort_keys=False, width=10**6)
    assert yaml.safe_load(dumped) == data
    (folder / "claims" / f"{values.doc}.yaml").write_text(dumped, encoding="utf-8")
    (folder / "claims" / f"{values.doc}.txt").write_text(
        f"# {values.title}\n\n## {values.section}\n\n{values.text if values.printed is None else values.printed} "
        f"{values.cited_as}. {values.leaflet_extra}\n",
        encoding="utf-8", newline="")


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def run(*args: object) -> Run:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return Run(code, out.getvalue(), err.getvalue())


def finding_lines(lines: list[str], findings: list[Finding], *others: re.Pattern[str] | str) -> None:
    """Each line is a finding or one of the `others`; the findings' lines are those of `findings`, in order."""
    found = [line for line in lines if FINDING.match(line)]
    rest = [line for line in lines if not FINDING.match(line)]
    assert found == [f.format() for f in findings], "\n".join(lines)
    for line in rest:
        assert any(o.match(line) if isinstance(o, re.Pattern) else o == line for o in others), line


def check_everything(folder: Path, values: Values) -> list[Finding]:
    """Every text output of every command on the KB at `folder`: one line per finding, nothing forged,
    nothing raw; JSON with the exact values. The audit's findings are returned."""
    outcome = build.audit(folder)
    audit = run("--kb", folder, "audit")
    assert audit.code == (2 if outcome.unreadable else 1 if outcome.failed else 0)
    if outcome.unreadable:
        finding_lines(audit.err.splitlines(), outcome.findings, CANNOT_READ)
    else:
        finding_lines(audit.out.splitlines(), outcome.findings, SUMMARY)
        json_text = run("--kb", folder, "audit", "--format", "json").out
        assert not raw_characters(json_text)  # escaped as JSON escapes
        as_json = json.loads(json_text)
        assert as_json == [f.as_json() for f in outcome.findings]
        assert len(as_json) == sum(1 for line in audit.out.splitlines() if FINDING.match(line))
        for finding in as_json:  # the exact values, not their escapes
            assert finding.get("claim", values.claim_id) == values.claim_id
            # the work's key as BibTeX reads it: the whitespace around a key is no part of it
            assert finding.get("key") in (None, values.key, values.key.strip(), values.source_key)
    assert not raw_characters(audit.out + audit.err)

    for target in (values.claim_id, values.key, values.doc, values.text.split(" ")[0] or "x"):
        shown = run("--kb", folder, "show", "--", target)  # a key may start with "-"
        assert not raw_characters(shown.out + shown.err)
        if outcome.unreadable:
            finding_lines(shown.err.splitlines(), outcome.findings, CANNOT_READ)
            continue
        for line in shown.out.splitlines():
            assert line == "" or line.startswith(" ") or SHOW_HEADS.match(line), shown.out
        assert len(shown.err.splitlines()) == (0 if shown.code == 0 else 1), shown.err

    leaflet = run("--kb", folder, "leaflet", values.doc)
    expected = build.leaflet(folder, values.doc, "md", None, None).outcome.findings
    finding_lines(leaflet.err.splitlines(), expected, CANNOT_READ, NOT_RENDERED)
    assert not raw_characters(leaflet.err)

    text = folder / "claims" / f"{values.doc}.txt"
    extracted = run("--kb", folder, "extract", text)
    bib_findings = bibliography.load(folder / "references.bib", (folder / "references.bib").as_posix())[1]
    finding_lines(extracted.err.splitlines(), sorted_findings(bib_findings), EXTRACTED)
    assert not raw_characters(extracted.out + extracted.err)
    if extracted.code == 0:
        draft = yaml.safe_load(extracted.out)  # valid YAML, whatever the text holds
        works = bibliography.load(folder / "references.bib", "references.bib")[0].works
        expected_draft = extract.extract(text.read_text(encoding="utf-8"), works, values.doc)
        assert draft["document"]["title"] == expected_draft.title
        assert [(c["id"], c["section"], c["text"], c.get("cited_as"), [s["key"] for s in c["sources"]])
                for c in draft["claims"] or []] == [
            (c.id, c.section, c.text, c.cited_as if c.groups else None, list(c.keys)) for c in expected_draft.claims]
        assert all(bad_id_character(c["id"]) is None for c in draft["claims"] or [])
        json_text = run("--kb", folder, "extract", text, "--format", "json").out
        assert not raw_characters(json_text)
        as_json = json.loads(json_text)
        assert [(c["id"], c["section"], c["text"]) for c in as_json["claims"]] == [
            (c.id, c.section, c.text) for c in expected_draft.claims]
        assert as_json["document"] == values.doc
    return outcome.findings


# -- variants with exact lines --------------------------------------------------------------------------------

ID_SET = "(letters, digits and _.:-, starting with a letter or digit) [claims-schema]"
KEY_SET = "(letters, digits and _-:./+)"
UNVERIFIED = "references.bib:1: warning: berg2020 is not verified (from-memory): from memory: all fields [unverified-reference]"
UNEXPLAINED = "claims/doc.yaml:12: warning: claim bewegen: the link to berg2020 is partial, but no note says why [unexplained-fit]"

VARIANTS = [
    ("a claim id holding a forged finding after a newline",
     Values(claim_id="x\nclaims/doc.yaml:1: error: forged [missing-reference]"),
     ["claims/doc.yaml:6: error: a claim's id x\\nclaims/doc.yaml:1: error: forged [missing-reference] holds "
      f"U+000A, which an id cannot hold {ID_SET}", UNVERIFIED]),
    ("a claim id that clears the screen",
     Values(claim_id="a\x1b[2J"),
     [f"claims/doc.yaml:6: error: a claim's id a\\x1b[2J holds U+001B, which an id cannot hold {ID_SET}", UNVERIFIED]),
    ("a claim id with a right-to-left override",
     Values(claim_id="abc\u202efdp.exe"),
     ["claims/doc.yaml:6: error: a claim's id abc\\u202efdp.exe holds U+202E (right-to-left override), which an "
      f"id cannot hold {ID_SET}", UNVERIFIED]),
    ("a claim id holding markup",
     Values(claim_id='x"><img src=z>'),
     [f"claims/doc.yaml:6: error: a claim's id x\"><img src=z> holds U+0022 (quotation mark), which an id cannot "
      f"hold {ID_SET}", UNVERIFIED]),
    ("a work key holding a hidden link (OSC 8) and a bell",
     Values(key="berg\x1b]8;;https://evil.example/\x07x", source_key="berg2020"),
     ["references.bib:1: error: cannot read BibTeX: the key berg\\x1b]8;;https://evil.example/\\x07x holds U+001B, "
      f"which a key cannot hold {KEY_SET}; this entry is ignored [bibtex-syntax]"]),
    ("a source key with a carriage return and a forged line",
     Values(source_key="berg2020\rreferences.bib:1: error: forged [bibtex-syntax]"),
     ["claims/doc.yaml:12: error: a source of claim bewegen: the key berg2020\\rreferences.bib:1: error: forged "
      f"[bibtex-syntax] holds U+000D, which a key cannot hold {KEY_SET} [claims-schema]", UNVERIFIED]),
    ("a source key with a C1 control (CSI) and a pop-directional isolate",
     Values(source_key="berg\x9b2020\u2069"),
     [f"claims/doc.yaml:12: error: a source of claim bewegen: the key berg\\x9b2020\\u2069 holds U+009B, which a "
      f"key cannot hold {KEY_SET} [claims-schema]", UNVERIFIED]),
    ("a section with forged findings, an erase-line sequence and a line separator",
     Values(section="Over\nclaims/doc.yaml:1: error: forged [overclaim]\x1b[1A\x1b[2K\u2028references.bib:1: info: "
                    "x [no-citations]"),
     [UNEXPLAINED, UNVERIFIED]),
    ("titles and a note with bidirectional isolates, backspace, NUL, DEL and a carriage return",
     Values(title="Folder \u2066\u202eevil\u2069\b\b\x01\x7f", work_title="Angst \u2067x\u2069 \x1b[31mrood\x1b[0m",
            note="omdat\x00\rclaims/doc.yaml:2: error: forged [claims-schema]"),
     [UNVERIFIED]),
    ("a citation as printed that breaks its line, with a paragraph separator and an Arabic letter mark",
     Values(cited_as="(Berg,\u2029 2020\u061c)\nclaims/doc.yaml:1: error: forged [citation-mismatch]"),
     ["claims/doc.yaml:6: warning: claim bewegen: cited_as '(Berg,\\u2029 2020\\u061c)\\nclaims/doc.yaml:1: error: "
      "forged [citation-mismatch]' cannot be read as an author-year citation [citation-mismatch]",
      UNEXPLAINED, UNVERIFIED]),
    ("a claim's text not in its leaflet, whose closest passage holds escape sequences",
     Values(text="Bewegen helpt echt tegen angst", printed="Bewegen \x1b[8mhelpt\x1b[28m\ntegen angst"),
     ["claims/doc.yaml:6: error: claim bewegen: its text is not in claims/doc.txt; closest passage (line 5): "
      "'Bewegen \\x1b[8mhelpt\\x1b[28m tegen angst'; they first differ after 'Bewegen ': the text goes on "
      "'\\x1b[8mhelpt\\x1b[28m ', the claim 'helpt echt tege' [claim-not-in-text]", UNEXPLAINED, UNVERIFIED]),
    ("keys and ids of every character they may hold",
     Values(key="müller:2020/a.b+c_d-e", claim_id="ß.2:a_b-c"),
     ["claims/doc.yaml:12: warning: claim ß.2:a_b-c: the link to müller:2020/a.b+c_d-e is partial, but no note says "
      "why [unexplained-fit]",
      "references.bib:1: warning: müller:2020/a.b+c_d-e is not verified (from-memory): from memory: all fields "
      "[unverified-reference]"]),
    ("a leaflet whose name clears the screen",
     Values(doc="doc\x1b[2J"),
     ["claims/doc\\x1b[2J.yaml:12: warning: claim bewegen: the link to berg2020 is partial, but no note says why "
      "[unexplained-fit]", UNVERIFIED]),
]


@pytest.mark.parametrize("values, expected", [v[1:] for v in VARIANTS], ids=[v[0] for v in VARIANTS])
def test_hostile_values_print_as_one_escaped_line_each(tmp_path: Path, values: Values,
                                                       expected: list[str]) -> None:
    write_kb(tmp_path / "kb", values)
    assert [f.format() for f in check_everything(tmp_path / "kb", values)] == expected


def test_a_hostile_value_stays_exact_in_json_and_the_report(tmp_path: Path) -> None:
    values = Values(section="Sectie\n\x1b[2J\u202e", title="Titel\x07\u2066", note="noot\rclaims/doc.yaml:1: x",
                    cited_as="(Berg\x1b[0m 2020)")
    folder = tmp_path / "kb"
    write_kb(folder, values)
    assert run("--kb", folder, "report", "--out", tmp_path / "out").code == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    (claim,) = report["claims"]
    assert (claim["section"], claim["cited_as"], claim["sources"][0]["note"]) == (
        values.section, values.cited_as, values.note)
    assert report["documents"][0]["title"] == values.title
    audit = json.loads(run("--kb", folder, "audit", "--format", "json").out)
    assert audit[0]["message"] == ("claim bewegen: cited_as '(Berg\x1b[0m 2020)' cannot be read as an author-year "
                                   "citation")  # as it is, JSON-escaped on the way
    shown = run("--kb", folder, "show", "bewegen").out
    assert "  section: Sectie\\n\\x1b[2J\\u202e   kind: clinical" in shown.splitlines()
    assert "     note: noot claims/doc.yaml:1: x" in shown.splitlines()  # a paragraph's line break is a space


def test_a_message_holding_line_breaks_is_one_line() -> None:
    finding = Finding(Location("claims/a\x1b[31m.yaml", 3), Severity.ERROR, "claims-schema",
                      "one\ntwo\r\nthree\x85four\u2028five\u2029six\x0bseven\x0cend")
    assert finding.format() == ("claims/a\\x1b[31m.yaml:3: error: one\\ntwo\\r\\nthree\\x85four\\u2028five\\u2029six"
                                "\\x0bseven\\x0cend [claims-schema]")
    assert finding.as_json()["message"] == finding.message


@pytest.mark.parametrize("text, shown", [
    ("plain é ñ 漢字 \u00a0 \u200d text", "plain é ñ 漢字 \u00a0 \u200d text"),  # letters, a no-break space, ZWJ
    ("back\\slash \\x1b", "back\\slash \\x1b"),  # a backslash is left as it is
    ("\x00\x07\x08\t\n\r\x1b\x7f", "\\x00\\x07\\x08\\t\\n\\r\\x1b\\x7f"),
    ("\x80\x85\x9b\x9f\xa0", "\\x80\\x85\\x9b\\x9f\xa0"),
    ("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e", "\\u061c\\u200e\\u200f\\u202a\\u202b\\u202c\\u202d\\u202e"),
    ("\u2066\u2067\u2068\u2069\u2028\u2029", "\\u2066\\u2067\\u2068\\u2069\\u2028\\u2029"),
    ("\udcff\ufffe\uffff", "\\udcff\\ufffe\\uffff"),  # an undecodable byte of a command line; noncharacters
])
def test_printable_escapes_what_a_terminal_acts_on(text: str, shown: str) -> None:
    assert printable(text) == shown
    assert printable(shown) == shown


def test_printable_escapes_every_control_and_bidirectional_character() -> None:
    named = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
    for char in CONTROLS + BIDI:
        code = ord(char)
        escaped = named.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        assert printable(f"a{char}b") == f"a{escaped}b"


@pytest.mark.parametrize("name, prefix", [
    ("npi-pmt", "npi-pmt"), ("Folder 2024", "Folder-2024"), ("(concept)", "concept-"), ("\x1b[2J", "2J"),
    ("a\nclaims/x.yaml:1: error: x", "a-claims-x.yaml:1:-error:-x"), ("", "claim"), ("été", "été"),
])
def test_draft_ids_are_made_of_an_ids_characters(name: str, prefix: str) -> None:
    assert id_prefix(name) == prefix
    assert bad_id_character(f"{prefix}-001") is None


@pytest.mark.parametrize("key, bad", [
    ("kraak2010", None), ("Rame72", None), ("doe:2020", None), ("smith_inpress", None), ("a/b.c+d-e", None),
    ("müller2010", None), ("_x", None), ("e\u0301a", None), ("\u0301e", "\u0301"), ("a b", " "), ("a%b", "%"),
    ("a{b", "{"), ("a\x1bb", "\x1b"), ("a\u202eb", "\u202e"), ("a\u200bb", "\u200b"),
])
def test_the_characters_of_a_key(key: str, bad: str | None) -> None:
    assert bad_key_character(key) == bad


@pytest.mark.parametrize("claim_id, bad", [
    ("npi-kader", None), ("a.b:c_d-1", None), ("1a", None), ("été", None), ("-a", "-"), ("_a", "_"),
    ("a/b", "/"), ("a+b", "+"), ("a b", " "), ("a\nb", "\n"),
])
def test_the_characters_of_an_id(claim_id: str, bad: str | None) -> None:
    assert bad_id_character(claim_id) == bad


# -- generated values ----------------------------------------------------------------------------------------

PIECES = [*CONTROLS, *BIDI, *FORGED, "berg", "2020", " ", ":", ".", "-", "é", "(", ")", ",", "{", "}", "\\", "[",
          "]", "# ", "'", '"', "&", "*", "!", "%"]
HOSTILE = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), min_size=1, max_size=8).map("".join)
# A value written into the leaflet text or the bibliography: those files hold no NUL byte (a text
# holding one is refused as a whole, tested in test_hostile_holds.py); YAML carries it escaped.
IN_TEXT = HOSTILE.map(lambda value: value.replace("\x00", "\x01"))
VALID_ID = st.from_regex(r"[a-zß][a-z0-9ß_.:-]{0,8}", fullmatch=True)
VALID_KEY = st.from_regex(r"[a-zü0-9_:./+-]{1,10}", fullmatch=True)


@st.composite
def hostile_values(draw: st.DrawFn) -> Values:
    key = draw(st.one_of(VALID_KEY, IN_TEXT))
    return replace(
        Values(),
        key=key,
        source_key=draw(st.one_of(st.none(), VALID_KEY, HOSTILE)),
        claim_id=draw(st.one_of(VALID_ID, HOSTILE)),
        section=draw(IN_TEXT), title=draw(IN_TEXT), work_title=draw(IN_TEXT), note=draw(HOSTILE),
        text=draw(st.one_of(st.just("Bewegen helpt tegen angst"), IN_TEXT)),
        cited_as=draw(st.one_of(st.just("(Berg, 2020)"), IN_TEXT)),
        leaflet_extra=draw(IN_TEXT),
    )


@settings(max_examples=60, deadline=timedelta(seconds=20),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(values=hostile_values())
def test_generated_hostile_values_never_forge_a_line(values: Values) -> None:
    with tempfile.TemporaryDirectory(prefix="kb-hostile-") as where:
        write_kb(Path(where) / "kb", values)
        findings = check_everything(Path(where) / "kb", values)
        event("unreadable" if any(f.rule in UNREADABLE_RULES for f in findings) else "read")


@settings(max_examples=100, deadline=timedelta(seconds=5))
@given(text=HOSTILE, name=HOSTILE)
def test_the_draft_of_kb_extract_reads_back_whatever_the_text_holds(text: str, name: str) -> None:
    extraction = extract.extract(f"# {text}\n\n{text} (Berg, 2020). Bewegen {text} helpt echt.\n", {}, name)
    draft = extract.as_yaml(extraction, f"{name}.txt")
    assert not raw_characters(draft)
    data = yaml.safe_load(draft)
    assert data["document"]["title"] == extraction.title
    assert data["document"]["text"] == f"{name}.txt"
    assert [(c["id"], c["section"], c["text"]) for c in data["claims"] or []] == [
        (c.id, c.section, c.text) for c in extraction.claims]
    as_json = extract.as_json(extraction)
    assert not raw_characters(as_json)
    assert [(c["id"], c["section"], c["text"]) for c in json.loads(as_json)["claims"]] == [
        (c.id, c.section, c.text) for c in extraction.claims]


@settings(max_examples=200, deadline=timedelta(seconds=5))
@given(key=st.text(st.sampled_from("abnul9é_-:./+\u0301"), min_size=1, max_size=6).filter(
    lambda k: bad_key_character(k) is None))
@example(key="null")
@example(key="-:")
@example(key="-")
@example(key="a:")
@example(key="1.5")
@example(key="+1")
@example(key=".inf")
@example(key="yes")
def test_a_drafts_key_reads_back_as_itself(key: str) -> None:
    """A key of any of a key's characters (`-:`, `null`, `1.5`, `a:`) reads back from the draft as that key."""
    with tempfile.TemporaryDirectory(prefix="kb-key-") as where:
        bib = Path(where) / "references.bib"
        bib.write_text(f"@article{{{key}, author = {{Berg, Anna}}, year = {{2020}}, title = {{T}}}}\n", encoding="utf-8")
        works = bibliography.load(bib, "references.bib")[0].works
    extraction = extract.extract("Bewegen helpt tegen angst (Berg, 2020).\n", works, "doc")
    assert [s["key"] for s in yaml.safe_load(extract.as_yaml(extraction, "doc.txt"))["claims"][0]["sources"]] == [key]
