"""What kb.apa prints on purpose unlike the CSL processors it is compared with (pandoc's citeproc,
citeproc-py as it comes), as functions that make theirs into kb's, and works that only
disambiguation tells apart: shared by the comparisons."""

from __future__ import annotations

import re
from typing import Any

from kb.apa import csl


def surnames(items: list[dict[str, Any]]) -> set[str]:
    """Surnames with a particle, as stored: "van den Broek", "de Lange"."""
    people = [p for i in items for p in i.get("author", []) + i.get("editor", [])]
    return {f"{p['non-dropping-particle']} {p['family']}" for p in people if "non-dropping-particle" in p}


def dutch_particles(text: str, names: set[str]) -> str:
    """Dutch (nl-NL): the capital a particle takes where no initial precedes it ("Van den Broek,
    E.", "(Van den Broek et al., 2011)", but "In J. de Lange (Red.)")."""
    if not names:
        return text
    pattern = re.compile(r"(?<![A-Z]\. )(?<![\w-])(" + "|".join(map(re.escape, sorted(names))) + r")\b")
    return pattern.sub(lambda m: m.group(1)[:1].upper() + m.group(1)[1:], text)


def number_ranges(text: str, item: dict[str, Any]) -> str:
    """The en dash APA sets in a volume or issue range ("19–20(3–4)"), which the processors print
    with the hyphen of the CSL data ("19-20")."""
    for variable in ("volume", "issue"):
        if variable in item:
            text = text.replace(item[variable], csl.ranges(item[variable], "\u2013"))
    return text


def book(key: str, year: int, *people: tuple[str, str, str]) -> dict[str, Any]:
    """A book by `people`, each (particle, family, given)."""
    authors = [{k: v for k, v in (("non-dropping-particle", p), ("family", f), ("given", g)) if v}
               for p, f, g in people]
    return {"id": key, "type": "book", "title": key.upper(), "author": authors,
            "issued": {"date-parts": [[year]]}, "publisher": "Boom"}


DISAMBIGUATION = [
    book("jansen_p", 2020, ("", "Jansen", "Piet")),  # first authors sharing a surname: initials,
    book("jansen_k1", 2020, ("", "Jansen", "Karin")),  # in every year, then a/b for one person
    book("jansen_k2", 2020, ("", "Jansen", "Karin")),
    book("jansen_k3", 2015, ("", "Jansen", "Karin")),
    book("broek_e", 2011, ("van den", "Broek", "E."), ("", "Vos", "M."), ("", "Bakker", "T.")),
    book("broek_a", 2011, ("van den", "Broek", "A."), ("", "Vos", "M."), ("", "Bakker", "T.")),
    book("smith_jones", 2019, ("", "Smith", "Anna"), ("", "Jones", "Kim"), ("", "Lee", "Li")),
    book("smith_brown", 2019, ("", "Smith", "Anna"), ("", "Brown", "Bo"), ("", "Lee", "Li")),
]
