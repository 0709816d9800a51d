"""`bundleguard.files.read_input_file`: only a regular file, never more than its limit."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from bundleguard.commands.passphrase import _read_file as read_passphrase_file
from bundleguard.errors import InputError
from bundleguard.files import FileTooLargeError, NotAFileError, read_input_file


def _within(seconds: float, call):
    """Run `call` in a thread; fail (instead of hanging the suite) if it does not return."""
    result: dict[str, object] = {}

    def target():
        try:
            result["value"] = call()
        except BaseException as error:  # handed back to the test
            result["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the reader blocked"
    if "error" in result:
        raise result["error"]
    return result["value"]


def test_a_regular_file_is_read(tmp_path):
    path = tmp_path / "chain.pem"
    path.write_bytes(b"data")
    assert read_input_file(path) == b"data"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.pem"
    os.mkfifo(fifo)
    with pytest.raises(NotAFileError, match="a pipe, not a file"):
        _within(5, lambda: read_input_file(fifo))


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_dev_zero_is_refused_unread():
    with pytest.raises(NotAFileError, match="a device"):
        _within(5, lambda: read_input_file("/dev/zero"))


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(NotAFileError, match="a folder"):
        read_input_file(tmp_path)


def test_a_file_past_its_limit_is_refused(tmp_path):
    path = tmp_path / "big.pem"
    path.write_bytes(b"x" * 1001)
    with pytest.raises(FileTooLargeError):
        read_input_file(path, limit=1000)
    assert read_input_file(path, limit=1001) == b"x" * 1001


def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_input_file(tmp_path / "missing.pem")


SECRET_NAME = "hunter2-typed-as-a-path"


@pytest.mark.parametrize("kind", ["missing", "folder", "too large", "fifo"])
def test_a_passphrase_file_name_is_never_echoed(tmp_path, kind):
    path = tmp_path / SECRET_NAME
    if kind == "folder":
        path.mkdir()
    elif kind == "too large":
        path.write_bytes(b"x" * (64 * 1024 + 1))
    elif kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs on this platform")
        os.mkfifo(path)
    with pytest.raises(InputError) as caught:
        _within(5, lambda: read_passphrase_file(str(path)))
    assert SECRET_NAME not in str(caught.value)
    assert "passphrase file" in str(caught.value)


def test_a_passphrase_file_within_its_limit_is_read(tmp_path):
    path = tmp_path / "pass.txt"
    path.write_bytes(b"correct horse\nignored\n")
    assert read_passphrase_file(str(path)) == b"correct horse"
