"""Help > How it works, and Help > Copy diagnostic information.

"How it works" (F1) explains the five steps in a few lines each, offline, as plain text in
a window that can stay open beside the case; each step is named by its `Step` title.

"Copy diagnostic information" puts on the clipboard what a support ticket needs: the
versions (`about`), the platform and screens, the case's state, and the last lines of this
session's log (`app.log_tail`). Never a passphrase or key bytes (nothing logs them, and the
text goes through the copied-text guard, `case.texts.checked`), and never a path outside
the case's folder: such a path becomes `[path]` (`scrub_paths`), and the home folder `~`.
A window then shows exactly what was copied.
"""

from __future__ import annotations

import os
import platform
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from bundleguard.case.steps import STEPS, Step
from bundleguard.gui.widgets import plain_label

if TYPE_CHECKING:
    from bundleguard.gui.controller import CaseController

HOW_TITLE = "How it works"
DIAGNOSTICS_TITLE = "Copy diagnostic information"
SHOWN_TITLE = "Diagnostic information"
PATH_PLACEHOLDER = "[path]"
LOG_LINES = 40

STEP_HELP: dict[Step, str] = {
    Step.CASE: (
        "Name the site (the host name users reach), the support incident number and "
        "address, and each appliance with its role (primary, backup, node). The case is "
        "saved as you type; File > Recent cases brings it back."
    ),
    Step.CERTIFICATES: (
        "Add the certificate files of the chain: drop them, paste PEM text, or Add files "
        "(Ctrl+O). Each file is judged by its content: one that holds a private key is "
        'refused and says why; "Extract the certificates" takes the chain out of a '
        "PKCS#12 (.p12, .pfx) into new files."
    ),
    Step.SCREENSHOT: (
        "For each appliance, a screenshot of /appliance > Status > Basics: capture the "
        "screen, paste or drop an image. Draw boxes over what must not be shared."
    ),
    Step.BUNDLE: (
        "Build one zip per appliance, and an email draft to support beside each. Every "
        "file is checked again, and each zip is reopened and scanned before it gets its "
        "name: a private key never leaves in a bundle."
    ),
    Step.REPLICATE: (
        "For a failover pair or a cluster: check the PKCS#12 exported on the primary "
        "(certificate, key and chain), import it on each other appliance, then verify "
        "over live TLS that every appliance serves the same complete, valid chain."
    ),
}


def how_it_works_text() -> str:
    """The steps, each by its number and title, in a few lines each."""
    lines = [
        "bundleguard prepares certificate support bundles for B Series appliances without "
        "ever letting a private key out. The steps are on the left; take them in any "
        "order (Ctrl+1 to Ctrl+5), and each says where it stands.",
        "",
    ]
    for step in STEPS:
        lines += [f"{step.number}. {step.title}", STEP_HELP[step], ""]
    lines.append("Nothing is sent anywhere: you send the zips yourself.")
    return "\n".join(lines)


class TextWindow(QDialog):
    """A plain, read-only text with a Close button (not modal: the case stays usable)."""

    def __init__(
        self, title: str, text: str, field: str, parent: QWidget | None, intro: str = ""
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        layout = QVBoxLayout(self)
        if intro:
            self.intro = plain_label(intro, self)
            self.intro.setAccessibleName("What was done")
            layout.addWidget(self.intro)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setPlainText(text)
        self.text.setAccessibleName(field)
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(620, 520)


def show_how_it_works(parent: QWidget | None = None) -> TextWindow:
    window = TextWindow(HOW_TITLE, how_it_works_text(), "Steps explained", parent)
    window.show()
    return window


# ------------------------------------------------------------------ diagnostics

_QUOTED_PATH = re.compile(r"""(["'])((?:~|/|[A-Za-z]:[\\/]|\\\\)[^"'\n]*)\1""")
_BARE_PATH = re.compile(
    r"""(?<![\w:/.~\\-])(?:~(?=[/\\])|/+(?=[^\s/])|[A-Za-z]:[\\/]|\\\\)[^\s"'<>|]*"""
)
# A file: URL names a path too (its slashes follow a colon, which a bare path's never do);
# "Case file: /…" is no URL (a slash or a drive letter right after the colon makes one).
_FILE_URL = re.compile(r"""\bfile:(?=[/\\]|[A-Za-z]:)[^\s"'<>|]*""", re.IGNORECASE)
# A `..` step: a path that goes up out of an allowed folder is outside it.
_UP = re.compile(r"(?:^|[/\\])\.\.(?:[/\\]|$)")


_PATH_TAIL = re.compile(re.escape(PATH_PLACEHOLDER) + r"""(?: +[^\s"'<>|]*[/\\][^\s"'<>|]*)+""")


def scrub_paths(text: str, allowed: Sequence[Path], home: Path | None) -> str:
    """`text` with every path outside `allowed` (files or folders, and what is inside
    them) replaced by `[path]`, and the home folder written `~`."""
    flags = re.IGNORECASE if os.name == "nt" else 0
    kept: list[str] = []

    def mark(match: re.Match[str]) -> str:
        if _UP.search(match.group(0)):
            return PATH_PLACEHOLDER
        kept.append(match.group(0))
        return f"\x01{len(kept) - 1}\x01"

    for path in sorted({str(p) for p in allowed if str(p)}, key=len, reverse=True):
        # The path itself and what is below it (never a longer name that begins alike).
        below = r"(?:[/\\][^\s\"'<>|]*)?(?![^\s/\\\"'<>|])"
        text = re.sub(re.escape(path) + below, mark, text, flags=flags)
    text = _FILE_URL.sub(PATH_PLACEHOLDER, text)
    if home is not None and str(home) not in ("", "/", "\\"):
        text = re.sub(re.escape(str(home)) + r"(?![^\s/\\\"'<>|])", "~", text, flags=flags)
    text = _QUOTED_PATH.sub(lambda m: f"{m.group(1)}{PATH_PLACEHOLDER}{m.group(1)}", text)
    text = _BARE_PATH.sub(PATH_PLACEHOLDER, text)
    # A path with spaces: the words after the placeholder that still hold a separator.
    text = _PATH_TAIL.sub(PATH_PLACEHOLDER, text)

    def homely(path: str) -> str:
        if home is not None and str(home) not in ("", "/", "\\"):
            return re.sub(r"^" + re.escape(str(home)) + r"(?=[/\\]|$)", "~", path, flags=flags)
        return path

    return re.sub("\x01(\\d+)\x01", lambda m: homely(kept[int(m.group(1))]), text)


def _screens() -> list[str]:
    from PySide6.QtGui import QGuiApplication

    primary = QGuiApplication.primaryScreen()
    said = []
    for screen in QGuiApplication.screens():
        size = screen.geometry()
        ratio = round(screen.devicePixelRatio() * 100)
        mark = " (primary)" if screen is primary or screen == primary else ""
        said.append(f"{size.width()}×{size.height()} at {ratio} %{mark}")
    return said


def diagnostic_text(
    controller: CaseController, step: Step | None = None, *, scrub: bool = True
) -> str:
    """What "Copy diagnostic information" copies, before the guard judges it (`scrub`
    false: with its paths as they are, which is what the guard must judge: a key whose
    text holds `/` would pass in pieces once its "paths" were replaced)."""
    from PySide6.QtGui import QGuiApplication

    from bundleguard import __version__
    from bundleguard.gui.about import runtime_versions, shipped_parts
    from bundleguard.gui.app import log_tail

    versions = runtime_versions()
    states = [
        word
        for word, on in (
            ("read-only", controller.read_only),
            ("not saved", bool(controller.save_problem) or controller.unsaved),
            ("changed on disk by another program", controller.conflict),
        )
        if on
    ]
    tail = log_tail(create=False)
    lines_kept = list(tail.lines)[-LOG_LINES:] if tail is not None else []
    session = os.environ.get("XDG_SESSION_TYPE", "")
    frozen = "frozen app" if getattr(sys, "frozen", False) else "from source"
    lines = [
        "bundleguard diagnostic information (no passphrase or key; paths outside the "
        f"case's folder are shown as {PATH_PLACEHOLDER}, the home folder as ~)",
        f"bundleguard {__version__} ({frozen})",
        ", ".join(f"{name} {version}" for name, version in versions.items()),
        "Parts: " + ", ".join(f"{name} {version}" for name, version, _ in shipped_parts()),
        f"Platform: {platform.platform()} ({platform.machine()}); Qt platform: "
        f"{QGuiApplication.platformName()}" + (f"; session: {session}" if session else ""),
        "Screens: " + "; ".join(_screens()),
        f"Case file: {controller.path}",
        "Case state: " + (", ".join(states) or "saved"),
    ]
    if step is not None:
        lines.append(f"Step shown: {step.label}")
    lines.append(f"Last log lines of this session ({len(lines_kept)}):")
    lines += lines_kept or ["(none)"]
    text = "\n".join(lines) + "\n"
    return scrubbed(controller, text) if scrub else text


def scrubbed(controller: CaseController, text: str) -> str:
    """`text` with the paths outside the case's folder hidden (`scrub_paths`)."""
    from bundleguard.case.store import case_files_folder

    allowed = [controller.path, case_files_folder(controller.path)]
    return scrub_paths(text, allowed, _home())


def _home() -> Path | None:
    try:
        return Path.home()
    except (RuntimeError, KeyError, OSError):
        return None


def copy_diagnostics(
    controller: CaseController, parent: QWidget | None = None, step: Step | None = None
) -> TextWindow:
    """Copy the diagnostic text (judged by the copied-text guard first) and show it."""
    from PySide6.QtGui import QGuiApplication

    from bundleguard.case.texts import KeyMaterialError, checked

    doing = "The diagnostic information was not copied"
    raw = diagnostic_text(controller, step, scrub=False)  # gathered once, judged whole
    text = scrubbed(controller, raw)
    try:
        checked(raw, doing)
        copied = checked(text, doing)
    except KeyMaterialError as error:
        intro, text = f"{error} Nothing was put on the clipboard.", ""
    else:
        QGuiApplication.clipboard().setText(copied)
        intro = (
            "This is on the clipboard now: paste it into your support ticket. It holds no "
            "passphrase or key, and no path outside the case's folder."
        )
    window = TextWindow(SHOWN_TITLE, text, "Copied text", parent, intro)
    window.show()
    return window


__all__ = [
    "DIAGNOSTICS_TITLE",
    "HOW_TITLE",
    "STEP_HELP",
    "copy_diagnostics",
    "diagnostic_text",
    "how_it_works_text",
    "scrub_paths",
    "show_how_it_works",
]
