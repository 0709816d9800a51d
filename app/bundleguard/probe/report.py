"""The probe's results: frozen dataclasses the CLI and the GUI render, and `--json` serialises."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from bundleguard.certs.summary import CertificateSummary
from bundleguard.probe.targets import Target
from bundleguard.probe.tls import Failure, Handshake


@dataclass(frozen=True)
class NameCheck:
    """One handshake, judged: the name sent as SNI (None: no SNI) and what was served.

    The judgement fields are None when the handshake gave no certificate.
    """

    sni: str | None
    handshake: Handshake
    chain: tuple[CertificateSummary, ...] = ()
    covers_name: bool | None = None
    chain_complete: bool | None = None
    chain_in_order: bool | None = None
    publicly_trusted: bool | None = None
    trusted_by_system: bool | None = None
    needs_software_update: bool | None = None
    trust_summary: str = ""
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.sni if self.sni is not None else "(no SNI)"

    @property
    def ok(self) -> bool:
        return self.handshake.ok and not self.problems

    @property
    def leaf(self) -> CertificateSummary | None:
        return self.chain[0] if self.chain else None

    @property
    def chain_fingerprints(self) -> tuple[str, ...]:
        return tuple(cert.fingerprint_sha256 for cert in self.chain)

    @property
    def attempted(self) -> bool:
        return self.handshake.failure not in (Failure.NOT_TRIED, Failure.CANCELLED)

    def to_json(self) -> dict[str, Any]:
        handshake = self.handshake
        return {
            "sni": self.sni,
            "endpoint": handshake.endpoint,
            "ok": self.ok,
            "failure": _value(handshake.failure),
            "message": handshake.message or None,
            "tls_version": handshake.tls_version,
            "seconds": round(handshake.seconds, 3),
            "chain": [certificate_to_json(cert) for cert in self.chain],
            "covers_name": self.covers_name,
            "chain_complete": self.chain_complete,
            "chain_in_order": self.chain_in_order,
            "publicly_trusted": self.publicly_trusted,
            "trusted_by_system": self.trusted_by_system,
            "needs_software_update": self.needs_software_update,
            "trust_summary": self.trust_summary or None,
            "problems": list(self.problems),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Comparison:
    """Does one appliance serve the same certificate as a reference? If not, what differs."""

    reference: str  # "primary.example.com" or "the expected certificate (site.p12)"
    same: bool
    differences: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "same": self.same,
            "differences": list(self.differences),
        }


class Check(enum.Enum):
    """What the probe judges on each appliance, pass or fail (or not applicable)."""

    REACHABLE = "reachable"
    SITE_NAME = "site name served"
    OWN_NAME = "own name served"
    NO_SNI = "no-SNI default"
    CHAIN = "chain complete"
    COVERS = "covers the names"
    DATES = "valid dates"
    SAME_AS_PRIMARY = "same leaf as primary"
    MATCHES_EXPORT = "matches the exported PKCS#12"


@dataclass(frozen=True)
class Verdict:
    """The probe's judgement of one check on one appliance, made once: the CLI's exit
    status and the window's grid both read it.

    `passed` is None when the check does not apply (the primary is not compared with
    itself). `detail` says why it failed; `plain` says the same without anything the
    appliance sent (names, messages): for results that must leave those out.
    """

    check: Check
    passed: bool | None
    detail: str = ""
    plain: str = ""

    @property
    def failed(self) -> bool:
        return self.passed is False

    @property
    def word(self) -> str:
        return "not applicable" if self.passed is None else ("pass" if self.passed else "fail")

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check.value, "result": self.word, "detail": self.detail or None}


@dataclass(frozen=True)
class ApplianceReport:
    """Everything checked on one appliance, with the cross-appliance comparisons for it."""

    target: Target
    checks: tuple[NameCheck, ...]
    seconds: float
    same_as_reference: Comparison | None = None
    matches_expected: Comparison | None = None
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    # One per `Check`, in its order (empty until the appliances are compared).
    verdicts: tuple[Verdict, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems and not self.failures

    @property
    def failures(self) -> tuple[Verdict, ...]:
        return tuple(verdict for verdict in self.verdicts if verdict.failed)

    def verdict(self, check: Check) -> Verdict:
        return next(verdict for verdict in self.verdicts if verdict.check is check)

    @property
    def cancelled(self) -> bool:
        return any(check.handshake.failure is Failure.CANCELLED for check in self.checks)

    @property
    def needs_software_update(self) -> bool:
        return any(check.needs_software_update for check in self.checks)

    def check_for(self, sni: str | None) -> NameCheck | None:
        return next((check for check in self.checks if check.sni == sni), None)

    def to_json(self) -> dict[str, Any]:
        target = self.target
        return {
            "name": target.name,
            "role": target.role.value,
            "address": target.address,
            "port": target.port,
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "checks": [check.to_json() for check in self.checks],
            "same_as_reference": _optional(self.same_as_reference),
            "matches_expected": _optional(self.matches_expected),
            "problems": list(self.problems),
            "notes": list(self.notes),
            "verdicts": [verdict.to_json() for verdict in self.verdicts],
        }


@dataclass(frozen=True)
class ProbeReport:
    """The whole probe: the site name, each appliance, and whether they agree."""

    site: str
    appliances: tuple[ApplianceReport, ...]
    consistent: bool | None  # all serve the identical chain for the site; None: too few answered
    expected: CertificateSummary | None = None
    expected_source: str = ""
    problems: tuple[str, ...] = ()
    timeout: float = 0.0
    seconds: float = 0.0
    primary: str = ""  # the appliance the others are compared with (the primary, by role)

    @property
    def cancelled(self) -> bool:
        return any(appliance.cancelled for appliance in self.appliances)

    @property
    def ok(self) -> bool:
        """True when nothing must be fixed (a private CA is not something to fix): no
        problem, and no check of an appliance failed."""
        return (
            not self.problems
            and not self.cancelled
            and all(appliance.ok for appliance in self.appliances)
        )

    @property
    def needs_software_update(self) -> bool:
        return any(appliance.needs_software_update for appliance in self.appliances)

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready data (what `--json` prints): the text's facts, exact."""
        return {
            "site": self.site,
            "ok": self.ok,
            "consistent": self.consistent,
            "cancelled": self.cancelled,
            "needs_software_update": self.needs_software_update,
            "timeout": self.timeout,
            "seconds": round(self.seconds, 3),
            "expected": certificate_to_json(self.expected) if self.expected else None,
            "expected_source": self.expected_source or None,
            "problems": list(self.problems),
            "appliances": [appliance.to_json() for appliance in self.appliances],
            "primary": self.primary or None,
        }


def certificate_to_json(cert: CertificateSummary) -> dict[str, Any]:
    """One certificate of a served chain, as the probe's JSON has always shown it."""
    return {
        "sha256": cert.fingerprint_sha256,
        "subject": cert.subject,
        "issuer": cert.issuer,
        "names": list(cert.names),
        "not_before": cert.not_before.isoformat(),
        "not_after": cert.not_after.isoformat(),
    }


def _optional(comparison: Comparison | None) -> dict[str, Any] | None:
    return None if comparison is None else comparison.to_json()


def _value(member: enum.Enum | None) -> str | None:
    return None if member is None else str(member.value)
