"""The Replicate step's Verify: probe every appliance of the case over live TLS, show the grid.

"Verify appliances" runs the core's `probe_case` in a worker (per-appliance timeout from
the spin box, the controller's trust anchors, the exported PKCS#12's certificates when the
page gave them) and arranges the probe's verdicts as the core's `verification_grid` there
too: the probe judges (the same verdicts `bundleguard probe` exits by), the GUI renders.
Progress counts appliances; "Cancel verification" (and `cancel()`, which the window calls
when it closes) stops every check within a fraction of a second.
The table shows the checks as rows and the appliances as columns (one to six: a primary,
a backup, traffic nodes), each cell an icon and a word (never colour alone) with the
cell's accessible text and the failure as tooltip, under a first row with where each
appliance was reached (step 1's Address, or "DNS"). It fits the width the page shows:
the columns share it, a long host name is broken after its dots (and elided past
`NAME_LINES` lines) with the whole name in its tooltip and accessible description, so
no verdict is hidden past a scroll bar; after a check the first failing cell (the one
the summary names) is selected, focused and scrolled into view. "What differs" names
what each appliance serves for the site (subject, issuer, expiry, then the fingerprint),
then every failure in plain words, then what the live check found that no cell shows.

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
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QFontMetrics, QGuiApplication
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
    QScrollArea,
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
    key_material_in,
    stored_verification,
)
from bundleguard.errors import InputError
from bundleguard.gui.widgets import plain_label, plain_tooltip, problem_colour, visible_lines
from bundleguard.gui.workers import Cancel, Task, TaskSignals, start
from bundleguard.text import visible

if TYPE_CHECKING:
    from bundleguard.case.model import Case, Verification
    from bundleguard.certs.anchors import TrustAnchors
    from bundleguard.certs.summary import CertificateSummary
    from bundleguard.probe.expected import ExpectedChain
    from bundleguard.probe.report import ProbeReport

DEFAULT_TIMEOUT = 5.0
WORDS = {Status.PASS: "pass", Status.FAIL: "fail", Status.WARN: "warn", None: "n/a"}
ICONS = {
    Status.PASS: QStyle.StandardPixmap.SP_DialogApplyButton,
    Status.FAIL: QStyle.StandardPixmap.SP_MessageBoxCritical,
    Status.WARN: QStyle.StandardPixmap.SP_MessageBoxWarning,
}  # "n/a" has no icon: it is neither good nor bad news
DIFFERS_LINES = 14
ADDRESS = "address"  # the first row: where each appliance was reached
ADDRESS_ROW = 0
CHECK_ROWS = {check: row for row, check in enumerate(Check, start=1)}
NAME_LINES = 3  # a host name's column title: at most so many lines, then elided
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


@dataclasses.dataclass(frozen=True)
class Served:
    """What one appliance served for the site: its leaf (None: none it could be judged
    by), and whether what came was a damaged certificate rather than nothing."""

    host: str
    leaf: CertificateSummary | None
    damaged: bool = False


def served_for_site(report: ProbeReport) -> tuple[Served, ...]:
    """Each appliance's leaf for the site name, in the report's order (facts the probe
    gathered; nothing judged here)."""
    served = []
    for appliance in report.appliances:
        check = appliance.check_for(report.site)
        ok = check is not None and check.handshake.ok
        leaf = check.leaf if check is not None and ok else None
        served.append(Served(appliance.target.name, leaf, damaged=ok and leaf is None))
    return tuple(served)


@dataclasses.dataclass(frozen=True)
class Verified:
    """A finished check as the worker hands it over: the grid, and "What differs" in
    words already judged by the guard (`differences_text`)."""

    grid: VerificationGrid
    differs: str


def verify_case(
    case: Case,
    timeout: float,
    expected: ExpectedChain | None,
    anchors: TrustAnchors | None,
    *,
    cancel: Cancel,
    progress: Callable[[int, int, str], None],
) -> Verified:
    """Probe every appliance of `case` (the probe judges each check, as for `bundleguard
    probe`) and arrange its verdicts as the grid the panel shows, with what differs."""
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
    grid = verification_grid(report, case)
    return Verified(grid, differences_text(grid, served_for_site(report)))


# --------------------------------------------------------------------------- texts

SERVED_HEADING = "Served for {site}:"
FAILED_HEADING = "Failed checks:"
ALSO_HEADING = "The live check also found:"
SHORT_FINGERPRINT = 11  # "0F:5A:AB:DD": enough to tell two certificates apart
DIFFERS_WITHHELD = (
    "What differs is not shown: it would quote text an appliance sent that holds private "
    "key material ({found})."
)


def served_lines(served: Sequence[Served]) -> list[str]:
    """Each appliance's leaf in words: subject, issuer and expiry ("the same certificate
    as HOST" after the first appliance that serves it). The start of the fingerprint
    follows only where two different certificates read the same: the failures below
    give the whole fingerprints."""
    first: dict[str, str] = {}  # fingerprint -> the first host that served it
    words: dict[str, str] = {}  # fingerprint -> its words
    for each in served:
        leaf = each.leaf
        if leaf is not None and leaf.fingerprint_sha256 not in first:
            first[leaf.fingerprint_sha256] = each.host
            words[leaf.fingerprint_sha256] = (
                f'"{leaf.subject}" issued by "{leaf.issuer}", expires {leaf.not_after:%Y-%m-%d}'
            )
    alike = Counter(words.values())
    lines = []
    for each in served:
        leaf = each.leaf
        if leaf is None:
            what = "a damaged certificate that cannot be read" if each.damaged else "no certificate"
        elif first[leaf.fingerprint_sha256] != each.host:
            what = f"the same certificate as {first[leaf.fingerprint_sha256]}"
        else:
            what = words[leaf.fingerprint_sha256]
            if alike[what] > 1:
                what += f" (SHA-256 {leaf.fingerprint_sha256[:SHORT_FINGERPRINT]}…)"
        lines.append(f"{each.host}: {what}")
    return lines


def differences_text(grid: VerificationGrid, served: Sequence[Served] = ()) -> str:
    """What differs, in plain words (each line through `visible`: a server's newline or
    bidi character is shown, never obeyed): when anything fails, what each appliance serves
    for the site; then every failure, one a line ("HOST — CHECK: why"); then what the live
    check found that no cell shows. "" when nothing fails. When the appliances' words are
    withheld from the grid (`grid.withheld`), the served certificates are not named; when
    the text would still hold key material, one sentence says so instead."""
    if grid.ok:
        return ""
    sections: list[list[str]] = []
    if served and not grid.withheld:
        sections.append([SERVED_HEADING.format(site=grid.site), *served_lines(served)])
    failures = [
        f"{cell.host} — {cell.check.value}: {cell.detail}".rstrip(": ") for cell in grid.failures
    ]
    if failures:
        sections.append([FAILED_HEADING, *failures] if sections else failures)
    if grid.other_problems:
        sections.append([ALSO_HEADING, *grid.other_problems])
    text = "\n\n".join("\n".join(visible(line) for line in lines) for lines in sections)
    found = key_material_in(text)
    if found is not None:
        return DIFFERS_WITHHELD.format(found=found)
    return text


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


_NAME_PIECE = re.compile(r"[^.\-_]*[.\-_]?")


def broken_name(name: str, metrics: QFontMetrics, width: int, lines: int = NAME_LINES) -> str:
    """`name` on lines no wider than `width` pixels: broken after a dot, hyphen or
    underscore (inside a label only when the label alone is too wide), at most `lines`
    lines, the last elided in the middle when more would be needed."""
    width = max(width, metrics.horizontalAdvance("W…W"))
    out: list[str] = []
    current = ""
    for piece in filter(None, _NAME_PIECE.findall(name)):
        if metrics.horizontalAdvance(current + piece) <= width:
            current += piece
            continue
        if current:
            out.append(current)
        while len(piece) > 1 and metrics.horizontalAdvance(piece) > width:
            cut = len(piece) - 1
            while cut > 1 and metrics.horizontalAdvance(piece[:cut]) > width:
                cut -= 1
            out.append(piece[:cut])
            piece = piece[cut:]
        current = piece
    if current or not out:
        out.append(current)
    if len(out) > lines:
        rest = "".join(out[lines - 1 :])
        elided = metrics.elidedText(rest, Qt.TextElideMode.ElideMiddle, width)
        out = [*out[: lines - 1], elided]
    return "\n".join(out)


LONG_LABEL = 20  # a check's name longer than this goes on two lines when room is short


def two_line_label(label: str) -> str:
    """A check's name longer than `LONG_LABEL` characters, on two lines (at the space
    that makes the longer line shortest)."""
    if len(label) <= LONG_LABEL or " " not in label:
        return label
    spaces = [i for i, char in enumerate(label) if char == " "]
    cut = min(spaces, key=lambda i: max(i, len(label) - i - 1))
    return label[:cut] + "\n" + label[cut + 1 :]


def broken_address(address: str, metrics: QFontMetrics, width: int) -> str:
    """An address column's word, on two lines before the port when it is too wide."""
    if metrics.horizontalAdvance(address) <= width or ":" not in address:
        return address
    host, port = address.rsplit(":", 1)
    return f"{host}:\n{port}"


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

        # Checks as rows, appliances as columns: the grid is as wide as the appliances
        # (one to six), and each column is fitted to the width the page shows (`_fit`).
        self.table = QTableWidget(1 + len(Check), 0)
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
        self.table.setVerticalHeaderItem(ADDRESS_ROW, header)
        for check, row in CHECK_ROWS.items():
            header = QTableWidgetItem(check.value)
            header.setToolTip(check.value)
            header.setData(Qt.ItemDataRole.AccessibleTextRole, check.value)
            self.table.setVerticalHeaderItem(row, header)
        columns = self.table.horizontalHeader()
        columns.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        columns.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        # Sized once per result (sizing to contents on every change costs 2 ms a row).
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self._row_height = (
            max(self.table.fontMetrics().height(), self.table.iconSize().height(), 16) + 6
        )
        rows.setDefaultSectionSize(self._row_height)
        self._fitted_to = -1  # the width the columns were last fitted to
        self._watched: QWidget | None = None  # the page's viewport, when in a scroll area
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
        # The keyboard goes from the button being disabled to the one that stops the
        # check (left to Qt, it would go to the next control and scroll the page there).
        had_focus = self.verify_button.hasFocus()
        self.cancel_button.setEnabled(True)
        self.cancel_button.show()
        if had_focus:
            self.cancel_button.setFocus(Qt.FocusReason.OtherFocusReason)
        self.verify_button.setEnabled(False)
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
        self.verify_button.setEnabled(True)
        if self.cancel_button.hasFocus():
            self.verify_button.setFocus(Qt.FocusReason.OtherFocusReason)
        self.cancel_button.hide()

    def _verified(self, result: Verified) -> None:
        run = self._run
        self._end()
        if run is None or self.controller.path != run.path:
            self.status.setText(DROPPED)  # another case is open: not this result's place
            return
        grid = result.grid
        self._grid = grid
        self._reached = run.reached
        self._show_grid(grid, result.differs)
        self._reveal_first_failure(grid)
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

    def _show_grid(self, grid: VerificationGrid, differs: str) -> None:
        self.summary.setText(breakable(grid.summary))
        self.saved_text.hide()
        self.saved_text.clear()
        table = self.table
        table.setUpdatesEnabled(False)
        table.clearContents()
        table.setColumnCount(len(grid.rows))
        style = self.style()
        icons = {status: style.standardIcon(pixmap) for status, pixmap in ICONS.items()}
        fail_brush = QBrush(problem_colour(table.palette()))
        for column, grid_row in enumerate(grid.rows):
            host = visible(grid_row.host)
            word, sentence = self._reached.get(grid_row.host, ("", ""))
            header = QTableWidgetItem(host)
            header.setToolTip(plain_tooltip(f"{grid_row.host}: {sentence}".rstrip(": ")))
            header.setData(Qt.ItemDataRole.AccessibleTextRole, host)  # whole, never broken
            header.setData(Qt.ItemDataRole.AccessibleDescriptionRole, host)
            table.setHorizontalHeaderItem(column, header)
            item = QTableWidgetItem(word)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{grid_row.host}: {ADDRESS}: {word}")
            item.setToolTip(plain_tooltip(sentence or word))
            table.setItem(ADDRESS_ROW, column, item)
            for check, row in CHECK_ROWS.items():
                cell = grid_row.cell(check)
                item = QTableWidgetItem(WORDS[cell.status])
                if cell.status in icons:
                    item.setIcon(icons[cell.status])
                item.setData(Qt.ItemDataRole.AccessibleTextRole, cell.accessible_text)
                item.setToolTip(plain_tooltip(cell.detail or cell.accessible_text))
                if cell.status is Status.FAIL:
                    item.setForeground(fail_brush)
                table.setItem(row, column, item)
        self._fitted_to = -1
        self._fit()
        table.setUpdatesEnabled(True)
        table.show()
        self.differs.setPlainText(differs)
        self.differs_label.show()
        self.differs.show()
        self.copy_button.setEnabled(True)

    # ----------------------------------------------------------------- fitting the grid

    def _page(self) -> QScrollArea | None:
        """The scroll area the panel is shown in (the Replicate page's), if any."""
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        return parent

    def _room(self) -> int:
        """How wide the grid may be: the panel's width, or less when the page around it is
        wider than what it shows (another section's long line): the part in view."""
        room = self.width()
        page = self._page()
        body = page.widget() if page is not None else None
        if page is not None and body is not None:
            left = self.mapTo(body, QPoint(0, 0)).x()
            right = max(body.width() - left - self.width(), 0)
            room = min(room, page.viewport().width() - left - right)
        return max(room, 0)

    def _fit(self) -> None:
        """Size the appliances' columns to share the room the grid has: as wide as the
        widest name or address needs, never wider than its share, never narrower than a
        verdict; break the names and addresses that do not fit (`broken_name`)."""
        table = self.table
        count = table.columnCount()
        room = self._room()
        if not count or room == self._fitted_to:
            return
        self._fitted_to = room
        model = table.model()
        names = [
            table.horizontalHeaderItem(c).data(Qt.ItemDataRole.AccessibleTextRole)
            for c in range(count)
        ]
        addresses = [table.item(ADDRESS_ROW, c).text().replace("\n", "") for c in range(count)]
        for column, address in enumerate(addresses):
            table.item(ADDRESS_ROW, column).setText(address)
        header = table.horizontalHeader()
        header_metrics = header.fontMetrics()
        pad = 2 * self.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin) + 8
        verdicts = max(
            table.sizeHintForIndex(model.index(row, column)).width()
            for row in CHECK_ROWS.values()
            for column in range(count)
        )
        wanted = max(
            [table.sizeHintForIndex(model.index(ADDRESS_ROW, c)).width() for c in range(count)]
            + [header_metrics.horizontalAdvance(name) + pad for name in names]
        )
        rows = table.verticalHeader()
        # The checks' names on one line each, or, when the appliances' columns would be
        # narrower than their names or addresses need, the longest on two.
        tight = False
        for _attempt in range(2):
            for check, row in CHECK_ROWS.items():
                label = two_line_label(check.value) if tight else check.value
                if table.verticalHeaderItem(row).text() != label:
                    table.verticalHeaderItem(row).setText(label)
                    rows.resizeSection(row, self._row_height * (1 + label.count("\n")))
            chrome = 2 * table.frameWidth() + rows.sizeHint().width()
            share = (room - chrome) // count
            if tight or share >= wanted:
                break
            tight = True
        width = max(verdicts, min(share, max(wanted, verdicts)))
        cell_metrics = table.fontMetrics()
        text_room = width - (
            table.sizeHintForIndex(model.index(ADDRESS_ROW, 0)).width()
            - cell_metrics.horizontalAdvance(addresses[0])
        )
        two_lines = False
        for column in range(count):
            header.resizeSection(column, width)
            table.horizontalHeaderItem(column).setText(
                broken_name(names[column], header_metrics, width - pad)
            )
            broken = broken_address(addresses[column], cell_metrics, text_room)
            two_lines = two_lines or broken != addresses[column]
            table.item(ADDRESS_ROW, column).setText(broken)
        rows.resizeSection(
            ADDRESS_ROW, self._row_height + (cell_metrics.lineSpacing() if two_lines else 0)
        )
        table.updateGeometry()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._watch_page()
        if self.table.columnCount():
            self._fit()

    def _watch_page(self) -> None:
        """Refit when the page's view changes width (its scroll bar comes or goes) even
        when the panel itself keeps its width."""
        page = self._page()
        viewport = page.viewport() if page is not None else None
        if viewport is not self._watched:
            if self._watched is not None:
                self._watched.removeEventFilter(self)
            self._watched = viewport
            if viewport is not None:
                viewport.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        resized = watched is self._watched and event.type() == QEvent.Type.Resize
        if resized and self.table.columnCount():
            QTimer.singleShot(0, self, self._fit)
        return super().eventFilter(watched, event)

    def _reveal_first_failure(self, grid: VerificationGrid) -> None:
        """Select and focus the cell the summary names first, and scroll it into view
        (once the page has laid the grid out)."""
        if not grid.failures:
            return
        first = grid.failures[0]
        column = next(c for c, row in enumerate(grid.rows) if row.host == first.host)
        row = CHECK_ROWS[first.check]
        self.table.setCurrentCell(row, column)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        QTimer.singleShot(0, self, lambda: self._scroll_to(row, column))

    def _scroll_to(self, row: int, column: int) -> None:
        item = self.table.item(row, column)
        if item is None or not self.table.isVisible():
            return
        self.table.scrollToItem(item)
        page = self._page()
        body = page.widget() if page is not None else None
        if page is None or body is None:
            return
        # Up and down only: the grid fits the width in view (`_fit`), and scrolling the
        # page sideways would hide the checks' names. All of the grid when it fits the
        # view, else from the failing cell.
        rect = self.table.visualItemRect(item)
        top = self.table.viewport().mapTo(body, rect.topLeft()).y()
        bottom = top + rect.height()
        end = self.table.mapTo(body, QPoint(0, self.table.height())).y()
        bar, view = page.verticalScrollBar(), page.viewport().height()
        value = max(bar.value(), end - view)
        value = min(value, top)
        value = max(value, bottom - view)
        bar.setValue(value)
        left = self.table.mapTo(body, QPoint(0, 0)).x()
        right = left + self.table.width()
        bar, view = page.horizontalScrollBar(), page.viewport().width()
        bar.setValue(max(right - view, 0) if right - left <= view else left)  # left first

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
        self.table.setColumnCount(0)
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
