"""The Replicate step's Verify: probe every appliance of the case over live TLS, show the grid.

"Verify appliances" runs the core's `probe_case` in a worker (per-appliance timeout from
the spin box, the controller's trust anchors, the exported PKCS#12's certificates when the
page gave them) and arranges the probe's verdicts as the core's `verification_grid` there
too: the probe judges (the same verdicts `bundleguard probe` exits by), the GUI renders.
Progress counts appliances; "Cancel verification" (and `cancel()`, which the window calls
when it closes) stops every check within a fraction of a second.
The table shows appliances x checks, each cell an icon and a word (never colour alone)
with the cell's accessible text and the failure as tooltip, after a first column with
where each appliance was reached (step 1's Address, or "DNS"); "What differs" lists every
failure in plain words.

The result is saved into the case it was made for. What it depends on (the site, each
appliance's hostname, role and address, the certificate to compare with) is noted when
the check starts: when any of it changed meanwhile, the result is still shown, marked as
being for the case as it was, and not saved (the user waited for it and may learn from
it, but the case must not claim a check of appliances it no longer names). "Save case
as" during a check moves the same case, and the result goes into it at its new path;
when another case was opened meanwhile, the result is dropped. When there is no fresh
result, the last saved one is shown with when it was checked. Everything an appliance
sent is shown as plain text.

The secret guard judges what an appliance sent before it is shown, saved or copied
(`bundleguard.case.texts`): when a certificate served carries private key material, the
grid leaves the names and messages out and the status says why; a result that would
still hold key material is neither saved nor copied (the window says so, and nothing is
put on the clipboard); a saved result that holds some is not shown (the case reader
drops its texts, and the panel judges again before showing or copying).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

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

from bundleguard.case.model import case_key, verification_is_current
from bundleguard.case.replication import Check, Status, VerificationGrid
from bundleguard.case.steps import Step
from bundleguard.case.texts import (
    RESULTS_DROPPED,
    KeyMaterialError,
    checked,
    stored_verification,
)
from bundleguard.errors import InputError
from bundleguard.gui.widgets import plain_label, plain_tooltip, problem_colour, visible_lines
from bundleguard.gui.workers import Cancel, Task, TaskSignals, start
from bundleguard.text import visible

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
ADDRESS = "address"  # the first column: where each appliance was reached
STALE = (
    "These results are for the case as it was when the check started; verify again. "
    "They were not saved in the case."
)
DROPPED = "The case changed while checking: nothing was saved."
OUTDATED = (
    "Checked at {when}, for the case as it was then: the site or the appliances have "
    "changed since. Verify again."
)


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
    """Probe every appliance of `case` (the probe judges each check, as for `bundleguard
    probe`) and arrange its verdicts as the grid the panel shows."""
    from bundleguard.case.probing import probe_case
    from bundleguard.case.replication import verification_grid

    report = probe_case(
        case,
        timeout=timeout,
        expected=expected,
        cancel=cancel,  # type: ignore[arg-type]  # has is_set()/set() as the probe needs
        progress=lambda done, total, appliance: progress(done, total, appliance.target.name),
        anchors=anchors,
    )
    return verification_grid(report, case)


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


ZERO_WIDTH_SPACE = "\u200b"


def breakable(text: str) -> str:
    """`text` with a line-break chance after each colon: a label wraps only between words,
    and a SHA-256 fingerprint is one 95-character word that would widen the whole page."""
    return visible_lines(text).replace(":", ":" + ZERO_WIDTH_SPACE)  # escapes first


def _header(check: Check) -> str:
    """A column title on two lines (the words are long; the grid has ten columns)."""
    words = check.value.split(" ")
    if len(words) < 2:
        return check.value
    half = (len(words) + 1) // 2
    return " ".join(words[:half]) + "\n" + " ".join(words[half:])


# --------------------------------------------------------------------------- a run
# Noted in the GUI thread when a check starts, compared when its result arrives.


def check_inputs(case: Case, expected: ExpectedChain | None) -> tuple:
    """What the result of checking `case` depends on: the case as `case_key` sees it (the
    site, each appliance's hostname, role and address, in order), and the certificate the
    appliances are compared with (the exported PKCS#12's when the page gave it, else the
    fingerprint recorded in the case)."""
    compared = expected if expected is not None else case.replication.exported_fingerprint
    return (case_key(case), compared)


def reached_at(case: Case) -> dict[str, tuple[str, str]]:
    """For each appliance the probe names (its normalised hostname): the address column's
    word ("HOST:PORT" of step 1's Address, or "DNS") and a sentence for its tooltip."""
    from bundleguard.case.probing import case_targets

    reached = {}
    for target in case_targets(case):
        if target.address:
            words = (
                target.endpoint,
                f"Reached at {target.endpoint}: the Address of step {Step.CASE.number}.",
            )
        else:
            words = ("DNS", f"Reached by its name, looked up in DNS, on port {target.port}.")
        reached[target.name] = words
    return reached


@dataclasses.dataclass
class _Run:
    """A check under way: the case it is for (its path, followed through "Save case as"),
    what its result depends on, and where each appliance is reached."""

    path: object
    inputs: tuple
    reached: dict[str, tuple[str, str]]


# --------------------------------------------------------------------------- the panel


class VerifyPanel(QWidget):
    """Verify appliances: run the live check, show the grid and what differs, save it."""

    # The VerificationGrid of a finished run, once shown (saved into the case too unless
    # the case changed meanwhile: see the module's docstring).
    verified = Signal(object)

    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self._expected: ExpectedChain | None = None
        self._grid: VerificationGrid | None = None
        self._saved: Verification | None = None
        self._cancel: Cancel | None = None
        self._signals: TaskSignals | None = None
        self._run: _Run | None = None
        self._reached: dict[str, tuple[str, str]] = {}  # of the grid shown
        # The case and its path as the last `caseChanged` left them (to tell a "Save case
        # as" — the same case at a new path — from another case opened).
        self._seen_path = controller.path
        self._seen_case = controller.case

        intro = plain_label(
            "Checks what every appliance of the case really serves, over live TLS: the site "
            "name, its own name and clients without a name (SNI), the chain, the names, the "
            "dates, and whether all serve the same certificate as the primary."
        )
        addresses = plain_label(
            f"Each appliance is reached at the address in step {Step.CASE.number}'s Address "
            "column (an override for an appliance not reachable by its name), else by its "
            "name in DNS."
        )
        addresses.setAccessibleName("Where appliances are reached")
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

        self.table = QTableWidget(0, 1 + len(Check))
        self.table.setAccessibleName("Verification results")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        self.table.setWordWrap(False)
        # As tall and wide as its rows and columns, no more (the page scrolls, not the grid).
        self.table.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Maximum)
        header = QTableWidgetItem(ADDRESS)
        header.setToolTip(
            f"Where the appliance was reached: the Address of step {Step.CASE.number}, or DNS"
        )
        header.setData(Qt.ItemDataRole.AccessibleTextRole, ADDRESS)
        self.table.setHorizontalHeaderItem(0, header)
        for column, check in enumerate(Check, start=1):
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
        layout.addWidget(addresses)
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
        if self.busy or getattr(self.controller, "shut_down", False):
            return None  # (after shutdown the window is closing: nothing new starts)
        case = self.controller.case
        try:
            total = appliance_count(case)
            reached = reached_at(case)
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
        self._run = _Run(self.controller.path, check_inputs(case, self._expected), reached)
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
        """Stop the running check (every appliance within a fraction of a second); nothing
        happens when none runs. The window calls it when it closes."""
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
        self._run = None
        self.progress.hide()
        self.cancel_button.hide()
        self.verify_button.setEnabled(True)

    def _verified(self, grid: VerificationGrid) -> None:
        run = self._run
        self._end()
        if run is None or self.controller.path != run.path:
            self.status.setText(DROPPED)  # another case is open: not this result's place
            return
        self._grid = grid
        self._reached = run.reached
        self._show_grid(grid)
        if check_inputs(self.controller.case, self._expected) != run.inputs:
            self.status.setText(STALE)
            self.verified.emit(grid)
            return
        try:
            saved = grid.to_verification()
        except KeyMaterialError as error:
            self.status.setText(f"{error} Nothing of them is in the case.")
            self.verified.emit(grid)
            return
        self._saved = saved
        self.controller.update(
            replication=dataclasses.replace(self.controller.case.replication, verification=saved)
        )
        when = f"Checked at {checked_at_words(saved.checked_at)} (saved in the case)."
        self.status.setText(f"{when} {grid.withheld}" if grid.withheld else when)
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
        path, case = self.controller.path, self.controller.case
        run = self._run
        moved = path != self._seen_path and case == self._seen_case  # "Save case as"
        if moved and run is not None and run.path == self._seen_path:
            run.path = path  # the same case, now there: its result goes there
        self._seen_path, self._seen_case = path, case
        saved = case.replication.verification
        if self._grid is not None and saved == self._saved:
            # Another part of the case changed: the fresh grid stands, unless it is now
            # about a case that is no longer what it was checked for.
            if verification_is_current(case) is False:
                self.status.setText(OUTDATED.format(when=checked_at_words(saved.checked_at)))
            return
        self._grid = None
        self._show_saved(saved)

    def _show_grid(self, grid: VerificationGrid) -> None:
        self.summary.setText(breakable(grid.summary))
        self.saved_text.hide()
        self.saved_text.clear()
        table = self.table
        table.setUpdatesEnabled(False)
        table.clearContents()
        table.setRowCount(len(grid.rows))
        style = self.style()
        icons = {status: style.standardIcon(pixmap) for status, pixmap in ICONS.items()}
        fail_brush = QBrush(problem_colour(table.palette()))
        for row, grid_row in enumerate(grid.rows):
            word, sentence = self._reached.get(grid_row.host, ("", ""))
            header = QTableWidgetItem(visible(grid_row.host))
            header.setToolTip(plain_tooltip(f"{grid_row.host}: {sentence}".rstrip(": ")))
            table.setVerticalHeaderItem(row, header)
            item = QTableWidgetItem(word)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{grid_row.host}: {ADDRESS}: {word}")
            item.setToolTip(plain_tooltip(sentence or word))
            table.setItem(row, 0, item)
            for column, check in enumerate(Check, start=1):
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
        if saved is not None:
            judged = stored_verification(saved)
            if judged is not saved:  # (the reader drops such texts; a case may come otherwise)
                self.controller.update(
                    replication=dataclasses.replace(
                        self.controller.case.replication, verification=judged
                    )
                )
                return  # the update shows it
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
        self.summary.setText(breakable(saved.summary))
        if saved.summary.startswith(RESULTS_DROPPED):
            self.status.setText(
                f"The results saved on {checked_at_words(saved.checked_at)} are not shown."
            )
        elif verification_is_current(self.controller.case) is False:
            self.status.setText(OUTDATED.format(when=checked_at_words(saved.checked_at)))
        else:
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
        """Put the results on the clipboard, unless they hold key material (then say why,
        and leave the clipboard as it was)."""
        text = self.results_text()
        if not text:
            return
        try:
            checked(text, "The results were not copied")
        except KeyMaterialError as error:
            self.copy_status.setText(f"{error} Nothing was put on the clipboard.")
            return
        QGuiApplication.clipboard().setText(text)
        if self._grid is not None and self._grid.withheld:
            self.copy_status.setText(
                "The results are on the clipboard, without the names and messages the "
                "appliances sent: a certificate served carries private key material."
            )
        else:
            self.copy_status.setText("The results are on the clipboard.")


__all__ = ["VerifyPanel", "appliance_count", "differences_text", "verify_case"]
