"""A file dropped on the Screenshot step goes where what it HOLDS says, never by its
name's suffix: the page takes image data only and leaves files to the window, whose router
(`case.intake.route`) gives an image to the appliance shown there and a certificate to the
certificates, whatever the file is called."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding
from PySide6.QtCore import QPointF, Qt

from bundleguard.case.model import ApplianceEntry, Role
from bundleguard.case.steps import Step
from bundleguard.certs.anchors import NO_ANCHORS
from bundleguard.probe.fake import FakePKI
from tests.gui.conftest import find_by_name
from tests.gui.dnd import drop_files
from tests.gui.test_bundle_page import screenshot_png

PRIMARY = "primary.example.com"
BACKUP = "backup.example.com"


def _on_screenshot_step(window) -> None:
    window.controller._anchors_loaded(NO_ANCHORS)
    window.controller.update(
        appliances=(ApplianceEntry(PRIMARY, Role.PRIMARY), ApplianceEntry(BACKUP, Role.BACKUP))
    )
    window.show_step(Step.SCREENSHOT)
    find_by_name(window.screenshot_page, "Appliances for screenshots").setCurrentRow(1)
    assert window.screenshot_page.current_hostname() == BACKUP


def _middle(widget) -> QPointF:
    return QPointF(widget.width() / 2, widget.height() / 2)


def test_a_certificate_named_png_dropped_on_the_screenshot_step_is_a_certificate(
    qtbot, window, tmp_path
) -> None:
    _on_screenshot_step(window)
    served = FakePKI("Named Png").issue(["support.example.com"])
    disguised = tmp_path / "leaf.png"
    disguised.write_bytes(served.leaf.public_bytes(Encoding.PEM))
    page = window.screenshot_page
    assert drop_files(page, [disguised], _middle(page))  # the window takes it
    files = find_by_name(window, "Files")
    qtbot.waitUntil(lambda: files.model().rowCount() == 1, timeout=20_000)
    assert files.model().index(0, 0).data() == "leaf.png — accepted (certificate)"
    assert window.controller.case.files == (str(disguised),)
    assert not any(a.screenshot for a in window.controller.case.appliances)


def test_an_image_dropped_on_the_screenshot_step_is_the_shown_appliances(
    qtbot, window, tmp_path
) -> None:
    _on_screenshot_step(window)
    picture = Path(screenshot_png(tmp_path / "Screenshot 2026-12-07.data", (30, 90, 30)))
    page = window.screenshot_page
    assert drop_files(page, [picture], _middle(page))
    qtbot.waitUntil(lambda: bool(window.controller.case.appliances[1].screenshot), timeout=20_000)
    assert not window.controller.case.appliances[0].screenshot
    assert window.controller.case.files == ()
    shots = find_by_name(page, "Appliances for screenshots")
    said = [shots.item(r).data(Qt.ItemDataRole.AccessibleTextRole) for r in range(2)]
    assert f"{BACKUP}: screenshot saved" in said
