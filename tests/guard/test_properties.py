"""Properties: a key hidden anywhere in any encoding is found where it is; no input raises."""

from __future__ import annotations

import functools
import json
import random
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bundleguard.guard import FileReport, Verdict, classify_bytes, find_private_keys
from tests.guard import keyforge as kf


@dataclass(frozen=True)
class Hidden:
    """A key already encoded, and where in `payload` its first byte sits."""

    label: str
    kind: str
    payload: bytes
    offsets: frozenset[int]


def _text_forms(label: str, kind: str, pem: bytes) -> list[Hidden]:
    forms = []
    line = b"\n" + pem
    forms.append(Hidden(f"{label}/pem", kind, line, frozenset({1})))
    forms.append(Hidden(f"{label}/crlf", kind, kf.crlf(line), frozenset({2})))
    for endian in ("le", "be"):
        encoded = kf.utf16(line, endian)
        # For big-endian the key's first character is 00 2D: the 2D is tolerated too.
        offsets = {2} if endian == "le" else {2, 3}
        forms.append(Hidden(f"{label}/utf16{endian}", kind, encoded, frozenset(offsets)))
    quoted = b'{"key": ' + kf.json_string(pem) + b"}"
    forms.append(Hidden(f"{label}/json", kind, quoted, frozenset({quoted.index(pem[:12])})))
    return forms


def _binary_forms(label: str, kind: str, der: bytes) -> list[Hidden]:
    one_line = b'"' + kf.b64(der) + b'"'
    return [
        Hidden(f"{label}/der", kind, der, frozenset({0})),
        Hidden(f"{label}/base64", kind, one_line, frozenset({1})),
    ]


@functools.cache
def hidden_keys() -> tuple[Hidden, ...]:
    """A small pool of keys in every encoding, built once (a plain value keeps
    hypothesis's failure report short)."""
    pool = []
    pool += _text_forms("pkcs1", "rsa-private-key", kf.pkcs1_pem(kf.rsa_key(3, 1024)))
    pool += _text_forms("pkcs8-ec", "pkcs8-private-key", kf.pkcs8_pem(kf.ec_key()))
    pool += _text_forms("sec1", "ec-private-key", kf.sec1_pem())
    pool += _text_forms("openssh", "openssh-private-key", kf.openssh_pem())
    pool += _text_forms("ppk", "putty-private-key", kf.ppk(3))
    pool += _binary_forms("pkcs1", "rsa-private-key", kf.pkcs1_der(kf.rsa_key(3, 1024)))
    pool += _binary_forms("pkcs8-ed25519", "pkcs8-private-key", kf.pkcs8_der(kf.ed25519_key()))
    pool += _binary_forms("sec1", "ec-private-key", kf.sec1_der())
    pool += _binary_forms("pkcs8-enc", "encrypted-pkcs8-private-key", kf.encrypted_pkcs8_der())
    return tuple(pool)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    choice=st.integers(min_value=0, max_value=10_000),
    before=st.binary(max_size=3000),
    after=st.binary(max_size=3000),
)
def test_key_embedded_in_random_bytes_is_flagged_at_its_offset(choice, before, after):
    pool = hidden_keys()
    hidden = pool[choice % len(pool)]
    data = before + hidden.payload + after
    expected = {len(before) + offset for offset in hidden.offsets}
    if "utf16" in hidden.label:
        # 00 2D 00 2D ... reads as UTF-16LE from the 2D or UTF-16BE from the 00: when the
        # byte before the key is a NUL, either start is right.
        expected |= {offset - 1 for offset in expected if data[offset - 1 : offset] == b"\x00"}

    findings = find_private_keys(data, "blob.bin")

    hits = [f for f in findings if f.kind == hidden.kind and f.offset in expected and not f.damaged]
    assert hits, (hidden.label, len(before), [(f.kind, f.offset, f.damaged) for f in findings])
    assert classify_bytes(data, "blob.bin").verdict is Verdict.SECRET


def test_every_hidden_form_is_found_without_noise_around_it():
    for hidden in hidden_keys():
        findings = find_private_keys(hidden.payload, "blob.bin")
        assert any(f.kind == hidden.kind and f.offset in hidden.offsets for f in findings), (
            hidden.label,
            findings,
        )


# --------------------------------------------------------------------------- fuzz


def _assert_is_a_report(data: bytes, name: str) -> FileReport:
    findings = find_private_keys(data, name)
    assert isinstance(findings, tuple)
    report = classify_bytes(data, name)
    assert isinstance(report, FileReport)
    assert report.verdict in set(Verdict)
    json.dumps(report.to_json())
    return report


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=4096), name=st.sampled_from(["x.bin", "x.pem", "x.zip", "x.p12"]))
def test_arbitrary_bytes_never_raise(data, name):
    _assert_is_a_report(data, name)


def _seeds() -> dict[str, bytes]:
    """Real keys, containers and certificates to mutate."""
    small_rsa = kf.rsa_key(3, 1024)
    return {
        "pkcs1-pem": kf.pkcs1_pem(small_rsa),
        "pkcs8-der": kf.pkcs8_der(kf.ec_key()),
        "pkcs1-der": kf.pkcs1_der(small_rsa),
        "openssh": kf.openssh_pem(),
        "ppk": kf.ppk(2, small_rsa),
        "pgp": kf.pgp_private_key_block(small_rsa),
        "ssh2": kf.ssh2_private_key(small_rsa),
        "pfx": kf.pfx("none"),
        "jks": kf.java_keystore("jks"),
        "pvk": kf.pvk(small_rsa),
        "cng": kf.cng_rsa_private_blob(small_rsa),
        "openssl-text": kf.openssl_text(small_rsa),
        "zip-with-key": kf.zip_of({"a/key.pem": kf.pkcs1_pem(small_rsa)}),
        "tgz-with-key": kf.tar_of({"key.der": kf.pkcs1_der(small_rsa)}, "w:gz"),
        "base64-der": kf.b64(kf.pkcs1_der(small_rsa), 64),
        "utf16-pem": kf.utf16(kf.sec1_pem(), "le", bom=True),
        "cert": kf.cert_der(),
        "chain": kf.chain_pem(),
        "pkcs7": kf.pkcs7_certs(),
        "png": kf.png(),
        "png-plus-zip": kf.png() + kf.zip_of({"k.pem": kf.sec1_pem()}),
    }


# Seeds that are nothing but a key (or a key container) from their first byte.
KEY_ONLY = {"pkcs1-pem", "pkcs8-der", "pkcs1-der", "openssh", "ppk", "pgp", "ssh2", "pfx", "jks"}
KEY_ONLY |= {"pvk", "cng", "openssl-text", "zip-with-key", "tgz-with-key", "base64-der"}
KEY_ONLY |= {"utf16-pem"}


@functools.cache
def seeds() -> dict[str, bytes]:
    return _seeds()


def _mutate(data: bytes, how: str, rng: random.Random) -> bytes:
    if not data:
        return data
    if how == "truncate":
        return data[: rng.randrange(len(data))]
    if how == "flip":
        out = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
        return bytes(out)
    if how == "insert":
        at = rng.randrange(len(data))
        return data[:at] + rng.randbytes(rng.randint(1, 64)) + data[at:]
    if how == "delete":
        at = rng.randrange(len(data))
        return data[:at] + data[at + rng.randint(1, 64) :]
    if how == "splice":
        at = rng.randrange(len(data))
        return data[at:] + data[:at]
    raise ValueError(how)


MUTATIONS = ["truncate", "flip", "insert", "delete", "splice"]


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pick=st.integers(min_value=0, max_value=1000),
    how=st.sampled_from(MUTATIONS),
    rng_seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_mutated_keys_certificates_and_archives_never_raise(pick, how, rng_seed):
    name = sorted(seeds())[pick % len(seeds())]
    mutated = _mutate(seeds()[name], how, random.Random(rng_seed))

    report = _assert_is_a_report(mutated, "upload.bin")

    if name in KEY_ONLY and how == "flip":
        # A key with a few flipped bits is still a key, or a damaged one: never accepted.
        assert not report.may_enter_bundle, (name, report.verdict)


@pytest.mark.parametrize("name", sorted(KEY_ONLY))
def test_every_prefix_of_a_key_file_is_handled_and_never_accepted(name):
    data = seeds()[name]
    step = max(1, len(data) // 40)
    for end in range(0, len(data), step):
        report = _assert_is_a_report(data[:end], "upload.bin")
        assert not report.may_enter_bundle, (name, end, report.verdict)
