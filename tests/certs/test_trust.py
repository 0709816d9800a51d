"""Trust: the plain answer to "does support need to rebuild the software?"."""

from __future__ import annotations

import ssl
import sys

import pytest

from bundleguard.certs import roots
from bundleguard.certs.anchors import NO_ANCHORS, TrustAnchors
from bundleguard.certs.trust import check_trust
from tests.certs import pki


def test_private_ca_needs_a_software_update(chain):
    report = check_trust(chain.certs, anchors=NO_ANCHORS)
    assert not report.publicly_trusted and not report.trusted_by_system
    assert report.needs_software_update
    assert report.summary.startswith("issued by a private CA / self-signed — send it to support")


def test_self_signed_certificate_needs_a_software_update():
    cert = pki.self_signed(["appliance.example.com"]).leaf
    report = check_trust([cert])
    assert report.needs_software_update
    assert report.summary.startswith("self-signed — send it to support")


def test_chain_to_a_public_root_needs_no_update(chain):
    # Our generated root stands in for a Mozilla root.
    report = check_trust(chain.certs[:-1], anchors=TrustAnchors(public=(chain.root,)))
    assert report.publicly_trusted
    assert not report.needs_software_update
    assert report.summary == "publicly trusted — no software update needed"


def test_expired_leaf_from_a_public_ca_still_needs_no_update():
    chain = pki.make_chain(expired=True)
    report = check_trust(chain.certs, anchors=TrustAnchors(public=(chain.root,)))
    assert not report.publicly_trusted
    assert report.issued_by_public_ca and not report.needs_software_update
    assert "no software update needed" in report.summary


def test_hostname_is_checked_when_given(chain):
    good = check_trust(
        chain.certs, "support.example.com", anchors=TrustAnchors(public=(chain.root,))
    )
    bad = check_trust(
        chain.certs, "elsewhere.example.org", anchors=TrustAnchors(public=(chain.root,))
    )
    assert good.publicly_trusted and not bad.publicly_trusted
    assert not bad.needs_software_update


def test_private_ca_trusted_by_this_machine_still_needs_an_update(chain):
    report = check_trust(chain.certs, anchors=TrustAnchors(system=(chain.root,)))
    assert report.trusted_by_system and not report.publicly_trusted
    assert report.needs_software_update
    assert "This machine trusts it" in report.summary


def test_incomplete_private_chain_asks_for_the_missing_certificate(chain):
    report = check_trust([chain.leaf])
    assert report.verdict == "incomplete"
    assert "incomplete" in report.summary


def test_wildcard_leaf_verifies_without_a_hostname():
    leaf_only = pki.make_chain(["*.example.com"])
    report = check_trust(leaf_only.certs, anchors=TrustAnchors(public=(leaf_only.root,)))
    assert report.publicly_trusted


def test_certifi_roots_are_loaded():
    assert len(roots.public_roots()) > 50


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_windows_and_macos_read_the_store_through_ssl(monkeypatch, chain, platform):
    asked = []

    class FakeContext:
        def get_ca_certs(self, binary_form=False):
            asked.append(binary_form)
            return [pki.der(chain.root)]

    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setattr(ssl, "create_default_context", lambda: FakeContext())
    assert roots.load_system_roots() == (chain.root,)
    assert asked == [True]


def test_linux_reads_the_distribution_bundle_file(monkeypatch, tmp_path, chain):
    bundle = tmp_path / "ca-certificates.crt"
    bundle.write_bytes(pki.pem(chain.root))
    paths = ssl.DefaultVerifyPaths(str(bundle), None, "", "", "", "")
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(ssl, "get_default_verify_paths", lambda: paths)
    assert roots.load_system_roots() == (chain.root,)


def test_linux_without_any_bundle_falls_back_to_ssl(monkeypatch, chain):
    paths = ssl.DefaultVerifyPaths("/nonexistent/ca.pem", None, "", "", "", "")
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(roots, "UNIX_BUNDLE_FILES", ())
    monkeypatch.setattr(ssl, "get_default_verify_paths", lambda: paths)

    class FakeContext:
        def get_ca_certs(self, binary_form=False):
            return [pki.der(chain.root)]

    monkeypatch.setattr(ssl, "create_default_context", lambda: FakeContext())
    assert roots.load_system_roots() == (chain.root,)
