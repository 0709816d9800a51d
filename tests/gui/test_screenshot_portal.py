"""The Wayland screenshot portal strategy against a portal of our own on a private D-Bus.

`dbus-run-session` gives each test a bus of its own; on it a small Qt program plays
`org.freedesktop.portal.Desktop`: it answers `Screenshot` with a request path and then
sends `Response` (a picture, a refusal, or nothing at all).
"""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
from pathlib import Path

import pytest

from tests.gui.conftest import run_facts

ROOT = Path(__file__).resolve().parents[2]

FAKE_PORTAL = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import ClassInfo, QCoreApplication, QObject, QTimer, Slot
    from PySide6.QtDBus import QDBusConnection, QDBusMessage, QDBusObjectPath

    mode, picture = sys.argv[1], sys.argv[2]

    @ClassInfo({"D-Bus Interface": "org.freedesktop.portal.Screenshot"})
    class Screenshot(QObject):
        @Slot(str, "QVariantMap", "QDBusMessage", result=QDBusObjectPath)
        def Screenshot(self, parent_window, options, message):
            sender = message.service().lstrip(":").replace(".", "_")
            path = f"/org/freedesktop/portal/desktop/request/{sender}/{options['handle_token']}"

            def respond():
                signal = QDBusMessage.createSignal(
                    path, "org.freedesktop.portal.Request", "Response"
                )
                if mode == "picture":
                    signal.setArguments([0, {"uri": "file://" + picture}])
                else:
                    signal.setArguments([2, {}])
                QDBusConnection.sessionBus().send(signal)

            if mode != "silent":
                QTimer.singleShot(50, respond)
            return QDBusObjectPath(path)

    app = QCoreApplication([])
    bus = QDBusConnection.sessionBus()
    portal = Screenshot()
    bus.registerObject("/org/freedesktop/portal/desktop", portal,
                       QDBusConnection.RegisterOption.ExportAllSlots)
    bus.registerService("org.freedesktop.portal.Desktop")
    print("ready", flush=True)
    app.exec()
    """
)

CLIENT = textwrap.dedent(
    """
    import json, subprocess, sys
    from PIL import Image
    from PySide6.QtWidgets import QApplication

    from bundleguard.capture.models import CaptureError
    from bundleguard.gui.qtcapture import PortalStrategy, monitors_from_screens

    mode, portal_script, picture_path = sys.argv[1:4]
    app = QApplication([])
    monitor = monitors_from_screens()[0]
    # The portal's picture of the whole desktop: red left half, blue right half.
    width, height = monitor.physical.width, monitor.physical.height
    picture = Image.new("RGB", (width, height), (0, 0, 255))
    picture.paste((255, 0, 0), (0, 0, width // 2, height))
    picture.save(picture_path)
    strategy = PortalStrategy(timeout_ms=700)
    facts = {"installed_before": strategy.is_installed()}
    portal = subprocess.Popen([sys.executable, portal_script, mode, picture_path],
                              stdout=subprocess.PIPE, text=True)
    try:
        portal.stdout.readline()
        facts["installed"] = strategy.is_installed()
        try:
            image = strategy.capture(monitor)
            facts["size"] = list(image.size)
            facts["left"] = list(image.getpixel((0, 0)))
            facts["right"] = list(image.getpixel((width - 1, 0)))
        except CaptureError as error:
            facts["error"] = str(error)
        import os
        facts["file_left_behind"] = os.path.exists(picture_path)
    finally:
        portal.terminate()
        portal.wait(10)
    print(json.dumps(facts))
    """
)


def run_against_portal(tmp_path: Path, mode: str) -> dict:
    if not sys.platform.startswith("linux"):
        pytest.skip("the screenshot portal (xdg-desktop-portal) is a Linux desktop's")
    if shutil.which("dbus-run-session") is None:
        pytest.skip("dbus-run-session is not installed, so no private session bus can run")
    portal = tmp_path / "portal.py"
    portal.write_text(FAKE_PORTAL)
    client = tmp_path / "client.py"
    client.write_text(CLIENT)
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "app")]),
    )
    return run_facts(
        [str(client), mode, str(portal), str(tmp_path / "Screenshot.png")],
        env,
        launcher=("dbus-run-session", "--"),
    )


def test_portal_picture_is_read_and_its_file_removed(tmp_path):
    facts = run_against_portal(tmp_path, "picture")
    assert facts["installed_before"] is False and facts["installed"] is True
    assert "error" not in facts
    assert facts["left"] == [255, 0, 0] and facts["right"] == [0, 0, 255]
    assert facts["file_left_behind"] is False  # not left to pile up in Pictures


def test_portal_refusal_is_said_in_plain_words(tmp_path):
    facts = run_against_portal(tmp_path, "denied")
    assert facts["error"].startswith(
        "The desktop did not allow bundleguard to take a screenshot. If it asked for "
        "permission, allow it and capture again."
    )


def test_portal_silence_ends_after_the_timeout(tmp_path):
    facts = run_against_portal(tmp_path, "silent")
    assert facts["error"] == "The desktop's screenshot portal did not answer within 0.7 seconds."
