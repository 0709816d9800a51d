"""The Screenshot page saves through the case action (`case.screenshots.save_screenshot`),
in its worker, never on the GUI thread: a new picture keeps the one it replaces aside and
says so (`screenshotReplaced`), so that replacing it can be undone; a box saved on the
same picture keeps nothing aside."""

from __future__ import annotations

import threading

from bundleguard.capture.models import Rect
from bundleguard.case import screenshots
from bundleguard.case.screenshots import REPLACED_FOLDER, restore_screenshot
from tests.capture.fakes import desktop_picture
from tests.gui.conftest import find_by_name

HOST = "primary.example.com"


def test_the_page_saves_through_the_case_action_off_the_gui_thread(
    qtbot, tmp_path, monkeypatch
) -> None:
    from bundleguard.gui.screenshot import ScreenshotPage

    threads: list[bool] = []
    real = screenshots.save_screenshot

    def counted(*args, **kwargs):
        threads.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(screenshots, "save_screenshot", counted)
    folder = tmp_path / "case"
    page = ScreenshotPage(lambda: folder, strategies=[])
    qtbot.addWidget(page)
    page.set_appliances([HOST], {})
    page.show()
    replaced: list[tuple[str, object]] = []
    page.screenshotReplaced.connect(lambda host, saved: replaced.append((host, saved)))

    first, second = tmp_path / "first.png", tmp_path / "second.png"
    desktop_picture(120, 90).save(first)
    desktop_picture(100, 80).save(second)
    assert page.use_file(first)
    qtbot.waitUntil(lambda: len(replaced) == 1, timeout=20000)
    written = folder / screenshots.screenshot_file_name(HOST)
    before = written.read_bytes()
    assert replaced[0][0] == HOST and replaced[0][1].kept is None

    assert page.use_file(second)
    qtbot.waitUntil(lambda: len(replaced) == 2, timeout=20000)
    saved = replaced[1][1]
    assert saved.path == written and saved.kept is not None
    assert saved.kept.parent == folder / REPLACED_FOLDER
    assert saved.kept.read_bytes() == before

    # A box on the same picture is saved again through the action, nothing kept aside.
    page.preview.boxDrawn.emit(Rect(5, 5, 20, 20))
    qtbot.waitUntil(lambda: len(threads) == 3, timeout=20000)
    assert page.wait_for_jobs(20000)
    qtbot.waitUntil(
        lambda: find_by_name(page, "Screenshot status").text().startswith("Saved"), timeout=5000
    )
    assert len(replaced) == 2
    assert sorted(p.name for p in (folder / REPLACED_FOLDER).iterdir()) == [saved.kept.name]
    assert threads == [False, False, False]  # every encode and write ran in the worker

    assert restore_screenshot(saved) == written
    assert written.read_bytes() == before
