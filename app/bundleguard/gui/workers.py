"""Background work for the window: a core call in a `QThreadPool`, reported by signals.

The caller owns the `TaskSignals` object (a QRunnable may be deleted by the pool as soon
as it has run, so signals must not live on it). A `Task` calls its function with
`cancel=` (a `Cancel` token) and `progress=` (a callback) when the function accepts them.
Failures come back in plain words: a `BundleGuardError`'s own message, or a fixed sentence
with the traceback sent to the log — never the exception's text, which may hold a secret.

`LatestJob` is the one "latest wins" dispatcher (novelWriter's runnables: one per kind of
job): it owns the kind's busy state and job id, asks a superseded task to stop, and drops
its report. A page keeps one per kind of work instead of a counter of its own:
`self._reading = LatestJob(self, controller.pool)`, then
`self._reading.start(fn, *args, done=..., failed=...)`.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal
from shiboken6 import isValid

from bundleguard.errors import BundleGuardError

log = logging.getLogger("bundleguard.gui")

UNEXPECTED = "Unexpected error — details are in the log."


class Cancelled(Exception):
    """Raised inside a task's function by `Cancel.check()` when the user cancelled."""


class Cancel:
    """A cancel token shared by the window and a task: `set()` asks, `is_set()` tells."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def __bool__(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled()


class TaskSignals(QObject):
    """What a task reports; emitted from the worker thread, delivered queued to the GUI."""

    progress = Signal(int, int, str)
    done = Signal(object)
    failed = Signal(str)
    cancelled = Signal()


def _accepts(fn: Callable[..., Any], name: str) -> bool:
    try:
        parameters = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()
    )


class Task(QRunnable):
    """`fn(*args, **kwargs)` run in a pool thread; results go to `signals`."""

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.cancel = Cancel()
        self.signals = TaskSignals()
        self.finished = threading.Event()
        self.setAutoDelete(False)

    def _progress(self, done: int, total: int, text: str = "") -> None:
        self.signals.progress.emit(int(done), int(total), str(text))

    def run(self) -> None:
        try:
            self._run()
        finally:
            self.finished.set()

    def _run(self) -> None:
        signals = self.signals
        kwargs = dict(self.kwargs)
        if _accepts(self.fn, "cancel"):
            kwargs.setdefault("cancel", self.cancel)
        if _accepts(self.fn, "progress"):
            kwargs.setdefault("progress", self._progress)
        try:
            result = self.fn(*self.args, **kwargs)
        except Cancelled:
            signals.cancelled.emit()
            return
        except BundleGuardError as error:
            if self.cancel.is_set():
                signals.cancelled.emit()
            else:
                signals.failed.emit(str(error))
            return
        except Exception as error:  # a worker must report, never die silently
            # Frames and the type only: an exception's text may quote what the user typed.
            frames = "".join(traceback.format_tb(error.__traceback__))
            log.error("A background task failed\n%s%s", frames, type(error).__name__)
            signals.failed.emit(UNEXPECTED)
            return
        finally:
            self.args = ()
            self.kwargs = {}
        if self.cancel.is_set():
            signals.cancelled.emit()
        else:
            signals.done.emit(result)


def alive(owner: QObject, slot: Callable[..., Any]) -> Callable[..., None]:
    """`slot`, called only while `owner` still exists: a report queued by a worker may
    arrive after the page that started it was closed (a lambda is not disconnected then,
    as a bound method is)."""

    def call(*args: Any) -> None:
        if isValid(owner):
            slot(*args)

    return call


_running: dict[int, Task] = {}


def _release(key: int, *_: Any) -> None:
    """A task's report has reached the GUI thread: let the task go on the next turn of the
    event loop, once every slot queued by the same report has run (a sender deleted
    earlier takes its queued reports with it)."""
    QTimer.singleShot(0, lambda: _running.pop(key, None))


def start(pool: QThreadPool, task: Task) -> TaskSignals:
    """Start `task` on `pool`. The task (and its signals) is kept alive here until its
    report (done, failed or cancelled) has been delivered, so a caller that drops it loses
    no report and no thread crashes; then it is let go."""
    key = id(task)
    _running[key] = task
    for signal in (task.signals.done, task.signals.failed, task.signals.cancelled):
        signal.connect(functools.partial(_release, key))  # the key, not the task: no cycle
    # The pool is handed a plain callable, not the QRunnable: PySide keeps a reference to
    # a runnable it is given that it does not delete itself (autoDelete off), for as long
    # as the pool lives, and with it the task's signals and every closure connected to
    # them (one task per keystroke: ~30 KiB each). Its own wrapper of a callable is
    # released once it has run.
    pool.start(task.run)
    return task.signals


class LatestJob:
    """One kind of background work where the latest wins.

    `start()` runs a new task and supersedes the one before it: that one is asked to stop
    (its `Cancel` token is set) and whatever it reports is dropped. Only the task started
    last reaches `done`, `failed`, `cancelled` and `progress`. `forget()` drops the running
    task's report too (the input it worked on changed). `busy` is True while the latest
    task runs; `job` is the id of the latest task started (0 before the first).
    The owner is the object the reports are for: once it is deleted, nothing is delivered.
    """

    def __init__(self, owner: QObject, pool: QThreadPool | Callable[[], QThreadPool]) -> None:
        self._owner = owner
        self._pool = pool
        self._job = 0
        self._task: Task | None = None

    @property
    def job(self) -> int:
        return self._job

    @property
    def busy(self) -> bool:
        return self._task is not None

    def forget(self) -> None:
        """Drop the report of the task running now (and ask it to stop)."""
        self._job += 1
        if self._task is not None:
            self._task.cancel.set()
            self._task = None

    def start(
        self,
        fn: Callable[..., Any],
        *args: Any,
        done: Callable[[Any], None],
        failed: Callable[[str], None] | None = None,
        cancelled: Callable[[], None] | None = None,
        progress: Callable[[int, int, str], None] | None = None,
        **kwargs: Any,
    ) -> TaskSignals:
        """Run `fn(*args, **kwargs)` in the pool as this kind's latest task."""
        self.forget()
        job = self._job
        task = Task(fn, *args, **kwargs)
        self._task = task

        def latest(slot: Callable[..., None] | None, ends: bool) -> Callable[..., None]:
            def deliver(*values: Any) -> None:
                if job != self._job:
                    return  # superseded, or forgotten: not the latest
                if ends:
                    self._task = None
                if slot is not None:
                    slot(*values)

            return alive(self._owner, deliver)

        signals = task.signals
        signals.done.connect(latest(done, True))
        signals.failed.connect(latest(failed, True))
        signals.cancelled.connect(latest(cancelled, True))
        if progress is not None:
            signals.progress.connect(latest(progress, False))
        pool = self._pool if isinstance(self._pool, QThreadPool) else self._pool()
        return start(pool, task)


__all__ = [
    "UNEXPECTED",
    "Cancel",
    "Cancelled",
    "LatestJob",
    "Task",
    "TaskSignals",
    "alive",
    "start",
]
