"""Recognise private keys and key containers by their ASN.1 (DER/BER) structure.

Nothing here guesses from a few bytes: a candidate is walked element by element and
accepted only when its shape is that of a key (PKCS#1 RSA, DSA, SEC1 EC, PKCS#8,
EncryptedPrivateKeyInfo, PKCS#12/PFX). A shape that starts like a key but runs past the
end of the data is reported as damaged, so the caller can refuse it and say so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bundleguard.asn1 import (
    INTEGER,
    OCTET_STRING,
    OID,
    SEQUENCE,
    DerError,
    Malformed,
    Truncated,
    decode_oid,
    read_header,
)

_MAX_ELEMENTS = 64


@dataclass(frozen=True)
class KeyMatch:
    """A key-shaped structure found at `start`."""

    kind: str
    label: str
    start: int
    end: int
    damaged: bool = False
    detail: str = ""
    encoding: str = "binary"


@dataclass(frozen=True)
class _Element:
    tag: int
    start: int  # content start
    end: int  # content end (may be past the available bytes when truncated)
    value_start: int

    def content(self, data: bytes) -> bytes:
        return data[self.start : self.end]


def _children(data: bytes, start: int, end: int, limit: int) -> tuple[list[_Element], bool]:
    """Parse the elements of a constructed value. Returns (elements, truncated)."""
    elements: list[_Element] = []
    pos = start
    stop = min(end, limit)
    while pos < stop and len(elements) < _MAX_ELEMENTS:
        try:
            tag, c_start, c_end = read_header(data, pos, stop)
        except Truncated:
            return elements, True
        if c_end is None:
            raise Malformed
        elements.append(_Element(tag, c_start, c_end, pos))
        if c_end > stop:
            return elements, True
        pos = c_end
    if pos != end and end <= limit:
        raise Malformed
    return elements, end > limit


def _int_value(data: bytes, element: _Element) -> int | None:
    if element.tag != INTEGER or element.end - element.start > 8 or element.end > len(data):
        return None
    return int.from_bytes(data[element.start : element.end], "big", signed=True)


def _int_bits(data: bytes, element: _Element) -> int:
    """Bit length of an INTEGER, from its first bytes only (never copying the rest)."""
    stop = min(element.end, len(data))
    first = element.start
    while first < stop and first < element.start + 8 and data[first] == 0:
        first += 1
    if first >= stop or data[first] == 0:
        return 0
    return (stop - first) * 8 - (8 - data[first].bit_length())


_KEY_ALGORITHMS = {
    "1.2.840.113549.1.1.1": "RSA",
    "1.2.840.113549.1.1.10": "RSA-PSS",
    "1.2.840.10040.4.1": "DSA",
    "1.2.840.10045.2.1": "EC",
    "1.3.101.110": "X25519",
    "1.3.101.111": "X448",
    "1.3.101.112": "Ed25519",
    "1.3.101.113": "Ed448",
    "1.2.840.113549.1.3.1": "DH",
    "1.2.840.10046.2.1": "DH",
}
_CURVES = {
    "1.2.840.10045.3.1.7": "P-256",
    "1.3.132.0.34": "P-384",
    "1.3.132.0.35": "P-521",
    "1.3.132.0.10": "secp256k1",
    "1.2.840.10045.3.1.1": "P-192",
    "1.3.132.0.33": "P-224",
}
# Encryption schemes of EncryptedPrivateKeyInfo: PKCS#5 PBES1/PBES2, PKCS#12 PBE, and
# Sun's JKS/JCEKS key protectors. Restricting to these keeps DigestInfo (same shape) out.
_PBE_PREFIXES = ("1.2.840.113549.1.5.", "1.2.840.113549.1.12.1.", "1.3.6.1.4.1.42.2.")
_PKCS7_DATA = "1.2.840.113549.1.7.1"
_PKCS7_SIGNED = "1.2.840.113549.1.7.2"


def _oid_of(data: bytes, element: _Element) -> str | None:
    if element.tag != OID or element.end > len(data) or element.end - element.start > 40:
        return None
    try:
        return decode_oid(data[element.start : element.end])
    except DerError:
        return None


def _algorithm(data: bytes, element: _Element) -> tuple[str | None, list[_Element]]:
    """(OID, parameter elements) of an AlgorithmIdentifier SEQUENCE, or (None, [])."""
    if element.tag != SEQUENCE or element.end > len(data):
        return None, []
    kids, truncated = _children(data, element.start, element.end, len(data))
    if truncated or not kids:
        return None, []
    return _oid_of(data, kids[0]), kids[1:]


def _match_rsa(data: bytes, kids: list[_Element], truncated: bool) -> tuple[str, str] | None:
    ints = [k for k in kids if k.tag == INTEGER]
    if len(ints) != len(kids) and not (len(kids) >= 10 and kids[9].tag == SEQUENCE):
        return None
    version = _int_value(data, kids[0])
    if version not in (0, 1) or len(kids) < 2 or _int_bits(data, kids[1]) < 256:
        return None
    bits = _int_bits(data, kids[1])
    if truncated:
        return ("rsa", f"PKCS#1 RSA private key (about {bits}-bit)") if len(ints) >= 3 else None
    if len(ints) == 9 or (version == 1 and len(kids) >= 10):
        return "rsa", f"PKCS#1 RSA private key ({bits}-bit)"
    if len(ints) == 6 and version == 0 and _int_bits(data, kids[2]) in range(150, 520):
        return "dsa", f"DSA private key ({bits}-bit)"
    return None


def _match_sec1(data: bytes, kids: list[_Element], truncated: bool) -> str | None:
    if len(kids) < 2 or _int_value(data, kids[0]) != 1 or kids[1].tag != OCTET_STRING:
        return None
    if not 16 <= kids[1].end - kids[1].start <= 72:
        return None
    curve = ""
    for extra in kids[2:]:
        if extra.tag not in (0xA0, 0xA1):
            return None
        if extra.tag == 0xA0 and extra.end <= len(data):
            inner, _ = _children(data, extra.start, extra.end, len(data))
            if inner and inner[0].tag == OID:
                curve = _CURVES.get(_oid_of(data, inner[0]) or "", "")
    return f"SEC1 EC private key{f' ({curve})' if curve else ''}"


def _match_pkcs8(data: bytes, kids: list[_Element], truncated: bool) -> str | None:
    if len(kids) < 2 or _int_value(data, kids[0]) not in (0, 1) or kids[1].tag != SEQUENCE:
        return None
    algorithm, params = _algorithm(data, kids[1])
    if algorithm is None:
        return None
    if len(kids) < 3:
        return (
            f"PKCS#8 private key ({_KEY_ALGORITHMS.get(algorithm, algorithm)})"
            if truncated
            else None
        )
    if kids[2].tag != OCTET_STRING or kids[2].end - kids[2].start < 16:
        return None
    if any(extra.tag not in (0xA0, 0x81, 0xA1) for extra in kids[3:]):
        return None
    name = _KEY_ALGORITHMS.get(algorithm, f"algorithm {algorithm}")
    if name == "EC" and params and params[0].tag == OID:
        curve = _CURVES.get(_oid_of(data, params[0]) or "")
        name = f"EC {curve}" if curve else name
    if name.startswith("RSA") and kids[2].end <= len(data):
        inner = match_key(data[kids[2].start : kids[2].end], 0)
        if inner is not None and inner.kind == "rsa-private-key":
            return f"PKCS#8 private key ({inner.label.split('(')[-1].rstrip(')')} {name})"
    return f"PKCS#8 private key ({name})"


def _match_encrypted_pkcs8(data: bytes, kids: list[_Element], truncated: bool) -> str | None:
    if not kids or kids[0].tag != SEQUENCE:
        return None
    algorithm, _ = _algorithm(data, kids[0])
    if algorithm is None or not algorithm.startswith(_PBE_PREFIXES):
        return None
    if len(kids) < 2:
        return "encrypted PKCS#8 private key" if truncated else None
    if len(kids) != 2 or kids[1].tag != OCTET_STRING or kids[1].end - kids[1].start < 16:
        return None
    scheme = "PBES2" if algorithm.endswith(".5.13") else "password-based encryption"
    return f"encrypted PKCS#8 private key ({scheme})"


def _match_pfx(data: bytes, start: int) -> KeyMatch | None:
    """PKCS#12: SEQUENCE { INTEGER 3, ContentInfo { OID data|signedData, [0] ... }, MacData? }.

    Accepts BER indefinite lengths, which Windows tools still write.
    """
    try:
        tag, c_start, c_end = read_header(data, start, len(data))
        if tag != SEQUENCE:
            return None
        tag, v_start, v_end = read_header(data, c_start, len(data))
        if tag != INTEGER or v_end != v_start + 1 or data[v_start] != 3:
            return None
        tag, ci_start, _ = read_header(data, v_end, len(data))
        if tag != SEQUENCE:
            return None
        tag, o_start, o_end = read_header(data, ci_start, len(data))
        if tag != OID or o_end is None or o_end > len(data):
            return None
        oid = decode_oid(data[o_start:o_end])
    except DerError:
        return None
    if oid not in (_PKCS7_DATA, _PKCS7_SIGNED):
        return None
    end = c_end if c_end is not None else len(data)
    # Even cut short, a PFX is a key container whose content cannot be known: secret.
    truncated = c_end is not None and c_end > len(data)
    return KeyMatch(
        "pkcs12",
        "PKCS#12 / PFX key container",
        start,
        min(end, len(data)),
        detail="truncated, but still a key container" if truncated else "",
        encoding="DER",
    )


_SHAPES = (
    ("rsa-private-key", _match_rsa),
    ("ec-private-key", _match_sec1),
    ("pkcs8-private-key", _match_pkcs8),
    ("encrypted-pkcs8-private-key", _match_encrypted_pkcs8),
)


def match_key(data: bytes, start: int) -> KeyMatch | None:
    """Return the key structure that starts at `start`, if there is one."""
    if start >= len(data) or data[start] != SEQUENCE:
        return None
    try:
        _, c_start, c_end = read_header(data, start, len(data))
    except DerError:
        return None
    if c_end is None:
        return _match_pfx(data, start)
    if c_end - c_start < 8:
        return None
    try:
        kids, truncated = _children(data, c_start, c_end, len(data))
    except Malformed:
        return key_start(data, start)
    if not kids:
        return None
    first = kids[0]
    if (
        first.tag == INTEGER
        and first.end == first.start + 1 <= len(data)
        and data[first.start] == 3
    ):
        return _match_pfx(data, start)
    for kind, matcher in _SHAPES:
        try:
            result = matcher(data, kids, truncated)
        except (Truncated, Malformed):
            continue
        if result is None:
            continue
        if isinstance(result, tuple):
            sub, label = result
            kind = "dsa-private-key" if sub == "dsa" else kind
        else:
            label = result
        end = min(c_end, len(data))
        if truncated:
            return KeyMatch(
                "damaged-private-key",
                label,
                start,
                end,
                damaged=True,
                detail=f"it is truncated: the data ends {c_end - len(data)} bytes before the key",
                encoding="DER",
            )
        return KeyMatch(kind, label, start, end, encoding="DER")
    return key_start(data, start)


# What a key's first bytes say, enough to know one: the outer SEQUENCE's declared length,
# the version, and the next element's header. Nothing after that need be there.
_START_DETAIL = (
    "only its start is here (the rest is missing, cut off or stored elsewhere); "
    "a key split in parts is still a key"
)


def _headers(data: bytes, pos: int, stop: int, count: int) -> list[tuple[int, int, int]]:
    """Up to `count` consecutive element headers from `pos`, without their contents."""
    found: list[tuple[int, int, int]] = []
    while len(found) < count and pos < stop:
        try:
            tag, c_start, c_end = read_header(data, pos, stop)
        except DerError:
            break
        if c_end is None:
            break
        found.append((tag, c_start, c_end))
        pos = c_end
    return found


def key_start(data: bytes, start: int) -> KeyMatch | None:
    """The header of a PKCS#1 RSA, SEC1, PKCS#8 or encrypted PKCS#8 key at `start`, when the
    structure after it is missing or is not the key's (a key cut in two, a part elsewhere).

    Only headers that nothing but a key has: a version 0/1 followed by an INTEGER of at
    least 512 bits inside a SEQUENCE long enough for a whole RSA key; a version followed
    by a key AlgorithmIdentifier; version 1 and a 16-72-byte OCTET STRING (SEC1); a
    password-based encryption scheme first (EncryptedPrivateKeyInfo)."""
    try:
        tag, c_start, c_end = read_header(data, start, len(data))
    except DerError:
        return None
    if tag != SEQUENCE or c_end is None:
        return None
    outer = c_end - c_start
    stop = len(data)
    heads = _headers(data, c_start, stop, 3)
    if not heads:
        return None
    first = heads[0]
    label = None
    if first[0] == SEQUENCE and first[2] <= stop:
        oid = _first_oid(data, first[1], first[2])
        if oid is not None and oid.startswith(_PBE_PREFIXES) and outer >= 64:
            label = "encrypted PKCS#8 private key"
    elif first[0] == INTEGER and first[2] == first[1] + 1 <= stop and data[first[1]] in (0, 1):
        version = data[first[1]]
        second = heads[1] if len(heads) > 1 else None
        if second is None:
            return None
        length = second[2] - second[1]
        if second[0] == INTEGER and 64 <= length <= 1025 and outer >= 3 * length:
            if second[1] >= stop or data[second[1]] < 0x80:  # a modulus is positive
                label = f"PKCS#1 RSA private key (about {_declared_bits(data, second)}-bit)"
        elif second[0] == SEQUENCE and second[2] <= stop:
            oid = _first_oid(data, second[1], second[2])
            if oid in _KEY_ALGORITHMS and outer >= 16:
                label = f"PKCS#8 private key ({_KEY_ALGORITHMS[oid]})"
        elif second[0] == OCTET_STRING and version == 1 and 16 <= length <= 72 <= outer:
            label = "SEC1 EC private key"
    if label is None:
        return None
    return KeyMatch(
        "damaged-private-key",
        f"partial {label} (its start)",
        start,
        min(c_end, len(data)),
        damaged=True,
        detail=_START_DETAIL,
        encoding="DER",
    )


def _first_oid(data: bytes, start: int, end: int) -> str | None:
    heads = _headers(data, start, end, 1)
    if not heads or heads[0][0] != OID or heads[0][2] > end:
        return None
    return _oid_of(data, _Element(OID, heads[0][1], heads[0][2], start))


def _declared_bits(data: bytes, header: tuple[int, int, int]) -> int:
    """An INTEGER's size in bits from its declared length (its bytes may be missing)."""
    length = header[2] - header[1]
    if header[1] < len(data) and data[header[1]] == 0:
        length -= 1
    return length * 8


# Where a DER key may start: the version INTEGER of PKCS#1/DSA/SEC1/PKCS#8/PFX, or the
# encryption OID of an EncryptedPrivateKeyInfo. Both are rare control bytes in text.
_VERSION_RE = re.compile(rb"\x02\x01[\x00\x01\x03]")
_PBE_OID_RE = re.compile(
    rb"\x06(?:\x09\x2a\x86\x48\x86\xf7\x0d\x01\x05|\x0a\x2a\x86\x48\x86\xf7\x0d\x01\x0c\x01"
    rb"|\x0b\x2b\x06\x01\x04\x01\x2a\x02[\x11\x13]\x01)"
)


def _header_starts(data: bytes, pos: int) -> list[int]:
    """Offsets before `pos` where a SEQUENCE header could end exactly at `pos`."""
    starts = []
    for size in (2, 3, 4, 5):
        s = pos - size
        if s < 0:
            break
        if data[s] != SEQUENCE:
            continue
        first = data[s + 1]
        if (size == 2 and (first < 0x80 or first == 0x80)) or first == 0x80 + size - 2:
            starts.append(s)
    return starts


def find_der_keys(data: bytes) -> list[KeyMatch]:
    """Every DER/BER key structure anywhere in `data`, outermost first, no overlaps."""
    found: list[KeyMatch] = []
    covered_until = -1
    candidates: set[int] = set()
    for hit in _VERSION_RE.finditer(data):
        candidates.update(_header_starts(data, hit.start()))
    for hit in _PBE_OID_RE.finditer(data):
        for alg_start in _header_starts(data, hit.start()):
            candidates.update(_header_starts(data, alg_start))
    for start in sorted(candidates):
        if start < covered_until:
            continue
        match = match_key(data, start)
        if match is not None:
            found.append(match)
            covered_until = match.end
    return found
