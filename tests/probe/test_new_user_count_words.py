"""`bundleguard probe` says how many in plain words: "chain: 1 certificate sent",
"problems found on 1 of 1 appliance", never "certificate(s)" or "appliance(s)". A real
TLS server on loopback serves a generated certificate without its intermediate."""

from __future__ import annotations

from bundleguard.cli import main

from .conftest import PRIMARY, SITE


def test_one_appliance_sending_one_certificate_is_said_in_plain_words(
    start_appliance, site_cert, capsys
):
    primary = start_appliance(PRIMARY, default=site_cert.leaf_only())

    code = main(["probe", "--site", SITE, "--timeout", "3", "--appliance", primary.spec])

    out = capsys.readouterr().out
    assert code == 1
    assert f"Site {SITE}: 1 appliance checked in " in out
    assert "chain: 1 certificate sent, INCOMPLETE" in out
    assert "Result: problems found on 1 of 1 appliance;" in out
    assert "(s)" not in out
