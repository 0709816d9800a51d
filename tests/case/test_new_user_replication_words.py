"""The Replicate step's check rows count in words a user reads aloud: "all 3 names", not
"all 3 name(s)"; and the certificates that come with an export are its issuers (an
intermediate and a root are not both "intermediates")."""

from __future__ import annotations

from bundleguard.case.model import ApplianceEntry, Case
from bundleguard.case.replication import coverage_rows, pkcs12_rows
from bundleguard.certs.pkcs12 import inspect_pkcs12
from tests.case.test_replication import PRIMARY, SITE, export, fake_pki, served  # noqa: F401


def test_names_are_counted_in_plain_words(served):  # noqa: F811
    whole, *_ = coverage_rows(Case(site=SITE, appliances=(ApplianceEntry(PRIMARY),)), served.leaf)
    assert whole.detail == "Yes: all 2 names."
    whole, *_ = coverage_rows(Case(site=SITE), served.leaf)
    assert whole.detail == "Yes: its one name."


def test_the_chain_that_comes_with_an_export_is_its_issuers(served):  # noqa: F811
    data = export(served)
    rows = {
        r.label: r for r in pkcs12_rows(inspect_pkcs12(data, "site.p12", b"correct horse battery"))
    }
    assert rows["Holds the chain?"].detail == "Yes: 1 more certificate (its issuer) comes with it."
