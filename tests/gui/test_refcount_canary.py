"""Canary: PySide6 keeps the reference counts of None, True and False.

PySide6-Essentials 6.12.0 drops a reference to True on every signal emitted from Python and
one to None on most void calls (setText, setEnabled, update, ...). On Python 3.11 (Debian
12's, and the one the frozen build ships) these objects are counted like any other: after a
few hundred keystrokes the count reaches 0 and the interpreter aborts ("Fatal Python error:
none_dealloc" / "bool_dealloc"). pyproject.toml keeps PySide6 below 6.12 for that reason;
this canary says whether a PySide6 is safe before the cap is raised.

From Python 3.12 None, True and False are immortal (PEP 683): `sys.getrefcount` returns a
constant for them, so the canary cannot see a drop there, and a drop is harmless there too.
The tests that measure are skipped on 3.12+ for that reason.

On a defective PySide6 the canary fails as an assertion naming each kind of call, not as an
abort: it looks at the counts every 25 calls, stops at the first look past the tolerance
(a few references: Python's caches take and give back some), and gives the dropped
references back so the test process lives on (`reference_drifts`).
"""

from __future__ import annotations

import ctypes
import gc
import sys

import PySide6
import pytest

from bundleguard.gui.selftest_checks import (
    REFERENCE_TOLERANCE,
    ReferenceDrift,
    qt_operations,
    reference_drifts,
)
from tests.gui.conftest import find_by_name

IMMORTAL = pytest.mark.skipif(
    sys.version_info >= (3, 12),
    reason="None, True and False are immortal from Python 3.12 (PEP 683): their reference "
    "counts never move, so a dropped reference can neither be seen nor do harm",
)
# Many thousands of calls of each kind: a drop of one reference per call is thousands of
# times the tolerance, and would abort Python 3.11 many times over without the early stop.
CALLS = 5_000
# A key in the window costs ~16 ms (the case is saved each time): 300 keep the test short,
# and a defective build drops dozens of references per key. packaging/soak.py types
# thousands into the frozen app.
KEYSTROKES = 300
WINDOW_TOLERANCE = 50


def _said(drifts: list[ReferenceDrift]) -> str:
    lines = "\n".join(f"  {drift}" for drift in drifts)
    return f"PySide6 {PySide6.__version__} loses references:\n{lines}"


@IMMORTAL
def test_signals_and_void_calls_keep_the_counts_of_none_true_and_false(qapp) -> None:
    operations = qt_operations()
    assert len(operations) >= 15

    drifts = reference_drifts(operations, CALLS)

    assert drifts == [], _said(drifts)


@IMMORTAL
def test_typing_into_the_windows_fields_drops_no_reference(window, qtbot) -> None:
    """What aborted the app in use: keystrokes in the case's fields, through every slot the
    window connects to them (the case is updated and saved, each page told). Only drops are
    counted here: with PySide6 6.11.3 the window keeps about three references to None per
    change of the case (one in the certificate list's model reset, two in the Replicate
    page's refresh; no Python list, dict or set grows with them, so they are kept on Qt's
    side), a count that only grows, on an object that is never freed — harmless, where a
    drop aborts Python."""
    steps = find_by_name(window, "Steps")
    for row in range(steps.count()):  # every page built first: building them is no leak
        steps.setCurrentRow(row)
    steps.setCurrentRow(0)
    qtbot.waitUntil(lambda: window.controller.pool.activeThreadCount() == 0, timeout=20_000)
    fields = [find_by_name(window, name) for name in ("Incident number", "Support address")]
    typed = [0]

    def type_one_key() -> None:
        # A digit, then Backspace, in each field in turn: the texts stay short.
        field = fields[typed[0] // 2 % len(fields)]
        qtbot.keyClick(field, "7" if typed[0] % 2 == 0 else "\b")
        typed[0] += 1

    gc.collect()
    gc.disable()  # no collection mid-run: its frees would look like drops
    try:
        drifts = reference_drifts(
            {"a key typed into the case's fields": type_one_key},
            KEYSTROKES,
            # Objects the window frees as it goes (an older case, its reports) take a few
            # references with them; a defective build drops dozens per key.
            tolerance=WINDOW_TOLERANCE,
            every=5,  # a key sets off a dozen signals: look often, long before True runs out
            dropped_only=True,
        )
    finally:
        gc.enable()

    assert drifts == [], _said(drifts)
    assert typed[0] == KEYSTROKES + 3  # three warm-up keys, then every one measured
    assert window.controller.case.incident in ("", "7")


@IMMORTAL
def test_the_canary_sees_a_dropped_reference_and_gives_it_back() -> None:
    """The measurement can fail: a call that drops a reference to None (as 6.12.0's setText
    does) is caught within the first look, and what it dropped is given back."""

    def drops_none() -> None:
        ctypes.pythonapi.Py_DecRef(ctypes.py_object(None))

    before = sys.getrefcount(None)

    drifts = reference_drifts({"a leaky call": drops_none}, CALLS)

    assert len(drifts) == 1
    drift = drifts[0]
    assert (drift.operation, drift.constant) == ("a leaky call", "None")
    assert drift.calls == 25 and drift.change < -REFERENCE_TOLERANCE
    assert str(drift) == f"a leaky call dropped {-drift.change} references to None in 25 calls"
    assert abs(sys.getrefcount(None) - before) <= REFERENCE_TOLERANCE
