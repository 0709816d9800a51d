"""A case file handed over is known by its content, not by its `.bgcase` name: renamed to
`.json` or `.txt` it opens as a case (unsaved work is never dropped unasked), and a file
named `.bgcase` that is no case file is judged by the guard like any other file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from bundleguard.case.model import Case
from bundleguard.case.store import CaseStore, save_case
from bundleguard.gui.controller import CaseController
from bundleguard.gui.window import MainWindow
from tests.certs import pki
from tests.gui.conftest import find_by_name
from tests.gui.dnd import drop_files


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BUNDLEGUARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


def open_window(qtbot) -> MainWindow:
    window = MainWindow(CaseController(CaseStore(), load_anchors=False))
    qtbot.addWidget(window)
    window.show()
    return window


def finish(window: MainWindow) -> None:
    window.certificates_page.cancel_scan()
    window.controller.shutdown()


def rows(window: MainWindow) -> list[str]:
    model = find_by_name(window, "Files").model()
    return [
        model.index(r, 0).data(Qt.ItemDataRole.AccessibleTextRole) for r in range(model.rowCount())
    ]


def a_case_named(home: Path, name: str, site: str = "renamed.example.com") -> Path:
    saved = save_case(Case(site=site), home / "saved" / "work.bgcase")
    target = home / "given" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(saved, target)
    return target


@pytest.mark.parametrize("name", ["work.json", "work.txt", "work"])
def test_a_case_file_renamed_opens_as_a_case(qtbot, home, name):
    window = open_window(qtbot)
    given = a_case_named(home, name)
    assert drop_files(window, [given], QPointF(20, 20))
    qtbot.waitUntil(lambda: window.controller.path == given, timeout=20000)
    assert find_by_name(window, "Site hostname").text() == "renamed.example.com"
    assert str(given) not in window.controller.case.files  # never a file of the case
    finish(window)


def test_a_file_named_bgcase_that_is_a_certificate_is_judged_as_one(qtbot, home):
    window = open_window(qtbot)
    first = window.controller.path
    named = home / "given" / "chain.bgcase"
    named.parent.mkdir(parents=True)
    named.write_bytes(pki.pem(pki.self_signed(["support.example.com"]).leaf))
    assert drop_files(window, [named], QPointF(20, 20))
    qtbot.waitUntil(
        lambda: rows(window) == ["chain.bgcase — accepted (certificate)"], timeout=20000
    )
    assert window.controller.path == first  # no case was opened
    assert window.controller.case.files == (str(named),)
    assert getattr(window, "last_message", None) is None  # no "cannot be opened"
    finish(window)


def test_a_file_named_bgcase_that_is_no_case_is_a_refused_file(qtbot, home):
    window = open_window(qtbot)
    first = window.controller.path
    named = home / "given" / "notes.bgcase"
    named.parent.mkdir(parents=True)
    named.write_text('{"some": "other program\'s settings"}\n')
    assert drop_files(window, [named], QPointF(20, 20))
    qtbot.waitUntil(lambda: len(rows(window)) == 1, timeout=20000)
    assert rows(window)[0].startswith("notes.bgcase — refused")
    assert window.controller.path == first
    finish(window)


def test_a_renamed_case_never_drops_unsaved_work_unasked(qtbot, home):
    window = open_window(qtbot)
    qtbot.keyClicks(find_by_name(window, "Site hostname"), "mine.example.com")
    first = window.controller.path
    # Every save now fails: the work here is unsaved, so opening another case must ask.
    shutil.rmtree(first.parent)
    first.parent.write_bytes(b"not a folder")
    qtbot.keyClicks(find_by_name(window, "Site hostname"), "x")
    given = a_case_named(home, "sent-by-mail.txt")
    assert drop_files(window, [given], QPointF(20, 20))

    def asked() -> list[QMessageBox]:
        return [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox)
            and w.isVisible()
            and w.accessibleName() == "Unsaved changes"
        ]

    qtbot.waitUntil(lambda: len(asked()) == 1, timeout=20000)
    assert "not saved" in asked()[0].text()
    find_by_name(asked()[0], "Cancel").click()
    assert window.controller.path == first
    assert find_by_name(window, "Site hostname").text() == "mine.example.comx"
    assert str(given) not in window.controller.case.files
    finish(window)


def test_a_case_file_found_in_a_dropped_folder_does_not_open(qtbot, home):
    window = open_window(qtbot)
    first = window.controller.path
    given = a_case_named(home, "inside.json")
    assert drop_files(window, [given.parent], QPointF(20, 20))
    qtbot.waitUntil(lambda: len(rows(window)) == 1, timeout=20000)
    assert rows(window)[0].startswith("inside.json — refused")
    assert window.controller.path == first
    finish(window)
