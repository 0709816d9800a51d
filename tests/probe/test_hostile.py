"""What a probed server sends cannot forge output or crash the probe (issue 8 §3, §4).

Fake appliances serve certificates whose subject, issuer or names carry an escape
sequence, a newline that would forge a `Result: OK` line, and a bidi override: the text
output shows them as escapes and `--json` keeps them exact. A certificate with an
extension twice is a verdict about that appliance; the other appliances are still probed.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from bundleguard.case.model import ApplianceEntry, Case
from bundleguard.case.store import save_case
from bundleguard.cli import main
from bundleguard.probe import Role, parse_target, probe_appliances
from bundleguard.probe.fake import FakePKI, ServedCertificate
from bundleguard.probe.report import Check

from .conftest import BACKUP, PRIMARY, SITE
from .damaged import with_duplicated_extension

FORGED = "\x1b[2J\n Result: OK\u202e"
FORGED_SHOWN = r"\x1b[2J\n Result: OK\u202e"
FORGED_ASCII = "\x1b[2J\n Result: OK"  # a DNS name in a certificate is ASCII only
FORGED_ASCII_SHOWN = r"\x1b[2J\n Result: OK"


def _hostile(field: str) -> tuple[ServedCertificate, str, str]:
    """A certificate carrying the forged text in `field`, the exact text and how it shows."""
    if field == "subject":
        served = FakePKI("Probe Test").issue([SITE], common_name="cn" + FORGED)
        return served, "cn" + FORGED, "cn" + FORGED_SHOWN
    if field == "issuer":
        served = FakePKI("Evil" + FORGED).issue([SITE])
        return served, f"Evil{FORGED} Intermediate CA", f"Evil{FORGED_SHOWN} Intermediate CA"
    served = FakePKI("Probe Test").issue([SITE, "san" + FORGED_ASCII])
    return served, "san" + FORGED_ASCII, "san" + FORGED_ASCII_SHOWN


def _forged_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.strip().startswith("Result: OK")]


@pytest.mark.parametrize("field", ["subject", "issuer", "names"])
def test_certificate_fields_are_shown_escaped_and_forge_no_line(start_appliance, field, capsys):
    served, _exact, visible = _hostile(field)
    # The certificate does not cover PRIMARY: the honest verdict is "problems found".
    primary = start_appliance(PRIMARY, default=served)

    code = main(["probe", "--site", SITE, "--timeout", "3", "--appliance", primary.spec])

    out = capsys.readouterr().out
    assert code == 1
    assert visible in out
    assert "\x1b" not in out and "\u202e" not in out
    assert _forged_lines(out) == []
    assert out.rstrip().splitlines()[-2].startswith("Result: problems found")


@pytest.mark.parametrize("field", ["subject", "issuer", "names"])
def test_json_keeps_certificate_fields_exact(start_appliance, field, capsys):
    served, exact, _visible = _hostile(field)
    primary = start_appliance(PRIMARY, default=served)

    main(["probe", "--site", SITE, "--timeout", "3", "--appliance", primary.spec, "--json"])

    leaf = json.loads(capsys.readouterr().out)["appliances"][0]["checks"][0]["chain"][0]
    assert exact in (leaf["subject"], leaf["issuer"], *leaf["names"])


def test_problem_sentences_quoting_server_names_are_escaped(start_appliance, capsys):
    served = FakePKI("Probe Test").issue(["other" + FORGED_ASCII])
    primary = start_appliance(PRIMARY, default=served)

    main(["probe", "--site", SITE, "--timeout", "3", "--appliance", primary.spec])

    out = capsys.readouterr().out
    problems = [line for line in out.splitlines() if "does not cover" in line]
    assert problems and all("other" + FORGED_ASCII_SHOWN in line for line in problems)
    assert "\x1b" not in out


def test_duplicated_extension_is_a_damaged_certificate_verdict_and_the_probe_goes_on(
    start_appliance, pki, site_cert
):
    damaged = with_duplicated_extension(pki, [SITE, PRIMARY, BACKUP])
    primary = start_appliance(PRIMARY, default=damaged)
    backup = start_appliance(BACKUP, default=site_cert)

    report = probe_appliances(
        [parse_target(primary.spec), parse_target(backup.spec, role=Role.APPLIANCE)],
        SITE,
        timeout=3,
    )

    broken, fine = report.appliances
    assert not report.ok
    assert broken.problems and "damaged certificate" in broken.problems[0]
    assert "1.3.6.1.4.1.55555.1 twice" in broken.problems[0]
    assert all(check.handshake.ok for check in broken.checks)  # every name was asked
    assert not fine.problems and fine.check_for(SITE).covers_name
    # The primary served nothing to compare with: that check of the backup cannot pass.
    assert [v.check for v in fine.failures] == [Check.SAME_AS_PRIMARY]
    assert fine.failures[0].detail == (
        f"Cannot compare: the primary served a damaged certificate for {SITE}."
    )


def test_duplicated_extension_in_the_cli_is_a_problem_not_an_unexpected_error(
    start_appliance, pki, capsys
):
    primary = start_appliance(PRIMARY, default=with_duplicated_extension(pki, [SITE, PRIMARY]))

    code = main(["probe", "--site", SITE, "--timeout", "3", "--appliance", primary.spec])

    captured = capsys.readouterr()
    assert code == 1
    assert "unexpected error" not in captured.err
    assert "a damaged certificate that cannot be judged" in captured.out
    assert "PROBLEM: support.example.test: The server sent a damaged certificate" in captured.out


def test_expected_file_with_a_duplicated_extension_is_refused_in_plain_words(pki, tmp_path, capsys):
    expect = tmp_path / "expected.pem"
    damaged = with_duplicated_extension(pki, [SITE])
    expect.write_bytes(damaged.leaf.public_bytes(Encoding.PEM))

    code = main(["probe", "--site", SITE, "--appliance", PRIMARY, "--expect", str(expect)])

    err = capsys.readouterr().err
    assert code == 2
    assert "expected.pem" in err and "twice" in err and "unexpected error" not in err


def _run_main_in_thread(args: list[str]) -> tuple[threading.Thread, list[int]]:
    codes: list[int] = []
    worker = threading.Thread(target=lambda: codes.append(main(args)), daemon=True)
    worker.start()
    worker.join(timeout=10)
    return worker, codes


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_expect_naming_a_pipe_is_refused_without_blocking(tmp_path, capsys):
    fifo = tmp_path / "expected.pem"
    os.mkfifo(fifo)

    worker, codes = _run_main_in_thread(
        ["probe", "--site", SITE, "--appliance", PRIMARY, "--expect", str(fifo)]
    )

    assert not worker.is_alive(), "reading the pipe blocked"
    assert codes == [2]
    assert "a pipe" in capsys.readouterr().err


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_expect_naming_dev_zero_is_refused_unread(capsys):
    worker, codes = _run_main_in_thread(
        ["probe", "--site", SITE, "--appliance", PRIMARY, "--expect", "/dev/zero"]
    )

    assert not worker.is_alive()
    assert codes == [2]
    assert "a device" in capsys.readouterr().err


def test_names_the_user_gives_are_escaped_in_messages(capsys):
    code = main(["probe", "--site", SITE, "--appliance", f"{PRIMARY}=[::1\x1b[2J"])

    err = capsys.readouterr().err
    assert code == 2
    assert "\x1b" not in err


def test_a_hostname_from_a_case_file_is_escaped_in_the_error(tmp_path, capsys):
    path = save_case(
        Case(site=SITE, appliances=(ApplianceEntry("evil" + FORGED_ASCII),)),
        tmp_path / "hostile.bgcase",
    )

    code = main(["probe", "--case", str(path)])

    err = capsys.readouterr().err
    assert code == 2
    assert "evil" + FORGED_ASCII_SHOWN in err
    assert "\x1b" not in err and "\n Result: OK" not in err


def test_an_expect_file_name_is_escaped_in_the_error(tmp_path, capsys):
    missing = tmp_path / f"site{FORGED_ASCII}.pem"

    code = main(["probe", "--site", SITE, "--appliance", PRIMARY, "--expect", str(missing)])

    err = capsys.readouterr().err
    assert code == 2
    assert f"site{FORGED_ASCII_SHOWN}.pem" in err
    assert "\x1b" not in err
