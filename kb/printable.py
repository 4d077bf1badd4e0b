"""What a terminal is given: text from the data with its control and bidirectional characters escaped.

A claim id, a section or a title may hold characters that a terminal acts on instead of
showing: a newline that starts a line of its own (one that reads like a finding), an escape
sequence that clears the screen or makes a link, a carriage return or backspace that writes
over what was printed, a bidirectional override that shows the line's characters in another
order than they are. Every line the command prints from the data passes `printable`, which
writes each such character as a visible escape (`\\x1b`, `\\n`, `\\u202e`), so that a line
says what it holds. JSON output keeps the characters exactly, as `\\u` escapes (`in_json`).
"""

from __future__ import annotations

import re

# C0 controls, DEL and the C1 controls; the bidirectional marks, embeddings, overrides and
# isolates (Arabic letter mark, LRM, RLM, LRE...RLO, LRI...PDI); the line and paragraph
# separators (line breaks to YAML and to some terminals); surrogates (only from undecodable
# bytes of a command line) and the noncharacters U+FFFE and U+FFFF, which neither an
# encoder nor a YAML reader takes.
_BEYOND_C0 = "\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff"
_UNSAFE = re.compile(f"[\x00-\x1f{_BEYOND_C0}]")
_UNSAFE_IN_JSON = re.compile(f"[{_BEYOND_C0}]")  # the encoder escapes C0 itself; a newline between values is none
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape(char: str) -> str:
    """One character as a visible escape: `\\n`, `\\x1b`, `\\u202e`."""
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def printable(text: str) -> str:
    """`text` with every control, bidirectional and line-separating character escaped visibly:
    one line, shown as it is stored. Everything else, a backslash included, is left as it is."""
    if text.isprintable():  # every character escaped here is one Python does not call printable
        return text
    return _UNSAFE.sub(lambda match: escape(match.group()), text)


def in_json(dumped: str) -> str:
    """JSON text (`json.dumps(..., ensure_ascii=False)`) with what `printable` escapes written as
    `\\u` escapes too: the same values when read, nothing a terminal acts on when printed. The
    encoder has escaped the C0 controls; the others can only stand inside strings."""
    return _UNSAFE_IN_JSON.sub(lambda match: f"\\u{ord(match.group()):04x}", dumped)

