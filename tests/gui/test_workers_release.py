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
