"""The main window: the steps on the left (any order, each with its status), the pages on
the right, the File menu, drag-and-drop anywhere, and the keyboard shortcuts."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from bundleguard.case.model import SUFFIX, verification_is_current
from bundleguard.errors import BundleGuardError
from bundleguard.gui.case_page import CasePage, hostname_problem
from bundleguard.gui.controller import CaseController, CaseOpenElsewhereError
from bundleguard.gui.widgets import (
    ACCESSIBLE_TEXT_ROLE,
    appliance_url,
    open_url,
    plain_label,
    problem_label,
    show_problem,
)
from bundleguard.text import visible

if TYPE_CHECKING:
    from PySide6.QtGui import QDragEnterEvent, QDropEvent

    from bundleguard.gui.certificates_page import CertificatesPage

log = logging.getLogger("bundleguard.gui")

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"}
STEPS = ("1 Case", "2 Certificates", "3 Screenshot", "4 Bundle & email", "5 Replicate")
PKCS12_SUFFIXES = {".p12", ".pfx"}
PEM_MARK = "-----BEGIN "
GEOMETRY_FILE = "window-geometry"
GEOMETRY_LIMIT = 64 * 1024


LATE_MODULES = (
    "bundleguard.gui.certificates_page",
    "bundleguard.gui.screenshot",
    "bundleguard.gui.bundle_page",
    "bundleguard.gui.replicate_page",
    "bundleguard.gui.verify_panel",
    "bundleguard.gui.rewrap_dialog",
    "bundleguard.gui.passphrase",
    "bundleguard.guard.scan",
)


def _import_pages() -> None:
    """Import what steps 2-5 need (module code only: no widget is made off the GUI thread)."""
    for name in LATE_MODULES:
        try:
            importlib.import_module(name)
        except Exception as error:  # the page says so when it is built; never a crash here
            log.info("%s could not be imported ahead: %s", name, type(error).__name__)


def write_pasted(folder: Path, data: bytes) -> Path:
    """Pasted certificate text as the next free `pasted-N.pem` of the case's folder
    (never through a link out of it: `write_case_file`)."""
    from bundleguard.case.store import write_case_file
    from bundleguard.files import TargetExistsError

    number = 1
    while True:
        name = f"pasted-{number}.pem"
        if not (folder / name).exists() and not (folder / name).is_symlink():
            try:
                return write_case_file(folder, name, data)
            except TargetExistsError:
                pass  # taken meanwhile: the next number
        number += 1


def _placeholder(text: str) -> QWidget:
    page = QWidget()
    layout = QHBoxLayout(page)
    layout.addWidget(plain_label(text, page))
    return page


class MainWindow(QMainWindow):
    firstPainted = Signal()

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

        self.case_page = CasePage(controller)
        # Steps 2 to 5 are built after the first paint (or when first used), so the window
        # shows at once: 3 to 5 pull in Pillow, mss, the bundle writer and the probe, and
        # step 2 would scan the case's files and create most of Qt's enums before it.
        self._late: dict[int, QWidget] = {}
        self._holders = [self.case_page, QWidget(), QWidget(), QWidget(), QWidget()]
        for holder in self._holders[1:]:
            QHBoxLayout(holder).setContentsMargins(0, 0, 0, 0)
        self.steps.addItems(STEPS)
        for page in self._holders:
            self.pages.addWidget(page)
        self.steps.currentRowChanged.connect(self._step_changed)
        self.steps.setCurrentRow(0)
        self._menus()
        self.setTabOrder(self.steps, self.case_page.site)
        controller.caseChanged.connect(self._case_changed)
        controller.saveStateChanged.connect(self._show_notice)
        controller.changedOnDisk.connect(self._ask_changed_on_disk)
        self._case_changed()
        self._restore()
        self._show_notice()
        if controller.open_elsewhere:
            QTimer.singleShot(0, self, self._ask_open_elsewhere_at_start)

    # ---------------------------------------------------------------- pages
    def _optional(self, module: str, name: str, missing: str, *args) -> QWidget:
        try:
            cls = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            log.info("%s is not available yet", module)
            return _placeholder(missing)
        return cls(*args) if args else cls(self.controller)

    @property
    def certificates_page(self) -> CertificatesPage:
        return self._late_page(1)  # type: ignore[return-value]

    @property
    def screenshot_page(self) -> QWidget:
        return self._late_page(2)

    @property
    def bundle_page(self) -> QWidget:
        return self._late_page(3)

    @property
    def replicate_page(self) -> QWidget:
        return self._late_page(4)

    def _late_page(self, index: int) -> QWidget:
        page = self._late.get(index)
        if page is None:
            if index == 1:
                page = self._certificates_page()
            elif index == 2:
                page = self._screenshot_page()
            elif index == 3:
                page = self._optional(
                    "bundleguard.gui.bundle_page",
                    "BundlePage",
                    "The Bundle & email step is not ready.",
                )
                if hasattr(page, "bundlesBuilt"):
                    page.bundlesBuilt.connect(self._update_steps)
            else:
                page = self._optional(
                    "bundleguard.gui.replicate_page",
                    "ReplicatePage",
                    "The Replicate step is not ready.",
                )
                if hasattr(page, "bundleStepRequested"):
                    page.bundleStepRequested.connect(lambda: self.show_step(3))
            self._late[index] = page
            self._holders[index].layout().addWidget(page)
            if index == 2:
                self._share_appliances()
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
        for delay, index in enumerate((1, 2, 3, 4)):
            # The window as context: a window deleted first builds nothing.
            QTimer.singleShot(delay, self, lambda index=index: self._build_late(index))

    def _build_late(self, index: int) -> None:
        # A closed window, or one whose controller has shut down, builds no page ahead of
        # use (a page starts work of its own); a page asked for is still built then.
        if self.isVisible() and not self.controller.shut_down:
            self._late_page(index)

    def _step_changed(self, index: int) -> None:
        if index >= 1:
            self._late_page(index)
        self.pages.setCurrentIndex(index)

    def _certificates_page(self) -> CertificatesPage:
        from bundleguard.gui.certificates_page import CertificatesPage

        page = CertificatesPage(self.controller)
        page.add_button.setToolTip("Add certificate files and folders (Ctrl+O)")
        page.filesScanned.connect(self._update_steps)
        return page

    def _screenshot_page(self) -> QWidget:
        page = self._optional(
            "bundleguard.gui.screenshot",
            "ScreenshotPage",
            "The Screenshot step is not ready.",
            lambda: self.controller.files_dir,
        )
        if hasattr(page, "screenshotSaved"):
            page.screenshotSaved.connect(self._screenshot_saved)
            page.openStatusRequested.connect(self._open_status)
        return page

    def _screenshot_saved(self, hostname: str, path: str) -> None:
        entries = tuple(
            e.__class__(e.hostname, e.role, e.address, path) if e.hostname == hostname else e
            for e in self.controller.case.appliances
        )
        self.controller.update(appliances=entries)

    def _open_status(self, hostname: str) -> None:
        if hostname and not hostname_problem(hostname):
            open_url(appliance_url(hostname))

    def show_step(self, index: int) -> None:
        self.steps.setCurrentRow(index)

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
        self._action(file_menu, "&Paste", self.paste, QKeySequence.StandardKey.Paste)
        self._action(file_menu, "&Build bundles", self.build_bundles, "Ctrl+B")
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "&About bundleguard", self._about)

    def _about(self) -> None:
        from bundleguard.gui.about import show_about

        self.about_dialog = show_about(self)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.controller.store.recent():
            action = self.recent_menu.addAction(str(path))
            action.triggered.connect(lambda _=False, path=path: self.open_case(path))

    # ---------------------------------------------------------------- case files
    def new_case(self) -> None:
        self._unless_unsaved(self._new_case_now, "a new case starts")

    def _new_case_now(self) -> None:
        self.controller.new()
        if 1 in self._late:  # a page not built yet has no hint to take away
            self.certificates_page.set_hint("")
        self.show_step(0)

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

        name, _ = QFileDialog.getSaveFileName(self, "Save case as", "", f"Cases (*{SUFFIX})")
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
    def add_paths(self, paths: list[Path]) -> None:
        """What a drop or the command line gives: a case opens, images go to the screenshot
        step while it is shown, everything else to the certificates."""
        cases = [p for p in paths if p.suffix.lower() == SUFFIX]
        others = [p for p in paths if p.suffix.lower() != SUFFIX]
        if cases:
            self.open_case(cases[0])
        if not others:
            return
        if self.steps.currentRow() == 4 and hasattr(self.replicate_page, "add_pkcs12"):
            exported = [p for p in others if p.suffix.lower() in PKCS12_SUFFIXES]
            if exported:
                # The exported PKCS#12 is checked here; it never joins the case's files.
                self.replicate_page.add_pkcs12(exported[0])
                others = [p for p in others if p not in exported]
                if not others:
                    return
        if self.steps.currentRow() == 2 and hasattr(self.screenshot_page, "use_mime"):
            images = [p for p in others if p.suffix.lower() in IMAGE_SUFFIXES]
            if images:
                from PySide6.QtCore import QMimeData, QUrl

                mime = QMimeData()
                mime.setUrls([QUrl.fromLocalFile(str(images[0]))])
                self.screenshot_page.use_mime(mime, images[0].name)
                others = [p for p in others if p not in images]
        if others:
            self.show_step(1)
            self.certificates_page.add_paths(others)

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
        if self.steps.currentRow() == 2 and hasattr(self.screenshot_page, "paste_image"):
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
        """Pasted PEM text: judged by the guard first; only a certificate is saved, as
        `pasted-N.pem` in the case's folder (in a worker)."""
        from bundleguard.guard.scan import classify_bytes

        data = text.encode("utf-8", "replace")
        report = classify_bytes(data, "pasted text")
        self.show_step(1)
        if report.verdict.value != "certificate":
            reason = " ".join(report.reasons) or "It is not a certificate."
            self.certificates_page.problem.setText(f"The pasted text was not saved: {reason}")
            self.certificates_page.problem.show()
            return
        from bundleguard.gui import workers

        page = self.certificates_page
        task = workers.Task(write_pasted, self.controller.files_dir, data)
        task.signals.done.connect(workers.alive(page, lambda path: page.add_paths([path])))
        task.signals.failed.connect(
            workers.alive(
                page,
                lambda why: show_problem(page.problem, f"The pasted text was not saved: {why}"),
            )
        )
        workers.start(self.controller.pool, task)

    def build_bundles(self) -> None:
        self.show_step(3)
        build = getattr(self.bundle_page, "build", None)
        if callable(build):
            build()

    # ---------------------------------------------------------------- status
    def _share_appliances(self) -> None:
        page = self._late.get(2)
        if page is not None and hasattr(page, "set_appliances"):
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

    def _update_steps(self) -> None:
        case = self.controller.case
        # Before step 2 exists nothing is scanned yet: its files still need attention.
        page = self._late.get(1)
        reports = page.reports if page is not None else {}
        case_ok = bool(case.site and case.appliances) and all(
            a.hostname and not hostname_problem(a.hostname) for a in case.appliances
        )
        verdicts = [reports[f].verdict.value for f in case.files if f in reports]
        certs_ok = "certificate" in verdicts and all(
            v in ("certificate", "image") for v in verdicts
        )
        shots_ok = bool(case.appliances) and all(a.screenshot for a in case.appliances)
        states = (case_ok, certs_ok, shots_ok, case_ok and certs_ok and shots_ok)
        words = ["done" if ok else "needs attention" for ok in states]
        words[3] = "ready to build" if states[3] else "not ready"
        bundle_page = self._late.get(3)
        built_for = getattr(bundle_page, "built_for", None)
        if states[3] and built_for is not None:
            from bundleguard.gui.bundle_page import bundle_inputs

            if built_for == bundle_inputs(case):
                words[3] = "built"
        verification = case.replication.verification
        if verification is None:
            words.append("not verified")
        elif verification_is_current(case) is False:
            words.append("check again: the case changed")
        else:
            words.append("verified" if verification.ok else "verification failed")
        for index, word in enumerate(words):
            item = self.steps.item(index)
            item.setText(f"{STEPS[index]}\n    {word}")
            item.setData(ACCESSIBLE_TEXT_ROLE, f"{STEPS[index]}: {word}")

    # ---------------------------------------------------------------- settings
    def _geometry_path(self) -> Path:
        from bundleguard.folders import config_dir

        return config_dir() / GEOMETRY_FILE

    def _restore(self) -> None:
        """The size and place the window had when it last closed (QSettings would cost
        the first paint a few milliseconds: this is one small file of Qt's own bytes)."""
        from bundleguard.files import read_input_file

        try:
            saved = read_input_file(self._geometry_path(), limit=GEOMETRY_LIMIT)
        except (OSError, BundleGuardError):
            saved = b""
        if not saved or not self.restoreGeometry(QByteArray(saved)):
            self.resize(1000, 720)

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
        panel = getattr(self._late.get(4), "verify_panel", None)
        if panel is not None and hasattr(panel, "cancel"):
            panel.cancel()
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
