"""Write a bundle plan as a zip, atomically, and verify it from the archive's own bytes.

The zip is written to a temporary file in the target folder, flushed and synced, then
reopened and verified (every member's hash against the manifest, and the guard again on
every member as read back). Only then is it given its final name: `os.link` when the name
must not be replaced (an existing file is never overwritten silently), `os.replace` with
`force`. Any failure removes the temporary file; nothing is ever left under the final
name but a verified bundle. A kill mid-write can leave a `.bundleguard-*.part` file
beside it, never the final name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from bundleguard.bundle.manifest import (
    ManifestEntry,
    build_manifest,
    entries_for,
    parse_entries,
    sha256_hex,
)
from bundleguard.bundle.plan import MANIFEST_NAME, Appliance, BundlePlan
from bundleguard.errors import BundleGuardError
from bundleguard.files import (
    TargetExistsError,
    WriteFailedError,
    fsync_folder,
    open_temp,
    publish,
    why,
)
from bundleguard.guard import classify_bytes, find_private_keys

# Many mail servers refuse messages over 10 MB, and base64 makes an attachment a third larger.
WARN_SIZE_BYTES = 10_000_000
_FORBIDDEN_IN_NAMES = set('<>:"/\\|?*') | {chr(c) for c in range(32)}


class BundleRefusedError(BundleGuardError):
    """The plan has refusals: a refused bundle is never written (`.plan` says why)."""

    def __init__(self, plan: BundlePlan) -> None:
        self.plan = plan
        super().__init__(
            f"The bundle for {plan.appliance.hostname} was refused: nothing was written."
        )


class BundleVerificationError(BundleGuardError):
    """The written bundle did not match its plan or did not pass the guard; it was deleted."""


@dataclass(frozen=True)
class WrittenBundle:
    """A bundle on disk that passed verification."""

    path: Path
    size: int
    sha256: str
    appliance: Appliance
    site: str | None
    incident: str | None
    created: dt.datetime
    members: tuple[ManifestEntry, ...]  # manifest.json last
    warnings: tuple[str, ...]
    notes: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "size": self.size,
            "sha256": self.sha256,
            "appliance": self.appliance.hostname,
            "role": self.appliance.role,
            "site": self.site,
            "incident": self.incident,
            "created_utc": self.created.isoformat(),
            "members": [m.to_json() for m in self.members],
            "warnings": list(self.warnings),
            "notes": list(self.notes),
        }


def _write_zip(
    handle: BinaryIO,
    plan: BundlePlan,
    manifest: bytes,
    created: dt.datetime,
    progress: Callable[[str], None] | None,
) -> None:
    # Zip times have no zone; the manifest states the UTC time exactly.
    stamp = created.astimezone(dt.UTC).timetuple()[:6]
    with zipfile.ZipFile(handle, "w") as archive:
        for name, data, kind in (
            *((m.name, m.data, m.type) for m in plan.members),
            (MANIFEST_NAME, manifest, "manifest"),
        ):
            info = zipfile.ZipInfo(name, date_time=stamp)
            # PNG is compressed already: storing it saves time and nothing else.
            info.compress_type = zipfile.ZIP_STORED if kind == "image" else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
            if progress is not None:
                progress(name)
    handle.flush()
    os.fsync(handle.fileno())


def write_bundle(
    plan: BundlePlan,
    out_dir: Path,
    *,
    force: bool = False,
    now: dt.datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> WrittenBundle:
    """Write `plan` as `out_dir / plan.zip_name`, verify it, and report what was written.

    `progress(member_name)` is called after each member is written (for a GUI's progress
    bar). Raises `TargetExistsError`, `WriteFailedError` or `BundleVerificationError`;
    in every case nothing is left under the final name.
    """
    if not plan.accepted:
        raise BundleRefusedError(plan)
    out_dir = Path(out_dir)
    final = out_dir / plan.zip_name
    if final.exists() and not force:
        raise TargetExistsError(final)
    created = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    manifest = build_manifest(plan, created)
    expected = entries_for(plan.members)
    handle = None
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        handle = open_temp(out_dir, PurePosixPath(plan.zip_name).stem)
        temp = Path(handle.name)
        with handle:
            _write_zip(handle, plan, manifest, created, progress)
        # One read: the bytes verified are the bytes hashed, whatever happens to the file.
        whole = temp.read_bytes()
        checked = verify_bundle_bytes(whole, final.name, expected)
        digest, size = hashlib.sha256(whole).hexdigest(), len(whole)
        del whole
        publish(temp, final, force)
    except OSError as error:
        raise WriteFailedError(
            f"Cannot write the bundle '{final}': {why(error)}. Nothing was written."
        ) from None
    finally:
        if handle is not None:
            Path(handle.name).unlink(missing_ok=True)
    fsync_folder(out_dir)
    # Belt and braces: the file under the final name is the one that was verified.
    try:
        digest_after, _ = _hash_file(final)
    except OSError as error:
        final.unlink(missing_ok=True)
        raise WriteFailedError(f"Cannot read back '{final}': {why(error)}.") from None
    if digest_after != digest:
        final.unlink(missing_ok=True)
        raise BundleVerificationError(
            f"'{final}' changed after it was verified; it was deleted. Write it again."
        )
    warnings = list(plan.warnings)
    if size > WARN_SIZE_BYTES:
        warnings.append(
            f"The bundle is {size / 1e6:.1f} MB: many mail servers refuse attachments over "
            "10 MB. Crop the screenshot, or send the bundle through the support portal."
        )
    return WrittenBundle(
        path=final,
        size=size,
        sha256=digest,
        appliance=plan.appliance,
        site=plan.site,
        incident=plan.incident,
        created=created,
        members=checked,
        warnings=tuple(warnings),
        notes=plan.notes,
    )


def _hash_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _unsafe_name(name: str) -> bool:
    parts = name.split("/")
    return (
        not name
        or len(parts) != 1
        or name in (".", "..")
        or any(c in _FORBIDDEN_IN_NAMES for c in name)
        or name.endswith((" ", "."))
    )


def verify_bundle(
    path: Path, expected: Sequence[ManifestEntry] | None = None
) -> tuple[ManifestEntry, ...]:
    """Reopen a bundle and check it from its own bytes; its entries, manifest last.

    Checks: safe and unique member names; the manifest lists exactly the other members
    (and equals `expected` when given); every member's size and SHA-256; the guard's
    verdict on every member as read back (a certificate or an image, as the manifest
    says); no key material anywhere in the archive, the manifest included.
    Raises `BundleVerificationError` with every reason found.
    """
    try:
        whole = Path(path).read_bytes()
    except OSError as error:
        raise BundleVerificationError(f"'{path}' cannot be read: {why(error)}.") from None
    return verify_bundle_bytes(whole, Path(path).name, expected)


def verify_bundle_bytes(
    whole: bytes, name: str, expected: Sequence[ManifestEntry] | None = None
) -> tuple[ManifestEntry, ...]:
    """`verify_bundle` on the archive's bytes, read once by the caller."""
    path = name
    problems: list[str] = []
    try:
        for finding in find_private_keys(whole, name):
            problems.append(f"the archive holds key material: {finding.describe()}")
        with zipfile.ZipFile(io.BytesIO(whole)) as archive:
            names = [info.filename for info in archive.infolist()]
            if len({n.lower() for n in names}) != len(names):
                problems.append("two members share a name")
            problems.extend(f"unsafe member name {n!r}" for n in names if _unsafe_name(n))
            if MANIFEST_NAME not in names:
                raise BundleVerificationError(f"'{path}' has no {MANIFEST_NAME}.")
            manifest = archive.read(MANIFEST_NAME)
            entries = parse_entries(manifest)
            if expected is not None and tuple(entries) != tuple(expected):
                problems.append("the manifest does not list what was planned")
            if sorted(names) != sorted([e.name for e in entries] + [MANIFEST_NAME]):
                problems.append("the members are not the ones the manifest lists")
            listed = set(names)
            for entry in entries:
                if entry.name not in listed:
                    continue
                data = archive.read(entry.name)  # zipfile checks the CRC
                if len(data) != entry.size or sha256_hex(data) != entry.sha256:
                    problems.append(f"{entry.name}: its bytes differ from the manifest")
                report = classify_bytes(data, entry.name)
                if not report.may_enter_bundle or report.verdict.value != entry.type:
                    why = " ".join(report.reasons) or report.verdict.value
                    problems.append(f"{entry.name} reads back as {report.verdict.value}: {why}")
    except BundleVerificationError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, KeyError, OSError) as error:
        # `error` may quote member bytes (a zlib or JSON message); say what failed, not that.
        problems.append(f"the archive cannot be read back ({type(error).__name__})")
    if problems:
        raise BundleVerificationError(
            "The bundle failed verification and was deleted: " + "; ".join(problems) + "."
        )
    manifest_entry = ManifestEntry(MANIFEST_NAME, sha256_hex(manifest), len(manifest), "manifest")
    return (*entries, manifest_entry)
