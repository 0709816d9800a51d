"""Step 1: fields and appliances go into the case as the user types; the core judges."""

from __future__ import annotations

import json

from PySide6.QtWidgets import QComboBox

from bundleguard.gui import widgets
from bundleguard.gui.window import MainWindow
from tests.gui.conftest import find_by_name


def test_fields_are_saved_as_typed(qtbot, window: MainWindow, tmp_path) -> None:
    qtbot.keyClicks(find_by_name(window, "Site hostname"), "support.example.com")
    qtbot.keyClicks(find_by_name(window, "Incident number"), "01234567")
    qtbot.keyClicks(find_by_name(window, "Support address"), "help@example.com")
    qtbot.keyClicks(find_by_name(window, "Output folder"), str(tmp_path / "out"))
    saved = json.loads(window.controller.path.read_text())
    assert saved["site"] == "support.example.com"
    assert saved["incident"] == "01234567"
    assert saved["support_address"] == "help@example.com"
    assert window.case_page.site_problem.isHidden()
    assert window.case_page.address_problem.isHidden()


def test_appliances_table_roles_and_open_appliance(qtbot, window, monkeypatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(widgets, "open_url", opened.append)
    add = find_by_name(window, "Add appliance")
    add.click()
    add.click()
    table = find_by_name(window, "Appliances")
    assert table.rowCount() == 2
    table.item(0, 0).setText("primary.example.com")
    table.item(1, 0).setText("backup.example.com")
    roles = [table.cellWidget(r, 1) for r in range(2)]
    assert all(isinstance(r, QComboBox) for r in roles)
    assert [r.currentText() for r in roles] == ["primary", "backup"]
    roles[1].setCurrentText("node")
    case = window.controller.case
    assert [(a.hostname, a.role.value) for a in case.appliances] == [
        ("primary.example.com", "primary"),
        ("backup.example.com", "node"),
    ]
    find_by_name(window, "Open /appliance of backup.example.com").click()
    assert opened == ["https://backup.example.com/appliance"]
    find_by_name(window, "Remove appliance 1").click()
    assert [a.hostname for a in window.controller.case.appliances] == ["backup.example.com"]


def test_a_bad_hostname_is_said_and_cannot_be_opened(qtbot, window, monkeypatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(widgets, "open_url", opened.append)
    find_by_name(window, "Add appliance").click()
    table = find_by_name(window, "Appliances")
    table.item(0, 0).setText("bad host/evil")
    problem = window.case_page.table_problem
    assert problem.isVisibleTo(window) and "bad host/evil" in problem.text()
    button = find_by_name(window, "Open /appliance of bad host/evil")
    assert not button.isEnabled()
    button.click()
    assert opened == []
    qtbot.keyClicks(find_by_name(window, "Incident number"), "12/34")
    assert window.case_page.incident_problem.isVisibleTo(window)


def test_the_first_appliance_row_shows_its_controls_whole(qtbot, window) -> None:
    find_by_name(window, "Add appliance").click()
    table = find_by_name(window, "Appliances")
    for name in ("Role of appliance 1", "Open /appliance of appliance 1", "Remove appliance 1"):
        control = find_by_name(window, name)
        column = table.indexAt(control.pos() + control.rect().center()).column()
        assert table.columnWidth(column) >= control.sizeHint().width(), name


def test_the_roles_and_the_optional_address_are_explained(window) -> None:
    table = find_by_name(window, "Appliances")
    assert table.horizontalHeaderItem(2).text() == "Address (optional)"
    help_text = find_by_name(window, "What the roles and the address mean").text()
    assert "node — an Atlas traffic node" in help_text and "leave it empty" in help_text
