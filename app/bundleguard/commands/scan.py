"""`bundleguard scan`: the secret guard over files and folders, as text or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from bundleguard.exitcodes import ExitCode
from bundleguard.guard import FileReport, Verdict, scan_paths
from bundleguard.text import shown


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "scan",
        allow_abbrev=False,
        help="find private keys in files and folders (exit 1 when one is found)",
        description=(
            "Look into every file (folders are walked) for private key material, by content, "
            "and say whether it may go into a support bundle. Exit 0: nothing secret; "
            "1: at least one file holds private key material; 2: usage or I/O error."
        ),
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run)


def render_line(report: FileReport) -> str:
    """One line a person reads at a glance: verdict, path, the first reason.

    The path and the reason (which may quote an archive member's name) are untrusted:
    their control characters are shown, never obeyed.
    """
    reason = report.reasons[0] if report.reasons else ""
    more = len(report.reasons) - 1
    suffix = f" (+{more} more)" if more > 0 else ""
    return f"{report.verdict.value:<11} {shown(str(report.path))}: {shown(reason)}{suffix}"


def _exists(path: Path) -> bool:
    try:
        return path.exists() or path.is_symlink()
    except OSError:  # a name too long, say: the scan reports it as unreadable
        return True


def run(args: argparse.Namespace) -> int:
    missing = [p for p in args.paths if not _exists(p)]
    if missing:
        for path in missing:
            print(f"bundleguard: no such file or folder: {shown(str(path))}", file=sys.stderr)
        return ExitCode.USAGE
    reports: list[FileReport] = []
    for report in scan_paths(args.paths):
        reports.append(report)
        if not args.json:
            print(render_line(report), flush=True)
    counts = Counter(r.verdict.value for r in reports)
    if args.json:
        summary = {"files": len(reports), **{v.value: counts.get(v.value, 0) for v in Verdict}}
        print(json.dumps({"files": [r.to_json() for r in reports], "summary": summary}, indent=2))
    else:
        parts = ", ".join(f"{counts[v.value]} {v.value}" for v in Verdict if counts[v.value])
        print(f"{len(reports)} file{'s' if len(reports) != 1 else ''}: {parts or 'nothing'}")
    if counts.get(Verdict.SECRET.value):
        return ExitCode.PROBLEM
    if counts.get(Verdict.ERROR.value):
        return ExitCode.USAGE
    return ExitCode.OK
