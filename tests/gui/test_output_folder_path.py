"""Step 1's output folder is made absolute when it is typed: `~` is the home folder, a
relative folder starts at the case's folder. Before, `~/bundles` built once, then was saved
as `<working folder>/~/bundles`."""

from __future__ import annotations

import dataclasses
import json
import zipfile
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from bundleguard.case.store import CaseStore
from bundleguard.gui.bundle_page import BundlePage
from bundleguard.gui.case_page import CasePage
from bundleguard.gui.controller import CaseController
from tests.gui.conftest import find_by_name
from tests.gui.test_bundle_page import BACKUP, PRIMARY, build, case, chain  # noqa: F401


def type_output(qtbot, page: CasePage, text: str) -> QLineEdit:
    field = find_by_name(page, "Output folder")
    assert isinstance(field, QLineEdit)
    field.setFocus()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)  # done typing: the field shows what is kept
    return field


def start(qtbot, data: Path) -> CaseController:
    return CaseController(CaseStore(data))


def test_a_tilde_is_stored_expanded_and_a_restart_builds_there(
    qtbot,
    tmp_path,
    monkeypatch,
    case,  # noqa: F811
):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))  # what Windows' expanduser reads
    monkeypatch.chdir(tmp_path)  # the working folder the bug saved it under
    controller = start(qtbot, tmp_path / "data")
    fields = {f.name: getattr(case, f.name) for f in dataclasses.fields(case)}
    controller.update(**{**fields, "output": ""})
    page = CasePage(controller)
    qtbot.addWidget(page)
    page.show()

    field = type_output(qtbot, page, "~/bundles")
    expected = str(home / "bundles")
    assert controller.case.output == expected
    assert field.text() == expected
    saved = json.loads(controller.path.read_text(encoding="utf-8"))
    assert saved["output"] == expected
    case_file = controller.path
    controller.shutdown()

    again = start(qtbot, tmp_path / "data")  # the app started again: the last case opens
    try:
        assert again.path == case_file
        assert again.case.output == expected
        bundles = BundlePage(again)
        qtbot.addWidget(bundles)
        bundles.show()
        build(qtbot, bundles)
        for host in (PRIMARY, BACKUP):
            zipped = home / "bundles" / f"support-bundle-{host}-incident-12345.zip"
            with zipfile.ZipFile(zipped) as archive:
                manifest = json.loads(archive.read("manifest.json"))
            assert manifest["private_key_included"] is False
        assert not (tmp_path / "~").exists()
    finally:
        again.shutdown()


def test_a_relative_folder_starts_at_the_case_folder_and_stays_beside_it(
    qtbot,
    tmp_path,
    case,  # noqa: F811
):
    controller = start(qtbot, tmp_path / "data")
    try:
        page = CasePage(controller)
        qtbot.addWidget(page)
        page.show()
        type_output(qtbot, page, "bundles")
        beside = controller.path.parent / "bundles"
        assert controller.case.output == str(beside)
        saved = json.loads(controller.path.read_text(encoding="utf-8"))
        assert saved["output"] == "bundles"  # relative to the case file, as the README says
    finally:
        controller.shutdown()
