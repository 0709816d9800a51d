"""Smoke-test a frozen bundleguard as a user would meet it (standard library only).

    python3 packaging/smoke.py dist/bundleguard/bundleguard [--demo-seconds 6]

Runs the binary from an empty temporary folder with a clean environment (the system's
PATH; the home, app-data and temporary folders inside that folder), so nothing from the
source tree, the venv or the caller's environment can help it:

1. `--selftest` exits 0 (guard, roots, bundle, probe, window);
2. `scan` of files generated here (with `cryptography` where this Python has it, else the
   openssl command): a private key -> exit 1, a certificate -> exit 0, a PKCS#12 export
   renamed `.crt` -> exit 1;
3. `rewrap` of that PKCS#12 judges the new passphrase with zxcvbn (its word lists are
   data the frozen app must carry): "Summer2026!" is refused as weak in zxcvbn's words
   (exit 2, nothing written), a short one even with `--anyway`, a long random one is
   written (exit 0);
4. Linux: `--selftest` and `--demo` under a private Xvfb: within the time given a
   top-level window named bundleguard is mapped (`xwininfo -root -tree`), and stderr holds
   no traceback. Windows and macOS (no X server there): `--selftest` on the system's own
   Qt platform (windows, cocoa), and `--demo` stays up that long without a traceback.

Runs on Linux, Windows and macOS with the standard library (the release workflow runs it
on all three).

While the repository has no main window yet (no `app/bundleguard/gui/window.py`), the
window parts are reported as "not yet" and the self-test may fail on its window check
alone; the moment the window exists they are required. Prints one line per check and
exits 0 only if every required check passed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WINDOW_SOURCE = ROOT / "app" / "bundleguard" / "gui" / "window.py"
SMOKE_PASSPHRASE = "smoke-only"
WEAK_FEEDBACK = "This is similar to a commonly used password."  # zxcvbn's words


class Smoke:
    def __init__(self, binary: Path, folder: Path) -> None:
        self.binary = binary
        self.folder = folder
        self.home = folder / "home"
        self.tmp = folder / "tmp"
        self.work = folder / "work"
        for path in (self.home, self.tmp, self.work):
            path.mkdir()
        self.failures: list[str] = []

    def env(self, **extra: str) -> dict[str, str]:
        return {**clean_env(sys.platform, self.home, self.tmp, os.environ), **extra}

    def run(self, *args: str, timeout: float = 180, **extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.binary), *args],
            cwd=self.work,
            env=self.env(**extra),
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
        )

    def report(self, ok: bool, name: str, detail: str, required: bool = True) -> None:
        word = "ok" if ok else ("FAILED" if required else "not yet")
        print(f"smoke: {word:<7} {name}: {detail}", flush=True)
        if not ok and required:
            self.failures.append(name)


def clean_env(system: str, home: Path, tmp: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """The environment the binary runs with: the system's PATH (and, on Windows, the
    system folder every program needs), and home, app-data and temp folders under `home`
    and `tmp`; nothing else of the caller's."""
    if system == "win32":
        root = environ.get("SYSTEMROOT", "C:\\Windows")
        return {
            "PATH": f"{root}\\System32;{root}",
            "SYSTEMROOT": root,
            "WINDIR": root,
            "USERPROFILE": str(home),
            "APPDATA": str(home / "AppData" / "Roaming"),
            "LOCALAPPDATA": str(home / "AppData" / "Local"),
            "TEMP": str(tmp),
            "TMP": str(tmp),
        }
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "TMPDIR": str(tmp)}


def native_platform(system: str) -> str | None:
    """Qt's own platform plugin where there is no X server to start: windows, cocoa."""
    return {"win32": "windows", "darwin": "cocoa"}.get(system)


def make_files(folder: Path) -> dict[str, Path]:
    """A fresh EC key, its self-signed certificate, and a PKCS#12 of both named .crt."""
    key, cert, p12 = folder / "server.key", folder / "server.crt", folder / "export.crt"
    try:
        write_files_with_cryptography(key, cert, p12)
        return {"key": key, "certificate": cert, "pkcs12": p12}
    except ImportError:
        pass
    openssl = shutil.which("openssl")
    if openssl is None:
        raise SystemExit("smoke: openssl is needed to generate the test files")
    common = {"check": True, "capture_output": True, "cwd": folder}
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-subj", "/CN=smoke.example",
         "-days", "2"],
        **common,
    )  # fmt: skip
    subprocess.run(
        [openssl, "pkcs12", "-export", "-inkey", str(key), "-in", str(cert), "-out", str(p12),
         "-passout", f"pass:{SMOKE_PASSPHRASE}"],
        **common,
    )  # fmt: skip
    return {"key": key, "certificate": cert, "pkcs12": p12}


def write_files_with_cryptography(key: Path, cert: Path, p12: Path) -> None:
    """The same three files through `cryptography` (ImportError where it is missing)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "smoke.example")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .sign(private, hashes.SHA256())
    )
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"smoke", private, certificate, None,
            serialization.BestAvailableEncryption(SMOKE_PASSPHRASE.encode()),
        )
    )  # fmt: skip


def check_selftest(smoke: Smoke, window_required: bool, label: str, **extra: str) -> None:
    result = smoke.run("--selftest", **extra)
    lines = result.stdout.splitlines()
    for line in lines:
        print(f"        {line}")
    failed = [line.split()[1] for line in lines if line.startswith("FAILED ")]
    traceback = "Traceback" in result.stderr
    if result.returncode == 0 and not traceback:
        smoke.report(True, label, "exit 0")
    elif not window_required and failed == ["window"] and not traceback:
        smoke.report(False, label, "only the window check failed (no window yet)", False)
    else:
        smoke.report(False, label, f"exit {result.returncode}; {result.stderr[-500:]}")


def check_scan(smoke: Smoke) -> None:
    files = make_files(smoke.work)
    for what, expected in (("key", 1), ("certificate", 0), ("pkcs12", 1)):
        result = smoke.run("scan", files[what].name)
        verdict = result.stdout.split()[0] if result.stdout.split() else "?"
        smoke.report(
            result.returncode == expected and "Traceback" not in result.stderr,
            f"scan {files[what].name}",
            f"exit {result.returncode} (want {expected}), verdict {verdict}",
        )


def check_rewrap(smoke: Smoke) -> None:
    """The new passphrase's strength in the frozen app: zxcvbn and its word lists."""
    source = smoke.work / "export.crt"  # make_files' PKCS#12 (check_scan wrote it)
    out = smoke.work / "rewrapped.p12"
    for new, flags, expected, want in (
        ("Summer2026!", (), 2, WEAK_FEEDBACK),
        ("Zq7-x", ("--anyway",), 2, "too short"),
        ("kT9#vQ2!mZ7$pL4w-lantern", (), 0, "Written: "),
    ):
        result = smoke.run(
            "rewrap", source.name, "--out", out.name, *flags,
            BUNDLEGUARD_PASSPHRASE=SMOKE_PASSPHRASE, BUNDLEGUARD_NEW_PASSPHRASE=new,
        )  # fmt: skip
        said = result.stdout + result.stderr
        written = out.is_file()
        outcome = "written" if written else "nothing written"
        heard = "said" if want in said else f"NOT said: {said[-300:]!r}"
        ok = (
            result.returncode == expected
            and want in said
            and written == (expected == 0)
            and "Traceback" not in result.stderr
            and new not in said
        )
        smoke.report(
            ok,
            f"rewrap, new passphrase {new[:3]}… {' '.join(flags)}".rstrip(),
            f"exit {result.returncode} (want {expected}), {outcome}, {want!r} {heard}",
        )


# `0x200007 "bundleguard — new case": ("bundleguard" "bundleguard")  853x533+0+0  +0+0`:
# a top-level window of class bundleguard (its title may not convert), with its size.
_TREE_LINE = re.compile(r'^\s*(0x[0-9a-f]+) "([^"]*)": \("bundleguard" "[^"]*"\)\s+(\d+)x(\d+)[+-]')


def window_names(display: str) -> list[str]:
    """Titles of bundleguard's mapped windows of a real size (not Qt's 3x3 helpers)."""
    env = {"DISPLAY": display, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    tree = subprocess.run(
        ["xwininfo", "-root", "-tree"], env=env, capture_output=True, check=False
    ).stdout.decode("utf-8", "replace")
    found = []
    for line in tree.splitlines():
        match = _TREE_LINE.match(line)
        if not match or int(match.group(3)) < 200 or int(match.group(4)) < 150:
            continue
        info = subprocess.run(
            ["xwininfo", "-id", match.group(1)], env=env, capture_output=True, check=False
        ).stdout
        if b"IsViewable" in info:
            found.append(f"{match.group(2)} {match.group(3)}x{match.group(4)}")
    return found


def start_xvfb() -> tuple[subprocess.Popen, str]:
    display = f":{90 + os.getpid() % 100}"
    xvfb = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(40):  # up to 10 s for the server to answer
        time.sleep(0.25)
        probe = subprocess.run(
            ["xwininfo", "-root"],
            env={"DISPLAY": display, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            check=False,
        )
        if probe.returncode == 0:
            break
    return xvfb, display


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def check_demo(
    smoke: Smoke, display: str | None, seconds: float, window_required: bool, platform: str
) -> None:
    """`--demo` runs with no traceback; on X11 (a `display`) its window must be mapped,
    elsewhere it must still be running after `seconds` (no tool here can see its window)."""
    stderr_path = smoke.folder / "demo-stderr.txt"
    env = smoke.env(QT_QPA_PLATFORM=platform, **({"DISPLAY": display} if display else {}))
    with stderr_path.open("w") as stderr:
        app = subprocess.Popen(
            [str(smoke.binary), "--demo"],
            cwd=smoke.work,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        deadline = time.monotonic() + seconds
        found: list[str] = []
        while time.monotonic() < deadline and app.poll() is None:
            if display is not None:
                found = window_names(display)
                if found:
                    break
            time.sleep(0.25)
        # The app stays up a moment after its window appears: late errors show too.
        time.sleep(1.0)
        still_running = app.poll() is None
        if still_running:
            app.terminate()
        try:
            app.wait(timeout=10)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait()
    errors = stderr_path.read_text(errors="replace")
    if display is not None:
        shown = bool(found)
        detail = f"window {found[0][:80]!r} mapped" if found else "no bundleguard window appeared"
        name = f"--demo under Xvfb ({seconds:g} s)"
    else:
        shown = True
        detail = f"still running after {seconds:g} s"
        name = f"--demo ({platform}, {seconds:g} s)"
    ok = shown and still_running and "Traceback" not in errors
    if not still_running:
        detail += f", exited early ({app.returncode})"
    if "Traceback" in errors:
        detail += "; traceback on stderr: " + errors[-400:]
    smoke.report(ok, name, detail, window_required)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary", type=Path)
    parser.add_argument("--demo-seconds", type=float, default=8.0)
    args = parser.parse_args(argv)
    # Windows CI: our stdout is a pipe in the ANSI code page; the app's lines must not
    # stop this script when one of their characters has no place in it.
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    binary = args.binary.resolve()
    if not binary.is_file():
        print(f"smoke: no binary at {binary}", file=sys.stderr)
        return 2
    window_required = WINDOW_SOURCE.exists()
    native = native_platform(sys.platform)
    # ignore_cleanup_errors: on Windows a file the app had open may outlive it a moment.
    with tempfile.TemporaryDirectory(
        prefix="bundleguard-smoke-", ignore_cleanup_errors=True
    ) as folder:
        smoke = Smoke(binary, Path(folder))
        started = time.monotonic()
        check_selftest(smoke, window_required, "--selftest (offscreen)")
        check_scan(smoke)
        check_rewrap(smoke)
        if native is not None:
            check_selftest(smoke, window_required, f"--selftest ({native})", QT_QPA_PLATFORM=native)
            check_demo(smoke, None, args.demo_seconds, window_required, native)
        elif shutil.which("Xvfb") is None or shutil.which("xwininfo") is None:
            smoke.report(False, "X11", "Xvfb and xwininfo are needed")
        else:
            xvfb, display = start_xvfb()
            try:
                check_selftest(
                    smoke, window_required, "--selftest (xcb)", DISPLAY=display,
                    QT_QPA_PLATFORM="xcb",
                )  # fmt: skip
                check_demo(smoke, display, args.demo_seconds, window_required, "xcb")
            finally:
                stop(xvfb)
        took = time.monotonic() - started
    if smoke.failures:
        print(f"smoke: FAILED ({', '.join(smoke.failures)}) in {took:.1f} s")
        return 1
    print(f"smoke: ok in {took:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
