"""The window keeps the case file's promises: an appliance edited on the Case page keeps
what a newer bundleguard stored in it; the limits the window checks are the reader's."""

from __future__ import annotations

import json

from bundleguard.case.store import CaseStore, load_case
from tests.gui.conftest import find_by_name

NEWER = {
    "format": "bundleguard-case",
    "version": 1,
    "site": "support.example.com",
    "appliances": [{"hostname": "p.example.com", "role": "primary", "serial": "X-1"}],
    "later": {"kept": True},
}


def test_an_appliance_edited_in_the_window_keeps_its_unknown_fields(qtbot, tmp_path, monkeypatch):
    from bundleguard.gui.controller import CaseController
    from bundleguard.gui.window import MainWindow

    monkeypatch.setenv("BUNDLEGUARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    store = CaseStore()
    path = store.new_case_path()
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(NEWER))
    store.remember(path)
    window = MainWindow(CaseController(CaseStore(), load_anchors=False))
    qtbot.addWidget(window)
    window.show()
    try:
        table = find_by_name(window, "Appliances")
        table.item(0, 0).setText("primary.example.com")
        qtbot.waitUntil(lambda: load_case(path).appliances[0].hostname == "primary.example.com")
        written = json.loads(path.read_text())
        assert written["appliances"][0]["serial"] == "X-1"
        assert written["later"] == {"kept": True}
    finally:
        window.certificates_page.cancel_scan()
        window.controller.shutdown()
