"""Step 1's support-address hint (and each field's problem line) sits right under its
field, as tall as its words: at the first window size a new user saw the hint float in a
band of empty space, half-way between "Support address" and "Output folder"."""

from __future__ import annotations

import contextlib

from pytestqt.exceptions import TimeoutError

from bundleguard.gui.placement import DEFAULT_SIZE
from tests.gui.conftest import find_by_name


def _snug(label) -> bool:
    """The label is no taller than its words at its width (a line's slack allowed)."""
    return label.height() <= label.heightForWidth(label.width()) + 2


def _wait_snug(qtbot, label) -> None:
    with contextlib.suppress(TimeoutError):  # laid out once the events are processed
        qtbot.waitUntil(lambda: _snug(label), timeout=1000)
    assert _snug(label), (label.geometry(), label.heightForWidth(label.width()), label.text())


def test_the_support_address_hint_and_problem_sit_under_their_field(qtbot, window):
    window.resize(*DEFAULT_SIZE)
    address = find_by_name(window, "Support address")
    hint = find_by_name(window, "The draft's recipient")
    qtbot.waitUntil(lambda: hint.text().startswith("Your vendor's support address"))
    _wait_snug(qtbot, hint)

    qtbot.keyClicks(address, "support@vendor")  # no dot after the @: a problem line
    problem = window.case_page.address_problem
    qtbot.waitUntil(problem.isVisible)
    _wait_snug(qtbot, problem)
    output = find_by_name(window, "Output folder")

    def gap() -> int:
        return output.geometry().top() - problem.geometry().bottom()

    with contextlib.suppress(TimeoutError):
        qtbot.waitUntil(lambda: gap() <= 12 and _snug(problem), timeout=1000)
    assert gap() <= 12, (problem.geometry(), output.geometry())  # no empty hint row between
    assert _snug(problem)


def test_the_rewrap_dialogs_notes_sit_under_their_fields(qtbot, tmp_path):
    """The same in Re-wrap: "The current passphrase is the one you typed…" floated in
    empty space between the intro and "New passphrase"."""
    from PySide6.QtCore import QThreadPool

    from bundleguard.gui.passphrase import HeldPassphrase
    from bundleguard.gui.rewrap_dialog import RewrapDialog

    source = tmp_path / "export.p12"
    source.write_bytes(b"not read before Write")
    pool = QThreadPool()
    dialog = RewrapDialog(source, pool=pool, held=HeldPassphrase(b"held for this step"))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    note = find_by_name(dialog, "Current passphrase held")
    assert note.isVisible()
    _wait_snug(qtbot, note)
    qtbot.keyClicks(find_by_name(dialog, "New passphrase"), "Password1!")
    feedback = find_by_name(dialog, "Passphrase feedback")
    qtbot.waitUntil(lambda: feedback.text() != "", timeout=5000)
    _wait_snug(qtbot, feedback)
    dialog.reject()
    pool.waitForDone(5000)
