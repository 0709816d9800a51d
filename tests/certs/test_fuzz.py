"""Untrusted bytes never crash the loaders: they load or raise a BundleGuardError."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bundleguard import asn1
from bundleguard.certs.load import detect_format, load_certificates
from bundleguard.certs.pkcs12 import _protection
from bundleguard.errors import BundleGuardError
from tests.certs import pki

CHAIN = pki.make_chain()
SEEDS = [
    pki.pem(*CHAIN.certs),
    pki.der(CHAIN.leaf),
    pki.make_pkcs12(CHAIN, b"pw"),
    pki.mismatched_pkcs12(CHAIN, CHAIN.leaf_key),
]


def _mutate(data: bytes, position: int, value: int, cut: int) -> bytes:
    position %= len(data)
    mutated = data[:position] + bytes([value]) + data[position + 1 :]
    return mutated[: max(1, len(mutated) - cut)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.sampled_from(SEEDS),
    position=st.integers(0, 10_000),
    value=st.integers(0, 255),
    cut=st.integers(0, 64),
)
def test_mutated_certificate_files_load_or_raise_a_user_error(seed, position, value, cut):
    data = _mutate(seed, position, value, cut)
    detect_format(data)
    _protection(data)
    try:
        load_certificates(data, "fuzz.bin", b"pw")
    except BundleGuardError as error:
        assert str(error)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_load_or_raise_a_user_error(data):
    assert detect_format(data) in {"pem", "der", "pkcs7", "pkcs12", "unknown"}
    with contextlib.suppress(BundleGuardError):
        load_certificates(data)
    with contextlib.suppress(asn1.DerError):
        list(asn1.iter_nodes(data))
