"""No display, no Qt abort: `bundleguard` says in one sentence that the window needs a
desktop session and exits 2, before Qt is imported; a display that answers opens it.

Platforms are faked for the branches; X servers are real: nothing listening, something
that is not an X server, and an Xvfb of the test's own (with and without authorisation).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bundleguard.gui import display
from bundleguard.gui.display import display_problem

ROOT = Path(__file__).resolve().parents[2]
# Run as a process of its own, the app asks this computer's display: on Windows and macOS
# there always is one, and the window would open.
X11_OR_WAYLAND = pytest.mark.skipif(
    sys.platform in ("win32", "darwin"), reason="Windows and macOS always have a display"
)


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_windows_and_macos_always_have_a_display(platform):
    assert display_problem({}, platform) is None


@pytest.mark.parametrize("platform", ["linux", "freebsd14", "openbsd7", "netbsd10"])
def test_linux_and_bsd_without_a_display_say_so(platform):
    problem = display_problem({}, platform)
    assert problem is not None and "DISPLAY" in problem and "WAYLAND_DISPLAY" in problem


@pytest.mark.parametrize(
    "platform_plugin", ["offscreen", "minimal", "vnc:size=800x600", "eglfs", "xcb;offscreen"]
)
def test_a_platform_that_needs_no_display_is_left_to_qt(platform_plugin):
    assert display_problem({"QT_QPA_PLATFORM": platform_plugin}, "linux") is None


def test_asking_for_x_without_a_display_says_so():
    assert display_problem({"QT_QPA_PLATFORM": "xcb"}, "linux") is not None
    wayland_only = {"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"}
    assert display_problem(wayland_only, "linux") is not None


def free_tcp_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_display_where_nothing_listens_says_so():
    port = free_tcp_port()
    problem = display_problem({"DISPLAY": f"127.0.0.1:{port - 6000}"}, "linux")
    assert problem is not None and "no X server accepts a connection" in problem


@pytest.fixture
def not_an_x_server() -> Iterator[int]:
    """A TCP server on loopback that accepts and hangs up: no X server's answer."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                client, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(5)
    server.close()


@pytest.mark.skipif(display.load_xcb() is None, reason="no libxcb here to ask the X server")
def test_a_display_that_is_no_x_server_says_so(not_an_x_server):
    number = not_an_x_server - 6000
    assert display_problem({"DISPLAY": f"127.0.0.1:{number}"}, "linux") is not None


def test_without_libxcb_a_socket_that_answers_is_left_to_qt(not_an_x_server, monkeypatch):
    monkeypatch.setattr(display, "_xcb_answers", lambda _display: None)
    number = not_an_x_server - 6000
    assert display_problem({"DISPLAY": f"127.0.0.1:{number}"}, "linux") is None


@X11_OR_WAYLAND
def test_a_wayland_socket_that_answers_is_a_display(tmp_path):
    runtime = tmp_path / "run"
    runtime.mkdir()
    env = {"WAYLAND_DISPLAY": "wayland-7", "XDG_RUNTIME_DIR": str(runtime)}
    assert "Wayland" in (display_problem(env, "linux") or "")
    with socket.socket(socket.AF_UNIX) as compositor:
        compositor.bind(str(runtime / "wayland-7"))
        compositor.listen()
        assert display_problem(env, "linux") is None


@pytest.fixture(scope="module")
def xvfb_binary() -> str:
    binary = shutil.which("Xvfb")
    if binary is None:
        pytest.skip("the Xvfb binary is not installed (python3 dev.py test installs it)")
    return binary


def start_xvfb(binary: str, *extra: str) -> tuple[subprocess.Popen, str]:
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        [binary, "-displayfd", str(write_end), "-nolisten", "tcp", *extra],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        number = pipe.readline().strip()
    assert number.isdigit(), "Xvfb did not start"
    return server, f":{number}"


@pytest.fixture(scope="module")
def xvfb(xvfb_binary) -> Iterator[str]:
    server, name = start_xvfb(xvfb_binary)
    try:
        yield name
    finally:
        server.terminate()
        server.wait(10)


def test_a_real_x_server_is_a_display(xvfb):
    assert display_problem({"DISPLAY": xvfb}, "linux") is None


def test_an_x_server_that_refuses_us_is_no_display(xvfb_binary, tmp_path, monkeypatch):
    # An X server that wants a cookie we do not have: Qt aborts there too.
    cookies = tmp_path / "Xauthority"
    if shutil.which("xauth") is None:
        pytest.skip("xauth is not installed: no cookie file to start a locked Xvfb with")
    subprocess.run(
        ["xauth", "-f", str(cookies), "add", ":1", ".", "0123456789abcdef" * 2],
        check=True,
        capture_output=True,
    )
    server, name = start_xvfb(xvfb_binary, "-auth", str(cookies))
    try:
        monkeypatch.setenv("XAUTHORITY", os.devnull)
        problem = display_problem({"DISPLAY": name}, "linux")
    finally:
        server.terminate()
        server.wait(10)
    assert problem is not None and name in problem


def app_env(tmp_path: Path, **changes: str) -> dict[str, str]:
    env = dict(
        os.environ,
        BUNDLEGUARD_CONFIG_DIR=str(tmp_path / "config"),
        BUNDLEGUARD_DATA_DIR=str(tmp_path / "data"),
        HOME=str(tmp_path / "home"),
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "app")]),
    )
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "WAYLAND_SOCKET", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    env.update(changes)
    return env


@X11_OR_WAYLAND
@pytest.mark.parametrize("display_name", [None, ":4242"])
def test_the_app_without_a_display_says_one_sentence_and_exits_2(tmp_path, display_name):
    changes = {"DISPLAY": display_name} if display_name else {}
    done = subprocess.run(
        [sys.executable, "-m", "bundleguard"],
        env=app_env(tmp_path, **changes),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr  # never -6 (SIGABRT)
    assert done.stderr.startswith("bundleguard: the window needs a desktop session")
    assert done.stderr.count("\n") == 1 and "Reinstalling" not in done.stderr
    assert "scan, inspect, extract-chain, rewrap, bundle, probe" in done.stderr
    assert done.stdout == ""


@X11_OR_WAYLAND
def test_qt_is_not_imported_when_there_is_no_display(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from bundleguard.cli import main; code = main([]); "
            "print(code, 'PySide6' in sys.modules)",
        ],
        env=app_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.split() == ["2", "False"], done.stderr


@X11_OR_WAYLAND
def test_the_app_on_a_real_x_server_paints_its_window(xvfb, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "bundleguard"],
        env=app_env(tmp_path, DISPLAY=xvfb, BUNDLEGUARD_EXIT_AFTER_PAINT="1"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert any(line.startswith("first-paint ") for line in done.stdout.splitlines())
