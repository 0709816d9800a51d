"""Certificates-only output for the support bundle: one file per certificate, plus a full chain.

Produces names and PEM bytes; writing them is the caller's job. Names are safe on
Windows, macOS and Linux.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from bundleguard.certs.chain import ChainReport, build_chain
from bundleguard.certs.describe import common_name, dns_names, subject_text
from bundleguard.errors import InputError
from bundleguard.naming import safe_name_part, unique


@dataclass(frozen=True)
class ExtractedFile:
    """One output file: a safe file name and its PEM bytes (certificates only)."""

    filename: str
    data: bytes
    role: str  # "leaf", "intermediate", "root", "other" or "full-chain"


@dataclass(frozen=True)
class Extraction:
    files: tuple[ExtractedFile, ...]
    chain: ChainReport


def check_certificates_only(extraction: Extraction) -> Extraction:
    """`extraction`, once every file is seen to hold certificates that load back and no key.

    Belt and braces before anything is written; raises `InputError` otherwise.
    """
    from bundleguard.certs.load import load_certificates

    for extracted in extraction.files:
        if b"PRIVATE KEY" in extracted.data or not load_certificates(extracted.data):
            raise InputError("Refusing to write a file that is not certificates only.")
    return extraction


def _label(cert: x509.Certificate, role: str) -> str:
    if role == "leaf":
        names = dns_names(cert)
        return common_name(cert) or (names[0] if names else subject_text(cert))
    return subject_text(cert)


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(Encoding.PEM)


def extract_chain(
    certs: Sequence[x509.Certificate], anchors: Sequence[x509.Certificate] | None = None
) -> Extraction:
    """Order `certs` and name one PEM file per certificate, then a full-chain PEM.

    `01-leaf-<name>.crt`, `02-intermediate-<CN>.crt`, ..., `NN-root-<CN>.crt`; certificates
    outside the chain follow as `NN-other-<CN>.crt`; `full-chain-<name>.pem` holds
    the ordered chain.
    """
    report = build_chain(certs, anchors=anchors)
    roles: list[tuple[x509.Certificate, str]] = []
    for index, cert in enumerate(report.ordered):
        if index == 0:
            role = "leaf"
        elif index == len(report.ordered) - 1 and report.root_present:
            role = "root"
        else:
            role = "intermediate"
        roles.append((cert, role))
    roles.extend((cert, "other") for cert in (*report.extra_leaves, *report.unrelated))

    files: list[ExtractedFile] = []
    used: set[str] = set()

    for number, (cert, role) in enumerate(roles, start=1):
        name = unique(f"{number:02d}-{role}-{safe_name_part(_label(cert, role))}.crt", used)
        files.append(ExtractedFile(name, _pem(cert), role))
    if report.leaf is not None:
        leaf_name = safe_name_part(_label(report.leaf, "leaf"))
        full = b"".join(_pem(cert) for cert in report.ordered)
        name = unique(f"full-chain-{leaf_name}.pem", used)
        files.append(ExtractedFile(name, full, "full-chain"))
    return Extraction(tuple(files), report)
