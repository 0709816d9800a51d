"""The one reader reads a file whole whatever its size says (a file that grew since, or one
that says 0 bytes, as /proc's do), never more than its limit."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bundleguard.files import FileTooLargeError, read_input_file


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc is Linux's")
def test_a_file_that_says_it_is_empty_is_still_read_whole() -> None:
    path = Path("/proc/self/status")
    assert path.stat().st_size == 0
    data = read_input_file(path)
    assert data.startswith(b"Name:") and b"\nPid:" in data


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc is Linux's")
def test_past_the_limit_it_stops_even_when_the_size_said_less() -> None:
    with pytest.raises(FileTooLargeError):
        read_input_file(Path("/proc/self/status"), limit=16)


def test_a_file_is_read_exactly(tmp_path: Path) -> None:
    path = tmp_path / "chain.pem"
    path.write_bytes(b"x" * 5000)
    assert read_input_file(path) == b"x" * 5000
    with pytest.raises(FileTooLargeError):
        read_input_file(path, limit=4999)
    assert read_input_file(path, limit=5000) == b"x" * 5000
