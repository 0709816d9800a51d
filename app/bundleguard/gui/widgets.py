"""Small shared widgets: plain-text labels, the verdict badge words, opening a URL
(`gui.opener` says when nothing could open it)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QWidget

# Qt's own numbers for Qt::PlainText, Qt::TextSelectableByMouse and Qt::AccessibleTextRole.
# The window's first paint sets them through Qt's property system and item data, not through
# `PySide6.QtCore.Qt`: its first use creates the Python enums of the whole Qt namespace (94
# of them, ~15 ms), which the first paint then does not wait for. tests/gui/test_window.py
# checks each number against its enum.
PLAIN_TEXT = 0
SELECTABLE_BY_MOUSE = 1
ACCESSIBLE_TEXT_ROLE = 11

# Each verdict: the word shown (never colour alone), a standard icon and a palette role.
VERDICT_WORDS = {
    "certificate": "accepted (certificate)",
    "image": "accepted (image)",
    "secret": "refused — holds a private key",
    "refused": "refused",
    "error": "cannot be read",
    "scanning": "checking…",
}
_VERDICT_PIXMAPS = {
    "certificate": "SP_DialogApplyButton",
    "image": "SP_DialogApplyButton",
    "secret": "SP_MessageBoxCritical",
    "refused": "SP_MessageBoxWarning",
    "error": "SP_MessageBoxWarning",
    "scanning": "SP_BrowserReload",
}


def __getattr__(name: str):
    # `VERDICT_ICONS` (verdict -> QStyle.StandardPixmap) is made on first use: QStyle and
    # its enums cost milliseconds the window's first paint does not need.
    if name == "VERDICT_ICONS":
        from PySide6.QtWidgets import QStyle

        icons = {k: getattr(QStyle.StandardPixmap, v) for k, v in _VERDICT_PIXMAPS.items()}
        globals()["VERDICT_ICONS"] = icons
        return icons
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def plain_label(text: str = "", parent: QWidget | None = None, *, wrap: bool = True) -> QLabel:
    """A QLabel that never interprets its text (untrusted text shows its characters)."""
    label = QLabel(parent)
    label.setProperty("textFormat", PLAIN_TEXT)  # Qt.TextFormat.PlainText (see above)
    label.setWordWrap(wrap)
    label.setProperty("textInteractionFlags", SELECTABLE_BY_MOUSE)
    label.setText(text)
    return label


def snug_in_form(label: QLabel) -> QLabel:
    """A wrapped label on a QFormLayout row made as tall as its words at the form's width:
    its minimum height, reckoned for a narrow label (six lines for two), would leave it
    floating in a band of empty space; the form gives it its height for its width."""
    from PySide6.QtWidgets import QSizePolicy

    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
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


def ask_replace(parent: QWidget, title: str, text: str) -> bool:
    """Ask before files are replaced: a modal Yes/No question (its accessible name its
    title, No the default, the text plain); True when the user answers Yes."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(
        QMessageBox.Icon.Question,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        parent,
    )
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setAccessibleName(title)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    try:
        return box.exec() == QMessageBox.StandardButton.Yes
    finally:
        box.deleteLater()


def open_url(url: str, parent: QWidget | None = None) -> bool:
    """Open `url` (an `https:` or `file:` URL, parsed strictly) in the user's browser or
    file manager; anything else is not opened. When nothing opened it, one box says so with
    the address or path to copy (`gui.opener`, which also shows a file in its folder and
    speaks for drafts no mail program opened). True when it opened; tests replace this."""
    from bundleguard.gui import opener

    return opener.open_url(url, parent)


def appliance_url(hostname: str) -> str:
    """`https://HOST/appliance`, built from its parts: the host checked by the one host
    name check (`normalize_hostname`, which raises `HostnameError`), set as the URL's host
    (an IPv6 address goes in brackets), never pasted into the text of a URL."""
    from PySide6.QtCore import QUrl

    from bundleguard.certs.names import HostnameError, normalize_hostname

    host = normalize_hostname(hostname)
    url = QUrl()
    url.setScheme("https")
    url.setHost(host, QUrl.ParsingMode.StrictMode)
    url.setPath("/appliance", QUrl.ParsingMode.StrictMode)
    if not url.isValid() or url.host(QUrl.ComponentFormattingOption.FullyEncoded) != host:
        raise HostnameError(hostname, "it cannot be the host of a web address")
    return url.toString(QUrl.ComponentFormattingOption.FullyEncoded)


def visible_lines(text: str) -> str:
    """`text` whose line breaks are the window's own (a name, then its reasons), each line
    passed through `bundleguard.text.visible`: a bidi override or a zero-width space in a
    name is shown as `\\u202e`, `\\u200b`, never obeyed. Put a single untrusted name
    through `visible` itself: its own newlines are shown as `\\n`, too."""
    from bundleguard.text import visible

    return "\n".join(visible(line) for line in text.split("\n"))


def plain_tooltip(text: str) -> str:
    """A tooltip that shows `text` as it is: Qt takes a tooltip that looks like HTML for
    rich text, and file names, hostnames, certificate fields and a server's words are
    untrusted (their invisible and bidi characters are shown as escapes: `visible_lines`)."""
    if not text:
        return ""
    from PySide6 import QtGui
    from PySide6.QtCore import Qt

    return QtGui.Qt.convertFromPlainText(visible_lines(text), Qt.WhiteSpaceMode.WhiteSpaceNormal)
