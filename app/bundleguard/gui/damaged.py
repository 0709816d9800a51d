"""The last case could not be opened at start: a dialog that stays until the user chooses.

The store leaves such a file as it is and starts a new case (`CaseStore.open_last`,
`set_aside`); this dialog (accessible name "Last case cannot be opened") says why and
offers "Show the file" (the file manager, the file selected: `opener.show_file`; the
dialog stays open), "Open another…" (the open dialog; closes once a case opened) and
"Start a new case" (keep the new case already started; also Escape). Plain text: the
file's path and the reason are shown as they are, invisible characters escaped.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QDialog, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from bundleguard.gui import opener
from bundleguard.gui.widgets import plain_label, visible_lines

TITLE = "Last case cannot be opened"


class DamagedCaseDialog(QDialog):
    """Why the last case was not opened, and what to do: show it, open another, go on."""

    def __init__(
        self,
        path: Path,
        why: str,
        parent: QWidget | None,
        *,
        open_another: Callable[[], bool],
        start_new: Callable[[], None],
    ) -> None:
        super().__init__(parent)
        self.path = Path(path)
        self._open_another = open_another
        self._start_new = start_new
        self.setWindowTitle(TITLE)
        self.setAccessibleName(TITLE)
        layout = QVBoxLayout(self)
        words = why or f"'{path}' cannot be opened. It was left as it is."
        self.text = plain_label(visible_lines(words), self)
        self.text.setAccessibleName("Why the last case cannot be opened")
        self.text.setMinimumWidth(420)
        layout.addWidget(self.text)
        row = QHBoxLayout()
        for words, name, slot in (
            ("Show the file", "Show the file", self.show_file),
            ("Open another…", "Open another", self.open_another),
            ("Start a new case", "Start a new case", self.start_new),
        ):
            button = QPushButton(words, self)
            button.setAccessibleName(name)
            button.setAutoDefault(False)
            button.clicked.connect(slot)
            row.addWidget(button)
        row.itemAt(row.count() - 1).widget().setDefault(True)
        layout.addLayout(row)
        self.rejected.connect(self._start_new)  # Escape, the close button: go on with it

    def show_file(self) -> None:
        """The file in the file manager (this dialog stays: the choice is still to make)."""
        opener.show_file(self.path, self)

    def open_another(self) -> None:
        if self._open_another():
            self.done(QDialog.DialogCode.Accepted.value)

    def start_new(self) -> None:
        self.done(QDialog.DialogCode.Accepted.value)
        self._start_new()


__all__ = ["TITLE", "DamagedCaseDialog"]
