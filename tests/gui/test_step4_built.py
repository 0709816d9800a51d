"""Step 4 says "built" until what the bundles hold changes (issue 18).

In the whole window, on a real case (a private CA chain made at run time, screenshots
written with Pillow): after Build bundles the steps list says "4 Bundle & email: built";
a change the bundles do not hold (an appliance's Address, which only the live check uses;
the Replicate step's notes; another step shown) leaves it so; a change of a screenshot, a
file or an appliance takes it back. The drafts button says how many emails it opens.
The first test builds four times (about 4 s): each change is judged from a built state.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from bundleguard.case.model import Case
from bundleguard.case.steps import Step
from bundleguard.case.store import CaseStore
from bundleguard.gui.controller import CaseController
from bundleguard.gui.window import MainWindow
from tests.gui import test_bundle_page as step4
from tests.gui.conftest import answer_next_question, find_by_name

case, chain = step4.case, step4.chain  # fixtures: the case of step 4's own tests

BUILT = "4 Bundle & email: built"
READY = "4 Bundle & email: ready to build"


@pytest.fixture
def built_window(qtbot, tmp_path, monkeypatch):
    """The window on its own case store, trust stores loaded; `open(case)` shows `case`."""
    monkeypatch.setenv("BUNDLEGUARD_DATA_DIR", str(tmp_path / "data"))
    made: list[CaseController] = []

    def open_case(case: Case) -> MainWindow:
        controller = CaseController(CaseStore(tmp_path / "data"))
        made.append(controller)
        window = MainWindow(controller)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: controller.anchors is not None, timeout=15_000)
        controller.update(**{f.name: getattr(case, f.name) for f in dataclasses.fields(case)})
        window.show_step(Step.BUNDLE)
        return window

    yield open_case
    for controller in made:
        controller.shutdown()


def step_said(window, step: Step = Step.BUNDLE) -> str:
    steps = find_by_name(window, "Steps")
    return steps.model().index(step.index, 0).data(Qt.ItemDataRole.AccessibleTextRole)


def wait_said(qtbot, window, expected: str) -> None:
    try:
        qtbot.waitUntil(lambda: step_said(window) == expected, timeout=15_000)
    except Exception:
        raise AssertionError(f"{step_said(window)!r} != {expected!r}") from None


def build(qtbot, window) -> None:
    wait_said(qtbot, window, READY)
    result = find_by_name(window, "Build result")
    result.setText("")
    if list(Path(window.controller.case.output).glob("*.zip")):
        answer_next_question(QMessageBox.StandardButton.Yes, [])  # "Replace the bundles?"
    qtbot.mouseClick(find_by_name(window, "Build bundles"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "written and verified" in result.text(), timeout=30_000)
    wait_said(qtbot, window, BUILT)


def test_built_stays_until_what_the_bundles_hold_changes(qtbot, built_window, case, tmp_path):
    window = built_window(case)
    build(qtbot, window)
    controller = window.controller
    drafts = find_by_name(window, "Open email draft")
    assert drafts.text() == "Open 2 email drafts"  # one email per appliance

    # What the bundles do not hold: the step still says "built".
    primary, backup = controller.case.appliances
    controller.update(appliances=(primary.with_changes(address="192.0.2.10"), backup))
    replication = dataclasses.replace(controller.case.replication, imported=("backup",))
    controller.update(replication=replication)
    window.show_step(Step.REPLICATE)
    window.show_step(Step.BUNDLE)
    qtbot.wait(400)  # the page judges again after a short pause: it must still say built
    assert step_said(window) == BUILT
    assert len(list(Path(case.output).glob("*.zip"))) == 2

    # Another screenshot: the bundles are outdated.
    other = step4.screenshot_png(tmp_path / "in" / "backup-2.png", (10, 200, 10))
    primary, backup = controller.case.appliances
    controller.update(appliances=(primary, backup.with_changes(screenshot=other)))
    wait_said(qtbot, window, READY)

    # Built again, then a file taken out: outdated again.
    build(qtbot, window)
    controller.update(files=controller.case.files[:2])  # no root: a concern
    wait_said(qtbot, window, "4 Bundle & email: ready, with concerns")

    # And an appliance taken out.
    controller.update(files=case.files)
    build(qtbot, window)
    controller.update(appliances=controller.case.appliances[:1])
    wait_said(qtbot, window, READY)


def test_one_appliance_has_one_email_draft(qtbot, built_window, case):
    window = built_window(case.with_changes(appliances=case.appliances[:1]))
    build(qtbot, window)
    drafts = find_by_name(window, "Open email draft")
    assert drafts.text() == "Open email draft" and drafts.isEnabled()
