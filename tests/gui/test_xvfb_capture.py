"""Real capture on a real X server: Xvfb, a real window under Qt's xcb platform, mss.

The test starts its own Xvfb (which picks a free display number itself and writes it to a
pipe), shows a window filled with a known colour in a process of its own, and captures
the screen with the mss strategy; then it drives the Screenshot page through a whole
capture with the real strategies. Skipped, with the reason, only where Xvfb is missing
(`python3 dev.py test` installs it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from bundleguard.capture.models import Monitor, Rect
from bundleguard.capture.mss_strategy import MssStrategy
from bundleguard.capture.screen import capture_screen
from tests.gui.conftest import run_facts

ROOT = Path(__file__).resolve().parents[2]
SCREEN = (1280, 800)
COLOUR = (255, 0, 170)  # a colour no default desktop or Qt style paints
WINDOW = Rect(200, 150, 320, 240)


@pytest.fixture(scope="module")
def xvfb() -> Iterator[str]:
    """A display name (":N") of an Xvfb of our own."""
    if not sys.platform.startswith("linux"):
        pytest.skip("Xvfb and Qt's xcb platform are Linux's (PySide6 elsewhere has no xcb)")
    binary = shutil.which("Xvfb")
    if binary is None:
        pytest.skip("the Xvfb binary is not installed (python3 dev.py test installs it)")
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        [
            binary,
            "-displayfd",
            str(write_end),
            "-screen",
            "0",
            "{}x{}x24".format(*SCREEN),
            "-nolisten",
            "tcp",
        ],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    try:
        with os.fdopen(read_end) as pipe:
            number = pipe.readline().strip()
        assert number.isdigit(), "Xvfb did not start"
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(10)


def x_env(display: str) -> dict[str, str]:
    env = dict(
        os.environ,
        DISPLAY=display,
        QT_QPA_PLATFORM="xcb",
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "app")]),
    )
    for name in ("WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "QT_SCALE_FACTOR"):
        env.pop(name, None)
    return env


COLOURED_WINDOW = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QApplication, QWidget

    x, y, width, height, red, green, blue = map(int, sys.argv[1:8])
    app = QApplication([])
    window = QWidget()
    window.setWindowFlag(Qt.WindowType.FramelessWindowHint)
    palette = window.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor(red, green, blue))
    window.setPalette(palette)
    window.setAutoFillBackground(True)
    window.setGeometry(x, y, width, height)
    window.show()

    def painted():
        print("shown", window.geometry().x(), window.geometry().y(), flush=True)

    from PySide6.QtCore import QTimer
    QTimer.singleShot(500, painted)
    app.exec()
    """
)


@pytest.fixture
def coloured_window(xvfb: str) -> Iterator[Rect]:
    """A real X window of `COLOUR` at `WINDOW`, in a process of its own."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            COLOURED_WINDOW,
            *map(str, (WINDOW.x, WINDOW.y)),
            *map(str, (WINDOW.width, WINDOW.height)),
            *map(str, COLOUR),
        ],
        env=x_env(xvfb),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("shown"), process.stderr.read()
        _, x, y = line.split()
        yield Rect(int(x), int(y), WINDOW.width, WINDOW.height)
    finally:
        process.terminate()
        process.wait(10)


def test_mss_captures_the_real_window(xvfb, coloured_window, monkeypatch):
    monkeypatch.setenv("DISPLAY", xvfb)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("XDG_SESSION_TYPE", raising=False)
    monitor = Monitor.from_logical(0, "Xvfb", Rect(0, 0, *SCREEN), 1.0, primary=True)
    result = capture_screen(monitor, [MssStrategy()])
    assert result.ok, result.reason
    image = result.image
    assert image.size == SCREEN
    window = image.crop(
        (coloured_window.x, coloured_window.y, coloured_window.right, coloured_window.bottom)
    )
    assert window.getextrema() == tuple((c, c) for c in COLOUR)
    assert image.getpixel((coloured_window.x - 5, coloured_window.y - 5)) != COLOUR


PAGE_CAPTURE = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication
    from PIL import Image

    from bundleguard.gui.screenshot import ScreenshotPage

    app = QApplication([])
    page = ScreenshotPage(lambda: Path(sys.argv[1]))  # the real strategies
    page.set_appliances(["primary.example.com"], {})
    page.setGeometry(600, 300, 600, 400)
    page.show()
    QTest.qWaitForWindowExposed(page)
    QTest.qWait(300)

    def named(root, name):
        return next(w for w in root.findChildren(object)
                    if getattr(w, "accessibleName", lambda: "")() == name)

    problem = named(page, "Capture problem")
    facts = {"problem": problem.text() if problem.isVisible() else ""}
    saved = []
    page.screenshotSaved.connect(lambda host, path: saved.append(path))
    QTest.mouseClick(named(page, "Capture screenshot"), Qt.MouseButton.LeftButton)
    overlay = None
    for _ in range(100):
        QTest.qWait(50)
        overlay = next((w for w in QApplication.topLevelWidgets() if w.isVisible()
                        and w.accessibleName() == "Screen region selector"), None)
        if overlay is not None:
            break
    facts["overlay"] = overlay is not None
    if overlay is not None:
        QTest.qWaitForWindowExposed(overlay)
        QTest.keyClick(overlay, Qt.Key.Key_Return)
        for _ in range(100):
            if saved:
                break
            QTest.qWait(50)
    facts["saved"] = saved
    facts["status"] = named(page, "Screenshot status").text()
    if saved:
        with Image.open(saved[0]) as image:
            facts["size"] = image.size
    print(json.dumps(facts))
    """
)


def test_the_page_captures_the_screen_without_itself(xvfb, coloured_window, tmp_path):
    facts = run_facts(["-c", PAGE_CAPTURE, str(tmp_path / "case")], x_env(xvfb))
    assert facts["problem"] == "" and facts["overlay"], facts
    assert facts["size"] == list(SCREEN)
    from PIL import Image

    with Image.open(facts["saved"][0]) as saved:
        shot = saved.convert("RGB")
    window = shot.crop(
        (coloured_window.x, coloured_window.y, coloured_window.right, coloured_window.bottom)
    )
    assert window.getextrema() == tuple((c, c) for c in COLOUR)
    # The page (at 600, 300) hid itself: where it stood the capture shows the bare screen.
    assert (
        shot.crop((700, 450, 1100, 650)).getextrema()
        == shot.crop((1200, 700, 1280, 800)).getextrema()
    )


QT_GRAB = textwrap.dedent(
    """
    import json
    from PySide6.QtWidgets import QApplication

    from bundleguard.capture.screen import capture_screen
    from bundleguard.gui.qtcapture import QtGrabStrategy, monitors_from_screens

    app = QApplication([])
    monitor = monitors_from_screens()[0]
    result = capture_screen(monitor, [QtGrabStrategy()])
    facts = {"reason": result.reason, "strategy": result.strategy and result.strategy.name}
    if result.image is not None:
        facts["size"] = result.image.size
        x, y, right, bottom = map(int, __import__("sys").argv[1:5])
        facts["window"] = result.image.crop((x, y, right, bottom)).getextrema()
    print(json.dumps(facts))
    """
)


def test_qt_grab_captures_the_real_window(xvfb, coloured_window):
    box = (coloured_window.x, coloured_window.y, coloured_window.right, coloured_window.bottom)
    facts = run_facts(["-c", QT_GRAB, *map(str, box)], x_env(xvfb))
    assert facts["strategy"] == "QT_GRAB", facts["reason"]
    assert facts["size"] == list(SCREEN)
    assert facts["window"] == [[c, c] for c in COLOUR]
