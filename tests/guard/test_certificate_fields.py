"""Certificates are data too: a key (or half of one) hidden in any field of a valid
certificate makes the file secret, whatever the encoding, whatever the container."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import gzip
import pickle

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    pkcs7,
)
from cryptography.x509.oid import NameOID

from bundleguard.guard import Verdict, classify_bytes
from tests.guard import keyforge as kf
from tests.guard.conftest import assert_clean, assert_reason_mentions, scan

# Long attribute values are the point here; cryptography warns when it builds them.
pytestmark = pytest.mark.filterwarnings("ignore:Attribute's length:UserWarning")

NOW = dt.datetime.now(dt.UTC)
PRIVATE_OID = x509.ObjectIdentifier("1.3.6.1.4.1.55555.7.1")


@functools.cache
def hidden_rsa() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 2048)


@functools.cache
def hidden_ec() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@functools.cache
def cert_key() -> rsa.RSAPrivateKey:
    """The key the carrier certificate certifies (its modulus is what half a key divides)."""
    return rsa.generate_private_key(65537, 2048)


def key_der(which: str) -> bytes:
    key = hidden_rsa() if which == "rsa" else hidden_ec()
    return key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())


def pkcs1_der() -> bytes:
    return hidden_rsa().private_bytes(
        Encoding.DER, PrivateFormat.TraditionalOpenSSL, NoEncryption()
    )


def _without_outer_sequence(der: bytes) -> bytes:
    length = der[1]
    return der[2 + (length - 0x80 if length > 0x80 else 0) :]


# Every encoding: how the bytes are written into the field. Text encodings fit every
# field; binary ones only fields that carry bytes (an extension's value, an otherName).
TEXT_ENCODINGS = {
    "base64": lambda b: base64.b64encode(b),
    "base64-urlsafe": lambda b: base64.urlsafe_b64encode(b),
    "base64-stray-prefix": lambda b: b"X" + base64.b64encode(b),
    "hex": lambda b: b.hex().encode(),
    "hex-colons": lambda b: b.hex(":").encode(),
    "base32": lambda b: base64.b32encode(b),
    "base85": lambda b: base64.b85encode(b),
    "ascii85": lambda b: base64.a85encode(b),
    "gzip-then-base64": lambda b: base64.b64encode(gzip.compress(b)),
}
BINARY_ENCODINGS = {
    "raw-der": lambda b: b,
    "der-without-outer-sequence": _without_outer_sequence,
}


def _der_tlv(tag: int, content: bytes) -> bytes:
    return kf.der_tlv(tag, content)


def _name_with(oid: x509.ObjectIdentifier, text: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Support Test"),
            x509.NameAttribute(oid, text, _validate=False),
        ]
    )


def build_certificate(field: str, payload: bytes) -> x509.Certificate:
    """A certificate for `cert_key()` that carries `payload` in `field`."""
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "support.example.com")])
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Example Issuing CA")])
    text = payload.decode("latin-1")
    builder = x509.CertificateBuilder()
    sans: list[x509.GeneralName] = [x509.DNSName("support.example.com")]
    if field == "extension":
        builder = builder.add_extension(x509.UnrecognizedExtension(PRIVATE_OID, payload), False)
    elif field == "san-dns":
        sans.append(x509.DNSName(text))
    elif field == "san-uri":
        sans.append(x509.UniformResourceIdentifier("https://support.example.com/" + text))
    elif field == "san-othername":
        is_der = payload[:2] in (b"\x30\x81", b"\x30\x82")
        value = payload if is_der else _der_tlv(0x04, payload)
        sans.append(x509.OtherName(x509.ObjectIdentifier("1.3.6.1.4.1.55555.9"), value))
    elif field == "san-directoryname":
        sans.append(x509.DirectoryName(_name_with(NameOID.COMMON_NAME, text)))
    elif field in ("subject-cn", "subject-o", "subject-ou"):
        oid = {
            "subject-cn": NameOID.COMMON_NAME,
            "subject-o": NameOID.ORGANIZATION_NAME,
            "subject-ou": NameOID.ORGANIZATIONAL_UNIT_NAME,
        }[field]
        subject = _name_with(oid, text)
    elif field == "issuer-attribute":
        issuer = _name_with(NameOID.ORGANIZATIONAL_UNIT_NAME, text)
    else:
        raise AssertionError(field)
    return (
        builder.subject_name(subject)
        .issuer_name(issuer)
        .public_key(cert_key().public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=90))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .sign(cert_key(), hashes.SHA256())
    )


def contained(certificate: x509.Certificate, container: str) -> tuple[bytes, str]:
    if container == "pem":
        return certificate.public_bytes(Encoding.PEM), "server.pem"
    if container == "der":
        return certificate.public_bytes(Encoding.DER), "server.cer"
    if container == "pkcs7":
        return pkcs7.serialize_certificates([certificate], Encoding.DER), "chain.p7b"
    if container == "second-of-chain":
        return kf.cert_pem(kf.leaf()) + certificate.public_bytes(Encoding.PEM), "chain.pem"
    raise AssertionError(container)


TEXT_FIELDS = [
    "extension",
    "san-dns",
    "san-uri",
    "san-othername",
    "san-directoryname",
    "subject-cn",
    "subject-o",
    "subject-ou",
    "issuer-attribute",
]
BINARY_FIELDS = ["extension", "san-othername"]
CONTAINERS = ["pem", "der", "pkcs7", "second-of-chain"]
WHERE = {
    "extension": r"extension 1\.3\.6\.1\.4\.1\.55555\.7\.1",
    "san-dns": r"subjectAltName \(DNS name\)",
    "san-uri": r"subjectAltName \(URI\)",
    "san-othername": r"subjectAltName \(otherName\)",
    "san-directoryname": r"subjectAltName \(directoryName\)",
    "subject-cn": r"subject CN",
    "subject-o": r"subject O\b",
    "subject-ou": r"subject OU",
    "issuer-attribute": r"issuer OU",
}

CASES = [(encoding, field) for encoding in TEXT_ENCODINGS for field in TEXT_FIELDS] + [
    (encoding, field) for encoding in BINARY_ENCODINGS for field in BINARY_FIELDS
]


def _encode(encoding: str, data: bytes) -> bytes:
    return {**TEXT_ENCODINGS, **BINARY_ENCODINGS}[encoding](data)


def assert_secret_in_field(data: bytes, name: str, field: str) -> None:
    report = scan(data, name)
    assert report.verdict is Verdict.SECRET, report.reasons
    assert not report.may_enter_bundle
    assert report.certificates == ()
    assert_reason_mentions(report, WHERE[field])
    assert_reason_mentions(report, r"private key|half")
    assert all(len(reason) < 600 for reason in report.reasons)


@pytest.mark.parametrize("container", CONTAINERS)
@pytest.mark.parametrize(("encoding", "field"), CASES)
def test_an_rsa_key_in_any_field_in_any_encoding_is_secret(encoding, field, container):
    source = pkcs1_der() if encoding == "der-without-outer-sequence" else key_der("rsa")
    certificate = build_certificate(field, _encode(encoding, source))
    data, name = contained(certificate, container)

    assert_secret_in_field(data, name, field)


@pytest.mark.parametrize(("encoding", "field"), CASES)
def test_an_ec_key_in_any_field_in_any_encoding_is_secret(encoding, field):
    der = key_der("ec")
    if encoding == "der-without-outer-sequence":
        der = hidden_ec().private_bytes(
            Encoding.DER, PrivateFormat.TraditionalOpenSSL, NoEncryption()
        )
    data, name = contained(build_certificate(field, _encode(encoding, der)), "pem")

    assert_secret_in_field(data, name, field)


def _prime() -> int:
    return cert_key().private_numbers().p


HALF_KEY = {
    "hex": lambda p: format(p, "x").encode(),
    "base64": lambda p: base64.b64encode(p.to_bytes(128, "big")),
    "decimal": lambda p: str(p).encode(),
}


@pytest.mark.parametrize("field", ["extension", "subject-cn", "san-dns", "san-uri"])
@pytest.mark.parametrize("encoding", sorted(HALF_KEY))
def test_a_prime_factor_of_the_certificates_own_modulus_is_secret(encoding, field):
    # Half a key is a key: with p, anyone holding the certificate rebuilds the private key.
    certificate = build_certificate(field, HALF_KEY[encoding](_prime()))
    report = scan(certificate.public_bytes(Encoding.PEM), "server.pem")

    assert report.verdict is Verdict.SECRET
    assert_reason_mentions(report, r"prime factor.*half of its private key")
    assert_reason_mentions(report, WHERE[field])


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(lambda p: _der_tlv(0x02, b"\x00" + p.to_bytes(128, "big")), id="der-integer"),
        pytest.param(lambda p: b"\x01\x02" + p.to_bytes(128, "big") + b"\xff", id="raw-at-offset"),
    ],
)
def test_a_prime_factor_in_binary_form_in_an_extension_is_secret(payload):
    certificate = build_certificate("extension", payload(_prime()))
    report = scan(certificate.public_bytes(Encoding.DER), "server.cer")

    assert report.verdict is Verdict.SECRET
    assert_reason_mentions(report, r"prime factor")


def test_a_number_that_does_not_divide_the_modulus_is_no_finding():
    not_a_factor = _prime() + 2
    certificate = build_certificate("subject-cn", format(not_a_factor, "x").encode())
    report = scan(certificate.public_bytes(Encoding.PEM), "server.pem")

    assert report.verdict is Verdict.CERTIFICATE, report.reasons


@pytest.mark.parametrize("encoding", ["raw-der", "base64", "hex"])
def test_the_start_of_a_key_alone_in_a_certificate_is_secret(encoding):
    start = pkcs1_der()[:64]  # the header, the version, the modulus's first bytes
    certificate = build_certificate("extension", _encode(encoding, start))
    report = scan(certificate.public_bytes(Encoding.PEM), "server.pem")

    assert report.verdict is Verdict.SECRET
    assert_reason_mentions(report, r"partial PKCS#1 RSA private key.*its start")
    assert_reason_mentions(report, WHERE["extension"])


def test_an_unknown_extension_of_600_bytes_is_refused_with_its_oid_and_size():
    certificate = build_certificate("extension", bytes(600))
    report = scan(certificate.public_bytes(Encoding.PEM), "server.pem")

    assert_clean(report, Verdict.REFUSED)
    assert_reason_mentions(report, r"1\.3\.6\.1\.4\.1\.55555\.7\.1 \(600 bytes\)")
    assert_reason_mentions(report, r"support does not need it; ask your CA why it is there")


def test_unknown_extensions_of_512_bytes_in_all_pass():
    certificate = build_certificate("extension", bytes(512 - 2))  # 2 bytes: OCTET header
    report = scan(certificate.public_bytes(Encoding.PEM), "server.pem")

    assert_clean(report, Verdict.CERTIFICATE)


# ----------------------------------------------------------------- no false alarms


def _sct_list(count: int = 3) -> bytes:
    """A TLS-encoded SignedCertificateTimestampList (RFC 6962 3.3) with real ECDSA
    signatures, as a CA writes into extension 1.3.6.1.4.1.11129.2.4.2."""
    log_key = ec.generate_private_key(ec.SECP256R1())
    scts = b""
    for index in range(count):
        signature = log_key.sign(b"entry %d" % index, ec.ECDSA(hashes.SHA256()))
        body = (
            b"\x00"  # v1
            + hashes.Hash(hashes.SHA256()).finalize()[:0]
            + bytes(range(index, index + 32))  # log id
            + int(NOW.timestamp() * 1000).to_bytes(8, "big")
            + b"\x00\x00"  # no extensions
            + b"\x04\x03"  # sha256, ecdsa
            + len(signature).to_bytes(2, "big")
            + signature
        )
        scts += len(body).to_bytes(2, "big") + body
    return _der_tlv(0x04, len(scts).to_bytes(2, "big") + scts)


@functools.cache
def private_ca_chain() -> tuple[x509.Certificate, ...]:
    """Root, issuing CA and server certificate as an enterprise CA issues them: AIA, CRL
    distribution points, policies with a CPS and a notice, key identifiers, EKU, SCTs."""
    root_key = ec.generate_private_key(ec.SECP384R1())
    issuing_key = rsa.generate_private_key(65537, 3072)
    leaf_key = cert_key()
    root_name = _name_with(NameOID.COMMON_NAME, "Example Corp Root CA")
    issuing_name = _name_with(NameOID.COMMON_NAME, "Example Corp Issuing CA 02")
    leaf_name = _name_with(NameOID.COMMON_NAME, "support.corp.example.com")
    aia = x509.AuthorityInformationAccess(
        [
            x509.AccessDescription(
                x509.oid.AuthorityInformationAccessOID.CA_ISSUERS,
                x509.UniformResourceIdentifier("http://pki.corp.example.com/issuing02.crt"),
            ),
            x509.AccessDescription(
                x509.oid.AuthorityInformationAccessOID.OCSP,
                x509.UniformResourceIdentifier("http://ocsp.corp.example.com"),
            ),
        ]
    )
    crl = x509.CRLDistributionPoints(
        [
            x509.DistributionPoint(
                [x509.UniformResourceIdentifier("http://pki.corp.example.com/issuing02.crl")],
                None,
                None,
                None,
            )
        ]
    )
    policies = x509.CertificatePolicies(
        [
            x509.PolicyInformation(
                x509.ObjectIdentifier("1.3.6.1.4.1.55555.1.2.3"),
                [
                    "https://pki.corp.example.com/cps.html",
                    x509.UserNotice(None, "Issued under the Example Corp certificate policy"),
                ],
            )
        ]
    )

    def base(subject, issuer, public_key, days):
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW - dt.timedelta(days=1))
            .not_valid_after(NOW + dt.timedelta(days=days))
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), False)
        )

    root = (
        base(root_name, root_name, root_key.public_key(), 7300)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(root_key, hashes.SHA384())
    )
    issuing = (
        base(issuing_name, root_name, issuing_key.public_key(), 3650)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
        )
        .add_extension(policies, False)
        .add_extension(crl, False)
        .sign(root_key, hashes.SHA384())
    )
    leaf = (
        base(leaf_name, issuing_name, leaf_key.public_key(), 397)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("support.corp.example.com"), x509.DNSName("bt.corp.example.com")]
            ),
            False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuing_key.public_key()), False
        )
        .add_extension(aia, False)
        .add_extension(crl, False)
        .add_extension(policies, False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(
            x509.UnrecognizedExtension(
                x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2"), _sct_list()
            ),
            False,
        )
        .sign(issuing_key, hashes.SHA256())
    )
    return leaf, issuing, root


@pytest.mark.parametrize("container", ["pem", "der-leaf", "pkcs7"])
def test_an_ordinary_chain_from_a_private_ca_is_a_certificate(container):
    chain = private_ca_chain()
    if container == "pem":
        data = b"".join(c.public_bytes(Encoding.PEM) for c in chain)
    elif container == "der-leaf":
        data = chain[0].public_bytes(Encoding.DER)
    else:
        data = pkcs7.serialize_certificates(list(chain), Encoding.DER)
    report = scan(data, "chain.pem")

    assert_clean(report, Verdict.CERTIFICATE)
    shown = chain[:1] if container == "der-leaf" else chain
    assert {c.subject for c in report.certificates} == {c.subject for c in shown}


def test_the_sct_list_is_a_known_extension_however_large():
    leaf = private_ca_chain()[0]
    sct = leaf.extensions.get_extension_for_oid(x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2"))
    assert len(sct.value.public_bytes()) > 300

    assert_clean(scan(leaf.public_bytes(Encoding.PEM), "leaf.pem"), Verdict.CERTIFICATE)


# ----------------------------------------------------------------- damaged, report


def test_a_certificate_with_a_duplicated_extension_is_refused_not_a_crash():
    twin = x509.BasicConstraints(ca=False, path_length=None)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name_with(NameOID.COMMON_NAME, "dup.example.com"))
        .issuer_name(_name_with(NameOID.COMMON_NAME, "dup.example.com"))
        .public_key(cert_key().public_key())
        .serial_number(7)
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=30))
        .add_extension(twin, True)
        .add_extension(
            x509.UnrecognizedExtension(x509.ObjectIdentifier("1.2.3.99"), twin.public_bytes()),
            True,
        )
        .sign(cert_key(), hashes.SHA256())
    )
    der = certificate.public_bytes(Encoding.DER)
    # 1.2.3.99 becomes 2.5.29.19 (basicConstraints) again: same length, a twin extension
    twinned = der.replace(b"\x06\x03\x2a\x03\x63", b"\x06\x03\x55\x1d\x13")
    with pytest.raises(x509.DuplicateExtension):
        _ = x509.load_der_x509_certificate(twinned).extensions

    report = scan(twinned, "dup.cer")
    assert_clean(report, Verdict.REFUSED)
    assert_reason_mentions(report, r"damaged certificate: its extension 2\.5\.29\.19 appears")
    pem = (
        b"-----BEGIN CERTIFICATE-----\n"
        + base64.encodebytes(twinned)
        + b"-----END CERTIFICATE-----\n"
    )
    report = scan(pem, "dup.pem")
    assert_clean(report, Verdict.REFUSED)
    assert_reason_mentions(report, r"damaged certificate: its extension 2\.5\.29\.19 appears")


def test_a_report_carries_the_certificates_it_parsed_and_pickles_them_as_der():
    chain = private_ca_chain()
    data = b"".join(c.public_bytes(Encoding.PEM) for c in chain)
    report = classify_bytes(data, "chain.pem")

    assert report.certificates == chain
    again = pickle.loads(pickle.dumps(report))
    assert again.certificates == chain
    assert again == report
    assert "certificates" not in report.to_json()
    assert set(report.to_json()) == {"path", "verdict", "reasons", "findings", "size"}


def test_a_finding_in_a_certificate_says_where_in_json_too():
    certificate = build_certificate("san-uri", base64.b64encode(key_der("rsa")))
    report = classify_bytes(certificate.public_bytes(Encoding.PEM), "server.pem")

    (finding,) = report.findings
    shown = finding.to_json()
    assert shown["place"] == "the certificate's subjectAltName (URI)"
    assert shown["kind"] == "pkcs8-private-key"
    assert set(shown) == {"kind", "label", "offset", "encoding", "damaged", "place"}


def test_the_same_certificate_many_times_is_looked_into_once_and_passes():
    pem = kf.cert_pem() * 2000

    report = scan(pem, "many.pem")

    assert_clean(report, Verdict.CERTIFICATE)


def test_a_file_of_too_many_different_certificates_is_refused_with_the_count():
    from bundleguard.guard.certfields import MAX_CERTIFICATES

    key = ec.generate_private_key(ec.SECP256R1())
    name = _name_with(NameOID.COMMON_NAME, "many.example.com")
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=30))
    )
    pem = b"".join(
        builder.serial_number(serial).sign(key, hashes.SHA256()).public_bytes(Encoding.PEM)
        for serial in range(1, MAX_CERTIFICATES + 2)
    )

    report = scan(pem, "bundle.pem")

    assert_clean(report, Verdict.REFUSED)
    assert_reason_mentions(report, rf"{MAX_CERTIFICATES + 1} different certificates")


def test_worker_processes_send_the_certificates_back(tmp_path):
    from bundleguard.guard import scan_paths

    for index in range(4):
        (tmp_path / f"chain{index}.pem").write_bytes(kf.chain_pem())

    reports = list(scan_paths([tmp_path], workers=2))

    assert [r.verdict for r in reports] == [Verdict.CERTIFICATE] * 4
    assert all(r.certificates == (kf.leaf(), kf.ca()[1]) for r in reports)
