"""Starting the window: the QApplication (reused when one exists), logging to the user log
folder, the last-resort error dialog, the demo and PATH arguments, the first-paint hook."""

from __future__ import annotations

import logging
import os
import sys
import time
import traceback
from pathlib import Path

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
    "Step 5 verifies the demo's three appliances, served on this computer until you close "
    "the window (the demo's files go then too)."
)


def setup_logging() -> Path | None:
    """Log to `bundleguard.log` in the user log folder (never a passphrase: nothing logs one)."""
    from bundleguard.case.store import log_dir

    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "bundleguard.log"
        root = logging.getLogger("bundleguard")
        if not any(getattr(h, "baseFilename", None) == str(path) for h in root.handlers):
            handler = logging.FileHandler(path, encoding="utf-8")
            line = "%(asctime)s %(levelname)s %(name)s %(message)s"
            handler.setFormatter(logging.Formatter(line))
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
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="bundleguard-demo-"))
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
        window.show_step(1)
    elif paths:
        window.add_paths([Path(p) for p in paths])
    return controller, window


def _remove_demo(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


def run(paths=(), *, demo: bool = False) -> int:
    setup_logging()
    sys.excepthook = excepthook
    app = application()
    controller, window = create_window(paths, demo=demo)
    if os.environ.get(ENV_EXIT_AFTER_PAINT) == "1":
        from PySide6.QtCore import QTimer

        def painted() -> None:
            print(f"first-paint {seconds_since_start():.3f}", flush=True)
            QTimer.singleShot(0, app.quit)

        window.firstPainted.connect(painted)
    window.show()
    code = app.exec()
    window.run_close_hooks()
    controller.shutdown()
    return int(code)
