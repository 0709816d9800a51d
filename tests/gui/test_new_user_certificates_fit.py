"""Step 2 at the window's first size (1000×640, what a 1280×720 screen gives it): with an
incomplete chain, four names to cover and its findings, nothing is drawn over anything
else, and the file list still shows its rows (found by a new user: "Expires: …" was
painted over the last coverage row, and the file list squeezed to two rows and a half)."""

from __future__ import annotations

import contextlib
import itertools
from pathlib import Path

from pytestqt.exceptions import TimeoutError

from bundleguard.case.model import ApplianceEntry, Role
from bundleguard.case.steps import Step
from bundleguard.certs.anchors import NO_ANCHORS
from bundleguard.gui.placement import DEFAULT_SIZE
from tests.certs import pki
from tests.gui.conftest import find_by_name

SITE = "access.acme.example"
HOSTS = ("pri.acme.example", "bak.acme.example", "node1.acme.example")


def _files(tmp_path: Path) -> list[Path]:
    chain = pki.make_chain([SITE, *HOSTS[:2]])
    leaf = tmp_path / "access.acme.example.crt"
    leaf.write_bytes(pki.pem(chain.leaf))
    root = tmp_path / "root.crt"  # no intermediate: the chain is incomplete
    root.write_bytes(pki.pem(chain.root))
    keyed = tmp_path / "leaf-with-key.pem"
    keyed.write_bytes(pki.pem(chain.leaf) + pki.key_pem(chain.leaf_key))
    return [leaf, root, keyed]


def test_step_2_at_the_first_window_size_draws_nothing_over_anything(qtbot, window, tmp_path):
    window.resize(*DEFAULT_SIZE)
    roles = (Role.PRIMARY, Role.BACKUP, Role.NODE)
    window.controller.update(
        site=SITE, appliances=tuple(ApplianceEntry(h, r) for h, r in zip(HOSTS, roles, strict=True))
    )
    page = window.certificates_page
    window.show_step(Step.CERTIFICATES)
    window.controller._anchors_loaded(NO_ANCHORS)
    with qtbot.waitSignal(page.filesScanned, timeout=20000):
        page.add_paths(_files(tmp_path))
    files = find_by_name(window, "Files")
    files.setCurrentIndex(files.model().index(2, 0))  # the refused file: its reason shows
    coverage = find_by_name(window, "Coverage")
    expiry = find_by_name(window, "Expiry")
    findings = find_by_name(window, "Findings")
    qtbot.waitUntil(lambda: coverage.rowCount() == 4 and "incomplete" in findings.text())
    qtbot.waitUntil(lambda: expiry.text().startswith("Expires:"))
    reason, chain, trust = (find_by_name(window, n) for n in ("Reason", "Chain", "Trust"))
    parts = (files, reason, chain, coverage, expiry, trust, findings)

    def overlaps() -> list[str]:
        shown = [w for w in parts if w.isVisible()]
        return [
            f"{above.accessibleName()!r} {above.geometry()} is drawn over "
            f"{below.accessibleName()!r} {below.geometry()}"
            for above, below in itertools.pairwise(shown)
            if above.geometry().bottom() >= below.geometry().top()
        ]

    with contextlib.suppress(TimeoutError):  # laid out once the events are processed
        qtbot.waitUntil(lambda: not overlaps(), timeout=1000)
    assert overlaps() == []
    # Nor does the window grow past its size to make room (off a 1280×720 screen).
    assert window.height() <= DEFAULT_SIZE[1], window.size()
    # The file list shows its three files whole.
    row = files.sizeHintForRow(0)
    assert files.viewport().height() >= 3 * row, (files.viewport().height(), row)


def test_step_2_does_not_scroll_when_the_window_has_room(qtbot, window, tmp_path):
    """Its scroll bar is for a short window only: with three files and no findings the
    page's last line is in sight at the first window size (no table at its full height
    pushing it below)."""
    window.resize(*DEFAULT_SIZE)
    chain = pki.make_chain([SITE])
    paths = []
    for name, cert in (("leaf.crt", chain.leaf), ("root.crt", chain.root)):
        paths.append(tmp_path / name)
        paths[-1].write_bytes(pki.pem(cert))
    paths.append(tmp_path / "intermediate.crt")
    paths[-1].write_bytes(pki.pem(*chain.intermediates))
    window.controller.update(site=SITE, appliances=(ApplianceEntry(HOSTS[0], Role.PRIMARY),))
    page = window.certificates_page
    window.show_step(Step.CERTIFICATES)
    window.controller._anchors_loaded(NO_ANCHORS)
    with qtbot.waitSignal(page.filesScanned, timeout=20000):
        page.add_paths(paths)
    trust = find_by_name(window, "Trust")
    qtbot.waitUntil(lambda: trust.text().startswith("Software update needed: yes"))

    def bottom() -> int:
        return trust.mapTo(page, trust.rect().bottomLeft()).y()

    with contextlib.suppress(TimeoutError):  # laid out once the events are processed
        qtbot.waitUntil(lambda: bottom() < page.height(), timeout=1000)
    assert bottom() < page.height(), (bottom(), page.height())
