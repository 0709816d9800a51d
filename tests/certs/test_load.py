"""Loading certificates from every container an admin may drop in."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.serialization import pkcs7

from bundleguard.certs.load import (
    PassphraseNeeded,
    WrongPassphrase,
    detect_format,
    load_certificates,
)
from bundleguard.errors import InputError, PassphraseError
from tests.certs import pki


def test_pem_with_many_certificates_and_text_around_them_loads_all_in_order(chain):
    data = b"Subject: my chain\n" + pki.pem(chain.root) + b"\nnotes\n" + pki.pem(chain.leaf)
    assert load_certificates(data) == (chain.root, chain.leaf)


def test_pem_with_a_private_key_keeps_only_the_certificates(chain):
    data = pki.key_pem(chain.leaf_key) + pki.pem(chain.leaf)
    assert load_certificates(data) == (chain.leaf,)


def test_pem_with_only_a_key_says_there_is_no_certificate(chain):
    with pytest.raises(InputError, match="private key but no certificate"):
        load_certificates(pki.key_pem(chain.leaf_key), "server.key")


def test_der_certificate_loads(chain):
    assert load_certificates(pki.der(chain.leaf)) == (chain.leaf,)


def test_pkcs7_der_and_pem_load(chain):
    from cryptography.hazmat.primitives.serialization import Encoding

    der = pkcs7.serialize_certificates(chain.certs, Encoding.DER)
    pem = pkcs7.serialize_certificates(chain.certs, Encoding.PEM)
    assert detect_format(der) == "pkcs7"
    assert set(load_certificates(der)) == set(chain.certs)
    assert set(load_certificates(pem)) == set(chain.certs)


def test_pkcs12_with_passphrase_gives_leaf_then_chain(rsa_chain):
    data = pki.make_pkcs12(rsa_chain, b"s3cret")
    assert detect_format(data) == "pkcs12"
    assert load_certificates(data, "export.p12", b"s3cret")[0] == rsa_chain.leaf


def test_pkcs12_without_passphrase_opens_without_asking(rsa_chain):
    data = pki.make_pkcs12(rsa_chain, None)
    assert len(load_certificates(data)) == 3


def test_pkcs12_needs_a_passphrase_and_says_so(rsa_chain):
    data = pki.make_pkcs12(rsa_chain, b"s3cret")
    with pytest.raises(PassphraseNeeded, match=r"'export\.p12' is protected by a passphrase"):
        load_certificates(data, "export.p12")


def test_wrong_passphrase_is_a_clear_error_without_the_passphrase(rsa_chain):
    data = pki.make_pkcs12(rsa_chain, b"s3cret")
    with pytest.raises(WrongPassphrase) as caught:
        load_certificates(data, "export.p12", b"guess-Xy9")
    assert isinstance(caught.value, PassphraseError)
    assert "wrong" in str(caught.value)
    assert "guess-Xy9" not in str(caught.value)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello world",
        b"\x30\x82\xff\xff\x00",
        b"-----BEGIN CERTIFICATE-----\n@@@\n-----END CERTIFICATE-----\n",
    ],
    ids=["empty", "text", "truncated-der", "bad-base64"],
)
def test_corrupt_input_is_an_input_error(data):
    with pytest.raises(InputError):
        load_certificates(data, "broken.crt")


def test_truncated_pkcs12_is_not_a_passphrase_problem(rsa_chain):
    data = pki.make_pkcs12(rsa_chain, b"s3cret")[:200]
    with pytest.raises(InputError):
        load_certificates(data, "export.p12")
