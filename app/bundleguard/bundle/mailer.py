"""Open the email to support in the user's mail program, the attachment already in place.

Platform differences live behind one small protocol (`is_compatible`, `open`), one class
per way of doing it, tried in order (`strategies()`):

1. Windows: `os.startfile` on the `.eml` (Outlook opens it as a draft: `X-Unsent: 1`).
2. Thunderbird, when installed: `thunderbird -compose "to=...,subject=...,body=...,
   attachment='file:///...'"`.
3. macOS: Mail through AppleScript (`osascript`), which attaches the zip.
4. Otherwise: open the folder, copy the body to the clipboard if a clipboard tool exists,
   and say plainly what must be attached. `mailto:` cannot carry an attachment, so it is
   never used.

Every strategy returns an `OpenOutcome` saying what ran and what the user must still do.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bundleguard.bundle.email import Draft


@dataclass(frozen=True)
class OpenOutcome:
    """What was done to open the draft, and what the user must still do by hand."""

    strategy: str
    command: tuple[str, ...]
    attached: bool  # the compose window has the zip attached already
    message: str
    clipboard: bool = False  # the body was copied to the clipboard

    def to_json(self) -> dict[str, object]:
        return {
            "strategy": self.strategy,
            "command": list(self.command),
            "attached": self.attached,
            "clipboard": self.clipboard,
            "message": self.message,
        }


class ComposeStrategy(Protocol):
    name: str

    def is_compatible(self) -> bool:
        """Can this strategy work on this machine (platform, installed program)?"""

    def open(self, draft: Draft) -> OpenOutcome:
        """Start a compose window (or the fallback); raises `OSError` when it cannot."""


def _spawn(command: Sequence[str]) -> None:
    """Start a program and do not wait for it (a mail program stays open)."""
    subprocess.Popen(
        list(command),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=os.name == "posix",
    )


def _attachment_list(draft: Draft) -> str:
    return ", ".join(str(p) for p in draft.attachments)


class WindowsShell:
    """Windows: the .eml opens in the default mail program, as a draft in Outlook."""

    name = "windows-eml"

    def is_compatible(self) -> bool:
        return sys.platform == "win32"

    def open(self, draft: Draft) -> OpenOutcome:
        if draft.eml is None:
            raise OSError("no .eml was written")
        os.startfile(draft.eml)  # type: ignore[attr-defined]  # Windows only
        return OpenOutcome(
            self.name,
            ("startfile", str(draft.eml)),
            attached=True,
            message=f"Opened {draft.eml.name} in your mail program; the bundle is attached. "
            "Check the recipient and send it.",
        )


def _tb_value(text: str) -> str:
    # Inside '...' Thunderbird ends the value at the next quote: keep quotes out.
    return text.replace("'", "\u2019")


def thunderbird_command(program: str, draft: Draft) -> tuple[str, ...]:
    fields = [
        f"to='{_tb_value(draft.to)}'",
        f"subject='{_tb_value(draft.subject)}'",
        f"body='{_tb_value(draft.body)}'",
        "format=text",
    ]
    if draft.attachments:
        uris = ",".join(p.resolve().as_uri() for p in draft.attachments)
        fields.append(f"attachment='{uris}'")
    return (program, "-compose", ",".join(fields))


class Thunderbird:
    name = "thunderbird"

    def __init__(self) -> None:
        self.program: str | None = None

    def is_compatible(self) -> bool:
        self.program = shutil.which("thunderbird")
        return self.program is not None

    def open(self, draft: Draft) -> OpenOutcome:
        command = thunderbird_command(self.program or "thunderbird", draft)
        _spawn(command)
        return OpenOutcome(
            self.name,
            command,
            attached=True,
            message="Opened a Thunderbird compose window with the bundle attached. "
            "Check the recipient and send it.",
        )


# Values arrive as arguments (`on run argv`), never pasted into the script: no quoting bugs.
MAIL_APPLESCRIPT = """\
on run argv
    set theTo to item 1 of argv
    set theSubject to item 2 of argv
    set theBody to item 3 of argv
    tell application "Mail"
        set theMessage to make new outgoing message with properties ¬
            {subject:theSubject, content:theBody & return & return, visible:true}
        tell theMessage
            if theTo is not "" then
                make new to recipient at end of to recipients with properties {address:theTo}
            end if
        end tell
        repeat with i from 4 to count of argv
            set theFile to (POSIX file (item i of argv)) as alias
            tell content of theMessage
                make new attachment with properties {file name:theFile} at after last paragraph
            end tell
        end repeat
        activate
    end tell
end run
"""


def mail_app_command(draft: Draft) -> tuple[str, ...]:
    return (
        "osascript",
        "-e",
        MAIL_APPLESCRIPT,
        draft.to,
        draft.subject,
        draft.body,
        *(str(p.resolve()) for p in draft.attachments),
    )


class MacMail:
    name = "macos-mail"

    def is_compatible(self) -> bool:
        return sys.platform == "darwin" and shutil.which("osascript") is not None

    def open(self, draft: Draft) -> OpenOutcome:
        command = mail_app_command(draft)
        _spawn(command)
        return OpenOutcome(
            self.name,
            command,
            attached=True,
            message="Opened a new message in Mail with the bundle attached. "
            "Check the recipient and send it.",
        )


def windows_program(*parts: str) -> str:
    """A program of Windows by its full path (`SYSTEMROOT\\explorer.exe`): Windows looks
    for a bare `explorer` or `clip` in the current folder before its own folders, where a
    file of that name could be waiting (a folder of downloaded files, a mounted share)."""
    import ntpath

    windows = os.environ.get("SYSTEMROOT") or os.environ.get("WINDIR") or "C:\\Windows"
    return ntpath.join(windows, *parts)


def folder_command(folder: Path) -> tuple[str, ...] | None:
    if sys.platform == "win32":
        return (windows_program("explorer.exe"), str(folder))
    if sys.platform == "darwin":
        return ("open", str(folder))
    program = shutil.which("xdg-open")
    return (program, str(folder)) if program else None


def clipboard_command() -> tuple[str, ...] | None:
    if sys.platform == "win32":
        return (windows_program("System32", "clip.exe"),)
    if sys.platform == "darwin":
        return ("pbcopy",)
    candidates = [("xclip", "-selection", "clipboard"), ("xsel", "--clipboard", "--input")]
    if os.environ.get("WAYLAND_DISPLAY"):
        candidates.insert(0, ("wl-copy",))
    for command in candidates:
        program = shutil.which(command[0])
        if program:
            return (program, *command[1:])
    return None


def copy_to_clipboard(text: str) -> bool:
    """Put `text` on the clipboard with the platform's tool; False when none worked."""
    command = clipboard_command()
    if command is None:
        return False
    # clip.exe reads UTF-16 with a BOM correctly; the others read UTF-8.
    windows = sys.platform == "win32"
    data = ("\ufeff" + text).encode("utf-16-le") if windows else text.encode()
    try:
        done = subprocess.run(list(command), input=data, capture_output=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


class OpenFolder:
    """The fallback: show the files, copy the body, and say what to attach by hand."""

    name = "folder"

    def is_compatible(self) -> bool:
        return True

    def open(self, draft: Draft) -> OpenOutcome:
        folder = draft.attachments[0].parent if draft.attachments else Path.cwd()
        command = folder_command(folder)
        opened = False
        if command is not None:
            try:
                _spawn(command)
                opened = True
            except OSError:
                opened = False
        copied = copy_to_clipboard(draft.body)
        steps = [
            "No mail program could be opened with an attachment on this machine.",
            f"Opened the folder {folder}." if opened else f"The files are in {folder}.",
            "The message text is on the clipboard: paste it into a new email."
            if copied
            else "Copy the message text into a new email.",
            f"Attach by hand: {_attachment_list(draft)}.",
        ]
        if draft.eml is not None:
            steps.append(f"Or open {draft.eml} in your mail program: the bundle is in it.")
        return OpenOutcome(
            self.name,
            command or (),
            attached=False,
            message=" ".join(steps),
            clipboard=copied,
        )


def strategies() -> tuple[ComposeStrategy, ...]:
    """The ways to open a draft, best first; the last one always works."""
    return (WindowsShell(), Thunderbird(), MacMail(), OpenFolder())


def open_draft(draft: Draft, order: Sequence[ComposeStrategy] | None = None) -> OpenOutcome:
    """Open `draft` with the first strategy that fits and works; the fallback never fails."""
    failures: list[str] = []
    for strategy in order or strategies():
        if not strategy.is_compatible():
            continue
        try:
            outcome = strategy.open(draft)
        except OSError as error:
            failures.append(f"{strategy.name}: {error.strerror or error}")
            continue
        if failures:
            note = " (Tried first: " + "; ".join(failures) + ".)"
            return OpenOutcome(
                outcome.strategy,
                outcome.command,
                outcome.attached,
                outcome.message + note,
                outcome.clipboard,
            )
        return outcome
    return OpenOutcome("none", (), False, "Nothing could be opened: " + "; ".join(failures))
