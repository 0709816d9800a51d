"""The fake appliance itself: per-SNI certificates, a default, clean start and stop, no key left."""

from __future__ import annotations

import datetime
import socket
import ssl
import tempfile
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import (
    ExtendedKeyUsageOID,
    ExtensionOID,
    NameOID,
    SignatureAlgorithmOID,
)

from bundleguard.probe.fake import FakeAppliance, FakeAppliances, FakePKI

from .conftest import PRIMARY, SITE


def served_leaf(appliance: FakeAppliance, sni: str | None) -> x509.Certificate:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with (
        socket.create_connection(appliance.address, timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=sni) as tls,
    ):
        return x509.load_der_x509_certificate(tls.getpeercert(binary_form=True))


def test_fake_serves_the_certificate_for_the_sni_name_and_a_default_otherwise(
    start_appliance, pki, site_cert
):
    default = pki.issue(["default.example.test"])
    appliance = start_appliance(PRIMARY, default=default, certificates={SITE: site_cert})

    assert served_leaf(appliance, SITE) == site_cert.leaf
    assert served_leaf(appliance, None) == default.leaf
    assert served_leaf(appliance, "unknown.example.test") == default.leaf


def test_fake_listens_on_loopback_only(start_appliance, site_cert):
    appliance = start_appliance(PRIMARY, default=site_cert)

    assert appliance.address[0] == "127.0.0.1"
    assert appliance.spec == f"{PRIMARY}=127.0.0.1:{appliance.port}"


def test_stopped_fake_refuses_connections(site_cert):
    with FakeAppliance(PRIMARY, default=site_cert) as appliance:
        address = appliance.address
        served_leaf(appliance, SITE)

    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(address, timeout=5).close()


def test_fake_leaves_no_key_file_on_disk(monkeypatch, site_cert):
    made: list[Path] = []
    real_mkdtemp = tempfile.mkdtemp

    def recording_mkdtemp(*args, **kwargs):
        path = real_mkdtemp(*args, **kwargs)
        made.append(Path(path))
        return path

    monkeypatch.setattr(tempfile, "mkdtemp", recording_mkdtemp)

    with FakeAppliance(PRIMARY, default=site_cert) as appliance:
        assert made, "the fake is expected to load its key through a private temp dir"
        assert not any(path.exists() for path in made)  # gone before the first client
        served_leaf(appliance, SITE)


def test_several_fakes_start_and_stop_together(pki, site_cert):
    fakes = [FakeAppliance(f"node{i}.example.test", default=site_cert) for i in range(3)]
    with FakeAppliances(fakes) as running:
        ports = {appliance.port for appliance in running}
        assert len(ports) == 3
        assert all(served_leaf(appliance, SITE) == site_cert.leaf for appliance in running)


def test_tls_fake_without_a_default_certificate_is_refused():
    with pytest.raises(ValueError, match="default certificate"):
        FakeAppliance(PRIMARY)


def test_fake_stalls_only_on_the_connections_it_is_told_to(start_appliance, site_cert):
    appliance = start_appliance(PRIMARY, default=site_cert, stall_on={2})

    assert served_leaf(appliance, SITE) == site_cert.leaf
    with (
        socket.create_connection(appliance.address, timeout=5) as raw,
        pytest.raises(TimeoutError),
    ):
        raw.settimeout(0.5)
        raw.recv(1)  # connection 2: accepted, and never a word
    assert served_leaf(appliance, SITE) == site_cert.leaf
    assert appliance.connections == 3


def _validity() -> tuple[datetime.datetime, datetime.datetime]:
    now = datetime.datetime.now(datetime.UTC)
    return now - datetime.timedelta(days=1), now + datetime.timedelta(days=30)


def test_the_shared_signer_writes_exactly_the_extensions_asked_for_in_order():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "signer.example.test")])
    not_before, not_after = _validity()
    cert = FakePKI.sign_certificate(
        subject=name,
        issuer=name,
        public_key=key.public_key(),
        signing_key=key,
        not_before=not_before,
        not_after=not_after,
        extensions=[
            (x509.SubjectAlternativeName([x509.DNSName("signer.example.test")]), False),
            (x509.BasicConstraints(ca=False, path_length=None), True),
        ],
        serial_number=4711,
    )

    assert [ext.oid for ext in cert.extensions] == [
        ExtensionOID.SUBJECT_ALTERNATIVE_NAME,
        ExtensionOID.BASIC_CONSTRAINTS,
    ]
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).critical
    assert cert.serial_number == 4711
    assert isinstance(cert.signature_hash_algorithm, hashes.SHA256)
    cert.verify_directly_issued_by(cert)


def test_the_shared_signer_makes_a_verifiable_sha1_signature_with_an_rsa_issuer():
    issuer_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Old RSA CA")])
    not_before, not_after = _validity()
    kwargs = {
        "subject": x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "old.example.test")]),
        "issuer": issuer,
        "public_key": leaf_key.public_key(),
        "not_before": not_before,
        "not_after": not_after,
        "hash_algorithm": hashes.SHA1(),
    }
    cert = FakePKI.sign_certificate(signing_key=issuer_key, **kwargs)

    assert cert.signature_algorithm_oid == SignatureAlgorithmOID.RSA_WITH_SHA1
    issuer_key.public_key().verify(
        cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), hashes.SHA1()
    )
    with pytest.raises(ValueError, match="RSA issuer"):
        FakePKI.sign_certificate(signing_key=leaf_key, **kwargs)


def test_issued_chain_verifies_up_to_the_root(pki, site_cert):
    leaf, intermediate = site_cert.chain
    leaf.verify_directly_issued_by(intermediate)
    intermediate.verify_directly_issued_by(pki.root)
    pki.root.verify_directly_issued_by(pki.root)
    assert leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value == (
        x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH])
    )
