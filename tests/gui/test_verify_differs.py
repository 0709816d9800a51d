""" "What differs" after a Verify against real TLS servers on loopback (certificates made
at run time): what each appliance serves for the site (subject, issuer, expiry) comes
before the fingerprints, a certificate's text is shown escaped, and when the primary
serves nothing the others' "same leaf as primary" says why in words the probe's text
output uses too."""

from __future__ import annotations

from pathlib import Path

import pytest

from bundleguard.case.replication import Check
from bundleguard.case.store import CaseStore
from bundleguard.certs.summary import CertificateSummary
from bundleguard.cli import main
from bundleguard.gui.controller import CaseController
from bundleguard.gui.verify_panel import VerifyPanel
from bundleguard.probe.fake import FakeAppliance, FakePKI
from tests.gui.test_verify_panel import (
    BACKUP,
    PRIMARY,
    SITE,
    cell,
    closed_port,
    run,
    text_of,
    tip,
    use,
)

NODE = "node1.example.com"
BIDI = "\u202e"
ESCAPED = "\\u202e"  # as the window shows it


@pytest.fixture(scope="module")
def pki() -> FakePKI:
    return FakePKI("Differs Test")


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
    panel.resize(1100, 700)
    panel.show()
    yield panel
    panel.cancel()
    qtbot.waitUntil(lambda: not panel.busy, timeout=10_000)


def served_words(cert) -> tuple[str, str]:
    """The words "What differs" gives a leaf: before its fingerprint, and the fingerprint."""
    leaf = CertificateSummary.of(cert)
    return (
        f'"{leaf.subject}" issued by "{leaf.issuer}", expires {leaf.not_after:%Y-%m-%d}',
        leaf.fingerprint_sha256,
    )


def test_what_differs_names_each_certificate_served_before_the_fingerprints(
    qtbot, panel, controller, pki
):
    primary_cert = pki.issue([SITE, PRIMARY, BACKUP, NODE])
    # Another CA's certificate, for 30 days, whose subject carries a bidi override.
    other = FakePKI("Other Test").issue(
        [SITE, PRIMARY, BACKUP, NODE], days=30, common_name=f"other{BIDI}.example.com"
    )
    # A certificate that reads like the primary's (names, issuer, expiry), but is another.
    twin = pki.issue([SITE, PRIMARY, BACKUP, NODE])
    with (
        FakeAppliance(PRIMARY, default=primary_cert) as a,
        FakeAppliance(BACKUP, default=other) as b,
        FakeAppliance(NODE, default=twin) as c,
    ):
        use(controller, a, b, c)
        run(qtbot, panel)

    assert cell(panel, 1, Check.SAME_AS_PRIMARY).text() == "fail"
    differs = text_of(panel, "What differs")
    lines = differs.splitlines()
    primary_words, primary_fp = served_words(primary_cert.leaf)
    backup_words, backup_fp = served_words(other.leaf)
    twin_words, twin_fp = served_words(twin.leaf)
    assert twin_words == primary_words
    assert lines[:4] == [
        f"Served for {SITE}:",
        # Alike in words: the start of each fingerprint tells them apart.
        f"{PRIMARY}: {primary_words} (SHA-256 {primary_fp[:11]}…)",
        f"{BACKUP}: {backup_words.replace(BIDI, ESCAPED)}",
        f"{NODE}: {twin_words} (SHA-256 {twin_fp[:11]}…)",
    ]
    assert '"other\\u202e.example.com" issued by "Other Test Intermediate CA"' in differs
    assert BIDI not in differs  # shown as its escape, never obeyed
    # Then the failures, with the whole fingerprints.
    failure = (
        f"{BACKUP} — same leaf as primary: Serves another certificate than the primary: "
        f"SHA-256 {backup_fp} here, {primary_fp} on the primary."
    )
    assert lines[4:6] == ["", "Failed checks:"]
    assert failure in lines[6:]
    assert differs.index(primary_fp) > differs.index(f"{NODE}: {twin_words}")


def test_a_primary_serving_nothing_makes_the_others_say_they_cannot_be_compared(
    qtbot, panel, controller, pki, capsys
):
    port = closed_port()
    served = pki.issue([SITE, PRIMARY, BACKUP])
    with FakeAppliance(BACKUP, default=served) as b:
        use(controller, (PRIMARY, port), b)
        run(qtbot, panel)
        words = f"Cannot compare: the primary served no certificate for {SITE}."
        same = cell(panel, 1, Check.SAME_AS_PRIMARY)
        assert same.text() == "fail"
        assert tip(same) == words
        differs = text_of(panel, "What differs").splitlines()
        assert f"{PRIMARY}: no certificate" in differs
        assert f"{BACKUP}: {served_words(served.leaf)[0]}" in differs
        assert f"{BACKUP} — same leaf as primary: {words}" in differs

        # The probe's text output says the same of the same check.
        code = main(
            [
                "probe",
                "--site",
                SITE,
                "--timeout",
                "2",
                "--appliance",
                f"{PRIMARY}=127.0.0.1:{port}",
                "--appliance",
                b.spec,
            ]
        )
    out = capsys.readouterr().out
    assert code == 1
    assert f"  FAIL: same leaf as primary: {words}" in out.splitlines()
