"""The small widgets the Replicate step's sections share: headings, check rows (icon, word
and detail: never colour alone), the drop target for the exported PKCS#12, and a step's
words beside its checkbox. They render what they are given; they decide nothing."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QFrame,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QWidget,
)

from bundleguard.gui.widgets import plain_label, plain_tooltip, visible_lines
from bundleguard.text import visible

if TYPE_CHECKING:
    from bundleguard.case.replication import CheckRow

DROP_MIN_HEIGHT = 64
STATUS_ICONS = {
    "pass": QStyle.StandardPixmap.SP_DialogApplyButton,
    "warn": QStyle.StandardPixmap.SP_MessageBoxWarning,
    "fail": QStyle.StandardPixmap.SP_MessageBoxCritical,
}


def heading(text: str, parent: QWidget) -> QLabel:
    label = plain_label(text, parent, wrap=False)
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.15)
    label.setFont(font)
    return label


def line(parent: QWidget) -> QFrame:
    line = QFrame(parent)
    line.setFrameShape(QFrame.Shape.HLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line


class RowList(QListWidget):
    """Check rows: icon + word (never colour alone) + detail; as tall as its rows."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self.setWordWrap(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.floor = 0

    def show_rows(self, rows: Sequence[CheckRow]) -> None:
        self.clear()
        for row in rows:
            word = row.status.value
            # Names and certificate fields are untrusted: their bidi and invisible
            # characters are shown as escapes, never obeyed.
            label, detail = visible(row.label), visible_lines(row.detail)
            text = f"{label} — {word}: {detail}" if detail else f"{label} — {word}"
            item = QListWidgetItem(self.style().standardIcon(STATUS_ICONS[word]), text)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{label}: {word}: {detail}")
            item.setToolTip(plain_tooltip(row.detail))
            self.addItem(item)
        self._fit()

    def show_text(self, text: str) -> None:
        self.clear()
        text = visible_lines(text)
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.AccessibleTextRole, text)
        item.setToolTip(plain_tooltip(text))
        self.addItem(item)
        self._fit()

    def texts(self) -> list[str]:
        return [self.item(row).text() for row in range(self.count())]

    def _fit(self) -> None:
        """As tall as the rows laid out at the list's width now (no inner scrolling)."""
        self.doItemsLayout()
        height = 0
        if self.count():
            last = self.visualItemRect(self.item(self.count() - 1))
            height = last.bottom() + 1 + self.verticalOffset() + self.spacing()
        self.setFixedHeight(max(height + 2 * self.frameWidth() + 4, self.floor))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            QTimer.singleShot(0, self._fit)


class StepLabel(QLabel):
    """A step's words beside its checkbox (plain text, wrapping): a click ticks the box."""

    clicked = Signal()

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setText(text)

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        inside = self.rect().contains(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and inside:
            self.clicked.emit()


class DropList(RowList):
    """The drop target for the exported PKCS#12: files dropped on it (real file URLs)."""

    pathsDropped = Signal(list)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(name, parent)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.floor = DROP_MIN_HEIGHT

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.pathsDropped.emit(paths)


__all__ = ["DropList", "RowList", "StepLabel", "heading", "line"]
