"""Edit > Undo and Redo: a removed file comes back at its place, an appliance with all its
fields and its screenshot; each step is saved; a file holding a key never comes back."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from bundleguard.case.model import ApplianceEntry, Role
from bundleguard.case.store import load_case
from tests.certs.pki import key_pem, make_chain, pem
from tests.gui.conftest import find_action, find_by_name


def _certificates(folder: Path, count: int) -> list[str]:
    chain = make_chain(["support.example.com"])
    paths = []
    for number in range(count):
        path = folder / f"cert-{number}.pem"
        path.write_bytes(pem(chain.certs[number % 3]))
        paths.append(str(path))
    return paths


def _rows(window) -> list[str]:
    files = find_by_name(window, "Files")
    model = files.model()
    return [str(model.index(row, 0).data()) for row in range(model.rowCount())]


def test_a_removed_file_comes_back_at_its_place_and_is_saved(window, qtbot, tmp_path):
    paths = _certificates(tmp_path, 3)
    window.controller.add_files(paths)
    window.show_step(window.current_step.CERTIFICATES)
    files = find_by_name(window, "Files")
    qtbot.waitUntil(lambda: len(_rows(window)) == 3 and "checking" not in _rows(window)[1])
    undo = find_action(window, "Edit", "Undo")
    redo = find_action(window, "Edit", "Redo")
    assert not undo.isEnabled()  # nothing to undo yet

    files.setCurrentIndex(files.model().index(1, 0))  # the middle one
    files.setFocus()
    qtbot.keyClick(files, Qt.Key.Key_Delete)
    assert window.controller.case.files == (paths[0], paths[2])
    assert load_case(window.controller.path).files == (paths[0], paths[2])
    assert undo.isEnabled()
    assert "cert-1.pem" in undo.toolTip()

    undo.trigger()
    assert window.controller.case.files == tuple(paths)  # back in the middle
    assert load_case(window.controller.path).files == tuple(paths)  # and saved so
    qtbot.waitUntil(lambda: "cert-1.pem" in _rows(window)[1])

    assert redo.isEnabled()
    redo.trigger()
    assert load_case(window.controller.path).files == (paths[0], paths[2])


def test_ctrl_z_undoes_the_removal_from_the_files_list(window, qtbot, tmp_path):
    paths = _certificates(tmp_path, 2)
    window.controller.add_files(paths)
    window.show_step(window.current_step.CERTIFICATES)
    files = find_by_name(window, "Files")
    # Judged first: a file removed before its verdict may hold a key and never comes back.
    qtbot.waitUntil(
        lambda: len(_rows(window)) == 2 and not any("checking" in r for r in _rows(window))
    )
    files.setCurrentIndex(files.model().index(0, 0))
    files.setFocus()
    qtbot.keyClick(files, Qt.Key.Key_Delete)
    assert window.controller.case.files == (paths[1],)
    qtbot.keyClick(files, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.controller.case.files == tuple(paths)


def test_a_file_holding_a_private_key_is_not_brought_back(window, qtbot, tmp_path):
    chain = make_chain(["support.example.com"])
    keyed = tmp_path / "server-with-key.pem"
    keyed.write_bytes(pem(chain.leaf) + key_pem(chain.leaf_key))
    plain = tmp_path / "chain.pem"
    plain.write_bytes(pem(*chain.certs))
    window.controller.add_files([str(plain), str(keyed)])
    window.show_step(window.current_step.CERTIFICATES)
    qtbot.waitUntil(lambda: any("private key" in row for row in _rows(window)))

    window.controller.remove_files([str(keyed), str(plain)])
    assert window.controller.case.files == ()
    find_action(window, "Edit", "Undo").trigger()
    # The certificate comes back; the file with the key stays out of the case.
    assert window.controller.case.files == (str(plain),)
    assert load_case(window.controller.path).files == (str(plain),)


def test_removing_only_a_key_file_leaves_nothing_to_undo(window, qtbot, tmp_path):
    chain = make_chain(["support.example.com"])
    keyed = tmp_path / "exported.pem"
    keyed.write_bytes(key_pem(chain.leaf_key) + pem(chain.leaf))
    window.controller.add_files([str(keyed)])
    window.show_step(window.current_step.CERTIFICATES)
    qtbot.waitUntil(lambda: any("private key" in row for row in _rows(window)))
    window.controller.remove_files([str(keyed)])
    assert window.controller.case.files == ()
    assert not find_action(window, "Edit", "Undo").isEnabled()


def test_a_removed_appliance_comes_back_with_all_its_fields(window, qtbot, tmp_path):
    shot = tmp_path / "status-basics-backup.example.com.png"
    entries = (
        ApplianceEntry("primary.example.com", Role.PRIMARY),
        ApplianceEntry("backup.example.com", Role.BACKUP, "192.0.2.7:8443", str(shot)),
        ApplianceEntry("node.example.com", Role.NODE),
    )
    window.controller.update(appliances=entries)
    window.show_step(window.current_step.CASE)
    table = find_by_name(window, "Appliances")
    table.setCurrentCell(1, 0)
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    assert window.controller.case.appliances == (entries[0], entries[2])
    assert load_case(window.controller.path).appliances == (entries[0], entries[2])
    assert table.rowCount() == 2

    find_action(window, "Edit", "Undo").trigger()
    assert window.controller.case.appliances == entries  # its row, role, address, screenshot
    assert load_case(window.controller.path).appliances == entries
    assert table.rowCount() == 3
    assert table.item(1, 0).text() == "backup.example.com"
    assert find_by_name(window, "Role of appliance 2").currentText() == "backup"

    find_action(window, "Edit", "Redo").trigger()
    assert window.controller.case.appliances == (entries[0], entries[2])


def test_the_row_remove_button_is_undone_too(window, qtbot):
    entries = (ApplianceEntry("a.example.com"), ApplianceEntry("b.example.com", Role.BACKUP))
    window.controller.update(appliances=entries)
    qtbot.mouseClick(find_by_name(window, "Remove appliance 1"), Qt.MouseButton.LeftButton)
    assert [a.hostname for a in window.controller.case.appliances] == ["b.example.com"]
    find_action(window, "Edit", "Undo").trigger()
    assert window.controller.case.appliances == entries


def test_another_case_starts_with_nothing_to_undo(window, qtbot):
    window.controller.update(appliances=(ApplianceEntry("a.example.com"),))
    window.controller.remove_appliance(0)
    undo = find_action(window, "Edit", "Undo")
    assert undo.isEnabled()
    window.new_case()
    assert not undo.isEnabled()
    undo.trigger()
    assert window.controller.case.appliances == ()


HOST = "primary.example.com"


def _screenshot_step(window, qtbot, tmp_path: Path):
    from tests.capture.fakes import desktop_picture

    window.controller.update(appliances=(ApplianceEntry(HOST),))
    window.show_step(window.current_step.SCREENSHOT)
    page = window.screenshot_page
    first, second = tmp_path / "first.png", tmp_path / "second.png"
    desktop_picture(120, 90).save(first)
    desktop_picture(100, 80).save(second)
    status = find_by_name(window, "Screenshot status")
    return page, first, second, status


def _saved(status, size: str):
    return lambda: status.text().startswith("Saved as") and size in status.text()


def test_a_replaced_screenshot_comes_back_with_undo_and_the_new_one_with_redo(
    window, qtbot, tmp_path
):
    from bundleguard.capture.models import Rect

    page, first, second, status = _screenshot_step(window, qtbot, tmp_path)
    undo, redo = find_action(window, "Edit", "Undo"), find_action(window, "Edit", "Redo")
    assert page.use_file(first)
    qtbot.waitUntil(_saved(status, "120×90"), timeout=20_000)
    assert not undo.isEnabled()  # a first screenshot replaces nothing
    written = Path(window.controller.case.appliances[0].screenshot)
    page.preview.boxDrawn.emit(Rect(5, 5, 30, 20))  # redacted, then replaced
    qtbot.waitUntil(lambda: "1 area blacked out" in status.text() and "Saved" in status.text())
    assert page.wait_for_jobs(20_000)
    redacted = written.read_bytes()

    assert page.use_file(second)
    qtbot.waitUntil(_saved(status, "100×80"), timeout=20_000)
    newer = written.read_bytes()
    assert newer != redacted
    assert undo.isEnabled() and "replace the screenshot of primary.example.com" in undo.toolTip()

    undo.trigger()
    qtbot.waitUntil(_saved(status, "120×90"), timeout=20_000)  # the page shows it again
    assert written.read_bytes() == redacted  # its box burned in, as it was
    assert load_case(window.controller.path).appliances[0].screenshot == str(written)

    redo.trigger()
    qtbot.waitUntil(_saved(status, "100×80"), timeout=20_000)
    assert written.read_bytes() == newer


def test_undo_puts_back_a_picture_only_never_a_file_swapped_in_with_a_key(window, qtbot, tmp_path):
    from bundleguard.case.screenshots import REPLACED_FOLDER

    page, first, second, status = _screenshot_step(window, qtbot, tmp_path)
    assert page.use_file(first)
    qtbot.waitUntil(_saved(status, "120×90"), timeout=20_000)
    assert page.use_file(second)
    qtbot.waitUntil(_saved(status, "100×80"), timeout=20_000)
    written = Path(window.controller.case.appliances[0].screenshot)
    newer = written.read_bytes()
    (kept,) = (written.parent / REPLACED_FOLDER).iterdir()
    chain = make_chain([HOST])
    kept.write_bytes(key_pem(chain.leaf_key))  # the copy aside was swapped meanwhile

    find_action(window, "Edit", "Undo").trigger()
    qtbot.waitUntil(lambda: "cannot be put back" in status.text(), timeout=20_000)
    assert "private key" in status.text()
    assert written.read_bytes() == newer  # nothing was written


def test_a_file_not_yet_judged_is_not_brought_back(qtbot, tmp_path):
    # Removed before the guard's verdict came in: it may hold a key, so Undo never puts
    # it back (a judged certificate still comes back, as above).
    from bundleguard.case.store import CaseStore
    from bundleguard.gui.controller import CaseController

    chain = make_chain(["support.example.com"])
    keyed = tmp_path / "unjudged.pem"
    keyed.write_bytes(pem(chain.leaf) + key_pem(chain.leaf_key))
    controller = CaseController(CaseStore(tmp_path / "data"), load_anchors=False)
    try:
        controller.update(files=(str(keyed),))  # in the case, never judged yet
        controller.remove_files([str(keyed)])
        assert controller.case.files == ()
        controller.undo_stack.undo()
        assert controller.case.files == ()
        assert not controller.undo_stack.canUndo()
    finally:
        controller.shutdown()
