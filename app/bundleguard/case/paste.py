"""Paste certificate text as a file of the case: judged first, then written beside the case.

The one action for "the user pasted (or dropped) PEM text": the window calls it in a
worker, and adds the file it wrote like any other file handed over. In order:

1. the text is measured (no larger than the one reader would read back) and the case's
   limits are checked (`model.check_can_add`): a case that cannot take one more file
   gets nothing written;
2. the guard judges the text itself (`guard.classify_bytes`): anything but a certificate
   (a private key, a PKCS#12, text that is no certificate) is refused with the guard's
   reasons, and **nothing is written**;
3. the certificates it holds are written as PEM (never the words pasted around them: a
   note, a passphrase), as the next free `pasted-N.pem` of the case's folder with the
   careful writer (`store.write_case_file`: atomic, never replacing a
   file, never through a link out of the case's folder).

Qt-free, and no words of a shell.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bundleguard.errors import InputError
from bundleguard.files import MAX_INPUT_BYTES, TargetExistsError

if TYPE_CHECKING:
    from bundleguard.case.model import Case
    from bundleguard.guard.report import FileReport

__all__ = ["MAX_PASTE_BYTES", "PasteRefusedError", "Pasted", "paste_certificate_text"]

MAX_PASTE_BYTES = MAX_INPUT_BYTES
"""The most pasted text kept: no more than the one reader reads back from the file."""

PASTED_STEM = "pasted-"


class PasteRefusedError(InputError):
    """The pasted text is not kept; `.reasons` are the guard's (or the limit's) words."""

    def __init__(self, reasons: tuple[str, ...]) -> None:
        self.reasons = reasons
        super().__init__(" ".join(reasons))


@dataclass(frozen=True)
class Pasted:
    """Pasted text kept as a file: where, and the guard's report on the text (a
    certificate, with the certificates it parsed)."""

    path: Path
    report: FileReport


def paste_certificate_text(folder: Path, text: str | bytes, *, case: Case | None = None) -> Pasted:
    """Keep pasted certificate text as the next free `pasted-N.pem` in the case's folder
    `folder` (see the module's docstring for the order of the checks).

    `case`, when given, is the case the file is for: its limits are checked first.
    Raises `PasteRefusedError` (the guard's reasons: nothing written), `CaseLimitError`,
    or the store's `InputError` (a link out of the case's folder, a folder that cannot be
    written)."""
    from bundleguard.guard.scan import classify_bytes

    data = text.encode("utf-8", "replace") if isinstance(text, str) else bytes(text)
    if len(data) > MAX_PASTE_BYTES:
        raise PasteRefusedError(
            (
                f"The pasted text is {len(data):,} bytes, more than the {MAX_PASTE_BYTES:,} a "
                "certificate file may hold.",
            )
        )
    if case is not None:
        from bundleguard.case.model import check_can_add

        check_can_add(case, 1)
    report = classify_bytes(data, "pasted text")
    if report.verdict.value != "certificate":
        raise PasteRefusedError(tuple(report.reasons) or ("It is not a certificate.",))
    return Pasted(_write_next_free(Path(folder), _certificates_only(data, report)), report)


def _certificates_only(data: bytes, report: FileReport) -> bytes:
    """The certificates the guard parsed, as PEM: what was pasted around them (an email's
    words, a passphrase) is never kept, as it never travels in a bundle."""
    from cryptography.hazmat.primitives.serialization import Encoding

    certificates = tuple(getattr(report, "certificates", ()) or ())
    if not certificates:
        return data  # the guard's verdict without its parse: the text as judged
    return b"".join(c.public_bytes(Encoding.PEM) for c in certificates)


def _write_next_free(folder: Path, data: bytes) -> Path:
    """`data` as the first `pasted-N.pem` of `folder` not taken (by a file or a link)."""
    from bundleguard.case.store import write_case_file

    number = 1
    while True:
        name = f"{PASTED_STEM}{number}.pem"
        target = folder / name
        if not os.path.lexists(target):
            try:
                return write_case_file(folder, name, data)
            except TargetExistsError:
                pass  # taken meanwhile: the next number
        number += 1
