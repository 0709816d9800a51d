"""The longest event-loop stall while the Certificates page scans 1,000 files (target < 100 ms).

A QTimer fires every 5 ms on the GUI thread and records the gaps between its ticks while
`CertificatesPage.add_paths` scans 1,000 real files (certificates, a few keys, images,
text) in its worker and the page shows the results. Prints the longest gap, the 99th
percentile and the scan time. `QT_QPA_PLATFORM=offscreen` unless set.

    .venv/bin/python benchmarks/gui_stall_bench.py [--files 1000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "app"))


def make_files(folder: Path, count: int) -> list[Path]:
    """Certificates (PEM and DER), key files, PNGs and text, generated now (never committed)."""
    import io

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from PIL import Image

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench.example.com")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    der = cert.public_bytes(serialization.Encoding.DER)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    png = io.BytesIO()
    Image.new("RGB", (200, 120), (30, 90, 160)).save(png, "PNG")
    kinds = [("crt", pem), ("cer", der), ("png", png.getvalue()), ("txt", b"notes\n" * 200)]
    paths = []
    for index in range(count):
        suffix, data = kinds[index % len(kinds)]
        if index % 50 == 0:
            suffix, data = "key", key_pem
        path = folder / f"file-{index:04}.{suffix}"
        path.write_bytes(data)
        paths.append(path)
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = Path(tempfile.mkdtemp(prefix="bundleguard-stall-"))
    os.environ["BUNDLEGUARD_DATA_DIR"] = str(home / "data")
    os.environ["BUNDLEGUARD_CONFIG_DIR"] = str(home / "config")

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from bundleguard.case.store import CaseStore
    from bundleguard.gui.certificates_page import CertificatesPage
    from bundleguard.gui.controller import CaseController

    app = QApplication.instance() or QApplication(sys.argv[:1])
    files = home / "files"
    files.mkdir()
    paths = make_files(files, args.files)
    controller = CaseController(CaseStore(home / "data"))
    page = CertificatesPage(controller)
    page.resize(1000, 700)
    page.show()
    deadline = time.monotonic() + 20
    while controller.anchors is None and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)

    gaps: list[float] = []
    last = [time.perf_counter()]

    worst = [0.0, 0.0]  # the longest gap and when it ended, from the start of the scan

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        if now - last[0] > worst[0]:
            worst[:] = [now - last[0], now - started]
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    done = [False]
    page.filesScanned.connect(lambda: done.__setitem__(0, True))
    started = time.perf_counter()
    timer.start()
    page.add_paths(paths)
    end = time.monotonic() + 300
    while not done[0] and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.001)
    scanned = time.perf_counter() - started
    settle = time.monotonic() + 1.0  # what the page does after the scan reported
    while time.monotonic() < settle:
        app.processEvents()
        time.sleep(0.001)
    timer.stop()
    controller.shutdown()

    gaps_ms = sorted(g * 1000 for g in gaps)
    p99 = gaps_ms[int(len(gaps_ms) * 0.99) - 1] if gaps_ms else float("nan")
    print(
        f"{args.files} files scanned in {scanned:.2f} s{'' if done[0] else ' (NOT finished)'}; "
        f"event loop: longest stall {gaps_ms[-1]:.0f} ms, p99 {p99:.0f} ms, "
        f"median {statistics.median(gaps_ms):.1f} ms over {len(gaps_ms)} ticks "
        "(target: longest < 100 ms)"
    )
    print(f"the longest stall ended {worst[1]:.2f} s after the scan began (scan: {scanned:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
