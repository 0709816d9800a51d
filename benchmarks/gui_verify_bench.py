"""Verify 50 appliances from the window: total time against the slowest host, and the
longest event-loop stall while it runs (targets: ratio as the CLI's, stall < 100 ms).

50 fake appliances on 127.0.0.1 (in a child process, as real appliances are other
machines) answer each connection after a latency spread from 0.05 to 0.45 s, one of them
after 0.6 s: the slowest host. Each appliance gets three handshakes (site, own name, no
SNI). Four runs: the whole case and the slowest host alone, each from the `VerifyPanel`
(clicking "Verify appliances" under offscreen Qt, until `verified`) and from the core's
`probe_case` called directly (the CLI's path). During the panel's run of the whole case a
QTimer ticks every 5 ms on the GUI thread and the longest gap between ticks is the stall
(the grid of 50 x 9 cells is filled inside that window too). No assertions: figures only.

    .venv/bin/python benchmarks/gui_verify_bench.py [--appliances 50] [--repeat 1]

Measured (2 CPUs, offscreen Qt, 2026-12-02; 14 s in all):

    50 fake appliances on 127.0.0.1, latency 0.05-0.45 s per connection, one at 0.6 s
    path             whole case s  slowest alone s   ratio  stall max ms  stall p99 ms
    ----------------------------------------------------------------------------------
    window (panel)           3.63             1.83    1.98            29             9
    core (CLI path)          3.58             1.82    1.97             -             -

The ratio is the probe's own (16 appliances at a time, `probe.run.DEFAULT_WORKERS`): the
window adds nothing to it. Filling the grid once sized every row to its contents per
header change (161 ms for 50 rows); it is sized once per result now.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "app"))

SITE = "support.example.test"
SLOWEST = 0.6
TIMEOUT = 10.0


def latencies(count: int) -> list[float]:
    """0.05 to 0.45 s spread over all but one; the last one is the slowest host."""
    if count == 1:
        return [SLOWEST]
    spread = [0.05 + 0.4 * index / max(count - 2, 1) for index in range(count - 1)]
    return [*spread, SLOWEST]


def serve(count: int, send, stop) -> None:
    """Child process: run `count` fake appliances until `stop` is set."""
    from bundleguard.probe.fake import FakeAppliance, FakePKI

    served = FakePKI("Verify Benchmark").issue([SITE, "*.example.test"])
    with contextlib.ExitStack() as stack:
        running = [
            stack.enter_context(
                FakeAppliance(f"appliance{index:02d}.example.test", default=served, latency=wait)
            )
            for index, wait in enumerate(latencies(count))
        ]
        send.send([(appliance.name, appliance.port) for appliance in running])
        stop.wait()


def case_of(appliances):
    from bundleguard.case.model import ApplianceEntry, Case, Role

    entries = tuple(
        ApplianceEntry(name, Role.PRIMARY if index == 0 else Role.BACKUP, f"127.0.0.1:{port}")
        for index, (name, port) in enumerate(appliances)
    )
    return Case(site=SITE, appliances=entries)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appliances", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=1, help="runs per figure; the best shown")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = Path(tempfile.mkdtemp(prefix="bundleguard-verify-bench-"))
    os.environ["BUNDLEGUARD_DATA_DIR"] = str(home / "data")
    os.environ["BUNDLEGUARD_CONFIG_DIR"] = str(home / "config")

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from bundleguard.case.probing import probe_case
    from bundleguard.case.store import CaseStore
    from bundleguard.gui.controller import CaseController
    from bundleguard.gui.verify_panel import VerifyPanel

    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    stop = context.Event()
    child = context.Process(target=serve, args=(args.appliances, send, stop))
    child.start()
    try:
        appliances = receive.recv()
        whole, alone = case_of(appliances), case_of(appliances[-1:])

        app = QApplication.instance() or QApplication(sys.argv[:1])
        controller = CaseController(CaseStore(home / "data"))
        deadline = time.monotonic() + 20
        while controller.anchors is None and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
        panel = VerifyPanel(controller)
        panel.resize(1100, 800)
        panel.show()
        panel.timeout.setValue(TIMEOUT)
        button = panel.verify_button
        finished: list[object] = []
        panel.verified.connect(finished.append)

        gaps: list[float] = []
        last = [time.perf_counter()]

        def tick() -> None:
            now = time.perf_counter()
            gaps.append(now - last[0])
            last[0] = now

        timer = QTimer()
        timer.setInterval(5)
        timer.timeout.connect(tick)

        def from_panel(case, measure_stall: bool = False) -> float:
            controller.update(site=case.site, appliances=case.appliances)
            finished.clear()
            started = time.perf_counter()
            if measure_stall:
                last[0] = started
                timer.start()
            button.click()  # "Verify appliances", as the user clicks it
            end = time.monotonic() + 120
            while not finished and time.monotonic() < end:
                app.processEvents()
                time.sleep(0.001)
            seconds = time.perf_counter() - started
            if measure_stall:
                settle = time.monotonic() + 0.3  # what the panel does after it reported
                while time.monotonic() < settle:
                    app.processEvents()
                    time.sleep(0.001)
                timer.stop()
            if not finished:
                raise SystemExit("the panel did not finish")
            return seconds

        def from_core(case) -> float:
            started = time.perf_counter()
            probe_case(case, timeout=TIMEOUT, anchors=controller.anchors)
            return time.perf_counter() - started

        from_core(case_of(appliances[:2]))  # warm up: the first handshakes load modules
        rows = []
        gui_whole = min(from_panel(whole, measure_stall=True) for _ in range(args.repeat))
        grid = finished[0]
        gui_alone = min(from_panel(alone) for _ in range(args.repeat))
        rows.append(("window (panel)", gui_whole, gui_alone))
        core_whole = min(from_core(whole) for _ in range(args.repeat))
        core_alone = min(from_core(alone) for _ in range(args.repeat))
        rows.append(("core (CLI path)", core_whole, core_alone))
        controller.shutdown()
    finally:
        stop.set()
        child.join(30)

    gaps_ms = sorted(gap * 1000 for gap in gaps)
    stall_max = gaps_ms[-1] if gaps_ms else float("nan")
    stall_p99 = gaps_ms[max(int(len(gaps_ms) * 0.99) - 1, 0)] if gaps_ms else float("nan")
    print(
        f"{args.appliances} fake appliances on 127.0.0.1, latency 0.05-0.45 s per connection, "
        f"one at {SLOWEST:g} s"
    )
    header = (
        f"{'path':<16} {'whole case s':>12} {'slowest alone s':>16} {'ratio':>7} "
        f"{'stall max ms':>13} {'stall p99 ms':>13}"
    )
    print(header)
    print("-" * len(header))
    for index, (label, total, slowest) in enumerate(rows):
        stalls = (f"{stall_max:.0f}", f"{stall_p99:.0f}") if index == 0 else ("-", "-")
        print(
            f"{label:<16} {total:>12.2f} {slowest:>16.2f} {total / slowest:>7.2f} "
            f"{stalls[0]:>13} {stalls[1]:>13}"
        )
    print(f"\nthe panel's grid of the whole case: {grid.summary}")  # type: ignore[attr-defined]
    return 0


if __name__ == "__main__":
    sys.exit(main())
