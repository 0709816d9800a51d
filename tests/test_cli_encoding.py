"""The command line on a console whose code page lacks a file name's characters (Windows'
cp1252, a C locale): the report is written with escapes, never an "unexpected error"."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize("json", [False, True])
def test_a_file_name_outside_the_console_code_page_is_reported_not_a_crash(tmp_path, json):
    name = tmp_path / "日本-ключ.pem"
    try:
        name.write_bytes(b"")
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system cannot hold the name")
    env = dict(os.environ, PYTHONIOENCODING="cp1252")
    command = [
        sys.executable,
        "-m",
        "bundleguard",
        "scan",
        *(["--json"] if json else []),
        str(name),
    ]

    done = subprocess.run(command, capture_output=True, env=env, timeout=120, check=False)

    assert done.returncode == 0, done.stderr.decode("cp1252", "replace")
    assert b"unexpected error" not in done.stderr
    out = done.stdout.decode("cp1252")
    assert "refused" in out and "-\\u043a" in out  # the name, escaped, not lost
