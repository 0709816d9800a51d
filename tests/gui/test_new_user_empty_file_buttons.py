"""Step 2 with no file yet: "Remove" and "Details…" are greyed out (a new user pressed
them and nothing happened, not a word); with files listed they work again."""

from __future__ import annotations

from bundleguard.case.steps import Step
from bundleguard.certs.anchors import NO_ANCHORS
from tests.certs import pki
from tests.gui.conftest import find_by_name


def test_remove_and_details_wait_for_a_file(qtbot, window, tmp_path):
    page = window.certificates_page
    window.show_step(Step.CERTIFICATES)
    window.controller._anchors_loaded(NO_ANCHORS)
    remove = find_by_name(window, "Remove file")
    details = find_by_name(window, "Details")
    assert find_by_name(window, "File count").text() == "No files yet."
    assert not remove.isEnabled() and not details.isEnabled()

    leaf = tmp_path / "leaf.crt"
    leaf.write_bytes(pki.pem(pki.make_chain(["support.example.com"]).leaf))
    with qtbot.waitSignal(page.filesScanned, timeout=20000):
        page.add_paths([leaf])
    qtbot.waitUntil(lambda: remove.isEnabled() and details.isEnabled())

    window.controller.remove_files([str(leaf)])
    qtbot.waitUntil(lambda: not remove.isEnabled() and not details.isEnabled())
