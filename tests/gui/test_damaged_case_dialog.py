"""A last case that cannot be opened at start gets a dialog that stays until answered:
"Show the file" (per platform, faked), "Open another…", "Start a new case"."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QFileDialog

from bundleguard.case.model import Case
from bundleguard.case.store import CaseStore
from bundleguard.gui import opener
from bundleguard.gui.controller import CaseController
from bundleguard.gui.damaged import TITLE
from bundleguard.gui.window import MainWindow
from tests.gui.conftest import find_by_name

DAMAGED = b'{"format": "bundleguard-case", "version": 1, "site": '  # cut short


@pytest.fixture
def damaged(tmp_path: Path) -> Path:
    store = CaseStore(tmp_path / "data")
    path = tmp_path / "cases" / "case-0123456789ab.bgcase"
    path.parent.mkdir()
    path.write_bytes(DAMAGED)
    store.remember(path)
    return path


@pytest.fixture
def started(qtbot, tmp_path: Path, damaged: Path):
    """The window as it starts with the damaged case as the last one, and its dialog."""
    window = MainWindow(CaseController(CaseStore(tmp_path / "data"), load_anchors=False))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: dialog_of(window) is not None, timeout=5000)
    dialog = dialog_of(window)
    yield window, dialog
    if dialog_of(window) is not None:
        dialog.close()
    window.controller.shutdown()


def dialog_of(window: MainWindow):
    """This window's "Last case cannot be opened" dialog while it is shown."""
    shown = [
        child
        for child in window.findChildren(QDialog)
        if child.accessibleName() == TITLE and child.isVisible()
    ]
    assert len(shown) <= 1
    return shown[0] if shown else None


def test_the_dialog_says_why_and_stays(qtbot, started, damaged) -> None:
    window, dialog = started
    why = find_by_name(dialog, "Why the last case cannot be opened").text()
    assert str(damaged) in why and "left as it is" in why
    assert window.controller.path != damaged and window.controller.case == Case()
    qtbot.wait(300)  # not a line that is gone a moment later
    assert dialog.isVisible()


@pytest.mark.parametrize("platform", ["win32", "darwin", "linux"])
def test_show_the_file_reveals_it_and_the_dialog_stays(
    qtbot, started, damaged, monkeypatch, platform
) -> None:
    _, dialog = started
    ran, opened = [], []
    monkeypatch.setattr(opener, "current_platform", lambda: platform)
    monkeypatch.setattr(opener, "spawn", lambda command: ran.append(command) or True)
    monkeypatch.setattr(opener, "system_open", lambda url: opened.append(url.toLocalFile()) or True)

    monkeypatch.setenv("SYSTEMROOT", "C:\\Windows")
    find_by_name(dialog, "Show the file").click()

    if platform == "win32":
        assert ran == [f'"C:\\Windows\\explorer.exe" /select,"{damaged}"'] and opened == []
    elif platform == "darwin":
        assert [tuple(c) for c in ran] == [("/usr/bin/open", "-R", str(damaged))] and opened == []
    else:
        assert ran == [] and [Path(p) for p in opened] == [damaged.parent]
    assert dialog.isVisible()


def test_open_another_opens_the_chosen_case(qtbot, started, tmp_path, monkeypatch) -> None:
    window, dialog = started
    good = tmp_path / "good.bgcase"
    CaseStore(tmp_path / "other").save(Case(site="good.example.com"), good)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(good), ""))

    find_by_name(dialog, "Open another").click()

    assert window.controller.path == good
    assert find_by_name(window, "Site hostname").text() == "good.example.com"
    qtbot.waitUntil(lambda: dialog_of(window) is None)


def test_start_a_new_case_keeps_the_new_case_and_leaves_the_file(qtbot, started, damaged):
    window, dialog = started
    fresh = window.controller.path

    find_by_name(dialog, "Start a new case").click()

    qtbot.waitUntil(lambda: dialog_of(window) is None)
    assert window.controller.path == fresh and window.controller.case == Case()
    assert damaged.read_bytes() == DAMAGED
    assert not find_by_name(window, "Case notice").isVisible()
