"""Help > About bundleguard: the version, what it runs on, and the licences of what ships.

The version is `bundleguard.__version__` (the one place it lives, also read by
`bundleguard --version`, the Windows version resource and the macOS Info.plist). Qt's,
Python's and OpenSSL's versions come from the running code. Each shipped package's version
and licence are read from its installed metadata (`importlib.metadata`: the dist-info
`License-Expression`, or a `License` field that is one SPDX name) when the metadata is
there; a frozen app carries only some dist-info folders (packaging/bundleguard.spec copies
none itself), so the version then comes from the module (`__version__`) and the licence
from `SHIPPED`, checked against the installed metadata by the tests. A part that is not
installed (the optional accelerators) is not listed. Plain text: one fact per line,
selectable to paste into a ticket.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import platform
from dataclasses import dataclass

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from bundleguard import __version__
from bundleguard.gui.widgets import plain_label

TITLE = "About bundleguard"
PROJECT = "bundleguard"
# bundleguard's own licence, when its metadata does not declare one (a frozen app, or a
# pyproject.toml without `license`): none is chosen yet.
PROJECT_LICENCE = ""


@dataclass(frozen=True)
class Shipped:
    """A third-party part that ships with the app, and where to read its facts."""

    shown: str  # the name a user knows it by
    distribution: str  # its name on PyPI, for its metadata
    module: str  # the module to read `__version__` from when there is no metadata
    licence: str  # its SPDX licence (the one it is used under, where it offers several)
    chosen: bool = False  # True: `licence` is our choice of the ones it offers


SHIPPED: tuple[Shipped, ...] = (
    Shipped("PySide6", "PySide6-Essentials", "PySide6", "LGPL-3.0-only", chosen=True),
    Shipped("Shiboken6", "shiboken6", "shiboken6", "LGPL-3.0-only", chosen=True),
    Shipped("cryptography", "cryptography", "cryptography", "Apache-2.0 OR BSD-3-Clause"),
    Shipped("pyOpenSSL", "pyOpenSSL", "OpenSSL", "Apache-2.0"),
    Shipped("cffi", "cffi", "cffi", "MIT-0"),
    Shipped("Pillow", "Pillow", "PIL", "MIT-CMU"),
    Shipped("mss", "mss", "mss", "MIT"),
    Shipped("certifi (Mozilla's root certificates)", "certifi", "certifi", "MPL-2.0"),
    Shipped("idna", "idna", "idna", "BSD-3-Clause"),
    Shipped("platformdirs", "platformdirs", "platformdirs", "MIT"),
    Shipped("email-validator", "email-validator", "email_validator", "Unlicense"),
    Shipped("dnspython", "dnspython", "dns.version", "ISC"),
    Shipped("zxcvbn", "zxcvbn", "zxcvbn", "MIT"),
    Shipped("hyperscan", "hyperscan", "hyperscan", "MIT"),
    Shipped("isal", "isal", "isal", "PSF-2.0"),
)
# Parts that are not Python packages: the licence each is used under.
NATIVE: tuple[tuple[str, str], ...] = (
    ("Qt", "LGPL-3.0-only"),
    ("Python", "PSF-2.0"),
    ("OpenSSL (in cryptography)", "Apache-2.0"),
)
# What `licence_of` answers for the Python packages, by shown name (the tests compare it
# with what each package declares).
LICENCES: dict[str, str] = {part.shown: part.licence for part in SHIPPED}


def declared_licence(distribution: str) -> str | None:
    """The SPDX licence `distribution`'s installed metadata declares: its
    `License-Expression`, or a `License` field that is one SPDX name (None: no metadata,
    or only words or a licence's full text, where `SHIPPED` says it)."""
    try:
        metadata = importlib.metadata.metadata(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None
    expression = (metadata.get("License-Expression") or "").strip()
    if expression:
        return expression
    text = (metadata.get("License") or "").strip()
    if text and len(text) <= 40 and not any(c.isspace() or c == "," for c in text):
        return text
    return None


def version_of(part: Shipped) -> str | None:
    """`part`'s version: its metadata's, else its module's `__version__` (a frozen app);
    None when it is not installed."""
    try:
        return importlib.metadata.version(part.distribution)
    except importlib.metadata.PackageNotFoundError:
        pass
    try:
        module = importlib.import_module(part.module)
    except Exception:  # not installed here (an optional part), or broken: not listed
        return None
    found = getattr(module, "__version__", None) or getattr(module, "version", None)
    return str(found) if found else "version unknown"


def licence_of(part: Shipped) -> str:
    """`part`'s licence: the one we chose of those it offers, else what its metadata
    declares, else `SHIPPED`'s."""
    if part.chosen:
        return part.licence
    return declared_licence(part.distribution) or part.licence


def project_licence() -> str:
    return declared_licence(PROJECT) or PROJECT_LICENCE


def runtime_versions() -> dict[str, str]:
    """Versions of what the window runs on, read from the running modules."""
    import cryptography
    import PySide6
    from cryptography.hazmat.backends.openssl.backend import backend
    from PySide6.QtCore import qVersion

    return {
        "Qt": qVersion(),
        "PySide6": PySide6.__version__,
        "Python": platform.python_version(),
        "cryptography": cryptography.__version__,
        "OpenSSL": backend.openssl_version_text(),
    }


def shipped_parts() -> list[tuple[str, str, str]]:
    """(name, version, licence) of each Python package that ships and is installed."""
    found = []
    for part in SHIPPED:
        version = version_of(part)
        if version is not None:
            found.append((part.shown, version, licence_of(part)))
    return found


def about_text() -> str:
    """The About box's words: the version, the versions underneath, one licence a line."""
    versions = runtime_versions()
    own = project_licence()
    lines = [
        f"bundleguard {__version__}",
        "Keeps private keys out of certificate support bundles.",
        f"bundleguard's licence: {own}" if own else "bundleguard's licence: not declared yet",
        "",
        *(f"{name} {version}" for name, version in versions.items() if name != "OpenSSL"),
        f"OpenSSL (in cryptography): {versions['OpenSSL']}",
        "",
        "Licences of what ships with bundleguard:",
        *(f"{name}: {licence}" for name, licence in NATIVE),
        *(f"{name} {version}: {licence}" for name, version, licence in shipped_parts()),
    ]
    return "\n".join(lines)


class AboutDialog(QDialog):
    """A plain-text About box with a Close button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.setAccessibleName(TITLE)
        layout = QVBoxLayout(self)
        self.text = plain_label(about_text(), self, wrap=False)
        self.text.setAccessibleName("Versions and licences")
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def show_about(parent: QWidget | None = None) -> AboutDialog:
    """Open the About box (window-modal, so the case stays in view) and return it."""
    dialog = AboutDialog(parent)
    dialog.open()
    return dialog
