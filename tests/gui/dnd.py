"""A real drag and drop for GUI tests: QDragEnter, QDragMove and QDrop events sent to the
widget under the mouse (QTest's mouse moves never start a drag, pytest-qt #260).

PySide6 6.12 takes a QPointF for a drag's position and deprecates QPoint; 6.11 takes only a
QPoint. One helper, for every test that drops."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget


def file_mime(paths: list[Path]) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def drag_event(kind, where: QPointF, mime: QMimeData):
    """A drag event of `kind` at `where`, with the position type this PySide6 takes."""
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton)
    try:
        return kind(where, *args, Qt.KeyboardModifier.NoModifier)
    except TypeError:  # PySide6 before 6.12
        return kind(where.toPoint(), *args, Qt.KeyboardModifier.NoModifier)


def drop_mime(target: QWidget, mime: QMimeData, where: QPointF | None = None) -> bool:
    """Enter, move and drop `mime` on `target`; False as soon as a step is refused."""
    where = where or QPointF(10, 10)
    for kind in (QDragEnterEvent, QDragMoveEvent, QDropEvent):
        event = drag_event(kind, where, mime)
        QApplication.sendEvent(target, event)
        if not event.isAccepted():
            return False
    return True


def drop_files(target: QWidget, paths: list[Path], where: QPointF | None = None) -> bool:
    return drop_mime(target, file_mime(paths), where)
