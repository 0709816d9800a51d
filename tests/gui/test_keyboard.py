"""The window with the keyboard: Back and Next, where focus starts, Tab out of tables, the
framed cell, Delete, the Edit menu, Ctrl+Z on the redaction view."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QAbstractItemView, QApplication, QWidget

from bundleguard.case.model import ApplianceEntry, Role
from bundleguard.case.steps import STEPS, Step
from tests.gui.conftest import find_action, find_by_name

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def focused() -> QWidget | None:
    return QApplication.focusWidget()


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A key pressed where the keyboard is (never on a widget picked by the test)."""
    widget = focused()
    assert widget is not None, "nothing has the keyboard"
    qtbot.keyClick(widget, key, modifier)


def shown_step(window) -> str:
    return find_by_name(window, "Steps").currentItem().text().splitlines()[0]


def alt(qtbot, window, key, then: Step) -> None:
    """Alt+Left or Alt+Right where the keyboard is; the button clicks as pressed (an
    animated click, a moment later)."""
    press(qtbot, key, ALT)
    qtbot.waitUntil(lambda: shown_step(window) == then.label, timeout=2000)


def activate(window, qtbot) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.build_pages()
    qtbot.waitUntil(lambda: len(window._late) == len(STEPS) - 1, timeout=20_000)


def test_back_and_next_move_through_the_steps_and_stop_at_the_ends(window, qtbot):
    back, next_ = find_by_name(window, "Back"), find_by_name(window, "Next")
    assert shown_step(window) == Step.CASE.label
    assert not back.isEnabled() and next_.isEnabled()
    for step in STEPS[1:]:
        qtbot.mouseClick(next_, Qt.MouseButton.LeftButton)
        assert shown_step(window) == step.label
    assert back.isEnabled() and not next_.isEnabled()  # the last step
    qtbot.mouseClick(back, Qt.MouseButton.LeftButton)
    assert shown_step(window) == Step.BUNDLE.label
    assert "Alt+Left" in back.toolTip() and "Alt+Right" in next_.toolTip()


def test_alt_left_and_alt_right_move_from_wherever_the_keyboard_is(window, qtbot):
    activate(window, qtbot)
    assert focused() is find_by_name(window, "Site hostname")
    alt(qtbot, window, Qt.Key.Key_Right, Step.CERTIFICATES)
    alt(qtbot, window, Qt.Key.Key_Right, Step.SCREENSHOT)
    alt(qtbot, window, Qt.Key.Key_Left, Step.CERTIFICATES)
    alt(qtbot, window, Qt.Key.Key_Left, Step.CASE)
    press(qtbot, Qt.Key.Key_Left, ALT)  # already at the first step: stays there
    qtbot.wait(150)
    assert shown_step(window) == Step.CASE.label
    assert focused() is find_by_name(window, "Site hostname")


def test_focus_starts_in_the_first_field_of_the_step_shown(window, qtbot):
    activate(window, qtbot)
    assert focused() is find_by_name(window, "Site hostname")
    press(qtbot, Qt.Key.Key_2, CTRL)
    assert focused() is find_by_name(window, "Add files")
    press(qtbot, Qt.Key.Key_3, CTRL)
    assert focused() is find_by_name(window, "Appliances for screenshots")
    alt(qtbot, window, Qt.Key.Key_Left, Step.CERTIFICATES)
    assert focused() is find_by_name(window, "Add files")
    press(qtbot, Qt.Key.Key_1, CTRL)
    assert focused() is find_by_name(window, "Site hostname")


def test_arrows_in_the_steps_list_keep_the_keyboard_there_and_tab_leads_to_the_page(window, qtbot):
    activate(window, qtbot)
    steps = find_by_name(window, "Steps")
    steps.setFocus()
    qtbot.waitUntil(steps.hasFocus)
    press(qtbot, Qt.Key.Key_Down)
    assert shown_step(window) == Step.CERTIFICATES.label and focused() is steps
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is find_by_name(window, "Add files")


def test_ctrl_and_a_step_s_number_puts_the_keyboard_in_it_even_when_it_is_shown(window, qtbot):
    """A click in the Steps list keeps the keyboard there; Ctrl+1 on the step shown then
    takes it to the step's first field, as from any other step."""
    activate(window, qtbot)
    steps = find_by_name(window, "Steps")
    for step, first in ((Step.CASE, "Site hostname"), (Step.CERTIFICATES, "Add files")):
        press(qtbot, getattr(Qt.Key, f"Key_{step.number}"), CTRL)
        steps.setFocus()
        qtbot.waitUntil(steps.hasFocus)
        press(qtbot, getattr(Qt.Key, f"Key_{step.number}"), CTRL)
        assert shown_step(window) == step.label
        assert focused() is find_by_name(window, first)


def tab_walk(qtbot, count: int) -> list[str]:
    names = []
    for _ in range(count):
        widget = focused()
        assert widget is not None, "nothing has the keyboard"
        names.append(widget.accessibleName())
        press(qtbot, Qt.Key.Key_Tab)
    return names


def test_tab_walks_the_page_in_order_then_back_and_next_then_the_steps(window, qtbot):
    """Tab from Site once led to "Next" (the page's order was cut to put Site first)."""
    activate(window, qtbot)
    window.go_to(Step.CASE)
    walk = tab_walk(qtbot, 10)
    assert walk[:4] == ["Site hostname", "Incident number", "Support address", "Output folder"]
    assert walk[walk.index("Add appliance") :][:4] == [
        "Add appliance",
        "Next",  # Back is off on the first step
        "Steps",
        "Site hostname",
    ]
    window.go_to(Step.CERTIFICATES)
    walk = tab_walk(qtbot, 12)
    assert walk[:2] == ["Add files", "Add folder"]
    after = walk[walk.index("Back") :]
    assert after[:4] == ["Back", "Next", "Steps", "Add files"]
    assert {"Files", "Chain"} <= set(walk[: walk.index("Back")])


def test_tab_leaves_a_table_and_the_arrows_move_inside_it(window, qtbot):
    activate(window, qtbot)
    entries = (ApplianceEntry("a.example.com"), ApplianceEntry("b.example.com", Role.BACKUP))
    window.controller.update(appliances=entries)
    table = find_by_name(window, "Appliances")
    table.setFocus()
    table.setCurrentCell(0, 0)
    qtbot.waitUntil(table.hasFocus)
    press(qtbot, Qt.Key.Key_Down)
    assert table.currentRow() == 1 and focused() is table
    press(qtbot, Qt.Key.Key_Tab)
    assert not table.isAncestorOf(focused()) and focused() is not table


def test_every_table_and_list_lets_tab_go(window, qtbot):
    activate(window, qtbot)
    views = [v for page in window._holders.values() for v in page.findChildren(QAbstractItemView)]
    assert len(views) >= 4
    trapping = [v.accessibleName() or type(v).__name__ for v in views if v.tabKeyNavigation()]
    assert trapping == []


def _frame_pixels(view: QAbstractItemView, colour: QColor) -> int:
    """How many pixels of the current cell's edge are painted in `colour`."""
    image: QImage = view.viewport().grab().toImage()
    rect = view.visualRect(view.currentIndex())
    ratio = image.devicePixelRatio()
    count = 0
    for x in range(rect.left() + 1, rect.right()):
        for y in (rect.top(), rect.top() + 1):
            if image.pixelColor(int(x * ratio), int(y * ratio)) == colour:
                count += 1
    return count


def test_the_cell_with_the_keyboard_is_framed(window, qtbot):
    activate(window, qtbot)
    window.controller.update(appliances=(ApplianceEntry("a.example.com"),))
    table = find_by_name(window, "Appliances")
    table.setCurrentCell(0, 0)
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    text = table.palette().color(QPalette.ColorRole.Text)
    assert _frame_pixels(table, text) > table.visualRect(table.currentIndex()).width() // 2


def test_the_selected_row_keeps_the_selection_colour_under_the_frame(window, qtbot, tmp_path):
    from tests.certs.pki import make_chain, pem

    activate(window, qtbot)
    chain = tmp_path / "chain.pem"
    chain.write_bytes(pem(*make_chain(["a.example.com"]).certs))
    window.controller.add_files([str(chain)])
    press(qtbot, Qt.Key.Key_2, CTRL)
    files = find_by_name(window, "Files")
    qtbot.waitUntil(lambda: "accepted" in str(files.model().index(0, 0).data()))
    files.setFocus()
    files.setCurrentIndex(files.model().index(0, 0))
    qtbot.waitUntil(files.hasFocus)
    image = files.viewport().grab().toImage()
    rect = files.visualRect(files.currentIndex())
    highlight = files.palette().color(QPalette.ColorRole.Highlight)
    y = rect.center().y() * image.devicePixelRatio()
    row = [image.pixelColor(int(x * image.devicePixelRatio()), int(y)) for x in range(rect.width())]

    def near(colour) -> bool:  # (a style may shade the selection by a step)
        pairs = zip(colour.getRgb()[:3], highlight.getRgb()[:3], strict=True)
        return all(abs(a - b) <= 8 for a, b in pairs)

    # The selection's colour behind the words (white words on it), not a pale background.
    assert sum(near(colour) for colour in row) > rect.width() // 2


def test_delete_removes_the_selected_appliance(window, qtbot):
    activate(window, qtbot)
    entries = (ApplianceEntry("a.example.com"), ApplianceEntry("b.example.com", Role.BACKUP))
    window.controller.update(appliances=entries)
    table = find_by_name(window, "Appliances")
    table.setFocus()
    table.setCurrentCell(1, 0)
    press(qtbot, Qt.Key.Key_Delete)
    assert [a.hostname for a in window.controller.case.appliances] == ["a.example.com"]


def test_the_edit_menu(window):
    for text, keys in (
        ("Undo", "Ctrl+Z"),
        ("Redo", "Ctrl+Shift+Z"),  # and Ctrl+Y where the platform binds it
        ("Remove", "Del"),
        ("Paste certificate text", "Ctrl+V"),
    ):
        action = find_action(window, "Edit", text)
        bound = [k.toString() for k in action.shortcuts()]
        assert keys in bound, (text, bound)
        assert bound[0] in action.toolTip()
    assert "Nothing to undo (Ctrl+Z)" in find_action(window, "Edit", "Undo").toolTip()


def test_remove_is_offered_only_where_something_can_be_removed(window, qtbot):
    remove = find_action(window, "Edit", "Remove")
    assert remove.isEnabled()  # step 1: the appliances
    window.show_step(Step.CERTIFICATES)
    assert remove.isEnabled()
    window.show_step(Step.BUNDLE)
    assert not remove.isEnabled()


def _pictures(tmp_path):
    from tests.capture.fakes import desktop_picture

    first, second = tmp_path / "first.png", tmp_path / "second.png"
    desktop_picture(120, 90).save(first)
    desktop_picture(100, 80).save(second)
    return first, second


def test_after_a_screenshot_is_saved_the_next_appliance_without_one_is_selected(
    window, qtbot, tmp_path
):
    first, second = _pictures(tmp_path)
    window.controller.update(
        appliances=(
            ApplianceEntry("a.example.com"),
            ApplianceEntry("b.example.com", Role.BACKUP, screenshot=str(second)),
            ApplianceEntry("c.example.com", Role.NODE),
        )
    )
    window.show_step(Step.SCREENSHOT)
    appliances = find_by_name(window, "Appliances for screenshots")
    assert window.screenshot_page.current_hostname() == "a.example.com"
    assert window.screenshot_page.use_file(first)
    # b has one already: c is next.
    qtbot.waitUntil(lambda: window.screenshot_page.current_hostname() == "c.example.com")
    shown = appliances.currentItem().data(Qt.ItemDataRole.AccessibleTextRole)
    assert shown == "c.example.com: no screenshot yet"
    assert window.screenshot_page.use_file(first)
    qtbot.waitUntil(lambda: window.controller.case.appliances[2].screenshot != "")
    assert window.screenshot_page.current_hostname() == "c.example.com"  # none is left


def test_ctrl_z_on_the_redaction_view_removes_the_last_box_and_leaves_edit_undo_alone(
    window, qtbot, tmp_path
):
    from bundleguard.capture.models import Rect

    activate(window, qtbot)
    first, second = _pictures(tmp_path)
    window.controller.update(appliances=(ApplianceEntry("a.example.com"),))
    press(qtbot, Qt.Key.Key_3, CTRL)
    page = window.screenshot_page
    status = find_by_name(window, "Screenshot status")
    assert page.use_file(first)
    qtbot.waitUntil(lambda: status.text().startswith("Saved as"), timeout=20_000)
    assert page.use_file(second)  # replaces the first: Edit > Undo could take it back
    qtbot.waitUntil(lambda: "100×80" in status.text() and "Saved" in status.text())
    undo = find_action(window, "Edit", "Undo")
    assert undo.isEnabled()
    preview = find_by_name(window, "Screenshot preview")
    page.preview.boxDrawn.emit(Rect(5, 5, 30, 20))
    page.preview.boxDrawn.emit(Rect(40, 40, 30, 20))
    preview.setFocus()
    qtbot.waitUntil(preview.hasFocus)
    assert len(preview.boxes()) == 2

    press(qtbot, Qt.Key.Key_Z, CTRL)
    assert len(preview.boxes()) == 1
    assert window.controller.undo_stack.index() == 1  # the window's Undo did not run
    press(qtbot, Qt.Key.Key_Z, CTRL)
    assert preview.boxes() == ()
    assert window.controller.undo_stack.index() == 1
    # No box left: Ctrl+Z is Edit > Undo again (the replaced screenshot comes back).
    press(qtbot, Qt.Key.Key_Z, CTRL)
    assert window.controller.undo_stack.index() == 0
    qtbot.waitUntil(lambda: "120×90" in status.text() and "Saved" in status.text())
