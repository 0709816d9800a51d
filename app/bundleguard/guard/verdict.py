"""Deny by default: decide the one verdict of a file from its findings and its content.

A file may enter a bundle only when it is positively a certificate (X.509 PEM/DER, or a
certificates-only PKCS#7) or a PNG/JPEG screenshot that Pillow decodes with nothing after
its end. Everything else is refused, and every reason says what to do instead.
"""

from __future__ import annotations

import functools
import io
import itertools
import re
import warnings
from pathlib import PurePath

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

from bundleguard import asn1
from bundleguard.guard import certfields, png
from bundleguard.guard.report import FileReport, Finding, Verdict
from bundleguard.imagelimits import MAX_IMAGE_PIXELS, image_size_problem, too_large_unmeasured

# The vendor forbids sending key files, whatever they hold.
KEY_FILE_SUFFIXES = frozenset(
    {
        ".key",
        ".p12",
        ".pfx",
        ".pvk",
        ".snk",
        ".jks",
        ".jceks",
        ".keystore",
        ".bks",
        ".ppk",
        ".p8",
        ".pk8",
        ".pkcs8",
        ".pkcs12",
        ".kdb",
        ".sth",
        ".keytab",
        ".priv",
    }
)
KEY_FILE_NAMES = frozenset({"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk"})

# Pillow's decompression-bomb limit (Image.MAX_IMAGE_PIXELS); the app's own limit
# (`imagelimits`, shared with the window and the bundle) is below it.
_PILLOW_MAX_PIXELS = 1024 * 1024 * 1024 // 4 // 3

# What cryptography raises on certificates that parse as DER but break X.509's rules.
_PARSE_ERRORS = (
    ValueError,
    UnsupportedAlgorithm,
    x509.InvalidVersion,
    x509.DuplicateExtension,
    x509.UnsupportedGeneralNameType,
)


def _damage(error: Exception) -> str:
    """What is wrong with a certificate that does not parse, in a user's words."""
    if isinstance(error, x509.DuplicateExtension):
        return f"damaged certificate: its extension {error.oid.dotted_string} appears twice"
    if isinstance(error, x509.UnsupportedGeneralNameType):
        return "damaged certificate: one of its alternative names is of an unknown kind"
    if isinstance(error, x509.InvalidVersion):
        return "damaged certificate: its version is not one X.509 defines"
    if isinstance(error, UnsupportedAlgorithm):
        return "damaged certificate: its public key is of a kind that cannot be read"
    return "damaged certificate: one of its fields does not parse"


_PEM_LINE_RE = re.compile(rb"-----(BEGIN|END) ([A-Z0-9 ]+)-----")


def _pem_blocks(data: bytes):
    """(label, start, end) of each BEGIN ... END pair, in one linear pass: a block ends
    at the next armor line, so a thousand BEGINs cost a thousand short searches."""
    for first, second in itertools.pairwise(_PEM_LINE_RE.finditer(data)):
        paired = first.group(1) == b"BEGIN" and second.group(1) == b"END"
        if paired and first.group(2) == second.group(2):
            yield first.group(2), first.start(), second.end()


# Text beside the certificates may be notes or `openssl` annotations; a long run of
# base64 or hex, colon- or comma-separated hex, or NUL bytes (UTF-16) is data instead:
# possibly a key in an encoding the search does not know. Such a file is no certificate.
_ENCODED_BESIDE = re.compile(
    rb"[A-Za-z0-9+/=_-]{40,}|(?:(?:0x)?[0-9a-fA-F]{2}\s*[:,]\s*){16,}|\x00"
)


_CERTIFICATE_LABELS = {b"CERTIFICATE", b"X509 CERTIFICATE", b"TRUSTED CERTIFICATE"}
_PKCS7_LABELS = {b"PKCS7", b"CMS", b"PKCS #7 SIGNED DATA"}
_OTHER_KINDS = {
    b"CERTIFICATE REQUEST": "a certificate signing request (CSR), not a certificate: "
    "send the certificate your CA issued for it",
    b"NEW CERTIFICATE REQUEST": "a certificate signing request (CSR), not a certificate: "
    "send the certificate your CA issued for it",
    b"X509 CRL": "a certificate revocation list, not a certificate: support does not need it",
    b"PUBLIC KEY": "a public key, not a certificate: send the certificate instead",
    b"RSA PUBLIC KEY": "a public key, not a certificate: send the certificate instead",
}

_ADVICE = {
    "pkcs12": "a PKCS#12 file holds the private key: extract the certificate chain from it "
    "and send only the certificates",
    "java-keystore": "a Java keystore is a key container: export the certificates from it "
    "(keytool -exportcert) and send only those",
    "putty-private-key": "a PuTTY key is a private key: never send it",
    "openssh-private-key": "an SSH private key has no place in a support bundle: never send it",
}


def is_key_file_name(name: str) -> bool:
    path = PurePath(name.replace("\\", "/"))
    return path.suffix.lower() in KEY_FILE_SUFFIXES or path.name.lower() in KEY_FILE_NAMES


def _key_advice(finding: Finding, with_certificates: bool) -> str:
    if finding.kind in _ADVICE:
        return _ADVICE[finding.kind]
    if with_certificates:
        return (
            "the file holds certificates and a private key: extract the certificates "
            "and send only those"
        )
    return "remove the private key from what you send; never send it to anyone"


def identify_certificates(data: bytes) -> tuple[int, str] | str:
    """(count, description) when `data` is only certificates; else why not, in words."""
    found = read_certificates(data)
    return found if isinstance(found, str) else (len(found[0]), found[1])


def read_certificates(data: bytes) -> tuple[list[x509.Certificate], str] | str:
    """(certificates, description) when `data` is only certificates; else why not."""
    stripped = data.lstrip(b"\xef\xbb\xbf")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            stripped = data.decode("utf-16").encode("ascii")
        except (UnicodeError, ValueError):
            return "text that is not a certificate"
    with warnings.catch_warnings():
        # cryptography warns about RFC 5280 slips (a negative serial); the load still decides.
        warnings.simplefilter("ignore")
        if b"-----BEGIN " in stripped:
            return _identify_pem(stripped)
        if stripped[:1] == b"\x30":
            return _identify_der(stripped)
    return ""


def _fully_read(certificate: x509.Certificate) -> x509.Certificate:
    """Parse what cryptography leaves for later (names, extensions, key): a certificate
    whose fields do not parse is damaged, not a certificate to send. The same roots and
    intermediates come in file after file: each is read once (by its DER)."""
    return _read_der(certificate.public_bytes(Encoding.DER))


@functools.lru_cache(maxsize=1024)
def _read_der(der: bytes) -> x509.Certificate:
    certificate = x509.load_der_x509_certificate(der)
    _ = certificate.subject, certificate.issuer, certificate.extensions
    certificate.public_key()
    return certificate


def _identify_pem(data: bytes) -> tuple[list[x509.Certificate], str] | str:
    certificates: list[x509.Certificate] = []
    beside: list[bytes] = []
    previous_end = 0
    for label, start, end in _pem_blocks(data):
        block = data[start:end]
        beside.append(data[previous_end:start])
        previous_end = end
        if label in _OTHER_KINDS:
            return _OTHER_KINDS[label]
        try:
            if label in _CERTIFICATE_LABELS:
                certificates.append(
                    _fully_read(
                        x509.load_pem_x509_certificate(
                            block.replace(b"TRUSTED CERTIFICATE", b"CERTIFICATE").replace(
                                b"X509 CERTIFICATE", b"CERTIFICATE"
                            )
                        )
                    )
                )
            elif label in _PKCS7_LABELS:
                inner = pkcs7.load_pem_pkcs7_certificates(
                    block.replace(b"BEGIN " + label, b"BEGIN PKCS7").replace(
                        b"END " + label, b"END PKCS7"
                    )
                )
                certificates.extend(_fully_read(c) for c in inner)
            else:
                return f"a PEM block labelled {label.decode()!r}, which is not a certificate"
        except _PARSE_ERRORS as error:
            return (
                f"a {label.decode()} block that does not parse ({_damage(error)}); "
                "export the certificate again"
            )
    count = len(certificates)
    if count == 0:
        return ""
    beside.append(data[previous_end:])
    encoded = _ENCODED_BESIDE.search(b"\n".join(beside))
    if encoded is not None:
        return (
            "a certificate file that also holds other data that looks encoded (base64, hex "
            "or UTF-16): save the certificates alone and send those"
        )
    return certificates, f"{count} certificate{'s' if count != 1 else ''} (PEM)"


def _identify_der(data: bytes) -> tuple[list[x509.Certificate], str] | str:
    try:
        _, _, end = asn1.read_header(data, 0, len(data))
    except asn1.DerError:
        return ""
    if end != len(data):
        return ""
    try:
        certificate = x509.load_der_x509_certificate(data)
    except _PARSE_ERRORS:
        certificate = None
    if certificate is not None:
        try:
            _fully_read(certificate)
        except _PARSE_ERRORS as error:
            return f"a {_damage(error)}: export it again"
        return [certificate], "1 certificate (DER)"
    try:
        certificates = pkcs7.load_der_pkcs7_certificates(data)
    except _PARSE_ERRORS:
        return ""
    try:
        certificates = [_fully_read(c) for c in certificates]
    except _PARSE_ERRORS as error:
        return f"a PKCS#7 file with a {_damage(error)}: export the chain again"
    if not _pkcs7_is_certificates_only(data):
        return "a signed PKCS#7 message, not a certificate bundle"
    return certificates, f"{len(certificates)} certificates (PKCS#7)"


def _pkcs7_is_certificates_only(data: bytes) -> bool:
    """A 'degenerate' SignedData: no signers and no content, only certificates/CRLs."""
    try:
        _, ci_start, ci_end = asn1.read_header(data, 0, len(data))
        _, _oid_start, oid_end = asn1.read_header(data, ci_start, ci_end)
        _, explicit_start, explicit_end = asn1.read_header(data, oid_end, ci_end)
        _, sd_start, sd_end = asn1.read_header(data, explicit_start, explicit_end)
        pos = sd_start
        elements = []
        while pos < sd_end:
            tag, c_start, c_end = asn1.read_header(data, pos, sd_end)
            elements.append((tag, c_start, c_end))
            pos = c_end
    except asn1.DerError:
        return False
    if not elements or elements[-1][0] != asn1.SET:
        return False
    signer_infos = elements[-1]
    encap = elements[2] if len(elements) > 2 else None
    has_content = encap is not None and encap[2] - encap[1] > 11 + 2
    return signer_infos[2] == signer_infos[1] and not has_content


def identify_image(data: bytes) -> tuple[str, str | None] | None:
    """(format, problem or None) for PNG/JPEG bytes; None when not an image we take."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        kind, (end, unknown) = "PNG", _png_walk(data)
        if unknown:
            return kind, (
                f"the PNG image carries data in chunks no screenshot needs "
                f"({', '.join(sorted(unknown))[:80]}): save the screenshot again as a new file"
            )
    elif data.startswith(b"\xff\xd8\xff"):
        kind, end = "JPEG", _jpeg_end(data)
    else:
        return None
    if end is None:
        return kind, f"the {kind} image is damaged or cut short: take the screenshot again"
    if end < len(data):
        return kind, (
            f"{len(data) - end} bytes of other data follow the end of the {kind} image "
            f"(from byte {end}): save the screenshot again as a new file"
        )
    if kind == "PNG" and data[12:16] == b"IHDR" and len(data) >= 24:
        # The window's and the bundle's own limit, read from the header before any
        # pixel is inflated: what the guard accepts as an image, they can use.
        problem = image_size_problem(
            int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big"), "The image"
        )
        if problem is not None:
            return kind, problem
    if kind == "PNG":
        checked = png.check(data, min(MAX_IMAGE_PIXELS, _PILLOW_MAX_PIXELS))
        if checked == png.OK:
            return kind, None
        if checked is not None:
            return kind, f"the PNG image does not decode ({checked}): take it again"
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                problem = image_size_problem(image.width, image.height, "The image")
                if problem is not None:
                    return kind, problem
                if kind == "JPEG":
                    # Decode every scan, at 1/8 scale: the whole stream is checked,
                    # the costly full-size transform skipped.
                    image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return kind, too_large_unmeasured("The image")
    except (OSError, SyntaxError, ValueError, Warning) as error:
        return kind, f"Pillow cannot decode this {kind} image ({error}): take it again"
    return kind, None


_JPEG_MARKER_RE = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


# The chunks a PNG screenshot may carry (PNG 3rd edition, and APNG's): pixels, colour
# information and text. Any other chunk (a private "prVt", say) is a place for hidden
# data, in which a whole-file key format could sit where no search looks.
_PNG_CHUNKS = frozenset(
    b"IHDR PLTE IDAT IEND tRNS cHRM gAMA iCCP sBIT sRGB cICP mDCV mDCv cLLI cLLi "
    b"tEXt zTXt iTXt bKGD hIST pHYs sPLT eXIf tIME acTL fcTL fdAT".split()
)


def _png_walk(data: bytes) -> tuple[int | None, set[str]]:
    """(the byte after IEND or None when cut short, the names of unexpected chunks)."""
    unknown: set[str] = set()
    pos = 8
    while pos + 12 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        chunk_type = data[pos + 4 : pos + 8]
        pos += 12 + length
        if chunk_type not in _PNG_CHUNKS:
            unknown.add(chunk_type.decode("latin-1"))
        if chunk_type == b"IEND":
            return (pos if pos <= len(data) else None), unknown
    return None, unknown


def _jpeg_end(data: bytes) -> int | None:
    pos = 2
    length = len(data)
    while pos + 2 <= length:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker == 0xD9:
            return pos + 2
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            pos += 2
            continue
        if pos + 4 > length:
            return None
        segment = int.from_bytes(data[pos + 2 : pos + 4], "big")
        pos += 2 + segment
        if marker == 0xDA:  # entropy-coded data runs to the next marker that is not
            # a stuffed 0xFF00, a restart marker or fill: one C-speed search finds it
            found = _JPEG_MARKER_RE.search(data, pos)
            if found is None:
                return None
            pos = found.start()
    return None


def _sentence(reason: str) -> str:
    reason = reason[:1].upper() + reason[1:]
    return reason if reason.endswith((".", "!", ")")) else f"{reason}."


def _article(label: str) -> str:
    """'an RSA key', 'a PKCS#8 key', 'an encrypted key': by sound, as a reader says it."""
    first = label.split()[0] if label.split() else label
    vowel_sound = first[:1].lower() in "aeiou" or (first.isupper() and first[:1] in "AEFHILMNORSX")
    return f"an {label}" if vowel_sound else f"a {label}"


def decide(
    path: str,
    findings: tuple[Finding, ...],
    archive: str | None,
    problems: tuple[str, ...],
    data: bytes | None,
    size: int | None,
) -> FileReport:
    """Turn what a scan saw into the file's verdict and its reasons (whole sentences)."""
    name = PurePath(path.replace("\\", "/")).name
    verdict, reasons = _verdict(name, findings, archive, problems, data)
    certificates: tuple[x509.Certificate, ...] = ()
    if verdict is Verdict.CERTIFICATE and isinstance(reasons, tuple):
        inside = _certificate_verdict(*reasons)
        if findings and inside[0] is not Verdict.SECRET:
            # keys seen in the file that no field accounts for: the search's word stands
            verdict, reasons = _verdict(name, findings, archive, problems, data, inside=False)
        else:
            verdict, reasons, findings, certificates = inside
    return FileReport(
        path,
        verdict,
        tuple(_sentence(r) for r in reasons),
        findings,
        size,
        certificates=certificates,
    )


def _certificate_verdict(
    certificates: list[x509.Certificate], description: str
) -> tuple[Verdict, list[str], tuple[Finding, ...], tuple[x509.Certificate, ...]]:
    """A file of certificates, looked into: a key in any field makes it secret; the
    policy on extensions no standard defines may refuse it."""
    reasons = [description]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            inspection = certfields.inspect(certificates)
        except _PARSE_ERRORS as error:
            return Verdict.REFUSED, [f"this is a {_damage(error)}: export it again"], (), ()
    if inspection.findings:
        findings = tuple(
            Finding(f.kind, f.label, 0, f.encoding, place=f.place) for f in inspection.findings
        )
        return (
            Verdict.SECRET,
            [
                f"{f.describe()}: a certificate that carries private key material must never "
                "be sent; ask your CA why it is there and have the certificate issued again"
                for f in findings
            ],
            findings,
            (),
        )
    if inspection.refusals:
        return Verdict.REFUSED, list(inspection.refusals), (), ()
    return Verdict.CERTIFICATE, reasons, (), tuple(certificates)


def _verdict(
    name: str,
    findings: tuple[Finding, ...],
    archive: str | None,
    problems: tuple[str, ...],
    data: bytes | None,
    inside: bool = True,
) -> tuple[Verdict, list[str] | tuple[list[x509.Certificate], str]]:
    real = [f for f in findings if not f.damaged]
    looks_like_certificates = data is not None and (
        b"CERTIFICATE" in data[: 1 << 16] or data[:1] == b"0"
    )
    if inside and findings and looks_like_certificates:
        # The key may be inside a certificate's field: say which field, not a byte offset.
        certificates = read_certificates(data)  # type: ignore[arg-type]
        if isinstance(certificates, tuple):
            return Verdict.CERTIFICATE, certificates
    if real:
        with_certificates = data is not None and b"CERTIFICATE-----" in data
        reasons = [f"{f.describe()}: {_key_advice(f, with_certificates)}" for f in real]
        return Verdict.SECRET, reasons + list(problems)

    reasons: list[str] = []
    if archive is not None:
        reasons.append(
            f"this is a {archive} archive: bundleguard builds the zip itself; "
            "add the certificate files and the screenshot one by one"
        )
    reasons.extend(problems)
    for finding in (f for f in findings if f.damaged):
        reasons.append(
            f"it looks like {_article(finding.label)} ({finding.encoding}) {finding.where()}"
            f", but {finding.detail}. It may still hold part of a private key: do not send "
            "it; export the certificate again"
        )
    if is_key_file_name(name):
        reasons.append(
            f"the name {name!r} is that of a private key file, which the vendor forbids "
            "sending; if it holds only certificates, save them as .crt or .pem"
        )
    if reasons:
        return Verdict.REFUSED, reasons
    if data is None:
        return Verdict.REFUSED, [
            "the file is too large to be a certificate or a screenshot: "
            "add the certificate files and a PNG screenshot instead"
        ]
    certificate = read_certificates(data)
    if isinstance(certificate, tuple):
        return Verdict.CERTIFICATE, certificate  # looked into by the caller
    image = identify_image(data)
    if image is not None:
        kind, problem = image
        if problem is None:
            return Verdict.IMAGE, [f"{kind} image"]
        return Verdict.REFUSED, [problem]
    why = certificate or (
        "it is neither a certificate (PEM, DER, PKCS#7) nor a PNG/JPEG screenshot; "
        "only those go into the support bundle"
    )
    if not why.startswith("it "):
        why = f"this is {why}" if why.startswith("a") else why
    return Verdict.REFUSED, [why]
