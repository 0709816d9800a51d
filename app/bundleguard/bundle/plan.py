"""The bundle plan: which bytes go into one appliance's zip, under which names, and why not.

`plan_bundle` is pure: it takes the inputs' names and bytes, passes every one through
the guard (deny by default), re-encodes the screenshot (`bundle.screenshot`) and every
certificate file from the certificates it holds, gives every member a safe name
(`bundleguard.naming`), and gathers the certificate checks as warnings. Each certificate
is parsed once; trust anchors are passed in. A plan with any refusal must not be written.
`read_input` is the one helper here that touches the disk (through the one reader).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from bundleguard.bundle.screenshot import reencode_png
from bundleguard.certs.anchors import TrustAnchors
from bundleguard.certs.chain import build_chain
from bundleguard.certs.load import detect_format, load_certificates
from bundleguard.certs.names import normalize_hostname, replication_verdict
from bundleguard.certs.trust import TrustReport, check_trust
from bundleguard.certs.validity import check_validity
from bundleguard.errors import BundleGuardError, InputError
from bundleguard.files import MAX_INPUT_BYTES, FileTooLargeError, NotAFileError, read_input_file
from bundleguard.guard import FileReport, Finding, Verdict, classify_bytes
from bundleguard.naming import ascii_text, safe_name_part, unique
from bundleguard.roles import ROLES

__all__ = [
    "MANIFEST_NAME",
    "MAX_INPUT_BYTES",
    "ROLES",
    "Appliance",
    "BundleInput",
    "BundlePlan",
    "Member",
    "Refusal",
    "check_appliance",
    "check_incident",
    "plan_bundle",
    "read_input",
    "reencode_png",
    "safe_member_name",
    "screenshot_name",
    "zip_name",
]

MANIFEST_NAME = "manifest.json"
CERTIFICATE_SUFFIXES = frozenset({".crt", ".cer", ".pem", ".der", ".p7b", ".p7c"})
_FORMAT_SUFFIX = {"pem": ".pem", "der": ".cer", "pkcs7": ".p7b"}
_NOT_PEM_SUFFIXES = frozenset({".der", ".p7b", ".p7c"})
_INCIDENT_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,39}")


@dataclass(frozen=True)
class BundleInput:
    """One file offered for a bundle: the name the user knows it by, and its bytes.

    `report`: the guard's report on these bytes when it was already made (the case's
    evidence): the plan then does not judge them again."""

    source: str
    data: bytes = dataclasses.field(repr=False)
    report: FileReport | None = dataclasses.field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Appliance:
    """The B Series appliance a bundle is for: its own hostname and its role."""

    hostname: str
    role: str = "primary"


@dataclass(frozen=True)
class Member:
    """One file inside the zip: a safe name, the exact bytes, the guard's verdict."""

    name: str
    data: bytes = dataclasses.field(repr=False)
    type: str  # Verdict.CERTIFICATE or Verdict.IMAGE value, as `ManifestEntry.type`
    source: str  # the input it came from (shown to the user, never written into the zip)

    @property
    def size(self) -> int:
        return len(self.data)

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "type": self.type, "source": self.source}


@dataclass(frozen=True)
class Refusal:
    """An input that may not enter the bundle, with every reason in plain sentences.

    `found` says what the input is when it is accepted elsewhere in a bundle (a
    certificate given as the screenshot: "certificate"), so a shell can say where it goes.
    """

    source: str
    expected: str  # "screenshot" or "certificate"
    verdict: str
    reasons: tuple[str, ...]
    findings: tuple[Finding, ...] = ()
    found: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.source,
            "expected": self.expected,
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "findings": [f.to_json() for f in self.findings],
        }


@dataclass(frozen=True)
class BundlePlan:
    """Everything needed to write one appliance's bundle, or why it must not be written."""

    appliance: Appliance
    site: str | None
    incident: str | None
    zip_name: str
    members: tuple[Member, ...]
    refusals: tuple[Refusal, ...]
    warnings: tuple[str, ...]
    notes: tuple[str, ...]  # harmless changes made (renames, duplicates dropped)
    trust_summary: str | None = None
    needs_software_update: bool | None = None
    # The whole trust verdict, for the one sentence every page shows (`trust_sentence`).
    trust: TrustReport | None = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def accepted(self) -> bool:
        return not self.refusals and bool(self.members)

    def to_json(self) -> dict[str, object]:
        return {
            "appliance": self.appliance.hostname,
            "role": self.appliance.role,
            "zip_name": self.zip_name,
            "members": [m.to_json() for m in self.members],
            "warnings": list(self.warnings),
            "notes": list(self.notes),
            "trust": self.trust_summary,
            "needs_software_update": self.needs_software_update,
        }


# --------------------------------------------------------------------------- inputs


def read_input(path: str | os.PathLike[str]) -> BundleInput | Refusal:
    """Read a file for a bundle through the one reader: folders, pipes, devices and
    oversized files are refusals (listed with the rest of the plan), read not at all.

    Raises `InputError` when the file cannot be read at all (missing, no permission).
    """
    display = str(path)
    try:
        return BundleInput(display, read_input_file(path, limit=MAX_INPUT_BYTES))
    except (NotAFileError, FileTooLargeError) as error:
        return Refusal(display, "file", "refused", (str(error),))


def check_incident(incident: str | None) -> str | None:
    """The incident number as given, or `InputError` if it cannot go in a name or subject."""
    if incident is None or not incident.strip():
        return None
    text = incident.strip()
    if not _INCIDENT_RE.fullmatch(text):
        raise InputError(
            f"'{incident}' is not an incident number: use letters, digits and '-' only."
        )
    return text


def check_appliance(hostname: str, role: str = "primary") -> Appliance:
    if role not in ROLES:
        raise InputError(f"'{role}' is not a role: use one of {', '.join(ROLES)}.")
    return Appliance(normalize_hostname(hostname), str(role))


# --------------------------------------------------------------------------- names


def safe_member_name(source: str, data: bytes) -> str:
    """A zip member name from a user's file name: the last part only, ASCII, no `..`,
    nothing Windows forbids, and a certificate suffix a support engineer can open."""
    base = re.split(r"[\\/]", source)[-1]
    pure = PurePath(ascii_text(base))
    suffix = pure.suffix.lower()
    stem = pure.stem if suffix in CERTIFICATE_SUFFIXES else pure.name
    kind = detect_format(data)
    if suffix not in CERTIFICATE_SUFFIXES or (suffix in _NOT_PEM_SUFFIXES and kind == "pem"):
        # A PKCS#7 file goes in re-encoded as PEM: its name says so.
        suffix = _FORMAT_SUFFIX.get(kind, ".crt")
    part = safe_name_part(stem)  # Windows' reserved names get a "_"
    return f"{'certificate' if part == 'unnamed' else part}{suffix}"


def screenshot_name(appliance: Appliance) -> str:
    return f"status-basics-{safe_name_part(appliance.hostname)}.png"


def zip_name(appliance: Appliance, incident: str | None) -> str:
    name = f"support-bundle-{safe_name_part(appliance.hostname)}"
    if incident:
        name += f"-incident-{safe_name_part(incident)}"
    return name + ".zip"


# --------------------------------------------------------------------------- planning


def _refusal(report, expected: str, source: str) -> Refusal:
    return Refusal(source, expected, report.verdict.value, report.reasons, report.findings)


@functools.lru_cache(maxsize=8)
def _reencoded(data: bytes, name: str) -> tuple[bytes, FileReport]:
    """The screenshot re-encoded (pixels alone) and the guard's verdict on those bytes,
    which are the ones that go into the zip. Kept for the last few screenshots: a plan made
    again for a new incident number or site does not encode the same picture again."""
    png = reencode_png(data)
    return png, classify_bytes(png, name)


def _plan_screenshot(
    screenshot: BundleInput, appliance: Appliance
) -> tuple[Member | None, Refusal | None]:
    report = screenshot.report or classify_bytes(screenshot.data, screenshot.source)
    if report.verdict is not Verdict.IMAGE:
        if report.verdict is Verdict.CERTIFICATE:
            reasons = ("This is a certificate, not a screenshot: add it to the certificates.",)
            refusal = Refusal(
                screenshot.source, "screenshot", "refused", reasons, found="certificate"
            )
            return None, refusal
        return None, _refusal(report, "screenshot", screenshot.source)
    try:
        png, again = _reencoded(screenshot.data, screenshot_name(appliance))
    except InputError as error:
        return None, Refusal(screenshot.source, "screenshot", "error", (str(error),))
    if again.verdict is not Verdict.IMAGE:
        return None, _refusal(again, "screenshot", screenshot.source)
    return Member(screenshot_name(appliance), png, Verdict.IMAGE.value, screenshot.source), None


def _certificate_checks(
    certificates: Sequence[x509.Certificate],
    appliance: Appliance,
    site: str | None,
    now: dt.datetime | None,
    public_anchors: Sequence[x509.Certificate],
    system_anchors: Sequence[x509.Certificate],
) -> tuple[list[str], TrustReport | None]:
    """Chain, names, dates and trust, as warnings: support can still take the bundle.

    Works on the certificates already parsed (never re-reads a file's bytes)."""
    try:
        chain = build_chain(certificates, anchors=(*public_anchors, *system_anchors))
        validity = check_validity(chain.ordered, now=now)
        anchors = TrustAnchors(tuple(public_anchors), tuple(system_anchors))
        trust = check_trust(chain.ordered, None, now, anchors=anchors)
        # A traffic node is judged as one of an Atlas cluster, the others as a failover pair.
        names = (appliance.hostname,)
        node = appliance.role == "node"
        verdict = (
            replication_verdict(chain.leaf, site, () if node else names, names if node else ())
            if chain.leaf is not None
            else None
        )
    except BundleGuardError as error:
        return [f"The certificates could not be checked: {error}"], None
    found: list[str] = []
    problems = verdict.problems if verdict is not None else ()
    for text in (*problems, *chain.problems, *validity.problems):
        if text not in found:
            found.append(text)
    found.extend(w for w in (*chain.warnings, *validity.warnings) if w not in found)
    if not trust.needs_software_update and trust.issued_by_public_ca:
        found.append(
            f"The certificate is {trust.summary}. Support does not need to rebuild the "
            "software for it: you may not need to send this bundle."
        )
    return found, trust


def _parsed(report, data: bytes, source: str) -> tuple[x509.Certificate, ...]:
    """The certificates the guard parsed; parsed here only when the guard kept none."""
    certificates = tuple(getattr(report, "certificates", ()) or ())
    return certificates or load_certificates(data, source)


def _certificates_only(data: bytes, certificates: Sequence[x509.Certificate]) -> bytes:
    """What goes into the zip for a certificate file: a PEM or PKCS#7 file re-encoded as
    PEM from its parsed certificates, so that nothing written around or beside them (a
    note, a passphrase, a PKCS#7's CRLs, signer infos or attributes) travels; a DER
    certificate as it is, since its bytes are the certificate itself."""
    if detect_format(data) == "der" and len(certificates) == 1:
        return data
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def plan_bundle(
    appliance: Appliance,
    screenshot: BundleInput | Refusal,
    certificates: Sequence[BundleInput | Refusal],
    *,
    site: str | None = None,
    incident: str | None = None,
    now: dt.datetime | None = None,
    public_anchors: Sequence[x509.Certificate],
    system_anchors: Sequence[x509.Certificate],
) -> BundlePlan:
    """Decide one appliance's bundle. Every input is judged; refusals are all listed.

    `screenshot` and `certificates` may already be refusals (from `read_input`): they are
    carried into the plan so the user sees every problem at once. The trust anchors are
    the shell's (`bundleguard.certs.anchors`): the plan never reads a trust store.
    """
    refusals: list[Refusal] = []
    notes: list[str] = []
    members: list[Member] = []
    taken: set[str] = {MANIFEST_NAME}

    if isinstance(screenshot, Refusal):
        refusals.append(dataclasses.replace(screenshot, expected="screenshot"))
    else:
        shot, refused = _plan_screenshot(screenshot, appliance)
        if refused is not None:
            refusals.append(refused)
        if shot is not None:
            taken.add(shot.name.lower())
            members.append(shot)

    if not certificates:
        refusals.append(
            Refusal("(none)", "certificate", "refused", ("No certificate file was given.",))
        )
    seen: dict[bytes, str] = {}
    cert_members: list[Member] = []
    parsed: list[x509.Certificate] = []
    for item in certificates:
        if isinstance(item, Refusal):
            refusals.append(dataclasses.replace(item, expected="certificate"))
            continue
        report = item.report or classify_bytes(item.data, item.source)
        if report.verdict is not Verdict.CERTIFICATE:
            if report.verdict is Verdict.IMAGE:
                reasons = ("This is an image, not a certificate: add it as the screenshot.",)
                refusals.append(
                    Refusal(item.source, "certificate", "refused", reasons, found="image")
                )
            else:
                refusals.append(_refusal(report, "certificate", item.source))
            continue
        try:
            held = _parsed(report, item.data, item.source)
        except BundleGuardError as error:
            refusals.append(Refusal(item.source, "certificate", "refused", (str(error),)))
            continue
        data = _certificates_only(item.data, held)
        if data != item.data:
            notes.append(
                f"'{item.source}': only its certificates go into the bundle, re-encoded as PEM "
                "(anything around or beside them, which may hold notes or passwords, was "
                "left out)."
            )
        if data in seen:
            notes.append(f"'{item.source}' is identical to '{seen[data]}': included once.")
            continue
        seen[data] = item.source
        parsed.extend(held)
        name = unique(safe_member_name(item.source, data), taken)
        if name != PurePath(re.split(r"[\\/]", item.source)[-1]).name:
            notes.append(f"'{item.source}' is named '{name}' in the bundle.")
        cert_members.append(Member(name, data, Verdict.CERTIFICATE.value, item.source))
    members.extend(cert_members)

    warnings: list[str] = []
    trust = None
    if cert_members:
        warnings, trust = _certificate_checks(
            parsed, appliance, site, now, public_anchors, system_anchors
        )
    return BundlePlan(
        appliance=appliance,
        site=site,
        incident=incident,
        zip_name=zip_name(appliance, incident),
        members=tuple(members),
        refusals=tuple(refusals),
        warnings=tuple(warnings),
        notes=tuple(notes),
        trust_summary=trust.summary if trust is not None else None,
        needs_software_update=trust.needs_software_update if trust is not None else None,
        trust=trust,
    )
