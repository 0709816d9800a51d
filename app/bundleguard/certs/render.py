"""The text the certificate commands print: `inspect`, `extract-chain` and `rewrap`.

Every string that came from outside (file names, certificate subjects, issuers and
names, sentences that quote them) passes through `bundleguard.text.shown`, so a
certificate cannot clear the screen or forge a `Result: OK` line. JSON is not made here:
the report types' `to_json()` keep values exact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from bundleguard.certs.extract import Extraction
from bundleguard.certs.inspect import InspectReport
from bundleguard.text import counted, shown


def _bullets(lines: Sequence[str]) -> list[str]:
    return [f"  - {shown(line)}" for line in lines]


def render_inspect(report: InspectReport) -> str:
    """The report as text readable at a glance: verdict first, then the details."""
    out: list[str] = []
    verdict = "OK" if report.ok else f"{len(report.problems)} PROBLEM(S) TO FIX"
    out.append(f"Result: {verdict}")
    out.append(f"Trust:  {shown(report.trust.summary)}")
    if report.problems:
        out.append("Problems:")
        out.extend(_bullets(report.problems))
    if report.warnings:
        out.append("Warnings:")
        out.extend(_bullets(report.warnings))
    out.append("")
    out.append("Certificates (leaf first):")
    for cert in report.certificates:
        out.append(
            f"  {cert.role:<12} {shown(cert.subject)}  (issued by {shown(cert.issuer)}; valid "
            f"{cert.not_before:%Y-%m-%d} to {cert.not_after:%Y-%m-%d})"
        )
        if cert.role == "leaf" and cert.names:
            out.append(f"  {'':<12} names: {', '.join(shown(n) for n in cert.names)}")
        out.append(f"  {'':<12} SHA-256 {cert.fingerprint_sha256}")
    chain = report.chain
    if chain.complete:
        state = "complete, root included" if chain.root_present else "complete, root not included"
    else:
        state = f"INCOMPLETE, missing the issuer {shown(chain.missing_issuer or '')}"
    out.append(f"Chain:  {state}")
    if report.coverage is not None:
        for name in report.coverage.covered:
            out.append(f"  covered      {shown(name)}")
        for name in report.coverage.uncovered:
            out.append(f"  NOT covered  {shown(name)}")
    if report.replication is not None:
        out.extend(f"  {shown(note)}" for note in report.replication.notes)
    for file in report.files:
        if file.pkcs12 is None:
            continue
        p12 = file.pkcs12
        key = "no private key"
        if p12.has_private_key:
            key = "key matches" if p12.key_matches_certificate else "KEY DOES NOT MATCH"
        protection = (
            f"passphrase-protected, {shown(p12.key_encryption)}"
            if p12.passphrase_protected
            else "NOT PASSPHRASE-PROTECTED"
        )
        out.append(
            f"PKCS#12 {shown(file.name)}: {key}; {counted(len(p12.chain), 'chain certificate')}; "
            f"{protection}"
        )
    return "\n".join(out)


def render_details(report: InspectReport, now: dt.datetime | None = None) -> str:
    """Every field of each certificate (`inspect --details`): the lines the window's
    "Certificate details" view shows, escaped for a terminal."""
    from bundleguard.certs.details import certificate_details, detail_lines

    out: list[str] = []
    for summary, cert in zip(report.certificates, report.chain_certificates, strict=True):
        out.append(f"Certificate ({summary.role or 'other'}): {shown(summary.subject)}")
        lines = detail_lines(certificate_details(cert, now), shown)
        out.extend(f"  {label}: {value}" for label, value in lines)
    return "\n".join(out)


def render_written(path: Path | str) -> str:
    """One line per file `extract-chain` wrote."""
    return f"wrote {shown(str(path))}"


def render_extraction_notes(extraction: Extraction) -> str:
    """What is wrong with, or worth knowing about, the chain that was written ("" if nothing)."""
    return "\n".join(_bullets((*extraction.chain.problems, *extraction.chain.warnings)))


def render_rewrapped(path: Path | str, legacy: bool) -> str:
    """The line `rewrap` ends with."""
    scheme = "legacy 3DES (PBE-SHA1)" if legacy else "AES-256-CBC with PBKDF2-HMAC-SHA256"
    return (
        f"wrote {shown(str(path))} ({scheme}). Keep it and its passphrase safe; never send it "
        "to support."
    )
