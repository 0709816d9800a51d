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
"""

from __future__ import annotations

import dataclasses
import threading
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
    "EXPORTED_NAME",
    "PASSPHRASE",
    "SITE",
    "DemoAppliances",
    "build_demo",
    "start_demo_appliances",
]
