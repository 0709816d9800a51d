"""Every private key format is found by its content, as a file of its own."""

from __future__ import annotations

import base64
import os

import pytest

from bundleguard.guard import Verdict, find_private_keys
from tests.guard import keyforge as kf
from tests.guard.conftest import (
    assert_no_key_bytes_in_messages,
    assert_reason_mentions,
    assert_secret,
    scan,
)

# (test id, builder, expected kind). Every builder returns the whole file's bytes.
KEY_FILES = [
    ("pkcs1-rsa-pem", kf.pkcs1_pem, "rsa-private-key"),
    ("pkcs1-rsa-der", kf.pkcs1_der, "rsa-private-key"),
    ("dsa-pem", kf.dsa_pem, "dsa-private-key"),
    ("dsa-der", kf.dsa_der, "dsa-private-key"),
    ("sec1-ec-pem", kf.sec1_pem, "ec-private-key"),
    ("sec1-ec-der", kf.sec1_der, "ec-private-key"),
    ("sec1-ec-p384-pem", lambda: kf.sec1_pem(kf.ec_key("secp384r1")), "ec-private-key"),
    ("pkcs8-rsa-pem", kf.pkcs8_pem, "pkcs8-private-key"),
    ("pkcs8-rsa-der", kf.pkcs8_der, "pkcs8-private-key"),
    ("pkcs8-ec-pem", lambda: kf.pkcs8_pem(kf.ec_key()), "pkcs8-private-key"),
    ("pkcs8-ec-der", lambda: kf.pkcs8_der(kf.ec_key()), "pkcs8-private-key"),
    ("pkcs8-dsa-der", lambda: kf.pkcs8_der(kf.dsa_key()), "pkcs8-private-key"),
    ("pkcs8-ed25519-pem", lambda: kf.pkcs8_pem(kf.ed25519_key()), "pkcs8-private-key"),
    ("pkcs8-ed25519-der", lambda: kf.pkcs8_der(kf.ed25519_key()), "pkcs8-private-key"),
    ("encrypted-pkcs8-pem", kf.encrypted_pkcs8_pem, "encrypted-pkcs8-private-key"),
    ("encrypted-pkcs8-der", kf.encrypted_pkcs8_der, "encrypted-pkcs8-private-key"),
    (
        "encrypted-pkcs8-ec-pem",
        lambda: kf.encrypted_pkcs8_pem(kf.ec_key()),
        "encrypted-pkcs8-private-key",
    ),
    ("legacy-encrypted-rsa-pem", kf.legacy_encrypted_pem, "encrypted-pem-private-key"),
    (
        "legacy-encrypted-ec-pem",
        lambda: kf.legacy_encrypted_pem(kf.ec_key()),
        "encrypted-pem-private-key",
    ),
    ("openssh-ed25519", kf.openssh_pem, "openssh-private-key"),
    ("openssh-rsa", lambda: kf.openssh_pem(kf.rsa_key()), "openssh-private-key"),
    ("openssh-ecdsa", lambda: kf.openssh_pem(kf.ec_key()), "openssh-private-key"),
    ("openssh-encrypted", kf.openssh_encrypted_pem, "openssh-private-key"),
    ("putty-ppk-v2", lambda: kf.ppk(2), "putty-private-key"),
    ("putty-ppk-v3", lambda: kf.ppk(3), "putty-private-key"),
    ("putty-ppk-v3-rsa1024", lambda: kf.ppk(3, kf.rsa_key(3, 1024)), "putty-private-key"),
    ("pgp-private-key-block", kf.pgp_private_key_block, "pgp-private-key"),
    ("ssh2-sshcom-private-key", kf.ssh2_private_key, "ssh2-private-key"),
    ("pkcs12-aes", lambda: kf.pfx("aes"), "pkcs12"),
    ("pkcs12-3des", lambda: kf.pfx("3des"), "pkcs12"),
    ("pkcs12-unencrypted", lambda: kf.pfx("none"), "pkcs12"),
    ("pkcs12-certificates-only", lambda: kf.pfx("none", with_key=False), "pkcs12"),
    ("jks", lambda: kf.java_keystore("jks"), "java-keystore"),
    ("jceks", lambda: kf.java_keystore("jceks"), "java-keystore"),
    ("pvk", kf.pvk, "pvk-private-key"),
    ("capi-privatekeyblob", kf.capi_private_key_blob, "capi-private-key-blob"),
    ("strong-name-snk", lambda: kf.capi_private_key_blob(snk=True), "capi-private-key-blob"),
    ("cng-rsa-private-blob", kf.cng_rsa_private_blob, "cng-private-key-blob"),
    ("cng-ecc-private-blob", kf.cng_ecc_private_blob, "cng-private-key-blob"),
    ("openssl-text-dump", kf.openssl_text, "openssl-text-private-key"),
]


@pytest.mark.parametrize(
    ("build", "kind"), [(b, k) for _, b, k in KEY_FILES], ids=[i for i, _, _ in KEY_FILES]
)
def test_key_file_is_secret_with_its_kind_at_offset_zero(build, kind):
    data = build()

    # A neutral name: content decides, not the extension.
    report = scan(data, "upload.bin")

    finding = assert_secret(report, kind, offset=0)
    assert finding.member is None
    assert report.size in (None, len(data))


@pytest.mark.parametrize(
    ("build", "kind"), [(b, k) for _, b, k in KEY_FILES], ids=[i for i, _, _ in KEY_FILES]
)
def test_key_file_is_found_after_a_text_preamble(build, kind):
    preamble = b"Exported by admin on 2025-01-01 for the failover appliance.\n\n"

    findings = find_private_keys(preamble + build(), "notes.bin")

    assert [f for f in findings if f.kind == kind and f.offset == len(preamble)], findings


@pytest.mark.parametrize(
    ("build", "kind"), [(b, k) for _, b, k in KEY_FILES], ids=[i for i, _, _ in KEY_FILES]
)
def test_secret_report_explains_itself_without_quoting_the_key(build, kind):
    data = build()

    report = scan(data, "upload.bin")

    assert report.reasons
    assert all(reason.strip().endswith((".", "!", ")")) for reason in report.reasons), (
        report.reasons
    )
    assert_no_key_bytes_in_messages(report, data)


def test_pkcs12_reason_says_to_extract_the_certificate_chain():
    report = scan(kf.pfx("aes"), "appliance.pfx")

    assert_secret(report, "pkcs12", offset=0)
    assert_reason_mentions(report, r"extract")
    assert_reason_mentions(report, r"certificate")


def test_pkcs12_holding_only_certificates_is_still_secret():
    # Its contents cannot be known without the passphrase, so it is a key container.
    report = scan(kf.pfx("aes", with_key=False), "chain-only.p12")

    assert_secret(report, "pkcs12", offset=0)


def test_private_key_armor_of_unknown_inner_format_is_secret():
    body = kf.b64(os.urandom(900), 64)
    data = b"-----BEGIN SM2 PRIVATE KEY-----\n" + body + b"\n-----END SM2 PRIVATE KEY-----\n"

    report = scan(data, "upload.txt")

    assert_secret(report, "private-key-block", offset=0)


def test_pem_armor_with_headers_and_extra_blank_lines_is_found():
    pem = kf.pkcs1_pem().replace(
        b"-----\n", b"-----\nComment: exported by the old appliance\n\n", 1
    )

    report = scan(pem, "upload.txt")

    assert report.verdict is Verdict.SECRET


def test_ppk_found_even_when_comment_and_order_vary():
    ppk = kf.ppk(3).replace(b"Comment: rsa-key-20250101", b"Comment: imported-from-openssh key")

    report = scan(ppk, "id.txt")

    # The MAC no longer matches the comment: still a PuTTY key (maybe a damaged one).
    assert report.verdict in (Verdict.SECRET, Verdict.REFUSED)
    assert any(f.kind in ("putty-private-key", "damaged-private-key") for f in report.findings)


def test_der_key_recognised_by_structure_not_by_first_bytes():
    # Starts like a PKCS#1 key (SEQUENCE, version 0, INTEGER) but is a certificate: the
    # DER structure must be parsed, not guessed from a few bytes.
    report = scan(kf.cert_der(), "upload.bin")

    assert report.findings == ()
    assert report.verdict is Verdict.CERTIFICATE


def test_base64_of_a_der_key_is_reported_as_that_key_with_its_encoding():
    der = kf.pkcs8_der()
    data = kf.b64(der, 64)

    report = scan(data, "upload.txt")

    finding = assert_secret(report, "pkcs8-private-key", offset=0)
    assert "base64" in finding.encoding.lower()
    assert base64.b64decode(data) == der
