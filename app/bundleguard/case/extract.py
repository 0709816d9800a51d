"""Extract, the one action both shells call: the certificates of a key container (a .p12,
or a PEM that also holds a key) written as separate certificate files, never the key.

No Qt here. `extract_certificates(source, passphrase, folder, *, anchors=(), for_case=False,
known=(), replace=False) -> ExtractedCertificates`. From the command line it writes every
certificate and the full chain into the folder the user named, replacing nothing unless
asked; for the window (`for_case=True`) it writes into the case's folder, never through a
link out of it, skips the full chain (the separate files are the bundle's) and the
certificates the case already holds. Either way every file is checked to be certificates
only before anything is written. The passphrase is dropped once the file is opened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from bundleguard.certs.chain import ChainReport
from bundleguard.errors import InputError


@dataclass(frozen=True)
class ExtractedCertificates:
    """What `extract_certificates` wrote, and what it found about the chain."""

    source: Path
    written: tuple[Path, ...]  # every file written, the full chain's included
    already: int  # certificates the case already held: not written again
    chain: ChainReport
    full_chain: Path | None = None  # the full chain's file, when one was written

    @property
    def problems(self) -> tuple[str, ...]:
        """What is wrong with the chain that was written (an incomplete chain, ...)."""
        return tuple(self.chain.problems)

    def words(self, escape: Callable[[str], str]) -> str:
        """How many certificates were extracted from which file, in one sentence."""
        name = escape(self.source.name)
        new, had = len(self.written) - (self.full_chain is not None), self.already
        if not new:
            if had == 1:
                return f"The certificate in {name} was already in the case."
            return f"The {had} certificates in {name} were already in the case."
        extracted = f"Extracted {new} certificate{'s' if new != 1 else ''} from {name}"
        if had:
            were = "was" if had == 1 else "were"
            return f"{extracted} ({had} more {were} already in the case)."
        return f"{extracted}."


def extract_certificates(
    source: Path,
    passphrase: bytes | None,
    folder: Path,
    *,
    anchors: Sequence[x509.Certificate] = (),
    for_case: bool = False,
    known: Iterable[x509.Certificate] = (),
    replace: bool = False,
) -> ExtractedCertificates:
    """Write the certificates of `source` into `folder` as `01-leaf-….crt`, … (and
    `full-chain-….pem` unless `for_case`). Raises `PassphraseNeeded`/`WrongPassphrase`,
    `TargetExistsError` (every file already there, before anything is written, unless
    `replace`), `OutsideCaseFolderError` (for the case: a link out of its folder) or
    another `BundleGuardError`."""
    from bundleguard.certs.extract import check_certificates_only, extract_chain
    from bundleguard.certs.load import load_certificates
    from bundleguard.files import TargetExistsError, read_input_file, write_file_atomic

    source, folder = Path(source), Path(folder)
    data = read_input_file(source)
    try:
        certificates = load_certificates(data, source.name, passphrase)
    finally:
        del passphrase
    extraction = check_certificates_only(extract_chain(certificates, anchors=anchors))
    have = set(known)  # a certificate equals another with the same DER bytes
    chosen = []
    already = 0
    for item in extraction.files:
        if for_case and item.role == "full-chain":
            continue  # the separate files are the bundle's; one copy of each is enough
        if for_case and x509.load_pem_x509_certificate(item.data) in have:
            already += 1
            continue
        chosen.append(item)
    written: list[Path] = []
    if for_case:
        from bundleguard.case.store import write_case_file

        for item in chosen:  # replaced in the case's own folder: never through a link out
            written.append(write_case_file(folder, item.filename, item.data, force=True))
        return ExtractedCertificates(source, tuple(written), already, extraction.chain)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"Cannot create '{folder}': {error.strerror or error}.") from None
    existing = [folder / f.filename for f in chosen if (folder / f.filename).exists()]
    if existing and not replace:
        raise TargetExistsError(*existing)
    full_chain = None
    for item in chosen:
        written.append(write_file_atomic(folder / item.filename, item.data, force=replace))
        if item.role == "full-chain":
            full_chain = written[-1]
    return ExtractedCertificates(source, tuple(written), already, extraction.chain, full_chain)


__all__ = ["ExtractedCertificates", "extract_certificates"]
