"""`case.readiness`: every step's state, every blocker and concern, from facts already gathered.

The steps are data (`case.steps.Step`), each blocker names the step that fixes it, and the
judgement reads no file: it is cheap enough for every keystroke.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bundleguard.case.actions import gather_facts
from bundleguard.case.model import ApplianceEntry, Case, Role, Verification
from bundleguard.case.readiness import State, build_key, readiness
from bundleguard.case.steps import STEPS, Step
from tests.case.conftest import BACKUP, PRIMARY, SITE
from tests.certs import pki


@pytest.fixture
def case(folder: Path) -> Case:
    return Case(
        site=SITE,
        incident="4711",
        support_address="support@example.com",
        output=str(folder / "out"),
        appliances=(
            ApplianceEntry(PRIMARY, Role.PRIMARY, screenshot=str(folder / "primary.png")),
            ApplianceEntry(BACKUP, Role.BACKUP, screenshot=str(folder / "backup.png")),
        ),
        files=(str(folder / "chain.pem"),),
    )


def labels(judged) -> dict[Step, str]:
    return {status.step: status.label for status in judged.steps}


def test_a_complete_case_is_ready_and_every_step_says_so(case, no_anchors):
    judged = readiness(case, gather_facts(case, anchors=no_anchors))
    assert [status.step for status in judged.steps] == list(STEPS)
    assert judged.ready and judged.blockers == () and judged.concerns == ()
    assert [s.text for s in judged.steps] == [
        "1 Case: done",
        "2 Certificates: done",
        "3 Screenshot: done",
        "4 Bundle & email: ready to build",
        "5 Replicate: not verified",
    ]
    assert len(judged.plans) == 2


def test_a_leaf_alone_is_not_done_it_is_a_concern(case, folder, chain, no_anchors):
    # Before: step 2 said "done" and step 4 built a leaf-only bundle, unasked.
    leaf = folder / "leaf.pem"
    leaf.write_bytes(pki.pem(chain.leaf))
    case = case.with_changes(files=(str(leaf),), site="other.example.com")
    judged = readiness(case, gather_facts(case, anchors=no_anchors))
    assert judged.of(Step.CERTIFICATES).state is State.CONCERN
    assert labels(judged)[Step.CERTIFICATES] == "done, with concerns"
    assert labels(judged)[Step.BUNDLE] == "ready, with concerns"
    assert judged.blockers == ()
    assert [str(c) for c in judged.concerns] == [
        "Step 2, Certificates: the chain is incomplete: add the certificate of the issuer "
        "CN=Test Intermediate CA 1,O=bundleguard tests",
        "Step 2, Certificates: the certificate does not cover the site other.example.com",
    ]
    assert not judged.ready and judged.can_build
    assert not judged.may_build()
    assert judged.may_build(judged.concerns)
    assert not judged.may_build(judged.concerns[:1])  # a concern not seen is not accepted


def test_without_an_output_folder_step_4_is_not_ready(case, no_anchors):
    # Before: the steps list said "ready to build" while the button was off.
    case = case.with_changes(output="")
    judged = readiness(case, gather_facts(case, anchors=no_anchors))
    assert labels(judged)[Step.BUNDLE] == "not ready"
    assert [str(b) for b in judged.blockers] == [
        "Step 1, Case: choose the output folder the bundles are written to"
    ]
    assert not judged.can_build


def test_every_blocker_is_listed_not_only_the_first(case, folder, no_anchors):
    case = case.with_changes(
        site="",
        output="",
        support_address="not an address",
        appliances=(case.appliances[0], ApplianceEntry(BACKUP, Role.BACKUP)),
        files=(*case.files, str(folder / "gone.pem")),
    )
    judged = readiness(case, gather_facts(case, anchors=no_anchors))
    said = [str(b) for b in judged.blockers]
    assert said[0] == "Step 1, Case: add the site hostname"
    assert said[1].startswith("Step 1, Case: the support address cannot be used.")
    assert said[2] == "Step 1, Case: choose the output folder the bundles are written to"
    assert said[3] == (
        f"Step 2, Certificates: {folder / 'gone.pem'} cannot be read: put it back or take it "
        "out of the case"
    )
    assert said[4] == f"Step 3, Screenshot: add the Status > Basics screenshot of {BACKUP}"
    assert len(said) == 5
    assert {b.step for b in judged.blockers} == {Step.CASE, Step.CERTIFICATES, Step.SCREENSHOT}
    assert labels(judged)[Step.SCREENSHOT] == "needs attention"


def test_the_judgement_reads_no_file(case, folder, no_anchors):
    facts = gather_facts(case, anchors=no_anchors)
    before = readiness(case, facts)
    for path in folder.iterdir():
        path.unlink()  # the files are gone: a judgement that read them would differ
    assert readiness(case, facts) == before


def test_facts_about_another_version_of_the_case_are_not_judged(case, no_anchors):
    facts = gather_facts(case, anchors=no_anchors)
    changed = case.with_changes(incident="4712")
    judged = readiness(changed, facts)
    assert not judged.checked and not judged.can_build
    assert labels(judged)[Step.CERTIFICATES] == "checking…"
    assert labels(judged)[Step.BUNDLE] == "checking…"
    assert labels(judged)[Step.CASE] == "done"  # the case's own texts need no file


def test_step_4_says_built_while_the_case_is_the_one_built(case, no_anchors):
    facts = gather_facts(case, anchors=no_anchors)
    assert labels(readiness(case, facts, built=build_key(case)))[Step.BUNDLE] == "built"
    changed = case.with_changes(output=case.output + "2")
    facts = gather_facts(changed, anchors=no_anchors)
    assert labels(readiness(changed, facts, built=build_key(case)))[Step.BUNDLE] == (
        "ready to build"
    )


def test_the_live_check_is_step_5s_state(case):
    failed = Verification(checked_at="2026-12-07T00:00:00Z", ok=False, summary="no")
    replication = dataclasses.replace(case.replication, verification=failed)
    judged = readiness(case.with_changes(replication=replication))
    assert judged.of(Step.REPLICATE).label == "verification failed"
    assert judged.of(Step.REPLICATE).state is State.BLOCKED


def test_without_drafts_the_support_address_is_not_needed(case, no_anchors):
    case = case.with_changes(support_address="")
    facts = gather_facts(case, anchors=no_anchors)
    assert [c.text for c in readiness(case, facts).concerns] == [
        "add the support address: the email drafts have no recipient"
    ]
    assert readiness(case, facts, drafts=False).ready
