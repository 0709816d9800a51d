"""Step 4's results a user can read (issue 18): the "Bundles built" table.

One row per zip: the appliance, the zip's name, its size, and what it holds (screenshot,
leaf, intermediates, root), checked here against the real zips reopened and their
certificates; each row's "Show in folder" and "Open draft"; the SHA-256 lists behind
"Details"; the "Ready: …" line gone once built; the default output folder made by the
first build. A private CA chain is generated at run time.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
import zipfile
from pathlib import Path

from cryptography import x509
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QTableWidget

from bundleguard.bundle import mailer
from bundleguard.bundle.mailer import OpenOutcome
from bundleguard.certs.load import load_certificates
from bundleguard.gui import opener
from bundleguard.gui.case_page import CasePage
from tests.certs import pki
from tests.gui import test_bundle_page as step4
from tests.gui.conftest import find_by_name
from tests.gui.test_bundle_page import BACKUP, PRIMARY, SITE, build, button, reason

# The fixtures of step 4's tests: a real case (a private CA chain made at run time, two
# appliances with their screenshots) and its page.
case, chain, make_page = step4.case, step4.chain, step4.make_page


def table(page) -> QTableWidget:
    found = find_by_name(page, "Bundles built")
    assert isinstance(found, QTableWidget)
    return found


def rows(page) -> list[dict[str, str]]:
    """The table as a user reads it: each row's cells under their headers."""
    shown = table(page)
    headers = [shown.horizontalHeaderItem(c).text() for c in range(shown.columnCount())]
    return [
        {
            headers[c]: shown.item(r, c).text()
            for c in range(shown.columnCount())
            if shown.item(r, c) is not None
        }
        for r in range(shown.rowCount())
    ]


def row_button(page, name: str, host: str) -> QPushButton:
    """The row's button named `name` whose description names the appliance `host`."""
    found = [
        b
        for b in table(page).findChildren(QPushButton)
        if b.accessibleName() == name and b.accessibleDescription().startswith(f"{host}:")
    ]
    assert len(found) == 1, f"{len(found)} {name!r} buttons for {host}"
    return found[0]


def holds_of(zip_path: Path, chain: pki.Chain) -> str:
    """What the zip holds, worked out here from its members (not from the app's words)."""
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        certificates: list[x509.Certificate] = []
        for member in manifest["members"]:
            if member["type"] == "certificate":
                certificates += load_certificates(archive.read(member["name"]), member["name"])
    words = ["screenshot" if any(n.endswith(".png") for n in names) else "no screenshot"]
    words.append("leaf" if chain.leaf in certificates else "no leaf")
    count = sum(1 for c in chain.intermediates if c in certificates)
    if count:
        words.append(f"{count} intermediate{'s' if count != 1 else ''}")
    words.append("root" if chain.root in certificates else "no root")
    return ", ".join(words)


def test_the_table_lists_each_zip_with_what_it_really_holds(qtbot, make_page, case, chain):
    page, _ = make_page(case)
    assert rows(page) == []
    build(qtbot, page)

    out = Path(case.output)
    shown = rows(page)
    assert [r["Appliance"] for r in shown] == [f"{PRIMARY} (primary)", f"{BACKUP} (backup)"]
    for row, host in zip(shown, (PRIMARY, BACKUP), strict=True):
        zip_path = out / row["Zip"]
        assert row["Zip"] == f"support-bundle-{host}-incident-12345.zip"
        assert zip_path.is_file()
        assert row["What it holds"] == holds_of(zip_path, chain)
        assert row["What it holds"] == "screenshot, leaf, 1 intermediate, root"
        size = zip_path.stat().st_size
        assert row["Size"].endswith(("kB", "KB", "bytes", "B")) and row["Size"][0].isdigit()
        assert abs(float(row["Size"].split()[0].replace(",", ".")) * 1000 - size) < 100
    # The result replaces the "Ready: …" line.
    assert not reason(page).startswith("Ready")


def test_a_leaf_only_bundle_says_what_it_lacks(qtbot, make_page, case, chain):
    leaf_only = case.with_changes(files=(case.files[0],))
    page, _ = make_page(leaf_only)
    anyway = button(page, "Build anyway")
    qtbot.waitUntil(anyway.isVisible, timeout=10_000)
    qtbot.mouseClick(anyway, Qt.MouseButton.LeftButton)
    result = find_by_name(page, "Build result")
    qtbot.waitUntil(lambda: result.text().startswith("2 bundles written"), timeout=20_000)
    for row in rows(page):
        zip_path = Path(case.output) / row["Zip"]
        assert row["What it holds"] == holds_of(zip_path, chain) == "screenshot, leaf, no root"


def test_show_in_folder_shows_that_rows_zip(qtbot, make_page, case, monkeypatch):
    started: list[object] = []
    opened: list[str] = []
    monkeypatch.setattr(opener, "spawn", lambda command: started.append(command) or True)
    monkeypatch.setattr(opener, "system_open", lambda url: opened.append(url.toLocalFile()) or True)
    page, _ = make_page(case)
    build(qtbot, page)
    backup_zip = Path(case.output) / f"support-bundle-{BACKUP}-incident-12345.zip"

    monkeypatch.setattr(sys, "platform", "darwin")
    qtbot.mouseClick(row_button(page, "Show in folder", BACKUP), Qt.MouseButton.LeftButton)
    assert started == [("/usr/bin/open", "-R", str(backup_zip))]
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("SYSTEMROOT", "C:\\Windows")
    qtbot.mouseClick(row_button(page, "Show in folder", BACKUP), Qt.MouseButton.LeftButton)
    assert started[-1] == f'"C:\\Windows\\explorer.exe" /select,"{backup_zip}"'
    monkeypatch.setattr(sys, "platform", "linux")
    qtbot.mouseClick(row_button(page, "Show in folder", PRIMARY), Qt.MouseButton.LeftButton)
    assert [Path(p) for p in opened] == [backup_zip.parent]


def test_open_draft_opens_only_that_appliances_email(qtbot, make_page, case, monkeypatch):
    opened = []

    def open_draft(draft):
        opened.append(draft)
        return OpenOutcome("test", (), True, f"Opened {draft.eml.name} with the zip attached.")

    monkeypatch.setattr(mailer, "open_draft", open_draft)
    page, _ = make_page(case)
    build(qtbot, page)
    qtbot.mouseClick(row_button(page, "Open draft", BACKUP), Qt.MouseButton.LeftButton)
    outcome = find_by_name(page, "Email outcome")
    qtbot.waitUntil(lambda: outcome.text().startswith("Opened "), timeout=10_000)
    assert [d.eml.name for d in opened] == [f"support-bundle-{BACKUP}-incident-12345.eml"]
    assert opened[0].attachments == (
        Path(case.output) / f"support-bundle-{BACKUP}-incident-12345.zip",
    )


def test_drafts_no_mail_program_opens_give_one_message(qtbot, make_page, case, monkeypatch):
    def open_draft(draft):
        return OpenOutcome("none", (), False, "Nothing could be opened.")

    monkeypatch.setattr(mailer, "open_draft", open_draft)
    page, _ = make_page(case)
    build(qtbot, page)
    drafts = button(page, "Open email draft")
    assert drafts.text() == "Open 2 email drafts"
    qtbot.mouseClick(drafts, Qt.MouseButton.LeftButton)

    def boxes():
        return [
            w
            for w in QApplication.topLevelWidgets()
            if w.isVisible() and w.accessibleName() == opener.BOX_NAME
        ]

    qtbot.waitUntil(lambda: len(boxes()) > 0, timeout=10_000)
    qtbot.wait(50)
    assert len(boxes()) == 1
    paths = find_by_name(boxes()[0], "Path to copy").toPlainText().splitlines()
    assert [Path(p).name for p in paths] == [
        f"support-bundle-{PRIMARY}-incident-12345.eml",
        f"support-bundle-{BACKUP}-incident-12345.eml",
    ]
    boxes()[0].close()


def test_the_sha256_lists_are_behind_details(qtbot, make_page, case):
    page, _ = make_page(case)
    build(qtbot, page)
    listing = find_by_name(page, "Bundles written")
    details = find_by_name(page, "Details")
    assert not listing.isVisible() and details.isCheckable() and not details.isChecked()
    qtbot.mouseClick(details, Qt.MouseButton.LeftButton)
    assert listing.isVisible()
    for path in Path(case.output).glob("*.zip"):
        data = path.read_bytes()
        assert hashlib.sha256(data).hexdigest() in listing.toPlainText()
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                digest = hashlib.sha256(archive.read(name)).hexdigest()
                assert f"{name}  SHA-256 {digest}" in listing.toPlainText()
    qtbot.mouseClick(details, Qt.MouseButton.LeftButton)
    assert not listing.isVisible()


def test_a_change_to_what_the_bundles_hold_empties_the_table(qtbot, make_page, case):
    page, controller = make_page(case)
    build(qtbot, page)
    assert len(rows(page)) == 2
    controller.update(files=case.files[:2])
    assert rows(page) == []
    assert "build them again" in find_by_name(page, "Build result").text()


def test_without_an_output_folder_the_first_build_makes_the_default_one(
    qtbot, make_page, case, tmp_path, monkeypatch
):
    documents = tmp_path / "Documents"
    monkeypatch.setenv("BUNDLEGUARD_DOCUMENTS_DIR", str(documents))
    default = documents / "bundleguard" / f"{SITE}-12345"
    page, controller = make_page(case.with_changes(output=""))
    case_page = CasePage(controller)
    qtbot.addWidget(case_page)
    field = find_by_name(case_page, "Output folder")
    assert isinstance(field, QLineEdit)
    assert field.text() == "" and field.placeholderText() == f"Default: {default}"

    ready = f"Ready: 2 bundles into {default} (the default folder; choose another in step 1)"
    qtbot.waitUntil(lambda: reason(page) == ready, timeout=10_000)
    assert not documents.exists()  # not before the first bundle is written
    build(qtbot, page)
    assert sorted(p.name for p in default.glob("*.zip")) == [
        f"support-bundle-{BACKUP}-incident-12345.zip",
        f"support-bundle-{PRIMARY}-incident-12345.zip",
    ]
    assert controller.case.output == ""  # the case still names none: the default follows it
    assert [r["Zip"] for r in rows(page)] == sorted(p.name for p in default.glob("*.zip"))[::-1]

    # Another incident number: another default folder, shown as the field's placeholder.
    controller.update(incident="777")
    assert field.placeholderText() == f"Default: {documents / 'bundleguard' / SITE}-777"


def test_the_window_and_the_command_line_find_the_same_documents_folder(tmp_path, monkeypatch):
    import platformdirs

    from bundleguard.case.outputs import documents_folder
    from bundleguard.gui import case_page

    home = tmp_path / "home"
    (home / ".config").mkdir(parents=True)
    (home / ".config" / "user-dirs.dirs").write_text('XDG_DOCUMENTS_DIR="$HOME/Papers"\n')
    monkeypatch.delenv("BUNDLEGUARD_DOCUMENTS_DIR")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    case_page._qt_documents.cache_clear()
    try:
        if sys.platform.startswith("linux"):
            assert case_page.documents_location() == home / "Papers"
        assert case_page.documents_location() == documents_folder()
        assert documents_folder() == Path(platformdirs.user_documents_dir())
    finally:
        case_page._qt_documents.cache_clear()
