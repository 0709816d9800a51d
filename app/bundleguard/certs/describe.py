"""Short human-readable descriptions of certificates: fingerprint, subject, names."""

from __future__ import annotations

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID


def fingerprint_sha256(cert: x509.Certificate) -> str:
    """The SHA-256 fingerprint as browsers show it: uppercase hex pairs joined by colons."""
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def certificate_ref(cert: x509.Certificate | None) -> dict[str, str] | None:
    """A certificate in JSON: its subject label and fingerprint (None stays None)."""
    if cert is None:
        return None
    return {"subject": subject_text(cert), "fingerprint_sha256": fingerprint_sha256(cert)}


def common_name(cert: x509.Certificate) -> str | None:
    """The last commonName of the subject, or None when the subject has none."""
    values = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not values:
        return None
    value = values[-1].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def _name_text(name: x509.Name) -> str:
    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATIONAL_UNIT_NAME, NameOID.ORGANIZATION_NAME):
        values = name.get_attributes_for_oid(oid)
        if values:
            value = values[-1].value
            return value if isinstance(value, str) else value.decode("utf-8", "replace")
    return name.rfc4514_string() or "(empty name)"


def subject_text(cert: x509.Certificate) -> str:
    """A short label for the subject: its CN, else OU or O, else the full RFC 4514 name."""
    return _name_text(cert.subject)


def issuer_text(cert: x509.Certificate) -> str:
    """A short label for the issuer, chosen like `subject_text`."""
    return _name_text(cert.issuer)


def dns_names(cert: x509.Certificate) -> tuple[str, ...]:
    """The subjectAltName dNSName entries, as written in the certificate."""
    san = subject_alt_names(cert)
    if san is None:
        return ()
    return tuple(san.get_values_for_type(x509.DNSName))


def ip_addresses(cert: x509.Certificate) -> tuple[str, ...]:
    """The subjectAltName iPAddress entries, as text."""
    san = subject_alt_names(cert)
    if san is None:
        return ()
    return tuple(str(ip) for ip in san.get_values_for_type(x509.IPAddress))


def subject_alt_names(cert: x509.Certificate) -> x509.SubjectAlternativeName | None:
    """The subjectAltName extension, or None when the certificate has none."""
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None


def signed_by(child: x509.Certificate, parent: x509.Certificate) -> bool:
    """True when `parent`'s key verifies `child`'s signature (names are not compared).

    cryptography refuses SHA-1 signatures; those are checked by hand so that a SHA-1
    chain is still ordered (and then reported as weak by `validity`).
    """
    try:
        child.verify_directly_issued_by(parent)
        return True
    except InvalidSignature:
        return False
    except (ValueError, TypeError, UnsupportedAlgorithm):
        pass
    try:
        key = parent.public_key()
        algorithm = child.signature_hash_algorithm
        if isinstance(key, rsa.RSAPublicKey) and algorithm is not None:
            key.verify(child.signature, child.tbs_certificate_bytes, padding.PKCS1v15(), algorithm)
            return True
        if isinstance(key, ec.EllipticCurvePublicKey) and algorithm is not None:
            key.verify(child.signature, child.tbs_certificate_bytes, ec.ECDSA(algorithm))
            return True
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return False


def is_self_signed(cert: x509.Certificate) -> bool:
    """True when the certificate names itself as issuer and its own key verifies it."""
    return cert.issuer == cert.subject and signed_by(cert, cert)


def is_root(cert: x509.Certificate) -> bool:
    """THE rule for "root": a self-signed certificate (see `is_self_signed`).

    basicConstraints is not asked: old v1 roots carry none, and a self-signed server
    certificate is also where its chain ends (nothing above it can be added). Whether such
    a certificate is listed as "leaf" or "root" is its place: see `chain_role`.
    """
    return is_self_signed(cert)


def chain_role(index: int, cert: x509.Certificate) -> str:
    """ "leaf" (first), "root" (`is_root`, above the leaf) or "intermediate"."""
    if index == 0:
        return "leaf"
    return "root" if is_root(cert) else "intermediate"


def is_ca(cert: x509.Certificate) -> bool:
    """True when basicConstraints says this is a CA certificate."""
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False
