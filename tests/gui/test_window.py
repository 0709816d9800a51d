"""The window driven as a user does: drops, the passphrase fix, paste, restart, damaged
case files, untrusted text shown literally, and a log without the passphrase."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, Encoding, pkcs12
from cryptography.x509.oid import NameOID
from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QLineEdit

from bundleguard.case.store import CaseStore
from bundleguard.gui import app as gui_app
from bundleguard.gui.controller import CaseController
from bundleguard.gui.window import MainWindow
from bundleguard.probe.fake import FakePKI
from tests.gui.conftest import find_by_name, top_level_by_name
from tests.gui.dnd import drop_files

PASS = "s3cret-demo-passphrase-XyZ"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BUNDLEGUARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BUNDLEGUARD_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


def make_window(qtbot) -> MainWindow:
    controller = CaseController(CaseStore(), load_anchors=False)
    window = MainWindow(controller)
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.fixture
def files(home: Path) -> dict[str, Path]:
    pki = FakePKI("Window Test")
    served = pki.issue(["support.example.com", "primary.example.com"])
    folder = home / "input"
    folder.mkdir()
    chain = folder / "chain.pem"
    chain.write_bytes(b"".join(c.public_bytes(Encoding.PEM) for c in served.chain))
    p12 = folder / "exported-cert.crt"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"x",
            served.key,
            served.leaf,
            [pki.intermediate],
            BestAvailableEncryption(PASS.encode()),
        )
    )
    return {"chain": chain, "p12": p12, "leaf_pem": served.leaf.public_bytes(Encoding.PEM)}


def drop(window: MainWindow, paths: list[Path]) -> bool:
    return drop_files(window, paths, QPointF(20, 20))


def rows(window: MainWindow) -> list[str]:
    files = find_by_name(window, "Files")
    model = files.model()
    return [
        model.index(r, 0).data(Qt.ItemDataRole.AccessibleTextRole) for r in range(model.rowCount())
    ]


def wait_rows(qtbot, window: MainWindow, count: int) -> None:
    qtbot.waitUntil(
        lambda: len(rows(window)) == count and not any("checking" in r for r in rows(window)),
        timeout=20000,
    )


def select(window: MainWindow, name: str) -> None:
    files = find_by_name(window, "Files")
    model = files.model()
    for r in range(model.rowCount()):
        if model.index(r, 0).data().startswith(name):
            files.setCurrentIndex(model.index(r, 0))
            return
    raise AssertionError(name)


def answer_passphrase(qtbot, texts: list[str], seen: list[str]) -> None:
    """Type each passphrase in turn into the dialog when it appears."""

    def step() -> None:
        dialog = top_level_by_name("Passphrase")
        if dialog is None:
            QTimer.singleShot(50, step)
            return
        seen.append(dialog.problem.text() if dialog.problem.isVisibleTo(dialog) else "")
        field = dialog.findChild(QLineEdit)
        assert field.accessibleName() == "Passphrase"
        assert field.echoMode() == QLineEdit.EchoMode.Password
        field.setText(texts.pop(0))
        find_by_name(dialog, "Extract").click()

    QTimer.singleShot(50, step)


def test_drop_a_chain_and_a_renamed_pkcs12_then_extract(qtbot, files, home, monkeypatch):
    window = make_window(qtbot)
    assert drop(window, [files["chain"], files["p12"]])
    wait_rows(qtbot, window, 2)
    shown = rows(window)
    assert "chain.pem — accepted (certificate)" in shown
    assert "exported-cert.crt — refused — holds a private key" in shown
    select(window, "exported-cert.crt")
    reason = find_by_name(window, "Reason").text()
    assert "exported-cert.crt" in reason and "PKCS#12" in reason
    extract = find_by_name(window, "Extract the certificates")
    assert extract.isVisible()

    seen: list[str] = []
    answer_passphrase(qtbot, ["wrong-one"], seen)
    # The second dialog (after the wrong passphrase) gets the right one.
    window.certificates_page.controller.pool  # noqa: B018 - the pool exists
    original = window.certificates_page._extract_failed

    def again(path, message, task):
        answer_passphrase(qtbot, [PASS], seen)
        original(path, message, task)

    monkeypatch.setattr(window.certificates_page, "_extract_failed", again)
    extract.click()
    # The chain already holds both certificates of the export: nothing is added twice,
    # and the key container leaves the case (the fix is complete: the step can be done).
    qtbot.waitUntil(lambda: rows(window) == ["chain.pem — accepted (certificate)"], timeout=20000)
    assert seen[0] == ""
    assert "wrong" in seen[1].lower()
    assert (
        find_by_name(window, "Reason")
        .text()
        .startswith(
            "The 2 certificates in exported-cert.crt were already in the case. The file with "
            "the private key was taken out of the case"
        )
    )
    assert files["p12"].exists()  # taken out of the case, never deleted from the disk
    assert not list(window.controller.files_dir.glob("*.crt"))
    window.controller.shutdown()
    # Nothing under the test's home or data holds the passphrase.
    for path in home.rglob("*"):
        if path.is_file():
            assert PASS.encode() not in path.read_bytes(), path


def test_paste_pem_text_saves_a_certificate_file(qtbot, files, home):
    window = make_window(qtbot)
    QGuiApplication.clipboard().setText(files["leaf_pem"].decode())
    window.paste()
    wait_rows(qtbot, window, 1)
    assert rows(window)[0] == "pasted-1.pem — accepted (certificate)"
    saved = window.controller.files_dir / "pasted-1.pem"
    assert saved.read_bytes() == files["leaf_pem"]
    QGuiApplication.clipboard().setText(
        "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----"
    )
    window.paste()  # judged by the guard in a worker: refused, nothing written
    problem = window.certificates_page.problem
    qtbot.waitUntil(lambda: "not saved" in problem.text(), timeout=10000)
    assert not (window.controller.files_dir / "pasted-2.pem").exists()
    window.controller.shutdown()


def test_the_case_is_restored_after_a_restart(qtbot, files, home):
    window = make_window(qtbot)
    find_by_name(window, "Site hostname")
    site = find_by_name(window, "Site hostname")
    qtbot.keyClicks(site, "support.example.com")
    find_by_name(window, "Add appliance").click()
    table = find_by_name(window, "Appliances")
    table.item(0, 0).setText("primary.example.com")
    drop(window, [files["chain"]])
    wait_rows(qtbot, window, 1)
    window.resize(720, 560)
    qtbot.waitUntil(lambda: window.width() == 720)
    window.close()
    window.controller.shutdown()

    again = make_window(qtbot)
    assert (again.width(), again.height()) == (720, 560)
    assert find_by_name(again, "Site hostname").text() == "support.example.com"
    assert find_by_name(again, "Appliances").item(0, 0).text() == "primary.example.com"
    wait_rows(qtbot, again, 1)
    assert rows(again) == ["chain.pem — accepted (certificate)"]
    again.controller.shutdown()


def test_a_damaged_case_file_leaves_everything_as_it_was(qtbot, home):
    window = make_window(qtbot)
    qtbot.keyClicks(find_by_name(window, "Site hostname"), "kept.example.com")
    damaged = home / "damaged.bgcase"
    damaged.write_bytes(b'{"format": "bundleguard-case", "vers')
    before = damaged.read_bytes()
    drop(window, [damaged])  # a case file by its content, read in the scan's worker
    qtbot.waitUntil(lambda: getattr(window, "last_message", None) is not None, timeout=20000)
    assert "cannot be opened" in window.last_message.text()
    assert window.last_message.textFormat() == Qt.TextFormat.PlainText
    assert damaged.read_bytes() == before
    assert find_by_name(window, "Site hostname").text() == "kept.example.com"
    window.controller.shutdown()


def test_invalid_input_is_shown_in_plain_words(qtbot, home):
    window = make_window(qtbot)
    qtbot.keyClicks(find_by_name(window, "Site hostname"), "not a host!")
    qtbot.keyClicks(find_by_name(window, "Support address"), "nobody")
    page = window.case_page
    assert page.site_problem.isVisibleTo(window) and page.site_problem.text()
    # The address is checked once the page has painted (email-validator is loaded then).
    qtbot.waitUntil(lambda: page.address_problem.isVisibleTo(window), timeout=10000)
    assert page.address_problem.text()
    window.controller.shutdown()


def test_html_in_a_certificate_name_shows_its_characters(qtbot, home):
    key = ec.generate_private_key(ec.SECP256R1())
    cn = "<a href=x>link</a><img src=x>"
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    path = home / "<b>bold.pem"
    path.write_bytes(cert.public_bytes(Encoding.PEM))
    window = make_window(qtbot)
    window.add_paths([path])
    wait_rows(qtbot, window, 1)
    assert rows(window)[0].startswith("<b>bold.pem — ")
    chain = find_by_name(window, "Chain")
    qtbot.waitUntil(lambda: chain.topLevelItemCount() == 1, timeout=20000)
    assert cn in chain.topLevelItem(0).text(0)
    select(window, "<b>bold.pem")
    reason = find_by_name(window, "Reason")
    assert reason.textFormat() == Qt.TextFormat.PlainText
    assert "<b>bold.pem" in reason.text()
    window.controller.shutdown()


def test_an_unexpected_error_logs_no_passphrase(qtbot, home, files):
    log_path = gui_app.setup_logging()
    window = make_window(qtbot)
    from bundleguard.gui.passphrase import PassphraseDialog

    dialog = PassphraseDialog("exported-cert.crt", window)
    dialog.field.setText(PASS)
    try:
        raise RuntimeError(f"boom {dialog.field.text()}")
    except RuntimeError as error:
        gui_app.excepthook(type(error), error, error.__traceback__)
    dialog.reject()
    for handler in logging.getLogger("bundleguard").handlers:
        handler.flush()
    text = log_path.read_text()
    assert "RuntimeError" in text and "Traceback" in text
    assert dialog.field.text() == ""
    for path in home.rglob("*"):
        if path.is_file():
            assert PASS.encode() not in path.read_bytes(), path
    box = gui_app.excepthook.last_box
    assert box.isVisible()
    box.close()
    window.controller.shutdown()


def test_the_numbers_set_before_the_first_paint_are_qts_own():
    # widgets.py sets these as numbers (the Qt namespace's enums cost the first paint time).
    from bundleguard.gui import widgets

    assert Qt.TextFormat.PlainText.value == widgets.PLAIN_TEXT
    assert Qt.TextInteractionFlag.TextSelectableByMouse.value == widgets.SELECTABLE_BY_MOUSE
    assert Qt.ItemDataRole.AccessibleTextRole.value == widgets.ACCESSIBLE_TEXT_ROLE


def test_every_label_of_the_case_page_is_plain_text_and_selectable(qtbot, home):
    window = make_window(qtbot)
    labels = [
        w for w in window.case_page.findChildren(QLabel) if w.textFormat() != Qt.TextFormat.AutoText
    ]
    assert labels  # the intro and the problem rows are plain_label()s
    for label in labels:
        assert label.textFormat() == Qt.TextFormat.PlainText
        assert label.textInteractionFlags() == Qt.TextInteractionFlag.TextSelectableByMouse
    window.controller.shutdown()
