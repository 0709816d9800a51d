"""`probe --json` is `ProbeReport.to_json()`: the same fields, in the same order, as before
the report types serialised themselves (scripts read these keys)."""

from __future__ import annotations

import json

from bundleguard.certs.describe import fingerprint_sha256
from bundleguard.cli import main
from bundleguard.probe import parse_target, probe_appliances

from .conftest import BACKUP, PRIMARY, SITE

REPORT_KEYS = [
    "site", "ok", "consistent", "cancelled", "needs_software_update", "timeout", "seconds",
    "expected", "expected_source", "problems", "appliances", "primary",
]  # fmt: skip
APPLIANCE_KEYS = [
    "name", "role", "address", "port", "ok", "seconds", "checks", "same_as_reference",
    "matches_expected", "problems", "notes", "verdicts",
]  # fmt: skip
CHECK_KEYS = [
    "sni", "endpoint", "ok", "failure", "message", "tls_version", "seconds", "chain",
    "covers_name", "chain_complete", "chain_in_order", "publicly_trusted",
    "trusted_by_system", "needs_software_update", "trust_summary", "problems", "notes",
]  # fmt: skip
CERTIFICATE_KEYS = ["sha256", "subject", "issuer", "names", "not_before", "not_after"]
COMPARISON_KEYS = ["reference", "same", "differences"]


def test_json_keeps_its_shape_and_says_the_facts(start_appliance, site_cert, closed_port):
    primary = start_appliance(PRIMARY, default=site_cert)
    backup = start_appliance(BACKUP, default=site_cert)
    gone = parse_target(f"gone.example.test=127.0.0.1:{closed_port}")

    report = probe_appliances(
        [parse_target(primary.spec), parse_target(backup.spec), gone],
        SITE,
        timeout=3,
        expected=site_cert.chain,
        expected_source="site.pem",
    )
    data = report.to_json()

    assert list(data) == REPORT_KEYS
    assert list(data["expected"]) == CERTIFICATE_KEYS
    assert data["expected"]["sha256"] == fingerprint_sha256(site_cert.leaf)
    assert data["expected_source"] == "site.pem"
    first, second, third = data["appliances"]
    assert all(list(a) == APPLIANCE_KEYS for a in data["appliances"])
    assert all(list(c) == CHECK_KEYS for a in data["appliances"] for c in a["checks"])
    assert first["same_as_reference"] is None
    assert list(second["same_as_reference"]) == COMPARISON_KEYS
    assert second["same_as_reference"] == {"reference": PRIMARY, "same": True, "differences": []}
    assert list(first["matches_expected"]) == COMPARISON_KEYS
    leaf = first["checks"][0]["chain"][0]
    assert list(leaf) == CERTIFICATE_KEYS
    assert leaf["subject"] == SITE
    assert leaf["not_after"] == site_cert.leaf.not_valid_after_utc.isoformat()
    assert [c["sni"] for c in first["checks"]] == [SITE, PRIMARY, None]
    assert third["checks"][0]["failure"] == "refused"
    assert third["checks"][1]["failure"] == "not-tried"
    assert third["ok"] is False and data["ok"] is False
    assert data["consistent"] is True  # the two that answered agree
    json.dumps(data)  # JSON-ready as it is


def test_cli_json_is_the_report_serialised(start_appliance, site_cert, capsys):
    primary = start_appliance(PRIMARY, default=site_cert)

    main(["probe", "--site", SITE, "--timeout", "3", "--appliance", primary.spec, "--json"])

    data = json.loads(capsys.readouterr().out)
    assert list(data) == REPORT_KEYS
    assert data["appliances"][0]["address"] == "127.0.0.1"
    assert data["appliances"][0]["port"] == primary.port
    assert data["expected"] is None and data["expected_source"] is None
