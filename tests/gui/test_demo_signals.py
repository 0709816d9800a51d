"""The demo ends cleanly when the system asks: a real `bundleguard --demo` process, sent
SIGTERM or SIGHUP (logout, `kill`), stops its fake appliances, removes its folder (with its
PKCS#12) and exits; a folder a killed demo left is removed at the next start."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bundleguard.demo import DEMO_MARKER, DEMO_PREFIX, EXPORTED_NAME
from tests.gui.conftest import ROOT

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def environment(base: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUNDLEGUARD_")}
    temp = base / "tmp"
    temp.mkdir(exist_ok=True)
    env.update(
        TMPDIR=str(temp),
        HOME=str(base / "home"),
        BUNDLEGUARD_CONFIG_DIR=str(base / "config"),
        BUNDLEGUARD_DATA_DIR=str(base / "data"),
        QT_QPA_PLATFORM="offscreen",
        **extra,
    )
    return env


def start(base: Path, *args: str, **extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bundleguard", *args],
        env=environment(base, **extra),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def demo_folders(temp: Path) -> list[Path]:
    return sorted(p for p in temp.iterdir() if p.name.startswith(DEMO_PREFIX))


def wait_for_the_demo(process: subprocess.Popen, temp: Path, timeout: float = 60) -> Path:
    """The demo's folder once its files and its case are written (the window is being shown
    then: its signal handlers were set before the folder was made)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        for folder in demo_folders(temp):
            ready = (folder / "files" / EXPORTED_NAME, folder / "cases")
            if all(path.exists() for path in ready):
                return folder
        time.sleep(0.1)
    process.kill()
    pytest.fail("the demo's folder did not appear")


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_a_demo_told_to_end_removes_its_folder_and_exits(tmp_path: Path, name: str) -> None:
    process = start(tmp_path, "--demo")
    folder = wait_for_the_demo(process, tmp_path / "tmp")
    number = getattr(signal, name)
    process.send_signal(number)
    try:
        _out, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"the demo did not end after {name}")
    assert not folder.exists()  # its PKCS#12 with it
    assert demo_folders(tmp_path / "tmp") == []
    assert process.returncode == 128 + number, err
    assert "Traceback" not in err


def test_a_leftover_demo_folder_goes_at_the_next_start_and_a_look_alike_stays(
    tmp_path: Path,
) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    leftover = temp / f"{DEMO_PREFIX}killed"
    (leftover / "files").mkdir(parents=True)
    (leftover / "files" / EXPORTED_NAME).write_bytes(b"a PKCS#12 with its key")
    marker = leftover / DEMO_MARKER
    marker.write_text(json.dumps({"pid": int(ended.stdout)}))
    an_hour_ago = time.time() - 3600
    os.utime(marker, (an_hour_ago, an_hour_ago))
    lookalike = temp / f"{DEMO_PREFIX}lookalike"
    (lookalike / "files").mkdir(parents=True)
    (lookalike / "files" / "keep.txt").write_text("not the demo's")

    process = start(tmp_path, BUNDLEGUARD_EXIT_AFTER_PAINT="1")
    out, err = process.communicate(timeout=60)

    assert process.returncode == 0, err
    assert "first-paint" in out
    assert not leftover.exists()
    assert (lookalike / "files" / "keep.txt").read_text() == "not the demo's"
