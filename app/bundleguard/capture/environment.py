"""What kind of desktop this is, and whether macOS lets this app record the screen.

Everything is read when asked (never cached), so tests can fake the platform with
`monkeypatch` on `sys.platform`, the environment, or the ctypes loader.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import enum
import os
import sys

MACOS_PRIVACY_SETTINGS = (
    "x-apple.systempreferences:com.apple.preference.security?Privacy_ScreenCapture"
)
"""Opens System Settings at Privacy & Security > Screen Recording."""


class Session(enum.Enum):
    """The kind of graphical session the app runs in."""

    WINDOWS = "windows"
    MACOS = "macos"
    X11 = "x11"
    WAYLAND = "wayland"
    NO_DISPLAY = "no display"


def detect_session() -> Session:
    """Windows, macOS, a Wayland or X11 session, or no display at all."""
    if sys.platform == "win32":
        return Session.WINDOWS
    if sys.platform == "darwin":
        return Session.MACOS
    # A Wayland session usually also sets DISPLAY (for XWayland), yet X11 capture there
    # sees only the XWayland windows: Wayland decides.
    session_type = os.environ.get("XDG_SESSION_TYPE", "").lower()
    if os.environ.get("WAYLAND_DISPLAY") or session_type == "wayland":
        return Session.WAYLAND
    if os.environ.get("DISPLAY"):
        return Session.X11
    return Session.NO_DISPLAY


def _load_core_graphics() -> ctypes.CDLL | None:
    path = ctypes.util.find_library("CoreGraphics")
    if not path:
        return None
    return ctypes.cdll.LoadLibrary(path)


def macos_screen_recording_allowed() -> bool | None:
    """True or False as macOS answers (`CGPreflightScreenCaptureAccess`); None if unknown.

    Unknown is neither platform nor answer: not macOS, CoreGraphics not found, or a macOS
    older than 10.15 (which has no such permission and no such function).
    """
    if sys.platform != "darwin":
        return None
    try:
        core_graphics = _load_core_graphics()
        if core_graphics is None:
            return None
        preflight = core_graphics.CGPreflightScreenCaptureAccess
    except (OSError, AttributeError):
        return None
    preflight.restype = ctypes.c_bool
    preflight.argtypes = []
    return bool(preflight())


def macos_request_screen_recording() -> None:
    """Ask macOS to show its screen-recording prompt (once per app; later it stays silent)."""
    if sys.platform != "darwin":
        return
    try:
        core_graphics = _load_core_graphics()
        if core_graphics is not None:
            request = core_graphics.CGRequestScreenCaptureAccess
            request.restype = ctypes.c_bool
            request()
    except (OSError, AttributeError):
        pass
