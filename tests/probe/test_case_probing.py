"""Probing a case (`probe_case`) and `bundleguard probe --case FILE`, against fake
appliances on loopback: the case's site and appliances are what is checked, flags given
beside the case replace its own."""

from __future__ import annotations

import json
import threading

import pytest

from bundleguard.case.model import ApplianceEntry, Case, Role
from bundleguard.case.probing import (
    NoSiteError,
    case_targets,
    probe_case,
    with_probe_overrides,
)
from bundleguard.case.store import save_case
from bundleguard.cli import main
from bundleguard.errors import InputError
from bundleguard.probe import Failure
from bundleguard.probe.expected import ExpectedChain
from bundleguard.probe.report import Check
from bundleguard.probe.targets import NoTargetsError, RepeatedTargetError
from bundleguard.probe.targets import Role as TargetRole

from .conftest import BACKUP, PRIMARY, SITE

NODE = "node1.example.test"


def entry(appliance, role: Role) -> ApplianceEntry:
    return ApplianceEntry(hostname=appliance.name, role=role, address=f"127.0.0.1:{appliance.port}")


@pytest.fixture
def pair_and_node(start_appliance, site_cert, pki):
    node_cert = pki.issue(["*.example.test"])
    return (
        start_appliance(PRIMARY, default=site_cert),
        start_appliance(BACKUP, default=site_cert),
        start_appliance(NODE, default=node_cert),
    )


def test_probe_case_checks_every_appliance_in_the_cases_order_against_the_primary(
    pair_and_node,
):
    primary, backup, node = pair_and_node
    # The backup is listed first: the primary (by role) is still the one compared with.
    case = Case(
        site=SITE,
        appliances=(
            entry(backup, Role.BACKUP),
            entry(node, Role.NODE),
            entry(primary, Role.PRIMARY),
        ),
    )

    report = probe_case(case, timeout=3)

    assert [a.target.name for a in report.appliances] == [BACKUP, NODE, PRIMARY]
    assert [a.target.role for a in report.appliances] == [
        TargetRole.APPLIANCE,
        TargetRole.TRAFFIC_NODE,
        TargetRole.APPLIANCE,
    ]
    assert report.primary == PRIMARY
    backup_report, node_report, primary_report = report.appliances
    assert backup_report.same_as_reference.reference == PRIMARY
    assert backup_report.same_as_reference.same
    assert not node_report.same_as_reference.same  # the node serves its wildcard
    assert primary_report.same_as_reference is None
    assert primary_report.verdict(Check.SAME_AS_PRIMARY).passed is None
    assert backup_report.verdict(Check.SAME_AS_PRIMARY).passed is True
    assert node_report.verdict(Check.SAME_AS_PRIMARY).failed
    assert report.site == SITE
    assert [a.target.port for a in report.appliances] == [backup.port, node.port, primary.port]


def test_with_the_primary_down_the_backups_are_compared_with_no_other_appliance(
    start_appliance, site_cert, pki, closed_port
):
    """The primary (by role) is the one reference: when it serves nothing, a backup is
    not quietly compared with another backup instead."""
    first = start_appliance(BACKUP, default=site_cert)
    second = start_appliance(
        "backup2.example.test", default=pki.issue([SITE, "backup2.example.test"])
    )
    case = Case(
        site=SITE,
        appliances=(
            ApplianceEntry(PRIMARY, Role.PRIMARY, address=f"127.0.0.1:{closed_port}"),
            entry(first, Role.BACKUP),
            entry(second, Role.BACKUP),
        ),
    )

    report = probe_case(case, timeout=3)

    assert report.primary == PRIMARY
    _down, one, two = report.appliances
    assert one.same_as_reference is None and two.same_as_reference is None
    for backup in (one, two):
        same = backup.verdict(Check.SAME_AS_PRIMARY)
        assert (same.passed, same.detail) == (
            False,
            f"Cannot compare: the primary served no certificate for {SITE}.",
        )
    assert report.consistent is False and not report.ok


def test_probe_case_compares_with_the_expected_chain_and_reports_progress(
    start_appliance, site_cert
):
    primary = start_appliance(PRIMARY, default=site_cert)
    seen = []

    report = probe_case(
        Case(site=SITE, appliances=(entry(primary, Role.PRIMARY),)),
        timeout=3,
        expected=ExpectedChain(certificates=site_cert.chain, source="site.pem"),
        progress=lambda done, total, appliance: seen.append((done, total, appliance.target.name)),
    )

    assert report.ok
    assert report.appliances[0].matches_expected.same
    assert report.expected_source == "site.pem"
    assert seen == [(1, 1, PRIMARY)]


def test_probe_case_can_be_cancelled(start_appliance, site_cert):
    primary = start_appliance(PRIMARY, default=site_cert)
    cancel = threading.Event()
    cancel.set()

    report = probe_case(
        Case(site=SITE, appliances=(entry(primary, Role.PRIMARY),)), timeout=3, cancel=cancel
    )

    assert report.cancelled
    assert report.appliances[0].checks[0].handshake.failure is Failure.CANCELLED


def test_an_address_with_an_ipv6_literal_and_port_is_where_the_probe_connects():
    case = Case(
        site=SITE,
        appliances=(ApplianceEntry(PRIMARY, Role.PRIMARY, address="[::1]:8443"),),
    )

    (target,) = case_targets(case)

    assert (target.name, target.address, target.port) == (PRIMARY, "::1", 8443)


@pytest.mark.parametrize(
    ("case", "error"),
    [
        (Case(site="", appliances=(ApplianceEntry(PRIMARY),)), NoSiteError),
        (Case(site=SITE), NoTargetsError),
        (
            Case(site=SITE, appliances=(ApplianceEntry(PRIMARY), ApplianceEntry(PRIMARY))),
            RepeatedTargetError,
        ),
        (Case(site=SITE, appliances=(ApplianceEntry(PRIMARY, address="host:99999"),)), InputError),
        (Case(site="not a host name", appliances=(ApplianceEntry(PRIMARY),)), InputError),
    ],
)
def test_a_case_that_cannot_be_probed_says_why(case, error):
    with pytest.raises(error) as raised:
        probe_case(case, timeout=1)
    assert "--" not in str(raised.value)  # the core names no flag


def test_overrides_replace_only_what_is_given():
    case = Case(
        site=SITE,
        appliances=(
            ApplianceEntry(PRIMARY, Role.PRIMARY, address="10.0.0.1"),
            ApplianceEntry(BACKUP, Role.BACKUP),
            ApplianceEntry(NODE, Role.NODE),
        ),
    )

    assert with_probe_overrides(case) == case
    swapped = with_probe_overrides(case, site="other.example.test", appliances=["a.example.test"])
    assert swapped.site == "other.example.test"
    assert swapped.appliances == (
        ApplianceEntry("a.example.test", Role.PRIMARY),
        ApplianceEntry(NODE, Role.NODE),
    )
    nodes = with_probe_overrides(case, traffic_nodes=["n2.example.test=10.0.0.9:8443"])
    assert nodes.appliances[-1] == ApplianceEntry(
        "n2.example.test", Role.NODE, address="10.0.0.9:8443"
    )
    assert [e.hostname for e in nodes.appliances] == [PRIMARY, BACKUP, "n2.example.test"]


def test_cli_probes_the_case_file(pair_and_node, tmp_path, capsys):
    primary, backup, _node = pair_and_node
    path = save_case(
        Case(site=SITE, appliances=(entry(primary, Role.PRIMARY), entry(backup, Role.BACKUP))),
        tmp_path / "site.bgcase",
    )

    code = main(["probe", "--case", str(path), "--timeout", "3"])

    out = capsys.readouterr().out
    assert code == 0
    assert f"{PRIMARY} (appliance, 127.0.0.1:{primary.port}): OK" in out
    assert f"same certificate as {PRIMARY} for {SITE}: yes" in out
    assert "Result: OK" in out


def test_cli_flags_beside_the_case_replace_its_own(pair_and_node, closed_port, tmp_path, capsys):
    primary, _backup, node = pair_and_node
    # The case's primary address is stale (nothing listens) and its site is wrong.
    stale = ApplianceEntry(PRIMARY, Role.PRIMARY, address=f"127.0.0.1:{closed_port}")
    path = save_case(
        Case(site="old.example.test", appliances=(stale, entry(node, Role.NODE))),
        tmp_path / "site.bgcase",
    )

    overrides = ["--site", SITE, "--appliance", primary.spec, "--json"]
    code = main(["probe", "--case", str(path), "--timeout", "3", *overrides])

    data = json.loads(capsys.readouterr().out)
    assert data["site"] == SITE
    assert [(a["name"], a["port"]) for a in data["appliances"]] == [
        (PRIMARY, primary.port),
        (NODE, node.port),
    ]
    assert data["appliances"][0]["ok"] is True
    assert code == 1  # the node serves a different certificate than the primary


def test_cli_case_without_a_site_and_no_site_flag_is_a_usage_error(tmp_path, capsys):
    path = save_case(Case(appliances=(ApplianceEntry(PRIMARY),)), tmp_path / "x.bgcase")

    assert main(["probe", "--case", str(path)]) == 2
    assert "--site" in capsys.readouterr().err


def test_cli_damaged_case_file_is_a_usage_error(tmp_path, capsys):
    path = tmp_path / "broken.bgcase"
    path.write_text('{"format": "bundleguard-case", "version": 99}')

    assert main(["probe", "--case", str(path)]) == 2
    assert "unexpected error" not in capsys.readouterr().err
