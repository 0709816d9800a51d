"""What every test shares, whatever its folder."""

from __future__ import annotations

import sys

import pytest

# Windows refuses to make a symbolic link unless Developer Mode is on or the process is
# elevated (ERROR_PRIVILEGE_NOT_HELD). Tests that plant links to prove we never follow
# them cannot set up their attack there; they are skipped with that reason, not failed.
ERROR_PRIVILEGE_NOT_HELD = 1314


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    try:
        return (yield)
    except OSError as error:
        if sys.platform == "win32" and getattr(error, "winerror", None) == (
            ERROR_PRIVILEGE_NOT_HELD
        ):
            pytest.skip(
                "Windows does not let this account create symbolic links "
                "(turn on Developer Mode to run this test)"
            )
        raise
