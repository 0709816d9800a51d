"""Passphrases in the window: the passphrase dialog (masked, never stored, cleared as soon
as it has been used), the "Show passphrase" toggle every masked field has, the width a
passphrase dialog needs for its title, and `HeldPassphrase`, a passphrase the window holds
in memory for one step (never shown by `repr`, never in settings or the case)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFontMetrics, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from bundleguard.gui.widgets import plain_label, problem_label, show_problem

SHOW = "Show passphrase"
# What a title bar holds beside its title: the window's icon and its buttons (close,
# minimise, maximise) and their margins, generously: Windows 10 and 11 draw three 46 px
# caption buttons and a 16 px icon with its margins (~186 px at 100 %).
TITLE_BAR_EXTRA = 200
TITLE_BAR_FONT = "QMdiSubWindowTitleBar"  # the platform theme's title bar font, where set


def title_width(dialog: QWidget) -> int:
    """The width `dialog`'s title needs in the title bar: its text in the title bar font
    and the title bar's icon and buttons."""
    metrics = QFontMetrics(QApplication.font(TITLE_BAR_FONT))
    return metrics.horizontalAdvance(dialog.windowTitle()) + TITLE_BAR_EXTRA


def fit_title(dialog: QWidget) -> None:
    """Make `dialog` at least as wide as its title needs (within the screen)."""
    width = title_width(dialog)
    screen = dialog.screen() or QGuiApplication.primaryScreen()
    if screen is not None:
        width = min(width, screen.availableGeometry().width())
    dialog.setMinimumWidth(max(dialog.minimumWidth(), width))


class ShowPassphrase(QCheckBox):
    """ "Show passphrase": shows the characters typed into `fields` while ticked; starts
    unticked (hidden), and `hide_all()` masks them again.

    Shown, a field would let its text be copied, cut or dragged out like any text (a
    masked one does not): the copy and cut keys are eaten, and there is no context menu
    and no drag, so a passphrase never reaches the clipboard, whose history a desktop may
    keep or sync. Nor is shown text ever selected (a selection is undone as it is made):
    on X11 a selection is itself a clipboard, the primary selection a middle click pastes."""

    def __init__(self, fields: Sequence[QLineEdit], parent: QWidget | None = None) -> None:
        super().__init__(SHOW, parent)
        self.setAccessibleName(SHOW)
        self.fields = tuple(fields)
        for field in self.fields:
            field.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
            field.setDragEnabled(False)
            field.installEventFilter(self)
            field.selectionChanged.connect(lambda field=field: self._unselect(field))
        self.setChecked(False)
        self.toggled.connect(self._show)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched in self.fields and event.type() in (
            QEvent.Type.ShortcutOverride,
            QEvent.Type.KeyPress,
        ):
            key = cast(QKeyEvent, event)
            if key.matches(QKeySequence.StandardKey.Copy) or key.matches(
                QKeySequence.StandardKey.Cut
            ):
                event.accept()  # taken here: neither the field nor a window shortcut acts
                return True
        return super().eventFilter(watched, event)

    def _unselect(self, field: QLineEdit) -> None:
        if self.isChecked() and field.hasSelectedText():
            field.deselect()

    def _show(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        for field in self.fields:
            if shown:
                field.deselect()
            field.setEchoMode(mode)

    def hide_all(self) -> None:
        self.setChecked(False)
        self._show(False)


class HeldPassphrase:
    """A passphrase held in memory for one step of the window (never saved, never shown
    by `repr` or `str`, so no log line or attribute dump can carry it). `forget()` drops
    it; `take()` gives it (None once forgotten)."""

    __slots__ = ("_value",)

    def __init__(self, value: bytes) -> None:
        self._value: bytes | None = value

    def take(self) -> bytes | None:
        return self._value

    def forget(self) -> None:
        self._value = None

    def __repr__(self) -> str:
        return "HeldPassphrase(…)" if self._value is not None else "HeldPassphrase(forgotten)"

    __str__ = __repr__

    def __reduce__(self):  # never pickled (nor copied into a settings file by mistake)
        raise TypeError("a held passphrase cannot be saved")


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
        self.show_passphrase = ShowPassphrase([self.field], self)
        layout.addWidget(self.show_passphrase)
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
        fit_title(self)
        self.field.setFocus()

    def take(self) -> bytes:
        """The passphrase as bytes; the field is cleared (and its undo history with it)."""
        value = self.field.text().encode("utf-8")
        self.clear()
        return value

    def clear(self) -> None:
        self.field.clear()
        self.field.setText("")
        self.show_passphrase.hide_all()

    def done(self, result: int) -> None:
        if result != QDialog.DialogCode.Accepted:
            self.clear()
        super().done(result)
