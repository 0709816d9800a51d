"""Everything `bundleguard inspect` reports about a set of files, as one frozen report."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509

from bundleguard.certs.anchors import NO_ANCHORS, TrustAnchors
from bundleguard.certs.chain import ChainReport, build_chain
from bundleguard.certs.describe import chain_role
from bundleguard.certs.load import (
    MAX_CERTIFICATES,
    TooManyCertificatesError,
    detect_format,
    load_certificates,
    pem_blocks,
)
from bundleguard.certs.names import (
    CoverageReport,
    ReplicationVerdict,
    coverage,
    replication_verdict,
)
from bundleguard.certs.pkcs12 import Pkcs12Report, inspect_pkcs12
from bundleguard.certs.summary import CertificateSummary
from bundleguard.certs.trust import TrustReport, check_trust
from bundleguard.certs.validity import (
    DEFAULT_EXPIRY_DAYS,
    ValidityReport,
    check_expiry_days,
    check_validity,
)

__all__ = [
    "CertificateSummary",
    "InputFile",
    "InspectReport",
    "InspectedFile",
    "TooManyCertificatesError",
    "inspect_files",
]


@dataclass(frozen=True)
class InputFile:
    """One file's name and bytes, and the passphrase to open it if it needs one."""

    name: str
    data: bytes
    passphrase: bytes | None = dataclasses.field(default=None, repr=False)


@dataclass(frozen=True)
class InspectedFile:
    """One file given to `inspect`: its format, how many certificates, whether a key."""

    name: str
    format: str
    certificate_count: int
    holds_private_key: bool
    pkcs12: Pkcs12Report | None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "format": self.format,
            "certificate_count": self.certificate_count,
            "holds_private_key": self.holds_private_key,
            "pkcs12": self.pkcs12.to_json() if self.pkcs12 is not None else None,
        }


@dataclass(frozen=True)
class InspectReport:
    files: tuple[InspectedFile, ...]
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

    @property
    def chain_certificates(self) -> tuple[x509.Certificate, ...]:
        """The certificates `certificates` summarises, in the same order: the chain leaf
        first, then those outside it."""
        chain = self.chain
        return (*chain.ordered, *chain.extra_leaves, *chain.unrelated)

    def to_json(self) -> dict[str, Any]:
        """The `inspect --json` form: exact values (nothing escaped), no key bytes."""
        return {
            "files": [file.to_json() for file in self.files],
            "certificates": [cert.to_json() for cert in self.certificates],
            "chain": self.chain.to_json(),
            "validity": self.validity.to_json(),
            "trust": self.trust.to_json(),
            "coverage": self.coverage.to_json() if self.coverage is not None else None,
            "replication": self.replication.to_json() if self.replication is not None else None,
            "problems": list(self.problems),
            "warnings": list(self.warnings),
            "ok": self.ok,
        }


def _summaries(chain: ChainReport) -> tuple[CertificateSummary, ...]:
    # In the order of `InspectReport.chain_certificates`.
    roles = [(cert, chain_role(index, cert)) for index, cert in enumerate(chain.ordered)]
    roles.extend((c, "other") for c in (*chain.extra_leaves, *chain.unrelated))
    return tuple(CertificateSummary.of(cert, role) for cert, role in roles)


def _holds_pem_key(data: bytes) -> bool:
    return any(b"PRIVATE KEY" in block.label for block in pem_blocks(data))


def inspect_files(
    files: Sequence[InputFile],
    site: str | None = None,
    appliances: Sequence[str] = (),
    traffic_nodes: Sequence[str] = (),
    now: dt.datetime | None = None,
    expiry_days: int = DEFAULT_EXPIRY_DAYS,
    anchors: TrustAnchors | None = None,
    *,
    public_anchors: Sequence[x509.Certificate] | None = None,
    system_anchors: Sequence[x509.Certificate] | None = None,
) -> InspectReport:
    """Load every file, treat all their certificates as one chain, and check it all.

    Trust is judged against `anchors` (the shell's `load_trust_anchors()`); nothing is
    read here, and without anchors nothing is trusted. `public_anchors` and
    `system_anchors` are the older spelling of the same, kept for callers not yet moved.
    Raises `InputError` / `PassphraseError` from loading, naming the file, and
    `TooManyCertificatesError` past `MAX_CERTIFICATES` in all.
    """
    if anchors is None:
        if public_anchors is None and system_anchors is None:
            anchors = NO_ANCHORS
        else:
            anchors = TrustAnchors(tuple(public_anchors or ()), tuple(system_anchors or ()))
    check_expiry_days(expiry_days)
    file_reports: list[InspectedFile] = []
    certs: list[x509.Certificate] = []
    problems: list[str] = []
    warnings: list[str] = []
    for item in files:
        kind = detect_format(item.data)
        loaded = load_certificates(item.data, item.name, item.passphrase)
        certs.extend(loaded)
        if len(certs) > MAX_CERTIFICATES:
            raise TooManyCertificatesError(len(certs))
        p12 = (
            inspect_pkcs12(item.data, item.name, item.passphrase, anchors=anchors.all)
            if kind == "pkcs12"
            else None
        )
        holds_key = p12.has_private_key if p12 else _holds_pem_key(item.data)
        file_reports.append(InspectedFile(item.name, kind, len(loaded), holds_key, p12))
        if p12 is not None:
            problems.extend(p for p in p12.problems if p not in problems)
            warnings.extend(p12.warnings)
        elif holds_key:
            warnings.append(
                f"'{item.name}' holds a private key: never send it to support. Use "
                "extract-chain to write the certificates alone."
            )

    chain = build_chain(certs, anchors=anchors.all)
    ordered = chain.ordered
    validity = check_validity(ordered, now=now, expiry_days=expiry_days)
    trust = check_trust(ordered, None, now, anchors=anchors)
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
