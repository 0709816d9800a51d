"""inspect's core: the JSON form unchanged, bounded time on crafted PEM, damaged fields,
absurd warning periods, host names, and no trust store read inside the core."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from bundleguard.certs import roots
from bundleguard.certs.anchors import NO_ANCHORS, TrustAnchors
from bundleguard.certs.chain import build_chain
from bundleguard.certs.describe import fingerprint_sha256, subject_text
from bundleguard.certs.inspect import InputFile, inspect_files
from bundleguard.certs.load import (
    MAX_CERTIFICATES,
    DamagedCertificateError,
    TooManyCertificatesError,
    load_certificates,
)
from bundleguard.certs.names import HostnameError, normalize_hostname
from bundleguard.errors import InputError
from tests.certs import pki


def old_to_jsonable(value: object) -> object:
    """The `--json` serialiser as it was before `to_json()` (kept to compare against)."""
    if isinstance(value, x509.Certificate):
        return {"subject": subject_text(value), "fingerprint_sha256": fingerprint_sha256(value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {f.name: old_to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        for name in ("ok", "complete"):
            if isinstance(getattr(type(value), name, None), property):
                data[name] = getattr(value, name)
        return data
    if isinstance(value, tuple | list):
        return [old_to_jsonable(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return None
    return value


def _old_order(value: object) -> object:
    """The old form put the summary's fields in its old order (role first)."""
    if isinstance(value, dict) and "certificates" in value:
        keys = ("role", "subject", "issuer", "not_before", "not_after", "fingerprint_sha256")
        value["certificates"] = [
            {**{k: c[k] for k in keys}, "names": c["names"]} for c in value["certificates"]
        ]
    return value


def _dumps(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


@pytest.mark.parametrize(
    "case", ["chain", "incomplete", "pkcs12", "stranger", "replication", "expired"]
)
def test_inspect_json_is_byte_identical_to_the_old_form(case, chain, rsa_chain):
    anchors = NO_ANCHORS
    kwargs: dict = {}
    if case == "chain":
        files = [InputFile("chain.pem", pki.pem(*chain.certs))]
        kwargs = {"site": "support.example.com"}
    elif case == "incomplete":
        files = [InputFile("leaf.pem", pki.pem(chain.leaf))]
        anchors = TrustAnchors(public=(chain.root,))
    elif case == "pkcs12":
        files = [InputFile("export.p12", pki.make_pkcs12(rsa_chain, b"pw"), b"pw")]
    elif case == "stranger":
        stranger = pki.make_chain(["elsewhere.example.org"])
        files = [InputFile("mixed.pem", pki.pem(*chain.certs, stranger.leaf, chain.leaf))]
    elif case == "replication":
        files = [InputFile("chain.pem", pki.pem(*chain.certs))]
        kwargs = {
            "site": "support.example.com",
            "appliances": ["primary.example.com", "backup.example.com"],
            "traffic_nodes": ["node1.example.com"],
        }
    else:
        files = [InputFile("old.pem", pki.pem(*pki.make_chain(expired=True).certs))]
    report = inspect_files(files, anchors=anchors, **kwargs)
    old = _dumps(_old_order(old_to_jsonable(report)))
    assert _dumps(report.to_json()) == old


def test_no_trust_store_is_read_inside_the_core(chain, monkeypatch):
    def refuse():
        raise AssertionError("a trust store was read inside the core")

    monkeypatch.setattr(roots, "public_roots", refuse)
    monkeypatch.setattr(roots, "system_roots", refuse)
    report = inspect_files([InputFile("leaf.pem", pki.pem(chain.leaf))])
    assert not report.chain.complete
    assert build_chain([chain.leaf]).missing_issuer is not None


def _many(count: int) -> bytes:
    cert = pki.pem(pki.self_signed(["one.example.com"]).leaf)
    return cert * count


@pytest.mark.parametrize(
    ("data", "error", "seconds"),
    [
        (lambda: _many(10_000), TooManyCertificatesError, 1.0),
        (lambda: b"-----BEGIN CERTIFICATE-----\nMIIB\n" * 50_000, InputError, 1.0),
    ],
    ids=["10000-certificates", "50000-BEGIN-lines"],
)
def test_crafted_pem_is_refused_in_well_under_a_second(data, error, seconds):
    blob = data()
    start = time.perf_counter()
    with pytest.raises(error):
        inspect_files([InputFile("crafted.pem", blob)])
    assert time.perf_counter() - start < seconds


def test_a_thousand_distinct_certificates_are_ordered_in_linear_time():
    # Many certificates with one issuer name: the index must not try each against all.
    root = pki.make_chain(["x.example.com"])
    leaves = [root.issue_leaf([f"host{i}.example.com"]).leaf for i in range(MAX_CERTIFICATES)]
    start = time.perf_counter()
    report = build_chain([*leaves, root.intermediates[0], root.root])
    took = time.perf_counter() - start
    assert len(report.extra_leaves) == MAX_CERTIFICATES - 1
    assert took < 3.0


def test_the_limit_names_itself():
    with pytest.raises(TooManyCertificatesError, match=f"more than {MAX_CERTIFICATES}"):
        load_certificates(_many(MAX_CERTIFICATES + 1), "bundle.pem")


def _with_duplicated_extension() -> bytes:
    """A certificate carrying extension 1.3.6.1.4.1.55555.7 twice (DER, run-time key).

    cryptography will not build one, so two private extensions are built and the second
    OID is renamed to the first in the DER (the signature no longer matters here).
    """
    key = pki.new_key()
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "dup.example.com")])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2034, 1, 1, tzinfo=dt.UTC))
    )
    for last in (7, 8):
        oid = x509.ObjectIdentifier(f"1.3.6.1.4.1.55555.{last}")
        builder = builder.add_extension(x509.UnrecognizedExtension(oid, b"\x05\x00"), False)
    data = builder.sign(key, hashes.SHA256()).public_bytes(pki.serialization.Encoding.DER)
    prefix = bytes.fromhex("2b0601040183b203")  # 1.3.6.1.4.1.55555.
    assert data.count(prefix + b"\x08") == 1
    return data.replace(prefix + b"\x08", prefix + b"\x07")


def test_a_duplicated_extension_is_a_verdict_about_a_damaged_certificate():
    data = _with_duplicated_extension()
    with pytest.raises(DamagedCertificateError, match="appears twice") as caught:
        inspect_files([InputFile("dup.der", data)])
    assert "1.3.6.1.4.1.55555.7" in str(caught.value)
    assert "DuplicateExtension" not in str(caught.value)


@pytest.mark.parametrize("days", [-1, 36501, 10**12])
def test_an_absurd_warning_period_is_refused_plainly(days, chain):
    with pytest.raises(InputError, match="warning period"):
        inspect_files([InputFile("chain.pem", pki.pem(*chain.certs))], expiry_days=days)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("*.example.com", "wildcard"),
        ("a_b.example.com", "letters, digits and hyphens"),
        ("-edge.example.com", "hyphen"),
        ("edge-.example.com", "hyphen"),
        ("a" * 64 + ".example.com", "longer than 63"),
        (".".join(["a" * 60] * 5), "longer than 253"),
        ("a..b", "empty label"),
        ("bad\x1b[2J.example.com", "invisible character"),
        ("xn--zz.example", "IDNA"),
        ("", "empty"),
    ],
)
def test_a_name_that_is_no_host_name_is_refused_with_its_reason(name, reason):
    with pytest.raises(HostnameError, match=reason.replace(".", r"\.")):
        normalize_hostname(name)


@pytest.mark.parametrize(
    ("name", "normal"),
    [
        ("Support.Example.COM.", "support.example.com"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("192.0.2.7", "192.0.2.7"),
        ("a" * 63 + ".example.com", "a" * 63 + ".example.com"),
    ],
)
def test_host_names_and_ip_literals_are_taken(name, normal):
    assert normalize_hostname(name) == normal
