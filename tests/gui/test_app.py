"""Starting the app: first paint, the existing QApplication reused, PATH arguments, demo."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from bundleguard.case.model import Case
from bundleguard.case.steps import Step
from bundleguard.case.store import CaseStore, save_case
from bundleguard.demo import build_demo
from bundleguard.gui import app as gui_app
from bundleguard.gui.app import DEMO_HINT
from tests.gui.conftest import find_by_name


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BUNDLEGUARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


def test_the_app_paints_and_quits_when_asked(env: Path) -> None:
    run_env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        BUNDLEGUARD_EXIT_AFTER_PAINT="1",
        BUNDLEGUARD_DATA_DIR=str(env / "data"),
    )
    done = subprocess.run(
        [sys.executable, "-m", "bundleguard"],
        env=run_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    line = [x for x in done.stdout.splitlines() if x.startswith("first-paint ")]
    assert line and 0 < float(line[0].split()[1]) < 30
    # Heavy parts are not imported before the first paint (trust anchors, and with them
    # cryptography's x509, load in a worker thread meanwhile: not checked here).
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, bundleguard.gui.window as w, bundleguard.gui.app as a; "
            "from PySide6.QtWidgets import QApplication; q = QApplication([]); "
            "c, win = a.create_window(); "
            "print(sorted(m for m in ('PIL', 'mss') if m in sys.modules))",
        ],
        env=run_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.stdout.strip() == "[]", probe.stdout + probe.stderr


def test_a_case_path_opens_it_in_the_existing_application(qtbot, env: Path) -> None:
    assert QApplication.instance() is not None
    path = env / "given.bgcase"
    save_case(Case(site="given.example.com"), path)
    app = gui_app.application()
    assert app is QApplication.instance()
    controller, window = gui_app.create_window([str(path)], store=CaseStore())
    qtbot.addWidget(window)
    # Known as a case by its content, in the scan's worker: it opens when the scan ends.
    qtbot.waitUntil(lambda: controller.path == path, timeout=20000)
    assert find_by_name(window, "Site hostname").text() == "given.example.com"
    controller.shutdown()


def test_the_demo_case_shows_a_refusal_and_its_fix(qtbot, env: Path) -> None:
    case = build_demo(env / "demo")
    assert len(case.appliances) == 3 and all(Path(a.screenshot).is_file() for a in case.appliances)
    controller, window = gui_app.create_window(demo=True, store=CaseStore())
    qtbot.addWidget(window)
    window.show()
    assert "the demo passphrase is demo" in window.certificates_page.hint_label.text()
    files = find_by_name(window, "Files")
    qtbot.waitUntil(
        lambda: (
            files.model().rowCount() == 4
            and "exported-cert.crt" in (files.currentIndex().data() or "")
        ),
        timeout=20000,
    )
    assert files.currentIndex().data() == "exported-cert.crt — refused — holds a private key"
    assert find_by_name(window, "Extract the certificates").isVisibleTo(window)
    controller.shutdown()


def test_the_demo_verifies_its_fake_appliances_until_the_window_closes(qtbot, env: Path) -> None:
    import socket

    controller, window = gui_app.create_window(demo=True, store=CaseStore())
    qtbot.addWidget(window)
    window.show()
    window.show_step(Step.REPLICATE)
    assert "Step 5 verifies the demo's three appliances" in DEMO_HINT
    ports = [int(a.address.rsplit(":", 1)[1]) for a in controller.case.appliances]
    assert len(ports) == 3 and all(
        a.address.startswith("127.0.0.1:") for a in controller.case.appliances
    )
    qtbot.waitUntil(lambda: controller.anchors is not None, timeout=20000)
    panel = window.replicate_page.verify_panel
    with qtbot.waitSignal(panel.verified, timeout=30000):
        find_by_name(window, "Verify appliances").click()
    grid = find_by_name(window, "Verification results")
    cells = {
        grid.item(r, c).data(Qt.ItemDataRole.AccessibleTextRole)
        for r in range(grid.rowCount())
        for c in range(grid.columnCount())
    }
    assert "backup.example.com: same leaf as primary: pass" in cells
    assert "node1.example.com: same leaf as primary: fail" in cells
    assert "primary.example.com: chain complete: pass" in cells
    window.close()
    for port in ports:  # the fake appliances stopped with the window
        with socket.socket() as client:
            client.settimeout(1)
            assert client.connect_ex(("127.0.0.1", port)) != 0
    controller.shutdown()


def test_the_demo_leaves_the_users_cases_alone_and_cleans_up(qtbot, env: Path) -> None:
    mine = CaseStore()
    mine.save(Case(site="mine.example.com"), mine.new_case_path())
    before = mine.recent()
    controller, window = gui_app.create_window(demo=True)
    qtbot.addWidget(window)
    window.show()
    demo_folder = next(p for p in controller.path.parents if p.name.startswith("bundleguard-demo-"))
    assert demo_folder.name.startswith("bundleguard-demo-")
    assert controller.case.site == "support.example.com"
    window.close()
    controller.shutdown()
    assert not demo_folder.exists()  # the demo's files went with the window
    assert CaseStore().recent() == before  # the user's last case is still theirs
    assert CaseStore().open_last().case.site == "mine.example.com"
