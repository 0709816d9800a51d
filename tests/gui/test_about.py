"""Help > About bundleguard: the version a user reports, what it runs on, the licences."""

from __future__ import annotations

import importlib.metadata
import platform

import cryptography
import PySide6
import pytest
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QDialogButtonBox, QLabel

from bundleguard import __version__
from bundleguard.gui import about
from bundleguard.gui.window import MainWindow
from tests.gui.conftest import find_by_name, top_level_by_name


def about_action(window: MainWindow):
    """The Help menu's item a screen reader announces as "About bundleguard"."""
    menus = {a.iconText(): a.menu() for a in window.menuBar().actions()}
    items = [a for a in menus["Help"].actions() if a.iconText() == "About bundleguard"]
    assert len(items) == 1
    return items[0]


def test_help_about_shows_the_version_and_what_it_runs_on(qtbot, window: MainWindow) -> None:
    about_action(window).trigger()
    dialog = top_level_by_name("About bundleguard")
    assert dialog is not None and dialog.windowTitle() == "About bundleguard"

    text = find_by_name(dialog, "Versions and licences")
    assert isinstance(text, QLabel) and text.textFormat() == Qt.TextFormat.PlainText
    lines = text.text().splitlines()
    assert lines[0] == f"bundleguard {__version__}"
    assert f"Qt {qVersion()}" in lines
    assert f"PySide6 {PySide6.__version__}" in lines
    assert f"Python {platform.python_version()}" in lines
    assert f"cryptography {cryptography.__version__}" in lines
    assert "Qt: LGPL-3.0-only" in lines
    assert f"cryptography {cryptography.__version__}: Apache-2.0 OR BSD-3-Clause" in lines

    find_by_name(dialog, "Close").click()
    qtbot.waitUntil(lambda: top_level_by_name("About bundleguard") is None)


def test_the_about_text_is_never_rich_text(qtbot) -> None:
    dialog = about.AboutDialog()
    qtbot.addWidget(dialog)
    buttons = dialog.findChild(QDialogButtonBox)

    assert dialog.text.textFormat() == Qt.TextFormat.PlainText
    assert "<" not in dialog.text.text()
    assert buttons is not None and len(buttons.buttons()) == 1


@pytest.mark.parametrize(
    ("distribution", "shown_as"),
    [
        ("cryptography", "cryptography"),
        ("Pillow", "Pillow"),
        ("idna", "idna"),
        ("platformdirs", "platformdirs"),
        ("certifi", "certifi (Mozilla's root certificates)"),
    ],
)
def test_each_licence_shown_is_the_one_the_package_declares(distribution, shown_as) -> None:
    metadata = importlib.metadata.metadata(distribution)
    declared = metadata.get("License-Expression") or metadata.get("License")

    assert dict(about.LICENCES)[shown_as] == declared
