"""The text of an RTF document, so that a key pasted into WordPad or Word is seen as text.

RTF writes a pasted PEM key as runs of text between control words (`\\par` between the
lines, `\\'2b` for a '+', `\\u45?` for a '-', groups in braces). `rtf_text` drops the
markup in one regex pass and keeps a map from the text back to the document's bytes, so a
key found in the text is reported where it starts in the file.
"""

from __future__ import annotations

import bisect
import re

# Control words that end a line or a cell: where a pasted key's lines were split.
_BREAKS = frozenset({b"par", b"line", b"sect", b"page", b"row", b"cell", b"lbr", b"pard"})
# One token of markup: a control word with its optional number and the space that ends it,
# a hex escape, an escaped brace or backslash, another control symbol; or runs of braces
# and raw line ends (which RTF ignores). Every alternative is bounded: one pass, linear.
_TOKEN_RE = re.compile(
    rb"\\(?:([a-zA-Z]{1,32})(-?\d{1,10})? ?|'([0-9a-fA-F]{2})|([\\{}])|(.))|[{}\r\n]+",
    re.DOTALL,
)
_RTF_MAGIC = b"{\\rtf"
# Where an RTF document is looked for anywhere (not only at the start): small buffers.
ANYWHERE_LIMIT = 1 << 20


def holds_rtf(data: bytes) -> bool:
    """Whether `data` is, or (in a small buffer) holds, an RTF document."""
    head = data[:16].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(_RTF_MAGIC):
        return True
    return len(data) <= ANYWHERE_LIMIT and _RTF_MAGIC in data


class TextMap:
    """Offsets in the extracted text, mapped back to the document's bytes."""

    def __init__(self, text_marks: list[int], byte_marks: list[int], size: int) -> None:
        self._text = text_marks
        self._bytes = byte_marks
        self._size = size

    def to_file(self, offset: int) -> int:
        index = bisect.bisect_right(self._text, offset) - 1
        if index < 0:
            return 0
        following = self._bytes[index + 1] if index + 1 < len(self._bytes) else self._size
        return min(self._bytes[index] + offset - self._text[index], following)


def rtf_text(data: bytes) -> tuple[bytes, TextMap]:
    """(the document's text, its map back to `data`), from the first RTF header on."""
    start = data.find(_RTF_MAGIC)
    start = max(start, 0)
    pieces: list[bytes] = []
    text_marks: list[int] = []
    byte_marks: list[int] = []
    length = 0
    pos = start
    skip_fallback = False
    for token in _TOKEN_RE.finditer(data, start):
        if token.start() > pos:  # plain text between two tokens maps byte for byte
            run = data[pos : token.start()]
            if skip_fallback:  # the character a \uN stands in for, e.g. '?'
                run = run[1:]
            if run:
                text_marks.append(length)
                byte_marks.append(token.start() - len(run))
                pieces.append(run)
                length += len(run)
        skip_fallback = False
        pos = token.end()
        word, _number, hex_byte, escaped, symbol = token.groups()
        out = b""
        if word is not None:
            if word in _BREAKS:
                out = b"\n"
            elif word == b"u" and _number is not None:
                value = int(_number) % 65536
                out = chr(value).encode("utf-8", "replace")
                skip_fallback = True
            elif word == b"tab":
                out = b" "
        elif hex_byte is not None:
            out = bytes.fromhex(hex_byte.decode())
        elif escaped is not None:
            out = escaped
        elif symbol is not None:
            out = {b"~": b" ", b"_": b"-"}.get(symbol, b"")
        if out:
            text_marks.append(length)
            byte_marks.append(token.start())
            pieces.append(out)
            length += len(out)
    if pos < len(data):
        run = data[pos:]
        if skip_fallback:
            run = run[1:]
        text_marks.append(length)
        byte_marks.append(len(data) - len(run))
        pieces.append(run)
    return b"".join(pieces), TextMap(text_marks, byte_marks, len(data))
