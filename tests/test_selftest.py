"""`bundleguard --selftest`: every check runs for real and says ok or FAILED, line by line."""

from __future__ import annotations

import importlib.util
import io
import os
import subprocess
import sys

import pytest

from bundleguard import selftest
from bundleguard.guard import Verdict

CHECK_NAMES = ["guard", "roots", "bundle", "probe", "qt", "refcounts", "window"]
WINDOW_EXISTS = importlib.util.find_spec("bundleguard.gui.window") is not None


def run_selftest() -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [sys.executable, "-m", "bundleguard", "--selftest"],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        check=False,
    )


def test_selftest_prints_one_line_per_check_and_exits_0_only_if_all_worked():
    result = run_selftest()

    lines = result.stdout.splitlines()
    assert lines[0].startswith("bundleguard ") and "self-test (from source)" in lines[0]
    by_name = {line.split()[1]: line for line in lines[1:-1]}
    assert list(by_name) == CHECK_NAMES
    for name in ("guard", "roots", "bundle", "probe", "qt", "refcounts"):
        assert by_name[name].startswith("ok "), by_name[name]
    assert "server.key secret" in by_name["guard"]
    assert "server.crt certificate" in by_name["guard"]
    assert "export.crt secret" in by_name["guard"]
    assert "verified" in by_name["bundle"]
    assert "chain complete" in by_name["probe"]
    assert "offscreen: PNG, JPEG, ICO, SVG" in by_name["qt"]
    assert "None, True and False keep their counts" in by_name["refcounts"] or (
        sys.version_info >= (3, 12) and "immortal" in by_name["refcounts"]
    )
    if WINDOW_EXISTS:
        assert by_name["window"].startswith("ok "), by_name["window"]
        assert result.returncode == 0
        assert lines[-1] == "self-test ok: all 7 checks"
    else:
        # Until the window lands, its check must fail, loudly, and so must the whole run.
        assert by_name["window"].startswith("FAILED "), by_name["window"]
        assert "MainWindow" in by_name["window"]
        assert result.returncode == 1
        assert lines[-1] == "self-test FAILED: 1 of 7 checks"
    assert "Traceback" not in result.stderr


def test_a_guard_that_misses_the_key_fails_the_selftest(monkeypatch):
    import bundleguard.guard

    real_scan = bundleguard.guard.scan_file

    def blind_scan(path, limits=None):
        report = real_scan(path, limits)
        if report.verdict == Verdict.SECRET:
            return real_scan(path.with_name("server.crt"), limits)
        return report

    monkeypatch.setattr(bundleguard.guard, "scan_file", blind_scan)
    out = io.StringIO()
    checks = [c for c in selftest.CHECKS if c.name in {"guard", "roots"}]

    code = selftest.main(out, checks)

    lines = out.getvalue().splitlines()
    assert code == 1
    assert lines[1].startswith("FAILED  guard")
    assert "server.key (key) was judged certificate, not secret" in lines[1]
    assert lines[2].startswith("ok      roots")
    assert lines[-1] == "self-test FAILED: 1 of 2 checks"


def test_a_check_that_crashes_fails_without_printing_its_message():
    def crashes(folder):
        raise RuntimeError("secret-looking text that must not be printed")

    out = io.StringIO()
    code = selftest.main(out, [selftest.Check("boom", crashes)])

    assert code == 1
    assert "FAILED  boom    unexpected RuntimeError" in out.getvalue()
    assert "secret-looking" not in out.getvalue()


@pytest.mark.skipif(
    sys.version_info >= (3, 12),
    reason="None is immortal from Python 3.12 (PEP 683): a dropped reference cannot be seen",
)
def test_a_pyside6_that_drops_references_fails_the_selftest_with_what_to_do(monkeypatch):
    """As PySide6 6.12.0 does on every setText: one reference to None dropped per call."""
    import ctypes

    import PySide6

    from bundleguard.gui import selftest_checks

    real_operations = selftest_checks.qt_operations

    def with_a_leak():
        operations = real_operations()
        operations["QLabel.setText"] = lambda: ctypes.pythonapi.Py_DecRef(ctypes.py_object(None))
        return operations

    monkeypatch.setattr(selftest_checks, "qt_operations", with_a_leak)
    before = sys.getrefcount(None)
    out = io.StringIO()
    checks = [c for c in selftest.CHECKS if c.name == "refcounts"]

    code = selftest.main(out, checks)

    lines = out.getvalue().splitlines()
    assert code == 1
    assert lines[1].startswith("FAILED  refcounts")
    assert f"PySide6 {PySide6.__version__} loses references" in lines[1]
    assert "QLabel.setText dropped" in lines[1] and "references to None in 25 calls" in lines[1]
    assert "Install a PySide6 below 6.12" in lines[1]
    assert lines[-1] == "self-test FAILED: 1 of 1 checks"
    # What the leak dropped was given back: this process goes on (and ends) normally. (The
    # count may have grown: the check made widgets, and Qt filled caches.)
    assert sys.getrefcount(None) >= before - selftest_checks.REFERENCE_TOLERANCE


def test_the_gui_checks_never_import_the_selftest():
    """The self-test (a shell) calls into gui/; gui/ does not call back (no circle)."""
    from tests.test_layers import PACKAGE, imported

    offenders = [
        str(path.relative_to(PACKAGE))
        for path in sorted((PACKAGE / "gui").rglob("*.py"))
        if any(name.startswith("bundleguard.selftest") for name in imported(path))
    ]
    assert offenders == []
