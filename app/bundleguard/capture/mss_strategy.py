"""Capture with mss: X11, Windows and macOS; not Wayland (python-mss #155, #324)."""

from __future__ import annotations

import importlib.util
import sys
from typing import TYPE_CHECKING

from bundleguard.capture.environment import Session, detect_session
from bundleguard.capture.models import CaptureError, Monitor, StrategyKind

if TYPE_CHECKING:
    from PIL import Image


class MssStrategy:
    """Reads the screen's pixels through mss, in physical pixels."""

    kind = StrategyKind.MSS
    install_instructions = (
        "The screen capture library mss is missing from this installation of bundleguard; "
        "reinstall bundleguard to get it back."
    )

    def is_compatible(self) -> bool:
        return detect_session() in (Session.WINDOWS, Session.MACOS, Session.X11)

    def is_installed(self) -> bool:
        return importlib.util.find_spec("mss") is not None

    def capture(self, monitor: Monitor) -> Image.Image:
        import mss
        from PIL import Image

        if sys.platform == "darwin":
            # macOS measures in points and since mss 10.1 returns nominal resolution
            # unless told otherwise: ask for the Retina pixels (python-mss #257).
            import mss.darwin

            mss.darwin.IMAGE_OPTIONS = 0
            area = monitor.logical
        else:
            area = monitor.physical
        region = {"left": area.x, "top": area.y, "width": area.width, "height": area.height}
        open_mss = getattr(mss, "MSS", None) or mss.mss
        try:
            with open_mss() as screen:
                shot = screen.grab(region)
        except mss.exception.ScreenShotError as error:
            raise CaptureError(f"The screen could not be read ({error}).") from None
        return Image.frombytes("RGB", shot.size, bytes(shot.bgra), "raw", "BGRX")
