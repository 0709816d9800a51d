"""The Help menu: "How it works", "About bundleguard" (also as a frozen app, without
package metadata) and "Copy diagnostic information" (no key, no path outside the case)."""

from __future__ import annotations

import importlib.metadata
import logging
import platform
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QLabel, QPlainTextEdit

from bundleguard import __version__
from bundleguard.case.steps import STEPS
from bundleguard.gui import about
from bundleguard.gui.app import log_tail
from bundleguard.gui.window import MainWindow
from tests.gui.conftest import find_by_name


def help_item(window: MainWindow, words: str):
    """The Help menu's item a screen reader announces as `words`."""
    menus = {a.iconText(): a.menu() for a in window.menuBar().actions()}
    items = [a for a in menus["Help"].actions() if a.iconText() == words]
    assert len(items) == 1, [a.iconText() for a in menus["Help"].actions()]
    return items[0]


def shown(window: MainWindow, title: str):
    """The window's dialog named `title` while it is shown (None: none is)."""
    found = [
        child
        for child in window.findChildren(QDialog)
        if child.accessibleName() == title and child.isVisible()
    ]
    assert len(found) <= 1
    return found[0] if found else None


def shown_text(qtbot, window: MainWindow, title: str, field: str) -> str:
    qtbot.waitUntil(lambda: shown(window, title) is not None)
    found = find_by_name(shown(window, title), field)
    assert isinstance(found, QPlainTextEdit | QLabel)
    return found.toPlainText() if isinstance(found, QPlainTextEdit) else found.text()


# ---------------------------------------------------------------- How it works


def test_how_it_works_explains_each_step_by_its_title(qtbot, window: MainWindow) -> None:
    item = help_item(window, "How it works")
    assert item.shortcut().toString()  # F1 (Help contents, where the platform has it)
    item.trigger()

    text = shown_text(qtbot, window, "How it works", "Steps explained")
    for step in STEPS:
        assert f"{step.number}. {step.title}\n" in text
    assert len(text.splitlines()) < 40  # a few lines each
    dialog = shown(window, "How it works")
    assert not dialog.isModal()  # it can stay open beside the case
    item.trigger()  # asked again: the same window, not a second one
    assert shown(window, "How it works") is dialog
    find_by_name(dialog, "Close").click()
    qtbot.waitUntil(lambda: shown(window, "How it works") is None)


# ---------------------------------------------------------------- About


def test_about_lists_each_shipped_part_with_its_installed_version(qtbot, window) -> None:
    help_item(window, "About bundleguard").trigger()
    lines = shown_text(qtbot, window, "About bundleguard", "Versions and licences").splitlines()

    assert lines[0] == f"bundleguard {__version__}"
    for distribution, shown in (
        ("Pillow", "Pillow"),
        ("mss", "mss"),
        ("email-validator", "email-validator"),
        ("hyperscan", "hyperscan"),
        ("isal", "isal"),
        ("zxcvbn", "zxcvbn"),
    ):
        version = importlib.metadata.version(distribution)
        assert any(line.startswith(f"{shown} {version}: ") for line in lines), shown
    assert f"Python {platform.python_version()}" in lines
    assert "Qt: LGPL-3.0-only" in lines


def test_about_works_without_package_metadata_as_a_frozen_app(qtbot, monkeypatch) -> None:
    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    # What PyInstaller ships: no dist-info for most packages.
    monkeypatch.setattr(importlib.metadata, "metadata", missing)
    monkeypatch.setattr(importlib.metadata, "version", missing)
    import mss
    import PIL

    lines = about.about_text().splitlines()

    assert f"Pillow {PIL.__version__}: MIT-CMU" in lines
    assert f"mss {mss.__version__}: MIT" in lines
    assert "bundleguard's licence: not declared yet" in lines or any(
        line.startswith("bundleguard's licence: ") for line in lines
    )


@pytest.mark.parametrize("part", about.SHIPPED, ids=lambda p: p.distribution)
def test_each_fallback_licence_is_the_one_the_package_declares(part) -> None:
    """What a frozen app shows (`SHIPPED`) agrees with the installed metadata."""
    try:
        metadata = importlib.metadata.metadata(part.distribution)
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(f"{part.distribution} is not installed here (optional)")
    expression = metadata.get("License-Expression")
    words = " ".join(
        [metadata.get("License") or "", *(metadata.get_all("Classifier") or [])]
    ).replace("Apache Software License", "Apache-2.0")
    if part.chosen:
        assert part.licence in (expression or words)  # one of those it offers
    elif expression:
        assert part.licence == expression
    else:
        assert part.licence.split("-")[0] in words


# ---------------------------------------------------------------- diagnostics


@pytest.fixture
def tail():
    handler = log_tail()
    yield handler
    logging.getLogger("bundleguard").removeHandler(handler)


def test_copy_diagnostic_information_holds_versions_and_log_but_no_outside_path(
    qtbot, window: MainWindow, tail, tmp_path
) -> None:
    case_file = window.controller.path
    home = Path.home()
    elsewhere = tmp_path / "secret project" / "keys.pem"
    log = logging.getLogger("bundleguard.gui")
    log.warning("Could not read %s", elsewhere)
    log.warning("Saved %s", case_file)
    log.warning("Looked in %s/Documents/private/x.p12", home)

    help_item(window, "Copy diagnostic information").trigger()

    copied = QGuiApplication.clipboard().text()
    assert copied == shown_text(qtbot, window, "Diagnostic information", "Copied text")
    assert (
        f"bundleguard {__version__}" in copied and f"Python {platform.python_version()}" in copied
    )
    assert "Platform: " in copied and "Qt platform: offscreen" in copied
    assert "Could not read [path]" in copied
    assert "Looked in [path]" in copied
    assert str(elsewhere.parent) not in copied and "secret project" not in copied
    assert "Documents/private" not in copied
    shown_case = str(case_file).replace(str(home), "~", 1)
    assert f"Saved {shown_case}" in copied


def test_a_log_line_holding_a_key_is_not_copied(qtbot, window: MainWindow, tail) -> None:
    QGuiApplication.clipboard().setText("before")
    key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    logging.getLogger("bundleguard.gui").warning("odd: %s", key.decode())

    help_item(window, "Copy diagnostic information").trigger()

    said = shown_text(qtbot, window, "Diagnostic information", "What was done")
    assert "Nothing was put on the clipboard" in said
    assert QGuiApplication.clipboard().text() == "before"
    assert "PRIVATE KEY" not in shown_text(qtbot, window, "Diagnostic information", "Copied text")


def test_a_path_written_as_a_file_url_a_unc_name_or_out_through_dot_dot_is_not_copied(
    qtbot, window: MainWindow, tail, tmp_path
) -> None:
    # Each names a place outside the case's folder, in a form the scrubbing once let by.
    files = window.controller.files_dir
    elsewhere = tmp_path / "secretproject" / "keys.pem"
    log = logging.getLogger("bundleguard.gui")
    log.warning("Opened %s", elsewhere.as_uri())
    log.warning("Could not read //fileserver/secretshare/keys.pem")
    log.warning("Could not read %s/../../secretdots/keys.pem", files)

    help_item(window, "Copy diagnostic information").trigger()

    copied = QGuiApplication.clipboard().text()
    assert copied == shown_text(qtbot, window, "Diagnostic information", "Copied text")
    for secret in ("secretproject", "fileserver", "secretshare", "secretdots"):
        assert secret not in copied, copied.splitlines()[-4:]
    assert "Opened [path]" in copied and copied.count("Could not read [path]") == 2
