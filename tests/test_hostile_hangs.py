"""Hostile input that used to hang `kb` or blow it up: text shaped like endless citations, YAML
aliases that repeat a long text, and many claims in a long leaflet. Each run of the citation
reader is bounded in time by doing it in a worker process that is stopped when it takes too long;
the cost of locating claims is compared between sizes as work done, not as seconds."""

from __future__ import annotations

import json
import multiprocessing
import random
import shutil
from collections.abc import Callable, Iterator
from multiprocessing.pool import Pool
from pathlib import Path
from typing import Any

import hostile_worker
import pytest
from conftest import ROOTS
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from kb import claims, knowledgebase
from kb.texts import LeafletText

SIZE = 100_000  # characters of a hostile text for the citation reader
COMMAND_SIZE = 20_000  # characters of one for extract, audit and report together
LIMIT = 10.0  # seconds the reader may take on SIZE characters: it takes well under one
COMMAND_LIMIT = 30.0  # seconds extract, audit and report may take together on COMMAND_SIZE characters

# Each variant: the names its author lists are made of, and what may end a list before its year.
# The lists run on with separators that leave room around "&" and "," (" & ", ", & ", "  &  "):
# the grammar once tried every way of sharing out those blanks, for every name.
VARIANTS: dict[str, tuple[list[str], list[str]]] = {
    "capitals": (["Aa", "Bb Cc", "Smith Jones", "WHO", "NVvP", "Leirvåg"], [""]),
    "particles": (["Van Aa", "van der Berg", "De Vos", "in 't Hout", "Van De Aa", "aan het Rot"], [""]),
    "initials": (["M. Aa", "A. B. Smith", "Jansen M.", "H.-P. Aa", "Aa, M."], [""]),
    "et_al": (["Aa", "Smith", "Van Dam"], ["Aa et al. ", "Bb e.a., ", "Cc c.s. ", "Dd ea ", "Ee and colleagues "]),
    "hyphens_and_line_breaks": (["Aa-\nBb", "Keulen-de Vos", "Roemen- van Haaren", "Aa -Bb", "Bussch-\nbach"], [""]),
    "apostrophes": (["O'Brien", "d'Ancona", "D'Aa", "L'Oreal", "Aa’s"], [""]),
    "brackets_and_tags": (["Aa [WHO]", "<b>Aa</b>", "Bb [X]", "<mark style=\"a;b\">Cc</mark>"], [""]),
    "organisations": (["Department of Health", "Ministerie van Volksgezondheid", "World Health Organization"], [""]),
    "years_and_locators": (["Aa", "Bb"], ["", "Aa, 2009, p. 4; "]),
    "mixed": (["Aa", "Van Aa", "M. Aa", "O'Brien", "Aa [X]", "Keulen-de Vos", "Department of Health"],
              ["", "Aa et al. "]),
}
SEPARATORS = [" & ", ", & ", "  &  ", " , & ", " &\n", " & \n"]

# Ways to set an author list into the text: in a parenthesis, inside another one, after a citation
# it is joined to without ';', before a year in narrative, and in a parenthesis never closed.
LAYOUTS: dict[str, Callable[[str], str]] = {
    "parenthetical": lambda names: f"Zie ({names}2010). ",
    "nested": lambda names: f"(zie (ook {names}2010), 2011) ",
    "joined": lambda names: f"(Aa, 2009, {names}2010, p. 3) ",
    "narrative": lambda names: f"Volgens {names}(2010) is het zo. ",
    "unclosed": lambda names: f"({names}2010 ",
}


@st.composite
def hostile_text(draw: st.DrawFn, variant: str, size: int) -> str:
    """Author lists of 16 to 30 of the variant's names, each list in one of LAYOUTS, to `size` characters."""
    names, tails = VARIANTS[variant]
    pieces: list[str] = []
    while sum(len(piece) for piece in pieces) < size:
        count = draw(st.integers(16, 30))
        listed = "".join(draw(st.sampled_from(names)) + draw(st.sampled_from(SEPARATORS)) for _ in range(count))
        pieces.append(LAYOUTS[draw(st.sampled_from(sorted(LAYOUTS)))](draw(st.sampled_from(tails)) + listed))
        if len(pieces) >= 8:  # the rest repeats the first lists
            pieces = pieces * (size // sum(len(piece) for piece in pieces) + 1)
    return "".join(pieces)[:size]


# Author lists of fewer than 160 bytes that made the grammar backtrack for minutes or for ever.
KNOWN_BAD = ["Zie (" + "Aa & " * 24 + "2010).", "Zie (" + "Aa, & " * 24 + "2010).", "Zie (" + "Aa  &  " * 18 + "2010).",
             "(" + "Van Aa & " * 15 + "2010)", "(" + "M. Aa & " * 18 + "2010)"]

# No shrinking: a text that hangs would be tried again and again, each time for the whole limit.
HOSTILE_SETTINGS = settings(max_examples=4, deadline=None, derandomize=True, report_multiple_bugs=False,
                            phases=[Phase.explicit, Phase.reuse, Phase.generate],
                            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                                   HealthCheck.data_too_large, HealthCheck.large_base_example])


@pytest.fixture(scope="module")
def worker() -> Iterator[Callable[..., Any]]:
    """Run a function of tests/hostile_worker.py in a worker process, within a time limit; a run
    that takes longer fails the test, and the worker is replaced."""
    context = multiprocessing.get_context("spawn")
    pools: list[Pool] = [context.Pool(1)]

    def call(limit: float, function: Callable[..., Any], *args: Any) -> Any:
        pending = pools[-1].apply_async(function, args)
        try:
            return pending.get(timeout=limit)
        except multiprocessing.TimeoutError:
            pools[-1].terminate()
            pools.append(context.Pool(1))
            pytest.fail(f"{function.__name__} took more than {limit} s on {str(args[-1])[:200]!r}...")

    yield call
    for pool in pools:
        pool.terminate()
        pool.join()


@pytest.fixture
def hostile_kb(tmp_path: Path) -> Path:
    """A knowledge base whose leaflet the worker replaces: the tiny scenario's works and claims."""
    folder = tmp_path / "kb"
    (folder / "claims").mkdir(parents=True)
    shutil.copy(ROOTS / "tiny" / "references.bib", folder / "references.bib")
    text = (ROOTS / "tiny" / "claims" / "folder.yaml").read_text(encoding="utf-8")
    (folder / "claims" / "doc.yaml").write_text(text, encoding="utf-8")
    return folder


COMMANDS = [["extract", "{text}", "--format", "json"], ["audit"], ["report"]]


def _commands_end(results: list[tuple[int, str]]) -> None:
    for (code, printed), args in zip(results, COMMANDS, strict=True):
        assert code in (0, 1), f"kb {args[0]} exited {code}: {printed[-2000:]}"


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_citation_shaped_text_is_read_in_bounded_time(worker: Callable[..., Any], variant: str) -> None:
    @HOSTILE_SETTINGS
    @given(text=hostile_text(variant, SIZE))
    def read(text: str) -> None:
        assert worker(LIMIT, hostile_worker.groups, text) >= 0

    read()


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_citation_shaped_leaflet_goes_through_extract_audit_and_report(
        worker: Callable[..., Any], hostile_kb: Path, variant: str) -> None:
    @settings(HOSTILE_SETTINGS, max_examples=2)
    @given(text=hostile_text(variant, COMMAND_SIZE))
    def run(text: str) -> None:
        _commands_end(worker(COMMAND_LIMIT, hostile_worker.commands, str(hostile_kb), text, COMMANDS))

    run()


@pytest.mark.parametrize("text", KNOWN_BAD)
def test_the_author_lists_that_hung_the_grammar(worker: Callable[..., Any], hostile_kb: Path, text: str) -> None:
    assert len(text.encode()) < 160
    assert worker(LIMIT, hostile_worker.groups, text) == 0
    _commands_end(worker(COMMAND_LIMIT, hostile_worker.commands, str(hostile_kb), text, COMMANDS))


def test_a_long_claim_full_of_assertive_wording_is_checked_in_bounded_time(
        worker: Callable[..., Any], hostile_kb: Path) -> None:
    claim = "Dit toont aan dat het altijd werkt, want het is bewezen. " * 3000
    (hostile_kb / "claims" / "doc.yaml").write_text(
        f"claims:\n  - id: lang\n    kind: clinical\n    text: {json.dumps(claim)}\n    sources: []\n", encoding="utf-8")
    (code, printed), = worker(LIMIT, hostile_worker.commands, str(hostile_kb), claim, [["audit"]])
    assert code == 0 and "in claim lang, which has no support" in printed and "[overclaim]" in printed


# Claims files that repeat a text through aliases past 1,000,000 characters, each refused at the
# line of the anchored text; and two that stay under the bound.
_BIG = "x" * 1_000_001
_NOTE = "y" * 1000
ALIAS_FILES: list[tuple[str, str, list[str]]] = [
    ("a claim's text, aliased once",
     f'claims:\n  - id: c0\n    text: &a "{_BIG}"\n  - id: c1\n    text: *a\n', ["3"]),
    ("a note of 1,000 characters, aliased 1,100 times",
     "claims:\n" + "".join(f"  - id: c{i}\n    text: x\n    sources:\n      - key: k\n        fit: supports\n"
                           f"        note: {'&n ' + json.dumps(_NOTE) if i == 0 else '*n'}\n" for i in range(1101)),
     ["7"]),
    ("a block scalar title, aliased as claim texts",
     "document:\n  title: &t |\n" + "".join("    " + "z" * 99 + "\n" for _ in range(5000))
     + "claims:\n" + "".join(f"  - id: c{i}\n    text: *t\n" for i in range(3)), ["2"]),
    ("a plain scalar, aliased in a flow list",
     "extra: &e " + "w" * 600_000 + "\nclaims: []\nmore: [*e, *e]\n", ["1"]),
    ("a printed citation, aliased as the others'",
     "claims:\n  - id: c0\n    text: a\n    cited_as: &c " + json.dumps("(" + "Aa, " * 200_000 + "2010)") + "\n"
     + "".join(f"  - id: c{i}\n    text: a\n    cited_as: *c\n" for i in range(1, 3)), ["4"]),
    ("exactly 1,000,000 characters repeated",
     "claims:\n  - id: c0\n    text: &a " + json.dumps("v" * 500_000) + "\n"
     + "".join(f"  - id: c{i}\n    text: *a\n" for i in range(1, 3)), []),
    ("a short text aliased twice", 'claims:\n  - id: a\n    text: &s "Bewegen helpt."\n'
     '  - id: b\n    text: *s\n  - id: c\n    text: *s\n', []),
]


@pytest.mark.parametrize(("shape", "yaml_text", "lines"), ALIAS_FILES, ids=[shape for shape, _, _ in ALIAS_FILES])
def test_aliases_that_repeat_a_long_text_are_refused(tmp_path: Path, shape: str, yaml_text: str,
                                                      lines: list[str]) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    document, findings = claims.load(path, "claims/a.yaml")
    assert [f.format() for f in findings] == [
        f"claims/a.yaml:{line}: error: YAML aliases repeat the text anchored here past 1,000,000 characters; "
        "write each text out (aliases can multiply a small file into gigabytes of text) [claims-schema]"
        for line in lines]
    assert (document is None) == bool(lines)


class _Counted(str):
    """A collapsed leaflet text that counts the characters its searches and slices go over."""

    work = 0

    def _range(self, start: Any, end: Any) -> tuple[int, int]:
        stop = len(self) if end is None else max(min(end, len(self)), 0)
        return min(max(start or 0, 0), stop), stop

    def find(self, sub: str, start: Any = None, end: Any = None) -> int:  # type: ignore[override]
        begin, stop = self._range(start, end)
        found = str.find(self, sub, begin, stop)
        _Counted.work += (found + len(sub) if found >= 0 else stop) - begin
        return found

    def rfind(self, sub: str, start: Any = None, end: Any = None) -> int:  # type: ignore[override]
        begin, stop = self._range(start, end)
        found = str.rfind(self, sub, begin, stop)
        _Counted.work += stop - (found if found >= 0 else begin)
        return found

    def startswith(self, prefix: Any, start: Any = None, end: Any = None) -> bool:  # type: ignore[override]
        _Counted.work += len(prefix) if isinstance(prefix, str) else 1
        return str.startswith(self, prefix, start, end)

    def __getitem__(self, key: Any) -> str:  # type: ignore[override]
        piece = str.__getitem__(self, key)
        _Counted.work += len(piece)
        return piece


class _CountedText(LeafletText):
    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "collapsed", _Counted(self.collapsed))


def _large_kb(folder: Path, claims_count: int) -> None:
    """A leaflet of three sentences per claim; its claims in text order, shuffled, or not in it."""
    rng = random.Random(claims_count)
    vocabulary = ["".join(rng.choice("abdeghiklmnoprstuvz") for _ in range(rng.randint(3, 9))) for _ in range(800)]
    sentences = [" ".join(rng.choice(vocabulary) for _ in range(rng.randint(6, 14))).capitalize()
                 for _ in range(3 * claims_count)]
    cited = [i % 3 == 0 for i in range(len(sentences))]
    (folder / "claims").mkdir(parents=True)
    shutil.copy(ROOTS / "tiny" / "references.bib", folder / "references.bib")
    (folder / "claims" / "doc.txt").write_text(
        "".join(s + (" (Jansen, 2018)." if c else ".") + ("\n\n" if i % 7 == 0 else "\n")
                for i, (s, c) in enumerate(zip(sentences, cited, strict=True))), encoding="utf-8")
    chosen = list(range(0, len(sentences), 3))
    order = chosen[:claims_count // 2] + rng.sample(chosen[claims_count // 2:], len(chosen) - claims_count // 2)
    lines = ["claims:"]
    for n, i in enumerate(order):
        text = sentences[i] + (" niet" if n % 4 == 3 else "")  # a quarter not in the text
        lines += [f"  - id: c{n}", f"    text: {json.dumps(text)}"]
        lines += ['    cited_as: "(Jansen, 2018)"', "    sources: [jansen2018]"] if cited[i] else ["    sources: []"]
    (folder / "claims" / "doc.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_locating_claims_takes_work_linear_in_their_number(tmp_path: Path, kb: Any,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The audit and the report locate every claim (claim-not-in-text, uncovered-citation,
    placement, the report's segments): four times the claims and text cost about four times the
    work in the text, not sixteen times."""
    monkeypatch.setattr(knowledgebase, "LeafletText", _CountedText)
    work = {}
    for count in (150, 600):
        folder = tmp_path / f"kb{count}"
        _large_kb(folder, count)
        _Counted.work = 0
        assert kb("--kb", folder, "audit").code == 1
        assert kb("--kb", folder, "report").code == 1
        work[count] = _Counted.work
    assert work[600] < 6 * work[150], work
