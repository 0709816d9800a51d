"""Key containers that are not ASN.1: OpenSSH, SSH2, PGP packets, Java and Windows formats.

Each is recognised by its magic number *and* a consistent header after it, so that the
magic alone appearing in other data (four letters in a log) is not taken for a key.
"""

from __future__ import annotations

import re
import struct

from bundleguard.guard.der import KeyMatch

_OPENSSH_MAGIC = b"openssh-key-v1\x00"
_SSH2_MAGIC = b"\x3f\x6f\xf9\xeb"
_SSH1_MAGIC = b"SSH PRIVATE KEY FILE FORMAT 1.1\n"
_JKS_MAGIC = b"\xfe\xed\xfe\xed"
_JCEKS_MAGIC = b"\xce\xce\xce\xce"
_PVK_MAGIC = b"\x1e\xf1\xb5\xb0"

_PGP_SECRET_ALGORITHMS = {
    1: "RSA",
    2: "RSA",
    3: "RSA",
    16: "Elgamal",
    17: "DSA",
    18: "ECDH",
    19: "ECDSA",
    22: "EdDSA",
    25: "X25519",
    26: "X448",
    27: "Ed25519",
    28: "Ed448",
}

# Searched for anywhere (in buffers that are not pure ASCII), each a regex with a literal
# prefix so that the search runs at C speed: Java keystores, which people append to or
# embed in other files.
_ANYWHERE = (
    re.compile(rb"\xfe\xed\xfe\xed\x00\x00\x00[\x01\x02]"),
    re.compile(rb"\xce\xce\xce\xce\x00\x00\x00\x02"),
)
# Formats that are whole files (PVK, CryptoAPI blobs such as .snk, CNG blobs, OpenSSH's
# binary form, SSH2, SSH-1): looked for where a file, a member or a decoded blob begins,
# and anywhere in buffers up to SMALL_BUFFER (a key file behind a preamble); searching
# every large binary for them too would cost a pass each for keys nobody hides that way.
# PGP packets, without a magic number, only where a buffer begins.
SMALL_BUFFER = 256 << 10
_ANYWHERE_IN_SMALL = (
    re.compile(rb"\x1e\xf1\xb5\xb0\x00\x00\x00\x00"),
    re.compile(rb"\x07\x02\x00\x00\x00[\xa4\x24\x22]\x00\x00(?:RSA2|DSS2)"),
    re.compile(re.escape(_OPENSSH_MAGIC)),
    re.compile(rb"RSA[23]"),
    re.compile(rb"EC[SK][246]"),
    re.compile(re.escape(_SSH2_MAGIC)),
    re.compile(re.escape(_SSH1_MAGIC)),
)


def _u32be(data: bytes, pos: int) -> int | None:
    if pos + 4 > len(data):
        return None
    return int.from_bytes(data[pos : pos + 4], "big")


def _u32le(data: bytes, pos: int) -> int | None:
    if pos + 4 > len(data):
        return None
    return int.from_bytes(data[pos : pos + 4], "little")


def _damaged(kind_label: str, start: int, end: int, why: str) -> KeyMatch:
    return KeyMatch("damaged-private-key", kind_label, start, end, damaged=True, detail=why)


def _openssh(data: bytes, start: int) -> KeyMatch:
    pos = start + len(_OPENSSH_MAGIC)
    strings: list[bytes] = []
    for _ in range(3):  # ciphername, kdfname, kdfoptions
        length = _u32be(data, pos)
        if length is None or pos + 4 + length > len(data) or length > 1 << 16:
            return _damaged("OpenSSH private key", start, len(data), "it is truncated")
        strings.append(data[pos + 4 : pos + 4 + length])
        pos += 4 + length
    cipher = strings[0].decode("ascii", "replace")
    label = "OpenSSH private key" + (" (unencrypted)" if cipher == "none" else f" ({cipher})")
    count = _u32be(data, pos)
    pos += 4
    for _ in range(min(count or 0, 16) + 1):  # public keys, then the private section
        length = _u32be(data, pos)
        if length is None or pos + 4 + length > len(data):
            return _damaged(label, start, len(data), "it is truncated")
        pos += 4 + length
    return KeyMatch("openssh-private-key", label, start, pos)


def _ssh2(data: bytes, start: int) -> KeyMatch | None:
    total = _u32be(data, start + 4)
    type_length = _u32be(data, start + 8)
    if total is None or type_length is None or not 16 <= total <= 1 << 20:
        return None
    if type_length > 256 or start + 12 + type_length > len(data):
        return None
    key_type = data[start + 12 : start + 12 + type_length]
    if not key_type.startswith((b"if-modn", b"dl-modp", b"ec-modp", b"ssh-", b"{")):
        return None
    if start + total > len(data):
        return _damaged("SSH2 (ssh.com) private key", start, len(data), "it is truncated")
    return KeyMatch("ssh2-private-key", "SSH2 (ssh.com) private key", start, start + total)


def pgp_secret_packet(data: bytes, start: int) -> KeyMatch | None:
    """An OpenPGP secret-key or secret-subkey packet at `start`."""
    if start + 8 > len(data):
        return None
    first = data[start]
    if not first & 0x80:
        return None
    if first & 0x40:  # new format
        tag = first & 0x3F
        octet = data[start + 1]
        if octet < 192:
            length, header = octet, 2
        elif octet < 224:
            length, header = ((octet - 192) << 8) + data[start + 2] + 192, 3
        elif octet == 255:
            length, header = int.from_bytes(data[start + 2 : start + 6], "big"), 6
        else:
            return None
    else:
        tag = (first >> 2) & 0x0F
        size = {0: 1, 1: 2, 2: 4}.get(first & 0x03)
        if size is None:
            return None
        length = int.from_bytes(data[start + 1 : start + 1 + size], "big")
        header = 1 + size
    if tag not in (5, 7) or length < 12:
        return None
    body = start + header
    if body + 6 > len(data):
        return None
    version = data[body]
    if version not in (3, 4, 5, 6):
        return None
    algorithm = data[body + 5] if version >= 4 else data[body + 7 : body + 8]
    if version == 3:
        algorithm = algorithm[0] if algorithm else 0
    name = _PGP_SECRET_ALGORITHMS.get(int(algorithm))
    if name is None:
        return None
    label = f"OpenPGP secret {'subkey' if tag == 7 else 'key'} ({name})"
    if body + length > len(data):
        return _damaged(label, start, len(data), "it is truncated")
    return KeyMatch("pgp-private-key", label, start, body + length)


def _java(data: bytes, start: int, jceks: bool) -> KeyMatch:
    count = _u32be(data, start + 8)
    label = "Java keystore (JCEKS)" if jceks else "Java keystore (JKS)"
    if count is not None:
        label += f", {count} entr{'y' if count == 1 else 'ies'}"
    return KeyMatch("java-keystore", label, start, min(len(data), start + 12))


def _pvk(data: bytes, start: int) -> KeyMatch | None:
    fields = data[start : start + 24]
    if len(fields) < 24:
        return None
    _, _, key_type, encrypted, salt_length, key_length = struct.unpack("<6I", fields)
    if (
        key_type not in (1, 2)
        or encrypted > 1
        or salt_length > 64
        or not 64 <= key_length < 1 << 16
    ):
        return None
    end = start + 24 + salt_length + key_length
    label = "Microsoft PVK private key" + (" (encrypted)" if encrypted else "")
    if end > len(data):
        return _damaged(label, start, len(data), "it is truncated")
    return KeyMatch("pvk-private-key", label, start, end)


def _capi(data: bytes, start: int) -> KeyMatch | None:
    bits = _u32le(data, start + 12)
    if bits is None or not 384 <= bits <= 16384:
        return None
    algorithm = "RSA" if data[start + 8 : start + 12] == b"RSA2" else "DSA"
    return KeyMatch(
        "capi-private-key-blob",
        f"Windows CryptoAPI private key blob ({bits}-bit {algorithm})",
        start,
        start + 16,
    )


def _cng(data: bytes, start: int) -> KeyMatch | None:
    magic = data[start : start + 4]
    if magic.startswith(b"RSA"):
        fields = data[start + 4 : start + 24]
        if len(fields) < 20:
            return None
        bits, exp_len, mod_len, p_len, q_len = struct.unpack("<5I", fields)
        if not 384 <= bits <= 16384 or not 1 <= exp_len <= 8 or mod_len != (bits + 7) // 8:
            return None
        if not (mod_len // 2 - 1 <= p_len <= mod_len // 2 + 1 and abs(p_len - q_len) <= 1):
            return None
        label = f"Windows CNG RSA private key blob ({bits}-bit)"
        end = start + 24 + exp_len + mod_len + p_len + q_len
    else:
        size = _u32le(data, start + 4)
        expected = {b"2": 32, b"4": 48, b"6": 66}[magic[3:4]]
        if size != expected:
            return None
        label = f"Windows CNG EC private key blob ({size * 8 if size != 66 else 521}-bit)"
        end = start + 8 + 3 * size
    if end > len(data):
        return _damaged(label, start, len(data), "it is truncated")
    return KeyMatch("cng-private-key-blob", label, start, end)


def match_key_container(data: bytes, start: int) -> KeyMatch | None:
    """A non-ASN.1 key or key container that begins exactly at `start`."""
    head = data[start : start + 16]
    if head.startswith(_OPENSSH_MAGIC):
        return _openssh(data, start)
    if head.startswith(_SSH2_MAGIC):
        return _ssh2(data, start)
    if head.startswith(_SSH1_MAGIC[:16]) and data.startswith(_SSH1_MAGIC, start):
        return KeyMatch("ssh1-private-key", "SSH-1 private key", start, start + 32)
    if head.startswith(_JKS_MAGIC) and head[4:7] == b"\x00\x00\x00" and head[7] in (1, 2):
        return _java(data, start, jceks=False)
    if head.startswith(_JCEKS_MAGIC) and head[4:8] == b"\x00\x00\x00\x02":
        return _java(data, start, jceks=True)
    if head.startswith(_PVK_MAGIC):
        return _pvk(data, start)
    if head[:4] == b"\x07\x02\x00\x00" and head[8:12] in (b"RSA2", b"DSS2"):
        return _capi(data, start)
    if head[:4] in (b"RSA2", b"RSA3", b"ECS2", b"ECS4", b"ECS6", b"ECK2", b"ECK4", b"ECK6"):
        return _cng(data, start)
    return pgp_secret_packet(data, start)


def find_key_containers(data: bytes, anywhere: bool = True) -> list[KeyMatch]:
    """Non-ASN.1 key containers: embeddable ones anywhere, whole-file ones at the start
    (and anywhere in small buffers). `anywhere=False` (no magic number in the buffer, as
    a prefilter found) looks at the start only."""
    found: list[KeyMatch] = []
    searches = _ANYWHERE + _ANYWHERE_IN_SMALL if len(data) <= SMALL_BUFFER else _ANYWHERE
    if not anywhere:
        searches = ()
    for regex in searches:
        for hit in regex.finditer(data):
            if hit.start() == 0:
                continue
            match = match_key_container(data, hit.start())
            if match is not None:
                found.append(match)
    at_start = match_key_container(data, 0)
    if at_start is not None:
        found.append(at_start)
    return found
