"""Everything about one certificate, as a user reads it in a certificate viewer: subject,
issuer, names, validity, serial, fingerprints, key, usages and every extension.

`certificate_details(cert, now=None) -> CertificateDetails` makes the facts (frozen, exact
values: nothing escaped); `detail_lines(details, escape)` words them, one "Label: value"
line each, for the window's details view and the command line alike (the window passes
`text.visible`, the terminal `text.shown`: a certificate field is untrusted text).
The short forms (`fingerprint_sha256`, `subject_text`) are `describe`'s: one spelling.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x448, x25519
from cryptography.x509.oid import ExtensionOID

from bundleguard.certs.carried import WITHHELD, key_material_in_certificate
from bundleguard.certs.describe import fingerprint_sha256
from bundleguard.text import counted

# An extension whose value is shown as its bytes is cut here (a hostile certificate may
# carry megabytes): the fingerprint, not the dump, tells two certificates apart.
MAX_VALUE_CHARS = 2000

# The names a certificate viewer uses (OpenSSL's and RFC 5280's), by OID.
_EXTENSION_NAMES = {
    ExtensionOID.BASIC_CONSTRAINTS: "Basic Constraints",
    ExtensionOID.KEY_USAGE: "Key Usage",
    ExtensionOID.EXTENDED_KEY_USAGE: "Extended Key Usage",
    ExtensionOID.SUBJECT_ALTERNATIVE_NAME: "Subject Alternative Name",
    ExtensionOID.ISSUER_ALTERNATIVE_NAME: "Issuer Alternative Name",
    ExtensionOID.SUBJECT_KEY_IDENTIFIER: "Subject Key Identifier",
    ExtensionOID.AUTHORITY_KEY_IDENTIFIER: "Authority Key Identifier",
    ExtensionOID.CRL_DISTRIBUTION_POINTS: "CRL Distribution Points",
    ExtensionOID.AUTHORITY_INFORMATION_ACCESS: "Authority Information Access",
    ExtensionOID.CERTIFICATE_POLICIES: "Certificate Policies",
    ExtensionOID.NAME_CONSTRAINTS: "Name Constraints",
    ExtensionOID.POLICY_CONSTRAINTS: "Policy Constraints",
    ExtensionOID.INHIBIT_ANY_POLICY: "Inhibit anyPolicy",
    ExtensionOID.PRECERT_SIGNED_CERTIFICATE_TIMESTAMPS: "Signed Certificate Timestamps",
    ExtensionOID.PRECERT_POISON: "Precertificate Poison",
    ExtensionOID.TLS_FEATURE: "TLS Feature",
    ExtensionOID.FRESHEST_CRL: "Freshest CRL",
    ExtensionOID.SUBJECT_INFORMATION_ACCESS: "Subject Information Access",
    ExtensionOID.OCSP_NO_CHECK: "OCSP No Check",
}
_KEY_USAGE_WORDS = (
    ("digital_signature", "Digital Signature"),
    ("content_commitment", "Non Repudiation"),
    ("key_encipherment", "Key Encipherment"),
    ("data_encipherment", "Data Encipherment"),
    ("key_agreement", "Key Agreement"),
    ("key_cert_sign", "Certificate Sign"),
    ("crl_sign", "CRL Sign"),
)


@dataclass(frozen=True)
class ExtensionDetail:
    """One extension: its name (or its OID when it has no name we know), whether it is
    critical, and its value in words (untrusted text: escape it where it is shown)."""

    name: str
    oid: str
    critical: bool
    value: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "oid": self.oid, "critical": self.critical, "value": self.value}


@dataclass(frozen=True)
class CertificateDetails:
    """One certificate in full. Text fields are exact (untrusted): escape them to show them."""

    subject: str  # RFC 4514, as written in the certificate
    issuer: str
    subject_alt_names: tuple[str, ...]  # "DNS:a.example", "IP:192.0.2.1", ...
    not_before: dt.datetime
    not_after: dt.datetime
    days_left: int  # negative once it has expired
    serial: str  # uppercase hex pairs joined by colons
    fingerprint_sha256: str
    fingerprint_sha1: str
    key: str  # "RSA 2048 bits", "EC secp256r1 (256 bits)", "Ed25519"
    signature_algorithm: str
    key_usage: tuple[str, ...]
    extended_key_usage: tuple[str, ...]
    extensions: tuple[ExtensionDetail, ...]
    version: str
    problem: str = ""  # set when a part could not be read (the rest is still shown)

    def to_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "subject_alt_names": list(self.subject_alt_names),
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "days_left": self.days_left,
            "serial": self.serial,
            "fingerprint_sha256": self.fingerprint_sha256,
            "fingerprint_sha1": self.fingerprint_sha1,
            "key": self.key,
            "signature_algorithm": self.signature_algorithm,
            "key_usage": list(self.key_usage),
            "extended_key_usage": list(self.extended_key_usage),
            "extensions": [e.to_json() for e in self.extensions],
            "version": self.version,
            "problem": self.problem or None,
        }


# ----------------------------------------------------------------------------- facts


def _hex(data: bytes) -> str:
    return data.hex(":").upper()


def serial_text(cert: x509.Certificate) -> str:
    """The serial number as viewers show it: uppercase hex pairs joined by colons."""
    number = cert.serial_number
    size = max(1, (number.bit_length() + 7) // 8)
    return _hex(number.to_bytes(size, "big", signed=False)) if number >= 0 else str(number)


def fingerprint_sha1(cert: x509.Certificate) -> str:
    """The SHA-1 fingerprint (older tools still show it), spelt like `fingerprint_sha256`."""
    return _hex(cert.fingerprint(hashes.SHA1()))


def key_text(cert: x509.Certificate) -> str:
    """The public key's type and size: "RSA 2048 bits", "EC secp256r1 (256 bits)"."""
    try:
        key = cert.public_key()
    except (UnsupportedAlgorithm, ValueError):
        return f"unsupported ({cert.public_key_algorithm_oid.dotted_string})"
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA {key.key_size} bits"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name} ({key.curve.key_size} bits)"
    if isinstance(key, dsa.DSAPublicKey):
        return f"DSA {key.key_size} bits"
    for kind, name in (
        (ed25519.Ed25519PublicKey, "Ed25519"),
        (ed448.Ed448PublicKey, "Ed448"),
        (x25519.X25519PublicKey, "X25519"),
        (x448.X448PublicKey, "X448"),
    ):
        if isinstance(key, kind):
            return name
    return type(key).__name__


# Extended key usages as viewers word them (the short name follows in brackets).
_USAGE_WORDS = {
    "serverAuth": "TLS Web Server Authentication",
    "clientAuth": "TLS Web Client Authentication",
    "codeSigning": "Code Signing",
    "emailProtection": "E-mail Protection",
    "timeStamping": "Time Stamping",
    "OCSPSigning": "OCSP Signing",
}


def _usage_words(oid: x509.ObjectIdentifier) -> str:
    short = _oid_words(oid)
    words = _USAGE_WORDS.get(short)
    return f"{words} ({short})" if words else short


def _oid_words(oid: x509.ObjectIdentifier) -> str:
    name = oid._name  # cryptography's short name ("serverAuth"), or "Unknown OID"
    return oid.dotted_string if name == "Unknown OID" else name


def extension_name(oid: x509.ObjectIdentifier) -> str:
    """An extension's name as viewers show it, or its dotted OID when it has none known."""
    return _EXTENSION_NAMES.get(oid) or _oid_words(oid)


def general_name_text(name: x509.GeneralName) -> str:
    """One general name as OpenSSL writes it: `DNS:…`, `IP:…`, `email:…`, `URI:…`."""
    if isinstance(name, x509.DNSName):
        return f"DNS:{name.value}"
    if isinstance(name, x509.IPAddress):
        return f"IP:{name.value}"
    if isinstance(name, x509.RFC822Name):
        return f"email:{name.value}"
    if isinstance(name, x509.UniformResourceIdentifier):
        return f"URI:{name.value}"
    if isinstance(name, x509.DirectoryName):
        return f"DirName:{name.value.rfc4514_string()}"
    if isinstance(name, x509.RegisteredID):
        return f"RID:{name.value.dotted_string}"
    if isinstance(name, x509.OtherName):
        return f"othername:{name.type_id.dotted_string}:{_hex(name.value)}"
    return str(name.value)


def _names(names) -> str:
    return ", ".join(general_name_text(n) for n in names)


def _key_usage_words(usage: x509.KeyUsage) -> tuple[str, ...]:
    words = [word for attr, word in _KEY_USAGE_WORDS if getattr(usage, attr)]
    if usage.key_agreement:
        if usage.encipher_only:
            words.append("Encipher Only")
        if usage.decipher_only:
            words.append("Decipher Only")
    return tuple(words)


def _cut(text: str) -> str:
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def extension_value_text(value: x509.ExtensionType) -> str:
    """An extension's value in words (the bytes in hex for one we do not know)."""
    if isinstance(value, x509.BasicConstraints):
        if not value.ca:
            return "CA: no"
        length = "no limit" if value.path_length is None else str(value.path_length)
        return f"CA: yes, path length: {length}"
    if isinstance(value, x509.KeyUsage):
        return ", ".join(_key_usage_words(value)) or "(none)"
    if isinstance(value, x509.ExtendedKeyUsage):
        return ", ".join(_usage_words(oid) for oid in value) or "(none)"
    if isinstance(value, x509.SubjectAlternativeName | x509.IssuerAlternativeName):
        return _names(value) or "(none)"
    if isinstance(value, x509.SubjectKeyIdentifier):
        return _hex(value.digest)
    if isinstance(value, x509.AuthorityKeyIdentifier):
        parts = []
        if value.key_identifier is not None:
            parts.append(f"key ID {_hex(value.key_identifier)}")
        if value.authority_cert_issuer:
            parts.append(f"issuer {_names(value.authority_cert_issuer)}")
        if value.authority_cert_serial_number is not None:
            parts.append(f"serial {value.authority_cert_serial_number:X}")
        return ", ".join(parts) or "(none)"
    if isinstance(value, x509.CRLDistributionPoints | x509.FreshestCRL):
        points = [_names(p.full_name) if p.full_name else str(p.relative_name) for p in value]
        return "; ".join(points) or "(none)"
    if isinstance(value, x509.AuthorityInformationAccess | x509.SubjectInformationAccess):
        access = [
            f"{_oid_words(d.access_method)} - {general_name_text(d.access_location)}" for d in value
        ]
        return "; ".join(access) or "(none)"
    if isinstance(value, x509.CertificatePolicies):
        return ", ".join(_oid_words(p.policy_identifier) for p in value) or "(none)"
    if isinstance(value, x509.NameConstraints):
        parts = []
        if value.permitted_subtrees:
            parts.append(f"permitted: {_names(value.permitted_subtrees)}")
        if value.excluded_subtrees:
            parts.append(f"excluded: {_names(value.excluded_subtrees)}")
        return "; ".join(parts) or "(none)"
    if isinstance(value, x509.PrecertificateSignedCertificateTimestamps):
        return counted(len(value), "timestamp")
    if isinstance(value, x509.TLSFeature):
        return ", ".join(feature.name for feature in value)
    if isinstance(value, x509.UnrecognizedExtension):
        return _cut(_hex(value.value))
    try:
        return _cut(_hex(value.public_bytes()))
    except (NotImplementedError, ValueError, TypeError):
        return type(value).__name__


def certificate_details(
    cert: x509.Certificate, now: dt.datetime | None = None
) -> CertificateDetails:
    """The whole certificate as facts. A part that does not parse (a damaged extension)
    is named in `problem`, and the rest is still described."""
    now = now or dt.datetime.now(dt.UTC)
    problem = ""
    extensions: list[ExtensionDetail] = []
    sans: tuple[str, ...] = ()
    key_usage: tuple[str, ...] = ()
    extended: tuple[str, ...] = ()
    try:
        parsed = list(cert.extensions)
    except ValueError as error:
        parsed = []
        problem = f"Its extensions could not be read: {error}"
    for extension in parsed:
        value = extension.value
        extensions.append(
            ExtensionDetail(
                extension_name(extension.oid),
                extension.oid.dotted_string,
                extension.critical,
                extension_value_text(value),
            )
        )
        if isinstance(value, x509.SubjectAlternativeName):
            sans = tuple(general_name_text(n) for n in value)
        elif isinstance(value, x509.KeyUsage):
            key_usage = _key_usage_words(value)
        elif isinstance(value, x509.ExtendedKeyUsage):
            extended = tuple(_usage_words(oid) for oid in value)
    try:
        signature = _oid_words(cert.signature_algorithm_oid)
    except ValueError:
        signature = "unknown"
    not_after = cert.not_valid_after_utc
    subject, issuer = cert.subject.rfc4514_string(), cert.issuer.rfc4514_string()
    carried = key_material_in_certificate(cert)
    if carried:
        # Its fields are never shown (nor printed, nor copied): the key could be in any.
        subject = issuer = WITHHELD
        sans = (WITHHELD,) if sans else ()
        extensions = [replace(e, value=WITHHELD) for e in extensions]
        why = f"It carries private key material ({carried}): never send it."
        problem = f"{problem} {why}".strip()
    return CertificateDetails(
        subject=subject,
        issuer=issuer,
        subject_alt_names=sans,
        not_before=cert.not_valid_before_utc,
        not_after=not_after,
        days_left=(not_after - now).days,
        serial=serial_text(cert),
        fingerprint_sha256=fingerprint_sha256(cert),
        fingerprint_sha1=fingerprint_sha1(cert),
        key=key_text(cert),
        signature_algorithm=signature,
        key_usage=key_usage,
        extended_key_usage=extended,
        extensions=tuple(extensions),
        version=cert.version.name,
        problem=problem,
    )


# ----------------------------------------------------------------------------- words


def validity_words(details: CertificateDetails) -> str:
    """ "2026-01-01 to 2027-01-01 (365 days left)", or "(expired 3 days ago)"."""
    span = f"{details.not_before:%Y-%m-%d %H:%M} to {details.not_after:%Y-%m-%d %H:%M} UTC"
    days = details.days_left
    if days < 0:
        return f"{span} (expired {counted(-days, 'day')} ago)"
    return f"{span} ({counted(days, 'day')} left)"


def detail_lines(
    details: CertificateDetails, escape: Callable[[str], str]
) -> tuple[tuple[str, str], ...]:
    """(label, value) pairs in the order a viewer lists them; every value from the
    certificate passed through `escape` (`text.visible` in the window, `text.shown` in a
    terminal). Each extension is a line "Extension: NAME (critical)"."""
    lines: list[tuple[str, str]] = [
        ("Subject", escape(details.subject) or "(empty)"),
        ("Issuer", escape(details.issuer) or "(empty)"),
        (
            "Subject alternative names",
            ", ".join(escape(n) for n in details.subject_alt_names) or "(none)",
        ),
        ("Validity", validity_words(details)),
        ("Serial number", details.serial),
        ("SHA-256 fingerprint", details.fingerprint_sha256),
        ("SHA-1 fingerprint", details.fingerprint_sha1),
        ("Public key", escape(details.key)),
        ("Signature algorithm", escape(details.signature_algorithm)),
        ("Key usage", ", ".join(details.key_usage) or "(none)"),
        (
            "Extended key usage",
            ", ".join(escape(u) for u in details.extended_key_usage) or "(none)",
        ),
        ("Version", details.version),
    ]
    for extension in details.extensions:
        state = "critical" if extension.critical else "not critical"
        label = f"Extension: {escape(extension.name)} ({state})"
        if extension.name != extension.oid:
            label = f"Extension: {escape(extension.name)} [{extension.oid}] ({state})"
        lines.append((label, escape(extension.value)))
    if details.problem:
        lines.append(("Problem", escape(details.problem)))
    return tuple(lines)


def details_text(details: CertificateDetails, escape: Callable[[str], str]) -> str:
    """The details as lines of "Label: value" text."""
    return "\n".join(f"{label}: {value}" for label, value in detail_lines(details, escape))


__all__ = [
    "CertificateDetails",
    "ExtensionDetail",
    "certificate_details",
    "detail_lines",
    "details_text",
    "extension_name",
    "extension_value_text",
    "fingerprint_sha1",
    "general_name_text",
    "key_text",
    "serial_text",
    "validity_words",
]
