"""Process start to the first painted window: bundleguard beside a bare PySide6 QMainWindow.

Both are started the same way (a fresh Python process, `QT_QPA_PLATFORM=offscreen` unless
given): bundleguard with `BUNDLEGUARD_EXIT_AFTER_PAINT=1` prints `first-paint <s>` after
its window's first paint and quits; the bare window is a tiny script that does the same.
The time is measured by this script from the spawn to the `first-paint` line (the same
clock for both), N runs each, interleaved, with medians and the ratio (target <= 1.3x).

    .venv/bin/python benchmarks/gui_start_bench.py [--runs 9] [--platform offscreen]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE = """\
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

class Window(QMainWindow):
    painted = False
    def paintEvent(self, event):
        super().paintEvent(event)
        if not self.painted:
            self.painted = True
            print("first-paint", flush=True)
            QTimer.singleShot(0, app.quit)

app = QApplication(sys.argv)
window = Window()
window.resize(1000, 700)
window.show()
sys.exit(app.exec())
"""

ROOT = Path(__file__).resolve().parents[1]


def time_to_paint(command: list[str], env: dict[str, str], timeout: float = 60) -> float:
    start = time.perf_counter()
    with subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("first-paint"):
                elapsed = time.perf_counter() - start
                break
        else:
            raise SystemExit(f"{command[:3]} never printed first-paint")
        process.wait(timeout)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--platform", default=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ)
        # An installed or frozen app runs from compiled bytecode: let the warm-up run write
        # it (a shell with PYTHONDONTWRITEBYTECODE set made every run compile ~80 modules).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.update(
            QT_QPA_PLATFORM=args.platform,
            BUNDLEGUARD_EXIT_AFTER_PAINT="1",
            BUNDLEGUARD_DATA_DIR=str(Path(home) / "data"),
            BUNDLEGUARD_CONFIG_DIR=str(Path(home) / "config"),
            PYTHONPATH=str(ROOT / "app"),
        )
        bare_script = Path(home) / "bare_window.py"
        bare_script.write_text(BARE)
        # Both as a script run by the interpreter: bundleguard through its installed
        # `bundleguard` command (what a user starts; `python -m` adds runpy's imports).
        entry = Path(sys.executable).with_name("bundleguard")
        ours = (
            [sys.executable, str(entry)]
            if entry.is_file()
            else [sys.executable, "-m", "bundleguard"]
        )
        commands = {
            "bundleguard": ours,
            "bare QMainWindow": [sys.executable, str(bare_script)],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for command in commands.values():  # warm the disk cache, not measured
            time_to_paint(command, env)
        for _ in range(args.runs):
            for name, command in commands.items():
                times[name].append(time_to_paint(command, env))

    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        low, high = min(values), max(values)
        print(
            f"{name:18} median {medians[name] * 1000:7.0f} ms  (min {low * 1000:.0f}, "
            f"max {high * 1000:.0f}, {len(values)} runs, QT_QPA_PLATFORM={args.platform})"
        )
    ratio = medians["bundleguard"] / medians["bare QMainWindow"]
    print(f"ratio {ratio:.2f}x (target <= 1.3x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
