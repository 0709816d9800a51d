"""Step 5, Replicate: copy the certificate from the primary to its backups and traffic
nodes, and prove it over live TLS.

A thin container over the step's sections, top to bottom as the vendor's procedure goes:
the plan (`replicate.plan`), the export on the primary with its re-wrap
(`replicate.export`, `replicate.rewrap`), the import on each other appliance
(`replicate.imports`), the live check (`verify_panel`) and the software update
(`replicate.update`). The page holds what the sections share — the certificate of the
case's files (read in a worker, the latest read wins) and the export that is open — and
hands each section the controller's current case; every rule is `case/`'s
(`case.replicate`, `case.replication`, `case.rewrap`). Sending the user to another step
is a `Step` (`stepRequested`), never an index.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

from bundleguard.case.replicate import NO_CHAIN, CaseChain, case_chain, plan_certificate
from bundleguard.case.steps import Step
from bundleguard.gui import workers
from bundleguard.gui.controller import CaseController
from bundleguard.gui.replicate.common import heading, line
from bundleguard.gui.replicate.export import ExportSection
from bundleguard.gui.replicate.imports import ImportSection
from bundleguard.gui.replicate.plan import NO_LEAF, PlanSection
from bundleguard.gui.replicate.update import UpdateSection
from bundleguard.gui.verify_panel import VerifyPanel

PLAN_DELAY_MS = 300


class ReplicatePage(QWidget):
    """Plan, export, import, verify, software update: the vendor's procedure, checked."""

    stepRequested = Signal(object)  # a `Step` the user asked to go to
    # What the window connects today; it goes once the window reads `stepRequested`.
    bundleStepRequested = Signal()

    def __init__(self, controller: CaseController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setAccessibleName("Replicate")
        self.case_chain: CaseChain | None = None
        self._chain_key: tuple | None = None
        self._unreadable = ""
        self._reading = workers.LatestJob(self, controller.pool)
        # Which case the page shows: "another" case is another file opened or a new case
        # started (not an edit, nor "save as", which keeps the very case object).
        self._case_path = controller.path
        self._case_seen = controller.case

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(self.scroll)
        self.body = QWidget(self.scroll)
        layout = QVBoxLayout(self.body)
        self.scroll.setWidget(self.body)

        self.plan = PlanSection(self.body)
        self.export = ExportSection(controller, self.body)
        self.imports = ImportSection(controller, self.body)
        verify = QWidget(self.body)
        verify_layout = QVBoxLayout(verify)
        verify_layout.setContentsMargins(0, 0, 0, 0)
        verify_layout.addWidget(heading("4. Verify what the appliances serve", verify))
        self.verify_panel = VerifyPanel(controller, verify)
        verify_layout.addWidget(self.verify_panel)
        self.update_section = UpdateSection(controller, self.body)
        sections = (self.plan, self.export, self.imports, verify, self.update_section)
        for index, section in enumerate(sections):
            if index:
                layout.addWidget(line(self.body))
            layout.addWidget(section)
        layout.addStretch(1)

        self._plan_timer = QTimer(self)
        self._plan_timer.setSingleShot(True)
        self._plan_timer.setInterval(PLAN_DELAY_MS)
        self._plan_timer.timeout.connect(self._read_case_chain)

        self.export.exportChanged.connect(self._export_changed)
        self.update_section.stepRequested.connect(self._step_requested)
        controller.caseChanged.connect(self._case_changed)
        controller.anchorsReady.connect(self._anchors_ready)
        self._case_changed()
        self._read_case_chain()

    # ------------------------------------------------------------ what the window calls
    def add_pkcs12(self, path: Path) -> workers.TaskSignals:
        """Open the exported PKCS#12 at `path`: first without a passphrase, then asking."""
        return self.export.add_pkcs12(Path(path))

    # ------------------------------------------------------------ the case
    def _another_case(self) -> bool:
        """Whether the controller now holds another case than the page last saw: another
        file opened or a new case started. An edit keeps the path; "save as" keeps the
        very case object under a new path; both are still this case."""
        case, path = self.controller.case, self.controller.path
        another = path != self._case_path and case is not self._case_seen
        self._case_path, self._case_seen = path, case
        return another

    def _case_changed(self) -> None:
        another = self._another_case()
        if another:
            self.case_chain = None  # the last case's certificate: not this one's
        self.export.case_changed(another)
        self.imports.case_changed()
        key = (self.controller.case.files, id(self.controller.anchors))
        if another:
            self._read_case_chain()
        elif key != self._chain_key:
            self._reading.forget()  # a read of the files before the change is dropped
            self._plan_timer.start()
        self._show_certificate()

    def _anchors_ready(self) -> None:
        self._chain_key = None
        self._read_case_chain()

    def _read_case_chain(self) -> None:
        self._plan_timer.stop()
        case, anchors = self.controller.case, self.controller.anchors
        self._chain_key = (case.files, id(anchors))
        self._unreadable = ""
        if not case.files:
            self._reading.forget()
            self._case_chain_read(NO_CHAIN)
            return
        self._reading.start(
            case_chain,
            list(case.files),
            anchors,
            done=self._case_chain_read,
            failed=self._case_chain_failed,
        )

    def _case_chain_read(self, chain: CaseChain) -> None:
        self.case_chain = chain
        self._unreadable = ""
        self._show_certificate()

    def _case_chain_failed(self, message: str) -> None:
        self.case_chain = NO_CHAIN
        self._unreadable = message
        self._show_certificate()

    # ------------------------------------------------------------ the shared certificate
    def _export_changed(self) -> None:
        export = self.export.export
        if export is None or not export.chain:
            self.verify_panel.set_expected(None)
        else:
            from bundleguard.probe.expected import ExpectedChain

            self.verify_panel.set_expected(ExpectedChain(export.chain, source=export.name))
        self._show_certificate()

    def _show_certificate(self) -> None:
        """The plan and the trust answer, for the certificate `case/` says they check."""
        case = self.controller.case
        certificate = plan_certificate(self.export.export, self.case_chain)
        reading = self.case_chain is None and bool(case.files)
        self.plan.show_plan(case, certificate, reading=reading, unreadable=self._unreadable)
        chain = certificate.chain if certificate is not None else ()
        self.update_section.set_chain(chain, self.controller.anchors)
        self.update_section.show_state()

    def _step_requested(self, step: Step) -> None:
        self.stepRequested.emit(step)
        if step is Step.BUNDLE:
            self.bundleStepRequested.emit()


__all__ = ["NO_LEAF", "ReplicatePage"]
