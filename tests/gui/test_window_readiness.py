"""The window judges a case once (issue 17): the steps list, the "Build bundles" button and
the "Blockers" list read the same `case.readiness` answer, over a table of cases. And a
screenshot dropped with the certificates becomes its appliance's screenshot: never a row
of the Files list, never a reason the build is refused.

A private CA chain is generated at run time; screenshots are PNGs drawn by the test.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication, QListWidget, QPushButton

from bundleguard.case.actions import gather_facts
from bundleguard.case.model import ApplianceEntry, Case, Role
from bundleguard.case.readiness import build_key, readiness, step_named
from bundleguard.case.steps import STEPS, Step
from bundleguard.case.store import CaseStore
from bundleguard.gui.controller import CaseController
from bundleguard.gui.window import MainWindow
from tests.certs import pki
from tests.gui.conftest import find_by_name, top_level_by_name
from tests.gui.dnd import drop_files
from tests.gui.test_bundle_page import BACKUP, PRIMARY, SITE, screenshot_png
from tests.gui.test_readiness_agrees import ROWS, good_case
from tests.gui.test_window import rows, wait_rows


@pytest.fixture(scope="module")
def chain() -> pki.Chain:
    return pki.make_chain([SITE, PRIMARY, BACKUP])


@pytest.fixture
def judged_window(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The main window, shown, with the trust stores loaded (so its files are judged)."""
    monkeypatch.setenv("BUNDLEGUARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    controller = CaseController(CaseStore())
    window = MainWindow(controller)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: controller.anchors is not None, timeout=30_000)
    yield window
    window.certificates_page.cancel_scan()
    controller.shutdown()


def shown_text(tooltip: str) -> str:
    """A tooltip as the user reads it (Qt shows it as rich text: its lines, its words)."""
    document = QTextDocument()
    document.setHtml(tooltip)
    return document.toPlainText().replace("\u2028", "\n")


def steps_said(window: MainWindow) -> list[tuple[str, str]]:
    """Each row of the steps list: what a screen reader says, and its tooltip's text."""
    steps = find_by_name(window, "Steps")
    model = steps.model()
    return [
        (
            model.index(r, 0).data(Qt.ItemDataRole.AccessibleTextRole),
            shown_text(model.index(r, 0).data(Qt.ItemDataRole.ToolTipRole) or ""),
        )
        for r in range(model.rowCount())
    ]


def items(window: MainWindow, name: str) -> list[str]:
    shown = find_by_name(window, name)
    assert isinstance(shown, QListWidget)
    return [shown.item(row).text() for row in range(shown.count())]


def build_button(window: MainWindow) -> QPushButton:
    found = find_by_name(window, "Build bundles")
    assert isinstance(found, QPushButton)
    return found


def set_case(window: MainWindow, case: Case) -> None:
    window.controller.update(**{f.name: getattr(case, f.name) for f in dataclasses.fields(case)})


def wait_judged(qtbot, window: MainWindow) -> None:
    page = window.bundle_page
    qtbot.waitUntil(
        lambda: (
            page.facts is not None
            and page.facts.key == build_key(page.case())
            and page.readiness is not None
            and page.readiness.checked
        ),
        timeout=20_000,
    )


def test_the_steps_list_the_build_button_and_the_blockers_agree(
    qtbot, judged_window, tmp_path, chain
):
    window = judged_window
    anchors = window.controller.anchors
    for number, row in enumerate(ROWS):
        folder = tmp_path / f"row{number}"
        case = row.change(good_case(folder, chain), folder)
        where = f"{row.name}: "
        set_case(window, case)
        wait_judged(qtbot, window)
        # The one function, asked directly with the files as they are (of the case as it is
        # built: one that names no output folder goes to the default one).
        case = window.bundle_page.case()
        judged = readiness(case, gather_facts(case, anchors=anchors))
        said = steps_said(window)
        assert [text for text, _ in said] == [s.text for s in judged.steps], where
        blockers = items(window, "Blockers")
        assert blockers == [str(b) for b in judged.blockers], where
        # The Bundle step is ready exactly when the button builds.
        step4 = said[Step.BUNDLE.index][0]
        assert build_button(window).isEnabled() == (step4 == "4 Bundle & email: ready to build"), (
            where + step4
        )
        # A step that says "done" has no blocker in the list; one that has one says so,
        # and its tooltip names it.
        for step in STEPS[:3]:
            text, tip = said[step.index]
            own = [b for b in blockers if b.startswith(step_named(step) + ":")]
            if own:
                assert text.endswith("needs attention"), where + text
                assert all(b in tip.splitlines() for b in own), where + tip
            if text.endswith(("done", "done, with concerns")):
                assert not own, where + text
        # Every blocker is in the Bundle step's tooltip: it is what stops the build.
        assert all(b in said[Step.BUNDLE.index][1].splitlines() for b in blockers), where


def test_a_png_dropped_with_the_certificates_becomes_its_appliances_screenshot(
    qtbot, judged_window, tmp_path, chain
):
    window = judged_window
    folder = tmp_path / "case"
    case = good_case(folder, chain)
    primary, backup = case.appliances
    # The backup has no screenshot yet: the build is blocked by that alone.
    set_case(
        window, case.with_changes(appliances=(primary, dataclasses.replace(backup, screenshot="")))
    )
    wait_judged(qtbot, window)
    assert items(window, "Blockers") == [
        f"Step 3, Screenshot: add the Status > Basics screenshot of {BACKUP}"
    ]
    dropped = tmp_path / "drop"
    dropped.mkdir()
    picture = Path(screenshot_png(dropped / f"status-{BACKUP}.png", (30, 90, 30)))
    extra = dropped / "extra-intermediate.pem"
    extra.write_bytes(pki.pem(chain.intermediates[0]))
    window.show_step(Step.CERTIFICATES)
    assert drop_files(window, [extra, picture])

    # The screenshot page shows it as the backup's screenshot ...
    qtbot.waitUntil(lambda: bool(window.controller.case.appliances[1].screenshot), timeout=20_000)
    saved = Path(window.controller.case.appliances[1].screenshot)
    assert saved.is_file() and saved.parent == window.controller.files_dir
    shots = find_by_name(window.screenshot_page, "Appliances for screenshots")
    said = [shots.item(r).data(Qt.ItemDataRole.AccessibleTextRole) for r in range(shots.count())]
    assert f"{BACKUP}: screenshot saved" in said
    # ... the Files list lists the certificate only ...
    wait_rows(qtbot, window, 4)
    assert not any(picture.name in r for r in rows(window))
    assert "extra-intermediate.pem — accepted (certificate)" in rows(window)
    assert str(picture) not in window.controller.case.files
    # ... and the build is not blocked by it.
    wait_judged(qtbot, window)
    assert items(window, "Blockers") == []
    assert build_button(window).isEnabled()
    assert steps_said(window)[Step.SCREENSHOT.index][0] == "3 Screenshot: done"


def test_an_image_naming_no_appliance_is_given_to_the_one_the_user_picks(
    qtbot, judged_window, tmp_path
):
    window = judged_window
    window.controller.update(
        site=SITE,
        appliances=(ApplianceEntry(PRIMARY, Role.PRIMARY), ApplianceEntry(BACKUP, Role.BACKUP)),
    )
    picture = Path(screenshot_png(tmp_path / "Screenshot 2026-12-07.png", (90, 30, 30)))
    window.show_step(Step.CASE)
    assert drop_files(window, [picture])
    qtbot.waitUntil(lambda: top_level_by_name("Which appliance") is not None, timeout=20_000)
    dialog = top_level_by_name("Which appliance")
    assert picture.name in find_by_name(dialog, "Question").text()
    choices = find_by_name(dialog, "Appliance for the screenshot")
    assert [choices.item(r).text() for r in range(choices.count())] == [PRIMARY, BACKUP]
    choices.setCurrentRow(1)
    find_by_name(dialog, "Use as screenshot").click()
    qtbot.waitUntil(lambda: bool(window.controller.case.appliances[1].screenshot), timeout=20_000)
    assert not window.controller.case.appliances[0].screenshot
    assert window.controller.case.files == ()
    QApplication.processEvents()
    assert top_level_by_name("Which appliance") is None
