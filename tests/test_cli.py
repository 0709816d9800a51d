"""The command line's own promises: no echo of what could be a passphrase, no raw crash."""

from __future__ import annotations

import pytest

from bundleguard import cli
from bundleguard.commands import scan as scan_command


def test_an_unexpected_error_exits_2_without_its_text(tmp_path, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise RuntimeError("key bytes 30 82 04 a4 would be here")

    monkeypatch.setattr(scan_command, "scan_paths", broken)
    (tmp_path / "a.txt").write_text("hello")

    code = cli.main(["scan", str(tmp_path)])

    err = capsys.readouterr().err
    assert code == 2
    assert "RuntimeError" in err and "nothing was written" in err
    assert "30 82" not in err


def test_a_passphrase_given_as_an_option_value_is_never_echoed(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["--passphrase", "hunter2", "inspect", "x.p12"])

    assert stop.value.code == 2
    assert "hunter2" not in capsys.readouterr().err


def test_unrecognised_arguments_are_not_echoed(capsys, tmp_path):
    with pytest.raises(SystemExit) as stop:
        cli.main(["scan", str(tmp_path), "--passphrase-fil", "hunter2"])

    assert stop.value.code == 2
    assert "hunter2" not in capsys.readouterr().err


def test_no_command_opens_the_window_and_help_lists_the_commands(capsys, monkeypatch, tmp_path):
    import bundleguard.gui

    opened = []
    monkeypatch.setattr(bundleguard.gui, "main", lambda argv: opened.append(argv) or 0)
    case = tmp_path / "some.bgcase"
    case.write_text("{}")
    assert cli.main([]) == 0
    assert cli.main(["--demo"]) == 0
    assert cli.main([str(case)]) == 0
    assert opened == [[], ["--demo"], [str(case)]]
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "scan" in capsys.readouterr().out
