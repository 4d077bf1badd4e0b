"""Labels: design -> EBRO -> work label, the override, and the claim rule of DESIGN.md."""

from __future__ import annotations

import re

import pytest
from conftest import REPO

from kb.bibliography import Work
from kb.claims import Claim, Source
from kb.labels import DESIGNS, Label, label_claim, label_work


def work(key: str, design: str, **fields: str) -> Work:
    return Work(key=key, entry_type="article", line=1, authors=(), editors=(), year="2020", title="T",
                fields={"design": design, **fields})


@pytest.mark.parametrize("design, ebro, label", [
    ("systematic-review", "A1", "empirical"), ("meta-analysis", "A1", "empirical"),
    ("rct", "A2", "empirical"), ("pilot-rct", "B", "empirical"),
    ("non-randomised-comparison", "B", "empirical"), ("cohort", "B", "empirical"),
    ("case-control", "B", "empirical"), ("quasi-experimental", "B", "empirical"),
    ("cross-sectional", "C", "empirical"), ("case-series", "C", "empirical"),
    ("experimental", "C", "empirical"), ("pre-post", "C", "empirical"),
    ("narrative-review", "D", "expert-based"), ("theory", "D", "expert-based"),
    ("handbook-chapter", "D", "expert-based"), ("book", "D", "expert-based"),
    ("expert-opinion", "D", "expert-based"), ("clinical-report", "D", "expert-based"),
])
def test_design_gives_ebro_and_label(design: str, ebro: str, label: str) -> None:
    result = label_work(work("w", design))
    assert (result.ebro, result.label) == (ebro, label)
    assert result.reason == f"{design}, EBRO {ebro}"


def test_every_design_is_in_the_readme_table() -> None:
    """The README's design table and DESIGNS give each design the same EBRO level and label."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| ([a-z, -]+) \| (A1|A2|B|C|D|–) \| (empirical|expert-based)", readme, re.MULTILINE)
    table = {design.strip(): (level, label) for designs, level, label in rows if level != "–"
             for design in designs.split(",")}
    assert table == {design: (level, label_work(work("w", design)).label.value)
                     for design, level in DESIGNS.items() if level}
    assert DESIGNS["unknown"] == ""


def test_labels_are_typed_values() -> None:
    """A label is a Label (a str enum), not a loose string: a misspelt label cannot be made."""
    assert label_work(work("w", "rct")).label is Label.EMPIRICAL
    assert label_work(work("w", "book")).label is Label.EXPERT_BASED
    claim = Claim(id="c", document="d", section="", kind="clinical", text="t", cited_as="", sources=(), line=1)
    assert label_claim(claim, {}, {}).label is Label.UNSUPPORTED
    with pytest.raises(ValueError):
        Label("empirisch")
    assert [label.value for label in Label] == ["empirical", "expert-based", "unsupported", "service"]


def test_override_with_reason() -> None:
    result = label_work(work("w", "cross-sectional", evidence="expert-based", evidencereason="only anecdotes"))
    assert result.label == "expert-based"
    assert result.reason == "cross-sectional, EBRO C; expert-based by override: only anecdotes"


def test_unknown_design_is_expert_based_until_identified() -> None:
    assert label_work(work("w", "unknown")).label == "expert-based"
    assert "not in the vocabulary" in label_work(work("w", "rtc")).reason


WORKS = {"rct": work("rct", "rct", n="120"), "book": work("book", "book"), "meta": work("meta", "meta-analysis")}
LABELS = {k: label_work(w) for k, w in WORKS.items()}


def claim(*sources: tuple[str, str], kind: str = "clinical") -> Claim:
    return Claim(id="c", document="d", section="s", kind=kind, text="t", cited_as="",
                 sources=tuple(Source(k, f, "", 1) for k, f in sources), line=1)


@pytest.mark.parametrize("sources, label", [
    ([("rct", "supports")], "empirical"),
    ([("rct", "indirect")], "empirical"),
    ([("rct", "unassessed")], "empirical"),
    ([("rct", "not-addressed"), ("book", "partial")], "expert-based"),
    ([("book", "supports")], "expert-based"),
    ([("rct", "not-addressed")], "unsupported"),
    ([], "unsupported"),
    ([("missing", "supports")], "unsupported"),
])
def test_claim_label(sources: list[tuple[str, str]], label: str) -> None:
    assert label_claim(claim(*sources), WORKS, LABELS).label == label


def test_claim_label_reason_names_the_strongest_work_first() -> None:
    result = label_claim(claim(("rct", "supports"), ("meta", "partial")), WORKS, LABELS)
    assert result.reason == "empirical: meta, meta-analysis, EBRO A1 (partial); rct, rct, n = 120, EBRO A2 (supports)"
    assert result.strongest == "A1"


def test_service_claims_need_no_label() -> None:
    assert label_claim(claim(kind="service"), WORKS, LABELS).label == "service"
