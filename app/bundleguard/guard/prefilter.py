"""One pass that tells which of the guard's searches can find anything in a buffer.

Every search of `sniff.find_in_buffer` begins at a marker: "BEGIN" for armor, "kty" for a
JSON Web Key, the first letters of base64 of DER for a blob, `02 01 00` for a DER key's
version, a container's magic number... With Hyperscan (optional: the `hyperscan` package),
all markers are looked for in one pass over the buffer, several times faster than one C
search per marker, and the searches whose markers are absent are skipped: the findings are
the same, as every pattern here matches wherever its search could begin (a superset: the
same letters with a shorter run after them). Without Hyperscan, or for a small buffer,
`needed` answers "all of them" and every search runs, as it always did.

Compiling the patterns takes about 0.2 s, worth it only for a large scan: the prefilter is
off until `enable()` (the folder scan calls it past `ENABLE_BYTES`, before it starts its
workers, which receive the compiled database), so checking a screenshot never waits for it.
Setting BUNDLEGUARD_NO_HYPERSCAN=1 keeps it off (tests compare both paths).
"""

from __future__ import annotations

import os
import threading

# The searches, by name (see `sniff.find_in_buffer`).
ARMOR = "armor"  # PEM-style armor (armor.find_armored_keys)
PUTTY = "putty"
OPENSSL_TEXT = "openssl-text"
JWK = "jwk"
MEMBERS = "members"  # XML / JSON key members
BLOBS = "blobs"  # base64 / hex of DER, of a whole PEM, of a JKS
ARCHIVE_BLOBS = "archive-blobs"  # base64 of a zip or gzip
DER = "der"
CONTAINERS = "containers"  # magic-number key containers anywhere in the buffer
RTF = "rtf"
UTF16 = "utf16"  # text in UTF-16 (sniff._utf16_views)

ALL = frozenset(
    {ARMOR, PUTTY, OPENSSL_TEXT, JWK, MEMBERS, BLOBS, ARCHIVE_BLOBS, DER, CONTAINERS, RTF, UTF16}
)
# A scan of this many bytes in all turns the prefilter on.
ENABLE_BYTES = 64 << 20
# The searches that need a run of base64 (a key's body): skipped without a prefilter when
# a buffer has no such run (`sniff.may_hold_blobs`).
NEED_BASE64 = frozenset({ARMOR, PUTTY, MEMBERS, BLOBS, ARCHIVE_BLOBS})

# Below this size every search runs: a few small searches cost less than a Hyperscan call
# (and small buffers, certificates and texts, are the most numerous).
MIN_BUFFER = 64 << 10

_B64 = rb"[A-Za-z0-9+/]"
_B64_URL = rb"[A-Za-z0-9+/_\-]"
# (search, pattern) — each pattern matches wherever that search's own regex or `find`
# could begin; patterns are shorter than the searches' (14 letters of a run, not 46).
_PATTERNS: tuple[tuple[str, bytes], ...] = (
    (ARMOR, rb"BEGIN"),
    (PUTTY, rb"PuTTY-User-Key-File-"),
    (OPENSSL_TEXT, rb"Private-Key: \("),
    (JWK, rb"kty"),
    (MEMBERS, rb"KeyValue"),
    (MEMBERS, rb'"(?:d|D|X)\\?"\s*:'),
    (BLOBS, rb"M[A-I]" + _B64_URL + rb"{14}"),
    (BLOBS, rb"LS0t" + _B64_URL + rb"{12}"),
    (BLOBS, rb"/u3\+7" + _B64 + rb"{11}"),
    (BLOBS, rb"30(?:8[1-3][0-9a-fA-F]{12}|[2-7][0-9a-fA-F]02010[013]|:8[1-3]:[0-9a-fA-F]{2}:)"),
    (ARCHIVE_BLOBS, rb"UEsDB" + _B64 + rb"{11}"),
    (ARCHIVE_BLOBS, rb"H4sI" + _B64 + rb"{12}"),
    # a key's version INTEGER right after its SEQUENCE header (der._header_starts: short,
    # 0x81, 0x82 or 0x83 length forms)
    (
        DER,
        rb"\x30(?:[\x00-\x80]|\x81[\x00-\xff]|\x82[\x00-\xff]{2}|\x83[\x00-\xff]{3})"
        rb"\x02\x01[\x00\x01\x03]",
    ),
    (DER, rb"\x06[\x09-\x0b]\x2a\x86\x48\x86\xf7\x0d\x01"),
    (DER, rb"\x06\x0b\x2b\x06\x01\x04\x01\x2a\x02"),
    (CONTAINERS, rb"\xfe\xed\xfe\xed\x00\x00\x00[\x01\x02]"),
    (CONTAINERS, rb"\xce\xce\xce\xce\x00\x00\x00\x02"),
    (CONTAINERS, rb"\x1e\xf1\xb5\xb0\x00\x00\x00\x00"),
    (CONTAINERS, rb"\x07\x02\x00\x00\x00[\xa4\x24\x22]\x00\x00(?:RSA2|DSS2)"),
    (CONTAINERS, rb"openssh-key-v1\x00"),
    (CONTAINERS, rb"RSA[23]"),
    (CONTAINERS, rb"EC[SK][246]"),
    (CONTAINERS, rb"\x3f\x6f\xf9\xeb"),
    (CONTAINERS, rb"SSH PRIVATE KEY FILE FORMAT 1\.1\n"),
    (RTF, rb"\{\\rtf"),
    # UTF-16 text: eight characters of ASCII in a row, in either byte order
    (UTF16, rb"(?:[\x09\x0a\x0d\x20-\x7e]\x00){8}"),
    (UTF16, rb"(?:\x00[\x09\x0a\x0d\x20-\x7e]){8}"),
)

_lock = threading.Lock()
_database: object | None = None
_enabled = False


def _compile():
    """The Hyperscan database of every pattern, or None (not installed, or it failed)."""
    if os.environ.get("BUNDLEGUARD_NO_HYPERSCAN"):
        return None
    try:
        import hyperscan
    except ImportError:  # an optional speed-up: the searches alone give the same answer
        return None
    try:
        database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        database.compile(
            expressions=[_escaped(pattern) for _, pattern in _PATTERNS],
            ids=list(range(len(_PATTERNS))),
            elements=len(_PATTERNS),
            flags=[hyperscan.HS_FLAG_SINGLEMATCH] * len(_PATTERNS),
        )
    except Exception:  # a wheel without this CPU's instructions, say: fall back
        return None
    return database


def _escaped(pattern: bytes) -> bytes:
    """Hyperscan reads C strings: a raw NUL (or other control byte) becomes \\xNN."""
    return b"".join(bytes([c]) if 32 <= c < 127 else b"\\x%02x" % c for c in pattern)


def enable() -> bytes | None:
    """Turn the prefilter on in this process (compiling it once); returns the database
    serialised, for worker processes (`install`), or None without Hyperscan."""
    global _database, _enabled
    with _lock:
        if not _enabled:
            _database = _compile()
            _enabled = True
        database = _database
    if database is None:
        return None
    try:
        import hyperscan

        return hyperscan.dumpb(database)
    except Exception:
        return None


def install(serialised: bytes | None) -> None:
    """In a worker process: use the database the parent compiled (no second compile)."""
    global _database, _enabled
    if serialised is None or os.environ.get("BUNDLEGUARD_NO_HYPERSCAN"):
        return
    try:
        import hyperscan

        database = hyperscan.loadb(serialised, hyperscan.HS_MODE_BLOCK)
        database.scratch = hyperscan.Scratch(database)  # a loaded database has none
        database.scan(b"probe", match_event_handler=lambda *_: None)
    except Exception:  # another CPU than the parent's: compile here, or go without
        enable()
        return
    with _lock:
        _database, _enabled = database, True


class Handover:
    """Shared memory through which the folder scan hands its compiled database to worker
    processes that are already running (they start before it is compiled, so that the
    compile overlaps their first files)."""

    SIZE = 1 << 20

    def __init__(self, context) -> None:
        self.length = context.RawValue("i", 0)
        self.data = context.RawArray("c", self.SIZE)

    def give(self, serialised: bytes | None) -> None:
        if serialised is None or len(serialised) > self.SIZE:
            self.length.value = -1  # nothing will come: stop looking
            return
        self.data[: len(serialised)] = serialised
        self.length.value = len(serialised)  # written last: the bytes are there

    def take(self) -> bytes | None:
        length = self.length.value
        return None if length <= 0 else bytes(self.data[:length])


_handover: Handover | None = None


def attach(handover: Handover | None) -> None:
    """A worker's start: where the database will come from (see `Handover`)."""
    global _handover
    _handover = handover


def _from_handover() -> None:
    global _handover
    handover = _handover
    if handover is None or handover.length.value == 0:
        return  # not compiled yet: this buffer is scanned without the prefilter
    _handover = None
    install(handover.take())


def available() -> bool:
    """Whether the one-pass prefilter is on in this process."""
    return _database is not None


def needed(data: bytes) -> frozenset[str]:
    """The searches that can find anything in `data` (ALL without a prefilter)."""
    if len(data) < MIN_BUFFER:
        return ALL
    if _handover is not None:
        _from_handover()
    database = _database
    if database is None:
        return ALL
    found: set[str] = set()

    def on_match(pattern_id: int, _start: int, _end: int, _flags: int, _context) -> None:
        found.add(_PATTERNS[pattern_id][0])

    try:
        database.scan(data, match_event_handler=on_match)  # type: ignore[attr-defined]
    except Exception:  # never let the speed-up decide: run every search
        return ALL
    return frozenset(found)


def reset() -> None:
    """Turn the prefilter off again (tests switch it on and off)."""
    global _database, _enabled
    with _lock:
        _database = None
        _enabled = False
