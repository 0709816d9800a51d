"""More of the window: a key-bearing PEM fixed without a passphrase, an image dropped on
the Screenshot step, Save As and Recent cases, shortcuts in tooltips."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from PIL import Image
from PySide6.QtCore import Qt

from bundleguard.case.model import ApplianceEntry, Role, Verification
from bundleguard.case.steps import STEPS, Step
from bundleguard.probe.fake import FakePKI
from tests.gui.conftest import find_by_name
from tests.gui.test_window import drop, rows, select, wait_rows


def test_a_pem_with_a_plain_key_is_fixed_without_a_passphrase(qtbot, window, tmp_path):
    served = FakePKI("Plain Key").issue(["support.example.com"])
    key = served.key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    path = tmp_path / "server.pem"
    path.write_bytes(served.leaf.public_bytes(Encoding.PEM) + key)
    drop(window, [path])
    wait_rows(qtbot, window, 1)
    assert rows(window) == ["server.pem — refused — holds a private key"]
    select(window, "server.pem")
    find_by_name(window, "Extract the certificates").click()
    qtbot.waitUntil(lambda: any("01-leaf" in r for r in rows(window)), timeout=20000)
    wait_rows(qtbot, window, len(rows(window)))
    written = [p for p in window.controller.files_dir.iterdir() if p.suffix == ".crt"]
    assert written and all(b"PRIVATE KEY" not in p.read_bytes() for p in written)
    assert not any(r.startswith("server.pem") for r in rows(window))  # out of the case
    assert (
        find_by_name(window, "Reason")
        .text()
        .startswith(
            "Extracted 1 certificate from server.pem. The file with the private key was taken "
            "out of the case (it is still on your disk)"
        )
    )
    assert path.exists()


def test_an_image_dropped_on_the_screenshot_step_goes_to_it(qtbot, window, tmp_path):
    window.controller.update(appliances=(ApplianceEntry("primary.example.com", Role.PRIMARY),))
    picture = tmp_path / "status.png"
    image = Image.new("RGB", (320, 200), (240, 240, 240))
    for x in range(20, 300):
        image.putpixel((x, 50), (10, 10, 10))
    image.save(picture)
    window.show_step(Step.SCREENSHOT)
    drop(window, [picture])
    qtbot.waitUntil(lambda: bool(window.controller.case.appliances[0].screenshot), timeout=10000)
    assert Path(window.controller.case.appliances[0].screenshot).is_file()
    assert window.controller.case.files == ()


def test_save_as_and_recent_cases(qtbot, window, tmp_path, monkeypatch):
    window.controller.update(site="saved.example.com")
    target = tmp_path / "mine.bgcase"
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.save_as_dialog()
    assert target.is_file() and window.controller.path == target
    window.new_case()
    assert find_by_name(window, "Site hostname").text() == ""
    window._fill_recent()  # named by its site, read from the file in a worker

    def named():
        return [a for a in window.recent_menu.actions() if a.text().startswith("saved.example")]

    qtbot.waitUntil(lambda: bool(named()))
    assert named()[0].text() == "saved.example.com — no incident yet"
    named()[0].trigger()
    assert find_by_name(window, "Site hostname").text() == "saved.example.com"


def test_shortcuts_are_in_the_tooltips(window):
    # Step 2 is built after the first paint, or when it is shown.
    window.show_step(Step.CERTIFICATES)
    assert "Ctrl+O" in find_by_name(window, "Add files").toolTip()
    texts = {a.text(): a.toolTip() for a in window.menuBar().actions()[0].menu().actions()}
    assert "Ctrl+B" in texts["&Build bundles"]
    assert "Ctrl+Shift+O" in texts["&Open case…"]


def step_words(window) -> list[str]:
    steps = find_by_name(window, "Steps")
    model = steps.model()
    return [
        model.index(r, 0).data(Qt.ItemDataRole.AccessibleTextRole) for r in range(model.rowCount())
    ]


def judged_words(qtbot, window) -> list[str]:
    """The steps' words, once the window judges the case (after its first paint)."""
    qtbot.waitUntil(lambda: None not in step_words(window), timeout=15000)
    return step_words(window)


def test_each_step_says_where_it_stands(qtbot, window, tmp_path):
    assert judged_words(qtbot, window) == [
        "1 Case: needs attention",
        "2 Certificates: needs attention",
        "3 Screenshot: needs attention",
        "4 Bundle & email: not ready",
        "5 Replicate: not verified",
    ]
    window.controller.update(
        site="support.example.com",
        appliances=(ApplianceEntry("primary.example.com", Role.PRIMARY),),
    )
    # The one judgement: a case that names no output folder is built into the default one
    # (Documents/bundleguard/SITE-INCIDENT); no incident number is a concern.
    assert step_words(window)[0] == "1 Case: done, with concerns"
    window.controller.update(output=str(tmp_path / "out"), support_address="s@example.com")
    assert step_words(window)[0] == "1 Case: done, with concerns"
    window.controller.update(incident="12345")
    case = window.controller.case
    failed = Verification(checked_at="2026-12-02T01:00:00+00:00", ok=False, summary="Fix first")
    window.controller.update(replication=replace(case.replication, verification=failed))
    assert step_words(window)[0] == "1 Case: done"
    assert step_words(window)[4] == "5 Replicate: verification failed"
    passed = replace(failed, ok=True, summary="All good")
    window.controller.update(replication=replace(case.replication, verification=passed))
    assert step_words(window)[4] == "5 Replicate: verified"


def test_add_files_works_before_step_2_is_built(qtbot, window, tmp_path, monkeypatch):
    # Step 2 is built after the first paint; Ctrl+O pressed before that must still work.
    from PySide6.QtWidgets import QFileDialog

    served = FakePKI("Early").issue(["support.example.com"])
    path = tmp_path / "early.crt"
    path.write_bytes(served.leaf.public_bytes(Encoding.PEM))
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(path)], ""))
    menu = window.menuBar().actions()[0].menu()
    add = next(a for a in menu.actions() if a.text() == "Add &files…")
    assert add.shortcut().toString() == "Ctrl+O"
    add.trigger()
    wait_rows(qtbot, window, 1)
    assert rows(window) == ["early.crt — accepted (certificate)"]


def test_the_window_comes_back_where_and_as_large_as_it_was(qtbot, tmp_path):
    from bundleguard.case.store import CaseStore
    from bundleguard.gui.controller import CaseController
    from bundleguard.gui.placement import DEFAULT_SIZE
    from bundleguard.gui.window import MainWindow

    def open_window() -> MainWindow:
        window = MainWindow(CaseController(CaseStore(tmp_path / "data"), load_anchors=False))
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        return window

    first = open_window()
    # Nothing saved yet: the default size, narrowed to the offscreen screen (800 wide).
    assert (first.width(), first.height()) == (800 - 16, DEFAULT_SIZE[1])
    assert first.screen().availableGeometry().contains(first.frameGeometry())
    first.resize(640, 480)  # inside the offscreen screen (800 x 600): Qt keeps it on screen
    first.close()
    again = open_window()
    assert (again.width(), again.height()) == (640, 480)
    again.controller.shutdown()
    first.controller.shutdown()


def test_a_pkcs12_dropped_on_the_window_at_step_5_is_checked_there_not_added(
    qtbot, window, tmp_path
):
    from tests.gui.test_replicate_page import PASS, answer, wait_opened, write_p12

    pki = FakePKI("Window Drop")
    served = pki.issue(["support.example.com", "primary.example.com"])
    path = write_p12(tmp_path / "exported.pfx", served, pki)
    window.controller.update(
        site="support.example.com",
        appliances=(ApplianceEntry("primary.example.com", Role.PRIMARY),),
    )
    window.show_step(Step.REPLICATE)
    assert drop(window, [path])
    answer(qtbot, PASS)
    wait_opened(qtbot, window.replicate_page, path)
    assert window.controller.case.files == ()  # the key container never joins the case
    assert window.controller.case.replication.exported_pkcs12 == str(path)


def test_a_saved_check_of_a_case_that_changed_since_asks_to_verify_again(qtbot, window):
    from bundleguard.case.model import case_key

    window.controller.update(
        site="support.example.com",
        appliances=(ApplianceEntry("primary.example.com", Role.PRIMARY),),
    )
    case = window.controller.case
    saved = Verification(
        checked_at="2026-12-02T01:00:00+00:00", ok=True, summary="All good", case_key=case_key(case)
    )
    window.controller.update(replication=replace(case.replication, verification=saved))
    assert judged_words(qtbot, window)[4] == "5 Replicate: verified"
    window.controller.update(site="new-site.example.com")
    assert step_words(window)[4] == "5 Replicate: check again: the case changed"
    panel = window.replicate_page.verify_panel
    status = find_by_name(panel, "Verification status").text()
    assert "the site or the appliances have changed since. Verify again." in status


WINDOW_MODULES = ("window.py", "app.py", "controller.py", "workers.py")


@pytest.mark.parametrize("name", WINDOW_MODULES)
def test_the_window_probes_nothing_and_numbers_no_step(name: str) -> None:
    """No `hasattr` or `ImportError` probe, no "step N" in its words, and no step by its
    index: every "go to a step" names a `Step` (issue 17)."""
    import ast

    from tests.test_replicate_renders_only import APP, probes_and_step_numbers

    source = (APP / "gui" / name).read_text(encoding="utf-8")
    assert probes_and_step_numbers(source) == []
    by_index = [
        f"line {node.lineno}"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and getattr(node.func, "attr", "") in ("show_step", "_late_page")
        and any(isinstance(arg, ast.Constant) for arg in node.args)
    ]
    assert by_index == []


def test_ctrl_and_a_number_goes_to_that_step(qtbot, window):
    from PySide6.QtWidgets import QApplication

    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    for step in reversed(STEPS):
        qtbot.keyClick(
            window, Qt.Key(Qt.Key.Key_0.value + step.number), Qt.KeyboardModifier.ControlModifier
        )
        assert window.current_step is step
        assert find_by_name(window, "Steps").currentRow() == step.index
    go = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Go")
    assert [a.text() for a in go.actions()] == [
        "&1 Case",
        "&2 Certificates",
        "&3 Screenshot",
        "&4 Bundle && email",
        "&5 Replicate",
    ]
    assert "Ctrl+4" in go.actions()[3].toolTip()
