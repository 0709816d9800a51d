"""What is not a key stays clean; damaged keys and key-file names are refused, never passed."""

from __future__ import annotations

import base64
import os

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from bundleguard.guard import Verdict, find_private_keys
from tests.guard import keyforge as kf
from tests.guard.conftest import (
    assert_clean,
    assert_reason_mentions,
    assert_secret,
    findings_of,
    scan,
)

CERTIFICATES = [
    ("certificate-pem", kf.cert_pem),
    ("certificate-der", kf.cert_der),
    ("root-certificate-der", lambda: kf.cert_der(kf.ca()[1])),
    ("chain-pem", kf.chain_pem),
    ("chain-pem-with-text-around", lambda: b"subject=CN = support\n" + kf.chain_pem() + b"\nok\n"),
    ("chain-pem-crlf", lambda: kf.crlf(kf.chain_pem())),
    ("pkcs7-certificates-pem", lambda: kf.pkcs7_certs(Encoding.PEM)),
    ("pkcs7-certificates-der", lambda: kf.pkcs7_certs(Encoding.DER)),
]


@pytest.mark.parametrize("build", [b for _, b in CERTIFICATES], ids=[i for i, _ in CERTIFICATES])
def test_certificates_are_clean_and_may_enter_the_bundle(build):
    report = scan(build(), "chain.crt")

    assert_clean(report, Verdict.CERTIFICATE)
    assert report.may_enter_bundle


@pytest.mark.parametrize("image", ["png", "jpeg"])
def test_images_are_clean_and_may_enter_the_bundle(image):
    report = scan(getattr(kf, image)(), f"status.{image}")

    assert_clean(report, Verdict.IMAGE)
    assert report.may_enter_bundle


def test_image_with_data_appended_after_its_end_is_refused():
    report = scan(kf.png() + b"harmless trailing bytes " * 10, "status.png")

    assert report.verdict is Verdict.REFUSED
    assert report.findings == ()


def test_image_content_with_a_certificate_name_is_still_an_image():
    assert scan(kf.png(), "server.crt").verdict is Verdict.IMAGE


NOT_ACCEPTED = [
    ("csr", kf.csr_pem),
    ("crl-pem", kf.crl_pem),
    ("crl-der", kf.crl_der),
    ("spki-rsa-public-pem", kf.spki_pem),
    ("spki-rsa-public-der", kf.spki_der),
    ("spki-ec-public-pem", lambda: kf.spki_pem(kf.ec_key())),
    ("spki-ed25519-public-pem", lambda: kf.spki_pem(kf.ed25519_key())),
    ("pkcs1-rsa-public-pem", kf.pkcs1_public_pem),
    ("openssh-public-ed25519", kf.openssh_public),
    ("openssh-public-rsa", lambda: kf.openssh_public(kf.rsa_key())),
    ("ssh2-public-key", kf.ssh2_public),
    ("pgp-public-key-block", kf.pgp_public_key_block),
    ("random-binary", lambda: os.urandom(64 * 1024)),
    ("empty-file", lambda: b""),
    ("plain-text", lambda: b"Appliance: support.example.com\nRole: primary\n"),
    (
        "prose-mentioning-a-private-key-header",
        lambda: (
            b"Paste the key, which starts with -----BEGIN PRIVATE KEY----- and ends with "
            b"-----END PRIVATE KEY-----, into the appliance; never send it to support.\n"
        ),
    ),
    (
        "documentation-with-a-fake-short-body",
        lambda: (
            b"Example:\n\n    -----BEGIN RSA PRIVATE KEY-----\n    MIIE...\n"
            b"    -----END RSA PRIVATE KEY-----\n"
        ),
    ),
    (
        "documentation-with-placeholder-body",
        lambda: b"-----BEGIN PRIVATE KEY-----\n<your key here>\n-----END PRIVATE KEY-----\n",
    ),
    (
        "ssh-config-mentioning-key-files",
        lambda: b"Host appliance\n  IdentityFile ~/.ssh/id_rsa\n  HostKeyAlgorithms ssh-rsa\n",
    ),
]


@pytest.mark.parametrize("build", [b for _, b in NOT_ACCEPTED], ids=[i for i, _ in NOT_ACCEPTED])
def test_non_key_material_has_no_findings_and_is_refused_not_secret(build):
    data = build()

    report = scan(data, "upload.dat")

    assert_clean(report, Verdict.REFUSED)
    assert find_private_keys(data, "upload.dat") == ()


@pytest.mark.parametrize("build", [b for _, b in CERTIFICATES], ids=[i for i, _ in CERTIFICATES])
def test_certificates_have_no_key_findings(build):
    assert find_private_keys(build(), "chain.pem") == ()


@pytest.mark.parametrize("size", [1, 2, 15, 16, 17, 255, 4096, 100_000])
def test_random_binary_of_many_sizes_has_no_findings(size):
    assert find_private_keys(os.urandom(size), "noise.bin") == ()


# --------------------------------------------------------------------------- damaged


def test_pem_key_truncated_in_half_is_secret_a_key_cut_short():
    pem = kf.pkcs1_pem()

    report = scan(pem[: len(pem) // 2], "server.pem")

    assert report.verdict is Verdict.SECRET
    [finding] = report.findings
    assert not finding.damaged and finding.kind == "truncated-private-key"
    assert finding.offset == 0
    assert_reason_mentions(report, r"cut short")


def test_pem_key_with_its_body_cut_but_its_end_line_kept_is_secret_a_key_cut_short():
    pem = kf.pkcs8_pem()
    lines = pem.splitlines(keepends=True)
    cut = lines[:5] + lines[-1:]

    report = scan(b"".join(cut), "server.pem")

    assert report.verdict is Verdict.SECRET
    assert findings_of(report, "truncated-private-key"), report.findings
    assert_reason_mentions(report, r"cut short.*body ends before the key does")


def test_pem_block_whose_body_is_not_a_key_is_refused_as_damaged():
    body = base64.encodebytes(bytes(range(256)) * 2)
    data = b"-----BEGIN RSA PRIVATE KEY-----\n" + body + b"-----END RSA PRIVATE KEY-----\n"

    report = scan(data, "server.pem")

    assert report.verdict is Verdict.REFUSED
    assert any(f.damaged for f in report.findings), report.findings
    assert_reason_mentions(report, r"damag|corrupt")


def test_der_key_truncated_is_refused_as_damaged():
    der = kf.pkcs1_der()

    report = scan(der[: len(der) * 2 // 3], "blob.bin")

    assert report.verdict is Verdict.REFUSED
    assert any(f.damaged for f in report.findings), report.findings
    assert_reason_mentions(report, r"truncat|damag|corrupt|incomplete")


def test_damaged_key_next_to_a_good_key_still_makes_the_file_secret():
    body = base64.encodebytes(bytes(range(256)))
    broken = b"-----BEGIN RSA PRIVATE KEY-----\n" + body + b"-----END RSA PRIVATE KEY-----\n"

    report = scan(broken + kf.sec1_pem(), "keys.pem")

    assert_secret(report, "ec-private-key", offset=len(broken))
    assert findings_of(report, "damaged-private-key")


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "name",
    [
        "server.key",
        "appliance.p12",
        "appliance.pfx",
        "store.jks",
        "store.jceks",
        "java.keystore",
        "id.ppk",
        "key.pvk",
        "signing.snk",
        "server.p8",
        "server.pk8",
        "SERVER.KEY",
    ],
)
def test_harmless_certificate_named_as_a_key_file_is_refused(name):
    report = scan(kf.cert_pem(), name)

    assert report.verdict is Verdict.REFUSED
    assert report.findings == ()
    extension = name.rsplit(".", 1)[1]
    assert_reason_mentions(report, rf"\.{extension}|key file|name|extension")


def test_pfx_renamed_crt_is_secret():
    report = scan(kf.pfx("aes"), "server.crt")

    assert_secret(report, "pkcs12", offset=0)


def test_pem_key_named_txt_is_secret():
    report = scan(kf.pkcs8_pem(), "notes.txt")

    assert_secret(report, "pkcs8-private-key", offset=0)


def test_key_named_as_a_certificate_is_secret():
    report = scan(kf.pkcs1_der(), "server.cer")

    assert_secret(report, "rsa-private-key", offset=0)


# --------------------------------------------------------------------------- odd certificates


def _with_invalid_version(der: bytes) -> bytes:
    """The certificate with its version field set to 3 (an X.509 "v4", which does not exist)."""
    at = der.index(bytes.fromhex("a003020102")) + 4
    return der[:at] + b"\x03" + der[at + 1 :]


def test_der_certificate_with_an_invalid_version_is_refused_not_raised():
    report = scan(_with_invalid_version(kf.cert_der()), "server.crt")

    assert report.verdict is Verdict.REFUSED
    assert report.findings == ()


def test_pem_certificate_with_an_invalid_version_is_refused_not_raised():
    der = _with_invalid_version(kf.cert_der())
    pem = b"-----BEGIN CERTIFICATE-----\n" + kf.b64(der, 64) + b"\n-----END CERTIFICATE-----\n"

    report = scan(pem, "server.crt")

    assert report.verdict is Verdict.REFUSED
    assert report.findings == ()
