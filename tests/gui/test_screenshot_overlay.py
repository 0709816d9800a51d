"""The region overlay: Esc cancels, Enter takes the whole screen, a drag picks physical pixels.

The last test runs in a process of its own whose Qt has two faked screens (the offscreen
platform's screen configuration): a 2x screen left of the main one, at a negative origin.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
import shiboken6
from PIL import Image
from PySide6.QtCore import QPoint, Qt

from bundleguard.capture.image import crop_region
from bundleguard.capture.models import Monitor, Rect
from bundleguard.gui.overlay import RegionOverlay
from tests.gui.conftest import find_by_name, run_facts

ROOT = Path(__file__).resolve().parents[2]
LEFT_2X = Monitor.from_logical(1, "Left", Rect(-1280, 0, 1280, 800), 2.0)


def marked_picture() -> Image.Image:
    """A 2x screen's picture: white, with a red block at physical (400, 200)..(800, 400)."""
    picture = Image.new("RGB", (2560, 1600), (255, 255, 255))
    picture.paste((255, 0, 0), (400, 200, 800, 400))
    return picture


@pytest.fixture
def overlay(qtbot):
    widget = RegionOverlay(marked_picture(), LEFT_2X)
    widget.resize(1280, 800)  # the monitor's logical size
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    if shiboken6.isValid(widget):  # it deletes itself once closed
        widget.close()


def test_escape_cancels(qtbot, overlay):
    with qtbot.waitSignal(overlay.cancelled), qtbot.assertNotEmitted(overlay.regionSelected):
        qtbot.keyClick(overlay, Qt.Key.Key_Escape)
    assert not overlay.isVisible()


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Enter])
def test_enter_takes_the_whole_screen(qtbot, overlay, key):
    with qtbot.waitSignal(overlay.regionSelected) as chosen:
        qtbot.keyClick(overlay, key)
    assert chosen.args == [LEFT_2X.logical]
    assert crop_region(marked_picture(), LEFT_2X, chosen.args[0]).size == (2560, 1600)


def test_a_drag_selects_the_physical_pixels_under_it(qtbot, overlay):
    assert find_by_name(overlay, "Screen region selector") is overlay
    # Logical (200, 100)..(400, 200) inside the widget is the red block's 2x pixels.
    start, end = QPoint(200, 100), QPoint(400, 200)
    with qtbot.waitSignal(overlay.regionSelected) as chosen:
        qtbot.mousePress(overlay, Qt.MouseButton.LeftButton, pos=start)
        qtbot.mouseMove(overlay, QPoint(300, 150))
        qtbot.mouseRelease(overlay, Qt.MouseButton.LeftButton, pos=end)
    assert (overlay.width(), overlay.height()) == (1280, 800)
    region = chosen.args[0]
    assert region == Rect(-1080, 100, 200, 100)  # global logical: 200 px right of -1280
    cropped = crop_region(marked_picture(), LEFT_2X, region)
    assert cropped.size == (400, 200)
    assert cropped.getextrema() == ((255, 255), (0, 0), (0, 0))


def test_a_click_without_dragging_selects_nothing(qtbot, overlay):
    with qtbot.assertNotEmitted(overlay.regionSelected):
        qtbot.mouseClick(overlay, Qt.MouseButton.LeftButton, pos=QPoint(50, 50))
    assert overlay.isVisible()


SCREENS = {
    "screens": [
        {
            "name": "Main",
            "x": 0,
            "y": 0,
            "width": 1920,
            "height": 1080,
            "dpr": 1,
            "logicalDpi": 96,
            "logicalBaseDpi": 96,
        },
        {
            "name": "Left",
            "x": -1280,
            "y": 0,
            "width": 1280,
            "height": 800,
            "dpr": 2,
            "logicalDpi": 96,
            "logicalBaseDpi": 96,
        },
    ]
}

PAGE_ON_TWO_SCREENS = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication
    from PIL import Image

    from bundleguard.capture.models import StrategyKind
    from bundleguard.gui.screenshot import ScreenshotPage
    from tests.capture.fakes import FakeStrategy

    app = QApplication([])
    picture = Image.new("RGB", (2560, 1600), (255, 255, 255))
    picture.paste((255, 0, 0), (400, 200, 800, 400))
    strategy = FakeStrategy(StrategyKind.MSS, image=picture)
    page = ScreenshotPage(lambda: Path(sys.argv[1]), strategies=[strategy])
    page.set_appliances(["primary.example.com"], {})
    page.show()
    combo = next(w for w in page.findChildren(object)
                 if getattr(w, "accessibleName", lambda: "")() == "Screen to capture")
    labels = [combo.itemText(i) for i in range(combo.count())]
    combo.setCurrentIndex(next(i for i, t in enumerate(labels) if "Left" in t))
    saved = []
    page.screenshotSaved.connect(lambda host, path: (saved.append(path), app.quit()))
    capture = next(w for w in page.findChildren(object)
                   if getattr(w, "accessibleName", lambda: "")() == "Capture screenshot")
    QTest.mouseClick(capture, Qt.MouseButton.LeftButton)
    hidden = not page.isVisible()

    def find_overlay():
        for window in QApplication.topLevelWidgets():
            if window.isVisible() and window.accessibleName() == "Screen region selector":
                return window
        return None

    for _ in range(100):
        QTest.qWait(50)
        overlay = find_overlay()
        if overlay is not None:
            break
    QTest.qWaitForWindowExposed(overlay)
    where = overlay.screen().name(), [overlay.width(), overlay.height()]
    QTest.mousePress(overlay, Qt.MouseButton.LeftButton, pos=QPoint(200, 100))
    QTest.mouseMove(overlay, QPoint(300, 150))
    QTest.mouseRelease(overlay, Qt.MouseButton.LeftButton, pos=QPoint(400, 200))
    for _ in range(100):
        if saved:
            break
        QTest.qWait(50)
    with Image.open(saved[0]) as image:
        red = image.convert("RGB").getextrema()
        size = image.size
    print(json.dumps({"labels": labels, "hidden": hidden, "screen": where[0],
                      "overlay": where[1], "asked": [m.name for m in strategy.calls],
                      "size": size, "extrema": red, "visible": page.isVisible()}))
    """
)


def test_on_a_faked_2x_screen_at_a_negative_origin_the_crop_is_2x(tmp_path):
    config = tmp_path / "screens.json"
    config.write_text(json.dumps(SCREENS))
    env = dict(
        os.environ,
        QT_QPA_PLATFORM=f"offscreen:configfile={config}",
        DISPLAY=":99",  # looks like an X11 session to capture/; the strategy is faked
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "app")]),
    )
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("XDG_SESSION_TYPE", None)
    facts = run_facts(["-c", PAGE_ON_TWO_SCREENS, str(tmp_path / "case")], env)
    assert any("Left" in label and "2560×1600 at 200 %" in label for label in facts["labels"])
    assert facts["hidden"] and facts["visible"]
    assert facts["asked"] == ["Left"] and facts["screen"] == "Left"
    assert facts["overlay"] == [1280, 800]
    # Logical 200×100 on the 2x screen is 400×200 real pixels: exactly the red block.
    assert facts["size"] == [400, 200]
    assert facts["extrema"] == [[255, 255], [0, 0], [0, 0]]
