"""Private keys written as named numbers: XML and JSON members.

.NET writes an RSA key as `<RSAKeyValue>` with `Modulus`, `Exponent` and, when private,
`P`, `Q`, `DP`, `DQ`, `InverseQ` and `D` (base64); a DSA key as `<DSAKeyValue>` with `X`.
JSON does the same with JWK-like names (`n`, `e`, `d`, `p`, `q`; `crv`, `x`, `y`, `d`) or
.NET's (`Modulus`, `D`, ...). The public members alone are a public key and prove nothing;
a private member is checked against the public ones where they are there (P x Q is the
modulus; 2^(e*d) = 2 mod n; g^x = y mod p; d x G = (x, y)), so a document that only shows
the format, with placeholders, is not taken for a key.
"""

from __future__ import annotations

import base64
import binascii
import re

from bundleguard.guard.der import KeyMatch

# How far around an anchor the members of one key are looked for.
_BEFORE = 4096
_AFTER = 16384
# A private number shorter than this (in bytes) is a placeholder, not a key's.
_MIN_PRIVATE = 16

_XML_ANCHOR = b"KeyValue"
_XML_MEMBER_RE = re.compile(rb"<(?:\w{1,16}:)?(\w{1,16})(?:\s[^<>]{0,256})?>([^<]{0,16384})</")
_JSON_ANCHOR_RE = re.compile(rb'"(?:d|D|X)\\?"\s*:')
_JSON_MEMBER_RE = re.compile(rb'\\?"(\w{1,16})\\?"\s*:\s*\\?"([^"\\]{0,16384})')

_NAMES = {
    "modulus": "n",
    "n": "n",
    "exponent": "e",
    "e": "e",
    "d": "d",
    "p": "p",
    "q": "q",
    "dp": "dp",
    "dmp1": "dp",
    "dq": "dq",
    "dmq1": "dq",
    "inverseq": "qi",
    "qi": "qi",
    "coeff": "qi",
    "iqmp": "qi",
    "g": "g",
    "y": "y",
    "x": "x",
    "crv": "crv",
}
_RSA_PRIVATE = ("d", "p", "q", "dp", "dq", "qi")
_CURVES = {"P-256": 32, "P-384": 48, "P-521": 66, "secp256k1": 32}
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/=_\-\s]")
_HEX_RE = re.compile(rb"[0-9a-fA-F]{32,}")


def _number(text: bytes) -> int | None:
    """A member's value as a number: base64 (either alphabet, any padding) or long hex."""
    text = re.sub(rb"\s+|\\[rn]", b"", text)
    if not text or _NOT_BASE64.search(text):
        return None
    if _HEX_RE.fullmatch(text) and len(text) % 2 == 0 and not text.isdigit():
        raw = binascii.unhexlify(text)
    else:
        text = text.replace(b"-", b"+").replace(b"_", b"/").rstrip(b"=")
        try:
            raw = base64.b64decode(text + b"=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            return None
    return int.from_bytes(raw, "big") if raw else None


def _size(value: int | None) -> int:
    return 0 if value is None else (value.bit_length() + 7) // 8


def _judge(members: dict[str, int | None], curve: str) -> tuple[str, bool] | None:
    """(what the members are, whether they fit together) when a private member is there."""
    get = members.get
    if any(_size(get(name)) >= _MIN_PRIVATE for name in _RSA_PRIVATE if name != "d") or (
        _size(get("d")) >= _MIN_PRIVATE and (get("n") or get("p")) and not curve
    ):
        n, e, d, p, q = get("n"), get("e") or 65537, get("d"), get("p"), get("q")
        modulus = n or (p * q if p and q else None)
        bits = modulus.bit_length() if modulus else 8 * max(_size(p), _size(q)) * 2
        label = f"RSA private key ({bits}-bit)" if bits else "RSA private key"
        if p and q and n:
            return label, p * q == n
        if d and n:
            return label, pow(pow(2, e, n), d, n) == 2
        if p and q:
            return label, p > 1 and q > 1 and (p * q).bit_length() >= 256
        return label, False
    x, y, g, p = get("x"), get("y"), get("g"), get("p")
    if _size(x) >= _MIN_PRIVATE and g and p and y:  # DSA: y = g^x mod p
        return f"DSA private key ({p.bit_length()}-bit)", pow(g, x, p) == y
    d = get("d")
    if curve and _size(d) >= _MIN_PRIVATE:
        return f"EC private key ({curve})", _size(d) <= _CURVES.get(curve, 66)
    return None


def _curve(text: bytes) -> str:
    found = re.search(rb"(P-256|P-384|P-521|secp256k1|nistP(?:256|384|521))", text)
    if found is None:
        return ""
    name = found.group(1).decode()
    return {"nistP256": "P-256", "nistP384": "P-384", "nistP521": "P-521"}.get(name, name)


def _match(kind: str, what: str, fits: bool, start: int, end: int, names: str) -> KeyMatch:
    label = f"{what} written out as named numbers ({names})"
    if fits:
        return KeyMatch("private-key-members", label, start, end, encoding=kind)
    return KeyMatch(
        "damaged-private-key",
        label,
        start,
        end,
        damaged=True,
        detail="its numbers do not fit together: it is damaged, or a part of a key",
        encoding=kind,
    )


def _members(pattern: re.Pattern[bytes], data: bytes, start: int, stop: int):
    members: dict[str, int | None] = {}
    names: list[str] = []
    for found in pattern.finditer(data, start, stop):
        raw = found.group(1).decode("ascii", "replace")
        name = _NAMES.get(raw.lower())
        if name is None or name in members or name == "crv":
            continue
        members[name] = _number(found.group(2))
        names.append(raw)
    return members, names


def _xml_keys(data: bytes) -> list[KeyMatch]:
    found: list[KeyMatch] = []
    hits = []
    pos = 0
    while (hit := data.find(_XML_ANCHOR, pos)) >= 0:
        hits.append(hit)
        pos = hit + len(_XML_ANCHOR)
    # Each element runs from its KeyValue tag to the next KeyValue (its closing tag):
    # every byte is read in one window at most, however many tags a crafted file holds.
    for index, hit in enumerate(hits):
        start = data.rfind(b"<", max(0, hit - 24), hit)
        if start < 0 or data[start + 1 : start + 2] == b"/":
            continue
        stop = hits[index + 1] if index + 1 < len(hits) else len(data)
        stop = min(stop, hit + _AFTER)
        head = data[start:hit]
        members, names = _members(_XML_MEMBER_RE, data, hit, stop)
        if b"DSA" in head:
            members.pop("d", None)
        judged = _judge(members, "")
        if judged is not None:
            found.append(_match("XML", *judged, start, stop, ", ".join(names)))
    return found


def _json_keys(data: bytes) -> list[KeyMatch]:
    found: list[KeyMatch] = []
    hits = [m.start() for m in _JSON_ANCHOR_RE.finditer(data)]
    # An object is looked for between the anchors before and after this one: every byte
    # is read in two windows at most, however many anchors a crafted file holds.
    for index, hit in enumerate(hits):
        low = max(hit - _BEFORE, hits[index - 1] + 1 if index else 0)
        start = data.rfind(b"{", low, hit)
        if start < 0:
            continue
        high = min(len(data), hit + _AFTER)
        if index + 1 < len(hits):
            high = min(high, hits[index + 1])
        close = data.find(b"}", hit, high)
        stop = close + 1 if close >= 0 else high
        window = data[start:stop]
        if b"kty" in window:  # a JSON Web Key: armor.find_jwk_private_keys has it
            continue
        members, names = _members(_JSON_MEMBER_RE, data, start, stop)
        judged = _judge(members, _curve(window))
        if judged is not None:
            found.append(_match("JSON", *judged, start, stop, ", ".join(names)))
    return found


def find_key_members(data: bytes) -> list[KeyMatch]:
    """Keys written as XML elements or JSON members holding their private numbers."""
    return _xml_keys(data) + _json_keys(data)
