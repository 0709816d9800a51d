"""The quit-on-signal handler inside a running Qt event loop: the signal wakes the
interpreter (a socket, or a timer where none can be made), the window is asked to close,
and the previous handlers come back. On Windows there is no SIGHUP: it is skipped."""

from __future__ import annotations

import os
import signal
import socket
import sys

import pytest
from PySide6.QtWidgets import QApplication

from bundleguard.gui.app import SignalQuit

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="sends itself SIGTERM")


@pytest.mark.parametrize("wake", ["socket", "timer"])
def test_sigterm_in_the_event_loop_asks_the_window_to_close(
    qtbot, monkeypatch: pytest.MonkeyPatch, wake: str
) -> None:
    if wake == "timer":

        def no_socketpair(*_args, **_kwargs):
            raise OSError("no socket pair here")

        monkeypatch.setattr(socket, "socketpair", no_socketpair)
    before = signal.getsignal(signal.SIGTERM)
    asked: list[bool] = []
    ending = SignalQuit(QApplication.instance(), lambda: asked.append(True))
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        qtbot.waitUntil(lambda: bool(asked), timeout=5000)
    finally:
        ending.uninstall()
    assert asked == [True] and ending.received == signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) is before


def test_without_sighup_the_others_are_still_handled(qtbot, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delattr(signal, "SIGHUP")  # as on Windows
    before = signal.getsignal(signal.SIGINT)
    ending = SignalQuit(QApplication.instance(), lambda: None)
    try:
        assert signal.getsignal(signal.SIGINT) == ending._handle
        assert signal.getsignal(signal.SIGTERM) == ending._handle
    finally:
        ending.uninstall()
    assert signal.getsignal(signal.SIGINT) is before
