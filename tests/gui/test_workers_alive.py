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
