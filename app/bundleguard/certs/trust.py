"""Trust: is the chain publicly trusted, or must the vendor build it into the software?

The vendor rebuilds the software only for a self-signed certificate or one whose CA is
not trusted on every platform. Mozilla's root program (certifi) stands for "every
platform"; this machine's store is checked too and reported beside it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.x509 import verification

from bundleguard.certs.anchors import NO_ANCHORS, TrustAnchors
from bundleguard.certs.chain import build_chain
from bundleguard.certs.describe import is_root, subject_alt_names
from bundleguard.certs.names import normalize_hostname

PUBLIC = "public"
PUBLIC_BUT_INVALID = "public-but-invalid"
PRIVATE = "private"
SELF_SIGNED = "self-signed"
INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class TrustReport:
    """The answer to "does support need to rebuild the software for this certificate?"."""

    publicly_trusted: bool
    trusted_by_system: bool
    needs_software_update: bool
    summary: str
    verdict: str  # one of PUBLIC, PUBLIC_BUT_INVALID, PRIVATE, SELF_SIGNED, INCOMPLETE
    issued_by_public_ca: bool
    public_error: str | None = None
    system_error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "publicly_trusted": self.publicly_trusted,
            "trusted_by_system": self.trusted_by_system,
            "needs_software_update": self.needs_software_update,
            "summary": self.summary,
            "verdict": self.verdict,
            "issued_by_public_ca": self.issued_by_public_ca,
            "public_error": self.public_error,
            "system_error": self.system_error,
        }


def _subject_for(leaf: x509.Certificate, hostname: str | None) -> verification.Subject | None:
    if hostname:
        text = hostname.strip().strip("[]").rstrip(".")
        try:
            return x509.IPAddress(ipaddress.ip_address(text))
        except ValueError:
            return x509.DNSName(normalize_hostname(text))
    san = subject_alt_names(leaf)
    if san is None:
        return None
    for name in san.get_values_for_type(x509.DNSName):
        # The verifier wants a concrete name: stand a label in for a wildcard.
        concrete = "bundleguard-check" + name[1:] if name.startswith("*.") else name
        try:
            return x509.DNSName(concrete)
        except ValueError:
            continue
    for ip in san.get_values_for_type(x509.IPAddress):
        return x509.IPAddress(ip)
    return None


def verify_against(
    chain: Sequence[x509.Certificate],
    anchors: Sequence[x509.Certificate],
    hostname: str | None = None,
    now: dt.datetime | None = None,
) -> str | None:
    """Verify `chain` (leaf first) as a TLS server chain; None if valid, else the reason."""
    if not chain:
        return "no certificate"
    if not anchors:
        return "no trusted roots are available"
    subject = _subject_for(chain[0], hostname)
    if subject is None:
        return "the certificate has no subjectAltName to verify"
    builder = verification.PolicyBuilder().store(verification.Store(list(anchors)))
    builder = builder.time(now or dt.datetime.now(dt.UTC))
    try:
        builder.build_server_verifier(subject).verify(chain[0], list(chain[1:]))
    except verification.VerificationError as error:
        return str(error)
    except ValueError as error:
        return str(error)
    return None


def _anchored(chain: Sequence[x509.Certificate], anchors: Sequence[x509.Certificate]) -> bool:
    """Does the chain end at one of `anchors`, whatever the dates and policy rules?"""
    if not anchors:
        return False
    report = build_chain(chain, anchors=anchors)
    if report.anchor is not None:
        return True
    return bool(report.ordered) and report.root_present and report.ordered[-1] in anchors


def check_trust(
    chain: Sequence[x509.Certificate],
    hostname: str | None = None,
    now: dt.datetime | None = None,
    *,
    anchors: TrustAnchors = NO_ANCHORS,
) -> TrustReport:
    """Judge trust of `chain` (leaf first) against `anchors`: Mozilla's roots (`public`)
    and this machine's store (`system`), as the shell loaded them; nothing is read here.

    Without `hostname`, the first name of the leaf stands in for it: this answers
    "is the issuer trusted", and coverage is judged separately by `names`.
    """
    public = tuple(anchors.public)
    system = tuple(anchors.system)
    public_error = verify_against(chain, public, hostname, now)
    system_error = verify_against(chain, system, hostname, now)
    publicly_trusted = public_error is None
    trusted_by_system = system_error is None
    issued_by_public_ca = publicly_trusted or _anchored(chain, public)
    on_system = trusted_by_system or _anchored(chain, system)
    system_note = " This machine trusts it, but not every platform does." if on_system else ""

    if publicly_trusted:
        verdict, summary = PUBLIC, "publicly trusted — no software update needed"
    elif issued_by_public_ca:
        verdict = PUBLIC_BUT_INVALID
        summary = (
            "issued by a publicly trusted CA — no software update needed, "
            f"but it does not verify as it is: {public_error}"
        )
    elif not chain:
        verdict, summary = INCOMPLETE, "there is no certificate to judge"
    elif len(chain) == 1 and is_root(chain[0]):
        verdict = SELF_SIGNED
        summary = "self-signed — send it to support: a software update is needed." + system_note
    elif not build_chain(chain, anchors=()).complete and not on_system:
        verdict = INCOMPLETE
        summary = (
            "cannot tell who issued it: the chain is incomplete — add the missing "
            "intermediate certificate, then check again"
        )
    else:
        verdict = PRIVATE
        summary = (
            "issued by a private CA / self-signed — send it to support: a software update "
            "is needed." + system_note
        )
    return TrustReport(
        publicly_trusted=publicly_trusted,
        trusted_by_system=trusted_by_system,
        needs_software_update=verdict in (PRIVATE, SELF_SIGNED),
        summary=summary,
        verdict=verdict,
        issued_by_public_ca=issued_by_public_ca,
        public_error=public_error,
        system_error=system_error,
    )


# The answer in one sentence, as every page words it (the verdict is `check_trust`'s).
NO_UPDATE = "Software update needed: no — publicly trusted"
UPDATE = (
    "Software update needed: yes — issued by a private CA that BeyondTrust clients do not trust"
)
SELF_SIGNED_UPDATE = (
    "Software update needed: yes — self-signed, so BeyondTrust clients do not trust it"
)
NOT_KNOWN = "Software update needed: not known"


def trust_sentence(report: TrustReport) -> str:
    """THE trust answer in one sentence: "Software update needed: yes / no / not known —
    why". A chain without its issuers is "not known", never "publicly trusted": only a
    chain that verifies against Mozilla's roots (or one issued by a public CA that does not
    verify as it is) is a "no"."""
    if report.verdict == SELF_SIGNED:
        return SELF_SIGNED_UPDATE
    if report.needs_software_update:
        return UPDATE
    if report.verdict == PUBLIC and report.publicly_trusted:
        return NO_UPDATE
    if report.verdict == PUBLIC_BUT_INVALID and report.issued_by_public_ca:
        return f"Software update needed: no — {report.summary}"
    return f"{NOT_KNOWN} — {report.summary}"
