"""The whole window driven as a user: the demo case, a refused file taken out, Ctrl+B, and
the zips on disk reopened and checked against their manifests."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel, QPushButton

from bundleguard.case.store import CaseStore
from bundleguard.gui.app import application, create_window
from tests.gui.conftest import find_by_name


def click(qtbot, window, name: str) -> None:
    button = find_by_name(window, name)
    assert isinstance(button, QPushButton)
    assert button.isEnabled(), f"{name} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_demo_case_to_verified_bundles(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("BUNDLEGUARD_DATA_DIR", str(tmp_path / "data"))
    application()
    controller, window = create_window(demo=True, store=CaseStore(tmp_path / "data"))
    qtbot.addWidget(window)
    window.show()
    try:
        steps = find_by_name(window, "Steps")
        steps.setCurrentRow(3)  # the user clicks "4 Bundle & email"
        reason = find_by_name(window, "Bundle readiness")
        assert isinstance(reason, QLabel)
        blockers = find_by_name(window, "Blockers")
        exported = Path(controller.case.output).parent / "exported-cert.crt"
        expected = [
            f"Step 2, Certificates: {exported} is refused (it holds a private key): "
            "extract its certificates, or take it out of the case"
        ]
        qtbot.waitUntil(
            lambda: [blockers.item(r).text() for r in range(blockers.count())] == expected,
            timeout=20_000,
        )
        assert not find_by_name(window, "Build bundles").isEnabled()
        assert "exported-cert.crt" in find_by_name(window, "Refused files").text()

        # Step 2: select the refused file and remove it from the case.
        steps.setCurrentRow(1)
        files = find_by_name(window, "Files")
        assert isinstance(files, QAbstractItemView)
        model = files.model()
        qtbot.waitUntil(lambda: model.rowCount() == 4, timeout=20_000)
        rows = [model.index(row, 0) for row in range(model.rowCount())]
        refused = [i for i in rows if "exported-cert.crt" in str(i.data())]
        assert len(refused) == 1 and "refused" in str(refused[0].data())
        files.setCurrentIndex(refused[0])
        click(qtbot, window, "Remove file")
        qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=10_000)

        # Step 4: the button comes alive; Ctrl+B builds.
        steps.setCurrentRow(3)
        build = find_by_name(window, "Build bundles")
        qtbot.waitUntil(build.isEnabled, timeout=20_000)
        qtbot.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
        result = find_by_name(window, "Build result")
        qtbot.waitUntil(lambda: "written and verified" in result.text(), timeout=30_000)

        out = Path(controller.case.output)
        zips = sorted(out.glob("*.zip"))
        assert len(zips) == len(controller.case.appliances) == 3  # primary, backup, node
        shown = find_by_name(window, "Bundles written").toPlainText()
        for path in zips:
            assert hashlib.sha256(path.read_bytes()).hexdigest() in shown
            with zipfile.ZipFile(path) as archive:
                manifest = json.loads(archive.read("manifest.json"))
                for member in manifest["members"]:
                    data = archive.read(member["name"])
                    assert hashlib.sha256(data).hexdigest() == member["sha256"]
                names = set(archive.namelist())
                assert not any(n.endswith((".p12", ".pfx", ".key")) for n in names)
                assert "exported-cert.crt" not in names
            assert path.with_suffix(".eml").is_file()
        drafts_button = find_by_name(window, "Open email draft")
        assert drafts_button.isEnabled()
        assert drafts_button.text() == "Open 3 email drafts"  # one per appliance
        step = steps.model().index(3, 0).data(Qt.ItemDataRole.AccessibleTextRole)
        assert step == "4 Bundle & email: built"
        # A change to what the bundles hold makes them outdated: the step says so.
        controller.update(incident="99999")
        qtbot.waitUntil(  # judged again from the files (as the Build button is)
            lambda: (
                steps.model().index(3, 0).data(Qt.ItemDataRole.AccessibleTextRole)
                == "4 Bundle & email: ready to build"
            ),
            timeout=20_000,
        )
    finally:
        controller.shutdown()
