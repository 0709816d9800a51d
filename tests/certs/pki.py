"""Generate throw-away PKIs for tests, in the spirit of trustme: `make_chain(["a.example"])`.

Keys are generated at run time and never written anywhere. EC P-256 keys by default
(fast); RSA keys are cached per process because generating them is slow. Every
certificate is signed by `bundleguard.probe.fake.FakePKI.sign_certificate`, the one
signer the tests share; this module only chooses the profiles (names, extensions, dates).
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from bundleguard.probe.fake import FakePKI

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


@functools.cache
def rsa_key(bits: int = 2048, slot: int = 0) -> rsa.RSAPrivateKey:
    """A cached RSA key; different `slot`s give different keys of the same size."""
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def new_key(key_size: int | None = None, slot: int = 0):
    if key_size is None:
        return ec.generate_private_key(ec.SECP256R1())
    return rsa_key(key_size, slot)


def _name(cn: str | None, org: str = "bundleguard tests") -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)]
    if cn is not None:
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def _general_name(text: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(text))
    except ValueError:
        return x509.DNSName(text)


def issue(
    subject_key,
    issuer_key,
    subject: x509.Name,
    issuer: x509.Name,
    *,
    ca: bool,
    names: list[str] | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    hash_algorithm: hashes.HashAlgorithm | None = None,
    server_auth: bool | None = True,
    path_length: int | None = None,
    general_names: list[x509.GeneralName] | None = None,
) -> x509.Certificate:
    """Sign one certificate (through `FakePKI.sign_certificate`); `names` becomes the SAN
    unless None."""
    public = subject_key.public_key()
    extensions: list[tuple[x509.ExtensionType, bool]] = [
        (x509.BasicConstraints(ca=ca, path_length=path_length), True),
        (x509.SubjectKeyIdentifier.from_public_key(public), False),
        (x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False),
    ]
    if ca:
        extensions.append(
            (x509.KeyUsage(False, False, False, False, False, True, True, False, False), True)
        )
    else:
        extensions.append(
            (x509.KeyUsage(True, False, True, False, False, False, False, False, False), True)
        )
        if server_auth is not None:
            usage = (
                ExtendedKeyUsageOID.SERVER_AUTH if server_auth else ExtendedKeyUsageOID.CLIENT_AUTH
            )
            extensions.append((x509.ExtendedKeyUsage([usage]), False))
    if names is not None or general_names is not None:
        entries = [_general_name(n) for n in names or []] + list(general_names or [])
        extensions.append((x509.SubjectAlternativeName(entries), False))
    return FakePKI.sign_certificate(
        subject=subject,
        issuer=issuer,
        public_key=public,
        signing_key=issuer_key,
        not_before=not_before or NOW - dt.timedelta(days=1),
        not_after=not_after or NOW + dt.timedelta(days=365),
        extensions=extensions,
        hash_algorithm=hash_algorithm,
    )


def _der_tlv(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    size = (length.bit_length() + 7) // 8
    return bytes([tag, 0x80 | size]) + length.to_bytes(size, "big") + content


@dataclass
class Chain:
    """A generated hierarchy. `intermediates` and `certs` are leaf-first, up to the root."""

    leaf: x509.Certificate
    leaf_key: object
    intermediates: list[x509.Certificate]
    root: x509.Certificate
    root_key: object = field(repr=False, default=None)
    intermediate_keys: list = field(repr=False, default_factory=list)

    @property
    def certs(self) -> list[x509.Certificate]:
        return [self.leaf, *self.intermediates, self.root]

    def issue_leaf(self, names: list[str], **kwargs) -> Chain:
        """Another leaf from the same issuing CA."""
        issuer_cert = self.intermediates[0] if self.intermediates else self.root
        issuer_key = self.intermediate_keys[0] if self.intermediates else self.root_key
        key = new_key()
        leaf = issue(
            key, issuer_key, _name(names[0] if names else "leaf"), issuer_cert.subject,
            ca=False, names=names, **kwargs,
        )  # fmt: skip
        return Chain(
            leaf, key, self.intermediates, self.root, self.root_key, self.intermediate_keys
        )


def make_chain(
    leaf_names: list[str] | None = None,
    *,
    expired: bool = False,
    not_yet_valid: bool = False,
    sha1: bool = False,
    key_size: int | None = None,
    intermediates: int = 1,
    no_san: bool = False,
    wildcard: str | None = None,
    server_auth: bool | None = True,
    leaf_ca: bool = False,
    ca_name: str = "Test Root CA",
    leaf_cn: str | None = None,
) -> Chain:
    """root -> `intermediates` intermediate CAs -> leaf for `leaf_names`.

    `wildcard="example.com"` adds `*.example.com` to the names; `no_san` puts the first
    name in the CN only; `key_size` switches the leaf to a (cached) RSA key of that size.
    """
    names = list(leaf_names or ["support.example.com"])
    if wildcard:
        names.append(f"*.{wildcard}")
    root_key = new_key()
    root_name = _name(ca_name)
    root = issue(root_key, root_key, root_name, root_name, ca=True)
    issuer_key, issuer_name = root_key, root_name
    inter_certs, inter_keys = [], []
    for number in range(1, intermediates + 1):
        # A SHA-1 signature needs an RSA issuer (see FakePKI.sign_certificate).
        key = rsa_key(2048, slot=1) if sha1 and number == intermediates else new_key()
        name = _name(f"Test Intermediate CA {number}")
        inter_certs.append(issue(key, issuer_key, name, issuer_name, ca=True))
        inter_keys.append(key)
        issuer_key, issuer_name = key, name
    if expired:
        window = (NOW - dt.timedelta(days=400), NOW - dt.timedelta(days=10))
    elif not_yet_valid:
        window = (NOW + dt.timedelta(days=10), NOW + dt.timedelta(days=400))
    else:
        window = (None, None)
    leaf_key = new_key(key_size)
    leaf = issue(
        leaf_key,
        issuer_key,
        _name(leaf_cn or names[0]),
        issuer_name,
        ca=leaf_ca,
        names=None if no_san else names,
        not_before=window[0],
        not_after=window[1],
        hash_algorithm=hashes.SHA1() if sha1 else None,
        server_auth=server_auth,
    )
    # Leaf-first, like a served chain: the leaf's issuer comes first.
    return Chain(leaf, leaf_key, inter_certs[::-1], root, root_key, inter_keys[::-1])


def self_signed(names: list[str] | None = None, *, ca: bool = False) -> Chain:
    """A self-signed server certificate, as appliances generate them."""
    names = list(names or ["support.example.com"])
    key = new_key()
    cert = issue(key, key, _name(names[0]), _name(names[0]), ca=ca, names=names)
    return Chain(cert, key, [], cert, key, [])


def pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def key_pem(key) -> bytes:
    """An unencrypted PKCS#8 PEM key, only ever kept in memory by tests."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def make_pkcs12(
    chain: Chain,
    passphrase: bytes | None = b"correct horse",
    *,
    legacy: bool = False,
    with_chain: bool = True,
    key=None,
    with_key: bool = True,
) -> bytes:
    """A .p12 like the appliance export: leaf + key (+ chain), AES-256 or legacy 3DES."""
    if passphrase is None:
        encryption = serialization.NoEncryption()
    else:
        algorithm = (
            pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC
            if legacy
            else pkcs12.PBES.PBESv2SHA256AndAES256CBC
        )
        encryption = (
            serialization.PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(2048)
            .key_cert_algorithm(algorithm)
            .hmac_hash(hashes.SHA1() if legacy else hashes.SHA256())
            .build(passphrase)
        )
    cas = [*chain.intermediates, chain.root] if with_chain else None
    return pkcs12.serialize_key_and_certificates(
        b"support",
        (key or chain.leaf_key) if with_key else None,
        chain.leaf,
        cas,
        encryption,
    )


def mismatched_pkcs12(chain: Chain, other_key) -> bytes:
    """An unprotected PKCS#12 whose key does not belong to its certificate.

    cryptography and OpenSSL refuse to write one, so it is assembled by hand
    (no MAC, no encryption), as a careless export tool might.
    """
    oid = {
        "data": bytes.fromhex("06092a864886f70d010701"),
        "key_bag": bytes.fromhex("060b2a864886f70d010c0a0101"),
        "cert_bag": bytes.fromhex("060b2a864886f70d010c0a0103"),
        "x509": bytes.fromhex("060a2a864886f70d01091601"),
    }
    pkcs8 = other_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    bags = [_der_tlv(0x30, oid["key_bag"] + _der_tlv(0xA0, pkcs8))]
    for cert in chain.certs:
        cert_bag = _der_tlv(0x30, oid["x509"] + _der_tlv(0xA0, _der_tlv(0x04, der(cert))))
        bags.append(_der_tlv(0x30, oid["cert_bag"] + _der_tlv(0xA0, cert_bag)))
    safe_contents = _der_tlv(0x30, b"".join(bags))
    info = _der_tlv(0x30, oid["data"] + _der_tlv(0xA0, _der_tlv(0x04, safe_contents)))
    auth_safe = _der_tlv(0x30, info)
    outer = _der_tlv(0x30, oid["data"] + _der_tlv(0xA0, _der_tlv(0x04, auth_safe)))
    return _der_tlv(0x30, b"\x02\x01\x03" + outer)
