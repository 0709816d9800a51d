"""File > Recent cases names each case by its site and incident, read from the file's head;
a file that cannot be read says so; the words from a file are shown, never obeyed."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QPoint

from bundleguard.case.model import Case
from bundleguard.case.store import HEAD_BYTES, read_recent_case
from bundleguard.gui.window import MainWindow


def recent_items(qtbot, window: MainWindow, count: int) -> list:
    """Open File > Recent cases as a user does, and wait for the cases to be named."""
    menu = window.recent_menu
    menu.popup(QPoint(0, 0))
    qtbot.waitUntil(
        lambda: (
            len(menu.actions()) == count
            and not any(a.text().endswith(".bgcase") for a in menu.actions())
        ),
        timeout=5000,
    )
    return menu.actions()


def remember(window: MainWindow, path: Path) -> None:
    window.controller.store.remember(path)


def test_recent_cases_show_the_site_and_the_incident(qtbot, window: MainWindow, tmp_path):
    store = window.controller.store
    first = store.save(Case(site="support.example.com", incident="12345"), tmp_path / "a.bgcase")
    second = store.save(Case(site="ra.example.org"), tmp_path / "b.bgcase")
    broken = tmp_path / "case-0123456789ab.bgcase"
    broken.write_bytes(b"\x00\xff not a case")
    for path in (broken, first, second):
        remember(window, path)

    items = recent_items(qtbot, window, 3)

    assert [a.text() for a in items] == [
        "ra.example.org — no incident yet",
        "support.example.com — incident 12345",
        "case-0123456789ab.bgcase (cannot be read)",
    ]
    items[1].trigger()
    qtbot.waitUntil(lambda: window.controller.path == first)
    assert window.controller.case.site == "support.example.com"


def test_untrusted_words_are_shown_not_obeyed(qtbot, window: MainWindow, tmp_path):
    hostile = tmp_path / "case-hostile.bgcase"
    document = {
        "format": "bundleguard-case",
        "version": 1,
        "site": "A&B<b>bold</b><img src=x>\u202eevil",
        "incident": "1\n2",
    }
    hostile.write_text(json.dumps(document), encoding="utf-8")
    remember(window, hostile)

    (item,) = recent_items(qtbot, window, 1)

    # `&&` is a menu's way of showing one `&`: what a user sees is "A&B<b>bold</b>...".
    assert item.text() == "A&&B<b>bold</b><img src=x>\\u202eevil — incident 1\\n2"
    assert item.iconText().startswith("A&B<b>bold</b>")


def test_only_the_head_of_a_case_file_is_read(tmp_path):
    big = tmp_path / "big.bgcase"
    head = '{"format": "bundleguard-case", "version": 1, "site": "s.example.com", "incident": "7",'
    # A file far larger than the head, whose tail is not even JSON: never read.
    big.write_text(head + ' "files": [' + '"x", ' * 200_000 + "\x00garbage")

    entry = read_recent_case(big)

    assert (entry.site, entry.incident, entry.readable) == ("s.example.com", "7", True)
    assert len(head) < HEAD_BYTES < big.stat().st_size


def test_a_folder_or_another_format_cannot_be_read(tmp_path):
    (tmp_path / "folder.bgcase").mkdir()
    other = tmp_path / "other.bgcase"
    other.write_text('{"format": "something-else", "site": "x.example.com"}')

    assert not read_recent_case(tmp_path / "folder.bgcase").readable
    assert not read_recent_case(other).readable
    assert not read_recent_case(tmp_path / "gone.bgcase").readable
