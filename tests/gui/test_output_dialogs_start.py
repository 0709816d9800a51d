"""Dialogs that write something for the case (the output folder chooser, "Save case as",
"Save chain as…") start in the case's folder, never in the folder a key came from."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from bundleguard.case.steps import Step
from bundleguard.certs.anchors import NO_ANCHORS
from tests.certs import pki
from tests.gui.conftest import find_by_name


def _case_with_a_key(qtbot, window, tmp_path: Path) -> Path:
    """A case whose files came from a folder that also gave it a key, and whose output
    folder was set to that same folder."""
    keys = tmp_path / "from-the-appliance"
    keys.mkdir()
    chain = pki.make_chain(["support.example.com"])
    (keys / "leaf.crt").write_bytes(pki.pem(chain.leaf))
    (keys / "server.key").write_bytes(pki.key_pem(chain.leaf_key))
    page = window.certificates_page
    window.controller._anchors_loaded(NO_ANCHORS)
    with qtbot.waitSignal(page.filesScanned, timeout=20000):
        page.add_paths([keys / "leaf.crt", keys / "server.key"])
    window.controller.update(output=str(keys))
    return keys


def test_the_output_folder_chooser_and_save_case_as_avoid_the_key_s_folder(
    qtbot, window, tmp_path, monkeypatch
) -> None:
    keys = _case_with_a_key(qtbot, window, tmp_path)
    started: list[str] = []

    def choose_folder(parent, caption, directory):
        started.append(directory)
        return ""

    def save_file(parent, caption, directory, filters):
        started.append(directory)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(choose_folder))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_file))
    window.show_step(Step.CASE)
    find_by_name(window, "Browse for the output folder").click()
    assert not window.save_as_dialog()
    case_folder = window.controller.path.parent
    assert [Path(s) for s in started] == [case_folder, case_folder]
    assert all(Path(s) != keys for s in started)

    # Without a key there, the output folder the case names is where they start.
    out = tmp_path / "bundles"
    out.mkdir()
    window.controller.update(output=str(out))
    started.clear()
    find_by_name(window, "Browse for the output folder").click()
    assert [Path(s) for s in started] == [out]
