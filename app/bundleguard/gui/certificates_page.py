"""Step 2, the certificates: every file with the guard's verdict, the fix for a refused
key container, and what the core says about the chain (order, coverage, expiry, trust).

All judging is the core's: every file is read and judged once per change on disk by the
case's evidence (`case.evidence`: the guard's report, with the certificates it parsed and,
for a refused file, whether its certificates can be extracted); the chain, coverage and
trust come from `certs.inspect.inspect_files` over the evidence's bytes, never a second
read; `case.extract` writes extracted certificates. Scans, extraction and inspection run in
workers; the window's thread only shows their reports (selecting a file reads nothing).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractListModel, QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QBrush, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bundleguard.case.model import MAX_FILES
from bundleguard.gui import workers
from bundleguard.gui.controller import CaseController, sort_addable
from bundleguard.gui.widgets import (
    VERDICT_ICONS,
    VERDICT_WORDS,
    plain_label,
    plain_tooltip,
    problem_colour,
    problem_label,
    show_problem,
)
from bundleguard.text import visible

if TYPE_CHECKING:
    from bundleguard.case.evidence import FileEvidence

log = logging.getLogger("bundleguard.gui")

PATH_ROLE = Qt.ItemDataRole.UserRole + 1
VERDICT_ROLE = Qt.ItemDataRole.UserRole + 2
CHAIN_INDEX_ROLE = Qt.ItemDataRole.UserRole + 3
# What the list shows ("Show"): every file, the refused ones, or the accepted ones.
SHOW_ALL, SHOW_REFUSED, SHOW_ACCEPTED = "All", "Refused", "Accepted"
BATCH = 25
CASE_FULL = (
    "it and the files after it were not added: a case holds at most {limit:,} files "
    "(make a case per appliance, or remove files first)."
)
NOT_ADDED_SHOWN = 10


def trust_answer(trust) -> str:
    """The trust answer in one sentence: the core's (`certs.trust.trust_sentence`), the
    same words on every page."""
    from bundleguard.certs.trust import trust_sentence

    return trust_sentence(trust)


def __getattr__(name: str):
    # The sentences themselves live in `certs.trust` (imported only when asked for: the
    # page's first paint does not need cryptography's x509).
    if name in ("NO_UPDATE", "UPDATE", "SELF_SIGNED_UPDATE"):
        from bundleguard.certs import trust

        return getattr(trust, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def count_words(total: int, accepted: int, refused: int, listed: int) -> str:
    """ "12 files: 10 accepted, 2 refused" (and how many are being checked, or shown)."""
    if not total:
        return "No files yet."
    text = f"{total:,} file{'s' if total != 1 else ''}: {accepted:,} accepted, {refused:,} refused"
    checking = total - accepted - refused
    if checking:
        text += f", {checking:,} being checked"
    if listed != total:
        text += f" ({listed:,} shown)"
    return text


# ------------------------------------------------------------------ work (no Qt)
@dataclass(frozen=True)
class Scanned:
    """A scan's outcome: each file's report (and its evidence), and what was not added,
    with the reason (a link out of a dropped folder, a folder past the walker's depth,
    files past the most a case holds)."""

    reports: dict
    not_added: tuple[tuple[str, str], ...] = ()
    addable: tuple[str, ...] = ()  # the new files the case can take ...
    checked_for: object = None  # ... checked against this case (`sort_addable`)
    evidence: dict = field(default_factory=dict)  # path -> `case.evidence.FileEvidence`


def _walker_refused(report, path: str) -> bool:
    """A report the walker made instead of a scan: for a link it did not follow or a
    folder it did not enter (these are not files of the case)."""
    return report.verdict.value in ("refused", "error") and (
        os.path.islink(path) or os.path.isdir(path)
    )


def scan_paths(
    paths: Sequence[Path],
    *,
    progress: Callable,
    cancel: workers.Cancel,
    case=None,
    case_file: Path | None = None,
    evidence=None,
) -> Scanned:
    """Walk folders with the guard's one walker and give every file the guard's verdict
    through the case's `evidence` (default: the process's one cache; a file unchanged
    since it was judged is not read again), reporting in batches. With the `case` (saved
    at `case_file`): files past the most it holds are not scanned, and the ones it cannot
    take are sorted out, with the reason."""
    # What the page needs to show a refused file's fix, imported here in the worker: the
    # GUI thread would otherwise pay for cryptography's x509 import when the scan ends.
    import bundleguard.certs.load  # noqa: F401
    from bundleguard.case.evidence import shared_evidence, walk

    cache = evidence if evidence is not None else shared_evidence()

    given = {os.path.abspath(p) for p in paths}
    known = frozenset(case.files) if case is not None else frozenset()
    room = max(0, MAX_FILES - len(known)) if case is not None else None
    # Folders are walked before the first report: until then, how many is not known.
    total = 0 if any(os.path.isdir(p) for p in paths) else len(paths)
    progress(0, total, "")
    reports: dict = {}
    judged: dict = {}
    not_added: list[tuple[str, str]] = []
    new = 0
    done = 0
    # One thread: the window's worker (a process pool would spawn a second app).
    for entry in walk([Path(p) for p in paths]):
        cancel.check()
        done += 1
        if isinstance(entry, Path):
            path = os.path.abspath(entry)
            report = None
        else:  # the walker's report on what it did not enter or follow
            path, report = os.path.abspath(entry.path), entry
            if path not in given and _walker_refused(report, path):
                not_added.append((path, " ".join(report.reasons)))
                continue
        if path not in known and path not in reports:
            if room is not None and new >= room:
                not_added.append((path, CASE_FULL.format(limit=MAX_FILES)))
                break  # nothing past the limit is scanned
            new += 1
        if report is None:
            judged[path] = cache.judge_one(path)
            report = judged[path].report
        reports[path] = report
        if done % BATCH == 0:
            progress(done, total, os.path.basename(path))
    progress(done, done, "")
    if case is None:
        return Scanned(reports, tuple(not_added), evidence=judged)
    sorted_out = sort_addable(case, case_file, list(reports))
    return Scanned(
        reports,
        (*not_added, *sorted_out.refused),
        sorted_out.added,
        checked_for=case,
        evidence=judged,
    )


def inspect_case(
    files: Sequence[str], site: str, appliances: Sequence[str], anchors, evidence=None
):
    """The core's inspect report for the accepted certificate files (None without any),
    from the bytes the case's `evidence` judged (default: the process's one cache): a
    file unchanged on disk is not read again."""
    from bundleguard.case.evidence import shared_evidence
    from bundleguard.certs.inspect import InputFile, inspect_files

    judged = (evidence if evidence is not None else shared_evidence()).judge(files)
    inputs = [
        InputFile(Path(path).name, entry.data)
        for path, entry in judged.entries.items()
        if entry.verdict == "certificate" and entry.data is not None
    ]
    if not inputs:
        return None
    return inspect_files(
        inputs, site=site or None, appliances=[a for a in appliances if a], anchors=anchors
    )


def extract_to(path: Path, passphrase: bytes | None, folder: Path, anchors, known=()):
    """The case action `extract_certificates` for the window: the certificates of a key
    container written into the case's folder (never through a link out of it), those
    among `known` (certificates the case already holds) not a second time."""
    from bundleguard.case.extract import extract_certificates

    return extract_certificates(
        path,
        passphrase,
        folder,
        anchors=anchors.all if anchors is not None else (),
        for_case=True,
        known=known,
    )


# ------------------------------------------------------------------ the file list
REFUSED = frozenset(("secret", "refused", "error"))
# Plain ints: `data()` is given the role as an int, and asked for it for every shown row.
_DISPLAY = Qt.ItemDataRole.DisplayRole.value
_ACCESSIBLE = Qt.ItemDataRole.AccessibleTextRole.value
_DECORATION = Qt.ItemDataRole.DecorationRole.value
_TOOLTIP = Qt.ItemDataRole.ToolTipRole.value
_FOREGROUND = Qt.ItemDataRole.ForegroundRole.value
_PATH = int(PATH_ROLE)
_VERDICT = int(VERDICT_ROLE)


class FileListModel(QAbstractListModel):
    """The case's files with their verdicts: one model reset for 1,000 files (not 1,000
    items built in the GUI thread); icons, tooltips and colours are made when a row is
    shown. Each row: (path, verdict, 'name — verdict word', the guard's reasons)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, str, str, str]] = []
        self._icons: dict[str, object] = {}
        self._icon_source: Callable[[str], object] | None = None
        self._red: QBrush | None = None

    def set_rows(
        self,
        rows: list[tuple[str, str, str, str]],
        icon: Callable[[str], object],
        red: QBrush,
    ) -> None:
        self.beginResetModel()
        self._rows = rows
        self._icons = {}
        self._icon_source = icon
        self._red = red
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's API
        return 0 if parent.isValid() else len(self._rows)

    def path(self, row: int) -> str:
        return self._rows[row][0]

    def verdict(self, row: int) -> str:
        return self._rows[row][1]

    def row_of(self, path: str) -> int:
        for row, entry in enumerate(self._rows):
            if entry[0] == path:
                return row
        return -1

    def data(self, index: QModelIndex, role: int = _DISPLAY):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        path, verdict, text, reasons = self._rows[index.row()]
        if role in (_DISPLAY, _ACCESSIBLE):
            return text
        if role == _DECORATION:
            icon = self._icons.get(verdict)
            if icon is None and self._icon_source is not None:
                icon = self._icons[verdict] = self._icon_source(verdict)
            return icon
        if role == _TOOLTIP:
            return plain_tooltip(f"{visible(path)}\n{reasons}".strip())
        if role == _FOREGROUND:
            return self._red if verdict in REFUSED else None
        if role == _PATH:
            return path
        if role == _VERDICT:
            return verdict
        return None


# ------------------------------------------------------------------ the page


class _ScrolledBody(QWidget):
    """The page's contents in its scroll area, as tall as they need at the least: a scroll
    area gives a widget whose height depends on its width its preferred height (every table
    at its full size hint), so the page scrolled even in a window tall enough for it."""

    def heightForWidth(self, width: int) -> int:
        return self.layout().minimumHeightForWidth(width)


class CertificatesPage(QWidget):
    filesScanned = Signal()

    def __init__(
        self,
        controller: CaseController,
        parent: QWidget | None = None,
        *,
        route: Callable[[Scanned], Scanned] | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        # The window's router (`case.intake.route`): what a scan found goes where its
        # verdict says (an image to a screenshot); the rest stays for this list.
        self._route = route
        self.setAccessibleName("Certificates")
        self.reports: dict[str, object] = {}
        # Each file's evidence (`case.evidence.FileEvidence`), as the last scan judged it.
        self.evidence: dict[str, FileEvidence] = {}
        self.inspection = None
        self.details_dialog = None  # the "Certificate details" view last opened
        self._scan_task: workers.Task | None = None
        self._after_extract = ""  # what the last extraction did, said until the next change
        self._inspecting = workers.LatestJob(self, controller.pool)
        self.hint = ""
        # The page scrolls when the window is too short for it (a 1280×720 screen, an
        # incomplete chain and its findings): never one part drawn over another.
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the page's controls
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(self.scroll)
        body = _ScrolledBody(self.scroll)
        self.scroll.setWidget(body)
        layout = QVBoxLayout(body)
        self.intro = plain_label(
            "Drop the certificate files here (anywhere in the window), add them, or paste "
            "PEM text. Only certificates go into a bundle; a file holding a private key is "
            "refused.",
            self,
        )
        layout.addWidget(self.intro)
        self.hint_label = plain_label("", self)
        self.hint_label.hide()
        layout.addWidget(self.hint_label)

        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add files…", self)
        self.add_button.setAccessibleName("Add files")
        self.add_button.setToolTip("Add certificate files (Ctrl+O)")
        self.add_button.clicked.connect(self.choose_files)
        self.folder_button = QPushButton("Add folder…", self)
        self.folder_button.setAccessibleName("Add folder")
        self.folder_button.clicked.connect(self.choose_folder)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.setAccessibleName("Remove file")
        self.remove_button.clicked.connect(self.remove_selected)
        self.extract_button = QPushButton("Extract the certificates", self)
        self.extract_button.setAccessibleName("Extract the certificates")
        self.extract_button.setToolTip(
            "Write the certificates of the selected key container as separate files, "
            "without its private key"
        )
        self.extract_button.clicked.connect(self.extract_selected)
        self.extract_button.hide()
        self.details_button = QPushButton("Details…", self)
        self.details_button.setAccessibleName("Details")
        self.details_button.setToolTip(
            "Show the selected file's certificates in full (or double-click it, or press Enter)"
        )
        self.details_button.clicked.connect(self.show_selected_details)
        for button in (self.add_button, self.folder_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addWidget(self.details_button)
        buttons.addWidget(self.extract_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        progress_row = QHBoxLayout()
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName("Scan progress")
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setAccessibleName("Cancel scan")
        self.cancel_button.clicked.connect(self.cancel_scan)
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        layout.addLayout(progress_row)
        self.progress.hide()
        self.cancel_button.hide()

        # With many files: how many of each, which to show, and the refused ones out at once.
        counts = QHBoxLayout()
        self.count = plain_label("", self)
        self.count.setAccessibleName("File count")
        counts.addWidget(self.count, 1)
        self.show_filter = QComboBox(self)
        self.show_filter.addItems([SHOW_ALL, SHOW_REFUSED, SHOW_ACCEPTED])
        self.show_filter.setAccessibleName("Show")
        self.show_filter.setToolTip("Which files the list shows")
        self.show_filter.currentIndexChanged.connect(lambda _index: self._fill())
        counts.addWidget(plain_label("Show:", self, wrap=False))
        counts.addWidget(self.show_filter)
        self.remove_refused_button = QPushButton("Remove all refused", self)
        self.remove_refused_button.setAccessibleName("Remove all refused")
        self.remove_refused_button.setToolTip(
            "Take every refused file out of the case (the files stay on your disk)"
        )
        self.remove_refused_button.clicked.connect(self.remove_all_refused)
        counts.addWidget(self.remove_refused_button)
        layout.addLayout(counts)

        self.model = FileListModel(self)
        self.list = QListView(self)
        self.list.setAccessibleName("Files")
        self.list.setUniformItemSizes(True)  # one line each: 1,000 rows laid out at once
        self.list.setModel(self.model)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.selectionModel().currentChanged.connect(self._current_changed)
        self.list.doubleClicked.connect(self._file_activated)
        self.list.installEventFilter(self)
        # Four files in sight however short the window: the page scrolls rather than
        # squeeze the list (a row is an icon's height or a line's, whichever is taller).
        row = max(self.list.fontMetrics().height(), 24) + 4
        self.list.setMinimumHeight(4 * row + 2 * self.list.frameWidth())
        layout.addWidget(self.list, 2)
        self.reason = plain_label("", self)
        self.reason.setAccessibleName("Reason")
        layout.addWidget(self.reason)
        self.problem = problem_label(self)
        layout.addWidget(self.problem)
        # What the last add left out, and why: said until the next add or remove.
        self.not_added = problem_label(self)
        self.not_added.setAccessibleName("Not added")
        self._not_added_for = controller.path
        layout.addWidget(self.not_added)

        layout.addWidget(QLabel("Chain (leaf → root)", self))
        self.chain = QTreeWidget(self)
        self.chain.setAccessibleName("Chain")
        self.chain.setHeaderLabels(["Certificate", "Expires"])
        self.chain.itemDoubleClicked.connect(lambda item, _column: self._chain_activated(item))
        self.chain.installEventFilter(self)
        layout.addWidget(self.chain, 1)
        layout.addWidget(QLabel("Hostname coverage", self))
        self.coverage = QTableWidget(0, 2, self)
        self.coverage.setAccessibleName("Coverage")
        self.coverage.setHorizontalHeaderLabels(["Hostname", "Covered"])
        self.coverage.horizontalHeader().setStretchLastSection(True)
        self.coverage.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        self.coverage.verticalHeader().hide()
        self.coverage.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        layout.addWidget(self.coverage, 1)
        self.expiry = plain_label("", self)
        self.expiry.setAccessibleName("Expiry")
        layout.addWidget(self.expiry)
        self.trust = plain_label("", self)
        self.trust.setAccessibleName("Trust")
        layout.addWidget(self.trust)
        self.findings = plain_label("", self)
        self.findings.setAccessibleName("Findings")
        layout.addWidget(self.findings)

        controller.caseChanged.connect(self._case_changed)
        controller.anchorsReady.connect(self.inspect)
        self._case_changed()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter on a file row or a chain node opens its details (as a double-click does)."""
        if event.type() == QEvent.Type.KeyPress and event.key() in (
            Qt.Key.Key_Return,
            Qt.Key.Key_Enter,
        ):
            if watched is self.list and self.list.currentIndex().isValid():
                self._file_activated(self.list.currentIndex())
                return True
            if watched is self.chain and self.chain.currentItem() is not None:
                self._chain_activated(self.chain.currentItem())
                return True
        return super().eventFilter(watched, event)

    def changeEvent(self, event) -> None:
        """The system switched light/dark: colours are derived from the palette again."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._fill()
            for label in (self.problem,):
                palette = label.palette()
                palette.setColor(QPalette.ColorRole.WindowText, problem_colour(self.palette()))
                label.setPalette(palette)

    # ------------------------------------------------------------ hint (demo)
    def set_hint(self, text: str) -> None:
        self.hint = text
        self.hint_label.setText(text)
        self.hint_label.setVisible(bool(text))

    # ------------------------------------------------------------ adding
    def choose_files(self) -> None:
        """ "Add files…": certificates offered first ("All files" too), starting in the
        folder last used (remembered in the config folder)."""
        from bundleguard.gui.details import (
            add_files_dialog_args,
            last_added_folder,
            remember_added_folder,
        )

        args = add_files_dialog_args(last_added_folder())
        names, _ = QFileDialog.getOpenFileNames(self, args["caption"], args["dir"], args["filter"])
        if names:
            remember_added_folder(Path(names[0]).parent)
            self.add_paths([Path(n) for n in names])

    def choose_folder(self) -> None:
        from bundleguard.gui.details import last_added_folder, remember_added_folder, usual_folder

        start = last_added_folder() or usual_folder()
        folder = QFileDialog.getExistingDirectory(
            self, "Add a folder of certificate files", str(start) if start else ""
        )
        if folder:
            remember_added_folder(Path(folder))
            self.add_paths([Path(folder)])

    def add_paths(self, paths: Sequence[Path]) -> workers.TaskSignals:
        """Scan `paths` (folders expanded) in a worker; then add them to the case."""
        self._after_extract = ""
        self.cancel_scan()
        task = workers.Task(
            scan_paths,
            [Path(p) for p in paths],
            case=self.controller.case,
            case_file=self.controller.path,
        )
        self._scan_task = task
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.show()
        task.signals.progress.connect(self._scan_progress)
        task.signals.done.connect(self._scanned)
        task.signals.failed.connect(self._scan_failed)
        task.signals.cancelled.connect(self._scan_ended)
        return workers.start(self.controller.pool, task)

    def cancel_scan(self) -> None:
        if self._scan_task is not None:
            self._scan_task.cancel.set()

    def _scan_progress(self, done: int, total: int, _text: str) -> None:
        if total <= 0:  # a folder is being walked: how many is not known yet
            self.progress.setRange(0, 0)
            self.progress.setAccessibleDescription(f"{done} files checked")
            return
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{done} of {total} files checked")

    def _scan_ended(self) -> None:
        self._scan_task = None
        self.progress.hide()
        self.cancel_button.hide()

    def _scan_failed(self, message: str) -> None:
        self._scan_ended()
        show_problem(self.problem, message)

    def _scanned(self, scanned: Scanned) -> None:
        self._scan_ended()
        if self._route is not None:
            scanned = self._route(scanned)
        show_problem(self.problem, None)
        self.reports.update(scanned.reports)
        self.evidence.update(scanned.evidence)
        added = self.controller.add_files(scanned.addable, checked_for=scanned.checked_for)
        self._say_not_added((*scanned.not_added, *added.refused))
        if not added:
            self._fill()  # nothing new in the case (so no caseChanged): show the verdicts
            self.inspect()
        self.filesScanned.emit()

    def _say_not_added(self, refused: Sequence[tuple[str, str]]) -> None:
        self._not_added_for = self.controller.path
        if not refused:
            show_problem(self.not_added, None)
            return
        lines = [f"Not added ({len(refused)}):"]
        lines += [f"{visible(path)}: {why}" for path, why in refused[:NOT_ADDED_SHOWN]]
        if len(refused) > NOT_ADDED_SHOWN:
            lines.append(f"… and {len(refused) - NOT_ADDED_SHOWN} more.")
        show_problem(self.not_added, "\n".join(lines))

    def remove_selected(self) -> None:
        paths = [i.data(PATH_ROLE) for i in self.list.selectionModel().selectedIndexes()]
        self._after_extract = ""
        show_problem(self.not_added, None)
        if paths:
            self.controller.remove_files(paths)

    def refused_files(self) -> list[str]:
        """The case's files the guard refused (or could not read), in the case's order."""
        return [
            path
            for path in self.controller.case.files
            if (report := self.reports.get(path)) is not None and report.verdict.value in REFUSED
        ]

    def remove_all_refused(self) -> None:
        """Take every refused file out of the case, through the one remove path."""
        paths = self.refused_files()
        self._after_extract = ""
        show_problem(self.not_added, None)
        if paths:
            self.controller.remove_files(paths)

    # ------------------------------------------------------------ showing
    def _case_changed(self) -> None:
        if self.controller.path != self._not_added_for:
            show_problem(self.not_added, None)  # said of another case
        files = self.controller.case.files
        unknown = [Path(f) for f in files if f not in self.reports]  # usually none
        self._fill()
        if unknown and self._scan_task is None:
            self.add_paths(unknown)
        else:
            self.inspect()

    def _verdict_icon(self, verdict: str):
        return self.style().standardIcon(VERDICT_ICONS[verdict])

    def _fill(self) -> None:
        current = self.list.currentIndex().data(PATH_ROLE)
        rows = []
        basename = os.path.basename  # no pathlib per file: 1,000 of them are shown at once
        shown = self.show_filter.currentText()
        refused = accepted = 0
        for path in self.controller.case.files:
            report = self.reports.get(path)
            if report is None:
                verdict, reasons = "scanning", ""
            else:
                verdict, reasons = report.verdict.value, " ".join(report.reasons)
            if verdict in REFUSED:
                refused += 1
                if shown == SHOW_ACCEPTED:
                    continue
            elif verdict != "scanning":
                accepted += 1
                if shown == SHOW_REFUSED:
                    continue
            elif shown != SHOW_ALL:
                continue
            name = visible(basename(path))  # a bidi override shows as \u202e, never obeyed
            rows.append((path, verdict, f"{name} — {VERDICT_WORDS[verdict]}", reasons))
        self.count.setText(
            count_words(len(self.controller.case.files), accepted, refused, len(rows))
        )
        self.remove_refused_button.setEnabled(refused > 0)
        # Nothing to remove or show: greyed out, never a press that does nothing.
        self.remove_button.setEnabled(bool(rows))
        self.details_button.setEnabled(bool(rows))
        red = QBrush(problem_colour(self.palette()))
        self.model.set_rows(rows, self._verdict_icon, red)
        selected = self.model.row_of(current) if current else -1
        if selected < 0:
            # What needs doing first: the first refused file, its reason and its fix.
            selected = next((r for r, row in enumerate(rows) if row[1] in REFUSED), -1)
        if selected >= 0:
            self.list.setCurrentIndex(self.model.index(selected, 0))
        else:
            self._show_reason(None)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_reason(current.data(PATH_ROLE) if current.isValid() else None)

    def select(self, path: str) -> None:
        row = self.model.row_of(path)
        if row >= 0:
            self.list.setCurrentIndex(self.model.index(row, 0))

    def _show_reason(self, path: str | None) -> None:
        report = self.reports.get(path) if path else None
        if report is None:
            self.reason.setText(self._after_extract)
            self.extract_button.hide()
            return
        word = VERDICT_WORDS[report.verdict.value]
        text = f"{visible(Path(path).name)}: {word}."
        if report.reasons:
            text += " " + " ".join(report.reasons)
        if self._after_extract:
            text = f"{self._after_extract}\n{text}"
        self.reason.setText(text)
        # Whether its certificates can be extracted is in its evidence: nothing is read here.
        entry = self.evidence.get(path)
        refused = report.verdict.value in ("secret", "refused")
        fixable = refused and entry is not None and entry.extractable
        self.extract_button.setVisible(fixable)

    def _needs_passphrase(self, path: Path) -> bool:
        """A PKCS#12, as its evidence says (nothing is read on the window's thread)."""
        entry = self.evidence.get(os.path.abspath(path))
        return entry is not None and entry.needs_passphrase

    # ------------------------------------------------------------ extracting
    def extract_selected(self) -> None:
        path = self.list.currentIndex().data(PATH_ROLE)
        if path:
            self.extract(Path(path))

    def extract(self, path: Path, problem: str = "") -> None:
        """Ask the passphrase if the file needs one, then extract in a worker."""
        from bundleguard.gui.passphrase import PassphraseDialog

        passphrase: bytes | None = None
        if self._needs_passphrase(path):
            dialog = PassphraseDialog(path.name, self, problem=problem)
            self.passphrase_dialog = dialog
            try:
                if dialog.exec() != PassphraseDialog.DialogCode.Accepted:
                    return
                passphrase = dialog.take()
            finally:
                dialog.clear()
                self.passphrase_dialog = None
                dialog.deleteLater()
        known = [
            cert
            for f in self.controller.case.files
            if (report := self.reports.get(f)) is not None
            for cert in report.certificates
        ]
        task = workers.Task(
            extract_to, path, passphrase, self.controller.files_dir, self.controller.anchors, known
        )
        passphrase = None
        task.signals.done.connect(workers.alive(self, lambda result: self._extracted(path, result)))
        task.signals.failed.connect(
            workers.alive(self, lambda message: self._extract_failed(path, message, task))
        )
        workers.start(self.controller.pool, task)

    def _extract_failed(self, path: Path, message: str, task: workers.Task) -> None:
        if "passphrase" in message.lower() and self._needs_passphrase(path):
            self.extract(path, problem=message + " Try again.")
        else:
            show_problem(self.problem, message)

    def _extracted(self, source: Path, result) -> None:
        """The fix is complete: the certificates join the case, the key container leaves it
        (the file itself stays where it is, untouched)."""
        show_problem(self.problem, None)
        done = result.words(visible)
        message = (
            f"{done} The file with the private key was taken out of the case (it is still "
            "on your disk): it never goes into a bundle."
        )
        self.controller.remove_files([os.path.abspath(source)])
        if result.written:
            self.add_paths([Path(p) for p in result.written])
        # Said until the user adds or removes something else (a new selection keeps it).
        self._after_extract = message
        self.reason.setText(message)

    # ------------------------------------------------------------ details
    def _output_folder(self) -> Path:
        """Where a dialog for an output starts: the case's folder, never a key's."""
        from bundleguard.gui.details import case_output_folder

        return case_output_folder(self.controller, self.reports)

    def show_details(self, certificates, labels, index: int = 0):
        """Open "Certificate details" on `certificates` (`labels` name them, escaped)."""
        from bundleguard.gui.details import CertificateDetailsDialog

        dialog = CertificateDetailsDialog(
            certificates,
            labels,
            index=index,
            pool=self.controller.pool,
            start_folder=self._output_folder,
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: self._details_closed(dialog))
        self.details_dialog = dialog
        dialog.open()
        return dialog

    def _details_closed(self, dialog) -> None:
        if self.details_dialog is dialog:
            self.details_dialog = None  # deleted once closed: never reached through here

    def show_selected_details(self) -> None:
        """The "Details…" button: the current file's certificates (else the first file's)."""
        index = self.list.currentIndex()
        if not index.isValid() and self.model.rowCount():
            index = self.model.index(0, 0)
        if index.isValid():
            self._file_activated(index)

    def _file_activated(self, index: QModelIndex) -> None:
        """A file row's certificates in full (the guard's parse: nothing is read here)."""
        from bundleguard.certs.describe import subject_text

        path = index.data(PATH_ROLE)
        report = self.reports.get(path) if path else None
        certificates = tuple(getattr(report, "certificates", ()) or ()) if report else ()
        if not certificates:
            name = visible(os.path.basename(path)) if path else "This file"
            self.reason.setText(f"{name}: no certificate to show in it.")
            return
        labels = [visible(subject_text(cert)) for cert in certificates]
        self.show_details(certificates, labels)

    def _chain_activated(self, item: QTreeWidgetItem) -> None:
        index = item.data(0, CHAIN_INDEX_ROLE)
        if index is not None:
            self.show_chain_details(index)

    def show_chain_details(self, index: int = 0) -> None:
        """The chain, each certificate as the chain names it, opened on the `index`th
        (leaf first, then the certificates outside the chain)."""
        report = self.inspection
        if report is None:
            return
        certificates = report.chain_certificates
        labels = [
            f"{summary.role or 'other'}: {visible(summary.subject)}"
            for summary in report.certificates
        ]
        if len(certificates) != len(labels) or not 0 <= index < len(certificates):
            return
        self.show_details(certificates, labels, index)

    # ------------------------------------------------------------ inspecting
    def inspect(self) -> None:
        case = self.controller.case
        accepted = [
            f
            for f in case.files
            if (r := self.reports.get(f)) is not None and r.verdict.value == "certificate"
        ]
        if not accepted:
            self._inspecting.forget()
            self._show_inspection(None)
            return
        names = [a.hostname for a in case.appliances]
        self._inspecting.start(
            inspect_case,
            accepted,
            case.site,
            names,
            self.controller.anchors,
            done=self._show_inspection,
            failed=lambda message: show_problem(self.findings, message),
        )

    def _show_inspection(self, report) -> None:
        self.inspection = report
        self.chain.clear()
        self.coverage.setRowCount(0)
        if report is None:
            self.expiry.setText("")
            self.trust.setText("Add the certificate files to see the chain and its trust.")
            self.findings.setText("")
            return
        parent = None
        for index, summary in enumerate(report.certificates):
            columns = [
                f"{summary.role or 'other'}: {visible(summary.subject)}",
                summary.not_after.strftime("%Y-%m-%d"),
            ]
            if parent is None or summary.role == "other":
                item = QTreeWidgetItem(self.chain, columns)
            else:
                item = QTreeWidgetItem(parent, columns)
            item.setData(0, CHAIN_INDEX_ROLE, index)
            item.setToolTip(
                0,
                plain_tooltip(
                    "Names: " + ", ".join(summary.names) + "\nDouble-click for its details"
                ),
            )
            if summary.role != "other":
                parent = item
        self.chain.expandAll()
        self.chain.resizeColumnToContents(0)
        cover = report.coverage
        if cover is not None:
            rows = [(n, True) for n in cover.covered] + [(n, False) for n in cover.uncovered]
            case = self.controller.case
            order = [case.site, *(a.hostname for a in case.appliances)]
            rows.sort(key=lambda r: order.index(r[0]) if r[0] in order else len(order))
            self.coverage.setRowCount(len(rows))
            for row, (name, covered) in enumerate(rows):
                self.coverage.setItem(row, 0, QTableWidgetItem(visible(name)))
                word = QTableWidgetItem("covered" if covered else "not covered")
                icon = VERDICT_ICONS["certificate" if covered else "refused"]
                word.setIcon(self.style().standardIcon(icon))
                self.coverage.setItem(row, 1, word)
            # Every name in sight without scrolling (up to eight; more scroll).
            shown = min(len(rows), 8)
            height = self.coverage.horizontalHeader().sizeHint().height()
            height += sum(self.coverage.rowHeight(r) for r in range(shown))
            self.coverage.setMinimumHeight(height + 2 * self.coverage.frameWidth())
        validity = report.validity
        if validity.expires is not None:
            self.expiry.setText(
                f"Expires: {validity.expires:%Y-%m-%d} ({validity.days_left} days left)"
            )
        trust = report.trust
        if self.controller.anchors is None:
            self.trust.setText("Software update needed: checking the trusted roots…")
        else:
            self.trust.setText(trust_answer(trust))
        self.findings.setText("\n".join((*report.problems, *report.warnings)))
