"""Take a screenshot of one monitor: try each strategy in order, say plainly why none worked.

`capture_screen(monitor, strategies)` never returns a black or flat image as a success: a
capture that comes back as a single colour counts as a failure with its reason.
"""

from __future__ import annotations

from collections.abc import Sequence

from bundleguard.capture.environment import Session, detect_session, macos_screen_recording_allowed
from bundleguard.capture.image import is_blank
from bundleguard.capture.models import (
    Attempt,
    CaptureError,
    CaptureResult,
    Monitor,
    Strategy,
    StrategyKind,
)

NO_DISPLAY = "There is no screen to capture: bundleguard is not running in a graphical session."
MACOS_PERMISSION = (
    "macOS does not allow bundleguard to record the screen, so a capture would show only "
    "the desktop wallpaper. Allow it in System Settings > Privacy & Security > Screen "
    "Recording, then quit and reopen bundleguard (after an update macOS may ask again)."
)
WAYLAND_NO_PORTAL = (
    "On Wayland only the desktop's screenshot portal may capture the screen, and it is not "
    "available here. Install xdg-desktop-portal and the portal for your desktop (for "
    "example xdg-desktop-portal-gnome or xdg-desktop-portal-kde), then log in again."
)
BLANK = (
    "The screen came back as a single flat colour, so it was not saved: the system did "
    "not let bundleguard see the screen (or the screen really is blank)."
)
NOTHING_WORKED = "No way of capturing the screen worked on this system."


def _skip_reason(strategy: Strategy) -> Attempt | None:
    """Why this strategy will not be tried here, or None when it may work.

    Asked one strategy at a time, just before it would run: finding out whether the portal
    is there is a D-Bus round trip, not to be paid when mss already works.
    """
    if not strategy.is_compatible():
        return Attempt(strategy.kind, "not for this system")
    if not strategy.is_installed():
        return Attempt(strategy.kind, "not installed", strategy.install_instructions)
    return None


def _tried(strategies: Sequence[Strategy]) -> list[Strategy]:
    return [s for s in strategies if s.kind is not StrategyKind.IMAGE_FILE]


def capture_problem(strategies: Sequence[Strategy]) -> str | None:
    """Why no capture can work here, in plain words, before trying; None when one may work."""
    session = detect_session()
    if session is Session.NO_DISPLAY:
        return NO_DISPLAY
    if session is Session.MACOS and macos_screen_recording_allowed() is False:
        return MACOS_PERMISSION
    skipped: list[Attempt] = []
    for strategy in _tried(strategies):
        reason = _skip_reason(strategy)
        if reason is None:
            return None
        skipped.append(reason)
    return _explain(session, skipped)


def _explain(session: Session, attempts: Sequence[Attempt]) -> str:
    if session is Session.WAYLAND and not any(
        a.kind is StrategyKind.PORTAL and a.outcome in ("captured", "failed", "blank")
        for a in attempts
    ):
        return WAYLAND_NO_PORTAL
    if any(a.outcome == "blank" for a in attempts):
        if session is Session.MACOS:
            return MACOS_PERMISSION
        return BLANK
    failed = [a.detail for a in attempts if a.outcome == "failed" and a.detail]
    missing = [a.detail for a in attempts if a.outcome == "not installed" and a.detail]
    details = failed or missing
    if details:
        return f"{NOTHING_WORKED} {' '.join(dict.fromkeys(details))}"
    return NOTHING_WORKED


def capture_screen(monitor: Monitor, strategies: Sequence[Strategy]) -> CaptureResult:
    """The whole `monitor` in physical pixels from the first strategy that works."""
    session = detect_session()
    if session is Session.NO_DISPLAY:
        return CaptureResult(None, None, NO_DISPLAY)
    if session is Session.MACOS and macos_screen_recording_allowed() is False:
        return CaptureResult(None, None, MACOS_PERMISSION)
    attempts: list[Attempt] = []
    for strategy in _tried(strategies):
        skipped = _skip_reason(strategy)
        if skipped is not None:
            attempts.append(skipped)
            continue
        try:
            image = strategy.capture(monitor)
        except (CaptureError, OSError) as error:
            attempts.append(Attempt(strategy.kind, "failed", str(error)))
            continue
        except Exception as error:  # a platform library's own failure: try the next way
            detail = f"The screen could not be read ({type(error).__name__})."
            attempts.append(Attempt(strategy.kind, "failed", detail))
            continue
        if image is None or image.width == 0 or image.height == 0:
            attempts.append(Attempt(strategy.kind, "failed", "It returned no picture."))
            continue
        if is_blank(image):
            attempts.append(Attempt(strategy.kind, "blank"))
            continue
        attempts.append(Attempt(strategy.kind, "captured"))
        return CaptureResult(image, strategy.kind, "", tuple(attempts))
    return CaptureResult(None, None, _explain(session, attempts), tuple(attempts))
