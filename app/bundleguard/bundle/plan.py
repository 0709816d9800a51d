"""The bundle plan: which bytes go into one appliance's zip, under which names, and why not.

`plan_bundle` is pure: it takes the inputs' names and bytes, passes every one through
the guard (deny by default), re-encodes the screenshot as an optimised PNG without
metadata, gives every member a safe name, and gathers the certificate checks as
warnings. A plan with any refusal must not be written. `read_input` is the one helper
here that touches the disk.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import re
import stat
import unicodedata
import warnings as py_warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from PIL import Image, ImageOps

from bundleguard.certs.extract import safe_name_part
from bundleguard.certs.inspect import InputFile, inspect_files
from bundleguard.certs.load import detect_format, load_certificates
from bundleguard.certs.names import normalize_hostname
from bundleguard.errors import BundleGuardError, InputError
from bundleguard.guard import Finding, Verdict, classify_bytes

ROLES = ("primary", "backup", "node")
MANIFEST_NAME = "manifest.json"
# Nothing a user should put in a support bundle comes near this; bigger files are refused
# unread rather than loaded into memory.
MAX_INPUT_BYTES = 64 << 20
CERTIFICATE_SUFFIXES = frozenset({".crt", ".cer", ".pem", ".der", ".p7b", ".p7c"})
_FORMAT_SUFFIX = {"pem": ".pem", "der": ".cer", "pkcs7": ".p7b"}
_EXIF_ORIENTATION = 0x0112
_INCIDENT_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,39}")


@dataclass(frozen=True)
class BundleInput:
    """One file offered for a bundle: the name the user knows it by, and its bytes."""

    source: str
    data: bytes = dataclasses.field(repr=False)


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
    kind: str  # Verdict.CERTIFICATE or Verdict.IMAGE value
    source: str  # the input it came from (shown to the user, never written into the zip)

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class Refusal:
    """An input that may not enter the bundle, with every reason in plain sentences."""

    source: str
    expected: str  # "screenshot" or "certificate"
    verdict: str
    reasons: tuple[str, ...]
    findings: tuple[Finding, ...] = ()

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

    @property
    def accepted(self) -> bool:
        return not self.refusals and bool(self.members)


# --------------------------------------------------------------------------- inputs


def read_input(path: str | os.PathLike[str]) -> BundleInput | Refusal:
    """Read a file for a bundle; pipes, folders and oversized files are refused unread.

    Raises `InputError` when the file cannot be read at all (missing, no permission).
    """
    display = str(path)
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            what = "a folder" if stat.S_ISDIR(info.st_mode) else "a pipe, device or socket"
            return Refusal(display, "file", "refused", (f"This is {what}, not a file.",))
        if info.st_size > MAX_INPUT_BYTES:
            return Refusal(
                display,
                "file",
                "refused",
                (
                    f"This file is {info.st_size / 1e6:.0f} MB, far larger than any "
                    "certificate or screenshot: it was not read.",
                ),
            )
        return BundleInput(display, Path(path).read_bytes())
    except OSError as error:
        raise InputError(f"Cannot read '{display}': {error.strerror or error}.") from None


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
    return Appliance(normalize_hostname(hostname), role)


# --------------------------------------------------------------------------- names


def _ascii(text: str) -> str:
    """Accents dropped (Müller -> Muller), other non-ASCII letters replaced later."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def safe_member_name(source: str, data: bytes) -> str:
    """A zip member name from a user's file name: the last part only, ASCII, no `..`,
    nothing Windows forbids, and a certificate suffix a support engineer can open."""
    base = re.split(r"[\\/]", source)[-1]
    pure = PurePath(_ascii(base))
    suffix = pure.suffix.lower()
    stem = pure.stem if suffix in CERTIFICATE_SUFFIXES else pure.name
    if suffix not in CERTIFICATE_SUFFIXES:
        suffix = _FORMAT_SUFFIX.get(detect_format(data), ".crt")
    part = safe_name_part(stem)  # Windows' reserved names get a "_"
    return f"{'certificate' if part == 'unnamed' else part}{suffix}"


def screenshot_name(appliance: Appliance) -> str:
    return f"status-basics-{safe_name_part(appliance.hostname)}.png"


def zip_name(appliance: Appliance, incident: str | None) -> str:
    name = f"support-bundle-{safe_name_part(appliance.hostname)}"
    if incident:
        name += f"-incident-{safe_name_part(incident)}"
    return name + ".zip"


def _unique(name: str, taken: set[str]) -> str:
    """`name`, or `stem-2.suffix`, `stem-3.suffix`...: unique even on case-blind disks."""
    candidate = name
    stem, suffix = PurePath(name).stem, PurePath(name).suffix
    number = 2
    while candidate.lower() in taken:
        candidate = f"{stem}-{number}{suffix}"
        number += 1
    taken.add(candidate.lower())
    return candidate


# --------------------------------------------------------------------------- screenshot


def _lossless_palette(image: Image.Image) -> Image.Image:
    """The image in palette mode when it has at most 256 colours and that loses nothing.

    Admin pages are mostly flat colours: a palette makes the PNG two to three times
    smaller. The result is compared pixel for pixel; any difference keeps the original.
    """
    if image.mode != "RGB" or image.getcolors(256) is None:
        return image
    paletted = image.quantize(colors=256, method=Image.Quantize.MAXCOVERAGE, dither=0)
    if paletted.convert("RGB").tobytes() != image.tobytes():
        return image
    return paletted


def reencode_png(data: bytes) -> bytes:
    """The image's pixels alone (EXIF rotation applied) as an optimised PNG.

    A new image is built from the pixels, so no metadata (EXIF, text chunks, ICC
    profiles, comments, thumbnails) can follow it into the bundle.
    """
    try:
        with py_warnings.catch_warnings():
            py_warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                rotated = image.getexif().get(_EXIF_ORIENTATION, 1) not in (None, 1)
                upright = ImageOps.exif_transpose(image) if rotated else image
                has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
                pixels = upright.convert("RGBA" if has_alpha else "RGB")
        clean = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
        out = io.BytesIO()
        _lossless_palette(clean).save(out, "PNG", optimize=True)
    except (OSError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise InputError("The screenshot cannot be decoded as an image.") from None
    return out.getvalue()


# --------------------------------------------------------------------------- planning


def _refusal(report, expected: str, source: str) -> Refusal:
    return Refusal(source, expected, report.verdict.value, report.reasons, report.findings)


def _plan_screenshot(
    screenshot: BundleInput, appliance: Appliance
) -> tuple[Member | None, Refusal | None]:
    report = classify_bytes(screenshot.data, screenshot.source)
    if report.verdict is not Verdict.IMAGE:
        if report.verdict is Verdict.CERTIFICATE:
            reasons = ("This is a certificate, not a screenshot: give it with --cert.",)
            return None, Refusal(screenshot.source, "screenshot", "refused", reasons)
        return None, _refusal(report, "screenshot", screenshot.source)
    try:
        png = reencode_png(screenshot.data)
    except InputError as error:
        return None, Refusal(screenshot.source, "screenshot", "error", (str(error),))
    # The bytes that go into the zip are the re-encoded ones: they pass the guard too.
    again = classify_bytes(png, screenshot_name(appliance))
    if again.verdict is not Verdict.IMAGE:
        return None, _refusal(again, "screenshot", screenshot.source)
    return Member(screenshot_name(appliance), png, Verdict.IMAGE.value, screenshot.source), None


def _certificate_checks(
    certificates: Sequence[Member],
    appliance: Appliance,
    site: str | None,
    now: dt.datetime | None,
    public_anchors: Sequence[x509.Certificate] | None,
    system_anchors: Sequence[x509.Certificate] | None,
) -> tuple[list[str], str | None, bool | None]:
    """Chain, names, dates and trust, as warnings: support can still take the bundle."""
    files = [InputFile(m.name, m.data) for m in certificates]
    try:
        report = inspect_files(
            files,
            site=site,
            appliances=(appliance.hostname,),
            now=now,
            public_anchors=public_anchors,
            system_anchors=system_anchors,
        )
    except BundleGuardError as error:
        return [f"The certificates could not be checked: {error}"], None, None
    found: list[str] = []
    for text in (*report.problems, *report.warnings):
        if text not in found:
            found.append(text)
    trust = report.trust
    if not trust.needs_software_update and trust.issued_by_public_ca:
        found.append(
            f"The certificate is {trust.summary}. Support does not need to rebuild the "
            "software for it: you may not need to send this bundle."
        )
    return found, trust.summary, trust.needs_software_update


def _certificates_only(data: bytes, source: str) -> bytes:
    """What goes into the zip for a certificate file: a PEM file re-encoded from its
    parsed certificates, so that nothing written around them (a note, a passphrase)
    travels; DER and PKCS#7 as they are, since their bytes are the structure itself."""
    certificates = load_certificates(data, source)
    if detect_format(data) != "pem":
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
    public_anchors: Sequence[x509.Certificate] | None = None,
    system_anchors: Sequence[x509.Certificate] | None = None,
) -> BundlePlan:
    """Decide one appliance's bundle. Every input is judged; refusals are all listed.

    `screenshot` and `certificates` may already be refusals (from `read_input`): they are
    carried into the plan so the user sees every problem at once.
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
    for item in certificates:
        if isinstance(item, Refusal):
            refusals.append(dataclasses.replace(item, expected="certificate"))
            continue
        report = classify_bytes(item.data, item.source)
        if report.verdict is not Verdict.CERTIFICATE:
            if report.verdict is Verdict.IMAGE:
                reasons = ("This is an image, not a certificate: give it with --screenshot.",)
                refusals.append(Refusal(item.source, "certificate", "refused", reasons))
            else:
                refusals.append(_refusal(report, "certificate", item.source))
            continue
        try:
            data = _certificates_only(item.data, item.source)
        except BundleGuardError as error:
            refusals.append(Refusal(item.source, "certificate", "refused", (str(error),)))
            continue
        if data != item.data:
            notes.append(
                f"'{item.source}': only its certificates go into the bundle, re-encoded as PEM "
                "(text around them, which may hold notes or passwords, was left out)."
            )
        if data in seen:
            notes.append(f"'{item.source}' is identical to '{seen[data]}': included once.")
            continue
        seen[data] = item.source
        wanted = safe_member_name(item.source, data)
        name = _unique(wanted, taken)
        if name != PurePath(re.split(r"[\\/]", item.source)[-1]).name:
            notes.append(f"'{item.source}' is named '{name}' in the bundle.")
        cert_members.append(Member(name, data, Verdict.CERTIFICATE.value, item.source))
    members.extend(cert_members)

    warnings: list[str] = []
    trust_summary: str | None = None
    needs_update: bool | None = None
    if cert_members:
        warnings, trust_summary, needs_update = _certificate_checks(
            cert_members, appliance, site, now, public_anchors, system_anchors
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
        trust_summary=trust_summary,
        needs_software_update=needs_update,
    )
