"""Validity dates and quality of a chain: expiry, weak signatures, short keys, leaf usage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from bundleguard.certs.describe import chain_role, is_ca, is_root, subject_alt_names, subject_text
from bundleguard.errors import InputError
from bundleguard.text import counted

DEFAULT_EXPIRY_DAYS = 30
MAX_EXPIRY_DAYS = 36500
"""The longest warning period (a hundred years); longer ones cannot be computed with."""
MIN_RSA_BITS = 2048


@dataclass(frozen=True)
class ValidityReport:
    """`problems` must be fixed; `warnings` deserve attention. Both are plain sentences."""

    problems: tuple[str, ...]
    warnings: tuple[str, ...]
    expires: dt.datetime | None  # the earliest notAfter in the chain
    days_left: int | None

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "problems": list(self.problems),
            "warnings": list(self.warnings),
            "expires": self.expires.isoformat() if self.expires is not None else None,
            "days_left": self.days_left,
            "ok": self.ok,
        }


_ROLE_WORDS = {
    "leaf": "The server certificate",
    "root": "The root certificate",
    "intermediate": "The intermediate certificate",
}


def _role(index: int, cert: x509.Certificate) -> str:
    return _ROLE_WORDS[chain_role(index, cert)]


def _date(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


def check_expiry_days(expiry_days: int) -> int:
    """`expiry_days` when it is a usable warning period, else `InputError`."""
    if isinstance(expiry_days, bool) or not isinstance(expiry_days, int):
        raise InputError("The warning period before expiry must be a whole number of days.")
    if not 0 <= expiry_days <= MAX_EXPIRY_DAYS:
        raise InputError(
            f"That warning period before expiry cannot be used: give 0 to {MAX_EXPIRY_DAYS} days."
        )
    return expiry_days


def _signature_hash(cert: x509.Certificate) -> hashes.HashAlgorithm | None:
    try:
        return cert.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return None


def check_validity(
    chain: Sequence[x509.Certificate],
    now: dt.datetime | None = None,
    expiry_days: int = DEFAULT_EXPIRY_DAYS,
) -> ValidityReport:
    """Check dates of every certificate and the quality rules, leaf first in `chain`.

    Raises `InputError` when `expiry_days` is not 0 to `MAX_EXPIRY_DAYS`.
    """
    check_expiry_days(expiry_days)
    now = now or dt.datetime.now(dt.UTC)
    problems: list[str] = []
    warnings: list[str] = []
    expires = None
    for index, cert in enumerate(chain):
        role = _role(index, cert)
        label = f'{role} "{subject_text(cert)}"'
        not_before, not_after = cert.not_valid_before_utc, cert.not_valid_after_utc
        expires = not_after if expires is None else min(expires, not_after)
        if now < not_before:
            problems.append(f"{label} is not valid yet: it starts on {_date(not_before)}.")
        elif now > not_after:
            problems.append(f"{label} expired on {_date(not_after)}.")
        elif not_after - now <= dt.timedelta(days=expiry_days):
            days = (not_after - now).days
            warnings.append(f"{label} expires in {counted(days, 'day')}, on {_date(not_after)}.")
        if not is_root(cert) and isinstance(_signature_hash(cert), hashes.SHA1):
            problems.append(f"{label} is signed with SHA-1, which clients reject.")
        key = cert.public_key()
        if isinstance(key, rsa.RSAPublicKey | dsa.DSAPublicKey) and key.key_size < MIN_RSA_BITS:
            problems.append(
                f"{label} has a {key.key_size}-bit key; at least {MIN_RSA_BITS} bits are needed."
            )
    if chain:
        _check_leaf(chain[0], problems, warnings)
    days_left = None if expires is None else (expires - now).days
    return ValidityReport(tuple(problems), tuple(warnings), expires, days_left)


def _check_leaf(leaf: x509.Certificate, problems: list[str], warnings: list[str]) -> None:
    label = f'The server certificate "{subject_text(leaf)}"'
    if is_ca(leaf) and not is_root(leaf):
        problems.append(f"{label} is marked as a CA certificate; a server certificate must not be.")
    try:
        eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        eku = None
    if eku is None:
        warnings.append(
            f"{label} has no extended key usage; public CAs always set "
            '"TLS Web Server Authentication".'
        )
    elif (
        ExtendedKeyUsageOID.SERVER_AUTH not in eku
        and ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE not in eku
    ):
        problems.append(
            f'{label} is not meant for TLS servers: it lacks "TLS Web Server Authentication".'
        )
    if subject_alt_names(leaf) is None:
        warnings.append(
            f"{label} has no subjectAltName; browsers ignore the common name, so it covers "
            "no host name for them."
        )
