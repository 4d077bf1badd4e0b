"""Marks for rich text in rendered strings (a reference entry's italics): private-use characters
that each output format replaces (kb.apa.references, kb.leaflet). Apart from kb.apa.style, so
that what shows an entry already rendered does not load the CSL processor."""

from __future__ import annotations

import re

ITALIC, BOLD, SMALLCAPS, SUP, SUB = ("\ue000", "\ue001"), ("\ue002", "\ue003"), ("\ue004", "\ue005"), \
    ("\ue006", "\ue007"), ("\ue008", "\ue009")
MARKS = re.compile("[\ue000-\ue009]")
