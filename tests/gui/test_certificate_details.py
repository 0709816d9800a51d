"""Step 2's "Certificate details": opened by double-click or Enter on a file row or a
chain node, it shows a real generated certificate in full, as plain text; "Copy PEM" puts
its PEM (and nothing else) on the clipboard; "Save chain as…" writes files that reopen as
the same certificates, starting in the case's folder. Certificates are generated at run
time (EC P-256)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from bundleguard.case.steps import Step
from bundleguard.certs.anchors import NO_ANCHORS
from bundleguard.certs.load import load_certificates
from tests.certs import pki
from tests.gui.conftest import answer_next_question, find_by_name


def _add(qtbot, window, paths: list[Path]) -> None:
    page = window.certificates_page
    window.show_step(Step.CERTIFICATES)
    window.controller._anchors_loaded(NO_ANCHORS)
    with qtbot.waitSignal(page.filesScanned, timeout=20000):
        page.add_paths(paths)
    files = find_by_name(window, "Files")
    qtbot.waitUntil(lambda: files.model().rowCount() >= 1, timeout=20000)


def _details(qtbot, window):
    qtbot.waitUntil(lambda: window.certificates_page.details_dialog is not None, timeout=5000)
    dialog = window.certificates_page.details_dialog
    assert dialog.accessibleName() == "Certificate details"
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    return dialog


def _double_click(viewport, point) -> None:
    # A click first, as a user's hand does: a view's first press only takes the focus
    # (QTest's double-click alone then reaches no item under the offscreen platform).
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=point)
    QTest.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=point)


@pytest.fixture
def chain_file(tmp_path: Path):
    chain = pki.make_chain(["support.example.com", "primary.example.com"])
    path = tmp_path / "chain.pem"
    path.write_bytes(pki.pem(*chain.certs))
    return chain, path


def test_enter_on_a_file_row_shows_the_certificate_in_full(qtbot, window, chain_file):
    chain, path = chain_file
    _add(qtbot, window, [path])
    files = find_by_name(window, "Files")
    files.setCurrentIndex(files.model().index(0, 0))
    files.setFocus()
    QTest.keyClick(files, Qt.Key.Key_Return)
    dialog = _details(qtbot, window)
    listed = find_by_name(dialog, "Certificates")
    assert listed.count() == 3  # the file's three certificates, the leaf shown first
    assert find_by_name(dialog, "Certificate").text() == "support.example.com"
    text = find_by_name(dialog, "Fields").toPlainText()
    leaf = chain.leaf
    assert f"Subject: {leaf.subject.rfc4514_string()}" in text
    assert f"Issuer: {leaf.issuer.rfc4514_string()}" in text
    assert "Subject alternative names: DNS:support.example.com, DNS:primary.example.com" in text
    assert leaf.fingerprint(hashes.SHA256()).hex(":").upper() in text
    assert leaf.fingerprint(hashes.SHA1()).hex(":").upper() in text
    assert "Public key: EC secp256r1 (256 bits)" in text
    assert "Key usage: Digital Signature, Key Encipherment" in text
    assert "TLS Web Server Authentication (serverAuth)" in text
    assert "days left)" in text
    assert "Extension: Basic Constraints [2.5.29.19] (critical): CA: no" in text
    assert "Extension: Subject Alternative Name [2.5.29.17] (not critical)" in text
    # Another certificate of the file, chosen in the list.
    listed.setCurrentRow(2)
    assert find_by_name(dialog, "Certificate").text() == "Test Root CA"
    assert "CA: yes" in find_by_name(dialog, "Fields").toPlainText()


def test_a_double_click_on_a_chain_node_opens_that_certificate(qtbot, window, chain_file):
    chain, path = chain_file
    _add(qtbot, window, [path])
    tree = find_by_name(window, "Chain")
    qtbot.waitUntil(lambda: tree.topLevelItemCount() == 1, timeout=20000)
    node = tree.topLevelItem(0).child(0)  # the intermediate
    tree.scrollToItem(node)
    rect = tree.visualItemRect(node)
    _double_click(tree.viewport(), rect.center())
    dialog = _details(qtbot, window)
    assert find_by_name(dialog, "Certificate").text() == "Test Intermediate CA 1"
    labels = [find_by_name(dialog, "Certificates").item(i).text() for i in range(3)]
    assert labels == [
        "leaf: support.example.com",
        "intermediate: Test Intermediate CA 1",
        "root: Test Root CA",
    ]
    expected = chain.intermediates[0].fingerprint(hashes.SHA256()).hex(":").upper()
    assert expected in find_by_name(dialog, "Fields").toPlainText()
    dialog.close()
    qtbot.waitUntil(lambda: window.certificates_page.details_dialog is None, timeout=5000)
    # Enter on a chain node opens it too.
    tree.setCurrentItem(tree.topLevelItem(0).child(0).child(0))
    tree.setFocus()
    QTest.keyClick(tree, Qt.Key.Key_Enter)
    dialog = _details(qtbot, window)
    assert find_by_name(dialog, "Certificate").text() == "Test Root CA"


def test_a_hostile_common_name_is_shown_as_plain_escaped_text(qtbot, window, tmp_path):
    hostile = "<b>x</b>\u202egnp.exe"
    chain = pki.make_chain(["support.example.com"], leaf_cn=hostile)
    path = tmp_path / "leaf.crt"
    path.write_bytes(pki.pem(chain.leaf))
    _add(qtbot, window, [path])
    files = find_by_name(window, "Files")
    rect = files.visualRect(files.model().index(0, 0))
    _double_click(files.viewport(), rect.center())
    dialog = _details(qtbot, window)
    heading = find_by_name(dialog, "Certificate")
    assert heading.textFormat() == Qt.TextFormat.PlainText
    assert heading.text() == "<b>x</b>\\u202egnp.exe"  # the override shown, never obeyed
    fields = find_by_name(dialog, "Fields")
    subject = fields.toPlainText().splitlines()[0]
    # RFC 4514 writes "<" as "\\<"; the override is written out, its backslash doubled.
    assert subject == "Subject: CN=\\\\<b\\\\>x\\\\</b\\\\>\\u202egnp.exe,O=bundleguard tests"
    assert "\u202e" not in fields.toPlainText()
    assert fields.metaObject().className() == "QPlainTextEdit"  # no rich text at all


def test_copy_pem_puts_exactly_the_certificate_on_the_clipboard(qtbot, window, chain_file):
    chain, path = chain_file
    _add(qtbot, window, [path])
    window.certificates_page.show_selected_details()
    dialog = _details(qtbot, window)
    QGuiApplication.clipboard().setText("before")
    find_by_name(dialog, "Copy PEM").click()
    assert QGuiApplication.clipboard().text() == chain.leaf.public_bytes(Encoding.PEM).decode()
    assert "Copied" in find_by_name(dialog, "Details status").text()


def test_a_certificate_carrying_a_key_is_not_copied(qtbot, window):
    from bundleguard.gui.details import CertificateDetailsDialog

    key_text = pki.key_pem(pki.new_key()).decode()
    body = "".join(key_text.splitlines()[1:-1])
    chain = pki.make_chain(["support.example.com"])
    carrier = pki.issue(
        pki.new_key(),
        chain.root_key,
        x509.Name(
            [x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, body[i : i + 64])
             for i in range(0, len(body), 64)]
        ),
        chain.root.subject,
        ca=False,
        names=["support.example.com"],
    )  # fmt: skip
    dialog = CertificateDetailsDialog(
        [carrier],
        ["carrier"],
        pool=window.controller.pool,
        start_folder=lambda: window.controller.files_dir,
        parent=window,
    )
    qtbot.addWidget(dialog)
    QGuiApplication.clipboard().setText("before")
    find_by_name(dialog, "Copy PEM").click()
    assert QGuiApplication.clipboard().text() == "before"
    assert "private key material" in find_by_name(dialog, "Details problem").text()


def _answer_save(monkeypatch, target: Path, chosen_filter: str, seen: list) -> None:
    def fake(parent, caption, directory, filters, selected, options):
        seen.append((caption, directory, filters, selected))
        return str(target), chosen_filter

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake))


def test_save_chain_as_one_pem_reopens_as_the_same_certificates(
    qtbot, window, chain_file, tmp_path, monkeypatch
):
    from bundleguard.gui.details import ONE_PEM, PER_CERTIFICATE

    chain, path = chain_file
    _add(qtbot, window, [path])
    window.certificates_page.show_selected_details()
    dialog = _details(qtbot, window)
    seen: list = []
    out = tmp_path / "out"
    out.mkdir()
    _answer_save(monkeypatch, out / "saved", ONE_PEM, seen)
    status = find_by_name(dialog, "Details status")
    find_by_name(dialog, "Save chain as").click()
    qtbot.waitUntil(lambda: status.text().startswith("Saved"), timeout=10000)
    # One file is said as a user says it: "Saved 1 file in …", never "1 file(s)".
    assert status.text().startswith("Saved 1 file in ") and "(s)" not in status.text()
    # The dialog started in the case's folder, not in the folder the files came from.
    _caption, directory, filters, _ = seen[0]
    assert Path(directory).parent == window.controller.path.parent
    assert Path(directory).parent != path.parent
    assert ONE_PEM in filters and PER_CERTIFICATE in filters
    saved = out / "saved.pem"
    assert load_certificates(saved.read_bytes()) == tuple(chain.certs)

    # One file per certificate, leaf first; the same again asks before replacing.
    _answer_save(monkeypatch, out / "each.crt", PER_CERTIFICATE, seen)
    find_by_name(dialog, "Save chain as").click()
    qtbot.waitUntil(lambda: status.text().startswith("Saved 3 files in "), timeout=10000)
    written = sorted(out.glob("each-*.crt"))
    assert [p.name[:8] for p in written] == ["each-01-", "each-02-", "each-03-"]
    reopened = [load_certificates(p.read_bytes())[0] for p in written]
    assert reopened == chain.certs
    status.setText("")
    asked: list[str] = []
    answer_next_question(QMessageBox.StandardButton.No, asked)
    find_by_name(dialog, "Save chain as").click()
    qtbot.waitUntil(lambda: bool(asked), timeout=10000)
    assert "each-01-" in asked[0]
    assert not status.text().startswith("Saved")


def test_output_dialogs_never_start_in_the_folder_a_key_came_from(tmp_path):
    from bundleguard.case.model import Case
    from bundleguard.gui.details import output_start_folder

    keys = tmp_path / "keys"
    keys.mkdir()
    cases = tmp_path / "cases"
    cases.mkdir()
    files = tmp_path / "files"
    case = Case(output=str(keys))
    assert output_start_folder(case, cases / "a.bgcase", [keys], fallback=files) == cases
    assert output_start_folder(Case(), keys / "a.bgcase", [keys], fallback=files) == files
    out = tmp_path / "out"
    out.mkdir()
    assert output_start_folder(Case(output=str(out)), cases / "a.bgcase", [keys]) == out


def test_the_details_dialog_is_gone_after_close(qtbot, window, chain_file):
    _chain, path = chain_file
    _add(qtbot, window, [path])
    window.certificates_page.show_selected_details()
    dialog = _details(qtbot, window)
    dialog.close()
    qtbot.waitUntil(lambda: window.certificates_page.details_dialog is None, timeout=5000)
    assert QApplication.activeModalWidget() is None
