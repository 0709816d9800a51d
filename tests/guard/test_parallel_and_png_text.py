"""Large scans spread over worker processes, and keys inside compressed PNG text chunks."""

from __future__ import annotations

import io
import os

from PIL import Image, PngImagePlugin

from bundleguard.guard import Verdict, scan
from bundleguard.guard import scan_paths as scan_paths_api
from tests.guard import keyforge as kf
from tests.guard.conftest import assert_secret
from tests.guard.conftest import scan as classify


def _png_with_text(text: str, *, itxt: bool) -> bytes:
    info = PngImagePlugin.PngInfo()
    if itxt:
        info.add_itxt("Comment", text, zip=True)
    else:
        info.add_text("Comment", text, zip=True)
    out = io.BytesIO()
    Image.new("RGB", (48, 32), "white").save(out, "PNG", pnginfo=info)
    return out.getvalue()


def test_key_in_a_compressed_png_text_chunk_is_secret():
    data = _png_with_text("notes\n" + kf.pkcs8_pem().decode(), itxt=False)

    report = classify(data, "status-basics.png")

    assert_secret(report, "pkcs8-private-key", offset=6, member="PNG zTXt chunk 'Comment'")


def test_key_in_a_compressed_png_itxt_chunk_is_secret():
    data = _png_with_text(kf.sec1_pem().decode(), itxt=True)

    report = classify(data, "status-basics.png")

    assert_secret(report, "ec-private-key", offset=0, member="PNG iTXt chunk 'Comment'")


def test_png_with_a_harmless_compressed_comment_is_an_image():
    report = classify(_png_with_text("taken on the primary", itxt=False), "shot.png")

    assert report.verdict is Verdict.IMAGE


def _tree(tmp_path):
    """Enough files and bytes for the worker pool, with keys in two of them."""
    (tmp_path / "big").mkdir()
    for index in range(10):
        (tmp_path / "big" / f"blob-{index}.bin").write_bytes(os.urandom(2 << 20))
    (tmp_path / "big" / "blob-3.bin").write_bytes(os.urandom(1 << 20) + kf.pkcs1_der())
    (tmp_path / "leaf.crt").write_bytes(kf.cert_pem())
    (tmp_path / "notes.txt").write_bytes(b"log line\n" + kf.pkcs8_pem())
    return tmp_path


def test_a_large_tree_scanned_on_all_cores_gives_the_same_reports_in_order(tmp_path):
    tree = _tree(tmp_path)
    assert scan._worker_count([p for p in tree.rglob("*") if p.is_file()]) > 1 or (
        os.cpu_count() == 1
    )

    parallel = list(scan_paths_api([tree]))
    serial = list(scan_paths_api([tree], workers=1))

    assert parallel == serial
    verdicts = {os.path.basename(r.path): r.verdict for r in parallel}
    assert verdicts["blob-3.bin"] is Verdict.SECRET
    assert verdicts["notes.txt"] is Verdict.SECRET
    assert verdicts["leaf.crt"] is Verdict.CERTIFICATE


def test_a_broken_worker_pool_falls_back_to_scanning_here(tmp_path, monkeypatch):
    tree = _tree(tmp_path)

    class BrokenPool:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def submit(self, *args, **kwargs):
            from concurrent.futures.process import BrokenProcessPool

            class Died:
                def result(self):
                    raise BrokenProcessPool("a worker died")

            return Died()

    monkeypatch.setattr(scan, "_start_pool", lambda count, handover=None: BrokenPool())

    reports = list(scan_paths_api([tree], workers=2))

    assert len(reports) == 12
    assert sum(r.verdict is Verdict.SECRET for r in reports) == 2


def test_a_certificate_whose_fields_do_not_parse_is_refused_as_damaged():
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtensionOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "support.example.com")])
    now = dt.datetime.now(dt.UTC)
    broken_san = x509.UnrecognizedExtension(
        ExtensionOID.SUBJECT_ALTERNATIVE_NAME, b"\x30\x05\x82\x09trunc"
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(broken_san, critical=False)
        .sign(key, hashes.SHA256())
    )

    for data in (
        certificate.public_bytes(serialization.Encoding.DER),
        certificate.public_bytes(serialization.Encoding.PEM),
    ):
        report = classify(data, "leaf.crt")
        assert report.verdict is Verdict.REFUSED
        assert "damaged" in " ".join(report.reasons)
