"""Untrusted text made safe to print (`shown`) and to show in the window (`visible`):
control characters shown, never obeyed.

File names, archive member names, certificate fields and whatever a probed server sends
may hold escape sequences (which clear or recolour a terminal), newlines (which forge a
line such as `Result: OK`) or bidirectional overrides (which reorder what is read). The
text output passes every such string through `shown()`; `--json` stays exact.

Also `counted`, how a number of things is said: "1 day", "5 days", never "day(s)".
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


# Characters that draw nothing, or change how the rest of a line is drawn: in the window, a
# file name or a server's words must not hide letters, fake a space or reorder a row. Every
# format character (Cf: bidi controls, zero-width spaces and joiners, soft hyphen, BOM,
# tags), every control (Cc), lone surrogates (Cs), the line and paragraph separators (Zl,
# Zp), and the Hangul fillers, letters that render as blank.
_INVISIBLE_CATEGORIES = frozenset(("Cc", "Cf", "Cs", "Zl", "Zp"))
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")


def _invisible(char: str) -> bool:
    return unicodedata.category(char) in _INVISIBLE_CATEGORIES or char in _BLANK_LETTERS


def visible(text: str) -> str:
    """`text` as the window shows untrusted words: every control, bidi, zero-width or
    otherwise invisible character written as its escape (`\\u202e`, `\\u200b`, `\\n`, `\\t`,
    `\\x1b`), the rest as it is. Widgets show the result as plain text, never rich text.

    A superset of `shown()`, with its backslash rule: ordinary text and Windows paths come
    back unchanged, and an escaped name can never pass for an unescaped one.
    """
    if text.isascii() and text.isprintable() and "\\" not in text:
        return text
    if not any(_invisible(char) for char in text):
        return text
    return "".join(_escape(char) if _invisible(char) or char == "\\" else char for char in text)


def counted(count: int, word: str, plural: str | None = None) -> str:
    """`count` and `word` as a user reads them, never "file(s)": "1 file", "3 files",
    "0 files"; `plural` for a word that does not just take an s ("address", "addresses")."""
    many = plural if plural is not None else f"{word}s"
    return f"{count} {word if count == 1 else many}"
