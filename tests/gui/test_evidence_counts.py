"""Each file is read once and judged once per change on disk, whatever the pages show.

Counted where it happens: every open of a file (`open`, `io.open`, `os.open`: the one
reader and the guard's own file scan both open through them) and every verdict the guard
gives (`guard.scan.decide`, which every guard entry point ends in)."""

from __future__ import annotations

import builtins
import io
import os
from collections import Counter
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from PIL import Image
from PySide6.QtCore import QPointF

from bundleguard.case.evidence import shared_evidence
from bundleguard.case.model import ApplianceEntry, Role
from bundleguard.case.readiness import build_key
from bundleguard.certs.anchors import NO_ANCHORS
from bundleguard.guard import scan as guard_scan
from bundleguard.probe.fake import FakePKI
from tests.gui.conftest import find_by_name
from tests.gui.dnd import drop_files


class Counts:
    """Opens and guard verdicts per file (absolute path), counted from every thread."""

    def __init__(self) -> None:
        self.opens: Counter[str] = Counter()
        self.judged: Counter[str] = Counter()

    def reset(self) -> None:
        self.opens.clear()
        self.judged.clear()


def _name(file) -> str | None:
    if isinstance(file, str | bytes | os.PathLike):
        return os.path.abspath(os.fsdecode(file))
    return None  # a file descriptor


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> Counts:
    found = Counts()
    real_open, real_io_open, real_os_open = builtins.open, io.open, os.open
    real_decide = guard_scan.decide

    def counted(real):
        def open_counted(file, *args, **kwargs):
            name = _name(file)
            if name is not None:
                found.opens[name] += 1
            return real(file, *args, **kwargs)

        return open_counted

    def decide(path, *args, **kwargs):
        found.judged[os.path.abspath(path)] += 1
        return real_decide(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", counted(real_open))
    monkeypatch.setattr(io, "open", counted(real_io_open))
    monkeypatch.setattr(os, "open", counted(real_os_open))
    monkeypatch.setattr(guard_scan, "decide", decide)
    shared_evidence().clear()
    yield found
    shared_evidence().clear()


@pytest.fixture
def chain_files(tmp_path: Path) -> list[Path]:
    pki = FakePKI("Count Test")
    served = pki.issue(["support.example.com", "primary.example.com"])
    folder = tmp_path / "input"
    folder.mkdir()
    paths = []
    for cert, name in (
        (served.leaf, "leaf.crt"),
        (pki.intermediate, "int.crt"),
        (pki.root, "r.crt"),
    ):
        path = folder / name
        path.write_bytes(cert.public_bytes(Encoding.PEM))
        paths.append(path)
    return paths


@pytest.fixture
def screenshot(tmp_path: Path) -> Path:
    path = tmp_path / "status.png"
    Image.effect_noise((320, 200), 40).convert("RGB").save(path)
    return path


def settle(qtbot, window) -> None:
    """Until every page has shown what the case is now (the plan of step 4 included)."""
    bundle = window.bundle_page
    chain = find_by_name(window, "Chain")

    def settled() -> bool:
        facts = bundle.facts
        return (
            chain.topLevelItemCount() == 1
            and facts is not None
            and facts.key == build_key(bundle.case())  # the case as built
            and not bundle._replan_timer.isActive()
        )

    qtbot.waitUntil(settled, timeout=30000)
    window.controller.pool.waitForDone(10000)
    qtbot.wait(400)  # what the last results start (a re-plan is debounced by 300 ms)
    window.controller.pool.waitForDone(10000)
    qtbot.waitUntil(settled, timeout=30000)


def open_case(window, screenshot: Path) -> None:
    window.controller.update(
        site="support.example.com",
        appliances=(
            ApplianceEntry("primary.example.com", Role.PRIMARY, screenshot=str(screenshot)),
        ),
    )
    window.controller._anchors_loaded(NO_ANCHORS)


def test_a_drop_reads_each_file_once_and_judges_it_once(
    qtbot, window, counts, chain_files, screenshot
) -> None:
    open_case(window, screenshot)
    window.bundle_page  # noqa: B018 - step 4 exists and plans: its reads count too
    qtbot.wait(500)
    counts.reset()
    assert drop_files(window, chain_files, QPointF(20, 20))
    settle(qtbot, window)
    for path in chain_files:
        assert counts.opens[str(path)] == 1, f"{path.name} opened {counts.opens[str(path)]} times"
        assert counts.judged[str(path)] == 1, f"{path.name} judged {counts.judged[str(path)]} times"


def test_a_keystroke_in_the_site_or_incident_reads_no_file(
    qtbot, window, counts, chain_files, screenshot
) -> None:
    open_case(window, screenshot)
    window.bundle_page  # noqa: B018
    window.add_paths(chain_files)
    settle(qtbot, window)
    counts.reset()
    qtbot.keyClicks(find_by_name(window, "Incident number"), "42")
    settle(qtbot, window)
    site = find_by_name(window, "Site hostname")
    site.selectAll()
    qtbot.keyClicks(site, "primary.example.com")
    settle(qtbot, window)
    assert window.controller.case.incident == "42"
    assert window.controller.case.site == "primary.example.com"
    case_files = [str(p) for p in (*chain_files, screenshot)]
    assert {p: counts.opens[p] for p in case_files if counts.opens[p]} == {}
    assert {p: counts.judged[p] for p in case_files if counts.judged[p]} == {}


def test_the_screenshot_is_read_once_for_its_preview_and_the_plans(
    qtbot, window, counts, chain_files, screenshot
) -> None:
    counts.reset()
    open_case(window, screenshot)
    window.bundle_page  # noqa: B018
    window.steps.setCurrentRow(2)  # the Screenshot step shows its preview
    window.add_paths(chain_files)
    status = find_by_name(window, "Screenshot status")
    qtbot.waitUntil(lambda: status.text().startswith("Saved as status.png"), timeout=20000)
    settle(qtbot, window)
    assert counts.opens[str(screenshot)] == 1
    assert counts.judged[str(screenshot)] == 1


def test_a_dropped_screenshot_is_read_once(qtbot, window, counts, tmp_path) -> None:
    picture = tmp_path / "from-my-browser.png"
    Image.effect_noise((320, 200), 40).convert("RGB").save(picture)
    window.controller.update(
        site="support.example.com",
        appliances=(ApplianceEntry("primary.example.com", Role.PRIMARY),),
    )
    window.screenshot_page  # noqa: B018 - the step that shows it exists
    counts.reset()
    assert drop_files(window, [picture], QPointF(20, 20))
    status = find_by_name(window, "Screenshot status")
    qtbot.waitUntil(lambda: status.text().startswith("Saved as"), timeout=20000)
    window.controller.pool.waitForDone(10000)
    assert window.controller.case.appliances[0].screenshot  # it became the screenshot
    assert counts.opens[str(picture)] == 1
    assert counts.judged[str(picture)] == 1
