"""The case being edited, shared by every page: change it, and it is saved and announced.

`CaseController` holds the current frozen `Case`, autosaves it (atomically, through the
store) after every change, and emits `caseChanged`. It loads the trust anchors once, in
the background, and emits `anchorsReady`. No domain logic: every rule is the core's.

What it promises about the case file:
- a save that fails is said at once (`saveStateChanged`, `save_problem`) and the work stays
  in memory (`unsaved`) until it is saved somewhere;
- one window writes a case: a lock file beside it (`QLockFile`; a lock left by a process
  that is gone is taken over); a second window may open it read-only, and then nothing is
  ever written to that case;
- a case another program changed after we read or wrote it is never overwritten
  unasked: the save stops and `changedOnDisk` asks the window what to do;
- files that would make the case unsaveable or unreadable are refused when added.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QLockFile, QObject, QThreadPool, Signal
from PySide6.QtGui import QUndoStack

from bundleguard.case.model import (
    MAX_CASE_BYTES,
    MAX_FILES,
    Case,
    CaseLimitError,
    check_can_add,
    file_places,
)
from bundleguard.case.store import CaseStore, Opened, case_files_folder, load_case
from bundleguard.errors import BundleGuardError, InputError
from bundleguard.text import visible

if TYPE_CHECKING:
    from bundleguard.certs.anchors import TrustAnchors
    from bundleguard.gui import workers

log = logging.getLogger("bundleguard.gui")

NOT_SAVED = (
    "Your changes are not saved: {why} They stay in this window while it is open: save the "
    "case somewhere else to keep them."
)


def _load_anchors() -> TrustAnchors:
    from bundleguard.certs.anchors import load_trust_anchors

    return load_trust_anchors()


def lock_path(case_path: Path) -> Path:
    """The lock file beside a case: it says a window is writing that case."""
    return case_path.with_name(f".{case_path.name}.lock")


_ALONE = Case()


class CaseOpenElsewhereError(InputError):
    """Another window (of this or another bundleguard) is writing the case."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        super().__init__(
            f"'{visible(str(path))}' is open in another bundleguard window: only one window "
            "may change a case at a time."
        )


@dataclass(frozen=True)
class Added:
    """What `add_files` did: the paths now in the case, and the ones refused with why."""

    added: tuple[str, ...] = ()
    refused: tuple[tuple[str, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added)


@dataclass(frozen=True)
class _Stamp:
    """What the case file was when we last read or wrote it: its size, its time and its
    bytes (a case file is small; kept whole, no digest module is loaded at start)."""

    size: int
    mtime_ns: int
    data: bytes


def _stamp(path: Path) -> _Stamp | None:
    """The case file's size, time and bytes (None: it cannot be read)."""
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            data = handle.read(MAX_CASE_BYTES + 1)
    except OSError:
        return None
    return _Stamp(info.st_size, info.st_mtime_ns, data)


def _why_not_saved(error: BaseException, path: Path) -> str:
    if isinstance(error, BundleGuardError):
        return str(error)
    if isinstance(error, UnicodeError):
        return (
            f"a name in the case is not valid text (not UTF-8), so '{visible(str(path))}' "
            "cannot hold it."
        )
    if isinstance(error, OSError):
        from bundleguard.files import why

        return f"Cannot write '{visible(str(path))}': {why(error)}."
    return f"'{visible(str(path))}' could not be written."


def sort_addable(case: Case, case_file: Path, paths: Sequence[Path | str]) -> Added:
    """Which of `paths` the case can take (each once, in order) and which not, with the
    core's reason (`check_can_add`): the case must still save and open again. No Qt, no
    I/O: the scan worker calls it, so the window's thread does not serialize the case."""
    known = set(case.files)
    new: list[str] = []
    for path in paths:
        text = os.path.abspath(path)  # pathlib is ten times slower for 1,000 files
        if text not in known:
            known.add(text)
            new.append(text)
    if not new:
        return Added()
    room = max(0, MAX_FILES - len(case.files))
    refused: list[tuple[str, str]] = []
    if len(new) > room:
        try:
            check_can_add(case, new)
        except CaseLimitError as error:  # the core says why, in its words
            refused = [(text, str(error)) for text in new[room:]]
        new = new[:room]
    added = new
    try:
        check_can_add(case, new, case_file=case_file)  # all at once: fast
    except CaseLimitError:
        # One at a time, to say which cannot be added and add the others.
        added = []
        for text in new:
            try:
                check_can_add(_ALONE, [text])
            except CaseLimitError as error:
                refused.append((text, str(error)))
            else:
                added.append(text)
        try:
            check_can_add(case, added, case_file=case_file)
        except CaseLimitError as error:  # together past the file's size
            refused.extend((text, str(error)) for text in added)
            added = []
    return Added(tuple(added), tuple(refused))


class CaseController(QObject):
    """The one owner of the current case; every page reads and changes it through here."""

    caseChanged = Signal()
    anchorsReady = Signal()
    saveFailed = Signal(str)
    # Saved, unsaved, read-only, changed on disk: the window's notice reads the state.
    saveStateChanged = Signal()
    # Another program wrote the case after we read it: the window asks what to do.
    changedOnDisk = Signal()

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
        self._anchor_job: workers.LatestJob | None = None  # reading the trust stores
        self.shut_down = False  # set by `shutdown()`: nothing should start work after it
        self._lock: QLockFile | None = None
        self._scratch: Path | None = None
        self._stamp: _Stamp | None = None
        self.read_only = False
        self.unsaved = False
        # Edit > Undo: files and appliances removed, screenshots replaced (`gui.undo`);
        # emptied when another case is opened or started.
        self.undo_stack = QUndoStack(self)
        self.save_problem: str | None = None
        self.conflict = False
        # The last case was open in another window when this one started: the window asks.
        self.open_elsewhere = False
        try:
            opened = store.open_last()
        except Exception as error:  # a start never dies of a case file
            log.error("The last case could not be opened: %s", type(error).__name__)
            opened = Opened(
                Case(),
                store.new_case_path(),
                "The last case could not be opened; a new case was started (the old file "
                "was left as it is).",
            )
        self._case = opened.case
        self._path = opened.path
        self.warning = opened.warning
        if self._path.exists():
            self._stamp = _stamp(self._path)
        free, lock = self._acquire(self._path)
        self._hold(lock)
        if not free:
            self.read_only = True
            self.open_elsewhere = True
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
        """Where the app writes this case's files. A case open read-only gets a folder of
        its own in the store: nothing is written beside a case another window owns."""
        if self.read_only:
            if self._scratch is None:
                self._scratch = self.store.new_case_path()
            return self._folder(self._scratch)
        return self._folder(self._path)

    def _folder(self, case_path: Path) -> Path:
        try:
            return self.store.files_dir(case_path)
        except OSError:  # the writer that uses it says what is wrong, in words
            return case_files_folder(case_path)

    @property
    def anchors(self) -> TrustAnchors | None:
        return self._anchors

    @property
    def pool(self) -> QThreadPool:
        return self._pool

    # ---------------------------------------------------------------- anchors
    def load_anchors(self) -> None:
        """Read the trust stores once, in a worker; `anchorsReady` when done."""
        if self._anchors is not None or (self._anchor_job is not None and self._anchor_job.busy):
            return
        from bundleguard.gui import workers  # after the first paint, as the pages are

        if self._anchor_job is None:
            self._anchor_job = workers.LatestJob(self, self._pool)
        job = self._anchor_job
        job.start(_load_anchors, done=self._anchors_loaded, failed=self._anchors_failed)

    def _anchors_loaded(self, anchors: object) -> None:
        self._anchors = anchors  # type: ignore[assignment]
        self.anchorsReady.emit()

    def _anchors_failed(self, message: str) -> None:
        from bundleguard.certs.anchors import NO_ANCHORS

        log.warning("Trust anchors could not be loaded: %s", message)
        self._anchors_loaded(NO_ANCHORS)

    # ---------------------------------------------------------------- locking
    def _acquire(self, path: Path) -> tuple[bool, QLockFile | None]:
        """Lock the case at `path`: (False, None) when another window holds it; (True,
        None) when no lock can be made there (a read-only folder: the save says why)."""
        if self._lock is not None and path == self._path:
            return True, self._lock
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
        lock = QLockFile(str(lock_path(path)))
        # Never stale by age: a window may stay open for days. A lock whose process has
        # ended (a crash, a power cut) is stale and taken over.
        lock.setStaleLockTime(0)
        if lock.tryLock(0):
            return True, lock
        if lock.error() == QLockFile.LockError.LockFailedError:
            return False, None
        log.info("No lock beside the case: %s", lock.error().name)
        return True, None

    def _hold(self, lock: QLockFile | None) -> None:
        if lock is not self._lock:
            self._release_lock()
            self._lock = lock

    def _release_lock(self) -> None:
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None

    # ---------------------------------------------------------------- changes
    def update(self, **changes: Any) -> None:
        """Apply `changes` to the case, save it, tell every page."""
        case = self._case.with_changes(**changes)
        if case == self._case:
            return
        self._case = case
        self.unsaved = True
        self._save()
        self.caseChanged.emit()

    def add_files(self, paths: Sequence[Path | str], *, checked_for: Case | None = None) -> Added:
        """Add paths to the case's files (each once, in order). What the case could not
        save and open again (a path it cannot hold, one past the most a case holds, a
        file past its size) is refused with the core's reason; the rest is added.
        `checked_for`: the case `sort_addable` already checked `paths` against (in a
        worker); while it is still the case, they are not checked again here."""
        if checked_for is not None and checked_for is self._case:
            known = set(self._case.files)
            added = tuple(t for t in dict.fromkeys(map(os.path.abspath, paths)) if t not in known)
            sorted_out = Added(added)
        else:
            sorted_out = sort_addable(self._case, self._path, paths)
        if sorted_out.added:
            self.update(files=(*self._case.files, *sorted_out.added))
        return sorted_out

    def remove_files(self, paths: Sequence[str]) -> None:
        """Take `paths` out of the case's files. Edit > Undo puts them back where they were
        in the list, except a file that holds private key material: that is out for good
        (a key container whose certificates were extracted leaves nothing to undo)."""
        from bundleguard.gui.undo import RemoveFiles, restorable

        places = file_places(self._case, paths)
        if not places:
            return
        back = restorable(places)
        if back:
            self.undo_stack.push(RemoveFiles(self, places, back))  # push runs its redo
        else:
            gone = {path for _index, path in places}
            self.update(files=tuple(p for p in self._case.files if p not in gone))

    def remove_appliance(self, index: int) -> None:
        """Take the appliance at `index` out of the case; Edit > Undo puts it back at its
        row with all its fields and its screenshot."""
        from bundleguard.gui.undo import RemoveAppliance

        entries = self._case.appliances
        if 0 <= index < len(entries):
            self.undo_stack.push(RemoveAppliance(self, index, entries[index]))

    def _changed_elsewhere(self) -> bool:
        """Did another program write the case file since we last read or wrote it?"""
        try:
            info = os.stat(self._path)
        except OSError:
            return False  # gone (or unreachable): saving puts it back or says why
        old = self._stamp
        if old is None:
            return True  # it appeared after we chose the name
        if (info.st_size, info.st_mtime_ns) == (old.size, old.mtime_ns):
            return False
        now = _stamp(self._path)
        if now is not None and now.data == old.data:
            self._stamp = now  # touched, not changed
            return False
        return True

    def _save(self, *, overwrite: bool = False) -> bool:
        if self.read_only or self.conflict:
            self.saveStateChanged.emit()
            return False
        if not overwrite and self._changed_elsewhere():
            self.conflict = True
            log.warning("The case was changed on disk by another program")
            self.saveStateChanged.emit()
            self.changedOnDisk.emit()
            return False
        try:
            self.store.save(self._case, self._path)
        except (BundleGuardError, OSError, ValueError) as error:
            log.warning("The case could not be saved: %s", type(error).__name__)
            self.save_problem = NOT_SAVED.format(why=_why_not_saved(error, self._path))
            self.saveStateChanged.emit()
            self.saveFailed.emit(self.save_problem)
            return False
        self._stamp = _stamp(self._path)
        self.unsaved = False
        self.save_problem = None
        self.warning = None  # what the start said is old news once the work is saved
        self.saveStateChanged.emit()
        return True

    def save(self) -> bool:
        """Save what is not saved yet (nothing is written without a change)."""
        if not self.unsaved:
            return True
        return self._save()

    def overwrite(self) -> bool:
        """Save over a case another program changed (the user chose to)."""
        self.conflict = False
        self.unsaved = True
        return self._save(overwrite=True)

    def open(self, path: Path, *, read_only: bool = False) -> None:
        """Open the case file `path`; on any error raise it and keep the current case.
        `CaseOpenElsewhereError`: another window writes it (open it `read_only` then)."""
        path = Path(path)
        opened = self.store.open(path)
        if read_only:
            lock = self._lock if path == self._path else None
        else:
            free, lock = self._acquire(path)
            if not free:
                raise CaseOpenElsewhereError(path)
        self._hold(lock)
        self._switch(opened.case, opened.path, read_only=read_only and lock is None)
        self.undo_stack.clear()  # what was removed from another case is not put in this one
        self.caseChanged.emit()

    def _switch(self, case: Case, path: Path, *, read_only: bool) -> None:
        self._case = case
        self._path = path
        self._stamp = _stamp(path) if path.exists() else None
        self._scratch = None
        self.read_only = read_only
        self.open_elsewhere = False
        self.unsaved = False
        self.conflict = False
        self.save_problem = None
        self.warning = None
        self.saveStateChanged.emit()

    def new(self) -> None:
        path = self.store.new_case_path()
        self._hold(self._acquire(path)[1])
        self._switch(Case(), path, read_only=False)
        self.undo_stack.clear()
        self.unsaved = True
        self._save()
        self.caseChanged.emit()

    def save_as(self, path: Path) -> None:
        """Save the case to `path` and keep editing it there (raises what went wrong;
        `CaseOpenElsewhereError`: another window writes the case at `path`)."""
        path = Path(path)
        free, lock = self._acquire(path)
        if not free:
            raise CaseOpenElsewhereError(path)
        try:
            self.store.save(self._case, path)
        except (BundleGuardError, OSError, ValueError) as error:
            if lock is not None and lock is not self._lock:
                lock.unlock()
            if isinstance(error, BundleGuardError):
                raise
            raise InputError(_why_not_saved(error, path)) from None
        self._hold(lock)
        self._switch(self._case, path, read_only=False)
        self.caseChanged.emit()

    def reload(self) -> None:
        """Read the current case file again (another program, or another part of the
        app, wrote it); what was not saved here is dropped."""
        case = load_case(self._path)
        self._switch(case, self._path, read_only=self.read_only)
        self.undo_stack.clear()  # the case read again is another one: its places differ
        self.caseChanged.emit()

    def release(self) -> None:
        """Let another window write this case (the window closes)."""
        self._release_lock()

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
        self._release_lock()


__all__ = ["Added", "CaseController", "CaseOpenElsewhereError", "lock_path", "sort_addable"]
