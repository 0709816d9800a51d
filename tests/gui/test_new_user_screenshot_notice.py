"""A capture that failed says so above the page; once the user has given a screenshot
another way (opened, pasted, dropped), that failure is no longer news: its box goes.
(Found by a new user: "The screen came back as a
single flat colour…" stayed over the page after the picture was saved.)"""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from PySide6.QtCore import Qt

from bundleguard.capture.models import StrategyKind
from bundleguard.gui.qtcapture import monitors_from_screens
from tests.capture.fakes import FakeStrategy, desktop_picture, fake_session
from tests.gui.conftest import find_by_name
from tests.gui.test_screenshot_page import case_folder, page, write_png  # noqa: F401


def test_a_failed_capture_is_forgotten_once_a_screenshot_is_saved(
    qtbot,
    page,  # noqa: F811 (the fixture of test_screenshot_page)
    tmp_path,
    monkeypatch,
):
    fake_session(monkeypatch, "x11")
    monitor = monitors_from_screens()[0]
    black = Image.new("RGB", (monitor.physical.width, monitor.physical.height))
    screen = page([FakeStrategy(StrategyKind.MSS, image=black)])
    qtbot.mouseClick(find_by_name(screen, "Capture screenshot"), Qt.MouseButton.LeftButton)
    problem = find_by_name(screen, "Capture problem")
    qtbot.waitUntil(lambda: screen.isVisible() and problem.isVisible(), timeout=5000)
    assert "single flat colour" in problem.text()

    source = write_png(Path(tmp_path) / "status.png", desktop_picture(640, 400))
    with qtbot.waitSignal(screen.screenshotSaved):
        assert screen.use_file(source)
    qtbot.waitUntil(lambda: not problem.isVisible(), timeout=2000)
