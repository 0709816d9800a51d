"""`bundleguard case new|show` and `bundleguard bundle --case`: the case file drives the CLI."""

from __future__ import annotations

import json
import zipfile

from bundleguard.case.model import Role
from bundleguard.case.store import load_case
from bundleguard.cli import main
from tests.case.conftest import BACKUP, PRIMARY, SITE, screenshot_png


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def new_case(capsys, folder, *extra: str):
    path = folder / "site.bgcase"
    code, out, err = run(
        capsys, "case", "new", str(path), "--site", SITE,
        "--appliance", PRIMARY, "--appliance", f"{BACKUP}:node",
        "--screenshot", str(folder / "primary.png"), "--screenshot", str(folder / "backup.png"),
        "--cert", str(folder / "chain.pem"), "--out", str(folder / "out"), *extra,
    )  # fmt: skip
    assert code == 0, out + err
    return path


def test_case_new_writes_a_case_and_show_prints_it(capsys, folder):
    path = new_case(capsys, folder)
    case = load_case(path)
    assert [(a.hostname, a.role) for a in case.appliances] == [(PRIMARY, Role.PRIMARY),
                                                                (BACKUP, Role.NODE)]  # fmt: skip
    code, out, _ = run(capsys, "case", "show", str(path))
    assert code == 0
    assert f"Site: {SITE}" in out and f"{BACKUP} (node)" in out and "chain.pem" in out
    code, out, _ = run(capsys, "case", "show", "--json", str(path))
    document = json.loads(out)
    assert document["files"] == ["chain.pem"] and document["version"] == 1


def test_case_show_names_the_default_output_folder_when_none_is_set(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("BUNDLEGUARD_DOCUMENTS_DIR", str(tmp_path / "Documents"))
    path = tmp_path / "site.bgcase"
    assert main(["case", "new", str(path), "--site", SITE, "--incident", "42"]) == 0
    capsys.readouterr()
    code, out, _ = run(capsys, "case", "show", str(path))
    default = tmp_path / "Documents" / "bundleguard" / f"{SITE}-42"
    assert code == 0
    assert f"Output folder: (not set: bundles go to the default, {default})" in out
    assert not default.exists()  # named, not made: the first bundle makes it


def test_case_new_never_replaces_a_file_unasked(capsys, folder):
    path = new_case(capsys, folder)
    before = path.read_bytes()
    code, _, err = run(capsys, "case", "new", str(path))
    assert code == 2 and "already exists" in err and "--force" in err
    assert path.read_bytes() == before


def test_case_show_of_a_damaged_file_is_a_message_not_a_crash(capsys, tmp_path):
    path = tmp_path / "bad.bgcase"
    path.write_bytes(b'{"format": "bundleguard-case", "version": 7}')
    code, out, err = run(capsys, "case", "show", str(path))
    assert code == 2 and "version 7" in err and out == ""


def test_case_show_escapes_what_the_file_says(capsys, tmp_path):
    path = tmp_path / "forged.bgcase"
    document = {"format": "bundleguard-case", "version": 1, "site": "x\x1b[2J\nResult: OK",
                "files": ["a\nResult: OK"]}  # fmt: skip
    path.write_text(json.dumps(document))
    code, out, _ = run(capsys, "case", "show", str(path))
    assert code == 0 and "\x1b" not in out
    assert not any(line.startswith("Result: OK") for line in out.splitlines())
    code, out, _ = run(capsys, "case", "show", "--json", str(path))
    assert json.loads(out)["site"] == "x\x1b[2J\nResult: OK"  # JSON stays exact


def test_bundle_takes_everything_from_the_case(capsys, folder):
    path = new_case(capsys, folder, "--incident", "4711")
    code, out, err = run(capsys, "bundle", "--case", str(path))
    assert code == 0, out + err
    zips = sorted(p.name for p in (folder / "out").glob("*.zip"))
    assert zips == [f"support-bundle-{BACKUP}-incident-4711.zip",
                    f"support-bundle-{PRIMARY}-incident-4711.zip"]  # fmt: skip
    with zipfile.ZipFile(folder / "out" / zips[0]) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["appliance"]["role"] == "node" and manifest["site"] == SITE


def test_flags_beside_the_case_override_it(capsys, folder, tmp_path):
    path = new_case(capsys, folder)
    other = tmp_path / "elsewhere"
    shot = folder / "other.png"
    shot.write_bytes(screenshot_png((30, 20)))
    # The case has no incident number, a concern: --anyway builds despite it.
    code, out, err = run(capsys, "bundle", "--case", str(path), "--appliance", PRIMARY,
                         "--screenshot", str(shot), "--out", str(other), "--json",
                         "--anyway")  # fmt: skip
    assert code == 0, out + err
    document = json.loads(out)
    assert [b["appliance"] for b in document["bundles"]] == [PRIMARY]
    assert document["plans"][0]["members"][0]["source"] == str(shot)
    assert not (folder / "out").exists()


def test_bundle_without_a_case_still_needs_its_inputs(capsys, folder):
    code, _, err = run(capsys, "bundle", "--appliance", PRIMARY, "--out", str(folder))
    assert code == 2 and "--screenshot" in err and "--cert" in err
