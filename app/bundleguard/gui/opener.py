"""Opening things outside the window, and saying so when nothing could be opened.

Every "Open …" of the window goes through here; each function returns True when the
system took the request, and otherwise shows ONE message box (accessible name "Nothing
opened") with the path or web address in a selectable plain-text field ("Path to copy" or
"Address to copy") and a "Copy" button, so the user can open it by hand:

- `open_url(url, parent=None)`: an `https:` or `file:` URL, in the browser or the file
  manager (`widgets.open_url` is this function: pages call it by that name).
- `open_folder(path, parent=None)`: a folder in the file manager.
- `open_settings(url, where, parent=None)`: a page of the system's settings (macOS Screen
  Recording), saying which menus lead there when it could not be opened.
- `show_file(path, parent=None)`: the file manager with `path` selected (Windows
  `explorer /select,"PATH"`, macOS `open -R PATH`; elsewhere, where no file manager is
  known to select a file, its folder opens). For "Show in folder" and "Show the file".
- `say_drafts_not_opened(drafts, outcomes, parent=None)`: after `bundle.mailer.open_draft`
  ran for each draft (in a worker: a mail program is started), one message for every
  draft no mail program opened (the `.eml`, else the zip, of each, one a line); None
  when each draft opened. Several drafts never give several boxes.

`parent` may be left out: the box then belongs to the active window. Untrusted text (a
file name in a path) is shown as plain text, its invisible and bidi characters escaped
(`text.visible`); "Copy" copies the path itself, through the copied-text guard
(`case.texts.checked`). Tests replace `system_open`, `spawn` and `current_platform`.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bundleguard.gui.widgets import plain_label, show_problem

if TYPE_CHECKING:
    from bundleguard.bundle.email import Draft
    from bundleguard.bundle.mailer import OpenOutcome

log = logging.getLogger("bundleguard.gui")

BOX_NAME = "Nothing opened"
SCHEMES = ("https", "file")


def system_open(url: QUrl) -> bool:
    """Hand `url` to the desktop (browser, file manager): True when it was taken."""
    from PySide6.QtGui import QDesktopServices

    return bool(QDesktopServices.openUrl(url))


def spawn(command: Sequence[str] | str) -> bool:
    """Start a program without waiting for it: True when it started."""
    try:
        subprocess.Popen(
            command if isinstance(command, str) else list(command),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=os.name == "posix",
        )
    except (OSError, ValueError) as error:
        log.info("Could not start a program to show a file: %s", type(error).__name__)
        return False
    return True


def current_platform() -> str:
    """`sys.platform` (tests replace this to take another platform's branch)."""
    return sys.platform


def reveal_command(path: Path, platform: str) -> Sequence[str] | str | None:
    """The command that shows `path` selected in the file manager, or None where there is
    none to rely on (Linux and the others: the folder is opened instead). On Windows a
    command line, as Explorer parses its own: `/select,"PATH"` (a path has no quote).
    Each program by its full path: a bare `explorer` is looked for in the current folder
    before the Windows folder, where a file named explorer.exe could be waiting."""
    if platform == "win32":
        from bundleguard.bundle.mailer import windows_program

        return f'"{windows_program("explorer.exe")}" /select,"{path}"'
    if platform == "darwin":
        return ("/usr/bin/open", "-R", str(path))
    return None


class NotOpenedBox(QDialog):
    """Nothing could be opened: what, why in a sentence, and the path(s) to copy."""

    def __init__(
        self, sentence: str, targets: Sequence[str], *, local: bool, parent: QWidget | None
    ) -> None:
        from bundleguard.text import visible

        super().__init__(parent)
        self.setWindowTitle("bundleguard")
        self.setAccessibleName(BOX_NAME)
        self.targets = tuple(targets)
        layout = QVBoxLayout(self)
        self.text = plain_label(sentence, self)
        self.text.setAccessibleName("What could not be opened")
        layout.addWidget(self.text)
        self.where = QPlainTextEdit(self)
        self.where.setReadOnly(True)
        self.where.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.where.setPlainText("\n".join(visible(t) for t in self.targets))
        self.where.setAccessibleName("Path to copy" if local else "Address to copy")
        lines = min(len(self.targets), 6)
        height = self.where.fontMetrics().lineSpacing() * lines + 16
        self.where.setFixedHeight(height)
        self.where.setMinimumWidth(480)
        layout.addWidget(self.where)
        self.problem = plain_label("", self)
        self.problem.setAccessibleName("Copy problem")
        self.problem.hide()
        layout.addWidget(self.problem)
        row = QHBoxLayout()
        row.addStretch(1)
        copy = QPushButton("Copy", self)
        copy.setAccessibleName("Copy")
        copy.clicked.connect(self.copy)
        close = QPushButton("Close", self)
        close.setAccessibleName("Close")
        close.setDefault(True)
        close.clicked.connect(self.accept)
        row.addWidget(copy)
        row.addWidget(close)
        layout.addLayout(row)

    def copy(self) -> None:
        """The path(s) themselves on the clipboard, one a line (judged by the guard first)."""
        from PySide6.QtGui import QGuiApplication

        from bundleguard.case.texts import KeyMaterialError, checked

        try:
            text = checked("\n".join(self.targets), "The path was not copied")
        except KeyMaterialError as error:
            show_problem(self.problem, f"{error} Nothing was put on the clipboard.")
            return
        QGuiApplication.clipboard().setText(text)
        show_problem(self.problem, "")


def tell_not_opened(
    sentence: str, targets: Sequence[str], *, local: bool, parent: QWidget | None = None
) -> NotOpenedBox:
    """Show the one "Nothing opened" box (window-modal, never blocking) and return it."""
    owner = parent if parent is not None else QApplication.activeWindow()
    box = NotOpenedBox(sentence, targets, local=local, parent=owner)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    tell_not_opened.last_box = box  # type: ignore[attr-defined]
    box.open()
    return box


def open_url(url: str, parent: QWidget | None = None) -> bool:
    """Open `url` (an `https:` or `file:` URL, parsed strictly) in the user's browser or
    file manager; anything else is not opened. When nothing opened it, say so with the
    address (or the local path of a `file:` URL) to copy."""
    parsed = QUrl(url, QUrl.ParsingMode.StrictMode)
    if parsed.isValid() and parsed.scheme() in SCHEMES:
        return _open(parsed, parent)
    tell_not_opened(
        "Nothing on this computer could open the web address. Copy it into your browser:",
        [url],
        local=False,
        parent=parent,
    )
    return False


def _open(url: QUrl, parent: QWidget | None) -> bool:
    if system_open(url):
        return True
    if url.isLocalFile():
        target = url.toLocalFile()
        what = "the folder" if os.path.isdir(target) else "the file"
        sentence = f"Nothing on this computer could open {what}. Copy its path and open it:"
        tell_not_opened(sentence, [target], local=True, parent=parent)
    else:
        sentence = "Nothing on this computer could open the web address. Copy it into your browser:"
        address = url.toString(QUrl.ComponentFormattingOption.FullyEncoded)
        tell_not_opened(sentence, [address], local=False, parent=parent)
    return False


def open_settings(url: str, where: str, parent: QWidget | None = None) -> bool:
    """Open a page of the system's settings (`url`, a scheme of the platform's own, such
    as `x-apple.systempreferences:`); when nothing opened it, say where to go by hand
    (`where`, the settings' menus) and give the address to copy."""
    if system_open(QUrl(url)):
        return True
    tell_not_opened(
        f"The system settings could not be opened. Open {where} yourself, or copy this address:",
        [url],
        local=False,
        parent=parent,
    )
    return False


def open_folder(path: Path | str, parent: QWidget | None = None) -> bool:
    """Open the folder `path` in the file manager (say so, with its path, when nothing did)."""
    return _open(QUrl.fromLocalFile(os.path.abspath(path)), parent)


def show_file(
    path: Path | str, parent: QWidget | None = None, *, platform: str | None = None
) -> bool:
    """Show `path` selected in the file manager (its folder opens where selecting a file
    is not known to work); say so, with its path, when nothing could show it."""
    path = Path(os.path.abspath(path))
    command = reveal_command(path, current_platform() if platform is None else platform)
    if command is None:
        if system_open(QUrl.fromLocalFile(str(path.parent))):
            return True
    elif spawn(command):
        return True
    tell_not_opened(
        "Nothing on this computer could show the file. Copy its path and open its folder:",
        [str(path)],
        local=True,
        parent=parent,
    )
    return False


def say_drafts_not_opened(
    drafts: Sequence[Draft], outcomes: Sequence[OpenOutcome], parent: QWidget | None = None
) -> NotOpenedBox | None:
    """One message for every draft that no mail program opened (`outcome.attached` false),
    with each one's `.eml` (or its zip, when there is no `.eml`) to copy; None when every
    draft opened. `drafts` and `outcomes` are paired in order."""
    missed: list[str] = []
    count = 0
    for draft, outcome in zip(drafts, outcomes, strict=False):
        if outcome.attached:
            continue
        count += 1
        if draft.eml is not None:
            missed.append(str(draft.eml))
        else:
            missed.extend(str(p) for p in draft.attachments)
    if not missed:
        return None
    one = count == 1
    if one:
        sentence = (
            "No mail program could open the email draft. Open it in your mail program (a "
            ".eml holds its bundle), or write to support and attach the bundle by hand. "
            "Its path:"
        )
    else:
        sentence = (
            f"No mail program could open the {count} email drafts. Open each in your "
            "mail program (a .eml holds its bundle), or write to support and attach the "
            "bundles by hand. Their paths:"
        )
    return tell_not_opened(sentence, missed, local=True, parent=parent)


__all__ = [
    "BOX_NAME",
    "NotOpenedBox",
    "open_folder",
    "open_settings",
    "open_url",
    "reveal_command",
    "say_drafts_not_opened",
    "show_file",
    "tell_not_opened",
]
