"""The Qt side of capture: screens as monitors, the Qt grab's platform checks, image copies."""

from __future__ import annotations

import pytest
from PIL import Image
from PySide6.QtGui import QGuiApplication

from bundleguard.capture.models import CaptureError, Monitor, Rect
from bundleguard.gui.qtcapture import (
    QtGrabStrategy,
    monitors_from_screens,
    pillow_to_qimage,
    qimage_to_pillow,
    screen_for_monitor,
)
from tests.capture.fakes import desktop_picture, fake_session


def test_screens_become_monitors_in_logical_and_physical_pixels(qapp):
    monitors = monitors_from_screens()
    screens = QGuiApplication.screens()
    assert len(monitors) == len(screens) and sum(m.primary for m in monitors) == 1
    first, screen = monitors[0], screens[0]
    assert first.logical.width == screen.geometry().width()
    assert first.physical.width == round(screen.geometry().width() * screen.devicePixelRatio())
    assert screen_for_monitor(first) is screen


def test_a_disconnected_screen_is_said_plainly(qapp, monkeypatch):
    fake_session(monkeypatch, "x11")
    gone = Monitor.from_logical(3, "Gone", Rect(9000, 0, 10, 10), 1.0)
    with pytest.raises(CaptureError, match="no longer connected"):
        QtGrabStrategy().capture(gone)


@pytest.mark.parametrize(
    ("platform", "session", "compatible"),
    [
        ("xcb", "x11", True),
        ("windows", "windows", True),
        ("cocoa", "macos", True),
        ("xcb", "wayland", False),  # XWayland: the grab sees only X windows
        ("wayland", "wayland", False),
        ("offscreen", "x11", False),
    ],
)
def test_qt_grab_only_where_it_sees_the_real_screen(
    qapp, monkeypatch, platform, session, compatible
):
    fake_session(monkeypatch, session)
    monkeypatch.setattr(QGuiApplication, "platformName", staticmethod(lambda: platform))
    assert QtGrabStrategy().is_compatible() is compatible


@pytest.mark.parametrize("size", [(1, 1), (333, 77), (640, 400)])
def test_pixels_survive_the_trip_through_qimage(qapp, size):
    picture = desktop_picture(*size) if size[0] > 10 else Image.new("RGB", size, (1, 2, 3))
    back = qimage_to_pillow(pillow_to_qimage(picture))
    assert back.size == picture.size and back.tobytes() == picture.tobytes()
