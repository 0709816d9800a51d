"""Fixtures for the probe tests: a throwaway PKI and fake appliances on loopback only."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest

from bundleguard.probe.fake import LOOPBACK, FakeAppliance, FakePKI, ServedCertificate

SITE = "support.example.test"
PRIMARY = "primary.example.test"
BACKUP = "backup.example.test"


@pytest.fixture(scope="session")
def pki() -> FakePKI:
    return FakePKI("Probe Test")


@pytest.fixture(scope="session")
def site_cert(pki: FakePKI) -> ServedCertificate:
    """The certificate a correctly replicated pair serves: site and both appliance names."""
    return pki.issue([SITE, PRIMARY, BACKUP])


@pytest.fixture
def start_appliance() -> Iterator[Callable[..., FakeAppliance]]:
    """`start_appliance(name, default=..., certificates=..., behaviour=...)`, stopped after."""
    running: list[FakeAppliance] = []

    def start(name: str, **kwargs) -> FakeAppliance:
        appliance = FakeAppliance(name, **kwargs).start()
        running.append(appliance)
        return appliance

    yield start
    for appliance in running:
        appliance.stop()


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]
