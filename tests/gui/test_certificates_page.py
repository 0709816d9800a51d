"""Step 2: a folder of 1,000 files is checked in the background with progress and Cancel;
the chain, coverage, expiry and trust come from the core's report."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from PySide6.QtCore import Qt, QTimer

from bundleguard.case.model import ApplianceEntry, Role
from bundleguard.case.steps import Step
from bundleguard.certs.anchors import NO_ANCHORS
from bundleguard.gui.certificates_page import UPDATE
from bundleguard.probe.fake import FakePKI
from tests.gui.conftest import find_by_name


def test_a_thousand_files_are_scanned_while_the_window_keeps_running(
    qtbot, window, tmp_path
) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for number in range(1000):
        (folder / f"note-{number:04d}.txt").write_text(f"just a note {number}\n")
    page = window.certificates_page
    # Every step's page is built first (the window builds them after its first paint):
    # what is measured is the loop while the worker scans, not while pages are made.
    pages = (window.screenshot_page, window.bundle_page, window.replicate_page)
    assert all(pages)
    window.controller.pool.waitForDone(10000)
    qtbot.wait(200)
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(10)
    progress: list[tuple[int, int]] = []
    finished: list[float] = []
    page.filesScanned.connect(lambda *_: finished.append(time.perf_counter()))
    started = time.perf_counter()
    signals = page.add_paths([folder])
    signals.progress.connect(lambda d, t, _s: progress.append((d, t)))
    with qtbot.waitSignal(page.filesScanned, timeout=120000):
        pass
    qtbot.wait(300)  # the list is filled in the slot: its time counts too
    timer.stop()
    assert len(window.controller.case.files) == 1000
    assert progress[-1] == (1000, 1000)
    assert 1 < len(progress) <= 1000 // 25 + 2  # in batches, not per file
    # The event loop ran while the worker scanned (how long it may stall is measured in
    # benchmarks/gui_stall_bench.py, never asserted as a time here).
    during = [t for t in ticks if started < t < finished[0]]
    assert len(during) >= 3
    row = find_by_name(window, "Files").model().index(0, 0)
    assert row.data() == "note-0000.txt — refused"


def test_cancel_stops_the_scan_and_adds_nothing(qtbot, window, tmp_path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for number in range(1000):
        (folder / f"n{number}.txt").write_text("x\n")
    page = window.certificates_page
    window.show_step(Step.CERTIFICATES)
    signals = page.add_paths([folder])
    assert find_by_name(window, "Cancel scan").isVisibleTo(window)
    with qtbot.waitSignal(signals.cancelled, timeout=30000):
        find_by_name(window, "Cancel scan").click()
    assert window.controller.case.files == ()
    assert not find_by_name(window, "Cancel scan").isVisibleTo(window)


def test_chain_coverage_expiry_and_trust_in_words(qtbot, window, tmp_path) -> None:
    pki = FakePKI("Page Test")
    served = pki.issue(["support.example.com", "primary.example.com"])
    for cert, name in (
        (served.leaf, "leaf.crt"),
        (pki.intermediate, "int.crt"),
        (pki.root, "r.crt"),
    ):
        (tmp_path / name).write_bytes(cert.public_bytes(Encoding.PEM))
    window.controller.update(
        site="support.example.com",
        appliances=(
            ApplianceEntry("primary.example.com", Role.PRIMARY),
            ApplianceEntry("backup.example.com", Role.BACKUP),
        ),
    )
    window.controller._anchors_loaded(NO_ANCHORS)
    window.add_paths([tmp_path / n for n in ("r.crt", "leaf.crt", "int.crt")])
    chain = find_by_name(window, "Chain")
    qtbot.waitUntil(lambda: chain.topLevelItemCount() == 1, timeout=20000)
    leaf = chain.topLevelItem(0)
    assert leaf.text(0) == "leaf: support.example.com"
    assert leaf.child(0).text(0).startswith("intermediate: ")
    assert leaf.child(0).child(0).text(0).startswith("root: ")
    grid = find_by_name(window, "Coverage")
    cells = {grid.item(r, 0).text(): grid.item(r, 1).text() for r in range(grid.rowCount())}
    assert cells == {
        "support.example.com": "covered",
        "primary.example.com": "covered",
        "backup.example.com": "not covered",
    }
    assert find_by_name(window, "Expiry").text().startswith("Expires: ")
    assert find_by_name(window, "Trust").text() == UPDATE  # said once, not twice


def test_a_dark_palette_gives_a_light_red_that_reads_on_it(qtbot, window, tmp_path) -> None:
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QApplication

    (tmp_path / "notes.txt").write_text("not a certificate\n")
    window.add_paths([tmp_path / "notes.txt"])
    files = find_by_name(window, "Files")
    qtbot.waitUntil(
        lambda: files.model().rowCount() == 1 and "refused" in files.model().index(0, 0).data()
    )
    app = QApplication.instance()
    before = app.palette()
    try:
        dark = QPalette(before)
        dark.setColor(QPalette.ColorRole.Window, QColor(30, 30, 30))
        dark.setColor(QPalette.ColorRole.Base, QColor(20, 20, 20))
        dark.setColor(QPalette.ColorRole.Text, QColor(230, 230, 230))
        app.setPalette(dark)
        qtbot.waitUntil(
            lambda: (
                files.model().index(0, 0).data(Qt.ItemDataRole.ForegroundRole).color().lightness()
                > 150
            )
        )
    finally:
        app.setPalette(before)
    qtbot.waitUntil(
        lambda: (
            files.model().index(0, 0).data(Qt.ItemDataRole.ForegroundRole).color().lightness() < 128
        )
    )


def test_a_chain_without_its_issuers_is_not_called_publicly_trusted(qtbot, window, tmp_path):
    served = FakePKI("Lone Leaf").issue(["support.example.com"])
    (tmp_path / "leaf.crt").write_bytes(served.leaf.public_bytes(Encoding.PEM))
    window.controller.update(site="support.example.com")
    window.controller._anchors_loaded(NO_ANCHORS)
    window.add_paths([tmp_path / "leaf.crt"])
    trust = find_by_name(window, "Trust")
    qtbot.waitUntil(lambda: trust.text().startswith("Software update needed: not"), timeout=20000)
    assert trust.text().startswith("Software update needed: not known — cannot tell who issued it")


def test_tooltips_show_file_names_and_certificate_names_as_text(qtbot, window, tmp_path):
    served = FakePKI("Tip").issue(["support.example.com", "<b>bold</b>.example.com"])
    path = tmp_path / "<img src=x>.crt"
    path.write_bytes(served.leaf.public_bytes(Encoding.PEM))
    window.controller._anchors_loaded(NO_ANCHORS)
    window.add_paths([path])
    files = find_by_name(window, "Files")
    qtbot.waitUntil(lambda: "accepted" in (files.model().index(0, 0).data() or ""), timeout=20000)
    tip = files.model().index(0, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "&lt;img src=x&gt;.crt" in tip and "<img" not in tip
    chain = find_by_name(window, "Chain")
    qtbot.waitUntil(lambda: chain.topLevelItemCount() == 1, timeout=20000)
    names = chain.topLevelItem(0).toolTip(0)
    assert "&lt;b&gt;bold&lt;/b&gt;.example.com" in names and "<b>" not in names


def test_selecting_a_refused_file_shows_its_reason_without_reading_it(
    qtbot, window, tmp_path
) -> None:
    import builtins
    import io
    import os
    import threading

    from tests.certs import pki

    chain = pki.make_chain(["support.example.com"])
    big = tmp_path / "big.log"
    # A log with a certificate in it, refused: the page offers to extract the certificate.
    big.write_bytes(b"x" * (3 << 20) + pki.pem(chain.leaf) + b"notes\n" * 1000)
    (tmp_path / "notes.txt").write_text("not a certificate\n")
    window.controller._anchors_loaded(NO_ANCHORS)
    window.add_paths([tmp_path / "notes.txt", big])
    files = find_by_name(window, "Files")
    qtbot.waitUntil(
        lambda: (
            files.model().rowCount() == 2
            and all("checking" not in files.model().index(r, 0).data() for r in range(2))
        ),
        timeout=30000,
    )
    window.controller.pool.waitForDone(10000)
    opened: list[str] = []
    gui = threading.current_thread()

    def counted(real):
        def open_on_gui_thread(file, *args, **kwargs):
            if threading.current_thread() is gui and not isinstance(file, int):
                opened.append(os.fspath(file))
            return real(file, *args, **kwargs)

        return open_on_gui_thread

    model = files.model()
    files.setCurrentIndex(model.index(0, 0))
    row = next(r for r in range(2) if model.index(r, 0).data().startswith("big.log"))
    with pytest.MonkeyPatch.context() as patch:
        for module, name in ((builtins, "open"), (io, "open"), (os, "open")):
            patch.setattr(module, name, counted(getattr(module, name)))
        files.setCurrentIndex(model.index(0 if row else 1, 0))
        files.setCurrentIndex(model.index(row, 0))
        reason = find_by_name(window, "Reason").text()
    assert reason.startswith("big.log: refused.")
    assert find_by_name(window, "Extract the certificates").isVisibleTo(window)
    assert [f for f in opened if f.endswith(("big.log", "notes.txt"))] == []
