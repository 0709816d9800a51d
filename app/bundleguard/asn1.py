"""The one DER/BER reader of bundleguard: element headers, nodes, OBJECT IDENTIFIERs.

The guard reads headers strictly (DER's minimal lengths) to tell key structures from
noise, and needs to know *truncated* from *malformed*; the certificate code walks
BER nodes (indefinite lengths, constructed OCTET STRINGs) to peek into PKCS#12 and
PKCS#7. Nothing here decrypts anything; bad input raises `DerError`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

INTEGER = 0x02
BIT_STRING = 0x03
OCTET_STRING = 0x04
NULL = 0x05
OID = 0x06
SEQUENCE = 0x30
SET = 0x31
MAX_DEPTH = 64


class DerError(ValueError):
    """The bytes are not the DER/BER element they were read as."""


class Truncated(DerError):
    """An element's length runs past the end of the bytes at hand."""


class Malformed(DerError):
    """Not DER (or BER) at all at this place."""


def read_header(
    data: bytes, pos: int, limit: int | None = None, *, strict: bool = True
) -> tuple[int, int, int | None]:
    """(tag, content start, content end or None for a BER indefinite length).

    The content end may lie past `limit`: the caller decides whether that is truncation.
    `strict` refuses long-form lengths where DER demands the short or a shorter form.
    """
    limit = len(data) if limit is None else limit
    if pos + 2 > limit:
        raise Truncated("truncated")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise Malformed("high tag numbers are not used here")
    first = data[pos + 1]
    if first < 0x80:
        return tag, pos + 2, pos + 2 + first
    if first == 0x80:
        if not tag & 0x20:
            raise Malformed("indefinite length on a primitive value")
        return tag, pos + 2, None
    count = first & 0x7F
    if count > 4:
        raise Malformed("bad length")
    if pos + 2 + count > limit:
        raise Truncated("truncated")
    length = int.from_bytes(data[pos + 2 : pos + 2 + count], "big")
    if strict and (length < 0x80 or data[pos + 2] == 0):
        raise Malformed("long form where short form was due: not DER")
    return tag, pos + 2 + count, pos + 2 + count + length


def decode_oid(raw: bytes) -> str:
    """The dotted text of an OBJECT IDENTIFIER's content bytes."""
    if not raw or raw[-1] & 0x80 or len(raw) > 64:
        # Real OIDs are short; a long one is noise (and would make huge integers).
        raise Malformed("not an OBJECT IDENTIFIER")
    arcs: list[int] = []
    value = 0
    for byte in raw:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first, *arcs[1:]])


@dataclass(frozen=True)
class Node:
    """One TLV: `tag` is the identifier octet, `content` the value bytes."""

    tag: int
    content: bytes
    end: int

    @property
    def constructed(self) -> bool:
        return bool(self.tag & 0x20)

    def children(self) -> list[Node]:
        return list(iter_nodes(self.content))

    def octets(self) -> bytes:
        """The value of an OCTET STRING, joining BER constructed chunks."""
        if self.tag == OCTET_STRING:
            return self.content
        if self.tag == OCTET_STRING | 0x20:
            return b"".join(child.octets() for child in self.children())
        raise Malformed("expected an OCTET STRING")

    def oid(self) -> str:
        """The dotted text of this OBJECT IDENTIFIER node."""
        if self.tag != OID:
            raise Malformed("expected an OBJECT IDENTIFIER")
        return decode_oid(self.content)


def read_node(data: bytes, offset: int = 0, depth: int = 0) -> Node:
    """Read one BER node starting at `offset`."""
    if depth > MAX_DEPTH:
        raise Malformed("nested too deeply")
    tag, start, end = read_header(data, offset, strict=False)
    if end is not None:
        if end > len(data):
            raise Truncated("truncated")
        return Node(tag, data[start:end], end)
    # Indefinite length: children until an end-of-contents marker (00 00).
    pos = start
    while True:
        if pos + 2 > len(data):
            raise Truncated("truncated")
        if data[pos] == 0 and data[pos + 1] == 0:
            return Node(tag, data[start:pos], pos + 2)
        pos = read_node(data, pos, depth + 1).end


def iter_nodes(data: bytes) -> Iterator[Node]:
    """The consecutive nodes in `data`, up to an end-of-contents marker."""
    pos = 0
    while pos < len(data):
        if data[pos] == 0 and pos + 1 < len(data) and data[pos + 1] == 0:
            return
        node = read_node(data, pos)
        yield node
        pos = node.end
