"""The Verify grid in the window, at the window's default size and at 1000x720, against
real TLS servers on loopback: every appliance's column is in view without scrolling
sideways (one appliance, and five with 60-character host names), a long name is broken
with the whole of it in the tooltip and the accessible description, and after a check
the first failing cell is selected, focused and scrolled into view."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QPushButton, QScrollArea, QStyle, QTableWidget

from bundleguard.case.model import ApplianceEntry, Role
from bundleguard.case.steps import Step
from bundleguard.case.store import CaseStore
from bundleguard.gui.controller import CaseController
from bundleguard.gui.verify_panel import VerifyPanel
from bundleguard.probe.fake import FakeAppliance, FakeAppliances, FakePKI
from tests.gui.conftest import find_by_name
from tests.gui.test_verify_panel import tip

SITE = "support.example.com"
ROLES = ("primary", "backup", "node1", "node2", "node3")
# Host names of 60 characters: "primary-aaaa…aaaa.example.com".
NAMES = tuple(f"{role}-{'a' * (47 - len(role))}.example.com" for role in ROLES)


@pytest.fixture(scope="module")
def pki() -> FakePKI:
    return FakePKI("Grid Fits Test")


def verify(qtbot, window, appliances: tuple[FakeAppliance, ...]) -> QTableWidget:
    """Name the appliances in the case (the first is the primary), click "Verify
    appliances" on step 5 and wait for the grid."""
    entries = tuple(
        ApplianceEntry(a.name, Role.PRIMARY if i == 0 else Role.BACKUP, f"127.0.0.1:{a.port}")
        for i, a in enumerate(appliances)
    )
    window.controller.update(site=SITE, appliances=entries)
    window.show_step(Step.REPLICATE)
    button = find_by_name(window, "Verify appliances")
    assert isinstance(button, QPushButton)
    with qtbot.waitSignal(window.replicate_page.verify_panel.verified, timeout=30_000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    grid = find_by_name(window, "Verification results")
    assert isinstance(grid, QTableWidget)
    return grid


def page_of(grid: QTableWidget) -> QScrollArea:
    parent = grid.parentWidget()
    while not isinstance(parent, QScrollArea):
        parent = parent.parentWidget()
    return parent


def assert_fits(grid: QTableWidget) -> None:
    """No scroll bar range in the grid, all its columns in its view, and the grid from
    its left edge (the checks' names) to its right edge in the page's view."""
    page = page_of(grid)
    left = grid.mapTo(page.viewport(), QPoint(0, 0)).x()
    right = grid.mapTo(page.viewport(), QPoint(grid.width(), 0)).x()
    facts = (
        f"grid {grid.width()} px, its view {grid.viewport().width()}, columns "
        f"{grid.horizontalHeader().length()}, its scroll range "
        f"{grid.horizontalScrollBar().maximum()}; the page's view {page.viewport().width()}, "
        f"scrolled {page.horizontalScrollBar().value()}, the grid from {left} to {right}; "
        f"window {window_of(grid).size().toTuple()}"
    )
    assert grid.horizontalScrollBar().maximum() == 0, facts
    assert grid.horizontalHeader().length() <= grid.viewport().width(), facts
    assert left >= 0 and right <= page.viewport().width(), facts


def window_of(grid: QTableWidget):
    return grid.window()


def check_columns(grid: QTableWidget, names) -> None:
    """Each appliance's column: its name broken (never cut without a sign), whole in the
    tooltip and the accessible description; where it was reached, whole and unclipped."""
    assert grid.columnCount() == len(names)
    for column, name in enumerate(names):
        header = grid.horizontalHeaderItem(column)
        assert header.data(Qt.ItemDataRole.AccessibleDescriptionRole) == name
        assert header.data(Qt.ItemDataRole.AccessibleTextRole) == name
        assert tip(header).startswith(f"{name}: Reached at 127.0.0.1:")
        shown = header.text()
        # Broken after its dots and hyphens (and elided past three lines), never cut
        # without a sign: what is shown is the name, or the name with an ellipsis.
        assert shown.count("\n") <= 2
        joined = shown.replace("\n", "")
        if "…" in joined:
            start, end = joined.split("…")
            assert name.startswith(start) and name.endswith(end)
        else:
            assert joined == name
        width = grid.horizontalHeader().fontMetrics().horizontalAdvance
        assert all(width(line) <= grid.columnWidth(column) for line in shown.split("\n"))
        # Where it was reached: whole, on two lines if need be, each drawn unclipped.
        where = grid.item(0, column)
        address = where.data(Qt.ItemDataRole.AccessibleTextRole).split(": address: ")[1]
        assert where.text().replace("\n", "") == address
        margins = 2 * (grid.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1)
        width = grid.fontMetrics().horizontalAdvance
        lines = where.text().split("\n")
        assert all(width(line) + margins <= grid.columnWidth(column) for line in lines)


def check_fits_at_each_size(qtbot, window, grid: QTableWidget, names) -> None:
    default = window.size()  # as the window opened on a fresh profile
    for width, height in ((default.width(), default.height()), (1000, 720)):
        window.resize(width, height)
        qtbot.waitUntil(lambda: assert_fits(grid), timeout=5_000)
        check_columns(grid, names)


def test_one_appliance_with_a_long_name_fits_the_default_window(qtbot, window, pki):
    served = pki.issue([SITE, NAMES[0]])
    with FakeAppliance(NAMES[0], default=served) as primary:
        grid = verify(qtbot, window, (primary,))
    check_fits_at_each_size(qtbot, window, grid, NAMES[:1])


def test_five_appliances_with_long_names_fit_and_the_first_failure_is_in_view(qtbot, window, pki):
    served = pki.issue([SITE, *NAMES])
    other = pki.issue([SITE, *NAMES])  # the last node serves another certificate
    fakes = [FakeAppliance(name, default=served) for name in NAMES[:-1]]
    fakes.append(FakeAppliance(NAMES[-1], default=other))
    with FakeAppliances(fakes) as started:
        grid = verify(qtbot, window, started)

    # The cell the summary names first is selected, has the keyboard, and is in view.
    failing = f"{NAMES[-1]}: same leaf as primary: fail"
    current = grid.currentItem()
    assert current is not None
    assert current.data(Qt.ItemDataRole.AccessibleTextRole) == failing
    assert current.isSelected()
    assert window.focusWidget() is grid
    page = page_of(grid)

    def cell_in_view() -> bool:
        rect = grid.visualItemRect(current)
        top_left = grid.viewport().mapTo(page.viewport(), rect.topLeft())
        bottom_right = grid.viewport().mapTo(page.viewport(), rect.bottomRight())
        view = page.viewport().rect()
        return view.contains(top_left) and view.contains(bottom_right)

    qtbot.waitUntil(cell_in_view, timeout=5_000)
    check_fits_at_each_size(qtbot, window, grid, NAMES)


def test_in_a_narrow_panel_five_columns_keep_their_addresses_whole(
    qtbot, pki, tmp_path, monkeypatch
):
    """Where the page is narrow (a small screen), the longest check's name takes two
    lines so that the appliances' columns keep room for their addresses."""
    monkeypatch.setenv("BUNDLEGUARD_DATA_DIR", str(tmp_path / "data"))
    controller = CaseController(CaseStore(tmp_path / "data"), load_anchors=False)
    panel = VerifyPanel(controller)
    qtbot.addWidget(panel)
    panel.resize(520, 700)
    panel.show()
    served = pki.issue([SITE, *NAMES])
    try:
        with FakeAppliances([FakeAppliance(name, default=served) for name in NAMES]) as started:
            entries = tuple(
                ApplianceEntry(
                    a.name, Role.PRIMARY if i == 0 else Role.BACKUP, a.spec.split("=")[1]
                )
                for i, a in enumerate(started)
            )
            controller.update(site=SITE, appliances=entries)
            button = find_by_name(panel, "Verify appliances")
            with qtbot.waitSignal(panel.verified, timeout=30_000):
                qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        grid = find_by_name(panel, "Verification results")
        assert isinstance(grid, QTableWidget)
        qtbot.waitUntil(
            lambda: (
                grid.horizontalScrollBar().maximum() == 0
                and grid.horizontalHeader().length() <= grid.viewport().width()
            ),
            timeout=5_000,
        )
        check_columns(grid, NAMES)
    finally:
        controller.shutdown()
