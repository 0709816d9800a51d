"""Step 4, Bundle & email: build one verified zip (and `.eml`) per appliance, then mail it.

The page asks the core (`case.actions.plan_case`) in a worker whenever the case changes
(debounced) and keeps "Build bundles" disabled, with the reason beside it, while anything
is refused or missing. Building plans again from the files as they are now and writes
with `write_case_bundles`, in a worker with progress and Cancel. An existing zip is
replaced only after the user says Yes. Every text that comes from a file or a
certificate is shown as plain text. The email text goes to the clipboard; a passphrase
never does (the page never sees one).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bundleguard.errors import InputError
from bundleguard.files import TargetExistsError
from bundleguard.gui.workers import Cancel, Task, alive, start

if TYPE_CHECKING:
    # The core's bundle code pulls in cryptography and Pillow: imported when first used
    # (in a worker), so that the window paints first.
    from bundleguard.bundle.batch import BatchResult
    from bundleguard.bundle.email import Draft
    from bundleguard.bundle.plan import BundlePlan
    from bundleguard.bundle.writer import WrittenBundle
    from bundleguard.case.model import Case
    from bundleguard.certs.anchors import TrustAnchors

REPLAN_DELAY_MS = 300
BUILD_SHORTCUT = "Ctrl+B"


# --------------------------------------------------------------------------- worker side
# These run in a pool thread: no widget is touched, only values come back.


@dataclass(frozen=True)
class PlanOutcome:
    """What planning the case found: the plans, or why there are none; the first reason
    the bundles cannot be built yet (None: ready)."""

    plans: tuple[BundlePlan, ...]
    blocker: str | None
    output: str


@dataclass(frozen=True)
class ExistingTargets:
    """Building stopped before writing anything: these files exist already."""

    paths: tuple[Path, ...]


def _refused_sources(plans: Sequence[BundlePlan]) -> list[str]:
    return list(dict.fromkeys(r.source for plan in plans for r in plan.refusals))


def plan_for_page(case: Case, anchors: TrustAnchors) -> PlanOutcome:
    """Plan `case` and say, in the window's words, what stops the build (if anything)."""
    from bundleguard.bundle.email import check_address
    from bundleguard.case import actions

    try:
        plans = actions.plan_case(case, anchors=anchors)
    except actions.MissingScreenshotError as error:
        name = error.hostname or "An appliance without a hostname"
        return PlanOutcome((), f"{name} has no screenshot", case.output)
    except actions.NoApplianceError:
        return PlanOutcome((), "Add the appliance the bundle is for (step 1, Case)", case.output)
    except InputError as error:
        return PlanOutcome((), str(error), case.output)
    refused = _refused_sources(plans)
    if refused:
        count = len(refused)
        words = "1 file is refused" if count == 1 else f"{count} files are refused"
        return PlanOutcome(plans, words, case.output)
    if not case.files:
        return PlanOutcome(plans, "Add the certificate files (step 2, Certificates)", case.output)
    try:
        check_address(case.support_address)
    except InputError as error:
        return PlanOutcome(plans, str(error), case.output)
    if not case.output.strip():
        return PlanOutcome(
            plans, "Say where to write the bundles: choose an output folder", case.output
        )
    return PlanOutcome(plans, None, case.output)


def build_for_page(
    case: Case,
    anchors: TrustAnchors,
    force: bool,
    *,
    cancel: Cancel,
    progress: Callable[[int, int, str], None],
) -> BatchResult | ExistingTargets | PlanOutcome:
    """Plan the case from the files as they are now, then write every bundle and draft."""
    from bundleguard.case import actions

    outcome = plan_for_page(case, anchors)
    if outcome.blocker is not None:
        return outcome
    plans = outcome.plans
    total = sum(len(plan.members) + 1 for plan in plans)  # + the manifest
    done = 0

    def member_written(name: str) -> None:
        nonlocal done
        done += 1
        progress(min(done, total), total, f"Wrote {name}")

    progress(0, total, "Checking the files again")
    try:
        return actions.write_case_bundles(
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


def open_drafts(drafts: Sequence[Draft]) -> str:
    """Open each draft in the mail program (the core's strategies); what happened, in words."""
    from bundleguard.bundle import mailer

    return "\n".join(mailer.open_draft(draft).message for draft in drafts)


# --------------------------------------------------------------------------- texts


def describe_warnings(plans: Sequence[BundlePlan]) -> str:
    """Chain, name, date and trust findings of the plans, each once, in plain words."""
    lines: list[str] = []
    for plan in plans:
        for text in (plan.trust_summary, *plan.warnings):
            if text and text not in lines:
                lines.append(text)
    return "\n".join(f"• {line}" for line in lines)


def describe_refusals(plans: Sequence[BundlePlan]) -> str:
    lines: list[str] = []
    seen: set[str] = set()
    for plan in plans:
        for refusal in plan.refusals:
            if refusal.source in seen:
                continue
            seen.add(refusal.source)
            lines.append(f"Refused: {refusal.source}")
            lines += [f"  {reason}" for reason in refusal.reasons]
    if lines:
        lines.append(
            'Fix it in step 2, Certificates: select the file and press "Extract the '
            'certificates" (for a key container), or remove it from the case.'
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


def bundle_inputs(case: Case) -> tuple:
    """What the bundles are made of: when it changes, bundles built before are outdated."""
    return (case.site, case.incident, case.support_address, case.output, case.appliances,
            case.files)  # fmt: skip


class BundlePage(QWidget):
    """Build bundles, see what was written, open or copy the email to support."""

    bundlesBuilt = Signal()

    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self._generation = 0
        self._planning = False
        self._plan_pending = False
        self._outcome: PlanOutcome | None = None
        self._result: BatchResult | None = None
        self.built_for: tuple | None = None  # bundle_inputs of the case last built
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
        self.reason = plain_label("Checking the case…")
        self.reason.setAccessibleName("Why the bundles cannot be built")
        build_row = QHBoxLayout()
        build_row.addWidget(self.build_button)
        build_row.addWidget(self.reason, 1)

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
        self.results = QPlainTextEdit()
        self.results.setReadOnly(True)
        self.results.setAccessibleName("Bundles written")
        self.results.setPlaceholderText("The bundles you build are listed here.")
        self.results.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)

        self.open_folder_button = QPushButton("Open folder")
        self.open_folder_button.setAccessibleName("Open folder")
        self.open_folder_button.clicked.connect(self.open_folder)
        self.open_draft_button = QPushButton("Open email draft")
        self.open_draft_button.setAccessibleName("Open email draft")
        self.open_draft_button.clicked.connect(self.open_email_draft)
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
        layout.addWidget(self.progress_box)
        layout.addWidget(self.problems)
        layout.addWidget(self.warnings)
        layout.addWidget(self.status)
        layout.addWidget(self.results, 1)
        layout.addLayout(after_row)
        layout.addWidget(self.mail_outcome)

        self._replan_timer = QTimer(self)
        self._replan_timer.setSingleShot(True)
        self._replan_timer.setInterval(REPLAN_DELAY_MS)
        self._replan_timer.timeout.connect(self._start_plan)
        controller.caseChanged.connect(self.schedule_replan)
        controller.anchorsReady.connect(self.schedule_replan)
        self.schedule_replan()

    # ----------------------------------------------------------------- planning

    def _start(self, task: Task):
        """Start `task` once its signals are connected: a quick task must not report
        before anyone listens (workers.start connects nothing of ours)."""
        return start(self.controller.pool, task)

    @property
    def busy(self) -> bool:
        return self._build_cancel is not None

    def schedule_replan(self) -> None:
        """Plan again shortly: many quick edits cost one plan."""
        self._replan_timer.start()

    def _start_plan(self) -> None:
        anchors = self.controller.anchors
        if anchors is None:
            self._set_blocker("Loading the trust stores…")
            return  # anchorsReady plans again
        if self._planning:
            self._plan_pending = True
            return
        self._planning = True
        self._plan_pending = False
        self._generation += 1
        generation = self._generation
        task = Task(plan_for_page, self.controller.case, anchors)
        signals = task.signals
        signals.done.connect(alive(self, lambda outcome: self._planned(generation, outcome)))
        signals.failed.connect(alive(self, lambda message: self._plan_failed(generation, message)))
        signals.cancelled.connect(alive(self, lambda: self._plan_finished()))
        self._plan_signals = self._start(task)

    def _plan_finished(self) -> bool:
        self._planning = False
        if self._plan_pending:
            self._start_plan()
            return False
        return True

    def _planned(self, generation: int, outcome: PlanOutcome) -> None:
        if not self._plan_finished() or generation != self._generation:
            return
        self._outcome = outcome
        self.problems.setText(describe_refusals(outcome.plans))
        self.warnings.setText(describe_warnings(outcome.plans))
        if outcome.blocker is not None:
            self._set_blocker(outcome.blocker)
        else:
            count = len(outcome.plans)
            self.reason.setText(
                f"Ready: {count} bundle{'s' if count != 1 else ''} into {outcome.output}"
            )
            self.build_button.setEnabled(not self.busy)

    def _plan_failed(self, generation: int, message: str) -> None:
        if not self._plan_finished() or generation != self._generation:
            return
        self._outcome = None
        self._set_blocker(message)

    def _set_blocker(self, text: str) -> None:
        self.reason.setText(text)
        self.build_button.setEnabled(False)

    @property
    def ready(self) -> bool:
        """True when the last plan found nothing to stop the build."""
        return self._outcome is not None and self._outcome.blocker is None

    # ----------------------------------------------------------------- building

    def build(self, *, force: bool = False) -> None:
        if self.busy or not self.ready or self.controller.anchors is None:
            return
        self._build_signals = None
        self._result = None
        self.build_button.setEnabled(False)
        self.status.setText("")
        self.mail_outcome.setText("")
        self.progress.setRange(0, 0)
        self.progress_text.setText("Building…")
        self.progress_box.show()
        task = Task(build_for_page, self.controller.case, self.controller.anchors, force)
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
        self.schedule_replan()

    def _built(self, result: object) -> None:
        self._end_build()
        if isinstance(result, ExistingTargets):
            self._ask_replace(result.paths)
            return
        if isinstance(result, PlanOutcome):
            self._outcome = result
            self.status.setText(f"Nothing was written: {result.blocker}.")
            self._set_blocker(result.blocker or "")
            return
        self._show_result(result)  # a BatchResult

    def _show_result(self, result: BatchResult) -> None:
        if result.refused:
            self.problems.setText(describe_refusals(result.plans))
            self.status.setText("Nothing was written: a file is refused.")
            return
        self._result = result
        if result.written and not result.cancelled:
            self.built_for = bundle_inputs(self.controller.case)
            self.bundlesBuilt.emit()
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
            self.build(force=True)
        else:
            self.status.setText("Nothing was replaced: the existing files are as they were.")

    def _build_failed(self, message: str) -> None:
        self._end_build()
        self.status.setText(f"The bundles were not built: {message}")

    def _build_cancelled(self) -> None:
        self._end_build()
        self.status.setText("Cancelled: nothing more was written.")

    # ----------------------------------------------------------------- afterwards

    def _written(self) -> tuple[WrittenBundle, ...]:
        return self._result.written if self._result is not None else ()

    def open_folder(self) -> None:
        written = self._written()
        if written:
            from bundleguard.gui import widgets  # the window's module; loaded when first used

            widgets.open_url(QUrl.fromLocalFile(str(written[0].path.parent)).toString())

    def open_email_draft(self) -> None:
        if self._result is None:
            return
        drafts = tuple(d for d in self._result.drafts if d.attachments)
        if not drafts:
            return
        # A mail program or a clipboard tool is started: never on the event loop.
        self.open_draft_button.setEnabled(False)
        self.mail_outcome.setText("Opening the email draft…")
        task = Task(open_drafts, drafts)
        task.signals.done.connect(self._drafts_opened)
        task.signals.failed.connect(self._drafts_opened)
        self._mail_signals = self._start(task)

    def _drafts_opened(self, message: str) -> None:
        self.open_draft_button.setEnabled(bool(self._written()))
        self.mail_outcome.setText(message)

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
