"""plan_case and write_case_bundles: a case's files in, verified zips out, or why not."""

from __future__ import annotations

import json
import zipfile

import pytest

from bundleguard.bundle.plan import Refusal
from bundleguard.case.actions import (
    MissingScreenshotError,
    NoApplianceError,
    appliance_entries,
    case_with_overrides,
    plan_case,
    split_host_role,
    write_case_bundles,
)
from bundleguard.case.model import ApplianceEntry, Case, Role, ScreenshotCountError
from bundleguard.errors import InputError
from bundleguard.files import TargetExistsError
from tests.case.conftest import BACKUP, PRIMARY, SITE
from tests.certs import pki


def case_in(folder, **changes) -> Case:
    case = Case(
        site=SITE,
        incident="4711",
        appliances=(
            ApplianceEntry(PRIMARY, Role.PRIMARY, screenshot=str(folder / "primary.png")),
            ApplianceEntry(BACKUP, Role.BACKUP, screenshot=str(folder / "backup.png")),
        ),
        files=(str(folder / "chain.pem"),),
    )
    return case.with_changes(**changes)


def test_a_case_becomes_one_verified_zip_and_draft_per_appliance(folder, no_anchors, tmp_path):
    plans = plan_case(case_in(folder), anchors=no_anchors)
    assert [p.appliance.hostname for p in plans] == [PRIMARY, BACKUP]
    assert all(p.accepted for p in plans)
    out = tmp_path / "out"
    result = write_case_bundles(plans, out, to="support@example.com")
    assert [b.path.name for b in result.written] == [
        f"support-bundle-{PRIMARY}-incident-4711.zip",
        f"support-bundle-{BACKUP}-incident-4711.zip",
    ]
    with zipfile.ZipFile(result.written[1].path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert archive.namelist() == [f"status-basics-{BACKUP}.png", "chain.pem", "manifest.json"]
    assert manifest["appliance"] == {"hostname": BACKUP, "role": "backup"}
    assert all(d.eml is not None and d.eml.exists() for d in result.drafts)


def test_a_key_among_the_files_is_a_refusal_in_every_plan(folder, no_anchors, chain, tmp_path):
    key = folder / "server.key"
    key.write_bytes(pki.key_pem(chain.leaf_key))
    plans = plan_case(case_in(folder, files=(str(folder / "chain.pem"), str(key))),
                      anchors=no_anchors)  # fmt: skip
    for plan in plans:
        assert not plan.accepted
        assert [r.source for r in plan.refusals] == [str(key)]
        assert plan.refusals[0].verdict == "secret"
    result = write_case_bundles(plans, tmp_path / "out")
    assert result.refused and result.written == ()
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_a_folder_among_the_files_is_a_refusal_not_an_error(folder, no_anchors):
    plans = plan_case(case_in(folder, files=(str(folder),)), anchors=no_anchors)
    assert isinstance(plans[0].refusals[0], Refusal)
    assert "folder" in plans[0].refusals[0].reasons[0]


def test_an_appliance_without_a_screenshot_is_named(folder, no_anchors):
    case = case_in(folder)
    case = case.with_changes(appliances=(case.appliances[0], ApplianceEntry(BACKUP, Role.BACKUP)))
    with pytest.raises(MissingScreenshotError, match=BACKUP) as caught:
        plan_case(case, anchors=no_anchors)
    assert caught.value.hostname == BACKUP


def test_a_missing_screenshot_file_names_the_appliance(folder, no_anchors):
    case = case_in(folder)
    gone = ApplianceEntry(BACKUP, Role.BACKUP, screenshot=str(folder / "gone.png"))
    with pytest.raises(InputError, match=f"screenshot of {BACKUP}.*no such file"):
        plan_case(case.with_changes(appliances=(case.appliances[0], gone)), anchors=no_anchors)


def test_a_case_without_appliances_says_so(no_anchors):
    with pytest.raises(NoApplianceError, match="no appliance"):
        plan_case(Case(files=("x.pem",)), anchors=no_anchors)


def test_the_anchors_passed_in_decide_trust(folder, chain):
    from types import SimpleNamespace

    trusted = SimpleNamespace(public=(chain.root,), system=(chain.root,))
    plan = plan_case(case_in(folder), anchors=trusted)[0]
    assert plan.needs_software_update is False
    untrusted = plan_case(case_in(folder), anchors=SimpleNamespace(public=(), system=()))[0]
    assert untrusted.needs_software_update is True


def test_existing_files_stop_the_whole_set_before_a_byte_is_written(folder, no_anchors, tmp_path):
    plans = plan_case(case_in(folder), anchors=no_anchors)
    out = tmp_path / "out"
    out.mkdir()
    clash = out / plans[1].zip_name
    clash.write_bytes(b"mine")
    with pytest.raises(TargetExistsError) as caught:
        write_case_bundles(plans, out)
    assert clash in caught.value.paths and "--" not in str(caught.value)
    assert sorted(p.name for p in out.iterdir()) == [clash.name]


def test_cancel_stops_before_the_next_bundle(folder, no_anchors, tmp_path):
    plans = plan_case(case_in(folder), anchors=no_anchors)
    asked = []

    def cancel() -> bool:
        asked.append(True)
        return len(asked) > 1  # the user pressed Cancel while the first was written

    result = write_case_bundles(plans, tmp_path / "out", cancel=cancel)
    assert result.cancelled and [b.appliance.hostname for b in result.written] == [PRIMARY]
    assert result.to_json()["ok"] is False
    assert sorted(p.suffix for p in (tmp_path / "out").iterdir()) == [".eml", ".zip"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("primary.example.com", ("primary.example.com", None)),
        ("b.example.com:backup", ("b.example.com", Role.BACKUP)),
        ("n.example.com:NODE", ("n.example.com", Role.NODE)),
        ("host:8443", ("host:8443", None)),
    ],
)
def test_host_and_role(text, expected):
    assert split_host_role(text) == expected


def test_appliances_without_a_role_take_the_given_one_or_their_place():
    given = [("a", None), ("b", None), ("c", Role.NODE)]
    assert [e.role for e in appliance_entries(given)] == [Role.PRIMARY, Role.BACKUP, Role.NODE]
    assert [e.role for e in appliance_entries(given, role=Role.NODE)] == [Role.NODE] * 3
    with pytest.raises(InputError, match="one screenshot per appliance"):
        appliance_entries(given, ["a.png"])


def test_overrides_replace_only_what_is_given(folder):
    case = case_in(folder)
    same = case_with_overrides(case)
    assert same == case
    moved = case_with_overrides(case, appliances=[(BACKUP, None)], output="/elsewhere")
    assert [(e.hostname, e.role) for e in moved.appliances] == [(BACKUP, Role.PRIMARY)]
    assert moved.appliances[0].screenshot == str(folder / "backup.png")  # kept by hostname
    assert moved.output == "/elsewhere" and moved.files == case.files
    shots = case_with_overrides(case, screenshots=["a.png", "b.png"])
    assert [e.screenshot for e in shots.appliances] == ["a.png", "b.png"]
    with pytest.raises(ScreenshotCountError) as caught:
        case_with_overrides(case, screenshots=["a.png"])
    assert (caught.value.appliances, caught.value.screenshots) == (2, 1)
