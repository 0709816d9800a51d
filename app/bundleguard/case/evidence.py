"""The evidence of a case: each file read once and judged once by the guard, per change on disk.

`EvidenceCache.judge(paths)` gives an `Evidence` snapshot: for every path, a `FileEvidence`
holding the guard's `FileReport` (with the certificates it parsed) and, for a file the guard
accepts (a certificate or an image), its bytes. An entry is keyed by the file's `FileKey`
(path, size, modification time and inode): judging a path again costs one `stat` while the
file is unchanged, and one read (through the one reader, `files.read_input_file`) and one
guard run (`guard.classify_bytes`) once it changed. Folders are walked by the guard's one
walker (`walk`).

The chain, coverage, trust and bundle plans are derived from the evidence (`inputs`,
`certificates`), never by reading the files again: a keystroke in the site or the incident
reads nothing. A refused file says from its evidence whether its certificates can be
extracted, and whether that needs a passphrase, so the window never reads it to find out.

Qt-free. Snapshots are immutable and may cross threads; the cache takes a lock only to look
up and store entries (reading and judging happen outside it).
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from bundleguard.errors import BundleGuardError, InputError
from bundleguard.files import FileTooLargeError, NotAFileError, read_input_file

if TYPE_CHECKING:
    from cryptography import x509

    from bundleguard.bundle.plan import BundleInput, Refusal
    from bundleguard.guard.report import FileReport

__all__ = [
    "Evidence",
    "EvidenceCache",
    "FileEvidence",
    "FileKey",
    "file_key",
    "shared_evidence",
    "walk",
]

MAX_ENTRIES = 4096
"""Entries kept by a cache (a case holds at most `case.model.MAX_FILES` files)."""


@dataclass(frozen=True)
class FileKey:
    """What a file is on disk, cheaply: when any part changes, it is read and judged again.

    `inode` is 0 where the platform gives none."""

    path: str
    size: int
    mtime_ns: int
    inode: int = 0


def file_key(path: str | os.PathLike[str]) -> FileKey | None:
    """The file's key (a `stat`, never a read); None when it cannot be looked at."""
    text = os.path.abspath(path)
    try:
        info = os.stat(text)
    except (OSError, ValueError):
        return None
    return FileKey(text, info.st_size, info.st_mtime_ns, getattr(info, "st_ino", 0) or 0)


@dataclass(frozen=True)
class FileEvidence:
    """One file as the guard judged it, at `key`.

    `data`: the bytes judged, kept for a file the guard accepts (a certificate or an
    image), None otherwise. `unread`: why the one reader did not read it (not a file,
    too large, unreadable), as (verdict, sentence). For a refused file: `extractable`
    (its certificates can be taken out of it), `needs_passphrase` (a PKCS#12) and
    `case_file` (its content is a bundleguard case, `model.is_case_document`, whatever its
    name: handed over, it opens as a case)."""

    path: str
    key: FileKey | None
    report: FileReport
    data: bytes | None = dataclasses.field(default=None, repr=False)
    unread: tuple[str, str] | None = None
    extractable: bool = False
    needs_passphrase: bool = False
    case_file: bool = False

    @property
    def verdict(self) -> str:
        return self.report.verdict.value

    def as_input(self, expected: str) -> BundleInput | Refusal:
        """The file as a bundle plan takes it: its bytes with the guard's report (the plan
        does not judge it again), or a refusal saying why it was not read."""
        from bundleguard.bundle.plan import BundleInput, Refusal

        if self.unread is not None:
            verdict, why = self.unread
            return Refusal(self.path, "file" if verdict == "refused" else expected, verdict, (why,))
        if self.data is None:
            # Refused by the guard: the plan words the refusal from the report.
            return BundleInput(self.path, b"", self.report)
        return BundleInput(self.path, self.data, self.report)


@dataclass(frozen=True)
class Evidence:
    """An immutable snapshot: path (absolute, as the case stores it) -> `FileEvidence`."""

    entries: Mapping[str, FileEvidence] = dataclasses.field(
        default_factory=lambda: MappingProxyType({})
    )

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str | os.PathLike) and os.path.abspath(path) in self.entries

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, path: str | os.PathLike[str]) -> FileEvidence | None:
        return self.entries.get(os.path.abspath(path))

    def report(self, path: str | os.PathLike[str]) -> FileReport | None:
        entry = self.get(path)
        return entry.report if entry is not None else None

    @property
    def reports(self) -> dict[str, FileReport]:
        return {path: entry.report for path, entry in self.entries.items()}

    def inputs(self, paths: Iterable[str], expected: str) -> list[BundleInput | Refusal]:
        """The files as a bundle plan takes them (`FileEvidence.as_input`), in order."""
        return [self._entry(path).as_input(expected) for path in paths]

    def certificates(self, paths: Iterable[str]) -> tuple[x509.Certificate, ...]:
        """The certificates the guard parsed in the accepted certificate files, in order."""
        found: list[x509.Certificate] = []
        for path in paths:
            entry = self.get(path)
            if entry is not None and entry.verdict == "certificate":
                found.extend(entry.report.certificates)
        return tuple(found)

    def merged(self, other: Evidence) -> Evidence:
        """This snapshot with `other`'s entries added (theirs win)."""
        return Evidence(MappingProxyType({**self.entries, **other.entries}))

    def _entry(self, path: str) -> FileEvidence:
        entry = self.get(path)
        if entry is None:
            raise KeyError(f"no evidence for {path!r}: judge it first")
        return entry


def walk(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path | FileReport]:
    """The files to judge, folders walked by the guard's one walker (the one `scan` uses:
    links never lead out of a folder, nothing past its depth), with the walker's reports
    for what it does not enter or follow."""
    from bundleguard.guard import walk_paths  # the guard's one walker, shared with scan

    yield from walk_paths(paths)


def _holds_certificates(data: bytes, name: str) -> tuple[bool, bool]:
    """(its certificates can be extracted, that needs a passphrase) for a refused file."""
    from bundleguard.certs.load import detect_format, load_certificates

    kind = detect_format(data)
    if kind == "pkcs12":
        return True, True
    if kind == "unknown":
        return False, False  # no certificate container at all: nothing to parse
    try:
        return bool(load_certificates(data, name, None)), False
    except BundleGuardError:
        return False, False


def judge_file(path: str | os.PathLike[str], key: FileKey | None = None) -> FileEvidence:
    """Read `path` once through the one reader and judge it once with the guard.

    A file the one reader does not read (a folder, a pipe, a file past its limit) is
    judged by the guard's own file scan, which streams large files and opens nothing else;
    a file that cannot be read at all gets an `error` report."""
    from bundleguard.guard.report import FileReport, Verdict
    from bundleguard.guard.scan import classify_bytes, scan_file

    text = os.path.abspath(path)
    if key is None:
        key = file_key(text)
    try:
        data = read_input_file(text)
    except (NotAFileError, FileTooLargeError) as error:
        return FileEvidence(text, key, scan_file(Path(text)), unread=("refused", str(error)))
    except InputError as error:
        report = FileReport(text, Verdict.ERROR, (str(error),))
        return FileEvidence(text, key, report, unread=("error", str(error)))
    report = classify_bytes(data, text)
    if report.may_enter_bundle:
        return FileEvidence(text, key, report, data)
    extractable = needs_passphrase = case_file = False
    if report.verdict in (Verdict.SECRET, Verdict.REFUSED):
        extractable, needs_passphrase = _holds_certificates(data, os.path.basename(text))
    if report.verdict is Verdict.REFUSED and not extractable:
        from bundleguard.case.model import is_case_document

        case_file = is_case_document(data)
    return FileEvidence(text, key, report, None, None, extractable, needs_passphrase, case_file)


class EvidenceCache:
    """Evidence kept across judgements: a file is read and judged again only when its
    `FileKey` changed. Safe to share between the window's workers."""

    def __init__(self, judge: Callable[[str, FileKey | None], FileEvidence] = judge_file) -> None:
        self._judge = judge
        self._lock = threading.Lock()
        self._entries: dict[str, FileEvidence] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def known(self, paths: Iterable[str]) -> Evidence:
        """What is already judged of `paths`, whatever the disk says now: no I/O at all
        (for the window's thread)."""
        with self._lock:
            found = {
                text: entry
                for text in map(os.path.abspath, paths)
                if (entry := self._entries.get(text)) is not None
            }
        return Evidence(MappingProxyType(found))

    def judge_one(self, path: str | os.PathLike[str]) -> FileEvidence:
        """The evidence of `path` as it is on disk now (a `stat`; a read only if changed)."""
        text = os.path.abspath(path)
        key = file_key(text)
        with self._lock:
            entry = self._entries.get(text)
        if entry is not None and key is not None and entry.key == key:
            return entry
        entry = self._judge(text, key)
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES and text not in self._entries:
                self._entries.pop(next(iter(self._entries)))  # the oldest goes
            self._entries[text] = entry
        return entry

    def judge(
        self,
        paths: Iterable[str | os.PathLike[str]],
        *,
        check: Callable[[], None] | None = None,
    ) -> Evidence:
        """The evidence of every path (files, not folders), as the disk is now. `check()`
        is called before each file (a cancel token's `check`)."""
        found: dict[str, FileEvidence] = {}
        for path in paths:
            if check is not None:
                check()
            text = os.path.abspath(path)
            if text not in found:
                found[text] = self.judge_one(text)
        return Evidence(MappingProxyType(found))


_SHARED = EvidenceCache()


def shared_evidence() -> EvidenceCache:
    """The process's one cache (the window's pages and workers share it)."""
    return _SHARED
