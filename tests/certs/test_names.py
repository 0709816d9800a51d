"""Hostname coverage: the RFC 6125 / CA/B Forum rule table, and the replication verdicts."""

from __future__ import annotations

import pytest
from cryptography import x509

from bundleguard.certs.names import HostnameError, coverage, covers, replication_verdict
from tests.certs import pki

# (names in the certificate, host asked, covered?)
RULES = [
    (["support.example.com"], "support.example.com", True),
    (["support.example.com"], "SUPPORT.Example.COM", True),
    (["SUPPORT.EXAMPLE.COM"], "support.example.com", True),
    (["support.example.com"], "support.example.com.", True),
    (["support.example.com."], "support.example.com", True),
    (["support.example.com"], "other.example.com", False),
    (["support.example.com"], "example.com", False),
    (["*.example.com"], "support.example.com", True),
    (["*.example.com"], "example.com", False),
    (["*.example.com"], "a.b.example.com", False),
    (["*.example.com"], "support.example.org", False),
    (["*.example.com", "example.com"], "example.com", True),
    (["*.co.uk"], "example.co.uk", False),
    (["*.com"], "example.com", False),
    (["*.example.co.uk"], "support.example.co.uk", True),
    (["s*.example.com"], "support.example.com", False),
    (["*port.example.com"], "support.example.com", False),
    (["support.*.com"], "support.example.com", False),
    (["*.*.example.com"], "a.b.example.com", False),
    (["xn--bcher-kva.example"], "bücher.example", True),
    (["xn--bcher-kva.example"], "XN--BCHER-KVA.example", True),
    (["*.xn--bcher-kva.example"], "shop.bücher.example", True),
    (["buecher.example"], "bücher.example", False),
    (["192.0.2.10"], "192.0.2.10", True),
    (["192.0.2.10"], "192.0.2.11", False),
    (["2001:db8::1"], "2001:DB8:0:0::1", True),
    (["2001:db8::1"], "[2001:db8::1]", True),
    (["support.example.com"], "192.0.2.10", False),
]


@pytest.mark.parametrize(
    ("names", "host", "expected"), RULES, ids=[f"{n}-{h}" for n, h, _ in RULES]
)
def test_coverage_rule_table(names, host, expected):
    cert = pki.make_chain(names).leaf
    assert covers(cert, host) is expected


def test_an_ip_written_as_a_dns_san_does_not_cover_that_ip():
    key = pki.new_key()
    name = pki._name("ip-as-dns")
    cert = pki.issue(key, key, name, name, ca=False, general_names=[x509.DNSName("192.0.2.10")])
    assert not covers(cert, "192.0.2.10")


def test_a_san_with_only_ip_addresses_covers_no_dns_name_even_with_a_matching_cn():
    cert = pki.make_chain(["192.0.2.10"], leaf_cn="support.example.com").leaf
    assert covers(cert, "192.0.2.10")
    assert not covers(cert, "support.example.com")


def test_cn_only_certificate_is_matched_on_its_cn():
    cert = pki.make_chain(["legacy.example.com"], no_san=True).leaf
    assert covers(cert, "legacy.example.com")
    assert not covers(cert, "other.example.com")


def test_cn_is_ignored_when_the_certificate_has_sans():
    cert = pki.make_chain(["san.example.com"], leaf_cn="cn-only.example.com").leaf
    assert covers(cert, "san.example.com")
    assert not covers(cert, "cn-only.example.com")


def test_coverage_lists_covered_and_uncovered_names_in_order(wildcard_chain):
    report = coverage(
        wildcard_chain.leaf,
        ["support.example.com", "node1.example.com", "example.com", "a.b.example.com"],
    )
    assert report.covered == ("support.example.com", "node1.example.com")
    assert report.uncovered == ("example.com", "a.b.example.com")
    assert "*.example.com" in report.certificate_names


@pytest.mark.parametrize("bad", ["", "a..b", ".example.com", "*.example.com", "exa mple.com"])
def test_an_unusable_host_name_is_an_input_error(chain, bad):
    with pytest.raises(HostnameError, match="is not a valid host name"):
        covers(chain.leaf, bad)


def test_failover_pair_is_ready_when_site_and_both_appliances_are_covered(chain):
    verdict = replication_verdict(
        chain.leaf, "support.example.com", ["primary.example.com", "backup.example.com"]
    )
    assert verdict.failover_ready is True
    assert verdict.problems == ()


def test_failover_pair_is_not_ready_and_names_the_missing_appliance(chain):
    verdict = replication_verdict(
        chain.leaf, "support.example.com", ["primary.example.com", "standby.example.com"]
    )
    assert verdict.failover_ready is False
    assert "standby.example.com" in verdict.problems[0]


def test_atlas_wildcard_covering_site_and_nodes_is_named_with_the_rebuild_warning(
    wildcard_chain,
):
    verdict = replication_verdict(
        wildcard_chain.leaf,
        "support.example.com",
        traffic_nodes=["n1.example.com", "n2.example.com"],
    )
    assert verdict.atlas_ready is True
    assert verdict.covering_wildcard == "*.example.com"
    assert "vendor rebuild" in verdict.notes[0]


def test_atlas_without_wildcard_warns_that_new_nodes_need_a_new_certificate(chain):
    verdict = replication_verdict(
        chain.leaf, "support.example.com", traffic_nodes=["primary.example.com", "n9.example.net"]
    )
    assert verdict.atlas_ready is False
    assert verdict.covering_wildcard is None
    assert "n9.example.net" in verdict.problems[0]
    assert "No wildcard" in verdict.notes[0]
