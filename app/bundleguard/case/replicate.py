"""The Replicate step's choices, made here once instead of in the window's page: which
certificate the plan checks, the exported PKCS#12 opened and judged, which appliances
import it, where the primary's /appliance is, and the case's replication record as the
user ticks it off.

No Qt here (the judgements themselves are `case.replication`'s rows, `certs.pkcs12`'s and
`certs.trust`'s). Public API:
- `case_chain(files, anchors) -> CaseChain`: the leaf and chain of the case's certificate
  files, from the case's evidence (`case.evidence`: read and judged once per change).
- `open_export(path, passphrase, anchors) -> ExportFacts | NeedsPassphrase`: the action
  "open an exported PKCS#12" (the passphrase is used once, never kept or returned).
- `plan_certificate(export, case_chain) -> PlanCertificate | None`: the certificate the plan,
  the live check and the trust answer use (the export wins over the case's files).
- `judge_trust(chain, anchors) -> TrustReport`.
- `primary_link(case)`, `appliance_link(host) -> ApplianceLink`; `import_hosts(case)`.
- `with_export(replication, facts)`, `with_imported(replication, host, imported)`,
  `with_vendor_update(replication, installed, now=None)`: the record, changed.
- `is_recorded_export(replication, path)`, `exported_choice(paths)`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bundleguard.case.steps import Step
from bundleguard.errors import BundleGuardError, PassphraseError
from bundleguard.roles import Role

if TYPE_CHECKING:
    from cryptography import x509

    from bundleguard.case.evidence import EvidenceCache
    from bundleguard.case.model import Case, Replication
    from bundleguard.certs.anchors import TrustAnchors
    from bundleguard.certs.pkcs12 import Pkcs12Report
    from bundleguard.certs.trust import TrustReport


# ------------------------------------------------------------------ the certificate


@dataclass(frozen=True)
class CaseChain:
    """The certificate of the case's certificate files (leaf first), as the core orders it."""

    leaf: x509.Certificate | None
    chain: tuple[x509.Certificate, ...]


NO_CHAIN = CaseChain(None, ())


@dataclass(frozen=True)
class ExportFacts:
    """The exported PKCS#12, judged by the core (the passphrase is not in here)."""

    path: str
    name: str
    report: Pkcs12Report
    fingerprint: str
    subject: str
    chain: tuple[x509.Certificate, ...]  # leaf first, ordered


@dataclass(frozen=True)
class NeedsPassphrase:
    """The PKCS#12 needs a passphrase (`wrong`: the one given does not open it)."""

    message: str
    wrong: bool


class Source(enum.Enum):
    """Where the certificate the plan checks comes from."""

    EXPORT = "the exported PKCS#12"
    CASE_FILES = "the certificate files"


@dataclass(frozen=True)
class PlanCertificate:
    """The certificate the plan, the live check and the trust answer use."""

    leaf: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    source: Source
    name: str  # the exported file's name ("" for the case's files)


def _all_anchors(anchors: TrustAnchors | None) -> Sequence[x509.Certificate]:
    return anchors.all if anchors is not None else ()


def case_chain(files: Sequence[str], anchors: TrustAnchors | None) -> CaseChain:
    """The leaf and chain of the files the guard accepts as certificates, from the case's
    evidence (`case.evidence`: a file unchanged on disk is not read again)."""
    from bundleguard.case.evidence import shared_evidence
    from bundleguard.certs.chain import build_chain

    certificates = list(shared_evidence().judge(files).certificates(files))
    if not certificates:
        return NO_CHAIN
    chain = build_chain(certificates, anchors=_all_anchors(anchors))
    return CaseChain(chain.leaf, tuple(chain.ordered))


def open_export(
    path: Path, passphrase: bytes | None, anchors: TrustAnchors | None
) -> ExportFacts | NeedsPassphrase:
    """Read and judge the exported PKCS#12 (`NeedsPassphrase` when it asks for one)."""
    from bundleguard.certs.describe import fingerprint_sha256, subject_text
    from bundleguard.certs.pkcs12 import inspect_pkcs12
    from bundleguard.files import read_input_file

    path = Path(path)
    data = read_input_file(path)
    try:
        report = inspect_pkcs12(data, path.name, passphrase, anchors=_all_anchors(anchors))
    except PassphraseError as error:
        return NeedsPassphrase(str(error), passphrase is not None)
    finally:
        passphrase = None
    cert = report.certificate
    if cert is None:
        return ExportFacts(os.path.abspath(path), path.name, report, "", "", ())
    ordered = report.chain_report.ordered if report.chain_report is not None else ()
    chain = tuple(ordered) if ordered and ordered[0] == cert else (cert, *report.chain)
    return ExportFacts(
        os.path.abspath(path),
        path.name,
        report,
        fingerprint_sha256(cert),
        subject_text(cert),
        chain,
    )


def plan_certificate(export: ExportFacts | None, chain: CaseChain | None) -> PlanCertificate | None:
    """The exported PKCS#12's certificate when one is open (it is what the appliances will
    serve), else the case's certificate files', else None."""
    if export is not None and export.report.certificate is not None:
        return PlanCertificate(
            export.report.certificate, export.chain or (export.report.certificate,),
            Source.EXPORT, export.name,
        )  # fmt: skip
    if chain is not None and chain.leaf is not None:
        return PlanCertificate(chain.leaf, chain.chain, Source.CASE_FILES, "")
    return None


def judge_trust(chain: Sequence[x509.Certificate], anchors: TrustAnchors) -> TrustReport:
    """The core's trust answer (the same call the certificates step's report makes)."""
    from bundleguard.certs.trust import check_trust

    return check_trust(tuple(chain), anchors=anchors)


def exported_choice(paths: Sequence[Path], evidence: EvidenceCache | None = None) -> Path | None:
    """Of the files dropped on the export, the one to open: the first the guard finds to
    be an exported PKCS#12 by its content (`intake.is_exported_pkcs12`, whatever its
    name), else the first (opening it says what it is). Reads the files, through the
    case's evidence (each once per change on disk): call it in a worker."""
    from bundleguard.case.evidence import shared_evidence
    from bundleguard.case.intake import is_exported_pkcs12

    cache = evidence if evidence is not None else shared_evidence()
    for path in paths:
        if is_exported_pkcs12(cache.judge_one(os.path.abspath(path)).report):
            return Path(path)
    return Path(paths[0]) if paths else None


# ------------------------------------------------------------------ the appliances


@dataclass(frozen=True)
class ApplianceLink:
    """An appliance's /appliance page: its host, and why it cannot be opened ("" if it can)."""

    host: str
    problem: str

    @property
    def usable(self) -> bool:
        return not self.problem


def host_problem(host: str) -> str:
    """Why `host` is no host name a browser may open ("" when it is one)."""
    from bundleguard.certs.names import normalize_hostname
    from bundleguard.text import visible

    try:
        normalize_hostname(host)
    except BundleGuardError as error:
        return str(error)
    except ValueError:
        return f"'{visible(host)}' is not a hostname."
    return ""


def appliance_link(host: str) -> ApplianceLink:
    host = host.strip()
    return ApplianceLink(host, host_problem(host) if host else "The hostname is empty.")


def primary_link(case: Case) -> ApplianceLink:
    """Where the export is done: the primary (by role; the first appliance without one)."""
    primary = case.primary
    host = primary.hostname.strip() if primary is not None else ""
    if not host:
        return ApplianceLink(
            "",
            f"The case has no primary hostname yet (add it in step {Step.CASE.number}).",
        )
    problem = host_problem(host)
    if problem:
        return ApplianceLink(host, f"The primary's hostname cannot be opened: {problem}")
    return ApplianceLink(host, "")


def import_hosts(case: Case) -> tuple[str, ...]:
    """The appliances that import the export: every backup and traffic node, once each."""
    hosts: list[str] = []
    for entry in case.appliances:
        host = entry.hostname.strip()
        if entry.role in (Role.BACKUP, Role.NODE) and host and host not in hosts:
            hosts.append(host)
    return tuple(hosts)


# ------------------------------------------------------------------ the record


def with_export(replication: Replication, facts: ExportFacts) -> Replication:
    """The record of the export checked: its path and certificate's fingerprint (never
    the passphrase; the PKCS#12 never becomes one of the case's files)."""
    return dataclasses.replace(
        replication, exported_pkcs12=facts.path, exported_fingerprint=facts.fingerprint
    )


def is_recorded_export(replication: Replication, path: str) -> bool:
    """Whether `path` is the export the case records (the same file, however written)."""
    recorded = replication.exported_pkcs12
    if not recorded or not path:
        return False
    return os.path.normcase(os.path.abspath(recorded)) == os.path.normcase(os.path.abspath(path))


def with_imported(replication: Replication, host: str, imported: bool) -> Replication:
    """The record with `host` ticked as imported (added last) or not."""
    hosts = [h for h in replication.imported if h != host]
    if imported:
        hosts.append(host)
    return dataclasses.replace(replication, imported=tuple(hosts))


def with_vendor_update(
    replication: Replication, installed: bool, now: dt.datetime | None = None
) -> Replication:
    """The record with the vendor update installed now (UTC) or not installed."""
    stamp = (now or dt.datetime.now(dt.UTC)).isoformat() if installed else ""
    return dataclasses.replace(replication, vendor_update_installed=stamp)


__all__ = [
    "NO_CHAIN",
    "ApplianceLink",
    "CaseChain",
    "ExportFacts",
    "NeedsPassphrase",
    "PlanCertificate",
    "Source",
    "appliance_link",
    "case_chain",
    "exported_choice",
    "host_problem",
    "import_hosts",
    "is_recorded_export",
    "judge_trust",
    "open_export",
    "plan_certificate",
    "primary_link",
    "with_export",
    "with_imported",
    "with_vendor_update",
]
