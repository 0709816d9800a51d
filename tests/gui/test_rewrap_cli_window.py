"""Re-wrap is one action: `bundleguard rewrap --case` and the window's Re-wrap (opened from
the Replicate step, on the controller's case) pick the same default name, refuse the same
places with the same words, and say the same sentence when they write.

Keys and PKCS#12 files are made at run time (`probe.fake.FakePKI`); the window is driven
through its controls, found by accessible name; the CLI through `bundleguard.cli.main`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from PySide6.QtCore import Qt

from bundleguard import cli
from bundleguard.case.replicate import open_export
from bundleguard.case.store import CaseStore
from bundleguard.certs import roots
from bundleguard.gui.controller import CaseController
from bundleguard.gui.replicate.rewrap import RewrapSection
from bundleguard.probe.fake import FakePKI
from tests.gui.conftest import find_by_name, top_level_by_name

OLD = "old-Parity-pass-3141"
NEW = "New-Parity-pass-2718!"


@pytest.fixture(scope="module")
def served():
    return FakePKI("Parity Test").issue(["support.example.test", "primary.example.test"])


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BUNDLEGUARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(roots, "system_roots", lambda: ())
    monkeypatch.setenv("BUNDLEGUARD_PASSPHRASE", OLD)
    monkeypatch.setenv("BUNDLEGUARD_NEW_PASSPHRASE", NEW)
    monkeypatch.setattr(sys, "stdin", None)
    return tmp_path


def export_file(folder: Path, served) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "site-export.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"site", served.key, served.leaf, list(served.chain[1:]),
            BestAvailableEncryption(OLD.encode()),
        )
    )  # fmt: skip
    return path


@pytest.fixture
def window(qtbot, home):
    """A controller whose case writes its bundles to `home/bundles`, and the Replicate
    step's re-wrap section over it."""
    controller = CaseController(CaseStore(), load_anchors=False)
    bundles = home / "bundles"
    bundles.mkdir()
    controller.update(output=str(bundles))
    section = RewrapSection(controller)
    qtbot.addWidget(section)
    section.show()
    yield controller, section
    controller.shutdown()


def cli_rewrap(capsys, source: Path, *args: object) -> tuple[int, str, str]:
    code = cli.main(["rewrap", str(source), *(str(a) for a in args)])
    captured = capsys.readouterr()
    return code, captured.out.strip(), captured.err.strip()


def open_dialog(qtbot, section: RewrapSection, source: Path):
    facts = open_export(source, OLD.encode(), None)
    section.set_export(facts)
    qtbot.mouseClick(find_by_name(section, "Re-wrap"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: top_level_by_name("Re-wrap PKCS#12") is not None, timeout=5_000)
    dialog = top_level_by_name("Re-wrap PKCS#12")
    qtbot.keyClicks(find_by_name(dialog, "Current passphrase"), OLD)
    qtbot.keyClicks(find_by_name(dialog, "New passphrase"), NEW)
    qtbot.keyClicks(find_by_name(dialog, "New passphrase again"), NEW)
    return dialog


def window_refusal(qtbot, section: RewrapSection, source: Path, target: Path) -> str:
    """What the window says about `target` ("" when it would write there)."""
    dialog = open_dialog(qtbot, section, source)
    try:
        find_by_name(dialog, "Save as").setText(str(target))
        problem = find_by_name(dialog, "Save as problem")
        button = find_by_name(dialog, "Write re-wrapped file")
        if not problem.isVisibleTo(dialog):
            return ""
        assert not button.isEnabled()
        return problem.text()
    finally:
        dialog.reject()


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def link(place: Path, to: Path) -> None:
    try:
        place.symlink_to(to, target_is_directory=to.is_dir())
    except OSError:  # Windows without the right to make links
        pytest.skip("this system may not make symbolic links")


TARGETS = [
    ("a .crt name", "must end in .p12 or .pfx", lambda h, src, files: src.parent / "new.crt"),
    ("a .pem name", "must end in .p12 or .pfx", lambda h, src, files: src.parent / "new.pem"),
    ("the bundle folder", "not into the bundle folder", lambda h, src, files: h / "bundles/x.p12"),
    ("the case's folder", "not into the bundle folder", lambda h, src, files: files / "x.p12"),
    ("over the original", "That is the original", lambda h, src, files: src),
    ("a folder link", "not into the bundle folder", lambda h, src, files: h / "to-bundles/x.p12"),
    ("a file link", "not into the bundle folder", lambda h, src, files: src.parent / "out.p12"),
]


@pytest.mark.parametrize(("where", "words", "place"), TARGETS, ids=[t[0] for t in TARGETS])
def test_the_cli_and_the_window_refuse_the_same_places_in_the_same_words(
    qtbot, capsys, home, served, window, where, words, place
):
    controller, section = window
    source = export_file(home / "exports", served)
    original = source.read_bytes()
    if where == "a folder link":
        link(home / "to-bundles", home / "bundles")
    if where == "a file link":
        link(source.parent / "out.p12", home / "bundles" / "x.p12")  # leads out of the folder
    target = place(home, source, controller.files_dir)

    said = window_refusal(qtbot, section, source, target)
    code, out, err = cli_rewrap(capsys, source, "--out", target, "--case", controller.path)

    assert words in said
    assert code == 2 and out == ""
    assert err == f"bundleguard: {said}"
    assert files_under(home / "bundles") == []
    assert files_under(controller.files_dir) == []
    assert source.read_bytes() == original


def test_the_cli_and_the_window_write_the_same_name_and_say_the_same_sentence(
    qtbot, capsys, home, served, window
):
    _controller, section = window
    by_cli = export_file(home / "cli", served)
    by_window = export_file(home / "window", served)

    code, said_by_cli, _ = cli_rewrap(capsys, by_cli)  # no --out: the default name
    dialog = open_dialog(qtbot, section, by_window)
    with qtbot.waitSignal(dialog.written, timeout=20_000) as written:
        qtbot.mouseClick(find_by_name(dialog, "Write re-wrapped file"), Qt.MouseButton.LeftButton)
    said_by_window = find_by_name(section, "Re-wrapped file").text()

    assert code == 0
    cli_file = home / "cli" / "site-export-rewrapped-private-key.p12"
    window_file = Path(written.args[0])
    assert window_file == home / "window" / cli_file.name
    assert cli_file.is_file() and window_file.is_file()
    assert said_by_cli.replace(str(cli_file), "PATH") == said_by_window.replace(
        str(window_file), "PATH"
    )
    assert said_by_window.startswith(f"Written: {window_file} — import this file")
    for path in (cli_file, window_file):
        key, cert, _ = pkcs12.load_key_and_certificates(path.read_bytes(), NEW.encode())
        assert cert == served.leaf and key is not None


def test_without_a_case_the_cli_still_refuses_a_certificate_name_and_the_original(
    capsys, home, served
):
    source = export_file(home / "exports", served)
    for target in (source.parent / "new.crt", source):
        code, _, err = cli_rewrap(capsys, source, "--out", target)
        assert code == 2 and ("must end in .p12" in err or "That is the original" in err)
    assert [p.name for p in files_under(source.parent)] == [source.name]


def test_an_existing_target_is_refused_before_any_passphrase_is_asked(
    capsys, home, served, monkeypatch
):
    source = export_file(home / "exports", served)
    taken = source.parent / "taken.p12"
    taken.write_bytes(b"the user's other file")
    monkeypatch.delenv("BUNDLEGUARD_PASSPHRASE")
    monkeypatch.delenv("BUNDLEGUARD_NEW_PASSPHRASE")
    code, _, err = cli_rewrap(capsys, source, "--out", taken)
    assert code == 2 and "already exists" in err and "--force" in err
    assert taken.read_bytes() == b"the user's other file"


def test_the_action_keeps_the_passphrases_out_of_messages_files_and_temp_files(
    capsys, home, served, monkeypatch
):
    from bundleguard.case.rewrap import rewrap_export
    from bundleguard.certs import pkcs12 as pkcs12_core
    from bundleguard.certs.load import WrongPassphrase

    source = export_file(home / "exports", served)
    with pytest.raises(WrongPassphrase) as refused:
        rewrap_export(source, None, b"wrong-" + OLD.encode(), NEW.encode())
    assert OLD not in str(refused.value) and NEW not in str(refused.value)

    def leaky(data, current, new, **kwargs):
        raise RuntimeError(f"bug quoting {current!r} and {new!r}")

    monkeypatch.setattr(pkcs12_core, "rewrap_pkcs12", leaky)
    code, out, err = cli_rewrap(capsys, source)
    assert code == 2 and "unexpected error (RuntimeError)" in err
    assert OLD not in out + err and NEW not in out + err
    monkeypatch.undo()
    monkeypatch.setattr(sys, "stdin", None)
    monkeypatch.setattr(roots, "system_roots", lambda: ())
    monkeypatch.setenv("BUNDLEGUARD_PASSPHRASE", OLD)
    monkeypatch.setenv("BUNDLEGUARD_NEW_PASSPHRASE", NEW)
    monkeypatch.setenv("BUNDLEGUARD_DATA_DIR", str(home / "data"))
    assert cli_rewrap(capsys, source)[0] == 0
    planted = [s.encode(enc) for s in (OLD, NEW) for enc in ("utf-8", "utf-16-le")]
    for path in files_under(home):
        assert not any(secret in path.read_bytes() for secret in planted), path
    assert {p.name for p in files_under(source.parent)} == {
        source.name,
        "site-export-rewrapped-private-key.p12",
    }


def test_extract_chain_is_the_case_action_the_window_calls(capsys, home, served):
    """The CLI writes what `extract_certificates` writes for the window, by the same names
    (the window leaves out the full chain: the separate files are the bundle's)."""
    from bundleguard.case.extract import extract_certificates

    source = export_file(home / "exports", served)
    # Exit 1: the export holds no root, so the chain written is incomplete (and says so).
    assert cli.main(["extract-chain", str(source), "--out", str(home / "by-cli")]) == 1
    said_by_cli = capsys.readouterr().out
    assert "The chain is incomplete" in said_by_cli
    case_folder = home / "case" / "files"
    case_folder.mkdir(parents=True)
    result = extract_certificates(source, OLD.encode(), case_folder, for_case=True)
    by_cli = sorted(p.name for p in (home / "by-cli").iterdir())
    assert sorted(p.name for p in result.written) == [n for n in by_cli if n.endswith(".crt")]
    # Both say the same sentence: the certificates extracted (the full chain is no more).
    assert result.words(str) == f"Extracted 2 certificates from {source.name}."
    assert f"\n{result.words(str)}\n" in said_by_cli
    assert [n for n in by_cli if not n.endswith(".crt")] == ["full-chain-support.example.test.pem"]
    again = extract_certificates(
        source, OLD.encode(), case_folder, for_case=True, known=[served.leaf, *served.chain[1:]]
    )
    assert again.written == () and again.already == len(result.written)
    assert (
        again.words(str)
        == f"The {again.already} certificates in {source.name} were already in the case."
    )


def test_a_default_name_in_the_bundle_folder_is_refused_before_any_passphrase_is_asked(
    capsys, home, served, window, monkeypatch
):
    controller, _section = window
    source = export_file(home / "bundles", served)  # the export was saved among the bundles
    monkeypatch.delenv("BUNDLEGUARD_PASSPHRASE")
    monkeypatch.delenv("BUNDLEGUARD_NEW_PASSPHRASE")
    code, _, err = cli_rewrap(capsys, source, "--case", controller.path)
    assert code == 2 and "not into the bundle folder" in err
    assert "passphrase" not in err.lower()
    assert [p.name for p in files_under(home / "bundles")] == [source.name]
