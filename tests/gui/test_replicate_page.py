"""Step 5, Replicate, driven as a user drives it: PKCS#12 files built at run time are
dropped onto the page, the passphrase is typed into the dialog, and what the page shows
(rows, labels, checkboxes), what it saves in the case and what it never writes (the
passphrase) are read back."""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PrivateFormat, pkcs12
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QListWidget

from bundleguard.case.model import ApplianceEntry, Role
from bundleguard.case.replication import LEGACY_REASON
from bundleguard.case.steps import Step
from bundleguard.case.store import CaseStore, load_case
from bundleguard.certs.anchors import NO_ANCHORS
from bundleguard.gui import app as gui_app
from bundleguard.gui import widgets
from bundleguard.gui.certificates_page import UPDATE
from bundleguard.gui.controller import CaseController
from bundleguard.gui.replicate.imports import NO_OTHERS
from bundleguard.gui.replicate_page import NO_LEAF, ReplicatePage
from bundleguard.probe.fake import FakeAppliance, FakePKI
from tests.gui.conftest import find_by_name, top_level_by_name
from tests.gui.dnd import drop_files

SITE = "support.example.com"
PRIMARY = "primary.example.com"
BACKUP = "backup.example.com"
NODE = "node1.example.com"
# Planted so that a copy of it anywhere on disk is found by the grep at the end.
PASS = "Zq7-page-passphrase-never-on-disk-91x"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def pki() -> FakePKI:
    return FakePKI("Replicate Test")


@pytest.fixture(scope="module")
def served(pki):
    return pki.issue([SITE, PRIMARY, BACKUP])


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BUNDLEGUARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


@pytest.fixture
def log_file(home: Path):
    """The app's log file in the test's data folder (removed from the logger afterwards)."""
    path = gui_app.setup_logging()
    assert path is not None
    yield path
    root = logging.getLogger("bundleguard")
    for handler in [h for h in root.handlers if getattr(h, "baseFilename", None) == str(path)]:
        root.removeHandler(handler)
        handler.close()


class Pages:
    """Builds pages on controllers over the test's store; shuts them all down at the end."""

    def __init__(self, qtbot) -> None:
        self.qtbot = qtbot
        self.controllers: list[CaseController] = []
        self.pages: list[ReplicatePage] = []

    def controller(self) -> CaseController:
        controller = CaseController(CaseStore(), load_anchors=False)
        self.controllers.append(controller)
        return controller

    def page(self, controller: CaseController | None = None) -> ReplicatePage:
        page = ReplicatePage(controller or self.controller())
        self.qtbot.addWidget(page)
        page.resize(1000, 900)
        page.show()
        self.pages.append(page)
        return page

    def close(self) -> None:
        for page in self.pages:
            panel = page.verify_panel
            if panel is not None:
                panel.cancel()
                self.qtbot.waitUntil(lambda panel=panel: not panel.busy, timeout=10_000)
        for controller in self.controllers:
            controller.shutdown()


@pytest.fixture
def pages(qtbot, home):
    made = Pages(qtbot)
    yield made
    made.close()


def with_case(controller: CaseController, *, node: bool = False, primary: str = PRIMARY) -> None:
    entries = [ApplianceEntry(primary, Role.PRIMARY), ApplianceEntry(BACKUP, Role.BACKUP)]
    if node:
        entries.append(ApplianceEntry(NODE, Role.NODE))
    controller.update(site=SITE, appliances=tuple(entries))


def write_p12(
    path: Path,
    served,
    pki: FakePKI,
    *,
    legacy: bool = False,
    chain: bool = True,
    root: bool = False,
    key=None,
    passphrase: str = PASS,
) -> Path:
    """An exported PKCS#12 as an appliance writes one (AES-256 or legacy 3DES). With `key`,
    that key goes in beside the certificates instead of the certificate's own."""
    builder = PrivateFormat.PKCS12.encryption_builder().kdf_rounds(2048)
    if legacy:
        builder = builder.key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC).hmac_hash(
            hashes.SHA1()
        )
    else:
        builder = builder.key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC).hmac_hash(
            hashes.SHA256()
        )
    cas = [pki.intermediate] if chain else []
    if root:
        cas.append(pki.root)
    if key is None:
        cert = served.leaf
        key = served.key
    else:  # the library refuses to pair a key with another's certificate: bag them apart
        cert = None
        cas.insert(0, served.leaf)
    data = pkcs12.serialize_key_and_certificates(
        b"exported", key, cert, cas or None, builder.build(passphrase.encode())
    )
    path.write_bytes(data)
    return path


def fingerprint(cert) -> str:
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def drop(widget: QListWidget, paths: list[Path]) -> None:
    """A real drag and drop of file URLs onto the list (its viewport is what is under the
    mouse)."""
    assert drop_files(widget.viewport(), paths)


def exported_list(page) -> QListWidget:
    found = find_by_name(page, "Exported PKCS#12")
    assert isinstance(found, QListWidget)
    return found


def rows(widget: QListWidget) -> list[str]:
    return [widget.item(r).data(Qt.ItemDataRole.AccessibleTextRole) for r in range(widget.count())]


def row(widget: QListWidget, label: str) -> str:
    found = [text for text in rows(widget) if text.startswith(f"{label}: ")]
    assert len(found) == 1, rows(widget)
    return found[0]


def label_text(page, name: str) -> str:
    widget = find_by_name(page, name)
    assert isinstance(widget, QLabel)
    assert widget.textFormat() == Qt.TextFormat.PlainText
    return widget.text()


def passphrase_dialog(qtbot):
    qtbot.waitUntil(lambda: top_level_by_name("Passphrase") is not None, timeout=20_000)
    return top_level_by_name("Passphrase")


def passphrase_field(dialog) -> QLineEdit:
    fields = [f for f in dialog.findChildren(QLineEdit) if f.accessibleName() == "Passphrase"]
    assert len(fields) == 1
    return fields[0]


def answer(qtbot, text: str) -> tuple[str, QLineEdit]:
    """Type `text` into the passphrase dialog and press Check; what its problem line said."""
    dialog = passphrase_dialog(qtbot)
    problem = find_by_name(dialog, "Passphrase problem")
    said = problem.text() if problem.isVisibleTo(dialog) else ""
    field = passphrase_field(dialog)
    assert field.echoMode() == QLineEdit.EchoMode.Password
    qtbot.keyClicks(field, text)
    qtbot.mouseClick(find_by_name(dialog, "Check"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    return said, field


def open_p12(qtbot, page, path: Path, passphrase: str = PASS) -> None:
    drop(exported_list(page), [path])
    answer(qtbot, passphrase)
    wait_opened(qtbot, page, path)


def wait_opened(qtbot, page, path: Path) -> None:
    """The page shows the report of `path` (its name, then the rows)."""
    qtbot.waitUntil(
        lambda: label_text(page, "Exported PKCS#12 file").startswith(f"{path.name}: "),
        timeout=20_000,
    )
    assert any(t.startswith("Encryption?: ") for t in rows(exported_list(page)))


def files_holding(folder: Path, secret: bytes) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and secret in p.read_bytes()]


# --------------------------------------------------------------------------- PKCS#12 rows


def test_of_files_dropped_together_the_export_is_chosen_by_content_not_by_name(
    qtbot, pages, home, pki, served
) -> None:
    controller = pages.controller()
    with_case(controller)
    page = pages.page(controller)
    named = home / "notes.p12"
    named.write_text("a note whose name says PKCS#12\n")
    exported = write_p12(home / "appliance-export.bin", served, pki)

    drop(exported_list(page), [named, exported])
    dialog = passphrase_dialog(qtbot)
    texts = " ".join(w.text() for w in dialog.findChildren(QLabel))
    assert "Type the passphrase of appliance-export.bin to check it." in texts
    answer(qtbot, PASS)
    wait_opened(qtbot, page, exported)


def test_an_aes_pkcs12_dropped_is_checked_saved_by_fingerprint_and_the_passphrase_kept_nowhere(
    qtbot, pages, home, log_file, pki, served
) -> None:
    controller = pages.controller()
    with_case(controller)
    page = pages.page(controller)
    exported = write_p12(home / "exported.p12", served, pki)

    drop(exported_list(page), [exported])
    dialog = passphrase_dialog(qtbot)
    texts = " ".join(w.text() for w in dialog.findChildren(QLabel))
    assert "Type the passphrase of exported.p12 to check it." in texts
    field = answer(qtbot, PASS)[1]
    assert field.text() == ""
    listed = exported_list(page)
    qtbot.waitUntil(lambda: any("Encryption?" in t for t in rows(listed)), timeout=20_000)

    assert row(listed, "Holds the certificate?") == "Holds the certificate?: pass: Yes."
    assert row(listed, "Holds the private key?") == (
        "Holds the private key?: pass: Yes, and it matches the certificate."
    )
    assert row(listed, "Holds the chain?").startswith("Holds the chain?: pass: ")
    assert row(listed, "Passphrase set?") == "Passphrase set?: pass: Yes."
    assert row(listed, "Encryption?").startswith("Encryption?: pass: AES-256")
    # The word is in the text too, with an icon: never colour alone.
    item = listed.item(0)
    assert "pass" in item.text() and not item.icon().isNull()
    shown = label_text(page, "Exported PKCS#12 file")
    assert shown.startswith("exported.p12: ")
    assert fingerprint(served.leaf) in shown

    # The plan now judges the exported certificate.
    plan = find_by_name(page, "Certificate covers every name?")
    assert rows(plan)[0] == "Certificate covers every name?: pass: Yes: all 3 names."
    assert "exported.p12" in label_text(page, "Plan source")

    saved = load_case(controller.path)
    assert saved.replication.exported_pkcs12 == str(exported)
    assert saved.replication.exported_fingerprint == fingerprint(served.leaf)
    assert str(exported) not in saved.files and saved.files == ()
    assert find_by_name(page, "Re-wrap").isEnabled()

    # Nothing the page wrote holds the passphrase: case, recent list, log, settings.
    for handler in logging.getLogger("bundleguard").handlers:
        handler.flush()
    assert log_file.is_file()
    secret = PASS.encode()
    written = [p for p in home.rglob("*") if p.is_file()]
    assert controller.path in written and log_file in written
    assert [p for p in written if secret in p.read_bytes()] == []
    assert files_holding(Path(os.environ["BUNDLEGUARD_CONFIG_DIR"]), secret) == []
    sections = (page, page.plan, page.export, page.export.rewrap, page.imports)
    for holder in (*sections, page.update_section):
        assert not any(secret in str(value).encode() for value in vars(holder).values())


def test_3des_warns_with_the_legacy_reason(qtbot, pages, home, pki, served) -> None:
    page = pages.page()
    open_p12(qtbot, page, write_p12(home / "legacy.pfx", served, pki, legacy=True))
    text = row(exported_list(page), "Encryption?")
    assert text.startswith("Encryption?: warn: Legacy (")
    assert LEGACY_REASON in text


def test_no_chain_warns_and_a_key_of_another_certificate_fails(
    qtbot, pages, home, pki, served
) -> None:
    page = pages.page()
    open_p12(qtbot, page, write_p12(home / "leaf-only.p12", served, pki, chain=False))
    assert row(exported_list(page), "Holds the chain?").startswith("Holds the chain?: warn: ")

    other_key = ec.generate_private_key(ec.SECP256R1())
    open_p12(qtbot, page, write_p12(home / "wrong-key.p12", served, pki, key=other_key))
    assert row(exported_list(page), "Holds the private key?") == (
        "Holds the private key?: fail: A private key is there, but it does not belong to "
        "the certificate."
    )
    assert "wrong-key.p12" in label_text(page, "Exported PKCS#12 file")


def test_a_wrong_passphrase_asks_again_and_cancel_changes_nothing(
    qtbot, pages, home, pki, served
) -> None:
    controller = pages.controller()
    page = pages.page(controller)
    exported = write_p12(home / "exported.p12", served, pki)
    drop(exported_list(page), [exported])
    said, _ = answer(qtbot, PASS + "-typo")
    assert said == ""  # asked the first time: nothing is wrong yet
    said, _ = answer(qtbot, PASS)
    assert "The passphrase given for 'exported.p12' is wrong" in said
    assert "Try again." in said
    wait_opened(qtbot, page, exported)
    before = rows(exported_list(page))
    case_before = controller.case

    other = write_p12(home / "other.p12", served, pki, legacy=True)
    drop(exported_list(page), [other])
    dialog = passphrase_dialog(qtbot)
    qtbot.keyClicks(passphrase_field(dialog), "half typed")
    qtbot.mouseClick(find_by_name(dialog, "Cancel"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    assert passphrase_field(dialog).text() == ""
    qtbot.wait(100)
    assert rows(exported_list(page)) == before
    assert controller.case == case_before
    assert "exported.p12" in label_text(page, "Exported PKCS#12 file")


def test_a_file_that_is_no_pkcs12_is_said_in_words(qtbot, pages, home) -> None:
    page = pages.page()
    notes = home / "notes.p12"
    notes.write_text("just notes\n")
    drop(exported_list(page), [notes])
    qtbot.waitUntil(lambda: find_by_name(page, "Export problem").isVisible(), timeout=20_000)
    problem = label_text(page, "Export problem")
    assert problem.startswith("notes.p12 cannot be checked: ")
    assert "PKCS#12" in problem
    assert not find_by_name(page, "Re-wrap").isEnabled()


def test_certificate_fields_and_file_names_show_as_plain_characters(
    qtbot, pages, home, pki
) -> None:
    bold = pki.issue([SITE, PRIMARY], common_name="<b>x</b>")
    page = pages.page()
    open_p12(qtbot, page, write_p12(home / "<i>export.p12", bold, pki))
    shown = label_text(page, "Exported PKCS#12 file")
    assert shown.startswith("<i>export.p12: <b>x</b>")


def test_after_a_restart_the_page_says_which_pkcs12_was_checked(
    qtbot, pages, home, pki, served
) -> None:
    controller = pages.controller()
    page = pages.page(controller)
    exported = write_p12(home / "exported.p12", served, pki)
    open_p12(qtbot, page, exported)

    again = pages.page(pages.controller())
    shown = label_text(again, "Exported PKCS#12 file")
    assert "Checked before: exported.p12" in shown
    assert f"SHA-256 {fingerprint(served.leaf)}" in shown
    assert "passphrase is needed to check it again" in shown
    assert not find_by_name(again, "Re-wrap").isEnabled()
    assert "Open the exported PKCS#12 first" in find_by_name(again, "Re-wrap").toolTip()
    qtbot.mouseClick(find_by_name(again, "Check the PKCS#12 again"), Qt.MouseButton.LeftButton)
    answer(qtbot, PASS)
    wait_opened(qtbot, again, exported)
    assert find_by_name(again, "Re-wrap").isEnabled()


# --------------------------------------------------------------------------- re-wrap


def test_rewrap_writes_a_new_file_that_opens_with_the_new_passphrase(
    qtbot, pages, home, pki, served
) -> None:
    page = pages.page()
    assert not find_by_name(page, "Re-wrap").isEnabled()
    exported = write_p12(home / "exported.p12", served, pki, legacy=True)
    open_p12(qtbot, page, exported)
    qtbot.mouseClick(find_by_name(page, "Re-wrap"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: top_level_by_name("Re-wrap PKCS#12") is not None, timeout=5_000)
    dialog = top_level_by_name("Re-wrap PKCS#12")
    new = PASS + "-new"
    qtbot.keyClicks(find_by_name(dialog, "Current passphrase"), PASS)
    qtbot.keyClicks(find_by_name(dialog, "New passphrase"), new)
    qtbot.keyClicks(find_by_name(dialog, "New passphrase again"), new)
    qtbot.mouseClick(find_by_name(dialog, "Write re-wrapped file"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: find_by_name(page, "Re-wrapped file").isVisible(), timeout=20_000)
    written = label_text(page, "Re-wrapped file")
    assert written.startswith("Written: ")
    assert "import this file on the other appliances" in written
    assert "It holds the private key: keep it on your private network." in written
    path = Path(written.removeprefix("Written: ").split(" — ")[0])
    assert path.is_file() and path.parent == home

    open_p12(qtbot, page, path, new)
    assert row(exported_list(page), "Encryption?").startswith("Encryption?: pass: AES-256")
    for secret in (PASS.encode(), new.encode()):
        assert files_holding(home, secret) == []


# --------------------------------------------------------------------------- plan


def test_the_plan_without_a_certificate_says_what_to_do_then_judges_the_case_files(
    qtbot, pages, home, pki
) -> None:
    controller = pages.controller()
    with_case(controller, node=True)
    page = pages.page(controller)
    assert label_text(page, "Plan source") == NO_LEAF
    served = pki.issue([SITE, PRIMARY])
    files = []
    for cert, name in ((served.leaf, "leaf.crt"), (pki.intermediate, "int.crt")):
        (home / name).write_bytes(cert.public_bytes(Encoding.PEM))
        files.append(str(home / name))
    controller.update(files=tuple(files))
    plan = find_by_name(page, "Certificate covers every name?")
    qtbot.waitUntil(lambda: plan.count() > 0, timeout=20_000)
    assert rows(plan)[0] == (
        f"Certificate covers every name?: fail: No: it does not cover {BACKUP}, {NODE}."
    )
    assert f"Covers {SITE} (the site)?: pass: Yes." in rows(plan)
    backup = next(t for t in rows(plan) if t.startswith(f"Covers {BACKUP}"))
    assert backup.startswith(f"Covers {BACKUP} (appliance)?: fail: ")
    assert "must cover each appliance's own hostname and the site" in backup
    node = next(t for t in rows(plan) if t.startswith(f"Covers {NODE}"))
    assert "use a wildcard" in node
    assert label_text(page, "Plan source") == "Checked with the certificate files of step 2."


# --------------------------------------------------------------------------- import


def test_import_checkboxes_are_saved_and_come_back_after_a_restart(qtbot, pages, home) -> None:
    controller = pages.controller()
    page = pages.page(controller)
    assert find_by_name(page, "No other appliance").isVisible()
    assert label_text(page, "No other appliance") == NO_OTHERS
    with_case(controller, node=True)
    assert not find_by_name(page, "No other appliance").isVisible()
    with pytest.raises(AssertionError):
        find_by_name(page, f"{PRIMARY}: imported")  # the primary exports: no row for it
    box = find_by_name(page, f"{BACKUP}: imported")
    assert isinstance(box, QCheckBox) and not box.isChecked()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    assert load_case(controller.path).replication.imported == (BACKUP,)
    node = find_by_name(page, f"{NODE}: imported")
    qtbot.mouseClick(node, Qt.MouseButton.LeftButton)
    assert load_case(controller.path).replication.imported == (BACKUP, NODE)
    assert "Security :: Other Certificates" in label_text(page, "How to import")
    assert "no SNI" in label_text(page, "Default certificate")

    controller.shutdown()  # the window closes: its lock on the case goes with it
    again = pages.page(pages.controller())
    assert find_by_name(again, f"{BACKUP}: imported").isChecked()
    assert find_by_name(again, f"{NODE}: imported").isChecked()
    qtbot.mouseClick(find_by_name(again, f"{BACKUP}: imported"), Qt.MouseButton.LeftButton)
    assert load_case(again.controller.path).replication.imported == (NODE,)


def test_open_appliance_buttons_open_each_appliance_page(
    qtbot, pages, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(widgets, "open_url", opened.append)
    controller = pages.controller()
    page = pages.page(controller)
    button = find_by_name(page, "Open /appliance on the primary for step 1")
    assert not button.isEnabled()
    assert "no primary hostname" in button.toolTip()
    assert "no primary hostname" in label_text(page, "Primary")
    with_case(controller, node=True)
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(find_by_name(page, f"Open /appliance on {BACKUP}"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(find_by_name(page, f"Open /appliance on {NODE}"), Qt.MouseButton.LeftButton)
    assert opened == [
        f"https://{PRIMARY}/appliance",
        f"https://{BACKUP}/appliance",
        f"https://{NODE}/appliance",
    ]


# --------------------------------------------------------------------------- software update


def test_a_private_ca_needs_the_update_and_the_wait_is_shown(
    qtbot, pages, home, pki, served
) -> None:
    controller = pages.controller()
    with_case(controller)
    page = pages.page(controller)
    assert label_text(page, "Software update needed").startswith(
        "Software update needed: not known yet"
    )
    assert not find_by_name(page, "Vendor update installed").isVisible()
    open_p12(qtbot, page, write_p12(home / "no-root.p12", served, pki))
    assert label_text(page, "Software update needed") == (
        "Software update needed: checking the trusted roots…"
    )
    controller._anchors_loaded(NO_ANCHORS)
    # Without its root (and no trusted root here) the core cannot tell who issued it.
    qtbot.waitUntil(
        lambda: label_text(page, "Software update needed").startswith(
            "Software update needed: not known — cannot tell who issued it"
        ),
        timeout=20_000,
    )
    assert not find_by_name(page, "Vendor update installed").isVisible()
    open_p12(qtbot, page, write_p12(home / "exported.p12", served, pki, root=True))
    qtbot.waitUntil(
        lambda: label_text(page, "Software update needed").startswith(UPDATE), timeout=20_000
    )
    assert label_text(page, "Software update needed") == UPDATE  # said once, not twice
    box = find_by_name(page, "Vendor update installed")
    assert box.isVisible() and not box.isChecked()
    with qtbot.waitSignal(page.bundleStepRequested, timeout=1_000):
        qtbot.mouseClick(find_by_name(page, "Go to Bundle & email"), Qt.MouseButton.LeftButton)
    # The step asked for is named as data, never as an index.
    with qtbot.waitSignal(page.stepRequested, timeout=1_000) as asked:
        qtbot.mouseClick(find_by_name(page, "Go to Bundle & email"), Qt.MouseButton.LeftButton)
    assert asked.args == [Step.BUNDLE]

    before = dt.datetime.now(dt.UTC)
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    stored = load_case(controller.path).replication.vendor_update_installed
    when = dt.datetime.fromisoformat(stored)
    assert when.tzinfo is not None and before <= when <= dt.datetime.now(dt.UTC)
    wait = label_text(page, "Update wait")
    assert wait.startswith("The vendor update was installed 0 minutes ago.")
    assert "24 to 48 hours" in wait

    long_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=50)).isoformat()
    replication = controller.case.replication
    controller.update(replication=replace(replication, vendor_update_installed=long_ago))
    assert "more than 48 hours ago: clients have had time" in label_text(page, "Update wait")

    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    assert load_case(controller.path).replication.vendor_update_installed == ""


# --------------------------------------------------------------------------- verify


def test_the_verify_panel_compares_with_the_opened_pkcs12(qtbot, pages, home, pki, served) -> None:
    controller = pages.controller()
    page = pages.page(controller)
    if page.verify_panel is None:
        pytest.fail("the verify panel is missing")
    other = pki.issue([SITE, PRIMARY, BACKUP])
    with (
        FakeAppliance(PRIMARY, default=served) as primary,
        FakeAppliance(BACKUP, default=other) as backup,
    ):
        controller.update(
            site=SITE,
            appliances=(
                ApplianceEntry(PRIMARY, Role.PRIMARY, f"127.0.0.1:{primary.port}"),
                ApplianceEntry(BACKUP, Role.BACKUP, f"127.0.0.1:{backup.port}"),
            ),
        )
        open_p12(qtbot, page, write_p12(home / "exported.p12", served, pki))
        with qtbot.waitSignal(page.verify_panel.verified, timeout=30_000):
            qtbot.mouseClick(find_by_name(page, "Verify appliances"), Qt.MouseButton.LeftButton)
    grid = find_by_name(page, "Verification results")
    texts = {
        grid.item(r, c).data(Qt.ItemDataRole.AccessibleTextRole)
        for r in range(grid.rowCount())
        for c in range(grid.columnCount())
    }
    assert f"{PRIMARY}: matches the exported PKCS#12: pass" in texts
    assert f"{BACKUP}: matches the exported PKCS#12: fail" in texts


def test_choose_offers_pkcs12_files_first_and_opens_the_one_chosen(
    qtbot, pages, home, pki, served, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QFileDialog

    exported = write_p12(home / "chosen.pfx", served, pki)
    asked: list[str] = []

    def chosen(_parent, _title, _start, filters):
        asked.append(filters)
        return str(exported), filters.split(";;")[0]

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(chosen))
    page = pages.page()
    qtbot.mouseClick(find_by_name(page, "Choose exported PKCS#12"), Qt.MouseButton.LeftButton)
    answer(qtbot, PASS)
    wait_opened(qtbot, page, exported)
    assert asked == ["PKCS#12 files (*.p12 *.pfx);;All files (*)"]


# ------------------------------------------------------------------ the export checklist


def test_the_export_steps_are_a_checklist_each_with_its_button_to_the_primary(
    qtbot, pages, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bundleguard.gui.replicate.export import EXPORT_STEPS

    opened: list[str] = []
    monkeypatch.setattr(widgets, "open_url", opened.append)
    controller = pages.controller()
    page = pages.page(controller)
    assert len(EXPORT_STEPS) == 4
    buttons = [
        find_by_name(page, f"Open /appliance on the primary for step {n}")
        for n in range(1, len(EXPORT_STEPS) + 1)
    ]
    for button in buttons:  # no primary yet: disabled, and the tooltip says why
        assert not button.isEnabled() and button.text() == "Open /appliance"
        assert "no primary hostname yet" in button.toolTip()

    with_case(controller)
    for number, (words, button) in enumerate(zip(EXPORT_STEPS, buttons, strict=True), 1):
        box = find_by_name(page, words)
        assert isinstance(box, QCheckBox) and box.isVisible() and not box.isChecked()
        assert button.isEnabled() and button.isVisible()
        assert f"https://{PRIMARY}/appliance" in button.toolTip()
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert opened == [f"https://{PRIMARY}/appliance"] * number
        # The words are shown beside the box, and a click on them ticks it.
        shown = [
            w
            for w in page.findChildren(QLabel)
            if w.text() == words and w.isVisible() and w.textFormat() == Qt.TextFormat.PlainText
        ]
        assert len(shown) == 1
        qtbot.mouseClick(shown[0], Qt.MouseButton.LeftButton)
        assert box.isChecked()
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
        assert not box.isChecked()
    box = find_by_name(page, EXPORT_STEPS[0])
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    assert box.isChecked()
    assert controller.case.replication == load_case(controller.path).replication  # not saved

    controller.new()  # another case: its own checklist, nothing ticked, no primary yet
    assert not box.isChecked()
    assert not any(b.isEnabled() for b in buttons)


# ------------------------------------------------------------------ untrusted text


def test_tooltips_show_hostnames_and_details_as_plain_characters(qtbot, pages, home, pki) -> None:
    from bundleguard.case.replication import CheckRow, Status
    from bundleguard.gui.replicate.common import RowList

    controller = pages.controller()
    page = pages.page(controller)
    controller.update(
        site=SITE,
        appliances=(
            ApplianceEntry("<b>x</b>", Role.PRIMARY),
            ApplianceEntry("<i>y</i>", Role.BACKUP),
        ),
    )
    tip = find_by_name(page, "Open /appliance on the primary for step 1").toolTip()
    assert "&lt;b&gt;x&lt;/b&gt;" in tip and "<b>" not in tip
    assert "is not a valid host name" in tip
    assert not find_by_name(page, "Open /appliance on the primary for step 1").isEnabled()
    tip = find_by_name(page, "Open /appliance on <i>y</i>").toolTip()
    assert "&lt;i&gt;y&lt;/i&gt;" in tip and "<i>" not in tip

    # The plan's rows quote the names too (the core says the name is not valid).
    served = pki.issue([SITE])
    (home / "leaf.crt").write_bytes(served.leaf.public_bytes(Encoding.PEM))
    controller.update(files=(str(home / "leaf.crt"),))
    plan = find_by_name(page, "Certificate covers every name?")
    qtbot.waitUntil(lambda: plan.count() > 2, timeout=20_000)
    tips = [plan.item(r).toolTip() for r in range(plan.count())]
    assert any("&lt;b&gt;x&lt;/b&gt;" in t for t in tips), tips
    assert not any("<b>" in t or "<i>" in t for t in tips), tips

    rows_list = RowList("Rows")
    qtbot.addWidget(rows_list)
    rows_list.show_rows([CheckRow("Served?", Status.FAIL, "No: <b>x</b> & <i>y</i>.")])
    tip = rows_list.item(0).toolTip()
    assert "No: &lt;b&gt;x&lt;/b&gt; &amp; &lt;i&gt;y&lt;/i&gt;." in tip and "<b>" not in tip


# ------------------------------------------------------------------ names being typed


def case_files(home: Path, pki: FakePKI, names: list[str]) -> tuple[str, ...]:
    """The certificate files of step 2 (leaf and intermediate, PEM) for `names`."""
    home.mkdir(exist_ok=True)
    served = pki.issue(names)
    files = []
    for cert, name in ((served.leaf, "leaf.crt"), (pki.intermediate, "int.crt")):
        (home / name).write_bytes(cert.public_bytes(Encoding.PEM))
        files.append(str(home / name))
    return tuple(files)


def test_a_site_being_typed_is_a_failed_plan_row_never_an_exception(
    qtbot, pages, home, pki
) -> None:
    controller = pages.controller()
    with_case(controller, node=True)
    controller.update(files=case_files(home, pki, [SITE, PRIMARY, BACKUP, NODE]))
    page = pages.page(controller)
    plan = find_by_name(page, "Certificate covers every name?")
    qtbot.waitUntil(lambda: plan.count() > 0, timeout=20_000)
    assert rows(plan)[0] == "Certificate covers every name?: pass: Yes: all 4 names."
    for typed in ("my-", "bad host"):
        controller.update(site=typed)  # pytest-qt fails the test on an exception in a slot
        assert rows(plan)[0].startswith("Certificate covers every name?: fail: ")
        said = [t for t in rows(plan) if f"'{typed}' is not a valid host name" in t]
        assert said, rows(plan)
        assert plan.isVisible()


def test_a_core_error_in_the_plan_is_said_in_the_plan(
    qtbot, pages, home, pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bundleguard.case import replication
    from bundleguard.errors import InputError

    controller = pages.controller()
    with_case(controller)
    controller.update(files=case_files(home, pki, [SITE, PRIMARY, BACKUP]))
    page = pages.page(controller)
    plan = find_by_name(page, "Certificate covers every name?")
    qtbot.waitUntil(lambda: plan.count() > 0, timeout=20_000)

    def refuses(_case, _leaf):  # a name the core cannot judge (injected: none does today)
        raise InputError("'<b>odd</b>' cannot be judged.")

    monkeypatch.setattr(replication, "coverage_rows", refuses)
    controller.update(site="odd.example.com")
    assert rows(plan) == ["The names cannot be checked yet: '<b>odd</b>' cannot be judged."]
    assert "&lt;b&gt;odd&lt;/b&gt;" in plan.item(0).toolTip()


# ------------------------------------------------------------------ results of another case


def test_a_pkcs12_checked_after_a_new_case_was_started_lands_in_neither_case(
    qtbot, pages, home, pki, served
) -> None:
    controller = pages.controller()
    with_case(controller)
    page = pages.page(controller)
    first = controller.path
    drop(exported_list(page), [write_p12(home / "exported.p12", served, pki)])
    dialog = passphrase_dialog(qtbot)
    qtbot.keyClicks(passphrase_field(dialog), PASS)
    qtbot.mouseClick(find_by_name(dialog, "Check"), Qt.MouseButton.LeftButton)
    # The check runs in a worker; its result can only arrive once events are processed:
    # the user starts another case before that.
    controller.new()
    controller.shutdown()  # waits for the worker and delivers its result
    assert controller.path != first
    assert controller.case.replication.exported_pkcs12 == ""
    assert load_case(controller.path).replication.exported_pkcs12 == ""
    assert load_case(first).replication.exported_pkcs12 == ""
    assert label_text(page, "Exported PKCS#12 file") == "No exported PKCS#12 yet."
    assert not find_by_name(page, "Re-wrap").isEnabled()
    assert label_text(page, "Plan source") == NO_LEAF


def test_a_passphrase_asked_for_another_case_opens_nothing_into_this_one(
    qtbot, pages, home, pki, served
) -> None:
    controller = pages.controller()
    controller.update(site="other.example.com")
    other = controller.path
    controller.new()
    with_case(controller)
    page = pages.page(controller)
    first = controller.path
    drop(exported_list(page), [write_p12(home / "exported.p12", served, pki)])
    passphrase_dialog(qtbot)
    controller.open(other)  # while the dialog asks for the first case's file
    answer(qtbot, PASS)
    controller.shutdown()
    assert controller.case.site == "other.example.com"
    assert controller.case.replication.exported_pkcs12 == ""
    assert load_case(other).replication.exported_pkcs12 == ""
    assert load_case(first).replication.exported_pkcs12 == ""
    assert label_text(page, "Exported PKCS#12 file") == "No exported PKCS#12 yet."


def test_a_pkcs12_checked_while_the_case_is_saved_elsewhere_still_lands_in_it(
    qtbot, pages, home, pki, served
) -> None:
    controller = pages.controller()
    with_case(controller)
    page = pages.page(controller)
    exported = write_p12(home / "exported.p12", served, pki)
    drop(exported_list(page), [exported])
    dialog = passphrase_dialog(qtbot)
    qtbot.keyClicks(passphrase_field(dialog), PASS)
    qtbot.mouseClick(find_by_name(dialog, "Check"), Qt.MouseButton.LeftButton)
    moved = home / "moved.bgcase"
    controller.save_as(moved)  # the same case under another name
    wait_opened(qtbot, page, exported)
    assert load_case(moved).replication.exported_pkcs12 == str(exported)


def test_the_plan_of_a_new_case_never_shows_the_last_case_s_certificate(
    qtbot, pages, home, pki
) -> None:
    controller = pages.controller()
    with_case(controller)
    controller.update(files=case_files(home, pki, [SITE, PRIMARY, BACKUP]))
    first = controller.path
    page = pages.page(controller)  # starts reading the files in a worker
    controller.new()  # before that read reports
    controller.shutdown()
    assert label_text(page, "Plan source") == NO_LEAF
    plan = find_by_name(page, "Certificate covers every name?")
    assert not plan.isVisible()

    other = pages.controller()
    other.new()
    with_case(other, node=True)
    other.update(files=case_files(home / "other", pki, [SITE]))
    second = other.path
    other.shutdown()
    controller.open(first)
    qtbot.waitUntil(lambda: plan.isVisible(), timeout=20_000)
    controller.open(second)  # its files are being read: the first case's plan is gone
    assert label_text(page, "Plan source") == "Reading the certificate files…"
    assert not plan.isVisible()
    qtbot.waitUntil(lambda: plan.isVisible(), timeout=20_000)
    assert rows(plan)[0] == (
        f"Certificate covers every name?: fail: No: it does not cover {PRIMARY}, {BACKUP}, {NODE}."
    )


def test_the_export_step_says_the_key_file_never_goes_to_support(pages):
    page = pages.page()
    assert label_text(page, "Where the exported file goes").startswith(
        "This export holds the private key: it is only for your other appliances."
    )


def test_a_keystroke_in_the_site_or_incident_reads_and_stats_none_of_the_case_s_files(
    qtbot, pages, home, pki, served, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bundleguard import files as files_module
    from bundleguard.guard import scan
    from bundleguard.gui.replicate_page import PLAN_DELAY_MS

    controller = pages.controller()
    with_case(controller)
    controller.update(files=case_files(home, pki, [SITE, PRIMARY, BACKUP]))
    open_p12(qtbot, pages.page(controller), write_p12(home / "exported.p12", served, pki))
    controller.shutdown()
    again = pages.page(pages.controller())  # the export is recorded, not open
    plan = find_by_name(again, "Certificate covers every name?")
    qtbot.waitUntil(lambda: plan.count() > 0, timeout=20_000)
    assert find_by_name(again, "Check the PKCS#12 again").isVisible()

    ours = {"exported.p12", "leaf.crt", "int.crt"}
    touched: list[str] = []
    real_read, real_scan, real_is_file = files_module.read_input_file, scan.scan_file, Path.is_file

    def read(path, *args, **kwargs):
        touched.append(f"read {Path(path).name}")
        return real_read(path, *args, **kwargs)

    def scanned(path, *args, **kwargs):
        touched.append(f"scan {Path(path).name}")
        return real_scan(path, *args, **kwargs)

    def is_file(path):
        touched.append(f"stat {path.name}")
        return real_is_file(path)

    monkeypatch.setattr(files_module, "read_input_file", read)
    monkeypatch.setattr(scan, "scan_file", scanned)
    monkeypatch.setattr(Path, "is_file", is_file)
    for typed in ("s", "su", "sup"):
        again.controller.update(site=typed)
        again.controller.update(incident=typed)
    again.controller.update(site=SITE)
    qtbot.wait(PLAN_DELAY_MS + 300)
    monkeypatch.undo()
    assert [t for t in touched if t.split(" ", 1)[1] in ours] == []
    assert rows(plan)[0] == "Certificate covers every name?: pass: Yes: all 3 names."
