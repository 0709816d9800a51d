"""Certificates that cryptography refuses to build: made by patching a built one's DER.

`with_duplicated_extension` issues a leaf carrying the same extension twice (RFC 5280
forbids it; cryptography raises `DuplicateExtension` when such a certificate's
extensions are read) and signs the patched body again, so only that flaw is in it.
"""

from __future__ import annotations

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from bundleguard.probe.fake import FakePKI, ServedCertificate
from tests.guard.keyforge import der_oid_body, der_tlv

_FIRST = ObjectIdentifier("1.3.6.1.4.1.55555.1")
_SECOND = ObjectIdentifier("1.3.6.1.4.1.55555.2")  # same length: patched into _FIRST
_ECDSA_WITH_SHA256 = bytes.fromhex("300a06082a8648ce3d040302")


def with_duplicated_extension(pki: FakePKI, names: list[str]) -> ServedCertificate:
    """A leaf for `names`, issued by `pki`'s intermediate, with one extension twice."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(pki.intermediate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=90))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(x509.UnrecognizedExtension(_FIRST, b"\x05\x00"), False)
        .add_extension(x509.UnrecognizedExtension(_SECOND, b"\x05\x00"), False)
        .sign(pki.intermediate_key, hashes.SHA256())
    )
    first = der_tlv(0x06, _oid_body(_FIRST))
    second = der_tlv(0x06, _oid_body(_SECOND))
    tbs = leaf.tbs_certificate_bytes
    assert tbs.count(second) == 1 and len(first) == len(second)
    tbs = tbs.replace(second, first)
    signature = pki.intermediate_key.sign(tbs, ec.ECDSA(hashes.SHA256()))
    der = der_tlv(0x30, tbs + _ECDSA_WITH_SHA256 + der_tlv(0x03, b"\x00" + signature))
    return ServedCertificate(chain=(x509.load_der_x509_certificate(der), pki.intermediate), key=key)


def _oid_body(oid: ObjectIdentifier) -> bytes:
    return der_oid_body(oid.dotted_string)
