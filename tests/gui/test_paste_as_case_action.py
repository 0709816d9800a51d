"""The window keeps pasted certificate text through the case action
(`case.paste.paste_certificate_text`), in a worker: a pasted private key is refused with the
guard's reason and nothing is written; a certificate becomes `pasted-N.pem` of the case."""

from __future__ import annotations

import threading

from PySide6.QtGui import QGuiApplication

from bundleguard.case import paste
from tests.certs import pki
from tests.guard import keyforge
from tests.gui.conftest import find_by_name


def test_the_window_pastes_through_the_case_action(qtbot, window, monkeypatch) -> None:
    calls: list[bool] = []
    real = paste.paste_certificate_text

    def counted(*args, **kwargs):
        calls.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(paste, "paste_certificate_text", counted)
    files_dir = window.controller.files_dir

    QGuiApplication.clipboard().setText(keyforge.pkcs8_pem(keyforge.ec_key()).decode())
    window.paste()
    problem = window.certificates_page.problem
    qtbot.waitUntil(lambda: "not saved" in problem.text(), timeout=10000)
    assert "private key" in problem.text().lower()  # the guard's reason, in plain words
    assert calls == [False]  # the action ran, in a worker
    assert not list(files_dir.glob("pasted-*")) if files_dir.exists() else True

    cert = pki.pem(pki.self_signed(["primary.example.com"]).leaf)
    QGuiApplication.clipboard().setText(cert.decode())
    window.paste()
    files = find_by_name(window, "Files")
    qtbot.waitUntil(lambda: files.model().rowCount() == 1, timeout=20000)
    assert calls == [False, False]
    assert (files_dir / "pasted-1.pem").read_bytes() == cert
    window.controller.shutdown()
