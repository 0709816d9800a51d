"""Everything `bundleguard inspect` reports about a set of files, as one frozen report."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509

from bundleguard.certs.chain import ChainReport, build_chain
from bundleguard.certs.describe import (
    fingerprint_sha256,
    is_self_signed,
    issuer_text,
    subject_text,
)
from bundleguard.certs.load import PEM_BLOCK, detect_format, load_certificates
from bundleguard.certs.names import (
    CoverageReport,
    ReplicationVerdict,
    certificate_names,
    coverage,
    replication_verdict,
)
from bundleguard.certs.pkcs12 import Pkcs12Report, inspect_pkcs12
from bundleguard.certs.trust import TrustReport, check_trust
from bundleguard.certs.validity import DEFAULT_EXPIRY_DAYS, ValidityReport, check_validity


@dataclass(frozen=True)
class InputFile:
    """One file's name and bytes, and the passphrase to open it if it needs one."""

    name: str
    data: bytes
    passphrase: bytes | None = dataclasses.field(default=None, repr=False)


@dataclass(frozen=True)
class FileReport:
    name: str
    format: str
    certificate_count: int
    holds_private_key: bool
    pkcs12: Pkcs12Report | None


@dataclass(frozen=True)
class CertificateSummary:
    role: str  # "leaf", "intermediate", "root", "other"
    subject: str
    issuer: str
    not_before: dt.datetime
    not_after: dt.datetime
    fingerprint_sha256: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class InspectReport:
    files: tuple[FileReport, ...]
    certificates: tuple[CertificateSummary, ...]
    chain: ChainReport
    validity: ValidityReport
    trust: TrustReport
    coverage: CoverageReport | None
    replication: ReplicationVerdict | None
    problems: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def _summaries(chain: ChainReport) -> tuple[CertificateSummary, ...]:
    roles: list[tuple[x509.Certificate, str]] = []
    for index, cert in enumerate(chain.ordered):
        if index == 0:
            role = "leaf"
        elif is_self_signed(cert):
            role = "root"
        else:
            role = "intermediate"
        roles.append((cert, role))
    roles.extend((c, "other") for c in (*chain.extra_leaves, *chain.unrelated))
    return tuple(
        CertificateSummary(
            role=role,
            subject=subject_text(cert),
            issuer=issuer_text(cert),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            fingerprint_sha256=fingerprint_sha256(cert),
            names=certificate_names(cert),
        )
        for cert, role in roles
    )


def _holds_pem_key(data: bytes) -> bool:
    return any(b"PRIVATE KEY" in m.group(1) for m in PEM_BLOCK.finditer(data))


def inspect_files(
    files: Sequence[InputFile],
    site: str | None = None,
    appliances: Sequence[str] = (),
    traffic_nodes: Sequence[str] = (),
    now: dt.datetime | None = None,
    expiry_days: int = DEFAULT_EXPIRY_DAYS,
    public_anchors: Sequence[x509.Certificate] | None = None,
    system_anchors: Sequence[x509.Certificate] | None = None,
) -> InspectReport:
    """Load every file, treat all their certificates as one chain, and check it all.

    Raises `InputError` / `PassphraseError` from loading, naming the file.
    """
    file_reports: list[FileReport] = []
    certs: list[x509.Certificate] = []
    problems: list[str] = []
    warnings: list[str] = []
    for item in files:
        kind = detect_format(item.data)
        loaded = load_certificates(item.data, item.name, item.passphrase)
        certs.extend(loaded)
        p12 = inspect_pkcs12(item.data, item.name, item.passphrase) if kind == "pkcs12" else None
        holds_key = p12.has_private_key if p12 else _holds_pem_key(item.data)
        file_reports.append(FileReport(item.name, kind, len(loaded), holds_key, p12))
        if p12 is not None:
            problems.extend(p for p in p12.problems if p not in problems)
            warnings.extend(p12.warnings)
        elif holds_key:
            warnings.append(
                f"'{item.name}' holds a private key: never send it to support. Use "
                "extract-chain to write the certificates alone."
            )

    anchors = None
    if public_anchors is not None and system_anchors is not None:
        anchors = (*public_anchors, *system_anchors)
    chain = build_chain(certs, anchors=anchors)
    ordered = chain.ordered
    validity = check_validity(ordered, now=now, expiry_days=expiry_days)
    trust = check_trust(ordered, None, now, public_anchors, system_anchors)
    leaf = chain.leaf
    cover = None
    verdict = None
    if leaf is not None:
        names = [n for n in (site, *appliances, *traffic_nodes) if n]
        if names:
            cover = coverage(leaf, names)
        if appliances or traffic_nodes:
            verdict = replication_verdict(leaf, site, appliances, traffic_nodes)
            problems.extend(verdict.problems)
        elif cover is not None and cover.uncovered:
            problems.append("The certificate does not cover " + ", ".join(cover.uncovered) + ".")
    for text in (*chain.problems, *validity.problems):
        if text not in problems:
            problems.append(text)
    warnings.extend(w for w in (*chain.warnings, *validity.warnings) if w not in warnings)
    return InspectReport(
        files=tuple(file_reports),
        certificates=_summaries(chain),
        chain=chain,
        validity=validity,
        trust=trust,
        coverage=cover,
        replication=verdict,
        problems=tuple(problems),
        warnings=tuple(warnings),
    )


def to_jsonable(value: object) -> object:
    """The report as plain JSON types; certificates become subject + fingerprint."""
    if isinstance(value, x509.Certificate):
        return {"subject": subject_text(value), "fingerprint_sha256": fingerprint_sha256(value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        for name in ("ok", "complete"):
            if isinstance(getattr(type(value), name, None), property):
                data[name] = getattr(value, name)
        return data
    if isinstance(value, tuple | list):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return None  # never serialise raw bytes (passphrases, key material)
    return value
