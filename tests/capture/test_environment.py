"""Which desktop this is, and what macOS says about screen recording (platform faked)."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

import pytest

from bundleguard.capture import environment
from bundleguard.capture.environment import Session, detect_session
from tests.capture.fakes import fake_session


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("windows", Session.WINDOWS),
        ("macos", Session.MACOS),
        ("x11", Session.X11),
        ("wayland", Session.WAYLAND),
        ("none", Session.NO_DISPLAY),
    ],
)
def test_each_platform_is_recognised(monkeypatch, kind, expected):
    fake_session(monkeypatch, kind)
    assert detect_session() is expected


def test_session_type_alone_says_wayland(monkeypatch):
    fake_session(monkeypatch, "x11")
    monkeypatch.setenv("XDG_SESSION_TYPE", "Wayland")
    assert detect_session() is Session.WAYLAND


class _CoreGraphics:
    def __init__(self, allowed: int) -> None:
        self.CGPreflightScreenCaptureAccess = lambda: allowed


def _fake_loader(monkeypatch, library):
    loaded = []
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: f"/System/{name}")

    def load(path):
        loaded.append(path)
        return library

    monkeypatch.setattr(ctypes.cdll, "LoadLibrary", load)
    return loaded


@pytest.mark.parametrize(("answer", "allowed"), [(0, False), (1, True)])
def test_macos_permission_is_asked_of_core_graphics(monkeypatch, answer, allowed):
    monkeypatch.setattr(sys, "platform", "darwin")
    loaded = _fake_loader(monkeypatch, _CoreGraphics(answer))
    assert environment.macos_screen_recording_allowed() is allowed
    assert loaded == ["/System/CoreGraphics"]


def test_macos_permission_unknown_without_core_graphics(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    assert environment.macos_screen_recording_allowed() is None


def test_old_macos_without_the_function_is_unknown(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    _fake_loader(monkeypatch, object())
    assert environment.macos_screen_recording_allowed() is None


def test_other_platforms_never_load_core_graphics(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    loaded = _fake_loader(monkeypatch, _CoreGraphics(0))
    assert environment.macos_screen_recording_allowed() is None
    assert loaded == []
