"""One judgement of a case, read by the window and by the CLI alike (issue 17).

Over a table of cases (no site, no output folder, no files, a refused file, a missing
screenshot, an address that cannot be used, an incomplete chain, no incident, a site not
covered...), `case.readiness.readiness` says what stops the build and what is a concern;
the Bundle page's "Blockers" and "Concerns" lists, its "Build bundles" and "Build anyway"
buttons, and `bundleguard bundle --case` (before it writes anything) all say the same.
A private CA chain and a private key are generated at run time; the zips written are
reopened.
"""

from __future__ import annotations

import dataclasses
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from PySide6.QtWidgets import QListWidget, QPushButton

from bundleguard.case.actions import gather_facts
from bundleguard.case.model import ApplianceEntry, Case, Role
from bundleguard.case.outputs import documents_folder, with_output_folder
from bundleguard.case.readiness import build_key, readiness
from bundleguard.case.store import CaseStore, save_case
from bundleguard.certs.anchors import load_trust_anchors
from bundleguard.cli import main
from bundleguard.gui.bundle_page import BundlePage
from bundleguard.gui.controller import CaseController
from tests.certs import pki
from tests.gui.conftest import find_by_name
from tests.gui.test_bundle_page import BACKUP, PRIMARY, SITE, screenshot_png


@dataclass(frozen=True)
class Row:
    name: str
    change: Callable[[Case, Path], Case]
    blockers: tuple[str, ...] = ()  # how each blocker begins, in order
    concerns: tuple[str, ...] = ()


def with_fields(**fields) -> Callable[[Case, Path], Case]:
    return lambda case, folder: case.with_changes(**fields)


def with_key(case: Case, folder: Path) -> Case:
    key = folder / "server.pem"
    key.write_bytes(pki.key_pem(ec.generate_private_key(ec.SECP256R1())))
    return case.with_changes(files=(*case.files, str(key)))


def without_backup_screenshot(case: Case, folder: Path) -> Case:
    return case.with_changes(appliances=(case.appliances[0], ApplianceEntry(BACKUP, Role.BACKUP)))


def leaf_only(case: Case, folder: Path) -> Case:
    return case.with_changes(files=case.files[:1])


def several(case: Case, folder: Path) -> Case:
    case = without_backup_screenshot(case, folder)
    return case.with_changes(site="", output="", incident="")


ROWS = (
    Row("all good", with_fields()),
    Row("no site", with_fields(site=""), blockers=("Step 1, Case: add the site hostname",)),
    Row("no output folder: the default one", with_fields(output="")),
    Row(
        "no appliance",
        with_fields(appliances=()),
        blockers=("Step 1, Case: add the appliance the bundle is for",),
    ),
    Row(
        "no files",
        with_fields(files=()),
        blockers=("Step 2, Certificates: add the certificate files of the chain",),
    ),
    Row(
        "a refused file",
        with_key,
        blockers=("Step 2, Certificates: ",),  # + the path: "... is refused (it holds a key)"
    ),
    Row(
        "a missing screenshot",
        without_backup_screenshot,
        blockers=(f"Step 3, Screenshot: add the Status > Basics screenshot of {BACKUP}",),
    ),
    Row(
        "an address that cannot be used",
        with_fields(support_address="support@example.com, other@example.com"),
        blockers=("Step 1, Case: the support address cannot be used.",),
    ),
    Row(
        "an incomplete chain",
        leaf_only,
        concerns=("Step 2, Certificates: the chain is incomplete: add the certificate of",),
    ),
    Row(
        "no incident",
        with_fields(incident=""),
        concerns=("Step 1, Case: add the incident number",),
    ),
    Row(
        "a site the certificate does not cover",
        with_fields(site="other.example.com"),
        concerns=(
            "Step 2, Certificates: the certificate does not cover the site other.example.com",
        ),
    ),
    Row(
        "no support address",
        with_fields(support_address=""),
        concerns=("Step 1, Case: add the support address: the email drafts have no recipient",),
    ),
    Row(
        "several at once",
        several,
        blockers=(
            "Step 1, Case: add the site hostname",
            f"Step 3, Screenshot: add the Status > Basics screenshot of {BACKUP}",
        ),
        concerns=("Step 1, Case: add the incident number",),
    ),
)


def good_case(folder: Path, chain: pki.Chain) -> Case:
    folder.mkdir(parents=True)
    leaf = folder / "leaf.crt"
    leaf.write_bytes(pki.pem(chain.leaf))
    inter = folder / "intermediate.pem"
    inter.write_bytes(pki.pem(chain.intermediates[0]))
    root = folder / "root.pem"
    root.write_bytes(pki.pem(chain.root))
    return Case(
        site=SITE,
        incident="12345",
        support_address="support@example.com",
        output=str(folder / "out"),
        appliances=(
            ApplianceEntry(PRIMARY, Role.PRIMARY, screenshot=screenshot_png(
                folder / "primary.png", (20, 60, 120))),
            ApplianceEntry(BACKUP, Role.BACKUP, screenshot=screenshot_png(
                folder / "backup.png", (120, 60, 20))),
        ),
        files=(str(leaf), str(inter), str(root)),
    )  # fmt: skip


def items(page: BundlePage, name: str) -> list[str]:
    shown = find_by_name(page, name)
    assert isinstance(shown, QListWidget)
    return [shown.item(row).text() for row in range(shown.count())]


def button(page: BundlePage, name: str) -> QPushButton:
    found = find_by_name(page, name)
    assert isinstance(found, QPushButton)
    return found


def begins(said: list[str], expected: tuple[str, ...]) -> bool:
    return len(said) == len(expected) and all(
        text.startswith(start) for text, start in zip(said, expected, strict=True)
    )


@pytest.fixture(scope="module")
def chain() -> pki.Chain:
    return pki.make_chain([SITE, PRIMARY, BACKUP])


def test_the_window_and_the_cli_read_one_judgement(qtbot, tmp_path, chain, monkeypatch, capsys):
    anchors = load_trust_anchors()
    controller = CaseController(CaseStore(tmp_path / "data"))  # loads the same trust stores
    qtbot.waitUntil(lambda: controller.anchors is not None, timeout=15_000)
    page = BundlePage(controller)
    qtbot.addWidget(page)
    page.show()
    try:
        for number, row in enumerate(ROWS):
            folder = tmp_path / f"row{number}"
            case = row.change(good_case(folder, chain), folder)
            where = f"{row.name}: "
            # Both shells build a case that names no output folder into the default one.
            built = with_output_folder(case, documents_folder())

            # The one function.
            judged = readiness(built, gather_facts(built, anchors=anchors))
            blockers = [str(b) for b in judged.blockers]
            concerns = [str(c) for c in judged.concerns]
            assert begins(blockers, row.blockers), where + repr(blockers)
            assert begins(concerns, row.concerns), where + repr(concerns)
            assert judged.ready == (not row.blockers and not row.concerns), where

            # The window: its lists and buttons say what the function says.
            controller.update(**{f.name: getattr(case, f.name) for f in dataclasses.fields(case)})
            qtbot.waitUntil(
                lambda: page.readiness.checked and page.facts.key == build_key(page.case()),
                timeout=15_000,
            )
            assert items(page, "Blockers") == blockers, where
            assert items(page, "Concerns") == concerns, where
            assert button(page, "Build bundles").isEnabled() == judged.ready, where
            anyway = not row.blockers and bool(row.concerns)
            assert button(page, "Build anyway").isVisible() == anyway, where

            # The command line, with the case saved: the same words, before writing.
            monkeypatch.setenv("BUNDLEGUARD_CONFIG_DIR", str(folder / "config"))
            path = save_case(case, folder / "row.bgcase")
            code = main(["bundle", "--case", str(path), "--eml"])
            out = capsys.readouterr().out
            out_dir = Path(built.output) if built.output else None
            if judged.ready:
                assert code == 0, where + out
                zips = sorted(out_dir.glob("*.zip"))
                assert len(zips) == 2, where
                for zipped in zips:
                    with zipfile.ZipFile(zipped) as archive:
                        manifest = json.loads(archive.read("manifest.json"))
                        assert manifest["private_key_included"] is False
                        names = set(archive.namelist()) - {"manifest.json"}
                        assert names == {m["name"] for m in manifest["members"]}
                continue
            assert code == 1, where + out
            for text in blockers + concerns:
                assert f"  {text}" in out.splitlines(), where + out
            if not row.blockers:
                assert "--anyway" in out, where + out
            assert out_dir is None or not out_dir.exists(), where + "something was written"
            if anyway:  # and --anyway builds despite the concerns, never despite a blocker
                assert main(["bundle", "--case", str(path), "--eml", "--anyway"]) == 0, where
                assert len(list(out_dir.glob("*.zip"))) == 2, where
                capsys.readouterr()
    finally:
        controller.shutdown()


def test_anyway_never_builds_past_a_blocker(capsys, tmp_path, chain, monkeypatch):
    monkeypatch.setenv("BUNDLEGUARD_CONFIG_DIR", str(tmp_path / "config"))
    case = good_case(tmp_path / "in", chain).with_changes(site="", incident="")
    path = save_case(case, tmp_path / "in" / "blocked.bgcase")
    code = main(["bundle", "--case", str(path), "--eml", "--anyway"])
    out = capsys.readouterr().out
    assert code == 1
    assert "  Step 1, Case: add the site hostname" in out.splitlines()
    assert not Path(case.output).exists()
