"""What a security review of the guard found, kept as the behaviour it must keep."""

from __future__ import annotations

import binascii
import io
import json
import struct
import zipfile
import zlib

import pytest
from PIL import Image

from bundleguard.guard import ScanLimits, Verdict
from tests.guard import keyforge as kf
from tests.guard.conftest import assert_secret
from tests.guard.conftest import scan as classify


def _not_a_certificate(data: bytes) -> None:
    report = classify(data, "chain.crt")
    assert report.verdict in (Verdict.SECRET, Verdict.REFUSED), report
    assert not report.may_enter_bundle


def test_a_certificate_with_an_unarmored_openssh_body_beside_it_is_no_certificate():
    body = b"".join(kf.openssh_pem().splitlines()[1:-1])
    _not_a_certificate(kf.cert_pem() + body + b"\n")


def test_a_certificate_with_a_hex_key_beside_it_is_no_certificate():
    _not_a_certificate(kf.cert_pem() + binascii.hexlify(kf.sec1_der()) + b"\n")


def test_a_certificate_with_a_colon_hex_dump_beside_it_is_no_certificate():
    dump = b":".join(b"%02x" % byte for byte in kf.sec1_der())
    _not_a_certificate(kf.cert_pem() + dump + b"\n")


def test_a_certificate_with_utf16_text_beside_it_is_no_certificate():
    _not_a_certificate(kf.cert_pem() + kf.utf16(b"notes: " + kf.b64(kf.pfx())))


def test_a_certificate_with_short_notes_beside_it_is_still_a_certificate():
    report = classify(b"subject=CN=support.example.com\n" + kf.cert_pem(), "leaf.crt")
    assert report.verdict is Verdict.CERTIFICATE


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_a_png_with_a_private_chunk_is_not_an_image():
    out = io.BytesIO()
    Image.new("RGB", (32, 32), "white").save(out, "PNG")
    png = out.getvalue()
    hidden = png[:33] + _png_chunk(b"prVt", b"\x1e\xf1\xb5\xb0" + bytes(60)) + png[33:]

    report = classify(hidden, "status-basics.png")

    assert report.verdict is Verdict.REFUSED
    assert "prVt" in " ".join(report.reasons)


def test_an_absurdly_long_object_identifier_gives_a_verdict_not_a_crash():
    oid = kf.der_tlv(0x06, b"\xff" * 2100 + b"\x7f")
    data = kf.der_tlv(0x30, b"\x02\x01\x03" + kf.der_tlv(0x30, oid))

    assert classify(data, "odd.bin").verdict is Verdict.REFUSED


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "unit",
    [
        b"-----BEGIN PRIVATE KEY-----\n",
        b"-----BEGIN X-----\n",
        b"PuTTY-User-Key-File-2: x\n",
        b"Private-Key: (1 bit)\n",
        b"\x30\x83\xff\xff\xff\x02\x01\x00\x02\x83\xff\xff\xff",
    ],
    ids=["begin-private-key", "begin-x", "putty", "openssl-text", "der-lengths"],
)
def test_repeated_markers_are_read_in_one_pass_not_one_pass_each(unit):
    # Each of these took minutes at 512 KB when every marker searched the rest.
    report = classify(unit * ((512 << 10) // len(unit)), "crafted.txt")
    assert report.verdict in (Verdict.REFUSED, Verdict.SECRET)


def test_a_key_before_a_damaged_member_is_still_found():
    good = kf.zip_of({"keys/key.pem": kf.pkcs8_pem(), "notes.txt": b"x" * 4000})
    notes = zipfile.ZipFile(io.BytesIO(good)).getinfo("notes.txt")
    # Break the second member's compressed data: it no longer inflates or matches its CRC.
    damaged = bytearray(good)
    damaged[notes.header_offset + 30 + len("notes.txt") + 2] ^= 0xFF

    report = classify(bytes(damaged), "handover.zip")

    assert_secret(report, "pkcs8-private-key", offset=0, member="keys/key.pem")


def test_a_stored_key_behind_a_bomb_member_is_still_found():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("zeros.bin", bytes(8 << 20), compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("key.pem", kf.pkcs8_pem(), compress_type=zipfile.ZIP_STORED)

    report = classify(out.getvalue(), "bundle.zip", limits=ScanLimits(max_ratio=20))

    assert report.verdict is Verdict.SECRET


def test_a_pem_key_escaped_twice_as_json_inside_json_is_secret():
    data = json.dumps({"payload": json.dumps({"key": kf.pkcs8_pem().decode()})}).encode()

    report = classify(data, "payload.json")

    assert report.verdict is Verdict.SECRET


def test_a_pem_key_wrapped_at_40_columns_after_a_utf8_bom_is_secret():
    lines = kf.pkcs8_pem().decode().splitlines()
    body = "".join(lines[1:-1])
    wrapped = "\n".join(body[i : i + 40] for i in range(0, len(body), 40))
    data = ("\ufeff" + lines[0] + "\n" + wrapped + "\n" + lines[-1] + "\n").encode()

    report = classify(data, "key.txt")

    assert_secret(report, "pkcs8-private-key", offset=3)
