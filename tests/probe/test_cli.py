"""`bundleguard probe` end to end against fake appliances: exit codes and what is printed."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

from bundleguard.cli import main
from bundleguard.probe.fake import Behaviour

from .conftest import BACKUP, PRIMARY, SITE

PASSPHRASE = b"correct horse battery staple"


def probe_args(*appliances, timeout: str = "2") -> list[str]:
    args = ["probe", "--site", SITE, "--timeout", timeout]
    for appliance in appliances:
        args += ["--appliance", appliance.spec]
    return args


@pytest.fixture
def exported_p12(tmp_path, pki, site_cert):
    """The primary's export: certificate, key and chain, passphrase-protected."""
    path = tmp_path / "site.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"site",
            site_cert.key,
            site_cert.leaf,
            [site_cert.chain[1], pki.root],
            BestAvailableEncryption(PASSPHRASE),
        )
    )
    return path


def test_consistent_pair_exits_0_and_says_a_software_update_is_needed(
    start_appliance, site_cert, capsys
):
    primary = start_appliance(PRIMARY, default=site_cert)
    backup = start_appliance(BACKUP, default=site_cert)

    code = main(probe_args(primary, backup))

    out = capsys.readouterr().out
    assert code == 0
    assert f"same certificate as {PRIMARY} for {SITE}: yes" in out
    assert "Result: OK" in out
    assert "Software update needed: yes" in out


def test_backup_with_a_different_certificate_exits_1(start_appliance, pki, site_cert, capsys):
    primary = start_appliance(PRIMARY, default=site_cert)
    backup = start_appliance(BACKUP, default=pki.issue([SITE, BACKUP]))

    code = main(probe_args(primary, backup))

    out = capsys.readouterr().out
    assert code == 1
    assert f"same certificate as {PRIMARY} for {SITE}: no" in out
    assert "PROBLEM:" in out


def test_stalled_appliance_exits_1_within_the_time_limit(start_appliance, capsys):
    stalled = start_appliance(PRIMARY, behaviour=Behaviour.STALL)

    code = main(probe_args(stalled, timeout="1"))

    assert code == 1
    assert "time limit" in capsys.readouterr().out


def test_json_output_is_the_same_report(start_appliance, site_cert, capsys):
    primary = start_appliance(PRIMARY, default=site_cert)
    traffic_node = start_appliance("node1.example.test", default=site_cert.leaf_only())

    code = main([*probe_args(primary), "--traffic-node", traffic_node.spec, "--json"])

    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert data["ok"] is False
    assert [a["name"] for a in data["appliances"]] == [PRIMARY, "node1.example.test"]
    assert data["appliances"][1]["role"] == "traffic node"
    assert data["appliances"][1]["checks"][0]["chain_complete"] is False
    assert data["appliances"][0]["checks"][0]["chain"][0]["subject"] == SITE


def test_expect_with_passphrase_file_confirms_the_replication(
    start_appliance, site_cert, exported_p12, tmp_path, capsys, monkeypatch
):
    monkeypatch.delenv("BUNDLEGUARD_PASSPHRASE", raising=False)
    passphrase_file = tmp_path / "passphrase.txt"
    passphrase_file.write_bytes(PASSPHRASE + b"\n")
    backup = start_appliance(BACKUP, default=site_cert)

    code = main(
        [
            *probe_args(backup),
            "--expect",
            str(exported_p12),
            "--passphrase-file",
            str(passphrase_file),
        ]
    )

    out = capsys.readouterr().out
    assert code == 0
    assert f"serves the expected certificate (site.p12) for {SITE}: yes" in out


def test_expect_with_passphrase_from_environment_reports_a_mismatch(
    start_appliance, pki, exported_p12, capsys, monkeypatch
):
    monkeypatch.setenv("BUNDLEGUARD_PASSPHRASE", PASSPHRASE.decode())
    backup = start_appliance(BACKUP, default=pki.issue([SITE, BACKUP]))

    code = main([*probe_args(backup), "--expect", str(exported_p12)])

    out = capsys.readouterr().out
    assert code == 1
    assert f"serves the expected certificate (site.p12) for {SITE}: no" in out


def test_wrong_passphrase_exits_2_without_echoing_it(
    start_appliance, site_cert, exported_p12, capsys, monkeypatch
):
    monkeypatch.setenv("BUNDLEGUARD_PASSPHRASE", "not-the-passphrase")
    backup = start_appliance(BACKUP, default=site_cert)

    code = main([*probe_args(backup), "--expect", str(exported_p12)])

    captured = capsys.readouterr()
    assert code == 2
    assert "not-the-passphrase" not in captured.err + captured.out


def test_no_appliance_is_a_usage_error(capsys):
    assert main(["probe", "--site", SITE]) == 2
    assert "--appliance" in capsys.readouterr().err


def test_malformed_appliance_is_a_usage_error(capsys):
    assert main(["probe", "--site", SITE, "--appliance", f"{PRIMARY}=[::1"]) == 2


def test_missing_site_is_a_usage_error(capsys):
    assert main(["probe", "--appliance", PRIMARY]) == 2
    assert "--site" in capsys.readouterr().err


def test_passphrase_on_the_command_line_is_refused_without_echoing_it(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["probe", "--site", SITE, "--appliance", PRIMARY, "--passphrase", "hunter2"])
    assert exit_info.value.code == 2
    assert "hunter2" not in capsys.readouterr().err


def test_unreadable_expect_file_is_a_usage_error(tmp_path, capsys):
    missing = tmp_path / "missing.p12"

    code = main(["probe", "--site", SITE, "--appliance", PRIMARY, "--expect", str(missing)])

    assert code == 2
    assert "missing.p12" in capsys.readouterr().err


@pytest.mark.parametrize(
    "spec",
    [
        "fe80::1%x@evil.example",
        f"{PRIMARY}=[fe80::1%eth0]:443",
        f"{PRIMARY}=fe80::1%eth0\r\nX: y",
        f"{PRIMARY}=[{PRIMARY}]:443",
        f"{PRIMARY}=10.1.2:443",
        f"{PRIMARY}=127.0.0.1:\uff14\uff14\uff13",  # fullwidth digits are no port
        f"{PRIMARY}\u200b",
    ],
)
def test_a_host_or_address_that_is_not_plain_is_a_usage_error(capsys, spec):
    code = main(["probe", "--site", SITE, "--appliance", spec, "--timeout", "1"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("bundleguard: ") and err.count("\n") == 1
    assert not any(c in err for c in "\r\u200b")


def test_a_zone_is_refused_with_its_reason(capsys):
    code = main(["probe", "--site", "fe80::1%eth0", "--appliance", PRIMARY])
    assert code == 2
    assert "network interface of this computer" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("hostname", "address"),
    [("fe80::1%x@evil.example", ""), (PRIMARY, "[fe80::1%eth0]:443"), (PRIMARY, "10.1.2")],
)
def test_a_case_file_host_or_address_is_checked_the_same_way(capsys, tmp_path, hostname, address):
    from bundleguard.case.model import ApplianceEntry, Case, Role
    from bundleguard.case.store import save_case

    case = Case(site=SITE, appliances=(ApplianceEntry(hostname, Role.PRIMARY, address),))
    path = save_case(case, tmp_path / "forged.bgcase")
    code = main(["probe", "--case", str(path), "--timeout", "1"])
    assert code == 2
    assert "is not a valid host name" in capsys.readouterr().err
