"""Each page's background work is one `workers.LatestJob` per kind: when two jobs of a
kind run and the first finishes last, only the second's result is shown (a stale
result or a stale failure never reaches the page)."""

from __future__ import annotations

import threading

from cryptography.hazmat.primitives.serialization import Encoding

from bundleguard.certs.anchors import NO_ANCHORS
from bundleguard.errors import InputError
from bundleguard.probe.fake import FakePKI
from tests.gui.conftest import find_by_name


class Stale:
    """A worker function for the first job: it waits for `release`, then fails (a
    result the page must never show, as a newer job was started meanwhile)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = threading.Event()
        self.ended = threading.Event()

    def __call__(self, *_args, **_kwargs):
        self.started.set()
        self.release.wait(10)
        self.ended.set()
        raise InputError("stale result from the first job")


def test_certificates_page_shows_the_latest_inspection_only(
    qtbot, window, tmp_path, monkeypatch
) -> None:
    from bundleguard.gui import certificates_page

    served = FakePKI("Latest").issue(["support.example.com"])
    (tmp_path / "leaf.crt").write_bytes(served.leaf.public_bytes(Encoding.PEM))
    window.controller._anchors_loaded(NO_ANCHORS)
    window.add_paths([tmp_path / "leaf.crt"])
    chain = find_by_name(window, "Chain")
    qtbot.waitUntil(lambda: chain.topLevelItemCount() == 1, timeout=20000)
    window.controller.pool.waitForDone(10000)
    qtbot.wait(100)
    real = certificates_page.inspect_case
    stale = Stale()
    page = window.certificates_page
    monkeypatch.setattr(certificates_page, "inspect_case", stale)
    page.inspect()  # the first: it finishes last, with a failure
    monkeypatch.setattr(certificates_page, "inspect_case", real)
    page.inspect()  # the second: it finishes first
    assert stale.started.wait(10)
    qtbot.wait(300)
    stale.release.set()
    assert stale.ended.wait(10)
    window.controller.pool.waitForDone(10000)
    qtbot.wait(100)
    findings = find_by_name(window, "Findings")
    assert "stale result" not in findings.text()
    assert chain.topLevelItemCount() == 1


def test_export_section_shows_the_latest_open_only(qtbot, window, tmp_path, monkeypatch) -> None:
    from bundleguard.gui.replicate import export

    section = window.replicate_page.export
    window.controller.pool.waitForDone(10000)
    first = tmp_path / "first.p12"
    second = tmp_path / "second.p12"
    first.write_bytes(b"not a pkcs12 at all")
    second.write_bytes(b"not a pkcs12 either")
    real = export.open_export
    stale = Stale()
    monkeypatch.setattr(export, "open_export", stale)
    section.add_pkcs12(first)  # finishes last, with a failure of its own
    monkeypatch.setattr(export, "open_export", real)
    section.add_pkcs12(second)
    problem = find_by_name(section, "Export problem")
    qtbot.waitUntil(lambda: "second.p12" in problem.text(), timeout=10000)
    stale.release.set()
    assert stale.ended.wait(10)
    window.controller.pool.waitForDone(10000)
    qtbot.wait(100)
    assert "second.p12" in problem.text() and "stale result" not in problem.text()
    assert "first.p12" not in find_by_name(section, "Exported PKCS#12 file").text()


def test_screenshot_page_shows_the_latest_picture_of_an_appliance_only(
    qtbot, tmp_path, monkeypatch
) -> None:
    from bundleguard.gui import screenshot
    from tests.capture.fakes import desktop_picture

    page = screenshot.ScreenshotPage(lambda: tmp_path / "case", strategies=[])
    qtbot.addWidget(page)
    page.set_appliances(["primary.example.com"], {})
    page.show()
    picture = tmp_path / "second.png"
    desktop_picture(400, 300).save(picture)
    real = screenshot._decoded_file
    stale = Stale()
    monkeypatch.setattr(screenshot, "_decoded_file", stale)
    assert page.use_file(tmp_path / "first.png")  # its answer comes after the second began
    assert stale.started.wait(10)
    monkeypatch.setattr(screenshot, "_decoded_file", real)
    assert page.use_file(picture)
    stale.release.set()
    assert page.wait_for_jobs(20000)
    qtbot.wait(100)
    status = find_by_name(page, "Screenshot status")
    assert (
        status.text()
        == f"Saved as {screenshot.screenshot_file_name('primary.example.com')} (400×300 pixels)."
    )
    saved = tmp_path / "case" / screenshot.screenshot_file_name("primary.example.com")
    assert saved.is_file()


def test_bundle_page_shows_the_plan_of_the_latest_case_only(qtbot, window, monkeypatch) -> None:
    from bundleguard.case.readiness import build_key
    from bundleguard.gui import bundle_page

    page = window.bundle_page
    window.controller._anchors_loaded(NO_ANCHORS)
    window.controller.update(site="support.example.com")
    reason = find_by_name(window, "Bundle readiness")
    qtbot.waitUntil(
        lambda: page.facts is not None and page.facts.key == build_key(page.case()),
        timeout=20000,
    )
    real = bundle_page.plan_for_page
    stale = Stale()
    monkeypatch.setattr(bundle_page, "plan_for_page", stale)
    window.controller.update(incident="INC-1")  # planned by the first job: it ends last
    qtbot.waitUntil(stale.started.is_set, timeout=10000)
    monkeypatch.setattr(bundle_page, "plan_for_page", real)
    window.controller.update(incident="INC-2")  # the second job
    qtbot.waitUntil(
        lambda: page.facts is not None and page.facts.key == build_key(page.case()),
        timeout=20000,
    )
    stale.release.set()
    assert stale.ended.wait(10)
    window.controller.pool.waitForDone(10000)
    qtbot.wait(100)
    assert "stale result" not in reason.text()
    assert page.facts is not None and page.facts.key == build_key(page.case())
    assert page.readiness is not None and page.readiness.checked
