"""Step 4 as a user meets it: Build bundles on a real case, real zips reopened, real drafts.

A private CA chain is generated at run time, screenshots are written with Pillow, and the
page is driven through controls found by their accessible names.
"""

from __future__ import annotations

import dataclasses
import email.parser
import email.policy
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QListWidget, QMessageBox, QPlainTextEdit, QPushButton

from bundleguard.bundle import mailer
from bundleguard.bundle.mailer import OpenOutcome
from bundleguard.case.model import ApplianceEntry, Case, Role
from bundleguard.case.store import CaseStore
from bundleguard.gui.bundle_page import BundlePage
from bundleguard.gui.controller import CaseController
from tests.certs import pki
from tests.gui.conftest import answer_next_question, find_by_name

SITE = "support.example.com"
PRIMARY = "primary.example.com"
BACKUP = "backup.example.com"


def screenshot_png(path: Path, colour: tuple[int, int, int]) -> str:
    image = Image.new("RGB", (120, 80), colour)
    for x in range(0, 120, 7):
        image.putpixel((x, 40), (255, 255, 255))
    image.save(path, "PNG")
    return str(path)


@pytest.fixture(scope="module")
def chain() -> pki.Chain:
    return pki.make_chain([SITE, PRIMARY, BACKUP])


@pytest.fixture
def case(tmp_path: Path, chain: pki.Chain) -> Case:
    folder = tmp_path / "in"
    folder.mkdir()
    leaf = folder / "leaf.crt"
    leaf.write_bytes(pki.pem(chain.leaf))
    inter = folder / "intermediate.cer"
    inter.write_bytes(pki.der(chain.intermediates[0]))
    root = folder / "root.pem"
    root.write_bytes(pki.pem(chain.root))
    return Case(
        site=SITE,
        incident="12345",
        support_address="support@example.com",
        output=str(tmp_path / "out"),
        appliances=(
            ApplianceEntry(PRIMARY, Role.PRIMARY, screenshot=screenshot_png(
                folder / "primary.png", (20, 60, 120))),
            ApplianceEntry(BACKUP, Role.BACKUP, screenshot=screenshot_png(
                folder / "backup.png", (120, 60, 20))),
        ),
        files=(str(leaf), str(inter), str(root)),
    )  # fmt: skip


@pytest.fixture
def make_page(qtbot, tmp_path):
    made = []

    def make(case: Case) -> tuple[BundlePage, CaseController]:
        if case.output:
            Path(case.output).mkdir(exist_ok=True)
        controller = CaseController(CaseStore(tmp_path / "data"))
        controller.update(**{f.name: getattr(case, f.name) for f in dataclasses.fields(case)})
        page = BundlePage(controller)
        qtbot.addWidget(page)
        page.show()
        made.append(controller)
        return page, controller

    yield make
    for controller in made:
        controller.shutdown()


def button(page, name: str) -> QPushButton:
    found = find_by_name(page, name)
    assert isinstance(found, QPushButton)
    return found


def reason(page) -> str:
    return find_by_name(page, "Bundle readiness").text()


def listed(page, name: str = "Blockers") -> list[str]:
    """The items of the "Blockers" (or "Concerns") list, as a screen reader reads them."""
    shown = find_by_name(page, name)
    assert isinstance(shown, QListWidget)
    return [shown.item(row).text() for row in range(shown.count())]


def wait_listed(qtbot, page, expected: list[str], name: str = "Blockers") -> None:
    try:
        qtbot.waitUntil(lambda: listed(page, name) == expected, timeout=10_000)
    except Exception:
        raise AssertionError(f"{listed(page, name)!r} != {expected!r}") from None


def wait_reason(qtbot, page, expected: str) -> None:
    try:
        qtbot.waitUntil(lambda: reason(page) == expected, timeout=10_000)
    except Exception:
        raise AssertionError(f"{reason(page)!r} != {expected!r}") from None


def wait_ready(qtbot, page) -> None:
    try:
        qtbot.waitUntil(lambda: button(page, "Build bundles").isEnabled(), timeout=10_000)
    except Exception:
        raise AssertionError(reason(page)) from None


def build(qtbot, page) -> None:
    wait_ready(qtbot, page)
    qtbot.mouseClick(button(page, "Build bundles"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: find_by_name(page, "Build result").text() != "", timeout=20_000)


def test_build_bundles_writes_one_verified_zip_and_draft_per_appliance(qtbot, make_page, case):
    page, _ = make_page(case)
    build(qtbot, page)

    status = find_by_name(page, "Build result").text()
    assert status.startswith("2 bundles written and verified")
    listing = find_by_name(page, "Bundles written")
    assert isinstance(listing, QPlainTextEdit)
    shown = listing.toPlainText()
    out = Path(case.output)
    for host, colour in ((PRIMARY, (20, 60, 120)), (BACKUP, (120, 60, 20))):
        zip_path = out / f"support-bundle-{host}-incident-12345.zip"
        data = zip_path.read_bytes()
        assert str(zip_path) in shown
        assert hashlib.sha256(data).hexdigest() in shown
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            assert names[-1] == "manifest.json"
            assert f"status-basics-{host}.png" in names
            assert {"leaf.crt", "intermediate.cer", "root.pem"} <= set(names)
            manifest = json.loads(archive.read("manifest.json"))
            assert manifest["private_key_included"] is False
            listed = {m["name"]: m["sha256"] for m in manifest["members"]}
            assert set(listed) == set(names) - {"manifest.json"}
            for name, digest in listed.items():
                member = archive.read(name)
                assert hashlib.sha256(member).hexdigest() == digest
                assert f"{name}  SHA-256 {digest}" in shown
            shot = Image.open(io.BytesIO(archive.read(f"status-basics-{host}.png")))
            assert shot.convert("RGB").getpixel((0, 0)) == colour

        message = email.parser.BytesParser(policy=email.policy.default).parsebytes(
            zip_path.with_suffix(".eml").read_bytes()
        )
        assert message["X-Unsent"] == "1"
        assert message["To"] == "support@example.com"
        attachments = list(message.iter_attachments())
        assert [a.get_filename() for a in attachments] == [zip_path.name]
        assert attachments[0].get_content() == data
        assert "No private key is included" in message.get_body(("plain",)).get_content()
    for name in ("Open folder", "Open email draft", "Copy email text"):
        assert button(page, name).isEnabled()


def test_a_missing_screenshot_disables_the_button_and_names_the_appliance(qtbot, make_page, case):
    backup = case.appliances[1]
    page, controller = make_page(case)
    wait_ready(qtbot, page)

    controller.update(appliances=(case.appliances[0], ApplianceEntry(backup.hostname, backup.role)))
    wait_listed(
        qtbot, page, [f"Step 3, Screenshot: add the Status > Basics screenshot of {BACKUP}"]
    )
    assert reason(page) == "Not ready: 1 thing to fix first (listed below)."
    assert not button(page, "Build bundles").isEnabled()
    assert not button(page, "Build anyway").isVisible()

    controller.update(appliances=case.appliances)
    wait_ready(qtbot, page)
    assert reason(page).startswith("Ready: 2 bundles")


def test_a_refused_file_disables_the_button_and_says_why(qtbot, make_page, case, tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    leaked = tmp_path / "in" / "&lt;b&gt;server.pem"  # shown as typed, never as markup
    leaked.write_bytes(pki.key_pem(key))
    page, _ = make_page(case.with_changes(files=(*case.files, str(leaked))))

    wait_listed(
        qtbot,
        page,
        [
            f"Step 2, Certificates: {leaked} is refused (it holds a private "
            "key): extract its certificates, or take it out of the case"
        ],
    )
    assert not button(page, "Build bundles").isEnabled()
    problems = find_by_name(page, "Refused files")
    assert isinstance(problems, QLabel)
    assert problems.textFormat() == Qt.TextFormat.PlainText
    assert f"Refused: {leaked}" in problems.text()
    assert "private key" in problems.text().lower()
    assert not list(Path(case.output).iterdir())


def test_without_an_output_folder_the_page_asks_for_one(qtbot, make_page, case, monkeypatch):
    # Only where no documents folder is known: elsewhere the default folder is used
    # (tests/gui/test_bundles_built.py).
    monkeypatch.setattr("bundleguard.gui.case_page.documents_location", lambda: None)
    page, controller = make_page(case.with_changes(output=""))
    wait_listed(qtbot, page, ["Step 1, Case: choose the output folder the bundles are written to"])
    assert not button(page, "Build bundles").isEnabled()
    controller.update(output=case.output)
    wait_ready(qtbot, page)


def test_certificate_warnings_are_shown_before_building(qtbot, make_page, case):
    page, _ = make_page(case)
    wait_ready(qtbot, page)
    warnings = find_by_name(page, "Certificate warnings").text()
    assert "private CA" in warnings or "not trusted" in warnings.lower(), warnings


def test_an_existing_zip_is_replaced_only_after_yes(qtbot, make_page, case):
    out = Path(case.output)
    out.mkdir()
    existing = out / f"support-bundle-{PRIMARY}-incident-12345.zip"
    existing.write_bytes(b"an older bundle")
    page, _ = make_page(case)

    seen: list[str] = []
    answer_next_question(QMessageBox.StandardButton.No, seen)
    build(qtbot, page)
    assert seen[0].startswith("Replace this file?")
    assert str(existing) in seen[0]
    assert existing.read_bytes() == b"an older bundle"
    assert not (out / f"support-bundle-{BACKUP}-incident-12345.zip").exists()
    assert "Nothing was replaced" in find_by_name(page, "Build result").text()

    answer_next_question(QMessageBox.StandardButton.Yes, seen)
    find_by_name(page, "Build result").setText("")
    build(qtbot, page)
    assert len(seen) == 2
    qtbot.waitUntil(
        lambda: find_by_name(page, "Build result").text().startswith("2 bundles written"),
        timeout=20_000,
    )
    with zipfile.ZipFile(existing) as archive:
        assert "manifest.json" in archive.namelist()


def test_copy_email_text_puts_the_body_on_the_clipboard(qtbot, make_page, case):
    page, _ = make_page(case)
    build(qtbot, page)
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(button(page, "Copy email text"), Qt.MouseButton.LeftButton)

    text = QGuiApplication.clipboard().text()
    zip_path = Path(case.output) / f"support-bundle-{PRIMARY}-incident-12345.zip"
    assert text.startswith("Hello BeyondTrust Technical Support,")
    assert zip_path.name in text
    assert hashlib.sha256(zip_path.read_bytes()).hexdigest() in text
    assert "Incident number: 12345" in text
    assert "on the clipboard" in find_by_name(page, "Email outcome").text()


def test_open_email_draft_shows_the_mailers_outcome(qtbot, make_page, case, monkeypatch):
    opened = []

    def open_draft(draft):
        opened.append(draft)
        return OpenOutcome("test", (), True, f"Opened {draft.eml.name} with the zip attached.")

    monkeypatch.setattr(mailer, "open_draft", open_draft)
    page, _ = make_page(case)
    build(qtbot, page)
    qtbot.mouseClick(button(page, "Open email draft"), Qt.MouseButton.LeftButton)

    outcome = find_by_name(page, "Email outcome")
    qtbot.waitUntil(lambda: outcome.text().startswith("Opened "), timeout=10_000)
    assert [d.eml.name for d in opened] == [
        f"support-bundle-{PRIMARY}-incident-12345.eml",
        f"support-bundle-{BACKUP}-incident-12345.eml",
    ]
    assert all(d.eml.is_file() and d.attachments[0].is_file() for d in opened)
    assert outcome.text().count("with the zip attached") == 2


def test_cancel_stops_before_the_next_bundle(qtbot, make_page, case):
    page, _ = make_page(case)
    wait_ready(qtbot, page)
    qtbot.mouseClick(button(page, "Build bundles"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(button(page, "Cancel building"), Qt.MouseButton.LeftButton)
    result = find_by_name(page, "Build result")
    qtbot.waitUntil(lambda: result.text().startswith("Cancelled"), timeout=20_000)
    written = sorted(p.name for p in Path(case.output).glob("*.zip"))
    assert len(written) < 2


def test_open_folder_opens_the_output_folder(qtbot, make_page, case, monkeypatch):
    from bundleguard.gui import widgets

    opened: list[str] = []
    monkeypatch.setattr(widgets, "open_url", opened.append)
    page, _ = make_page(case)
    build(qtbot, page)
    qtbot.mouseClick(button(page, "Open folder"), Qt.MouseButton.LeftButton)
    assert opened == [Path(case.output).resolve().as_uri()]


# ------------------------------------------------------------------- stale results

AFTER_BUILD = ("Open folder", "Open email draft", "Copy email text")


def assert_cleared(page) -> None:
    """The bundles of the build before are off the page and their buttons do nothing."""
    listing = find_by_name(page, "Bundles written")
    assert listing.toPlainText() == ""
    for name in AFTER_BUILD:
        assert not button(page, name).isEnabled(), name


def built_once(qtbot, make_page, case):
    page, controller = make_page(case)
    build(qtbot, page)
    assert find_by_name(page, "Build result").text().startswith("2 bundles written")
    assert find_by_name(page, "Bundles written").toPlainText() != ""
    assert all(button(page, name).isEnabled() for name in AFTER_BUILD)
    return page, controller


def test_a_declined_replace_clears_the_bundles_listed_before(qtbot, make_page, case):
    page, _ = built_once(qtbot, make_page, case)
    seen: list[str] = []
    answer_next_question(QMessageBox.StandardButton.No, seen)
    find_by_name(page, "Build result").setText("")
    build(qtbot, page)
    assert seen and seen[0].startswith("Replace these files?")
    assert "Nothing was replaced" in find_by_name(page, "Build result").text()
    assert_cleared(page)


def test_a_failed_build_clears_the_bundles_listed_before(qtbot, make_page, case):
    page, _ = built_once(qtbot, make_page, case)
    out = Path(case.output)
    draft = out / f"support-bundle-{BACKUP}-incident-12345.eml"
    draft.unlink()
    draft.mkdir()  # the draft cannot replace a folder: the build fails after "Replace?"
    seen: list[str] = []
    answer_next_question(QMessageBox.StandardButton.Yes, seen)
    find_by_name(page, "Build result").setText("")
    build(qtbot, page)
    status = find_by_name(page, "Build result")
    qtbot.waitUntil(lambda: status.text().startswith("The bundles were not built"), timeout=20_000)
    assert_cleared(page)


def test_another_output_folder_clears_the_bundles_listed_before(qtbot, make_page, case, tmp_path):
    page, controller = built_once(qtbot, make_page, case)
    controller.update(output=str(tmp_path / "elsewhere"))
    assert_cleared(page)
    assert "build them again" in find_by_name(page, "Build result").text()
    wait_ready(qtbot, page)  # and it builds into the new folder
    build(qtbot, page)
    assert len(list((tmp_path / "elsewhere").glob("*.zip"))) == 2


def test_a_change_that_does_not_touch_the_bundles_keeps_them(qtbot, make_page, case):
    page, controller = built_once(qtbot, make_page, case)
    shown = find_by_name(page, "Bundles written").toPlainText()
    controller.update(replication=dataclasses.replace(case.replication, imported=("x",)))
    assert find_by_name(page, "Bundles written").toPlainText() == shown
    assert all(button(page, name).isEnabled() for name in AFTER_BUILD)


# ------------------------------------------------------------------- concerns


def test_concerns_need_build_anyway_and_then_it_builds(qtbot, make_page, case):
    leaf_only = case.with_changes(files=(case.files[0],), incident="")
    page, _ = make_page(leaf_only)
    anyway = button(page, "Build anyway")
    qtbot.waitUntil(anyway.isVisible, timeout=10_000)
    assert not button(page, "Build bundles").isEnabled()
    assert listed(page) == []
    concerns = listed(page, "Concerns")
    assert concerns[0] == "Step 1, Case: add the incident number: support matches the bundle to it"
    assert concerns[1].startswith("Step 2, Certificates: the chain is incomplete")
    assert reason(page).startswith("Ready, with 2 concerns")

    page.build()  # Ctrl+B, or anything but "Build anyway", builds nothing
    assert find_by_name(page, "Build result").text() == ""
    assert not Path(case.output).exists() or not list(Path(case.output).iterdir())

    qtbot.mouseClick(anyway, Qt.MouseButton.LeftButton)
    result = find_by_name(page, "Build result")
    qtbot.waitUntil(lambda: result.text().startswith("2 bundles written"), timeout=20_000)
    for host in (PRIMARY, BACKUP):
        with zipfile.ZipFile(Path(case.output) / f"support-bundle-{host}.zip") as archive:
            names = sorted(archive.namelist())
        assert names == ["leaf.crt", "manifest.json", f"status-basics-{host}.png"]
