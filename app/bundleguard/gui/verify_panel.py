"""The Replicate step's Verify: probe every appliance of the case over live TLS, show the grid.

"Verify appliances" runs the core's `probe_case` in a worker (per-appliance timeout from
the spin box, the controller's trust anchors, the exported PKCS#12's certificates when the
page gave them) and turns the report into the core's `verification_grid` there too: the
GUI only renders it. Progress counts appliances; "Cancel verification" stops every check
within a fraction of a second. The table shows appliances x checks, each cell an icon and
a word (never colour alone) with the cell's accessible text and the failure as tooltip;
"What differs" lists every failure in plain words. The result is saved into the case;
when there is no fresh result, the last saved one is shown with when it was checked.
Everything an appliance sent is shown as plain text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6 import QtGui
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bundleguard.case.replication import Check, Status, VerificationGrid
from bundleguard.errors import InputError
from bundleguard.gui.widgets import plain_label, problem_colour
from bundleguard.gui.workers import Cancel, Task, TaskSignals, start

if TYPE_CHECKING:
    from bundleguard.case.model import Case, Verification
    from bundleguard.certs.anchors import TrustAnchors
    from bundleguard.probe.expected import ExpectedChain

DEFAULT_TIMEOUT = 5.0
WORDS = {Status.PASS: "pass", Status.FAIL: "fail", Status.WARN: "warn", None: "n/a"}
ICONS = {
    Status.PASS: QStyle.StandardPixmap.SP_DialogApplyButton,
    Status.FAIL: QStyle.StandardPixmap.SP_MessageBoxCritical,
    Status.WARN: QStyle.StandardPixmap.SP_MessageBoxWarning,
}  # "n/a" has no icon: it is neither good nor bad news
DIFFERS_LINES = 8


# --------------------------------------------------------------------------- worker side
# These run in a pool thread: no widget is touched, only values come back.


def appliance_count(case: Case) -> int:
    """How many appliances a check of `case` probes; `InputError` (in plain words) when
    the case cannot be checked: no site, no appliance, a malformed name or address."""
    from bundleguard.case.probing import case_site, case_targets

    case_site(case)
    return len(case_targets(case))


def verify_case(
    case: Case,
    timeout: float,
    expected: ExpectedChain | None,
    anchors: TrustAnchors | None,
    *,
    cancel: Cancel,
    progress: Callable[[int, int, str], None],
) -> VerificationGrid:
    """Probe every appliance of `case` and judge the result as the grid the panel shows."""
    from bundleguard.case.probing import probe_case
    from bundleguard.case.replication import verification_grid
    from bundleguard.certs.describe import fingerprint_sha256

    report = probe_case(
        case,
        timeout=timeout,
        expected=expected,
        cancel=cancel,  # type: ignore[arg-type]  # has is_set()/set() as the probe needs
        progress=lambda done, total, appliance: progress(done, total, appliance.target.name),
        anchors=anchors,
    )
    exported = fingerprint_sha256(expected.certificates[0]) if expected is not None else None
    return verification_grid(report, case, exported)


# --------------------------------------------------------------------------- texts


def differences_text(grid: VerificationGrid) -> str:
    """Every failure of the grid, one sentence a line: "HOST — CHECK: what differs"."""
    return "\n".join(
        f"{cell.host} — {cell.check.value}: {cell.detail}".rstrip(": ") for cell in grid.failures
    )


def checked_at_words(iso: str) -> str:
    """When a saved check was made, in the user's local time (the saved text as it is when
    it cannot be read)."""
    try:
        moment = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z").strip()


def plain_tooltip(text: str) -> str:
    """A tooltip that shows `text` as it is: Qt would take a tooltip that looks like HTML
    for rich text, and a server's names and messages are untrusted."""
    return QtGui.Qt.convertFromPlainText(text, Qt.WhiteSpaceMode.WhiteSpaceNormal)


def _header(check: Check) -> str:
    """A column title on two lines (the words are long; the grid has nine columns)."""
    words = check.value.split(" ")
    if len(words) < 2:
        return check.value
    half = (len(words) + 1) // 2
    return " ".join(words[:half]) + "\n" + " ".join(words[half:])


# --------------------------------------------------------------------------- the panel


class VerifyPanel(QWidget):
    """Verify appliances: run the live check, show the grid and what differs, save it."""

    verified = Signal(object)  # the VerificationGrid of a finished run

    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self._expected: ExpectedChain | None = None
        self._grid: VerificationGrid | None = None
        self._saved: Verification | None = None
        self._cancel: Cancel | None = None
        self._signals: TaskSignals | None = None
        self._started_path = None

        intro = plain_label(
            "Checks what every appliance of the case really serves, over live TLS: the site "
            "name, its own name and clients without a name (SNI), the chain, the names, the "
            "dates, and whether all serve the same certificate as the primary."
        )
        self.timeout = QDoubleSpinBox()
        self.timeout.setAccessibleName("Timeout (seconds)")
        self.timeout.setToolTip("How long one appliance may take for all its checks")
        self.timeout.setRange(0.5, 120.0)
        self.timeout.setDecimals(1)
        self.timeout.setSingleStep(1.0)
        self.timeout.setValue(DEFAULT_TIMEOUT)
        self.timeout.setSuffix(" s")
        timeout_label = QLabel("Timeout per &appliance:")
        timeout_label.setBuddy(self.timeout)

        self.verify_button = QPushButton("Verify appliances")
        self.verify_button.setAccessibleName("Verify appliances")
        self.verify_button.setToolTip("Connect to every appliance of the case and compare them")
        self.verify_button.clicked.connect(self.verify)
        self.cancel_button = QPushButton("Cancel verification")
        self.cancel_button.setAccessibleName("Cancel verification")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.hide()
        controls = QHBoxLayout()
        controls.addWidget(timeout_label)
        controls.addWidget(self.timeout)
        controls.addWidget(self.verify_button)
        controls.addWidget(self.cancel_button)
        controls.addStretch(1)

        self.progress = QProgressBar()
        self.progress.setAccessibleName("Verification progress")
        self.progress.hide()
        self.status = plain_label()
        self.status.setAccessibleName("Verification status")
        self.summary = plain_label()
        self.summary.setAccessibleName("Verification summary")
        font = self.summary.font()
        font.setBold(True)
        self.summary.setFont(font)

        self.table = QTableWidget(0, len(Check))
        self.table.setAccessibleName("Verification results")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        self.table.setWordWrap(False)
        # As tall and wide as its rows and columns, no more (the page scrolls, not the grid).
        self.table.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Maximum)
        for column, check in enumerate(Check):
            header = QTableWidgetItem(_header(check))
            header.setToolTip(check.value)
            header.setData(Qt.ItemDataRole.AccessibleTextRole, check.value)
            self.table.setHorizontalHeaderItem(column, header)
        # Sized once per result (sizing to contents on every change costs 2 ms a row).
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(
            max(self.table.fontMetrics().height(), self.table.iconSize().height(), 16) + 6
        )
        self.table.hide()

        self.differs_label = QLabel("What differs:")
        self.differs = QPlainTextEdit()
        self.differs.setReadOnly(True)
        self.differs.setAccessibleName("What differs")
        self.differs.setPlaceholderText("Nothing differs: every check passed.")
        self.differs.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        self.differs.setMaximumHeight(
            self.differs.fontMetrics().lineSpacing() * DIFFERS_LINES
            + 2 * self.differs.frameWidth()
            + 8
        )
        self.differs_label.setBuddy(self.differs)
        self.differs_label.hide()
        self.differs.hide()

        self.saved_text = QPlainTextEdit()
        self.saved_text.setReadOnly(True)
        self.saved_text.setAccessibleName("Saved verification")
        self.saved_text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.saved_text.setMinimumHeight(self.saved_text.fontMetrics().lineSpacing() * 14)
        self.saved_text.hide()

        self.copy_button = QPushButton("Copy results")
        self.copy_button.setAccessibleName("Copy results")
        self.copy_button.setToolTip("Copy the results as text, to paste into a ticket or an email")
        self.copy_button.setEnabled(False)
        self.copy_button.clicked.connect(self.copy_results)
        self.copy_status = plain_label()
        self.copy_status.setAccessibleName("Copy outcome")
        copy_row = QHBoxLayout()
        copy_row.addWidget(self.copy_button)
        copy_row.addWidget(self.copy_status, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(intro)
        layout.addLayout(controls)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        layout.addWidget(self.differs_label)
        layout.addWidget(self.differs)
        layout.addWidget(self.saved_text)
        layout.addLayout(copy_row)
        layout.addStretch(1)

        controller.caseChanged.connect(self._case_changed)
        self._show_saved(controller.case.replication.verification)

    # ----------------------------------------------------------------- the page's API

    def set_expected(self, expected: ExpectedChain | None) -> None:
        """The exported PKCS#12's certificates (leaf first) every appliance should serve;
        None: compare with the fingerprint recorded in the case, if any."""
        self._expected = expected

    @property
    def busy(self) -> bool:
        return self._cancel is not None

    @property
    def grid(self) -> VerificationGrid | None:
        """The grid of the last run in this window (None: none yet, or another case)."""
        return self._grid

    def verify(self) -> TaskSignals | None:
        """Start checking every appliance of the case (as the button does); the task's
        signals, or None when it did not start (already running, or the case says why)."""
        if self.busy:
            return None
        case = self.controller.case
        try:
            total = appliance_count(case)
        except InputError as error:
            self.status.setText(f"Nothing was checked: {error}")
            return None
        self.copy_status.setText("")
        self.status.setText(
            f"Checking {total} appliance{'s' if total != 1 else ''}, at most "
            f"{self.timeout.value():g} s each…"
        )
        self._set_progress(0, total, "")
        self.progress.show()
        self.verify_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.cancel_button.show()
        self._started_path = self.controller.path
        task = Task(
            verify_case, case, float(self.timeout.value()), self._expected, self.controller.anchors
        )
        self._cancel = task.cancel
        signals = task.signals
        signals.progress.connect(self._set_progress)
        signals.done.connect(self._verified)
        signals.failed.connect(self._failed)
        signals.cancelled.connect(self._cancelled)
        self._signals = start(self.controller.pool, task)
        return self._signals

    def cancel(self) -> None:
        """Stop the running check (every appliance within a fraction of a second)."""
        if self._cancel is not None:
            self._cancel.set()
            self.cancel_button.setEnabled(False)
            self.status.setText("Cancelling…")

    # ----------------------------------------------------------------- the worker's reports

    def _set_progress(self, done: int, total: int, host: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        text = f"{done} of {total} checked" + (f" — {host}" if host else "")
        self.progress.setFormat(text.replace("%", "%%"))

    def _end(self) -> None:
        self._cancel = None
        self.progress.hide()
        self.cancel_button.hide()
        self.verify_button.setEnabled(True)

    def _verified(self, grid: VerificationGrid) -> None:
        self._end()
        if self.controller.path != self._started_path:
            self.status.setText("The case changed while checking: nothing was saved.")
            return
        self._grid = grid
        self._show_grid(grid)
        saved = grid.to_verification()
        self._saved = saved
        self.controller.update(
            replication=dataclasses.replace(self.controller.case.replication, verification=saved)
        )
        self.status.setText(f"Checked at {checked_at_words(saved.checked_at)} (saved in the case).")
        self.verified.emit(grid)

    def _failed(self, message: str) -> None:
        self._end()
        self.status.setText(f"The appliances were not checked: {message}")

    def _cancelled(self) -> None:
        self._end()
        text = "Verification cancelled: nothing was saved."
        if self._saved is not None:
            text += f" Below: the check of {checked_at_words(self._saved.checked_at)}."
        self.status.setText(text)

    # ----------------------------------------------------------------- showing

    def _case_changed(self) -> None:
        saved = self.controller.case.replication.verification
        if self._grid is not None and saved == self._saved:
            return  # another part of the case changed: the fresh grid still stands
        self._grid = None
        self._show_saved(saved)

    def _show_grid(self, grid: VerificationGrid) -> None:
        self.summary.setText(grid.summary)
        self.saved_text.hide()
        self.saved_text.clear()
        table = self.table
        table.setUpdatesEnabled(False)
        table.clearContents()
        table.setRowCount(len(grid.rows))
        table.setVerticalHeaderLabels([grid_row.host for grid_row in grid.rows])
        style = self.style()
        icons = {status: style.standardIcon(pixmap) for status, pixmap in ICONS.items()}
        fail_brush = QBrush(problem_colour(table.palette()))
        for row, grid_row in enumerate(grid.rows):
            for column, check in enumerate(Check):
                cell = grid_row.cell(check)
                item = QTableWidgetItem(WORDS[cell.status])
                if cell.status in icons:
                    item.setIcon(icons[cell.status])
                item.setData(Qt.ItemDataRole.AccessibleTextRole, cell.accessible_text)
                item.setToolTip(plain_tooltip(cell.detail or cell.accessible_text))
                if cell.status is Status.FAIL:
                    item.setForeground(fail_brush)
                table.setItem(row, column, item)
        table.resizeColumnsToContents()
        table.setUpdatesEnabled(True)
        table.show()
        failures = differences_text(grid)
        self.differs.setPlainText(failures)
        self.differs_label.show()
        self.differs.show()
        self.copy_button.setEnabled(True)

    def _show_saved(self, saved: Verification | None) -> None:
        self._saved = saved
        self.table.setRowCount(0)
        self.table.hide()
        self.differs.clear()
        self.differs.hide()
        self.differs_label.hide()
        if saved is None:
            self.summary.setText("")
            self.status.setText("Not checked yet.")
            self.saved_text.clear()
            self.saved_text.hide()
            self.copy_button.setEnabled(False)
            return
        self.summary.setText(saved.summary)
        self.status.setText(
            f"Last checked at {checked_at_words(saved.checked_at)} (saved in the case)."
        )
        self.saved_text.setPlainText(saved.text)
        self.saved_text.setVisible(bool(saved.text))
        self.copy_button.setEnabled(bool(saved.text))

    # ----------------------------------------------------------------- afterwards

    def results_text(self) -> str:
        """What "Copy results" copies: the fresh grid's text, else the saved one's."""
        if self._grid is not None:
            return self._grid.as_text()
        return self._saved.text if self._saved is not None else ""

    def copy_results(self) -> None:
        text = self.results_text()
        if not text:
            return
        QGuiApplication.clipboard().setText(text)
        self.copy_status.setText("The results are on the clipboard.")


__all__ = ["VerifyPanel", "appliance_count", "differences_text", "verify_case"]
