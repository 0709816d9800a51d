"""The fast paths give the answers of the slow ones: the prefilter, a large file in parts
across workers, a PNG checked without building its pixels (with and without ISA-L)."""

from __future__ import annotations

import base64
import io
import json
import os
import random
import struct
import zlib

import pytest
from PIL import Image

from bundleguard.guard import Verdict, find_private_keys, png, prefilter, scan, scan_paths
from tests.guard import keyforge as kf
from tests.guard.conftest import assert_secret
from tests.guard.conftest import scan as classify

try:
    import hyperscan  # noqa: F401

    HAVE_HYPERSCAN = True
except ImportError:
    HAVE_HYPERSCAN = False

needs_hyperscan = pytest.mark.skipif(
    not HAVE_HYPERSCAN, reason="the prefilter is optional: hyperscan is not installed here"
)


@pytest.fixture
def prefilter_on(monkeypatch):
    monkeypatch.delenv("BUNDLEGUARD_NO_HYPERSCAN", raising=False)
    prefilter.reset()
    assert prefilter.enable() is not None
    yield
    prefilter.reset()


def _log_lines(size: int) -> bytes:
    rng = random.Random(7)
    lines = []
    total = 0
    while total < size:
        stamp = f"2025-03-01T10:00:{rng.randrange(60):02d}Z"
        line = f"{stamp} INFO [tlsd] session {rng.getrandbits(64):x} ok\n"
        lines.append(line)
        total += len(line)
    return "".join(lines).encode()


def _rtf(pem: bytes) -> bytes:
    body = b"".join(line.replace(b"+", b"\\'2b") + b"\\par\n" for line in pem.splitlines())
    return b"{\\rtf1\\ansi\\pard " + body + b"}"


def _numbers() -> bytes:
    numbers = kf.rsa_key().private_numbers()

    def b64(value: int) -> str:
        return base64.b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).decode()

    parts = {"Modulus": numbers.public_numbers.n, "Exponent": 65537, "P": numbers.p}
    parts |= {"Q": numbers.q, "D": numbers.d}
    return ("<RSAKeyValue>" + "".join(f"<{k}>{b64(v)}</{k}>" for k, v in parts.items())).encode()


HIDDEN = {
    "pem": kf.pkcs8_pem,
    "quoted-pem": lambda: b"".join(b"> " + line for line in kf.pkcs1_pem().splitlines(True)),
    "cut-short-pem": lambda: kf.sec1_pem()[:120],
    "rtf-pem": lambda: _rtf(kf.pkcs8_pem()),
    "xml-members": _numbers,
    "jwk": lambda: json.dumps({"kty": "EC", "crv": "P-256", "d": "A" * 43}).encode(),
    "base64-der": lambda: kf.b64(kf.pkcs8_der()),
    "hex-der": lambda: kf.pkcs1_der().hex().encode(),
    "openssh": kf.openssh_pem,
    "putty": kf.ppk,
    "openssl-text": kf.openssl_text,
    "der": kf.pkcs8_der,
    "jks": kf.java_keystore,
    "pvk": kf.pvk,
    "utf16-pem": lambda: kf.utf16(kf.pkcs8_pem()),
    "base64-gzip": lambda: base64.b64encode(kf.gzip_of(kf.pkcs8_pem())),
}
FILLERS = {
    "log": lambda: _log_lines(200 << 10),
    "random": lambda: random.Random(3).randbytes(200 << 10),
}


@needs_hyperscan
@pytest.mark.parametrize("filler", FILLERS, ids=list(FILLERS))
@pytest.mark.parametrize("form", HIDDEN, ids=list(HIDDEN))
def test_the_prefilter_finds_what_every_search_finds(form, filler, prefilter_on, monkeypatch):
    around = FILLERS[filler]()
    data = around[: len(around) // 2] + b"\n" + HIDDEN[form]() + b"\n" + around[len(around) // 2 :]
    assert len(data) >= prefilter.MIN_BUFFER

    fast = find_private_keys(data, "big.bin")
    monkeypatch.setattr(prefilter, "_database", None)  # every search, as without Hyperscan
    slow = find_private_keys(data, "big.bin")

    assert fast == slow
    assert slow, "the hidden key is found at all"


@needs_hyperscan
def test_the_prefilter_skips_searches_on_a_clean_log(prefilter_on):
    assert prefilter.needed(_log_lines(200 << 10)) == frozenset()


def test_without_hyperscan_every_search_runs(monkeypatch):
    monkeypatch.setenv("BUNDLEGUARD_NO_HYPERSCAN", "1")
    prefilter.reset()
    try:
        assert prefilter.enable() is None
        assert prefilter.needed(_log_lines(200 << 10)) is prefilter.ALL
    finally:
        prefilter.reset()


# --------------------------------------------------------------------------- parts


def test_a_file_in_small_parts_gives_the_findings_of_one_pass(tmp_path, monkeypatch):
    monkeypatch.setattr(scan, "WINDOW", 64 << 10)
    monkeypatch.setattr(scan, "OVERLAP", 16 << 10)
    keys = [kf.pkcs8_pem(), kf.sec1_pem(), kf.openssh_pem(), kf.b64(kf.pkcs1_der())]
    filler = _log_lines(200 << 10)
    data = b""
    for index, key in enumerate(keys * 3):
        # keys across the part boundaries (every 100 KB), right after them, and inside
        target = (index + 1) * (100 << 10) - (300, 0, 5000)[index % 3]
        data += filler[: target - len(data)] + key
    path = tmp_path / "big.log"
    path.write_bytes(data + _log_lines(50 << 10))
    size = path.stat().st_size

    with open(path, "rb") as handle:
        whole = scan._scan_windows(handle, None)
    parts = [(start, min(start + (100 << 10), size)) for start in range(0, size, 100 << 10)]
    pieces = [f for start, stop in parts for f in scan._scan_part(path, start, stop)]

    assert sorted(pieces, key=lambda f: f.offset) == sorted(whole, key=lambda f: f.offset)
    assert len(whole) == len(keys) * 3


def test_a_large_log_is_scanned_in_parts_on_the_workers_and_the_key_across_a_part_is_found(
    tmp_path,
):
    pem = kf.pkcs8_pem()
    half = 20 << 20  # 40 MB in two parts of 20 MB... the key straddles the boundary
    at = half - 700
    filler = _log_lines(1 << 20)
    body = (filler * 41)[:at] + pem
    path = tmp_path / "appliance.log"
    path.write_bytes(body + (filler * 21)[: 2 * half - len(body)])
    size = path.stat().st_size
    assert size > scan.WHOLE_FILE_LIMIT
    assert len(scan._parts(path, size, 2)) >= 2

    [report] = list(scan_paths([path], workers=2))
    [alone] = list(scan_paths([path], workers=1))

    assert report == alone
    assert_secret(report, "pkcs8-private-key", offset=at)


def test_an_archive_is_never_split_into_parts(tmp_path):
    path = tmp_path / "big.zip"
    with open(path, "wb") as handle:
        handle.write(kf.zip_of({"a.txt": b"x"}))
        handle.write(os.urandom(40 << 20))

    assert scan._parts(path, path.stat().st_size, 2) is None


# --------------------------------------------------------------------------- PNG


def _png(mode: str = "RGB", size=(64, 48), **save) -> bytes:
    """A small image of varied pixels in `mode` (random bytes, seeded)."""
    width, height = size
    image = Image.frombytes("RGB", size, random.Random(5).randbytes(width * height * 3))
    image = image.convert(mode) if mode != "P" else image.quantize(64)
    out = io.BytesIO()
    image.save(out, "PNG", **save)
    return out.getvalue()


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    found, pos = [], 8
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        found.append((data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return found


def _build(chunks: list[tuple[bytes, bytes]]) -> bytes:
    out = b"\x89PNG\r\n\x1a\n"
    for kind, body in chunks:
        out += struct.pack(">I", len(body)) + kind + body
        out += struct.pack(">I", zlib.crc32(kind + body))
    return out


def _with_pixels(data: bytes, change) -> bytes:
    """The PNG with its inflated rows changed by `change`, re-compressed, CRCs correct."""
    chunks = _chunks(data)
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    idat = zlib.compress(change(raw))
    rest = [c for c in chunks if c[0] not in (b"IDAT", b"IEND")]
    return _build([*rest, (b"IDAT", idat), (b"IEND", b"")])


@pytest.fixture(params=["isal", "zlib", "isal-in-steps", "zlib-in-steps"])
def inflater(request, monkeypatch):
    """Each inflater (ISA-L when installed, zlib), each way: one call, or in steps (as for
    images too large for one call)."""
    if request.param.startswith("zlib"):
        monkeypatch.setattr(png, "_fast_zlib", None)
        monkeypatch.setattr(png, "_INFLATE_ERRORS", (zlib.error,))
    elif png._fast_zlib is None:
        pytest.skip("isal is optional and not installed here")
    if request.param.endswith("in-steps"):
        monkeypatch.setattr(png, "_ONE_SHOT", 0)
        monkeypatch.setattr(png, "_STEP", 1000)  # many steps, rows cut across them
        monkeypatch.setattr(png, "_FEED", 300)
    return request.param


@pytest.mark.parametrize(
    "build",
    [
        lambda: _png("RGB"),
        lambda: _png("RGBA"),
        lambda: _png("L"),
        lambda: _png("P"),
        lambda: _png("1", (33, 7)),
        lambda: _png("RGB", (3000, 2)),
        lambda: _png("RGB", optimize=True),
        kf.png,
    ],
    ids=["rgb", "rgba", "grey", "palette", "1-bit", "wide", "optimised", "keyforge"],
)
def test_a_png_that_decodes_is_an_image(build, inflater):
    data = build()

    assert png.check(data, 10**8) == png.OK
    assert classify(data, "shot.png").verdict is Verdict.IMAGE


@pytest.mark.parametrize(
    "change, why",
    [
        (lambda raw: raw[:-10], "incomplete"),
        (lambda raw: raw + b"\x00" * 10, "longer than its size"),
        (lambda raw: b"\x05" + raw[1:], "unknown filter type"),
        (lambda raw: raw[: 1 + 64 * 3] + b"\x09" + raw[2 + 64 * 3 :], "unknown filter type"),
    ],
    ids=["rows-missing", "rows-extra", "bad-first-filter", "bad-second-filter"],
)
def test_a_png_whose_rows_do_not_fit_is_refused(change, why, inflater):
    data = _with_pixels(_png("RGB", (64, 48)), change)

    report = classify(data, "shot.png")

    assert report.verdict is Verdict.REFUSED
    assert why in " ".join(report.reasons)


def test_a_png_whose_data_does_not_inflate_is_refused_though_its_crcs_are_right(inflater):
    chunks = _chunks(_png("RGB", (64, 48)))
    broken = [(k, b[:20] + bytes(len(b) - 20) if k == b"IDAT" else b) for k, b in chunks]

    report = classify(_build(broken), "shot.png")

    assert report.verdict is Verdict.REFUSED
    assert "does not decode" in " ".join(report.reasons)


def test_a_png_with_a_damaged_chunk_crc_is_refused():
    data = bytearray(_png("RGB"))
    data[40] ^= 0xFF  # inside the IDAT chunk

    report = classify(bytes(data), "shot.png")

    assert report.verdict is Verdict.REFUSED


def test_interlaced_and_animated_pngs_are_left_to_pillow():
    chunks = _chunks(_png("RGB"))
    header = chunks[0][1][:12] + b"\x01"  # interlace method 1 (Adam7)
    interlaced = _build([(b"IHDR", header), *chunks[1:]])
    animated = _build([chunks[0], (b"acTL", bytes(8)), *chunks[1:]])

    assert png.check(interlaced, 10**8) is None
    assert png.check(animated, 10**8) is None
    # Pillow decides: these rows are not Adam7's, so it refuses the first
    assert classify(interlaced, "shot.png").verdict is Verdict.REFUSED


def test_a_png_with_a_text_chunk_that_does_not_inflate_is_refused():
    chunks = _chunks(_png("RGB"))
    ztxt = (b"zTXt", b"Comment\x00\x00" + b"\x78\x9c not deflate at all")

    report = classify(_build([chunks[0], ztxt, *chunks[1:]]), "shot.png")

    assert report.verdict is Verdict.REFUSED
    assert "zTXt" in " ".join(report.reasons)


@needs_hyperscan
def test_a_key_in_a_large_png_text_chunk_is_still_found(prefilter_on):
    image = Image.frombytes("RGB", (256, 256), random.Random(1).randbytes(256 * 256 * 3))
    info = __import__("PIL.PngImagePlugin", fromlist=["PngInfo"]).PngInfo()
    info.add_text("Comment", kf.pkcs8_pem().decode(), zip=True)
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    assert len(out.getvalue()) > prefilter.MIN_BUFFER

    report = classify(out.getvalue(), "shot.png")

    assert_secret(report, "pkcs8-private-key", offset=0, member="PNG zTXt chunk 'Comment'")


@needs_hyperscan
def test_workers_get_the_database_once_it_is_compiled(monkeypatch):
    import multiprocessing

    monkeypatch.delenv("BUNDLEGUARD_NO_HYPERSCAN", raising=False)
    prefilter.reset()
    handover = prefilter.Handover(multiprocessing.get_context())
    prefilter.attach(handover)
    clean = _log_lines(200 << 10)
    try:
        assert prefilter.needed(clean) is prefilter.ALL  # not compiled yet: every search
        serialised = prefilter.enable()
        prefilter.reset()  # as in a worker: nothing compiled in this process
        prefilter.attach(handover)
        handover.give(serialised)

        assert prefilter.needed(clean) == frozenset()
    finally:
        prefilter.attach(None)
        prefilter.reset()
