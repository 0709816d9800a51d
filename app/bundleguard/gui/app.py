"""Starting the window: the QApplication (reused when one exists), logging to the user log
folder (and the session's last lines in memory: `log_tail`), the last-resort error dialog,
the demo and PATH arguments, the first-paint hook, and ending cleanly when the system asks
(SIGTERM, SIGHUP at logout, Ctrl+C): the case is saved, the demo's fake appliances stop and
its folder goes."""

from __future__ import annotations

import logging
import os
import sys
import time
import traceback
from pathlib import Path

from bundleguard.case.steps import Step

START = time.perf_counter()


def seconds_since_start() -> float:
    """Seconds since this process started (from the OS where it says, else since import)."""
    if sys.platform.startswith("linux"):
        try:
            fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
            ticks = int(fields[19])
            uptime = float(Path("/proc/uptime").read_text().split()[0])
            return uptime - ticks / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            pass
    return time.perf_counter() - START


log = logging.getLogger("bundleguard.gui")
ENV_EXIT_AFTER_PAINT = "BUNDLEGUARD_EXIT_AFTER_PAINT"
DEMO_HINT = (
    "Demo case: 'exported-cert.crt' is really a PKCS#12 with its private key, so it is "
    'refused. Select it and press "Extract the certificates" — the demo passphrase is demo. '
    f"Step {Step.REPLICATE.number} verifies the demo's three appliances, served on this "
    "computer until you close the window (the demo's files go then too)."
)


LOG_LINE = "%(asctime)s %(levelname)s %(name)s %(message)s"
LOG_TAIL_LINES = 200


class LogTail(logging.Handler):
    """The last `LOG_TAIL_LINES` log lines of this session, in memory (Help > Copy
    diagnostic information copies the last of them; nothing logs a passphrase or a key)."""

    def __init__(self, size: int = LOG_TAIL_LINES) -> None:
        import collections

        super().__init__(logging.INFO)
        self.lines: collections.deque[str] = collections.deque(maxlen=size)
        self.setFormatter(logging.Formatter(LOG_LINE))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # a log line is never a reason to fail
            self.handleError(record)


def log_tail(*, create: bool = True) -> LogTail | None:
    """The session's in-memory log tail on the `bundleguard` logger (added once, unless
    `create` is false: None then when there is none)."""
    root = logging.getLogger("bundleguard")
    for handler in root.handlers:
        if isinstance(handler, LogTail):
            return handler
    if not create:
        return None
    handler = LogTail()
    root.addHandler(handler)
    if root.getEffectiveLevel() > logging.INFO:
        root.setLevel(logging.INFO)
    return handler


def setup_logging() -> Path | None:
    """Log to `bundleguard.log` in the user log folder, and keep the last lines in memory
    (`log_tail`); never a passphrase: nothing logs one."""
    from bundleguard.case.store import log_dir

    log_tail()
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "bundleguard.log"
        root = logging.getLogger("bundleguard")
        if not any(getattr(h, "baseFilename", None) == str(path) for h in root.handlers):
            handler = logging.FileHandler(path, encoding="utf-8")
            handler.setFormatter(logging.Formatter(LOG_LINE))
            root.addHandler(handler)
        root.setLevel(logging.INFO)
        return path
    except OSError:
        return None


def _scrubbed_traceback(kind, value, tb) -> str:
    """The traceback's frames and the exception's type — not its message or locals,
    which could hold what the user typed."""
    frames = "".join(traceback.format_tb(tb))
    return f"Traceback (most recent call last):\n{frames}{kind.__name__}"


def excepthook(kind, value, tb) -> None:
    log.error("Unexpected error\n%s", _scrubbed_traceback(kind, value, tb))
    try:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QApplication, QMessageBox

        if QApplication.instance() is not None:
            box = QMessageBox(
                QMessageBox.Icon.Critical,
                "bundleguard",
                "Something went wrong. Your case is saved; details are in the log "
                "(no passphrase or key is ever written there).",
            )
            box.setTextFormat(Qt.TextFormat.PlainText)
            box.setAccessibleName("Unexpected error")
            excepthook.last_box = box
            box.open()
    except Exception:  # the hook itself must never raise
        pass


def application():
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    app.setApplicationName("bundleguard")
    app.setOrganizationName("bundleguard")
    app.setApplicationDisplayName("bundleguard")
    icons = _resources() / "icons"
    if icons.is_dir():
        icon = QIcon()
        for png in sorted(icons.glob("bundleguard-*.png")):
            icon.addFile(str(png))
        if not icon.isNull():
            app.setWindowIcon(icon)
    return app


def _resources() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parents[3] / "resources"


def create_window(paths=(), *, demo: bool = False, store=None):
    """The controller and main window (shown), with the demo or the given paths."""
    from PySide6.QtCore import QTimer

    from bundleguard.case.store import CaseStore
    from bundleguard.gui.controller import CaseController
    from bundleguard.gui.window import MainWindow

    folder = None
    if demo:
        from bundleguard.demo import make_demo_folder

        folder = make_demo_folder()
        if store is None:
            # The demo keeps its case in its own folder: it never becomes the user's last
            # case, nor joins their recent cases, and it goes when the window closes.
            store = CaseStore(folder / "cases")
    # The trust stores are read after the first paint: a worker parsing them while the
    # window is built would hold the interpreter lock the window needs.
    controller = CaseController(store or CaseStore(), load_anchors=False)
    window = MainWindow(controller)
    window.firstPainted.connect(lambda: QTimer.singleShot(0, controller.load_anchors))
    if folder is not None:
        from bundleguard.demo import build_demo, start_demo_appliances

        # Fake appliances on loopback, so step 5 can verify something real; they stop
        # when the window closes (or the app quits without closing it), and the demo's
        # files go with them.
        running = start_demo_appliances(build_demo(folder / "files"))
        window.demo_appliances = running
        window.when_closed(running.stop)
        window.when_closed(lambda: _remove_demo(folder))
        case = running.case
        controller.new()
        controller.update(**{f: getattr(case, f) for f in case.__dataclass_fields__})
        window.certificates_page.set_hint(DEMO_HINT)
        window.show_step(Step.CERTIFICATES)
    elif paths:
        window.add_paths([Path(p) for p in paths])
    return controller, window


def _remove_demo(folder: Path) -> None:
    from bundleguard.demo import remove_demo_folder

    remove_demo_folder(folder)


def _remove_stale_demos() -> None:
    """Demo folders a process that was killed left behind (only those: see
    `bundleguard.demo.stale_demo_folders`)."""
    from bundleguard.demo import remove_stale_demo_folders

    started = time.time() - seconds_since_start()
    try:
        for folder in remove_stale_demo_folders(started):
            log.info("Removed a demo folder left behind: %s", folder.name)
    except OSError as error:  # never a reason not to start
        log.warning("Leftover demo folders could not be removed: %s", type(error).__name__)


QUIT_SIGNALS = ("SIGTERM", "SIGHUP", "SIGINT")
"""What the system sends to end the app: `kill`, logout (a terminal closing), Ctrl+C. There
is no SIGHUP on Windows; the names a platform lacks are skipped."""


class SignalQuit:
    """Quit the window cleanly when a quit signal arrives.

    Python runs a signal handler only when the interpreter gets control, and Qt's event
    loop is C++: `signal.set_wakeup_fd` writes each signal's number to a socket, and a
    `QSocketNotifier` on its other end wakes a Python slot, in which the handler runs at
    once. Where that cannot be set up, a timer wakes the interpreter four times a second.
    """

    def __init__(self, app, quit_now) -> None:
        import signal
        import socket

        from PySide6.QtCore import QSocketNotifier, QTimer

        self.received: int | None = None
        self._quit_now = quit_now
        self._previous: dict[int, object] = {}
        self._old_wakeup = -1
        self._sockets = None
        self._notifier = None
        self._timer = None
        for name in QUIT_SIGNALS:
            number = getattr(signal, name, None)
            if number is not None:
                self._previous[number] = signal.signal(number, self._handle)
        try:
            reader, writer = socket.socketpair()
            reader.setblocking(False)
            writer.setblocking(False)
            self._old_wakeup = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
            self._sockets = (reader, writer)
            self._notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, app)
            self._notifier.activated.connect(self._drain)
        except (OSError, ValueError):
            self._timer = QTimer(app)
            self._timer.timeout.connect(lambda: None)  # the interpreter runs the handler
            self._timer.start(250)

    def _drain(self, *_args) -> None:
        try:
            while self._sockets is not None and self._sockets[0].recv(64):
                pass
        except OSError:
            pass

    def _handle(self, number: int, _frame) -> None:
        from PySide6.QtCore import QTimer

        first = self.received is None
        self.received = number
        if first:
            log.info("Asked to end (signal %d): closing the window", number)
            QTimer.singleShot(0, self._quit_now)

    def uninstall(self) -> None:
        import signal

        for number, previous in self._previous.items():
            signal.signal(number, previous)
        if self._sockets is not None:
            signal.set_wakeup_fd(self._old_wakeup)
            if self._notifier is not None:
                self._notifier.setEnabled(False)
            for end in self._sockets:
                end.close()
            self._sockets = None
        if self._timer is not None:
            self._timer.stop()


def run(paths=(), *, demo: bool = False) -> int:
    setup_logging()
    sys.excepthook = excepthook
    app = application()
    _remove_stale_demos()
    window = None

    def quit_now() -> None:
        # The window's close saves the case and runs its close hooks (the demo's fake
        # appliances stop, its folder goes); quit even if something kept it open.
        if window is not None:
            window.close()
        app.quit()

    ending = SignalQuit(app, quit_now)
    controller, window = create_window(paths, demo=demo)
    if os.environ.get(ENV_EXIT_AFTER_PAINT) == "1":
        from PySide6.QtCore import QTimer

        def painted() -> None:
            print(f"first-paint {seconds_since_start():.3f}", flush=True)
            QTimer.singleShot(0, app.quit)

        window.firstPainted.connect(painted)
    window.show()
    try:
        code = app.exec()
    finally:
        window.run_close_hooks()
        controller.shutdown()
        ending.uninstall()
    if ending.received is not None:
        return 128 + ending.received  # as a shell reports a process ended by a signal
    return int(code)
