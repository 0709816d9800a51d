"""`bundleguard WORD...` without a command: the window opens only existing paths; a typo of
a command is a usage error naming the command, and no mistyped word is ever repeated."""

from __future__ import annotations

import pytest

import bundleguard.gui
from bundleguard import cli


@pytest.fixture
def opened(monkeypatch) -> list[list[str]]:
    windows: list[list[str]] = []
    monkeypatch.setattr(bundleguard.gui, "main", lambda argv: windows.append(argv) or 0)
    return windows


@pytest.mark.parametrize(
    ("typo", "command"),
    [
        ("scna", "scan"),
        ("Scan", "scan"),
        ("inpsect", "inspect"),
        ("extract", "extract-chain"),
        ("extract_chain", "extract-chain"),
        ("rewarp", "rewrap"),
        ("bundel", "bundle"),
        ("prob", "probe"),
        ("cases", "case"),
    ],
)
def test_a_typo_of_a_command_names_the_command(capsys, opened, tmp_path, typo, command):
    target = tmp_path / "leaf.crt"
    target.write_bytes(b"x")
    assert cli.main([typo, str(target)]) == 2
    err = capsys.readouterr().err
    assert f"did you mean `bundleguard {command}`?" in err
    assert err.count("\n") == 1 and opened == []


@pytest.mark.parametrize("word", ["hunter2", "correct horse battery staple", "Tr0ub4dor&3"])
def test_a_word_that_is_no_command_nor_path_is_never_repeated(capsys, opened, word):
    assert cli.main([word]) == 2
    err = capsys.readouterr().err
    assert word not in err and "neither a command nor an existing file or folder" in err
    assert "scan, inspect" in err
    assert opened == []


def test_a_later_word_that_is_no_path_is_said_by_its_place(capsys, opened, tmp_path):
    target = tmp_path / "leaf.crt"
    target.write_bytes(b"x")
    assert cli.main([str(target), "s3cret-passphrase"]) == 2
    err = capsys.readouterr().err
    assert "word 2 is not an existing file or folder" in err and "s3cret" not in err
    assert opened == []


def test_existing_paths_open_the_window(opened, tmp_path):
    (tmp_path / "a.crt").write_bytes(b"x")
    (tmp_path / "support.bgcase").write_text("{}")
    (tmp_path / "folder").mkdir()
    words = [str(tmp_path / n) for n in ("a.crt", "support.bgcase", "folder")]
    assert cli.main(words) == 0
    assert cli.main([]) == 0
    assert cli.main(["--demo"]) == 0
    assert opened == [words, [], ["--demo"]]


def test_a_typo_beside_an_option_names_the_command_too(capsys, opened):
    with pytest.raises(SystemExit) as stop:
        cli.main(["scna", "--json", "x"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "did you mean `bundleguard scan`?" in err and "'scna'" not in err
