"""The window and its case file: what it writes it can read back, a failed save is said at
once and loses nothing, files beside a case stay in its folder, one window writes a case,
a case changed by another program is never overwritten unasked, a start never dies."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QWidget

from bundleguard.case.model import MAX_FILES, Case
from bundleguard.case.steps import Step
from bundleguard.case.store import CaseStore, save_case
from bundleguard.guard.scan import MAX_FOLDER_DEPTH
from bundleguard.gui.controller import CaseController
from bundleguard.gui.window import MainWindow
from bundleguard.probe.fake import FakePKI
from tests.gui.conftest import find_by_name
from tests.gui.test_window import drop, rows, wait_rows


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BUNDLEGUARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


@pytest.fixture
def cert_pem() -> bytes:
    return FakePKI("Case File").issue(["support.example.com"]).leaf.public_bytes(Encoding.PEM)


def lock_path(case_file: Path) -> Path:
    """The lock a window holds beside the case it writes."""
    return case_file.with_name(f".{case_file.name}.lock")


def open_window(qtbot) -> MainWindow:
    window = MainWindow(CaseController(CaseStore(), load_anchors=False))
    qtbot.addWidget(window)
    window.show()
    return window


def question(qtbot, name: str) -> QMessageBox:
    """The question the window asks (found by its accessible name), once it is shown."""
    found: list[QWidget] = []

    def asked() -> bool:
        found[:] = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.isVisible() and w.accessibleName() == name
        ]
        return len(found) == 1

    qtbot.waitUntil(asked, timeout=10000)
    return found[0]  # type: ignore[return-value]


def answer(qtbot, name: str, choice: str) -> str:
    """Click `choice` (an accessible name) in the question `name`; the question's words."""
    box = question(qtbot, name)
    text = box.text()
    find_by_name(box, choice).click()
    return text


def notice(window: MainWindow) -> str:
    label = find_by_name(window, "Case notice")
    return label.text() if label.isVisibleTo(window) else ""


def finish(window: MainWindow) -> None:
    window.certificates_page.cancel_scan()
    window.controller.shutdown()


# ------------------------------------------------------------------ adding files
def test_files_past_the_most_a_case_holds_are_refused_when_added(qtbot, home):
    folder = home / "many"
    folder.mkdir()
    for number in range(MAX_FILES + 3):
        (folder / f"note-{number:04d}.txt").write_text(f"note {number}\n")
    window = open_window(qtbot)
    drop(window, [folder])
    qtbot.waitUntil(lambda: len(window.controller.case.files) == MAX_FILES, timeout=120000)
    qtbot.waitUntil(lambda: find_by_name(window, "Not added").isVisibleTo(window), timeout=20000)
    said = find_by_name(window, "Not added").text()
    assert "note-1000.txt" in said and f"at most {MAX_FILES:,} files" in said
    # What the window saved, the next start reads back whole.
    path = window.controller.path
    finish(window)
    window.close()
    again = open_window(qtbot)
    assert again.controller.path == path
    assert len(again.controller.case.files) == MAX_FILES
    assert notice(again) == ""
    finish(again)


def test_a_file_that_would_overflow_a_full_case_is_refused_with_the_reason(qtbot, home, cert_pem):
    window = open_window(qtbot)
    window.controller.update(files=tuple(str(home / f"gone-{n}.pem") for n in range(MAX_FILES)))
    one = home / "one-more.pem"
    one.write_bytes(cert_pem)
    qtbot.waitUntil(lambda: window.certificates_page._scan_task is None, timeout=60000)
    window.add_paths([one])
    qtbot.waitUntil(lambda: find_by_name(window, "Not added").isVisibleTo(window), timeout=20000)
    assert "one-more.pem" in find_by_name(window, "Not added").text()
    assert str(one) not in window.controller.case.files
    assert len(window.controller.case.files) == MAX_FILES
    finish(window)


def test_a_latin1_file_name_is_added_saved_and_read_back(qtbot, home, cert_pem):
    if os.name != "posix" or os.uname().sysname == "Darwin":
        pytest.skip("only Linux-like systems keep file names as arbitrary bytes")
    folder = home / "input"
    folder.mkdir()
    raw = os.fsencode(folder) + b"/caf\xe9.pem"
    with open(raw, "wb") as handle:
        handle.write(cert_pem)
    name = os.fsdecode(raw)
    window = open_window(qtbot)
    window.add_paths([Path(name)])
    wait_rows(qtbot, window, 1)
    assert window.controller.case.files == (name,)
    assert notice(window) == ""  # saved
    path = window.controller.path
    finish(window)
    window.close()
    again = open_window(qtbot)
    assert again.controller.path == path
    assert again.controller.case.files == (name,)
    finish(again)


def add_by(how: str, qtbot, paths: list[Path], monkeypatch) -> MainWindow:
    """Give `paths` to a new window the way a user does: `how` is the entry point."""
    from PySide6.QtCore import QMimeData, QUrl
    from PySide6.QtGui import QGuiApplication

    if how == "command line":
        from bundleguard.gui import app as gui_app

        _controller, window = gui_app.create_window([str(p) for p in paths])
        qtbot.addWidget(window)
        window.show()
        return window
    window = open_window(qtbot)
    if how == "drop":
        assert drop(window, paths)
    elif how == "paste":
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
        QGuiApplication.clipboard().setMimeData(mime)
        window.paste()
    elif how == "Add folder":
        folders = iter(str(p) for p in paths)
        monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: next(folders))
        window.show_step(Step.CERTIFICATES)
        for _ in paths:  # one folder per choice, as the dialog gives
            find_by_name(window, "Add folder").click()
            qtbot.waitUntil(lambda: window.certificates_page._scan_task is None, timeout=20000)
    return window


@pytest.mark.parametrize("how", ["drop", "paste", "Add folder", "command line"])
def test_an_added_folder_keeps_its_good_files_and_says_what_it_left_out(
    qtbot, home, cert_pem, how, monkeypatch
):
    outside = home / "elsewhere"
    outside.mkdir()
    (outside / "secret.pem").write_bytes(cert_pem)
    folder = home / "drop"
    folder.mkdir()
    (folder / "good.pem").write_bytes(cert_pem)
    (folder / "out.pem").symlink_to(outside / "secret.pem")
    deep = folder
    for level in range(MAX_FOLDER_DEPTH + 3):
        deep = deep / f"d{level}"
    deep.mkdir(parents=True)
    (deep / "buried.pem").write_bytes(cert_pem)

    window = add_by(how, qtbot, [folder], monkeypatch)
    wait_rows(qtbot, window, 1)
    assert rows(window) == ["good.pem — accepted (certificate)"]
    said = find_by_name(window, "Not added").text()
    assert "out.pem: a link that points outside the folder" in said
    assert f"more than {MAX_FOLDER_DEPTH} levels deep" in said
    files = window.controller.case.files
    assert not any("out.pem" in f or "buried.pem" in f for f in files)
    qtbot.keyClicks(find_by_name(window, "Site hostname"), "a.example.com")
    assert find_by_name(window, "Not added").isVisibleTo(window)  # said until the next add
    window.new_case()
    assert not find_by_name(window, "Not added").isVisibleTo(window)  # not of this case
    finish(window)


def test_a_drop_of_a_folder_and_a_file_adds_both(qtbot, home, cert_pem, monkeypatch):
    folder = home / "drop"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "good.pem").write_bytes(cert_pem)
    (folder / "loop").symlink_to(folder, target_is_directory=True)
    loose = home / "loose.pem"
    loose.write_bytes(cert_pem)
    window = add_by("drop", qtbot, [folder, loose], monkeypatch)
    wait_rows(qtbot, window, 2)
    assert sorted(rows(window)) == [
        "good.pem — accepted (certificate)",
        "loose.pem — accepted (certificate)",
    ]
    finish(window)


# ------------------------------------------------------------------ a save that fails
def break_the_case_folder(case_file: Path) -> None:
    """The case's folder goes away and a file takes its name: every save now fails (a
    real failure, as root too, whom permissions do not stop)."""
    import shutil

    shutil.rmtree(case_file.parent)
    case_file.parent.write_bytes(b"not a folder")


def test_a_failed_autosave_is_said_at_once_and_the_work_is_saved_elsewhere(
    qtbot, home, monkeypatch
):
    window = open_window(qtbot)
    qtbot.keyClicks(find_by_name(window, "Site hostname"), "kept.example.com")
    case_file = window.controller.path
    assert json.loads(case_file.read_text())["site"] == "kept.example.com"
    break_the_case_folder(case_file)
    qtbot.keyClicks(find_by_name(window, "Site hostname"), "x")
    said = notice(window)
    assert said.startswith("Your changes are not saved:") and "Cannot write" in said
    assert find_by_name(window, "Save case as").isVisibleTo(window)
    qtbot.keyClicks(find_by_name(window, "Incident number"), "12345")
    qtbot.wait(200)
    assert notice(window) == said  # it stays
    assert window.controller.case.site == "kept.example.comx"  # kept in memory

    target = home / "rescued.bgcase"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    find_by_name(window, "Save case as").click()
    saved = json.loads(target.read_text())
    assert saved["site"] == "kept.example.comx" and saved["incident"] == "12345"
    assert notice(window) == ""
    assert window.controller.path == target
    finish(window)


def test_a_full_disk_is_said_in_words(qtbot, home, monkeypatch):
    import errno

    from bundleguard import files

    window = open_window(qtbot)
    qtbot.keyClicks(find_by_name(window, "Site hostname"), "a.example.com")

    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full)
    qtbot.keyClicks(find_by_name(window, "Site hostname"), "b")
    assert "the disk is full" in notice(window)
    monkeypatch.undo()
    finish(window)


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0,
    reason="folder permissions are POSIX modes, and root writes whatever the mode says",
)
def test_a_read_only_folder_is_said_in_words(qtbot, home):
    window = open_window(qtbot)
    qtbot.keyClicks(find_by_name(window, "Site hostname"), "a.example.com")
    folder = window.controller.path.parent
    folder.chmod(0o500)
    try:
        qtbot.keyClicks(find_by_name(window, "Site hostname"), "b")
        assert "read-only or you may not write there" in notice(window)
    finally:
        folder.chmod(0o700)
    qtbot.keyClicks(find_by_name(window, "Site hostname"), "c")  # writable again: saved
    assert notice(window) == ""
    assert json.loads(window.controller.path.read_text())["site"] == "a.example.combc"
    finish(window)


def test_closing_with_unsaved_work_asks_first(qtbot, home):
    window = open_window(qtbot)
    qtbot.keyClicks(find_by_name(window, "Site hostname"), "a.example.com")
    break_the_case_folder(window.controller.path)
    qtbot.keyClicks(find_by_name(window, "Site hostname"), "b")
    assert window.controller.unsaved

    window.close()
    assert "not saved" in answer(qtbot, "Unsaved changes", "Cancel")
    assert window.isVisible()
    window.close()
    answer(qtbot, "Unsaved changes", "Close without saving")
    qtbot.waitUntil(lambda: not window.isVisible())
    finish(window)


def test_a_name_a_case_cannot_hold_is_refused_when_added_and_said_when_saved(qtbot, home):
    # Two halves of a UTF-16 pair, apart (a Windows name cut in the middle): a case file
    # cannot keep them (they would read back as one other character).
    odd = str(home / "half\ud83d\ude00.pem")
    window = open_window(qtbot)
    added = window.controller.add_files([odd])
    assert not added.added and "cannot be saved" in added.refused[0][1]
    assert window.controller.case.files == ()
    # A case that holds one anyway (never through adding) cannot be saved: said at once.
    window.controller.update(site="a.example.com", files=(odd,))
    assert notice(window).startswith("Your changes are not saved:")
    assert window.controller.case.site == "a.example.com"
    finish(window)


def menu_action(window: MainWindow, text: str):
    menu = window.menuBar().actions()[0].menu()
    return next(a for a in menu.actions() if a.text() == text)


def test_a_new_case_or_another_case_never_drops_unsaved_work_unasked(qtbot, home, monkeypatch):
    window = open_window(qtbot)
    qtbot.keyClicks(find_by_name(window, "Site hostname"), "a.example.com")
    first = window.controller.path
    break_the_case_folder(first)
    qtbot.keyClicks(find_by_name(window, "Site hostname"), "b")

    menu_action(window, "&New case").trigger()
    assert "not saved" in answer(qtbot, "Unsaved changes", "Cancel")
    assert window.controller.path == first
    assert find_by_name(window, "Site hostname").text() == "a.example.comb"

    other = home / "other.bgcase"
    save_case(Case(site="other.example.com"), other)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(other), ""))
    rescued = home / "rescued.bgcase"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(rescued), ""))
    menu_action(window, "&Open case…").trigger()
    answer(qtbot, "Unsaved changes", "Save case as")
    qtbot.waitUntil(lambda: window.controller.path == other)
    assert json.loads(rescued.read_text())["site"] == "a.example.comb"
    assert find_by_name(window, "Site hostname").text() == "other.example.com"
    finish(window)


# ------------------------------------------------------------------ files beside a case
def test_pasted_text_never_goes_through_a_link_out_of_the_case_folder(qtbot, home, cert_pem):
    from PySide6.QtGui import QGuiApplication

    window = open_window(qtbot)
    window.controller.update(site="a.example.com")
    folder = window.controller.files_dir
    folder.rmdir()
    outside = home / "outside"
    outside.mkdir()
    folder.symlink_to(outside, target_is_directory=True)
    QGuiApplication.clipboard().setText(cert_pem.decode())
    window.paste()
    problem = window.certificates_page.problem
    qtbot.waitUntil(lambda: problem.isVisibleTo(window), timeout=10000)
    assert "not saved" in problem.text() and "leads out of the case's folder" in problem.text()
    assert list(outside.iterdir()) == []
    finish(window)


def test_extracted_certificates_never_go_through_a_link(tmp_path, cert_pem):
    from bundleguard.case.store import OutsideCaseFolderError, write_case_file

    case_folder = tmp_path / "cases"
    outside = tmp_path / "outside"
    outside.mkdir()
    files = case_folder / "case-1"
    files.mkdir(parents=True)
    (files / "01-leaf.crt").symlink_to(outside / "stolen.crt")
    with pytest.raises(OutsideCaseFolderError, match="leads out of the case's folder"):
        write_case_file(files, "01-leaf.crt", cert_pem, force=True)
    assert list(outside.iterdir()) == []
    assert write_case_file(files, "02-root.crt", cert_pem).read_bytes() == cert_pem
    with pytest.raises(OutsideCaseFolderError, match="not a plain file name"):
        write_case_file(files, "../escape.crt", cert_pem)


@pytest.mark.parametrize("pinned", [True, False], ids=["O_NOFOLLOW", "resolved paths only"])
def test_a_folder_swapped_for_a_link_while_writing_keeps_nothing_outside(
    tmp_path, cert_pem, monkeypatch, pinned
):
    from bundleguard.case import store

    if not pinned:  # as on Windows: no O_NOFOLLOW, the resolved paths are compared
        monkeypatch.delattr(store.os, "O_NOFOLLOW", raising=False)
    files = tmp_path / "cases" / "case-1"
    files.mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    real_write = store.write_file_atomic

    def swapped_meanwhile(path, data, *, force=False):
        files.rename(tmp_path / "cases" / "moved")
        files.symlink_to(outside, target_is_directory=True)
        return real_write(path, data, force=force)

    monkeypatch.setattr(store, "write_file_atomic", swapped_meanwhile)
    with pytest.raises(store.OutsideCaseFolderError):
        store.write_case_file(files, "pasted-1.pem", cert_pem)
    assert list(outside.iterdir()) == []


def test_extraction_into_a_linked_folder_is_refused(tmp_path):
    from bundleguard.case.store import OutsideCaseFolderError
    from bundleguard.gui.certificates_page import extract_to

    served = FakePKI("Linked").issue(["support.example.com"])
    source = tmp_path / "chain.pem"
    source.write_bytes(b"".join(c.public_bytes(Encoding.PEM) for c in served.chain))
    outside = tmp_path / "outside"
    outside.mkdir()
    folder = tmp_path / "cases" / "case-1"
    folder.parent.mkdir()
    folder.symlink_to(outside, target_is_directory=True)
    with pytest.raises(OutsideCaseFolderError):
        extract_to(source, None, folder, None)
    assert list(outside.iterdir()) == []


# ------------------------------------------------------------------ two windows, one case
def test_a_second_window_on_the_same_case_opens_it_read_only(qtbot, home, cert_pem):
    first = open_window(qtbot)
    qtbot.keyClicks(find_by_name(first, "Site hostname"), "first.example.com")
    case_file = first.controller.path
    assert lock_path(case_file).exists()

    second = open_window(qtbot)
    said = answer(qtbot, "Case open elsewhere", "Open read-only")
    assert "open in another bundleguard window" in said
    assert second.controller.path == case_file
    assert "read-only" in notice(second) and "(read-only)" in second.windowTitle()
    before = case_file.read_bytes()
    qtbot.keyClicks(find_by_name(second, "Site hostname"), "-second")
    from PySide6.QtGui import QGuiApplication

    QGuiApplication.clipboard().setText(cert_pem.decode())
    second.paste()  # pasted text is a file the app writes: never beside that case
    wait_rows(qtbot, second, 1)
    assert case_file.read_bytes() == before  # nothing written by the read-only window
    assert not list(case_file.with_suffix("").glob("*"))  # nor beside it

    # Its work can still be kept, as another case.
    second.close()
    answer(qtbot, "Unsaved changes", "Close without saving")
    qtbot.waitUntil(lambda: not second.isVisible())
    finish(second)
    qtbot.keyClicks(find_by_name(first, "Site hostname"), "!")
    assert json.loads(case_file.read_text())["site"] == "first.example.com!"
    finish(first)


def test_a_second_window_may_start_another_case_instead(qtbot, home):
    first = open_window(qtbot)
    qtbot.keyClicks(find_by_name(first, "Site hostname"), "first.example.com")
    second = open_window(qtbot)
    answer(qtbot, "Case open elsewhere", "Cancel")
    qtbot.waitUntil(lambda: second.controller.path != first.controller.path)
    assert not second.controller.read_only
    assert find_by_name(second, "Site hostname").text() == ""
    finish(second)
    finish(first)


def test_a_second_window_may_open_another_case_at_start(qtbot, home, monkeypatch):
    other = home / "other.bgcase"
    save_case(Case(site="other.example.com"), other)
    first = open_window(qtbot)
    qtbot.keyClicks(find_by_name(first, "Site hostname"), "first.example.com")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(other), ""))
    second = open_window(qtbot)
    answer(qtbot, "Case open elsewhere", "Open another case")
    qtbot.waitUntil(lambda: second.controller.path == other)
    assert not second.controller.read_only and notice(second) == ""
    assert second.windowTitle().startswith("other.example.com")
    qtbot.keyClicks(find_by_name(second, "Site hostname"), "x")
    assert json.loads(other.read_text())["site"] == "other.example.comx"
    assert json.loads(first.controller.path.read_text())["site"] == "first.example.com"
    finish(second)
    finish(first)


def test_opening_a_case_another_window_has_offers_read_only(qtbot, home, monkeypatch):
    first = open_window(qtbot)
    qtbot.keyClicks(find_by_name(first, "Site hostname"), "first.example.com")
    second = open_window(qtbot)
    answer(qtbot, "Case open elsewhere", "Cancel")
    qtbot.waitUntil(lambda: second.controller.path != first.controller.path)
    mine = second.controller.path
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", lambda *a, **k: (str(first.controller.path), "")
    )
    second.open_case_dialog()
    answer(qtbot, "Case open elsewhere", "Cancel")
    assert second.controller.path == mine
    second.open_case_dialog()
    answer(qtbot, "Case open elsewhere", "Open read-only")
    qtbot.waitUntil(lambda: second.controller.path == first.controller.path)
    assert second.controller.read_only
    assert find_by_name(second, "Site hostname").text() == "first.example.com"
    finish(second)
    finish(first)


def test_a_lock_left_by_a_process_that_is_gone_is_taken_over(qtbot, home):
    case_file = home / "left.bgcase"
    save_case(Case(site="left.example.com"), case_file)
    CaseStore().remember(case_file)
    # What a crashed bundleguard leaves: its lock, naming a process that no longer runs.
    import socket

    lock_path(case_file).write_text(f"999999999\npython\n{socket.gethostname()}\n")
    window = open_window(qtbot)
    qtbot.wait(100)
    assert window.controller.path == case_file and not window.controller.read_only
    qtbot.keyClicks(find_by_name(window, "Site hostname"), "x")
    assert json.loads(case_file.read_text())["site"] == "left.example.comx"
    finish(window)


# ------------------------------------------------------------------ changed on disk
def changed_by_another_program(case_file: Path, site: str) -> None:
    data = json.loads(case_file.read_text())
    data["site"] = site
    case_file.write_text(json.dumps(data, indent=2))


def test_a_case_changed_on_disk_is_not_overwritten_unasked_reload(qtbot, home):
    window = open_window(qtbot)
    qtbot.keyClicks(find_by_name(window, "Site hostname"), "mine.example.com")
    case_file = window.controller.path
    changed_by_another_program(case_file, "theirs.example.com")
    qtbot.keyClicks(find_by_name(window, "Incident number"), "7")
    said = answer(qtbot, "Case changed", "Reload it")
    assert "changed by another program" in said
    assert find_by_name(window, "Site hostname").text() == "theirs.example.com"
    assert json.loads(case_file.read_text())["site"] == "theirs.example.com"
    qtbot.keyClicks(find_by_name(window, "Incident number"), "8")  # saved again as usual
    assert json.loads(case_file.read_text())["incident"] == "8"
    finish(window)


def test_a_case_changed_on_disk_overwritten_when_asked(qtbot, home):
    window = open_window(qtbot)
    qtbot.keyClicks(find_by_name(window, "Site hostname"), "mine.example.com")
    case_file = window.controller.path
    changed_by_another_program(case_file, "theirs.example.com")
    qtbot.keyClicks(find_by_name(window, "Site hostname"), "x")
    assert json.loads(case_file.read_text())["site"] == "theirs.example.com"
    assert "changed by another program" in notice(window)
    answer(qtbot, "Case changed", "Overwrite")
    assert json.loads(case_file.read_text())["site"] == "mine.example.comx"
    assert notice(window) == ""
    finish(window)


def test_a_case_changed_on_disk_mine_saved_elsewhere(qtbot, home, monkeypatch):
    window = open_window(qtbot)
    qtbot.keyClicks(find_by_name(window, "Site hostname"), "mine.example.com")
    case_file = window.controller.path
    changed_by_another_program(case_file, "theirs.example.com")
    target = home / "mine.bgcase"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    qtbot.keyClicks(find_by_name(window, "Site hostname"), "x")
    answer(qtbot, "Case changed", "Save mine as")
    assert json.loads(target.read_text())["site"] == "mine.example.comx"
    assert json.loads(case_file.read_text())["site"] == "theirs.example.com"
    assert window.controller.path == target
    finish(window)


def test_a_case_only_touched_on_disk_is_saved_without_a_question(qtbot, home):
    window = open_window(qtbot)
    qtbot.keyClicks(find_by_name(window, "Site hostname"), "mine.example.com")
    case_file = window.controller.path
    os.utime(case_file, (1, 1))
    qtbot.keyClicks(find_by_name(window, "Site hostname"), "x")
    assert json.loads(case_file.read_text())["site"] == "mine.example.comx"
    assert window.controller.conflict is False
    finish(window)


def test_two_windows_in_turn_each_see_the_others_saves(qtbot, home):
    # One window at a time: the second loads what the first saved and changes it.
    first = open_window(qtbot)
    qtbot.keyClicks(find_by_name(first, "Site hostname"), "one.example.com")
    case_file = first.controller.path
    first.close()
    finish(first)
    second = open_window(qtbot)
    assert second.controller.path == case_file and not second.controller.read_only
    qtbot.keyClicks(find_by_name(second, "Site hostname"), "x")
    assert json.loads(case_file.read_text())["site"] == "one.example.comx"
    finish(second)


# ------------------------------------------------------------------ a start never dies
def test_a_case_that_cannot_be_opened_at_start_is_set_aside(qtbot, home, monkeypatch):
    damaged = home / "damaged.bgcase"
    damaged.write_text('{"format": "bundleguard-case", "version": 1, "site": ' + "9" * 5000 + "}")
    before = damaged.read_bytes()
    CaseStore().remember(damaged)
    window = open_window(qtbot)
    assert window.controller.path != damaged
    assert "cannot be opened" in notice(window) or "could not be opened" in notice(window)
    assert damaged.read_bytes() == before
    finish(window)


def test_a_start_survives_whatever_opening_the_last_case_raises(qtbot, home, monkeypatch):
    def broken(self):
        raise RecursionError("deep")

    monkeypatch.setattr(CaseStore, "open_last", broken)
    window = open_window(qtbot)
    assert "could not be opened" in notice(window)
    qtbot.keyClicks(find_by_name(window, "Site hostname"), "new.example.com")
    assert json.loads(window.controller.path.read_text())["site"] == "new.example.com"
    assert notice(window) == ""  # the new case is saved: the start's message has done its job
    finish(window)
