"""PKCS#12 from the appliance export: what it holds, how it is protected, and re-wrapping.

The private key is only held inside `inspect_pkcs12` and `rewrap_pkcs12`, never
returned, never written in the clear; passphrases never appear in messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from bundleguard import asn1
from bundleguard.certs.chain import ChainReport, build_chain
from bundleguard.certs.describe import certificate_ref, is_root, subject_text
from bundleguard.certs.load import check_passphrase, open_pkcs12
from bundleguard.errors import InputError, PassphraseError

OID_DATA = "1.2.840.113549.1.7.1"
OID_ENCRYPTED_DATA = "1.2.840.113549.1.7.6"
OID_KEY_BAG = "1.2.840.113549.1.12.10.1.1"
OID_SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.2"
OID_PBES2 = "1.2.840.113549.1.5.13"
OID_PBKDF2 = "1.2.840.113549.1.5.12"
ALGORITHM_NAMES = {
    "1.2.840.113549.1.12.1.1": "RC4-128 (legacy)",
    "1.2.840.113549.1.12.1.2": "RC4-40 (legacy)",
    "1.2.840.113549.1.12.1.3": "3DES (legacy, SHA-1)",
    "1.2.840.113549.1.12.1.4": "2-key 3DES (legacy)",
    "1.2.840.113549.1.12.1.5": "RC2-128 (legacy)",
    "1.2.840.113549.1.12.1.6": "RC2-40 (legacy)",
    "2.16.840.1.101.3.4.1.2": "AES-128-CBC",
    "2.16.840.1.101.3.4.1.22": "AES-192-CBC",
    "2.16.840.1.101.3.4.1.42": "AES-256-CBC",
    "1.2.840.113549.3.7": "3DES-CBC",
    "1.2.840.113549.2.7": "HMAC-SHA1",
    "1.2.840.113549.2.9": "HMAC-SHA256",
    "1.2.840.113549.2.10": "HMAC-SHA384",
    "1.2.840.113549.2.11": "HMAC-SHA512",
    "1.3.14.3.2.26": "SHA-1",
    "2.16.840.1.101.3.4.2.1": "SHA-256",
    "2.16.840.1.101.3.4.2.2": "SHA-384",
    "2.16.840.1.101.3.4.2.3": "SHA-512",
    "1.2.840.113549.1.5.14": "PBMAC1",
}
DEFAULT_KDF_ROUNDS = 100_000
LEGACY_KDF_ROUNDS = 2048


@dataclass(frozen=True)
class Pkcs12Report:
    """What an exported .p12/.pfx holds and how it is protected."""

    certificate: x509.Certificate | None
    chain: tuple[x509.Certificate, ...]  # the other certificates in the file
    has_private_key: bool
    key_matches_certificate: bool | None  # None when there is no key or no certificate
    passphrase_protected: bool
    key_encryption: str  # e.g. "AES-256-CBC (PBKDF2 HMAC-SHA256)", "none"
    certificate_encryption: str
    mac_algorithm: str
    legacy_encryption: bool
    chain_report: ChainReport | None
    problems: tuple[str, ...]
    warnings: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "certificate": certificate_ref(self.certificate),
            "chain": [certificate_ref(c) for c in self.chain],
            "has_private_key": self.has_private_key,
            "key_matches_certificate": self.key_matches_certificate,
            "passphrase_protected": self.passphrase_protected,
            "key_encryption": self.key_encryption,
            "certificate_encryption": self.certificate_encryption,
            "mac_algorithm": self.mac_algorithm,
            "legacy_encryption": self.legacy_encryption,
            "chain_report": self.chain_report.to_json() if self.chain_report else None,
            "problems": list(self.problems),
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class _Protection:
    key: str = "unknown"
    certificates: str = "unknown"
    mac: str = "none"


def _algorithm_text(node: asn1.Node) -> str:
    """Readable name for an AlgorithmIdentifier node, unwrapping PBES2."""
    children = node.children()
    oid = children[0].oid()
    if oid != OID_PBES2:
        return ALGORITHM_NAMES.get(oid, oid)
    kdf, scheme = children[1].children()[:2]
    cipher = ALGORITHM_NAMES.get(scheme.children()[0].oid(), "unknown cipher")
    kdf_children = kdf.children()
    prf = "HMAC-SHA1"
    if kdf_children[0].oid() == OID_PBKDF2:
        for param in kdf_children[1].children()[1:]:
            if param.tag == asn1.SEQUENCE:
                prf = ALGORITHM_NAMES.get(param.children()[0].oid(), "unknown")
        return f"{cipher} (PBKDF2 {prf})"
    return f"{cipher} (PBES2)"


def _explicit_content(content_info: asn1.Node) -> asn1.Node:
    """The value inside a ContentInfo's [0] EXPLICIT wrapper."""
    return content_info.children()[1].children()[0]


def _describe_protection(data: bytes) -> _Protection:
    """Peek at the PFX structure (never decrypting) to name its algorithms."""
    key, certs, mac = "none", "none", "none"
    pfx = asn1.read_node(data).children()
    auth_safe = asn1.read_node(_explicit_content(pfx[1]).octets())
    for info in auth_safe.children():
        kind = info.children()[0].oid()
        if kind == OID_ENCRYPTED_DATA:
            encrypted_content_info = _explicit_content(info).children()[1]
            certs = _algorithm_text(encrypted_content_info.children()[1])
        elif kind == OID_DATA:
            safe_contents = asn1.read_node(_explicit_content(info).octets())
            for bag in safe_contents.children():
                bag_children = bag.children()
                bag_id = bag_children[0].oid()
                if bag_id == OID_SHROUDED_KEY_BAG:
                    key = _algorithm_text(bag_children[1].children()[0].children()[0])
                elif bag_id == OID_KEY_BAG:
                    key = "none"
    if len(pfx) > 2:
        digest_info = pfx[2].children()[0]
        mac = _algorithm_text(digest_info.children()[0])
    return _Protection(key, certs, mac)


def _protection(data: bytes) -> _Protection:
    try:
        return _describe_protection(data)
    except (asn1.DerError, IndexError):
        return _Protection()


def _same_key(private_key, cert: x509.Certificate) -> bool:
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    return private_key.public_key().public_bytes(der, spki) == cert.public_key().public_bytes(
        der, spki
    )


def _is_legacy(text: str) -> bool:
    return "legacy" in text or text.startswith("3DES")


def inspect_pkcs12(
    data: bytes,
    name: str = "",
    passphrase: bytes | None = None,
    anchors: Sequence[x509.Certificate] = (),
) -> Pkcs12Report:
    """Check an exported PKCS#12: certificate, matching key, chain, passphrase, encryption.

    `anchors`: the roots its chain may end at without including them (see `build_chain`).

    Raises `PassphraseError` (missing or wrong passphrase) or `InputError` (not a PKCS#12).
    """
    bundle = open_pkcs12(data, name, passphrase)
    protected = True
    try:
        open_pkcs12(data, name, None)
        protected = False
    except PassphraseError:
        pass
    certificate = bundle.cert.certificate if bundle.cert is not None else None
    chain = tuple(c.certificate for c in bundle.additional_certs)
    has_key = bundle.key is not None
    if certificate is None and chain:
        # No certificate was paired with the key: judge the key against the leaf.
        leaf = build_chain(chain, anchors=()).leaf
        certificate = leaf
        chain = tuple(c for c in chain if c != leaf)
    matches = None
    if has_key and certificate is not None:
        matches = _same_key(bundle.key, certificate)
    del bundle  # the key is not needed any more

    protection = _protection(data)
    legacy = _is_legacy(protection.key) or _is_legacy(protection.certificates)
    label = f"'{name}'" if name else "The PKCS#12 file"
    problems: list[str] = []
    warnings: list[str] = []
    if not protected and has_key:
        problems.append(
            f"WARNING: {label} is NOT protected by a passphrase: anyone who gets the file "
            "has the private key. Re-wrap it with a passphrase and "
            "delete this copy."
        )
    if certificate is None:
        problems.append(f"{label} holds no certificate for its key; export it again.")
    if not has_key:
        problems.append(
            f"{label} holds no private key: the other appliances cannot use it. Export it "
            'again with "include the private key".'
        )
    elif matches is False:
        problems.append(
            f"The private key in {label} does not match its certificate "
            f'"{subject_text(certificate)}"; export it again from the primary appliance.'
        )
    chain_report = None
    if certificate is not None:
        chain_report = build_chain([certificate, *chain], anchors=anchors)
        if not chain and not is_root(certificate):
            problems.append(
                f"{label} holds no certificate chain; export it again with "
                '"include the certificate chain".'
            )
        else:
            problems.extend(chain_report.problems)
    if protected and legacy:
        warnings.append(
            f"{label} uses legacy encryption ({protection.key}); it opens everywhere but "
            "is weak. Re-wrap it with AES-256 unless the target needs the legacy format."
        )
    return Pkcs12Report(
        certificate=certificate,
        chain=chain,
        has_private_key=has_key,
        key_matches_certificate=matches,
        passphrase_protected=protected,
        key_encryption=protection.key,
        certificate_encryption=protection.certificates,
        mac_algorithm=protection.mac,
        legacy_encryption=legacy,
        chain_report=chain_report,
        problems=tuple(problems),
        warnings=tuple(warnings),
    )


def _encryption(new_passphrase: bytes, legacy: bool, kdf_rounds: int | None):
    builder = serialization.PrivateFormat.PKCS12.encryption_builder()
    if legacy:
        builder = (
            builder.kdf_rounds(kdf_rounds or LEGACY_KDF_ROUNDS)
            .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
            .hmac_hash(hashes.SHA1())
        )
    else:
        builder = (
            builder.kdf_rounds(kdf_rounds or DEFAULT_KDF_ROUNDS)
            .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
            .hmac_hash(hashes.SHA256())
        )
    return builder.build(new_passphrase)


def rewrap_pkcs12(
    data: bytes,
    passphrase: bytes | None,
    new_passphrase: bytes,
    *,
    legacy: bool = False,
    name: str = "",
    kdf_rounds: int | None = None,
) -> bytes:
    """A new PKCS#12 with the same key, certificate and chain under `new_passphrase`.

    AES-256-CBC with PBKDF2-HMAC-SHA256 (and an HMAC-SHA256 MAC) by default; with
    `legacy`, PBE-SHA1-3DES and an HMAC-SHA1 MAC for targets that cannot read AES.
    The result is always encrypted: an empty new passphrase is refused.
    """
    new_passphrase = check_passphrase(new_passphrase, "The new passphrase")
    if not new_passphrase:
        raise PassphraseError(
            "The new passphrase must not be empty: the file would be unprotected."
        )
    bundle = open_pkcs12(data, name, passphrase)
    label = f"'{name}'" if name else "The PKCS#12 file"
    if bundle.key is None or bundle.cert is None:
        raise InputError(f"{label} does not hold both a certificate and its private key.")
    if not _same_key(bundle.key, bundle.cert.certificate):
        raise InputError(f"The private key in {label} does not match its certificate.")
    friendly_name = bundle.cert.friendly_name
    try:
        result = pkcs12.serialize_key_and_certificates(
            friendly_name,
            bundle.key,
            bundle.cert.certificate,
            [c.certificate for c in bundle.additional_certs] or None,
            _encryption(new_passphrase, legacy, kdf_rounds),
        )
    finally:
        del bundle
    # Belt and braces: the new file must open with the new passphrase only.
    check = open_pkcs12(result, name, new_passphrase)
    if check.key is None:
        raise InputError("The re-wrapped file lost its private key; nothing was written.")
    del check
    try:
        open_pkcs12(result, name, None)
    except PassphraseError:
        return result
    raise InputError("The re-wrapped file would open without a passphrase; nothing was written.")
