"""`bundleguard --selftest`: prove this installation works, from source or frozen.

Each check does the real thing on material made at run time, in a private temporary
folder that is removed afterwards:

- guard: a freshly generated private key is found, a certificate is accepted, and a
  PKCS#12 export renamed `.crt` is still found;
- roots: the Mozilla trust anchors (certifi) are there to judge chains with;
- bundle: a bundle is planned, written and verified through the core, then reopened as a
  zip and read back member by member;
- probe: a fake appliance (a real TLS server on loopback) is probed and its chain judged;
- qt: Qt starts (offscreen unless QT_QPA_PLATFORM says otherwise) and reads and writes
  PNG, JPEG, ICO and SVG images (its image format plugins are there);
- refcounts: signals of each kind and void calls leave the reference counts of None, True
  and False alone (PySide6 6.12.0 drops them, and on Python 3.11 the window then aborts);
- window: the main window is built and painted.

Prints one line per check, `ok` or `FAILED` with the reason, and returns 0 only when every
check worked. A check's failure never shows key bytes or passphrases: the keys here are
throwaway, but the messages are the core's, which never carry them.
"""

from __future__ import annotations

import io
import secrets
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

SITE = "support.selftest.example"
PRIMARY = "primary.selftest.example"


class CheckFailed(Exception):
    """A self-test check did not see what it should have; the message says what."""


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    seconds: float


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[Path], str]  # returns what was seen; raises CheckFailed


def _make_material(folder: Path) -> dict[str, Path]:
    """A key, a certificate, a PKCS#12 renamed .crt and a screenshot, generated now."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from PIL import Image

    from bundleguard.probe.fake import FakePKI

    pki = FakePKI("Selftest")
    served = pki.issue([SITE, PRIMARY])
    key = ec.generate_private_key(ec.SECP256R1())
    paths = {
        "key": folder / "server.key",
        "certificate": folder / "server.crt",
        "intermediate": folder / "intermediate.pem",
        "pkcs12": folder / "export.crt",
        "screenshot": folder / "status-basics.png",
    }
    paths["key"].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    paths["certificate"].write_bytes(served.leaf.public_bytes(serialization.Encoding.PEM))
    paths["intermediate"].write_bytes(served.chain[1].public_bytes(serialization.Encoding.PEM))
    paths["pkcs12"].write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"selftest",
            served.key,
            served.leaf,
            [served.chain[1]],
            serialization.BestAvailableEncryption(secrets.token_bytes(16).hex().encode()),
        )
    )
    image = Image.new("RGB", (320, 200), (245, 245, 245))
    for x in range(20, 300):
        for y in (40, 80, 120):
            image.putpixel((x, y), (30, 60, 120))
    image.save(paths["screenshot"], "PNG")
    return paths


def check_guard(folder: Path) -> str:
    from bundleguard.guard import Verdict, scan_file

    paths = _make_material(folder)
    expected = {
        "key": Verdict.SECRET,
        "certificate": Verdict.CERTIFICATE,
        "pkcs12": Verdict.SECRET,
        "screenshot": Verdict.IMAGE,
    }
    seen = []
    for what, verdict in expected.items():
        report = scan_file(paths[what])
        if report.verdict != verdict:
            raise CheckFailed(
                f"{paths[what].name} ({what}) was judged {report.verdict}, not {verdict}"
            )
        seen.append(f"{paths[what].name} {report.verdict}")
    return ", ".join(seen)


def check_roots(folder: Path) -> str:
    from bundleguard.certs.roots import public_roots

    roots = public_roots()
    if len(roots) < 50:
        raise CheckFailed(f"only {len(roots)} public trust anchors were found (certifi)")
    return f"{len(roots)} public trust anchors"


def check_bundle(folder: Path) -> str:
    from bundleguard.bundle.plan import check_appliance, plan_bundle, read_input
    from bundleguard.bundle.writer import write_bundle
    from bundleguard.certs.roots import public_roots

    paths = _make_material(folder)
    plan = plan_bundle(
        check_appliance(PRIMARY),
        read_input(paths["screenshot"]),
        [read_input(paths["certificate"]), read_input(paths["intermediate"])],
        site=SITE,
        public_anchors=public_roots(),
        system_anchors=(),
    )
    if not plan.accepted:
        reasons = "; ".join(r for refusal in plan.refusals for r in refusal.reasons)
        raise CheckFailed(f"the bundle was refused: {reasons}")
    out = folder / "out"
    out.mkdir()
    written = write_bundle(plan, out)
    with zipfile.ZipFile(written.path) as archive:
        damaged = archive.testzip()
        if damaged is not None:
            raise CheckFailed(f"{damaged} in the written bundle does not read back")
        names = archive.namelist()
        for name in names:
            archive.read(name)
    if "manifest.json" not in names or not any(n.endswith(".png") for n in names):
        raise CheckFailed(f"the bundle holds {names}, not a screenshot and a manifest")
    if not any(n.endswith((".crt", ".pem")) for n in names):
        raise CheckFailed(f"the bundle holds {names}, no certificate")
    return f"{written.path.name}: {len(names)} members, {written.size} bytes, verified"


def check_probe(folder: Path) -> str:
    from bundleguard.probe import parse_target, probe_appliances
    from bundleguard.probe.fake import FakeAppliance, FakePKI

    served = FakePKI("Selftest").issue([SITE, PRIMARY])
    with FakeAppliance(PRIMARY, default=served) as appliance:
        report = probe_appliances([parse_target(appliance.spec)], SITE, timeout=5.0)
    if not report.ok:
        problems = "; ".join(report.problems) or "an appliance is not ok"
        raise CheckFailed(f"the fake appliance's probe found problems: {problems}")
    check = report.appliances[0].check_for(SITE)
    if check is None or not check.handshake.ok or not check.chain_complete:
        raise CheckFailed("the fake appliance's chain did not come back whole")
    return f"{appliance.name} on loopback: {check.handshake.tls_version}, chain complete"


def _gui_check(name: str, folder: Path) -> str:
    """Run `bundleguard.gui.selftest_checks.<name>` (Qt is imported only then); its
    `QtCheckFailed` is this self-test's `CheckFailed`. gui/ never imports this module."""
    from bundleguard.gui import selftest_checks

    try:
        return getattr(selftest_checks, name)(folder)
    except selftest_checks.QtCheckFailed as failure:
        raise CheckFailed(str(failure)) from None


def check_qt(folder: Path) -> str:
    """Qt starts, and the image formats the window reads and writes are all there."""
    return _gui_check("check_qt", folder)


def check_references(folder: Path) -> str:
    """PySide6 keeps the reference counts of None, True and False through signals and
    calls (6.12.0 does not, and the window aborts after a few hundred keystrokes)."""
    return _gui_check("check_references", folder)


def check_window(folder: Path) -> str:
    """The real main window, on a case store in the temporary folder, shown and painted."""
    return _gui_check("check_window", folder)


CHECKS: tuple[Check, ...] = (
    Check("guard", check_guard),
    Check("roots", check_roots),
    Check("bundle", check_bundle),
    Check("probe", check_probe),
    Check("qt", check_qt),
    Check("refcounts", check_references),
    Check("window", check_window),
)


def run_checks(checks: Sequence[Check] = CHECKS) -> list[CheckResult]:
    results = []
    for check in checks:
        began = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="bundleguard-selftest-") as folder:
            try:
                detail = check.run(Path(folder))
                ok = True
            except CheckFailed as failure:
                detail, ok = str(failure), False
            except Exception as error:  # a check that crashes has failed, and says how
                detail, ok = f"unexpected {type(error).__name__}", False
        results.append(CheckResult(check.name, ok, detail, time.perf_counter() - began))
    return results


def main(out: TextIO | None = None, checks: Sequence[Check] = CHECKS) -> int:
    """Run every check, print one line each and a summary; 0 only if all passed."""
    from bundleguard import __version__
    from bundleguard.text import shown

    out = out or sys.stdout
    frozen = "frozen" if getattr(sys, "frozen", False) else "from source"
    print(f"bundleguard {__version__} self-test ({frozen})", file=out)
    results = run_checks(checks)
    for result in results:
        word = "ok" if result.ok else "FAILED"
        print(f"{word:<7} {result.name:<7} {shown(result.detail)}", file=out)
    failed = [r.name for r in results if not r.ok]
    if failed:
        print(f"self-test FAILED: {len(failed)} of {len(results)} checks", file=out)
    else:
        print(f"self-test ok: all {len(results)} checks", file=out)
    out.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8")))
