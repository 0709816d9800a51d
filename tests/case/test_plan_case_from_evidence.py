"""`plan_case` (the command line's plan) is derived from the case's evidence, like the
window's `gather_facts`, through the same planning: each file is opened once and judged
once, whatever the number of appliances, and planning again after the window's facts reads
nothing."""

from __future__ import annotations

import builtins
import io
import os
import re
from collections import Counter
from pathlib import Path

import pytest

from bundleguard.case.actions import gather_facts, plan_case
from bundleguard.case.evidence import shared_evidence
from bundleguard.case.model import ApplianceEntry, Case, Role
from bundleguard.errors import InputError
from bundleguard.guard import scan as guard_scan
from tests.case.conftest import BACKUP, PRIMARY, SITE
from tests.certs import pki


class Counts:
    def __init__(self) -> None:
        self.opens: Counter[str] = Counter()
        self.judged: Counter[str] = Counter()

    def reset(self) -> None:
        self.opens.clear()
        self.judged.clear()


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch):
    """Every open of a named file (`open`, `io.open`, `os.open`) and every guard verdict
    (`guard.scan.decide`), by absolute path; the process's evidence starts empty."""
    found = Counts()

    def counted(real):
        def open_counted(file, *args, **kwargs):
            if isinstance(file, str | bytes | os.PathLike):
                found.opens[os.path.abspath(os.fsdecode(file))] += 1
            return real(file, *args, **kwargs)

        return open_counted

    real_decide = guard_scan.decide

    def decide(path, *args, **kwargs):
        found.judged[os.path.abspath(path)] += 1
        return real_decide(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", counted(builtins.open))
    monkeypatch.setattr(io, "open", counted(io.open))
    monkeypatch.setattr(os, "open", counted(os.open))
    monkeypatch.setattr(guard_scan, "decide", decide)
    shared_evidence().clear()
    yield found
    shared_evidence().clear()


@pytest.fixture
def case(folder: Path, chain: pki.Chain) -> Case:
    """Two appliances and N = 3 certificate files (leaf, intermediate, root apart)."""
    files = []
    for index, cert in enumerate([chain.leaf, *chain.intermediates, chain.root]):
        path = folder / f"cert-{index}.pem"
        path.write_bytes(pki.pem(cert))
        files.append(str(path))
    return Case(
        site=SITE,
        incident="4711",
        appliances=(
            ApplianceEntry(PRIMARY, Role.PRIMARY, screenshot=str(folder / "primary.png")),
            ApplianceEntry(BACKUP, Role.BACKUP, screenshot=str(folder / "backup.png")),
        ),
        files=tuple(files),
    )


def inputs_of(case: Case) -> set[str]:
    return {*case.files, *(a.screenshot for a in case.appliances)}


def test_planning_a_case_opens_each_file_once_and_judges_it_once(counts, case, no_anchors):
    counts.reset()  # what writing the files counted
    plans = plan_case(case, anchors=no_anchors)
    assert len(plans) == 2 and all(p.accepted for p in plans)
    for path in inputs_of(case):
        assert counts.opens[path] == 1, path
        assert counts.judged[path] == 1, path  # not once per appliance


def test_the_window_and_the_command_line_plan_alike_from_one_read(counts, case, no_anchors):
    facts = gather_facts(case, anchors=no_anchors)  # the window's plan (in its worker)
    counts.reset()
    plans = plan_case(case, anchors=no_anchors)  # the command line's
    assert sum(counts.opens[p] for p in inputs_of(case)) == 0  # one stat each, no read
    assert sum(counts.judged.values()) == 0
    assert [[(m.name, m.data) for m in p.members] for p in plans] == [
        [(m.name, m.data) for m in p.members] for p in facts.plans
    ]


def test_a_file_changed_on_disk_is_read_again(counts, case, no_anchors, chain):
    plan_case(case, anchors=no_anchors)
    changed = Path(case.files[0])
    changed.write_bytes(pki.pem(chain.leaf) + b"\n")
    os.utime(changed, ns=(1, 1))
    counts.reset()
    plan_case(case, anchors=no_anchors)
    assert counts.opens[str(changed)] == 1
    assert sum(counts.opens[p] for p in inputs_of(case) - {str(changed)}) == 0


def test_a_file_that_cannot_be_read_still_stops_the_plan_with_its_name(case, no_anchors):
    shared_evidence().clear()
    gone = str(Path(case.files[0]).with_name("gone.pem"))
    with pytest.raises(InputError, match=r"gone\.pem"):
        plan_case(case.with_changes(files=(*case.files, gone)), anchors=no_anchors)
    missing_shot = ApplianceEntry(BACKUP, Role.BACKUP, screenshot=gone.replace(".pem", ".png"))
    with pytest.raises(InputError, match=rf"The screenshot of {re.escape(BACKUP)}: .*gone\.png"):
        plan_case(
            case.with_changes(appliances=(case.appliances[0], missing_shot)), anchors=no_anchors
        )
