"""Bundle build time: 3 appliances x (1 screenshot + 4 chain files), with a plain zip as the floor.

    .venv/bin/python benchmarks/bundle_bench.py [--appliances 3] [--width 1920 --height 1080]
                                                [--repeat 3] [--json] [--compare OLD_TREE]

`--compare OLD_TREE` (e.g. `git worktree add /tmp/old-bundle 64c3a3c`) runs the same
inputs through that tree's bundleguard and this one's, each in a fresh process, in one run.

For each appliance: a screenshot-like PNG of an admin page and four certificate files
(leaf PEM, intermediate DER, root PEM, full-chain PEM), generated at run time into a temp
folder. bundleguard's time is the whole action as the CLI runs it, in this process: read
the inputs, plan (guard on every input, PNG re-encoding with optimize, guard again, chain
/ names / dates / trust checks), write the zip atomically, verify it (manifest hashes,
guard on every member read back, key search over the whole archive), and write the .eml.
No peer tool does this job, so the floor is a plain `zipfile` write (deflate) of the same
input files, fsynced; the ratio says what the safety costs. Best of `--repeat` runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _corpus

SITE = "support.example.com"


def make_inputs(folder: Path, appliances: int, width: int, height: int) -> list[dict]:
    """Per appliance: its hostname, a screenshot and four chain files on disk."""
    rng = random.Random(7)
    factory = _corpus._CertFactory(rng)
    sets = []
    for number in range(1, appliances + 1):
        host = f"node{number}.example.com"
        where = folder / host
        where.mkdir()
        leaf, _key = factory.leaf(host)
        shot = where / "Status Basics.png"
        _corpus._screenshot(rng, width, height, photo=False).save(shot, "PNG")
        files = {
            "leaf.crt": leaf.public_bytes(Encoding.PEM),
            "intermediate.cer": factory.inter.public_bytes(Encoding.DER),
            "root.pem": factory.root.public_bytes(Encoding.PEM),
            "fullchain.pem": _corpus._pem(leaf, factory.inter, factory.root),
        }
        certs = []
        for name, data in files.items():
            (where / name).write_bytes(data)
            certs.append(where / name)
        sets.append({"host": host, "screenshot": shot, "certs": certs})
    return sets


def _planner():
    """How this tree's bundleguard plans a bundle, as its CLI does (trust anchors loaded
    once by the shell when the tree has them)."""
    from bundleguard.bundle.plan import check_appliance, plan_bundle, read_input

    try:
        from bundleguard.certs.anchors import load_trust_anchors
    except ImportError:  # an older tree: the plan reads the trust stores itself (cached)
        anchors = {}
    else:
        loaded = load_trust_anchors()
        anchors = {"public_anchors": loaded.public, "system_anchors": loaded.system}

    def plan(item: dict):
        return plan_bundle(
            check_appliance(item["host"], "node"),
            read_input(item["screenshot"]),
            [read_input(p) for p in item["certs"]],
            site=SITE,
            incident="123456",
            **anchors,
        )

    return plan


def bundleguard_once(sets: list[dict], out: Path) -> tuple[float, list[float], int]:
    """The whole action for every appliance; (total, per-appliance seconds, bytes written)."""
    from bundleguard.bundle.batch import write_batch

    plan_one = _planner()
    per: list[float] = []
    size = 0
    start = time.perf_counter()
    for item in sets:
        began = time.perf_counter()
        plan = plan_one(item)
        result = write_batch([plan], out, eml=True, to="support@example.com")
        assert result.written, [r.reasons for _h, r in result.refusals]
        size += result.written[0].size
        per.append(time.perf_counter() - began)
    return time.perf_counter() - start, per, size


def worker(inputs: Path, repeat: int) -> int:
    """Run in a tree's own process: time that tree's bundleguard on the inputs given."""
    import bundleguard

    sets = json.loads((inputs / "sets.json").read_text())
    for item in sets:
        item["screenshot"] = Path(item["screenshot"])
        item["certs"] = [Path(c) for c in item["certs"]]
    with tempfile.TemporaryDirectory(prefix="bundle-bench-out-") as temp:
        root = Path(temp)
        warm = root / "warm"
        warm.mkdir()
        bundleguard_once(sets[:1], warm)
        total, per, size = best_of(repeat, bundleguard_once, sets, root, "run")
    print(json.dumps({"tree": str(Path(bundleguard.__file__).parents[2]), "total": total,
                      "per": per, "bytes": size}))  # fmt: skip
    return 0


def compare(sets: list[dict], folder: Path, old_tree: Path, repeat: int) -> list[dict]:
    """Old tree and this one on the same inputs, each in a fresh process, alternating."""
    import subprocess

    listing = [{"host": s["host"], "screenshot": str(s["screenshot"]),
                "certs": [str(c) for c in s["certs"]]} for s in sets]  # fmt: skip
    (folder / "sets.json").write_text(json.dumps(listing))
    here = Path(__file__).resolve().parents[1]
    results = []
    for label, tree in (("old", old_tree), ("new", here), ("old", old_tree), ("new", here)):
        env = {**os.environ, "PYTHONPATH": str(Path(tree) / "app")}
        done = subprocess.run(
            [sys.executable, __file__, "--worker", str(folder), "--repeat", str(repeat)],
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        results.append({"label": label, **json.loads(done.stdout.strip().splitlines()[-1])})
    return results


def plain_zip_once(sets: list[dict], out: Path) -> tuple[float, list[float], int]:
    per: list[float] = []
    size = 0
    start = time.perf_counter()
    for item in sets:
        began = time.perf_counter()
        target = out / f"plain-{item['host']}.zip"
        with open(target, "wb") as handle:
            with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in (item["screenshot"], *item["certs"]):
                    archive.write(path, path.name)
            handle.flush()
            os.fsync(handle.fileno())
        size += target.stat().st_size
        per.append(time.perf_counter() - began)
    return time.perf_counter() - start, per, size


def best_of(repeat: int, run, sets: list[dict], root: Path, label: str):
    best = None
    for attempt in range(repeat):
        out = root / f"{label}-{attempt}"
        out.mkdir()
        result = run(sets, out)
        if best is None or result[0] < best[0]:
            best = result
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appliances", type=int, default=3)
    parser.add_argument("--width", type=int, default=1920)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--compare", metavar="OLD_TREE", type=Path)
    parser.add_argument("--worker", metavar="INPUTS", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.repeat)
    if args.compare:
        with tempfile.TemporaryDirectory(prefix="bundle-bench-") as temp:
            sets = make_inputs(Path(temp), args.appliances, args.width, args.height)
            runs = compare(sets, Path(temp), args.compare, args.repeat)
        if args.json:
            print(json.dumps(runs, indent=2))
            return 0
        print(f"{args.appliances} appliances, screenshot {args.width}x{args.height}, "
              f"best of {args.repeat} per process")  # fmt: skip
        for run in runs:
            per = run["total"] / len(run["per"])
            print(f"{run['label']:<5}{run['tree']:<28}{run['total']:>8.3f} s{per:>8.3f} s/bundle")
        return 0

    with tempfile.TemporaryDirectory(prefix="bundle-bench-") as temp:
        root = Path(temp)
        sets = make_inputs(root, args.appliances, args.width, args.height)
        input_bytes = sum(p.stat().st_size for s in sets for p in (s["screenshot"], *s["certs"]))
        # Warm-up: imports, trust stores (cached per process), Pillow's codecs.
        warm = root / "warm"
        warm.mkdir()
        bundleguard_once(sets[:1], warm)
        ours = best_of(args.repeat, bundleguard_once, sets, root, "bundleguard")
        floor = best_of(args.repeat, plain_zip_once, sets, root, "plain")

    result = {
        "date": dt.date.today().isoformat(),
        "appliances": args.appliances,
        "files_per_appliance": 5,
        "screenshot": f"{args.width}x{args.height}",
        "input_bytes": input_bytes,
        "bundleguard_seconds_total": round(ours[0], 4),
        "bundleguard_seconds_per_bundle": [round(s, 4) for s in ours[1]],
        "bundleguard_bytes": ours[2],
        "plain_zip_seconds_total": round(floor[0], 4),
        "plain_zip_seconds_per_bundle": [round(s, 4) for s in floor[1]],
        "plain_zip_bytes": floor[2],
        "ratio": round(ours[0] / floor[0], 1) if floor[0] else None,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(
        f"{args.appliances} appliances x (1 screenshot {args.width}x{args.height} + 4 chain "
        f"files), {input_bytes / 1e6:.2f} MB of input; best of {args.repeat}"
    )
    print(f"{'tool':<28}{'total s':>10}{'s per bundle':>16}{'bytes out':>12}")
    for label, (total, per, size) in (
        ("bundleguard (plan+zip+eml)", ours),
        ("plain zipfile (floor)", floor),
    ):
        mean = total / len(per)
        print(f"{label:<28}{total:>10.3f}{mean:>16.3f}{size:>12,}")
    print(f"ratio bundleguard / plain zip: {result['ratio']}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
