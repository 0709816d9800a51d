"""Render a `ProbeReport` as text readable at a glance (`ProbeReport.to_json()` is the JSON).

Everything a server sent (subject, issuer, names, error text) and every name the user gave
is passed through `bundleguard.text.shown`: a newline or an escape sequence in a
certificate field is printed visibly, so it can neither forge a line nor drive the terminal.
"""

from __future__ import annotations

import datetime as dt

from bundleguard.probe.report import (
    ApplianceReport,
    Comparison,
    NameCheck,
    ProbeReport,
)
from bundleguard.text import counted, shown

_INDENT = "  "


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def _date(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%d")


def render_text(report: ProbeReport) -> str:
    """The report as lines a user reads top to bottom; the verdict comes last."""
    count = len(report.appliances)
    lines = [
        f"Site {shown(report.site)}: {counted(count, 'appliance')} checked in "
        f"{report.seconds:.1f} s (time limit {report.timeout:g} s per appliance)",
    ]
    if report.expected is not None:
        lines.append(
            f"Expected certificate ({shown(report.expected_source)}): "
            f"{shown(report.expected.subject)}, "
            f"SHA-256 {report.expected.fingerprint_sha256}"
        )
    for appliance in report.appliances:
        lines.append("")
        lines.extend(_appliance_lines(appliance, report.site))
    lines.append("")
    lines.extend(_verdict_lines(report))
    return "\n".join(lines) + "\n"


def _appliance_lines(appliance: ApplianceReport, site: str) -> list[str]:
    """The handshakes, the comparisons, then each failed check (`FAIL: CHECK: why`, what
    the window's grid says of the same check), each problem and each note."""
    target = appliance.target
    status = "OK" if appliance.ok else "PROBLEMS"
    lines = [f"{shown(target.name)} ({target.role.value}, {shown(target.endpoint)}): {status}"]
    width = max(len(shown(check.label)) for check in appliance.checks)
    seen: dict[tuple[str, ...], str] = {}
    for check in appliance.checks:
        lines.extend(_check_lines(check, width, seen))
    if appliance.same_as_reference is not None:
        lines.append(_comparison_line(appliance.same_as_reference, site, "same certificate as"))
    if appliance.matches_expected is not None:
        lines.append(_comparison_line(appliance.matches_expected, site, "serves"))
    lines.extend(
        f"{_INDENT}FAIL: {verdict.check.value}: {shown(verdict.detail)}"
        for verdict in appliance.failures
    )
    lines.extend(f"{_INDENT}PROBLEM: {shown(problem)}" for problem in appliance.problems)
    lines.extend(f"{_INDENT}note: {shown(note)}" for note in appliance.notes)
    return lines


def _check_lines(check: NameCheck, width: int, seen: dict[tuple[str, ...], str]) -> list[str]:
    head = f"{_INDENT}{shown(check.label):<{width}}  "
    handshake = check.handshake
    if not handshake.ok:
        return [f"{head}no certificate: {shown(handshake.message)}"]
    if not check.chain:  # served, but damaged: the appliance's PROBLEM line says how
        return [f"{head}{handshake.tls_version}, a damaged certificate that cannot be judged"]
    covers = "" if check.covers_name is None else f"; covers the name: {_yes_no(check.covers_name)}"
    fingerprints = check.chain_fingerprints
    if fingerprints in seen:
        return [f"{head}{handshake.tls_version}, same chain as for {seen[fingerprints]}{covers}"]
    seen[fingerprints] = shown(check.label)
    leaf = check.leaf
    assert leaf is not None
    pad = " " * len(head)
    order = "in order" if check.chain_in_order else "NOT in order"
    complete = "complete" if check.chain_complete else "INCOMPLETE"
    return [
        f'{head}{handshake.tls_version}, "{shown(leaf.subject)}" issued by "{shown(leaf.issuer)}", '
        f"valid {_date(leaf.not_before)} to {_date(leaf.not_after)}",
        f"{pad}SHA-256 {leaf.fingerprint_sha256}",
        f"{pad}names: {', '.join(shown(name) for name in leaf.names) or '(none)'}",
        f"{pad}chain: {counted(len(check.chain), 'certificate')} sent, {complete}, {order}{covers}",
    ]


def _comparison_line(comparison: Comparison, site: str, wording: str) -> str:
    answer = "yes" if comparison.same else "no"
    line = f"{_INDENT}{wording} {shown(comparison.reference)} for {shown(site)}: {answer}"
    if comparison.differences:
        line += " (" + " ".join(shown(d) for d in comparison.differences) + ")"
    return line


def _verdict_lines(report: ProbeReport) -> list[str]:
    lines = [f"PROBLEM: {shown(problem)}" for problem in report.problems]
    if report.consistent is not None:
        lines.append(
            f"All appliances serve the same certificate for {shown(report.site)}: "
            f"{_yes_no(report.consistent)}"
        )
    if report.cancelled:
        lines.append("Result: cancelled before every check finished.")
    elif report.ok:
        lines.append(
            "Result: OK - every appliance serves a consistent, covering, complete, valid chain."
        )
    else:
        failing = sum(1 for appliance in report.appliances if not appliance.ok)
        lines.append(
            f"Result: problems found on {failing} of {counted(len(report.appliances), 'appliance')}"
            + (" and across appliances" if report.problems else "")
            + "; see the FAIL and PROBLEM lines above."
        )
    if report.needs_software_update:
        lines.append(
            "Software update needed: yes (a private CA or self-signed certificate) - "
            "send support the certificate chain, never the private key."
        )
    return lines
