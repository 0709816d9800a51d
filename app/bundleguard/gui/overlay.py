"""The full-screen region selector shown over a freshly captured screen.

It shows the captured picture itself (so what the user selects is exactly what was
captured), lets them drag a rectangle, and reports it in global logical coordinates:
Esc cancels, Enter or Return takes the whole screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QScreen,
)
from PySide6.QtWidgets import QWidget

from bundleguard.capture.models import Monitor, Rect
from bundleguard.gui.qtcapture import pillow_to_qimage

if TYPE_CHECKING:
    from PIL import Image

MIN_SELECTION = 4
"""A drag shorter than this many logical pixels either way is a slip, not a selection."""

HINT = "Drag to select the page · Enter: whole screen · Esc: cancel"


class RegionOverlay(QWidget):
    """A frameless, full-screen window on one monitor showing its captured picture."""

    regionSelected = Signal(object)  # Rect, global logical coordinates
    cancelled = Signal()

    def __init__(
        self,
        image: Image.Image,
        monitor: Monitor,
        screen: QScreen | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowFlags(
            Qt.WindowType.Window
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
        )
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setAccessibleName("Screen region selector")
        self.setAccessibleDescription(HINT)
        self.setWindowTitle("Select the area to capture")
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.monitor = monitor
        self._screen = screen
        self._pixmap = QPixmap.fromImage(pillow_to_qimage(image))
        self._pixmap.setDevicePixelRatio(image.width / monitor.logical.width)
        self._start: QPoint | None = None
        self._end: QPoint | None = None
        self._done = False

    def open(self) -> None:
        """Cover the monitor and take the keyboard."""
        geometry = QRect(
            self.monitor.logical.x,
            self.monitor.logical.y,
            self.monitor.logical.width,
            self.monitor.logical.height,
        )
        if self._screen is not None:
            self.setScreen(self._screen)
        self.setGeometry(geometry)
        self.showFullScreen()
        self.raise_()
        self.activateWindow()
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    # Where the widget's pixels fall on the monitor: the picture is stretched over the
    # whole widget, so a point's share of the widget is its share of the screen.
    def _to_global(self, point: QPoint) -> tuple[int, int]:
        width, height = max(1, self.width()), max(1, self.height())
        x = min(max(point.x(), 0), width)
        y = min(max(point.y(), 0), height)
        logical = self.monitor.logical
        return (
            logical.x + round(x * logical.width / width),
            logical.y + round(y * logical.height / height),
        )

    def selection(self) -> Rect | None:
        """The rectangle dragged so far, in global logical coordinates."""
        if self._start is None or self._end is None:
            return None
        (x1, y1), (x2, y2) = self._to_global(self._start), self._to_global(self._end)
        return Rect.from_corners(x1, y1, x2, y2)

    def _finish(self, region: Rect | None) -> None:
        if self._done:
            return
        self._done = True
        if region is None:
            self.cancelled.emit()
        else:
            self.regionSelected.emit(region)
        self.close()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._start = self._end = event.position().toPoint()
            self.update()
        elif event.button() == Qt.MouseButton.RightButton:
            self._finish(None)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._start is not None:
            self._end = event.position().toPoint()
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._start is None:
            return
        self._end = event.position().toPoint()
        moved = self._end - self._start
        if abs(moved.x()) < MIN_SELECTION or abs(moved.y()) < MIN_SELECTION:
            self._start = self._end = None
            self.update()
            return
        self._finish(self.selection())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self._finish(None)
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._finish(self.monitor.logical)
        else:
            super().keyPressEvent(event)

    def closeEvent(self, event) -> None:
        self._finish(None)  # closed by the window manager: that is a cancel
        super().closeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        whole = QRectF(self.rect())
        painter.drawPixmap(whole, self._pixmap, QRectF(self._pixmap.rect()))
        painter.fillRect(whole, QColor(0, 0, 0, 110))
        if self._start is not None and self._end is not None:
            chosen = QRect(self._start, self._end).normalized()
            ratio_x = self._pixmap.width() / max(1, self.width())
            ratio_y = self._pixmap.height() / max(1, self.height())
            source = QRectF(
                chosen.x() * ratio_x,
                chosen.y() * ratio_y,
                chosen.width() * ratio_x,
                chosen.height() * ratio_y,
            )
            painter.drawPixmap(QRectF(chosen), self._pixmap, source)
            painter.setPen(QPen(QColor(0, 170, 255), 2))
            painter.drawRect(chosen)
        self._paint_hint(painter)
        painter.end()

    def _paint_hint(self, painter: QPainter) -> None:
        metrics = painter.fontMetrics()
        box = metrics.boundingRect(HINT).adjusted(-12, -8, 12, 8)
        box.moveCenter(QPoint(self.width() // 2, 24 + box.height() // 2))
        painter.fillRect(box, QColor(0, 0, 0, 200))
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, HINT)
