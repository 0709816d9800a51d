"""The demo's folder in the temp folder: made with a marker, and only such folders — real,
this user's, older than the running process, their maker gone — are removed at a start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import bundleguard.demo as demo
from bundleguard.demo import (
    DEMO_MARKER,
    DEMO_PREFIX,
    is_demo_folder,
    make_demo_folder,
    remove_demo_folder,
    remove_stale_demo_folders,
    stale_demo_folders,
)

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX owners and links")


def dead_pid() -> int:
    """The id of a process that has ended."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout)


def leftover(temp: Path, name: str = "abc123", *, pid: int | None = None, age: float = 3600):
    """A demo folder as a killed demo leaves it: marker, a PKCS#12, the marker `age` old."""
    folder = temp / f"{DEMO_PREFIX}{name}"
    (folder / "files").mkdir(parents=True)
    (folder / "files" / "exported-cert.crt").write_bytes(b"0\x82 a PKCS#12 stands here")
    marker = folder / DEMO_MARKER
    marker.write_text(json.dumps({"pid": pid if pid is not None else dead_pid()}))
    then = time.time() - age
    os.utime(marker, (then, then))
    return folder


def test_the_demo_folder_is_marked_with_its_maker(tmp_path: Path) -> None:
    folder = make_demo_folder(tmp_path)
    assert folder.parent == tmp_path and folder.name.startswith(DEMO_PREFIX)
    facts = json.loads((folder / DEMO_MARKER).read_text())
    assert facts["pid"] == os.getpid()
    assert is_demo_folder(folder)
    # Made by this very process, after it started: never stale, even if it were older.
    assert stale_demo_folders(time.time() + 60, tmp_path) == []
    assert remove_demo_folder(folder) and not folder.exists()


def test_a_leftover_is_removed_and_everything_else_is_kept(tmp_path: Path) -> None:
    gone = leftover(tmp_path, "killed")
    lookalike = tmp_path / f"{DEMO_PREFIX}lookalike"
    (lookalike / "files").mkdir(parents=True)  # the name, not the marker
    running = leftover(tmp_path, "running", pid=os.getpid())  # a demo window still open
    recent = leftover(tmp_path, "recent", age=-60)  # made after this process started
    elsewhere = leftover(tmp_path / "deeper", "nested")  # not directly in the temp folder
    unprefixed = tmp_path / "my-folder"
    unprefixed.mkdir()
    (unprefixed / DEMO_MARKER).write_text("{}")
    plain_file = tmp_path / f"{DEMO_PREFIX}file"
    plain_file.write_text("not a folder")

    removed = remove_stale_demo_folders(time.time(), tmp_path)

    assert removed == [gone] and not gone.exists()
    for kept in (lookalike, running, recent, elsewhere, unprefixed, plain_file):
        assert kept.exists(), kept


@posix_only
def test_a_link_to_a_marked_folder_is_never_followed(tmp_path: Path) -> None:
    target = leftover(tmp_path / "home", "precious")
    link = tmp_path / f"{DEMO_PREFIX}link"
    link.symlink_to(target, target_is_directory=True)
    marker_link = tmp_path / f"{DEMO_PREFIX}markerlink"
    marker_link.mkdir()
    (marker_link / DEMO_MARKER).symlink_to(target / DEMO_MARKER)
    assert remove_stale_demo_folders(time.time(), tmp_path) == []
    assert (target / "files" / "exported-cert.crt").is_file() and link.is_symlink()
    assert marker_link.is_dir()
    assert not remove_demo_folder(link) and link.is_symlink() and target.is_dir()


@posix_only
def test_another_users_folder_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = leftover(tmp_path, "theirs")
    monkeypatch.setattr(os, "getuid", lambda: os.lstat(folder).st_uid + 1)
    assert remove_stale_demo_folders(time.time(), tmp_path) == []
    assert folder.is_dir()


def test_on_windows_the_kernel_is_asked_whether_the_maker_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    killed = leftover(tmp_path, "killed", pid=4242)
    alive = leftover(tmp_path, "alive", pid=4343)
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.delattr(os, "getuid", raising=False)  # Windows has none

    def no_kill(*_args):
        raise AssertionError("os.kill(pid, 0) sends Ctrl+C on Windows")

    monkeypatch.setattr(os, "kill", no_kill)
    asked: list[int] = []
    monkeypatch.setattr(
        demo, "_windows_process_alive", lambda pid: asked.append(pid) or pid == 4343
    )
    assert remove_stale_demo_folders(time.time(), tmp_path) == [killed]
    assert sorted(asked) == [4242, 4343] and alive.is_dir() and not killed.exists()
