"""Every "Open …" says when nothing could be opened, with the path or address to copy.

The offscreen platform opens nothing (Qt's `QDesktopServices.openUrl` answers false there),
so a click on a real "Open …" button meets the failure a user meets on a desktop without a
browser or file manager. Showing a file in its folder is checked per platform, faked.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QPlainTextEdit, QPushButton

from bundleguard.bundle import mailer
from bundleguard.bundle.mailer import OpenOutcome
from bundleguard.case.model import ApplianceEntry, Case, Role
from bundleguard.case.steps import Step
from bundleguard.case.store import CaseStore
from bundleguard.gui import opener
from bundleguard.gui.bundle_page import BundlePage
from bundleguard.gui.controller import CaseController
from tests.certs import pki
from tests.gui.conftest import find_by_name

SITE = "support.example.com"
HOSTS = ("primary.example.com", "backup.example.com")


def boxes() -> list[opener.NotOpenedBox]:
    """The "Nothing opened" boxes a user sees now."""
    return [
        w
        for w in QApplication.topLevelWidgets()
        if w.isVisible() and w.accessibleName() == opener.BOX_NAME
    ]


def the_box(qtbot) -> opener.NotOpenedBox:
    qtbot.waitUntil(lambda: len(boxes()) == 1, timeout=10_000)
    return boxes()[0]


def to_copy(box, name: str = "Path to copy") -> str:
    field = find_by_name(box, name)
    assert isinstance(field, QPlainTextEdit) and field.isReadOnly()
    return field.toPlainText()


@pytest.fixture(autouse=True)
def _no_box_left(qtbot):
    yield
    for box in boxes():
        box.close()


def test_open_appliance_on_the_case_page_gives_the_address_to_copy(qtbot, window) -> None:
    find_by_name(window, "Add appliance").click()
    find_by_name(window, "Appliances").item(0, 0).setText("backup.example.com")

    find_by_name(window, "Open /appliance of backup.example.com").click()

    box = the_box(qtbot)
    assert "could open the web address" in find_by_name(box, "What could not be opened").text()
    assert to_copy(box, "Address to copy") == "https://backup.example.com/appliance"
    find_by_name(box, "Copy").click()
    assert QGuiApplication.clipboard().text() == "https://backup.example.com/appliance"
    find_by_name(box, "Close").click()
    qtbot.waitUntil(lambda: not boxes())


def test_open_status_basics_gives_the_address_to_copy(qtbot, window) -> None:
    find_by_name(window, "Add appliance").click()
    find_by_name(window, "Appliances").item(0, 0).setText("primary.example.com")
    window.show_step(Step.SCREENSHOT)
    page = window.screenshot_page
    qtbot.waitUntil(lambda: page.current_hostname() == "primary.example.com")

    find_by_name(page, "Open Status > Basics").click()

    assert to_copy(the_box(qtbot), "Address to copy") == "https://primary.example.com/appliance"


def test_an_address_that_opens_says_nothing(qtbot, monkeypatch) -> None:
    seen = []
    monkeypatch.setattr(opener, "system_open", lambda url: seen.append(url.toString()) or True)

    assert opener.open_url("https://primary.example.com/appliance") is True
    assert seen == ["https://primary.example.com/appliance"]
    assert boxes() == []


def test_a_path_with_markup_and_a_bidi_override_is_shown_plainly(qtbot, tmp_path) -> None:
    folder = tmp_path / "<b>bold<img src=x>\u202eevil"
    folder.mkdir()

    assert opener.open_folder(folder) is False

    box = the_box(qtbot)
    shown = to_copy(box)
    assert "<b>bold<img src=x>\\u202eevil" in shown and "\u202e" not in shown
    find_by_name(box, "Copy").click()
    assert QGuiApplication.clipboard().text() == str(folder)  # the path itself, to paste


# ---------------------------------------------------------------- show a file in its folder


@pytest.mark.parametrize(
    ("platform", "command"),
    [
        # By full path: a bare name is looked for in the current folder first on Windows.
        ("win32", '"D:\\Win\\explorer.exe" /select,"{path}"'),
        ("darwin", ("/usr/bin/open", "-R", "{path}")),
    ],
)
def test_show_file_selects_it_in_the_file_manager(qtbot, tmp_path, monkeypatch, platform, command):
    target = tmp_path / "case-1.bgcase"
    target.write_text("{}")
    monkeypatch.setenv("SYSTEMROOT", "D:\\Win")
    started = []
    monkeypatch.setattr(opener, "spawn", lambda c: started.append(c) or True)

    assert opener.show_file(target, platform=platform) is True

    expected = (
        command.format(path=target)
        if isinstance(command, str)
        else tuple(c.format(path=target) for c in command)
    )
    assert [c if isinstance(c, str) else tuple(c) for c in started] == [expected]
    assert boxes() == []


def test_show_file_on_linux_opens_its_folder(qtbot, tmp_path, monkeypatch) -> None:
    target = tmp_path / "case-1.bgcase"
    target.write_text("{}")
    opened = []
    monkeypatch.setattr(opener, "system_open", lambda url: opened.append(url.toLocalFile()) or True)
    monkeypatch.setattr(opener, "spawn", lambda c: pytest.fail(f"ran {c}"))

    assert opener.show_file(target, platform="linux") is True
    assert [Path(p) for p in opened] == [tmp_path]


@pytest.mark.parametrize("platform", ["win32", "darwin", "linux"])
def test_show_file_says_when_nothing_could_show_it(qtbot, tmp_path, monkeypatch, platform):
    target = tmp_path / "case-1.bgcase"
    target.write_text("{}")
    monkeypatch.setattr(opener, "spawn", lambda c: False)
    monkeypatch.setattr(opener, "system_open", lambda url: False)

    assert opener.show_file(target, platform=platform) is False
    assert to_copy(the_box(qtbot)) == str(target)


# ---------------------------------------------------------------- the Bundle page


@pytest.fixture
def built_page(qtbot, tmp_path):
    chain = pki.make_chain([SITE, *HOSTS])
    folder = tmp_path / "in"
    folder.mkdir()
    files = []
    for name, data in (("leaf.crt", pki.pem(chain.leaf)), ("root.pem", pki.pem(chain.root))):
        (folder / name).write_bytes(data)
        files.append(str(folder / name))
    (folder / "inter.cer").write_bytes(pki.der(chain.intermediates[0]))
    files.append(str(folder / "inter.cer"))
    shots = []
    for host in HOSTS:
        Image.new("RGB", (60, 40), (20, 60, 120)).save(folder / f"{host}.png", "PNG")
        shots.append(str(folder / f"{host}.png"))
    out = tmp_path / "out"
    out.mkdir()
    case = Case(
        site=SITE,
        incident="12345",
        support_address="support@example.com",
        output=str(out),
        appliances=(
            ApplianceEntry(HOSTS[0], Role.PRIMARY, screenshot=shots[0]),
            ApplianceEntry(HOSTS[1], Role.BACKUP, screenshot=shots[1]),
        ),
        files=tuple(files),
    )
    controller = CaseController(CaseStore(tmp_path / "data"))
    controller.update(**{f.name: getattr(case, f.name) for f in dataclasses.fields(case)})
    page = BundlePage(controller)
    qtbot.addWidget(page)
    page.show()
    build = find_by_name(page, "Build bundles")
    qtbot.waitUntil(build.isEnabled, timeout=10_000)
    qtbot.mouseClick(build, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(page._result and page._result.written), timeout=20_000)
    yield page, out
    controller.shutdown()


def test_open_folder_that_nothing_opens_gives_its_path(qtbot, built_page) -> None:
    page, out = built_page
    button = find_by_name(page, "Open folder")
    assert isinstance(button, QPushButton)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    box = the_box(qtbot)
    assert "could open the folder" in find_by_name(box, "What could not be opened").text()
    assert Path(to_copy(box)) == out.resolve()


def test_drafts_no_mail_program_opens_give_one_message(qtbot, built_page, monkeypatch) -> None:
    page, out = built_page
    tried = []

    def nothing_opens(draft):
        tried.append(draft)
        return OpenOutcome("folder", (), False, "No mail program could be opened.")

    monkeypatch.setattr(mailer, "open_draft", nothing_opens)
    qtbot.mouseClick(find_by_name(page, "Open email draft"), Qt.MouseButton.LeftButton)

    box = the_box(qtbot)
    qtbot.wait(100)  # a second box would be up by now
    assert len(boxes()) == 1 and len(tried) == 2
    assert "could open the 2 email drafts" in find_by_name(box, "What could not be opened").text()
    listed = to_copy(box).splitlines()
    assert sorted(Path(p).name for p in listed) == sorted(d.eml.name for d in tried)
    assert all(Path(p).parent.resolve() == out.resolve() for p in listed)


def test_drafts_that_open_give_no_message(qtbot, built_page, monkeypatch) -> None:
    page, _ = built_page
    monkeypatch.setattr(
        mailer, "open_draft", lambda d: OpenOutcome("test", (), True, f"Opened {d.eml.name}.")
    )
    qtbot.mouseClick(find_by_name(page, "Open email draft"), Qt.MouseButton.LeftButton)
    outcome = find_by_name(page, "Email outcome")
    qtbot.waitUntil(lambda: outcome.text().startswith("Opened "), timeout=10_000)
    assert boxes() == []


def test_screen_recording_settings_that_do_not_open_say_where_they_are(qtbot, tmp_path) -> None:
    from bundleguard.capture.environment import MACOS_PRIVACY_SETTINGS
    from bundleguard.gui.screenshot import ScreenshotPage

    page = ScreenshotPage(lambda: tmp_path, strategies=[])
    qtbot.addWidget(page)
    button = find_by_name(page, "Open Screen Recording settings")

    button.click()  # shown on macOS when capture is refused; the offscreen platform opens nothing

    box = the_box(qtbot)
    said = find_by_name(box, "What could not be opened").text()
    assert "Privacy & Security > Screen Recording" in said
    assert to_copy(box, "Address to copy") == MACOS_PRIVACY_SETTINGS
