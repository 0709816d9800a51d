"""The longest GUI-thread stall while drawing redaction boxes on a 2560×1440 screenshot, and
while selecting a refused 30 MB file in the Certificates step (target: < 50 ms each).

A QTimer fires every 5 ms on the GUI thread of the real window and records the gaps between
its ticks while (1) three boxes are dragged on the Screenshot step's preview with real mouse
events, 300 ms apart, until the last save is written; (2) the Files list's selection moves
between a small refused file and a refused 30 MB log (a certificate inside it, so the page
offers its fix) five times. `--baseline DIR` runs the same in a child process on another
tree's `app/` (e.g. `git worktree add /tmp/old <commit>`) and prints both side by side.
`QT_QPA_PLATFORM=offscreen` unless set.

    .venv/bin/python benchmarks/gui_stall_pages_bench.py [--baseline /tmp/old]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()


class Ticks:
    """Gaps between the ticks of a 5 ms timer on the GUI thread."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.gaps: list[float] = []
        self.last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self.last)
        self.last = now

    def start(self) -> None:
        self.gaps.clear()
        self.last = time.perf_counter()
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        return max(self.gaps, default=0.0) * 1000


def pump(app, seconds: float, until=None) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        if until is not None and until():
            return True
        time.sleep(0.001)
    return until is None


def screenshot_like(path: Path) -> None:
    """A 2560×1440 page: flat panels, rows of 'text' (noise strips), a coloured header."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (2560, 1440), (245, 246, 248))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 2560, 90), fill=(32, 64, 120))
    noise = Image.effect_noise((900, 14), 90).convert("RGB")
    for row in range(40):
        y = 140 + row * 30
        image.paste(noise, (120 + (row % 3) * 40, y))
        image.paste(noise.transpose(Image.Transpose.FLIP_LEFT_RIGHT), (1300, y))
    image.save(path, format="PNG")


def measure() -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = Path(tempfile.mkdtemp(prefix="bundleguard-pages-stall-"))
    os.environ["BUNDLEGUARD_DATA_DIR"] = str(home / "data")
    os.environ["BUNDLEGUARD_CONFIG_DIR"] = str(home / "config")
    os.environ["HOME"] = str(home / "home")

    from cryptography.hazmat.primitives.serialization import Encoding
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QWidget

    from bundleguard.case.model import ApplianceEntry, Role
    from bundleguard.case.store import CaseStore
    from bundleguard.certs.anchors import NO_ANCHORS
    from bundleguard.gui.controller import CaseController
    from bundleguard.gui.window import MainWindow
    from bundleguard.probe.fake import FakePKI

    app = QApplication.instance() or QApplication(sys.argv[:1])
    controller = CaseController(CaseStore(), load_anchors=False)
    window = MainWindow(controller)
    window.resize(1400, 900)
    window.show()
    controller.update(
        site="support.example.com",
        appliances=(ApplianceEntry("primary.example.com", Role.PRIMARY),),
    )
    controller._anchors_loaded(NO_ANCHORS)
    pump(app, 0.5)

    def named(name: str) -> QWidget:
        return next(w for w in window.findChildren(QWidget) if w.accessibleName() == name)

    ticks = Ticks()
    results: dict = {}

    # (1) Redaction boxes on a 2560×1440 screenshot.
    window.steps.setCurrentRow(2)
    page = window.screenshot_page
    shot = home / "status-basics.png"
    screenshot_like(shot)
    status = named("Screenshot status")
    page.use_file(shot)
    pump(app, 60, lambda: status.text().startswith("Saved as"))
    preview = named("Screenshot preview")
    pump(app, 0.5)
    area = preview.image_area()
    scale = area.width() / 2560

    def at(x: int, y: int) -> QPoint:
        return QPoint(round(area.x() + x * scale), round(area.y() + y * scale))

    boxes = ((200, 200, 900, 400), (1300, 600, 2000, 800), (300, 1000, 1000, 1200))
    ticks.start()
    started = time.perf_counter()
    for x1, y1, x2, y2 in boxes:
        QTest.mousePress(preview, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0), at(x1, y1))
        QTest.mouseMove(preview, at((x1 + x2) // 2, (y1 + y2) // 2))
        QTest.mouseMove(preview, at(x2, y2))
        QTest.mouseRelease(preview, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0), at(x2, y2))
        pump(app, 0.3)
    pump(
        app,
        60,
        lambda: status.text().startswith("Saved as") and page._pool.activeThreadCount() == 0,
    )
    saved = time.perf_counter() - started
    pump(app, 0.5)
    results["redact_stall_ms"] = ticks.stop()
    results["redact_saved_s"] = saved
    found = re.search(r"(\d+) areas? blacked out", status.text())
    results["redact_boxes_kept"] = int(found.group(1)) if found else 0

    # (2) Selecting a refused 30 MB file.
    pki = FakePKI("Stall")
    leaf = pki.issue(["support.example.com"]).leaf.public_bytes(Encoding.PEM)
    big = home / "appliance-debug.log"
    line = b"2026-12-07 01:00:00 INFO request served in 12 ms from 10.0.0.7\n"
    with open(big, "wb") as handle:
        handle.write(line * ((15 << 20) // len(line)))
        handle.write(leaf)
        handle.write(line * ((15 << 20) // len(line)))
    small = home / "notes.txt"
    small.write_text("not a certificate\n")
    window.steps.setCurrentRow(1)
    window.certificates_page.add_paths([small, big])
    files = named("Files")
    model = files.model()

    def scanned() -> bool:
        texts = [model.index(r, 0).data() or "" for r in range(model.rowCount())]
        return len(texts) == 2 and not any("checking" in t for t in texts)

    pump(app, 120, scanned)
    controller.pool.waitForDone(60000)
    pump(app, 0.5)
    big_row = next(r for r in range(2) if model.index(r, 0).data().startswith(big.name))
    ticks.start()
    for _ in range(5):
        files.setCurrentIndex(model.index(1 - big_row, 0))
        pump(app, 0.05)
        files.setCurrentIndex(model.index(big_row, 0))
        pump(app, 0.05)
    pump(app, 0.3)
    results["select_stall_ms"] = ticks.stop()
    results["select_reason"] = named("Reason").text()[:60]
    results["select_size_mb"] = big.stat().st_size / 1e6
    controller.shutdown()
    return results


def child(app_dir: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(app_dir))
    run = subprocess.run(
        [sys.executable, str(HERE), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if run.returncode != 0:
        raise SystemExit(f"the run on {app_dir} failed:\n{run.stderr[-2000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="another tree (its app/ is run too)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if args.json:
        print(json.dumps(measure()))
        return 0
    rows = [("this tree", child(HERE.parents[1] / "app"))]
    if args.baseline is not None:
        rows.append((f"baseline {args.baseline}", child(args.baseline / "app")))
    print("longest GUI-thread stall (target < 50 ms each):")
    for label, found in rows:
        print(
            f"  {label}: drawing 3 redaction boxes on 2560x1440 {found['redact_stall_ms']:.0f} ms "
            f"({found['redact_boxes_kept']} of 3 boxes kept, saved "
            f"{found['redact_saved_s']:.2f} s after the first); "
            f"selecting a refused {found['select_size_mb']:.0f} MB file "
            f"{found['select_stall_ms']:.0f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
