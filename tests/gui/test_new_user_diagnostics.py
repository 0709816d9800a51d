""" "Copy diagnostic information" as a new user pastes it into a support ticket: the
case's own file is named on its "Case file:" line, whole (the words "Case file:" were
taken for a file: URL and copied as "Case [path] /…/case-….bgcase")."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QGuiApplication

from bundleguard.gui.window import MainWindow
from tests.gui.test_help_menu import help_item


def test_the_case_file_line_reads_case_file_and_the_case_path(qtbot, window: MainWindow):
    help_item(window, "Copy diagnostic information").trigger()
    copied = QGuiApplication.clipboard().text()
    shown_case = str(window.controller.path).replace(str(Path.home()), "~", 1)
    assert f"\nCase file: {shown_case}\n" in copied, copied
    assert "[path]" not in copied.split("\n", 1)[1]  # nothing outside the case was named
