"""The one jinja2 environment: autoescape on, strict, the KB's `templates/` before the packaged ones."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

PACKAGED = resources.files("kb") / "templates"


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(jinja2.Environment):
    """`record.field` on a dict looks the key up first when `dict` has no such attribute.

    Jinja tries the attribute first and takes the key after the AttributeError; the same
    answer, but raising that error for every field was half the time of a large report.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def environment(kb_root: Path | None) -> jinja2.Environment:
    """`name` finds the KB's own template first; `default:name` always the packaged one,
    so that an override can `{% extends "default:report.html.j2" %}`."""
    packaged = jinja2.FileSystemLoader(str(PACKAGED))
    search: list[jinja2.BaseLoader] = []
    if kb_root is not None and (kb_root / "templates").is_dir():
        search.append(jinja2.FileSystemLoader(str(kb_root / "templates")))
    search.append(packaged)
    loader = jinja2.PrefixLoader({"default": packaged}, delimiter=":")
    env = _Environment(
        loader=jinja2.ChoiceLoader([loader, *search]),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2", "htm"), default=False),
        undefined=jinja2.StrictUndefined,
        auto_reload=False,  # one run renders with the templates it started with: no stat per include
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


@cache
def interface(lang: str) -> dict[str, Any]:
    """Interface text of reports in `lang` ("nl" or "en")."""
    data = tomllib.loads((resources.files("kb") / "data" / "interface.toml").read_text(encoding="utf-8"))
    return dict(data[lang])


def localise(text: str, lang: str) -> str:
    """A reason made in English, its fixed phrases put in `lang` (interface.toml `reasons`)."""
    for english, translated in interface(lang)["reasons"]:
        if english in text:
            text = text.replace(english, translated)
    return text


# The one language vocabulary of every command: a language or a locale, in any case.
LOCALES = {"nl": "nl-NL", "nl-nl": "nl-NL", "en": "en-US", "en-us": "en-US"}
LANGUAGE_CHOICES = ("nl", "nl-NL", "en", "en-US")


def locale_of(language: str) -> str:
    """The CSL locale of a language ("nl", "nl-NL", "en", "en-US"; a leaflet's "en-GB" is English)."""
    value = language.strip().lower()
    return LOCALES.get(value) or ("en-US" if value.startswith("en") else "nl-NL")


def language_of(language: str) -> str:
    """The interface language ("nl" or "en") of a language or locale."""
    return locale_of(language)[:2]


LEAFLET_TEMPLATES = {"md": "leaflet.md.j2", "html": "leaflet.html.j2", "pandoc": "leaflet.pandoc.j2"}
LEAFLET_FORMATS = tuple(LEAFLET_TEMPLATES)


def bibliography_name(out_name: str) -> str:
    """The CSL-JSON file written beside a pandoc leaflet: `leaflet.md` -> `leaflet.json`."""
    stem = out_name.rsplit(".", 1)[0] if "." in out_name else out_name
    return stem + ".json"
