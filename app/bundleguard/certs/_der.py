"""A small, strict-enough DER/BER reader for peeking at PKCS#12 and PKCS#7 structure.

Only what `certs` needs: walk tag-length-value nodes (definite and indefinite
lengths, constructed OCTET STRINGs) and decode OBJECT IDENTIFIERs. It never
decrypts anything and raises `DerError` on malformed input.
"""

from __future__ import annotations

from dataclasses import dataclass

SEQUENCE = 0x30
SET = 0x31
INTEGER = 0x02
OCTET_STRING = 0x04
OID = 0x06
MAX_DEPTH = 64


class DerError(ValueError):
    """The bytes are not well-formed DER/BER."""


@dataclass(frozen=True)
class Node:
    """One TLV: `tag` is the identifier octet; `content` the value bytes."""

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
        raise DerError("expected an OCTET STRING")


def _read_header(data: bytes, offset: int) -> tuple[int, int, int | None]:
    """Return (tag, header_end, length or None for indefinite)."""
    if offset + 2 > len(data):
        raise DerError("truncated")
    tag = data[offset]
    if tag & 0x1F == 0x1F:
        raise DerError("high tag numbers are not used here")
    first = data[offset + 1]
    pos = offset + 2
    if first < 0x80:
        return tag, pos, first
    if first == 0x80:
        if not tag & 0x20:
            raise DerError("indefinite length on a primitive value")
        return tag, pos, None
    count = first & 0x7F
    if count > 4 or pos + count > len(data):
        raise DerError("bad length")
    return tag, pos + count, int.from_bytes(data[pos : pos + count], "big")


def read_node(data: bytes, offset: int = 0, depth: int = 0) -> Node:
    """Read one node starting at `offset`."""
    if depth > MAX_DEPTH:
        raise DerError("nested too deeply")
    tag, start, length = _read_header(data, offset)
    if length is not None:
        end = start + length
        if end > len(data):
            raise DerError("truncated")
        return Node(tag, data[start:end], end)
    # Indefinite length: children until an end-of-contents marker (00 00).
    pos = start
    while True:
        if pos + 2 > len(data):
            raise DerError("truncated")
        if data[pos] == 0 and data[pos + 1] == 0:
            return Node(tag, data[start:pos], pos + 2)
        pos = read_node(data, pos, depth + 1).end


def iter_nodes(data: bytes):
    """Yield the consecutive nodes in `data`."""
    pos = 0
    while pos < len(data):
        if data[pos] == 0 and pos + 1 < len(data) and data[pos + 1] == 0:
            return
        node = read_node(data, pos)
        yield node
        pos = node.end


def decode_oid(node: Node) -> str:
    """The dotted text of an OBJECT IDENTIFIER node."""
    if node.tag != OID or not node.content:
        raise DerError("expected an OBJECT IDENTIFIER")
    arcs: list[int] = []
    value = 0
    for byte in node.content:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first, *arcs[1:]])
