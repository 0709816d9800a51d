"""Untrusted names in the window: a file name or a certificate field with a bidi override,
a zero-width space, a newline, a tab or an escape shows those characters written out
(`\\u202e`), as the terminal output does, wherever the window lists it."""

from __future__ import annotations

from cryptography.hazmat.primitives.serialization import Encoding
from PySide6.QtCore import Qt

from bundleguard.case.model import ApplianceEntry, Role
from bundleguard.case.steps import Step
from bundleguard.certs.anchors import NO_ANCHORS
from bundleguard.gui.screenshot import ScreenshotPage
from bundleguard.gui.widgets import plain_tooltip
from bundleguard.probe.fake import FakePKI
from tests.gui.conftest import find_by_name

HOSTILE = "fac\u202eture\u200b\n\t\x1b[2J"
WRITTEN_OUT = "fac\\u202eture\\u200b\\n\\t\\x1b[2J"
RAW = ("\u202e", "\u200b", "\n", "\t", "\x1b")


def has_raw(text: str | None) -> bool:
    return any(char in (text or "") for char in RAW)


def test_a_hostile_file_name_in_the_files_list_is_written_out(qtbot, window, tmp_path):
    served = FakePKI("Names").issue(["support.example.com"], common_name=f"cn{HOSTILE}x")
    path = tmp_path / f"{HOSTILE}gpj.crt"
    path.write_bytes(served.leaf.public_bytes(Encoding.PEM))
    window.controller._anchors_loaded(NO_ANCHORS)
    window.add_paths([path])
    files = find_by_name(window, "Files")
    qtbot.waitUntil(lambda: "accepted" in (files.model().index(0, 0).data() or ""), timeout=20000)
    row = files.model().index(0, 0)
    shown = row.data(Qt.ItemDataRole.DisplayRole)
    assert shown == f"{WRITTEN_OUT}gpj.crt — accepted (certificate)"
    assert row.data(Qt.ItemDataRole.AccessibleTextRole) == shown
    tip = row.data(Qt.ItemDataRole.ToolTipRole)
    assert WRITTEN_OUT in tip and not has_raw(tip.replace("<br>\n", " "))

    chain = find_by_name(window, "Chain")
    qtbot.waitUntil(lambda: chain.topLevelItemCount() == 1, timeout=20000)
    leaf = chain.topLevelItem(0).text(0)
    assert leaf == f"leaf: cn{WRITTEN_OUT}x" and not has_raw(leaf)


def test_a_hostile_hostname_in_the_screenshots_list_is_written_out(qtbot, tmp_path):
    page = ScreenshotPage(lambda: tmp_path, strategies=[])
    qtbot.addWidget(page)
    page.set_appliances([f"{HOSTILE}.example.com"], {})
    listing = find_by_name(page, "Appliances for screenshots")
    item = listing.item(0)
    assert item.text() == f"○  {WRITTEN_OUT}.example.com"
    accessible = item.data(Qt.ItemDataRole.AccessibleTextRole)
    assert accessible == f"{WRITTEN_OUT}.example.com: no screenshot yet"
    assert not has_raw(item.toolTip())
    assert find_by_name(page, "Appliance").text() == f"{WRITTEN_OUT}.example.com"


def test_a_hostile_hostname_on_the_replicate_page_is_written_out(qtbot, window):
    backup = f"b{HOSTILE}.example.com"
    window.controller.update(
        site="support.example.com",
        appliances=(
            ApplianceEntry("primary.example.com", Role.PRIMARY),
            ApplianceEntry(backup, Role.BACKUP),
        ),
    )
    window.show_step(Step.REPLICATE)
    page = window.replicate_page
    box = find_by_name(page, f"b{WRITTEN_OUT}.example.com: imported")
    assert box is not None
    button = find_by_name(page, f"Open /appliance on b{WRITTEN_OUT}.example.com")
    assert not has_raw(button.text())


def test_tooltips_write_out_what_they_quote_and_keep_their_own_lines():
    tip = plain_tooltip(f"{HOSTILE}\nrefused")
    assert "fac\\u202eture\\u200b" in tip and not has_raw(tip.replace("\n", ""))
