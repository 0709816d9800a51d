"""Where the main window opens: inside the available area of a screen (never under a
taskbar, never off-screen), centred the first time, as large as it was since.

`fit_rect` is the rule, on plain rectangles; `place_on_screen` applies it to a window
before it is shown. A window not shown yet has no frame: `FRAME_ALLOWANCE` stands for the
title bar and borders the window system will add (a shown window's own frame is used).
"""

from __future__ import annotations

from PySide6.QtCore import QMargins, QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

# The size of a first window (the inside, without the frame): it fits a 1280×720 screen's
# available area with the frame and a taskbar, and is shrunk on smaller screens.
DEFAULT_SIZE = (1000, 640)
# Room for a title bar and borders around a window that has not been shown yet.
FRAME_ALLOWANCE = QMargins(8, 40, 8, 8)


def fit_rect(rect: QRect, available: QRect, frame: QMargins, *, centre: bool) -> QRect:
    """`rect` (a window's inside) made no larger than `available` less the `frame`, then
    moved so that it and its frame lie inside `available`; centred there when `centre`."""
    room = available.marginsRemoved(frame)
    width = max(1, min(rect.width(), room.width()))
    height = max(1, min(rect.height(), room.height()))
    if centre:
        left = room.left() + (room.width() - width) // 2
        top = room.top() + (room.height() - height) // 2
    else:
        left = min(max(rect.left(), room.left()), room.left() + room.width() - width)
        top = min(max(rect.top(), room.top()), room.top() + room.height() - height)
    return QRect(left, top, width, height)


def place_on_screen(window: QWidget, *, centre: bool) -> None:
    """Move and shrink `window` into the available area of the screen it is on (the
    primary screen when its place is on no screen now: a monitor unplugged since)."""
    if window.isMaximized() or window.isFullScreen():
        return  # the window system places those
    rect = window.geometry()
    screen = QGuiApplication.screenAt(rect.center())
    if screen is None:
        screen = QGuiApplication.primaryScreen()
        centre = True
    if screen is None:
        return
    outer = window.frameGeometry()
    if window.isVisible() and outer != rect:
        frame = QMargins(
            rect.left() - outer.left(),
            rect.top() - outer.top(),
            outer.right() - rect.right(),
            outer.bottom() - rect.bottom(),
        )
    else:
        frame = FRAME_ALLOWANCE
    fitted = fit_rect(rect, screen.availableGeometry(), frame, centre=centre)
    if fitted != rect:
        window.setGeometry(fitted)


__all__ = ["DEFAULT_SIZE", "FRAME_ALLOWANCE", "fit_rect", "place_on_screen"]
