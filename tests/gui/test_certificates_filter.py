"""Step 2 with many files: a count, a "Show" filter (All, Refused, Accepted) and "Remove all
refused"; "Add files…" offers a certificate filter and starts in the folder last used."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from bundleguard.case.steps import Step
from bundleguard.certs.anchors import NO_ANCHORS
from tests.certs import pki
from tests.gui.conftest import find_by_name


def _files(tmp_path: Path) -> list[Path]:
    chain = pki.make_chain(["support.example.com"])
    paths = []
    for number, cert in enumerate(chain.certs):
        path = tmp_path / f"cert-{number}.crt"
        path.write_bytes(pki.pem(cert))
        paths.append(path)
    for name in ("notes.txt", "readme.md"):
        (tmp_path / name).write_text("not a certificate\n")
        paths.append(tmp_path / name)
    key = tmp_path / "server.key"
    key.write_bytes(pki.key_pem(chain.leaf_key))
    paths.append(key)
    return paths


def _rows(view) -> list[str]:
    model = view.model()
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def test_the_count_the_filter_and_remove_all_refused(qtbot, window, tmp_path) -> None:
    page = window.certificates_page
    window.show_step(Step.CERTIFICATES)
    window.controller._anchors_loaded(NO_ANCHORS)
    with qtbot.waitSignal(page.filesScanned, timeout=20000):
        page.add_paths(_files(tmp_path))
    count = find_by_name(window, "File count")
    qtbot.waitUntil(lambda: count.text() == "6 files: 3 accepted, 3 refused", timeout=20000)
    files = find_by_name(window, "Files")
    show = find_by_name(window, "Show")
    assert [show.itemText(i) for i in range(show.count())] == ["All", "Refused", "Accepted"]
    assert len(_rows(files)) == 6

    show.setCurrentText("Refused")
    assert sorted(_rows(files)) == [
        "notes.txt — refused",
        "readme.md — refused",
        "server.key — refused — holds a private key",
    ]
    assert count.text() == "6 files: 3 accepted, 3 refused (3 shown)"
    show.setCurrentText("Accepted")
    assert all("accepted (certificate)" in row for row in _rows(files))
    assert len(_rows(files)) == 3

    show.setCurrentText("All")
    find_by_name(window, "Remove all refused").click()
    qtbot.waitUntil(lambda: count.text() == "3 files: 3 accepted, 0 refused", timeout=5000)
    assert [Path(p).name for p in window.controller.case.files] == [
        "cert-0.crt",
        "cert-1.crt",
        "cert-2.crt",
    ]
    assert not find_by_name(window, "Remove all refused").isEnabled()


def test_remove_selected_removes_the_selected_rows_through_the_case(qtbot, window, tmp_path):
    page = window.certificates_page
    window.show_step(Step.CERTIFICATES)
    window.controller._anchors_loaded(NO_ANCHORS)
    with qtbot.waitSignal(page.filesScanned, timeout=20000):
        page.add_paths(_files(tmp_path)[:3])
    files = find_by_name(window, "Files")
    qtbot.waitUntil(lambda: files.model().rowCount() == 3, timeout=20000)
    selection = files.selectionModel()
    selection.select(files.model().index(1, 0), selection.SelectionFlag.Select)
    page.remove_selected()
    qtbot.waitUntil(lambda: files.model().rowCount() == 2, timeout=5000)
    assert [Path(p).name for p in window.controller.case.files] == ["cert-0.crt", "cert-2.crt"]


def test_add_files_offers_certificates_and_starts_in_the_last_folder(
    qtbot, window, tmp_path, monkeypatch
) -> None:
    from bundleguard.folders import config_dir

    first = tmp_path / "first"
    first.mkdir()
    cert = first / "leaf.crt"
    cert.write_bytes(pki.pem(pki.make_chain(["support.example.com"]).leaf))
    asked: list[tuple[str, str, str]] = []

    def fake(parent, caption, directory, filters):
        asked.append((caption, directory, filters))
        return [str(cert)], filters.split(";;")[0]

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(fake))
    # Nothing used yet: the user's Downloads, never the folder the app was started in.
    downloads = Path(os.environ["HOME"]) / "Downloads"
    downloads.mkdir(parents=True)
    page = window.certificates_page
    with qtbot.waitSignal(page.filesScanned, timeout=20000):
        find_by_name(window, "Add files").click()
    _caption, directory, filters = asked[0]
    assert Path(directory) == downloads
    offered = filters.split(";;")
    assert offered[0].startswith("Certificates (") and "*.crt" in offered[0]
    assert "*.p12" in offered[0] and "*.pem" in offered[0]
    assert offered[-1] == "All files (*)"

    # The second time, it starts where the first file came from (kept in the config folder,
    # a folder name and nothing else).
    def cancelled(parent, caption, directory, filters):
        asked.append((caption, directory, filters))
        return [], ""

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(cancelled))
    find_by_name(window, "Add files").click()
    assert asked[1][1] == str(first)
    kept = list(config_dir().iterdir())
    assert [p.name for p in kept if "folder" in p.name] == ["last-added-folder"]
    assert (config_dir() / "last-added-folder").read_bytes() == str(first).encode()


def test_a_remembered_folder_that_is_gone_is_not_offered(tmp_path) -> None:
    from bundleguard.gui.details import last_added_folder, remember_added_folder

    gone = tmp_path / "gone"
    gone.mkdir()
    remember_added_folder(gone)
    assert last_added_folder() == gone
    gone.rmdir()
    assert last_added_folder() is None
