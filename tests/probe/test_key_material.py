"""A live check of an appliance whose certificate's names carry a private key (issue 16
§3): the results keep the key out of every text they show, save and copy, and say why.

Real TLS servers on loopback serve certificates built at run time (`keynames`), each
carrying a freshly generated key in another form. The judge runs on everything the
servers sent, whole, before any name or sentence is shortened for the results.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt

import pytest

from bundleguard.case.model import ApplianceEntry, Case, Replication, Role
from bundleguard.case.replication import (
    Cell,
    Check,
    GridRow,
    Status,
    VerificationGrid,
    verification_grid,
)
from bundleguard.case.texts import (
    MAX_NAME,
    MAX_PROBLEM,
    MAX_PROBLEMS,
    MAX_STORED_SUMMARY,
    MAX_STORED_TEXT,
    KeyMaterialError,
    key_material_in_report,
)
from bundleguard.probe import Role as TargetRole
from bundleguard.probe import parse_target, probe_appliances
from tests.guard import keyforge

from .conftest import PRIMARY, SITE
from .keynames import FORMS, UNQUOTED_FORMS, carry, in_leaf_names, leaked

# One carrier has an issuer CN past the 64 characters RFC 5280 allows (built on purpose):
# cryptography warns each time it reads that name.
pytestmark = pytest.mark.filterwarnings("ignore:Attribute's length must be:UserWarning")


def _probe(appliance):
    target = parse_target(appliance.spec, role=TargetRole.APPLIANCE)
    report = probe_appliances((target,), SITE, timeout=5)
    case = Case(
        site=SITE,
        appliances=(ApplianceEntry(PRIMARY, Role.PRIMARY, f"127.0.0.1:{appliance.port}"),),
    )
    return report, case


def _every_text(grid: VerificationGrid) -> str:
    saved = grid.to_verification()
    cells = [cell.detail for row in grid.rows for cell in row.cells]
    return "\n".join([grid.as_text(), grid.summary, saved.summary, saved.text, *cells])


@pytest.mark.parametrize("form", FORMS + UNQUOTED_FORMS)
def test_a_key_in_the_served_names_is_left_out_of_the_results(start_appliance, pki, form):
    carried = carry(form, pki, SITE)
    primary = start_appliance(PRIMARY, default=carried.served)
    report, case = _probe(primary)

    found = key_material_in_report(report)
    grid = verification_grid(report, case)

    assert found is not None
    assert grid.withheld.startswith("A certificate an appliance served carries private key")
    assert grid.withheld in grid.as_text()
    assert leaked(_every_text(grid), carried.secret) == ""
    assert leaked(grid.withheld, carried.secret) == ""
    # The verdicts stay: the chain or the names still fail, in words without the names.
    assert not grid.ok


def test_a_certificate_carrying_a_key_fails_the_check_even_when_all_else_passes(
    start_appliance, pki
):
    der = keyforge.pkcs8_der(keyforge.ec_key())
    served = in_leaf_names(pki, SITE, [PRIMARY, base64.b64encode(der).decode()])
    primary = start_appliance(PRIMARY, default=served)
    report, case = _probe(primary)

    grid = verification_grid(report, case)

    assert grid.rows[0].ok  # covered, complete, in date: every cell passes
    assert not grid.ok
    assert grid.summary.startswith(
        "Fix first: A certificate an appliance serves carries private key material ("
    )
    assert "Issue a new key and certificate" in grid.summary
    assert leaked(_every_text(grid), der) == ""


def test_a_name_is_judged_whole_before_it_is_cut_for_the_results(start_appliance, pki):
    """A name longer than `MAX_NAME` with the key across the cut: the piece that would
    remain is no key the guard can recognise, so the judge must see the name whole."""
    der = keyforge.pkcs8_der(keyforge.rsa_key(5))
    b64 = base64.b64encode(der).decode()
    name = "a" * (MAX_NAME - 40) + b64  # only the key's first characters before the cut

    primary = start_appliance(PRIMARY, default=in_leaf_names(pki, SITE, [name]))
    report, case = _probe(primary)
    grid = verification_grid(report, case)

    assert grid.withheld
    assert leaked(_every_text(grid), der) == ""


def test_a_key_in_a_name_the_results_would_not_list_still_withholds(start_appliance, pki):
    der = keyforge.pkcs8_der(keyforge.ed25519_key())
    names = [f"n{i}.example.test" for i in range(30)] + [base64.b64encode(der).decode()]

    primary = start_appliance(PRIMARY, default=in_leaf_names(pki, SITE, names))
    report, case = _probe(primary)

    assert verification_grid(report, case).withheld


def test_names_without_keys_are_shown_and_kept_to_a_name_each(start_appliance, pki):
    long_names = [f"{i:02d}" + "x" * 400 + ".example.test" for i in range(15)]

    primary = start_appliance(PRIMARY, default=in_leaf_names(pki, SITE, long_names))
    report, case = _probe(primary)
    grid = verification_grid(report, case)

    assert grid.withheld == ""
    detail = grid.rows[0].cell(Check.COVERS).detail
    assert "00" + "x" * (MAX_NAME - 3) + "…" in detail
    assert "x" * (MAX_NAME - 1) not in detail
    assert detail.count("…") == 9 and "and 6 more" in detail  # SITE, 9 of the 15 shown


def _grid(detail: str, problems: tuple[str, ...] = ()) -> VerificationGrid:
    cells = tuple(
        Cell(PRIMARY, check, Status.FAIL if check is Check.COVERS else Status.PASS, detail)
        for check in Check
    )
    return VerificationGrid(
        site=SITE,
        rows=(GridRow(PRIMARY, cells),),
        checked_at=dt.datetime(2026, 12, 7, tzinfo=dt.UTC),
        other_problems=problems,
    )


def test_a_result_to_save_is_judged_again_and_refused_with_a_key():
    """Belt and braces: a result that still holds a key (the judge of the report missed
    it, or a case's own text holds one) is not saved, and the message does not quote it."""
    der = keyforge.pkcs8_der(keyforge.ec_key())
    grid = _grid("it covers: " + base64.b64encode(der).decode())

    with pytest.raises(KeyMaterialError) as refused:
        grid.to_verification()

    assert str(refused.value).startswith("The results were not saved: they hold private key")
    assert leaked(str(refused.value), der) == ""


def test_a_saved_result_is_bounded_as_a_whole():
    grid = _grid("No: " + "y" * 3000, problems=tuple(f"{i} " + "z" * 5000 for i in range(400)))

    saved = grid.to_verification()

    assert len(saved.text) <= MAX_STORED_TEXT and saved.text.endswith("…")
    assert len(saved.summary) <= MAX_STORED_SUMMARY


def test_the_problems_no_cell_shows_are_few_and_short(start_appliance, pki):
    primary = start_appliance(PRIMARY, default=pki.issue([SITE, PRIMARY]))
    report, case = _probe(primary)
    many = tuple(f"Problem {i}: " + "w" * 3000 for i in range(50))

    grid = verification_grid(dataclasses.replace(report, problems=many), case)

    problems = grid.other_problems

    assert len(problems) == MAX_PROBLEMS
    assert problems[-1] == f"And {50 - MAX_PROBLEMS + 1} more problems."
    assert all(len(p) <= MAX_PROBLEM for p in problems)


def test_a_case_fingerprint_that_is_no_fingerprint_is_never_quoted(start_appliance, pki):
    """The case records the exported PKCS#12's fingerprint; a forged case may put a key
    there (an Ed25519 key's base64 is 64 characters): the check says it is wrong."""
    from bundleguard.case.probing import probe_case

    der = keyforge.pkcs8_der(keyforge.ed25519_key())
    primary = start_appliance(PRIMARY, default=pki.issue([SITE, PRIMARY]))
    _report, case = _probe(primary)
    case = case.with_changes(
        replication=Replication(exported_fingerprint=base64.b64encode(der).decode())
    )
    report = probe_case(case, timeout=5)

    grid = verification_grid(report, case)

    cell = grid.rows[0].cell(Check.MATCHES_EXPORT)
    assert cell.status is Status.FAIL
    assert "records no SHA-256 fingerprint" in cell.detail
    assert leaked(_every_text(grid), der) == ""


# --------------------------------------------------------------------------- the CLI


@pytest.mark.parametrize("form", FORMS + UNQUOTED_FORMS)
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_probe_says_a_served_certificate_carries_a_key_and_never_prints_it(
    start_appliance, pki, capsys, form, as_json
):
    from bundleguard.cli import main

    carried = carry(form, pki, SITE)
    primary = start_appliance(PRIMARY, default=carried.served)
    args = ["probe", "--site", SITE, "--timeout", "5", "--appliance", primary.spec]

    code = main([*args, "--json"] if as_json else args)

    out = capsys.readouterr().out
    assert code == 1
    assert "carries private key material" in out
    assert "whoever connects can read it" in out
    assert leaked(out, carried.secret) == ""
