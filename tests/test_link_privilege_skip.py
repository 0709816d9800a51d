"""On Windows without the right to make links, a test that plants one is skipped, with
the reason, and any other OSError still fails the test (the platform faked)."""

from __future__ import annotations

from pathlib import Path

pytest_plugins = ["pytester"]

INNER = """
import sys


class WindowsError_(OSError):
    winerror = {code}


def test_plants_a_link(monkeypatch):
    monkeypatch.setattr(sys, "platform", "{platform}")
    raise WindowsError_(22, "A required privilege is not held by the client")
"""


def run_inner(pytester, code: int, platform: str):
    pytester.makeconftest((Path(__file__).parent / "conftest.py").read_text(encoding="utf-8"))
    pytester.makepyfile(INNER.format(code=code, platform=platform))
    return pytester.runpytest_inprocess("-rs", "-p", "no:cacheprovider")


def test_a_refused_link_on_windows_is_a_skip_that_says_why(pytester) -> None:
    result = run_inner(pytester, 1314, "win32")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*does not let this account create symbolic links*"])


def test_another_os_error_still_fails(pytester) -> None:
    run_inner(pytester, 5, "win32").assert_outcomes(failed=1)
    run_inner(pytester, 1314, "linux").assert_outcomes(failed=1)
