"""How strong a new passphrase for a private key is (zxcvbn), and what `bundleguard rewrap`
does with a weak or too short one: the same words as the window, `--anyway` to accept a
weak one, never one shorter than the floor."""

from __future__ import annotations

import logging
import sys
import types
from pathlib import Path

import pytest

from bundleguard import cli
from bundleguard.case.model import ApplianceEntry, Case, Role
from bundleguard.case.rewrap import rewrap_export
from bundleguard.case.store import save_case
from bundleguard.case.strength import (
    MIN_LENGTH,
    Strength,
    WeakPassphraseError,
    case_context,
    check_new_passphrase,
    judge_passphrase,
)
from bundleguard.certs import roots
from bundleguard.certs.pkcs12 import inspect_pkcs12
from tests.certs import pki

OLD = b"old Quokka lantern 4711"
STRONG = "kT9#vQ2!mZ7$pL4w-lantern"
ACME = Case(
    site="acme.example.com",
    incident="INC0042817",
    appliances=(ApplianceEntry("bt-primary.acme.example.com", Role.PRIMARY),),
)


# ------------------------------------------------------------------ the judgement


@pytest.mark.parametrize("passphrase", ["Password1!", "Summer2026!", "acme2026"])
def test_common_passphrases_are_weak_and_need_consent(passphrase):
    judgement = judge_passphrase(passphrase, case_context(ACME))
    assert judgement.strength is Strength.WEAK
    assert judgement.score < 3
    assert not judgement.may_write()
    assert judgement.may_write(anyway=True)


def test_the_case_s_own_names_make_a_passphrase_weak():
    # zxcvbn alone finds "Acme2026!" safely unguessable; for the site of ACME it is not.
    assert judge_passphrase("Acme2026!").strength is Strength.STRONG
    judged = judge_passphrase("Acme2026!", case_context(ACME))
    assert judged.strength is Strength.WEAK
    assert judged.words == "weak: somewhat guessable (2 of 4)"
    # The incident number too.
    assert judge_passphrase("AcmeInc0042817").strength is Strength.STRONG
    assert judge_passphrase("AcmeInc0042817", case_context(ACME)).weak


def test_the_case_s_words_are_its_names_and_their_pieces():
    words = case_context(ACME, Path("/exports/Portland-Export.p12"))
    for word in ("acme.example.com", "acme", "example", "inc0042817", "primary", "portland"):
        assert word in words
    assert "bt" not in words  # too short a piece: it would match nearly everything


@pytest.mark.parametrize("passphrase", ["abc", "a1!", "Zq7-pas"])
def test_a_passphrase_under_the_floor_is_never_written_even_anyway(passphrase):
    judgement = judge_passphrase(passphrase)
    assert len(passphrase) < MIN_LENGTH == 8
    assert judgement.strength is Strength.TOO_SHORT
    assert not judgement.may_write(anyway=True)
    assert judgement.refusal() == "The new passphrase is too short: at least 8 characters."


def test_a_long_random_passphrase_is_strong():
    judgement = judge_passphrase(STRONG, case_context(ACME))
    assert judgement.strength is Strength.STRONG
    assert judgement.score == 4
    assert judgement.may_write()
    assert judgement.words == "strong: very unguessable (4 of 4)"


def test_zxcvbn_s_feedback_is_given_in_words():
    judgement = judge_passphrase("Password1!")
    assert judgement.warning == "This is similar to a commonly used password."
    assert "Add another word or two. Uncommon words are better." in judgement.suggestions
    assert judgement.feedback.startswith("This is similar to a commonly used password. Add")
    assert judgement.feedback in judgement.refusal()


def test_a_passphrase_longer_than_zxcvbn_takes_is_judged_by_its_start():
    assert judge_passphrase(STRONG * 5).strength is Strength.STRONG
    assert judge_passphrase("a" * 200).weak


def test_the_judgement_keeps_neither_the_passphrase_nor_the_case_s_words():
    from zxcvbn import matching

    secret = "Summer2026!"
    judgement = judge_passphrase(secret, case_context(ACME))
    assert secret not in repr(judgement) and secret.lower() not in repr(judgement).lower()
    assert "user_inputs" not in matching.RANKED_DICTIONARIES


def test_an_error_inside_the_estimator_never_quotes_the_passphrase(monkeypatch):
    import zxcvbn

    def broken(password, user_inputs=None, max_length=72):
        raise ValueError(f"cannot judge {password!r}")

    monkeypatch.setattr(zxcvbn, "zxcvbn", broken)
    with pytest.raises(Exception) as caught:
        judge_passphrase("Summer2026!-quoted")
    assert "Summer2026" not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_the_action_refuses_a_weak_passphrase_without_consent(tmp_path):
    chain = pki.make_chain(["site.example"])
    source = tmp_path / "export.p12"
    source.write_bytes(pki.make_pkcs12(chain, OLD))
    with pytest.raises(WeakPassphraseError) as weak:
        rewrap_export(source, None, OLD, b"Summer2026!")
    assert "Summer2026" not in str(weak.value)
    with pytest.raises(WeakPassphraseError):
        rewrap_export(source, None, OLD, b"abc", anyway=True)
    assert list(tmp_path.iterdir()) == [source]  # nothing written
    written = rewrap_export(source, None, OLD, b"Summer2026!", anyway=True)
    assert inspect_pkcs12(written.path.read_bytes(), "", b"Summer2026!").passphrase_protected
    with pytest.raises(WeakPassphraseError):
        check_new_passphrase(b"acme2026", case_context(ACME))


# ------------------------------------------------------------------ the command line


@pytest.fixture
def run(capsys, monkeypatch):
    monkeypatch.setattr(roots, "system_roots", lambda: ())
    monkeypatch.delenv("BUNDLEGUARD_PASSPHRASE", raising=False)
    monkeypatch.delenv("BUNDLEGUARD_NEW_PASSPHRASE", raising=False)
    monkeypatch.setattr(sys, "stdin", None)

    def _run(*argv) -> tuple[int, str, str]:
        code = cli.main([str(a) for a in argv])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return _run


@pytest.fixture
def export(tmp_path):
    chain = pki.make_chain(["site.example"])
    path = tmp_path / "export.p12"
    path.write_bytes(pki.make_pkcs12(chain, OLD))
    (tmp_path / "old.txt").write_bytes(OLD + b"\n")
    return path


def rewrap(run, export: Path, new: str, *flags):
    new_file = export.parent / "new.txt"
    new_file.write_text(new + "\n", encoding="utf-8")
    out = export.parent / "new.p12"
    result = run(
        "rewrap", export, "--out", out, "--passphrase-file", export.parent / "old.txt",
        "--new-passphrase-file", new_file, *flags,
    )  # fmt: skip
    return (*result, out)


@pytest.mark.parametrize("weak", ["Password1!", "Summer2026!"])
def test_rewrap_refuses_a_weak_passphrase_in_the_window_s_words_unless_anyway(run, export, weak):
    code, out, err, target = rewrap(run, export, weak)
    judgement = judge_passphrase(weak, case_context(None, export))
    assert code == 2 and not target.exists()
    assert judgement.refusal() in err
    assert "This is similar to a commonly used password." in err
    assert "--anyway" in err
    assert weak not in out + err

    code, out, err, target = rewrap(run, export, weak, "--anyway")
    assert code == 0, err
    assert inspect_pkcs12(target.read_bytes(), "", weak.encode()).passphrase_protected
    assert f"the new passphrase is {judgement.words}; written anyway" in err
    assert weak not in out + err


def test_rewrap_refuses_a_passphrase_under_the_floor_even_anyway(run, export):
    code, _out, err, target = rewrap(run, export, "abc", "--anyway")
    assert code == 2 and not target.exists()
    assert "The new passphrase is too short: at least 8 characters. Nothing was written." in err


def test_rewrap_writes_a_strong_passphrase_without_a_word_about_it(run, export):
    code, out, err, target = rewrap(run, export, STRONG)
    assert code == 0, err
    assert out.startswith("Written: ") and err == ""
    assert inspect_pkcs12(target.read_bytes(), "", STRONG.encode()).passphrase_protected


def test_rewrap_counts_the_case_s_names_as_guessable(run, export, tmp_path):
    case_file = save_case(ACME, tmp_path / "acme.bgcase")
    assert rewrap(run, export, "Acme2026!")[0] == 0  # no case: zxcvbn finds it strong
    (tmp_path / "new.p12").unlink()
    code, _out, err, target = rewrap(run, export, "Acme2026!", "--case", case_file)
    assert code == 2 and not target.exists()
    assert "The new passphrase is weak: somewhat guessable (2 of 4)." in err


def test_rewrap_at_the_prompt_judges_before_asking_again(run, export, monkeypatch):
    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(isatty=lambda: True))
    asked: list[str] = []

    def prompt(text: str) -> str:
        asked.append(text)
        return OLD.decode() if text.startswith("Passphrase for") else "Summer2026!"

    monkeypatch.setattr("getpass.getpass", prompt)
    code, _out, err = run("rewrap", export, "--out", export.parent / "new.p12")
    assert code == 2 and "weak" in err
    assert asked[-1] == "New passphrase: "  # not asked twice for one refused at once


def test_the_cli_logs_nothing_of_the_passphrase(run, export, caplog):
    with caplog.at_level(logging.DEBUG):
        rewrap(run, export, "Summer2026!")
        rewrap(run, export, "Summer2026!", "--anyway")
    assert "Summer2026" not in caplog.text
