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


class Gate:
    """Wraps a worker function: its first call waits for `release` and then does
    `first` (return a value or raise); later calls run the real function."""

    def __init__(self, real, first) -> None:
        self.real = real
        self.first = first
        self.release = threading.Event()
        self.calls = 0
        self.first_ended = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, *args, **kwargs):
        with self._lock:
            self.calls += 1
            number = self.calls
        if number > 1:
            # `Task` offers cancel= and progress= to a wrapper: pass on what the real takes.
            from bundleguard.gui.workers import _accepts

            wanted = {k: v for k, v in kwargs.items() if _accepts(self.real, k)}
            return self.real(*args, **wanted)
        self.release.wait(10)
        try:
            return self.first(*args, **kwargs)
        finally:
            self.first_ended.set()


def _stale_failure(*_args, **_kwargs):
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
    gate = Gate(certificates_page.inspect_case, _stale_failure)
    monkeypatch.setattr(certificates_page, "inspect_case", gate)
    page = window.certificates_page
    page.inspect()  # the first: it finishes last, with a failure
    page.inspect()  # the second: it finishes first
    qtbot.waitUntil(lambda: gate.calls == 2, timeout=10000)
    window.controller.pool.waitForDone(100)
    qtbot.wait(100)
    gate.release.set()
    assert gate.first_ended.wait(10)
    window.controller.pool.waitForDone(10000)
    qtbot.wait(100)
    findings = find_by_name(window, "Findings")
    assert "stale result" not in findings.text()
    assert chain.topLevelItemCount() == 1
