"""Shared GUI test helpers: find controls the way a user or a screen reader does."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget


def find_by_name(widget: QWidget, name: str) -> QWidget:
    """The one visible-or-not child of `widget` whose accessible name is `name`."""
    found = [child for child in widget.findChildren(QWidget) if child.accessibleName() == name]
    if widget.accessibleName() == name:
        found.insert(0, widget)
    assert len(found) == 1, f"{len(found)} controls are named {name!r}"
    return found[0]


def top_level_by_name(name: str) -> QWidget | None:
    """The visible top-level window whose accessible name is `name`, if one is open."""
    for window in QApplication.topLevelWidgets():
        if window.isVisible() and window.accessibleName() == name:
            return window
    return None


def find_action(window: QWidget, menu: str, text: str):
    """The action of the menu bar's `menu` that reads `text` (as announced: no `&`).
    A QAction has no accessible name: its text is what a screen reader says."""
    menus = [a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == menu]
    assert len(menus) == 1, f"{len(menus)} menus are named {menu!r}"
    found = [a for a in menus[0].actions() if a.text().replace("&", "") == text]
    assert len(found) == 1, f"{len(found)} actions of {menu} read {text!r}"
    return found[0]


def answer_next_question(answer: QMessageBox.StandardButton, seen: list[str]) -> None:
    """Click `answer` in the next message box that opens (a real modal dialog)."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        seen.append(box.text())
        box.button(answer).click()

    QTimer.singleShot(20, click)


ROOT = Path(__file__).resolve().parents[2]


def run_facts(args: Sequence[str], env: Mapping[str, str], launcher: Sequence[str] = ()) -> dict:
    """Run `[LAUNCHER] python ARGS` (a script that must start a Qt of its own: another
    platform, other screens, a private bus) and return the JSON facts it prints last."""
    run = subprocess.run(
        [*launcher, sys.executable, *args],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.fixture(autouse=True)
def _own_settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Never read or write the real user's settings from a GUI test."""
    monkeypatch.setenv("BUNDLEGUARD_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))
    # A case that names no output folder is built into Documents/bundleguard/...: not the
    # real user's.
    monkeypatch.setenv("BUNDLEGUARD_DOCUMENTS_DIR", str(tmp_path_factory.mktemp("documents")))


@pytest.fixture
def window(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The main window on a fresh case store of the test's own, shown."""
    from bundleguard.case.store import CaseStore
    from bundleguard.gui.controller import CaseController
    from bundleguard.gui.window import MainWindow

    monkeypatch.setenv("BUNDLEGUARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    window = MainWindow(CaseController(CaseStore(), load_anchors=False))
    qtbot.addWidget(window)
    window.show()
    yield window
    window.certificates_page.cancel_scan()
    window.controller.shutdown()
