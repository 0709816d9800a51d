"""Help > About bundleguard: the version, what it runs on, and the licences of what ships.

The version is `bundleguard.__version__` (the one place it lives, also read by
`bundleguard --version`, the Windows version resource and the macOS Info.plist). The other
versions come from the modules themselves, never from installed-package metadata, which a
frozen app does not carry. Plain text: one fact per line, selectable to paste into a ticket.
"""

from __future__ import annotations

import platform

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from bundleguard import __version__
from bundleguard.gui.widgets import plain_label

TITLE = "About bundleguard"

# What ships inside the app, and the licence each is used under (SPDX identifiers).
LICENCES: tuple[tuple[str, str], ...] = (
    ("Qt", "LGPL-3.0-only"),
    ("PySide6 and Shiboken6", "LGPL-3.0-only"),
    ("Python", "PSF-2.0"),
    ("cryptography", "Apache-2.0 OR BSD-3-Clause"),
    ("OpenSSL", "Apache-2.0"),
    ("pyOpenSSL", "Apache-2.0"),
    ("Pillow", "MIT-CMU"),
    ("mss", "MIT"),
    ("certifi (Mozilla's root certificates)", "MPL-2.0"),
    ("idna", "BSD-3-Clause"),
    ("platformdirs", "MIT"),
    ("email-validator", "Unlicense"),
    ("dnspython", "ISC"),
    ("cffi", "MIT-0"),
)


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


def about_text() -> str:
    """The About box's words: the version, the versions underneath, one licence a line."""
    versions = runtime_versions()
    lines = [
        f"bundleguard {__version__}",
        "Keeps private keys out of certificate support bundles.",
        "",
        *(f"{name} {version}" for name, version in versions.items() if name != "OpenSSL"),
        f"OpenSSL (in cryptography): {versions['OpenSSL']}",
        "",
        "Licences of what ships with bundleguard:",
        *(f"{name}: {licence}" for name, licence in LICENCES),
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
