"""The passphrase dialog: masked, never stored, cleared as soon as it has been used."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from bundleguard.gui.widgets import plain_label, problem_label, show_problem


class PassphraseDialog(QDialog):
    """Asks for the passphrase of `name`; `take()` hands it over once and clears the field.

    `purpose` says what it is for ("to extract its certificates", "to check it") and
    `action` is the OK button's word ("Extract", "Check")."""

    def __init__(
        self,
        name: str,
        parent: QWidget | None = None,
        *,
        problem: str = "",
        purpose: str = "to extract its certificates",
        action: str = "Extract",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Passphrase")
        self.setAccessibleName("Passphrase")
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                f"Type the passphrase of {name} {purpose}. It is used once and never stored.",
                self,
            )
        )
        self.field = QLineEdit(self)
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setAccessibleName("Passphrase")
        layout.addWidget(self.field)
        self.problem = problem_label(self)
        self.problem.setAccessibleName("Passphrase problem")
        show_problem(self.problem, problem)
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(action)
        ok.setAccessibleName(action)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.field.setFocus()

    def take(self) -> bytes:
        """The passphrase as bytes; the field is cleared (and its undo history with it)."""
        value = self.field.text().encode("utf-8")
        self.clear()
        return value

    def clear(self) -> None:
        self.field.clear()
        self.field.setText("")

    def done(self, result: int) -> None:
        if result != QDialog.DialogCode.Accepted:
            self.clear()
        super().done(result)
