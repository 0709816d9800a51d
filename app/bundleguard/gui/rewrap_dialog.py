"""The Re-wrap dialog: a new PKCS#12 with the same certificate, key and chain under a new
passphrase, written next to the original (never into a bundle folder), the original untouched.

The passphrases live in the masked fields only: read when the work starts, handed to the
worker (which drops them when it has run), cleared after success, on Cancel and on close;
never kept in attributes, never logged, never in a message. The one exception is the
current passphrase the window already holds (`held`: the one typed to check the export, a
`HeldPassphrase` the Replicate step owns): then it is not asked for again. The work itself
is the case action `case.rewrap.rewrap_export` — the one `bundleguard rewrap` calls — under
the same rules (`target_problem`; the new passphrase judged by `case.strength`, with the
case's words as guessable: a weak one needs "Use it anyway", a too short one is never
written), atomic: nothing half-written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QThreadPool, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from bundleguard.case.replication import LEGACY_REASON
from bundleguard.case.rewrap import (
    SUFFIXES,
    Rewrapped,
    default_target,
    rewrap_export,
    target_path,
    target_problem,
)
from bundleguard.case.strength import (
    PassphraseJudgement,
    Strength,
    judge_passphrase,
)
from bundleguard.certs.load import PassphraseNeeded, WrongPassphrase
from bundleguard.gui import workers
from bundleguard.gui.passphrase import HeldPassphrase, ShowPassphrase, fit_title
from bundleguard.gui.widgets import (
    ask_replace,
    plain_label,
    problem_label,
    show_problem,
    snug_in_form,
)

WRONG_CURRENT = "The current passphrase is wrong."
NEEDS_CURRENT = "The original is protected by a passphrase: type its current passphrase."
MISMATCH = "The new passphrases do not match."
NO_NEW = "Type a new passphrase."
AGAIN = "Type the new passphrase again."
NOT_REPLACED = "Nothing was replaced: the existing file is as it was."
WRITING = "Writing the re-wrapped file…"
FIX_TARGET = "Choose another place to save (see above)."
ANYWAY = "Use it anyway"
WEAK = f"The new passphrase is weak: choose a stronger one, or tick “{ANYWAY}”."
HELD = (
    "The current passphrase is the one you typed to check the export (held in memory for "
    "this step only)."
)
HELD_REFUSED = (
    "The passphrase that checked the export does not open the file now (was it changed?): "
    "type its current passphrase."
)


# ------------------------------------------------------------------ the work (a worker)


@dataclass(frozen=True)
class CurrentRefused:
    """The current passphrase did not open the original (wrong, or none was given)."""

    message: str


def rewrap_file(
    source: Path,
    target: Path,
    current: bytes | None,
    new: bytes,
    *,
    legacy: bool,
    force: bool,
    forbidden: Sequence[Path] = (),
    context: Sequence[str] = (),
    anyway: bool = False,
    cancel: workers.Cancel,
) -> Rewrapped | CurrentRefused:
    """The case action in a worker: a refused current passphrase is an answer to show in
    the dialog (the fields stay), not a failure; closed while it ran: nothing written."""
    try:
        return rewrap_export(
            source,
            target,
            current,
            new,
            legacy=legacy,
            replace=force,
            forbidden=forbidden,
            before_write=cancel.check,
            context=context,
            anyway=anyway,
        )
    except WrongPassphrase:
        return CurrentRefused(WRONG_CURRENT)
    except PassphraseNeeded:
        return CurrentRefused(NEEDS_CURRENT)
    finally:
        del current, new


# ------------------------------------------------------------------ the dialog


def _masked(name: str, parent: QWidget) -> QLineEdit:
    field = QLineEdit(parent)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(name)
    field.setInputMethodHints(
        Qt.InputMethodHint.ImhHiddenText
        | Qt.InputMethodHint.ImhSensitiveData
        | Qt.InputMethodHint.ImhNoPredictiveText
        | Qt.InputMethodHint.ImhNoAutoUppercase
    )
    field.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
    return field


def _clear(field: QLineEdit) -> None:
    field.clear()
    field.setText("")  # setText also drops the undo history


class RewrapDialog(QDialog):
    """Re-wrap `source` under a new passphrase; `written` carries the path written,
    `rewrapped` the action's result (its `words` are what the window says). `context`: the
    case's words (`case.strength.case_context`), guessable; `held`: the current passphrase
    the window holds (not asked for while it does)."""

    written = Signal(str)
    rewrapped = Signal(object)

    def __init__(
        self,
        source: Path,
        *,
        forbidden: Sequence[Path] = (),
        pool: QThreadPool | None = None,
        parent: QWidget | None = None,
        context: Sequence[str] = (),
        held: HeldPassphrase | None = None,
    ) -> None:
        super().__init__(parent)
        self.source = Path(source)
        self.forbidden = tuple(Path(f) for f in forbidden)
        self.context = tuple(context)
        self.held = held if held is not None and held.take() is not None else None
        self.pool = pool if pool is not None else QThreadPool.globalInstance()
        self._task: workers.Task | None = None
        # The judgement of the new passphrase (never the passphrase): made once per change.
        self._judgement: PassphraseJudgement | None = None
        self.setWindowTitle("Re-wrap PKCS#12")
        self.setAccessibleName("Re-wrap PKCS#12")
        self.setMinimumWidth(640)

        layout = QVBoxLayout(self)
        intro = plain_label(
            f"Writes a new PKCS#12 with the same certificate, key and chain as "
            f"{self.source.name} under a new passphrase; the original stays as it is.",
            self,
        )
        intro.setAccessibleName("What Re-wrap does")
        layout.addWidget(intro)

        form = QFormLayout()
        self.form = form
        self.current = _masked("Current passphrase", self)
        self.current.setPlaceholderText("empty if the original has none")
        self.held_note = plain_label(HELD, self)
        self.held_note.setAccessibleName("Current passphrase held")
        self.new = _masked("New passphrase", self)
        self.again = _masked("New passphrase again", self)
        form.addRow("Current passphrase:", self.current)
        form.addRow("", snug_in_form(self.held_note))
        form.addRow("New passphrase:", self.new)
        form.addRow("New passphrase again:", self.again)
        self.show_passphrase = ShowPassphrase([self.current, self.new, self.again], self)
        form.addRow("", self.show_passphrase)
        self.strength = plain_label("", self)
        self.strength.setAccessibleName("Passphrase strength")
        form.addRow("", snug_in_form(self.strength))
        self.feedback = plain_label("", self)
        self.feedback.setAccessibleName("Passphrase feedback")
        form.addRow("", snug_in_form(self.feedback))
        self.anyway = QCheckBox(ANYWAY, self)
        self.anyway.setAccessibleName(ANYWAY)
        self.anyway.setAccessibleDescription(
            "Write the private key under a weak passphrase all the same."
        )
        form.addRow("", self.anyway)
        layout.addLayout(form)
        self._show_held(self.held is not None)

        encryption = QGroupBox("Encryption", self)
        box = QVBoxLayout(encryption)
        self.aes = QRadioButton("AES-256 (recommended)", encryption)
        self.aes.setAccessibleName("AES-256 (recommended)")
        self.aes.setChecked(True)
        self.legacy = QRadioButton("Legacy 3DES", encryption)
        self.legacy.setAccessibleName("Legacy 3DES")
        reason = LEGACY_REASON[:1].upper() + LEGACY_REASON[1:] + "."
        self.legacy.setAccessibleDescription(reason)
        self.legacy_reason = plain_label(reason, encryption)
        self.legacy_reason.setAccessibleName("Why legacy 3DES")
        group = QButtonGroup(encryption)
        group.addButton(self.aes)
        group.addButton(self.legacy)
        box.addWidget(self.aes)
        legacy_row = QHBoxLayout()
        legacy_row.addWidget(self.legacy)
        legacy_row.addWidget(self.legacy_reason, 1)
        box.addLayout(legacy_row)
        layout.addWidget(encryption)

        target_row = QHBoxLayout()
        self.save_as = QLineEdit(str(default_target(self.source)), self)
        self.save_as.setAccessibleName("Save as")
        self.choose_button = QPushButton("Choose where to save…", self)
        self.choose_button.setAccessibleName("Choose where to save")
        self.choose_button.setAutoDefault(False)
        target_row.addWidget(plain_label("Save as:", self, wrap=False))
        target_row.addWidget(self.save_as, 1)
        target_row.addWidget(self.choose_button)
        layout.addLayout(target_row)
        self.target_problem = problem_label(self)
        self.target_problem.setAccessibleName("Save as problem")
        layout.addWidget(self.target_problem)

        self.outcome = problem_label(self)
        self.outcome.setAccessibleName("Re-wrap result")
        layout.addWidget(self.outcome)

        buttons = QHBoxLayout()
        self.why = plain_label("", self)
        self.why.setAccessibleName("Why the file cannot be written")
        self.write_button = QPushButton("Write re-wrapped file", self)
        self.write_button.setAccessibleName("Write re-wrapped file")
        self.write_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setAccessibleName("Cancel")
        self.cancel_button.setAutoDefault(False)
        buttons.addWidget(self.why, 1)
        buttons.addWidget(self.write_button)
        buttons.addWidget(self.cancel_button)
        layout.addStretch(1)
        layout.addLayout(buttons)

        for field in (self.current, self.again, self.save_as):
            field.textChanged.connect(self._refresh)
        self.new.textChanged.connect(self._judge)
        self.anyway.toggled.connect(self._refresh)
        self.write_button.clicked.connect(self.write)
        self.cancel_button.clicked.connect(self.reject)
        self.choose_button.clicked.connect(self.choose_target)
        self._judge()
        fit_title(self)
        (self.new if self.held is not None else self.current).setFocus()

    # -------------------------------------------------------------- state

    @property
    def busy(self) -> bool:
        return self._task is not None

    def target(self) -> Path | None:
        return target_path(self.save_as.text(), self.source)

    def _show_held(self, held: bool) -> None:
        """The current passphrase's field, or the note that the window holds it."""
        self.form.setRowVisible(self.current, not held)
        self.form.setRowVisible(self.held_note, held)

    def _judge(self) -> None:
        """The new passphrase changed: judge it once, and untick "Use it anyway" (it was
        said of another passphrase)."""
        self.anyway.setChecked(False)
        text = self.new.text()
        judgement = judge_passphrase(text, self.context) if text else None
        del text
        self._judgement = judgement
        if judgement is None:
            self.strength.setText("Strength: type a new passphrase")
            self.feedback.setText("")
        else:
            self.strength.setText(f"Strength: {judgement.words}")
            self.feedback.setText(judgement.feedback)
        self.feedback.setVisible(bool(self.feedback.text()))
        self.anyway.setEnabled(judgement is not None and judgement.weak)
        self._refresh()

    def _passphrase_problem(self) -> str:
        new, again = self.new.text(), self.again.text()
        judgement = self._judgement
        if not new or judgement is None:
            return NO_NEW
        if judgement.strength is Strength.TOO_SHORT:
            return judgement.refusal()  # the words `bundleguard rewrap` says
        if not again:
            return AGAIN
        if new != again:
            return MISMATCH
        if not judgement.may_write(self.anyway.isChecked()):
            return WEAK
        return ""

    def _refresh(self) -> None:
        where = target_problem(self.target(), self.source, self.forbidden)
        show_problem(self.target_problem, where)
        why = self._passphrase_problem() or (FIX_TARGET if where else "")
        self.why.setText(WRITING if self.busy else why)
        self.write_button.setEnabled(not why and not self.busy)

    def _set_busy(self, busy: bool) -> None:
        for widget in (
            self.current,
            self.new,
            self.again,
            self.anyway,
            self.show_passphrase,
            self.aes,
            self.legacy,
            self.save_as,
            self.choose_button,
        ):
            widget.setEnabled(not busy)
        judgement = self._judgement
        self.anyway.setEnabled(not busy and judgement is not None and judgement.weak)
        self._refresh()

    # -------------------------------------------------------------- actions

    def choose_target(self) -> None:
        """Pick the file to write, starting next to the original."""
        current = self.target()
        name = current.name if current is not None and current.suffix.lower() in SUFFIXES else ""
        start = self.source.parent / (name or default_target(self.source).name)
        chosen, _ = QFileDialog.getSaveFileName(
            self,
            "Save the re-wrapped PKCS#12",
            str(start),
            "PKCS#12 with private key (*.p12 *.pfx)",
            options=QFileDialog.Option.DontConfirmOverwrite,  # asked here, once
        )
        if chosen:
            self.save_as.setText(chosen)

    def _replace(self, target: Path) -> bool:
        return ask_replace(
            self, "Replace the file?", f"Replace this file with the re-wrapped one?\n\n{target}"
        )

    def write(self) -> workers.TaskSignals | None:
        """Check, ask before replacing, then re-wrap in a worker (same as the button)."""
        if self.busy:
            return None
        show_problem(self.outcome, None)
        self._refresh()  # the file system may have changed since the last keystroke
        target = self.target()
        if target is None or not self.write_button.isEnabled():
            show_problem(self.outcome, "Nothing was written.")
            return None
        force = False
        try:
            exists = target.exists() or target.is_symlink()
        except (OSError, ValueError):
            show_problem(self.outcome, "Nothing was written: that name cannot be used here.")
            return None
        if exists:
            if not self._replace(target):
                show_problem(self.outcome, NOT_REPLACED)
                return None
            force = True
        current = self.held.take() if self.held is not None else None
        if current is None:
            current = self.current.text().encode("utf-8")
        task = workers.Task(
            rewrap_file,
            self.source,
            target,
            current or None,
            self.new.text().encode("utf-8"),
            legacy=self.legacy.isChecked(),
            force=force,
            forbidden=self.forbidden,
            context=self.context,
            anyway=self.anyway.isChecked(),
        )
        current = None
        task.signals.done.connect(self._done)
        task.signals.failed.connect(self._failed)
        task.signals.cancelled.connect(self._ended)
        self._task = task
        self._set_busy(True)
        return workers.start(self.pool, task)

    def _ended(self) -> None:
        self._task = None
        self._set_busy(False)

    def _done(self, outcome: Rewrapped | CurrentRefused) -> None:
        self._ended()
        if isinstance(outcome, CurrentRefused):
            message = outcome.message
            if self.held is not None:
                # The passphrase held since the check does not open the file now: it is
                # forgotten (by the step too), and the field is asked for after all.
                self.held.forget()
                self.held = None
                self._show_held(False)
                message = HELD_REFUSED
            show_problem(self.outcome, message)
            _clear(self.current)
            self.current.setFocus()
            return
        self.clear()
        self.written.emit(str(outcome.path))
        self.rewrapped.emit(outcome)
        self.accept()

    def _failed(self, message: str) -> None:
        self._ended()
        show_problem(self.outcome, message)

    def clear(self) -> None:
        """Empty the three passphrase fields (and their undo history) and mask them."""
        for field in (self.current, self.new, self.again):
            _clear(field)
        self.show_passphrase.hide_all()

    def done(self, result: int) -> None:
        if result != QDialog.DialogCode.Accepted:
            if self._task is not None:
                self._task.cancel.set()  # the worker writes nothing once it sees this
            self.clear()
        super().done(result)


__all__ = ["RewrapDialog", "default_target", "rewrap_file", "target_problem"]
