"""Where a file the user hands over goes, decided by the guard's verdict, never by its name.

`route(reports, hostnames, step=...)` takes the guard's `FileReport` of every file dropped,
pasted or added (one classification per file, made by the one walker and scanner) and says
where each goes:
- a **case file**, known by its content (`model.is_case_document`, as the evidence records
  it: `case_documents`), whatever its name, when it was handed over itself (not found in a
  dropped folder), opens as a case (the first one: one case is open at a time); a file
  named `.bgcase` that is no case file is judged like any other file;
- an **image** is offered as a screenshot, to the appliance whose host name its file name
  carries (`appliance_named_in`), else to the appliance shown on the Screenshot step when it
  was dropped there, else to the case's only appliance, else to the appliance the user picks
  (`hostname` None); it never becomes a file of the certificate list;
- an **exported PKCS#12** (the file itself a PFX: `is_exported_pkcs12`) handed over on the
  Replicate step goes to the export check (the first one: one export is checked at a time),
  and never joins the case's files;
- everything else (certificates, refused files, files that cannot be read, a PKCS#12
  anywhere else) goes to the certificate list, where a refusal says why and offers the fix.

No Qt, no I/O: the shells ask and render.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bundleguard.case.steps import Step
from bundleguard.guard.report import FileReport, Verdict

if TYPE_CHECKING:
    from bundleguard.case.evidence import FileEvidence

__all__ = [
    "Routed",
    "ScreenshotOffer",
    "appliance_named_in",
    "case_documents",
    "is_exported_pkcs12",
    "route",
]


@dataclass(frozen=True)
class ScreenshotOffer:
    """An image handed over: the appliance it is for, or None when the user must say."""

    path: str
    hostname: str | None


@dataclass(frozen=True)
class Routed:
    """Where each file handed over goes (paths as the reports name them, in their order)."""

    certificates: tuple[str, ...] = ()
    screenshots: tuple[ScreenshotOffer, ...] = ()
    exports: tuple[str, ...] = ()
    cases: tuple[str, ...] = ()  # case files: the first opens, the others are not added


def is_exported_pkcs12(report: FileReport) -> bool:
    """The file itself is a PKCS#12 (as an appliance exports it), not a file that holds one
    inside an archive or beside other things."""
    return (
        report.verdict is Verdict.SECRET
        and bool(report.findings)
        and all(f.kind == "pkcs12" and f.member is None for f in report.findings)
        and report.findings[0].offset == 0
    )


def _named(text: str, name: str) -> bool:
    """`name` stands in `text` as a whole (not inside a longer host name or word)."""
    pattern = rf"(?<![a-z0-9]){re.escape(name)}(?![a-z0-9])"
    return re.search(pattern, text) is not None


def appliance_named_in(file_name: str, hostnames: Sequence[str]) -> str | None:
    """The appliance whose host name the file name carries ("status-primary.example.com.png"),
    else the one whose first label it carries alone ("primary-status.png") when no other
    appliance shares that label; None when it names none of them, or several alike."""
    text = os.path.basename(file_name).lower()
    hosts = [h for h in dict.fromkeys(hostnames) if h.strip()]
    full = [h for h in hosts if _named(text, h.strip().lower())]
    if full:
        longest = max(len(h.strip()) for h in full)
        best = [h for h in full if len(h.strip()) == longest]
        return best[0] if len(best) == 1 else None
    labels: dict[str, list[str]] = {}
    for host in hosts:
        labels.setdefault(host.strip().lower().split(".")[0], []).append(host)
    named = [owners for label, owners in labels.items() if label and _named(text, label)]
    if len(named) == 1 and len(named[0]) == 1:
        return named[0][0]
    return None


def case_documents(
    evidence: Mapping[str, FileEvidence], handed_over: Collection[str]
) -> frozenset[str]:
    """The files handed over themselves (`handed_over`: paths as given, not the files found
    in a dropped folder) whose content the evidence found to be a case file."""
    given = {os.path.abspath(p) for p in handed_over}
    return frozenset(
        path
        for path, entry in evidence.items()
        if entry.case_file and os.path.abspath(path) in given
    )


def route(
    reports: Iterable[FileReport],
    hostnames: Sequence[str],
    *,
    step: Step,
    shown: str | None = None,
    cases: Collection[str] = (),
) -> Routed:
    """Where each reported file goes when handed over while `step` is shown. A case file
    (one of `cases`: `case_documents`) opens as a case. An image is for the appliance its
    file name carries; else, on the Screenshot step, for the appliance `shown` there; else
    for the case's only appliance; else the user says."""
    certificates: list[str] = []
    screenshots: list[ScreenshotOffer] = []
    exports: list[str] = []
    opened: list[str] = []
    hosts = [h for h in hostnames if h.strip()]
    case_paths = {os.path.abspath(p) for p in cases}
    for report in reports:
        if case_paths and os.path.abspath(report.path) in case_paths:
            opened.append(report.path)
        elif report.verdict is Verdict.IMAGE:
            hostname = appliance_named_in(report.path, hosts)
            if hostname is None and step is Step.SCREENSHOT and shown in hosts:
                hostname = shown
            if hostname is None and len(set(hosts)) == 1:
                hostname = hosts[0]
            screenshots.append(ScreenshotOffer(report.path, hostname))
        elif step is Step.REPLICATE and not exports and is_exported_pkcs12(report):
            exports.append(report.path)
        else:
            certificates.append(report.path)
    return Routed(tuple(certificates), tuple(screenshots), tuple(exports), tuple(opened))
