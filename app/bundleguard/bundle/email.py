"""The email to support: a plain-text body, and an `.eml` draft with the bundle attached.

`body_text` is the message alone (to paste into a web mail or a ticket). `build_eml`
makes an RFC 5322 MIME message with `X-Unsent: 1`, so that Outlook opens it as an
editable draft; `write_eml` puts it beside the zip. The body names the appliance(s), the
incident and every attachment with its SHA-256, and says that no private key is included.
It never holds anything but those names and hashes.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from bundleguard.bundle.writer import BundleVerificationError, WrittenBundle
from bundleguard.errors import InputError
from bundleguard.files import WriteFailedError, write_file_atomic

# Outlook and Windows tools read CRLF best; every mail program reads it.
EML_POLICY = email.policy.default.clone(linesep="\r\n")

_DESCRIPTIONS = {
    "image": "screenshot of /appliance > Status > Basics",
    "certificate": "certificate",
    "manifest": "list of the files above with their SHA-256 (written by bundleguard)",
}


@dataclass(frozen=True)
class Draft:
    """An email ready to open: where its .eml is (if written) and what it says."""

    to: str
    subject: str
    body: str
    attachments: tuple[Path, ...]
    eml: Path | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "to": self.to,
            "subject": self.subject,
            "attachments": [str(p) for p in self.attachments],
            "eml": str(self.eml) if self.eml else None,
        }


def check_address(text: str) -> str:
    """One plain email address (or ""), or `InputError`: it goes into a header as is."""
    text = text.strip()
    if not text:
        return ""
    name, address = email.utils.parseaddr(text)
    if (
        not address
        or name
        or address != text
        or address.count("@") != 1
        or any(c.isspace() or c in ",;<>\"'" for c in address)
    ):
        raise InputError(f"'{text}' is not one email address (name@example.com).")
    return address


def _single(values: Sequence[str | None]) -> str | None:
    present = [v for v in dict.fromkeys(values) if v]
    return present[0] if len(present) == 1 else (", ".join(present) or None)


def subject_line(bundles: Sequence[WrittenBundle]) -> str:
    """`SSL certificate software update - site X - incident N` (or the appliances)."""
    site = _single([b.site for b in bundles])
    incident = _single([b.incident for b in bundles])
    where = f"site {site}" if site else ", ".join(b.appliance.hostname for b in bundles)
    subject = f"SSL certificate software update request - {where}"
    if incident:
        subject += f" - incident {incident}"
    return subject


def body_text(bundles: Sequence[WrittenBundle]) -> str:
    """The plain-text message to support for these bundles (one draft, usually one)."""
    site = _single([b.site for b in bundles])
    incident = _single([b.incident for b in bundles])
    several = len(bundles) > 1
    lines = [
        "Hello BeyondTrust Technical Support,",
        "",
        "We have a new SSL certificate for our B Series "
        + ("appliances" if several else "appliance")
        + ". It is not trusted on every platform, so please build a software update "
        "that includes it, and send us the instructions to install it.",
        "",
    ]
    if incident:
        lines += [f"Incident number: {incident}"]
    if site:
        lines += [f"Site hostname: {site}"]
    for bundle in bundles:
        lines += [f"Appliance: {bundle.appliance.hostname} ({bundle.appliance.role})"]
    lines += ["", "Attached:" if not several else "Attached, one bundle per appliance:"]
    for bundle in bundles:
        lines += [
            "",
            f"- {bundle.path.name} ({bundle.size:,} bytes)",
            f"  SHA-256: {bundle.sha256}",
            "  It contains:",
        ]
        for member in bundle.members:
            what = _DESCRIPTIONS.get(member.type, member.type)
            lines += [f"  - {member.name}: {what}", f"    SHA-256: {member.sha256}"]
    lines += [
        "",
        "No private key is included: the bundle holds only the certificate chain and the "
        "screenshot, and every file in it was checked for key material before sending.",
        "",
        "Thank you,",
        "",
    ]
    return "\n".join(lines)


def make_draft(bundles: Sequence[WrittenBundle], to: str = "") -> Draft:
    return Draft(
        to=to.strip(),
        subject=subject_line(bundles),
        body=body_text(bundles),
        attachments=tuple(b.path for b in bundles),
    )


def build_eml(
    draft: Draft, bundles: Sequence[WrittenBundle], now: dt.datetime | None = None
) -> bytes:
    """The draft as `.eml` bytes, each bundle attached exactly as verified.

    Raises `BundleVerificationError` if a zip changed since it was verified.
    """
    message = EmailMessage(policy=EML_POLICY)
    message["To"] = draft.to
    message["Subject"] = draft.subject
    message["Date"] = email.utils.format_datetime(now or dt.datetime.now(dt.UTC))
    message["X-Unsent"] = "1"  # Outlook: open as an unsent draft, ready to edit and send
    message.set_content(draft.body)
    for bundle in bundles:
        try:
            data = bundle.path.read_bytes()
        except OSError as error:
            raise WriteFailedError(f"Cannot read '{bundle.path}': {error.strerror}.") from None
        if hashlib.sha256(data).hexdigest() != bundle.sha256:
            raise BundleVerificationError(
                f"'{bundle.path}' changed since it was verified: no draft was written."
            )
        message.add_attachment(
            data, maintype="application", subtype="zip", filename=bundle.path.name
        )
    return message.as_bytes()


def eml_path(bundle: WrittenBundle) -> Path:
    return bundle.path.with_suffix(".eml")


def write_eml(
    bundle: WrittenBundle, to: str = "", *, force: bool = False, now: dt.datetime | None = None
) -> Draft:
    """Write the draft for one bundle beside its zip (same name, `.eml`)."""
    draft = make_draft([bundle], to)
    path = write_file_atomic(eml_path(bundle), build_eml(draft, [bundle], now), force=force)
    return Draft(draft.to, draft.subject, draft.body, draft.attachments, path)
