"""The Screenshot page costs no heavy import until a picture is handled (start-up time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SHOW_PAGE = """
import json, sys
from pathlib import Path
from PySide6.QtWidgets import QApplication
app = QApplication([])
from bundleguard.gui.screenshot import ScreenshotPage
page = ScreenshotPage(lambda: Path("."))
page.set_appliances(["primary.example.com"], {})
page.show()
app.processEvents()
print(json.dumps({name: name in sys.modules for name in ("PIL", "PIL.Image", "mss")}))
"""


def test_showing_the_page_imports_neither_pillow_nor_mss():
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "app")]),
    )
    run = subprocess.run(
        [sys.executable, "-c", SHOW_PAGE],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.strip().splitlines()[-1]) == {
        "PIL": False,
        "PIL.Image": False,
        "mss": False,
    }
