"""The Replicate step's core, on real keys and real fake appliances on loopback."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    NoEncryption,
    PrivateFormat,
    pkcs12,
)

from bundleguard.case.model import ApplianceEntry, Case, Replication, Role
from bundleguard.case.probing import probe_case
from bundleguard.case.replication import (
    LEGACY_REASON,
    Check,
    Status,
    coverage_rows,
    pkcs12_rows,
    update_wait,
    verification_grid,
)
from bundleguard.certs.anchors import TrustAnchors
from bundleguard.certs.pkcs12 import inspect_pkcs12
from bundleguard.certs.summary import CertificateSummary
from bundleguard.probe.fake import FakeAppliance, FakePKI, ServedCertificate

SITE = "support.example.com"
PRIMARY = "primary.example.com"
BACKUP = "backup.example.com"
NODE = "node1.example.com"
NOW = dt.datetime.now(dt.UTC)


@pytest.fixture(scope="module")
def fake_pki() -> FakePKI:
    return FakePKI("Replication Test")


@pytest.fixture(scope="module")
def served(fake_pki):
    return fake_pki.issue([SITE, PRIMARY, BACKUP, NODE])


def fp(cert) -> str:
    return CertificateSummary.of(cert).fingerprint_sha256


def case_for(*appliances: FakeAppliance) -> Case:
    roles = [Role.PRIMARY, Role.BACKUP, Role.BACKUP, Role.NODE]
    return Case(
        site=SITE,
        appliances=tuple(
            ApplianceEntry(a.name, roles[i], address=f"{a.address[0]}:{a.port}")
            for i, a in enumerate(appliances)
        ),
    )


def grid_of(pki, *appliances, exported=None):
    case = case_for(*appliances)
    if exported is not None:  # the exported PKCS#12's certificate, as the case records it
        case = case.with_changes(replication=Replication(exported_fingerprint=exported))
    anchors = TrustAnchors(public=(), system=(pki.root,))
    report = probe_case(case, timeout=3.0, anchors=anchors)
    return verification_grid(report, case, now=NOW)


# --------------------------------------------------------------------------- PKCS#12


def export(served, *, passphrase=b"correct horse battery", legacy=False, chain=True):
    if legacy:
        encryption = (
            PrivateFormat.PKCS12.encryption_builder()
            .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
            .build(passphrase)
        )
    else:
        encryption = BestAvailableEncryption(passphrase)
    extra = list(served.chain[1:]) if chain else None
    return pkcs12.serialize_key_and_certificates(
        b"site", served.key, served.leaf, extra, encryption
    )


def rows_by_label(rows):
    return {row.label: row for row in rows}


def test_a_good_export_passes_every_row(served):
    data = export(served)
    rows = rows_by_label(pkcs12_rows(inspect_pkcs12(data, "site.p12", b"correct horse battery")))
    assert rows["Holds the certificate?"].status is Status.PASS
    assert rows["Holds the private key?"].detail == "Yes, and it matches the certificate."
    assert rows["Holds the chain?"].status is Status.PASS
    assert "1 more certificate" in rows["Holds the chain?"].detail
    assert rows["Passphrase set?"].status is Status.PASS
    assert rows["Encryption?"].status is Status.PASS
    assert "AES-256" in rows["Encryption?"].detail
    assert rows["Integrity check (MAC)?"].status is Status.PASS


def test_legacy_encryption_warns_with_the_reason_and_a_missing_chain_warns(served):
    data = export(served, legacy=True, chain=False)
    rows = rows_by_label(pkcs12_rows(inspect_pkcs12(data, "site.p12", b"correct horse battery")))
    assert rows["Encryption?"].status is Status.WARN
    assert rows["Encryption?"].detail.endswith(LEGACY_REASON + ".")
    assert rows["Holds the chain?"].status is Status.WARN


# --------------------------------------------------------------------------- coverage


def test_coverage_names_what_is_missing_with_the_vendors_advice(fake_pki):
    narrow = fake_pki.issue([SITE, PRIMARY])
    case = Case(
        site=SITE,
        appliances=(
            ApplianceEntry(PRIMARY, Role.PRIMARY),
            ApplianceEntry(BACKUP, Role.BACKUP),
            ApplianceEntry(NODE, Role.NODE),
        ),
    )
    whole, *rows = coverage_rows(case, narrow.leaf)
    assert (whole.label, whole.status) == ("Certificate covers every name?", Status.FAIL)
    assert whole.detail == f"No: it does not cover {BACKUP}, {NODE}."
    assert [r.status for r in rows] == [Status.PASS, Status.PASS, Status.FAIL, Status.FAIL]
    assert rows[0].label == f"Covers {SITE} (the site)?"
    assert rows[2].detail == (
        f"No: {BACKUP} is not covered. For failover, the certificate must cover each "
        "appliance's own hostname and the site."
    )
    assert "use a wildcard" in rows[3].detail


# --------------------------------------------------------------------------- the grid


def test_a_consistent_trio_passes_and_says_so(served, fake_pki):
    with (
        FakeAppliance(PRIMARY, default=served) as a,
        FakeAppliance(BACKUP, default=served) as b,
        FakeAppliance(NODE, default=served) as c,
    ):
        grid = grid_of(fake_pki, a, b, c, exported=fp(served.leaf))
    assert grid.ok, grid.as_text()
    assert grid.summary == (
        "All 3 appliances serve the identical, complete certificate for support.example.com."
    )
    cell = grid.rows[1].cell(Check.SAME_AS_PRIMARY)
    assert cell.accessible_text == f"{BACKUP}: same leaf as primary: pass"
    assert grid.rows[0].cell(Check.SAME_AS_PRIMARY).status is None
    saved = grid.to_verification(NOW)
    assert saved.ok and saved.summary == grid.summary and saved.checked_at == NOW.isoformat()
    assert "PASS  matches the exported PKCS#12" in saved.text


def test_a_backup_with_another_certificate_shows_both_fingerprints(served, fake_pki):
    other = fake_pki.issue([SITE, PRIMARY, BACKUP])
    with FakeAppliance(PRIMARY, default=served) as a, FakeAppliance(BACKUP, default=other) as b:
        grid = grid_of(fake_pki, a, b, exported=fp(served.leaf))
    assert not grid.ok
    cell = grid.rows[1].cell(Check.SAME_AS_PRIMARY)
    assert cell.accessible_text == f"{BACKUP}: same leaf as primary: fail"
    assert cell.detail == (
        f"Serves another certificate than the primary: SHA-256 {fp(other.leaf)} here, "
        f"{fp(served.leaf)} on the primary."
    )
    assert fp(served.leaf) in grid.rows[1].cell(Check.MATCHES_EXPORT).detail
    assert grid.rows[0].ok
    # The summary (one bold line over the grid) names each by its first four bytes; the
    # whole fingerprints stay in the cell and the copied text.
    assert grid.summary == (
        f"Fix first: {BACKUP}: Serves another certificate than the primary: SHA-256 "
        f"{fp(other.leaf)[:11]}\u2026 here, {fp(served.leaf)[:11]}\u2026 on the primary."
        " (1 more to fix.)"
    )
    assert fp(other.leaf) in grid.as_text() and fp(served.leaf) in grid.as_text()


def test_an_incomplete_chain_names_the_missing_intermediate(served, fake_pki):
    with (
        FakeAppliance(PRIMARY, default=served) as a,
        FakeAppliance(BACKUP, default=served.leaf_only()) as b,
    ):
        grid = grid_of(fake_pki, a, b)
    cell = grid.rows[1].cell(Check.CHAIN)
    assert cell.status is Status.FAIL
    assert "Replication Test Intermediate CA is missing" in cell.detail
    assert grid.rows[1].cell(Check.MATCHES_EXPORT).status is None
    assert grid.rows[1].cell(Check.SAME_AS_PRIMARY).status is Status.PASS
    assert "FAIL  chain complete: The chain is incomplete" in grid.as_text()


def test_a_name_not_covered_is_named(fake_pki):
    narrow = fake_pki.issue([SITE, PRIMARY])
    with FakeAppliance(PRIMARY, default=narrow) as a, FakeAppliance(BACKUP, default=narrow) as b:
        grid = grid_of(fake_pki, a, b)
    assert grid.rows[0].cell(Check.COVERS).status is Status.PASS
    detail = grid.rows[1].cell(Check.COVERS).detail
    assert detail.startswith(f"The certificate does not cover {BACKUP} (it covers:")


# --------------------------------------------------------------------------- waiting


def test_update_wait_counts_until_48_hours():
    installed = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    text = update_wait(installed.isoformat(), installed + dt.timedelta(hours=5))
    assert text == (
        "The vendor update was installed 5 hours ago. Clients, especially Jump Clients, "
        "may need 24 to 48 hours to update themselves."
    )
    assert update_wait(installed.isoformat(), installed + dt.timedelta(hours=48)) is None
    assert update_wait("", installed) is None


def test_coverage_of_a_certificate_that_covers_all(served):
    case = Case(
        site=SITE, appliances=(ApplianceEntry(PRIMARY), ApplianceEntry(BACKUP, Role.BACKUP))
    )
    whole, *rows = coverage_rows(case, served.leaf)
    assert (whole.status, whole.detail) == (Status.PASS, "Yes: all 3 names.")
    assert all(r.status is Status.PASS for r in rows)


def test_the_fingerprint_recorded_in_the_case_is_compared_and_an_unreachable_one_fails(
    served, fake_pki
):
    other = fake_pki.issue([SITE, PRIMARY])
    with FakeAppliance(PRIMARY, default=served) as a, FakeAppliance(BACKUP, default=served) as b:
        case = case_for(a, b)
        port = b.port
    # the backup is stopped now: nothing listens on its port any more
    case = case.with_changes(
        replication=Replication(exported_fingerprint=fp(other.leaf).replace(":", "").lower())
    )
    with FakeAppliance(PRIMARY, default=served) as a:
        case = case.with_changes(
            appliances=(
                ApplianceEntry(PRIMARY, Role.PRIMARY, address=f"127.0.0.1:{a.port}"),
                ApplianceEntry(BACKUP, Role.BACKUP, address=f"127.0.0.1:{port}"),
            )
        )
        anchors = TrustAnchors(public=(), system=(fake_pki.root,))
        report = probe_case(case, timeout=3.0, anchors=anchors)
    grid = verification_grid(report, case, now=NOW)
    primary, backup = grid.rows
    assert primary.cell(Check.MATCHES_EXPORT).detail == (
        f"Does not serve the exported certificate: SHA-256 {fp(served.leaf)} here, "
        f"{fp(other.leaf).replace(':', '').lower()} in the PKCS#12."
    )
    reach = backup.cell(Check.REACHABLE)
    assert reach.accessible_text == f"{BACKUP}: reachable: fail"
    assert reach.detail.startswith("The appliance could not be reached: ")
    assert grid.summary.startswith(f"Fix first: {PRIMARY}: Does not serve the exported")
    assert not grid.to_verification(NOW).ok


def test_a_certificate_without_key_or_passphrase_fails_in_plain_words(served):
    data = pkcs12.serialize_key_and_certificates(b"site", None, served.leaf, None, NoEncryption())
    rows = rows_by_label(pkcs12_rows(inspect_pkcs12(data, "cert-only.p12")))
    key = rows["Holds the private key?"]
    assert key.status is Status.FAIL
    assert key.detail.startswith("No: an appliance cannot use a certificate without its")
    assert rows["Passphrase set?"].status is Status.FAIL


def test_another_default_for_clients_without_sni_is_shown(served, fake_pki):
    other = fake_pki.issue([PRIMARY])
    with FakeAppliance(PRIMARY, default=other, certificates={SITE: served, PRIMARY: served}) as a:
        grid = grid_of(fake_pki, a)
    cell = grid.rows[0].cell(Check.NO_SNI)
    assert cell.status is Status.FAIL
    assert cell.detail == (
        f"Clients that send no name get another certificate (SHA-256 {fp(other.leaf)}) "
        f"than {SITE} (SHA-256 {fp(served.leaf)}): make this certificate the default."
    )
    assert grid.rows[0].cell(Check.SITE_NAME).status is Status.PASS


# --------------------------------------------------------------------------- review fixes


def test_an_expired_certificate_for_the_appliances_own_name_is_not_a_pass(served, fake_pki):
    # The backup serves the new certificate for the site and without SNI, but an old one
    # from another CA for its own hostname: the grid must not say "all pass".
    old = FakePKI("Old CA").issue([BACKUP], expired=True)
    with (
        FakeAppliance(PRIMARY, default=served) as a,
        FakeAppliance(BACKUP, default=served, certificates={BACKUP: old}) as b,
    ):
        grid = grid_of(fake_pki, a, b)
    assert not grid.ok
    own = grid.rows[1].cell(Check.OWN_NAME)
    assert own.accessible_text == f"{BACKUP}: own name served: fail"
    assert fp(old.leaf) in own.detail and fp(served.leaf) in own.detail
    dates = grid.rows[1].cell(Check.DATES)
    assert dates.status is Status.FAIL
    assert dates.detail.startswith(f"The certificate served for {BACKUP} expired on ")
    assert not grid.summary.startswith("All ")


def test_a_certificate_with_hundreds_of_names_keeps_the_case_file_readable(fake_pki, tmp_path):
    from bundleguard.case.store import load_case, save_case

    many = fake_pki.issue([SITE, *(f"host{n}.other.example" for n in range(300))])
    with FakeAppliance(PRIMARY, default=many) as a:
        grid = grid_of(fake_pki, a)
    detail = grid.rows[0].cell(Check.COVERS).detail
    assert "and 291 more" in detail and len(detail) < 1000
    case = case_for(a).with_changes(replication=Replication(verification=grid.to_verification()))
    path = save_case(case, tmp_path / "many.bgcase")
    assert load_case(path).replication.verification.summary == grid.summary


def test_a_hostname_still_being_typed_is_a_failed_row_not_an_error(served):
    for site in ("my-", "bad host", "*.example.com"):
        rows = coverage_rows(Case(site=site), served.leaf)
        assert rows[0].status is Status.FAIL
        assert rows[1].label == f"Covers {site} (the site)?"
        assert rows[1].detail.startswith(f"No: '{site}' is not a valid host name")


def test_a_problem_only_the_probe_sees_is_never_summed_up_as_all_pass(served, fake_pki):
    # Same leaf everywhere, but the backup sends the root as well: the chains differ, which
    # the probe reports and no single cell shows.
    with_root = ServedCertificate(chain=(*served.chain, fake_pki.root), key=served.key)
    anchors = TrustAnchors(public=(), system=(fake_pki.root,))
    with (
        FakeAppliance(PRIMARY, default=served) as a,
        FakeAppliance(BACKUP, default=with_root) as b,
    ):
        case = case_for(a, b)
        report = probe_case(case, timeout=3.0, anchors=anchors)
    grid = verification_grid(report, case, now=NOW)
    assert all(row.ok for row in grid.rows)  # every cell passes...
    assert not report.ok and not grid.ok  # ...but the live check is the judge
    assert grid.summary.startswith("Fix first: The appliances do not all serve the same")
    assert "The live check also found:" in grid.as_text()
    assert f"{BACKUP} (at 127.0.0.1:{b.port})" in grid.as_text()  # where it was reached


def test_a_saved_check_knows_which_case_it_was_made_for(served, fake_pki, tmp_path):
    from dataclasses import replace

    from bundleguard.case.model import verification_is_current
    from bundleguard.case.store import load_case, save_case

    with FakeAppliance(PRIMARY, default=served) as a:
        grid = grid_of(fake_pki, a)
        case = case_for(a)
    checked = case.with_changes(replication=Replication(verification=grid.to_verification()))
    assert verification_is_current(checked) is True
    reopened = load_case(save_case(checked, tmp_path / "c.bgcase"))
    assert verification_is_current(reopened) is True  # the key travels in the file
    moved = replace(checked.appliances[0], address="127.0.0.1:1")
    assert verification_is_current(checked.with_changes(appliances=(moved,))) is False
    assert verification_is_current(checked.with_changes(site="other.example.com")) is False
    assert verification_is_current(checked.with_changes(incident="42")) is True
    older = replace(checked.replication.verification, case_key="")  # saved before keys
    assert (
        verification_is_current(checked.with_changes(replication=Replication(verification=older)))
        is None
    )


# --------------------------------------------------------------------------- forged cases


def _forged_case(text: str, summary: str = "All pass.") -> bytes:
    import json

    verification = {"checked_at": NOW.isoformat(), "ok": True, "summary": summary, "text": text}
    return json.dumps(
        {
            "format": "bundleguard-case",
            "version": 1,
            "site": SITE,
            "replication": {"verification": verification},
        }
    ).encode()


def _key_text() -> tuple[str, bytes]:
    import base64

    from tests.guard import keyforge

    der = keyforge.pkcs8_der(keyforge.rsa_key(4))
    return base64.b64encode(der).decode(), der


@pytest.mark.parametrize("field", ["text", "summary"])
def test_an_opened_case_whose_saved_results_hold_a_key_keeps_only_a_sentence(field):
    from bundleguard.case.model import case_from_bytes, case_to_bytes
    from bundleguard.case.texts import RESULTS_DROPPED
    from tests.probe.keynames import leaked

    key, der = _key_text()
    data = _forged_case(key if field == "text" else "x", key if field == "summary" else "ok")

    case = case_from_bytes(data)

    saved = case.replication.verification
    assert saved is not None and saved.text == "" and not saved.ok
    assert saved.summary.startswith(RESULTS_DROPPED)
    assert leaked(case_to_bytes(case).decode(), der) == ""


def test_a_saved_text_is_judged_as_written_before_the_reader_cuts_it():
    """Cut where the reader keeps no more than 40 characters of the key (too few for the
    guard to know it), the text as written still holds the whole key: it is dropped."""
    from bundleguard.case import model
    from bundleguard.case.model import case_from_bytes

    limit = getattr(model, "MAX_VERIFICATION_TEXT", 1 << 20)  # (the reader's cut, if any)
    key, _der = _key_text()
    text = "x" * (limit - 40) + " " + key

    saved = case_from_bytes(_forged_case(text)).replication.verification

    assert saved is not None and saved.text == ""


def test_case_show_never_prints_a_saved_key(tmp_path, capsys):
    from bundleguard.cli import main
    from tests.probe.keynames import leaked

    key, der = _key_text()
    path = tmp_path / "forged.bgcase"
    path.write_bytes(_forged_case("x", summary=f"Fix first: {key}"))

    main(["case", "show", str(path)])

    out = capsys.readouterr().out
    assert "The saved results were dropped" in out
    assert leaked(out, der) == ""


def test_an_opened_case_never_keeps_a_key_as_the_exported_fingerprint():
    """An Ed25519 key's base64 (64 characters) fits where a case records the exported
    PKCS#12's fingerprint, which the Replicate step shows: it is not kept."""
    import base64
    import json

    from bundleguard.case.model import case_from_bytes
    from tests.guard import keyforge

    der = keyforge.pkcs8_der(keyforge.ed25519_key())
    fingerprint = "AB:" * 31 + "CD"
    for given, kept in ((base64.b64encode(der).decode(), ""), (fingerprint, fingerprint)):
        document = {
            "format": "bundleguard-case",
            "version": 1,
            "replication": {"exported_fingerprint": given},
        }
        case = case_from_bytes(json.dumps(document).encode())
        assert case.replication.exported_fingerprint == kept


# --------------------------------------------------------------------------- one judge


def test_the_grid_shows_the_probes_verdicts_and_judges_nothing_again(served, fake_pki):
    """Every cell is the probe's verdict, in its words: a verdict the probe gives is what
    the grid says, whatever the served certificates would suggest to a second judge."""
    import dataclasses

    from bundleguard.probe.report import Verdict

    with FakeAppliance(PRIMARY, default=served) as a, FakeAppliance(BACKUP, default=served) as b:
        case = case_for(a, b)
        report = probe_case(case, timeout=3.0)
    assert report.ok and report.primary == PRIMARY
    backup = report.appliances[1]
    said = Verdict(Check.OWN_NAME, False, f"Told by the probe about {BACKUP}.", "Told.")
    verdicts = tuple(said if v.check is Check.OWN_NAME else v for v in backup.verdicts)
    judged = dataclasses.replace(
        report,
        appliances=(report.appliances[0], dataclasses.replace(backup, verdicts=verdicts)),
    )

    grid = verification_grid(judged, case, now=NOW)

    assert not judged.ok and not grid.ok
    assert [c.accessible_text for c in grid.failures] == [f"{BACKUP}: own name served: fail"]
    assert grid.summary == f"Fix first: {BACKUP}: Told by the probe about {BACKUP}."
    assert grid.rows[0].cell(Check.SAME_AS_PRIMARY).accessible_text == (
        f"{PRIMARY}: same leaf as primary: not applicable"
    )
    assert [c.check for c in grid.rows[1].cells] == list(Check)
