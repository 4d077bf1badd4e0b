"""The report's jinja2 environment compiles templates to faster Python (kb.rendering): what they
write and what fails is what jinja2's own compilation makes of them, for values of every kind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import pytest
from markupsafe import Markup

from kb import rendering


class Record:
    """An object, not a dict: its fields are attributes."""

    def __init__(self) -> None:
        self.label = "<b>A&B</b>"
        self.keys = "an attribute named as a dict method"


class Shown:
    def __html__(self) -> str:
        return "<i>shown as it is</i>"


VALUES: dict[str, Any] = {
    "text": "plain text",
    "special": "<script>alert('x') & \"y\"</script>",
    "markup": Markup("<em>safe</em>"),
    "number": 42,
    "flag": True,
    "fraction": 2.5,
    "none": None,
    "html": Shown(),
    "record": Record(),
    "claim": {"id": "c1", "label": "<l>", "items": "a key named as a dict method", "nested": {"deep": "'d'"}},
    "claims": [{"id": "c<1>"}, {"id": "c&2"}],
}

TEMPLATES = [
    "{{ text }}|{{ special }}|{{ markup }}|{{ number }}|{{ flag }}|{{ fraction }}|{{ none }}|{{ html }}",
    "{{ claim.id }} {{ claim.label }} {{ claim.nested.deep }} {{ claim['items'] }} {{ claim.items is callable }}",
    "{{ record.label }} {{ record.keys }} {{ claim.get('id') }} {{ claim.nested.get('deep') }}",
    "{% for c in claims %}{{ loop.index }}:{{ c.id }}{% if not loop.last %}, {% endif %}{% endfor %}",
    "{% set x %}<p>{{ special }}</p>{% endset %}{{ x }} {{ x | length }}",
    "{% macro card(c) %}<li>{{ c.id }}</li>{% include 'part.html' %}{% endmacro %}{% for c in claims %}{{ card(c) }}{% endfor %}",
    "{% for c in claims %}{% include 'part.html' %}{% endfor %}{% include 'missing.html' ignore missing %}",
    "{% include ['nope.html', 'part.html'] %}|{{ (claim.id ~ special) | upper }}|{{ claim.nested | dictsort | first }}",
    "{% filter upper %}{{ special }}{% endfilter %}|{% autoescape false %}{{ special }}{% endautoescape %}",
]


def _plain() -> jinja2.Environment:
    """jinja2's own compilation, with the settings of kb.rendering.environment."""
    return jinja2.Environment(loader=_loader(), autoescape=jinja2.select_autoescape(["html"], default=False),
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True)


def _ours() -> jinja2.Environment:
    env = rendering.environment(None)
    env.loader = _loader()
    return env


def _loader() -> jinja2.BaseLoader:
    return jinja2.DictLoader({"part.html": "[{{ c.id if c is defined else special }}]"})


@pytest.mark.parametrize("source", TEMPLATES)
def test_a_template_writes_what_jinja2_would(source: str) -> None:
    expected = _plain().from_string(source).render(VALUES)
    assert _ours().from_string(source).render(VALUES) == expected
    assert "".join(_ours().from_string(source).generate(VALUES)) == expected


@pytest.mark.parametrize("source", ["{{ claim.nope }}", "{{ record.nope }}", "{{ none.field }}", "{{ claim.id.nope }}"])
def test_a_missing_field_fails_as_jinja2_fails(source: str) -> None:
    with pytest.raises(jinja2.UndefinedError) as theirs:
        _plain().from_string(source).render(VALUES)
    with pytest.raises(jinja2.UndefinedError) as ours:
        _ours().from_string(source).render(VALUES)
    assert str(ours.value) == str(theirs.value)


def test_the_output_is_passed_on_in_parts_of_many_pieces() -> None:
    env = rendering.environment(None)
    env.loader = jinja2.DictLoader({"many.html": "{% for i in range(n) %}<i>{{ i }}</i>{% endfor %}"})
    parts = list(rendering.generate(env, "many.html", {"n": 10_000}))
    assert "".join(parts) == "".join(f"<i>{i}</i>" for i in range(10_000))
    assert 1 < len(parts) < 10_000


def test_templates_compiled_once_are_taken_from_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "compiled"
    first = rendering.environment(None, compiled=folder)
    expected = first.get_template("legend.html.j2").render(labels=("empirical",), t=rendering.interface("en"))
    kept = sorted(folder.iterdir())
    assert kept  # written by the first environment
    again = rendering.environment(None, compiled=folder)
    compiled: list[str] = []

    def compile_(*args: Any, **kwargs: Any) -> Any:
        compiled.append(args[1])
        return jinja2.Environment.compile(again, *args, **kwargs)

    again.compile = compile_  # type: ignore[method-assign, assignment]
    assert again.get_template("legend.html.j2").render(labels=("empirical",), t=rendering.interface("en")) == expected
    assert compiled == []  # loaded, not compiled
    # A Markdown environment compiles the same name differently: it has entries of its own.
    rendering.environment(None, markdown_templates=True, compiled=folder).get_template("legend.html.j2")
    assert len(list(folder.iterdir())) == len(kept) + 1


def test_a_folder_that_cannot_be_written_is_no_cache(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    env = rendering.environment(None, compiled=blocked / "compiled")
    assert "badge" in env.get_template("legend.html.j2").render(labels=("empirical",), t=rendering.interface("en"))
    assert blocked.read_text(encoding="utf-8") == "not a folder"
