"""Small shared widgets: plain-text labels, the verdict badge words, opening a URL."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QColor, QDesktopServices, QPalette
from PySide6.QtWidgets import QLabel, QStyle, QWidget

# Each verdict: the word shown (never colour alone), a standard icon and a palette role.
VERDICT_WORDS = {
    "certificate": "accepted (certificate)",
    "image": "accepted (image)",
    "secret": "refused — holds a private key",
    "refused": "refused",
    "error": "cannot be read",
    "scanning": "checking…",
}
VERDICT_ICONS = {
    "certificate": QStyle.StandardPixmap.SP_DialogApplyButton,
    "image": QStyle.StandardPixmap.SP_DialogApplyButton,
    "secret": QStyle.StandardPixmap.SP_MessageBoxCritical,
    "refused": QStyle.StandardPixmap.SP_MessageBoxWarning,
    "error": QStyle.StandardPixmap.SP_MessageBoxWarning,
    "scanning": QStyle.StandardPixmap.SP_BrowserReload,
}


def plain_label(text: str = "", parent: QWidget | None = None, *, wrap: bool = True) -> QLabel:
    """A QLabel that never interprets its text (untrusted text shows its characters)."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setText(text)
    return label


def problem_colour(palette: QPalette) -> QColor:
    """A red that reads on the palette's background: dark red on light, light red on dark."""
    dark = palette.color(QPalette.ColorRole.Window).lightness() < 128
    return QColor(255, 128, 128) if dark else QColor(176, 0, 32)


def problem_label(parent: QWidget | None = None) -> QLabel:
    """A plain-text label for an inline problem, in a red derived from the palette (so it
    reads in light and dark mode); its words say what is wrong, never the colour alone."""
    label = plain_label("", parent)
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, problem_colour(palette))
    label.setPalette(palette)
    label.hide()
    return label


def show_problem(label: QLabel, text: str | None) -> None:
    label.setText(text or "")
    label.setVisible(bool(text))


def open_url(url: str) -> None:
    """Open `url` in the user's browser (tests replace this function)."""
    QDesktopServices.openUrl(QUrl(url))


def appliance_url(hostname: str) -> str:
    return f"https://{hostname}/appliance"
