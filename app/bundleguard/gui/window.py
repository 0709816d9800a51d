"""The main window: the steps on the left (any order, each with its status), the pages on
the right, the File and Go menus, drag-and-drop anywhere, and the keyboard shortcuts.

The steps are data (`case.steps.Step`): the list, the pages, Ctrl+1 to Ctrl+5 and every
"go to a step" name a `Step`. Each step's words and tooltip are the one judgement of the
case (`case.readiness.readiness`), with the facts the Bundle page gathered: the steps list,
the "Build bundles" button and the "Blockers" list never disagree. Files handed over (a
drop, a paste, Add files) are judged by the guard once and routed by its verdict
(`case.intake.route`): an image becomes an appliance's screenshot, never a certificate row.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QListWidget,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from bundleguard.case.model import SUFFIX
from bundleguard.case.steps import STEPS, Step
from bundleguard.errors import BundleGuardError
from bundleguard.gui.case_page import CasePage, case_as_built, hostname_problem
from bundleguard.gui.controller import CaseController, CaseOpenElsewhereError
from bundleguard.gui.widgets import (
    ACCESSIBLE_TEXT_ROLE,
    appliance_url,
    open_url,
    plain_label,
    plain_tooltip,
    problem_label,
    show_problem,
)
from bundleguard.text import visible

if TYPE_CHECKING:
    from PySide6.QtGui import QDragEnterEvent, QDropEvent

    from bundleguard.case.intake import ScreenshotOffer
    from bundleguard.case.model import Case
    from bundleguard.case.readiness import Readiness
    from bundleguard.gui.bundle_page import BundlePage
    from bundleguard.gui.certificates_page import CertificatesPage, Scanned
    from bundleguard.gui.help import TextWindow
    from bundleguard.gui.recent import RecentCasesMenu
    from bundleguard.gui.replicate_page import ReplicatePage
    from bundleguard.gui.screenshot import ScreenshotPage

log = logging.getLogger("bundleguard.gui")

PEM_MARK = "-----BEGIN "
GEOMETRY_FILE = "window-geometry"
GEOMETRY_LIMIT = 64 * 1024
# The cell that has the keyboard, framed in the text's colour (on the selection's colour
# too): some platforms' styles draw no focus frame in tables and lists. A style sheet that
# styles items draws the selection itself: it is said here as the palette says it.
FOCUSED_CELL = (
    "QAbstractItemView::item:selected { background: palette(highlight);"
    " color: palette(highlighted-text); }"
    "QAbstractItemView::item:focus { border: 2px solid palette(text); }"
)
# The steps where Edit > Remove (Delete) takes something out: an appliance, files.
REMOVABLE = frozenset({Step.CASE, Step.CERTIFICATES})


LATE_MODULES = (
    "bundleguard.gui.certificates_page",
    "bundleguard.gui.screenshot",
    "bundleguard.gui.bundle_page",
    "bundleguard.gui.replicate_page",
    "bundleguard.gui.verify_panel",
    "bundleguard.gui.rewrap_dialog",
    "bundleguard.gui.passphrase",
    "bundleguard.guard.scan",
    # What judging the case's readiness needs (the address and incident checks).
    "bundleguard.bundle.email",
    "bundleguard.bundle.plan",
    "bundleguard.certs.names",
    "bundleguard.case.intake",
)


def _import_pages() -> None:
    """Import what steps 2-5 and the steps' judgement need (module code only: no widget is
    made off the GUI thread)."""
    for name in LATE_MODULES:
        try:
            importlib.import_module(name)
        except Exception as error:  # the page says so when it is built; never a crash here
            log.info("%s could not be imported ahead: %s", name, type(error).__name__)


def write_pasted(folder: Path, text: str, case: Case | None = None) -> Path:
    """Pasted certificate text kept as the next free `pasted-N.pem` of the case's folder:
    the case action (`case.paste.paste_certificate_text`: judged by the guard first, in
    the worker; anything but a certificate refused with its reasons and nothing written;
    written with the careful writer, never through a link out of the folder)."""
    from bundleguard.case.paste import paste_certificate_text

    return paste_certificate_text(folder, text, case=case).path


def step_words(judged: Readiness, step: Step) -> tuple[str, str]:
    """What the steps list says of `step`: its row's words and its tooltip (what stops it,
    what concerns it; the Bundle step is stopped by every blocker)."""
    status = judged.of(step)
    mine = step is Step.BUNDLE
    said = [str(b) for b in judged.blockers if mine or b.step is step]
    said += [str(c) for c in judged.concerns if mine or c.step is step]
    return status.label, "\n".join(said)


class ApplianceChoice(QDialog):
    """Which appliance an image dropped is the screenshot of (its name named none of them):
    `chosen` says the host name, or None when the user cancels."""

    chosen = Signal(object)

    def __init__(self, file_name: str, hostnames: Sequence[str], parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Which appliance?")
        self.setAccessibleName("Which appliance")
        self._hosts = list(hostnames)
        self._said = False
        layout = QVBoxLayout(self)
        question = plain_label(
            f"'{visible(file_name)}' is an image. Which appliance's Status > Basics "
            "screenshot is it?",
            self,
        )
        question.setAccessibleName("Question")
        layout.addWidget(question)
        self.appliances = QListWidget(self)
        self.appliances.setAccessibleName("Appliance for the screenshot")
        self.appliances.addItems([visible(h) for h in self._hosts])  # item text is plain
        self.appliances.setCurrentRow(0)
        self.appliances.itemDoubleClicked.connect(lambda _item: self.accept())
        layout.addWidget(self.appliances)
        row = QHBoxLayout()
        row.addStretch(1)
        use = QPushButton("Use as its screenshot", self)
        use.setAccessibleName("Use as screenshot")
        use.setDefault(True)
        use.clicked.connect(self.accept)
        cancel = QPushButton("Cancel", self)
        cancel.setAccessibleName("Cancel")
        cancel.clicked.connect(self.reject)
        row.addWidget(use)
        row.addWidget(cancel)
        layout.addLayout(row)
        self.finished.connect(self._finished)

    def _finished(self, result: int) -> None:
        if self._said:
            return
        self._said = True
        row = self.appliances.currentRow()
        accepted = result == QDialog.DialogCode.Accepted.value and 0 <= row < len(self._hosts)
        self.chosen.emit(self._hosts[row] if accepted else None)


FOCUS_RING_LIMIT = 100_000  # widgets walked to find a page's last one in Qt's focus ring


class MainWindow(QMainWindow):
    firstPainted = Signal()
    _recent: RecentCasesMenu | None = None  # File > Recent cases, made when first opened
    how_it_works: TextWindow | None = None  # Help > How it works, while it has been shown
    diagnostics: TextWindow | None = None  # what Help > Copy diagnostic information copied

    def __init__(self, controller: CaseController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self._painted = False
        self._close_hooks: list = []
        self.setWindowTitle("bundleguard")
        self.setAccessibleName("bundleguard")
        self.setAcceptDrops(True)

        central = QWidget(self)
        column = QVBoxLayout(central)
        # What is wrong with the case file (not saved, read-only, changed on disk): said
        # at once and kept in sight until it is solved, never a status line that goes.
        self.notice = QWidget(central)
        notice_row = QHBoxLayout(self.notice)
        notice_row.setContentsMargins(0, 0, 0, 0)
        self.notice_text = problem_label(self.notice)
        self.notice_text.setAccessibleName("Case notice")
        self.notice_save = QPushButton("Save case as…", self.notice)
        self.notice_save.setAccessibleName("Save case as")
        self.notice_save.clicked.connect(self.save_as_dialog)
        notice_row.addWidget(self.notice_text, 1)
        notice_row.addWidget(self.notice_save)
        self.notice.hide()
        column.addWidget(self.notice)
        row = QHBoxLayout()
        column.addLayout(row, 1)
        self._close_confirmed = False
        self._question = None
        self.steps = QListWidget(central)
        self.steps.setAccessibleName("Steps")
        self.steps.setMaximumWidth(190)
        self.pages = QStackedWidget(central)
        row.addWidget(self.steps)
        row.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        column.addLayout(self._step_bar(central))

        self.case_page = CasePage(controller)
        self._keyboard_views(self.case_page)
        # Steps 2 to 5 are built after the first paint (or when first used), so the window
        # shows at once: 3 to 5 pull in Pillow, mss, the bundle writer and the probe, and
        # step 2 would scan the case's files and create most of Qt's enums before it.
        self._late: dict[Step, QWidget] = {}
        self._builders = {
            Step.CERTIFICATES: self._certificates_page,
            Step.SCREENSHOT: self._screenshot_page,
            Step.BUNDLE: self._bundle_page,
            Step.REPLICATE: self._replicate_page,
        }
        self._holders: dict[Step, QWidget] = {Step.CASE: self.case_page}
        for step in STEPS:
            if step is not Step.CASE:
                self._holders[step] = QWidget()
                QHBoxLayout(self._holders[step]).setContentsMargins(0, 0, 0, 0)
            self.steps.addItem(step.label)
            self.pages.addWidget(self._holders[step])
        # Judging the case needs the address and incident checks: loaded after the first
        # paint with the pages; until then the steps list shows the steps' names only.
        self._judging = False
        self._screenshot_queue: list[ScreenshotOffer] = []
        # Each appliance's screenshot as the case named it before the last save of one.
        self._named_before: dict[str, str] = {}
        self.appliance_choice = None  # the "Which appliance?" dialog while it is open
        self.steps.currentRowChanged.connect(self._step_changed)
        self.steps.setCurrentRow(Step.CASE.index)
        self._menus()
        self._steps_moved(Step.CASE)
        controller.caseChanged.connect(self._case_changed)
        controller.saveStateChanged.connect(self._show_notice)
        controller.changedOnDisk.connect(self._ask_changed_on_disk)
        self._case_changed()
        self._restore()
        self._show_notice()
        if controller.open_elsewhere:
            QTimer.singleShot(0, self, self._ask_open_elsewhere_at_start)
        if controller.store.set_aside is not None:
            QTimer.singleShot(0, self, self._ask_damaged_at_start)

    # ---------------------------------------------------------------- pages
    @property
    def current_step(self) -> Step:
        row = self.steps.currentRow()
        return STEPS[row] if 0 <= row < len(STEPS) else Step.CASE

    @property
    def certificates_page(self) -> CertificatesPage:
        return self._late_page(Step.CERTIFICATES)  # type: ignore[return-value]

    @property
    def screenshot_page(self) -> ScreenshotPage:
        return self._late_page(Step.SCREENSHOT)  # type: ignore[return-value]

    @property
    def bundle_page(self) -> BundlePage:
        return self._late_page(Step.BUNDLE)  # type: ignore[return-value]

    @property
    def replicate_page(self) -> ReplicatePage:
        return self._late_page(Step.REPLICATE)  # type: ignore[return-value]

    def _late_page(self, step: Step) -> QWidget:
        page = self._late.get(step)
        if page is None:
            page = self._builders[step]()
            self._late[step] = page
            self._holders[step].layout().addWidget(page)
            self._keyboard_views(page)
            if step is Step.SCREENSHOT:
                self._share_appliances()
            elif step is Step.BUNDLE:
                # The Bundle page, built (before the first paint's worker has imported the
                # pages, when the user goes there first): the steps are judged from now on.
                self._judging = True
                self._update_steps()
        return page

    def build_pages(self) -> None:
        """After the first paint: the pages' modules (cryptography, Pillow, the probe) are
        imported in a worker — building the Replicate page cold held the window ~150 ms —
        then the pages are built, one per turn of the event loop."""
        if self.controller.shut_down:
            return
        from bundleguard.gui import workers

        task = workers.Task(_import_pages)
        task.signals.done.connect(workers.alive(self, lambda _: self._build_pages_now()))
        task.signals.failed.connect(workers.alive(self, lambda _: self._build_pages_now()))
        workers.start(self.controller.pool, task)

    def _build_pages_now(self) -> None:
        self._judging = True
        self._update_steps()
        for delay, step in enumerate(self._builders):
            # The window as context: a window deleted first builds nothing.
            QTimer.singleShot(delay, self, lambda step=step: self._build_late(step))

    def _build_late(self, step: Step) -> None:
        # A closed window, or one whose controller has shut down, builds no page ahead of
        # use (a page starts work of its own); a page asked for is still built then.
        if self.isVisible() and not self.controller.shut_down:
            self._late_page(step)

    def _step_changed(self, row: int) -> None:
        step = self.current_step
        browsing = self.steps.hasFocus()  # (before the page that has the keyboard is hidden)
        if step is not Step.CASE:
            self._late_page(step)
        self.pages.setCurrentIndex(row)
        self._steps_moved(step, browsing=browsing)

    def _certificates_page(self) -> CertificatesPage:
        from bundleguard.gui.certificates_page import CertificatesPage

        page = CertificatesPage(self.controller, route=self._route_scanned)
        page.add_button.setToolTip("Add certificate files and folders (Ctrl+O)")
        return page

    def _screenshot_page(self) -> ScreenshotPage:
        from bundleguard.gui.screenshot import ScreenshotPage

        page = ScreenshotPage(lambda: self.controller.files_dir)
        page.screenshotSaved.connect(self._screenshot_saved)
        page.screenshotReplaced.connect(self._screenshot_replaced)
        page.openStatusRequested.connect(self._open_status)
        return page

    def _bundle_page(self) -> BundlePage:
        from bundleguard.gui.bundle_page import BundlePage

        page = BundlePage(self.controller)
        page.readinessChanged.connect(self._update_steps)
        page.bundlesBuilt.connect(self._update_steps)
        return page

    def _replicate_page(self) -> ReplicatePage:
        from bundleguard.gui.replicate_page import ReplicatePage

        page = ReplicatePage(self.controller)
        page.stepRequested.connect(self.show_step)
        return page

    def _screenshot_saved(self, hostname: str, path: str) -> None:
        # What the case named before: Edit > Undo of a new picture gives it back.
        self._named_before = {e.hostname: e.screenshot for e in self.controller.case.appliances}
        entries = tuple(
            dataclasses.replace(e, screenshot=path) if e.hostname == hostname else e
            for e in self.controller.case.appliances
        )
        self.controller.update(appliances=entries)

    def _screenshot_replaced(self, hostname: str, saved) -> None:
        """A new picture is the appliance's screenshot: Edit > Undo can take it back when it
        replaced one (a file kept aside, or another file the case named)."""
        from bundleguard.gui.undo import ReplaceScreenshot

        before = self._named_before.get(hostname, "")
        if saved.kept is not None or (before and before != str(saved.path)):
            command = ReplaceScreenshot(
                self.controller, self.screenshot_page, hostname, saved.path, saved.kept, before
            )
            self.controller.undo_stack.push(command)

    def _open_status(self, hostname: str) -> None:
        if hostname and not hostname_problem(hostname):
            open_url(appliance_url(hostname))

    def show_step(self, step: Step) -> None:
        self.steps.setCurrentRow(step.index)

    def go_to(self, step: Step) -> None:
        """Go > a step (Ctrl+1 … Ctrl+5): show it with the keyboard in its first field, also
        when it is already shown and the keyboard is elsewhere (in the Steps list)."""
        self.show_step(step)
        if (first := self.first_field(step)) is not None:
            first.setFocus()

    # ---------------------------------------------------------------- keyboard
    def _step_bar(self, parent: QWidget) -> QHBoxLayout:
        """The "Back" and "Next" buttons under the pages (Alt+Left, Alt+Right), disabled at
        the ends."""
        self.remove_action: QAction | None = None  # Edit > Remove, made with the menus
        bar = QHBoxLayout()
        bar.addStretch(1)
        self.back_button = QPushButton("Back", parent)
        self.next_button = QPushButton("Next", parent)
        for button, name, keys, move in (
            (self.back_button, "Back", "Alt+Left", -1),
            (self.next_button, "Next", "Alt+Right", 1),
        ):
            button.setAccessibleName(name)
            button.setShortcut(QKeySequence(keys))
            seq = button.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            button.setToolTip(f"{'Previous' if move < 0 else 'Next'} step ({seq})")
            button.clicked.connect(lambda _=False, move=move: self._move_step(move))
            bar.addWidget(button)
        return bar

    def _move_step(self, move: int) -> None:
        index = self.current_step.index + move
        if 0 <= index < len(STEPS):
            self.show_step(STEPS[index])

    def _steps_moved(self, step: Step, *, browsing: bool = False) -> None:
        """A step is shown: Back and Next say where they lead, Edit > Remove whether this
        step has something to remove, and the keyboard starts in the step's first field
        (unless the user is moving through the Steps list itself: then Tab leads there)."""
        self.back_button.setEnabled(step.index > 0)
        self.next_button.setEnabled(step.index < len(STEPS) - 1)
        if self.remove_action is not None:
            self.remove_action.setEnabled(step in REMOVABLE)
        first = self.first_field(step)
        if first is None:
            return
        self._chain_tabs(step, first)
        if not browsing:
            first.setFocus()

    def _chain_tabs(self, step: Step, first: QWidget) -> None:
        """Tab goes from the Steps list to the step's first field, through the page in its
        own order, then to Back and Next. The page's widgets keep their places in Qt's
        focus ring (moving `first` would cut the page's own order: Tab from Site once led
        to Next); the Steps list is put just before them and Back and Next just after."""
        holder = self._holders[step]
        last = first
        widget = first.nextInFocusChain()
        for _ in range(FOCUS_RING_LIMIT):  # once round the ring (bounded, come what may)
            if widget is None or widget is first:
                break
            if holder.isAncestorOf(widget):
                last = widget
            widget = widget.nextInFocusChain()
        before = first.previousInFocusChain()
        if before is not None and before is not self.steps:
            self.setTabOrder(before, self.steps)
        self.setTabOrder(self.steps, first)
        self.setTabOrder(last, self.back_button)
        self.setTabOrder(self.back_button, self.next_button)

    def first_field(self, step: Step) -> QWidget | None:
        """The control Tab reaches first on `step`'s page (its first field)."""
        if step is Step.CASE:
            return self.case_page.site  # no walk before the first paint (Qt's enums, widgets.py)
        from PySide6.QtCore import Qt

        holder = self._holders[step]
        tab = Qt.FocusPolicy.TabFocus.value
        widget = holder.nextInFocusChain()
        while widget is not holder and widget is not None:
            if (
                holder.isAncestorOf(widget)
                and widget.focusPolicy().value & tab
                and widget.isEnabled()
                and widget.isVisibleTo(holder)
            ):
                return widget
            widget = widget.nextInFocusChain()
        return None

    def _keyboard_views(self, page: QWidget) -> None:
        """Every table and list of a page: Tab leaves it (the arrows move inside it), and
        the cell that has the keyboard is framed, whatever the platform's style draws."""
        for view in page.findChildren(QAbstractItemView):
            view.setTabKeyNavigation(False)
            view.setStyleSheet(FOCUSED_CELL)

    def remove_selected(self) -> None:
        """Edit > Remove (Delete): the selected appliance on the Case step, the selected
        files on the Certificates step (`REMOVABLE`)."""
        step = self.current_step
        if step is Step.CASE:
            self.case_page.remove_selected()
        elif step is Step.CERTIFICATES:
            self.certificates_page.remove_selected()

    def _edit_menu(self, menu) -> None:
        """Undo, Redo (the controller's `QUndoStack`), Remove (Delete) and the paste."""
        stack = self.controller.undo_stack
        undo = self._action(menu, "&Undo", stack.undo, QKeySequence.StandardKey.Undo)
        redo = self._action(menu, "&Redo", stack.redo, QKeySequence.StandardKey.Redo)
        redo.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.Redo))  # Ctrl+Y too
        from shiboken6 import isValid

        for action, verb in ((undo, "Undo"), (redo, "Redo")):
            can = getattr(stack, f"can{verb}")()
            enabled = getattr(stack, f"can{verb}Changed")
            text = getattr(stack, f"{verb.lower()}Text")()
            said = getattr(stack, f"{verb.lower()}TextChanged")
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)

            # From the signals' own values: the stack may be going away (it outlives the
            # window, or not) when it says so.
            def say(text: str, action=action, verb=verb, keys=keys) -> None:
                if isValid(action):
                    what = f"{verb} {text}" if text else f"Nothing to {verb.lower()}"
                    action.setToolTip(plain_tooltip(f"{what} ({keys})"))

            action.setEnabled(can)
            enabled.connect(action.setEnabled)
            said.connect(say)
            say(text)
        self.undo_action, self.redo_action = undo, redo
        menu.addSeparator()
        self.remove_action = self._action(
            menu,
            "Re&move",
            self.remove_selected,
            QKeySequence.StandardKey.Delete,
            tip="Remove the selected file or appliance",
        )
        self.remove_action.setEnabled(self.current_step in REMOVABLE)
        self._action(menu, "&Paste certificate text", self.paste, QKeySequence.StandardKey.Paste)

    # ---------------------------------------------------------------- menus
    def _action(self, menu, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            # setShortcuts([one]) is setShortcut(one) without the overloads that create the
            # Qt namespace's enums before the first paint (see widgets.py).
            action.setShortcuts([QKeySequence(shortcut)])
            seq = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(f"{tip or text} ({seq})")
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "&New case", self.new_case, QKeySequence.StandardKey.New)
        self._action(file_menu, "&Open case…", self.open_case_dialog, "Ctrl+Shift+O")
        self._action(file_menu, "Save case &as…", self.save_as_dialog, "Ctrl+Shift+S")
        self.recent_menu = file_menu.addMenu("&Recent cases")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu.addSeparator()
        self._action(
            file_menu, "Add &files…", lambda: self.certificates_page.choose_files(), "Ctrl+O"
        )
        self._action(file_menu, "&Build bundles", self.build_bundles, "Ctrl+B")
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        self._edit_menu(self.menuBar().addMenu("&Edit"))
        go_menu = self.menuBar().addMenu("&Go")
        for step in STEPS:
            self._action(
                go_menu,
                f"&{step.number} {step.title.replace('&', '&&')}",
                lambda _=False, step=step: self.go_to(step),
                f"Ctrl+{step.number}",
                tip=f"Go to step {step.number}, {step.title}",
            )
        help_menu = self.menuBar().addMenu("&Help")
        self._action(
            help_menu, "&How it works", self._how_it_works, QKeySequence.StandardKey.HelpContents
        )
        self._action(help_menu, "&About bundleguard", self._about)
        self._action(help_menu, "&Copy diagnostic information", self._copy_diagnostics)

    def _about(self) -> None:
        from bundleguard.gui.about import show_about

        self.about_dialog = show_about(self)

    def _how_it_works(self) -> None:
        """The steps explained (`gui.help`), in a window beside the case (one at a time)."""
        from bundleguard.gui.help import show_how_it_works

        if self.how_it_works is not None and self.how_it_works.isVisible():
            self.how_it_works.raise_()
            self.how_it_works.activateWindow()
            return
        self.how_it_works = show_how_it_works(self)

    def _copy_diagnostics(self) -> None:
        """Versions, platform and the last log lines on the clipboard, shown as copied."""
        from bundleguard.gui.help import copy_diagnostics

        if self.diagnostics is not None:
            self.diagnostics.close()  # the one shown says what is on the clipboard now
        self.diagnostics = copy_diagnostics(self.controller, self, self.current_step)

    def _fill_recent(self) -> None:
        """File > Recent cases, each by its site and incident (`gui.recent`)."""
        from bundleguard.gui.recent import RecentCasesMenu

        if self._recent is None:
            self._recent = RecentCasesMenu(
                self.recent_menu, self.controller.store, self.open_case, self.controller.pool
            )
        self._recent.fill()

    # ---------------------------------------------------------------- case files
    def new_case(self) -> None:
        self._unless_unsaved(self._new_case_now, "a new case starts")

    def _new_case_now(self) -> None:
        self.controller.new()
        if Step.CERTIFICATES in self._late:  # a page not built yet has no hint to take away
            self.certificates_page.set_hint("")
        self.show_step(Step.CASE)

    def open_case_dialog(self, on_cancel=None) -> bool:
        """Ask which case, and open it; `on_cancel()` when none was opened in the end."""
        from PySide6.QtWidgets import QFileDialog

        name, _ = QFileDialog.getOpenFileName(self, "Open case", "", f"Cases (*{SUFFIX})")
        if not name:
            if on_cancel is not None:
                on_cancel()
            return False
        return self.open_case(Path(name), on_cancel=on_cancel)

    def open_case(self, path: Path, *, read_only: bool = False, on_cancel=None) -> bool:
        """Open the case at `path` (work not saved yet is not dropped unasked)."""
        return self._unless_unsaved(
            lambda: self._open_case_now(path, read_only=read_only, on_cancel=on_cancel),
            "another case opens",
        )

    def _open_case_now(self, path: Path, *, read_only: bool, on_cancel) -> bool:
        try:
            self.controller.open(path, read_only=read_only)
        except CaseOpenElsewhereError as error:
            self._ask_open_elsewhere(error.path, on_cancel)
            return False
        except BundleGuardError as error:
            self.message(str(error))
            if on_cancel is not None:
                on_cancel()
            return False
        return True

    def save_as_dialog(self) -> bool:
        """Ask where, and save the case there (True when it was saved)."""
        from PySide6.QtWidgets import QFileDialog

        from bundleguard.gui.details import case_output_folder  # never where a key came from

        start = str(case_output_folder(self.controller))
        name, _ = QFileDialog.getSaveFileName(self, "Save case as", start, f"Cases (*{SUFFIX})")
        if not name:
            return False
        path = Path(name)
        if path.suffix != SUFFIX:
            path = path.with_name(path.name + SUFFIX)
        try:
            self.controller.save_as(path)
        except BundleGuardError as error:
            self.message(str(error))
            return False
        except OSError:
            self.message(f"The case could not be saved to {visible(str(path))}.")
            return False
        return True

    # ---------------------------------------------------------------- the case file's state
    def _show_notice(self) -> None:
        controller = self.controller
        where = visible(str(controller.path))
        if controller.conflict:
            text = (
                f"'{where}' was changed by another program after this window read it: your "
                "changes are not saved yet."
            )
        elif controller.save_problem:
            text = controller.save_problem
        elif controller.read_only:
            text = (
                f"'{where}' is open read-only (another window is changing it): nothing is "
                "written to it. Save it as another case to keep your changes."
            )
        else:
            text = controller.warning or ""
        self.notice_text.setText(text)
        self.notice_text.setVisible(bool(text))
        self.notice_save.setVisible(
            controller.conflict or bool(controller.save_problem) or controller.read_only
        )
        self.notice.setVisible(bool(text))

    def ask(self, name: str, text: str, choices, *, cancel=None):
        """A plain question that does not block the window: `choices` are (words, slot)
        pairs; `cancel`, when given, is called for Cancel (a Cancel button is added)."""
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Question, "bundleguard", text, parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAccessibleName(name)
        slots = {}
        for words, slot in choices:
            button = box.addButton(words, QMessageBox.ButtonRole.AcceptRole)
            button.setAccessibleName(words.rstrip("…"))
            slots[button] = slot
        if cancel is not None:
            button = box.addButton(QMessageBox.StandardButton.Cancel)
            button.setAccessibleName("Cancel")
            slots[button] = cancel
            box.setEscapeButton(button)

        def answered(button) -> None:
            self._question = None
            slot = slots.get(button)
            if slot is not None:
                slot()

        def finished(_result: int) -> None:
            if self._question is box:
                self._question = None

        box.buttonClicked.connect(answered)
        box.finished.connect(finished)
        self._question = box
        self.last_question = box
        box.open()
        return box

    def _ask_open_elsewhere(self, path: Path, on_cancel=None) -> None:
        def read_only() -> None:
            self.open_case(path, read_only=True, on_cancel=on_cancel)

        def another() -> None:
            self.open_case_dialog(on_cancel=on_cancel)

        self.ask(
            "Case open elsewhere",
            f"'{visible(str(path))}' is open in another bundleguard window. Only one window may "
            "change a case: open it read-only here (nothing is written to it), or open "
            "another case.",
            [("Open read-only", read_only), ("Open another case…", another)],
            cancel=on_cancel or (lambda: None),
        )

    def _ask_open_elsewhere_at_start(self) -> None:
        """The last case is open in another window: this one must not write it."""
        if not self.controller.open_elsewhere:
            return
        path = self.controller.path

        def keep_read_only() -> None:
            self.controller.open_elsewhere = False
            self._show_notice()

        def start_new() -> None:
            if self.controller.open_elsewhere:
                self.new_case()

        self.ask(
            "Case open elsewhere",
            f"'{visible(str(path))}' is open in another bundleguard window. Only one window may "
            "change a case: open it read-only here (nothing is written to it), or open "
            "another case. Cancel starts a new case.",
            [
                ("Open read-only", keep_read_only),
                ("Open another case…", lambda: self.open_case_dialog(on_cancel=start_new)),
            ],
            cancel=start_new,
        )

    def _ask_damaged_at_start(self) -> None:
        """The last case could not be opened (it was left as it is, a new case started):
        a dialog that stays until the user chooses (`gui.damaged`), asked once."""
        from bundleguard.gui.damaged import DamagedCaseDialog

        path, self.controller.store.set_aside = self.controller.store.set_aside, None
        if path is None:
            return

        def start_new() -> None:
            self.controller.warning = None  # said in the dialog, and answered
            self._show_notice()

        self.damaged_dialog = DamagedCaseDialog(
            path,
            self.controller.warning or "",
            self,
            open_another=self.open_case_dialog,
            start_new=start_new,
        )
        self.damaged_dialog.open()

    def _ask_changed_on_disk(self) -> None:
        """Another program wrote the case since we read it: never overwrite it unasked."""
        if self._question is not None and self._question.accessibleName() == "Case changed":
            return

        def reload() -> None:
            try:
                self.controller.reload()
            except BundleGuardError as error:
                self.message(str(error))

        def mine_elsewhere() -> None:
            if not self.save_as_dialog():
                self._ask_changed_on_disk()  # still unsolved: ask again

        self.ask(
            "Case changed",
            f"'{visible(str(self.controller.path))}' was changed by another program after this "
            "window read it. Reload it (your changes here are dropped), save yours as "
            "another case, or overwrite the other program's changes?",
            [
                ("Reload it", reload),
                ("Save mine as…", mine_elsewhere),
                ("Overwrite", self.controller.overwrite),
            ],
        )

    def message(self, text: str) -> None:
        """A plain message box (its text never interpreted)."""
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Warning, "bundleguard", text, parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        self.last_message = box
        box.open()

    # ---------------------------------------------------------------- files in
    _handed_over: frozenset[str] = frozenset()  # the paths of the latest add_paths

    def add_paths(self, paths: Sequence[Path]) -> None:
        """What a drop, a paste or the command line hands over: every file is judged once
        by the guard (on the Certificates page, which shows the scan, in its worker) and
        goes where its content says (`_route_scanned`): a case file, whatever its name,
        opens as a case; a file named `.bgcase` that is none is judged like any other."""
        if not paths:
            return
        self._handed_over = frozenset(os.path.abspath(p) for p in paths)
        # On the Screenshot and Replicate steps the user stays where they dropped: an
        # image, or the exported PKCS#12, is for that step; elsewhere the scan is shown.
        if self.current_step not in (Step.SCREENSHOT, Step.REPLICATE):
            self.show_step(Step.CERTIFICATES)
        self.certificates_page.add_paths([Path(p) for p in paths])

    def _route_scanned(self, scanned: Scanned) -> Scanned:
        """Where the files of a scan go, by the guard's verdict (`case.intake.route`): what
        stays for the certificate list is returned; a case file handed over opens (with the
        "unsaved changes?" question when there are some), images are offered as
        screenshots, and on the Replicate step an exported PKCS#12 goes to its check. Files
        the case already holds stay where they are."""
        from bundleguard.case.intake import case_documents, route

        case = self.controller.case
        known = set(case.files)
        fresh = [r for path, r in scanned.reports.items() if path not in known]
        step = self.current_step
        shots = self._late.get(Step.SCREENSHOT)
        shown = shots.current_hostname() if shots is not None else None
        cases = case_documents(scanned.evidence, self._handed_over)
        hosts = [a.hostname for a in case.appliances]
        routed = route(fresh, hosts, step=step, shown=shown, cases=cases)
        elsewhere = {os.path.abspath(p) for p in routed.exports}
        elsewhere |= {os.path.abspath(o.path) for o in routed.screenshots}
        elsewhere |= {os.path.abspath(p) for p in routed.cases}
        kept = scanned
        if elsewhere:
            kept = dataclasses.replace(
                scanned,
                reports={p: r for p, r in scanned.reports.items() if p not in elsewhere},
                addable=tuple(p for p in scanned.addable if p not in elsewhere),
            )
        if routed.cases:
            # The app's own document, known by its content: it opens, and never becomes a
            # file of the case. One case is open at a time.
            if len(routed.cases) > 1:
                names = ", ".join(visible(Path(p).name) for p in routed.cases[1:])
                self.statusBar().showMessage(f"One case opens at a time: {names} not opened.")
            self.open_case(Path(routed.cases[0]))
        if routed.exports:
            # The exported PKCS#12 is checked there; it never joins the case's files.
            self.replicate_page.add_pkcs12(Path(routed.exports[0]))
        if routed.screenshots:
            self._offer_screenshots(routed.screenshots)
        if routed.certificates and step is not Step.CERTIFICATES:
            self.show_step(Step.CERTIFICATES)
        elif routed.screenshots and not routed.certificates and not routed.exports:
            self.show_step(Step.SCREENSHOT)
        return kept

    def _offer_screenshots(self, offers: Sequence[ScreenshotOffer]) -> None:
        """Each image becomes the screenshot of the appliance its name carries; for the
        others the user is asked which appliance, one at a time."""
        hosts = [a.hostname for a in self.controller.case.appliances if a.hostname]
        if not hosts:
            names = ", ".join(visible(Path(o.path).name) for o in offers)
            self.statusBar().showMessage(
                f"{names}: an image, not a certificate. Add its appliance in step "
                f"{Step.CASE.number}, {Step.CASE.title}, then drop it on step "
                f"{Step.SCREENSHOT.number}, {Step.SCREENSHOT.title}."
            )
            return
        for offer in offers:
            if offer.hostname in hosts:
                self._use_screenshot(offer.hostname, offer.path)
            else:
                self._screenshot_queue.append(offer)
        self._ask_next_screenshot()

    def _use_screenshot(self, hostname: str, path: str) -> None:
        from PySide6.QtCore import Qt

        page = self.screenshot_page
        choices = page.appliance_list
        for row in range(choices.count()):
            if choices.item(row).data(Qt.ItemDataRole.UserRole) == hostname:
                choices.setCurrentRow(row)
                break
        if page.current_hostname() == hostname and page.use_file(Path(path)):
            self.statusBar().showMessage(
                f"{visible(Path(path).name)} is the Status > Basics screenshot of "
                f"{visible(hostname)} (step {Step.SCREENSHOT.number}, {Step.SCREENSHOT.title})."
            )

    def _ask_next_screenshot(self) -> None:
        if self.appliance_choice is not None or not self._screenshot_queue:
            return
        offer = self._screenshot_queue.pop(0)
        hosts = [a.hostname for a in self.controller.case.appliances if a.hostname]
        dialog = ApplianceChoice(Path(offer.path).name, hosts, self)
        self.appliance_choice = dialog

        def answered(hostname: str | None) -> None:
            self.appliance_choice = None
            dialog.deleteLater()
            if hostname:
                self._use_screenshot(hostname, offer.path)
            self._ask_next_screenshot()

        dialog.chosen.connect(answered)
        dialog.open()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() or event.mimeData().hasText():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        paths = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.add_paths(paths)
        elif mime.hasText() and PEM_MARK in mime.text():
            event.acceptProposedAction()
            self.add_pem_text(mime.text())
        else:
            event.ignore()

    def paste(self) -> None:
        from PySide6.QtGui import QGuiApplication

        mime = QGuiApplication.clipboard().mimeData()
        if mime is None:
            return
        if self.current_step is Step.SCREENSHOT:
            self.screenshot_page.paste_image()
            return
        paths = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
        if paths:
            self.add_paths(paths)
        elif mime.hasText() and PEM_MARK in mime.text():
            self.add_pem_text(mime.text())
        else:
            self.statusBar().showMessage(
                "The clipboard holds neither files nor PEM text of a certificate."
            )

    def add_pem_text(self, text: str) -> None:
        """Pasted PEM text: judged by the guard and, only when it is a certificate, saved
        as `pasted-N.pem` in the case's folder (both in a worker); then added."""
        from bundleguard.gui import workers

        self.show_step(Step.CERTIFICATES)
        page = self.certificates_page
        task = workers.Task(write_pasted, self.controller.files_dir, text, self.controller.case)
        task.signals.done.connect(workers.alive(page, lambda path: page.add_paths([path])))
        task.signals.failed.connect(
            workers.alive(
                page,
                lambda why: show_problem(page.problem, f"The pasted text was not saved: {why}"),
            )
        )
        workers.start(self.controller.pool, task)

    def build_bundles(self) -> None:
        self.show_step(Step.BUNDLE)
        self.bundle_page.build()

    # ---------------------------------------------------------------- status
    def _share_appliances(self) -> None:
        page = self._late.get(Step.SCREENSHOT)
        if page is not None:
            case = self.controller.case
            page.set_appliances(
                [a.hostname for a in case.appliances if a.hostname],
                {a.hostname: a.screenshot for a in case.appliances if a.screenshot},
            )

    def _case_changed(self) -> None:
        case = self.controller.case
        self._share_appliances()
        # Qt appends the application's display name ("— bundleguard") where the platform
        # shows it in titles: saying it here too showed it twice.
        title = case.site or "new case"
        self.setWindowTitle(f"{title} (read-only)" if self.controller.read_only else title)
        self._update_steps()

    def readiness(self) -> Readiness | None:
        """The one judgement of the case as it is now, with what the Bundle page last
        gathered from its files (None before the first paint: nothing is judged yet)."""
        if not self._judging:
            return None
        from bundleguard.case.readiness import readiness

        case = case_as_built(self.controller.case)  # no folder named: the default one
        page = self._late.get(Step.BUNDLE)
        if page is None:
            return readiness(case)
        return readiness(case, page.facts, built=page.built_for)

    def _update_steps(self) -> None:
        judged = self.readiness()
        for step in STEPS:
            item = self.steps.item(step.index)
            if judged is None:
                item.setText(step.label)
                continue
            word, tip = step_words(judged, step)
            item.setText(f"{step.label}\n    {word}")
            item.setData(ACCESSIBLE_TEXT_ROLE, f"{step.label}: {word}")
            item.setToolTip(plain_tooltip(tip) if tip else "")

    # ---------------------------------------------------------------- settings
    def _geometry_path(self) -> Path:
        from bundleguard.folders import config_dir

        return config_dir() / GEOMETRY_FILE

    def _restore(self) -> None:
        """The size and place the window had when it last closed (QSettings would cost
        the first paint a few milliseconds: this is one small file of Qt's own bytes),
        moved and shrunk into the screen's available area when it no longer fits there (a
        smaller screen, a monitor unplugged); a first window is centred, at a size that
        fits a 1280×720 screen (`placement`)."""
        from bundleguard.files import read_input_file
        from bundleguard.gui.placement import DEFAULT_SIZE, place_on_screen

        try:
            saved = read_input_file(self._geometry_path(), limit=GEOMETRY_LIMIT)
        except (OSError, BundleGuardError):
            saved = b""
        restored = bool(saved) and self.restoreGeometry(QByteArray(saved))
        if not restored:
            self.resize(*DEFAULT_SIZE)
        place_on_screen(self, centre=not restored)

    def _remember_geometry(self) -> None:
        from bundleguard.files import write_file_atomic

        path = self._geometry_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_file_atomic(path, bytes(self.saveGeometry().data()), force=True)
        except (OSError, BundleGuardError) as error:
            log.warning("The window's size could not be saved: %s", type(error).__name__)

    def when_closed(self, hook) -> None:
        """Call `hook()` once when the window closes (the demo's fake appliances stop)."""
        self._close_hooks.append(hook)

    def run_close_hooks(self) -> None:
        hooks, self._close_hooks = self._close_hooks, []
        for hook in hooks:
            try:
                hook()
            except Exception as error:  # closing goes on whatever a hook does
                log.error("A close hook failed: %s", type(error).__name__)

    def closeEvent(self, event) -> None:
        if not self._close_confirmed and not self.controller.save():
            # Not saved (a failed save, a read-only case, a case changed on disk): ask
            # before the work is lost.
            event.ignore()
            if self._question is None:
                self._ask_before_close()
            return
        # A live check in flight would hold the app open until its timeout: cancel it.
        replicate = self._late.get(Step.REPLICATE)
        if replicate is not None:
            replicate.verify_panel.cancel()
        self._remember_geometry()
        self.controller.release()
        self.run_close_hooks()
        super().closeEvent(event)

    def _ask_before_close(self) -> None:
        def close_anyway() -> None:
            self._close_confirmed = True
            self.close()

        self._unless_unsaved(close_anyway, "the window closes", "Close without saving")

    def _unless_unsaved(self, proceed, before: str, drop: str = "Discard my changes"):
        """`proceed()` now when the case's work is saved (or saves now); otherwise ask
        first: save it as another case, drop it, or cancel. Returns what `proceed` did
        (False when it waits for the answer)."""
        if self.controller.save():
            return proceed()
        if self._question is not None:
            return False  # already asking about this case

        def save_then() -> None:
            if self.save_as_dialog():
                proceed()

        self.ask(
            "Unsaved changes",
            f"Your changes to this case are not saved. Save them as a case somewhere else "
            f"before {before}?",
            [("Save case as…", save_then), (drop, proceed)],
            cancel=lambda: None,
        )
        return False

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.firstPainted.emit()
            QTimer.singleShot(0, self.build_pages)
