"""The steps list says where each step stands as soon as the Bundle page exists, even when
the user reaches it before the window's background import of the pages has finished (a
busy machine): never a list of bare step names beside a built Bundle page."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import Qt

from bundleguard.case.steps import Step
from bundleguard.case.store import CaseStore
from bundleguard.gui import window as window_module
from bundleguard.gui.controller import CaseController
from bundleguard.gui.window import MainWindow
from tests.gui.conftest import find_by_name


def test_the_steps_are_judged_once_the_bundle_page_is_built(qtbot, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("BUNDLEGUARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    release = threading.Event()
    monkeypatch.setattr(window_module, "_import_pages", lambda: release.wait(30))
    controller = CaseController(CaseStore())
    window = MainWindow(controller)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    try:
        window.show_step(Step.BUNDLE)  # before the pages' import has reported
        steps = find_by_name(window, "Steps")
        said = steps.model().index(Step.BUNDLE.index, 0)

        qtbot.waitUntil(
            lambda: (said.data(Qt.ItemDataRole.AccessibleTextRole) or "").startswith(
                f"{Step.BUNDLE.label}: "
            ),
            timeout=10_000,
        )
    finally:
        release.set()
        controller.shutdown()
