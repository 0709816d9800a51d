"""Step 4, Bundle & email: build one verified zip (and `.eml`) per appliance, then mail it.

The page gathers what the case's files are (`case.actions.gather_facts`) in a worker
whenever the case changes (debounced), and renders the one judgement of the case
(`case.readiness.readiness`): every blocker in the "Blockers" list, each naming the step that
fixes it, with "Build bundles" disabled; every concern in the "Concerns" list, with "Build
anyway" instead of "Build bundles". Building gathers and judges again from the files as they
are now and writes with `write_case_bundles`, in a worker with progress and Cancel. An
existing zip is replaced only after the user says Yes. Bundles listed are the case's as it
is: after a failed build, a declined "Replace?" or a change to what would be built, the list
is cleared and its buttons disabled. Every text that comes from a file or a
certificate is shown as plain text. The email text goes to the clipboard; a passphrase
never does (the page never sees one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QLocale, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from bundleguard.case.readiness import Concern, PlanFacts, Readiness, build_key, readiness
from bundleguard.case.steps import Step
from bundleguard.files import TargetExistsError
from bundleguard.gui.case_page import case_as_built
from bundleguard.gui.workers import Cancel, LatestJob, Task, alive, start

if TYPE_CHECKING:
    # The core's bundle code pulls in cryptography and Pillow: imported when first used
    # (in a worker), so that the window paints first.
    from bundleguard.bundle.batch import BatchResult
    from bundleguard.bundle.email import Draft
    from bundleguard.bundle.mailer import OpenOutcome
    from bundleguard.bundle.plan import BundlePlan, Refusal
    from bundleguard.bundle.writer import WrittenBundle
    from bundleguard.case.model import Case
    from bundleguard.certs.anchors import TrustAnchors

REPLAN_DELAY_MS = 300
BUILD_SHORTCUT = "Ctrl+B"


# --------------------------------------------------------------------------- worker side
# These run in a pool thread: no widget is touched, only values come back.


@dataclass(frozen=True)
class ExistingTargets:
    """Building stopped before writing anything: these files exist already."""

    paths: tuple[Path, ...]


@dataclass(frozen=True)
class Built:
    """A build that finished: what was written, and what each zip holds, read back from
    the zip itself (`case.outputs.bundle_contents`), in the order of `batch.written`."""

    batch: BatchResult
    holds: tuple[str, ...]


def holds_words(path: Path) -> str:
    """What the written zip at `path` holds, in words ("screenshot, leaf, 1 intermediate,
    root"), from its own manifest and members."""
    from bundleguard.case.outputs import bundle_contents
    from bundleguard.errors import BundleGuardError

    try:
        return str(bundle_contents(path))
    except (OSError, ValueError, BundleGuardError) as error:
        return f"cannot be read back ({type(error).__name__})"


@dataclass(frozen=True)
class NotBuilt:
    """Building stopped before writing anything: the files as they are now stop it, or
    bring a concern the user has not accepted."""

    facts: PlanFacts


def plan_for_page(case: Case, anchors: TrustAnchors) -> PlanFacts:
    """What the case's files are, for `readiness` (reads every file once)."""
    from bundleguard.case import actions

    return actions.gather_facts(case, anchors=anchors)


def build_for_page(
    case: Case,
    anchors: TrustAnchors,
    force: bool,
    accepted: tuple[Concern, ...] = (),
    *,
    cancel: Cancel,
    progress: Callable[[int, int, str], None],
) -> Built | BatchResult | ExistingTargets | NotBuilt:
    """Judge the case from the files as they are now; build only when nothing stops it
    and every concern is one the user `accepted`, then write every bundle and draft."""
    from bundleguard.case import actions

    progress(0, 0, "Checking the files again")
    facts = actions.gather_facts(case, anchors=anchors)
    judged = readiness(case, facts)
    if not judged.may_build(accepted):
        return NotBuilt(facts)
    plans = judged.plans
    total = sum(len(plan.members) + 1 for plan in plans)  # + the manifest
    done = 0

    def member_written(name: str) -> None:
        nonlocal done
        done += 1
        progress(min(done, total), total, f"Wrote {name}")

    try:
        result = actions.write_case_bundles(
            plans,
            case.output,
            force=force,
            eml=True,
            to=case.support_address,
            progress=member_written,
            cancel=cancel.is_set,
        )
    except TargetExistsError as error:
        return ExistingTargets(error.paths)
    if result.refused:
        return result
    return Built(result, tuple(holds_words(bundle.path) for bundle in result.written))


def open_drafts(drafts: Sequence[Draft]) -> tuple[OpenOutcome, ...]:
    """Open each draft in the mail program (the core's strategies): each one's outcome, in
    order (`gui.opener.say_drafts_not_opened` speaks once for those none opened)."""
    from bundleguard.bundle import mailer

    return tuple(mailer.open_draft(draft) for draft in drafts)


# --------------------------------------------------------------------------- texts


def describe_warnings(plans: Sequence[BundlePlan]) -> str:
    """Chain, name, date and trust findings of the plans, each once, in plain words."""
    from bundleguard.certs.trust import trust_sentence  # the one trust sentence

    lines: list[str] = []
    for plan in plans:
        trust = trust_sentence(plan.trust) if plan.trust is not None else plan.trust_summary
        for text in (trust, *plan.warnings):
            if text and text not in lines:
                lines.append(text)
    return "\n".join(f"• {line}" for line in lines)


def describe_refusals(refusals: Iterable[Refusal]) -> str:
    """Every refused file once, with the guard's reasons, and how to fix it."""
    lines: list[str] = []
    seen: set[str] = set()
    for refusal in refusals:
        if refusal.source in seen or refusal.source == "(none)":
            continue
        seen.add(refusal.source)
        lines.append(f"Refused: {refusal.source}")
        lines += [f"  {reason}" for reason in refusal.reasons]
    if lines:
        step = Step.CERTIFICATES
        lines.append(
            f'Fix it in step {step.number}, {step.title}: select the file and press "Extract '
            'the certificates" (for a key container), or remove it from the case.'
        )
    return "\n".join(lines)


def describe_written(bundles: Sequence[WrittenBundle], drafts: Sequence[Draft]) -> str:
    """Every zip with its SHA-256 and its members' hashes, then the email drafts."""
    lines: list[str] = []
    for bundle in bundles:
        lines += [
            f"{bundle.path}",
            f"  for {bundle.appliance.hostname} ({bundle.appliance.role}), {bundle.size:,} bytes",
            f"  SHA-256 {bundle.sha256}",
        ]
        for member in bundle.members:
            lines.append(f"    {member.name}  SHA-256 {member.sha256}")
        lines.append("")
    emls = [str(d.eml) for d in drafts if d.eml is not None]
    if emls:
        lines.append("Email drafts (the zip attached):")
        lines += [f"  {path}" for path in emls]
    return "\n".join(lines).rstrip()


def plain_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


# --------------------------------------------------------------------------- the page


# What the bundles are made of (the window compares `BundlePage.built_for` with it).
bundle_inputs = build_key


def plain_list(name: str) -> QListWidget:
    """A list of sentences a screen reader reads item by item; shown only when not empty."""
    shown = QListWidget()
    shown.setAccessibleName(name)
    shown.setWordWrap(True)
    shown.setSelectionMode(QListWidget.SelectionMode.NoSelection)
    shown.setMaximumHeight(110)
    shown.hide()
    return shown


def show_items(shown: QListWidget, items: Sequence[object]) -> None:
    texts = [str(item) for item in items]
    if [shown.item(row).text() for row in range(shown.count())] != texts:
        shown.clear()
        shown.addItems(texts)  # QListWidgetItem text is plain: never markup
    shown.setVisible(bool(texts))


APPLIANCE, ZIP, SIZE, HOLDS, SHOW, DRAFT = range(6)
MAX_TABLE_ROWS_HEIGHT = 360  # pixels: about eight appliances' rows
BUILT_HEADERS = ("Appliance", "Zip", "Size", "What it holds", "", "")


class BuiltTable(QTableWidget):
    """A table whose rows grow to their wrapped text whenever its width changes."""

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        fit_rows(self)


def built_table() -> QTableWidget:
    """The "Bundles built" table: one row per zip written, read only, every cell plain."""
    table = BuiltTable(0, len(BUILT_HEADERS))
    table.setAccessibleName("Bundles built")
    table.setHorizontalHeaderLabels(list(BUILT_HEADERS))
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    # A long zip name breaks at its hyphens and what it holds at its commas: never cut.
    table.setWordWrap(True)
    table.setTextElideMode(Qt.TextElideMode.ElideNone)
    header = table.horizontalHeader()
    for column in (SIZE, SHOW, DRAFT):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(ZIP, QHeaderView.ResizeMode.Stretch)
    for column in (APPLIANCE, HOLDS):  # sized by `_fill_table`: their words wrap
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
    header.sectionResized.connect(lambda *_: fit_rows(table))
    fit_rows(table)
    return table


def fit_rows(table: QTableWidget) -> None:
    """Each row as tall as its wrapped text, and the table as tall as its rows (the page's
    room below it is left to "Details")."""
    table.resizeRowsToContents()
    rows = sum(table.rowHeight(row) for row in range(table.rowCount()))
    header = table.horizontalHeader().height() if table.horizontalHeader().isVisible() else 0
    frame = 2 * table.frameWidth()
    scroll = table.horizontalScrollBar()
    extra = scroll.sizeHint().height() if scroll.isVisible() else 0
    rows = min(max(rows, table.verticalHeader().defaultSectionSize()), MAX_TABLE_ROWS_HEIGHT)
    table.setFixedHeight(header + rows + frame + extra)  # more rows than that: it scrolls


def size_words(size: int) -> str:
    """A file's size as people read it ("48.2 KB"), in the user's locale."""
    return QLocale().formattedDataSize(size, 1, QLocale.DataSizeFormat.DataSizeSIFormat)


class BundlePage(QWidget):
    """Build bundles, see what was written, open or copy the email to support."""

    bundlesBuilt = Signal()
    readinessChanged = Signal()  # `self.readiness` was judged again

    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        # Gathering the case's facts for `readiness`: the latest case wins (a plan started
        # for an older version of the case reports nothing).
        self._planning = LatestJob(self, controller.pool)
        self.facts: PlanFacts | None = None  # what the case's files were, last gathered
        self.readiness: Readiness | None = None  # the judgement shown
        self._accepted: tuple[Concern, ...] = ()  # the concerns "Build anyway" accepted
        self._result: BatchResult | None = None
        self._result_for: tuple | None = None  # build_key of the case the result is about
        self._building_for: tuple | None = None
        self.built_for: tuple | None = None  # build_key of the case last built
        self._build_cancel: Cancel | None = None
        self._build_signals = None
        self._plan_signals = None
        self._mail_signals = None

        title = QLabel("Bundle & email")
        title.setAccessibleName("Bundle & email")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        intro = QLabel(
            "One zip per appliance: its Status > Basics screenshot and the certificate "
            "chain, checked again after writing. No private key ever goes in it."
        )
        intro.setWordWrap(True)

        self.build_button = QPushButton("Build bundles")
        self.build_button.setAccessibleName("Build bundles")
        self.build_button.setToolTip(
            f"Write one verified zip and email draft per appliance ({BUILD_SHORTCUT})"
        )
        self.build_button.setEnabled(False)
        self.build_button.clicked.connect(self.build)
        self.anyway_button = QPushButton("Build anyway")
        self.anyway_button.setAccessibleName("Build anyway")
        self.anyway_button.setToolTip(
            "Build with the concerns listed: support gets the bundles as they are"
        )
        self.anyway_button.clicked.connect(lambda: self.build(anyway=True))
        self.anyway_button.hide()
        self.reason = plain_label("Checking the case…")
        self.reason.setAccessibleName("Bundle readiness")
        build_row = QHBoxLayout()
        build_row.addWidget(self.build_button)
        build_row.addWidget(self.anyway_button)
        build_row.addWidget(self.reason, 1)
        self.blockers = plain_list("Blockers")
        self.concerns = plain_list("Concerns")

        self.progress = QProgressBar()
        self.progress.setAccessibleName("Building progress")
        self.progress_text = plain_label()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel building")
        self.cancel_button.clicked.connect(self.cancel_build)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        self.progress_box = QWidget()
        box = QVBoxLayout(self.progress_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(progress_row)
        box.addWidget(self.progress_text)
        self.progress_box.hide()

        self.warnings = plain_label()
        self.warnings.setAccessibleName("Certificate warnings")
        self.problems = plain_label()
        self.problems.setAccessibleName("Refused files")

        self.status = plain_label()
        self.status.setAccessibleName("Build result")
        self.built_table = built_table()
        # The SHA-256 lists, for whoever checks them: behind "Details" (and in the email).
        self.details_button = QToolButton()
        self.details_button.setText("Details")
        self.details_button.setAccessibleName("Details")
        self.details_button.setToolTip("Show the SHA-256 of every zip and of every file in it")
        self.details_button.setCheckable(True)
        self.details_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.details_button.setArrowType(Qt.ArrowType.RightArrow)
        self.details_button.toggled.connect(self._show_details)
        self.results = QPlainTextEdit()
        self.results.setReadOnly(True)
        self.results.setAccessibleName("Bundles written")
        self.results.setPlaceholderText("The bundles you build are listed here.")
        self.results.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.results.hide()

        self.open_folder_button = QPushButton("Open folder")
        self.open_folder_button.setAccessibleName("Open folder")
        self.open_folder_button.clicked.connect(self.open_folder)
        self.open_draft_button = QPushButton("Open email draft")
        self.open_draft_button.setAccessibleName("Open email draft")
        self.open_draft_button.clicked.connect(lambda: self.open_email_draft())
        self.copy_button = QPushButton("Copy email text")
        self.copy_button.setAccessibleName("Copy email text")
        self.copy_button.clicked.connect(self.copy_email_text)
        after_row = QHBoxLayout()
        for button in (self.open_folder_button, self.open_draft_button, self.copy_button):
            button.setEnabled(False)
            after_row.addWidget(button)
        after_row.addStretch(1)
        self.mail_outcome = plain_label()
        self.mail_outcome.setAccessibleName("Email outcome")

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addLayout(build_row)
        layout.addWidget(self.blockers)
        layout.addWidget(self.concerns)
        layout.addWidget(self.progress_box)
        layout.addWidget(self.problems)
        layout.addWidget(self.warnings)
        layout.addWidget(self.status)
        layout.addWidget(self.built_table)
        layout.addLayout(after_row)
        layout.addWidget(self.details_button)
        layout.addWidget(self.results, 1)
        layout.addStretch(0)  # the room below the table while "Details" is closed
        layout.addWidget(self.mail_outcome)

        self._replan_timer = QTimer(self)
        self._replan_timer.setSingleShot(True)
        self._replan_timer.setInterval(REPLAN_DELAY_MS)
        self._replan_timer.timeout.connect(self._start_plan)
        controller.caseChanged.connect(self._case_changed)
        controller.anchorsReady.connect(self.schedule_replan)
        self.render()
        self.schedule_replan()

    # ----------------------------------------------------------------- planning

    def _start(self, task: Task):
        """Start `task` once its signals are connected: a quick task must not report
        before anyone listens (workers.start connects nothing of ours)."""
        return start(self.controller.pool, task)

    def case(self) -> Case:
        """The case as it is built: its output folder, or the default one
        (`case_page.case_as_built`: Documents/bundleguard/SITE-INCIDENT)."""
        return case_as_built(self.controller.case)

    @property
    def busy(self) -> bool:
        return self._build_cancel is not None

    def schedule_replan(self) -> None:
        """Plan again shortly: many quick edits cost one plan."""
        self._replan_timer.start()

    def _start_plan(self) -> None:
        anchors = self.controller.anchors
        if anchors is None:
            self.render()
            return  # anchorsReady plans again
        self._plan_signals = self._planning.start(
            plan_for_page,
            self.case(),
            anchors,
            done=self._planned,
            failed=self._plan_failed,
        )

    def _planned(self, facts: PlanFacts) -> None:
        self.facts = facts
        self.render()

    def _plan_failed(self, message: str) -> None:
        self.facts = None
        self.render()
        self.reason.setText(message)

    def _case_changed(self) -> None:
        if self._result is not None and self._result_for != build_key(self.case()):
            self.clear_results("The case changed after these bundles were built: build them again.")
        self.render()
        self.schedule_replan()

    def render(self) -> None:
        """Show the one judgement of the case as it is now (`case.readiness`)."""
        case = self.case()
        judged = readiness(case, self.facts, built=self.built_for)
        self.readiness = judged
        show_items(self.blockers, judged.blockers)
        show_items(self.concerns, judged.concerns)
        facts = self.facts if judged.checked else None
        refused = (
            ()
            if facts is None
            else (*facts.refused_files, *(refusal for _, refusal in facts.refused_screenshots))
        )
        self.problems.setText(describe_refusals(refused))  # fmt: skip
        self.warnings.setText(describe_warnings(judged.plans))
        self.build_button.setEnabled(judged.ready and not self.busy)
        self.anyway_button.setVisible(judged.can_build and bool(judged.concerns))
        self.anyway_button.setEnabled(not self.busy)
        self.reason.setText(self._summary(judged))
        self.readinessChanged.emit()

    def _summary(self, judged: Readiness) -> str:
        if judged.blockers:
            count = len(judged.blockers)
            things = "1 thing" if count == 1 else f"{count} things"
            return f"Not ready: {things} to fix first (listed below)."
        if self.controller.anchors is None:
            return "Loading the trust stores…"
        if not judged.checked:
            return "Checking the case…"
        count = len(judged.plans)
        bundles = f"{count} bundle{'s' if count != 1 else ''}"
        folder = self.case().output
        if not self.controller.case.output.strip():
            folder += f" (the default folder; choose another in step {Step.CASE.number})"
        if judged.of(Step.BUNDLE).label == "built":
            return ""  # the "Bundles built" table says it (built anyway, too: asked no more)
        if judged.concerns:
            concerns = len(judged.concerns)
            it = "it" if concerns == 1 else "them"
            return (
                f"Ready, with {concerns} concern{'s' if concerns != 1 else ''} (listed below): "
                f"fix {it}, or build anyway ({bundles} into {folder})."
            )
        return f"Ready: {bundles} into {folder}"

    @property
    def ready(self) -> bool:
        """True when the case, as last judged, builds without asking anything."""
        return self.readiness is not None and self.readiness.ready

    # ----------------------------------------------------------------- building

    def build(self, *, force: bool = False, anyway: bool = False) -> None:
        """Build, when nothing stops it; with concerns only when `anyway` (the user chose
        "Build anyway"), and then only with the concerns the user saw."""
        judged = self.readiness
        if self.busy or judged is None or self.controller.anchors is None:
            return
        accepted = judged.concerns if anyway else ()
        if not judged.may_build(accepted):
            return
        self._accepted = accepted
        self.clear_results()  # what was built before is not what this build makes
        self._build_signals = None
        self.build_button.setEnabled(False)
        self.anyway_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress_text.setText("Building…")
        self.progress_box.show()
        case = self.case()
        self._building_for = build_key(case)
        task = Task(build_for_page, case, self.controller.anchors, force, accepted)
        self._build_cancel = task.cancel
        signals = task.signals
        signals.progress.connect(self._build_progress)
        signals.done.connect(self._built)
        signals.failed.connect(self._build_failed)
        signals.cancelled.connect(self._build_cancelled)
        self._build_signals = self._start(task)

    def cancel_build(self) -> None:
        if self._build_cancel is not None:
            self._build_cancel.set()
            self.progress_text.setText("Cancelling after the bundle being written…")

    def _build_progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress_text.setText(text)

    def _end_build(self) -> None:
        self._build_cancel = None
        self.progress_box.hide()
        self.render()
        self.schedule_replan()

    def _built(self, result: object) -> None:
        if isinstance(result, NotBuilt):
            if result.facts.key == build_key(self.case()):
                self.facts = result.facts
            self._end_build()
            judged = self.readiness
            if judged is not None and judged.blockers:
                self.status.setText("Nothing was written: fix what the list says first.")
            else:
                self.status.setText(
                    "Nothing was written: the files changed since you chose to build. "
                    "Read the concerns again."
                )
            return
        self._end_build()
        if isinstance(result, ExistingTargets):
            self._ask_replace(result.paths)
            return
        if isinstance(result, Built):
            self._show_result(result.batch, result.holds)
        else:
            self._show_result(result)  # a BatchResult the guard refused

    def clear_results(self, why: str = "") -> None:
        """Take the bundles of an earlier build off the page: they are not this case's."""
        self._result = None
        self._result_for = None
        self.built_for = None
        self.results.clear()
        self.built_table.setRowCount(0)
        fit_rows(self.built_table)
        for button in (self.open_folder_button, self.open_draft_button, self.copy_button):
            button.setEnabled(False)
        self.open_draft_button.setText("Open email draft")
        self.open_draft_button.setToolTip("")
        self.mail_outcome.setText("")
        self.status.setText(why)
        self.bundlesBuilt.emit()  # the steps list says "built" no more

    def _show_result(self, result: BatchResult, holds: Sequence[str] = ()) -> None:
        if result.refused:
            self.problems.setText(describe_refusals(r for p in result.plans for r in p.refusals))
            self.status.setText("Nothing was written: a file is refused.")
            return
        if self._building_for != build_key(self.case()):
            self.status.setText("The case changed while the bundles were built: build them again.")
            return
        self._result = result
        self._result_for = self._building_for
        if result.written and not result.cancelled:
            self.built_for = self._building_for
            self.bundlesBuilt.emit()
            self.render()
        self.warnings.setText(describe_warnings(result.plans))
        count = len(result.written)
        if result.cancelled:
            self.status.setText(
                f"Cancelled: {count} of {len(result.plans)} bundles were written and verified."
            )
        else:
            self.status.setText(
                f"{count} bundle{'s' if count != 1 else ''} written and verified: "
                "no private key is in them."
            )
        self.results.setPlainText(describe_written(result.written, result.drafts))
        self._fill_table(result, holds)
        has = bool(result.written)
        self.open_folder_button.setEnabled(has)
        self.open_draft_button.setEnabled(has)
        drafts = sum(1 for d in result.drafts if d.attachments)
        # One email per appliance: the button says how many it opens (its accessible name
        # stays "Open email draft"; the tooltip says the rest).
        self.open_draft_button.setText(
            f"Open {drafts} email drafts" if drafts > 1 else "Open email draft"
        )
        self.open_draft_button.setToolTip(
            "One email per appliance, each with its bundle attached" if drafts > 1 else ""
        )
        self.copy_button.setEnabled(has)

    def _fill_table(self, result: BatchResult, holds: Sequence[str]) -> None:
        """One row per zip written: the appliance, the zip's name, its size, what it
        holds, and its "Show in folder" and "Open draft" buttons (the appliance is in each
        button's accessible description)."""
        from bundleguard.gui.widgets import plain_tooltip
        from bundleguard.text import visible

        table = self.built_table
        table.setRowCount(0)
        table.setRowCount(len(result.written))
        drafts = {d.attachments[0]: d for d in result.drafts if d.attachments}
        for row, bundle in enumerate(result.written):
            host = visible(bundle.appliance.hostname)
            said = holds[row] if row < len(holds) else ""
            cells = {
                APPLIANCE: (f"{host} ({bundle.appliance.role})", None),
                ZIP: (visible(bundle.path.name), str(bundle.path)),
                SIZE: (size_words(bundle.size), f"{bundle.size:,} bytes"),
                HOLDS: (said, None),
            }
            for column, (text, tip) in cells.items():
                item = QTableWidgetItem(text)  # item text is never rich text
                if tip:
                    item.setToolTip(plain_tooltip(tip))
                table.setItem(row, column, item)
            show = QPushButton("Show in folder", table)
            show.setAccessibleName("Show in folder")
            show.setAccessibleDescription(f"{host}: {bundle.path.name}")
            show.setToolTip(plain_tooltip(f"Shows {bundle.path} in its folder"))
            show.clicked.connect(lambda _=False, path=bundle.path: self.show_in_folder(path))
            table.setCellWidget(row, SHOW, show)
            draft = drafts.get(bundle.path)
            opener = QPushButton("Open draft", table)
            opener.setAccessibleName("Open draft")
            opener.setAccessibleDescription(f"{host}: the email with {bundle.path.name}")
            opener.setToolTip(plain_tooltip(f"Opens the email to support for {host}"))
            opener.setEnabled(draft is not None)
            opener.clicked.connect(lambda _=False, draft=draft: self.open_email_draft(draft))
            table.setCellWidget(row, DRAFT, opener)
        # The appliance's role and what it holds wrap (at a space, at a comma) rather than
        # push the zip's name and the buttons out of view; a host name is never broken.
        metrics = table.fontMetrics()
        widest = max(
            [metrics.horizontalAdvance(visible(b.appliance.hostname)) for b in result.written]
            + [metrics.horizontalAdvance(BUILT_HEADERS[APPLIANCE])]
        )
        table.horizontalHeader().resizeSection(APPLIANCE, widest + 12)
        holds_width = metrics.horizontalAdvance("1 intermediates, root")
        table.horizontalHeader().resizeSection(HOLDS, holds_width + 12)
        fit_rows(table)

    def _ask_replace(self, paths: Sequence[Path]) -> None:
        names = "\n".join(str(p) for p in paths)
        several = len(paths) > 1
        answer = QMessageBox.question(
            self,
            "Replace the bundles?" if several else "Replace the bundle?",
            f"Replace {'these files' if several else 'this file'}?\n\n{names}",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.build(force=True, anyway=bool(self._accepted))
        else:
            self.status.setText("Nothing was replaced: the existing files are as they were.")

    def _build_failed(self, message: str) -> None:
        self._end_build()
        self.status.setText(f"The bundles were not built: {message}")

    def _build_cancelled(self) -> None:
        self._end_build()
        self.status.setText("Cancelled: nothing more was written.")

    # ----------------------------------------------------------------- afterwards

    def _show_details(self, shown: bool) -> None:
        self.details_button.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        )
        self.results.setVisible(shown)

    def _written(self) -> tuple[WrittenBundle, ...]:
        return self._result.written if self._result is not None else ()

    def open_folder(self) -> None:
        written = self._written()
        if written:
            from bundleguard.gui import widgets  # the window's module; loaded when first used

            folder = QUrl.fromLocalFile(str(written[0].path.parent))
            widgets.open_url(folder.toString(QUrl.ComponentFormattingOption.FullyEncoded))

    def show_in_folder(self, path: Path) -> None:
        """The zip selected in the file manager (its folder, where no file manager is known
        to select a file); when nothing can show it, one message with its path to copy."""
        from bundleguard.gui import opener

        opener.show_file(path, self)

    def open_email_draft(self, only: Draft | None = None) -> None:
        """Open every appliance's email draft ("Open N email drafts"), or `only` that one
        ("Open draft" of a row of the table)."""
        if self._result is None:
            return
        drafts = tuple(d for d in self._result.drafts if d.attachments)
        if only is not None:
            drafts = tuple(d for d in drafts if d is only)
        if not drafts:
            return
        # A mail program or a clipboard tool is started: never on the event loop.
        self.open_draft_button.setEnabled(False)
        self.mail_outcome.setText("Opening the email draft…")
        task = Task(open_drafts, drafts)
        opened = alive(self, lambda outcomes: self._drafts_opened(drafts, outcomes))
        task.signals.done.connect(opened)
        task.signals.failed.connect(opened)
        self._mail_signals = self._start(task)

    def _drafts_opened(self, drafts: Sequence[Draft], outcomes) -> None:
        from bundleguard.gui import opener

        self.open_draft_button.setEnabled(bool(self._written()))
        if isinstance(outcomes, str):  # the worker failed: its words
            self.mail_outcome.setText(outcomes)
            return
        said = [o.message for o in outcomes if o.attached]
        missed = sum(not o.attached for o in outcomes)
        if missed:
            said.append(f"No mail program opened {missed} of the {len(outcomes)} drafts.")
        self.mail_outcome.setText("\n".join(said))
        opener.say_drafts_not_opened(drafts, outcomes, self)

    def copy_email_text(self) -> None:
        written = self._written()
        if not written:
            return
        from bundleguard.bundle.email import body_text
        from bundleguard.case.texts import KeyMaterialError, checked

        try:  # it names files the user added: the guard judges it before the clipboard
            text = checked(body_text(written), "The email text was not copied")
        except KeyMaterialError as error:
            self.mail_outcome.setText(f"{error} Nothing was put on the clipboard.")
            return
        QGuiApplication.clipboard().setText(text)
        self.mail_outcome.setText(
            "The email text is on the clipboard: paste it into a new email and attach "
            + ", ".join(b.path.name for b in written)
            + "."
        )
