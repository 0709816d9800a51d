"""Certificates-only output for the support bundle: one file per certificate, plus a full chain.

Produces names and PEM bytes; writing them is the caller's job. Names are safe on
Windows, macOS and Linux.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from bundleguard.certs.chain import ChainReport, build_chain
from bundleguard.certs.describe import common_name, dns_names, subject_text

WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)
UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME_PART = 64


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


def safe_name_part(text: str) -> str:
    """`text` made safe for a file name on every platform (never empty)."""
    text = text.strip().replace("*", "wildcard")
    text = UNSAFE.sub("_", text).strip("._ ")[:MAX_NAME_PART].rstrip("._ ")
    if not text:
        return "unnamed"
    if text.split(".")[0].upper() in WINDOWS_RESERVED:
        text = f"_{text}"
    return text


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

    def unique(name: str) -> str:
        stem, dot, ext = name.rpartition(".")
        candidate, number = name, 2
        while candidate.lower() in used:
            candidate = f"{stem}-{number}{dot}{ext}"
            number += 1
        used.add(candidate.lower())
        return candidate

    for number, (cert, role) in enumerate(roles, start=1):
        name = unique(f"{number:02d}-{role}-{safe_name_part(_label(cert, role))}.crt")
        files.append(ExtractedFile(name, _pem(cert), role))
    if report.leaf is not None:
        leaf_name = safe_name_part(_label(report.leaf, "leaf"))
        full = b"".join(_pem(cert) for cert in report.ordered)
        files.append(ExtractedFile(unique(f"full-chain-{leaf_name}.pem"), full, "full-chain"))
    return Extraction(tuple(files), report)
