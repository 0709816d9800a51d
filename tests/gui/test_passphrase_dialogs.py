"""Every passphrase dialog of the window is wide enough for its title and has a "Show
passphrase" toggle (starts hidden); and the passphrase typed to check the export is not
asked for again by Re-wrap while the window holds it (in memory only: forgotten when
another export is opened, when the case changes, and when a held one no longer opens it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QStyle

import bundleguard.gui as gui_package
from bundleguard.case.model import ApplianceEntry, Role
from bundleguard.case.store import CaseStore
from bundleguard.gui.controller import CaseController
from bundleguard.gui.passphrase import PassphraseDialog
from bundleguard.gui.replicate import export as export_module
from bundleguard.gui.replicate_page import ReplicatePage
from bundleguard.gui.rewrap_dialog import RewrapDialog
from tests.certs import pki
from tests.gui.conftest import find_by_name, top_level_by_name
from tests.gui.dnd import drop_files

PASS = "Zq7-export-check-passphrase-41x"
OTHER = "Zq7-the-other-export-passphrase-58y"
NEW = "kT9#vQ2!mZ7$pL4w-lantern"
WINDOWS_CAPTION = 3 * 46 + 32
TITLE_BAR_HEIGHT = QStyle.PixelMetric.PM_TitleBarHeight


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BUNDLEGUARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


def write_export(path: Path, passphrase: str) -> Path:
    path.write_bytes(pki.make_pkcs12(pki.make_chain(["site.example"]), passphrase.encode()))
    return path


# ------------------------------------------------------------------ every passphrase dialog


def passphrase_dialogs(source: Path, pool: QThreadPool):
    """One of each passphrase dialog the window opens, as it opens them."""
    return [
        PassphraseDialog("exported.p12", purpose="to check it", action="Check"),
        PassphraseDialog("site.pfx", problem="The passphrase is wrong. Try again."),
        RewrapDialog(source, pool=pool),
    ]


def test_every_module_with_a_masked_field_is_one_of_these_dialogs():
    masked = {
        path.relative_to(Path(gui_package.__file__).parent).as_posix()
        for path in Path(gui_package.__file__).parent.rglob("*.py")
        if "EchoMode.Password" in path.read_text(encoding="utf-8")
    }
    assert masked == {"passphrase.py", "rewrap_dialog.py"}


def test_each_passphrase_dialog_is_wide_enough_for_its_title(qtbot, home):
    pool = QThreadPool()
    source = write_export(home / "exported.p12", PASS)
    for dialog in passphrase_dialogs(source, pool):
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        title = dialog.windowTitle()
        assert title
        metrics = QFontMetrics(QApplication.font("QMdiSubWindowTitleBar"))
        # The title, and beside it the window's icon and its three buttons (on Windows:
        # three 46 px caption buttons and a 16 px icon with its margins).
        beside = max(WINDOWS_CAPTION, 4 * dialog.style().pixelMetric(TITLE_BAR_HEIGHT))
        assert dialog.width() >= metrics.horizontalAdvance(title) + beside, title
        assert dialog.width() >= QFontMetrics(dialog.font()).horizontalAdvance(title) + beside
        dialog.reject()
    pool.waitForDone(10_000)


def test_show_passphrase_toggles_every_masked_field_and_starts_hidden(qtbot, home):
    pool = QThreadPool()
    source = write_export(home / "exported.p12", PASS)
    for dialog in passphrase_dialogs(source, pool):
        qtbot.addWidget(dialog)
        dialog.show()
        fields = [f for f in dialog.findChildren(QLineEdit) if "assphrase" in f.accessibleName()]
        assert fields
        toggle = find_by_name(dialog, "Show passphrase")
        assert not toggle.isChecked()
        assert all(f.echoMode() == QLineEdit.EchoMode.Password for f in fields)
        toggle.click()
        assert all(f.echoMode() == QLineEdit.EchoMode.Normal for f in fields)
        toggle.click()
        assert all(f.echoMode() == QLineEdit.EchoMode.Password for f in fields)
        toggle.click()
        dialog.reject()  # closed shown: masked again for the next time
        assert not toggle.isChecked()
        assert all(f.echoMode() == QLineEdit.EchoMode.Password for f in fields)
    pool.waitForDone(10_000)


def test_a_shown_passphrase_is_never_copied_cut_or_dragged_out(qtbot, home):
    # "Show passphrase" shows the characters; the keys and menu that copy, cut or drag
    # text still put nothing on the clipboard (whose history a desktop may keep or sync).
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtTest import QTest

    pool = QThreadPool()
    source = write_export(home / "exported.p12", PASS)
    for dialog in passphrase_dialogs(source, pool):
        qtbot.addWidget(dialog)
        dialog.show()
        find_by_name(dialog, "Show passphrase").click()
        for field in [
            f for f in dialog.findChildren(QLineEdit) if "assphrase" in f.accessibleName()
        ]:
            QGuiApplication.clipboard().setText("before")
            field.setFocus()
            field.setText(PASS)
            field.selectAll()
            for key in (Qt.Key.Key_C, Qt.Key.Key_X, Qt.Key.Key_Insert):
                QTest.keyClick(field, key, Qt.KeyboardModifier.ControlModifier)
            QTest.keyClick(field, Qt.Key.Key_Delete, Qt.KeyboardModifier.ShiftModifier)
            assert QGuiApplication.clipboard().text() == "before", field.accessibleName()
            assert field.text() == PASS  # nothing was cut either
            assert field.contextMenuPolicy() == Qt.ContextMenuPolicy.NoContextMenu
            assert not field.dragEnabled()
        dialog.reject()
    pool.waitForDone(10_000)


def test_a_shown_passphrase_is_never_selected_so_never_the_x11_primary_selection(qtbot, home):
    # On X11 selected text is a clipboard of its own (a middle click pastes it): shown,
    # a passphrase is never selected, by keys or all at once; masked, it may be.
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    pool = QThreadPool()
    source = write_export(home / "exported.p12", PASS)
    for dialog in passphrase_dialogs(source, pool):
        qtbot.addWidget(dialog)
        dialog.show()
        fields = [f for f in dialog.findChildren(QLineEdit) if "assphrase" in f.accessibleName()]
        for field in fields:
            field.setText(PASS)
            field.selectAll()
            assert field.hasSelectedText()  # masked: selecting is harmless
        find_by_name(dialog, "Show passphrase").click()
        for field in fields:
            assert not field.hasSelectedText()  # what was selected masked is let go
            field.setFocus()
            field.selectAll()
            QTest.keyClick(field, Qt.Key.Key_Home, Qt.KeyboardModifier.ShiftModifier)
            QTest.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
            assert not field.hasSelectedText() and field.selectedText() == ""
            assert field.text() == PASS
        dialog.reject()
    pool.waitForDone(10_000)


# ------------------------------------------------------------------ the export's passphrase


class Asked:
    """Counts the passphrase dialogs the Replicate step opens."""

    def __init__(self, monkeypatch) -> None:
        self.count = 0
        counter = self

        class Counted(PassphraseDialog):
            def open(self) -> None:
                counter.count += 1
                super().open()

        monkeypatch.setattr(export_module, "PassphraseDialog", Counted)


@pytest.fixture
def page(qtbot, home):
    controller = CaseController(CaseStore(), load_anchors=False)
    controller.update(
        site="site.example",
        appliances=(
            ApplianceEntry("primary.example", Role.PRIMARY),
            ApplianceEntry("backup.example", Role.BACKUP),
        ),
    )
    shown = ReplicatePage(controller)
    qtbot.addWidget(shown)
    shown.resize(1000, 900)
    shown.show()
    yield shown
    controller.shutdown()


def check_export(qtbot, page, path: Path, passphrase: str) -> None:
    """Drop the export on the page and answer its passphrase dialog."""
    assert drop_files(find_by_name(page, "Exported PKCS#12").viewport(), [path])
    qtbot.waitUntil(lambda: top_level_by_name("Passphrase") is not None, timeout=20_000)
    dialog = top_level_by_name("Passphrase")
    field = [f for f in dialog.findChildren(QLineEdit) if f.accessibleName() == "Passphrase"]
    qtbot.keyClicks(field[0], passphrase)
    find_by_name(dialog, "Check").click()
    qtbot.waitUntil(
        lambda: find_by_name(page, "Exported PKCS#12 file").text().startswith(f"{path.name}: "),
        timeout=20_000,
    )


def open_rewrap(qtbot, page) -> RewrapDialog:
    find_by_name(page, "Re-wrap").click()
    qtbot.waitUntil(lambda: top_level_by_name("Re-wrap PKCS#12") is not None, timeout=5_000)
    return top_level_by_name("Re-wrap PKCS#12")


def asks_current(dialog: RewrapDialog) -> bool:
    current = find_by_name(dialog, "Current passphrase").isVisibleTo(dialog)
    held = find_by_name(dialog, "Current passphrase held").isVisibleTo(dialog)
    assert current != held
    return current


def write(qtbot, dialog: RewrapDialog, current: str = "") -> str:
    if current:
        qtbot.keyClicks(find_by_name(dialog, "Current passphrase"), current)
    qtbot.keyClicks(find_by_name(dialog, "New passphrase"), NEW)
    qtbot.keyClicks(find_by_name(dialog, "New passphrase again"), NEW)
    with qtbot.waitSignal(dialog.written, timeout=20_000) as signal:
        find_by_name(dialog, "Write re-wrapped file").click()
    return signal.args[0]


def test_rewrap_uses_the_passphrase_typed_to_check_the_export(qtbot, page, home, monkeypatch):
    asked = Asked(monkeypatch)
    exported = write_export(home / "exported.p12", PASS)
    check_export(qtbot, page, exported, PASS)
    assert asked.count == 1

    dialog = open_rewrap(qtbot, page)
    assert not asks_current(dialog)
    note = find_by_name(dialog, "Current passphrase held")
    assert isinstance(note, QLabel) and "the one you typed to check the export" in note.text()
    written = Path(write(qtbot, dialog))
    assert asked.count == 1  # not asked again
    assert written.is_file()
    # Held in memory only: never in the case file or anywhere under the test's folder.
    assert [p for p in home.rglob("*") if p.is_file() and PASS.encode() in p.read_bytes()] == []
    rewrap = page.export.rewrap
    assert PASS not in repr(vars(rewrap)) and PASS not in str(rewrap.held)

    # A second re-wrap of the same export does not ask either.
    second = open_rewrap(qtbot, page)
    assert not asks_current(second)
    second.reject()


def test_another_export_replaces_the_passphrase_held(qtbot, page, home, monkeypatch):
    asked = Asked(monkeypatch)
    first = write_export(home / "first.p12", PASS)
    check_export(qtbot, page, first, PASS)
    other = write_export(home / "other.p12", OTHER)
    check_export(qtbot, page, other, OTHER)
    assert asked.count == 2
    dialog = open_rewrap(qtbot, page)
    assert not asks_current(dialog)
    written = Path(write(qtbot, dialog))
    assert written.parent == home and written.name.startswith("other-")


def test_the_passphrase_is_forgotten_when_the_export_file_changes(qtbot, page, home, monkeypatch):
    asked = Asked(monkeypatch)
    exported = write_export(home / "exported.p12", PASS)
    check_export(qtbot, page, exported, PASS)
    # Another file is dropped, and its passphrase dialog cancelled: the export's passphrase
    # is not held any more (another file was asked for).
    other = write_export(home / "other.p12", OTHER)
    assert drop_files(find_by_name(page, "Exported PKCS#12").viewport(), [other])
    qtbot.waitUntil(lambda: asked.count == 2, timeout=20_000)
    top_level_by_name("Passphrase").reject()
    dialog = open_rewrap(qtbot, page)
    assert asks_current(dialog)
    assert Path(write(qtbot, dialog, current=PASS)).is_file()


def test_a_held_passphrase_that_no_longer_opens_the_file_is_asked_for(
    qtbot, page, home, monkeypatch
):
    exported = write_export(home / "exported.p12", PASS)
    check_export(qtbot, page, exported, PASS)
    write_export(exported, OTHER)  # exported again on the appliance, under another passphrase
    dialog = open_rewrap(qtbot, page)
    assert not asks_current(dialog)
    qtbot.keyClicks(find_by_name(dialog, "New passphrase"), NEW)
    qtbot.keyClicks(find_by_name(dialog, "New passphrase again"), NEW)
    find_by_name(dialog, "Write re-wrapped file").click()
    result = find_by_name(dialog, "Re-wrap result")
    qtbot.waitUntil(lambda: result.isVisible() and not dialog.busy, timeout=20_000)
    assert result.text().startswith("The passphrase that checked the export does not open")
    assert asks_current(dialog)
    assert Path(write(qtbot, dialog, current=OTHER)).is_file()
    held = page.export.rewrap.held
    assert held is None or held.take() is None  # forgotten by the step too
    again = open_rewrap(qtbot, page)
    assert asks_current(again)
    again.reject()


def test_the_passphrase_is_forgotten_when_another_case_is_started(qtbot, page, home):
    exported = write_export(home / "exported.p12", PASS)
    check_export(qtbot, page, exported, PASS)
    rewrap = page.export.rewrap
    held = rewrap.held
    assert held is not None and held.take() == PASS.encode()
    page.controller.new()
    qtbot.waitUntil(lambda: rewrap.held is None, timeout=5_000)
    assert held.take() is None  # dropped, not only let go
