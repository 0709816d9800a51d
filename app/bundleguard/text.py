"""Untrusted text made safe to print: control characters shown, never obeyed.

File names, archive member names, certificate fields and whatever a probed server sends
may hold escape sequences (which clear or recolour a terminal), newlines (which forge a
line such as `Result: OK`) or bidirectional overrides (which reorder what is read). The
text output passes every such string through `shown()`; `--json` stays exact.
"""

from __future__ import annotations

import unicodedata

# Format characters that change how the rest of a line is displayed (bidi overrides and
# isolates, line and paragraph separators): shown as escapes, like control characters.
_DISPLAY_CHANGING = frozenset(
    "\u061c\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def _escape(char: str) -> str:
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _needs_escape(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cs") or char in _DISPLAY_CHANGING


def shown(text: str) -> str:
    """`text` with every control character made visible (`\\x1b`, `\\n`, `\\u202e`).

    A backslash is doubled only when the text needs escaping at all, so ordinary Windows
    paths print as the user typed them while an escaped string can never pass for an
    unescaped one.
    """
    if text.isprintable() and "\\" not in text:
        return text
    if not any(_needs_escape(char) for char in text):
        return text
    return "".join(_escape(char) if _needs_escape(char) or char == "\\" else char for char in text)
