"""capture_screen tries strategies in order and explains plainly when none works."""

from __future__ import annotations

import ctypes
import ctypes.util

import pytest
from PIL import Image

from bundleguard.capture.models import CaptureError, Monitor, Rect, StrategyKind
from bundleguard.capture.mss_strategy import MssStrategy
from bundleguard.capture.screen import capture_problem, capture_screen
from tests.capture.fakes import FakeStrategy, desktop_picture, fake_session

MAIN = Monitor.from_logical(0, "Main", Rect(0, 0, 640, 400), 1.0, primary=True)


def _deny_macos_recording(monkeypatch, allowed: int = 0) -> None:
    class CoreGraphics:
        CGPreflightScreenCaptureAccess = staticmethod(lambda: allowed)

    monkeypatch.setattr(ctypes.util, "find_library", lambda name: "/System/CoreGraphics")
    monkeypatch.setattr(ctypes.cdll, "LoadLibrary", lambda path: CoreGraphics())


def test_first_working_strategy_gives_the_image(monkeypatch):
    fake_session(monkeypatch, "x11")
    picture = desktop_picture(640, 400)
    broken = FakeStrategy(StrategyKind.MSS, error=CaptureError("XGetImage() failed"))
    qt = FakeStrategy(StrategyKind.QT_GRAB, image=picture)
    portal = FakeStrategy(StrategyKind.PORTAL, image=picture)
    result = capture_screen(MAIN, [broken, qt, portal])
    assert result.ok and result.image is picture and result.strategy is StrategyKind.QT_GRAB
    assert broken.calls == [MAIN] and qt.calls == [MAIN] and portal.calls == []
    assert [a.outcome for a in result.attempts] == ["failed", "captured"]


def test_later_strategies_are_not_even_probed_when_one_works(monkeypatch):
    fake_session(monkeypatch, "x11")
    mss = FakeStrategy(StrategyKind.MSS, image=desktop_picture(640, 400))
    portal = FakeStrategy(StrategyKind.PORTAL, image=desktop_picture(640, 400))
    assert capture_problem([mss, portal]) is None
    assert capture_screen(MAIN, [mss, portal]).strategy is StrategyKind.MSS
    assert portal.installed_asked == 0  # a D-Bus round trip saved


def test_an_unexpected_library_failure_moves_on_to_the_next_way(monkeypatch):
    fake_session(monkeypatch, "x11")
    odd = FakeStrategy(StrategyKind.MSS, error=RuntimeError("xcb said something"))
    good = FakeStrategy(StrategyKind.QT_GRAB, image=desktop_picture(640, 400))
    assert capture_screen(MAIN, [odd, good]).strategy is StrategyKind.QT_GRAB
    alone = capture_screen(MAIN, [odd])
    assert alone.reason.endswith("The screen could not be read (RuntimeError).")


def test_incompatible_and_missing_strategies_are_not_called(monkeypatch):
    fake_session(monkeypatch, "x11")
    incompatible = FakeStrategy(StrategyKind.MSS, compatible=False, image=desktop_picture(9, 9))
    missing = FakeStrategy(StrategyKind.QT_GRAB, installed=False, image=desktop_picture(9, 9))
    result = capture_screen(MAIN, [incompatible, missing])
    assert not result.ok
    assert incompatible.calls == [] and missing.calls == []
    assert "Install the thing." in result.reason


@pytest.mark.parametrize("colour", [(0, 0, 0), (58, 110, 165)])
def test_a_flat_capture_is_never_returned_as_a_screenshot(monkeypatch, colour):
    fake_session(monkeypatch, "windows")
    flat = FakeStrategy(StrategyKind.MSS, image=Image.new("RGB", (640, 400), colour))
    result = capture_screen(MAIN, [flat])
    assert result.image is None
    assert "single flat colour" in result.reason


def test_a_flat_capture_falls_through_to_the_next_strategy(monkeypatch):
    fake_session(monkeypatch, "x11")
    black = FakeStrategy(StrategyKind.MSS, image=Image.new("RGB", (640, 400)))
    good = FakeStrategy(StrategyKind.QT_GRAB, image=desktop_picture(640, 400))
    assert capture_screen(MAIN, [black, good]).strategy is StrategyKind.QT_GRAB


def test_macos_without_permission_says_where_to_allow_it(monkeypatch):
    fake_session(monkeypatch, "macos")
    _deny_macos_recording(monkeypatch)
    mss = FakeStrategy(StrategyKind.MSS, image=desktop_picture(640, 400))
    result = capture_screen(MAIN, [mss])
    assert result.image is None and mss.calls == []  # it would show only the wallpaper
    assert "Privacy & Security > Screen Recording" in result.reason
    assert capture_problem([mss]) == result.reason


def test_macos_with_permission_captures(monkeypatch):
    fake_session(monkeypatch, "macos")
    _deny_macos_recording(monkeypatch, allowed=1)
    mss = FakeStrategy(StrategyKind.MSS, image=desktop_picture(640, 400))
    assert capture_screen(MAIN, [mss]).ok
    assert capture_problem([mss]) is None


def test_macos_blank_capture_points_to_the_permission(monkeypatch):
    fake_session(monkeypatch, "macos")
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)  # cannot ask
    wallpaper = FakeStrategy(StrategyKind.MSS, image=Image.new("RGB", (64, 40), (30, 60, 120)))
    assert "Screen Recording" in capture_screen(MAIN, [wallpaper]).reason


def test_wayland_without_portal_names_what_to_install(monkeypatch):
    fake_session(monkeypatch, "wayland")
    strategies = [
        MssStrategy(),
        FakeStrategy(StrategyKind.QT_GRAB, compatible=False),
        FakeStrategy(StrategyKind.PORTAL, installed=False),
    ]
    reason = capture_problem(strategies)
    assert reason is not None and "xdg-desktop-portal" in reason
    assert capture_screen(MAIN, strategies).reason == reason


def test_wayland_with_portal_captures(monkeypatch):
    fake_session(monkeypatch, "wayland")
    portal = FakeStrategy(StrategyKind.PORTAL, image=desktop_picture(640, 400))
    result = capture_screen(MAIN, [MssStrategy(), portal])
    assert result.strategy is StrategyKind.PORTAL


def test_wayland_portal_denied_says_so(monkeypatch):
    fake_session(monkeypatch, "wayland")
    portal = FakeStrategy(
        StrategyKind.PORTAL, error=CaptureError("The desktop refused the screenshot.")
    )
    result = capture_screen(MAIN, [MssStrategy(), portal])
    assert "The desktop refused the screenshot." in result.reason


def test_no_display_is_said_before_any_strategy_runs(monkeypatch):
    fake_session(monkeypatch, "none")
    mss = FakeStrategy(StrategyKind.MSS, image=desktop_picture(9, 9))
    result = capture_screen(MAIN, [mss])
    assert "no screen to capture" in result.reason and mss.calls == []
    assert capture_problem([mss]) == result.reason


def test_image_file_strategy_is_never_tried(monkeypatch):
    fake_session(monkeypatch, "x11")
    pasted = FakeStrategy(StrategyKind.IMAGE_FILE, image=desktop_picture(9, 9))
    assert not capture_screen(MAIN, [pasted]).ok and pasted.calls == []


@pytest.mark.parametrize(
    ("kind", "compatible"),
    [("windows", True), ("macos", True), ("x11", True), ("wayland", False), ("none", False)],
)
def test_mss_is_for_x11_windows_and_macos(monkeypatch, kind, compatible):
    fake_session(monkeypatch, kind)
    assert MssStrategy().is_compatible() is compatible
    assert MssStrategy().is_installed()
