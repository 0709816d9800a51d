"""A file name that is not UTF-8 (Latin-1 on Linux) or holds half a UTF-16 pair (Windows)
round-trips through a case file unchanged, and the file stays valid UTF-8 JSON."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from bundleguard.case.model import (
    ApplianceEntry,
    Case,
    CaseFileError,
    case_from_bytes,
    case_to_bytes,
    check_can_add,
)
from bundleguard.case.store import CaseStore, load_case
from bundleguard.cli import main

linux_only = pytest.mark.skipif(
    sys.platform != "linux", reason="only Linux file systems take names that are not UTF-8"
)


@pytest.fixture
def latin1_file(tmp_path: Path) -> Path:
    """A real file named `café.pem` in Latin-1 bytes (`caf\\xe9.pem`), as an old share has."""
    raw = os.path.join(os.fsencode(tmp_path), b"caf\xe9.pem")
    with open(raw, "wb") as handle:
        handle.write(b"the certificate's bytes")
    path = Path(os.fsdecode(raw))
    assert "\udce9" in str(path)  # Python keeps the byte as a surrogate
    return path


@linux_only
def test_a_latin1_file_name_survives_saving_and_opening(tmp_path, latin1_file):
    store = CaseStore(tmp_path / "data")
    path = store.new_case_path()
    case = Case(
        site="a.example.com",
        files=(str(latin1_file),),
        appliances=(ApplianceEntry("a.example.com", screenshot=str(latin1_file)),),
    )
    check_can_add(Case(), [str(latin1_file)])  # the window may add it
    store.save(case, path)
    data = path.read_bytes()
    data.decode("utf-8")  # strict: still a UTF-8 text file
    assert json.loads(data)["files"] == [str(latin1_file)]  # any JSON reader sees the same
    opened = CaseStore(tmp_path / "data").open_last()
    assert opened.warning is None and opened.case == case
    assert Path(opened.case.files[0]).read_bytes() == b"the certificate's bytes"


@linux_only
def test_a_latin1_name_beside_the_case_is_stored_relative_and_found_again(tmp_path, latin1_file):
    case_file = latin1_file.parent / "site.bgcase"
    case_file.write_bytes(case_to_bytes(Case(files=(str(latin1_file),)), case_file))
    assert b'"caf\\udce9.pem"' in case_file.read_bytes()
    assert load_case(case_file).files == (str(latin1_file),)


def test_a_lone_surrogate_in_a_case_survives_every_save():
    document = b'{"format": "bundleguard-case", "version": 1, "site": "x\\ud800y",' \
               b' "files": ["/c/\\udfff.pem"]}'  # fmt: skip
    case = case_from_bytes(document)
    assert case.site == "x\ud800y" and case.files == ("/c/\udfff.pem",)
    assert case_from_bytes(case_to_bytes(case)) == case


def test_two_halves_that_would_read_back_as_one_character_are_refused_by_name():
    case = Case(files=("/c/ok.pem", "/c/\ud83d\ude00.pem"))
    with pytest.raises(CaseFileError, match=r"cannot be saved: 'files\[1\]' holds characters"):
        case_to_bytes(case)


@linux_only
def test_the_command_line_writes_and_shows_such_a_name_escaped(capsys, tmp_path, latin1_file):
    path = tmp_path / "cli.bgcase"
    assert main(["case", "new", str(path), "--cert", str(latin1_file)]) == 0
    capsys.readouterr()
    assert main(["case", "show", str(path)]) == 0
    out = capsys.readouterr().out
    assert "caf\\udce9.pem" in out
    assert main(["case", "show", "--json", str(path)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["files"] == ["caf\udce9.pem"]
