"""A case from nothing to built bundles with the keyboard alone: every key goes to the widget
that has the keyboard (never to a widget the test picks), the clipboard brings the
certificate chain and the screenshot, and the zip written is reopened and checked."""

from __future__ import annotations

import io
import json
import zipfile

from PIL import Image
from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from bundleguard.case.steps import STEPS
from tests.capture.fakes import desktop_picture
from tests.certs import pki
from tests.gui.conftest import find_by_name

SITE = "support.example.com"
HOST = "primary.example.com"
CTRL = Qt.KeyboardModifier.ControlModifier


def focused_name() -> str:
    widget = QApplication.focusWidget()
    return widget.accessibleName() if widget is not None else ""


def key(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """One key pressed where the keyboard is."""
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard"
    qtbot.keyClick(widget, key, modifier)


def type_text(qtbot, text: str) -> None:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard"
    qtbot.keyClicks(widget, text)


def tab_to(qtbot, name: str, most: int = 20) -> None:
    """Tab until the control named `name` has the keyboard (as a user would)."""
    for _ in range(most):
        if focused_name() == name:
            return
        key(qtbot, Qt.Key.Key_Tab)
    assert focused_name() == name, f"Tab never reached {name!r}"


def test_a_case_from_nothing_to_built_bundles_with_the_keyboard_alone(window, qtbot, tmp_path):
    out = tmp_path / "bundles"
    chain = pki.make_chain([SITE, HOST])
    window.controller.load_anchors()  # as the app does at start
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.build_pages()
    qtbot.waitUntil(lambda: len(window._late) == len(STEPS) - 1, timeout=20_000)

    # Step 1: the keyboard starts in the site's field.
    assert focused_name() == "Site hostname"
    type_text(qtbot, SITE)
    tab_to(qtbot, "Incident number")
    type_text(qtbot, "01234567")
    tab_to(qtbot, "Support address")
    type_text(qtbot, "support@example.com")
    tab_to(qtbot, "Output folder")
    type_text(qtbot, str(out))
    tab_to(qtbot, "Add appliance")
    key(qtbot, Qt.Key.Key_Space)  # a new row, its hostname being edited
    qtbot.waitUntil(lambda: len(window.controller.case.appliances) == 1)
    type_text(qtbot, HOST)
    key(qtbot, Qt.Key.Key_Return)  # the table takes the name on the next turn of the loop
    qtbot.waitUntil(lambda: [a.hostname for a in window.controller.case.appliances] == [HOST])
    case = window.controller.case
    assert (case.site, case.incident, case.output) == (SITE, "01234567", str(out))

    # Step 2: the chain pasted as PEM text (Ctrl+V).
    key(qtbot, Qt.Key.Key_2, CTRL)
    assert focused_name() == "Add files"
    QGuiApplication.clipboard().setText(pki.pem(*chain.certs).decode())
    key(qtbot, Qt.Key.Key_V, CTRL)
    files = find_by_name(window, "Files")
    qtbot.waitUntil(
        lambda: (
            files.model().rowCount() == 1 and "accepted" in str(files.model().index(0, 0).data())
        ),
        timeout=20_000,
    )

    # Step 3: the screenshot pasted from the clipboard (Ctrl+V).
    key(qtbot, Qt.Key.Key_3, CTRL)
    assert focused_name() == "Appliances for screenshots"
    picture = tmp_path / "status.png"
    desktop_picture(320, 200).save(picture)
    mime = QMimeData()
    mime.setData("image/png", picture.read_bytes())
    QGuiApplication.clipboard().setMimeData(mime)
    key(qtbot, Qt.Key.Key_V, CTRL)
    qtbot.waitUntil(lambda: window.controller.case.appliances[0].screenshot != "", timeout=20_000)
    status = find_by_name(window, "Screenshot status")
    assert status.text().startswith("Saved as") and "320×200" in status.text()

    # Step 4: Ctrl+B builds once the case is ready.
    key(qtbot, Qt.Key.Key_4, CTRL)
    build = find_by_name(window, "Build bundles")
    qtbot.waitUntil(
        lambda: build.isEnabled() and window.controller.anchors is not None, timeout=30_000
    )
    key(qtbot, Qt.Key.Key_B, CTRL)
    result = find_by_name(window, "Build result")
    qtbot.waitUntil(lambda: "written and verified" in result.text(), timeout=30_000)
    (zip_path,) = out.glob("*.zip")
    shot = f"status-basics-{HOST}.png"
    with zipfile.ZipFile(zip_path) as archive:
        assert set(archive.namelist()) == {"manifest.json", "pasted-1.pem", shot}
        manifest = json.loads(archive.read("manifest.json"))
        assert {m["name"] for m in manifest["members"]} >= {"pasted-1.pem", shot}
        # The chain as pasted (leaf, intermediate, root); the screenshot as pasted.
        assert archive.read("pasted-1.pem") == pki.pem(*chain.certs)
        with Image.open(io.BytesIO(archive.read(shot))) as image:
            assert image.size == (320, 200)
