"""The "Certificate details" view: everything about a certificate, as plain text, with
"Copy PEM" and "Save chain as…"; and where the window's dialogs start.

The facts and their words are the core's (`certs.details`: the same lines a terminal
prints, escaped here with `text.visible`); saving is the case action `case.savechain`
(the guard checks each file before it is written), run in a worker; a copied PEM passes
the guard of copied text (`case.texts`). Only a certificate's own PEM is ever copied or
written, never a file's bytes (a key beside it stays where it is).

Where dialogs start:
- `case_output_folder(controller)` (`output_start_folder(case, case_path, keys)`): a
  dialog that writes something (a chain, the case, the output folder) starts in the
  case's folder (its output folder when it names one that exists, else the folder of the
  case file), never in a folder a key came from (`case_key_folders`).
- `add_files_dialog_args(last)` and `remember_added_folder(folder)`: "Add files…" offers
  a certificate filter ("All files" still there) and starts in the folder last used,
  kept in the config folder (`folders.config_dir`): a folder name, never anything else.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bundleguard.errors import BundleGuardError
from bundleguard.gui.widgets import ask_replace, plain_label, problem_label, show_problem
from bundleguard.gui.workers import LatestJob
from bundleguard.text import counted, visible

if TYPE_CHECKING:
    from cryptography import x509
    from PySide6.QtCore import QThreadPool

    from bundleguard.case.model import Case

log = logging.getLogger("bundleguard.gui")

TITLE = "Certificate details"
CERTIFICATE_FILTER = "Certificates (*.crt *.cer *.cert *.pem *.der *.p7b *.p7c *.pfx *.p12 *.zip)"
ALL_FILES = "All files (*)"
ONE_PEM = "One PEM file, leaf first (*.pem)"
PER_CERTIFICATE = "One file per certificate (*.crt)"
ADDED_FOLDER_FILE = "last-added-folder"
ADDED_FOLDER_LIMIT = 64 << 10


# --------------------------------------------------------------- where dialogs start


def _is_folder(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def key_folders(reports: dict) -> set[Path]:
    """The folders of the case's files that hold private key material (the guard said
    "secret"): no dialog for an output starts there."""
    return {
        Path(os.path.abspath(path)).parent
        for path, report in reports.items()
        if getattr(getattr(report, "verdict", None), "value", "") == "secret"
    }


def output_start_folder(
    case: Case, case_path: Path, keys: Iterable[Path] = (), fallback: Path | None = None
) -> Path:
    """Where a dialog that writes an output starts: the case's output folder when it names
    one that exists, else the folder of the case file; never one of `keys` (folders a key
    came from): then `fallback` (the case's own files folder)."""
    avoid = {Path(os.path.abspath(k)) for k in keys}
    candidates = []
    if case.output.strip():
        candidates.append(Path(os.path.abspath(os.path.expanduser(case.output.strip()))))
    candidates.append(Path(os.path.abspath(case_path)).parent)
    for folder in candidates:
        if folder not in avoid and _is_folder(folder):
            return folder
    if fallback is not None:
        return Path(fallback)
    return candidates[-1]


def case_key_folders(case: Case, reports: dict | None = None) -> set[Path]:
    """Every folder a key of the case came from: the exported PKCS#12's, and those of
    the case's files the guard judged "secret" (`reports`, else what the process's
    evidence already knows: no file is read)."""
    if reports is None:
        from bundleguard.case.evidence import shared_evidence

        reports = shared_evidence().known(case.files).reports
    folders = key_folders(reports)
    export = case.replication.exported_pkcs12
    if export:
        folders.add(Path(os.path.abspath(export)).parent)
    return folders


def case_output_folder(controller, reports: dict | None = None) -> Path:
    """Where a dialog that writes something for the window's case starts (the output
    folder chooser, "Save case as", "Save chain as…"): `output_start_folder` for the
    controller's case, avoiding every folder a key of it came from."""
    return output_start_folder(
        controller.case,
        controller.path,
        case_key_folders(controller.case, reports),
        fallback=controller.files_dir,
    )


def _added_folder_path() -> Path:
    from bundleguard.folders import config_dir

    return config_dir() / ADDED_FOLDER_FILE


def last_added_folder() -> Path | None:
    """The folder "Add files…" last took files from, when it still exists."""
    from bundleguard.files import read_input_file

    try:
        raw = read_input_file(_added_folder_path(), limit=ADDED_FOLDER_LIMIT)
    except (OSError, BundleGuardError):
        return None
    folder = Path(os.fsdecode(raw.strip()))
    return folder if folder.is_absolute() and _is_folder(folder) else None


def remember_added_folder(folder: Path) -> None:
    """Keep `folder` (a folder name only) for the next "Add files…"."""
    from bundleguard.files import write_file_atomic

    path = _added_folder_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_file_atomic(path, os.fsencode(os.path.abspath(folder)), force=True)
    except (OSError, BundleGuardError) as error:
        log.warning("The last folder used could not be remembered: %s", type(error).__name__)


def usual_folder() -> Path | None:
    """Where "Add files…" and "Add folder…" start before any folder was used: Downloads
    (where a certificate from a CA or a colleague lands), else Documents, else the home
    folder; never the folder the app happened to be started in."""
    from PySide6.QtCore import QStandardPaths

    where = QStandardPaths.StandardLocation
    for location in (where.DownloadLocation, where.DocumentsLocation, where.HomeLocation):
        text = QStandardPaths.writableLocation(location)
        if text and Path(text).is_dir():
            return Path(text)
    return None


def add_files_dialog_args(last: Path | None) -> dict[str, str]:
    """The arguments of "Add files…"'s dialog: its caption, the folder it starts in (the
    one last used, else `usual_folder()`) and its filters (certificates first, all files
    still offered)."""
    start = last if last is not None else usual_folder()
    return {
        "caption": "Add certificate files",
        "dir": str(start) if start is not None else "",
        "filter": f"{CERTIFICATE_FILTER};;{ALL_FILES}",
    }


# --------------------------------------------------------------- the details view


def _fitting(widget: QWidget, width: int, height: int) -> QSize:
    """`width` x `height`, or less where the screen's free area is smaller."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return QSize(width, height)
    free = screen.availableGeometry()
    return QSize(min(width, free.width() - 40), min(height, free.height() - 60))


def _save(certificates, target: Path, per_certificate: bool, replace: bool):
    """In a worker: save the chain; an existing target comes back as a value (to ask)."""
    from bundleguard.case.savechain import save_chain
    from bundleguard.files import TargetExistsError

    try:
        return save_chain(certificates, target, per_certificate=per_certificate, replace=replace)
    except TargetExistsError as error:
        return error


class CertificateDetailsDialog(QDialog):
    """One or more certificates (a file's, or the chain's), each shown in full.

    `labels[i]` names certificate i in the list (already escaped); `index` is the one
    shown first; `start_folder()` is where "Save chain as…" starts."""

    def __init__(
        self,
        certificates: Sequence[x509.Certificate],
        labels: Sequence[str],
        *,
        index: int = 0,
        pool: QThreadPool,
        start_folder: Callable[[], Path],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.certificates = tuple(certificates)
        self._start_folder = start_folder
        self._saving = LatestJob(self, pool)
        self.setWindowTitle(TITLE)
        self.setAccessibleName(TITLE)
        self.setMinimumSize(560, 420)
        self.resize(_fitting(self, 820, 600))  # a SHA-256 fingerprint on one line
        layout = QVBoxLayout(self)

        self.chooser = QListWidget(self)
        self.chooser.setAccessibleName("Certificates")
        for label in labels:
            self.chooser.addItem(label)  # item text is plain text
        self.chooser.setMaximumHeight(24 * min(len(labels), 5) + 8)
        self.chooser.setVisible(len(self.certificates) > 1)
        layout.addWidget(self.chooser)

        self.heading = plain_label("", self)
        self.heading.setAccessibleName("Certificate")
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        layout.addWidget(self.heading)

        self.fields = QPlainTextEdit(self)  # plain text by construction
        self.fields.setAccessibleName("Fields")
        self.fields.setReadOnly(True)
        self.fields.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.fields.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        layout.addWidget(self.fields, 1)

        self.status = plain_label("", self)
        self.status.setAccessibleName("Details status")
        layout.addWidget(self.status)
        self.problem = problem_label(self)
        self.problem.setAccessibleName("Details problem")
        layout.addWidget(self.problem)

        row = QHBoxLayout()
        self.copy_button = QPushButton("Copy PEM", self)
        self.copy_button.setAccessibleName("Copy PEM")
        self.copy_button.setToolTip("Copy this certificate as PEM text (never a key)")
        self.copy_button.clicked.connect(self.copy_pem)
        self.save_button = QPushButton("Save chain as…", self)
        self.save_button.setAccessibleName("Save chain as")
        self.save_button.setToolTip(
            "Write these certificates as one PEM file, or one file per certificate"
        )
        self.save_button.clicked.connect(self.save_chain)
        row.addWidget(self.copy_button)
        row.addWidget(self.save_button)
        row.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        row.addWidget(buttons)
        layout.addLayout(row)

        self.chooser.currentRowChanged.connect(self._show)
        self.chooser.setCurrentRow(max(0, min(index, len(self.certificates) - 1)))
        self._show(self.chooser.currentRow())

    @property
    def current(self) -> x509.Certificate:
        return self.certificates[max(0, self.chooser.currentRow())]

    def _show(self, row: int) -> None:
        from bundleguard.certs.describe import subject_text
        from bundleguard.certs.details import certificate_details, details_text

        if not 0 <= row < len(self.certificates):
            return
        cert = self.certificates[row]
        self.heading.setText(visible(subject_text(cert)))
        self.fields.setPlainText(details_text(certificate_details(cert), visible))
        self.status.setText("")
        show_problem(self.problem, None)

    # ----------------------------------------------------------- Copy PEM
    def copy_pem(self) -> None:
        """The certificate's own PEM to the clipboard, once the guard of copied text finds
        no key material in it (nor in its fields): else nothing is copied, and why."""
        from cryptography.hazmat.primitives.serialization import Encoding

        from bundleguard.case.texts import (
            KeyMaterialError,
            checked,
            key_material_in_certificates,
        )

        cert = self.current
        doing = "The PEM was not copied"
        try:
            pem = checked(cert.public_bytes(Encoding.PEM).decode("ascii"), doing)
            found = key_material_in_certificates([cert])
            if found is not None:
                raise KeyMaterialError(
                    f"{doing}: the certificate holds private key material ({found}).", found
                )
        except KeyMaterialError as error:
            self.status.setText("")
            show_problem(self.problem, str(error))
            return
        QGuiApplication.clipboard().setText(pem)
        show_problem(self.problem, None)
        self.status.setText("Copied this certificate as PEM text.")

    # ----------------------------------------------------------- Save chain as…
    def ask_target(self) -> tuple[Path | None, bool]:
        """The file chosen, and whether one file per certificate was asked for."""
        from bundleguard.certs.describe import subject_text
        from bundleguard.naming import safe_name_part

        start = self._start_folder() / f"chain-{safe_name_part(subject_text(self.certificates[0]))}"
        name, chosen = QFileDialog.getSaveFileName(
            self,
            "Save chain as",
            str(start.with_name(start.name + ".pem")),
            f"{ONE_PEM};;{PER_CERTIFICATE}",
            ONE_PEM,
            QFileDialog.Option.DontConfirmOverwrite,  # asked here, for every file
        )
        if not name:
            return None, False
        per_certificate = chosen == PER_CERTIFICATE
        path = Path(name)
        if not per_certificate and not path.suffix:
            path = path.with_name(path.name + ".pem")
        return path, per_certificate

    def save_chain(self) -> None:
        target, per_certificate = self.ask_target()
        if target is not None:
            self._write(target, per_certificate, replace=False)

    def _write(self, target: Path, per_certificate: bool, *, replace: bool) -> None:
        self.save_button.setEnabled(False)
        self.status.setText("Saving…")
        self._saving.start(
            _save,
            self.certificates,
            target,
            per_certificate,
            replace,
            done=lambda result: self._saved(result, target, per_certificate),
            failed=self._save_failed,
        )

    def _saved(self, result, target: Path, per_certificate: bool) -> None:
        from bundleguard.files import TargetExistsError

        self.save_button.setEnabled(True)
        if isinstance(result, TargetExistsError):
            self.status.setText("")
            if self._replace(result.paths):
                self._write(target, per_certificate, replace=True)
            return
        show_problem(self.problem, None)
        self.written = tuple(result)
        where = visible(str(self.written[0].parent)) if self.written else ""
        self.status.setText(f"Saved {counted(len(self.written), 'file')} in {where}.")

    def _save_failed(self, message: str) -> None:
        self.save_button.setEnabled(True)
        self.status.setText("")
        show_problem(self.problem, message)

    def _replace(self, paths: Sequence[Path]) -> bool:
        listed = "\n".join(visible(str(p)) for p in paths[:10])
        more = f"\n… and {len(paths) - 10} more" if len(paths) > 10 else ""
        return ask_replace(
            self,
            "Replace the files?",
            f"These files exist already. Replace them?\n\n{listed}{more}",
        )


__all__ = [
    "ALL_FILES",
    "CERTIFICATE_FILTER",
    "TITLE",
    "CertificateDetailsDialog",
    "add_files_dialog_args",
    "case_key_folders",
    "case_output_folder",
    "key_folders",
    "last_added_folder",
    "output_start_folder",
    "remember_added_folder",
    "usual_folder",
]
