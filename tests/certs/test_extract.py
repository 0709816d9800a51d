"""Extracting certificates only, with meaningful and safe file names."""

from __future__ import annotations

import dataclasses

import pytest

from bundleguard.certs.extract import check_certificates_only, extract_chain, safe_name_part
from bundleguard.certs.load import load_certificates
from bundleguard.errors import InputError
from tests.certs import pki


def test_chain_from_a_pkcs12_becomes_numbered_files_and_a_full_chain(rsa_chain):
    certs = load_certificates(pki.make_pkcs12(rsa_chain, b"pw"), "export.p12", b"pw")
    result = extract_chain(certs, anchors=())
    assert [f.filename for f in result.files] == [
        "01-leaf-support.example.com.crt",
        "02-intermediate-Test_Intermediate_CA_1.crt",
        "03-root-Test_Root_CA.crt",
        "full-chain-support.example.com.pem",
    ]
    assert load_certificates(result.files[-1].data) == tuple(rsa_chain.certs)


def test_extracted_files_hold_certificates_only(chain):
    mixed = pki.key_pem(chain.leaf_key) + pki.pem(*chain.certs)
    for extracted in extract_chain(load_certificates(mixed), anchors=()).files:
        assert b"PRIVATE KEY" not in extracted.data
        assert extracted.data.count(b"-----BEGIN CERTIFICATE-----") >= 1
        assert extracted.data.replace(b"\n", b"").startswith(b"-----BEGIN CERTIFICATE-----")


def test_wildcard_leaf_gets_a_safe_name():
    chain = pki.make_chain(["*.example.com"])
    names = [f.filename for f in extract_chain(chain.certs, anchors=()).files]
    assert names[0] == "01-leaf-wildcard.example.com.crt"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('a:b*c?"d<e>f|g', "a_bwildcardc_d_e_f_g"),
        ("CON", "_CON"),
        ("nul.example", "_nul.example"),
        ("com1", "_com1"),
        ("...", "unnamed"),
        ("name. ", "name"),
        ("../../etc/passwd", "etc_passwd"),
        ("Zertifizierungsstelle Ä", "Zertifizierungsstelle"),
    ],
)
def test_names_are_safe_on_windows(text, expected):
    assert safe_name_part(text) == expected


def test_unrelated_certificates_are_kept_as_other(chain):
    stranger = pki.self_signed(["stranger.example.org"], ca=True).leaf
    result = extract_chain([*chain.certs, stranger], anchors=())
    assert result.files[3].filename == "04-other-stranger.example.org.crt"
    assert result.chain.problems


def test_a_key_slipped_into_an_extraction_is_refused_before_writing(chain):
    extraction = extract_chain(chain.certs, anchors=())
    forged = dataclasses.replace(
        extraction.files[0], data=extraction.files[0].data + pki.key_pem(chain.leaf_key)
    )
    tampered = dataclasses.replace(extraction, files=(forged, *extraction.files[1:]))
    with pytest.raises(InputError, match="not certificates only"):
        check_certificates_only(tampered)
    assert check_certificates_only(extraction) is extraction
