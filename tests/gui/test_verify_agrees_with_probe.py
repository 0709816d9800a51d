"""One judge of a live check (issue 17): for the same served certificates, the window's
Verify grid fails exactly the (appliance, check) cells `bundleguard probe` fails, and
`probe` exits 1 exactly when the grid shows a "fail".

Each row of the table starts real TLS servers on loopback (`probe.fake`), writes the case
they make, runs the real CLI on it (`probe --case FILE --json`, and `probe --site ...
--appliance ...` with the primary first as the CLI contract says), then clicks "Verify
appliances" in the real Verify panel and reads the grid's cells by their accessible text
("HOST: CHECK: pass|fail|not applicable"). The failures each situation must show are
written out, so the two could not agree on a wrong answer.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QPushButton, QTableWidget

from bundleguard.case.model import ApplianceEntry, Role
from bundleguard.case.replication import Check
from bundleguard.case.store import CaseStore, save_case
from bundleguard.cli import main
from bundleguard.gui.controller import CaseController
from bundleguard.gui.verify_panel import VerifyPanel
from bundleguard.probe.fake import FakeAppliance, FakePKI, ServedCertificate
from tests.gui.conftest import find_by_name

SITE = "support.example.com"
PRIMARY = "primary.example.com"
BACKUP = "backup.example.com"
NODE = "node1.example.com"
TIMEOUT = "3"

# Every check of an appliance that answers nothing (the primary is not compared with
# itself, and no exported PKCS#12 is given: those two do not apply).
SILENT = (
    Check.REACHABLE,
    Check.SITE_NAME,
    Check.OWN_NAME,
    Check.NO_SNI,
    Check.CHAIN,
    Check.COVERS,
    Check.DATES,
)


@dataclass(frozen=True)
class Served:
    """One appliance of a situation: its name, role, and what it serves (None: nothing
    listens where the case says it is)."""

    name: str
    role: Role
    default: ServedCertificate | None
    certificates: dict[str, ServedCertificate] | None = None


@dataclass(frozen=True)
class Situation:
    appliances: tuple[Served, ...]  # in the case's order
    failing: frozenset[tuple[str, Check]]


@pytest.fixture(scope="module")
def pki() -> FakePKI:
    return FakePKI("One Judge")


@pytest.fixture(scope="module")
def situations(pki) -> dict[str, Situation]:
    good = pki.issue([SITE, PRIMARY, BACKUP, NODE])
    other_own = pki.issue([BACKUP])  # valid, covers the backup, but another certificate
    reissued = pki.issue([SITE, PRIMARY, BACKUP, NODE])  # the same names, another leaf
    expired = pki.issue([SITE, PRIMARY, BACKUP, NODE], expired=True)
    narrow = pki.issue([SITE, PRIMARY])  # does not cover the backup's own name

    def pair(backup: Served, *failing: tuple[str, Check]) -> Situation:
        return Situation((Served(PRIMARY, Role.PRIMARY, good), backup), frozenset(failing))

    return {
        "all the same": pair(Served(BACKUP, Role.BACKUP, good)),
        "the backup serves another certificate for its own name": pair(
            Served(BACKUP, Role.BACKUP, good, {SITE: good, BACKUP: other_own}),
            (BACKUP, Check.OWN_NAME),
        ),
        "the backup serves another certificate only without SNI": pair(
            Served(BACKUP, Role.BACKUP, other_own, {SITE: good, BACKUP: good}),
            (BACKUP, Check.NO_SNI),
        ),
        # Listed node, backup, primary: the primary (by role) is the reference, not the
        # first row; it serves another leaf, so the two others differ from it.
        "the primary is not the first row": Situation(
            (
                Served(NODE, Role.NODE, good),
                Served(BACKUP, Role.BACKUP, good),
                Served(PRIMARY, Role.PRIMARY, reissued),
            ),
            frozenset({(NODE, Check.SAME_AS_PRIMARY), (BACKUP, Check.SAME_AS_PRIMARY)}),
        ),
        "an incomplete chain on the backup": pair(
            Served(BACKUP, Role.BACKUP, good.leaf_only()), (BACKUP, Check.CHAIN)
        ),
        "an expired certificate on the backup": pair(
            Served(BACKUP, Role.BACKUP, expired),
            (BACKUP, Check.DATES),
            (BACKUP, Check.SAME_AS_PRIMARY),
        ),
        "a name not covered": pair(
            Served(BACKUP, Role.BACKUP, narrow),
            (BACKUP, Check.COVERS),
            (BACKUP, Check.SAME_AS_PRIMARY),
        ),
        "the backup is unreachable": pair(
            Served(BACKUP, Role.BACKUP, None),
            *((BACKUP, check) for check in SILENT),
            (BACKUP, Check.SAME_AS_PRIMARY),  # nothing to compare with the primary's
        ),
        "the primary is unreachable": Situation(
            (Served(PRIMARY, Role.PRIMARY, None), Served(BACKUP, Role.BACKUP, good)),
            frozenset({*((PRIMARY, check) for check in SILENT), (BACKUP, Check.SAME_AS_PRIMARY)}),
        ),
    }


@pytest.fixture
def controller(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BUNDLEGUARD_DATA_DIR", str(tmp_path / "data"))
    controller = CaseController(CaseStore(tmp_path / "data"), load_anchors=False)
    yield controller
    controller.shutdown()


@pytest.fixture
def panel(qtbot, controller):
    panel = VerifyPanel(controller)
    qtbot.addWidget(panel)
    panel.show()
    yield panel
    panel.cancel()
    qtbot.waitUntil(lambda: not panel.busy, timeout=10_000)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _failing_in_json(data: dict) -> frozenset[tuple[str, Check]]:
    return frozenset(
        (appliance["name"], Check(verdict["check"]))
        for appliance in data["appliances"]
        for verdict in appliance["verdicts"]
        if verdict["result"] == "fail"
    )


def _run_cli(capsys, args: list[str]) -> tuple[int, dict]:
    capsys.readouterr()
    code = main(["probe", "--json", "--timeout", TIMEOUT, *args])
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is (code == 0)
    return code, data


def _verify_in_window(qtbot, panel) -> tuple[int, frozenset[tuple[str, Check]], str]:
    spin = find_by_name(panel, "Timeout (seconds)")
    assert isinstance(spin, QAbstractSpinBox)
    spin.setValue(float(TIMEOUT))
    button = find_by_name(panel, "Verify appliances")
    assert isinstance(button, QPushButton) and button.isEnabled()
    with qtbot.waitSignal(panel.verified, timeout=30_000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    table = find_by_name(panel, "Verification results")
    assert isinstance(table, QTableWidget)
    failing = set()
    for row in range(1, table.rowCount()):  # (the first row: where each was reached)
        for column in range(table.columnCount()):  # one column per appliance
            text = table.item(row, column).data(Qt.ItemDataRole.AccessibleTextRole)
            host, check, word = text.split(": ")
            assert word in ("pass", "fail", "not applicable"), text
            assert table.item(row, column).text() == {"not applicable": "n/a"}.get(word, word)
            if word == "fail":
                failing.add((host, Check(check)))
    summary = find_by_name(panel, "Verification summary").text().replace("\u200b", "")
    return table.columnCount(), frozenset(failing), summary


def _start(served: Served, running: list[FakeAppliance]) -> tuple[str, int]:
    if served.default is None:
        return served.name, _closed_port()
    appliance = FakeAppliance(
        served.name, default=served.default, certificates=served.certificates
    ).start()
    running.append(appliance)
    return served.name, appliance.port


def _host_flags(situation: Situation, ports: dict[str, int]) -> list[str]:
    """The same appliances named on the command line: the primary first (as `--appliance`
    says), then the backups, then the nodes as `--traffic-node`."""
    order = sorted(situation.appliances, key=lambda a: (a.role is not Role.PRIMARY, a.role))
    flags = ["--site", SITE]
    for served in order:
        flag = "--traffic-node" if served.role is Role.NODE else "--appliance"
        flags += [flag, f"{served.name}=127.0.0.1:{ports[served.name]}"]
    return flags


@pytest.mark.parametrize(
    "name",
    [
        "all the same",
        "the backup serves another certificate for its own name",
        "the backup serves another certificate only without SNI",
        "the primary is not the first row",
        "an incomplete chain on the backup",
        "an expired certificate on the backup",
        "a name not covered",
        "the backup is unreachable",
        "the primary is unreachable",
    ],
)
def test_the_grid_fails_exactly_what_probe_fails(
    name, situations, qtbot, panel, controller, capsys, tmp_path
):
    situation: Situation = situations[name]
    running: list[FakeAppliance] = []
    try:
        ports = dict(_start(served, running) for served in situation.appliances)
        controller.update(
            site=SITE,
            appliances=tuple(
                ApplianceEntry(s.name, s.role, address=f"127.0.0.1:{ports[s.name]}")
                for s in situation.appliances
            ),
        )
        path = save_case(controller.case, tmp_path / "situation.bgcase")

        code, report = _run_cli(capsys, ["--case", str(path)])
        hosts_code, hosts_report = _run_cli(capsys, _host_flags(situation, ports))
        rows, grid_failing, summary = _verify_in_window(qtbot, panel)
    finally:
        for appliance in running:
            appliance.stop()

    assert rows == len(situation.appliances)
    assert code == hosts_code == (1 if grid_failing else 0), name
    saved = controller.case.replication.verification  # what the case keeps of the check
    assert saved is not None and saved.ok is (code == 0), name
    assert grid_failing == situation.failing, name
    assert _failing_in_json(report) == grid_failing, name
    assert _failing_in_json(hosts_report) == grid_failing, name
    if not grid_failing:
        assert summary.startswith("All 2 appliances serve the identical, complete")
    else:
        assert summary.startswith("Fix first: "), summary


def test_the_text_report_names_each_failed_check_as_the_grid_does(situations, capsys, tmp_path):
    situation: Situation = situations["the backup serves another certificate for its own name"]
    running: list[FakeAppliance] = []
    try:
        ports = dict(_start(served, running) for served in situation.appliances)
        capsys.readouterr()
        code = main(["probe", "--timeout", TIMEOUT, *_host_flags(situation, ports)])
    finally:
        for appliance in running:
            appliance.stop()
    out = capsys.readouterr().out
    assert code == 1
    assert f"  FAIL: own name served: For its own name {BACKUP} it serves another" in out
    assert f"{BACKUP} (appliance, 127.0.0.1:{ports[BACKUP]}): PROBLEMS" in out
    assert "see the FAIL and PROBLEM lines above." in out
