"""The Replicate step's re-wrap: the button that opens the Re-wrap dialog on the exported
PKCS#12, and the sentence of what was written. Where the file may go is
`case.rewrap.forbidden_folders`' answer; the writing is `case.rewrap.rewrap_export`, the
action `bundleguard rewrap` calls too, and the sentence is its result's words.

The passphrase typed to check the export is held here (`hold`), in memory only, so that
Re-wrap does not ask for it again; it is forgotten when another export is opened (or none
is any more), when another case is opened and when the window closes. Never in settings or
the case; a `HeldPassphrase`, which no `repr` or log line shows."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from bundleguard.case.replicate import ExportFacts
from bundleguard.case.rewrap import Rewrapped, forbidden_folders
from bundleguard.case.strength import case_context
from bundleguard.gui.controller import CaseController
from bundleguard.gui.passphrase import HeldPassphrase
from bundleguard.gui.rewrap_dialog import RewrapDialog
from bundleguard.gui.widgets import plain_label, plain_tooltip
from bundleguard.text import visible

PURPOSE = (
    "Optional: writes a copy of the export under a new passphrase, or in legacy 3DES for an "
    "appliance that refuses this one."
)
READY = "Write a new PKCS#12 under a new passphrase (AES-256 by default)"
NOT_OPEN = (
    "Open the exported PKCS#12 first (drop it above or choose it): re-wrapping needs its "
    "passphrase."
)


class RewrapSection(QWidget):
    """ "Re-wrap…" for the export that is open, and what the last re-wrap wrote."""

    def __init__(self, controller: CaseController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.source: Path | None = None
        self.dialog: RewrapDialog | None = None
        # The export's passphrase, for this step only (see the module's docstring).
        self.held: HeldPassphrase | None = None
        self._held_for: Path | None = None
        self._close_hooked = False  # the window forgets it when it closes
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.button = QPushButton("Re-wrap…", self)
        self.button.setAccessibleName("Re-wrap")
        self.button.clicked.connect(self.open_dialog)
        row.addWidget(self.button)
        # What it is for, in sight: "Re-wrap" alone says nothing to who has not read the docs.
        self.purpose = plain_label(PURPOSE, self)
        self.purpose.setAccessibleName("What Re-wrap is for")
        row.addWidget(self.purpose, 1)
        layout.addLayout(row)
        self.written = plain_label("", self)
        self.written.setAccessibleName("Re-wrapped file")
        self.written.hide()
        layout.addWidget(self.written)
        self.set_export(None)

    def set_export(self, export: ExportFacts | None) -> None:
        """Re-wrapping needs the export opened (with its passphrase) first."""
        self.source = Path(export.path) if export is not None else None
        if self.source is None or self.source != self._held_for:
            self.forget_passphrase()  # it was the passphrase of another export
        self.button.setEnabled(self.source is not None)
        self.button.setToolTip(plain_tooltip(READY if self.source is not None else NOT_OPEN))

    def hold(self, path: Path, passphrase: bytes | None) -> None:
        """`passphrase` opened the export at `path` (None: it opens without one): hold it
        for Re-wrap until the export changes."""
        self.forget_passphrase()
        self.held = HeldPassphrase(passphrase or b"")
        self._held_for = Path(path)
        when_closed = getattr(self.window(), "when_closed", None)  # the main window's hooks
        if when_closed is not None and not self._close_hooked:
            self._close_hooked = True
            when_closed(self.forget_passphrase)

    def forget_passphrase(self) -> None:
        if self.held is not None:
            self.held.forget()
        self.held = None
        self._held_for = None

    def forget(self) -> None:
        """Another export, or another case: the last sentence is not about it, and the
        passphrase held is not its passphrase."""
        self.written.hide()
        self.forget_passphrase()

    def open_dialog(self) -> None:
        if self.source is None:
            return
        forbidden = forbidden_folders(self.controller.case, self.controller.files_dir)
        held = self.held if self._held_for == self.source else None
        dialog = RewrapDialog(
            self.source,
            forbidden=forbidden,
            pool=self.controller.pool,
            parent=self,
            context=case_context(self.controller.case, self.source),
            held=held,
        )
        self.dialog = dialog
        dialog.rewrapped.connect(self._written)
        dialog.finished.connect(lambda _result: self._closed(dialog))
        dialog.open()

    def _closed(self, dialog: RewrapDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def _written(self, result: Rewrapped) -> None:
        self.written.setText(result.words(visible))
        self.written.show()


__all__ = ["RewrapSection"]
