"""One certificate at a glance: the summary `inspect` lists and `probe` compares."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cryptography import x509

from bundleguard.certs.describe import fingerprint_sha256, issuer_text, subject_text
from bundleguard.certs.names import certificate_names

ROLES = ("leaf", "intermediate", "root", "other")


@dataclass(frozen=True)
class CertificateSummary:
    """What a user compares between two certificates at a glance.

    `role` is the place in a chain (`ROLES`) when one was decided, else "".
    Every text field is untrusted (it comes from the certificate): a text output passes
    it through `bundleguard.text.shown`.
    """

    fingerprint_sha256: str
    subject: str
    issuer: str
    names: tuple[str, ...]
    not_before: dt.datetime
    not_after: dt.datetime
    role: str = ""

    @classmethod
    def of(cls, cert: x509.Certificate, role: str = "") -> CertificateSummary:
        return cls(
            fingerprint_sha256=fingerprint_sha256(cert),
            subject=subject_text(cert),
            issuer=issuer_text(cert),
            names=certificate_names(cert),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            role=role,
        )

    def to_json(self) -> dict[str, Any]:
        """As `inspect --json` has always shown a certificate."""
        return {
            "role": self.role,
            "subject": self.subject,
            "issuer": self.issuer,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "fingerprint_sha256": self.fingerprint_sha256,
            "names": list(self.names),
        }
