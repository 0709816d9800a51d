"""The window opens inside the screen's available area, centred the first time, and comes
back as large as it was, unless that no longer fits the screen.

Real QScreens: the tests' own offscreen screen (800×800), and in a subprocess a 1280×720
logical screen (at 100 % and at 200 %), given to Qt's offscreen platform as a config file.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import QMargins, QRect
from PySide6.QtWidgets import QMainWindow

from bundleguard.case.store import CaseStore
from bundleguard.folders import config_dir
from bundleguard.gui.controller import CaseController
from bundleguard.gui.placement import DEFAULT_SIZE, fit_rect
from bundleguard.gui.window import GEOMETRY_FILE, MainWindow
from tests.gui.conftest import ROOT, run_facts


def open_window(qtbot, tmp_path: Path) -> MainWindow:
    window = MainWindow(CaseController(CaseStore(tmp_path / "data"), load_anchors=False))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def saved_geometry(qtbot, left: int, top: int, width: int, height: int) -> None:
    """What Qt saves for a window at that place and size, as the window would keep it."""
    other = QMainWindow()
    qtbot.addWidget(other)
    other.setGeometry(left, top, width, height)
    other.show()
    qtbot.waitExposed(other)
    folder = config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / GEOMETRY_FILE).write_bytes(bytes(other.saveGeometry().data()))
    other.close()


def test_a_saved_place_off_the_screen_and_too_large_is_brought_into_it(qtbot, tmp_path):
    saved_geometry(qtbot, 4000, 3000, 3000, 2000)  # a big monitor, unplugged since

    window = open_window(qtbot, tmp_path)
    try:
        available = window.screen().availableGeometry()
        assert available.contains(window.frameGeometry()), (available, window.frameGeometry())
        assert window.width() > available.width() // 2  # shrunk to the screen, not to nothing
    finally:
        window.controller.shutdown()


def test_a_saved_place_that_fits_is_kept(qtbot, tmp_path):
    saved_geometry(qtbot, 60, 80, 500, 400)

    window = open_window(qtbot, tmp_path)
    try:
        assert (window.width(), window.height()) == (500, 400)
        assert window.screen().availableGeometry().contains(window.frameGeometry())
        assert abs(window.geometry().left() - 60) <= 8 and abs(window.geometry().top() - 80) <= 8
    finally:
        window.controller.shutdown()


@pytest.mark.parametrize(
    ("rect", "expected"),
    [
        (QRect(-3000, -3000, 400, 300), QRect(-1272, 40, 400, 300)),  # pulled in at a corner
        (QRect(0, 0, 5000, 5000), QRect(-1272, 40, 1264, 752)),  # shrunk to the area
        (QRect(-900, 300, 400, 300), QRect(-900, 300, 400, 300)),  # inside: left as it is
    ],
)
def test_fit_rect_keeps_a_window_and_its_frame_on_a_screen_left_of_the_main_one(rect, expected):
    left_screen = QRect(-1280, 0, 1280, 800)
    assert fit_rect(rect, left_screen, QMargins(8, 40, 8, 8), centre=False) == expected


FIRST_WINDOW = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from PySide6.QtWidgets import QApplication
    from PySide6.QtTest import QTest
    from bundleguard.case.store import CaseStore
    from bundleguard.gui.controller import CaseController
    from bundleguard.gui.window import MainWindow

    app = QApplication([])
    window = MainWindow(CaseController(CaseStore(Path(sys.argv[1])), load_anchors=False))
    window.show()
    QTest.qWaitForWindowExposed(window)
    available, frame = window.screen().availableGeometry(), window.frameGeometry()
    screen = window.screen()
    print(json.dumps({
        "available": available.getRect(), "frame": frame.getRect(),
        "inside": window.geometry().getRect(), "dpr": screen.devicePixelRatio(),
    }))
    window.controller.shutdown()
    """
)


@pytest.mark.parametrize("dpr", [1, 2])
def test_a_first_window_fits_a_1280x720_screen_centred(tmp_path, dpr):
    config = tmp_path / "screens.json"
    screen = {"name": "Laptop", "x": 0, "y": 0, "width": 1280, "height": 720, "dpr": dpr}
    config.write_text(json.dumps({"screens": [{**screen, "logicalDpi": 96}]}))
    env = dict(
        os.environ,
        QT_QPA_PLATFORM=f"offscreen:configfile={config}",
        BUNDLEGUARD_CONFIG_DIR=str(tmp_path / "config"),
        BUNDLEGUARD_DATA_DIR=str(tmp_path / "data"),
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "app")]),
    )

    facts = run_facts(["-c", FIRST_WINDOW, str(tmp_path / "data")], env)

    available, frame = QRect(*facts["available"]), QRect(*facts["frame"])
    assert facts["dpr"] == dpr and available == QRect(0, 0, 1280, 720)
    assert available.contains(frame), facts
    inside = QRect(*facts["inside"])
    assert inside.width() == DEFAULT_SIZE[0] and inside.height() <= DEFAULT_SIZE[1]
    # Centred: as much room left as right (the frame's title bar makes top and bottom differ).
    assert abs(frame.left() - (available.right() - frame.right())) <= 2
