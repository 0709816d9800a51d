"""The Screenshot step keeps its limits: a picture from outside is measured before it is
decoded, refused past the stated size in plain words, and decoded off the GUI thread."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QGuiApplication, QImage

import bundleguard.capture.image as capture_image
import bundleguard.gui.qtcapture as qtcapture
from bundleguard.gui.screenshot import ScreenshotPage
from bundleguard.imagelimits import MAX_IMAGE_SIDE
from tests.capture.fakes import desktop_picture, forbid_decoding, png_bomb
from tests.gui.conftest import find_by_name
from tests.gui.test_screenshot_page import drop_mime, saved_image, status_says

PRIMARY = "primary.example.com"
LIMIT_WORDS = f"at most {MAX_IMAGE_SIDE} pixels wide or tall"


@pytest.fixture
def case_folder(tmp_path: Path) -> Path:
    return tmp_path / "case"


@pytest.fixture
def screen(qtbot, case_folder):
    widget = ScreenshotPage(lambda: case_folder, strategies=[])
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.set_appliances([PRIMARY], {})
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.wait_for_jobs()


def png_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def nothing_saved(folder: Path) -> bool:
    return not folder.exists() or not any(folder.iterdir())


def test_a_png_bomb_handed_over_is_refused_with_the_limit_and_never_decoded(
    qtbot, screen, tmp_path, case_folder, monkeypatch
):
    attempts = forbid_decoding(monkeypatch)
    bomb = tmp_path / "status.png"
    bomb.write_bytes(png_bomb(13_000, 13_000))
    with qtbot.assertNotEmitted(screen.screenshotSaved):
        assert screen.use_file(bomb)  # as the window's router hands a dropped file over
        said = status_says(qtbot, screen, "13000×13000 pixels")
    assert said.startswith("status.png is 13000×13000 pixels (169 megapixels)")
    assert LIMIT_WORDS in said
    assert attempts == [] and nothing_saved(case_folder)


def test_an_opened_file_is_decoded_off_the_gui_thread(qtbot, screen, tmp_path, monkeypatch):
    threads: list[bool] = []
    real = capture_image.image_from_bytes

    def spy(data, name="the image"):
        threads.append(threading.current_thread() is threading.main_thread())
        return real(data, name)

    monkeypatch.setattr(capture_image, "image_from_bytes", spy)
    source = tmp_path / "shot.png"
    desktop_picture(320, 200).save(source)
    with qtbot.waitSignal(screen.screenshotSaved, timeout=10_000):
        screen.use_file(source)  # what "Open image…" calls with the chosen file
    assert threads == [False]


def test_a_screenshot_named_by_the_case_is_read_off_the_gui_thread_and_kept_to_the_limit(
    qtbot, screen, tmp_path, monkeypatch
):
    threads: list[bool] = []
    real = capture_image.image_from_bytes

    def spy(data, name="the image"):
        threads.append(threading.current_thread() is threading.main_thread())
        return real(data, name)

    monkeypatch.setattr(capture_image, "image_from_bytes", spy)
    forbid_decoding(monkeypatch)
    good = tmp_path / "earlier.png"
    desktop_picture(320, 240).save(good)
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_bomb(MAX_IMAGE_SIDE + 100, 5000))
    screen.set_appliances([PRIMARY, "backup.example.com"], {PRIMARY: str(good)})
    status_says(qtbot, screen, "Saved as earlier.png (320×240 pixels)")
    screen.set_appliances([PRIMARY, "backup.example.com"], {PRIMARY: str(bomb)})
    said = status_says(qtbot, screen, "too large for a screenshot")
    assert said.startswith(f"bomb.png is {MAX_IMAGE_SIDE + 100}×5000 pixels")
    assert threads == [False, False]
    assert not find_by_name(screen, "Retake screenshot").isEnabled()


def test_pasted_png_bytes_are_used_and_a_bomb_among_them_refused(
    qtbot, screen, case_folder, monkeypatch
):
    picture = desktop_picture(300, 180)
    mime = QMimeData()
    mime.setData("image/png", png_bytes(picture))
    QGuiApplication.clipboard().setMimeData(mime)
    with qtbot.waitSignal(screen.screenshotSaved, timeout=10_000) as saved:
        qtbot.mouseClick(find_by_name(screen, "Paste image"), Qt.MouseButton.LeftButton)
    assert saved_image(saved.args[1]).tobytes() == picture.tobytes()

    attempts = forbid_decoding(monkeypatch)
    bomb = QMimeData()
    bomb.setData("image/png", png_bomb(13_000, 13_000))
    QGuiApplication.clipboard().setMimeData(bomb)
    with qtbot.assertNotEmitted(screen.screenshotSaved):
        qtbot.mouseClick(find_by_name(screen, "Paste image"), Qt.MouseButton.LeftButton)
        said = status_says(qtbot, screen, "13000×13000")
    assert said.startswith("The pasted image is 13000×13000 pixels") and LIMIT_WORDS in said
    assert attempts == []
    # The screenshot taken before stays as it was.
    assert saved_image(saved.args[1]).tobytes() == picture.tobytes()


def test_a_dropped_image_too_wide_is_refused_before_it_is_converted(
    qtbot, screen, case_folder, monkeypatch
):
    converted: list[tuple[int, int]] = []
    real = qtcapture.qimage_to_pillow
    monkeypatch.setattr(
        qtcapture,
        "qimage_to_pillow",
        lambda image: converted.append((image.width(), image.height())) or real(image),
    )
    wide = QImage(MAX_IMAGE_SIDE + 1, 4, QImage.Format.Format_RGB32)
    wide.fill(0x336699)
    wide.setPixel(10, 1, 0xFFFFFF)  # not one flat colour: refused for its size alone
    mime = QMimeData()
    mime.setImageData(wide)
    with qtbot.assertNotEmitted(screen.screenshotSaved):
        assert drop_mime(screen, mime)
        said = status_says(qtbot, screen, "too large for a screenshot")
    assert said.startswith(f"The dropped image is {MAX_IMAGE_SIDE + 1}×4 pixels")
    assert converted == [] and nothing_saved(case_folder)
