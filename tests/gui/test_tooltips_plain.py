"""No tooltip of the window is rich text: a hostile case (file names, a certificate's
fields, the site and appliances, the case file's own name, all holding `<b>` and
`<img src=x>`) is loaded, every step is shown, and every widget, item, header and menu
action is asked for its tooltip. Each must be plain, or the escaped form `plain_tooltip`
gives (Qt shows `&lt;b&gt;` as `<b>`, never as bold)."""

from __future__ import annotations

import re
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from PySide6 import QtGui
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractItemView, QFileDialog, QTreeView, QWidget

from bundleguard.case.model import ApplianceEntry, Role
from bundleguard.case.steps import STEPS, Step
from bundleguard.certs.anchors import NO_ANCHORS
from bundleguard.gui.window import MainWindow
from tests.certs import pki
from tests.gui.conftest import find_by_name

BOLD = "<b>bold</b>"
IMAGE = "<img src=x>"
# What `plain_tooltip` writes around the escaped text: paragraphs and line breaks only.
ITS_OWN_TAGS = re.compile(r"</?p>|<br\s*/?>")


def is_plain(tip: str) -> bool:
    """Shown as the characters it holds: not rich text, or rich text whose only tags are
    the paragraphs and breaks of `plain_tooltip` (every other `<` escaped)."""
    if not QtGui.Qt.mightBeRichText(tip):
        return True
    return "<" not in ITS_OWN_TAGS.sub("", tip)


def view_tips(view: QAbstractItemView) -> list[str]:
    model = view.model()
    if model is None:
        return []
    tips: list[str] = []

    def columns(parent: QModelIndex) -> int:
        try:
            return max(1, model.columnCount(parent))
        except TypeError:  # a list model: one column (its count is private in Qt)
            return 1

    tree = isinstance(view, QTreeView)

    def walk(parent: QModelIndex, depth: int = 0) -> None:
        for row in range(model.rowCount(parent)):
            for column in range(columns(parent)):
                index = model.index(row, column, parent)
                tips.append(index.data(Qt.ItemDataRole.ToolTipRole) or "")
                if tree and column == 0 and depth < 8 and model.rowCount(index) > 0:
                    walk(index, depth + 1)

    walk(QModelIndex())
    for orientation, count in (
        (Qt.Orientation.Horizontal, columns(QModelIndex())),
        (Qt.Orientation.Vertical, model.rowCount()),
    ):
        for section in range(count):
            tips.append(model.headerData(section, orientation, Qt.ItemDataRole.ToolTipRole) or "")
    return tips


def every_tooltip(window: MainWindow) -> list[tuple[str, str]]:
    """(where, tooltip) of every widget, item, header and action the window holds."""
    found: list[tuple[str, str]] = []
    for widget in [window, *window.findChildren(QWidget)]:
        where = f"{type(widget).__name__} {widget.accessibleName()!r}"
        found.append((where, widget.toolTip()))
        if isinstance(widget, QAbstractItemView):
            found += [(f"{where} item", tip) for tip in view_tips(widget)]
    for action in window.findChildren(QAction):
        found.append((f"action {action.text()!r}", action.toolTip()))
    return [(where, tip) for where, tip in found if tip]


def test_no_tooltip_of_a_hostile_case_is_rich_text(
    qtbot, window: MainWindow, tmp_path, monkeypatch
):
    window.controller._anchors_loaded(NO_ANCHORS)
    folder = tmp_path / f"certs {BOLD.replace('/', '')}{IMAGE}"
    folder.mkdir()
    chain = pki.make_chain(
        ["primary.example.com"], ca_name=f"{BOLD} Root {IMAGE}", leaf_cn=f"{BOLD}{IMAGE}"
    )
    (folder / f"<b>chain{IMAGE}.pem").write_bytes(
        pki.pem(chain.leaf, *chain.intermediates, chain.root)
    )
    key = ec.generate_private_key(ec.SECP256R1())
    (folder / f"<b>key{IMAGE}.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    window.controller.update(
        site="support.example.com",
        incident=f"<i>1{IMAGE}",
        appliances=(
            ApplianceEntry("primary.example.com", Role.PRIMARY),
            ApplianceEntry("backup.example.com", Role.BACKUP),
        ),
    )
    # The case saved under a hostile name, so File > Recent cases lists it.
    saved_as = tmp_path / f"<b>case{IMAGE}.bgcase"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(saved_as), ""))
    assert window.save_as_dialog()

    window.add_paths([folder])
    files = find_by_name(window, "Files")
    qtbot.waitUntil(
        lambda: (
            files.model().rowCount() == 2
            and all("checking" not in (files.model().index(r, 0).data() or "") for r in range(2))
        ),
        timeout=20_000,
    )
    tree = find_by_name(window, "Chain")
    qtbot.waitUntil(lambda: tree.topLevelItemCount() == 1, timeout=20_000)
    for step in STEPS:
        window.show_step(step)
    tips = every_tooltip(window)  # the chain's names and fields are shown now
    # A site and appliances that are no host names (the chain is not shown for those).
    window.controller.update(
        site=f"{BOLD}{IMAGE}.example.com",
        appliances=(
            ApplianceEntry(f"{BOLD}{IMAGE}", Role.PRIMARY),
            ApplianceEntry("backup.example.com", Role.BACKUP),
        ),
    )
    for step in STEPS:
        window.show_step(step)
    window.show_step(Step.CASE)
    window.recent_menu.popup(QPoint(0, 0))
    qtbot.waitUntil(lambda: any("<b>bold" in a.text() for a in window.recent_menu.actions()))
    window.recent_menu.hide()

    tips += every_tooltip(window)

    rich = [(where, tip) for where, tip in tips if not is_plain(tip)]
    assert rich == []
    # Not a vacuous pass: the hostile words did reach tooltips, escaped.
    quoted = [tip for _, tip in tips if "&lt;b&gt;" in tip]
    assert len(quoted) >= 4, tips
    assert any(Path(saved_as).name.replace("<", "&lt;").replace(">", "&gt;") in t for t in quoted)
