"""Private key material a certificate carries in its own fields (a subject, a name, an
extension's value): the one look, for every place that shows a certificate's fields.

`key_material_in_certificate(cert)` says what the guard finds (its words never quote the
key), or "" when nothing; a place that shows fields shows `WITHHELD` instead of them then
(the probe's served certificates, the details of a certificate). Remembered per
certificate. No Qt here.
"""

from __future__ import annotations

import functools

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

WITHHELD = "(withheld: the certificate carries private key material)"


@functools.lru_cache(maxsize=512)
def _key_material_in_der(der: bytes) -> str:
    from bundleguard.certs.names import certificate_names
    from bundleguard.guard import classify_bytes, find_private_keys

    certificate = x509.load_der_x509_certificate(der)
    findings = classify_bytes(certificate.public_bytes(Encoding.PEM), "certificate").findings
    if findings:
        found = findings[0]
        where = f", in {found.place}" if found.place else ""
        return f"{found.label}, {found.encoding}{where}"
    groups: list[list[str]] = []
    try:
        for name in (certificate.subject, certificate.issuer):
            groups.append([a.value for a in name if isinstance(a.value, str)])
        groups.append(list(certificate_names(certificate)))
    except ValueError:
        return ""  # a damaged field: said as such by `certificate_damage`
    for group in groups:
        for joined in ("".join(group), "\n".join(group)):
            hits = find_private_keys(joined.encode("utf-8", "surrogatepass"), "names")
            if hits:
                return f"{hits[0].label}, {hits[0].encoding}, cut across its names"
    return ""


def key_material_in_certificate(cert: x509.Certificate) -> str:
    """What private key material `cert`'s fields carry, in words that never quote it
    ("PKCS#8 private key (EC P-256), base64 of DER, in the certificate's subjectAltName
    (DNS name)"), or "" when none. Remembered per certificate."""
    return _key_material_in_der(cert.public_bytes(Encoding.DER))


__all__ = ["WITHHELD", "key_material_in_certificate"]
