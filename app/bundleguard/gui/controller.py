"""The case being edited, shared by every page: change it, and it is saved and announced.

`CaseController` holds the current frozen `Case`, autosaves it (atomically, through the
store) after every change, and emits `caseChanged`. It loads the trust anchors once, in
the background, and emits `anchorsReady`. No domain logic: every rule is the core's.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, QThreadPool, Signal

from bundleguard.case.model import Case
from bundleguard.case.store import CaseStore, load_case
from bundleguard.errors import BundleGuardError

if TYPE_CHECKING:
    from bundleguard.certs.anchors import TrustAnchors
    from bundleguard.gui import workers

log = logging.getLogger("bundleguard.gui")


def _load_anchors() -> TrustAnchors:
    from bundleguard.certs.anchors import load_trust_anchors

    return load_trust_anchors()


class CaseController(QObject):
    """The one owner of the current case; every page reads and changes it through here."""

    caseChanged = Signal()
    anchorsReady = Signal()
    saveFailed = Signal(str)

    def __init__(
        self,
        store: CaseStore,
        parent: QObject | None = None,
        *,
        load_anchors: bool = True,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self._pool = QThreadPool(self)
        self._anchors: TrustAnchors | None = None
        self._anchor_signals: workers.TaskSignals | None = None
        self.shut_down = False  # set by `shutdown()`: nothing should start work after it
        opened = store.open_last()
        self._case = opened.case
        self._path = opened.path
        self.warning = opened.warning
        if load_anchors:
            self.load_anchors()

    # ------------------------------------------------------------------ state
    @property
    def case(self) -> Case:
        return self._case

    @property
    def path(self) -> Path:
        return self._path

    @property
    def files_dir(self) -> Path:
        return self.store.files_dir(self._path)

    @property
    def anchors(self) -> TrustAnchors | None:
        return self._anchors

    @property
    def pool(self) -> QThreadPool:
        return self._pool

    # ---------------------------------------------------------------- anchors
    def load_anchors(self) -> None:
        """Read the trust stores once, in a worker; `anchorsReady` when done."""
        if self._anchors is not None or self._anchor_signals is not None:
            return
        from bundleguard.gui import workers  # after the first paint, as the pages are

        # Connected before the task starts: cached roots load faster than a connect.
        task = workers.Task(_load_anchors)
        task.signals.done.connect(self._anchors_loaded)
        task.signals.failed.connect(self._anchors_failed)
        self._anchor_signals = workers.start(self._pool, task)

    def _anchors_loaded(self, anchors: object) -> None:
        self._anchors = anchors  # type: ignore[assignment]
        self._anchor_signals = None
        self.anchorsReady.emit()

    def _anchors_failed(self, message: str) -> None:
        from bundleguard.certs.anchors import NO_ANCHORS

        log.warning("Trust anchors could not be loaded: %s", message)
        self._anchors_loaded(NO_ANCHORS)

    # ---------------------------------------------------------------- changes
    def update(self, **changes: Any) -> None:
        """Apply `changes` to the case, save it, tell every page."""
        case = self._case.with_changes(**changes)
        if case == self._case:
            return
        self._case = case
        self._save()
        self.caseChanged.emit()

    def add_files(self, paths: list[Path] | tuple[Path, ...]) -> list[str]:
        """Add paths to the case's files (each once, in order); the ones newly added."""
        known = set(self._case.files)
        added = []
        for path in paths:
            text = os.path.abspath(path)  # pathlib is ten times slower for 1,000 files
            if text not in known:
                known.add(text)
                added.append(text)
        if added:
            self.update(files=(*self._case.files, *added))
        return added

    def remove_files(self, paths: list[str] | tuple[str, ...]) -> None:
        gone = set(paths)
        self.update(files=tuple(p for p in self._case.files if p not in gone))

    def _save(self) -> None:
        try:
            self.store.save(self._case, self._path)
        except BundleGuardError as error:
            log.warning("The case could not be saved: %s", type(error).__name__)
            self.saveFailed.emit(str(error))
        except OSError as error:
            log.warning("The case could not be saved: %s", type(error).__name__)
            self.saveFailed.emit(f"The case could not be saved to {self._path}.")

    def save(self) -> None:
        self._save()

    def open(self, path: Path) -> None:
        """Open the case file `path`; on any error raise it and keep the current case."""
        opened = self.store.open(Path(path))
        self._case = opened.case
        self._path = opened.path
        self.warning = None
        self.caseChanged.emit()

    def new(self) -> None:
        self._case = Case()
        self._path = self.store.new_case_path()
        self.warning = None
        self._save()
        self.caseChanged.emit()

    def save_as(self, path: Path) -> None:
        """Save the case to `path` and keep editing it there."""
        path = Path(path)
        self.store.save(self._case, path)
        self._path = path
        self.caseChanged.emit()

    def reload(self) -> None:
        """Read the current case file again (after another part of the app wrote it)."""
        self._case = load_case(self._path)
        self.caseChanged.emit()

    def shutdown(self) -> None:
        """Wait for background work to end (before the app quits or a test tears down),
        and deliver what it reported while the pages that asked for it still exist (a
        result may start more work: that is waited for too, a few rounds at most)."""
        self.shut_down = True
        for _ in range(5):
            self._pool.waitForDone(5000)
            QCoreApplication.sendPostedEvents()
            if self._pool.activeThreadCount() == 0:
                break


__all__ = ["CaseController"]
