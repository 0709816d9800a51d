"""Can this session show a window? Asked before Qt is imported: without a display, Qt's
platform plugin aborts the process (SIGABRT) and advises reinstalling.

Windows and macOS always have a display. On Linux and the BSDs a window needs an X server
(`DISPLAY`) or a Wayland compositor (`WAYLAND_DISPLAY`) that answers, unless
`QT_QPA_PLATFORM` names a platform that needs neither (offscreen, minimal, vnc, eglfs...).
An X display is checked as Qt's xcb plugin does it: `xcb_connect` from libxcb (the
server's answer to the connection setup, authorisation included); where libxcb cannot be
loaded, by connecting to the display's socket. A Wayland display is checked by connecting
to its socket. Only a clear "no" stops the window: when a check cannot tell, Qt decides.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import socket
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

# Qt platforms that talk to an X server or a Wayland compositor; any other (offscreen,
# minimal, vnc, linuxfb, eglfs, a plugin of the user's own) is Qt's business.
_X_PLATFORMS = frozenset({"xcb"})
_WAYLAND_PLATFORMS = frozenset({"wayland", "wayland-egl", "wayland-brcm"})
_DISPLAY = re.compile(r"(?P<host>.*):(?P<number>\d+)(?:\.\d+)?")
X_TCP_PORT = 6000
# A remote X server that does not answer costs this long, not a TCP timeout's minutes.
CONNECT_TIMEOUT = 2.0


def display_problem(
    environ: Mapping[str, str] | None = None, platform: str | None = None
) -> str | None:
    """Why no window can be shown here (a few words), or None when it can (or may)."""
    env = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if platform in ("win32", "darwin"):
        return None
    requested = [
        name.split(":", 1)[0].strip().lower()
        for name in env.get("QT_QPA_PLATFORM", "").split(";")
        if name.strip()
    ]
    if any(name not in _X_PLATFORMS | _WAYLAND_PLATFORMS for name in requested):
        return None  # offscreen, vnc and the like need no display: Qt decides
    want_x = not requested or any(name in _X_PLATFORMS for name in requested)
    want_wayland = any(name in _WAYLAND_PLATFORMS for name in requested)
    x_display = env.get("DISPLAY", "").strip()
    wayland = env.get("WAYLAND_DISPLAY", "").strip()
    if not requested and wayland:
        want_wayland = True  # Qt may choose Wayland in a Wayland session
    if want_wayland and (env.get("WAYLAND_SOCKET") or _wayland_answers(env, wayland)):
        return None
    if want_x and x_display and x_server_answers(x_display) is not False:
        return None
    if not x_display and not wayland:
        return "neither DISPLAY nor WAYLAND_DISPLAY is set"
    parts = []
    if want_x and x_display:
        parts.append(f"no X server accepts a connection at DISPLAY {x_display!r}")
    if want_wayland:
        parts.append(f"no Wayland compositor answers at {wayland or 'wayland-0'!r}")
    if not parts:
        return "no display of the kind QT_QPA_PLATFORM asks for is set"
    return " and ".join(parts)


def x_server_answers(display: str) -> bool | None:
    """True when the X server of `display` accepts a connection; None when this cannot
    be told (an unusual DISPLAY form, and no libxcb to ask)."""
    where = _parse_display(display)
    if where is not None and where[0] == "tcp" and not _tcp_answers(*where[1:]):
        return False  # before libxcb, which would wait for the TCP timeout
    answer = _xcb_answers(display)
    if answer is not None:
        return answer
    if where is None:
        return None
    kind, address, _port = where
    if kind == "tcp":
        return True  # answered above
    return _unix_answers(address, abstract=True)


def _parse_display(display: str) -> tuple[str, str, int] | None:
    """("unix", socket path, 0) or ("tcp", host, port) for a DISPLAY; None if unusual."""
    match = _DISPLAY.fullmatch(display)
    if match is None:
        return None
    host, number = match["host"], int(match["number"])
    if host.startswith("/"):
        return ("unix", display, 0)  # a socket path (macOS launchd style)
    if host.startswith("unix/"):
        host = ""
    host = host.removeprefix("tcp/").removeprefix("inet/").removeprefix("inet6/")
    if host in ("", "unix"):
        return ("unix", f"/tmp/.X11-unix/X{number}", 0)
    return ("tcp", host.strip("[]"), X_TCP_PORT + number)


def _tcp_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT):
            return True
    except OSError:
        return False


def _unix_answers(path: str, *, abstract: bool = False) -> bool:
    """Does something accept a connection on the Unix socket `path`? With `abstract`, on
    Linux the abstract name X servers also listen on is tried first."""
    if not hasattr(socket, "AF_UNIX"):
        return True  # cannot tell: Qt decides
    candidates = [path]
    if abstract and sys.platform.startswith("linux"):
        candidates.insert(0, "\0" + path)
    for candidate in candidates:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
                client.settimeout(CONNECT_TIMEOUT)
                client.connect(candidate)
                return True
        except OSError:
            continue
    return False


def load_xcb() -> ctypes.CDLL | None:
    """libxcb, the library Qt's xcb plugin connects with; None where it is not installed."""
    for name in ("libxcb.so.1", "libxcb.so"):
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    return None


def _xcb_answers(display: str) -> bool | None:
    """Ask libxcb, as Qt's xcb plugin does; None when libxcb cannot be loaded."""
    library = load_xcb()
    if library is None:
        return None
    library.xcb_connect.restype = ctypes.c_void_p
    library.xcb_connect.argtypes = (ctypes.c_char_p, ctypes.POINTER(ctypes.c_int))
    library.xcb_connection_has_error.restype = ctypes.c_int
    library.xcb_connection_has_error.argtypes = (ctypes.c_void_p,)
    library.xcb_disconnect.restype = None
    library.xcb_disconnect.argtypes = (ctypes.c_void_p,)
    with _quiet_stderr():  # libxcb prints "Authorization required..." itself
        connection = library.xcb_connect(os.fsencode(display), None)
    if not connection:
        return False
    try:
        return library.xcb_connection_has_error(connection) == 0
    finally:
        library.xcb_disconnect(connection)


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence file descriptor 2 for a C library's own complaint (the window is not yet
    started: no other thread writes there)."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _wayland_answers(env: Mapping[str, str], name: str) -> bool:
    """Does the compositor's socket (`$XDG_RUNTIME_DIR/wayland-0` by default) answer?"""
    name = name or "wayland-0"
    if name.startswith("/"):
        return _unix_answers(name)
    runtime = env.get("XDG_RUNTIME_DIR", "")
    return bool(runtime) and _unix_answers(str(Path(runtime) / name))
