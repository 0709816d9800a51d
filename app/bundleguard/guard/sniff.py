"""Find every private key in one buffer of bytes, however it is encoded.

The passes are C-speed searches (`bytes.find`, `bytes.translate`, compiled `re`); Python
code runs only where a search hit a candidate. Encodings are peeled one layer at a time
and the decoded bytes scanned again: base64 (also of a whole PEM, as Kubernetes stores
it), hex, and UTF-16 text; `depth` bounds the peeling.
"""

from __future__ import annotations

import binascii
import bisect
import functools
import re
from dataclasses import replace

from bundleguard.guard import armor, binary, der, members, prefilter, rtf
from bundleguard.guard.der import KeyMatch

MAX_DECODE_DEPTH = 3
# A base64 blob is considered from this many unbroken alphabet characters on. The
# smallest key we recognise, an Ed25519 PKCS#8 key, is 64 characters of base64.
MIN_BASE64_RUN = 48

_B64 = rb"[A-Za-z0-9+/]"
_NOT_BASE64_BEFORE = frozenset(range(256)) - frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)
# How blobs worth decoding begin, each a regex with a literal prefix (C-speed search):
# DER (a SEQUENCE: 'M' then the length), a whole PEM ("---" is 'LS0t'), a JKS keystore
# ('/u3+7'), and hex of DER ("3082...").
_B64_URL = rb"[A-Za-z0-9+/_-]"
_BLOB_STARTS = (
    re.compile(rb"M[A-I]" + _B64_URL + rb"{%d}" % (MIN_BASE64_RUN - 2)),
    re.compile(rb"LS0t" + _B64_URL + rb"{%d}" % (MIN_BASE64_RUN - 4)),
    re.compile(rb"/u3\+7" + _B64 + rb"{%d}" % (MIN_BASE64_RUN - 5)),
    # hex of DER: long lengths ("3082"), or short ones with a version ("3077020101"),
    # plain or colon-separated ("30:82:")
    re.compile(
        rb"30(?:8[1-3][0-9a-fA-F]{%d}|[2-7][0-9a-fA-F]02010[013]|:8[1-3]:[0-9a-fA-F]{2}:)"
        % (MIN_BASE64_RUN - 4)
    ),
)
# A whole blob, wrapped or not, in one atomic regex: runs of the alphabet, each followed
# by a line wrap only when more alphabet follows it; then the '=' padding.
_WRAP = rb'[ \t]*(?:"\s*\+?\s*)?(?:\r?\n|\\r\\n|\\n|&#13;&#10;|&#10;|&#xA;)[ \t]*(?:"\s*\+?\s*|"?)'
_BLOB_RE = re.compile(rb"(?:" + _B64_URL + rb"++(?:" + _WRAP + rb"(?=" + _B64 + rb"{4}))?+)*+=*")
_HEX_RE = re.compile(rb"[0-9a-fA-F]+")
_UTF16_DASHES = b"-\x00-\x00-\x00-\x00-\x00"


def _blob_end(data: bytes, pos: int) -> int:
    """Where the blob whose text goes on at `pos` ends, following line wraps."""
    return _BLOB_RE.match(data, pos).end()


# Base64 of an archive (zip 'UEsDB', gzip 'H4sI'), which the caller opens like a member.
_ARCHIVE_STARTS = (
    re.compile(rb"UEsDB" + _B64 + rb"{%d}" % (MIN_BASE64_RUN - 5)),
    re.compile(rb"H4sI" + _B64 + rb"{%d}" % (MIN_BASE64_RUN - 4)),
)


def _encoded_archives(data: bytes) -> list[tuple[int, bytes]]:
    """(offset, decoded bytes) of each base64 blob that holds a zip or gzip archive."""
    return [
        (start, _decode_blob(data, start, end))
        for start, end in base64_blobs(data, _ARCHIVE_STARTS)
    ]


# Every base64 alphabet byte mapped to 'A', every other byte to '.': in a binary buffer,
# one translate and one find tell whether any run long enough for a blob exists at all.
_RUN_MAP = bytes(
    ord("A") if i in b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" else 46
    for i in range(256)
)
# Armored bodies wrapped narrower than usual (40 columns) still have runs of 32.
_LONG_RUN = b"A" * 32


def may_hold_blobs(data: bytes) -> bool:
    """False when `data` has no run of base64 long enough for a blob, nor so for the
    body of an armored key (most binaries). Text always may; for binary buffers this
    one pass saves one per blob pattern and per armor search."""
    if data.isascii() or (data.startswith(b"\xef\xbb\xbf") and data[3:].isascii()):
        return True
    return _LONG_RUN in data.translate(_RUN_MAP)


def base64_blobs(data: bytes, starts=_BLOB_STARTS) -> list[tuple[int, int]]:
    """(start, end) of every long base64 or hex blob that begins like something we seek.

    A blob may begin anywhere, also inside a longer run (after a DER length byte that
    reads as 'X', a stray letter, other hex): there, a hit is taken only when it decodes
    to the header of a DER key, so random base64 costs a short check per hit. Each of the
    four positions modulo 4 has its own cursor, so a key in one phase of a run is found
    after a decoy in another."""
    blobs: list[tuple[int, int]] = []
    for regex in starts:
        pos = [0, 0, 0, 0]
        search = 0
        # Overlapping hits: a decoy's match must not hide a real start within its length.
        while (match := regex.search(data, search)) is not None:
            start = match.start()
            search = start + 1
            if start < pos[start % 4]:
                continue
            inside = start > 0 and data[start - 1] not in _NOT_BASE64_BEFORE
            if inside and not _starts_a_key(data, start):
                continue
            if data[start + 2 : start + 3] == b":":  # colon-separated hex
                end = _HEX_PREFIX_RE.match(data, start).end()
            else:
                end = _blob_end(data, match.end())
            pos[start % 4] = end
            if not inside:
                pos = [max(p, end) for p in pos]
            search = max(search, min(pos))  # every phase covered up to there
            blobs.append((start, end))
    return blobs


def _starts_a_key(data: bytes, start: int) -> bool:
    """Whether the text at `start` (inside a longer run) decodes to a DER key's first
    bytes: a SEQUENCE, its length, then a version INTEGER or an AlgorithmIdentifier."""
    lead = data[start : start + 4]
    if lead == b"LS0t" or lead.startswith(b"/u3+"):
        return True
    if lead[:1] == b"3":
        head = _decode_hex(data[start : start + 24])
    else:
        head = armor.decode_base64(data[start : start + 12].translate(_URL_SAFE))
    if len(head) < 4 or head[0] != 0x30:
        return False
    first = head[1]
    at = 2 if first <= 0x80 else 2 + first - 0x80 if first <= 0x83 else len(head)
    return at < len(head) and head[at] in (0x02, 0x30)


_URL_SAFE = bytes.maketrans(b"-_", b"+/")


def _decode_blob(data: bytes, start: int, end: int) -> bytes:
    text = armor.unescape(data[start:end])
    if b"-" in text or b"_" in text:  # the URL-safe alphabet
        text = text.translate(_URL_SAFE)
    return armor.decode_base64(text)


def _decoded_hits(data: bytes, depth: int, skip: list[tuple[int, int]]) -> list[KeyMatch]:
    hits: list[KeyMatch] = []
    starts = sorted(skip)
    for start, end in base64_blobs(data):
        # inside a hit already found (an armored key's own body)? bisect, not a scan
        index = bisect.bisect_right(starts, (start, float("inf"))) - 1
        if index >= 0 and starts[index][0] <= start < starts[index][1]:
            continue
        if data[start] == 0x33 and data[start + 2 : start + 3] == b":":  # "30:82:..."
            decoded = _decode_hex(data[start:end])
            hits.extend(_relocate(find_in_buffer(decoded, depth + 1), start, end, "hex"))
            continue
        if data[start] == 0x33:  # '3': hex of DER, "3082..."
            decoded = _decode_hex(data[start:end])
            if decoded:
                inner = find_in_buffer(decoded, depth + 1)
                if inner or _HEX_RE.fullmatch(re.sub(rb"\s|\\n|\\r", b"", data[start:end])):
                    hits.extend(_relocate(inner, start, end, "hex"))
                    continue
        decoded = _decode_blob(data, start, end)
        inner = _found_in_decoded(decoded, depth + 1) if len(decoded) >= 32 else []
        hits.extend(_relocate(inner, start, end, "base64"))
    return hits


# Decoded blobs up to this size are remembered: the same root and intermediate
# certificates come in file after file (PEM bodies are base64 of DER).
_REMEMBERED_BLOB = 16 << 10


def _found_in_decoded(decoded: bytes, depth: int) -> list[KeyMatch]:
    if len(decoded) > _REMEMBERED_BLOB:
        return find_in_buffer(decoded, depth)
    return list(_remembered(decoded, depth))


@functools.lru_cache(maxsize=512)
def _remembered(decoded: bytes, depth: int) -> tuple[KeyMatch, ...]:
    return tuple(find_in_buffer(decoded, depth))


_HEX_PREFIX_RE = re.compile(rb"(?:[0-9a-fA-F]{2}(?:[:\s]|\\n|\\r)*)+")
_NOT_HEX = bytes(i for i in range(256) if i not in b"0123456789abcdefABCDEF")


def _decode_hex(text: bytes) -> bytes:
    """The hex at the start of `text`, plain or separated, up to its last whole byte: the
    character after a run (a digit, a letter) is not part of it."""
    run = _HEX_PREFIX_RE.match(text)
    if run is None:
        return b""
    compact = run.group().replace(b"\\n", b"").replace(b"\\r", b"").translate(None, _NOT_HEX)
    return binascii.unhexlify(compact[: len(compact) - len(compact) % 2])


def _relocate(inner: list[KeyMatch], start: int, end: int, encoding: str) -> list[KeyMatch]:
    out = []
    for match in inner:
        detail = match.detail
        if match.start:
            where = f"at byte {match.start} of the decoded data"
            detail = f"{where}; {detail}" if detail else where
        out.append(
            replace(
                match,
                start=start,
                end=end,
                encoding=f"{encoding} of {match.encoding}",
                detail=detail,
            )
        )
    return out


def _utf16_views(data: bytes) -> list[tuple[int, bytes]]:
    """Every-other-byte views of UTF-16 text, when the buffer may hold some."""
    if len(data) < 64 or b"\x00" not in data:  # memchr: most text ends here
        return []
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or _UTF16_DASHES in data:
        return [(0, data[0::2]), (1, data[1::2])]
    # UTF-16 text is half NULs; a sample of the buffer's start tells.
    sample = min(len(data), 1 << 20)
    if data.count(0, 0, sample) * 8 < sample:
        return []
    return [(0, data[0::2]), (1, data[1::2])]


def _text_hits(data: bytes, need: frozenset[str]) -> list[KeyMatch]:
    hits: list[KeyMatch] = []
    # armored and PuTTY keys are lines of base64 (64 characters each)
    if prefilter.ARMOR in need:
        hits += armor.find_armored_keys(data)
    if prefilter.PUTTY in need:
        hits += armor.find_putty_keys(data)
    if prefilter.OPENSSL_TEXT in need:
        hits += armor.find_openssl_text_keys(data)
    if prefilter.JWK in need:
        hits += armor.find_jwk_private_keys(data)
    if prefilter.MEMBERS in need:
        hits += members.find_key_members(data)
    return hits


def _rtf_hits(data: bytes, depth: int) -> list[KeyMatch]:
    """Keys in the text of an RTF document, at their offsets in the document."""
    text, where = rtf.rtf_text(data)
    hits = []
    for match in find_in_buffer(text, depth + 1):
        start = where.to_file(match.start)
        end = max(start + 1, where.to_file(max(match.end - 1, match.start)) + 1)
        hits.append(replace(match, start=start, end=end, encoding=f"RTF {match.encoding}"))
    return hits


def scan_buffer(data: bytes) -> tuple[list[KeyMatch], list[tuple[int, bytes]]]:
    """Every key in `data`, and every base64-encoded archive for the caller to open."""
    need = _searches(data)
    archives = _encoded_archives(data) if prefilter.ARCHIVE_BLOBS in need else []
    return find_in_buffer(data, need=need), archives


def _searches(data: bytes, may_hold: bool | None = None) -> frozenset[str]:
    """The searches worth running on `data`: the prefilter's answer, or without it every
    search, less those that need base64 when the buffer has no run of it."""
    need = prefilter.needed(data)
    if need is prefilter.ALL:
        if may_hold is None:
            may_hold = may_hold_blobs(data)
        if not may_hold:
            need = need - prefilter.NEED_BASE64
    return need


def find_in_buffer(
    data: bytes,
    depth: int = 0,
    text_only: bool = False,
    may_hold: bool | None = None,
    need: frozenset[str] | None = None,
) -> list[KeyMatch]:
    """Every key in `data`, outermost first, positions relative to `data`."""
    if need is None:
        need = _searches(data, may_hold)
    hits = _text_hits(data, need)
    # Binary keys always hold bytes past ASCII (DER lengths, OIDs, random key bytes), so
    # a pure-ASCII buffer (the common log) skips those passes; the check runs at memory speed.
    if not text_only and not data.isascii():
        if prefilter.DER in need:
            hits += der.find_der_keys(data)
        hits += binary.find_key_containers(data, anywhere=prefilter.CONTAINERS in need)
    if depth < MAX_DECODE_DEPTH:
        spans = [(h.start, h.end) for h in hits]
        if prefilter.BLOBS in need:
            hits += _decoded_hits(data, depth, spans)
        if prefilter.RTF in need and rtf.holds_rtf(data):
            hits += _rtf_hits(data, depth)
        if not text_only and prefilter.UTF16 in need:
            for parity, view in _utf16_views(data):
                for match in find_in_buffer(view, depth + 1, text_only=True):
                    hits.append(
                        replace(
                            match,
                            start=2 * match.start,
                            end=2 * match.end,
                            encoding=f"UTF-16{'LE' if parity == 0 else 'BE'} {match.encoding}",
                        )
                    )
    return _outermost(hits)


def _outermost(hits: list[KeyMatch]) -> list[KeyMatch]:
    """Drop hits that lie inside another hit (a PKCS#8 key inside its PFX, say)."""
    hits.sort(key=lambda h: (h.start, -(h.end - h.start), h.damaged))
    kept: list[KeyMatch] = []
    outer: KeyMatch | None = None  # the last sound hit kept: what may contain the next
    for hit in hits:
        if outer is not None and outer.start <= hit.start < max(outer.end, outer.start + 1):
            continue
        last = kept[-1] if kept else None
        if last is not None and last.damaged and last.start == hit.start:
            if not hit.damaged:
                kept[-1] = outer = hit  # the same place read two ways: the sound one wins
            continue
        kept.append(hit)
        if not hit.damaged:
            outer = hit
    return kept
