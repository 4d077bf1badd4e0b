"""What a build lets go of: `kb` runs with the cycle collector off (kb.cli), so what a stage keeps
after it is done, or leaves in a reference cycle, stays until the process ends (bench/memory.py
measures how much)."""

from __future__ import annotations

import gc
import importlib.util
from pathlib import Path
from typing import Any

import pytest

from kb import incremental, placement
from kb.apa import references
from kb.bibliography import load
from kb.paths import Files
from kb.rendering import locale_of

SCALE = Path(__file__).parent.parent / "bench" / "scale.py"


def _generate(folder: Path, works: int) -> None:
    spec = importlib.util.spec_from_file_location("scale", SCALE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.generate(folder, works)


@pytest.mark.parametrize("name", ["synthetic", "claim_not_in_text"])
def test_a_batch_of_leaflets_leaves_nothing_of_them_in_the_memo(name: str, root, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The leaflet rules' placements and closest passages, kept per leaflet in the KB's memo, go
    with the batch that made them: a first build of thousands of leaflets holds one batch's."""
    if name == "synthetic":
        folder = tmp_path / "kb"
        _generate(folder, 64)  # 8 leaflets
    else:
        folder = root(name)
    monkeypatch.setattr(incremental, "BATCH", 3)
    placed: list[str] = []
    real_place = placement.place

    def place(kb: Any, document: Any, text: Any) -> Any:
        placed.append(document.id)
        return real_place(kb, document, text)

    monkeypatch.setattr(placement, "place", place)
    left: list[dict[str, list[str]]] = []
    real = incremental._leaflets

    def leaflets(kb: Any, *args: Any, **kwargs: Any) -> Any:
        made = real(kb, *args, **kwargs)
        left.append({key: list(kb.memo.get(key, {})) for key in ("placements", "closest-passages")})
        return made

    monkeypatch.setattr(incremental, "_leaflets", leaflets)
    assert incremental.build(folder, "nl") is not None
    assert placed, "the leaflet rules placed the citations"
    if name == "synthetic":
        assert len(left) == 3  # 8 leaflets in batches of 3
    assert left and all(memo == {"placements": [], "closest-passages": []} for memo in left)


def test_the_reference_list_leaves_no_reference_cycle(root) -> None:
    """citeproc-py's citation and its items name each other: a reference list of every work (the
    report's) would stay in memory after it is made."""
    folder = root("letters_by_title")
    works = list(load(folder / "references.bib", "references.bib", Files(folder))[0].works.values())
    assert works
    references.render(works, locale_of("nl"))  # what is made once per process (styles, patterns)
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        entries = references.render(works, locale_of("nl"))
        assert entries
        assert gc.collect() == 0
    finally:
        if enabled:
            gc.enable()


def test_a_build_lets_go_of_the_citations_it_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """kb.citations.parse caches the citations the audit reads (tens of MB in a large KB); the
    report, rendered once the audit is done, reads none."""
    from kb.citations import parse

    folder = tmp_path / "kb"
    _generate(folder, 64)
    during: list[int] = []
    real = incremental._leaflets

    def leaflets(*args: Any, **kwargs: Any) -> Any:
        made = real(*args, **kwargs)
        during.append(parse._parenthesis.cache_info().currsize)
        return made

    monkeypatch.setattr(incremental, "_leaflets", leaflets)
    assert incremental.build(folder, "nl") is not None
    assert during and during[-1] > 0
    assert parse._parenthesis.cache_info().currsize == 0
    assert parse._part_read.cache_info().currsize == 0
