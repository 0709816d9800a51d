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

import email_validator

from bundleguard.bundle.writer import BundleVerificationError, WrittenBundle
from bundleguard.certs.names import invisible_character
from bundleguard.errors import InputError
from bundleguard.files import WriteFailedError, write_file_atomic
from bundleguard.text import visible

# Outlook and Windows tools read CRLF best; every mail program reads it.
EML_POLICY = email.policy.default.clone(linesep="\r\n")
# RFC 5321's limit of a forward path, less its angle brackets.
MAX_ADDRESS_LENGTH = 254

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


MAX_ADDRESS_SHOWN = 80


class AddressError(InputError):
    """A support address that the draft cannot use; `reason` says why, in plain words."""

    def __init__(self, text: str, reason: str) -> None:
        self.text = text
        self.reason = reason
        cut = text if len(text) <= MAX_ADDRESS_SHOWN else text[: MAX_ADDRESS_SHOWN - 3] + "..."
        super().__init__(f"'{visible(cut)}' is not one email address (name@example.com): {reason}")


def check_address(text: str) -> str:
    """The one check of a support address, for both shells: "" for none, else the address
    the draft's To will carry, in the normalised ASCII form `email-validator` gives
    (without its network checks). Raises `AddressError` for anything but one plain
    address: a name or comment beside it, a quoted or non-ASCII local part, a second `@`,
    an encoded word (`=?utf-8?q?...?=`, which mail programs may decode into another
    address), or a space, invisible, control or bidi character anywhere."""
    text = text.strip()
    if not text:
        return ""
    hidden = invisible_character(text)
    if hidden is not None:
        raise AddressError(text, f"it holds a space or an invisible character ({hidden}).")
    if "=?" in text or "?=" in text:
        raise AddressError(
            text, "it holds an encoded word (=?...?=), which a mail program may read as "
            "another address."
        )  # fmt: skip
    if len(text) > MAX_ADDRESS_LENGTH:
        raise AddressError(text, f"it is longer than {MAX_ADDRESS_LENGTH} characters.")
    try:
        checked = email_validator.validate_email(
            text,
            check_deliverability=False,  # never the network
            allow_smtputf8=False,  # the To header stays ASCII: no encoded local part
            allow_display_name=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_empty_local=False,
        )
    except email_validator.EmailNotValidError as error:
        raise AddressError(text, str(error)) from None
    address = checked.ascii_email or ""
    if address.count("@") != 1 or invisible_character(address) is not None:
        raise AddressError(text, "it is not one plain address.")
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
    """The draft for `bundles`, addressed to `to` once `check_address` takes it."""
    return Draft(
        to=check_address(to),
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
    try:
        message["To"] = check_address(draft.to)
        message["Subject"] = draft.subject
    except ValueError:  # the email package refuses a header it cannot write
        raise InputError(
            "The email draft cannot carry this subject: no draft was written."
        ) from None
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
