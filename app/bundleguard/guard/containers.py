"""Open archives and compressed files, within stated limits, and scan every member.

Archives are recognised by content, never by name: an office document, a `.png` that is
really a zip, a zip appended to an image. Expansion is bounded (depth, member count,
expanded bytes, expansion ratio); past a limit the scan stops and says which limit.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import struct
import tarfile
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import BinaryIO

from bundleguard.guard.report import Finding

# Members up to this size are read whole (and nested archives opened); larger members are
# scanned in windows as a stream.
WHOLE_MEMBER_LIMIT = 32 << 20
# A member may expand past this size only while it stays under the ratio limit.
RATIO_GRACE = 1 << 20


@dataclass(frozen=True)
class ScanLimits:
    """How far the guard opens archives before it refuses them as unknowable."""

    max_depth: int = 4
    max_members: int = 10_000
    max_expanded_bytes: int = 1 << 30
    max_ratio: int = 200


# What the standard library raises on damaged or unusual archives (fuzzing found each).
ARCHIVE_ERRORS = (
    zipfile.BadZipFile,
    tarfile.TarError,
    EOFError,
    zlib.error,
    lzma.LZMAError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    IndexError,
    KeyError,
    OverflowError,
    struct.error,
    UnicodeError,
)


class LimitReached(Exception):
    """An archive went past a limit; the message says which, in a user's words.

    `partial` carries the findings made before the limit, so a key already found still
    makes the file secret.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.partial: list[Finding] = []


@dataclass
class Budget:
    """What a scan of one file has spent so far, shared by every nested archive."""

    limits: ScanLimits
    expanded: int = 0
    members: int = 0
    problems: list[str] = field(default_factory=list)


def archive_kind(head: bytes) -> str | None:
    """The archive or compression format the bytes start with, if any."""
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh") and head[3:4].isdigit():
        return "bzip2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    if head.startswith((b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07")):
        return "7z" if head.startswith(b"7z") else "rar"
    if head.startswith(b"MSCF\x00\x00\x00\x00"):
        return "cab"
    return None


def find_archive(data: bytes) -> str | None:
    """Like `archive_kind`, and also a zip appended to other data (a PNG, say)."""
    kind = archive_kind(data[:512])
    if kind is None and b"PK\x05\x06" in data[-(1 << 16) - 22 :]:
        try:
            if zipfile.is_zipfile(io.BytesIO(data)):
                return "zip"
        except ARCHIVE_ERRORS:
            return None
    return kind


class _Counted(io.RawIOBase):
    """A read-only stream that charges what it yields to the budget and enforces limits."""

    def __init__(self, inner: BinaryIO, budget: Budget, packed: int, name: str) -> None:
        self._inner = inner
        self._budget = budget
        self._packed = max(packed, 1)
        self._name = name
        self._count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self._count += size
        self._budget.expanded += size
        limits = self._budget.limits
        if self._budget.expanded > limits.max_expanded_bytes:
            raise LimitReached(
                f"the archive expands past the limit of {limits.max_expanded_bytes >> 20} MB "
                "(a zip bomb?); bundleguard stopped there and cannot vouch for the rest"
            )
        if self._count > RATIO_GRACE and self._count > limits.max_ratio * self._packed:
            raise LimitReached(
                f"{self._name} expands past the limit of {limits.max_ratio} times its packed "
                "size (a zip bomb?); bundleguard stopped there and cannot vouch for the rest"
            )
        return size


def _decompressor(kind: str, data: BinaryIO) -> BinaryIO:
    if kind == "gzip":
        return gzip.GzipFile(fileobj=data)
    if kind == "bzip2":
        return bz2.BZ2File(data)
    return lzma.LZMAFile(data)


def _read_limited(stream: BinaryIO, limit: int) -> bytes:
    chunks = []
    remaining = limit
    while remaining > 0:
        chunk = stream.read(min(remaining, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _charge_member(budget: Budget) -> None:
    budget.members += 1
    if budget.members > budget.limits.max_members:
        raise LimitReached(
            f"the archive holds more files than the limit of {budget.limits.max_members}; "
            "bundleguard stopped there and cannot vouch for the rest"
        )


class ArchiveScanner:
    """Walks archives; `scan_bytes` is the callback that scans one member's bytes."""

    def __init__(self, scan_bytes, scan_stream) -> None:
        self._scan_bytes = scan_bytes
        self._scan_stream = scan_stream

    def scan_member(
        self,
        stream: BinaryIO,
        member: str,
        depth: int,
        budget: Budget,
        packed: int,
    ) -> list[Finding]:
        counted = io.BufferedReader(_Counted(stream, budget, packed, member), 1 << 20)
        data = _read_limited(counted, WHOLE_MEMBER_LIMIT + 1)
        if len(data) <= WHOLE_MEMBER_LIMIT:
            return self._scan_bytes(data, member, depth, budget)
        kind = archive_kind(data[:512])
        if kind is not None:
            budget.problems.append(
                f"{member} is a {kind} archive over {WHOLE_MEMBER_LIMIT >> 20} MB inside "
                "another archive; bundleguard did not open it"
            )
        return self._scan_stream(io.BufferedReader(_Prefixed(data, counted)), member, budget)

    def scan_archive(
        self, data: BinaryIO, kind: str, container: str | None, depth: int, budget: Budget
    ) -> list[Finding]:
        """Scan every member of the archive in `data` (a seekable binary file)."""
        prefix = f"{container}!" if container else ""
        if depth >= budget.limits.max_depth:
            raise LimitReached(
                f"archives are nested past the limit of {budget.limits.max_depth} levels; "
                "bundleguard stopped there and cannot vouch for the rest"
            )
        try:
            if kind == "zip":
                return self._zip(data, prefix, depth, budget)
            if kind == "tar":
                return self._tar(data, prefix, depth, budget)
            if kind in ("gzip", "bzip2", "xz"):
                name = f"{prefix}({kind} content)" if prefix else f"({kind} content)"
                size = _size(data)
                _charge_member(budget)
                with _decompressor(kind, data) as inner:
                    return self.scan_member(inner, name, depth + 1, budget, size)
        except LimitReached:
            raise
        except ARCHIVE_ERRORS as error:
            budget.problems.append(
                f"{container or 'the file'} is a damaged {kind} archive ({type(error).__name__}); "
                "bundleguard could not read all of it"
            )
            return []
        budget.problems.append(
            f"{container or 'the file'} is a {kind} archive, which bundleguard cannot open"
        )
        return []

    def _zip(self, data: BinaryIO, prefix: str, depth: int, budget: Budget) -> list[Finding]:
        findings: list[Finding] = []
        with zipfile.ZipFile(data) as archive:
            infos = [info for info in archive.infolist() if not info.is_dir()]
            if budget.members + len(infos) > budget.limits.max_members:
                raise LimitReached(
                    f"the archive holds {len(infos)} files, past the limit of "
                    f"{budget.limits.max_members} that bundleguard opens"
                )
            for info in infos:
                _charge_member(budget)
                name = prefix + info.filename
                if info.flag_bits & 0x1:
                    budget.problems.append(
                        f"{name} is encrypted inside the archive; bundleguard cannot look into it"
                    )
                    continue
                try:
                    with archive.open(info) as stream:
                        findings += _keeping(
                            findings,
                            self.scan_member,
                            stream,
                            name,
                            depth + 1,
                            budget,
                            info.compress_size,
                        )
                except ARCHIVE_ERRORS as error:  # one damaged member: say so, go on
                    budget.problems.append(
                        f"{_shown(name)} is damaged inside the archive ({type(error).__name__}); "
                        "bundleguard could not read all of it"
                    )
        return findings

    def _tar(self, data: BinaryIO, prefix: str, depth: int, budget: Budget) -> list[Finding]:
        findings: list[Finding] = []
        try:
            self._tar_members(data, prefix, depth, budget, findings)
        except ARCHIVE_ERRORS as error:  # keep what was found before the damage
            budget.problems.append(
                f"{_shown(prefix.rstrip('!')) or 'the file'} is a damaged tar archive "
                f"({type(error).__name__}); bundleguard could not read all of it"
            )
        return findings

    def _tar_members(
        self, data: BinaryIO, prefix: str, depth: int, budget: Budget, findings: list[Finding]
    ) -> None:
        with tarfile.open(fileobj=data, mode="r:*") as archive:
            for info in archive:
                if not info.isfile():
                    continue
                _charge_member(budget)
                stream = archive.extractfile(info)
                if stream is None:
                    continue
                findings += _keeping(
                    findings,
                    self.scan_member,
                    stream,
                    prefix + info.name,
                    depth + 1,
                    budget,
                    max(info.size, 1),
                )


def _shown(name: str, limit: int = 120) -> str:
    """A member name as a message shows it: archives can name members anything."""
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _keeping(found: list[Finding], scan, *args) -> list[Finding]:
    """Run `scan(*args)`; if it hits a limit, hand what was found so far up with it."""
    try:
        return scan(*args)
    except LimitReached as limit:
        limit.partial = found + limit.partial
        raise


# Compressed PNG text chunks are read up to this size each, and all together (a comment,
# not a payload): a PNG of many small chunks that inflate hugely stays cheap.
PNG_TEXT_LIMIT = 1 << 20
PNG_TEXT_TOTAL = 8 << 20


def png_compressed_text(data: bytes) -> list[tuple[str, bytes]]:
    """(name, inflated text) of each compressed text chunk (zTXt, iTXt) of a PNG: the
    one place in a PNG where text, a key say, is hidden from a byte-level search."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return []
    texts = []
    total = 0
    pos = 8
    while pos + 12 <= len(data) and total < PNG_TEXT_TOTAL:
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IEND":
            break
        if kind not in (b"zTXt", b"iTXt"):
            continue
        keyword, _, rest = body.partition(b"\x00")
        if kind == b"iTXt":
            if rest[:1] != b"\x01":  # not compressed: a byte-level search saw it already
                continue
            rest = rest[2:].split(b"\x00", 2)[-1]  # language tag, translated keyword
        else:
            rest = rest[1:]
        try:
            inflated = zlib.decompressobj().decompress(rest, PNG_TEXT_LIMIT)
        except zlib.error:
            continue
        total += len(inflated)
        name = keyword[:79].decode("latin-1")  # PNG keywords are 1-79 characters
        texts.append((f"PNG {kind.decode()} chunk {name!r}", inflated))
    return texts


def member_spans(data: BinaryIO, kind: str) -> list[tuple[int, int]]:
    """Byte spans where members lie unpacked in the archive's own bytes (stored zip
    members, tar members): a key there is reported once, from the member scan."""
    spans = []
    try:
        if kind == "tar":
            with tarfile.open(fileobj=data, mode="r:") as archive:
                spans = [(m.offset_data, m.offset_data + m.size) for m in archive if m.isfile()]
        elif kind == "zip":
            with zipfile.ZipFile(data) as archive:
                for info in archive.infolist():
                    if info.compress_type != zipfile.ZIP_STORED:
                        continue
                    data.seek(info.header_offset + 26)
                    name_length, extra_length = struct.unpack("<HH", data.read(4))
                    start = info.header_offset + 30 + name_length + extra_length
                    spans.append((start, start + info.compress_size))
    except ARCHIVE_ERRORS:
        return []
    finally:
        data.seek(0)
    return spans


def _size(data: BinaryIO) -> int:
    try:
        position = data.tell()
        end = data.seek(0, io.SEEK_END)
        data.seek(position)
        return max(end - position, 1)
    except (OSError, ValueError):
        return 1


class _Prefixed(io.RawIOBase):
    """A stream that yields `prefix` first, then the rest of `rest`."""

    def __init__(self, prefix: bytes, rest: BinaryIO) -> None:
        self._prefix = memoryview(prefix)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        if self._prefix:
            size = min(len(buffer), len(self._prefix))
            buffer[:size] = self._prefix[:size]
            self._prefix = self._prefix[size:]
            return size
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
