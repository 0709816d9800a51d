"""Validity dates and quality rules, as sentences a user reads."""

from __future__ import annotations

import datetime as dt

from bundleguard.certs.validity import check_validity
from tests.certs import pki


def test_fresh_chain_is_fine(chain):
    report = check_validity(chain.certs)
    assert report.ok and report.warnings == ()
    assert report.days_left is not None and report.days_left > 300


def test_expired_leaf_is_a_problem_with_its_date():
    chain = pki.make_chain(expired=True)
    report = check_validity(chain.certs)
    assert not report.ok
    assert "expired on" in report.problems[0]
    assert "support.example.com" in report.problems[0]


def test_not_yet_valid_leaf_is_a_problem():
    report = check_validity(pki.make_chain(not_yet_valid=True).certs)
    assert "not valid yet" in report.problems[0]


def test_expiring_within_the_window_is_a_warning_not_a_problem(chain):
    soon = chain.leaf.not_valid_after_utc - dt.timedelta(days=10)
    report = check_validity(chain.certs, now=soon, expiry_days=30)
    assert report.ok
    assert "expires in 10 days" in report.warnings[0]
    assert check_validity(chain.certs, now=soon, expiry_days=5).warnings == ()


def test_sha1_signature_is_a_problem():
    report = check_validity(pki.make_chain(sha1=True).certs)
    assert any("SHA-1" in p for p in report.problems)


def test_rsa_key_under_2048_bits_is_a_problem():
    report = check_validity(pki.make_chain(key_size=1024).certs)
    assert any("1024-bit key" in p for p in report.problems)


def test_leaf_without_server_auth_is_a_problem():
    report = check_validity(pki.make_chain(server_auth=False).certs)
    assert any("TLS Web Server Authentication" in p for p in report.problems)


def test_leaf_without_any_eku_is_only_a_warning():
    report = check_validity(pki.make_chain(server_auth=None).certs)
    assert report.ok
    assert any("no extended key usage" in w for w in report.warnings)


def test_leaf_with_the_ca_flag_is_a_problem():
    report = check_validity(pki.make_chain(leaf_ca=True).certs)
    assert any("marked as a CA" in p for p in report.problems)


def test_leaf_without_san_gets_a_warning():
    report = check_validity(pki.make_chain(no_san=True).certs)
    assert any("no subjectAltName" in w for w in report.warnings)
