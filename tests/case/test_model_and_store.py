"""The .bgcase file: round trip, relative paths, and clear refusals of what it cannot read."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bundleguard.case.model import (
    ApplianceEntry,
    Case,
    CaseFileError,
    Replication,
    Role,
    Verification,
    case_from_bytes,
    case_to_bytes,
    case_to_json,
    check_screenshots,
    default_role,
    parse_role,
)
from bundleguard.case.store import CaseStore, load_case, save_case
from bundleguard.errors import InputError
from bundleguard.files import NotAFileError
from tests.case.conftest import BACKUP, PRIMARY, SITE


def a_case(folder: Path) -> Case:
    return Case(
        site=SITE,
        incident="4711",
        support_address="support@example.com",
        output=str(folder / "out"),
        appliances=(
            ApplianceEntry(PRIMARY, Role.PRIMARY, "10.0.0.1", str(folder / "primary.png")),
            ApplianceEntry(BACKUP, Role.BACKUP, "", str(folder / "backup.png")),
        ),
        files=(str(folder / "chain.pem"),),
        replication=Replication(
            exported_fingerprint="ab" * 32,
            imported=(BACKUP,),
            verification=Verification("2026-12-01T10:00:00Z", True, "all the same"),
        ),
    )


def test_a_saved_case_opens_as_it_was(folder):
    case = a_case(folder)
    path = save_case(case, folder / "site.bgcase")
    assert load_case(path) == case


def test_paths_beside_the_case_are_stored_relative_and_survive_a_move(folder, tmp_path):
    path = save_case(a_case(folder), folder / "site.bgcase")
    document = json.loads(path.read_bytes())
    assert document["files"] == ["chain.pem"]
    assert [a["screenshot"] for a in document["appliances"]] == ["primary.png", "backup.png"]
    moved = tmp_path / "colleague"
    shutil.copytree(folder, moved)
    opened = load_case(moved / "site.bgcase")
    assert opened.files == (str(moved / "chain.pem"),)
    shot = Path(opened.appliances[0].screenshot)
    assert shot == moved / "primary.png" and shot.exists()


def test_a_path_outside_the_case_folder_is_stored_absolute(folder, tmp_path):
    elsewhere = tmp_path / "elsewhere" / "root.pem"
    case = Case(files=(str(elsewhere),))
    document = case_to_json(case, folder / "site.bgcase")
    assert document["files"] == [str(elsewhere)]


def test_a_sibling_folder_with_the_same_prefix_is_not_inside(folder):
    sibling = Path(str(folder) + "-old") / "root.pem"
    nested = folder / "sub" / "int.pem"
    case = Case(files=(str(sibling), str(nested)))
    document = case_to_json(case, folder / "site.bgcase")
    assert document["files"] == [str(sibling), "sub/int.pem"]


def test_the_document_holds_exactly_the_schema_fields(folder):
    document = case_to_json(a_case(folder), folder / "site.bgcase")
    assert document["format"] == "bundleguard-case" and document["version"] == 1
    assert set(document) == {"format", "version", "site", "incident", "support_address",
                             "output", "appliances", "files", "replication"}  # fmt: skip
    assert set(document["appliances"][0]) == {"hostname", "role", "address", "screenshot"}


def test_an_unknown_version_is_a_clear_message(tmp_path):
    path = tmp_path / "new.bgcase"
    path.write_text(json.dumps({"format": "bundleguard-case", "version": 2}))
    with pytest.raises(CaseFileError, match=r"version 2.*reads version 1"):
        load_case(path)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'{"format": "bundleguard-case", "version": 1, "site": ', "damaged"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"[" * 100_000, "nested too deeply|damaged"),
        (b'{"format": "something-else", "version": 1}', "not a bundleguard case"),
        (b'{"format": "bundleguard-case"}', "no version"),
        (b'{"format": "bundleguard-case", "version": true}', "no version"),
        (b"[]", "not an object"),
    ],
)
def test_a_damaged_file_is_a_clear_message(tmp_path, data, reason):
    path = tmp_path / "damaged.bgcase"
    path.write_bytes(data)
    with pytest.raises(CaseFileError, match=reason):
        load_case(path)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"site": 5}, "'site' is not a text"),
        ({"incident": ["a"]}, "'incident' is not a text"),
        ({"appliances": {"hostname": "x"}}, "'appliances' is not a list"),
        ({"appliances": ["primary.example.com"]}, r"'appliances\[0\]' is not an object"),
        ({"appliances": [{"hostname": 1}]}, r"'appliances\[0\].hostname' is not a text"),
        ({"appliances": [{"hostname": "a", "role": "boss"}]}, r"'appliances\[0\].role'"),
        ({"files": [None]}, r"'files\[0\]' is not a path"),
        ({"files": "chain.pem"}, "'files' is not a list"),
        ({"site": "a\x00b"}, "NUL"),
        ({"replication": {"verification": {"ok": "yes"}}}, "verification.ok"),
    ],
)
def test_a_field_of_the_wrong_type_is_named(change, field):
    document = {"format": "bundleguard-case", "version": 1, **change}
    with pytest.raises(CaseFileError, match=field):
        case_from_bytes(json.dumps(document).encode())


def test_a_folder_given_as_a_case_is_not_read(tmp_path):
    with pytest.raises(NotAFileError):
        load_case(tmp_path)


def test_a_damaged_last_case_is_never_overwritten(tmp_path):
    store = CaseStore(tmp_path / "data")
    path = store.new_case_path()
    store.save(Case(site=SITE), path)
    damaged = b'{"format": "bundleguard-case", "version": 1, "site": '
    path.write_bytes(damaged)
    opened = store.open_last()
    assert opened.warning is not None and "damaged" in opened.warning
    assert opened.case == Case() and opened.path != path
    store.save(opened.case.with_changes(site="new.example.com"), opened.path)
    assert path.read_bytes() == damaged  # set aside, untouched
    assert store.open_last().case.site == "new.example.com"


def test_the_store_remembers_recent_cases_newest_first(tmp_path):
    store = CaseStore(tmp_path / "data")
    first, second = store.new_case_path(), store.new_case_path()
    store.save(Case(site="a.example.com"), first)
    store.save(Case(site="b.example.com"), second)
    assert store.recent()[:2] == [second.resolve(), first.resolve()]
    assert store.open_last().case.site == "b.example.com"


def test_role_rules():
    assert [default_role(i) for i in range(3)] == [Role.PRIMARY, Role.BACKUP, Role.BACKUP]
    assert parse_role(" Node ") is Role.NODE
    with pytest.raises(InputError, match="not a role"):
        parse_role("boss")


def test_one_screenshot_per_appliance():
    entries = [ApplianceEntry(PRIMARY), ApplianceEntry(BACKUP, Role.BACKUP)]
    check_screenshots(entries, ["a.png", "b.png"])
    with pytest.raises(InputError, match=r"\(2 appliances, 1 screenshot\)"):
        check_screenshots(entries, ["a.png"])


def test_bytes_round_trip_without_a_file():
    case = Case(site=SITE, appliances=(ApplianceEntry(PRIMARY, screenshot="/abs/p.png"),))
    assert case_from_bytes(case_to_bytes(case)) == case
