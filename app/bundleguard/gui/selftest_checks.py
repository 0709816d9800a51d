"""The self-test's Qt checks (`bundleguard --selftest`): Qt starts with its image format
plugins, and the real main window paints. Here because Qt is imported only in `gui/`."""

from __future__ import annotations

import os
from pathlib import Path

from bundleguard.selftest import CheckFailed

_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32">'
    b'<rect width="32" height="32" fill="#1f4e8c"/><circle cx="16" cy="16" r="8" fill="#f2b632"/>'
    b"</svg>"
)


def _qt_application():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(["bundleguard-selftest"])


def check_qt(folder: Path) -> str:
    """Qt starts, and the image formats the window reads and writes are all there."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QColor, QImage

    app = _qt_application()
    formats = []
    for fmt in ("PNG", "JPEG", "ICO"):
        image = QImage(48, 48, QImage.Format.Format_RGB32)
        image.fill(QColor(31, 78, 140))
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not image.save(buffer, fmt):
            raise CheckFailed(f"Qt cannot write {fmt} images (its image format plugin is missing)")
        again = QImage.fromData(bytes(buffer.data()), fmt)
        if again.isNull() or again.width() != 48:
            raise CheckFailed(f"Qt cannot read {fmt} images back")
        formats.append(fmt)
    svg = QImage.fromData(QByteArray(_SVG), "SVG")
    if svg.isNull() or svg.pixelColor(16, 16).red() < 200:
        raise CheckFailed("Qt cannot draw SVG images (its SVG plugin is missing)")
    formats.append("SVG")
    return f"{app.platformName()}: {', '.join(formats)}"


def check_window(folder: Path) -> str:
    """The real main window, on a case store in the temporary folder, shown and painted."""
    try:
        from bundleguard.gui.app import create_window
        from bundleguard.gui.window import MainWindow
    except ImportError as error:
        raise CheckFailed(
            f"the main window cannot be loaded (bundleguard.gui.window.MainWindow): {error}"
        ) from None
    from PySide6.QtCore import QEventLoop, QTimer

    from bundleguard.case.store import CaseStore

    app = _qt_application()
    controller, window = create_window(store=CaseStore(folder / "cases"))
    try:
        if not isinstance(window, MainWindow):
            raise CheckFailed("the window made is not the main window")
        loop = QEventLoop()
        painted: list[bool] = []
        window.firstPainted.connect(lambda: (painted.append(True), loop.quit()))
        QTimer.singleShot(10_000, loop.quit)
        window.resize(900, 600)
        window.show()
        if not painted:
            loop.exec()
        if not painted:
            raise CheckFailed("the main window was not painted within 10 seconds")
        image = window.grab().toImage()
        if image.isNull() or image.width() < 100 or image.height() < 100:
            raise CheckFailed("the main window painted nothing")
        colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in (10, 50, 200)}
        if len(colours) < 2:
            raise CheckFailed("the main window painted one flat colour")
        return f"{window.windowTitle()} {image.width()}x{image.height()} on {app.platformName()}"
    finally:
        window.close()
        controller.shutdown()
        window.deleteLater()
        app.processEvents()
