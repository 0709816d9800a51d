"""Certificates are data too: look into every field that carries bytes.

A certificate parses and is still a carrier: its issuer may put anything into extension
values (above all extensions no standard defines), subjectAltName entries and subject and
issuer attribute values. Each such field is walked (every primitive value inside it, and
the field whole), each value is read raw and through the decoders people use to smuggle
bytes (base64 in either alphabet and any phase, hex plain or colon-separated, base32,
base85 and ascii85, decimal, gzip or zlib after any of those, DER without its outer
SEQUENCE), and every result is searched for key material: a whole key, a key's start, or
a prime factor of a modulus in the file (half a key is a key).

Policy on top: extensions no standard defines may carry `MAX_UNKNOWN_EXTENSION_BYTES` in
all; past that the certificate is refused, whatever they hold.
"""

from __future__ import annotations

import base64
import binascii
import functools
import itertools
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding

from bundleguard import asn1
from bundleguard.guard import armor, sniff
from bundleguard.guard.der import KeyMatch, match_key

MAX_UNKNOWN_EXTENSION_BYTES = 512
# Values past this size are searched raw only (a known extension may be large: SCT lists).
MAX_DECODED_VALUE = 64 << 10
MAX_INFLATED = 1 << 20
MAX_WALK_DEPTH = 16
# Each certificate costs about 2 ms to look into: a file of more than this many (a chain
# has a few, an operating system's CA bundle about 150) is refused, in well under a second.
MAX_CERTIFICATES = 300

# Extensions a standard defines: RFC 5280 and its updates, Certificate Transparency
# (RFC 6962), TLS feature (RFC 7633), Microsoft's and Netscape's, and other common ones.
KNOWN_EXTENSIONS = {
    "2.5.29.9": "subjectDirectoryAttributes",
    "2.5.29.14": "subjectKeyIdentifier",
    "2.5.29.15": "keyUsage",
    "2.5.29.16": "privateKeyUsagePeriod",
    "2.5.29.17": "subjectAltName",
    "2.5.29.18": "issuerAltName",
    "2.5.29.19": "basicConstraints",
    "2.5.29.20": "cRLNumber",
    "2.5.29.21": "reasonCode",
    "2.5.29.23": "holdInstructionCode",
    "2.5.29.24": "invalidityDate",
    "2.5.29.27": "deltaCRLIndicator",
    "2.5.29.28": "issuingDistributionPoint",
    "2.5.29.29": "certificateIssuer",
    "2.5.29.30": "nameConstraints",
    "2.5.29.31": "cRLDistributionPoints",
    "2.5.29.32": "certificatePolicies",
    "2.5.29.33": "policyMappings",
    "2.5.29.35": "authorityKeyIdentifier",
    "2.5.29.36": "policyConstraints",
    "2.5.29.37": "extKeyUsage",
    "2.5.29.46": "freshestCRL",
    "2.5.29.54": "inhibitAnyPolicy",
    "1.3.6.1.5.5.7.1.1": "authorityInfoAccess",
    "1.3.6.1.5.5.7.1.3": "qcStatements",
    "1.3.6.1.5.5.7.1.11": "subjectInfoAccess",
    "1.3.6.1.5.5.7.1.12": "logotype",
    "1.3.6.1.5.5.7.1.24": "TLS feature",
    "1.3.6.1.5.5.7.48.1.5": "OCSP no check",
    "1.3.6.1.4.1.11129.2.4.2": "CT precertificate SCTs",
    "1.3.6.1.4.1.11129.2.4.3": "CT precertificate poison",
    "1.3.6.1.4.1.11129.2.4.5": "CT SCTs",
    "1.3.6.1.4.1.311.20.2": "Microsoft certificate template name",
    "1.3.6.1.4.1.311.21.1": "Microsoft CA version",
    "1.3.6.1.4.1.311.21.2": "Microsoft previous CA hash",
    "1.3.6.1.4.1.311.21.7": "Microsoft certificate template",
    "1.3.6.1.4.1.311.21.10": "Microsoft application policies",
    "1.3.6.1.4.1.311.25.2": "Microsoft NTDS CA security",
    "2.16.840.1.113730.1.1": "Netscape certificate type",
    "2.16.840.1.113730.1.13": "Netscape comment",
    "1.2.840.113533.7.65.0": "Entrust version",
    "1.3.6.1.4.1.311.10.3.4": "Microsoft EFS",
}
_NAME_ATTRIBUTES = {
    "2.5.4.3": "CN",
    "2.5.4.4": "SN",
    "2.5.4.5": "serialNumber",
    "2.5.4.6": "C",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.9": "street",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.12": "title",
    "2.5.4.42": "GN",
    "2.5.4.97": "organizationIdentifier",
    "1.2.840.113549.1.9.1": "emailAddress",
    "0.9.2342.19200300.100.1.25": "DC",
    "0.9.2342.19200300.100.1.1": "UID",
}
_GENERAL_NAMES = {
    0xA0: "otherName",
    0x81: "email",
    0x82: "DNS name",
    0x83: "x400Address",
    0xA4: "directoryName",
    0xA5: "ediPartyName",
    0x86: "URI",
    0x87: "IP address",
    0x88: "registeredID",
}
_ALT_NAMES = ("2.5.29.17", "2.5.29.18")


@dataclass(frozen=True)
class CertificateFinding:
    """Key material in one field of one certificate."""

    label: str
    kind: str
    encoding: str
    place: str  # "the certificate's extension 1.2.3.4", bounded


@dataclass(frozen=True)
class Inspection:
    findings: tuple[CertificateFinding, ...]
    refusals: tuple[str, ...]


# Whole files' answers, by their certificates' DER: a chain comes in file after file (the
# PEM, the DER, the PKCS#7 of one appliance). Bounded; cleared when full.
_INSPECTED: dict[tuple[bytes, ...], Inspection] = {}
_INSPECTED_MAX = 256


def inspect(certificates: list[x509.Certificate]) -> Inspection:
    """Every key hidden in the fields of `certificates`, and every policy refusal."""
    ders = tuple(c.public_bytes(_DER) for c in certificates)
    known = _INSPECTED.get(ders)
    if known is None:
        known = _inspect(certificates)
        if len(_INSPECTED) >= _INSPECTED_MAX:
            _INSPECTED.clear()
        _INSPECTED[ders] = known
    return known


def _inspect(certificates: list[x509.Certificate]) -> Inspection:
    findings: list[CertificateFinding] = []
    refusals: list[str] = []
    many = len(certificates) > 1
    distinct = {c.public_bytes(_DER): c for c in certificates}
    if len(distinct) > MAX_CERTIFICATES:
        return Inspection(
            (),
            (
                f"the file holds {len(distinct)} different certificates, more than the "
                f"{MAX_CERTIFICATES} any chain or CA bundle has: send the chain of the "
                "appliance's certificate alone",
            ),
        )
    looked_at: set[bytes] = set()
    for index, certificate in enumerate(certificates, 1):
        which = f" (certificate {index} of {len(certificates)})" if many else ""
        der = certificate.public_bytes(_DER)
        if der in looked_at:
            continue  # the same certificate twice: once is enough
        looked_at.add(der)
        key = certificate.public_key()
        modulus = key.public_numbers().n if isinstance(key, rsa.RSAPublicKey) else 0
        hits, refusal = _inspect_one(der, modulus)
        if refusal:
            refusals.append(refusal.format(which=which))
        findings.extend(
            CertificateFinding(label, kind, encoding, _bounded(place + which))
            for label, kind, encoding, place in hits
        )
    return Inspection(tuple(findings), tuple(refusals))


@functools.lru_cache(maxsize=1024)
def _inspect_one(der: bytes, modulus: int) -> tuple[tuple[tuple[str, str, str, str], ...], str]:
    """(findings as (label, kind, encoding, place), a refusal with a {which} slot or "")
    of one certificate; remembered, since the same roots and intermediates come in file
    after file."""
    moduli = [modulus] if modulus else []
    seen: set[bytes] = set()
    try:
        fields = list(_fields(der))
    except asn1.DerError:
        return (), "a damaged certificate{which}: its fields do not read as DER"
    refusal = ""
    unknown = [(oid, size) for _place, oid, size, _ in fields if oid and size >= 0]
    total = sum(size for _, size in unknown)
    if total > MAX_UNKNOWN_EXTENSION_BYTES:
        listed = ", ".join(f"{oid} ({size} bytes)" for oid, size in unknown[:4])
        refusal = (
            f"the certificate{{which}} carries {total} bytes in extensions that no standard "
            f"defines ({_bounded(listed)}): support does not need it; ask your CA why it "
            "is there"
        )
    hits = []
    for place, _oid, _size, values in fields:
        fresh = [v for v in values if v not in seen]
        seen.update(fresh)
        hit = _first_hit(fresh, moduli)
        if hit is not None:
            hits.append((*hit, place))
    return tuple(hits), refusal


def _bounded(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_DER = Encoding.DER


def _fields(der: bytes) -> Iterator[tuple[str, str, int, list[bytes]]]:
    """(place, unknown extension OID or "", its size or -1, the values to search)."""
    certificate = asn1.read_node(der)
    tbs, _algorithm, signature = certificate.children()[:3]
    parts = tbs.children()
    if parts and parts[0].tag == 0xA0:
        parts = parts[1:]
    # serial, signature algorithm, issuer, validity, subject, key, then optional parts
    if len(parts) < 6:
        raise asn1.Malformed("too few fields")
    yield from _name_fields(parts[2], "issuer")
    yield from _name_fields(parts[4], "subject")
    for part in parts[6:]:
        if part.tag in (0x81, 0xA1):
            yield "the certificate's issuerUniqueID", "", -1, [part.content]
        elif part.tag in (0x82, 0xA2):
            yield "the certificate's subjectUniqueID", "", -1, [part.content]
        elif part.tag == 0xA3:
            yield from _extension_fields(part)
    yield "the certificate's signature", "", -1, [signature.content]


def _name_fields(name: asn1.Node, which: str) -> Iterator[tuple[str, str, int, list[bytes]]]:
    for rdn in name.children():
        for attribute in rdn.children():
            kids = attribute.children()
            if len(kids) < 2:
                continue
            oid = kids[0].oid() if kids[0].tag == asn1.OID else "?"
            short = _NAME_ATTRIBUTES.get(oid, oid)
            yield f"the certificate's {which} {short}", "", -1, _values(kids[1])


def _extension_fields(wrapper: asn1.Node) -> Iterator[tuple[str, str, int, list[bytes]]]:
    for extensions in wrapper.children():
        for extension in extensions.children():
            kids = extension.children()
            if len(kids) < 2 or kids[0].tag != asn1.OID:
                continue
            oid = kids[0].oid()
            value = kids[-1].content
            known = oid in KNOWN_EXTENSIONS
            if oid in _ALT_NAMES:
                yield from _alt_name_fields(value, KNOWN_EXTENSIONS[oid])
                continue
            name = f"the certificate's extension {oid}" + (
                f" ({KNOWN_EXTENSIONS[oid]})" if known else ""
            )
            yield name, "" if known else oid, -1 if known else len(value), _values_raw(value)


def _alt_name_fields(value: bytes, name: str) -> Iterator[tuple[str, str, int, list[bytes]]]:
    try:
        names = asn1.read_node(value).children()
    except asn1.DerError:
        yield f"the certificate's {name}", "", -1, [value]
        return
    for general in names:
        kind = _GENERAL_NAMES.get(general.tag, "entry")
        yield f"the certificate's {name} ({kind})", "", -1, _values(general)


def _values_raw(value: bytes) -> list[bytes]:
    """An OCTET STRING's content: the bytes whole, and the values inside when it is DER."""
    out = [value]
    try:
        node = asn1.read_node(value)
    except asn1.DerError:
        return out
    if node.end == len(value):
        out.extend(v for v in _values(node) if v != value)
    return out


def _values(node: asn1.Node, depth: int = 0) -> list[bytes]:
    """The content of `node` and of every element inside it (OCTET and BIT STRINGs that
    hold DER are opened too)."""
    out = [node.content]
    if depth >= MAX_WALK_DEPTH:
        return out
    if node.constructed:
        try:
            for child in node.children():
                out.extend(_values(child, depth + 1))
        except asn1.DerError:
            pass
    elif node.tag in (asn1.OCTET_STRING, asn1.BIT_STRING) and len(node.content) > 2:
        inner = node.content[1:] if node.tag == asn1.BIT_STRING else node.content
        try:
            child = asn1.read_node(inner)
            if child.end == len(inner):
                out.extend(_values(child, depth + 1))
        except asn1.DerError:
            pass
    return out


# ----------------------------------------------------------------------------- search

# What decoded key material contains (a version INTEGER, a PBE OID, armor, a magic), a
# run of base64 for base64 in base64: a candidate without one holds no key to find.
_TRIGGER_RE = re.compile(
    rb"\x02\x01[\x00\x01\x03]|\x06[\x09\x0a\x0b][\x2a\x2b]|BEGIN|openssh-key-v1|"
    rb"\xfe\xed\xfe\xed|\xce\xce\xce\xce|PuTTY|Private-Key|kty|\x07\x02\x00\x00|RSA2|"
    rb"\x1e\xf1\xb5\xb0|[A-Za-z0-9+/_-]{48}"
)
_INTEGER_RE = re.compile(rb"\x02(?:\x81[\x10-\xff]|\x82[\x00-\x02].|[\x10-\x7f])")
_URL_SAFE = bytes.maketrans(b"-_", b"+/")
_SPACE = re.compile(rb"[\s:,]+")


def _first_hit(values: list[bytes], moduli: list[int]) -> tuple[str, str, str] | None:
    for value in values:
        for candidate, encoding in _candidates(value):
            hit = _key_in(candidate, moduli, encoding)
            if hit is not None:
                return hit
    return None


def _candidates(value: bytes, depth: int = 0) -> Iterator[tuple[bytes, str]]:
    """`value` raw, and every decoding of it that gives bytes."""
    yield value, "raw"
    if len(value) > MAX_DECODED_VALUE or len(value) < 16:
        return
    if value[:1] == b"\x02":  # DER without its outer SEQUENCE: a bare run of INTEGERs
        yield _sequence(value), "DER without its outer SEQUENCE"
    for name, decoded in _decodings(value):
        yield decoded, name
        for inflated in _inflate(decoded):
            yield inflated, f"compressed, {name}"
        if depth < 1 and decoded.isascii() and len(decoded) >= 16:
            for inner, inner_name in _candidates(decoded, depth + 1):
                if inner_name != "raw":
                    yield inner, f"{inner_name} of {name}"


def _sequence(content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return b"\x30" + bytes([length]) + content
    size = (length.bit_length() + 7) // 8
    return b"\x30" + bytes([0x80 | size]) + length.to_bytes(size, "big") + content


# Runs of each alphabet, found anywhere in a value (a URI's path, after a label): at
# most `MAX_RUNS` of each are decoded, the longest first.
MAX_RUNS = 8
_HEX_RUN = re.compile(rb"(?:0[xX])?[0-9a-fA-F]{2}(?:[:\s,]{0,2}[0-9a-fA-F]{2}){7,}")
_DECIMAL_RUN = re.compile(rb"[0-9]{38,}")
_BASE64_RUN = re.compile(rb"[A-Za-z0-9+/_-]{16,}")
_BASE32_RUN = re.compile(rb"[A-Z2-7]{16,}|[a-z2-7]{16,}")
# base85 and ascii85 runs of 30 characters (24 bytes) or more that are not simply a host
# name, a path or a word: those alphabets hold nearly every printable character.
_BASE85_RUN = re.compile(rb"[0-9A-Za-z!#$%&()*+\-;<=>?@^_`{|}~]{30,}")
_ASCII85_RUN = re.compile(rb"<~[!-uz\s]{30,}~>|[!-uz]{30,}")
_PLAIN_WORDS = re.compile(rb"[A-Za-z0-9./:_-]*")
_WHITESPACE = re.compile(rb"\s+")


def _runs(regex: re.Pattern[bytes], text: bytes) -> list[bytes]:
    runs = [m.group() for m in regex.finditer(text)]
    return sorted(runs, key=len, reverse=True)[:MAX_RUNS]


def _decodings(value: bytes) -> Iterator[tuple[str, bytes]]:
    """Every way the value (or a run inside it) decodes to bytes, in each phase."""
    text = _WHITESPACE.sub(b"", value) if b"\n" in value or b"\r" in value else value
    for run in _runs(_HEX_RUN, text):
        digits = run[2:] if run[:2] in (b"0x", b"0X") else run
        digits = _SPACE.sub(b"", digits)
        for phase in (0, 1):
            part = digits[phase:]
            yield "hex", binascii.unhexlify(part[: len(part) - len(part) % 2])
    for run in _runs(_DECIMAL_RUN, text):
        number = int(run)
        yield "decimal", number.to_bytes((number.bit_length() + 7) // 8 or 1, "big")
    for run in _runs(_BASE64_RUN, text):
        b64 = run.translate(_URL_SAFE)
        for phase in range(4):
            decoded = armor.decode_base64(b64[phase:])
            if decoded:
                yield "base64", decoded
    for run in _runs(_BASE32_RUN, text):
        upper = run.upper()
        for phase in range(8):
            part = upper[phase:]
            decoded = _attempt(base64.b32decode, part + b"=" * (-len(part) % 8))
            if decoded:
                yield "base32", decoded
    for name, decode, regex in (
        ("base85", base64.b85decode, _BASE85_RUN),
        ("ascii85", base64.a85decode, _ASCII85_RUN),
    ):
        for run in _runs(regex, text):
            if _PLAIN_WORDS.fullmatch(run):
                continue
            run = _WHITESPACE.sub(b"", run).removeprefix(b"<~").removesuffix(b"~>")
            for phase in range(5):
                decoded = _attempt(decode, run[phase:])
                if decoded:
                    yield name, decoded


def _attempt(decode, text: bytes) -> bytes:
    try:
        return decode(text)
    except (binascii.Error, ValueError):
        return b""


_COMPRESSED_RE = re.compile(rb"\x1f\x8b\x08|\x78[\x01\x5e\x9c\xda]")


def _inflate(data: bytes) -> Iterator[bytes]:
    """gzip or zlib streams that begin in the decoded bytes (after a few stray bytes too)."""
    for hit in itertools.islice(_COMPRESSED_RE.finditer(data), 4):
        wbits = 31 if data[hit.start()] == 0x1F else 15
        try:
            out = zlib.decompressobj(wbits).decompress(data[hit.start() :], MAX_INFLATED)
        except zlib.error:
            continue
        if out:
            yield out
            return


def _key_in(candidate: bytes, moduli: list[int], encoding: str) -> tuple[str, str, str] | None:
    factor = _factor_in(candidate, moduli)
    if factor:
        return (
            "prime factor of the certificate's RSA modulus (half of its private key)",
            "rsa-prime-factor",
            encoding,
        )
    if not _TRIGGER_RE.search(candidate):
        return None
    matches: list[KeyMatch] = sniff.find_in_buffer(candidate)
    if not matches and candidate[:1] == b"\x30":
        direct = match_key(candidate, 0)
        matches = [direct] if direct is not None else []
    if not matches:
        return None
    match = matches[0]
    inner = match.encoding if match.encoding not in ("binary", "DER") else "DER"
    shown = inner if encoding == "raw" else f"{encoding} of {inner}"
    kind = match.kind if not match.damaged else "partial-private-key"
    return match.label, kind, shown


def _factor_in(candidate: bytes, moduli: list[int]) -> bool:
    """Whether a number in `candidate` divides a modulus (1 < p < n): the bytes whole,
    every DER INTEGER inside, and, in values up to twice a prime's size, every window of a
    prime's size."""
    if not moduli or len(candidate) < 16:
        return False
    for n in moduli:
        size = (n.bit_length() // 2 + 7) // 8
        numbers: set[int] = set()
        if size - 1 <= len(candidate) <= size + 1:
            numbers.add(int.from_bytes(candidate, "big"))
        if b"\x02" in candidate:
            for hit in _INTEGER_RE.finditer(candidate):
                try:
                    _, start, end = asn1.read_header(candidate, hit.start(), strict=False)
                except asn1.DerError:
                    continue
                if end is not None and end <= len(candidate) and end - start >= size - 1:
                    numbers.add(int.from_bytes(candidate[start:end], "big"))
        if any(1 < number < n and n % number == 0 for number in numbers):
            return True
        if not size <= len(candidate) <= 2 * size + 8:
            continue  # a field about a prime's size: the prime with a few bytes around it
        for start in range(0, len(candidate) - size + 1):
            number = int.from_bytes(candidate[start : start + size], "big")
            if n % number == 0 and 1 < number < n:
                return True
    return False
