"""Load certificates from PEM, DER, PKCS#7 and PKCS#12 bytes; key material is dropped at once."""

from __future__ import annotations

import base64
import binascii
import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12

from bundleguard import asn1
from bundleguard.errors import InputError, PassphraseError

PEM_MARKER = re.compile(rb"-----(BEGIN|END) ([A-Z0-9 #]+)-----")
"""One armour line; the label holds no dash, so finding them all is linear."""
MAX_CERTIFICATES = 1000
"""No chain comes near this many certificates; past it a file is refused unread."""
CERTIFICATE_LABELS = frozenset({b"CERTIFICATE", b"X509 CERTIFICATE", b"TRUSTED CERTIFICATE"})
PKCS7_LABELS = frozenset({b"PKCS7", b"PKCS #7 SIGNED DATA", b"CMS"})
OID_PKCS7_DATA = "1.2.840.113549.1.7.1"
OID_PKCS7_SIGNED = "1.2.840.113549.1.7.2"


class PassphraseNeeded(PassphraseError):
    """The PKCS#12 file is protected and no passphrase was given."""


class WrongPassphrase(PassphraseError):
    """The passphrase given does not open the PKCS#12 file."""


class TooManyCertificatesError(InputError):
    """More certificates than any chain holds: refused before they are parsed."""

    def __init__(self, count: int, name: str = "") -> None:
        self.count = count
        where = f" in {_label(name)}" if name else ""
        super().__init__(
            f"{count} certificates were given{where}: no chain holds more than "
            f"{MAX_CERTIFICATES}. Give the chain of one server (a trust store or CA bundle "
            "is not a chain)."
        )


@dataclass(frozen=True)
class PemBlock:
    """One `-----BEGIN label----- ... -----END label-----` block: label and body text."""

    label: bytes
    body: bytes
    start: int
    end: int


def pem_blocks(data: bytes) -> Iterator[PemBlock]:
    """Every PEM block of `data` in order, as `BEGIN (.*?) END` with the same label finds them.

    Linear in the size of `data` (a regular expression searching for each BEGIN's END is
    quadratic on many BEGIN lines without an END): every armour line is found in one
    pass, then each BEGIN is paired with the next END of its label.
    """
    begins: list[re.Match[bytes]] = []
    ends: dict[bytes, list[re.Match[bytes]]] = {}
    for marker in PEM_MARKER.finditer(data):
        if marker.group(1) == b"BEGIN":
            begins.append(marker)
        else:
            ends.setdefault(marker.group(2), []).append(marker)
    end_starts = {label: [m.start() for m in found] for label, found in ends.items()}
    position = 0
    for begin in begins:
        if begin.start() < position:
            continue  # inside the block just found
        label = begin.group(2)
        body_start = begin.end()
        if data.startswith(b"\r", body_start):
            body_start += 1
        if data.startswith(b"\n", body_start):
            body_start += 1
        starts = end_starts.get(label)
        if not starts:
            continue
        at = bisect.bisect_left(starts, body_start)
        if at == len(starts):
            continue
        end = ends[label][at]
        yield PemBlock(label, data[body_start : end.start()], begin.start(), end.end())
        position = end.end()


def _label(name: str) -> str:
    return f"'{name}'" if name else "the file"


def detect_format(data: bytes) -> str:
    """Guess the container: "pem", "pkcs7", "pkcs12", "der" (one certificate) or "unknown"."""
    if b"-----BEGIN " in data:
        return "pem"
    try:
        node = asn1.read_node(data)
    except asn1.DerError:
        return "unknown"
    if node.tag != asn1.SEQUENCE:
        return "unknown"
    try:
        children = node.children()
    except asn1.DerError:
        return "unknown"
    is_pfx_version = (
        len(children) >= 2
        and children[0].tag == asn1.INTEGER
        and children[0].content == b"\x03"
        and children[1].tag == asn1.SEQUENCE
    )
    if is_pfx_version:
        try:
            if children[1].children()[0].oid() == OID_PKCS7_DATA:
                return "pkcs12"
        except (asn1.DerError, IndexError):
            pass
    if children and children[0].tag == asn1.OID:
        try:
            if children[0].oid() == OID_PKCS7_SIGNED:
                return "pkcs7"
        except asn1.DerError:
            pass
    if children and children[0].tag == asn1.SEQUENCE:
        return "der"
    return "unknown"


def _first_der_element(der: bytes) -> bytes:
    """OpenSSL's TRUSTED CERTIFICATE appends trust settings after the certificate."""
    try:
        return der[: asn1.read_node(der).end]
    except asn1.DerError:
        return der


def _load_der_certificate(der: bytes, name: str) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(der)
    except (ValueError, x509.InvalidVersion) as error:
        raise InputError(f"{_label(name)} holds a damaged certificate ({error}).") from None


def _load_pkcs7(der: bytes, name: str) -> tuple[x509.Certificate, ...]:
    try:
        certs = pkcs7.load_der_pkcs7_certificates(der)
    except (ValueError, x509.InvalidVersion, UnsupportedAlgorithm):
        raise InputError(f"{_label(name)} holds a damaged PKCS#7 structure.") from None
    return tuple(certs)


def _load_pem(data: bytes, name: str) -> tuple[x509.Certificate, ...]:
    certs: list[x509.Certificate] = []
    labels: list[bytes] = []
    blocks = list(pem_blocks(data))
    count = sum(1 for block in blocks if block.label in CERTIFICATE_LABELS)
    if count > MAX_CERTIFICATES:
        raise TooManyCertificatesError(count, name)
    for number, block in enumerate(blocks, start=1):
        label, body = block.label, block.body
        labels.append(label)
        if label not in CERTIFICATE_LABELS and label not in PKCS7_LABELS:
            continue  # keys, CSRs, parameters: not certificates, never kept.
        try:
            der = base64.b64decode(b"".join(body.split()), validate=True)
        except (binascii.Error, ValueError):
            raise InputError(
                f"PEM block {number} ({label.decode()}) in {_label(name)} is damaged "
                "(its base64 text does not decode)."
            ) from None
        if label in PKCS7_LABELS:
            certs.extend(_load_pkcs7(der, name))
        else:
            certs.append(_load_der_certificate(_first_der_element(der), name))
    if not certs:
        if any(b"PRIVATE KEY" in label for label in labels):
            raise InputError(f"{_label(name)} holds a private key but no certificate.")
        raise InputError(f"No certificate found in {_label(name)}.")
    return tuple(certs)


def check_passphrase(passphrase: bytes, what: str = "The passphrase") -> bytes:
    """The passphrase as cryptography may safely take it, or a clear `PassphraseError`.

    A NUL byte (a UTF-16 file read as bytes) makes cryptography's Rust core panic and
    print the passphrase's bytes to stderr before Python can catch anything: it is refused
    here, before any call. A UTF-8 byte-order mark (Notepad) is dropped. Messages never
    quote the passphrase.
    """
    if passphrase.startswith(b"\xef\xbb\xbf"):
        passphrase = passphrase[3:]
    if b"\x00" in passphrase:
        raise PassphraseError(
            f"{what} contains a NUL byte: was its file saved as UTF-16 (Unicode)? "
            "Save it as UTF-8 text and try again."
        )
    try:
        passphrase.decode("utf-8")
    except UnicodeDecodeError:
        raise PassphraseError(
            f"{what} is not UTF-8 text: give it as UTF-8 and try again."
        ) from None
    return passphrase


def open_pkcs12(
    data: bytes, name: str = "", passphrase: bytes | None = None
) -> pkcs12.PKCS12KeyAndCertificates:
    """Open a PKCS#12 file. Without a passphrase, "none" and "empty" are tried.

    The caller owns the returned key and must drop it as soon as it is done.
    """
    attempts = [check_passphrase(passphrase)] if passphrase is not None else [None, b""]
    for attempt in attempts:
        try:
            return pkcs12.load_pkcs12(data, attempt)
        except ValueError:
            continue
        except Exception as error:  # e.g. an algorithm this OpenSSL cannot read
            raise InputError(
                f"{_label(name)} cannot be opened: {type(error).__name__}. It may use an "
                "encryption this system does not support; re-export it with AES-256."
            ) from None
    if detect_format(data) != "pkcs12":
        raise InputError(f"{_label(name)} is not a readable PKCS#12 (.p12/.pfx) file.")
    if passphrase is None:
        raise PassphraseNeeded(f"{_label(name)} is protected by a passphrase; give it to open it.")
    raise WrongPassphrase(
        f"The passphrase given for {_label(name)} is wrong (or the file is damaged)."
    )


def load_certificates(
    data: bytes, name: str = "", passphrase: bytes | None = None
) -> tuple[x509.Certificate, ...]:
    """All certificates in `data`, in the order they appear.

    PEM (any number of blocks, any text around them), DER, PKCS#7 (PEM or DER) and
    PKCS#12. Private keys are skipped (PEM) or dropped at once (PKCS#12).
    Raises `InputError` for corrupt or unknown input and `PassphraseError` when a
    PKCS#12 file needs a passphrase that was not given or is wrong.
    """
    certificates = _load_any(data, name, passphrase)
    if len(certificates) > MAX_CERTIFICATES:
        raise TooManyCertificatesError(len(certificates), name)
    for certificate in certificates:
        fully_parsed(certificate, name)
    return certificates


class DamagedCertificateError(InputError):
    """A field of a certificate does not parse: `reason` says which, in plain words."""

    def __init__(self, name: str, reason: str) -> None:
        self.reason = reason
        super().__init__(f"{_label(name)} holds a damaged certificate: {reason}.")


def _why_unparsed(error: Exception, field: str) -> str:
    if isinstance(error, x509.DuplicateExtension):
        oid = error.oid
        known = getattr(oid, "_name", "")
        shown = (
            f"{known} ({oid.dotted_string})"
            if known and known != "Unknown OID"
            else (oid.dotted_string)
        )
        return f"its extension {shown} appears twice"
    if isinstance(error, x509.UnsupportedGeneralNameType):
        return f"its {field} hold a kind of name that cannot be read"
    if isinstance(error, UnsupportedAlgorithm):
        return f"its {field} is of a type that cannot be read"
    return f"its {field} cannot be read"


# The fields the checks read, in the order they are tried, and how a user calls them.
_FIELDS = (
    ("subject name", lambda c: c.subject),
    ("issuer name", lambda c: c.issuer),
    ("extensions", lambda c: c.extensions),
    ("public key", lambda c: c.public_key()),
    ("validity dates", lambda c: (c.not_valid_before_utc, c.not_valid_after_utc)),
    ("serial number", lambda c: c.serial_number),
)
_PARSE_ERRORS = (
    ValueError,
    TypeError,
    UnsupportedAlgorithm,
    x509.DuplicateExtension,
    x509.UnsupportedGeneralNameType,
)


def fully_parsed(certificate: x509.Certificate, name: str = "") -> x509.Certificate:
    """`certificate`, once every field the checks read has parsed.

    cryptography parses names, extensions and the public key lazily; a damaged field
    (a duplicated extension, a name that does not decode, an unknown key type) would
    otherwise surface later, deep inside a check, as a crash. This is the one place that
    turns any of those into a `DamagedCertificateError` (an `InputError`) with a plain
    reason.
    """
    for field, read in _FIELDS:
        try:
            read(certificate)
        except _PARSE_ERRORS as error:
            raise DamagedCertificateError(name, _why_unparsed(error, field)) from None
    return certificate


def _load_any(data: bytes, name: str, passphrase: bytes | None) -> tuple[x509.Certificate, ...]:
    kind = detect_format(data)
    if kind == "pem":
        return _load_pem(data, name)
    if kind == "pkcs7":
        return _load_pkcs7(data, name)
    if kind == "pkcs12":
        bundle = open_pkcs12(data, name, passphrase)
        certs = [bundle.cert.certificate] if bundle.cert is not None else []
        certs.extend(c.certificate for c in bundle.additional_certs)
        del bundle
        if not certs:
            raise InputError(f"{_label(name)} holds no certificate.")
        return tuple(certs)
    if kind == "der":
        return (_load_der_certificate(_first_der_element(data), name),)
    raise InputError(
        f"{_label(name)} is not a certificate file (PEM, DER, PKCS#7 or PKCS#12 expected)."
    )
