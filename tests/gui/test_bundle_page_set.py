"""Step 4: the zips and drafts of one build are a set. A draft that cannot be written
takes the bundles already written with it, and the page says what happened."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from tests.gui.conftest import answer_next_question, find_by_name
from tests.gui.test_bundle_page import BACKUP, PRIMARY, build, case, chain, make_page  # noqa: F401


def test_a_draft_that_cannot_be_written_leaves_nothing_and_says_so(qtbot, make_page, case):  # noqa: F811
    out = Path(case.output)
    out.mkdir()
    # A folder where the backup's draft goes: it exists, so the page asks to replace it,
    # and then it cannot be replaced by a file.
    blocker = out / f"support-bundle-{BACKUP}-incident-12345.eml"
    blocker.mkdir()
    page, _ = make_page(case)
    seen: list[str] = []
    answer_next_question(QMessageBox.StandardButton.Yes, seen)
    build(qtbot, page)
    assert seen and seen[0].startswith("Replace this file?")
    status = find_by_name(page, "Build result")
    qtbot.waitUntil(lambda: "Nothing was kept" in status.text(), timeout=20_000)
    text = status.text()
    assert text.startswith("The bundles were not built")
    assert f"support-bundle-{PRIMARY}-incident-12345.zip" in text
    assert f"support-bundle-{BACKUP}-incident-12345.zip" in text
    assert sorted(p.name for p in out.iterdir()) == [blocker.name]
