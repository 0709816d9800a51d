"""Scan bytes, files and folders for private keys, and give each file its verdict.

Files up to `WHOLE_FILE_LIMIT` are read at once (every certificate and screenshot is far
smaller); larger ones stream through a window of `WINDOW` bytes that overlaps the next by
`OVERLAP`, so a key that straddles two reads is still seen whole and memory stays flat.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import stat
import sys
import threading
import zipfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import BinaryIO

from bundleguard.guard import containers, prefilter, sniff
from bundleguard.guard.containers import ArchiveScanner, Budget, LimitReached, ScanLimits
from bundleguard.guard.der import KeyMatch
from bundleguard.guard.report import FileReport, Finding, Verdict
from bundleguard.guard.verdict import decide

WHOLE_FILE_LIMIT = 32 << 20
WINDOW = 8 << 20
OVERLAP = 1 << 20


def _to_finding(match: KeyMatch, base: int, member: str | None) -> Finding:
    return Finding(
        kind=match.kind,
        label=match.label,
        offset=base + match.start,
        encoding=match.encoding,
        member=member,
        damaged=match.damaged,
        detail=match.detail,
    )


def _scan_windows(
    stream: BinaryIO, member: str | None, start: int = 0, stop: int | None = None
) -> list[Finding]:
    """Scan a stream of any length with a bounded window; offsets are exact.

    With `stop`, only keys that start in [start, stop) are reported (the stream is
    positioned at `start`): the part of a large file that one worker scans. It reads on
    `OVERLAP` bytes past `stop`, so a key that begins before `stop` is seen whole."""
    findings: list[Finding] = []
    seen: set[tuple[str, int]] = set()
    base = start
    buffer = b""
    limit = None if stop is None else stop + OVERLAP  # the last byte this part reads
    while True:
        want = WINDOW - len(buffer)
        if limit is not None:
            want = max(0, min(want, limit - base - len(buffer)))
        chunk = stream.read(want) if want else b""
        at_end = len(chunk) < WINDOW - len(buffer)
        buffer += chunk
        owned = len(buffer) if at_end else len(buffer) - OVERLAP
        if stop is not None:
            owned = min(owned, stop - base)
        for match in sniff.find_in_buffer(buffer):
            key = (match.kind, base + match.start)
            if match.start < owned and key not in seen:
                # A damaged key cut by the window's end is seen whole in the next window.
                if match.damaged and not at_end and match.end >= len(buffer) - 1:
                    continue
                seen.add(key)
                findings.append(_to_finding(match, base, member))
        if at_end or (stop is not None and base + owned >= stop):
            return findings
        base += len(buffer) - OVERLAP
        buffer = buffer[-OVERLAP:]


class _FileScan:
    """One file's scan: key findings, archive problems, and the bytes when small."""

    def __init__(self, limits: ScanLimits) -> None:
        self.budget = Budget(limits)
        self.archives = ArchiveScanner(self._scan_member_bytes, self._scan_member_stream)

    def _scan_member_bytes(
        self, data: bytes, member: str, depth: int, budget: Budget
    ) -> list[Finding]:
        hits, archives = sniff.scan_buffer(data)
        findings = [_to_finding(m, 0, member) for m in hits]
        try:
            findings += self._hidden_inside(data, archives, f"{member}!", depth, budget)
            kind = containers.find_archive(data)
            if kind is not None:
                handle = io.BytesIO(data)
                findings = _outside(findings, containers.member_spans(handle, kind))
                findings += self.archives.scan_archive(handle, kind, member, depth, budget)
        except LimitReached as limit:
            limit.partial = findings + limit.partial
            raise
        return findings

    def _scan_member_stream(self, stream: BinaryIO, member: str, budget: Budget) -> list[Finding]:
        return _scan_windows(stream, member)  # the budget is charged by the stream itself

    def _hidden_inside(
        self,
        data: bytes,
        archives: list[tuple[int, bytes]],
        prefix: str,
        depth: int,
        budget: Budget,
    ) -> list[Finding]:
        """Keys in compressed PNG text chunks and in base64-encoded archives."""
        findings = []
        for name, text in containers.png_compressed_text(data):
            findings += [_to_finding(m, 0, prefix + name) for m in sniff.find_in_buffer(text)]
        for offset, decoded in archives:
            kind = containers.find_archive(decoded)
            if kind is None:
                continue
            name = f"{prefix}(base64 {kind} at byte {offset})"
            try:
                findings += self.archives.scan_archive(
                    io.BytesIO(decoded), kind, name, depth, budget
                )
            except LimitReached as limit:
                limit.partial = findings + limit.partial
                raise
        return findings

    def scan_bytes(self, data: bytes) -> tuple[list[Finding], str | None]:
        hits, archives = sniff.scan_buffer(data)
        findings = [_to_finding(m, 0, None) for m in hits]
        try:
            findings += self._hidden_inside(data, archives, "", 0, self.budget)
        except LimitReached as limit:
            self.budget.problems.append(str(limit))
            findings += limit.partial
        kind = containers.find_archive(data)
        if kind is not None:
            findings = self._with_members(findings, io.BytesIO(data), kind)
        return findings, kind

    def scan_large(self, handle: BinaryIO) -> tuple[list[Finding], str | None]:
        head = handle.read(512)
        handle.seek(0)
        kind = containers.archive_kind(head)
        if kind is None:
            try:
                kind = "zip" if zipfile.is_zipfile(handle) else None
            finally:
                handle.seek(0)
        if kind in ("tar", "gzip", "bzip2", "xz"):
            # Their members are all there is; scanning the packed bytes adds nothing.
            return self._with_members([], handle, kind), kind
        findings = _scan_windows(handle, None)
        if kind is not None:
            findings = self._with_members(findings, handle, kind)
        return findings, kind

    def _with_members(self, raw: list[Finding], handle: BinaryIO, kind: str) -> list[Finding]:
        """The archive's member findings, plus raw-byte findings outside its members.

        If the member scan stops at a limit, the raw findings are all kept: a key seen in
        a stored member's bytes must not vanish because the scan never reached it.
        """
        outside = _outside(raw, containers.member_spans(handle, kind))
        try:
            return outside + self.archives.scan_archive(handle, kind, None, 0, self.budget)
        except LimitReached as limit:
            self.budget.problems.append(str(limit))
            return raw + limit.partial


def _outside(findings: list[Finding], spans: list[tuple[int, int]]) -> list[Finding]:
    return [f for f in findings if not any(a <= f.offset < b for a, b in spans)]


def _report(path: str, scan: _FileScan, findings: list[Finding], kind, data, size) -> FileReport:
    return decide(
        path, tuple(findings), kind, tuple(dict.fromkeys(scan.budget.problems)), data, size
    )


def find_private_keys(
    data: bytes, name: str = "", limits: ScanLimits | None = None
) -> tuple[Finding, ...]:
    """Every piece of private key material in `data`, archives and encodings included.

    The search alone: no verdict (no certificate parsing, no image decoding)."""
    findings, _ = _FileScan(limits or ScanLimits()).scan_bytes(bytes(data))
    return tuple(findings)


def classify_bytes(data: bytes, name: str, limits: ScanLimits | None = None) -> FileReport:
    """The verdict on in-memory bytes (a file's content, or a member read back from a zip)."""
    scan = _FileScan(limits or ScanLimits())
    findings, kind = scan.scan_bytes(bytes(data))
    return _report(name, scan, findings, kind, data, len(data))


def scan_file(path: Path, limits: ScanLimits | None = None) -> FileReport:
    """The verdict on one file; files too large for memory are streamed."""
    try:
        return _scan_file(path, limits)
    except Exception as error:  # one odd file must not stop a scan of thousands
        return FileReport(
            str(path),
            Verdict.ERROR,
            (
                f"Bundleguard could not finish reading this file ({type(error).__name__}); "
                "it is not sent. Please report it.",
            ),
        )


def _scan_file(path: Path, limits: ScanLimits | None) -> FileReport:
    display = str(path)
    scan = _FileScan(limits or ScanLimits())
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            # Opening a pipe would wait for a writer forever; devices never end.
            what = "a folder" if stat.S_ISDIR(mode) else "a pipe, device or socket"
            return FileReport(
                display,
                Verdict.REFUSED,
                (f"this is {what}, not a file: only files go into a support bundle.",),
            )
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size <= WHOLE_FILE_LIMIT:
                data = handle.read(size + 1)  # a buffer of the file's size, not the limit's
                if len(data) > size:  # it grew since: read on, up to the limit
                    data += handle.read(WHOLE_FILE_LIMIT + 1 - len(data))
                if len(data) <= WHOLE_FILE_LIMIT:
                    findings, kind = scan.scan_bytes(data)
                    return _report(display, scan, findings, kind, data, len(data))
                handle.seek(0)
            findings, kind = scan.scan_large(handle)
            return _report(display, scan, findings, kind, None, size)
    except OSError as error:
        return error_report(display, error)


def error_report(path: str, error: OSError) -> FileReport:
    why = {
        "PermissionError": "permission denied: bundleguard may not read it",
        "FileNotFoundError": "it vanished before it could be read",
        "IsADirectoryError": "it is a folder",
    }.get(type(error).__name__, error.strerror or type(error).__name__)
    return FileReport(path, Verdict.ERROR, (f"cannot read the file: {why}",))


# Below this much work, starting worker processes costs more than it saves.
POOL_MIN_FILES = 8
POOL_MIN_BYTES = 16 << 20
# A file larger than WHOLE_FILE_LIMIT is scanned in parts of about this size, each by
# whichever worker is free (parts overlap by OVERLAP): a 1 GB log keeps every core busy.
PART = 64 << 20
# Small files go to the workers a few at a time: one message per batch, not per file.
BATCH_FILES = 12
# Files smaller than this are sent first (they never use the prefilter).
SMALL = 64 << 10


def scan_paths(
    paths: Iterable[Path], limits: ScanLimits | None = None, workers: int | None = None
) -> Iterator[FileReport]:
    """Scan files and walk folders, in order; symbolic links never lead out of a folder.

    Large scans use a pool of worker processes, one per core (`workers` overrides the
    choice; 1 scans in this process); a large file is split into parts across them. The
    hot loops are C, so processes, not threads.
    """
    entries = list(walk_paths(paths))
    todo = [entry for entry in entries if isinstance(entry, Path)]
    sizes = {path: _size_of(path) for path in todo}
    count = _worker_count(todo, sizes) if workers is None else workers
    # A large scan is worth the prefilter's compile (about 0.15 s), done once, here.
    large = sum(sizes.values()) >= prefilter.ENABLE_BYTES
    handover = _handover() if large and count > 1 else None
    pool = _start_pool(count, handover) if count > 1 else None
    if pool is None:
        if large:
            prefilter.enable()
        for entry in entries:
            yield entry if isinstance(entry, FileReport) else scan_file(entry, limits)
        return
    with pool:
        try:
            jobs = _submit(pool, entries, sizes, limits, count)
        except BrokenProcessPool:  # the pool broke at once: scan everything here
            jobs = [None] * len(entries)
        if handover is not None:
            # compiled while the workers scan the small files, which do without it
            handover.give(prefilter.enable())
        for entry, job in zip(entries, jobs, strict=True):
            if isinstance(entry, FileReport):
                yield entry
                continue
            try:
                yield job() if job is not None else scan_file(entry, limits)
            except BrokenProcessPool:  # a worker could not start or died: go on here
                yield scan_file(entry, limits)


def _handover() -> prefilter.Handover | None:
    try:
        return prefilter.Handover(_pool_context())
    except (OSError, ValueError, NotImplementedError):
        return None  # no shared memory here: the workers go without the prefilter


def _size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _submit(pool, entries, sizes, limits, workers: int) -> list:
    """Send every file to the pool (small ones in batches, large ones in parts); one
    callable per entry returns its report, in order."""
    jobs: list = []
    batch: list[Path] = []
    batch_jobs: list[int] = []

    def flush() -> None:
        if not batch:
            return
        future = pool.submit(_scan_batch, list(batch), limits)
        for index, position in enumerate(batch_jobs):
            jobs[position] = _batch_result(future, index)
        batch.clear()
        batch_jobs.clear()

    jobs = [None] * len(entries)
    # Small files first (the prefilter, which they do without, is handed over meanwhile);
    # then the rest, in order.
    small = [i for i, e in enumerate(entries) if isinstance(e, Path) and sizes.get(e, 0) < SMALL]
    rest = [i for i, e in enumerate(entries) if isinstance(e, Path) and sizes.get(e, 0) >= SMALL]
    for position in small + rest:
        entry = entries[position]
        parts = _parts(entry, sizes.get(entry, 0), workers)
        if parts is None:
            batch.append(entry)
            batch_jobs.append(position)
            if len(batch) >= BATCH_FILES or (position == small[-1] if small else False):
                flush()
            continue
        futures = [pool.submit(_scan_part, entry, a, b) for a, b in parts]
        jobs[position] = _merged(entry, futures, sizes[entry], limits)
    flush()
    return jobs


def _batch_result(future, index: int):
    return lambda: future.result()[index]


def _merged(path: Path, futures, size: int, limits: ScanLimits | None):
    """The report of a file scanned in parts: their findings, in order, then the verdict."""

    def result() -> FileReport:
        try:
            findings = [finding for future in futures for finding in future.result()]
        except BrokenProcessPool:
            raise
        except Exception:  # a part failed (the file changed, say): scan it whole here
            return scan_file(path, limits)
        findings.sort(key=lambda f: f.offset)
        return decide(str(path), tuple(findings), None, (), None, size)

    return result


def _parts(path: Path, size: int, workers: int) -> list[tuple[int, int]] | None:
    """[start, stop) of each part of a large plain file; None to scan it whole (a small
    file, an archive, which is opened member by member)."""
    if size <= WHOLE_FILE_LIMIT:
        return None
    try:
        with open(path, "rb") as handle:
            if containers.archive_kind(handle.read(512)) is not None:
                return None
            handle.seek(0)
            if zipfile.is_zipfile(handle):
                return None
    except OSError:
        return None
    part = max(4 * WINDOW, min(PART, -(-size // workers)))
    return [(start, min(start + part, size)) for start in range(0, size, part)]


def _scan_batch(paths: list[Path], limits: ScanLimits | None) -> list[FileReport]:
    return [scan_file(path, limits) for path in paths]


def _scan_part(path: Path, start: int, stop: int) -> list[Finding]:
    """The keys that start in [start, stop) of a plain (not archive) file."""
    with open(path, "rb") as handle:
        handle.seek(start)
        return _scan_windows(handle, None, start, stop)


def _worker_count(todo: list[Path], sizes: dict[Path, int] | None = None) -> int:
    if sizes is None:
        sizes = {path: _size_of(path) for path in todo}
    total = sum(sizes.values())
    large = any(size > WHOLE_FILE_LIMIT for size in sizes.values())
    if total < POOL_MIN_BYTES or (len(todo) < POOL_MIN_FILES and not large):
        return 1
    return min(os.cpu_count() or 1, 8)


def _pool_context() -> multiprocessing.context.BaseContext:
    """fork where it is safe (POSIX, and this process runs no other thread, as in the
    CLI): workers start at once, with everything already imported. Otherwise spawn, the
    one start method every platform has, and safe beside the GUI's threads."""
    if sys.platform != "win32" and sys.platform != "darwin" and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _start_pool(count: int, handover=None) -> ProcessPoolExecutor | None:
    try:
        return ProcessPoolExecutor(
            count,
            mp_context=_pool_context(),
            initializer=prefilter.attach,
            initargs=(handover,),
        )
    except (OSError, ValueError, NotImplementedError):
        return None  # no processes here (a sandbox): scan in this one


MAX_FOLDER_DEPTH = 64


def walk_paths(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path | FileReport]:
    """The guard's one walker: each file of `paths` in order, folders walked (symbolic
    links never lead out of a folder, nothing past `MAX_FOLDER_DEPTH` levels), with a
    report for what it does not enter or follow. `scan_paths` scans what it yields; the
    case's evidence judges the same files."""
    for path in paths:
        path = Path(path)
        if path.is_dir():
            yield from _walk(path)
        else:
            yield path


def _walk(root: Path) -> Iterator[Path | FileReport]:
    """The files under `root` to scan, and reports for what cannot or must not be.

    Walks with a stack, not recursion: a folder nested thousands deep is refused past
    `MAX_FOLDER_DEPTH` levels with a reason, and the rest of the scan goes on."""
    real_root = root.resolve()
    visited: set[Path] = set()
    stack: list[tuple[Path, int]] = [(root, 0)]
    while stack:
        here, depth = stack.pop()
        try:
            resolved = here.resolve()
            with os.scandir(here) as scanned:
                entries = sorted(scanned, key=lambda entry: entry.name)
        except (OSError, RuntimeError) as error:
            if isinstance(error, OSError):
                yield error_report(str(error.filename or here), error)
            else:
                yield FileReport(str(here), Verdict.ERROR, ("cannot read the folder",))
            continue
        if resolved in visited:
            continue
        visited.add(resolved)
        folders: list[Path] = []
        for entry in entries:
            path = here / entry.name
            try:
                is_link = entry.is_symlink()
                is_dir = not is_link and entry.is_dir(follow_symlinks=False)
            except OSError as error:
                yield error_report(str(path), error)
                continue
            if is_dir:
                folders.append(path)
                continue
            if is_link:
                try:
                    target = path.resolve(strict=True)
                except (OSError, RuntimeError) as error:
                    yield FileReport(
                        str(path),
                        Verdict.ERROR,
                        (f"cannot read the file: a broken or looping link ({error})",),
                    )
                    continue
                if not target.is_relative_to(real_root):
                    yield FileReport(
                        str(path),
                        Verdict.REFUSED,
                        ("a link that points outside the folder being scanned; not followed",),
                    )
                    continue
                if target.is_dir():
                    continue  # its content is scanned where it really is, inside the tree
            yield path
        if folders and depth + 1 > MAX_FOLDER_DEPTH:
            for folder in folders:
                yield FileReport(
                    str(folder),
                    Verdict.REFUSED,
                    (
                        f"this folder lies more than {MAX_FOLDER_DEPTH} levels deep in the "
                        "folder being scanned; it is not looked into (move what you want to "
                        "send nearer the top).",
                    ),
                )
            continue
        stack.extend((folder, depth + 1) for folder in reversed(folders))
