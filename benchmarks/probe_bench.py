"""Probe time for many appliances: 50 fake appliances probed concurrently vs one by one.

Each appliance gets three handshakes (site name, its own name, no SNI) and the full
judgement (chain, validity, trust against Mozilla's roots and this machine's store).
Two scenarios: plain loopback, where handshakes and judging cost CPU only, and a
simulated network latency per connection, which is what a real Atlas cluster adds
and what concurrency is for. Everything runs on 127.0.0.1; the fake appliances run in
a child process, as real appliances are other machines, so the servers' work does not
compete with the client for its interpreter lock.

    .venv/bin/python benchmarks/probe_bench.py [--appliances 50] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import time

from bundleguard.probe import parse_target, probe_appliances
from bundleguard.probe.fake import FakeAppliance, FakePKI
from bundleguard.probe.run import DEFAULT_WORKERS

SITE = "support.example.test"


def timed_probe(targets, workers: int, repeat: int = 1) -> tuple[float, bool]:
    """The best wall-clock time of `repeat` runs, and whether every run passed."""
    best, all_ok = float("inf"), True
    for _ in range(repeat):
        started = time.perf_counter()
        report = probe_appliances(targets, SITE, timeout=10, workers=workers)
        best = min(best, time.perf_counter() - started)
        all_ok = all_ok and report.ok
    return best, all_ok


def serve_appliances(count: int, latency: float, specs, stop) -> None:
    """Child process: run `count` fake appliances until `stop` is set."""
    served = FakePKI("Benchmark").issue([SITE, "*.example.test"])
    with contextlib.ExitStack() as stack:
        appliances = [
            stack.enter_context(
                FakeAppliance(f"node{i:02d}.example.test", default=served, latency=latency)
            )
            for i in range(count)
        ]
        specs.send([appliance.spec for appliance in appliances])
        stop.wait()


def run_scenario(count: int, latency: float, repeat: int) -> list[tuple[str, int, float, bool]]:
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    stop = context.Event()
    child = context.Process(target=serve_appliances, args=(count, latency, send, stop))
    child.start()
    try:
        targets = [parse_target(spec) for spec in receive.recv()]
        timed_probe(targets[:2], workers=2)  # warm up: trust-store loading is cached
        rows = []
        for label, workers in (("one by one", 1), ("concurrent", DEFAULT_WORKERS)):
            seconds, ok = timed_probe(targets, workers, repeat)
            rows.append((label, workers, seconds, ok))
    finally:
        stop.set()
        child.join(30)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appliances", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per connection")
    parser.add_argument("--repeat", type=int, default=3, help="runs per row; the best is shown")
    args = parser.parse_args()

    print(
        f"{args.appliances} fake appliances on 127.0.0.1, 3 handshakes each, "
        f"best of {args.repeat} runs\n"
    )
    header = f"{'scenario':<22} {'mode':<11} {'workers':>7} {'total s':>8} {'ms/appl.':>8}"
    print(header)
    print("-" * len(header))
    for scenario, latency in (
        ("loopback", 0.0),
        (f"+{args.latency * 1000:g} ms/connection", args.latency),
    ):
        rows = run_scenario(args.appliances, latency, args.repeat)
        for label, workers, seconds, ok in rows:
            assert ok, "the benchmark appliances are all meant to pass"
            per = seconds / args.appliances * 1000
            print(f"{scenario:<22} {label:<11} {workers:>7} {seconds:>8.2f} {per:>8.1f}")
        ratio = rows[0][2] / rows[1][2]
        print(f"{scenario:<22} {'speed-up':<11} {'':>7} {ratio:>7.1f}x\n")


if __name__ == "__main__":
    main()
