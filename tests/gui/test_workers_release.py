"""A finished background task is let go: its signals, and every closure connected to them
(which hold the page that asked), do not pile up one per keystroke for as long as the
window is open."""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QThreadPool

from bundleguard.gui import workers


def live_tasks() -> int:
    gc.collect()
    return sum(isinstance(o, workers.Task) for o in gc.get_objects())


def test_finished_tasks_are_released_by_the_pool(qtbot) -> None:
    owner = QObject()
    pool = QThreadPool()
    job = workers.LatestJob(owner, pool)
    results: list[int] = []
    before = live_tasks()

    for n in range(200):
        job.start(lambda value: value * 2, n, done=results.append)
        qtbot.waitUntil(lambda n=n: len(results) == n + 1)  # one keystroke's job, reported
    pool.waitForDone(5000)
    assert results[-1] == 398

    assert live_tasks() - before <= 2  # the last one may still be remembered, not 200


def test_a_report_queued_before_the_next_task_starts_is_still_delivered(qtbot) -> None:
    """A task that has run, whose report still waits in the event queue, is not let go
    when the next task starts (a deleted sender takes its queued reports with it)."""
    pool = QThreadPool()
    seen: list[str] = []
    first = workers.Task(lambda: "first")
    first.signals.done.connect(seen.append)
    workers.start(pool, first)
    assert first.finished.wait(5)  # run, reported, but not delivered: no event loop yet
    del first
    second = workers.Task(lambda: "second")
    second.signals.done.connect(seen.append)
    workers.start(pool, second)
    pool.waitForDone(5000)
    gc.collect()

    qtbot.waitUntil(lambda: sorted(seen) == ["first", "second"], timeout=5000)
