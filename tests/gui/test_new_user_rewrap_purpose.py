"""Step 5's "Re-wrap…" says what it is for beside it, before it is used: a new user who
has not read the README sees a button named by a word of the trade and nothing else."""

from __future__ import annotations

from bundleguard.case.steps import Step
from tests.gui.conftest import find_by_name


def test_re_wrap_says_what_it_does_beside_the_button(qtbot, window):
    window.show_step(Step.REPLICATE)
    button = find_by_name(window, "Re-wrap")
    purpose = find_by_name(window, "What Re-wrap is for")
    qtbot.waitUntil(purpose.isVisible)
    words = purpose.text()
    assert "new passphrase" in words and "3DES" in words and words.startswith("Optional")
    assert purpose.parentWidget() is button.parentWidget()
