"""Opening the draft: each platform's branch, with the program it would start faked."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bundleguard.bundle import mailer
from bundleguard.bundle.email import Draft


@pytest.fixture
def draft(tmp_path: Path) -> Draft:
    zip_path = tmp_path / "support-bundle-primary.example.com.zip"
    zip_path.write_bytes(b"PK")
    return Draft(
        to="support@beyondtrust.example",
        subject="SSL certificate software update request - site support.example.com",
        body="Hello,\nplease rebuild. It's urgent.\n",
        attachments=(zip_path,),
        eml=zip_path.with_suffix(".eml"),
    )


class Recorder:
    """Stands in for subprocess.Popen / subprocess.run and os.startfile."""

    def __init__(self) -> None:
        self.spawned: list[list[str]] = []
        self.ran: list[tuple[list[str], bytes]] = []
        self.started: list[Path] = []

    def popen(self, command, **kwargs):
        self.spawned.append(command)
        return object()

    def run(self, command, input=None, **kwargs):
        self.ran.append((command, input))
        return subprocess.CompletedProcess(command, 0)

    def startfile(self, path):
        self.started.append(path)


@pytest.fixture
def fake(monkeypatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setattr(mailer.subprocess, "Popen", recorder.popen)
    monkeypatch.setattr(mailer.subprocess, "run", recorder.run)
    monkeypatch.setattr(mailer.os, "startfile", recorder.startfile, raising=False)
    return recorder


def installed(monkeypatch, *programs: str) -> None:
    monkeypatch.setattr(
        mailer.shutil, "which", lambda name: f"/usr/bin/{name}" if name in programs else None
    )


def test_windows_opens_the_eml(monkeypatch, fake, draft):
    monkeypatch.setattr(mailer.sys, "platform", "win32")
    installed(monkeypatch, "thunderbird")
    outcome = mailer.open_draft(draft)
    assert outcome.strategy == "windows-eml" and outcome.attached
    assert fake.started == [draft.eml]
    assert fake.spawned == []


def test_thunderbird_compose_with_the_attachment(monkeypatch, fake, draft):
    monkeypatch.setattr(mailer.sys, "platform", "linux")
    installed(monkeypatch, "thunderbird", "xdg-open")
    outcome = mailer.open_draft(draft)
    uri = draft.attachments[0].resolve().as_uri()
    expected = [
        "/usr/bin/thunderbird",
        "-compose",
        "to='support@beyondtrust.example',"
        "subject='SSL certificate software update request - site support.example.com',"
        "body='Hello,\nplease rebuild. It\u2019s urgent.\n',"
        "format=text,"
        f"attachment='{uri}'",
    ]
    assert fake.spawned == [expected]
    assert outcome.strategy == "thunderbird" and outcome.attached
    assert uri.startswith("file:///")


def test_macos_mail_through_applescript(monkeypatch, fake, draft):
    monkeypatch.setattr(mailer.sys, "platform", "darwin")
    installed(monkeypatch, "osascript", "open")
    outcome = mailer.open_draft(draft)
    assert fake.spawned == [
        [
            "osascript",
            "-e",
            mailer.MAIL_APPLESCRIPT,
            draft.to,
            draft.subject,
            draft.body,
            str(draft.attachments[0].resolve()),
        ]
    ]
    assert outcome.strategy == "macos-mail" and outcome.attached
    # Values are arguments, never spliced into the script.
    assert draft.subject not in mailer.MAIL_APPLESCRIPT


def test_linux_without_a_mail_program_opens_the_folder_and_copies_the_body(
    monkeypatch, fake, draft
):
    monkeypatch.setattr(mailer.sys, "platform", "linux")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    installed(monkeypatch, "xdg-open", "xclip")
    outcome = mailer.open_draft(draft)
    folder = str(draft.attachments[0].parent)
    assert fake.spawned == [["/usr/bin/xdg-open", folder]]
    assert fake.ran == [(["/usr/bin/xclip", "-selection", "clipboard"], draft.body.encode())]
    assert outcome.strategy == "folder" and not outcome.attached and outcome.clipboard
    assert str(draft.attachments[0]) in outcome.message  # what to attach, by hand
    assert "mailto" not in " ".join(outcome.command)


def test_wayland_clipboard_is_preferred(monkeypatch, fake, draft):
    monkeypatch.setattr(mailer.sys, "platform", "linux")
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    installed(monkeypatch, "xdg-open", "xclip", "wl-copy")
    mailer.open_draft(draft)
    assert fake.ran[0][0] == ["/usr/bin/wl-copy"]


def test_no_clipboard_tool_says_so(monkeypatch, fake, draft):
    monkeypatch.setattr(mailer.sys, "platform", "linux")
    installed(monkeypatch)
    outcome = mailer.open_draft(draft)
    assert fake.spawned == [] and fake.ran == []
    assert not outcome.clipboard
    assert "Copy the message text" in outcome.message and "Attach by hand" in outcome.message


def test_macos_without_osascript_opens_the_folder_with_open(monkeypatch, fake, draft):
    monkeypatch.setattr(mailer.sys, "platform", "darwin")
    installed(monkeypatch)
    outcome = mailer.open_draft(draft)
    assert fake.spawned == [["open", str(draft.attachments[0].parent)]]
    assert fake.ran == [(["pbcopy"], draft.body.encode())]
    assert outcome.strategy == "folder"


def test_windows_falls_back_to_explorer_when_startfile_fails(monkeypatch, fake, draft):
    monkeypatch.setattr(mailer.sys, "platform", "win32")
    installed(monkeypatch)

    def no_association(path):
        raise OSError(1155, "No application is associated with the specified file")

    monkeypatch.setattr(mailer.os, "startfile", no_association, raising=False)
    monkeypatch.setenv("SYSTEMROOT", "C:\\Windows")
    outcome = mailer.open_draft(draft)
    # Each by its full path: a bare name is looked for in the current folder first.
    assert fake.spawned == [["C:\\Windows\\explorer.exe", str(draft.attachments[0].parent)]]
    assert fake.ran[0][0] == ["C:\\Windows\\System32\\clip.exe"]
    assert fake.ran[0][1] == ("\ufeff" + draft.body).encode("utf-16-le")
    assert "windows-eml" in outcome.message
