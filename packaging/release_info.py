"""What a release says about itself: its version, the Windows version resource, the macOS
Info.plist and the names of its archives (standard library only).

The version lives in one place, `__version__` in app/bundleguard/__init__.py; it is read
from there by setuptools (pyproject.toml), by `bundleguard --version` and the About box (an
import), and here, without importing the package, by the PyInstaller spec and by
packaging/archive.py. The spec renders the version resource and Info.plist through these
functions, so tests/test_release.py can check what a build would write without building.
"""

from __future__ import annotations

import ast
import platform
import plistlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_INIT = ROOT / "app" / "bundleguard" / "__init__.py"
RESOURCES = ROOT / "resources"
VERSION_TEMPLATE = RESOURCES / "windows" / "version_info.txt"
INFO_PLIST = RESOURCES / "macos" / "Info.plist"
NAME = "bundleguard"

_RELEASE = re.compile(r"^(\d+)\.(\d+)\.(\d+)")


def project_version(init: Path = PACKAGE_INIT) -> str:
    """`__version__` as written in the package's `__init__.py`, read without importing it."""
    tree = ast.parse(init.read_text(encoding="utf-8"), filename=str(init))
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    raise ValueError(f"{init} sets no __version__ = '...'")


def release_numbers(version: str) -> tuple[int, int, int]:
    """The X.Y.Z a version starts with ("1.2.0rc1" -> (1, 2, 0)); Windows and macOS want numbers."""
    match = _RELEASE.match(version)
    if match is None:
        raise ValueError(f"version {version!r} does not start with three numbers X.Y.Z")
    numbers = tuple(int(n) for n in match.groups())
    if any(n > 65535 for n in numbers):
        raise ValueError(f"version {version!r}: Windows allows numbers up to 65535")
    return numbers  # type: ignore[return-value]


def windows_version_resource(version: str, template: Path = VERSION_TEMPLATE) -> str:
    """The text of the EXE's version resource (PyInstaller's VSVersionInfo format)."""
    numbers = (*release_numbers(version), 0)
    text = template.read_text(encoding="utf-8")
    return text.replace("{version_tuple}", repr(numbers)).replace("{version}", version)


def macos_info_plist(version: str, source: Path = INFO_PLIST) -> dict:
    """The keys the spec merges into bundleguard.app's Info.plist, the version filled in.

    Both version keys take X.Y.Z: macOS reads them as up to three numbers, and a
    pre-release suffix would make Finder and the App Store tools reject the bundle.
    """
    info = plistlib.loads(source.read_bytes())
    release = ".".join(str(n) for n in release_numbers(version))
    info["CFBundleShortVersionString"] = release
    info["CFBundleVersion"] = release
    return info


def platform_label(system: str | None = None, machine: str | None = None) -> str:
    """`linux-x86_64`, `windows-x86_64`, `macos-arm64`...: the platform part of a file name."""
    system = (system or platform.system()).lower()
    machine = (machine or platform.machine()).lower()
    os_name = {"darwin": "macos"}.get(system, system)  # Windows -> windows, Linux -> linux
    arch = {"amd64": "x86_64", "x64": "x86_64", "aarch64": "arm64"}.get(machine, machine)
    return f"{os_name}-{arch}"


def archive_name(version: str, label: str) -> str:
    """`bundleguard-0.1.0-windows-x86_64.zip`: a zip on Windows and macOS, else a .tar.gz."""
    suffix = ".zip" if label.startswith(("windows-", "macos-")) else ".tar.gz"
    return f"{NAME}-{version}-{label}{suffix}"


def frozen_binary(dist: Path, system: str | None = None) -> Path:
    """Where `dev.py build` leaves the executable users start: in the .app on macOS."""
    system = system or sys.platform
    if system == "darwin":
        return dist / f"{NAME}.app" / "Contents" / "MacOS" / NAME
    if system == "win32":
        return dist / NAME / f"{NAME}.exe"
    return dist / NAME / NAME


def shipped_folder(dist: Path, system: str | None = None) -> Path:
    """What goes into the archive: the one-folder app, or bundleguard.app on macOS."""
    system = system or sys.platform
    return dist / (f"{NAME}.app" if system == "darwin" else NAME)
