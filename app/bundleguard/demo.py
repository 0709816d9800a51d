"""A ready demo case, so that every step of the window can be tried without an appliance.

No Qt here. `build_demo(folder)` writes a generated private CA chain (root, intermediate,
leaf for the site, two appliances and an Atlas traffic node) as certificate files, a
Status > Basics-like PNG per appliance, and a PKCS#12 renamed `exported-cert.crt`
(passphrase "demo") that the guard refuses and the window offers to fix. The keys live in
memory only, never in a file in the clear: the one key written is inside the
passphrase-protected PKCS#12, on purpose.

`start_demo_appliances(case)` starts fake appliances on loopback (`bundleguard.probe.fake`)
for the Replicate step's Verify: the primary and the backup serve the demo chain (read back
from the demo's PKCS#12), the traffic node still serves an older certificate of another CA,
so a check shows both passes and a meaningful failure. `.case` is the case with each
appliance's address pointing at its fake; `.stop()` ends them (safe to call twice).

The demo's folder (`make_demo_folder()`) sits in the temp folder under a name starting
with `DEMO_PREFIX`, with a marker file (`DEMO_MARKER`) naming the process that made it.
The window removes it when it closes or is told to end (SIGTERM, SIGHUP); a folder left by
a process that died harder (SIGKILL, a power cut) is removed at the next start by
`remove_stale_demo_folders()` — only a real folder of this user, with the marker, made
before the running process started, by a process that no longer runs. Nothing else is
ever deleted.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import stat
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from bundleguard.case.model import ApplianceEntry, Case, Role
from bundleguard.errors import InputError

if TYPE_CHECKING:
    from bundleguard.probe.fake import FakeAppliance, ServedCertificate

SITE = "support.example.com"
APPLIANCES = (
    ("primary.example.com", Role.PRIMARY),
    ("backup.example.com", Role.BACKUP),
    ("node1.example.com", Role.NODE),
)
PASSPHRASE = b"demo"
EXPORTED_NAME = "exported-cert.crt"
_ROLE_WORDS = {Role.PRIMARY: "primary", Role.BACKUP: "backup", Role.NODE: "Atlas traffic node"}

DEMO_PREFIX = "bundleguard-demo-"
"""The start of every demo folder's name, directly in the temp folder."""
DEMO_MARKER = ".bundleguard-demo"
"""The file the demo writes into its folder: only a folder holding it is ever removed."""


# --------------------------------------------------------------------------- the demo folder


def make_demo_folder(temp: Path | None = None) -> Path:
    """A new private folder for the demo (`DEMO_PREFIX…` in the temp folder), marked as ours:
    the marker names this process and when it made the folder."""
    from bundleguard.files import write_file_atomic

    folder = Path(tempfile.mkdtemp(prefix=DEMO_PREFIX, dir=temp))
    marker = {"made_by": "the bundleguard demo", "pid": os.getpid(), "created": time.time()}
    write_file_atomic(folder / DEMO_MARKER, json.dumps(marker).encode())
    return folder


def _marker_pid(marker: Path) -> int | None:
    try:
        facts = json.loads(marker.read_bytes()[:4096])
        pid = facts.get("pid") if isinstance(facts, dict) else None
    except (OSError, ValueError):
        return None
    return pid if isinstance(pid, int) and not isinstance(pid, bool) and pid > 0 else None


def _owned_by_me(info: os.stat_result) -> bool:
    if sys.platform == "win32":
        return True  # the temp folder is the user's own there (%LOCALAPPDATA%\\Temp)
    return info.st_uid == os.getuid()


def _windows_process_alive(pid: int) -> bool:
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return kernel32.GetLastError() == 5  # access denied: it runs, as someone else
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def _process_alive(pid: int) -> bool:
    """Whether a process with this id runs (a reused id counts: the folder is then kept)."""
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        # os.kill(pid, 0) would send Ctrl+C there: ask the kernel instead.
        return _windows_process_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process, or no way to tell: keep the folder
    return True


def is_demo_folder(folder: Path) -> bool:
    """Whether `folder` is a demo folder this user may remove: a real folder (not a link)
    named `DEMO_PREFIX…`, owned by this user, holding the demo's marker as a regular file
    owned by this user."""
    if not folder.name.startswith(DEMO_PREFIX):
        return False
    try:
        info = os.lstat(folder)
        marker = os.lstat(folder / DEMO_MARKER)
    except OSError:
        return False
    return (
        stat.S_ISDIR(info.st_mode)
        and stat.S_ISREG(marker.st_mode)
        and _owned_by_me(info)
        and _owned_by_me(marker)
    )


def remove_demo_folder(folder: Path) -> bool:
    """Remove the demo's own folder (the window closes, or is told to end); a folder that is
    not a demo folder is left alone. True when it is gone."""
    if not is_demo_folder(folder):
        return not os.path.lexists(folder)
    shutil.rmtree(folder, ignore_errors=True)
    return not os.path.lexists(folder)


def stale_demo_folders(started: float, temp: Path | None = None) -> list[Path]:
    """Demo folders left behind by processes that ended without removing them: each one a
    demo folder (`is_demo_folder`) in the temp folder, its marker older than `started`
    (this process's start, seconds since the epoch), made by a process that no longer runs."""
    base = Path(temp if temp is not None else tempfile.gettempdir())
    try:
        names = [n for n in os.listdir(base) if n.startswith(DEMO_PREFIX)]
    except OSError:
        return []
    stale = []
    for name in sorted(names):
        folder = base / name
        if not is_demo_folder(folder):
            continue
        marker = folder / DEMO_MARKER
        try:
            made = os.lstat(marker).st_mtime
        except OSError:
            continue
        if made >= started:
            continue  # made since this process started: perhaps by this very process
        pid = _marker_pid(marker)
        if pid is not None and _process_alive(pid):
            continue  # another demo window still uses it
        stale.append(folder)
    return stale


def remove_stale_demo_folders(started: float, temp: Path | None = None) -> list[Path]:
    """Remove what `stale_demo_folders` finds; the folders removed."""
    return [folder for folder in stale_demo_folders(started, temp) if remove_demo_folder(folder)]


def _screenshot(path: Path, hostname: str, role: str, serial: int = 1) -> None:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (900, 520), (245, 246, 248))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 900, 56), fill=(28, 52, 94))
    draw.text((20, 20), f"{hostname} /appliance", fill=(255, 255, 255))
    draw.rectangle((0, 56, 180, 520), fill=(226, 230, 236))
    for number, menu in enumerate(("Status", "Users", "Networking", "Storage", "Security")):
        draw.text((20, 80 + 30 * number), menu, fill=(30, 30, 30))
    draw.text((210, 80), "Status > Basics", fill=(20, 20, 20))
    rows = (
        ("Hostname", hostname),
        ("Role", role),
        ("Model", "B300 (demo)"),
        ("Serial number", f"DEMO-0000-{serial:04d}"),
        ("Base software", "7.2.3"),
        ("Uptime", "12 days"),
    )
    for number, (key, value) in enumerate(rows):
        y = 120 + 34 * number
        draw.line((210, y - 6, 870, y - 6), fill=(210, 212, 216))
        draw.text((210, y), key, fill=(90, 90, 90))
        draw.text((420, y), value, fill=(10, 10, 10))
    image.save(path, format="PNG")


def build_demo(folder: Path) -> Case:
    """Write the demo files into `folder` and return the case that names them."""
    from cryptography.hazmat.primitives.serialization import (
        BestAvailableEncryption,
        Encoding,
        pkcs12,
    )

    from bundleguard.files import write_file_atomic
    from bundleguard.probe.fake import FakePKI

    folder.mkdir(parents=True, exist_ok=True)
    pki = FakePKI("Example Demo")
    names = [SITE, *(host for host, _ in APPLIANCES)]
    served = pki.issue(names)
    leaf = served.leaf
    files = []
    for name, cert in (
        ("support.example.com.crt", leaf),
        ("intermediate-ca.crt", pki.intermediate),
        ("root-ca.crt", pki.root),
    ):
        files.append(str(write_file_atomic(folder / name, cert.public_bytes(Encoding.PEM))))
    exported = pkcs12.serialize_key_and_certificates(
        b"support.example.com",
        served.key,
        leaf,
        [pki.intermediate, pki.root],
        BestAvailableEncryption(PASSPHRASE),
    )
    files.append(str(write_file_atomic(folder / EXPORTED_NAME, exported)))
    appliances = []
    for number, (hostname, role) in enumerate(APPLIANCES, start=1):
        shot = folder / f"status-basics-{hostname}.png"
        _screenshot(shot, hostname, _ROLE_WORDS[role], number)
        appliances.append(ApplianceEntry(hostname, role, "", str(shot)))
    output = folder / "bundles"
    return Case(
        site=SITE,
        incident="01234567",
        support_address="support@example.com",
        output=str(output),
        appliances=tuple(appliances),
        files=tuple(files),
    )


# --------------------------------------------------------------------------- fake appliances


def _exported_path(case: Case) -> Path:
    """The demo's PKCS#12: in the case's files, or beside the demo's screenshots (the user
    may have taken it out of the case, as the Certificates step suggests)."""
    for text in case.files:
        if Path(text).name == EXPORTED_NAME and Path(text).is_file():
            return Path(text)
    for entry in case.appliances:
        if entry.screenshot:
            beside = Path(entry.screenshot).parent / EXPORTED_NAME
            if beside.is_file():
                return beside
    raise InputError(f"The demo's {EXPORTED_NAME} was not found: build the demo case again.")


def _demo_chain(case: Case) -> ServedCertificate:
    """The demo chain as the primary serves it: leaf and intermediate, the key in memory."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12

    from bundleguard.probe.fake import ServedCertificate

    data = _exported_path(case).read_bytes()
    key, leaf, extra = pkcs12.load_key_and_certificates(data, PASSPHRASE)
    if leaf is None or not isinstance(key, ec.EllipticCurvePrivateKey):
        raise InputError(f"The demo's {EXPORTED_NAME} holds no usable certificate and key.")
    # Servers do not send the root: it is what clients already trust.
    intermediates = tuple(cert for cert in extra if cert.subject != cert.issuer)
    return ServedCertificate(chain=(leaf, *intermediates), key=key)


class DemoAppliances:
    """The demo's fake appliances, running; `.case` reaches them, `.stop()` ends them."""

    def __init__(self, case: Case, appliances: tuple[FakeAppliance, ...]) -> None:
        self.case = case
        self.appliances = appliances
        self._lock = threading.Lock()
        self._stopped = False

    @property
    def running(self) -> bool:
        return not self._stopped

    def stop(self) -> None:
        """Stop every fake appliance (their ports close); a second call does nothing."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        for appliance in self.appliances:
            appliance.stop()

    def __enter__(self) -> DemoAppliances:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start_demo_appliances(case: Case) -> DemoAppliances:
    """Start one fake appliance on `127.0.0.1` per appliance of the demo `case`.

    Primary and backups serve the demo chain from its PKCS#12; traffic nodes serve a
    certificate of another CA (the certificate was not imported there yet). Raises
    `InputError` when the demo's PKCS#12 is gone.
    """
    from bundleguard.probe.fake import FakeAppliance, FakeAppliances, FakePKI

    demo = _demo_chain(case)
    old: ServedCertificate | None = None

    def served_to(entry: ApplianceEntry) -> ServedCertificate:
        nonlocal old
        if entry.role is not Role.NODE:
            return demo
        if old is None:
            old = FakePKI("Old Demo").issue([SITE, *(h for h, _ in APPLIANCES)])
        return old

    # FakeAppliances starts them all, or stops the ones started when one cannot start.
    started = FakeAppliances(
        FakeAppliance(entry.hostname, default=served_to(entry)) for entry in case.appliances
    ).__enter__()
    entries = [
        dataclasses.replace(entry, address=f"{appliance.address[0]}:{appliance.port}")
        for entry, appliance in zip(case.appliances, started, strict=True)
    ]
    return DemoAppliances(case.with_changes(appliances=tuple(entries)), started)


__all__ = [
    "APPLIANCES",
    "DEMO_MARKER",
    "DEMO_PREFIX",
    "EXPORTED_NAME",
    "PASSPHRASE",
    "SITE",
    "DemoAppliances",
    "build_demo",
    "is_demo_folder",
    "make_demo_folder",
    "remove_demo_folder",
    "remove_stale_demo_folders",
    "stale_demo_folders",
    "start_demo_appliances",
]
