"""Packaged size and start-up: the frozen app against itself from source, in one run.

    .venv/bin/python benchmarks/package_bench.py [--build] [--repeat 5] [--json]

- size: the one-folder build (`dist/bundleguard/`) and the one-file build
  (`dist/onefile/bundleguard`), in MB (10^6 bytes) and MiB (2^20 bytes): the apparent
  size (`st_size`) of every regular file, symbolic links not counted (`du -sb` adds the
  folders' and links' own bytes; plain `du` counts disk blocks instead); the target
  "under 120 MB" means under 120,000,000 bytes. `--build` builds
  both first with `python3 dev.py build [--onefile]` and times each build;
- window start: from launching `bundleguard --demo` to its exit right after the first
  paint of the main window (the window quits there when BUNDLEGUARD_EXIT_AFTER_PAINT=1),
  offscreen, frozen one-folder vs `python -m bundleguard` from source; the median of
  `--repeat` runs each, interleaved, and their ratio. Reported as not measurable while
  the app has no window that honours the variable;
- command start: the same for `bundleguard --version` (interpreter, imports, parser).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONEFOLDER = ROOT / "dist" / "bundleguard"
ONEFILE = ROOT / "dist" / "onefile" / "bundleguard"
SOURCE = [str(ROOT / ".venv" / "bin" / "python"), "-m", "bundleguard"]
FROZEN = [str(ONEFOLDER / "bundleguard")]


def folder_size(path: Path) -> int:
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def build(onefile: bool) -> float:
    began = time.perf_counter()
    args = ["python3", "dev.py", "build"]
    if onefile:
        args.append("--onefile")
    subprocess.run(args, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - began


def timed(cmd: list[str], env: dict[str, str], timeout: float = 60) -> float | None:
    """Wall seconds from launch to exit; for the window, to the first paint it reports."""
    began = time.perf_counter()
    try:
        result = subprocess.run(
            cmd, env=env, capture_output=True, text=True, timeout=timeout, check=False, cwd=ROOT
        )
    except subprocess.TimeoutExpired:
        return None
    took = time.perf_counter() - began
    if result.returncode != 0:
        return None
    for line in result.stdout.splitlines():
        # gui/app.py prints "first-paint S": seconds since the process started, as the OS
        # counts them; the exit right after it adds no work worth counting.
        if line.startswith("first-paint "):
            return float(line.split()[1])
    return took


def compare(args: list[str], repeat: int, extra_env: dict[str, str]) -> dict[str, object]:
    home = tempfile.mkdtemp(prefix="bundleguard-bench-home-")  # no user data touched
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        HOME=home,
        XDG_DATA_HOME=f"{home}/data",
        XDG_STATE_HOME=f"{home}/state",
        XDG_CONFIG_HOME=f"{home}/config",
        **extra_env,
    )
    frozen: list[float] = []
    source: list[float] = []
    for _ in range(repeat):  # interleaved, so a busy moment hurts both alike
        for cmd, into in ((FROZEN, frozen), (SOURCE, source)):
            seconds = timed([*cmd, *args], env)
            if seconds is None:
                return {"measured": False, "why": f"{' '.join([*cmd[-1:], *args])} failed"}
            into.append(seconds)
    f, s = statistics.median(frozen), statistics.median(source)
    return {"measured": True, "frozen_s": round(f, 3), "source_s": round(s, 3),
            "ratio_frozen_over_source": round(f / s, 2)}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="store_true", help="build both kinds first")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results: dict[str, object] = {}
    if args.build:
        results["build_onefolder_s"] = round(build(onefile=False), 1)
        results["build_onefile_s"] = round(build(onefile=True), 1)
    if not ONEFOLDER.is_dir():
        print("no one-folder build: run python3 dev.py build (or pass --build)", file=sys.stderr)
        return 2
    onefolder = folder_size(ONEFOLDER)
    onefile = ONEFILE.stat().st_size if ONEFILE.exists() else None
    results["onefolder_bytes"] = onefolder
    results["onefolder_mb"] = round(onefolder / 1e6, 1)
    results["onefolder_mib"] = round(onefolder / 2**20, 1)
    results["onefile_bytes"] = onefile
    results["onefile_mb"] = round(onefile / 1e6, 1) if onefile is not None else None
    results["onefile_mib"] = round(onefile / 2**20, 1) if onefile is not None else None
    results["window_start"] = compare(
        ["--demo"], args.repeat, {"BUNDLEGUARD_EXIT_AFTER_PAINT": "1"}
    )
    results["command_start"] = compare(["--version"], args.repeat, {})
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for key in ("build_onefolder_s", "build_onefile_s"):
        if key in results:
            print(f"{key:<22} {results[key]} s")
    for kind, target in (("onefolder", 120), ("onefile", 60)):
        label = f"{'one-folder' if kind == 'onefolder' else 'one-file'} size"
        if results[f"{kind}_bytes"] is None:
            print(f"{label:<22} not built")
            continue
        print(
            f"{label:<22} {results[f'{kind}_mb']} MB = {results[f'{kind}_mib']} MiB "
            f"({results[f'{kind}_bytes']:,} bytes; target < {target},000,000)"
        )
    for key in ("window_start", "command_start"):
        item = results[key]
        if item["measured"]:
            print(
                f"{key:<22} frozen {item['frozen_s']} s, source {item['source_s']} s: "
                f"ratio {item['ratio_frozen_over_source']} (median of {args.repeat})"
            )
        else:
            print(f"{key:<22} not measurable: {item['why']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
