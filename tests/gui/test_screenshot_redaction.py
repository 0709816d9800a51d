"""Redaction boxes show at once and are never lost; the PNG is encoded in the page's worker
(latest boxes win) and written into the case's folder, never through a link out of it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt

from bundleguard.capture import image as capture_image
from bundleguard.gui import workers
from bundleguard.gui.screenshot import ScreenshotPage
from tests.gui.conftest import find_by_name
from tests.gui.dnd import file_mime

PRIMARY = "primary.example.com"


def make_page(qtbot, folder: Path) -> ScreenshotPage:
    page = ScreenshotPage(lambda: folder, strategies=[])
    qtbot.addWidget(page)
    page.resize(1000, 700)
    page.set_appliances([PRIMARY], {})
    page.show()
    qtbot.waitExposed(page)
    return page


def picture(tmp_path: Path) -> Path:
    shot = Image.new("RGB", (400, 200), (240, 240, 240))
    shot.paste((200, 30, 30), (0, 0, 400, 20))
    path = tmp_path / "shot.png"
    shot.save(path, format="PNG")
    return path


def drag(qtbot, preview, x1: int, y1: int, x2: int, y2: int) -> None:
    """Drag on the preview from image pixel (x1, y1) to (x2, y2)."""
    area = preview.image_area()
    scale = area.width() / 400

    def at(x: int, y: int) -> QPoint:
        return QPoint(round(area.x() + x * scale), round(area.y() + y * scale))

    qtbot.mousePress(preview, Qt.MouseButton.LeftButton, pos=at(x1, y1))
    qtbot.mouseMove(preview, at((x1 + x2) // 2, (y1 + y2) // 2))
    qtbot.mouseMove(preview, at(x2, y2))
    qtbot.mouseRelease(preview, Qt.MouseButton.LeftButton, pos=at(x2, y2))


def shown_pixel(preview, x: int, y: int):
    """The colour the preview shows at image pixel (x, y)."""
    area = preview.image_area()
    scale = area.width() / 400
    grabbed = preview.grab().toImage()
    ratio = grabbed.devicePixelRatio()
    point = (round((area.x() + x * scale) * ratio), round((area.y() + y * scale) * ratio))
    colour = grabbed.pixelColor(*point)
    return colour.red(), colour.green(), colour.blue()


def test_boxes_show_at_once_and_the_latest_are_saved_off_the_gui_thread(
    qtbot, tmp_path, monkeypatch
) -> None:
    page = make_page(qtbot, tmp_path / "case")
    path = picture(tmp_path)
    with qtbot.waitSignal(page.screenshotSaved):
        page.use_mime(file_mime([path]), "What was dropped")
    encoded_on: list[threading.Thread] = []
    real_encode = capture_image.encode_png

    def encode(*args, **kwargs):
        encoded_on.append(threading.current_thread())
        return real_encode(*args, **kwargs)

    monkeypatch.setattr(capture_image, "encode_png", encode)
    # The page's one worker is busy (a slow disk, a large picture): boxes still show at once.
    release = threading.Event()
    page._pool.start(workers.Task(release.wait, 30))
    try:
        preview = find_by_name(page, "Screenshot preview")
        drag(qtbot, preview, 100, 50, 300, 150)
        drag(qtbot, preview, 10, 160, 60, 190)
        drag(qtbot, preview, 320, 160, 380, 190)
        assert shown_pixel(preview, 200, 100) == (0, 0, 0)
        assert shown_pixel(preview, 35, 175) == (0, 0, 0)
        assert shown_pixel(preview, 50, 100) == (240, 240, 240)
        assert find_by_name(page, "Undo last redaction").isEnabled()
        with qtbot.waitSignal(page.screenshotSaved, timeout=20000) as saved:
            release.set()
    finally:
        release.set()
    page.wait_for_jobs()
    qtbot.wait(50)
    with Image.open(saved.args[1]) as written:
        result = written.convert("RGB")
    assert result.getpixel((200, 100)) == (0, 0, 0)
    assert result.getpixel((35, 175)) == (0, 0, 0)  # drawn while the worker was busy
    assert result.getpixel((350, 175)) == (0, 0, 0)
    assert result.getpixel((50, 100)) == (240, 240, 240)
    assert "3 areas blacked out" in find_by_name(page, "Screenshot status").text()
    assert encoded_on and threading.main_thread() not in encoded_on
    assert len(encoded_on) <= 2  # the first box's save, then the latest set: not one per box


def test_a_screenshot_is_never_written_through_a_link_out_of_the_case_folder(
    qtbot, tmp_path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (tmp_path / "case").symlink_to(outside, target_is_directory=True)
    page = make_page(qtbot, tmp_path / "case")
    path = picture(tmp_path)
    page.use_mime(file_mime([path]), "What was dropped")
    status = find_by_name(page, "Screenshot status")
    qtbot.waitUntil(lambda: "leads out of the case's folder" in status.text(), timeout=10000)
    page.wait_for_jobs()
    assert list(outside.iterdir()) == []
