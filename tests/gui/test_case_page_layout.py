"""Every hostname whole and the first appliance row's controls whole (issue 18).

At the window's first size and on a 1280×720 screen's available area: the Case page's
appliance table shows a long hostname whole (it wraps, the row grows), and the first row's
Role, "Open /appliance" and "Remove" whole and in view; the roles and the optional Address
are explained under it. Step 3's list shows every hostname whole, too.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QWidget

from bundleguard.case.model import ApplianceEntry, Role
from bundleguard.case.steps import Step
from bundleguard.gui.placement import DEFAULT_SIZE, FRAME_ALLOWANCE
from tests.gui.conftest import find_by_name

LONG = "appliance-primary-datacentre-west-01.support.long-company-name.example.com"
HOSTS = (LONG, "backup.example.com", "node1.example.com")
# The inside of a window on a 1280×720 screen (less a taskbar of 40 and the frame).
SMALL_SCREEN = (1280 - FRAME_ALLOWANCE.left() - FRAME_ALLOWANCE.right(),
                720 - 40 - FRAME_ALLOWANCE.top() - FRAME_ALLOWANCE.bottom())  # fmt: skip
SIZES = pytest.mark.parametrize("size", [DEFAULT_SIZE, SMALL_SCREEN], ids=["first", "1280x720"])


def with_hosts(qtbot, window, size) -> None:
    window.controller.update(
        site="support.example.com",
        appliances=tuple(
            ApplianceEntry(host, role)
            for host, role in zip(HOSTS, (Role.PRIMARY, Role.BACKUP, Role.NODE), strict=True)
        ),
    )
    window.resize(*size)
    qtbot.wait(50)
    QApplication.processEvents()


def whole_in(view: QAbstractItemView, widget: QWidget) -> bool:
    """`widget` (a cell's control) is as wide as it asks and inside the view's viewport."""
    viewport = view.viewport()
    rect = QRect(widget.mapTo(viewport, widget.rect().topLeft()), widget.size())
    return widget.width() >= widget.sizeHint().width() and viewport.rect().contains(rect)


def text_fits(view: QAbstractItemView, rect: QRect, text: str) -> bool:
    """`text`, wrapped as an item view wraps it, fits `rect` (nothing elided or cut)."""
    flags = Qt.TextFlag.TextWordWrap | Qt.TextFlag.TextWrapAnywhere
    inner = rect.adjusted(0, 0, -8, 0)  # the cell's text margins
    needed = view.fontMetrics().boundingRect(QRect(0, 0, inner.width(), 10_000), flags, text)
    return needed.height() <= rect.height() and rect.right() <= view.viewport().width()


def test_the_elide_number_is_qts():
    from bundleguard.gui.case_page import ELIDE_NONE

    assert Qt.TextElideMode.ElideNone.value == ELIDE_NONE


@SIZES
def test_the_appliance_table_shows_hosts_and_first_row_whole(qtbot, window, size):
    with_hosts(qtbot, window, size)
    table = find_by_name(window.case_page, "Appliances")
    assert isinstance(table, QAbstractItemView)
    for row, host in enumerate(HOSTS):
        item = table.item(row, 0)
        assert item.text() == host
        assert text_fits(table, table.visualItemRect(item), host), (size, host)
    for name in ("Role of appliance 1", f"Open /appliance of {LONG}", "Remove appliance 1"):
        control = find_by_name(window.case_page, name)
        assert control.isVisible() and whole_in(table, control), (size, name)
    header = table.horizontalHeader()
    for column in range(table.columnCount()):
        assert header.sectionSize(column) >= header.sectionSizeHint(column), (size, column)


def test_the_roles_and_the_address_are_explained(window):
    said = find_by_name(window.case_page, "What the roles and the address mean").text()
    for words in ("primary", "backup", "traffic node", "Address", "IP", "resolve"):
        assert words in said, words


@SIZES
def test_step_3_lists_every_hostname_whole(qtbot, window, size):
    with_hosts(qtbot, window, size)
    window.show_step(Step.SCREENSHOT)
    listed = find_by_name(window, "Appliances for screenshots")
    qtbot.waitUntil(lambda: listed.count() == len(HOSTS), timeout=10_000)
    QApplication.processEvents()
    for row, host in enumerate(HOSTS):
        item = listed.item(row)
        assert host in item.text()
        assert text_fits(listed, listed.visualItemRect(item), item.text()), (size, host)


def test_the_support_address_says_what_it_is_for(qtbot, window):
    said = find_by_name(window.case_page, "The draft's recipient")
    qtbot.waitUntil(lambda: said.text() != "", timeout=10_000)  # checked once painted
    assert "support address" in said.text() and "email draft goes to it" in said.text()
    field = find_by_name(window.case_page, "Support address")
    assert "email draft" in field.accessibleDescription()
    qtbot.keyClicks(field, "support@example.com")
    assert said.text() == "The draft will be addressed to: support@example.com"
