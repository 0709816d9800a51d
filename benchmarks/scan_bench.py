"""Scan throughput and memory: `bundleguard scan` beside Kingfisher and `detect-secrets`, same
files, one run.

    .venv/bin/python benchmarks/scan_bench.py                    # ~300 MB mixed corpus
    .venv/bin/python benchmarks/scan_bench.py --size-mb 50       # smaller, quicker
    .venv/bin/python benchmarks/scan_bench.py --big-file-gb 1    # one 1 GB log, memory
    .venv/bin/python benchmarks/scan_bench.py --set mixed201 --tools bundleguard,kingfisher \
        --repeat 3                                               # issue 19's ratio, 3 runs

The corpus (see `_corpus.py`) is generated at run time with a fixed seed into a temporary
directory that is deleted afterwards (or into `--dir`, kept). The page cache is warmed by
reading every file once, so every tool sees the same cache state; then each tool runs as a
child process, timed on the wall clock, with its peak RSS taken from the kernel's resource
usage of that child (`os.wait4`; its waited-for descendants included, as the largest one).
Keys found are scored against the corpus's ground truth. Standard library + cryptography +
Pillow only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _corpus

MB = 1024 * 1024
# A finding counts for a hidden key when its offset falls in the key's byte span, or this
# many bytes before it (a scanner may report the start of the line or of the quoted string).
OFFSET_SLACK = 64
# Extensions in our corpus that detect-secrets 1.5.0 skips by name (IGNORED_FILE_EXTENSIONS).
DETECT_SECRETS_SKIPPED_EXT = {".bin", ".png", ".jpg", ".jpeg", ".zip", ".gz", ".tar"}


def say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- measuring


@dataclass
class Run:
    tool: str
    command: list[str]
    seconds: float
    returncode: int | None
    peak_rss: int | None  # bytes
    cpu_seconds: float | None
    stdout: Path
    stderr_tail: str = ""
    timed_out: bool = False


def _windows_peak_rss(proc: subprocess.Popen) -> int | None:
    """Peak working set of a finished child on Windows (the child only, not its children)."""
    try:
        import ctypes
        from ctypes import wintypes

        class Counters(ctypes.Structure):
            _fields_ = [("cb", wintypes.DWORD), ("PageFaultCount", wintypes.DWORD)] + [
                (name, ctypes.c_size_t)
                for name in (
                    "PeakWorkingSetSize",
                    "WorkingSetSize",
                    "QuotaPeakPagedPoolUsage",
                    "QuotaPagedPoolUsage",
                    "QuotaPeakNonPagedPoolUsage",
                    "QuotaNonPagedPoolUsage",
                    "PagefileUsage",
                    "PeakPagefileUsage",
                )
            ]

        counters = Counters()
        counters.cb = ctypes.sizeof(counters)
        handle = wintypes.HANDLE(int(proc._handle))  # type: ignore[attr-defined]
        ok = ctypes.windll.psapi.GetProcessMemoryInfo(  # type: ignore[attr-defined]
            handle, ctypes.byref(counters), counters.cb
        )
        return int(counters.PeakWorkingSetSize) if ok else None
    except Exception:
        return None


# Runs one command and reports its resource usage from RUSAGE_CHILDREN. A tiny launcher,
# because on Linux a child's peak RSS starts at the RSS of the process that forked it (the
# old memory map's high-water mark is kept across exec): forked from this script, holding
# the corpus generator, even `grep` would show ~70 MB. The launcher's own ~8 MB is the floor.
_LAUNCHER = """
import os, resource, signal, sys, time
out, timeout, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
killed = []
start = time.perf_counter()
pid = os.posix_spawnp(cmd[0], cmd, os.environ)
def kill(*_):
    killed.append(1)
    os.kill(pid, signal.SIGKILL)
signal.signal(signal.SIGALRM, kill)
signal.alarm(timeout)
_, status = os.waitpid(pid, 0)
seconds = time.perf_counter() - start
signal.alarm(0)
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(out, "w") as f:
    f.write("%r %d %d %d %r" % (seconds, os.waitstatus_to_exitcode(status), ru.ru_maxrss,
            len(killed), ru.ru_utime + ru.ru_stime))
"""


def _rusage_unit() -> int:
    return 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB elsewhere


def measure(tool: str, cmd: list[str], out_dir: Path, timeout: float, cwd: Path | None = None):
    """Run `cmd` with stdout to a file; wall-clock seconds, peak RSS and CPU of the child."""
    slug = "".join(c if c.isalnum() or c == "-" else "_" for c in tool).strip("_")
    stdout, stderr, facts = (out_dir / f"{slug}.{ext}" for ext in ("out", "err", "rusage"))
    say(f"running {tool}: {' '.join(cmd)}" + (f"  (in {cwd})" if cwd else ""))
    peak = cpu = None
    with stdout.open("wb") as out, stderr.open("wb") as err:
        if resource is not None and hasattr(os, "posix_spawnp"):
            launcher = [sys.executable, "-S", "-c", _LAUNCHER, str(facts), str(int(timeout))]
            subprocess.run(launcher + cmd, stdout=out, stderr=err, cwd=cwd, check=False)
            text = facts.read_text().split()
            seconds, returncode = float(text[0]), int(text[1])
            peak, timed_out, cpu = int(text[2]) * _rusage_unit(), text[3] == "1", float(text[4])
        else:  # Windows: time the child here, peak working set through the Win32 API
            start = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd)
            try:
                returncode, timed_out = proc.wait(timeout=timeout), False
            except subprocess.TimeoutExpired:
                proc.kill()
                returncode, timed_out = proc.wait(), True
            seconds = time.perf_counter() - start
            peak = _windows_peak_rss(proc) if os.name == "nt" else None
    tail = stderr.read_text(errors="replace")[-2000:]
    return Run(tool, cmd, seconds, returncode, peak, cpu, stdout, tail, timed_out)


def launcher_floor(out_dir: Path) -> float | None:
    """Peak RSS (MB) reported for a command that does nothing: the measurement's floor."""
    true = shutil.which("true")
    if resource is None or true is None:
        return None
    run = measure("floor", [true], out_dir, 60)
    return None if run.peak_rss is None else run.peak_rss / MB


def warm_cache(paths: list[Path]) -> float:
    """Read every file once (so every tool finds it in the page cache); return read MB/s."""
    for _ in range(2):  # the first pass warms, the second is timed
        start = time.perf_counter()
        total = 0
        for path in paths:
            with path.open("rb", buffering=0) as f:
                while chunk := f.read(MB):
                    total += len(chunk)
        seconds = time.perf_counter() - start
    return total / MB / max(seconds, 1e-9)


# ----------------------------------------------------------------------------- scoring


@dataclass
class Score:
    keys_found: int = 0
    keys_hidden: int = 0
    files_flagged: int = 0
    files_with_keys: int = 0
    missed: list[str] = field(default_factory=list)  # "kind in file"
    flagged_elsewhere: list[str] = field(default_factory=list)  # file flagged, no offset match
    false_alarms: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _relative(path: str, root: Path, cwd: Path) -> str:
    p = Path(path)
    candidates = [p] if p.is_absolute() else [root / p, cwd / p]
    for c in candidates:
        try:
            return c.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
    return p.as_posix()


def score_bundleguard(run: Run, corpus, root: Path, expected: dict[str, str] | None) -> Score:
    score = Score(keys_hidden=len(corpus.keys), files_with_keys=len(corpus.secret_files))
    try:
        report = json.loads(run.stdout.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        score.notes.append(f"no JSON report from bundleguard ({e.__class__.__name__})")
        score.missed = [f"{k.kind} in {k.file}" for k in corpus.keys]
        return score
    verdicts: dict[str, str] = {}
    findings: dict[str, list[dict]] = {}
    for entry in report.get("files", []):
        rel = _relative(entry.get("path", ""), root, Path.cwd())
        verdicts[rel] = entry.get("verdict", "?")
        findings[rel] = entry.get("findings") or []
    for key in corpus.keys:
        hit = any(
            isinstance(f.get("offset"), int)
            and key.start - OFFSET_SLACK <= f["offset"] < key.end
            and (key.member is None or key.member in str(f.get("member") or ""))
            for f in findings.get(key.file, [])
        )
        if hit:
            score.keys_found += 1
        elif verdicts.get(key.file) == "secret":
            score.keys_found += 1
            score.flagged_elsewhere.append(f"{key.kind} in {key.file}")
        else:
            score.missed.append(f"{key.kind} in {key.file} ({verdicts.get(key.file, 'absent')})")
    secret = {rel for rel, v in verdicts.items() if v == "secret"}
    score.files_flagged = len(secret & corpus.secret_files)
    score.false_alarms = sorted(secret - corpus.secret_files)
    counts: dict[str, int] = {}
    for v in verdicts.values():
        counts[v] = counts.get(v, 0) + 1
    score.notes.append("verdicts: " + ", ".join(f"{k} {n}" for k, n in sorted(counts.items())))
    missing = sorted(set(corpus.files) - set(verdicts))
    if missing:
        score.notes.append(f"{len(missing)} files absent from the report, e.g. {missing[0]}")
    if expected:
        wrong = [
            f"{rel}: {verdicts[rel]} (expected {want})"
            for rel, want in sorted(expected.items())
            if rel in verdicts and verdicts[rel] != want and rel not in corpus.secret_files
        ]
        if wrong:
            score.notes.append(f"{len(wrong)} unexpected verdicts, e.g. " + "; ".join(wrong[:3]))
    return score


def score_detect_secrets(run: Run, corpus, root: Path) -> Score:
    score = Score(keys_hidden=len(corpus.keys), files_with_keys=len(corpus.secret_files))
    try:
        baseline = json.loads(run.stdout.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        score.notes.append(f"no JSON baseline from detect-secrets ({e.__class__.__name__})")
        score.missed = [f"{k.kind} in {k.file}" for k in corpus.keys]
        return score
    lines: dict[str, list[int]] = {}
    other = 0
    for name, items in baseline.get("results", {}).items():
        rel = _relative(name, root, root)
        for item in items:
            if item.get("type") == "Private Key":
                lines.setdefault(rel, []).append(int(item.get("line_number", 0)))
            else:
                other += 1
    for key in corpus.keys:
        found = lines.get(key.file, [])
        if key.line_start is not None:
            hit = any(key.line_start <= n <= key.line_end for n in found)
        else:
            hit = bool(found)
        if hit:
            score.keys_found += 1
        else:
            score.missed.append(f"{key.kind} in {key.file}")
    score.files_flagged = len(set(lines) & corpus.secret_files)
    score.false_alarms = sorted(set(lines) - corpus.secret_files)
    score.notes.append(f"{other} findings of other types (entropy, keywords...)")
    return score


# Kingfisher's rules that report private key material (its other rules find tokens,
# passwords, ...: counted apart, as detect-secrets' other types are).
def _kingfisher_private_key_rule(rule: dict) -> bool:
    text = f"{rule.get('id', '')} {rule.get('name', '')} {rule.get('title', '')}".lower()
    return "private" in text and "key" in text


def score_kingfisher(run: Run, corpus, root: Path) -> Score:
    score = Score(keys_hidden=len(corpus.keys), files_with_keys=len(corpus.secret_files))
    try:
        report = json.loads(run.stdout.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        score.notes.append(f"no JSON report from Kingfisher ({e.__class__.__name__})")
        score.missed = [f"{k.kind} in {k.file}" for k in corpus.keys]
        return score
    lines: dict[str, list[int]] = {}
    other = 0
    for item in report.get("findings", []):
        finding = item.get("finding", {})
        # a member of an archive is "archive.zip!member": the key counts for the archive
        rel = _relative(str(finding.get("path", "")).split("!")[0], root, root)
        if _kingfisher_private_key_rule(item.get("rule", {})):
            lines.setdefault(rel, []).append(int(finding.get("line") or 0))
        else:
            other += 1
    for key in corpus.keys:
        found = lines.get(key.file, [])
        if key.line_start is not None and key.member is None and any(found):
            # the line of the armor, or the line before it (a quoted string's start)
            hit = any(key.line_start - 1 <= n <= key.line_end for n in found)
        else:  # no line numbers (Kingfisher gives line 0 in a very large file)
            hit = bool(found)
        if hit:
            score.keys_found += 1
        else:
            score.missed.append(f"{key.kind} in {key.file}")
    score.files_flagged = len(set(lines) & corpus.secret_files)
    score.false_alarms = sorted(set(lines) - corpus.secret_files)
    score.notes.append(f"{other} findings of other rules (tokens, passwords...)")
    return score


# Kingfisher's flags for a like-for-like scan: offline (no live validation, no update
# check), every match reported (no de-duplication), no file-size cut-off, JSON out.
KINGFISHER_FLAGS = [
    "scan",
    "--no-validate",
    "--no-update-check",
    "-q",
    "--no-dedup",
    "--max-file-size",
    "0",
    "-f",
    "json",
]


def kingfisher_binary() -> str | None:
    """The binary inside the `kingfisher-bin` wheel (its console script is a Python
    wrapper that would add an interpreter's start to every run)."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", "import kingfisher; print(kingfisher.get_binary_path())"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except OSError:
        return None
    path = done.stdout.strip()
    return path if done.returncode == 0 and path else shutil.which("kingfisher")


# ----------------------------------------------------------------------------- tools


def venv_script(name: str) -> str | None:
    folder = Path(sys.executable).parent
    for candidate in (folder / name, folder / f"{name}.exe"):
        if candidate.exists():
            return str(candidate)
    return shutil.which(name)


def scanner_ready(bundleguard: str | None) -> bool:
    if not bundleguard:
        return False
    try:
        done = subprocess.run(
            [bundleguard, "scan", "--help"], capture_output=True, timeout=60, check=False
        )
    except OSError:
        return False
    return done.returncode == 0


def _row(run: Run | None, nbytes: int, score: Score | None, name: str) -> dict[str, object]:
    if run is None:
        return {"tool": name, "skipped": True}
    row: dict[str, object] = {
        "tool": name,
        "command": run.command,
        "seconds": round(run.seconds, 3),
        "mb_per_s": round(nbytes / MB / max(run.seconds, 1e-9), 2),
        "peak_rss_mb": None if run.peak_rss is None else round(run.peak_rss / MB, 1),
        "cpu_seconds": None if run.cpu_seconds is None else round(run.cpu_seconds, 2),
        "returncode": run.returncode,
        "timed_out": run.timed_out,
    }
    if run.returncode not in (0, 1, 200):  # Kingfisher exits 200 when it found something
        row["stderr_tail"] = run.stderr_tail
    if score is not None:
        row.update(
            keys_found=score.keys_found,
            keys_hidden=score.keys_hidden,
            files_flagged=score.files_flagged,
            files_with_keys=score.files_with_keys,
            missed=score.missed,
            flagged_without_offset_match=score.flagged_elsewhere,
            false_alarms=score.false_alarms,
            notes=score.notes,
        )
    return row


def print_table(result: dict[str, object]) -> None:
    print(result["title"])
    head = (
        f"{'tool':<28}{'seconds':>9}{'MB/s':>9}{'peak RSS MB':>13}{'CPU s':>8}"
        f"{'keys found':>12}{'files':>8}{'false alarms':>14}"
    )
    print(head)
    print("-" * len(head))
    for row in result["rows"]:  # type: ignore[union-attr]
        if row.get("skipped"):
            print(f"{row['tool']:<28}  (skipped)")
            continue
        rss = "-" if row["peak_rss_mb"] is None else f"{row['peak_rss_mb']:.1f}"
        cpu = "-" if row["cpu_seconds"] is None else f"{row['cpu_seconds']:.1f}"
        keys = files = alarms = ""
        if "keys_found" in row:
            keys = f"{row['keys_found']}/{row['keys_hidden']}"
            files = f"{row['files_flagged']}/{row['files_with_keys']}"
            alarms = str(len(row["false_alarms"]))
        ok = (0, 1, 200) if str(row["tool"]).startswith("Kingfisher") else (0, 1)
        bad = f"  FAILED rc={row['returncode']}" if row["returncode"] not in ok else ""
        if row["timed_out"]:
            bad = "  TIMED OUT"
        print(
            f"{row['tool']:<28}{row['seconds']:>9.2f}{row['mb_per_s']:>9.1f}{rss:>13}{cpu:>8}"
            f"{keys:>12}{files:>8}{alarms:>14}{bad}"
        )
    for line in result.get("summary", []):  # type: ignore[union-attr]
        print(line)
    for row in result["rows"]:  # type: ignore[union-attr]
        if row.get("skipped") or "keys_found" not in row:
            continue
        print(f"{row['tool']}:")
        print(f"  missed: {', '.join(row['missed']) or 'none'}")
        if row["flagged_without_offset_match"]:
            print(
                f"  flagged but no finding at the key's offset: "
                f"{', '.join(row['flagged_without_offset_match'])}"
            )
        if row["false_alarms"]:
            print(f"  false alarms: {', '.join(row['false_alarms'][:8])}")
        for note in row["notes"]:
            print(f"  {note}")
        if row.get("stderr_tail"):
            print("  stderr: " + row["stderr_tail"].strip().replace("\n", "\n          "))


# ----------------------------------------------------------------------------- the two modes

EXPECTED_VERDICT = {
    "certificate": "certificate",
    "image": "image",
    "binary": "refused",
    "log": "refused",
    "clean-text": "refused",
}


def _baseline_rows(args, target: Path, nbytes, out_dir, corpus, expected, root=None) -> list:
    """The same scan by another bundleguard (`--baseline`, e.g. an older tree), right after
    the first on the same warm cache: a before/after comparison from one run."""
    if not args.baseline:
        return []
    run = measure(
        "bundleguard-baseline",
        [args.baseline, "scan", "--json", str(target)],
        out_dir,
        args.timeout,
    )
    score = score_bundleguard(run, corpus, root or target, expected)
    return [_row(run, nbytes, score, "bundleguard (baseline)")]


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def side_by_side(args, tools, target: Path, nbytes, out_dir, score_bg, score_kf) -> tuple:
    """bundleguard and Kingfisher on the same files, alternately, `--repeat` rounds: rows,
    summary lines (medians, the wall-time ratio, both peak memories) and the first
    bundleguard row (for the other comparisons)."""
    rows: list[dict[str, object]] = []
    runs: dict[str, list[dict[str, object]]] = {"bundleguard": [], "kingfisher": []}
    ratios = []
    for round_ in range(1, args.repeat + 1):
        tag = f" #{round_}" if args.repeat > 1 else ""
        pair = {}
        if "bundleguard" in args.tools and tools["bundleguard"]:
            run = measure(
                f"bundleguard{tag}",
                [tools["bundleguard"], "scan", "--json", str(target)],
                out_dir,
                args.timeout,
            )
            pair["bundleguard"] = _row(run, nbytes, score_bg(run), f"bundleguard{tag}")
        if "kingfisher" in args.tools and tools["kingfisher"]:
            run = measure(
                f"kingfisher{tag}",
                [tools["kingfisher"], *KINGFISHER_FLAGS, str(target)],
                out_dir,
                args.timeout,
            )
            pair["kingfisher"] = _row(run, nbytes, score_kf(run), f"Kingfisher 2.14{tag}")
        for name, row in pair.items():
            runs[name].append(row)
            rows.append(row)
        if len(pair) == 2:
            ratios.append(pair["bundleguard"]["seconds"] / pair["kingfisher"]["seconds"])
    summary = []
    for name, done in runs.items():
        if done:
            peaks = [r["peak_rss_mb"] for r in done if r["peak_rss_mb"] is not None]
            cpus = [r["cpu_seconds"] for r in done if r["cpu_seconds"] is not None]
            summary.append(
                f"{name}: median of {len(done)}: {_median([r['seconds'] for r in done]):.2f} s "
                f"wall, {_median(cpus) if cpus else float('nan'):.2f} CPU s, peak "
                f"{max(peaks) if peaks else float('nan'):.1f} MiB (largest of the runs)"
            )
    if ratios:
        each = ", ".join(f"{r:.2f}" for r in ratios)
        bg = [r["seconds"] for r in runs["bundleguard"]]
        kf = [r["seconds"] for r in runs["kingfisher"]]
        summary.insert(
            0,
            f"wall-time ratio bundleguard / Kingfisher: {_median(ratios):.2f}x "
            f"(median of {len(ratios)} rounds: {each}; target <= 0.8x); ratio of the "
            f"median walls {_median(bg) / _median(kf):.2f}x, of the best walls "
            f"{min(bg) / min(kf):.2f}x (on a shared machine the best is the least disturbed)",
        )
    summary.append(f"load average at the end: {', '.join(f'{x:.2f}' for x in _loadavg())}")
    first = runs["bundleguard"][0] if runs["bundleguard"] else None
    return rows, summary, first, _median(ratios) if ratios else None


def _loadavg() -> tuple[float, ...]:
    try:
        return os.getloadavg()
    except (AttributeError, OSError):
        return ()


def mixed(args, work: Path, tools: dict[str, str | None]) -> dict[str, object]:
    root = work / "corpus"
    if root.exists():
        shutil.rmtree(root)
    start = time.perf_counter()
    if args.set == "mixed201":
        say(f"generating issue 19's ~201 MB mixed set in {root} (seed {args.seed})")
        corpus = _corpus.build_mixed201(root, args.seed, log=lambda m: say(f"  {m}"))
    else:
        say(f"generating ~{args.size_mb} MB corpus in {root} (seed {args.seed})")
        corpus = _corpus.build(
            root, args.size_mb, args.seed, log=lambda m: say(f"  {m}"), log_share=args.log_share
        )
    say(
        f"generated {corpus.total_bytes / MB:.1f} MB, {len(corpus.files)} files "
        f"in {time.perf_counter() - start:.1f} s"
    )
    (work / "ground_truth.json").write_text(json.dumps(corpus.to_json(), indent=1))
    nbytes = corpus.total_bytes
    read_mbs = warm_cache([root / rel for rel in corpus.files])
    out_dir = work / "out"
    out_dir.mkdir(exist_ok=True)
    expected = {
        rel: EXPECTED_VERDICT[cat]
        for rel, cat in corpus.categories.items()
        if cat in EXPECTED_VERDICT
    }

    ds_row = None
    rows, versus, bg_row, kf_ratio = side_by_side(
        args,
        tools,
        root,
        nbytes,
        out_dir,
        lambda run: score_bundleguard(run, corpus, root, expected),
        lambda run: score_kingfisher(run, corpus, root),
    )
    if bg_row is None:
        rows.insert(0, {"tool": "bundleguard", "skipped": True})
    rows += _baseline_rows(args, root, nbytes, out_dir, corpus, expected)
    if bg_row and args.per_category:
        # bundleguard on each kind of file alone: where its time goes.
        for sub in sorted({rel.split("/")[0] for rel in corpus.files}):
            sub_bytes = sum(n for rel, n in corpus.files.items() if rel.startswith(sub + "/"))
            run = measure(
                f"bundleguard {sub}/",
                [tools["bundleguard"], "scan", "--json", str(root / sub)],
                out_dir,
                args.timeout,
            )
            rows.append(_row(run, sub_bytes, None, f"  bundleguard {sub}/ only"))
    if "detect-secrets" in args.tools and tools["detect-secrets"]:
        run = measure(
            "detect-secrets",
            # Run from inside the corpus: from an unrelated git work tree (this repo, say),
            # detect-secrets 1.5.0 given an absolute path outside it reports nothing.
            [tools["detect-secrets"], "scan", "--all-files", "."],
            out_dir,
            args.timeout,
            cwd=root,
        )
        ds_row = _row(run, nbytes, score_detect_secrets(run, corpus, root), "detect-secrets")
    rows.append(ds_row or {"tool": "detect-secrets", "skipped": True})
    grep = shutil.which("grep")
    if grep and "grep" in args.tools:
        run = measure("grep", [grep, "-rc", "--", "-----BEGIN", str(root)], out_dir, args.timeout)
        rows.append(_row(run, nbytes, None, "grep -rc (floor)"))

    skipped = sum(
        size
        for rel, size in corpus.files.items()
        if Path(rel).suffix.lower() in DETECT_SECRETS_SKIPPED_EXT
    )
    floor = launcher_floor(out_dir)
    summary = [
        f"Python read of the warm corpus: {read_mbs:.0f} MB/s; detect-secrets skips "
        f"{skipped / MB:.0f} MB of it by file extension (.png .jpg .bin .zip)."
    ]
    if floor is not None:
        summary.append(f"peak RSS floor of the measurement (launcher at fork): {floor:.1f} MB")
    ratio = None
    if bg_row and ds_row and ds_row["mb_per_s"]:
        ratio = bg_row["mb_per_s"] / ds_row["mb_per_s"]  # type: ignore[operator]
        summary.insert(0, f"ratio bundleguard MB/s / detect-secrets MB/s: {ratio:.1f}x")
    summary = versus + summary
    kinds = sorted({k.kind for k in corpus.keys})
    return {
        "mode": "mixed",
        "title": (
            f"mixed corpus: {nbytes / MB:.1f} MB, {len(corpus.files)} files, "
            f"{len(corpus.keys)} keys hidden in {len(corpus.secret_files)} files "
            f"(seed {args.seed}; {', '.join(kinds)})"
        ),
        "corpus_bytes": nbytes,
        "corpus_files": len(corpus.files),
        "keys": [vars(k) for k in corpus.keys],
        "rows": rows,
        "ratio": None if ratio is None else round(ratio, 2),
        "kingfisher_wall_ratio": None if kf_ratio is None else round(kf_ratio, 3),
        "read_mb_per_s": round(read_mbs, 1),
        "summary": summary,
    }


def big_file(args, work: Path, tools: dict[str, str | None]) -> dict[str, object]:
    big_dir = work / "big"
    big_dir.mkdir(parents=True, exist_ok=True)
    path = big_dir / "appliance-big.log"
    size = int(args.big_file_gb * 1024 * MB)
    say(f"writing {size / MB:.0f} MB to {path}")
    last = [0]

    def progress(done: int) -> None:
        if done - last[0] >= 128 * MB:
            last[0] = done
            say(f"  {done / MB:.0f} MB")

    keys = _corpus.write_big_log(path, size, args.seed, progress)
    corpus = _corpus.Corpus(root=big_dir, seed=args.seed, keys=keys)
    corpus.files[path.name] = path.stat().st_size
    corpus.categories[path.name] = "log"
    nbytes = corpus.total_bytes
    try:
        read_mbs = warm_cache([path])
        out_dir = work / "out"
        out_dir.mkdir(exist_ok=True)
        rows, versus, bg_row, kf_ratio = side_by_side(
            args,
            tools,
            path,
            nbytes,
            out_dir,
            lambda run: score_bundleguard(run, corpus, big_dir, None),
            lambda run: score_kingfisher(run, corpus, big_dir),
        )
        if bg_row is None:
            rows.insert(0, {"tool": "bundleguard", "skipped": True})
        rows += _baseline_rows(args, path, nbytes, out_dir, corpus, None, big_dir)
        grep = shutil.which("grep")
        if grep and "grep" in args.tools:
            run = measure(
                "grep", [grep, "-c", "--", "-----BEGIN", str(path)], out_dir, args.timeout
            )
            rows.append(_row(run, nbytes, None, "grep -c (floor)"))
    finally:
        if not args.keep:
            path.unlink(missing_ok=True)
    summary = [*versus, f"Python read of the warm file: {read_mbs:.0f} MB/s"]
    bg_peaks = [
        r["peak_rss_mb"]
        for r in rows
        if str(r["tool"]).startswith("bundleguard") and r.get("peak_rss_mb") is not None
    ]
    if bg_peaks:
        verdict = "meets" if max(bg_peaks) <= 64 else "MISSES"
        summary.insert(
            0,
            f"bundleguard peak RSS {max(bg_peaks)} MiB (largest process, largest run): "
            f"{verdict} the <= 64 MiB target",
        )
    return {
        "mode": "big-file",
        "title": f"one {nbytes / MB:.0f} MB log with {len(keys)} keys ({path})",
        "corpus_bytes": nbytes,
        "keys": [vars(k) for k in keys],
        "rows": rows,
        "kingfisher_wall_ratio": None if kf_ratio is None else round(kf_ratio, 3),
        "read_mb_per_s": round(read_mbs, 1),
        "summary": summary,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=300, help="mixed corpus size (300)")
    parser.add_argument("--seed", type=int, default=1, help="corpus layout seed (1)")
    parser.add_argument("--dir", type=Path, help="work directory, kept (default: temp, deleted)")
    parser.add_argument("--keep", action="store_true", help="keep the 1 GB file in --dir")
    parser.add_argument(
        "--big-file-gb",
        type=float,
        default=0,
        help="instead of the mixed corpus, scan one file of this size",
    )
    parser.add_argument(
        "--log-share", type=float, default=0.17, help="share of the corpus in text logs (0.17)"
    )
    parser.add_argument(
        "--set",
        choices=("classic", "mixed201"),
        default="classic",
        help="the mixed corpus: classic (--size-mb, 10 keys) or mixed201 (issue 19's ~201 MB "
        "set: 800 certificate files, 250 PNGs, 250 binaries, 108 logs, 580 texts, 20 keys)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="rounds of bundleguard and Kingfisher, alternately; medians are printed (1)",
    )
    parser.add_argument("--kingfisher", help="Kingfisher binary (default: the venv's wheel's)")
    parser.add_argument(
        "--per-category",
        action="store_true",
        help="also run bundleguard on each top-level folder (logs/, bin/, images/...) alone",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--tools",
        default="bundleguard,kingfisher,detect-secrets,grep",
        help="comma-separated tools to run (default: all)",
    )
    parser.add_argument("--bundleguard", help="bundleguard executable (default: the venv's)")
    parser.add_argument(
        "--baseline",
        help="another bundleguard executable (an older tree) to run on the same files, "
        "right after the first, for a before/after comparison in one run",
    )
    parser.add_argument(
        "--detect-secrets",
        dest="detect_secrets",
        help="detect-secrets executable (default: the venv's)",
    )
    parser.add_argument("--timeout", type=float, default=1800, help="per tool, seconds")
    args = parser.parse_args(argv)
    args.tools = {t.strip() for t in args.tools.split(",") if t.strip()}

    tools: dict[str, str | None] = {
        "bundleguard": args.bundleguard or venv_script("bundleguard"),
        "detect-secrets": args.detect_secrets or venv_script("detect-secrets"),
        "kingfisher": args.kingfisher or kingfisher_binary(),
    }
    if "kingfisher" in args.tools and not tools["kingfisher"]:
        say("Kingfisher not found: .venv/bin/pip install kingfisher-bin==2.14.0")
    if "bundleguard" in args.tools and not scanner_ready(tools["bundleguard"]):
        say("`bundleguard scan --help` does not work (yet): bundleguard skipped")
        tools["bundleguard"] = None
    if "detect-secrets" in args.tools and not tools["detect-secrets"]:
        say("detect-secrets not found: .venv/bin/pip install detect-secrets==1.5.0")

    temp = None
    if args.dir is None:
        temp = tempfile.mkdtemp(prefix="bundleguard-bench-")
        work = Path(temp)
    else:
        work = args.dir.resolve()
        work.mkdir(parents=True, exist_ok=True)
    try:
        run_mode = big_file if args.big_file_gb > 0 else mixed
        result = run_mode(args, work, tools)
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        print_table(result)
    if temp is None:
        say(f"files kept in {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
