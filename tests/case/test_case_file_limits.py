"""What the window writes, it reads back: one set of limits, kept by the writer, the reader
and the check made when something is added; the saved check's long texts are cut."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from bundleguard.case import model
from bundleguard.case.model import (
    MAX_ADDRESS,
    MAX_APPLIANCES,
    MAX_CASE_BYTES,
    MAX_FILES,
    MAX_FINGERPRINT,
    MAX_HOSTNAME,
    MAX_INCIDENT,
    MAX_PATH,
    MAX_STAMP,
    MAX_SUMMARY,
    MAX_SUPPORT_ADDRESS,
    MAX_VERIFICATION_TEXT,
    ApplianceEntry,
    Case,
    CaseFileError,
    CaseLimitError,
    Replication,
    Role,
    Verification,
    case_from_bytes,
    case_to_bytes,
    check_can_add,
)
from bundleguard.case.store import CaseStore, load_case, save_case
from bundleguard.cli import main
from bundleguard.errors import InputError

ROOT = Path.cwd().anchor  # "/" here, "C:\\" on Windows


def long_path(length: int, letter: str = "d") -> str:
    """An absolute path of exactly `length` characters."""
    return ROOT + letter * (length - len(ROOT))


def wide_paths() -> tuple[str, ...]:
    """1,000 paths of 4,096 characters, each allowed; in UTF-8 they take 8 MB."""
    return tuple(long_path(MAX_PATH - 6, "ü") + f"{n:06}" for n in range(MAX_FILES))


# Each text field of a case: how to set it, its limit, and how messages name it.
FIELDS = [
    (lambda v: Case(site=v), MAX_HOSTNAME, "'site'"),
    (lambda v: Case(incident=v), MAX_INCIDENT, "'incident'"),
    (lambda v: Case(support_address=v), MAX_SUPPORT_ADDRESS, "'support_address'"),
    (lambda v: Case(output=v), MAX_PATH, "'output'"),
    (lambda v: Case(appliances=(ApplianceEntry(v),)), MAX_HOSTNAME, r"'appliances\[0\].hostname'"),
    (
        lambda v: Case(appliances=(ApplianceEntry("a.example.com", address=v),)),
        MAX_ADDRESS,
        r"'appliances\[0\].address'",
    ),
    (
        lambda v: Case(appliances=(ApplianceEntry("a.example.com", screenshot=v),)),
        MAX_PATH,
        r"'appliances\[0\].screenshot'",
    ),
    (lambda v: Case(files=(v,)), MAX_PATH, r"'files\[0\]'"),
    (
        lambda v: Case(replication=Replication(exported_pkcs12=v)),
        MAX_PATH,
        "'replication.exported_pkcs12'",
    ),
    (
        lambda v: Case(replication=Replication(exported_fingerprint=v)),
        MAX_FINGERPRINT,
        "'replication.exported_fingerprint'",
    ),
    (
        lambda v: Case(replication=Replication(imported=(v,))),
        MAX_HOSTNAME,
        r"'replication.imported\[0\]'",
    ),
    (
        lambda v: Case(replication=Replication(vendor_update_installed=v)),
        MAX_STAMP,
        "'replication.vendor_update_installed'",
    ),
    (
        lambda v: Case(replication=Replication(verification=Verification(v, True, "ok"))),
        MAX_STAMP,
        "'replication.verification.checked_at'",
    ),
]
PATH_LIMITS = {id(f[0]) for f in FIELDS if f[1] == MAX_PATH}


def value_of(make, length: int) -> str:
    return long_path(length) if id(make) in PATH_LIMITS else "a" * length


@pytest.mark.parametrize(("make", "limit", "name"), FIELDS)
def test_each_text_field_round_trips_at_its_limit(make, limit, name):
    case = make(value_of(make, limit))
    assert case_from_bytes(case_to_bytes(case)) == case


@pytest.mark.parametrize(("make", "limit", "name"), FIELDS)
def test_the_writer_refuses_a_field_past_its_limit_naming_it(make, limit, name):
    case = make(value_of(make, limit + 1))
    with pytest.raises(CaseFileError, match=rf"The case cannot be saved: {name}.*{limit:,}"):
        case_to_bytes(case)


@pytest.mark.parametrize(("make", "limit", "name"), FIELDS)
def test_the_reader_refuses_a_field_past_its_limit_naming_it(make, limit, name):
    value = value_of(make, limit)
    document = case_to_bytes(make(value)).decode()
    assert document.count(f'"{value}"') == 1
    over = document.replace(f'"{value}"', f'"{value}x"')  # what another program might write
    with pytest.raises(CaseFileError, match=rf"cannot be opened: {name}.*{limit:,}"):
        case_from_bytes(over.encode())


def many_files(count: int, folder: str = "/certs") -> tuple[str, ...]:
    return tuple(f"{folder}/cert-{n:05}.pem" for n in range(count))


def test_a_case_of_more_files_than_the_reader_takes_is_never_written(tmp_path):
    store = CaseStore(tmp_path / "data")
    path = store.new_case_path()
    store.save(Case(site="kept.example.com", files=many_files(MAX_FILES)), path)
    before = path.read_bytes()
    with pytest.raises(CaseFileError, match=r"1,001 files, and a case holds at most 1,000"):
        store.save(Case(site="kept.example.com", files=many_files(MAX_FILES + 1)), path)
    assert path.read_bytes() == before  # the last good save stands
    assert len(store.open_last().case.files) == MAX_FILES  # and it opens at the next start


def test_a_case_of_more_appliances_than_the_reader_takes_is_never_written():
    entries = tuple(ApplianceEntry(f"n{n}.example.com", Role.NODE) for n in range(101))
    assert len(entries) == MAX_APPLIANCES + 1
    with pytest.raises(CaseFileError, match=r"101 appliances, and a case holds at most 100"):
        case_to_bytes(Case(appliances=entries))
    case_from_bytes(case_to_bytes(Case(appliances=entries[:-1])))


def test_a_case_file_past_4_mib_is_never_written(tmp_path):
    # Each path allowed, the file too large to open again.
    files = wide_paths()
    case = Case(files=files)
    with pytest.raises(CaseFileError, match=r"cannot be saved: .*more than the 4,194,304"):
        save_case(case, tmp_path / "big.bgcase")
    assert not (tmp_path / "big.bgcase").exists()
    assert len(json.dumps(list(files), ensure_ascii=False).encode()) > MAX_CASE_BYTES


def test_adding_past_the_most_files_is_refused_with_the_reason():
    case = Case(files=many_files(12))
    with pytest.raises(CaseLimitError, match=r"^A case holds at most 1,000 files; with these "
                       r"3,000 it would hold 3,012\.$"):  # fmt: skip
        check_can_add(case, 3000)
    with pytest.raises(CaseLimitError, match="with these 989 it would hold 1,001"):
        check_can_add(case, many_files(989, "/more"))
    check_can_add(case, many_files(988, "/more"))  # exactly 1,000: fine
    assert issubclass(CaseLimitError, InputError)


def test_adding_a_path_the_case_cannot_hold_is_refused_with_the_reason(tmp_path):
    with pytest.raises(CaseLimitError, match=r"cannot be added: its path holds a NUL"):
        check_can_add(Case(), ["/certs/a\x00b.pem"])
    with pytest.raises(CaseLimitError, match=r"its path is 4,097 characters long"):
        check_can_add(Case(), [long_path(MAX_PATH + 1)])
    big = wide_paths()
    with pytest.raises(CaseLimitError, match=r"more than the 4,194,304"):
        check_can_add(Case(files=big[:500]), big[500:], case_file=tmp_path / "c.bgcase")


def test_adding_past_the_most_appliances_is_refused_with_the_reason():
    case = Case(appliances=tuple(ApplianceEntry(f"n{n}.example.com") for n in range(100)))
    with pytest.raises(CaseLimitError, match=r"at most 100 appliances; with this one it would"):
        check_can_add(case, appliances=1)
    check_can_add(replace(case, appliances=case.appliances[:99]), appliances=1)


def test_the_saved_checks_long_texts_are_cut_with_a_marker_when_read():
    document = {
        "format": "bundleguard-case",
        "version": 1,
        "replication": {
            "verification": {
                "checked_at": "2026-12-01T10:00:00+00:00",
                "ok": False,
                "summary": "Fix first: " + "s" * 2_000_000,
                "text": "line\n" * 400_000,
            }
        },
    }
    case = case_from_bytes(json.dumps(document).encode())
    saved = case.replication.verification
    assert len(saved.summary) == MAX_SUMMARY and len(saved.text) == MAX_VERIFICATION_TEXT
    assert saved.summary.startswith("Fix first: sss")
    assert saved.summary.endswith(
        "[cut: the saved text held 2,000,011 characters; a case keeps 1,000]"
    )
    assert saved.text.endswith(
        "[cut: the saved text held 2,000,000 characters; a case keeps 131,072]"
    )
    # Cut once, for good: saved and read again, it stays as it is.
    assert case_from_bytes(case_to_bytes(case)) == case


def test_a_long_check_is_written_cut_and_reads_back_as_written(tmp_path):
    long = Verification("2026-12-01T10:00:00+00:00", True, "x" * 5000, "y" * 300_000, "k")
    path = save_case(Case(replication=Replication(verification=long)), tmp_path / "c.bgcase")
    saved = load_case(path).replication.verification
    assert saved.text == model.cut_text(long.text, MAX_VERIFICATION_TEXT)
    assert saved.summary == model.cut_text(long.summary, MAX_SUMMARY)
    assert len(saved.text) == MAX_VERIFICATION_TEXT


def test_the_command_line_says_the_same_limits(capsys, tmp_path):
    certs = [str(tmp_path / f"c{n}.pem") for n in range(MAX_FILES + 1)]
    code = main(["case", "new", str(tmp_path / "c.bgcase"), "--cert", *certs])
    err = capsys.readouterr().err
    assert code == 2
    assert "A case holds at most 1,000 files; with these 1,001 it would hold 1,001." in err
    assert not (tmp_path / "c.bgcase").exists()
    code = main(["case", "new", str(tmp_path / "c.bgcase"), "--incident", "9" * 65])
    err = capsys.readouterr().err
    assert code == 2 and "'incident' is 65 characters long, more than the 64" in err
