"""A worker's report that arrives after its page was closed is dropped, not delivered
into deleted widgets (a lambda stays connected; `workers.alive` checks the page)."""

from __future__ import annotations

import shiboken6
from PySide6.QtWidgets import QLabel, QWidget

from bundleguard.gui import workers


def test_a_report_for_a_closed_page_is_dropped(qtbot) -> None:
    page = QWidget()
    label = QLabel(page)
    seen: list[str] = []
    task = workers.Task(lambda: "done")
    task.signals.done.connect(
        workers.alive(page, lambda text: (label.setText(text), seen.append(text)))
    )
    task.signals.done.emit("first")
    assert seen == ["first"] and label.text() == "first"
    shiboken6.delete(page)  # the window closed: the page and its label are gone
    task.signals.done.emit("late")  # no "Internal C++ object already deleted"
    assert seen == ["first"]


def _latest(qtbot):
    from PySide6.QtCore import QThreadPool

    owner = QWidget()
    pool = QThreadPool()
    return owner, pool, workers.LatestJob(owner, pool)


def test_only_the_latest_job_of_a_kind_reports(qtbot) -> None:
    import threading

    _owner, pool, job = _latest(qtbot)  # the owner lives as long as the test
    release = threading.Event()
    seen: list[str] = []

    def slow(text: str) -> str:
        release.wait(10)
        return text

    job.start(slow, "first", done=seen.append, failed=seen.append)
    assert job.busy and job.job == 1
    job.start(slow, "second", done=seen.append, failed=seen.append)
    release.set()  # the first may end before or after the second: it never reports
    qtbot.waitUntil(lambda: "second" in seen, timeout=5000)  # (a signal may beat a wait)
    pool.waitForDone(5000)
    qtbot.wait(50)  # anything queued by the first task is delivered now (and dropped)
    assert seen == ["second"]
    assert not job.busy and job.job == 2


def test_a_forgotten_or_failed_stale_job_says_nothing(qtbot) -> None:
    import threading

    owner, pool, job = _latest(qtbot)
    release = threading.Event()
    seen: list[str] = []

    def fails() -> None:
        release.wait(10)
        from bundleguard.errors import InputError

        raise InputError("stale")

    signals = job.start(fails, done=seen.append, failed=seen.append, cancelled=lambda: None)
    job.forget()  # the input changed: this report is about the old one
    assert not job.busy
    # Listened for before the task is let go: emitted before anyone listens, it was lost.
    with qtbot.waitSignal(signals.cancelled, timeout=5000):
        release.set()  # forget() asked the task to stop: it says so, and nobody listens
    pool.waitForDone(5000)
    qtbot.wait(50)
    assert seen == []
    # The owner closed: a job started before is delivered to nobody.
    late = job.start(lambda: "late", done=seen.append)
    shiboken6.delete(owner)
    pool.waitForDone(5000)
    qtbot.wait(50)  # the report queued by the worker is processed: and dropped
    assert seen == [] and late is not None
