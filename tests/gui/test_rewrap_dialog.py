"""The Re-wrap dialog as a user meets it: typed passphrases, real keys, real files.

Keys come from `probe.fake.FakePKI` at run time and the exported PKCS#12 is built with
cryptography; what the dialog writes is reopened with cryptography and the core's
`inspect_pkcs12`. Controls are found by their accessible names.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PublicFormat,
    pkcs12,
)
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QDialog, QFileDialog, QLabel, QLineEdit, QMessageBox, QPushButton

from bundleguard.case.replication import LEGACY_REASON
from bundleguard.certs import pkcs12 as pkcs12_core
from bundleguard.certs.pkcs12 import inspect_pkcs12
from bundleguard.gui import app as gui_app
from bundleguard.gui.rewrap_dialog import RewrapDialog
from bundleguard.gui.workers import UNEXPECTED
from bundleguard.probe.fake import FakePKI
from tests.gui.conftest import answer_next_question, find_by_name

OLD = "old-Export-pass-4711"
NEW = "New-Rewrap-pass-0815!"
SITE = "support.example.test"


@pytest.fixture(scope="module")
def pki() -> FakePKI:
    return FakePKI("Rewrap Test")


@pytest.fixture(scope="module")
def served(pki: FakePKI):
    return pki.issue([SITE, "primary.example.test"])


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BUNDLEGUARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


@pytest.fixture
def export(home: Path, served):
    """Write an exported PKCS#12 (leaf, key, intermediate) into `home/exports`."""

    def make(name: str = "site-export.p12", passphrase: str | None = OLD) -> Path:
        folder = home / "exports"
        folder.mkdir(exist_ok=True)
        encryption = BestAvailableEncryption(passphrase.encode()) if passphrase else NoEncryption()
        path = folder / name
        path.write_bytes(
            pkcs12.serialize_key_and_certificates(
                b"site", served.key, served.leaf, list(served.chain[1:]), encryption
            )
        )
        return path

    return make


@pytest.fixture
def pool():
    pool = QThreadPool()
    yield pool
    pool.waitForDone(20_000)


@pytest.fixture
def make_dialog(qtbot, pool):
    def make(source: Path, forbidden=()) -> RewrapDialog:
        dialog = RewrapDialog(source, forbidden=forbidden, pool=pool)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        return dialog

    return make


def field(dialog, name: str) -> QLineEdit:
    found = find_by_name(dialog, name)
    assert isinstance(found, QLineEdit)
    return found


def label(dialog, name: str) -> str:
    found = find_by_name(dialog, name)
    assert isinstance(found, QLabel)
    assert found.textFormat() == Qt.TextFormat.PlainText
    return found.text()


def write_button(dialog) -> QPushButton:
    found = find_by_name(dialog, "Write re-wrapped file")
    assert isinstance(found, QPushButton)
    assert found.text() == "Write re-wrapped file"
    return found


def type_passphrases(qtbot, dialog, current: str | None, new: str, again: str | None = None):
    if current:
        qtbot.keyClicks(field(dialog, "Current passphrase"), current)
    qtbot.keyClicks(field(dialog, "New passphrase"), new)
    qtbot.keyClicks(field(dialog, "New passphrase again"), new if again is None else again)


def save_as(dialog, path: Path | str) -> None:
    target = field(dialog, "Save as")
    target.clear()
    target.setText(str(path))


def write(qtbot, dialog) -> str:
    """Click the write button and return the path the dialog says it wrote."""
    button = write_button(dialog)
    assert button.isEnabled(), label(dialog, "Why the file cannot be written")
    with qtbot.waitSignal(dialog.written, timeout=20_000) as signal:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    return signal.args[0]


def click_and_wait_for_result(qtbot, dialog) -> str:
    """Click the write button; the dialog stays open and says why."""
    qtbot.mouseClick(write_button(dialog), Qt.MouseButton.LeftButton)
    shown = find_by_name(dialog, "Re-wrap result")
    qtbot.waitUntil(lambda: shown.isVisible() and not dialog.busy, timeout=20_000)
    return shown.text()


def opens_with(data: bytes, passphrase: str | None) -> bool:
    try:
        pkcs12.load_key_and_certificates(data, passphrase.encode() if passphrase else None)
    except ValueError:
        return False
    return True


def public(key) -> bytes:
    return key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def passphrase_fields_empty(dialog) -> bool:
    names = ("Current passphrase", "New passphrase", "New passphrase again")
    return all(field(dialog, n).text() == "" for n in names)


# ------------------------------------------------------------------ writing


def test_default_aes_writes_the_same_key_and_chain_under_the_new_passphrase(
    qtbot, make_dialog, export, served
):
    source = export()
    original = source.read_bytes()
    dialog = make_dialog(source)
    assert dialog.accessibleName() == "Re-wrap PKCS#12"
    intro = label(dialog, "What Re-wrap does")
    assert "same certificate, key and chain" in intro and "the original stays" in intro
    for name in ("Current passphrase", "New passphrase", "New passphrase again"):
        assert field(dialog, name).echoMode() == QLineEdit.EchoMode.Password
    assert find_by_name(dialog, "AES-256 (recommended)").isChecked()
    assert not find_by_name(dialog, "Legacy 3DES").isChecked()

    type_passphrases(qtbot, dialog, OLD, NEW)
    written = Path(write(qtbot, dialog))

    assert written == source.parent / "site-export-rewrapped-private-key.p12"
    assert dialog.result() == QDialog.DialogCode.Accepted and not dialog.isVisible()
    assert passphrase_fields_empty(dialog)
    assert source.read_bytes() == original  # the original stays as it is
    data = written.read_bytes()
    assert opens_with(data, NEW) and not opens_with(data, OLD) and not opens_with(data, None)
    key, leaf, chain = pkcs12.load_key_and_certificates(data, NEW.encode())
    assert public(key) == public(served.key)
    assert leaf == served.leaf and chain == list(served.chain[1:])
    report = inspect_pkcs12(data, written.name, NEW.encode())
    assert "AES-256" in report.key_encryption and not report.legacy_encryption
    assert report.key_matches_certificate is True


def test_legacy_3des_is_an_explicit_choice_with_its_reason(qtbot, make_dialog, export):
    dialog = make_dialog(export())
    reason = label(dialog, "Why legacy 3DES")
    assert reason.lower() == LEGACY_REASON.lower() + "."
    legacy = find_by_name(dialog, "Legacy 3DES")
    qtbot.mouseClick(legacy, Qt.MouseButton.LeftButton)
    assert legacy.isChecked() and not find_by_name(dialog, "AES-256 (recommended)").isChecked()

    type_passphrases(qtbot, dialog, OLD, NEW)
    data = Path(write(qtbot, dialog)).read_bytes()

    report = inspect_pkcs12(data, "x.p12", NEW.encode())
    assert report.legacy_encryption and "3DES" in report.key_encryption
    assert opens_with(data, NEW) and not opens_with(data, OLD)


def test_an_original_without_passphrase_is_rewrapped_with_an_empty_current_field(
    qtbot, make_dialog, export
):
    source = export(passphrase=None)
    assert not inspect_pkcs12(source.read_bytes(), source.name).passphrase_protected
    dialog = make_dialog(source)
    type_passphrases(qtbot, dialog, None, NEW)
    data = Path(write(qtbot, dialog)).read_bytes()
    assert opens_with(data, NEW) and not opens_with(data, None)
    assert inspect_pkcs12(data, "x.p12", NEW.encode()).passphrase_protected


# ------------------------------------------------------------------ the passphrases


def test_differing_new_passphrases_disable_the_button_and_say_so(qtbot, make_dialog, export):
    dialog = make_dialog(export())
    why = "Why the file cannot be written"
    assert not write_button(dialog).isEnabled()
    assert label(dialog, why) == "Type a new passphrase."
    type_passphrases(qtbot, dialog, OLD, NEW, again=NEW[:-1] + "?")
    assert not write_button(dialog).isEnabled()
    assert label(dialog, why) == "The new passphrases do not match."

    again = field(dialog, "New passphrase again")
    qtbot.keyClick(again, Qt.Key.Key_Backspace)
    qtbot.keyClicks(again, NEW[-1])
    assert write_button(dialog).isEnabled()
    assert label(dialog, why) == ""


def test_the_strength_words_follow_the_typing(qtbot, make_dialog, export):
    dialog = make_dialog(export())
    new = field(dialog, "New passphrase")
    assert label(dialog, "Passphrase strength") == "Strength: type a new passphrase"
    qtbot.keyClicks(new, "abc")
    assert label(dialog, "Passphrase strength") == "Strength: too short: at least 8 characters"
    qtbot.keyClicks(new, "defgh")
    assert label(dialog, "Passphrase strength") == "Strength: weak: too guessable (0 of 4)"
    qtbot.keyClicks(new, "-Correct-Horse-42-battery")
    assert label(dialog, "Passphrase strength") == "Strength: strong: very unguessable (4 of 4)"


def test_a_wrong_current_passphrase_keeps_the_dialog_open_and_says_so(qtbot, make_dialog, export):
    source = export()
    dialog = make_dialog(source)
    type_passphrases(qtbot, dialog, "not-the-passphrase", NEW)

    assert click_and_wait_for_result(qtbot, dialog) == "The current passphrase is wrong."
    current = field(dialog, "Current passphrase")
    assert dialog.isVisible() and current.text() == ""
    qtbot.waitUntil(current.hasFocus, timeout=5_000)
    assert not (source.parent / "site-export-rewrapped-private-key.p12").exists()

    qtbot.keyClicks(current, OLD)  # the new ones are still typed: only the current again
    data = Path(write(qtbot, dialog)).read_bytes()
    assert opens_with(data, NEW)


def test_cancel_clears_every_field_and_writes_nothing(qtbot, make_dialog, export):
    source = export()
    dialog = make_dialog(source)
    type_passphrases(qtbot, dialog, OLD, NEW)
    qtbot.mouseClick(find_by_name(dialog, "Cancel"), Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Rejected and not dialog.isVisible()
    assert passphrase_fields_empty(dialog)
    assert sorted(p.name for p in source.parent.iterdir()) == [source.name]


# ------------------------------------------------------------------ the target


def test_the_default_target_is_next_to_the_original_and_never_taken(qtbot, make_dialog, export):
    source = export()
    taken = source.parent / "site-export-rewrapped-private-key.p12"
    taken.write_bytes(b"an earlier re-wrap")
    (source.parent / "site-export-rewrapped-private-key-2.p12").write_bytes(b"another")
    dialog = make_dialog(source)
    expected = source.parent / "site-export-rewrapped-private-key-3.p12"
    assert field(dialog, "Save as").text() == str(expected)


def test_choose_where_to_save_starts_next_to_the_original(
    qtbot, make_dialog, export, home, monkeypatch
):
    source = export()
    asked = []
    chosen = home / "elsewhere" / "primary-key.pfx"
    chosen.parent.mkdir()

    def pick(parent, caption, start, *args, **kwargs):
        asked.append(Path(start))
        return str(chosen), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(pick))
    dialog = make_dialog(source)
    qtbot.mouseClick(find_by_name(dialog, "Choose where to save"), Qt.MouseButton.LeftButton)
    assert asked == [source.parent / "site-export-rewrapped-private-key.p12"]
    assert field(dialog, "Save as").text() == str(chosen)

    type_passphrases(qtbot, dialog, OLD, NEW)
    assert Path(write(qtbot, dialog)) == chosen
    assert opens_with(chosen.read_bytes(), NEW)


def refused(dialog, *words: str) -> None:
    """The Save as problem says `words`, the button is off and says why, a direct
    write() writes nothing and says so."""
    assert not write_button(dialog).isEnabled()
    problem = find_by_name(dialog, "Save as problem")
    assert problem.isVisible()
    assert all(word in label(dialog, "Save as problem") for word in words)
    assert label(dialog, "Why the file cannot be written") == (
        "Choose another place to save (see above)."
    )
    assert dialog.write() is None  # even asked directly
    assert find_by_name(dialog, "Re-wrap result").text() == "Nothing was written."


def all_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("where", ["output", "output/sub", "files", "link"])
def test_a_target_in_a_forbidden_folder_is_refused(qtbot, make_dialog, export, home, where):
    source = export()
    output = home / "bundles"
    (output / "sub").mkdir(parents=True)
    files = home / "data" / "cases" / "c1"
    files.mkdir(parents=True)
    link = home / "to-bundles"
    if where == "link":
        try:
            link.symlink_to(output, target_is_directory=True)
        except OSError:  # Windows without the right to make links
            pytest.skip("this system may not make symbolic links")
    folder = {"output": output, "output/sub": output / "sub", "files": files, "link": link}[where]
    dialog = make_dialog(source, forbidden=[output, files])
    type_passphrases(qtbot, dialog, OLD, NEW)
    save_as(dialog, folder / "rewrapped.p12")

    refused(dialog, "not into the bundle folder", "never carry a private key")
    assert all_files(output) == [] and all_files(files) == []
    assert dialog.isVisible()


@pytest.mark.parametrize("name", ["rewrapped.crt", "rewrapped.pem", "rewrapped"])
def test_a_name_that_looks_like_a_certificate_is_refused(qtbot, make_dialog, export, name):
    source = export()
    dialog = make_dialog(source)
    type_passphrases(qtbot, dialog, OLD, NEW)
    save_as(dialog, source.parent / name)
    refused(dialog, "must end in .p12 or .pfx", "look like a certificate")
    assert [p.name for p in all_files(source.parent)] == [source.name]


def test_the_original_itself_is_never_the_target(qtbot, make_dialog, export):
    source = export()
    original = source.read_bytes()
    dialog = make_dialog(source)
    type_passphrases(qtbot, dialog, OLD, NEW)
    save_as(dialog, source)
    refused(dialog, "That is the original")
    assert source.read_bytes() == original


def test_an_existing_target_is_replaced_only_when_the_answer_is_yes(qtbot, make_dialog, export):
    source = export()
    target = source.parent / "kept.p12"
    target.write_bytes(b"the user's other file")
    dialog = make_dialog(source)
    type_passphrases(qtbot, dialog, OLD, NEW)
    save_as(dialog, target)

    seen: list[str] = []
    answer_next_question(QMessageBox.StandardButton.No, seen)
    shown = click_and_wait_for_result(qtbot, dialog)
    assert shown == "Nothing was replaced: the existing file is as it was."
    assert len(seen) == 1 and str(target) in seen[0]
    assert target.read_bytes() == b"the user's other file"
    assert dialog.isVisible()

    answer_next_question(QMessageBox.StandardButton.Yes, seen)
    assert Path(write(qtbot, dialog)) == target
    assert len(seen) == 2
    assert opens_with(target.read_bytes(), NEW)


def test_untrusted_file_names_are_shown_as_plain_text(qtbot, make_dialog, export):
    source = export(name="<b>site<i>.p12")
    dialog = make_dialog(source)
    assert "<b>site<i>.p12" in label(dialog, "What Re-wrap does")


# ------------------------------------------------------------------ secrets


def test_the_passphrases_reach_no_file_no_log_and_no_attribute(
    qtbot, make_dialog, export, home, monkeypatch
):
    log_path = gui_app.setup_logging()
    assert log_path is not None and log_path.is_relative_to(home)
    root = logging.getLogger("bundleguard")
    handlers = [h for h in root.handlers if getattr(h, "baseFilename", "") == str(log_path)]
    try:
        source = export()
        dialog = make_dialog(source)
        # A wrong try, a failure whose exception text quotes the passphrase, then success.
        type_passphrases(qtbot, dialog, "wrong-" + OLD, NEW)
        assert click_and_wait_for_result(qtbot, dialog) == "The current passphrase is wrong."
        qtbot.keyClicks(field(dialog, "Current passphrase"), OLD)
        real = pkcs12_core.rewrap_pkcs12

        def leaky(data, current, new, **kwargs):
            raise RuntimeError(f"bug quoting {current!r} and {new!r}")

        monkeypatch.setattr(pkcs12_core, "rewrap_pkcs12", leaky)
        assert click_and_wait_for_result(qtbot, dialog) == UNEXPECTED
        monkeypatch.setattr(pkcs12_core, "rewrap_pkcs12", real)
        assert field(dialog, "New passphrase").text() == NEW  # still typed, nowhere else
        secrets = (OLD, NEW, OLD.encode(), NEW.encode())
        kept = [v for v in vars(dialog).values() if isinstance(v, str | bytes)]
        assert not [v for v in kept for s in secrets if type(v) is type(s) and s in v]
        written = Path(write(qtbot, dialog))
        assert opens_with(written.read_bytes(), NEW)
        assert passphrase_fields_empty(dialog)
        for handler in handlers:
            handler.flush()
        assert "RuntimeError" in log_path.read_text(encoding="utf-8")
    finally:
        for handler in handlers:
            root.removeHandler(handler)
            handler.close()
    planted = [s.encode(enc) for s in (OLD, NEW) for enc in ("utf-8", "utf-16-le")]
    checked = all_files(home)
    assert log_path in checked and written in checked
    for path in checked:
        data = path.read_bytes()
        assert not any(secret in data for secret in planted), path
