"""Fixtures for certificate tests: generated PKIs, nothing read from disk."""

from __future__ import annotations

import pytest

from tests.certs import pki


@pytest.fixture(scope="session")
def chain() -> pki.Chain:
    """root -> intermediate -> leaf for support.example.com and two appliances."""
    return pki.make_chain(["support.example.com", "primary.example.com", "backup.example.com"])


@pytest.fixture(scope="session")
def wildcard_chain() -> pki.Chain:
    return pki.make_chain(["support.example.com"], wildcard="example.com")


@pytest.fixture(scope="session")
def rsa_chain() -> pki.Chain:
    """An RSA leaf, for PKCS#12 files as appliances export them."""
    return pki.make_chain(["support.example.com"], key_size=2048)
