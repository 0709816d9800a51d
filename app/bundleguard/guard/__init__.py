"""The secret guard: find private key material by content, and decide what may be sent.

Public API:
- `find_private_keys(data, name="", limits=None) -> tuple[Finding, ...]`
- `classify_bytes(data, name, limits=None) -> FileReport`
- `scan_file(path, limits=None) -> FileReport` (streams large files)
- `scan_paths(paths, limits=None) -> Iterator[FileReport]` (walks folders)
- `ScanLimits`, `Verdict`, `Finding`, `FileReport`
"""

from bundleguard.guard.containers import ScanLimits
from bundleguard.guard.report import FileReport, Finding, Verdict
from bundleguard.guard.scan import classify_bytes, find_private_keys, scan_file, scan_paths

__all__ = [
    "FileReport",
    "Finding",
    "ScanLimits",
    "Verdict",
    "classify_bytes",
    "find_private_keys",
    "scan_file",
    "scan_paths",
]
