"""On a real X server a selection is a clipboard of its own (the primary selection, which a
middle click pastes): a passphrase shown with "Show passphrase" never lands there, however
it is selected. Xvfb and Qt's xcb platform, in a process of their own."""

from __future__ import annotations

import textwrap

from tests.gui.conftest import run_facts
from tests.gui.test_xvfb_capture import x_env, xvfb  # noqa: F401  (the fixture)

SECRET = "Secret-Passphrase-123"

SCRIPT = textwrap.dedent(
    f"""
    import json
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QClipboard, QGuiApplication
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget
    from bundleguard.gui.passphrase import ShowPassphrase

    app = QApplication([])
    window = QWidget()
    column = QVBoxLayout(window)
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    column.addWidget(field)
    toggle = ShowPassphrase([field])
    column.addWidget(toggle)
    window.show()
    QTest.qWaitForWindowExposed(window)
    clipboard = QGuiApplication.clipboard()
    clipboard.setText("before", QClipboard.Mode.Selection)
    field.setText({SECRET!r})
    toggle.setChecked(True)
    field.setFocus()
    QTest.keyClick(field, Qt.Key.Key_Home, Qt.KeyboardModifier.ShiftModifier)
    QTest.mouseDClick(field, Qt.MouseButton.LeftButton)
    QTest.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    for _ in range(10):
        QTest.qWait(20)
    print(json.dumps({{
        "supports": clipboard.supportsSelection(),
        "selection": clipboard.text(QClipboard.Mode.Selection),
        "shown": field.echoMode() == QLineEdit.EchoMode.Normal,
    }}))
    """
)


def test_a_shown_passphrase_never_becomes_the_primary_selection(xvfb):  # noqa: F811
    facts = run_facts(["-c", SCRIPT], x_env(xvfb))
    assert facts["supports"] and facts["shown"]
    assert facts["selection"] == "before"
