"""The Verify panel against real TLS servers on loopback: what a user sees in the grid,
in "What differs", in the summary, on the clipboard and in the saved case."""

from __future__ import annotations

import dataclasses
import socket
from pathlib import Path

import pytest
from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QTextDocument
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
)

from bundleguard.case.model import ApplianceEntry, Role
from bundleguard.case.replication import Check
from bundleguard.case.store import CaseStore, load_case
from bundleguard.certs.summary import CertificateSummary
from bundleguard.gui.controller import CaseController
from bundleguard.gui.verify_panel import VerifyPanel
from bundleguard.probe.expected import ExpectedChain
from bundleguard.probe.fake import Behaviour, FakeAppliance, FakePKI
from tests.gui.conftest import find_by_name

SITE = "support.example.com"
PRIMARY = "primary.example.com"
BACKUP = "backup.example.com"
ADDRESS = 0  # the first row: where each appliance was reached (one column per appliance)
ROW = {check: index for index, check in enumerate(Check, start=1)}


@pytest.fixture(scope="module")
def pki() -> FakePKI:
    return FakePKI("Verify Test")


@pytest.fixture(scope="module")
def served(pki):
    return pki.issue([SITE, PRIMARY, BACKUP])


def fp(cert) -> str:
    return CertificateSummary.of(cert).fingerprint_sha256


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BUNDLEGUARD_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture
def controller(data: Path):
    controller = CaseController(CaseStore(data), load_anchors=False)
    yield controller
    controller.shutdown()


@pytest.fixture
def panel(qtbot, controller):
    panel = VerifyPanel(controller)
    qtbot.addWidget(panel)
    panel.resize(1100, 700)
    panel.show()
    yield panel
    panel.cancel()
    qtbot.waitUntil(lambda: not panel.busy, timeout=10_000)


def use(controller, *appliances: FakeAppliance | tuple[str, int]) -> None:
    """The case names the site and these appliances (the first is the primary)."""
    entries = []
    for index, appliance in enumerate(appliances):
        name, port = (
            (appliance.name, appliance.port) if isinstance(appliance, FakeAppliance) else appliance
        )
        role = Role.PRIMARY if index == 0 else Role.BACKUP
        entries.append(ApplianceEntry(name, role, address=f"127.0.0.1:{port}"))
    controller.update(site=SITE, appliances=tuple(entries))


def click(qtbot, panel, name: str) -> None:
    button = find_by_name(panel, name)
    assert isinstance(button, QPushButton)
    assert button.isEnabled(), f"{name} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def run(qtbot, panel, timeout_ms: int = 30_000):
    with qtbot.waitSignal(panel.verified, timeout=timeout_ms) as blocker:
        click(qtbot, panel, "Verify appliances")
    return blocker.args[0]


def table(panel) -> QTableWidget:
    found = find_by_name(panel, "Verification results")
    assert isinstance(found, QTableWidget)
    return found


def cell(panel, appliance: int, check: Check):
    item = table(panel).item(ROW[check], appliance)
    assert item is not None
    return item


def accessible(item) -> str:
    return item.data(Qt.ItemDataRole.AccessibleTextRole)


def tip(item) -> str:
    """The tooltip as it is rendered (Qt renders a tooltip as rich text when it looks so)."""
    text = item.toolTip()
    if not QtGui.Qt.mightBeRichText(text):
        return text
    document = QTextDocument()
    document.setHtml(text)
    return document.toPlainText()


def text_of(panel, name: str) -> str:
    widget = find_by_name(panel, name)
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    assert isinstance(widget, QLabel)
    assert widget.textFormat() is Qt.TextFormat.PlainText
    return widget.text().replace("\u200b", "")  # line-break chances are not seen


def set_timeout(panel, seconds: float) -> None:
    spin = find_by_name(panel, "Timeout (seconds)")
    assert isinstance(spin, QAbstractSpinBox)
    spin.setValue(seconds)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- results


def test_a_consistent_pair_passes_everywhere_is_saved_and_copied(qtbot, panel, controller, served):
    assert find_by_name(panel, "Timeout (seconds)").value() == 5
    assert not find_by_name(panel, "Cancel verification").isVisible()
    with FakeAppliance(PRIMARY, default=served) as a, FakeAppliance(BACKUP, default=served) as b:
        use(controller, a, b)
        run(qtbot, panel)
    grid = table(panel)
    assert grid.isVisible()
    assert [grid.horizontalHeaderItem(c).text() for c in range(grid.columnCount())] == [
        PRIMARY,
        BACKUP,
    ]
    headers = [
        grid.verticalHeaderItem(r).data(Qt.ItemDataRole.AccessibleTextRole)
        for r in range(grid.rowCount())
    ]
    assert headers == ["address"] + [check.value for check in Check]
    for row, (host, port) in enumerate(((PRIMARY, a.port), (BACKUP, b.port))):
        where = grid.item(ADDRESS, row)
        assert where.text() == f"127.0.0.1:{port}"
        assert accessible(where) == f"{host}: address: 127.0.0.1:{port}"
        assert tip(grid.horizontalHeaderItem(row)) == (
            f"{host}: Reached at 127.0.0.1:{port}: the Address of step 1."
        )
        for check in Check:
            item = cell(panel, row, check)
            assert item.text() in ("pass", "n/a")
            assert item.icon().isNull() == (item.text() == "n/a")  # a pass shows its icon
            word = "pass" if item.text() == "pass" else "not applicable"
            assert accessible(item) == f"{host}: {check.value}: {word}"
    assert accessible(cell(panel, 1, Check.SAME_AS_PRIMARY)) == (
        f"{BACKUP}: same leaf as primary: pass"
    )
    summary = "All 2 appliances serve the identical, complete certificate for support.example.com."
    assert text_of(panel, "Verification summary") == summary
    assert text_of(panel, "What differs") == ""
    assert not find_by_name(panel, "Verification progress").isVisible()
    assert find_by_name(panel, "Verify appliances").isEnabled()

    saved = load_case(controller.path).replication.verification
    assert saved is not None and saved.ok and saved.summary == summary
    assert "PASS  same leaf as primary" in saved.text

    click(qtbot, panel, "Copy results")
    copied = QGuiApplication.clipboard().text()
    assert copied.startswith("Replication check of support.example.com, ")
    assert copied == saved.text
    assert text_of(panel, "Copy outcome") == "The results are on the clipboard."


def test_a_backup_serving_another_certificate_shows_both_fingerprints(
    qtbot, panel, controller, pki, served
):
    other = pki.issue([SITE, PRIMARY, BACKUP])
    with FakeAppliance(PRIMARY, default=served) as a, FakeAppliance(BACKUP, default=other) as b:
        use(controller, a, b)
        run(qtbot, panel)
    same = cell(panel, 1, Check.SAME_AS_PRIMARY)
    assert same.text() == "fail"
    assert accessible(same) == f"{BACKUP}: same leaf as primary: fail"
    assert fp(other.leaf) in tip(same) and fp(served.leaf) in tip(same)
    assert cell(panel, 0, Check.REACHABLE).text() == "pass"
    differs = text_of(panel, "What differs").splitlines()
    assert (
        f"{BACKUP} — same leaf as primary: Serves another certificate than the primary: "
        f"SHA-256 {fp(other.leaf)} here, {fp(served.leaf)} on the primary."
    ) in differs
    assert text_of(panel, "Verification summary").startswith(
        f"Fix first: {BACKUP}: Serves another certificate"
    )
    saved = load_case(controller.path).replication.verification
    assert saved is not None and not saved.ok


def test_an_incomplete_chain_names_the_missing_intermediate(qtbot, panel, controller, served):
    with (
        FakeAppliance(PRIMARY, default=served) as a,
        FakeAppliance(BACKUP, default=served.leaf_only()) as b,
    ):
        use(controller, a, b)
        run(qtbot, panel)
    chain = cell(panel, 1, Check.CHAIN)
    assert accessible(chain) == f"{BACKUP}: chain complete: fail"
    assert cell(panel, 0, Check.CHAIN).text() == "pass"
    differs = text_of(panel, "What differs")
    assert f"{BACKUP} — chain complete: The chain is incomplete" in differs
    assert "Verify Test Intermediate CA is missing" in differs


def test_the_exported_certificate_given_by_the_page_is_compared(
    qtbot, panel, controller, pki, served
):
    exported = pki.issue([SITE, PRIMARY, BACKUP])
    panel.set_expected(ExpectedChain(exported.chain, "site.p12"))
    with FakeAppliance(PRIMARY, default=served) as a, FakeAppliance(BACKUP, default=served) as b:
        use(controller, a, b)
        run(qtbot, panel)
    for row, host in enumerate((PRIMARY, BACKUP)):
        item = cell(panel, row, Check.MATCHES_EXPORT)
        assert accessible(item) == f"{host}: matches the exported PKCS#12: fail"
    assert (
        f"{PRIMARY} — matches the exported PKCS#12: Does not serve the exported certificate: "
        f"SHA-256 {fp(served.leaf)} here, {fp(exported.leaf)} in the PKCS#12."
    ) in text_of(panel, "What differs").splitlines()
    assert cell(panel, 1, Check.SAME_AS_PRIMARY).text() == "pass"

    panel.set_expected(ExpectedChain(served.chain, "site.p12"))
    with FakeAppliance(PRIMARY, default=served) as a, FakeAppliance(BACKUP, default=served) as b:
        use(controller, a, b)
        run(qtbot, panel)
    assert accessible(cell(panel, 1, Check.MATCHES_EXPORT)) == (
        f"{BACKUP}: matches the exported PKCS#12: pass"
    )


def test_an_unreachable_appliance_fails_in_plain_words(qtbot, panel, controller, served):
    with FakeAppliance(PRIMARY, default=served) as a:
        use(controller, a, (BACKUP, closed_port()))
        run(qtbot, panel)
    reach = cell(panel, 1, Check.REACHABLE)
    assert accessible(reach) == f"{BACKUP}: reachable: fail"
    assert tip(reach).startswith("The appliance could not be reached: ")
    assert "refused the connection" in tip(reach)
    assert f"{BACKUP} — reachable: The appliance could not be reached: " in text_of(
        panel, "What differs"
    )
    assert text_of(panel, "Verification summary").startswith(
        f"Fix first: {BACKUP}: The appliance could not be reached"
    )
    assert accessible(cell(panel, 0, Check.REACHABLE)) == f"{PRIMARY}: reachable: pass"


# --------------------------------------------------------------------------- a stalled one


def test_a_stalled_appliance_can_be_cancelled_and_nothing_is_saved(
    qtbot, panel, controller, served
):
    set_timeout(panel, 60)
    with (
        FakeAppliance(PRIMARY, default=served) as a,
        FakeAppliance(BACKUP, behaviour=Behaviour.STALL) as b,
    ):
        use(controller, a, b)
        click(qtbot, panel, "Verify appliances")
        assert panel.busy
        assert not find_by_name(panel, "Verify appliances").isEnabled()
        progress = find_by_name(panel, "Verification progress")
        assert isinstance(progress, QProgressBar)
        qtbot.waitUntil(lambda: progress.text() == f"1 of 2 checked — {PRIMARY}", timeout=20_000)
        cancel = find_by_name(panel, "Cancel verification")
        assert cancel.isVisible()
        click(qtbot, panel, "Cancel verification")
        # Far sooner than the 60 s the stalled appliance would otherwise cost.
        status = find_by_name(panel, "Verification status")
        qtbot.waitUntil(lambda: "Verification cancelled" in status.text(), timeout=10_000)
    assert status.text() == "Verification cancelled: nothing was saved."
    assert not panel.busy
    assert find_by_name(panel, "Verify appliances").isEnabled()
    assert not cancel.isVisible()
    assert controller.case.replication.verification is None


def test_a_stalled_appliance_costs_its_timeout_and_the_result_comes(
    qtbot, panel, controller, served
):
    set_timeout(panel, 1)
    with (
        FakeAppliance(PRIMARY, default=served) as a,
        FakeAppliance(BACKUP, behaviour=Behaviour.STALL) as b,
    ):
        use(controller, a, b)
        run(qtbot, panel)
    reach = cell(panel, 1, Check.REACHABLE)
    assert accessible(reach) == f"{BACKUP}: reachable: fail"
    assert "within the 1 s time limit" in tip(reach)
    assert text_of(panel, "Verification summary").startswith(f"Fix first: {BACKUP}: ")
    assert cell(panel, 0, Check.SITE_NAME).text() == "pass"


# --------------------------------------------------------------------------- the case


def test_a_case_that_cannot_be_checked_says_why_and_starts_nothing(qtbot, panel, controller):
    click(qtbot, panel, "Verify appliances")
    assert not panel.busy
    assert text_of(panel, "Verification status") == (
        "Nothing was checked: Give the site hostname that clients connect to."
    )
    controller.update(site=SITE)
    assert panel.verify() is None and not panel.busy
    assert text_of(panel, "Verification status").startswith("Nothing was checked: ")
    assert not table(panel).isVisible()


def test_the_saved_result_is_shown_after_a_restart(qtbot, panel, controller, data, pki, served):
    other = pki.issue([SITE, PRIMARY, BACKUP])
    with FakeAppliance(PRIMARY, default=served) as a, FakeAppliance(BACKUP, default=other) as b:
        use(controller, a, b)
        grid = run(qtbot, panel)
    saved = controller.case.replication.verification
    assert saved is not None
    controller.shutdown()

    again = CaseController(CaseStore(data), load_anchors=False)
    try:
        restarted = VerifyPanel(again)
        qtbot.addWidget(restarted)
        restarted.show()
        assert text_of(restarted, "Verification summary") == grid.summary
        assert text_of(restarted, "Verification status").startswith("Last checked at ")
        shown = text_of(restarted, "Saved verification")
        assert shown == grid.as_text()
        assert "FAIL  same leaf as primary: Serves another certificate" in shown
        assert not table(restarted).isVisible()
        click(qtbot, restarted, "Copy results")
        assert QGuiApplication.clipboard().text() == shown

        again.new()  # another case: nothing checked there yet
        assert text_of(restarted, "Verification summary") == ""
        assert text_of(restarted, "Verification status") == "Not checked yet."
        assert not find_by_name(restarted, "Copy results").isEnabled()
    finally:
        again.shutdown()


def test_text_a_server_sends_stays_plain(qtbot, panel, controller, pki, served):
    odd = pki.issue([SITE, PRIMARY, "<b>bold</b>.example.com"])
    with FakeAppliance(PRIMARY, default=served) as a, FakeAppliance(BACKUP, default=odd) as b:
        use(controller, a, b)
        run(qtbot, panel)
    summary = text_of(panel, "Verification summary")  # asserts a plain-text label
    assert "<b>bold</b>.example.com" in summary
    # As rendered, the tooltip shows the characters the server sent, tags and all.
    assert "<b>bold</b>.example.com" in tip(cell(panel, 1, Check.COVERS))
    assert "(it covers: support.example.com, primary.example.com, <b>bold</b>" in text_of(
        panel, "What differs"
    )


def test_a_cancelled_second_check_keeps_the_first_result(qtbot, panel, controller, served):
    with FakeAppliance(PRIMARY, default=served) as a, FakeAppliance(BACKUP, default=served) as b:
        use(controller, a, b)
        first = run(qtbot, panel)
    saved = controller.case.replication.verification
    set_timeout(panel, 60)
    with (
        FakeAppliance(PRIMARY, default=served) as a,
        FakeAppliance(BACKUP, behaviour=Behaviour.STALL) as b,
    ):
        use(controller, a, b)
        click(qtbot, panel, "Verify appliances")
        click(qtbot, panel, "Cancel verification")
        status = find_by_name(panel, "Verification status")
        qtbot.waitUntil(lambda: "Verification cancelled" in status.text(), timeout=10_000)
    assert status.text().startswith("Verification cancelled: nothing was saved. Below: the check")
    assert text_of(panel, "Verification summary") == first.summary
    assert accessible(cell(panel, 1, Check.REACHABLE)) == f"{BACKUP}: reachable: pass"
    assert controller.case.replication.verification == saved


def test_a_result_for_a_case_no_longer_open_is_not_saved_into_another(
    qtbot, panel, controller, served
):
    set_timeout(panel, 1)
    with (
        FakeAppliance(PRIMARY, default=served) as a,
        FakeAppliance(BACKUP, behaviour=Behaviour.STALL) as b,
    ):
        use(controller, a, b)
        click(qtbot, panel, "Verify appliances")
        controller.new()  # the user starts another case while the check runs
        status = find_by_name(panel, "Verification status")
        qtbot.waitUntil(lambda: not panel.busy, timeout=20_000)
    assert status.text() == "The case changed while checking: nothing was saved."
    assert controller.case.replication.verification is None
    assert not table(panel).isVisible()


# --------------------------------------------------------------------------- where, and when


def test_the_grid_shows_where_each_appliance_was_reached(qtbot, panel, controller, served):
    assert text_of(panel, "Where appliances are reached") == (
        "Each appliance is reached at the address in step 1's Address column (an override "
        "for an appliance not reachable by its name), else by its name in DNS."
    )
    set_timeout(panel, 2)
    with FakeAppliance(PRIMARY, default=served) as a:
        controller.update(
            site=SITE,
            appliances=(
                ApplianceEntry(PRIMARY, Role.PRIMARY, address=f"127.0.0.1:{a.port}"),
                ApplianceEntry("localhost", Role.BACKUP),  # no address: its name, in DNS
            ),
        )
        run(qtbot, panel)
    grid = table(panel)
    assert [grid.horizontalHeaderItem(c).text() for c in range(grid.columnCount())] == [
        PRIMARY,
        "localhost",
    ]
    assert grid.item(ADDRESS, 0).text() == f"127.0.0.1:{a.port}"
    dns = grid.item(ADDRESS, 1)
    assert dns.text() == "DNS"
    assert accessible(dns) == "localhost: address: DNS"
    assert tip(dns) == "Reached by its name, looked up in DNS, on port 443."
    # The checks' cells say the hostname only, never where it was reached.
    for row, host in enumerate((PRIMARY, "localhost")):
        for check in Check:
            word = {"pass": "pass", "fail": "fail", "n/a": "not applicable"}[
                cell(panel, row, check).text()
            ]
            assert accessible(cell(panel, row, check)) == f"{host}: {check.value}: {word}"
    assert accessible(cell(panel, 1, Check.REACHABLE)) == "localhost: reachable: fail"


def _site(case):
    return {"site": "www.example.com"}


def _hostname(case):
    first, second = case.appliances
    return {"appliances": (first, dataclasses.replace(second, hostname="standby.example.com"))}


def _role(case):
    first, second = case.appliances
    return {"appliances": (first, dataclasses.replace(second, role=Role.NODE))}


def _address(case):
    first, second = case.appliances
    return {"appliances": (first, dataclasses.replace(second, address="127.0.0.1:9"))}


@pytest.mark.parametrize("change", [_site, _hostname, _role, _address])
def test_a_result_for_the_case_as_it_was_is_shown_marked_and_not_saved(
    qtbot, panel, controller, served, change
):
    with FakeAppliance(PRIMARY, default=served) as a, FakeAppliance(BACKUP, default=served) as b:
        use(controller, a, b)
        with qtbot.waitSignal(panel.verified, timeout=30_000) as blocker:
            click(qtbot, panel, "Verify appliances")
            # The user edits step 1 while the check runs (before its result can arrive:
            # the result is delivered by this thread's event loop).
            controller.update(**change(controller.case))
    assert text_of(panel, "Verification status") == (
        "These results are for the case as it was when the check started; verify again. "
        "They were not saved in the case."
    )
    # What was checked is shown: the appliances and addresses as they were.
    grid = table(panel)
    assert grid.isVisible()
    assert [grid.horizontalHeaderItem(c).text() for c in range(grid.columnCount())] == [
        PRIMARY,
        BACKUP,
    ]
    assert grid.item(ADDRESS, 1).text() == f"127.0.0.1:{b.port}"
    assert text_of(panel, "Verification summary") == blocker.args[0].summary
    assert controller.case.replication.verification is None
    assert load_case(controller.path).replication.verification is None


def test_save_case_as_during_a_check_keeps_its_result(qtbot, panel, controller, served, tmp_path):
    moved = tmp_path / "moved.bgcase"
    with FakeAppliance(PRIMARY, default=served) as a, FakeAppliance(BACKUP, default=served) as b:
        use(controller, a, b)
        with qtbot.waitSignal(panel.verified, timeout=30_000):
            click(qtbot, panel, "Verify appliances")
            controller.save_as(moved)  # the same case, at a new path
    assert text_of(panel, "Verification status").endswith("(saved in the case).")
    assert controller.path == moved
    saved = load_case(moved).replication.verification
    assert saved is not None and saved.ok
    assert saved == controller.case.replication.verification


def test_a_result_is_not_saved_into_another_case_naming_the_same_appliances(
    qtbot, panel, controller, served, data
):
    with FakeAppliance(PRIMARY, default=served) as a, FakeAppliance(BACKUP, default=served) as b:
        use(controller, a, b)
        first = controller.path
        other = data / "other.bgcase"
        controller.store.save(controller.case.with_changes(incident="INC-2"), other)
        click(qtbot, panel, "Verify appliances")
        controller.open(other)  # same site and appliances, another case
        qtbot.waitUntil(lambda: not panel.busy, timeout=20_000)
    assert text_of(panel, "Verification status") == (
        "The case changed while checking: nothing was saved."
    )
    assert load_case(other).replication.verification is None
    assert load_case(first).replication.verification is None
    assert not table(panel).isVisible()


# --------------------------------------------------------------------------- closing


def test_cancel_when_idle_changes_nothing(qtbot, panel):
    before = text_of(panel, "Verification status")
    panel.cancel()
    panel.cancel()
    assert text_of(panel, "Verification status") == before == "Not checked yet."
    assert find_by_name(panel, "Verify appliances").isEnabled()
    assert not find_by_name(panel, "Cancel verification").isVisible()


def test_closing_during_a_check_of_a_stalled_appliance_ends_its_worker(
    qtbot, panel, controller, served
):
    set_timeout(panel, 30)
    with (
        FakeAppliance(PRIMARY, default=served) as a,
        FakeAppliance(BACKUP, behaviour=Behaviour.STALL) as b,
    ):
        use(controller, a, b)
        click(qtbot, panel, "Verify appliances")
        progress = find_by_name(panel, "Verification progress")
        qtbot.waitUntil(lambda: progress.text() == f"1 of 2 checked — {PRIMARY}", timeout=20_000)
        assert controller.pool.activeThreadCount() == 1  # waiting on the stalled backup
        # What the window does when it closes: cancel the panel, then shut the controller.
        panel.cancel()
        controller.shutdown()
        assert controller.pool.activeThreadCount() == 0
    assert not panel.busy
    assert text_of(panel, "Verification status") == "Verification cancelled: nothing was saved."
    assert controller.case.replication.verification is None
    assert panel.verify() is None  # nothing new starts once the controller shut down
    assert controller.pool.activeThreadCount() == 0


def test_a_long_fingerprint_does_not_widen_the_page(qtbot, panel, controller, served, pki):
    other = pki.issue([SITE, PRIMARY, BACKUP])
    with FakeAppliance(PRIMARY, default=served) as a, FakeAppliance(BACKUP, default=other) as b:
        use(controller, a, b)
        with qtbot.waitSignal(panel.verified, timeout=30_000):
            click(qtbot, panel, "Verify appliances")
    summary = find_by_name(panel, "Verification summary")
    assert "SHA-256" in summary.text()
    assert summary.minimumSizeHint().width() < 400  # it wraps inside the fingerprints
