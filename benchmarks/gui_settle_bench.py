"""The longest event-loop stall in the seconds after the window's first paint, while the
later steps' pages are prepared (their modules imported in a worker, then built one per
turn of the event loop) and the trust stores load.

    .venv/bin/python benchmarks/gui_settle_bench.py [--runs 3] [--seconds 3]

Each run is a fresh process (offscreen) with its own data and settings folders; a QTimer
ticks every 5 ms from the first paint and the largest gap between ticks is the stall.
Measured 2026-12-02 on the 2-core VM: 20-26 ms (the pages built cold in the GUI thread:
166-237 ms).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """\
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from bundleguard.gui.app import create_window
controller, window = create_window()
ticks = []
timer = QTimer()
timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
window.firstPainted.connect(lambda: (ticks.append(time.perf_counter()), timer.start(5)))
window.show()
QTimer.singleShot(int(float(sys.argv[1]) * 1000), app.quit)
app.exec()
gaps = sorted(b - a for a, b in zip(ticks, ticks[1:]))
print(f"{gaps[-1] * 1000:.0f} {gaps[int(len(gaps) * 0.99)] * 1000:.0f} {len(window._late)}")
controller.shutdown()
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory() as home:
            env = dict(
                os.environ,
                QT_QPA_PLATFORM="offscreen",
                BUNDLEGUARD_DATA_DIR=str(Path(home) / "data"),
                BUNDLEGUARD_CONFIG_DIR=str(Path(home) / "config"),
                PYTHONPATH=str(ROOT / "app"),
            )
            done = subprocess.run(
                [sys.executable, "-c", PROBE, str(args.seconds)],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=True,
            )
            longest, p99, pages = done.stdout.split()[-3:]
            print(
                f"run {run}: longest stall {longest} ms, p99 {p99} ms in the {args.seconds:g} s "
                f"after the first paint ({pages} pages built)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
