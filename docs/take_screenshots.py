"""Take the README's screenshots of each step from the demo case (re-runnable).

    .venv/bin/python docs/take_screenshots.py [--out docs/screenshots] [--offscreen]

Builds the demo case in a temporary folder (with its own data and settings folders, so
the user's cases are never touched), opens the window (under Xvfb when it is installed,
else offscreen), visits each step and saves
`QWidget.grab()` of the whole window as PNG: case, certificates (and the leaf's
certificate-details view), screenshot, bundle (the
demo's refused file stops the build and says why), and bundle-built (after the refused
file is taken out of the case and the bundles are built: the "Bundles built" table at the
size a first window opens at), replicate and
replicate-verified (the demo's fake appliances checked over live TLS), and verify-grid
(the same check's grid, summary and "What differs" at the size a first window opens at).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "app"))


def settle(app, seconds: float, until=None) -> None:
    """Run the event loop for `seconds` (or until `until()` is true) so workers report."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        if until is not None and until():
            break
        time.sleep(0.02)
    app.processEvents()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "screenshots")
    parser.add_argument("--offscreen", action="store_true", help="never use Xvfb")
    args = parser.parse_args()
    xvfb = shutil.which("xvfb-run")
    if xvfb and not args.offscreen and "BUNDLEGUARD_SHOTS_XVFB" not in os.environ:
        # A real X server: the Screenshot step can capture, as it does for a user.
        env = dict(os.environ, BUNDLEGUARD_SHOTS_XVFB="1", QT_QPA_PLATFORM="xcb")
        command = [xvfb, "-a", "-s", "-screen 0 1280x800x24", sys.executable, __file__]
        return subprocess.run([*command, "--out", str(args.out)], env=env).returncode
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = Path(tempfile.mkdtemp(prefix="bundleguard-shots-"))
    os.environ["BUNDLEGUARD_DATA_DIR"] = str(home / "data")
    os.environ["BUNDLEGUARD_CONFIG_DIR"] = str(home / "config")

    from bundleguard.case.steps import STEPS
    from bundleguard.case.store import CaseStore
    from bundleguard.gui.app import application, create_window

    app = application()
    controller, window = create_window(demo=True, store=CaseStore(home / "data"))
    default_size = window.size()  # a fresh profile's first window (no size remembered)
    window.resize(1180, 760)
    window.show()
    settle(app, 10, until=lambda: controller.anchors is not None)
    args.out.mkdir(parents=True, exist_ok=True)

    def shoot(step: int, name: str, wait: float = 2.0, until=None) -> None:
        window.show_step(STEPS[step])
        settle(app, wait, until)
        path = args.out / f"{name}.png"
        window.grab().save(str(path))
        print(path)

    shoot(0, "case")
    shoot(1, "certificates", 4.0)
    # The leaf's "Certificate details" (double-click or Enter on a chain node).
    window.certificates_page.show_chain_details(0)
    details = window.certificates_page.details_dialog
    if details is not None:
        settle(app, 0.5)
        details.grab().save(str(args.out / "certificate-details.png"))
        print(args.out / "certificate-details.png")
        details.close()
    shoot(2, "screenshot")
    page = window.bundle_page
    shoot(3, "bundle", 5.0, until=lambda: "refused" in page.reason.text())

    # Take out the refused .p12 (the demo's fix extracts its certificates instead).
    case = controller.case
    keep = tuple(p for p in case.files if not p.endswith("exported-cert.crt"))
    output = home / "bundles"
    output.mkdir()
    controller.update(files=keep, output=str(output))
    settle(app, 5, until=lambda: page.build_button.isEnabled())
    page.build()
    settle(app, 20, until=lambda: page.open_folder_button.isEnabled())
    # The "Bundles built" table as a first window shows it.
    window.resize(default_size)
    shoot(3, "bundle-built", 0.5)
    window.resize(1180, 760)

    # Step 5: the demo's fake appliances answer on loopback; Verify shows passes and a fail.
    replicate = window.replicate_page
    shoot(4, "replicate", 3.0)
    panel = replicate.verify_panel
    signals = panel.verify()
    finished: list[object] = []
    if signals is not None:
        panel.verified.connect(finished.append)
        signals.failed.connect(finished.append)
        signals.cancelled.connect(lambda: finished.append(None))
    settle(app, 30, until=lambda: bool(finished))
    replicate.scroll.ensureWidgetVisible(panel, 0, 0)
    shoot(4, "replicate-verified", 0.5)

    # The grid as a first window shows it: from "Checked at" down to "What differs".
    window.resize(default_size)
    settle(app, 1.0)
    top = panel.status.mapTo(replicate.scroll.widget(), panel.status.rect().topLeft()).y()
    replicate.scroll.verticalScrollBar().setValue(top - 6)
    replicate.scroll.horizontalScrollBar().setValue(0)
    shoot(4, "verify-grid", 0.5)
    window.close()  # the demo's fake appliances stop with the window
    controller.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
