"""Step 4's one line over the lists, as a new user reads it: one concern is "it", not
"them"; and once the bundles are built anyway, the line no longer asks to "fix them, or
build anyway" (the "Bundles built" table says what was done)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.gui.conftest import find_by_name
from tests.gui.test_bundle_page import button, case, chain, make_page, reason  # noqa: F401


def test_one_concern_is_it_and_built_anyway_the_line_stops_asking(
    qtbot,
    make_page,  # noqa: F811 (the fixture of test_bundle_page)
    case,  # noqa: F811
):
    page, _ = make_page(case.with_changes(incident=""))  # one concern: no incident number
    anyway = button(page, "Build anyway")
    qtbot.waitUntil(anyway.isVisible, timeout=10_000)
    assert reason(page).startswith("Ready, with 1 concern (listed below): fix it, or build")

    qtbot.mouseClick(anyway, Qt.MouseButton.LeftButton)
    result = find_by_name(page, "Build result")
    qtbot.waitUntil(lambda: result.text().startswith("2 bundles written"), timeout=20_000)
    qtbot.waitUntil(lambda: "build anyway" not in reason(page), timeout=5_000)
    assert reason(page) == ""
