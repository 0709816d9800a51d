"""Promises that only a test aimed at them can keep: the file published is the file
verified; a PKCS#7's other fields never travel; each certificate is parsed once while a
bundle is planned; untrusted names cannot forge the terminal output."""

from __future__ import annotations

import datetime as dt
import os
import zipfile

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import pkcs7

from bundleguard import asn1
from bundleguard.bundle import writer
from bundleguard.bundle.plan import BundleInput, plan_bundle
from bundleguard.bundle.writer import BundleVerificationError, write_bundle
from bundleguard.cli import main
from tests.bundle.conftest import PRIMARY, SITE, good_plan, screenshot_png
from tests.certs import pki

NO_ROOTS = {"public_anchors": (), "system_anchors": ()}


def test_a_bundle_changed_between_verify_and_rename_is_deleted(chain, out_dir, monkeypatch):
    real_publish = writer.publish

    def tamper_then_publish(temp, final, force):
        # Someone (or a bug) rewrites the verified file before it gets its name.
        with zipfile.ZipFile(temp, "a") as archive:
            archive.writestr("extra.txt", b"not verified")
        real_publish(temp, final, force)

    monkeypatch.setattr(writer, "publish", tamper_then_publish)
    plan = good_plan(chain)
    with pytest.raises(BundleVerificationError, match="changed after it was verified"):
        write_bundle(plan, out_dir)
    assert not (out_dir / plan.zip_name).exists()


def test_a_failure_after_the_first_bundle_removes_the_set_and_says_so(
    capsys, inputs, out_dir, monkeypatch
):
    real_publish = writer.publish
    calls = []

    def tamper_second(temp, final, force):
        calls.append(final)
        if len(calls) == 2:
            with zipfile.ZipFile(temp, "a") as archive:
                archive.writestr("extra.txt", b"not verified")
        real_publish(temp, final, force)

    monkeypatch.setattr(writer, "publish", tamper_second)
    second = inputs.add("b.png", screenshot_png())
    code = main(["bundle", "--appliance", PRIMARY, "--appliance", "backup.example.com",
                 "--screenshot", str(inputs.screenshot), "--screenshot", str(second),
                 "--cert", *map(str, inputs.certs), "--out", str(out_dir)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1, err
    assert "changed after it was verified" in err and "Nothing was kept" in err
    assert f"support-bundle-{PRIMARY}.zip" in err  # named as removed
    assert list(out_dir.iterdir()) == []


# --------------------------------------------------------------------------- PKCS#7


def _tlv(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        head = bytes([length])
    else:
        raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
        head = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + head + content


def pkcs7_with_crl(certificates, crl_der: bytes) -> bytes:
    """A certificates-only SignedData that also carries a CRL ([1] crls)."""
    plain = pkcs7.serialize_certificates(certificates, pkcs7.serialization.Encoding.DER)
    content_info = asn1.read_node(plain)
    oid, explicit = content_info.children()
    signed = explicit.children()[0]
    version, digests, inner, certs, *rest = signed.children()
    parts = [_tlv(n.tag, n.content) for n in (version, digests, inner, certs)]
    parts.append(_tlv(0xA1, crl_der))
    parts.extend(_tlv(n.tag, n.content) for n in rest)
    body = _tlv(0x30, b"".join(parts))
    return _tlv(0x30, _tlv(oid.tag, oid.content) + _tlv(0xA0, body))


def test_a_pkcs7_file_travels_as_its_certificates_only(chain, out_dir):
    marker = os.urandom(48)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(chain.root.subject)
        .last_update(dt.datetime(2026, 1, 1))
        .next_update(dt.datetime(2027, 1, 1))
        .add_extension(
            x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.99999.1"), marker),
            critical=False,
        )
        .sign(chain.root_key, hashes.SHA256())
    )
    data = pkcs7_with_crl(
        [chain.leaf, *chain.intermediates], crl.public_bytes(pkcs7.serialization.Encoding.DER)
    )
    assert marker in data
    plan = plan_bundle(
        x509_appliance(),
        BundleInput("shot.png", screenshot_png()),
        [BundleInput("chain.p7b", data)],
        site=SITE,
        **NO_ROOTS,
    )
    assert plan.accepted, plan.refusals
    member = plan.members[1]
    assert member.name == "chain.pem"
    travelled = x509.load_pem_x509_certificates(member.data)
    assert sorted(pki.der(c) for c in travelled) == sorted(
        pki.der(c) for c in (chain.leaf, *chain.intermediates)
    )
    assert member.data == b"".join(pki.pem(c) for c in travelled)  # nothing else
    written = write_bundle(plan, out_dir)
    whole = written.path.read_bytes()
    assert marker not in whole and crl.public_bytes(pkcs7.serialization.Encoding.DER) not in whole
    assert any("re-encoded as PEM" in note for note in plan.notes)


def x509_appliance():
    from bundleguard.bundle.plan import Appliance

    return Appliance(PRIMARY, "primary")


# --------------------------------------------------------------------------- parse once


LOADERS = [
    (x509, "load_der_x509_certificate"),
    (x509, "load_pem_x509_certificate"),
    (x509, "load_pem_x509_certificates"),
    (pkcs7, "load_der_pkcs7_certificates"),
    (pkcs7, "load_pem_pkcs7_certificates"),
]


def test_each_certificate_is_parsed_once_while_a_bundle_is_planned(chain, monkeypatch):
    inputs = [
        BundleInput("leaf.crt", pki.pem(chain.leaf)),
        BundleInput("inter.cer", pki.der(chain.intermediates[0])),
        BundleInput("root-and-inter.pem", pki.pem(chain.root, chain.intermediates[0])),
        BundleInput(
            "chain.p7b",
            pkcs7.serialize_certificates(
                [chain.leaf, chain.root], pkcs7.serialization.Encoding.DER
            ),
        ),
    ]
    shot = BundleInput("shot.png", screenshot_png())
    parsed = {"certificates": 0}

    for module, name in LOADERS:
        real = getattr(module, name)

        def counting(*args, _real=real, **kwargs):
            result = _real(*args, **kwargs)
            parsed["certificates"] += len(result) if isinstance(result, list) else 1
            return result

        monkeypatch.setattr(module, name, counting)
    plan = plan_bundle(x509_appliance(), shot, inputs, site=SITE, **NO_ROOTS)
    assert plan.accepted, plan.refusals
    assert parsed["certificates"] == 1 + 1 + 2 + 2  # one parse per certificate of each file


# --------------------------------------------------------------------------- terminal


FORGED = "leaf\x1b[2J\nResult: OK"


def test_a_file_name_cannot_clear_the_screen_or_forge_a_line(capsys, inputs, out_dir, chain):
    try:
        cert = inputs.add(FORGED + ".crt", pki.pem(chain.leaf))
        key = inputs.add(FORGED + ".pem", pki.key_pem(chain.leaf_key))
    except OSError:
        pytest.skip("this file system refuses control characters in names")
    common = ["bundle", "--appliance", PRIMARY, "--screenshot", str(inputs.screenshot),
              "--site", SITE, "--out", str(out_dir)]  # fmt: skip
    for certs, expected_code in (([cert, inputs.intermediate, inputs.root], 0), ([key], 1)):
        code = main([*common, "--cert", *map(str, certs)])
        captured = capsys.readouterr()
        text = captured.out + captured.err
        assert code == expected_code, text
        assert "\x1b" not in text and "\\x1b[2J\\nResult: OK" in text
        assert not any(line.startswith("Result: OK") for line in text.splitlines())
