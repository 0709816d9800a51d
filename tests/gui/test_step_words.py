"""The window's sentences name a step from `case.steps` (its number is its place in
STEPS), never by a number written by hand: reorder the steps and the words follow."""

from __future__ import annotations

import pytest

from bundleguard.bundle.plan import Refusal
from bundleguard.case import steps
from bundleguard.case.model import ApplianceEntry, Case, Role
from bundleguard.case.steps import Step


@pytest.fixture
def reordered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Case and Certificates moved to the end: step 4 and step 5."""
    order = (Step.SCREENSHOT, Step.BUNDLE, Step.REPLICATE, Step.CASE, Step.CERTIFICATES)
    monkeypatch.setattr(steps, "STEPS", order)
    assert Step.CASE.number == 4 and Step.CERTIFICATES.number == 5


def test_the_refusals_name_the_certificates_step_by_its_number(reordered) -> None:
    from bundleguard.gui.bundle_page import describe_refusals

    words = describe_refusals(
        [Refusal("/cases/key.pem", "certificate", "refused", ("it holds a private key",))]
    )
    assert "Fix it in step 5, Certificates:" in words
    assert "step 2" not in words


def test_the_grid_names_the_case_step_where_the_address_is_typed(reordered) -> None:
    from bundleguard.gui.verify_panel import reached_at

    case = Case(
        appliances=(ApplianceEntry("primary.example.com", Role.PRIMARY, address="127.0.0.1:8443"),)
    )
    ((endpoint, tip),) = reached_at(case).values()
    assert endpoint == "127.0.0.1:8443"
    assert tip == "Reached at 127.0.0.1:8443: the Address of step 4."
