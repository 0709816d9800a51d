"""Shared checks for the secret-guard tests: what a user sees in a report."""

from __future__ import annotations

import re

from bundleguard.guard import FileReport, Finding, Verdict, classify_bytes


def scan(data: bytes, name: str = "upload.bin", **kwargs) -> FileReport:
    """classify_bytes, plus the promises every report keeps whatever the input."""
    report = classify_bytes(data, name, **kwargs)
    assert isinstance(report, FileReport)
    assert report.verdict in set(Verdict)
    assert report.to_json()["verdict"] == report.verdict.value
    if report.verdict is not Verdict.CERTIFICATE and report.verdict is not Verdict.IMAGE:
        assert report.reasons, f"a {report.verdict} verdict must explain itself"
    return report


def findings_of(report: FileReport, kind: str) -> list[Finding]:
    return [f for f in report.findings if f.kind == kind]


def assert_secret(
    report: FileReport,
    kind: str,
    *,
    offset: int | set[int] | None = None,
    member: str | None = None,
) -> Finding:
    """The report is `secret` because of an undamaged `kind` finding at `offset` in `member`."""
    assert report.verdict is Verdict.SECRET, _show(report)
    assert not report.may_enter_bundle
    offsets = {offset} if isinstance(offset, int) else offset
    candidates = [
        f
        for f in report.findings
        if f.kind == kind
        and not f.damaged
        and (offsets is None or f.offset in offsets)
        and f.member == member
    ]
    assert candidates, f"no {kind} at {offsets} in {member!r}: {_show(report)}"
    finding = candidates[0]
    assert " " in finding.label, f"label {finding.label!r} should be words a user reads"
    return finding


def assert_clean(report: FileReport, verdict: Verdict) -> None:
    """No key material reported at all, and the expected verdict."""
    assert report.findings == (), _show(report)
    assert report.verdict is verdict, _show(report)


def assert_reason_mentions(report: FileReport, pattern: str) -> None:
    text = " ".join(report.reasons)
    assert re.search(pattern, text, re.IGNORECASE), f"{pattern!r} not in reasons: {_show(report)}"


def assert_no_key_bytes_in_messages(report: FileReport, key: bytes) -> None:
    """Reasons, labels and details never quote the key's body (it would end up in logs)."""
    body = re.sub(rb"-----[^-]+-----|\s", b"", key).decode("latin-1")
    chunks = {body[i : i + 16] for i in range(0, max(len(body) - 16, 1), 16)}
    words = " ".join(report.reasons) + " ".join(f.label + f.detail for f in report.findings)
    leaked = [chunk for chunk in chunks if len(chunk) == 16 and chunk in words]
    assert not leaked, f"key bytes in messages: {leaked[:2]}"


def _show(report: FileReport) -> str:
    found = ", ".join(
        f"{f.kind}@{f.offset}{'!' + f.member if f.member else ''}{' damaged' if f.damaged else ''}"
        for f in report.findings
    )
    return f"{report.verdict.value} [{found}] {list(report.reasons)}"
