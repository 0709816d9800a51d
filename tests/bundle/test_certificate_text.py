"""Only certificates travel: text written around a PEM certificate stays at home."""

from __future__ import annotations

from bundleguard.bundle.plan import Appliance, BundleInput, plan_bundle
from tests.bundle.conftest import PRIMARY, SITE, screenshot_png
from tests.certs import pki


def _plan(certificate_file: bytes):
    return plan_bundle(
        Appliance(PRIMARY, "primary"),
        BundleInput("basics.png", screenshot_png()),
        [BundleInput("leaf.pem", certificate_file)],
        site=SITE,
        public_anchors=[],
        system_anchors=[],
    )


def test_a_note_beside_the_certificate_does_not_reach_the_bundle(chain):
    note = b"export passphrase: hunter2-SECRET\n"
    plan = _plan(note + pki.pem(chain.leaf) + b"\nrenewed by admin\n")

    member = next(m for m in plan.members if m.name.endswith((".pem", ".crt")))
    assert b"hunter2" not in member.data
    assert member.data == pki.pem(chain.leaf)
    assert any("left out" in note for note in plan.notes)


def test_a_clean_pem_certificate_travels_byte_for_byte(chain):
    plan = _plan(pki.pem(chain.leaf))

    member = next(m for m in plan.members if m.name.endswith((".pem", ".crt")))
    assert member.data == pki.pem(chain.leaf)
    assert not any("left out" in note for note in plan.notes)
