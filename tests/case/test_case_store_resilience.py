"""The store at start and on close: a last case that cannot be opened, for any reason, is set
aside (left as it is, a new case started, the reason said), never a start that dies; a
case opened and closed unchanged is not rewritten; fields of a newer version survive."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from bundleguard.case import store as store_module
from bundleguard.case.model import (
    ApplianceEntry,
    Case,
    CaseFileError,
    Unknown,
    case_from_bytes,
    case_to_bytes,
)
from bundleguard.case.store import CaseStore, load_case, save_case
from tests.case.conftest import SITE
from tests.guard import keyforge

posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs and symlink loops are POSIX's")


def remembered(tmp_path: Path, path: Path | str) -> CaseStore:
    """A store whose last case is `path` (as its recent list says)."""
    root = tmp_path / "data"
    root.mkdir(exist_ok=True)
    (root / "recent.json").write_text(json.dumps([str(path)]))
    return CaseStore(root)


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _loop(path: Path) -> None:
    other = path.with_name("other.bgcase")
    os.symlink(other, path)
    os.symlink(path, other)


def _folder(path: Path) -> None:
    path.mkdir()


def _huge(path: Path) -> None:
    with open(path, "wb") as handle:
        handle.truncate(5 << 20)  # sparse: 5 MB that take no room


def _damaged(path: Path) -> None:
    path.write_bytes(b'{"format": "bundleguard-case", "version": 1, "site": ')


def _hostile(path: Path) -> None:
    path.write_bytes(b'{"format": "bundleguard-case", "version": 1, "site": ' + b"9" * 5000 + b"}")


def _not_utf8(path: Path) -> None:
    path.write_bytes(b'{"format": "bundleguard-case", "version": 1, "site": "\xff"}')


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_damaged, "damaged"),
        (_hostile, "'site' is a number of 5,000 digits"),
        (_not_utf8, "not UTF-8"),
        (_folder, "is a folder, not a file"),
        pytest.param(_fifo, "is a pipe, not a file", marks=posix_only),
        pytest.param(_loop, "cannot be opened|Cannot read", marks=posix_only),
        (_huge, "far larger"),
    ],
)
def test_a_last_case_that_cannot_be_opened_is_set_aside(tmp_path, make, reason):
    path = tmp_path / "last.bgcase"
    make(path)
    store = remembered(tmp_path, path)
    opened = store.open_last()
    assert opened.case == Case() and opened.path != path
    assert opened.warning is not None
    assert re.search(reason, opened.warning), opened.warning
    assert opened.warning.endswith("It was left as it is, and a new case was started.")
    store.save(opened.case.with_changes(site=SITE), opened.path)
    assert os.path.lexists(path)  # never removed or overwritten
    assert CaseStore(tmp_path / "data").open_last().case.site == SITE


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file; chmod is no test"
)
def test_a_last_case_that_may_not_be_read_is_set_aside(tmp_path):
    path = save_case(Case(site=SITE), tmp_path / "last.bgcase")
    path.chmod(0)
    opened = remembered(tmp_path, path).open_last()
    assert opened.case == Case() and "you may not read it" in (opened.warning or "")


@pytest.mark.parametrize(
    "error",
    [
        PermissionError(13, "Permission denied"),
        IsADirectoryError(21, "Is a directory"),
        OSError(40, "Too many levels of symbolic links"),
        ValueError("embedded null byte"),
        RuntimeError("Symlink loop"),
    ],
)
def test_no_kind_of_failure_to_open_the_last_case_ends_the_start(tmp_path, monkeypatch, error):
    # What the one reader turns into words today, another Python may raise as it is.
    path = save_case(Case(site=SITE), tmp_path / "last.bgcase")

    def fails(_path):
        raise error

    monkeypatch.setattr(store_module, "load_case", fails)
    opened = remembered(tmp_path, path).open_last()
    assert opened.case == Case() and opened.path != path
    assert f"'{path}' cannot be opened" in (opened.warning or "")


@pytest.mark.parametrize(
    "entries",
    [["/no\x00where.bgcase"], [[1, 2]], "[" * 100_000, ["/gone/away.bgcase"]],
)
def test_a_recent_list_that_names_nothing_usable_starts_a_new_case(tmp_path, entries):
    root = tmp_path / "data"
    root.mkdir()
    text = entries if isinstance(entries, str) else json.dumps(entries)
    (root / "recent.json").write_text(text)
    opened = CaseStore(root).open_last()
    assert opened.case == Case() and opened.warning is None


def test_a_removed_last_case_falls_back_to_the_one_before(tmp_path):
    store = CaseStore(tmp_path / "data")
    older, newer = store.new_case_path(), store.new_case_path()
    store.save(Case(site="older.example.com"), older)
    store.save(Case(site="newer.example.com"), newer)
    newer.unlink()
    assert CaseStore(tmp_path / "data").open_last().case.site == "older.example.com"


# ------------------------------------------------------------- opened, closed, as it was

HAND_WRITTEN = (
    b'{"format":"bundleguard-case","version":1,"site":"hand.example.com",'
    b'"appliances":[{"hostname":"p.example.com","role":"primary"}],"files":["chain.pem"]}'
)


def test_a_case_opened_and_saved_unchanged_is_not_rewritten(tmp_path):
    store = CaseStore(tmp_path / "data")
    path = store.new_case_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(HAND_WRITTEN)
    os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    store.remember(path)
    before = path.stat()
    store = CaseStore(tmp_path / "data")  # the next start
    opened = store.open_last()
    assert opened.case.site == "hand.example.com" and opened.path == path
    store.save(opened.case, opened.path)  # the window closing: the case as it was read
    store.save(store.open(path).case, path)  # opened again from the recent list, closed
    assert path.read_bytes() == HAND_WRITTEN
    assert path.stat().st_mtime_ns == before.st_mtime_ns


def test_saving_the_same_bytes_again_leaves_the_file_and_its_time(tmp_path):
    path = save_case(Case(site=SITE), tmp_path / "c.bgcase")
    os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    save_case(Case(site=SITE), path)
    assert path.stat().st_mtime_ns == 1_000_000_000_000_000_000
    save_case(Case(site="changed.example.com"), path)
    assert load_case(path).site == "changed.example.com"


def test_an_edit_is_written(tmp_path):
    store = CaseStore(tmp_path / "data")
    path = store.new_case_path()
    store.save(Case(site=SITE), path)
    opened = CaseStore(tmp_path / "data").open_last()
    CaseStore(tmp_path / "data").save(opened.case.with_changes(incident="42"), path)
    assert load_case(path).incident == "42"


def test_the_window_opened_and_closed_leaves_the_case_file_as_it_was(qtbot, tmp_path):
    from bundleguard.gui import app as gui_app

    store = CaseStore(tmp_path / "data")
    path = store.new_case_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(HAND_WRITTEN)
    os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    store.remember(path)
    controller, window = gui_app.create_window(store=CaseStore(tmp_path / "data"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.isVisible())
    assert controller.case.site == "hand.example.com"
    window.close()
    controller.shutdown()
    assert path.read_bytes() == HAND_WRITTEN
    assert path.stat().st_mtime_ns == 1_000_000_000_000_000_000


# ------------------------------------------------------------- fields of a newer version

NEWER = {
    "format": "bundleguard-case",
    "version": 1,
    "site": "new.example.com",
    "notes": {"text": "from 2027", "tags": ["a", {"b": [1, 2.5, None, True]}]},
    "appliances": [
        {"hostname": "p.example.com", "role": "primary", "serial": "X-1", "ports": [443, 8443]}
    ],
    "files": [],
    "replication": {
        "imported": [],
        "schedule": {"every": 30},
        "verification": {"checked_at": "2026-12-01", "ok": True, "summary": "s", "by": "me"},
    },
}


def test_fields_this_version_does_not_know_survive_an_edit_and_a_save(tmp_path):
    path = tmp_path / "newer.bgcase"
    path.write_text(json.dumps(NEWER))
    case = load_case(path)
    assert case.unknown == Unknown({"notes": NEWER["notes"]})
    assert case.appliances[0].unknown["serial"] == "X-1"
    save_case(case.with_changes(incident="77"), path)
    written = json.loads(path.read_bytes())
    assert written["notes"] == NEWER["notes"]
    assert written["appliances"][0]["serial"] == "X-1"
    assert written["appliances"][0]["ports"] == [443, 8443]
    assert written["replication"]["schedule"] == {"every": 30}
    assert written["replication"]["verification"]["by"] == "me"
    assert written["incident"] == "77"
    assert load_case(path) == case.with_changes(incident="77")


def test_unknown_fields_are_frozen_and_a_case_holding_them_is_a_value():
    case = case_from_bytes(json.dumps(NEWER).encode())
    with pytest.raises(TypeError):
        case.unknown["notes"] = 1  # type: ignore[index]
    assert isinstance(case.unknown["notes"]["tags"], tuple)
    assert hash(case) == hash(case_from_bytes(case_to_bytes(case)))
    entry = case.appliances[0]
    assert entry != ApplianceEntry(entry.hostname, entry.role)  # what it holds counts


def test_a_field_of_this_version_is_never_taken_from_the_unknown_ones():
    case = Case(site="real.example.com", unknown=Unknown({"site": "fake.example.com", "x": 1}))
    document = json.loads(case_to_bytes(case))
    assert document["site"] == "real.example.com" and document["x"] == 1


def test_the_fields_of_a_newer_version_keep_their_order():
    data = case_to_bytes(case_from_bytes(json.dumps(NEWER).encode()))
    assert list(json.loads(data)["notes"]) == ["text", "tags"]


@pytest.mark.parametrize(
    ("place", "name"),
    [
        (lambda doc, pem: doc.update(notes={"pasted": [pem]}), "'notes'"),
        (lambda doc, pem: doc["appliances"][0].update(serial=pem), r"'appliances\[0\].serial'"),
        (lambda doc, pem: doc["replication"].update({pem: 1}), "'replication.-----BEGIN"),
    ],
)
def test_an_unknown_field_holding_a_private_key_is_refused_never_kept(place, name):
    pem = keyforge.pkcs8_pem(keyforge.ec_key()).decode()
    document = json.loads(json.dumps(NEWER))
    place(document, pem)
    with pytest.raises(CaseFileError, match=rf"cannot be opened: {name}.*private key material"):
        case_from_bytes(json.dumps(document).encode())
    holding = Case(unknown=Unknown({"notes": pem}))
    with pytest.raises(CaseFileError, match="cannot be saved: 'notes' holds private key material"):
        case_to_bytes(holding)
