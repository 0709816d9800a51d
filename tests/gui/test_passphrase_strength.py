"""The Re-wrap dialog judges the new passphrase with zxcvbn, as a user meets it: the words
and feedback shown as the passphrase is typed, "Use it anyway" for a weak one (the write
button waits for it; it is unticked when the passphrase changes), never a too short one,
and the case's own names counted as guessable."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QPushButton

from bundleguard.case.model import ApplianceEntry, Case, Role
from bundleguard.case.strength import case_context, judge_passphrase
from bundleguard.gui.rewrap_dialog import RewrapDialog
from tests.certs import pki
from tests.gui.conftest import find_by_name

OLD = "old Quokka lantern 4711"
STRONG = "kT9#vQ2!mZ7$pL4w-lantern"
ACME = Case(
    site="acme.example.com",
    incident="INC0042817",
    appliances=(ApplianceEntry("bt-primary.acme.example.com", Role.PRIMARY),),
)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "export.p12"
    path.write_bytes(pki.make_pkcs12(pki.make_chain(["site.example"]), OLD.encode()))
    return path


@pytest.fixture
def pool():
    pool = QThreadPool()
    yield pool
    pool.waitForDone(20_000)


@pytest.fixture
def dialog(qtbot, pool, source):
    def make(context=()) -> RewrapDialog:
        made = RewrapDialog(source, pool=pool, context=context)
        qtbot.addWidget(made)
        made.show()
        qtbot.waitExposed(made)
        return made

    return make


def text_of(dialog, name: str) -> str:
    found = find_by_name(dialog, name)
    assert isinstance(found, QLabel)
    return found.text() if found.isVisibleTo(dialog) else ""


def anyway(dialog) -> QCheckBox:
    found = find_by_name(dialog, "Use it anyway")
    assert isinstance(found, QCheckBox)
    return found


def write_button(dialog) -> QPushButton:
    return find_by_name(dialog, "Write re-wrapped file")


def type_new(qtbot, dialog, new: str, current: str = OLD) -> None:
    for name, text in (
        ("Current passphrase", current),
        ("New passphrase", new),
        ("New passphrase again", new),
    ):
        field = find_by_name(dialog, name)
        assert isinstance(field, QLineEdit)
        field.clear()
        qtbot.keyClicks(field, text)


@pytest.mark.parametrize(
    ("passphrase", "warning"),
    [
        ("Password1!", "This is similar to a commonly used password."),
        ("Summer2026!", "This is similar to a commonly used password."),
        ("acme2026", "Add another word or two. Uncommon words are better."),
    ],
)
def test_a_weak_passphrase_is_written_only_after_use_it_anyway(qtbot, dialog, passphrase, warning):
    shown = dialog(case_context(ACME))
    type_new(qtbot, shown, passphrase)
    assert text_of(shown, "Passphrase strength").startswith("Strength: weak: ")
    assert warning in text_of(shown, "Passphrase feedback")
    # The words `bundleguard rewrap` refuses it with: the verdict and the same feedback.
    judged = judge_passphrase(passphrase, case_context(ACME))
    assert judged.refusal() == (
        f"The new passphrase is {text_of(shown, 'Passphrase strength').removeprefix('Strength: ')}"
        f". {text_of(shown, 'Passphrase feedback')}"
    )
    assert anyway(shown).isEnabled() and not anyway(shown).isChecked()
    assert not write_button(shown).isEnabled()
    assert text_of(shown, "Why the file cannot be written") == (
        "The new passphrase is weak: choose a stronger one, or tick “Use it anyway”."
    )
    anyway(shown).click()
    assert write_button(shown).isEnabled()
    assert text_of(shown, "Why the file cannot be written") == ""
    with qtbot.waitSignal(shown.written, timeout=20_000) as signal:
        write_button(shown).click()
    written = Path(signal.args[0]).read_bytes()
    assert pkcs12.load_key_and_certificates(written, passphrase.encode())[0] is not None


def test_use_it_anyway_is_unticked_when_the_passphrase_changes(qtbot, dialog):
    shown = dialog()
    type_new(qtbot, shown, "Password1!")
    anyway(shown).click()
    assert write_button(shown).isEnabled()
    qtbot.keyClicks(find_by_name(shown, "New passphrase"), "!")
    qtbot.keyClicks(find_by_name(shown, "New passphrase again"), "!")
    assert text_of(shown, "Passphrase strength").startswith("Strength: weak: ")
    assert not anyway(shown).isChecked()  # said of another passphrase
    assert not write_button(shown).isEnabled()


def test_a_passphrase_under_the_floor_can_never_be_written(qtbot, dialog):
    shown = dialog()
    type_new(qtbot, shown, "abc")
    assert text_of(shown, "Passphrase strength") == "Strength: too short: at least 8 characters"
    why = text_of(shown, "Why the file cannot be written")
    assert why == "The new passphrase is too short: at least 8 characters."
    assert why == judge_passphrase("abc").refusal()  # what `bundleguard rewrap` says too
    assert not anyway(shown).isEnabled()
    anyway(shown).setChecked(True)  # even forced, it is not written
    assert not write_button(shown).isEnabled()
    assert shown.write() is None


def test_a_long_random_passphrase_is_strong_and_needs_no_consent(qtbot, dialog):
    shown = dialog(case_context(ACME))
    type_new(qtbot, shown, STRONG)
    assert text_of(shown, "Passphrase strength") == "Strength: strong: very unguessable (4 of 4)"
    assert text_of(shown, "Passphrase feedback") == ""
    assert not anyway(shown).isEnabled()
    assert write_button(shown).isEnabled()


def test_the_case_s_site_makes_a_passphrase_weak_in_the_window(qtbot, dialog):
    alone = dialog()
    type_new(qtbot, alone, "Acme2026!")
    assert text_of(alone, "Passphrase strength") == "Strength: strong: safely unguessable (3 of 4)"
    for_acme = dialog(case_context(ACME))
    type_new(qtbot, for_acme, "Acme2026!")
    assert text_of(for_acme, "Passphrase strength") == (
        "Strength: weak: somewhat guessable (2 of 4)"
    )
    assert not write_button(for_acme).isEnabled()
