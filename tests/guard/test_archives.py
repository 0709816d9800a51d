"""Keys inside archives are found with their member path; archives past a limit are refused."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest

from bundleguard.guard import ScanLimits, Verdict
from tests.guard import keyforge as kf
from tests.guard.conftest import assert_reason_mentions, assert_secret, scan

LIMIT_WORDS = r"limit|too (many|deep|large|big)|exceed|ratio|bomb|expand"


def test_key_inside_a_zip_is_secret_with_member_path():
    data = kf.zip_of({"chain.pem": kf.chain_pem(), "private/server.key": kf.pkcs8_pem()})

    report = scan(data, "bundle.zip")

    assert_secret(report, "pkcs8-private-key", offset=0, member="private/server.key")


def test_key_inside_a_stored_zip_member_is_secret():
    data = kf.zip_of({"notes.txt": b"hello\n" + kf.pkcs1_pem()}, zipfile.ZIP_STORED)

    report = scan(data, "bundle.zip")

    assert_secret(report, "rsa-private-key", offset=6, member="notes.txt")


def test_key_inside_a_tar_is_secret_with_member_path():
    data = kf.tar_of({"certs/root.pem": kf.cert_pem(), "certs/key.pem": kf.sec1_pem()})

    report = scan(data, "certs.tar")

    assert_secret(report, "ec-private-key", offset=0, member="certs/key.pem")


@pytest.mark.parametrize("mode", ["w:gz", "w:bz2", "w:xz"])
def test_key_inside_a_compressed_tar_is_secret(mode):
    data = kf.tar_of({"certs/root.pem": kf.cert_pem(), "certs/key.pem": kf.pkcs8_pem()}, mode)

    report = scan(data, "certs.tar.x")

    # A compressed tar may be reported as one archive or as a stream holding a tar.
    assert report.verdict is Verdict.SECRET
    [finding] = [f for f in report.findings if f.kind == "pkcs8-private-key"]
    assert finding.offset == 0
    assert finding.member is not None and finding.member.endswith("certs/key.pem")


@pytest.mark.parametrize(
    ("compress", "name"),
    [(kf.gzip_of, "key.pem.gz"), (kf.bz2_of, "key.pem.bz2"), (kf.xz_of, "key.pem.xz")],
    ids=["gzip", "bz2", "xz"],
)
def test_key_inside_a_compressed_stream_is_secret(compress, name):
    prefix = b"# server key\n"

    report = scan(compress(prefix + kf.pkcs1_pem()), name)

    assert report.verdict is Verdict.SECRET
    [finding] = [f for f in report.findings if f.kind == "rsa-private-key"]
    assert finding.offset == len(prefix), "offset inside the decompressed bytes"
    assert finding.member is not None


def test_der_key_inside_a_zip_is_secret():
    data = kf.zip_of({"keys/server.der": kf.pkcs8_der()})

    report = scan(data, "keys.zip")

    assert_secret(report, "pkcs8-private-key", offset=0, member="keys/server.der")


def test_pfx_inside_a_zip_is_secret():
    data = kf.zip_of({"export/appliance.p12": kf.pfx("aes"), "export/chain.pem": kf.chain_pem()})

    report = scan(data, "export.zip")

    assert_secret(report, "pkcs12", offset=0, member="export/appliance.p12")


def test_zip_in_tar_in_zip_key_reports_the_nested_member_path():
    inner = kf.zip_of({"keys/server.key": kf.pkcs1_pem()})
    middle = kf.tar_of({"readme.txt": b"backup\n", "inner.zip": inner})
    outer = kf.zip_of({"chain.pem": kf.chain_pem(), "backup/middle.tar": middle})

    report = scan(outer, "support.zip")

    assert_secret(
        report, "rsa-private-key", offset=0, member="backup/middle.tar!inner.zip!keys/server.key"
    )


@pytest.mark.parametrize("name", ["screenshot.png", "server.crt", "chain.pem", "README"])
def test_archive_renamed_to_hide_what_it_is_is_still_opened(name):
    data = kf.zip_of({"key.pem": kf.pkcs8_pem()})

    report = scan(data, name)

    assert_secret(report, "pkcs8-private-key", offset=0, member="key.pem")


def test_key_inside_a_word_document_media_folder_is_secret():
    data = kf.docx_with({"image1.png": kf.png(), "image2.png": kf.pkcs1_pem()})

    report = scan(data, "renewal-notes.docx")

    assert_secret(report, "rsa-private-key", offset=0, member="word/media/image2.png")


def test_zip_appended_to_a_png_is_opened_and_its_key_found():
    data = kf.png() + kf.zip_of({"hidden/key.pem": kf.sec1_pem()})

    report = scan(data, "screenshot.png")

    assert_secret(report, "ec-private-key", offset=0, member="hidden/key.pem")
    assert report.verdict is not Verdict.IMAGE


def test_archive_holding_only_certificates_is_refused_with_a_reason():
    data = kf.zip_of({"leaf.pem": kf.cert_pem(), "root.der": kf.cert_der(kf.ca()[1])})

    report = scan(data, "chain.zip")

    assert report.verdict is Verdict.REFUSED
    assert report.findings == ()
    assert_reason_mentions(report, r"archive|zip")


# --------------------------------------------------------------------------- limits


def _zeros_zip(size: int, name: str = "zeros.bin") -> bytes:
    """A zip whose one member inflates `size` bytes of zeros from a tiny deflate stream."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(1 << 20)
    parts = [compressor.compress(chunk) for _ in range(size >> 20)]
    parts.append(compressor.compress(bytes(size & ((1 << 20) - 1))))
    parts.append(compressor.flush())
    stream = b"".join(parts)
    crc = 0
    for _ in range(size >> 20):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(bytes(size & ((1 << 20) - 1)), crc)
    return _raw_zip(name, stream, size, crc)


def _raw_zip(name: str, deflated: bytes, size: int, crc: int) -> bytes:
    """One deflated member, headers written by hand so the sizes can be anything."""
    raw = name.encode()
    local = (
        struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(deflated), size, len(raw), 0
        )
        + raw
    )
    central = (
        struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            8,
            0,
            0,
            crc,
            len(deflated),
            size,
            len(raw),
            0,
            0,
            0,
            0,
            0,
            0,
        )
        + raw
    )
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(local) + len(deflated), 0
    )
    return local + deflated + central + end


def test_hand_built_zip_helper_makes_a_valid_zip():
    data = _zeros_zip(3 << 20)

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.read("zeros.bin") == bytes(3 << 20)


def test_zip_member_expanding_past_the_size_limit_is_refused():
    limits = ScanLimits(max_expanded_bytes=1 << 20, max_ratio=1_000_000)

    report = scan(_zeros_zip(4 << 20), "bundle.zip", limits=limits)

    assert report.verdict is Verdict.REFUSED
    assert_reason_mentions(report, LIMIT_WORDS)


def test_zip_member_past_the_compression_ratio_limit_is_refused():
    limits = ScanLimits(max_ratio=20)

    report = scan(_zeros_zip(2 << 20), "bundle.zip", limits=limits)

    assert report.verdict is Verdict.REFUSED
    assert_reason_mentions(report, LIMIT_WORDS)


def test_zip_bomb_is_refused_with_default_limits():
    # 64 MiB of zeros in about 64 KB: a ratio of about 1000, five times the default limit.
    report = scan(_zeros_zip(64 << 20), "bundle.zip")

    assert report.verdict is Verdict.REFUSED
    assert_reason_mentions(report, LIMIT_WORDS)


def test_gzip_bomb_is_refused_with_default_limits():
    report = scan(kf.gzip_of(bytes(64 << 20)), "logs.gz")

    assert report.verdict is Verdict.REFUSED
    assert_reason_mentions(report, LIMIT_WORDS)


def test_zip_whose_headers_understate_the_member_size_is_bounded():
    # The headers claim 1000 bytes; the stream inflates to 8 MiB. The limit must hold on
    # what is actually inflated, not on what the headers say.
    honest = _zeros_zip(8 << 20)
    with zipfile.ZipFile(io.BytesIO(honest)) as archive:
        info = archive.getinfo("zeros.bin")
        start = info.header_offset + 30 + len(info.filename)
    lying = _raw_zip("zeros.bin", honest[start : start + info.compress_size], 1000, 0)
    limits = ScanLimits(max_expanded_bytes=1 << 20, max_ratio=1_000_000)

    report = scan(lying, "bundle.zip", limits=limits)

    assert report.verdict is Verdict.REFUSED


def test_key_found_before_a_bomb_member_makes_the_archive_secret():
    bomb_member = bytes(4 << 20)
    data = kf.zip_of({"a/key.pem": kf.pkcs8_pem(), "b/zeros.bin": bomb_member})
    limits = ScanLimits(max_expanded_bytes=1 << 20, max_ratio=1_000_000)

    report = scan(data, "bundle.zip", limits=limits)

    assert_secret(report, "pkcs8-private-key", offset=0, member="a/key.pem")


def _nested_zips(depth: int, payload: bytes) -> bytes:
    data = kf.zip_of({"key.pem": payload})
    for level in range(depth - 1):
        data = kf.zip_of({f"level{depth - 1 - level}.zip": data})
    return data


def test_archives_nested_deeper_than_the_limit_are_refused():
    data = _nested_zips(8, kf.cert_pem())

    report = scan(data, "bundle.zip", limits=ScanLimits(max_depth=4))

    assert report.verdict is Verdict.REFUSED
    assert_reason_mentions(report, LIMIT_WORDS + r"|depth|nest")


def test_key_nested_within_the_default_depth_is_found():
    data = _nested_zips(3, kf.pkcs1_pem())

    report = scan(data, "bundle.zip")

    assert_secret(report, "rsa-private-key", offset=0, member="level1.zip!level2.zip!key.pem")


def test_archive_with_more_members_than_the_limit_is_refused():
    data = kf.zip_of({f"certs/{i:03}.txt": b"note %d\n" % i for i in range(60)})

    report = scan(data, "many.zip", limits=ScanLimits(max_members=10))

    assert report.verdict is Verdict.REFUSED
    assert_reason_mentions(report, LIMIT_WORDS + r"|members")


def test_tar_with_more_members_than_the_limit_is_refused():
    data = kf.tar_of({f"certs/{i:03}.txt": b"note %d\n" % i for i in range(60)})

    report = scan(data, "many.tar", limits=ScanLimits(max_members=10))

    assert report.verdict is Verdict.REFUSED
    assert_reason_mentions(report, LIMIT_WORDS + r"|members")


def test_scan_limits_are_a_frozen_dataclass_with_documented_defaults():
    limits = ScanLimits()

    assert (limits.max_depth, limits.max_members) == (4, 10_000)
    assert (limits.max_expanded_bytes, limits.max_ratio) == (1 << 30, 200)
    with pytest.raises(AttributeError):
        limits.max_depth = 99  # type: ignore[misc]


def test_zip_member_that_cannot_be_read_is_refused_with_a_reason():
    # A member flagged encrypted (ZipCrypto) cannot be inspected without its password.
    data = bytearray(kf.zip_of({"key.pem": kf.pkcs1_pem()}, zipfile.ZIP_STORED))
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = bytes(data).index(signature) + flag_at
        data[at] |= 1

    report = scan(bytes(data), "bundle.zip")

    assert report.verdict in (Verdict.REFUSED, Verdict.SECRET)
    assert_reason_mentions(report, r"key\.pem is encrypted inside the archive; .*cannot look")


def test_key_in_utf16_text_inside_a_zip_is_secret():
    member = kf.utf16(kf.pkcs1_pem(), "le", bom=True)

    report = scan(kf.zip_of({"notes/key.txt": member}), "notes.zip")

    assert_secret(report, "rsa-private-key", offset=2, member="notes/key.txt")
