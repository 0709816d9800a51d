"""The Qt side of capture: screens as `Monitor`s, Qt's screen grab and the Wayland portal.

Both strategies follow `bundleguard.capture.models.Strategy` and are passed into
`capture_screen` by the Screenshot page; capture/ itself never imports Qt.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from PySide6.QtCore import SLOT, QEventLoop, QObject, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication, QImage, QScreen

from bundleguard.capture.environment import Session, detect_session
from bundleguard.capture.models import CaptureError, Monitor, Rect, Strategy, StrategyKind

if TYPE_CHECKING:
    from PIL import Image

HEADLESS_PLATFORMS = frozenset({"offscreen", "minimal", "vnc", "wayland", "wayland-egl"})
"""Qt platform plugins whose screen grab gives nothing (or nothing real)."""


def monitors_from_screens(screens: list[QScreen] | None = None) -> list[Monitor]:
    """Every connected screen, numbered as Qt lists them, main screen marked."""
    if screens is None:
        screens = QGuiApplication.screens()
    primary = QGuiApplication.primaryScreen()
    monitors = []
    for index, screen in enumerate(screens):
        geometry = screen.geometry()
        logical = Rect(geometry.x(), geometry.y(), geometry.width(), geometry.height())
        name = screen.model() or screen.name()
        monitors.append(
            Monitor.from_logical(
                index, name, logical, screen.devicePixelRatio(), primary=screen is primary
            )
        )
    return monitors


def screen_for_monitor(monitor: Monitor) -> QScreen | None:
    """The `QScreen` a monitor was made from, or None when it was disconnected since."""
    for screen in QGuiApplication.screens():
        geometry = screen.geometry()
        if (geometry.x(), geometry.y(), geometry.width(), geometry.height()) == (
            monitor.logical.x,
            monitor.logical.y,
            monitor.logical.width,
            monitor.logical.height,
        ):
            return screen
    return None


def desktop_rect() -> Rect:
    """The union of every screen in logical coordinates."""
    screen = QGuiApplication.primaryScreen()
    geometry = screen.virtualGeometry()
    return Rect(geometry.x(), geometry.y(), geometry.width(), geometry.height())


def qimage_to_pillow(image: QImage) -> Image.Image:
    """An RGB Pillow copy of a QImage, pixel for pixel."""
    from PIL import Image

    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    data = bytes(rgb.constBits())
    size = (rgb.width(), rgb.height())
    return Image.frombuffer("RGB", size, data, "raw", "RGB", rgb.bytesPerLine(), 1).copy()


def pillow_to_qimage(image: Image.Image) -> QImage:
    """A QImage holding its own copy of a Pillow image's pixels."""
    rgb = image.convert("RGB")
    data = rgb.tobytes()
    wrapped = QImage(data, rgb.width, rgb.height, 3 * rgb.width, QImage.Format.Format_RGB888)
    return wrapped.copy()


class QtGrabStrategy:
    """`QScreen.grabWindow(0)`: Windows, X11 and macOS; an empty picture on Wayland."""

    kind = StrategyKind.QT_GRAB
    install_instructions = ""

    def __init__(self, screen_for: Callable[[Monitor], QScreen | None] = screen_for_monitor):
        self._screen_for = screen_for

    def is_compatible(self) -> bool:
        if QGuiApplication.instance() is None:
            return False
        if QGuiApplication.platformName() in HEADLESS_PLATFORMS:
            return False
        return detect_session() not in (Session.WAYLAND, Session.NO_DISPLAY)

    def is_installed(self) -> bool:
        return True

    def capture(self, monitor: Monitor) -> Image.Image:
        screen = self._screen_for(monitor)
        if screen is None:
            raise CaptureError("That screen is no longer connected.")
        pixmap = screen.grabWindow(0)
        if pixmap.isNull():
            raise CaptureError("The system gave no picture of the screen.")
        return qimage_to_pillow(pixmap.toImage())


PORTAL_SERVICE = "org.freedesktop.portal.Desktop"
PORTAL_PATH = "/org/freedesktop/portal/desktop"
SCREENSHOT_INTERFACE = "org.freedesktop.portal.Screenshot"
REQUEST_INTERFACE = "org.freedesktop.portal.Request"
PORTAL_TIMEOUT_MS = 10_000
"""The portal sends no answer at all when it is refused in some versions (normcap waits 10 s)."""
RESPONSE_SLOT = SLOT("on_response(QDBusMessage)")


class _Request(QObject):
    """Receives the portal's one `Response` on the request's object path."""

    answered = Signal(int, object)

    @Slot("QDBusMessage")
    def on_response(self, message) -> None:
        arguments = message.arguments()
        code = int(arguments[0]) if arguments else 2
        results = arguments[1] if len(arguments) > 1 else {}
        self.answered.emit(code, results)


def _uri_from(results: object) -> str | None:
    if isinstance(results, dict):
        uri = results.get("uri")
        return str(uri) if uri else None
    from PySide6.QtDBus import QDBusArgument

    if isinstance(results, QDBusArgument):
        # An a{sv} that PySide leaves as an argument: walked as normcap walks it.
        results.beginArray()
        while not results.atEnd():
            results.beginMap()
            while not results.atEnd():
                key = results.asVariant()
                value = results.asVariant()
                if key == "uri":
                    inner = value.variant() if hasattr(value, "variant") else value
                    return str(inner)
            results.endMap()
        results.endArray()
    return None


class PortalStrategy:
    """`org.freedesktop.portal.Screenshot` over D-Bus: the one way on Wayland."""

    kind = StrategyKind.PORTAL
    install_instructions = (
        "Install xdg-desktop-portal and the portal for your desktop (for example "
        "xdg-desktop-portal-gnome or xdg-desktop-portal-kde), then log in again."
    )

    def __init__(self, timeout_ms: int = PORTAL_TIMEOUT_MS) -> None:
        self.timeout_ms = timeout_ms

    def is_compatible(self) -> bool:
        return sys.platform.startswith("linux") or "bsd" in sys.platform

    def is_installed(self) -> bool:
        from PySide6.QtDBus import QDBusConnection, QDBusInterface, QDBusReply

        bus = QDBusConnection.sessionBus()
        if not bus.isConnected():
            return False
        introspect = QDBusInterface(
            PORTAL_SERVICE, PORTAL_PATH, "org.freedesktop.DBus.Introspectable", bus
        )
        if not introspect.isValid():
            return False
        reply = QDBusReply(introspect.call("Introspect"))
        return reply.isValid() and SCREENSHOT_INTERFACE in str(reply.value())

    def _request_uri(self) -> str:
        from PySide6.QtDBus import QDBusConnection, QDBusInterface, QDBusObjectPath, QDBusReply

        bus = QDBusConnection.sessionBus()
        token = f"bundleguard_{secrets.token_hex(6)}"
        sender = bus.baseService().lstrip(":").replace(".", "_")
        request_path = f"/org/freedesktop/portal/desktop/request/{sender}/{token}"
        request = _Request()
        answers: list[tuple[int, object]] = []
        loop = QEventLoop()
        request.answered.connect(
            lambda code, results: (answers.append((code, results)), loop.quit())
        )
        # Subscribe before asking, on the path the portal will use, so no answer is missed.
        bus.connect(
            PORTAL_SERVICE,
            request_path,
            REQUEST_INTERFACE,
            "Response",
            request,
            RESPONSE_SLOT,
        )
        try:
            portal = QDBusInterface(PORTAL_SERVICE, PORTAL_PATH, SCREENSHOT_INTERFACE, bus)
            reply = QDBusReply(
                portal.call("Screenshot", "", {"handle_token": token, "interactive": False})
            )
            if not reply.isValid():
                raise CaptureError(
                    f"The desktop's screenshot portal refused: {reply.error().message()}"
                )
            value = reply.value()
            if isinstance(value, QDBusObjectPath) and value.path() != request_path:
                bus.connect(
                    PORTAL_SERVICE,
                    value.path(),
                    REQUEST_INTERFACE,
                    "Response",
                    request,
                    RESPONSE_SLOT,
                )
            timer = QTimer()
            timer.setSingleShot(True)
            timer.timeout.connect(loop.quit)
            if not answers:
                timer.start(self.timeout_ms)
                loop.exec()
        finally:
            bus.disconnect(
                PORTAL_SERVICE,
                request_path,
                REQUEST_INTERFACE,
                "Response",
                request,
                RESPONSE_SLOT,
            )
        if not answers:
            raise CaptureError(
                f"The desktop's screenshot portal did not answer within "
                f"{self.timeout_ms / 1000:g} seconds."
            )
        code, results = answers[0]
        if code == 1:
            raise CaptureError("The screenshot was cancelled in the desktop's dialog.")
        if code != 0:
            # The desktop may have asked while our window was hidden (only the focused app
            # may show such a dialog: Flameshot #3365, normcap #585).
            raise CaptureError(
                "The desktop did not allow bundleguard to take a screenshot. If it asked for "
                "permission, allow it and capture again."
            )
        uri = _uri_from(results)
        if not uri:
            raise CaptureError("The desktop's screenshot portal answered without a picture.")
        return uri

    def capture(self, monitor: Monitor) -> Image.Image:
        from bundleguard.capture.image import image_from_bytes, monitor_from_desktop
        from bundleguard.files import read_input_file

        uri = self._request_uri()
        parsed = urlparse(uri)
        if parsed.scheme != "file":
            raise CaptureError("The desktop's screenshot portal gave a picture that is no file.")
        path = Path(unquote(parsed.path))
        try:
            data = read_input_file(path, name="the portal's screenshot")
        except CaptureError:
            raise
        except Exception as error:
            raise CaptureError(str(error)) from None
        finally:
            # The portal leaves the file in the user's Pictures folder: do not pile them up.
            path.unlink(missing_ok=True)
        desktop = image_from_bytes(data, "The portal's screenshot")
        return monitor_from_desktop(desktop, monitor, desktop_rect())


def default_strategies() -> list[Strategy]:
    """Every capture strategy, in the order they are tried: mss, Qt's grab, the portal."""
    from bundleguard.capture.mss_strategy import MssStrategy

    return [MssStrategy(), QtGrabStrategy(), PortalStrategy()]
