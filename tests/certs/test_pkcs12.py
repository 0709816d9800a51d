"""The PKCS#12 from the export step: contents, protection, re-wrapping."""

from __future__ import annotations

import pytest

from bundleguard.certs.pkcs12 import inspect_pkcs12, rewrap_pkcs12
from bundleguard.errors import InputError, PassphraseError
from tests.certs import pki

PASS = b"correct horse"


def test_aes_export_with_key_and_chain_is_fine(rsa_chain):
    report = inspect_pkcs12(pki.make_pkcs12(rsa_chain, PASS), "export.p12", PASS)
    assert report.certificate == rsa_chain.leaf
    assert report.has_private_key and report.key_matches_certificate
    assert set(report.chain) == {*rsa_chain.intermediates, rsa_chain.root}
    assert report.passphrase_protected
    assert report.key_encryption == "AES-256-CBC (PBKDF2 HMAC-SHA256)"
    assert report.mac_algorithm == "SHA-256"
    assert not report.legacy_encryption
    assert report.problems == () and report.warnings == ()


def test_3des_export_is_reported_as_legacy(rsa_chain):
    report = inspect_pkcs12(pki.make_pkcs12(rsa_chain, PASS, legacy=True), "old.pfx", PASS)
    assert report.legacy_encryption
    assert report.key_encryption.startswith("3DES")
    assert "legacy encryption" in report.warnings[0]
    assert report.problems == ()


def test_export_without_passphrase_is_a_loud_problem(rsa_chain):
    report = inspect_pkcs12(pki.make_pkcs12(rsa_chain, None), "open.pfx")
    assert not report.passphrase_protected
    assert report.key_encryption == "none"
    assert "NOT protected by a passphrase" in report.problems[0]


def test_export_without_chain_asks_to_export_again(rsa_chain):
    report = inspect_pkcs12(pki.make_pkcs12(rsa_chain, PASS, with_chain=False), "", PASS)
    assert report.chain == ()
    assert any("no certificate chain" in p for p in report.problems)


def test_export_without_key_is_a_problem(rsa_chain):
    report = inspect_pkcs12(pki.make_pkcs12(rsa_chain, PASS, with_key=False), "", PASS)
    assert not report.has_private_key
    assert any("no private key" in p for p in report.problems)


def test_key_that_does_not_match_the_certificate_is_a_problem(chain):
    report = inspect_pkcs12(pki.mismatched_pkcs12(chain, pki.new_key()), "odd.p12")
    assert report.certificate == chain.leaf
    assert report.key_matches_certificate is False
    assert any("does not match" in p for p in report.problems)


def test_missing_passphrase_is_a_passphrase_error(rsa_chain):
    with pytest.raises(PassphraseError):
        inspect_pkcs12(pki.make_pkcs12(rsa_chain, PASS), "export.p12")


def test_rewrap_defaults_to_aes_256_with_the_new_passphrase_only(rsa_chain):
    old = pki.make_pkcs12(rsa_chain, PASS, legacy=True)
    new = rewrap_pkcs12(old, PASS, b"n3w pass", kdf_rounds=2048)
    report = inspect_pkcs12(new, "new.p12", b"n3w pass")
    assert report.key_encryption == "AES-256-CBC (PBKDF2 HMAC-SHA256)"
    assert report.certificate == rsa_chain.leaf and report.key_matches_certificate
    assert len(report.chain) == 2
    with pytest.raises(PassphraseError):
        inspect_pkcs12(new, "new.p12", PASS)


def test_rewrap_legacy_uses_3des(rsa_chain):
    new = rewrap_pkcs12(pki.make_pkcs12(rsa_chain, PASS), PASS, b"n3w", legacy=True)
    report = inspect_pkcs12(new, "", b"n3w")
    assert report.key_encryption.startswith("3DES") and report.mac_algorithm == "SHA-1"


def test_rewrap_protects_an_unprotected_export(rsa_chain):
    new = rewrap_pkcs12(pki.make_pkcs12(rsa_chain, None), None, b"n3w", kdf_rounds=2048)
    assert inspect_pkcs12(new, "", b"n3w").passphrase_protected


def test_rewrap_refuses_an_empty_new_passphrase(rsa_chain):
    with pytest.raises(PassphraseError, match="must not be empty"):
        rewrap_pkcs12(pki.make_pkcs12(rsa_chain, PASS), PASS, b"")


def test_rewrap_refuses_a_mismatched_key(chain):
    with pytest.raises(InputError):
        rewrap_pkcs12(pki.mismatched_pkcs12(chain, pki.new_key()), None, b"n3w")
