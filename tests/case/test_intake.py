"""Files handed to the window are routed by the guard's verdict, never by their names
(issue 17): an image is a screenshot offer (matched to the appliance its name carries),
an exported PKCS#12 on the Replicate step goes to the export check, the rest to the
certificate list. Keys and certificates are generated at run time."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, Encoding, pkcs12
from PIL import Image

from bundleguard.case.intake import ScreenshotOffer, appliance_named_in, route
from bundleguard.case.steps import STEPS, Step
from bundleguard.guard.scan import scan_file
from bundleguard.probe.fake import FakePKI

HOSTS = ("primary.example.com", "backup.example.com")


@pytest.fixture
def handed(tmp_path: Path) -> dict[str, Path]:
    pki = FakePKI("Intake")
    served = pki.issue(["support.example.com", *HOSTS])
    files = {}
    # Names that lie: routing must not believe them.
    files["image"] = tmp_path / "status-backup.example.com.crt"
    Image.new("RGB", (64, 40), (200, 200, 200)).save(files["image"], format="PNG")
    files["p12"] = tmp_path / "exported-cert.pem"
    files["p12"].write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"x", served.key, served.leaf, [pki.intermediate], BestAvailableEncryption(b"pw")
        )
    )
    files["cert"] = tmp_path / "chain.png"
    files["cert"].write_bytes(b"".join(c.public_bytes(Encoding.PEM) for c in served.chain))
    files["zipped"] = tmp_path / "export.zip"
    with zipfile.ZipFile(files["zipped"], "w") as archive:
        archive.writestr("inner.p12", files["p12"].read_bytes())
    files["text"] = tmp_path / "notes.jpg"
    files["text"].write_text("not a picture at all")
    return files


def test_each_file_goes_where_its_content_says_on_every_step(handed) -> None:
    reports = [scan_file(p) for p in handed.values()]
    for step in STEPS:
        routed = route(reports, HOSTS, step=step)
        assert routed.screenshots == (ScreenshotOffer(str(handed["image"]), "backup.example.com"),)
        exported = (str(handed["p12"]),) if step is Step.REPLICATE else ()
        assert routed.exports == exported
        assert set(routed.certificates) == {str(handed[k]) for k in ("cert", "zipped", "text")} | (
            {str(handed["p12"])} if step is not Step.REPLICATE else set()
        )
        assert str(handed["image"]) not in routed.certificates


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("status-basics-primary.example.com.png", "primary.example.com"),
        ("PRIMARY.EXAMPLE.COM.png", "primary.example.com"),
        ("backup-status.png", "backup.example.com"),
        ("Screenshot 2026-12-07 at 10.00.00.png", None),  # names neither: the user says
        ("primary-and-backup.png", None),  # names both: the user says
        ("xprimary.png", None),  # a label inside a longer word is not a name
    ],
)
def test_the_appliance_a_file_name_carries(name: str, expected: str | None) -> None:
    assert appliance_named_in(name, HOSTS) == expected


def test_the_longest_host_name_carried_wins() -> None:
    hosts = ("a.example.com", "node-a.example.com")
    assert appliance_named_in("node-a.example.com.png", hosts) == "node-a.example.com"
    assert appliance_named_in("a.example.com.png", hosts) == "a.example.com"
    # Two appliances sharing a first label: only their full names tell them apart.
    assert appliance_named_in("web.png", ("web.one.example", "web.two.example")) is None


def test_an_image_that_names_no_appliance(handed, tmp_path) -> None:
    picture = tmp_path / "Screenshot 2026-12-07.png"
    Image.new("RGB", (32, 32)).save(picture)
    report = [scan_file(picture)]
    # Anywhere but the Screenshot step, with two appliances: the user is asked.
    assert route(report, HOSTS, step=Step.CERTIFICATES).screenshots[0].hostname is None
    # On the Screenshot step: the appliance shown there.
    shown = route(report, HOSTS, step=Step.SCREENSHOT, shown="backup.example.com")
    assert shown.screenshots[0].hostname == "backup.example.com"
    # The case's only appliance needs no question.
    alone = route(report, HOSTS[:1], step=Step.CERTIFICATES)
    assert alone.screenshots[0].hostname == "primary.example.com"
