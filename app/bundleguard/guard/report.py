"""What the secret guard reports: findings of key material and one verdict per file."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from enum import StrEnum

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding


class Verdict(StrEnum):
    """The one word a file gets. Only `certificate` and `image` may enter a bundle."""

    SECRET = "secret"
    CERTIFICATE = "certificate"
    IMAGE = "image"
    REFUSED = "refused"
    ERROR = "error"


@dataclass(frozen=True)
class Finding:
    """One piece of private key material (or something that looks like one, damaged).

    `offset` is the byte offset in the file, or inside `member` when the key sits in an
    archive (members of nested archives are joined with "!": ``outer.zip!inner.tar!key.pem``).
    A key found inside a base64 blob is reported at the blob's first byte.
    """

    kind: str
    label: str
    offset: int
    encoding: str = "binary"
    member: str | None = None
    damaged: bool = False
    detail: str = ""
    # The certificate field that holds it ("the certificate's extension 1.2.3.4"), when
    # the key sits inside a certificate; bounded.
    place: str = ""

    def where(self) -> str:
        """'at byte N', and 'of MEMBER' inside an archive (a bounded name: archives name
        members anything, at any length); 'in the certificate's ...' for a certificate field."""
        if self.place:
            return f"in {self.place}"
        where = f"at byte {self.offset}"
        if self.member:
            member = self.member if len(self.member) <= 160 else self.member[:159] + "…"
            where += f" of {member}"
        return where

    def describe(self) -> str:
        text = f"{self.label} ({self.encoding}) {self.where()}"
        return f"{text}: {self.detail}" if self.detail else text

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "kind": self.kind,
            "label": self.label,
            "offset": self.offset,
            "encoding": self.encoding,
            "damaged": self.damaged,
        }
        if self.member is not None:
            data["member"] = self.member
        if self.detail:
            data["detail"] = self.detail
        if self.place:
            data["place"] = self.place
        return data


@dataclass(frozen=True)
class FileReport:
    """The verdict on one file, every reason for it, and every key finding."""

    path: str
    verdict: Verdict
    reasons: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    size: int | None = None
    notes: tuple[str, ...] = field(default=())
    # The certificates the guard parsed, when the verdict is `certificate` (in file order),
    # so that nothing downstream parses the file again.
    certificates: tuple[x509.Certificate, ...] = field(default=(), compare=False, repr=False)

    def __reduce__(self):
        """Pickled as DER (worker processes send reports back; certificate objects do not
        pickle)."""
        ders = tuple(c.public_bytes(Encoding.DER) for c in self.certificates)
        fields = (self.path, self.verdict, self.reasons, self.findings, self.size, self.notes)
        return (_rebuild_report, (*fields, ders))

    @property
    def is_secret(self) -> bool:
        return self.verdict is Verdict.SECRET

    @property
    def may_enter_bundle(self) -> bool:
        return self.verdict in (Verdict.CERTIFICATE, Verdict.IMAGE)

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "verdict": self.verdict.value,
            "reasons": list(self.reasons),
            "findings": [f.to_json() for f in self.findings],
            "size": self.size,
        }


def _rebuild_report(path, verdict, reasons, findings, size, notes, ders) -> FileReport:
    certificates = tuple(_certificate(der) for der in ders)
    return FileReport(path, verdict, reasons, findings, size, notes, certificates)


@functools.lru_cache(maxsize=1024)
def _certificate(der: bytes) -> x509.Certificate:
    """The same roots and intermediates come back from the workers in report after
    report: each is parsed once (certificates are immutable)."""
    return x509.load_der_x509_certificate(der)
