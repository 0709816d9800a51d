"""Step 5, Replicate: copy the certificate from the primary to its backups and traffic
nodes, and prove it over live TLS.

The page carries the user through the vendor's procedure, top to bottom: the plan (does
the certificate cover every name?), the export on the primary (the exported PKCS#12 is
dropped or chosen here, opened with its passphrase and judged row by row), the import on
each other appliance, the live check (the verify panel), and the software update when the
CA is private. Every judgement is the core's (`case.replication`, `certs.pkcs12`,
`certs.trust`); file work runs in workers. The passphrase is asked for each time it is
needed, handed to one worker and never kept: the case keeps the file's path and its
certificate's fingerprint only. The PKCS#12 never becomes one of the case's files.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QCheckBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpacerItem,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from bundleguard.errors import BundleGuardError, PassphraseError
from bundleguard.gui import widgets, workers
from bundleguard.gui.case_page import hostname_problem
from bundleguard.gui.certificates_page import trust_answer
from bundleguard.gui.controller import CaseController
from bundleguard.gui.widgets import (
    plain_label,
    plain_tooltip,
    problem_label,
    show_problem,
    visible_lines,
)
from bundleguard.text import visible

if TYPE_CHECKING:
    from cryptography import x509

    from bundleguard.case.replication import CheckRow
    from bundleguard.certs.anchors import TrustAnchors
    from bundleguard.certs.pkcs12 import Pkcs12Report
    from bundleguard.certs.trust import TrustReport

log = logging.getLogger("bundleguard.gui")

PKCS12_FILTER = "PKCS#12 files (*.p12 *.pfx);;All files (*)"
PKCS12_SUFFIXES = (".p12", ".pfx")
WAIT_REFRESH_MS = 60_000
PLAN_DELAY_MS = 300
DROP_MIN_HEIGHT = 64
STATUS_ICONS = {
    "pass": QStyle.StandardPixmap.SP_DialogApplyButton,
    "warn": QStyle.StandardPixmap.SP_MessageBoxWarning,
    "fail": QStyle.StandardPixmap.SP_MessageBoxCritical,
}
NO_LEAF = (
    "No certificate yet: add the certificate files in step 2 or open the exported PKCS#12 below."
)
DROP_HINT = "Drop the exported PKCS#12 (.p12 or .pfx) here, or choose it below."
EXPORT_STEPS = (
    "1. Log into /appliance on the primary and go to Security > Certificates.",
    "2. Tick the certificate of the active IP address and choose Export.",
    "3. Include the certificate, the private key and the certificate chain, and set a passphrase.",
    "4. Save the file, then drop it below or choose it: it is checked here.",
)
IMPORT_NOTE = (
    "On each appliance below: log into /appliance, go to Security > Certificates, choose "
    "Import and pick the PKCS#12 with its passphrase. The imported chain appears under "
    "Security :: Other Certificates. Repeat it for each appliance, and tick it when done."
)
DEFAULT_NOTE = (
    "Then the default certificate: clients that send no name (no SNI) get the certificate "
    "marked Default under Security > Certificates, so make the new certificate the default "
    "on every appliance."
)
NO_OTHERS = "The case has no backup or traffic node (add them in step 1)."
WRITTEN = (
    "Written: {path} — import this file on the other appliances. It holds the private key: "
    "keep it on your private network."
)
HAD_TIME = (
    "The vendor update was installed more than 48 hours ago: clients have had time to pick "
    "up the new certificate."
)
NOT_INSTALLED = "Tick “Vendor update installed” once support's update is on the appliances."


# ------------------------------------------------------------------ work (no Qt)
KEY_STAYS = (
    "This export holds the private key: it is only for your other appliances. It stays "
    "on your network and is never sent to support (the bundles of step 4 refuse it)."
)


@dataclass(frozen=True)
class ChainFacts:
    """The certificate of the case's certificate files (leaf first), as the core orders it."""

    leaf: x509.Certificate | None
    chain: tuple[x509.Certificate, ...]


@dataclass(frozen=True)
class ExportFacts:
    """The exported PKCS#12, judged by the core (the passphrase is not in here)."""

    path: str
    name: str
    report: Pkcs12Report
    fingerprint: str
    subject: str
    chain: tuple[x509.Certificate, ...]  # leaf first, ordered


@dataclass(frozen=True)
class NeedsPassphrase:
    """The PKCS#12 needs a passphrase (`wrong`: the one given does not open it)."""

    message: str
    wrong: bool


def _all_anchors(anchors: TrustAnchors | None) -> Sequence[x509.Certificate]:
    return anchors.all if anchors is not None else ()


def case_chain(files: Sequence[str], anchors: TrustAnchors | None) -> ChainFacts:
    """The leaf and chain of the files the guard accepts as certificates."""
    from bundleguard.certs.chain import build_chain
    from bundleguard.guard.scan import scan_file

    certificates: list[x509.Certificate] = []
    for name in files:
        report = scan_file(Path(name))
        if report.verdict.value == "certificate":
            certificates.extend(report.certificates)
    if not certificates:
        return ChainFacts(None, ())
    chain = build_chain(certificates, anchors=_all_anchors(anchors))
    return ChainFacts(chain.leaf, tuple(chain.ordered))


def open_export(
    path: Path, passphrase: bytes | None, anchors: TrustAnchors | None
) -> ExportFacts | NeedsPassphrase:
    """Read and judge the exported PKCS#12 (`NeedsPassphrase` when it asks for one)."""
    from bundleguard.certs.describe import fingerprint_sha256, subject_text
    from bundleguard.certs.pkcs12 import inspect_pkcs12
    from bundleguard.files import read_input_file

    data = read_input_file(path)
    try:
        report = inspect_pkcs12(data, path.name, passphrase, anchors=_all_anchors(anchors))
    except PassphraseError as error:
        return NeedsPassphrase(str(error), passphrase is not None)
    finally:
        passphrase = None
    cert = report.certificate
    if cert is None:
        return ExportFacts(os.path.abspath(path), path.name, report, "", "", ())
    ordered = report.chain_report.ordered if report.chain_report is not None else ()
    chain = tuple(ordered) if ordered and ordered[0] == cert else (cert, *report.chain)
    return ExportFacts(
        os.path.abspath(path),
        path.name,
        report,
        fingerprint_sha256(cert),
        subject_text(cert),
        chain,
    )


def judge_trust(chain: Sequence[x509.Certificate], anchors: TrustAnchors) -> TrustReport:
    """The core's trust answer (the same call the certificates step's report makes)."""
    from bundleguard.certs.trust import check_trust

    return check_trust(tuple(chain), anchors=anchors)


# ------------------------------------------------------------------ small widgets


def _heading(text: str, parent: QWidget) -> QLabel:
    label = plain_label(text, parent, wrap=False)
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.15)
    label.setFont(font)
    return label


def _line(parent: QWidget) -> QFrame:
    line = QFrame(parent)
    line.setFrameShape(QFrame.Shape.HLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line


class RowList(QListWidget):
    """Check rows: icon + word (never colour alone) + detail; as tall as its rows."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self.setWordWrap(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.floor = 0

    def show_rows(self, rows: Sequence[CheckRow]) -> None:
        self.clear()
        for row in rows:
            word = row.status.value
            # Names and certificate fields are untrusted: their bidi and invisible
            # characters are shown as escapes, never obeyed.
            label, detail = visible(row.label), visible_lines(row.detail)
            text = f"{label} — {word}: {detail}" if detail else f"{label} — {word}"
            item = QListWidgetItem(self.style().standardIcon(STATUS_ICONS[word]), text)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{label}: {word}: {detail}")
            item.setToolTip(plain_tooltip(row.detail))
            self.addItem(item)
        self._fit()

    def show_text(self, text: str) -> None:
        self.clear()
        text = visible_lines(text)
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.AccessibleTextRole, text)
        item.setToolTip(plain_tooltip(text))
        self.addItem(item)
        self._fit()

    def texts(self) -> list[str]:
        return [self.item(row).text() for row in range(self.count())]

    def _fit(self) -> None:
        """As tall as the rows laid out at the list's width now (no inner scrolling)."""
        self.doItemsLayout()
        height = 0
        if self.count():
            last = self.visualItemRect(self.item(self.count() - 1))
            height = last.bottom() + 1 + self.verticalOffset() + self.spacing()
        self.setFixedHeight(max(height + 2 * self.frameWidth() + 4, self.floor))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            QTimer.singleShot(0, self._fit)


class StepLabel(QLabel):
    """A step's words beside its checkbox (plain text, wrapping): a click ticks the box."""

    clicked = Signal()

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setText(text)

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        inside = self.rect().contains(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and inside:
            self.clicked.emit()


class DropList(RowList):
    """The drop target for the exported PKCS#12: files dropped on it (real file URLs)."""

    pathsDropped = Signal(list)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(name, parent)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.floor = DROP_MIN_HEIGHT

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.pathsDropped.emit(paths)


# ------------------------------------------------------------------ the page
class ReplicatePage(QWidget):
    """Plan, export, import, verify, software update: the vendor's procedure, checked."""

    bundleStepRequested = Signal()

    def __init__(self, controller: CaseController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setAccessibleName("Replicate")
        self.export: ExportFacts | None = None
        self.case_chain: ChainFacts | None = None
        self.trust: TrustReport | None = None
        self.passphrase_dialog = None
        self.rewrap_dialog = None
        self._chain_key: tuple | None = None
        self._chain_serial = 0
        self._open_serial = 0
        self._trust_serial = 0
        self._trust_key: tuple | None = None
        self._import_hosts: tuple[str, ...] | None = None
        self._import_boxes: dict[str, QCheckBox] = {}
        # Which case the page shows: `_case_serial` moves on when another case is opened or
        # started (not when this one is edited or saved under another name). A worker's
        # result carries the serial it started under and is dropped if it moved on.
        self._case_serial = 0
        self._case_path = controller.path
        self._case_seen = controller.case

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(self.scroll)
        body = QWidget(self.scroll)
        self.body = body
        layout = QVBoxLayout(body)
        self.scroll.setWidget(body)

        self._build_plan(body, layout)
        layout.addWidget(_line(body))
        self._build_export(body, layout)
        layout.addWidget(_line(body))
        self._build_import(body, layout)
        layout.addWidget(_line(body))
        self._build_verify(body, layout)
        layout.addWidget(_line(body))
        self._build_update(body, layout)
        layout.addStretch(1)

        self._plan_timer = QTimer(self)
        self._plan_timer.setSingleShot(True)
        self._plan_timer.setInterval(PLAN_DELAY_MS)
        self._plan_timer.timeout.connect(self._read_case_chain)
        self._wait_timer = QTimer(self)
        self._wait_timer.setInterval(WAIT_REFRESH_MS)
        self._wait_timer.timeout.connect(self._show_wait)

        controller.caseChanged.connect(self._case_changed)
        controller.anchorsReady.connect(self._anchors_ready)
        self._case_changed()
        self._read_case_chain()

    # ------------------------------------------------------------ building
    def _build_plan(self, body: QWidget, layout: QVBoxLayout) -> None:
        layout.addWidget(_heading("1. Plan: does the certificate cover every name?", body))
        self.plan_source = plain_label("", body)
        self.plan_source.setAccessibleName("Plan source")
        layout.addWidget(self.plan_source)
        self.plan = RowList("Certificate covers every name?", body)
        layout.addWidget(self.plan)

    def _build_export(self, body: QWidget, layout: QVBoxLayout) -> None:
        layout.addWidget(_heading("2. Export on the primary", body))
        note = plain_label(KEY_STAYS, body)
        note.setAccessibleName("Where the exported file goes")
        layout.addWidget(note)
        self.primary_reason = plain_label("", body)
        self.primary_reason.setAccessibleName("Primary")
        layout.addWidget(self.primary_reason)
        # The vendor's steps as a checklist: each step's words on a checkbox (ticks are
        # the user's notes, not saved), each with its button to the primary's /appliance.
        self.export_steps = QWidget(body)
        self.export_steps.setAccessibleName("Export steps")
        grid = QGridLayout(self.export_steps)
        grid.setContentsMargins(0, 0, 0, 0)
        self.step_boxes: list[QCheckBox] = []
        self.step_buttons: list[QPushButton] = []
        for index, words in enumerate(EXPORT_STEPS):
            # The button first (one column of them, as in step 3), then the box and its
            # words in a label, so that they wrap in a narrow window (a checkbox's own text
            # does not); a click on the words ticks the box all the same.
            button = QPushButton("Open /appliance", self.export_steps)
            button.setAccessibleName(f"Open /appliance on the primary for step {index + 1}")
            button.clicked.connect(self._open_primary)
            grid.addWidget(button, index, 0)
            box = QCheckBox(self.export_steps)
            box.setAccessibleName(words)
            grid.addWidget(box, index, 1)
            label = StepLabel(words, self.export_steps)
            label.setBuddy(box)
            label.clicked.connect(box.click)
            grid.addWidget(label, index, 2)
            self.step_boxes.append(box)
            self.step_buttons.append(button)
        grid.setColumnStretch(2, 1)
        layout.addWidget(self.export_steps)

        self.export_name = plain_label("", body)
        self.export_name.setAccessibleName("Exported PKCS#12 file")
        layout.addWidget(self.export_name)
        self.pkcs12_list = DropList("Exported PKCS#12", body)
        self.pkcs12_list.pathsDropped.connect(self._dropped)
        layout.addWidget(self.pkcs12_list)
        self.export_problem = problem_label(body)
        self.export_problem.setAccessibleName("Export problem")
        layout.addWidget(self.export_problem)

        buttons = QHBoxLayout()
        self.choose_button = QPushButton("Choose exported PKCS#12…", body)
        self.choose_button.setAccessibleName("Choose exported PKCS#12")
        self.choose_button.clicked.connect(self.choose_pkcs12)
        self.again_button = QPushButton("Check it again…", body)
        self.again_button.setAccessibleName("Check the PKCS#12 again")
        self.again_button.setToolTip(
            plain_tooltip("Open the PKCS#12 checked before (its passphrase is needed)")
        )
        self.again_button.clicked.connect(self._check_again)
        self.again_button.hide()
        self.rewrap_button = QPushButton("Re-wrap…", body)
        self.rewrap_button.setAccessibleName("Re-wrap")
        self.rewrap_button.clicked.connect(self.rewrap)
        for button in (self.choose_button, self.again_button, self.rewrap_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.written = plain_label("", body)
        self.written.setAccessibleName("Re-wrapped file")
        self.written.hide()
        layout.addWidget(self.written)

    def _build_import(self, body: QWidget, layout: QVBoxLayout) -> None:
        layout.addWidget(_heading("3. Import on each other appliance", body))
        self.import_note = plain_label(IMPORT_NOTE, body)
        layout.addWidget(self.import_note)
        self.import_rows = QWidget(body)
        self.import_grid = QGridLayout(self.import_rows)
        self.import_grid.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.import_rows)
        self.no_others = plain_label(NO_OTHERS, body)
        self.no_others.setAccessibleName("No other appliance")
        layout.addWidget(self.no_others)
        self.default_note = plain_label(DEFAULT_NOTE, body)
        self.default_note.setAccessibleName("Default certificate")
        layout.addWidget(self.default_note)

    def _build_verify(self, body: QWidget, layout: QVBoxLayout) -> None:
        layout.addWidget(_heading("4. Verify what the appliances serve", body))
        try:
            from bundleguard.gui.verify_panel import VerifyPanel
        except ImportError:
            log.info("bundleguard.gui.verify_panel is not available yet")
            self.verify_panel = None
            layout.addWidget(plain_label("The live check is not available yet.", body))
            return
        self.verify_panel = VerifyPanel(self.controller, body)
        layout.addWidget(self.verify_panel)

    def _build_update(self, body: QWidget, layout: QVBoxLayout) -> None:
        layout.addWidget(_heading("5. Software update", body))
        self.trust_label = plain_label("", body)
        self.trust_label.setAccessibleName("Software update needed")
        layout.addWidget(self.trust_label)
        self.update_box = QWidget(body)
        box = QVBoxLayout(self.update_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(
            plain_label(
                "Send the certificate to support in a bundle (step 4): they build a software "
                "update that makes the clients trust it.",
                self.update_box,
            )
        )
        row = QHBoxLayout()
        self.bundle_button = QPushButton("Go to Bundle && email", self.update_box)
        self.bundle_button.setAccessibleName("Go to Bundle & email")
        self.bundle_button.clicked.connect(self.bundleStepRequested)
        row.addWidget(self.bundle_button)
        self.installed_box = QCheckBox("Vendor update installed", self.update_box)
        self.installed_box.setAccessibleName("Vendor update installed")
        self.installed_box.toggled.connect(self._installed_toggled)
        row.addWidget(self.installed_box)
        row.addStretch(1)
        box.addLayout(row)
        self.wait_label = plain_label("", self.update_box)
        self.wait_label.setAccessibleName("Update wait")
        box.addWidget(self.wait_label)
        layout.addWidget(self.update_box)

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
        case = self.controller.case
        replication = case.replication
        another = self._another_case()
        if another:
            self._case_serial += 1  # what workers started for the last case is dropped
            for box in self.step_boxes:
                box.setChecked(False)
        if self.export is not None and not _same_path(
            replication.exported_pkcs12, self.export.path
        ):
            self._forget_export()  # another case, or another file recorded: not ours any more
        self._show_primary()
        self._show_export()
        self._show_imports()
        key = (tuple(case.files), id(self.controller.anchors))
        if another:
            self.case_chain = None  # the last case's certificate: not this one's
            self._read_case_chain()
            self._check_trust()
        elif key != self._chain_key:
            self._chain_serial += 1  # a read of the files before the change is dropped
            self._plan_timer.start()
        self._show_plan()
        self._show_update()

    def _anchors_ready(self) -> None:
        self._chain_key = None
        self._read_case_chain()
        self._check_trust()

    def _read_case_chain(self) -> None:
        self._plan_timer.stop()
        case = self.controller.case
        anchors = self.controller.anchors
        self._chain_key = (tuple(case.files), id(anchors))
        self._chain_serial += 1
        serial = self._chain_serial
        if not case.files:
            self._case_chain_read(ChainFacts(None, ()))
            return
        task = workers.Task(case_chain, list(case.files), anchors)
        task.signals.done.connect(
            workers.alive(
                self,
                lambda facts: (
                    self._case_chain_read(facts) if serial == self._chain_serial else None
                ),
            )
        )
        task.signals.failed.connect(
            workers.alive(
                self,
                lambda message: (
                    self._plan_failed(message) if serial == self._chain_serial else None
                ),
            )
        )
        workers.start(self.controller.pool, task)

    def _case_chain_read(self, facts: ChainFacts) -> None:
        self.case_chain = facts
        self._show_plan()
        self._check_trust()

    def _plan_failed(self, message: str) -> None:
        self.case_chain = ChainFacts(None, ())
        self._show_plan()
        self.plan_source.setText(f"The certificate files could not be read: {message}")

    # ------------------------------------------------------------ 1. plan
    def _leaf(self) -> tuple[x509.Certificate | None, str]:
        """The certificate to plan with, and where it comes from."""
        if self.export is not None and self.export.report.certificate is not None:
            return (
                self.export.report.certificate,
                f"Checked with the certificate in {visible(self.export.name)} (the exported "
                "PKCS#12).",
            )
        if self.case_chain is not None and self.case_chain.leaf is not None:
            return self.case_chain.leaf, "Checked with the certificate files of step 2."
        return None, ""

    def _source_chain(self) -> tuple[x509.Certificate, ...]:
        if self.export is not None and self.export.chain:
            return self.export.chain
        if self.case_chain is not None:
            return self.case_chain.chain
        return ()

    def _show_plan(self) -> None:
        from bundleguard.case.replication import coverage_rows

        leaf, source = self._leaf()
        if leaf is None:
            if self.case_chain is None and self.controller.case.files:
                self.plan_source.setText("Reading the certificate files…")
            else:
                self.plan_source.setText(NO_LEAF)
            self.plan.clear()
            self.plan.hide()
            return
        self.plan_source.setText(source)
        try:
            rows = coverage_rows(self.controller.case, leaf)
        except BundleGuardError as error:  # a name still being typed, say
            self.plan.show_text(f"The names cannot be checked yet: {error}")
        else:
            self.plan.show_rows(rows)
        self.plan.show()

    # ------------------------------------------------------------ 2. export
    def _show_primary(self) -> None:
        primary = self.controller.case.primary
        host = primary.hostname.strip() if primary is not None else ""
        problem = hostname_problem(host) if host else None
        if not host:
            reason = "The case has no primary hostname yet (add it in step 1)."
        elif problem:
            reason = f"The primary's hostname cannot be opened: {problem}"
        else:
            reason = ""
        tip = plain_tooltip(reason or f"Opens {widgets.appliance_url(host)} in the browser.")
        for button in self.step_buttons:
            button.setEnabled(not reason)
            button.setToolTip(tip)
        self.primary_reason.setText(reason or f"The primary is {visible(host)}.")

    def _open_primary(self) -> None:
        primary = self.controller.case.primary
        host = primary.hostname.strip() if primary is not None else ""
        if host and hostname_problem(host) is None:
            widgets.open_url(widgets.appliance_url(host))

    def choose_pkcs12(self) -> None:
        start = ""
        saved = self.controller.case.replication.exported_pkcs12
        if saved:
            start = str(Path(saved).parent)
        name, _ = QFileDialog.getOpenFileName(
            self, "Choose the exported PKCS#12", start, PKCS12_FILTER
        )
        if name:
            self.add_pkcs12(Path(name))

    def _dropped(self, paths: list[Path]) -> None:
        wanted = [p for p in paths if p.suffix.lower() in PKCS12_SUFFIXES] or paths
        self.add_pkcs12(wanted[0])

    def _check_again(self) -> None:
        saved = self.controller.case.replication.exported_pkcs12
        if saved:
            self.add_pkcs12(Path(saved))

    def add_pkcs12(self, path: Path) -> workers.TaskSignals:
        """Open the exported PKCS#12 at `path`: first without a passphrase, then asking."""
        return self._open(Path(path), None, self._case_serial)

    def _current(self, serial: int, case: int) -> bool:
        """Whether a check started as `serial` for the case `case` still is the page's:
        the last one started, and no other case opened or started since."""
        return serial == self._open_serial and case == self._case_serial

    def _open(self, path: Path, passphrase: bytes | None, case: int) -> workers.TaskSignals:
        self._open_serial += 1
        serial = self._open_serial
        show_problem(self.export_problem, None)
        self.export_name.setText(f"Checking {visible(path.name)}…")
        task = workers.Task(open_export, path, passphrase, self.controller.anchors)
        passphrase = None
        task.signals.done.connect(
            workers.alive(
                self,
                lambda result: (
                    self._opened(path, result, case) if self._current(serial, case) else None
                ),
            )
        )
        task.signals.failed.connect(
            workers.alive(
                self,
                lambda message: (
                    self._open_failed(path, message) if self._current(serial, case) else None
                ),
            )
        )
        return workers.start(self.controller.pool, task)

    def _open_failed(self, path: Path, message: str) -> None:
        self._show_export()
        show_problem(self.export_problem, f"{path.name} cannot be checked: {message}")

    def _opened(self, path: Path, result: ExportFacts | NeedsPassphrase, case: int) -> None:
        if isinstance(result, NeedsPassphrase):
            self._show_export()
            problem = f"{result.message} Try again." if result.wrong else ""
            self._ask_passphrase(path, problem, case)
            return
        self.export = result
        replication = dataclasses.replace(
            self.controller.case.replication,
            exported_pkcs12=result.path,
            exported_fingerprint=result.fingerprint,
        )
        self.controller.update(replication=replication)
        self._hand_to_panel()
        self._show_export()
        self._show_plan()
        self._check_trust()

    def _ask_passphrase(self, path: Path, problem: str, case: int) -> None:
        from bundleguard.gui.passphrase import PassphraseDialog

        dialog = PassphraseDialog(
            path.name, self, problem=problem, purpose="to check it", action="Check"
        )
        self.passphrase_dialog = dialog
        dialog.finished.connect(
            lambda result: self._passphrase_answered(dialog, path, result, case)
        )
        dialog.open()

    def _passphrase_answered(self, dialog, path: Path, result: int, case: int) -> None:
        from bundleguard.gui.passphrase import PassphraseDialog

        self.passphrase_dialog = None
        try:
            # Asked for the case of then: if another case was opened since, it is not
            # opened into this one.
            if result == PassphraseDialog.DialogCode.Accepted and case == self._case_serial:
                self._open(path, dialog.take(), case)
        finally:
            dialog.clear()
            dialog.deleteLater()

    def _hand_to_panel(self) -> None:
        panel = self.verify_panel
        if panel is None or not hasattr(panel, "set_expected"):
            return
        if self.export is None or not self.export.chain:
            panel.set_expected(None)
            return
        from bundleguard.probe.expected import ExpectedChain

        panel.set_expected(ExpectedChain(self.export.chain, source=self.export.name))

    def _forget_export(self) -> None:
        self.export = None
        self.written.hide()
        self._hand_to_panel()
        self._check_trust()

    def _show_export(self) -> None:
        replication = self.controller.case.replication
        export = self.export
        if export is not None:
            from bundleguard.case.replication import pkcs12_rows

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
            name = visible(Path(replication.exported_pkcs12).name)
            fingerprint = replication.exported_fingerprint or "none recorded"
            self.export_name.setText(
                f"Checked before: {name}\nSHA-256 {fingerprint}\nIts passphrase is needed "
                "to check it again: press “Check it again” or drop it here."
            )
            self.pkcs12_list.show_text(DROP_HINT)
            self.again_button.setVisible(Path(replication.exported_pkcs12).is_file())
        else:
            self.export_name.setText("No exported PKCS#12 yet.")
            self.pkcs12_list.show_text(DROP_HINT)
            self.again_button.hide()
        opened = export is not None
        self.rewrap_button.setEnabled(opened)
        self.rewrap_button.setToolTip(
            plain_tooltip(
                "Write a new PKCS#12 under a new passphrase (AES-256 by default)"
                if opened
                else "Open the exported PKCS#12 first (drop it above or choose it): "
                "re-wrapping needs its passphrase."
            )
        )

    def rewrap(self) -> None:
        if self.export is None:
            return
        try:
            from bundleguard.gui.rewrap_dialog import RewrapDialog
        except ImportError:
            show_problem(self.export_problem, "Re-wrapping is not available yet.")
            return
        case = self.controller.case
        forbidden = tuple(
            p for p in (Path(case.output) if case.output else None, self.controller.files_dir) if p
        )
        dialog = RewrapDialog(
            Path(self.export.path), forbidden=forbidden, pool=self.controller.pool, parent=self
        )
        self.rewrap_dialog = dialog
        dialog.written.connect(self._written)
        dialog.finished.connect(lambda _result: self._rewrap_closed(dialog))
        dialog.open()

    def _rewrap_closed(self, dialog) -> None:
        if self.rewrap_dialog is dialog:
            self.rewrap_dialog = None
        dialog.deleteLater()

    def _written(self, path: str) -> None:
        self.written.setText(WRITTEN.format(path=visible(path)))
        self.written.show()

    # ------------------------------------------------------------ 3. import
    def _others(self) -> tuple[str, ...]:
        from bundleguard.roles import Role

        hosts: list[str] = []
        for entry in self.controller.case.appliances:
            host = entry.hostname.strip()
            if entry.role in (Role.BACKUP, Role.NODE) and host and host not in hosts:
                hosts.append(host)
        return tuple(hosts)

    def _show_imports(self) -> None:
        hosts = self._others()
        if hosts != self._import_hosts:
            self._import_hosts = hosts
            self._import_boxes = {}
            while self.import_grid.count():
                item = self.import_grid.takeAt(0)
                if item.widget() is not None:
                    item.widget().deleteLater()
            for row, host in enumerate(hosts):
                self._import_row(row, host)
            self.import_grid.addItem(
                QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum), 0, 3
            )
            self.import_grid.setColumnStretch(3, 1)
        imported = set(self.controller.case.replication.imported)
        for host, box in self._import_boxes.items():
            box.blockSignals(True)
            box.setChecked(host in imported)
            box.blockSignals(False)
        self.import_rows.setVisible(bool(hosts))
        self.import_note.setVisible(bool(hosts))
        self.no_others.setVisible(not hosts)

    def _import_row(self, row: int, host: str) -> None:
        parent = self.import_rows
        self.import_grid.addWidget(plain_label(visible(host), parent, wrap=False), row, 0)
        button = QPushButton(f"Open /appliance on {visible(host)}", parent)
        button.setAccessibleName(f"Open /appliance on {visible(host)}")
        problem = hostname_problem(host)
        button.setEnabled(problem is None)
        button.setToolTip(plain_tooltip(problem or widgets.appliance_url(host)))
        button.clicked.connect(
            lambda _=False, host=host: widgets.open_url(widgets.appliance_url(host))
        )
        self.import_grid.addWidget(button, row, 1, Qt.AlignmentFlag.AlignLeft)
        box = QCheckBox("Imported", parent)
        box.setAccessibleName(f"{visible(host)}: imported")
        box.toggled.connect(lambda checked, host=host: self._imported_toggled(host, checked))
        self.import_grid.addWidget(box, row, 2)
        self._import_boxes[host] = box

    def _imported_toggled(self, host: str, checked: bool) -> None:
        replication = self.controller.case.replication
        imported = [h for h in replication.imported if h != host]
        if checked:
            imported.append(host)
        self.controller.update(
            replication=dataclasses.replace(replication, imported=tuple(imported))
        )

    # ------------------------------------------------------------ 5. software update
    def _check_trust(self) -> None:
        chain = self._source_chain()
        anchors = self.controller.anchors
        key = (tuple(id(c) for c in chain), id(anchors))
        if key == self._trust_key:
            return
        self._trust_key = key
        self._trust_serial += 1
        serial = self._trust_serial
        self.trust = None
        self._show_update()
        if not chain or anchors is None:
            return
        task = workers.Task(judge_trust, chain, anchors)
        task.signals.done.connect(
            workers.alive(
                self,
                lambda trust: self._trust_judged(trust) if serial == self._trust_serial else None,
            )
        )
        task.signals.failed.connect(
            workers.alive(
                self,
                lambda message: (
                    self.trust_label.setText(message) if serial == self._trust_serial else None
                ),
            )
        )
        workers.start(self.controller.pool, task)

    def _trust_judged(self, trust: TrustReport) -> None:
        self.trust = trust
        self._show_update()

    def _show_update(self) -> None:
        installed = self.controller.case.replication.vendor_update_installed
        trust = self.trust
        if trust is not None:
            text = trust_answer(trust)
        elif not self._source_chain():
            text = (
                "Software update needed: not known yet — add the certificate files in step 2 "
                "or open the exported PKCS#12 above."
            )
        else:
            text = "Software update needed: checking the trusted roots…"
        self.trust_label.setText(text)
        needed = trust is not None and trust.needs_software_update
        self.update_box.setVisible(needed or bool(installed))
        self.installed_box.blockSignals(True)
        self.installed_box.setChecked(bool(installed))
        self.installed_box.blockSignals(False)
        self._show_wait()
        if installed and self.isVisible():
            self._wait_timer.start()
        else:
            self._wait_timer.stop()

    def _installed_toggled(self, checked: bool) -> None:
        stamp = dt.datetime.now(dt.UTC).isoformat() if checked else ""
        replication = self.controller.case.replication
        self.controller.update(
            replication=dataclasses.replace(replication, vendor_update_installed=stamp)
        )

    def _show_wait(self) -> None:
        from bundleguard.case.replication import update_wait

        installed = self.controller.case.replication.vendor_update_installed
        if not installed:
            self.wait_label.setText(NOT_INSTALLED)
            return
        self.wait_label.setText(update_wait(installed) or HAD_TIME)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.controller.case.replication.vendor_update_installed:
            self._show_wait()
            self._wait_timer.start()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self._wait_timer.stop()


def _same_path(a: str, b: str) -> bool:
    return (
        bool(a)
        and bool(b)
        and os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))
    )


__all__ = ["ReplicatePage"]
