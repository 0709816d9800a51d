"""The fake appliance itself: per-SNI certificates, a default, clean start and stop, no key left."""

from __future__ import annotations

import socket
import ssl
import tempfile
from pathlib import Path

import pytest
from cryptography import x509

from bundleguard.probe.fake import FakeAppliance, FakeAppliances

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
