"""Labels: design -> EBRO -> work label, the override, and the claim rule of DESIGN.md."""

from __future__ import annotations

import pytest

from kb.bibliography import Work
from kb.claims import Claim, Source
from kb.labels import DESIGNS, label_claim, label_work


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


def test_every_design_is_in_the_table() -> None:
    assert len(DESIGNS) == 19


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
