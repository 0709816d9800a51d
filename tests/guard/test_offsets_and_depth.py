"""Encoded keys at any offset of a run, a key's start alone, and folders nested deep."""

from __future__ import annotations

import base64
import os
import sys

import pytest

from bundleguard.guard import Verdict, scan_paths
from bundleguard.guard.scan import MAX_FOLDER_DEPTH
from tests.guard import keyforge as kf
from tests.guard.conftest import assert_reason_mentions, assert_secret, scan


def _random(size: int) -> bytes:
    # Bytes that are never base64 letters, so the test knows what sits around the key.
    return bytes(0x80 | (b & 0x7F) for b in os.urandom(size))


@pytest.mark.parametrize(
    ("build", "kind"),
    [(kf.pkcs1_der, "rsa-private-key"), (kf.pkcs8_der, "pkcs8-private-key")],
    ids=["pkcs1", "pkcs8"],
)
@pytest.mark.parametrize(
    "before",
    [b"\x04\x82\x06\x58", b"X", b"keyXy", b"a1", b"Q9+/"],
    ids=["der-length-byte-X", "X", "letters", "letter-digit", "three-letters"],
)
def test_base64_of_a_key_right_after_base64_letters_is_secret(build, kind, before):
    # Inside DER the byte before a 1,624-character string is its length byte 0x58, 'X'.
    data = _random(40) + before + base64.b64encode(build()) + _random(20)
    report = scan(data, "capture.bin")

    finding = assert_secret(report, kind)
    assert finding.encoding.startswith("base64")


@pytest.mark.parametrize("phase", [0, 1, 2, 3])
def test_base64_of_a_key_is_found_in_each_phase_of_a_longer_run(phase):
    # a run that goes on, ending in each of the four phases; decoys ('MG...') inside it
    # must not hide the key's start
    leading = base64.b64encode(os.urandom(30))[: 37 + phase] + b"MGzM/uhv/ZzXAD"
    data = b"token=" + leading + base64.b64encode(kf.pkcs8_der()) + b"\n"

    assert_secret(scan(data, "notes.txt"), "pkcs8-private-key")


def test_url_safe_base64_of_a_key_is_secret():
    data = b'{"blob": "' + base64.urlsafe_b64encode(kf.pkcs8_der()).rstrip(b"=") + b'"}'

    assert_secret(scan(data, "export.json"), "pkcs8-private-key")


@pytest.mark.parametrize("after", [b"7", b"0123", b"f", b"g"], ids=["digit", "digits", "hex", "g"])
@pytest.mark.parametrize(
    ("build", "kind"),
    [(kf.pkcs1_der, "rsa-private-key"), (kf.sec1_der, "ec-private-key")],
    ids=["pkcs1", "sec1"],
)
def test_hex_of_a_key_followed_by_any_character_is_secret(build, kind, after):
    data = b"dump: " + build().hex().encode() + after + b" end\n"

    finding = assert_secret(scan(data, "dump.txt"), kind)
    assert finding.encoding.startswith("hex")


def test_colon_separated_hex_of_a_key_is_secret():
    data = b"value=" + kf.pkcs1_der().hex(":").encode() + b"\n"

    assert_secret(scan(data, "dump.txt"), "rsa-private-key")


@pytest.mark.parametrize(
    ("build", "label"),
    [
        (kf.pkcs1_der, r"partial PKCS#1 RSA private key"),
        (kf.pkcs8_der, r"PKCS#8 private key"),
        (kf.sec1_der, r"SEC1 EC private key"),
    ],
    ids=["pkcs1", "pkcs8", "sec1"],
)
@pytest.mark.parametrize("followed", [False, True], ids=["alone", "then-other-data"])
def test_the_start_of_a_key_is_refused_where_it_lies(build, label, followed):
    # A key split across two files is caught where its start is.
    start = build()[:64] if build is not kf.sec1_der else build()[:24]
    data = _random(33) + start + (_random(400) if followed else b"")
    report = scan(data, "part1.bin")

    assert report.verdict is Verdict.REFUSED, report.reasons
    assert not report.may_enter_bundle
    assert_reason_mentions(report, label)
    assert_reason_mentions(report, r"part of a private key: do not send it")


def test_the_base64_of_a_keys_start_is_refused():
    data = b"part one: " + base64.b64encode(kf.pkcs1_der()[:64]) + b"\n"
    report = scan(data, "part1.txt")

    assert report.verdict is Verdict.REFUSED
    assert_reason_mentions(report, r"partial PKCS#1 RSA private key \(about 2048-bit\)")


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"\x01" + b"MIIEvQIBADAN" * 8 + b"\n", id="der-header-mid-run"),
        pytest.param(b"30:82:04:a4:02:01:00:" * 8 + b"\n", id="colon-hex"),
        pytest.param(b"3077020101" * 8 + b"\n", id="short-hex"),
        pytest.param(b"\x30\x82\x04\xa4\x02\x01\x00\x02\x82\x01\x01\x00" * 8, id="der-key-starts"),
    ],
)
def test_repeated_key_starts_are_linear(data):
    # 512 KB of markers for the new searches (mid-run base64 headers, colon hex, short
    # hex, DER key headers): each marker is looked at once, not searched to the end
    # (quadratic, this took minutes; the timeout fails it).
    report = scan(data * ((512 << 10) // len(data)), "crafted.txt")

    assert report.verdict in (Verdict.REFUSED, Verdict.SECRET)


@pytest.mark.skipif(sys.platform == "win32", reason="dir_fd is POSIX; the walk itself is not")
def test_a_folder_1200_levels_deep_is_refused_past_the_limit_and_the_scan_goes_on(tmp_path):
    (tmp_path / "server.pem").write_bytes(kf.cert_pem())
    (tmp_path / "a").mkdir()
    fd = os.open(tmp_path / "a", os.O_RDONLY)
    try:
        for _ in range(1200):  # paths this long cannot be named whole: walk by handle
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
    finally:
        os.close(fd)
    (tmp_path / "z.key").write_bytes(kf.pkcs8_pem())

    try:
        reports = list(scan_paths([tmp_path], workers=1))
    finally:
        _remove_deep(tmp_path / "a")  # pytest's own clean-up recurses

    by_name = {os.path.basename(r.path): r for r in reports}
    assert by_name["server.pem"].verdict is Verdict.CERTIFICATE
    assert by_name["z.key"].verdict is Verdict.SECRET
    deep = [r for r in reports if "levels deep" in " ".join(r.reasons)]
    assert len(deep) == 1
    assert deep[0].verdict is Verdict.REFUSED
    assert deep[0].path.count(os.sep + "d") == MAX_FOLDER_DEPTH
    assert_reason_mentions(deep[0], rf"more than {MAX_FOLDER_DEPTH} levels deep")


def _remove_deep(top) -> None:
    """Remove a chain of nested 'd' folders without recursion: lift the chain one level
    at a time (every path stays short), removing the emptied folder."""
    lifted = top.parent / "lifted"
    while (top / "d" / "d").exists():
        os.rename(top / "d" / "d", lifted)
        os.rmdir(top / "d")
        os.rename(lifted, top / "d")
    if (top / "d").exists():
        os.rmdir(top / "d")
    os.rmdir(top)
