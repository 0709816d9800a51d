"""Save a chain: certificates written as one PEM file, or one file per certificate, each
checked by the secret guard before it is written (certificates only, never a key).

No Qt here. `chain_files(certificates, target, per_certificate)` names the files and their
bytes (leaf first, as `certs.extract` orders and names them); `save_chain(...)` checks and
writes them with the one careful writer, replacing nothing unless asked: every existing
target is named (`TargetExistsError`) before anything is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cryptography import x509

from bundleguard.errors import InputError

PER_CERTIFICATE_SUFFIX = ".crt"
ONE_FILE_SUFFIX = ".pem"


def chain_files(
    certificates: Sequence[x509.Certificate], target: Path, *, per_certificate: bool
) -> tuple[tuple[Path, bytes], ...]:
    """The files to write: `target` itself holding every certificate (leaf first), or,
    per certificate, `STEM-01-leaf-NAME.crt`, `STEM-02-intermediate-NAME.crt`, … beside
    `target` (STEM is the name the user gave, without its suffix)."""
    from bundleguard.certs.extract import extract_chain

    if not certificates:
        raise InputError("There is no certificate to save.")
    target = Path(target)
    files = [f for f in extract_chain(certificates).files if f.role != "full-chain"]
    if not per_certificate:
        return ((target, b"".join(f.data for f in files)),)
    stem = target.stem if target.suffix else target.name
    return tuple((target.with_name(f"{stem}-{f.filename}"), f.data) for f in files)


def check_certificates_only(name: str, data: bytes) -> None:
    """The guard's verdict on what is about to be written: certificates, nothing else."""
    from bundleguard.certs.load import load_certificates
    from bundleguard.guard import Verdict, classify_bytes

    report = classify_bytes(data, name)
    if report.verdict is not Verdict.CERTIFICATE or not load_certificates(data, name):
        raise InputError(
            f"'{name}' was not written: the secret guard does not find certificates only in "
            f"it ({' '.join(report.reasons) or report.verdict.value})."
        )


def save_chain(
    certificates: Sequence[x509.Certificate],
    target: Path,
    *,
    per_certificate: bool = False,
    replace: bool = False,
) -> tuple[Path, ...]:
    """Write the chain (see `chain_files`); the paths written. Raises `TargetExistsError`
    (all existing targets, nothing written) unless `replace`, `InputError` when the guard
    refuses a file, `WriteFailedError` when the disk does."""
    from bundleguard.files import TargetExistsError, write_file_atomic

    planned = chain_files(certificates, target, per_certificate=per_certificate)
    for path, data in planned:
        check_certificates_only(path.name, data)
    existing = [path for path, _ in planned if path.exists() or path.is_symlink()]
    if existing and not replace:
        raise TargetExistsError(*existing)
    return tuple(write_file_atomic(path, data, force=replace) for path, data in planned)


__all__ = ["chain_files", "check_certificates_only", "save_chain"]
