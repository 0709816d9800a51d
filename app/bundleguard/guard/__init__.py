"""The secret guard: find private key material by content, and decide what may be sent.

Public API:
- `find_private_keys(data, name="", limits=None) -> tuple[Finding, ...]`
- `classify_bytes(data, name, limits=None) -> FileReport`
- `scan_file(path, limits=None) -> FileReport` (streams large files)
- `scan_paths(paths, limits=None) -> Iterator[FileReport]` (walks folders)
- `walk_paths(paths) -> Iterator[Path | FileReport]` (the one folder walker `scan_paths`
  and the case's evidence use: the files to judge, and reports for what it refuses)
- `ScanLimits`, `Verdict`, `Finding`, `FileReport`
"""

from bundleguard.guard.containers import ScanLimits
from bundleguard.guard.report import FileReport, Finding, Verdict
from bundleguard.guard.scan import (
    classify_bytes,
    find_private_keys,
    scan_file,
    scan_paths,
    walk_paths,
)

__all__ = [
    "FileReport",
    "Finding",
    "ScanLimits",
    "Verdict",
    "classify_bytes",
    "find_private_keys",
    "scan_file",
    "scan_paths",
    "walk_paths",
]
