"""The case controller and the workers: autosave, reopen, background tasks' reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bundleguard.case.model import ApplianceEntry, CaseFileError, Role
from bundleguard.case.store import CaseStore
from bundleguard.errors import InputError
from bundleguard.gui import workers
from bundleguard.gui.controller import CaseController


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CaseStore:
    monkeypatch.setenv("BUNDLEGUARD_DATA_DIR", str(tmp_path / "data"))
    return CaseStore(tmp_path / "data")


def test_every_change_is_saved_and_found_again(qtbot, store: CaseStore) -> None:
    controller = CaseController(store, load_anchors=False)
    with qtbot.waitSignal(controller.caseChanged):
        controller.update(site="support.example.com")
    controller.update(appliances=(ApplianceEntry("b.example.com", Role.BACKUP),))
    saved = json.loads(controller.path.read_text())
    assert saved["site"] == "support.example.com"
    again = CaseController(store, load_anchors=False)
    assert again.path == controller.path
    assert again.case.appliances[0].hostname == "b.example.com"
    assert again.files_dir.is_dir()


def test_a_damaged_case_file_is_refused_and_the_case_kept(qtbot, store, tmp_path) -> None:
    controller = CaseController(store, load_anchors=False)
    controller.update(site="kept.example.com")
    damaged = tmp_path / "damaged.bgcase"
    damaged.write_bytes(b'{"format": "bundleguard-case", "version": 1, "site": ')
    with pytest.raises(CaseFileError):
        controller.open(damaged)
    assert damaged.read_bytes() == b'{"format": "bundleguard-case", "version": 1, "site": '
    assert controller.case.site == "kept.example.com"


def test_anchors_load_in_the_background(qtbot, store) -> None:
    controller = CaseController(store, load_anchors=False)
    assert controller.anchors is None
    with qtbot.waitSignal(controller.anchorsReady, timeout=30000):
        controller.load_anchors()
    assert controller.anchors is not None
    controller.shutdown()


def test_a_task_reports_progress_result_and_plain_failures(qtbot, store, caplog) -> None:
    controller = CaseController(store, load_anchors=False)
    seen = []

    def work(count: int, *, progress, cancel) -> int:
        for index in range(count):
            progress(index + 1, count, f"file {index + 1}")
        return count * 2

    task = workers.Task(work, 3)
    task.signals.progress.connect(lambda d, t, s: seen.append((d, t, s)))
    with qtbot.waitSignal(task.signals.done, timeout=5000) as blocker:
        workers.start(controller.pool, task)
    assert blocker.args == [6]
    assert seen[-1] == (3, 3, "file 3")

    def refuse() -> None:
        raise InputError("The file is not a certificate.")

    task = workers.Task(refuse)
    with qtbot.waitSignal(task.signals.failed, timeout=5000) as blocker:
        workers.start(controller.pool, task)
    assert blocker.args == ["The file is not a certificate."]

    planted = "-".join(("secret", "passphrase", str(123)))

    def crash() -> None:
        raise RuntimeError(planted)

    task = workers.Task(crash)
    with qtbot.waitSignal(task.signals.failed, timeout=5000) as blocker:
        workers.start(controller.pool, task)
    assert blocker.args == [workers.UNEXPECTED]
    assert "secret" not in blocker.args[0]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "RuntimeError" in logged and "crash" in logged
    assert "secret-passphrase-123" not in logged


def test_a_cancelled_task_says_cancelled(qtbot, store) -> None:
    controller = CaseController(store, load_anchors=False)

    def slow(*, cancel) -> None:
        while True:
            cancel.check()

    task = workers.Task(slow)
    with qtbot.waitSignal(task.signals.cancelled, timeout=5000):
        workers.start(controller.pool, task)
        task.cancel.set()
    controller.shutdown()
