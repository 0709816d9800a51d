"""The Replicate step's export on the primary: the vendor's steps as a checklist, each with
its button to the primary's /appliance, and the exported PKCS#12 dropped or chosen here,
opened with its passphrase and judged row by row, with the re-wrap below it.

Opening is the case action `case.replicate.open_export` in a worker; the rows are
`case.replication.pkcs12_rows`'; which appliance is the primary and whether its page can
be opened is `case.replicate.primary_link`'s answer. The passphrase is asked for each time
an export is opened and handed to one worker; the one that opened the export shown is held
in memory by the re-wrap below (`RewrapSection.hold`) until another export is opened, the
case changes or the window closes. The case keeps the file's path and its certificate's
fingerprint only (`case.replicate.with_export`)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bundleguard.case.replicate import (
    ExportFacts,
    NeedsPassphrase,
    exported_choice,
    is_recorded_export,
    open_export,
    primary_link,
    with_export,
)
from bundleguard.case.steps import Step
from bundleguard.gui import widgets, workers
from bundleguard.gui.controller import CaseController
from bundleguard.gui.passphrase import HeldPassphrase, PassphraseDialog
from bundleguard.gui.replicate.common import DropList, StepLabel, heading
from bundleguard.gui.replicate.rewrap import RewrapSection
from bundleguard.gui.widgets import plain_label, plain_tooltip, problem_label, show_problem
from bundleguard.text import visible

PKCS12_FILTER = "PKCS#12 files (*.p12 *.pfx);;All files (*)"
DROP_HINT = "Drop the exported PKCS#12 (.p12 or .pfx) here, or choose it below."
EXPORT_STEPS = (
    "1. Log into /appliance on the primary and go to Security > Certificates.",
    "2. Tick the certificate of the active IP address and choose Export.",
    "3. Include the certificate, the private key and the certificate chain, and set a passphrase.",
    "4. Save the file, then drop it below or choose it: it is checked here.",
)
KEY_STAYS = (
    "This export holds the private key: it is only for your other appliances. It stays "
    f"on your network and is never sent to support (the bundles of step {Step.BUNDLE.number} "
    "refuse it)."
)
NO_EXPORT = "No exported PKCS#12 yet."
CHECKED_BEFORE = (
    "Checked before: {name}\nSHA-256 {fingerprint}\nIts passphrase is needed to check it "
    "again: press “Check it again” or drop it here."
)


class ExportSection(QWidget):
    """The export checklist and the exported PKCS#12; `exportChanged` when another export
    is open (or none is any more): read `export`."""

    exportChanged = Signal()

    def __init__(self, controller: CaseController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.export: ExportFacts | None = None
        self.passphrase_dialog: PassphraseDialog | None = None
        # Opening the export: the latest wins. Its job id moves on when another case is
        # opened or started (or another file is opened): a passphrase asked for the case
        # of then opens nothing into this one.
        self._opening = workers.LatestJob(self, controller.pool)
        # Whether the export checked before is still on disk, asked once per recorded path
        # (not on every change of the case: a keystroke in the site stats no file).
        self._recorded: tuple[str, bool] | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading("2. Export on the primary", self))
        note = plain_label(KEY_STAYS, self)
        note.setAccessibleName("Where the exported file goes")
        layout.addWidget(note)
        self.primary_reason = plain_label("", self)
        self.primary_reason.setAccessibleName("Primary")
        layout.addWidget(self.primary_reason)
        self._build_steps(layout)

        self.export_name = plain_label("", self)
        self.export_name.setAccessibleName("Exported PKCS#12 file")
        layout.addWidget(self.export_name)
        self.pkcs12_list = DropList("Exported PKCS#12", self)
        self.pkcs12_list.pathsDropped.connect(self._dropped)
        layout.addWidget(self.pkcs12_list)
        self.problem = problem_label(self)
        self.problem.setAccessibleName("Export problem")
        layout.addWidget(self.problem)

        buttons = QHBoxLayout()
        self.choose_button = QPushButton("Choose exported PKCS#12…", self)
        self.choose_button.setAccessibleName("Choose exported PKCS#12")
        self.choose_button.clicked.connect(self.choose_pkcs12)
        self.again_button = QPushButton("Check it again…", self)
        self.again_button.setAccessibleName("Check the PKCS#12 again")
        self.again_button.setToolTip(
            plain_tooltip("Open the PKCS#12 checked before (its passphrase is needed)")
        )
        self.again_button.clicked.connect(self._check_again)
        self.again_button.hide()
        buttons.addWidget(self.choose_button)
        buttons.addWidget(self.again_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.rewrap = RewrapSection(controller, self)
        layout.addWidget(self.rewrap)

    def _build_steps(self, layout: QVBoxLayout) -> None:
        # The vendor's steps as a checklist: each step's words on a checkbox (ticks are
        # the user's notes, not saved), each with its button to the primary's /appliance.
        self.steps = QWidget(self)
        self.steps.setAccessibleName("Export steps")
        grid = QGridLayout(self.steps)
        grid.setContentsMargins(0, 0, 0, 0)
        self.step_boxes: list[QCheckBox] = []
        self.step_buttons: list[QPushButton] = []
        for index, words in enumerate(EXPORT_STEPS):
            # The button first (one column of them, as in the import), then the box and
            # its words in a label, so that they wrap in a narrow window (a checkbox's own
            # text does not); a click on the words ticks the box all the same.
            button = QPushButton("Open /appliance", self.steps)
            button.setAccessibleName(f"Open /appliance on the primary for step {index + 1}")
            button.clicked.connect(self._open_primary)
            grid.addWidget(button, index, 0)
            box = QCheckBox(self.steps)
            box.setAccessibleName(words)
            grid.addWidget(box, index, 1)
            label = StepLabel(words, self.steps)
            label.setBuddy(box)
            label.clicked.connect(box.click)
            grid.addWidget(label, index, 2)
            self.step_boxes.append(box)
            self.step_buttons.append(button)
        grid.setColumnStretch(2, 1)
        layout.addWidget(self.steps)

    # ------------------------------------------------------------ the case
    def case_changed(self, another: bool) -> None:
        """Render the controller's case (`another`: another case was opened or started)."""
        if another:
            self._recorded = None
            self._opening.forget()  # a check started for the last case is dropped
            self.rewrap.forget_passphrase()  # the last case's export's passphrase
            for box in self.step_boxes:
                box.setChecked(False)
        replication = self.controller.case.replication
        if self.export is not None and not is_recorded_export(replication, self.export.path):
            self._forget_export()  # another case, or another file recorded: not ours any more
        self._show_primary()
        self._show_export()

    def _show_primary(self) -> None:
        link = primary_link(self.controller.case)
        tip = link.problem or f"Opens {widgets.appliance_url(link.host)} in the browser."
        for button in self.step_buttons:
            button.setEnabled(link.usable)
            button.setToolTip(plain_tooltip(tip))
        self.primary_reason.setText(link.problem or f"The primary is {visible(link.host)}.")

    def _open_primary(self) -> None:
        link = primary_link(self.controller.case)
        if link.usable:
            widgets.open_url(widgets.appliance_url(link.host))

    # ------------------------------------------------------------ opening
    def choose_pkcs12(self) -> None:
        saved = self.controller.case.replication.exported_pkcs12
        start = str(Path(saved).parent) if saved else ""
        name, _ = QFileDialog.getOpenFileName(
            self, "Choose the exported PKCS#12", start, PKCS12_FILTER
        )
        if name:
            self.add_pkcs12(Path(name))

    def _dropped(self, paths: list[Path]) -> None:
        """Of the files dropped, open the one the guard finds to be an exported PKCS#12
        (chosen by content, in the worker: reading is no work for the window's thread)."""
        if not paths:
            return
        self.rewrap.forget_passphrase()  # another export is on its way
        show_problem(self.problem, None)
        self.export_name.setText("Checking what was dropped…")
        self._opening.start(
            exported_choice,
            list(paths),
            done=lambda chosen: self.add_pkcs12(chosen) if chosen is not None else None,
            failed=lambda message: self._open_failed(Path(paths[0]), message),
        )

    def _check_again(self) -> None:
        saved = self.controller.case.replication.exported_pkcs12
        if saved:
            self.add_pkcs12(Path(saved))

    def add_pkcs12(self, path: Path) -> workers.TaskSignals:
        """Open the exported PKCS#12 at `path`: first without a passphrase, then asking."""
        return self._open(Path(path), None)

    def _open(self, path: Path, passphrase: bytes | None) -> workers.TaskSignals:
        self.rewrap.forget_passphrase()  # the export is opened again, or another one
        show_problem(self.problem, None)
        self.export_name.setText(f"Checking {visible(path.name)}…")
        held = HeldPassphrase(passphrase) if passphrase is not None else None
        signals = self._opening.start(
            open_export,
            path,
            passphrase,
            self.controller.anchors,
            done=lambda result: self._opened(path, result, held),
            failed=lambda message: self._open_failed(path, message, held),
        )
        passphrase = None
        return signals

    def _open_failed(self, path: Path, message: str, held: HeldPassphrase | None = None) -> None:
        if held is not None:
            held.forget()
        self._show_export()
        show_problem(self.problem, f"{path.name} cannot be checked: {message}")

    def _opened(
        self, path: Path, result: ExportFacts | NeedsPassphrase, held: HeldPassphrase | None
    ) -> None:
        if isinstance(result, NeedsPassphrase):
            if held is not None:
                held.forget()  # it does not open the file
            self._show_export()
            problem = f"{result.message} Try again." if result.wrong else ""
            self._ask_passphrase(path, problem)
            return
        self.export = result
        self.rewrap.forget()
        # The passphrase that opened it (none: it opens without one), for Re-wrap.
        self.rewrap.hold(Path(result.path), held.take() if held is not None else None)
        if held is not None:
            held.forget()
        self.controller.update(replication=with_export(self.controller.case.replication, result))
        self._show_export()
        self.exportChanged.emit()

    def _ask_passphrase(self, path: Path, problem: str) -> None:
        job = self._opening.job  # the open that asked; a newer one or another case moves it
        dialog = PassphraseDialog(
            path.name, self, problem=problem, purpose="to check it", action="Check"
        )
        self.passphrase_dialog = dialog
        dialog.finished.connect(lambda result: self._passphrase_answered(dialog, path, result, job))
        dialog.open()

    def _passphrase_answered(
        self, dialog: PassphraseDialog, path: Path, result: int, job: int
    ) -> None:
        self.passphrase_dialog = None
        try:
            # Asked for the case of then: if another case was opened since, it is not
            # opened into this one.
            accepted = result == PassphraseDialog.DialogCode.Accepted
            if accepted and job == self._opening.job:
                self._open(path, dialog.take())
        finally:
            dialog.clear()
            dialog.deleteLater()

    def _forget_export(self) -> None:
        self.export = None
        self.rewrap.forget()
        self.exportChanged.emit()

    # ------------------------------------------------------------ rendering
    def _show_export(self) -> None:
        from bundleguard.case.replication import pkcs12_rows

        replication = self.controller.case.replication
        export = self.export
        if export is not None:
            if export.fingerprint:
                self.export_name.setText(
                    f"{visible(export.name)}: {visible(export.subject)}\n"
                    f"SHA-256 {export.fingerprint}"
                )
            else:
                self.export_name.setText(f"{visible(export.name)}: no certificate in it")
            self.pkcs12_list.show_rows(pkcs12_rows(export.report))
            self.again_button.hide()
        elif replication.exported_pkcs12:
            saved = Path(replication.exported_pkcs12)
            self.export_name.setText(
                CHECKED_BEFORE.format(
                    name=visible(saved.name),
                    fingerprint=replication.exported_fingerprint or "none recorded",
                )
            )
            self.pkcs12_list.show_text(DROP_HINT)
            if self._recorded is None or self._recorded[0] != replication.exported_pkcs12:
                self._recorded = (replication.exported_pkcs12, saved.is_file())
            self.again_button.setVisible(self._recorded[1])
        else:
            self.export_name.setText(NO_EXPORT)
            self.pkcs12_list.show_text(DROP_HINT)
            self.again_button.hide()
        self.rewrap.set_export(export)


__all__ = ["EXPORT_STEPS", "PKCS12_FILTER", "ExportSection"]
