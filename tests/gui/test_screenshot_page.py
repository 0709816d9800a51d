"""The Screenshot step, driven as a user drives it: drops, paste, capture, redaction boxes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bundleguard.capture.models import StrategyKind
from bundleguard.case.model import ApplianceEntry, Role
from bundleguard.case.steps import Step
from bundleguard.gui.qtcapture import monitors_from_screens, pillow_to_qimage
from bundleguard.gui.screenshot import ScreenshotPage
from tests.capture.fakes import FakeStrategy, desktop_picture, fake_session
from tests.capture.test_image import png_chunk_types
from tests.gui.conftest import find_by_name, top_level_by_name

PRIMARY = "primary.example.com"
BACKUP = "backup.example.com"


@pytest.fixture
def case_folder(tmp_path: Path) -> Path:
    return tmp_path / "case"


@pytest.fixture
def page(qtbot, case_folder):
    def make(strategies=()):
        widget = ScreenshotPage(lambda: case_folder, strategies=list(strategies))
        qtbot.addWidget(widget)
        widget.resize(1000, 700)
        widget.set_appliances([PRIMARY, BACKUP], {})
        widget.show()
        qtbot.waitExposed(widget)
        return widget

    return make


def _event(kind, where: QPointF, mime: QMimeData):
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton)
    try:
        return kind(where, *args, Qt.KeyboardModifier.NoModifier)
    except TypeError:  # PySide6 before 6.12 takes a QPoint for a drag's position
        return kind(where.toPoint(), *args, Qt.KeyboardModifier.NoModifier)


def drop_mime(widget, mime: QMimeData) -> bool:
    where = QPointF(widget.width() / 2, widget.height() / 2)
    enter = _event(QDragEnterEvent, where, mime)
    QApplication.sendEvent(widget, enter)
    if not enter.isAccepted():
        return False
    drop = _event(QDropEvent, where, mime)
    QApplication.sendEvent(widget, drop)
    return drop.isAccepted()


def drop_files(widget, paths: list[Path]) -> bool:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return drop_mime(widget, mime)


def status_says(qtbot, screen, words: str) -> str:
    """Wait until the status line holds `words` (pictures are read in a worker)."""
    status = find_by_name(screen, "Screenshot status")
    qtbot.waitUntil(lambda: words in status.text(), timeout=10_000)
    return status.text()


def saved_image(path: str | Path) -> Image.Image:
    with Image.open(path) as image:
        image.load()
        return image.convert("RGB")


def write_png(path: Path, image: Image.Image) -> Path:
    image.save(path, format="PNG")
    return path


def test_an_image_file_handed_over_becomes_the_appliance_screenshot(
    qtbot, page, tmp_path, case_folder
):
    # A dropped file reaches the page through the window's router (`use_file`).
    screen = page()
    picture = desktop_picture(640, 400)
    source = write_png(tmp_path / "my shot.png", picture)
    with qtbot.waitSignal(screen.screenshotSaved) as saved:
        assert screen.use_file(source)
    host, path = saved.args
    assert host == PRIMARY
    assert Path(path) == case_folder / "status-basics-primary.example.com.png"
    assert saved_image(path).tobytes() == picture.tobytes()
    items = find_by_name(screen, "Appliances for screenshots")
    qtbot.waitUntil(lambda: items.currentRow() == 1)  # the next one without a screenshot
    items.setCurrentRow(0)
    status = find_by_name(screen, "Screenshot status").text()
    assert "status-basics-primary.example.com.png" in status and "640×400" in status
    assert "screenshot saved" in items.item(0).data(Qt.ItemDataRole.AccessibleTextRole)
    assert "no screenshot yet" in items.item(1).data(Qt.ItemDataRole.AccessibleTextRole)


def test_a_file_handed_over_that_is_no_image_is_refused_in_words(
    qtbot, page, tmp_path, case_folder
):
    screen = page()
    fake = tmp_path / "notes.png"
    fake.write_text("just some text, not a picture")
    with qtbot.assertNotEmitted(screen.screenshotSaved):
        screen.use_file(fake)
        status_says(qtbot, screen, "notes.png is not an image that can be read")
    assert not case_folder.exists() or not any(case_folder.iterdir())


def test_files_dropped_on_the_page_are_left_to_the_window_whatever_their_suffix(
    qtbot, page, tmp_path
):
    # The window routes a file by what the guard finds in it, not by its name: the page
    # takes image data only, never a file by its suffix.
    screen = page()
    cert = tmp_path / "chain.pem"
    cert.write_text("-----BEGIN CERTIFICATE-----\n")
    picture = write_png(tmp_path / "shot.png", desktop_picture(64, 48))
    assert not drop_files(screen, [cert])
    assert not drop_files(screen, [picture])
    data = QMimeData()
    data.setImageData(pillow_to_qimage(desktop_picture(64, 48)))
    with qtbot.waitSignal(screen.screenshotSaved):
        assert drop_mime(screen, data)


def test_pasted_image_with_ctrl_v(qtbot, page):
    screen = page()
    picture = desktop_picture(300, 200)
    QGuiApplication.clipboard().setImage(pillow_to_qimage(picture))
    appliances = find_by_name(screen, "Appliances for screenshots")
    appliances.setCurrentRow(1)
    appliances.setFocus()
    with qtbot.waitSignal(screen.screenshotSaved) as saved:
        qtbot.keyClick(appliances, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert saved.args[0] == BACKUP
    assert saved_image(saved.args[1]).tobytes() == picture.tobytes()


def test_paste_without_an_image_says_so(qtbot, page):
    screen = page()
    QGuiApplication.clipboard().setText("not a picture")
    with qtbot.assertNotEmitted(screen.screenshotSaved):
        qtbot.mouseClick(find_by_name(screen, "Paste image"), Qt.MouseButton.LeftButton)
    assert find_by_name(screen, "Screenshot status").text() == "The clipboard holds no image."


def drag(qtbot, widget, start: QPoint, end: QPoint) -> None:
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(widget, (start + end) / 2)
    qtbot.mouseMove(widget, end)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=end)


def test_redaction_box_is_burned_into_the_saved_png(qtbot, page, tmp_path):
    screen = page()
    picture = Image.new("RGB", (400, 200), (240, 240, 240))
    picture.paste((200, 30, 30), (0, 0, 400, 20))
    with qtbot.waitSignal(screen.screenshotSaved):
        screen.use_file(write_png(tmp_path / "shot.png", picture))
    find_by_name(screen, "Appliances for screenshots").setCurrentRow(0)  # back to redact it
    preview = find_by_name(screen, "Screenshot preview")
    area = preview.image_area()
    scale = area.width() / 400
    # Drag over image pixels (100, 50)..(300, 150): the middle of the picture.
    start = QPoint(round(area.x() + 100 * scale), round(area.y() + 50 * scale))
    end = QPoint(round(area.x() + 300 * scale), round(area.y() + 150 * scale))
    with qtbot.waitSignal(screen.screenshotSaved) as saved:
        drag(qtbot, preview, start, end)
    data = Path(saved.args[1]).read_bytes()
    assert set(png_chunk_types(data)) == {b"IHDR", b"IDAT", b"IEND"}
    result = Image.open(io.BytesIO(data)).convert("RGB")
    assert result.crop((104, 54, 296, 146)).getextrema() == ((0, 0),) * 3
    assert result.getpixel((50, 100)) == (240, 240, 240)
    assert result.getpixel((200, 10)) == (200, 30, 30)
    assert "1 area blacked out" in find_by_name(screen, "Screenshot status").text()

    with qtbot.waitSignal(screen.screenshotSaved) as undone:
        qtbot.mouseClick(find_by_name(screen, "Undo last redaction"), Qt.MouseButton.LeftButton)
    assert saved_image(undone.args[1]).tobytes() == picture.tobytes()


def test_existing_screenshot_is_shown_and_unreadable_one_explained(qtbot, page, tmp_path):
    screen = page()
    good = write_png(tmp_path / "earlier.png", desktop_picture(320, 240))
    screen.set_appliances([PRIMARY, BACKUP], {PRIMARY: str(good), BACKUP: str(tmp_path / "x")})
    status_says(qtbot, screen, "Saved as earlier.png (320×240 pixels)")
    assert find_by_name(screen, "Retake screenshot").isEnabled()
    find_by_name(screen, "Appliances for screenshots").setCurrentRow(1)
    status_says(qtbot, screen, "there is no such file")


def monitor_sized_picture() -> Image.Image:
    monitor = monitors_from_screens()[0]
    return desktop_picture(monitor.physical.width, monitor.physical.height)


def wait_for_overlay(qtbot):
    qtbot.waitUntil(lambda: top_level_by_name("Screen region selector") is not None, timeout=5000)
    overlay = top_level_by_name("Screen region selector")
    qtbot.waitExposed(overlay)
    return overlay


def test_capture_hides_the_window_and_enter_takes_the_whole_screen(
    qtbot, page, monkeypatch, case_folder
):
    fake_session(monkeypatch, "x11")
    picture = monitor_sized_picture()
    strategy = FakeStrategy(StrategyKind.MSS, image=picture)
    screen = page([strategy])
    qtbot.mouseClick(find_by_name(screen, "Capture screenshot"), Qt.MouseButton.LeftButton)
    assert not screen.isVisible()  # out of the way before the screen is read
    overlay = wait_for_overlay(qtbot)
    assert strategy.calls and not screen.isVisible()
    with qtbot.waitSignal(screen.screenshotSaved) as saved:
        qtbot.keyClick(overlay, Qt.Key.Key_Return)
    assert screen.isVisible()
    assert saved.args[0] == PRIMARY
    assert saved_image(saved.args[1]).tobytes() == picture.tobytes()


def test_escape_in_the_overlay_cancels(qtbot, page, monkeypatch, case_folder):
    fake_session(monkeypatch, "x11")
    screen = page([FakeStrategy(StrategyKind.MSS, image=monitor_sized_picture())])
    screen.capture_shortcut.activated.emit()  # Ctrl+Shift+K
    overlay = wait_for_overlay(qtbot)
    with qtbot.assertNotEmitted(screen.screenshotSaved):
        qtbot.keyClick(overlay, Qt.Key.Key_Escape)
    assert screen.isVisible()
    assert find_by_name(screen, "Screenshot status").text() == (
        "Capture cancelled; nothing was changed."
    )
    assert not case_folder.exists()


def test_a_drag_in_the_overlay_saves_that_area(qtbot, page, monkeypatch):
    fake_session(monkeypatch, "x11")
    picture = monitor_sized_picture()
    screen = page([FakeStrategy(StrategyKind.MSS, image=picture)])
    qtbot.mouseClick(find_by_name(screen, "Capture screenshot"), Qt.MouseButton.LeftButton)
    overlay = wait_for_overlay(qtbot)
    ratio = picture.width / overlay.width()
    with qtbot.waitSignal(screen.screenshotSaved) as saved:
        drag(qtbot, overlay, QPoint(50, 60), QPoint(250, 160))
    expected = picture.crop(
        (round(50 * ratio), round(60 * ratio), round(250 * ratio), round(160 * ratio))
    )
    assert saved_image(saved.args[1]).tobytes() == expected.tobytes()


def test_a_blank_capture_is_not_saved_and_paste_is_offered(qtbot, page, monkeypatch):
    fake_session(monkeypatch, "x11")
    monitor = monitors_from_screens()[0]
    black = Image.new("RGB", (monitor.physical.width, monitor.physical.height))
    screen = page([FakeStrategy(StrategyKind.MSS, image=black)])
    with qtbot.assertNotEmitted(screen.screenshotSaved, wait=100):
        qtbot.mouseClick(find_by_name(screen, "Capture screenshot"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(screen.isVisible, timeout=5000)
    problem = find_by_name(screen, "Capture problem")
    assert problem.isVisible()
    assert "single flat colour" in problem.text() and "paste it here (Ctrl+V)" in problem.text()
    assert top_level_by_name("Screen region selector") is None


def test_without_a_display_the_page_says_so_and_never_hides(qtbot, page, monkeypatch):
    fake_session(monkeypatch, "none")
    strategy = FakeStrategy(StrategyKind.MSS, image=monitor_sized_picture())
    screen = page([strategy])
    problem = find_by_name(screen, "Capture problem")
    assert problem.isVisible() and "no screen to capture" in problem.text()
    qtbot.mouseClick(find_by_name(screen, "Capture screenshot"), Qt.MouseButton.LeftButton)
    assert screen.isVisible() and strategy.calls == []


def test_wayland_without_portal_is_explained(qtbot, page, monkeypatch):
    fake_session(monkeypatch, "wayland")
    screen = page([FakeStrategy(StrategyKind.PORTAL, installed=False)])
    assert "xdg-desktop-portal" in find_by_name(screen, "Capture problem").text()


def test_open_status_asks_the_window_for_the_appliance_page(qtbot, page):
    screen = page()
    find_by_name(screen, "Appliances for screenshots").setCurrentRow(1)
    with qtbot.waitSignal(screen.openStatusRequested) as asked:
        qtbot.mouseClick(find_by_name(screen, "Open Status > Basics"), Qt.MouseButton.LeftButton)
    assert asked.args == [BACKUP]


def test_hostnames_are_shown_as_plain_text(qtbot, page):
    screen = page()
    hostile = "<img src=x>.example.com"
    screen.set_appliances([hostile], {})
    label = find_by_name(screen, "Appliance")
    assert isinstance(label, QLabel)
    assert label.textFormat() == Qt.TextFormat.PlainText and label.text() == hostile


def test_every_control_has_an_accessible_name_and_the_shortcut_is_in_the_tooltip(page):
    screen = page()
    controls = screen.findChildren(QPushButton) + screen.findChildren(QComboBox)
    controls += screen.findChildren(QListWidget)
    assert controls and all(control.accessibleName() for control in controls)
    assert "Ctrl+Shift+K" in find_by_name(screen, "Capture screenshot").toolTip()
    delays = find_by_name(screen, "Delay before capture")
    assert [delays.itemData(i) for i in range(delays.count())] == [0, 3, 5]


def test_ctrl_v_in_the_page_wins_over_the_window_paste_shortcut(qtbot, case_folder):
    window = QWidget()
    qtbot.addWidget(window)
    window_pastes = []
    shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Paste), window)
    shortcut.activated.connect(lambda: window_pastes.append(True))
    screen = ScreenshotPage(lambda: case_folder, window, strategies=[])
    QVBoxLayout(window).addWidget(screen)
    screen.set_appliances([PRIMARY], {})
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    QGuiApplication.clipboard().setImage(pillow_to_qimage(desktop_picture(120, 80)))
    appliances = find_by_name(screen, "Appliances for screenshots")
    appliances.setFocus()
    qtbot.waitUntil(appliances.hasFocus)
    # Through the window, as the system delivers keys: shortcuts are looked up first.
    with qtbot.waitSignal(screen.screenshotSaved):
        qtbot.keyClick(window.windowHandle(), Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert window_pastes == []


def test_a_black_picture_is_never_saved_silently(qtbot, page, tmp_path, case_folder):
    screen = page()
    black = write_png(tmp_path / "black.png", Image.new("RGB", (640, 400)))
    with qtbot.assertNotEmitted(screen.screenshotSaved):
        screen.use_file(black)
        status_says(qtbot, screen, "single flat colour")
    assert not case_folder.exists()


def test_every_appliance_name_shows_whole_in_the_list(qtbot, window) -> None:
    names = ["primary.example.com", "backup.example.com", "node1.example.com"]
    window.controller.update(appliances=tuple(ApplianceEntry(n, Role.PRIMARY) for n in names))
    window.resize(900, 650)
    window.show_step(Step.SCREENSHOT)
    listing = find_by_name(window, "Appliances for screenshots")
    qtbot.waitUntil(lambda: listing.count() == 3, timeout=5000)
    for row in range(listing.count()):
        assert listing.visualItemRect(listing.item(row)).right() <= listing.viewport().width()
        assert listing.fontMetrics().horizontalAdvance(listing.item(row).text()) < (
            listing.viewport().width()
        )
