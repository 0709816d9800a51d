"""Private keys written as text: PEM-style armor, PuTTY, OpenSSL dumps, JSON Web Keys.

Armor headers alone prove nothing (documentation mentions them all the time): a block
counts only when its body decodes and has the structure of a key. Bodies are read
through the ways people paste keys: CRLF, indentation, JSON/YAML/XML escapes, URL and
quoted-printable encoding.
"""

from __future__ import annotations

import binascii
import re

from bundleguard.guard import binary
from bundleguard.guard.der import KeyMatch, match_key

# How far after a BEGIN line the matching END may be; keys and key containers are far smaller.
MAX_BLOCK = 1 << 20

_BEGIN_RE = re.compile(rb"-{4,5} ?BEGIN(?: |%20|\+)([A-Z0-9][A-Z0-9 ._#/+%-]{0,60}?) ?-{4,5}")
_ANY_ARMOR_RE = re.compile(rb"-{4,5} ?(BEGIN|END)(?: |%20|\+)")
_END_RE = re.compile(rb"-{4,5} ?END(?: |%20|\+)([A-Z0-9][A-Z0-9 ._#/+%-]{0,60}?) ?-{4,5}")
_UNESCAPE_RE = re.compile(
    rb"\\r\\n|\\[rnt]|\\/|\\u00(?:2[bBfF]|3[dD]|0[aAdD])|&#(?:1[03]|x[aAdD]|43|47|61);"
    rb"|%(?:2[bBfF]|3[dD]|0[aAdD])|=3[dD]"
)
_UNESCAPED = {
    b"\\r\\n": b"\n",
    b"\\n": b"\n",
    b"\\r": b"\n",
    b"\\t": b" ",
    b"\\/": b"/",
    b"&#10;": b"\n",
    b"&#13;": b"\n",
    b"&#43;": b"+",
    b"&#47;": b"/",
    b"&#61;": b"=",
}
_BASE64_LINE_RE = re.compile(rb"^[A-Za-z0-9+/=]+$")
# What people put before each line of a pasted key: e-mail quoting ("> ", ">> ", "> > ",
# "| "), list bullets and numbers ("* ", "- ", "\u2022 ", "3. "), comment markers ("# ",
# "// ", "; ", "-- "). None of these characters starts a base64 line followed by a blank.
_LINE_PREFIX_RE = re.compile(
    rb"(?:[>|][ \t]*)+|(?:[*#;+-]|//|--|\xe2\x80\xa2|\xc2\xb7|\d{1,4}[.):])[ \t]+"
)
_MARKUP_RE = re.compile(rb"<[^<>]{0,512}>")


def _unescape_one(match: re.Match[bytes]) -> bytes:
    token = match.group()
    if token in _UNESCAPED:
        return _UNESCAPED[token]
    code = token[-2:].lower() if not token.startswith(b"&") else token[2:-1].lower()
    return {
        b"2b": b"+",
        b"2f": b"/",
        b"3d": b"=",
        b"0a": b"\n",
        b"0d": b"\n",
        b"xa": b"\n",
        b"xd": b"\n",
    }.get(code, b"")


def unescape(text: bytes) -> bytes:
    """Undo the string escapes a key picks up in JSON, YAML, XML, URLs and e-mail."""
    if b"\\" not in text and b"&" not in text and b"%" not in text and b"=" not in text:
        return text
    return _UNESCAPE_RE.sub(_unescape_one, text)


_NOT_BASE64 = bytes(
    i
    for i in range(256)
    if i not in b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)


def decode_base64(text: bytes) -> bytes:
    """Decode base64 text, ignoring everything that is not of the alphabet."""
    payload = text.translate(None, _NOT_BASE64)
    payload = payload[: len(payload) - len(payload) % 4] if len(payload) % 4 == 1 else payload
    try:
        return binascii.a2b_base64(payload + b"=" * (-len(payload) % 4))
    except binascii.Error:
        return b""


def _split_body(body: bytes) -> tuple[dict[str, str], list[bytes], list[bytes]]:
    """Armor headers, base64 lines, and lines that are neither (prose)."""
    headers: dict[str, str] = {}
    data_lines: list[bytes] = []
    other: list[bytes] = []
    continued = False
    text = unescape(unescape(body))  # twice: JSON inside a JSON string escapes twice
    if b"<" in text:  # pasted into HTML or a Word document: markup splits the lines
        text = _MARKUP_RE.sub(b"\n", text)
    for raw in text.splitlines():
        line = raw.strip()
        prefix = _LINE_PREFIX_RE.match(line)
        if prefix is not None:
            line = line[prefix.end() :]
        line = line.strip(b"\"',\\").strip()
        if continued:
            continued = line.endswith(b"\\")
            continue
        if not line:
            continue
        if b":" in line and not data_lines:
            key, _, value = line.partition(b":")
            headers[key.strip().decode("ascii", "replace").lower()] = value.strip().decode(
                "ascii", "replace"
            )
            continued = line.endswith(b"\\")
            continue
        if _BASE64_LINE_RE.match(line):
            data_lines.append(line)
        elif _is_flattened_base64(line):
            data_lines.extend(line.split())
        else:
            other.append(line)
    return headers, data_lines, other


def _is_flattened_base64(line: bytes) -> bool:
    """Base64 lines joined by blanks (.env files, Terraform): long tokens but the last.
    Prose fails this: its words are short."""
    tokens = line.split()
    return (
        len(tokens) > 1
        and all(_BASE64_LINE_RE.match(token) for token in tokens)
        and all(len(token) >= 16 for token in tokens[:-1])
    )


def _looks_like_base64_body(data_lines: list[bytes], other: list[bytes]) -> bool:
    data = sum(len(line) for line in data_lines)
    prose = sum(len(line) for line in other)
    return data >= 32 and data >= 4 * prose


def _key_in_body(label: str, headers: dict[str, str], payload: bytes) -> KeyMatch | None:
    """What the decoded body of a private-key block is, or None if it is not a key."""
    if "proc-type" in headers and "ENCRYPTED" in headers["proc-type"].upper():
        cipher = headers.get("dek-info", "").split(",")[0].strip() or "unknown cipher"
        if len(payload) >= 16 and len(payload) % 8 == 0 and "dek-info" in headers:
            return KeyMatch(
                "encrypted-pem-private-key",
                f"passphrase-encrypted {_readable(label)} ({cipher})",
                0,
                len(payload),
            )
        return KeyMatch(
            "damaged-private-key",
            f"encrypted {_readable(label)}",
            0,
            len(payload),
            damaged=True,
            detail="its encrypted body is truncated or its DEK-Info header is missing",
        )
    found = binary.match_key_container(payload, 0)
    if found is not None:
        return found
    return match_key(payload, 0)


def find_armored_keys(data: bytes) -> list[KeyMatch]:
    """Every armored private key block (PEM, OpenSSH, PGP, SSH2) in `data`."""
    found: list[KeyMatch] = []
    pos = 0
    while True:
        hit = data.find(b"BEGIN", pos)
        if hit < 0:
            return found
        pos = hit + 5
        # The dashes stand just before BEGIN: search from a little before the hit.
        match = _BEGIN_RE.search(data, max(0, hit - 6), hit + 80)
        if match is None or not match.start() < hit < match.end():
            continue
        label = re.sub(rb"%20|\+", b" ", match.group(1)).decode("ascii").strip()
        upper = label.upper()
        if "PRIVATE KEY" not in upper and "SECRET KEY" not in upper:
            continue
        body_start = match.end()
        # A block ends at the next armor line: its own END, or (cut short) another
        # block's BEGIN/END. Searching no further keeps many BEGINs linear.
        following = _ANY_ARMOR_RE.search(data, body_start, body_start + MAX_BLOCK)
        end = None
        if following is not None and following.group(1) == b"END":
            end = _END_RE.match(data, following.start())
            if end is not None and end.group(1) != match.group(1):
                end = None
        stop = following.start() if following else min(len(data), body_start + MAX_BLOCK)
        body = data[body_start:stop]
        result = _classify_block(label, body, complete=end is not None)
        if result is None:
            continue
        stop = end.end() if end else body_start + len(body)
        found.append(
            KeyMatch(
                result.kind,
                result.label,
                match.start(),
                stop,
                damaged=result.damaged,
                detail=result.detail,
                encoding="PEM armor",
            )
        )
        pos = stop


def _readable(label: str) -> str:
    """'RSA PRIVATE KEY' as a reader would write it: 'RSA private key'."""
    return label.replace("PRIVATE KEY", "private key").replace("SECRET KEY", "secret key")


_CUT_SHORT_DETAIL = (
    "it is cut short ({why}), but what is there is the start of a private key, "
    "and a key cut short is still a key"
)


def _cut_short(key: KeyMatch, complete: bool) -> KeyMatch:
    """A key block whose body stops early: its decoded start is a key's, so it is a key."""
    label = key.label.removeprefix("partial ").removesuffix(" (its start)")
    why = "its body ends before the key does" if complete else "its END line is missing"
    return KeyMatch("truncated-private-key", label, 0, 0, detail=_CUT_SHORT_DETAIL.format(why=why))


def _classify_block(label: str, body: bytes, complete: bool) -> KeyMatch | None:
    headers, data_lines, other = _split_body(body)
    if "PGP" in label:
        # The last data line of a PGP block may be its CRC-24 checksum "=XXXX".
        data_lines = [line for line in data_lines if not line.startswith(b"=")]
    if not _looks_like_base64_body(data_lines, other):
        if data_lines and len(b"".join(data_lines)) >= 16 and not other:
            return KeyMatch(
                "damaged-private-key",
                _readable(label),
                0,
                0,
                damaged=True,
                detail="the block holds only a few bytes of key data: it was cut short",
            )
        return None  # prose that mentions a key header
    payload = decode_base64(b"".join(data_lines))
    key = _key_in_body(label, headers, payload)
    encrypted = "ENCRYPTED" in headers.get("proc-type", "").upper()
    if key is not None and key.damaged and not encrypted:
        return _cut_short(key, complete)
    if key is not None:
        if not complete and not key.damaged:
            return KeyMatch(
                key.kind,
                key.label,
                0,
                0,
                detail="its END line is missing",
            )
        return key
    known = (
        any(word in label for word in ("RSA", "DSA", "EC ", "OPENSSH", "PGP", "SSH2", "ENCRYPTED"))
        or label == "PRIVATE KEY"
    )
    if known or not complete:
        reason = (
            "it is truncated: its END line is missing"
            if not complete
            else "its body is not a valid key: it is damaged or corrupt"
        )
        return KeyMatch("damaged-private-key", _readable(label), 0, 0, damaged=True, detail=reason)
    return KeyMatch("private-key-block", f"{_readable(label)} block", 0, 0)


_PUTTY_RE = re.compile(rb"PuTTY-User-Key-File-(\d+): ?([\w@.+-]+)")
_PUTTY_FIELD_RE = re.compile(rb"(Encryption|Private-Lines|Public-Lines): *(\S+)")


def find_putty_keys(data: bytes) -> list[KeyMatch]:
    """PuTTY .ppk files (v1-v3), confirmed by their Private-Lines body."""
    found: list[KeyMatch] = []
    pos = 0
    while (hit := data.find(b"PuTTY-User-Key-File-", pos)) >= 0:
        pos = hit + 20
        head = _PUTTY_RE.match(data, hit)
        if head is None:
            continue
        following = data.find(b"PuTTY-User-Key-File-", hit + 20, hit + 64 * 1024)
        text = unescape(data[hit : following if following > 0 else hit + 64 * 1024])
        lines = [line.strip() for line in text.splitlines()]
        fields: dict[bytes, bytes] = {}
        private_lines: list[bytes] = []
        for index, line in enumerate(lines):
            field = _PUTTY_FIELD_RE.match(line)
            if field is None:
                continue
            fields[field.group(1)] = field.group(2)
            if field.group(1) == b"Private-Lines" and field.group(2).isdigit():
                count = int(field.group(2))
                private_lines = lines[index + 1 : index + 1 + count]
                if len(private_lines) < count:
                    private_lines = []
                break
        version = head.group(1).decode()
        algorithm = head.group(2).decode("ascii", "replace")
        encryption = fields.get(b"Encryption", b"none").decode("ascii", "replace")
        label = (
            f"PuTTY private key (PPK v{version}, {algorithm}, "
            f"{'unencrypted' if encryption == 'none' else encryption})"
        )
        payload = decode_base64(b"".join(private_lines))
        if len(payload) >= 16:
            found.append(KeyMatch("putty-private-key", label, hit, hit + 1, encoding="text"))
        elif b"Public-Lines" in fields or b"Encryption" in fields:
            found.append(
                KeyMatch(
                    "damaged-private-key",
                    label,
                    hit,
                    hit + 1,
                    damaged=True,
                    detail="its Private-Lines are missing or cut short",
                    encoding="text",
                )
            )
    return found


_OPENSSL_TEXT_RE = re.compile(rb"(?:[A-Z0-9]+ )?Private-Key: \((\d+) bit")
_PRIVATE_HEX_RE = re.compile(
    rb"(?:privateExponent|priv|prime1|x):\s*\r?\n(?:\s*(?:[0-9a-fA-F]{2}:){15,}[0-9a-fA-F]{0,2}\s*\r?\n)+"
)


def find_openssl_text_keys(data: bytes) -> list[KeyMatch]:
    """`openssl rsa/ec/pkey -text` dumps: the private numbers written out in hex."""
    found: list[KeyMatch] = []
    pos = 0
    while (hit := data.find(b"Private-Key: (", pos)) >= 0:
        pos = hit + 14
        start = max(0, hit - 10)
        head = _OPENSSL_TEXT_RE.search(data, start, hit + 40)
        if head is None:
            continue
        following = data.find(b"Private-Key: (", hit + 14, hit + 64 * 1024)
        window = data[hit : following if following > 0 else hit + 64 * 1024]
        numbers = _PRIVATE_HEX_RE.search(unescape(window))
        if numbers is None:
            continue
        found.append(
            KeyMatch(
                "openssl-text-private-key",
                f"private key written out as text ({head.group(1).decode()}-bit)",
                head.start(),
                hit + 1,
                encoding="OpenSSL text",
            )
        )
        pos = hit + numbers.end()
    return found


_JWK_PRIVATE_RE = re.compile(rb'\\?"(?:d|p|k)\\?"\s*:\s*\\?"[A-Za-z0-9_-]{16,}')


def find_jwk_private_keys(data: bytes) -> list[KeyMatch]:
    """JSON Web Keys that carry their private part ("d"; "k" for symmetric keys)."""
    found: list[KeyMatch] = []
    pos = 0
    while (hit := data.find(b"kty", pos)) >= 0:
        pos = hit + 3
        if data[hit - 1 : hit] not in (b'"', b"'"):
            continue
        start = data.rfind(b"{", max(0, hit - 4096), hit)
        if start < 0:
            continue
        close = data.find(b"}", hit)
        stop = close + 1 if 0 <= close - hit <= 16384 else min(len(data), hit + 16384)
        if _JWK_PRIVATE_RE.search(data, start, stop):
            found.append(
                KeyMatch(
                    "jwk-private-key",
                    "JSON Web Key with its private part",
                    start,
                    stop,
                    encoding="JSON",
                )
            )
            pos = stop
    return found
