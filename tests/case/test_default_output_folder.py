"""The default output folder, Documents/bundleguard/SITE-INCIDENT (issue 18).

Its name comes from the case's site and incident, untrusted text: it is a safe folder name
on every platform whatever was typed; nothing is made before the first bundle is written;
`bundleguard bundle --case` uses it when the case names no folder, and says so. What a
written zip holds is read back from the zip itself.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bundleguard.case.model import ApplianceEntry, Case, Role
from bundleguard.case.outputs import (
    MAX_FOLDER_NAME,
    BundleContents,
    bundle_contents,
    default_folder_name,
    default_output_folder,
    documents_folder,
    with_output_folder,
)
from bundleguard.case.store import save_case
from bundleguard.cli import main
from bundleguard.naming import WINDOWS_RESERVED
from tests.case.conftest import BACKUP, PRIMARY, SITE
from tests.certs import pki

FORBIDDEN = set('<>:"/\\|?*')


def assert_safe(name: str) -> None:
    """A name Windows, macOS and Linux all take as one folder, as it is."""
    assert name and len(name) <= MAX_FOLDER_NAME, name
    assert not FORBIDDEN & set(name), name
    assert not any(ord(c) < 32 or ord(c) == 127 for c in name), name
    assert ".." not in name and name not in (".", ".."), name
    assert not name.endswith((".", " ")) and not name.startswith(" "), name
    assert name.split(".")[0].upper() not in WINDOWS_RESERVED, name
    for flavour in (PurePosixPath, PureWindowsPath):
        assert flavour(name).name == name and len(flavour(name).parts) == 1, name


def test_the_site_and_the_incident_name_the_folder():
    assert default_folder_name(SITE, "12345") == f"{SITE}-12345"
    assert default_folder_name("Support.Example.COM ", " 12345") == f"{SITE}-12345"
    assert default_folder_name(SITE, "") == SITE
    assert default_folder_name("", "12345") == "12345"
    assert default_folder_name("", "") == "new-case"
    documents = Path("/home/user/Documents")
    assert default_output_folder(documents, SITE, "12345") == (
        documents / "bundleguard" / f"{SITE}-12345"
    )


@pytest.mark.parametrize(
    ("site", "incident"),
    [
        ("../../etc", "passwd"),
        ("..", ".."),
        ("a/../../b", "1"),
        ("C:\\Windows\\System32", "1"),
        ("CON", ""),
        ("nul", ""),
        ("com1.example.com", ""),
        ("", "LPT9"),
        ("aux.", ""),
        ("site. . .", ""),
        ("site\x00name", "12\n34"),
        ("s\u202eite", "1\u200b2"),  # a bidi override, a zero-width space
        ("x" * 300, "9" * 80),
        ("ｃｏｍ１", ""),  # full-width letters that read as COM1
        ("ÿ" * 70, ""),
        ("   ", " \t "),
    ],
)
def test_hostile_text_makes_a_safe_name(site, incident):
    name = default_folder_name(site, incident)
    assert_safe(name)
    folder = default_output_folder(Path("/docs"), site, incident)
    assert folder.parent == Path("/docs/bundleguard")


def test_control_characters_are_removed_not_replaced():
    assert default_folder_name("site\x00.example.com", "12\n34") == "site.example.com-1234"
    assert default_folder_name("s\u202eite.example.com", "") == "site.example.com"


def test_a_long_site_is_cut_and_the_incident_kept_whole():
    name = default_folder_name("a" * 200 + ".example.com", "0123456789")
    assert len(name) <= MAX_FOLDER_NAME and name.endswith("-0123456789")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120), st.text(max_size=60))
def test_any_text_makes_a_safe_name(site, incident):
    assert_safe(default_folder_name(site, incident))


def test_a_case_that_names_a_folder_keeps_it(tmp_path):
    case = Case(site=SITE, incident="1", output=str(tmp_path / "mine"))
    assert with_output_folder(case, tmp_path / "docs") == case
    unnamed = case.with_changes(output="")
    assert with_output_folder(unnamed, tmp_path / "docs").output == str(
        tmp_path / "docs" / "bundleguard" / f"{SITE}-1"
    )
    assert with_output_folder(unnamed, None) == unnamed  # no documents folder: no default


def test_the_documents_folder_is_the_platforms_unless_set(monkeypatch, tmp_path):
    import platformdirs

    monkeypatch.delenv("BUNDLEGUARD_DOCUMENTS_DIR", raising=False)
    monkeypatch.setattr(platformdirs, "user_documents_dir", lambda: str(tmp_path / "Docs"))
    assert documents_folder() == tmp_path / "Docs"
    assert documents_folder({"BUNDLEGUARD_DOCUMENTS_DIR": str(tmp_path / "x")}) == tmp_path / "x"


# --------------------------------------------------------------------------- the CLI


def unnamed_case(folder: Path, chain: pki.Chain, **fields) -> Path:
    case = Case(
        site=SITE,
        incident="4711",
        support_address="support@example.com",
        appliances=(
            ApplianceEntry(PRIMARY, Role.PRIMARY, screenshot=str(folder / "primary.png")),
            ApplianceEntry(BACKUP, Role.BACKUP, screenshot=str(folder / "backup.png")),
        ),
        files=(str(folder / "chain.pem"),),
    ).with_changes(**fields)
    return save_case(case, folder / "site.bgcase")


def test_bundle_case_without_a_folder_writes_to_the_default_and_says_so(
    capsys, folder, chain, tmp_path, monkeypatch
):
    documents = tmp_path / "Documents"
    monkeypatch.setenv("BUNDLEGUARD_DOCUMENTS_DIR", str(documents))
    path = unnamed_case(folder, chain)
    code = main(["bundle", "--case", str(path), "--eml"])
    out = capsys.readouterr().out
    assert code == 0, out
    default = documents / "bundleguard" / f"{SITE}-4711"
    assert f"the bundles go to the default folder, {default}" in out
    zips = sorted(p.name for p in default.glob("*.zip"))
    assert zips == [
        f"support-bundle-{BACKUP}-incident-4711.zip",
        f"support-bundle-{PRIMARY}-incident-4711.zip",
    ]
    assert (default / f"support-bundle-{PRIMARY}-incident-4711.eml").is_file()


def test_the_default_folder_is_made_only_when_a_bundle_is_written(
    capsys, folder, chain, tmp_path, monkeypatch
):
    documents = tmp_path / "Documents"
    monkeypatch.setenv("BUNDLEGUARD_DOCUMENTS_DIR", str(documents))
    # No incident number: a concern, so nothing is written without --anyway.
    path = unnamed_case(folder, chain, incident="")
    code = main(["bundle", "--case", str(path), "--json"])
    out = capsys.readouterr().out
    assert code == 1 and json.loads(out)["written"] is False
    assert not documents.exists()
    code = main(["bundle", "--case", str(path), "--json", "--anyway"])
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err
    document = json.loads(captured.out)  # the note goes to stderr: stdout stays JSON
    assert "default folder" in captured.err
    written = [Path(b["path"]) for b in document["bundles"]]
    assert {p.parent for p in written} == {documents / "bundleguard" / SITE}


# --------------------------------------------------------------------------- what it holds


def test_what_a_written_bundle_holds_is_read_from_the_zip(capsys, folder, chain, tmp_path):
    path = unnamed_case(folder, chain, output=str(tmp_path / "out"))
    assert main(["bundle", "--case", str(path)]) == 0
    capsys.readouterr()
    zipped = tmp_path / "out" / f"support-bundle-{PRIMARY}-incident-4711.zip"
    contents = bundle_contents(zipped)
    assert contents == BundleContents(screenshot=True, leaf=True, intermediates=1, root=True)
    assert str(contents) == "screenshot, leaf, 1 intermediate, root"

    # A zip that holds only a leaf says what is missing.
    leaf_only = tmp_path / "leaf-only.zip"
    with zipfile.ZipFile(zipped) as source, zipfile.ZipFile(leaf_only, "w") as target:
        manifest = json.loads(source.read("manifest.json"))
        manifest["members"] = [m for m in manifest["members"] if m["type"] == "certificate"]
        target.writestr("manifest.json", json.dumps(manifest))
        for member in manifest["members"]:
            data = source.read(member["name"])
            target.writestr(member["name"], pki.pem(chain.leaf) if b"BEGIN" in data else data)
    assert str(bundle_contents(leaf_only)) == "no screenshot, leaf, no root"


def test_a_self_signed_leaf_is_said_as_such(tmp_path):
    zipped = tmp_path / "b.zip"
    member = {"name": "c.pem", "sha256": "", "size": 0, "type": "certificate"}
    manifest = {"format": "bundleguard-support-bundle/1", "members": [member]}
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        archive.writestr("c.pem", pki.pem(pki.self_signed([SITE]).leaf))
    assert str(bundle_contents(zipped)) == "no screenshot, self-signed leaf"


def test_a_zip_that_is_not_a_bundle_is_a_value_error(tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match=re.escape("'junk.zip' is not a bundle")):
        bundle_contents(junk)
