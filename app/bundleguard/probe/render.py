"""Render a `ProbeReport`: text readable at a glance, or the same report as JSON data."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from bundleguard.probe.report import (
    ApplianceReport,
    CertificateSummary,
    Comparison,
    NameCheck,
    ProbeReport,
)

_INDENT = "  "


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def _date(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%d")


def render_text(report: ProbeReport) -> str:
    """The report as lines a user reads top to bottom; the verdict comes last."""
    count = len(report.appliances)
    lines = [
        f"Site {report.site}: {count} appliance{'s' if count != 1 else ''} checked in "
        f"{report.seconds:.1f} s (time limit {report.timeout:g} s per appliance)",
    ]
    if report.expected is not None:
        lines.append(
            f"Expected certificate ({report.expected_source}): {report.expected.subject}, "
            f"SHA-256 {report.expected.fingerprint_sha256}"
        )
    for appliance in report.appliances:
        lines.append("")
        lines.extend(_appliance_lines(appliance, report.site))
    lines.append("")
    lines.extend(_verdict_lines(report))
    return "\n".join(lines) + "\n"


def _appliance_lines(appliance: ApplianceReport, site: str) -> list[str]:
    target = appliance.target
    status = "OK" if appliance.ok else "PROBLEMS"
    lines = [f"{target.name} ({target.role.value}, {target.endpoint}): {status}"]
    width = max(len(check.label) for check in appliance.checks)
    shown: dict[tuple[str, ...], str] = {}
    for check in appliance.checks:
        lines.extend(_check_lines(check, width, shown))
    if appliance.same_as_reference is not None:
        lines.append(_comparison_line(appliance.same_as_reference, site, "same certificate as"))
    if appliance.matches_expected is not None:
        lines.append(_comparison_line(appliance.matches_expected, site, "serves"))
    lines.extend(f"{_INDENT}PROBLEM: {problem}" for problem in appliance.problems)
    lines.extend(f"{_INDENT}note: {note}" for note in appliance.notes)
    return lines


def _check_lines(check: NameCheck, width: int, shown: dict[tuple[str, ...], str]) -> list[str]:
    head = f"{_INDENT}{check.label:<{width}}  "
    handshake = check.handshake
    if not handshake.ok:
        return [f"{head}no certificate: {handshake.message}"]
    covers = "" if check.covers_name is None else f"; covers the name: {_yes_no(check.covers_name)}"
    fingerprints = check.chain_fingerprints
    if fingerprints in shown:
        return [f"{head}{handshake.tls_version}, same chain as for {shown[fingerprints]}{covers}"]
    shown[fingerprints] = check.label
    leaf = check.leaf
    assert leaf is not None
    pad = " " * len(head)
    order = "in order" if check.chain_in_order else "NOT in order"
    complete = "complete" if check.chain_complete else "INCOMPLETE"
    return [
        f'{head}{handshake.tls_version}, "{leaf.subject}" issued by "{leaf.issuer}", '
        f"valid {_date(leaf.not_before)} to {_date(leaf.not_after)}",
        f"{pad}SHA-256 {leaf.fingerprint_sha256}",
        f"{pad}names: {', '.join(leaf.names) or '(none)'}",
        f"{pad}chain: {len(check.chain)} certificate(s) sent, {complete}, {order}{covers}",
    ]


def _comparison_line(comparison: Comparison, site: str, wording: str) -> str:
    answer = "yes" if comparison.same else "no"
    line = f"{_INDENT}{wording} {comparison.reference} for {site}: {answer}"
    if comparison.differences:
        line += " (" + " ".join(comparison.differences) + ")"
    return line


def _verdict_lines(report: ProbeReport) -> list[str]:
    lines = [f"PROBLEM: {problem}" for problem in report.problems]
    if report.consistent is not None:
        lines.append(
            f"All appliances serve the same certificate for {report.site}: "
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
            f"Result: problems found on {failing} of {len(report.appliances)} appliance(s)"
            + (" and across appliances" if report.problems else "")
            + "; see PROBLEM lines above."
        )
    if report.needs_software_update:
        lines.append(
            "Software update needed: yes (a private CA or self-signed certificate) - "
            "send support the certificate chain, never the private key."
        )
    return lines


def report_to_json(report: ProbeReport) -> dict[str, Any]:
    """The report as JSON-ready data: the same facts as the text, field by field."""
    return {
        "site": report.site,
        "ok": report.ok,
        "consistent": report.consistent,
        "cancelled": report.cancelled,
        "needs_software_update": report.needs_software_update,
        "timeout": report.timeout,
        "seconds": round(report.seconds, 3),
        "expected": _certificate(report.expected) if report.expected else None,
        "expected_source": report.expected_source or None,
        "problems": list(report.problems),
        "appliances": [_appliance(appliance) for appliance in report.appliances],
    }


def _appliance(appliance: ApplianceReport) -> dict[str, Any]:
    target = appliance.target
    return {
        "name": target.name,
        "role": target.role.value,
        "address": target.address,
        "port": target.port,
        "ok": appliance.ok,
        "seconds": round(appliance.seconds, 3),
        "checks": [_check(check) for check in appliance.checks],
        "same_as_reference": _comparison(appliance.same_as_reference),
        "matches_expected": _comparison(appliance.matches_expected),
        "problems": list(appliance.problems),
        "notes": list(appliance.notes),
    }


def _check(check: NameCheck) -> dict[str, Any]:
    handshake = check.handshake
    return {
        "sni": check.sni,
        "endpoint": handshake.endpoint,
        "ok": check.ok,
        "failure": _value(handshake.failure),
        "message": handshake.message or None,
        "tls_version": handshake.tls_version,
        "seconds": round(handshake.seconds, 3),
        "chain": [_certificate(cert) for cert in check.chain],
        "covers_name": check.covers_name,
        "chain_complete": check.chain_complete,
        "chain_in_order": check.chain_in_order,
        "publicly_trusted": check.publicly_trusted,
        "trusted_by_system": check.trusted_by_system,
        "needs_software_update": check.needs_software_update,
        "trust_summary": check.trust_summary or None,
        "problems": list(check.problems),
        "notes": list(check.notes),
    }


def _certificate(cert: CertificateSummary) -> dict[str, Any]:
    return {
        "sha256": cert.fingerprint_sha256,
        "subject": cert.subject,
        "issuer": cert.issuer,
        "names": list(cert.names),
        "not_before": cert.not_before.isoformat(),
        "not_after": cert.not_after.isoformat(),
    }


def _comparison(comparison: Comparison | None) -> dict[str, Any] | None:
    if comparison is None:
        return None
    return {
        "reference": comparison.reference,
        "same": comparison.same,
        "differences": list(comparison.differences),
    }


def _value(member: enum.Enum | None) -> str | None:
    return None if member is None else str(member.value)
