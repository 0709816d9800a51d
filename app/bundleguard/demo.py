"""A ready demo case, so that every step of the window can be tried without an appliance.

No Qt here. `build_demo(folder)` writes a generated private CA chain (root, intermediate,
leaf for the site and two appliances) as certificate files, a Status > Basics-like PNG per
appliance, and a PKCS#12 renamed `exported-cert.crt` (passphrase "demo") that the guard
refuses and the window offers to fix. The keys live in memory only, never in a file in
the clear: the one key written is inside the passphrase-protected PKCS#12, on purpose.
"""

from __future__ import annotations

from pathlib import Path

from bundleguard.case.model import ApplianceEntry, Case, Role

SITE = "support.example.com"
APPLIANCES = (("primary.example.com", Role.PRIMARY), ("backup.example.com", Role.BACKUP))
PASSPHRASE = b"demo"


def _screenshot(path: Path, hostname: str, role: str) -> None:
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
        ("Serial number", "DEMO-0000-0001"),
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
    files.append(str(write_file_atomic(folder / "exported-cert.crt", exported)))
    appliances = []
    for hostname, role in APPLIANCES:
        shot = folder / f"status-basics-{hostname}.png"
        _screenshot(shot, hostname, role.value)
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
