"""kb.placement reads a leaflet's printed citations only where the text outside its placed ones
holds a year: that is exact only while every citation group kb.citations.parse finds holds a
year that `_YEARLIKE` sees. These tests hold the grammar to it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kb.citations.parse import find
from kb.placement import _YEARLIKE, _gaps

REPO = Path(__file__).parent.parent

NAMES = ["Jansen", "de Vries", "Van den Berg", "Koch et al.", "Smith & Jones", "NRC", "O'Brien", "Keulen-de Vos",
         "World Health Organization [WHO]", "J. A. Spaans", "Trimbos instituut", "Müller e.a.", "in 't Hout"]
YEARS = ["2017", "2017a", "2017a, b", "n.d.", "z.d.", "N.D.", "z.j.", "s.d.", "o.J.", "in press", "ter perse",
         "In druk", "1890/1950", "2019-b", "n.d.-a", "forthcoming", "te verschijnen", "in voorbereiding", "2010, 2012",
         "1650", "2099"]
BEFORE = ["", "zie ", "see ", "e.g., ", "bijvoorbeeld ", "vgl. ", "tekst "]
AFTER = ["", ", p. 12", ", blz. 3", ": 45", ", pp. 3-4", ", voor meer", " as cited in Jansen, 2010", " en verder"]


def _held(text: str) -> None:
    for group in find(text):
        assert _YEARLIKE.search(group.text.casefold()), (text, group.text)


def test_every_group_in_the_repository_texts_holds_a_year() -> None:
    texts = [p for pattern in ("claims/*.txt", "tests/roots/*/claims/*.txt", "tests/roots/*/claims/*.md")
             for p in REPO.glob(pattern)]
    assert texts
    found = 0
    for path in texts:
        text = path.read_text(encoding="utf-8")
        _held(text)
        found += len(find(text))
    assert found > 50  # the shipped leaflets cite


cite = st.tuples(st.sampled_from(BEFORE), st.sampled_from(NAMES), st.sampled_from([", ", " ", ","]),
                 st.sampled_from(YEARS), st.sampled_from(AFTER)).map("".join)


@given(st.one_of(
    st.lists(cite, min_size=1, max_size=3).map(lambda cites: "(" + "; ".join(cites) + ")"),
    st.tuples(st.sampled_from(NAMES), st.sampled_from(YEARS), st.sampled_from(AFTER)).map(
        lambda parts: f"{parts[0]} ({parts[1]}{parts[2]})"),
    st.tuples(st.sampled_from(["tekst ", "zie ook ", "<b>", ""]), cite, st.sampled_from(["", " en verder", "</b>"])).map(
        lambda parts: f"({''.join(parts)})"),
), st.sampled_from(["", "Dit is zo ", "Volgens "]), st.sampled_from(["", ".", " en meer."]))
def test_every_group_holds_a_year(citation: str, before: str, after: str) -> None:
    _held(before + citation + after)


def test_gaps_are_the_text_outside_the_spans() -> None:
    text = "0123456789"
    spans: list[Any] = [(1, 3), (2, 4), (6, 7)]
    assert _gaps(text, spans) == ["0", "45", "789"]
    assert _gaps(text, []) == [text]
    assert _gaps(text, [(0, 10)]) == [""]


def test_a_citation_printed_outside_the_placed_ones_is_still_read(root: Any, kb: Any) -> None:
    folder = root("citation_not_placed")
    result = kb("--kb", str(folder), "leaflet", "a")
    assert result.code == 1
    assert "[citation-not-placed]" in result.err
