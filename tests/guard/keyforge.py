"""Private keys, certificates and their containers, built at test time for the guard tests.

Nothing here is ever committed as bytes: every key, certificate and container is made on
the fly, with `cryptography` where it knows the format and by hand (with the format's
source named beside the builder) where it does not. Keys are cached per session because
RSA generation is the slowest thing the tests do. Certificates are signed by
`bundleguard.probe.fake.FakePKI.sign_certificate`, the signer every test shares; CSRs and
CRLs are not certificates and are built here.
"""

from __future__ import annotations

import base64
import bz2
import datetime as dt
import functools
import gzip
import hashlib
import hmac
import io
import json
import lzma
import struct
import tarfile
import zipfile
from collections.abc import Mapping

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    pkcs7,
    pkcs12,
)
from cryptography.x509.oid import NameOID

from bundleguard.probe.fake import FakePKI

PASSWORD = b"correct horse battery staple"
NOW = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

PrivateKey = rsa.RSAPrivateKey | dsa.DSAPrivateKey | ec.EllipticCurvePrivateKey
AnyPrivateKey = PrivateKey | ed25519.Ed25519PrivateKey


# --------------------------------------------------------------------------- keys


@functools.cache
def rsa_key(index: int = 0, bits: int = 2048) -> rsa.RSAPrivateKey:
    """An RSA key; `index` picks a distinct key from a small per-session pool."""
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


@functools.cache
def dsa_key() -> dsa.DSAPrivateKey:
    # 1024 bits: what ssh-dss keys in the wild are, and 2048-bit DSA costs a second.
    return dsa.generate_private_key(key_size=1024)


@functools.cache
def ec_key(curve_name: str = "secp256r1") -> ec.EllipticCurvePrivateKey:
    curve = {"secp256r1": ec.SECP256R1(), "secp384r1": ec.SECP384R1()}[curve_name]
    return ec.generate_private_key(curve)


@functools.cache
def ed25519_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


def _private(key: AnyPrivateKey, encoding: Encoding, fmt: PrivateFormat, password=None) -> bytes:
    encryption = BestAvailableEncryption(password) if password else NoEncryption()
    return key.private_bytes(encoding, fmt, encryption)


def pkcs1_pem(key: rsa.RSAPrivateKey | None = None) -> bytes:
    """`-----BEGIN RSA PRIVATE KEY-----` (PKCS#1)."""
    return _private(key or rsa_key(), Encoding.PEM, PrivateFormat.TraditionalOpenSSL)


def pkcs1_der(key: rsa.RSAPrivateKey | None = None) -> bytes:
    return _private(key or rsa_key(), Encoding.DER, PrivateFormat.TraditionalOpenSSL)


def dsa_pem() -> bytes:
    """`-----BEGIN DSA PRIVATE KEY-----` (OpenSSL's traditional DSA format)."""
    return _private(dsa_key(), Encoding.PEM, PrivateFormat.TraditionalOpenSSL)


def dsa_der() -> bytes:
    return _private(dsa_key(), Encoding.DER, PrivateFormat.TraditionalOpenSSL)


def sec1_pem(key: ec.EllipticCurvePrivateKey | None = None) -> bytes:
    """`-----BEGIN EC PRIVATE KEY-----` (SEC1)."""
    return _private(key or ec_key(), Encoding.PEM, PrivateFormat.TraditionalOpenSSL)


def sec1_der(key: ec.EllipticCurvePrivateKey | None = None) -> bytes:
    return _private(key or ec_key(), Encoding.DER, PrivateFormat.TraditionalOpenSSL)


def pkcs8_pem(key: AnyPrivateKey | None = None) -> bytes:
    """`-----BEGIN PRIVATE KEY-----` (PKCS#8 PrivateKeyInfo)."""
    return _private(key or rsa_key(), Encoding.PEM, PrivateFormat.PKCS8)


def pkcs8_der(key: AnyPrivateKey | None = None) -> bytes:
    return _private(key or rsa_key(), Encoding.DER, PrivateFormat.PKCS8)


def encrypted_pkcs8_pem(key: AnyPrivateKey | None = None) -> bytes:
    """`-----BEGIN ENCRYPTED PRIVATE KEY-----` (PKCS#8 EncryptedPrivateKeyInfo)."""
    return _private(key or rsa_key(), Encoding.PEM, PrivateFormat.PKCS8, PASSWORD)


def encrypted_pkcs8_der(key: AnyPrivateKey | None = None) -> bytes:
    return _private(key or rsa_key(), Encoding.DER, PrivateFormat.PKCS8, PASSWORD)


def legacy_encrypted_pem(key: PrivateKey | None = None) -> bytes:
    """PKCS#1/SEC1 armor with `Proc-Type: 4,ENCRYPTED` and `DEK-Info:` headers."""
    pem = _private(key or rsa_key(), Encoding.PEM, PrivateFormat.TraditionalOpenSSL, PASSWORD)
    assert b"Proc-Type: 4,ENCRYPTED" in pem and b"DEK-Info:" in pem
    return pem


def openssh_pem(key: AnyPrivateKey | None = None) -> bytes:
    """`-----BEGIN OPENSSH PRIVATE KEY-----` (openssh-key-v1), unencrypted."""
    return _private(key or ed25519_key(), Encoding.PEM, PrivateFormat.OpenSSH)


@functools.cache
def openssh_encrypted_pem() -> bytes:
    """An openssh-key-v1 file as `ssh-keygen -N pass` writes it (aes256-ctr, bcrypt KDF).

    Format source: OpenSSH PROTOCOL.key. Built by hand because cryptography needs the
    optional bcrypt module to encrypt; the ciphertext is random bytes of the right length,
    which is all a reader without the passphrase can ever see of a real one.
    """
    public_blob = ed25519_key().public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH)
    public_blob = base64.b64decode(public_blob.split()[1])
    salt = hashlib.sha256(public_blob).digest()[:16]
    # check ints, key type, public, private (64), comment, padding: 160 bytes, 16-aligned.
    ciphertext = hashlib.sha512(salt).digest() + hashlib.sha512(public_blob).digest()
    ciphertext += hashlib.sha256(ciphertext).digest()
    blob = (
        b"openssh-key-v1\x00"
        + _ssh_string(b"aes256-ctr")
        + _ssh_string(b"bcrypt")
        + _ssh_string(_ssh_string(salt) + struct.pack(">I", 16))
        + struct.pack(">I", 1)
        + _ssh_string(public_blob)
        + _ssh_string(ciphertext)
    )
    return (
        b"-----BEGIN OPENSSH PRIVATE KEY-----\n"
        + _wrap(base64.b64encode(blob), 70)
        + b"\n-----END OPENSSH PRIVATE KEY-----\n"
    )


# --------------------------------------------------------------------------- certificates


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Support Test"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


@functools.cache
def ca() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A self-signed root, the issuer of every test certificate."""
    key = ec_key("secp384r1")
    cert = FakePKI.sign_certificate(
        subject=_name("Example Test Root CA"),
        issuer=_name("Example Test Root CA"),
        public_key=key.public_key(),
        signing_key=key,
        not_before=NOW - dt.timedelta(days=1),
        not_after=NOW + dt.timedelta(days=3650),
        extensions=[(x509.BasicConstraints(ca=True, path_length=None), True)],
        serial_number=1000,
        hash_algorithm=hashes.SHA384(),
    )
    return key, cert


@functools.cache
def leaf(hostname: str = "support.example.com") -> x509.Certificate:
    """A server certificate for `hostname`, issued by `ca()`, for the RSA key `rsa_key()`."""
    ca_key, ca_cert = ca()
    return FakePKI.sign_certificate(
        subject=_name(hostname),
        issuer=ca_cert.subject,
        public_key=rsa_key().public_key(),
        signing_key=ca_key,
        not_before=NOW - dt.timedelta(days=1),
        not_after=NOW + dt.timedelta(days=365),
        extensions=[
            (x509.SubjectAlternativeName([x509.DNSName(hostname)]), False),
            (x509.BasicConstraints(ca=False, path_length=None), True),
        ],
    )


def cert_pem(cert: x509.Certificate | None = None) -> bytes:
    return (cert or leaf()).public_bytes(Encoding.PEM)


def cert_der(cert: x509.Certificate | None = None) -> bytes:
    return (cert or leaf()).public_bytes(Encoding.DER)


def chain_pem() -> bytes:
    """Leaf then root, the way a chain file is usually handed over."""
    return cert_pem(leaf()) + cert_pem(ca()[1])


def pkcs7_certs(encoding: Encoding = Encoding.PEM) -> bytes:
    """A certificates-only PKCS#7 (`.p7b`): no key, a legitimate bundle member."""
    return pkcs7.serialize_certificates([leaf(), ca()[1]], encoding)


def csr_pem() -> bytes:
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(_name("support.example.com"))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("support.example.com")]), critical=False
        )
        .sign(rsa_key(), hashes.SHA256())
    )
    return csr.public_bytes(Encoding.PEM)


def crl_pem() -> bytes:
    ca_key, ca_cert = ca()
    revoked = (
        x509.RevokedCertificateBuilder()
        .serial_number(4242)
        .revocation_date(NOW - dt.timedelta(days=2))
        .build()
    )
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(NOW - dt.timedelta(days=1))
        .next_update(NOW + dt.timedelta(days=30))
        .add_revoked_certificate(revoked)
        .sign(ca_key, hashes.SHA256())
    )
    return crl.public_bytes(Encoding.PEM)


def crl_der() -> bytes:
    return x509.load_pem_x509_crl(crl_pem()).public_bytes(Encoding.DER)


# --------------------------------------------------------------------------- PKCS#12


@functools.cache
def pfx(encryption: str = "aes", *, with_key: bool = True) -> bytes:
    """A PKCS#12: `aes` (PBES2/AES-256), `3des` (the legacy SHA1/3DES), `none`; or certs only."""
    if encryption == "aes":
        algorithm = BestAvailableEncryption(PASSWORD)
    elif encryption == "3des":
        algorithm = (
            PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(2048)
            .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
            .hmac_hash(hashes.SHA1())
            .build(PASSWORD)
        )
    elif encryption == "none":
        algorithm = NoEncryption()
    else:
        raise ValueError(encryption)
    key = rsa_key() if with_key else None
    return pkcs12.serialize_key_and_certificates(b"support", key, leaf(), [ca()[1]], algorithm)


# --------------------------------------------------------------------------- public keys


def spki_pem(key: AnyPrivateKey | None = None) -> bytes:
    """`-----BEGIN PUBLIC KEY-----`."""
    public = (key or rsa_key()).public_key()
    return public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


def spki_der(key: AnyPrivateKey | None = None) -> bytes:
    public = (key or rsa_key()).public_key()
    return public.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def pkcs1_public_pem() -> bytes:
    """`-----BEGIN RSA PUBLIC KEY-----`."""
    return rsa_key().public_key().public_bytes(Encoding.PEM, PublicFormat.PKCS1)


def openssh_public(key: AnyPrivateKey | None = None) -> bytes:
    """`ssh-ed25519 AAAA...` as in authorized_keys."""
    public = (key or ed25519_key()).public_key()
    return public.public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH) + b" admin@example\n"


def _wrap(text: bytes, width: int) -> bytes:
    return b"\n".join(text[i : i + width] for i in range(0, len(text), width))


def ssh2_public(key: rsa.RSAPrivateKey | None = None) -> bytes:
    """RFC 4716 public key file: `---- BEGIN SSH2 PUBLIC KEY ----`."""
    blob = _ssh_rsa_public_blob(key or rsa_key())
    return (
        b"---- BEGIN SSH2 PUBLIC KEY ----\n"
        b'Comment: "2048-bit RSA, converted by admin@example"\n'
        + _wrap(base64.b64encode(blob), 70)
        + b"\n---- END SSH2 PUBLIC KEY ----\n"
    )


# --------------------------------------------------------------------------- SSH wire helpers


def _ssh_string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _ssh_mpint(value: int) -> bytes:
    """RFC 4251 section 5 mpint: two's complement, big-endian, no needless leading zero."""
    raw = value.to_bytes(value.bit_length() // 8 + 1, "big")
    if len(raw) > 1 and raw[0] == 0 and raw[1] < 0x80:
        raw = raw[1:]
    return _ssh_string(raw if value else b"")


def _ssh_rsa_public_blob(key: rsa.RSAPrivateKey) -> bytes:
    numbers = key.public_key().public_numbers()
    return _ssh_string(b"ssh-rsa") + _ssh_mpint(numbers.e) + _ssh_mpint(numbers.n)


# --------------------------------------------------------------------------- PuTTY PPK


def ppk(version: int = 3, key: rsa.RSAPrivateKey | None = None) -> bytes:
    """An unencrypted PuTTY private key file, version 2 or 3, with a correct MAC.

    Format source: PuTTY manual appendix C ("PPK file format") and sshpubk.c. The private
    blob of ssh-rsa is mpint d, p, q, iqmp (q^-1 mod p). The MAC is over the strings
    algorithm, encryption, comment, public blob, private blob: v2 uses HMAC-SHA-1 keyed with
    SHA-1("putty-private-key-file-mac-key" + passphrase); v3 uses HMAC-SHA-256, and with
    "Encryption: none" its key is empty.
    """
    key = key or rsa_key(1)
    private = key.private_numbers()
    algorithm, encryption, comment = b"ssh-rsa", b"none", b"rsa-key-20250101"
    public_blob = _ssh_rsa_public_blob(key)
    private_blob = (
        _ssh_mpint(private.d)
        + _ssh_mpint(private.p)
        + _ssh_mpint(private.q)
        + _ssh_mpint(private.iqmp)
    )
    mac_data = b"".join(
        _ssh_string(part) for part in (algorithm, encryption, comment, public_blob, private_blob)
    )
    if version == 2:
        mac_key = hashlib.sha1(b"putty-private-key-file-mac-key").digest()
        mac = hmac.new(mac_key, mac_data, hashlib.sha1).hexdigest()
    elif version == 3:
        mac = hmac.new(b"", mac_data, hashlib.sha256).hexdigest()
    else:
        raise ValueError(version)
    public_lines = _wrap(base64.b64encode(public_blob), 64)
    private_lines = _wrap(base64.b64encode(private_blob), 64)
    return (
        b"PuTTY-User-Key-File-%d: %s\n" % (version, algorithm)
        + b"Encryption: %s\n" % encryption
        + b"Comment: %s\n" % comment
        + b"Public-Lines: %d\n" % (public_lines.count(b"\n") + 1)
        + public_lines
        + b"\nPrivate-Lines: %d\n" % (private_lines.count(b"\n") + 1)
        + private_lines
        + b"\nPrivate-MAC: %s\n" % mac.encode()
    )


# --------------------------------------------------------------------------- OpenPGP


def _pgp_mpi(value: int) -> bytes:
    """RFC 4880 section 3.2: two-octet bit count, then the big-endian magnitude."""
    bits = value.bit_length()
    return struct.pack(">H", bits) + value.to_bytes((bits + 7) // 8, "big")


def _pgp_packet(tag: int, body: bytes) -> bytes:
    """RFC 4880 section 4.2.2: a new-format packet header with its body length."""
    length = len(body)
    if length < 192:
        encoded = bytes([length])
    elif length < 8384:
        length -= 192
        encoded = bytes([(length >> 8) + 192, length & 0xFF])
    else:
        encoded = b"\xff" + struct.pack(">I", length)
    return bytes([0xC0 | tag]) + encoded + body


def _crc24(data: bytes) -> int:
    """RFC 4880 section 6.1."""
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def _pgp_armor(label: bytes, packets: bytes) -> bytes:
    """RFC 4880 section 6.2: armor lines, blank line, base64, `=` CRC-24, tail."""
    checksum = base64.b64encode(_crc24(packets).to_bytes(3, "big"))
    return (
        b"-----BEGIN PGP %s-----\n" % label
        + b"Comment: generated for a test\n\n"
        + _wrap(base64.b64encode(packets), 64)
        + b"\n="
        + checksum
        + b"\n-----END PGP %s-----\n" % label
    )


def _pgp_public_material(key: rsa.RSAPrivateKey) -> bytes:
    """RFC 4880 section 5.5.2: v4, creation time, algorithm 1 (RSA), MPI n, MPI e."""
    numbers = key.public_key().public_numbers()
    created = int(NOW.timestamp())
    return (
        b"\x04" + struct.pack(">I", created) + b"\x01" + _pgp_mpi(numbers.n) + _pgp_mpi(numbers.e)
    )


_PGP_USER_ID = b"Support Test <support@example.com>"


def pgp_private_key_block(key: rsa.RSAPrivateKey | None = None) -> bytes:
    """`-----BEGIN PGP PRIVATE KEY BLOCK-----`: a v4 secret-key packet (tag 5), unprotected.

    Format source: RFC 4880 section 5.5.3. s2k usage 0 (not encrypted), then MPI d, p, q,
    u (p^-1 mod q, with p < q), then the two-octet sum of the secret MPI octets.
    """
    key = key or rsa_key(2)
    private = key.private_numbers()
    p, q = sorted((private.p, private.q))
    secret = _pgp_mpi(private.d) + _pgp_mpi(p) + _pgp_mpi(q) + _pgp_mpi(pow(p, -1, q))
    checksum = struct.pack(">H", sum(secret) % 65536)
    body = _pgp_public_material(key) + b"\x00" + secret + checksum
    packets = _pgp_packet(5, body) + _pgp_packet(13, _PGP_USER_ID)
    return _pgp_armor(b"PRIVATE KEY BLOCK", packets)


def pgp_public_key_block(key: rsa.RSAPrivateKey | None = None) -> bytes:
    """`-----BEGIN PGP PUBLIC KEY BLOCK-----`: public-key packet (tag 6) and a user ID."""
    key = key or rsa_key(2)
    packets = _pgp_packet(6, _pgp_public_material(key)) + _pgp_packet(13, _PGP_USER_ID)
    return _pgp_armor(b"PUBLIC KEY BLOCK", packets)


# --------------------------------------------------------------------------- SSH2 (ssh.com)


def _sshcom_mpint(value: int) -> bytes:
    """ssh.com's multiple precision integer: uint32 bit count, then the bytes."""
    bits = value.bit_length()
    return struct.pack(">I", bits) + value.to_bytes((bits + 7) // 8, "big")


def ssh2_private_key(key: rsa.RSAPrivateKey | None = None) -> bytes:
    """`---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----` (ssh.com / Tectia), cipher "none".

    Format source: PuTTY import.c (sshcom section) and OpenSSH ssh-keygen.c
    do_convert_private_ssh2: uint32 magic 0x3f6ff9eb, uint32 total size, string key type,
    string cipher, string holding a string of the payload; the RSA payload is e, d, n,
    u (p^-1 mod q), p, q with p the smaller prime.
    """
    key = key or rsa_key(1)
    private = key.private_numbers()
    p, q = sorted((private.p, private.q))
    payload = b"".join(
        _sshcom_mpint(value)
        for value in (private.public_numbers.e, private.d, private.public_numbers.n)
    ) + b"".join(_sshcom_mpint(value) for value in (pow(p, -1, q), p, q))
    body = (
        _ssh_string(b"if-modn{sign{rsa-pkcs1-sha1},encrypt{rsa-pkcs1v2-oaep}}")
        + _ssh_string(b"none")
        + _ssh_string(_ssh_string(payload))
    )
    blob = struct.pack(">II", 0x3F6FF9EB, len(body) + 8) + body
    return (
        b"---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\n"
        b'Comment: "rsa-key-20250101"\n'
        + _wrap(base64.b64encode(blob), 70)
        + b"\n---- END SSH2 ENCRYPTED PRIVATE KEY ----\n"
    )


# --------------------------------------------------------------------------- DER by hand


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def der_tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _der_length(len(content)) + content


def der_oid_body(dotted: str) -> bytes:
    """The content octets of an OBJECT IDENTIFIER (base-128 arcs)."""
    arcs = [int(arc) for arc in dotted.split(".")]
    out = bytearray([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(reversed(chunk))
    return bytes(out)


def _der_oid(dotted: str) -> bytes:
    return der_tlv(0x06, der_oid_body(dotted))


# --------------------------------------------------------------------------- Java keystores


def _java_utf(text: str) -> bytes:
    """DataOutputStream.writeUTF for ASCII text: uint16 length, then the bytes."""
    raw = text.encode()
    return struct.pack(">H", len(raw)) + raw


def _jks_protect(plain: bytes, password: str) -> bytes:
    """sun.security.provider.KeyProtector: salt, SHA-1 keystream XOR, SHA-1 check.

    Wrapped in an EncryptedPrivateKeyInfo with OID 1.3.6.1.4.1.42.2.17.1.1 (the JKS
    proprietary algorithm) and NULL parameters.
    """
    passwd = password.encode("utf-16-be")
    salt = hashlib.sha256(plain).digest()[:20]  # deterministic: any 20 bytes will do
    stream = bytearray()
    digest = salt
    while len(stream) < len(plain):
        digest = hashlib.sha1(passwd + digest).digest()
        stream += digest
    encrypted = bytes(a ^ b for a, b in zip(plain, stream, strict=False))
    check = hashlib.sha1(passwd + plain).digest()
    algorithm = der_tlv(0x30, _der_oid("1.3.6.1.4.1.42.2.17.1.1") + b"\x05\x00")
    return der_tlv(0x30, algorithm + der_tlv(0x04, salt + encrypted + check))


def java_keystore(kind: str = "jks", password: str = "changeit") -> bytes:
    """A JKS (magic FEEDFEED) or JCEKS (magic CECECECE) holding one private-key entry.

    Format source: OpenJDK sun.security.provider.JavaKeyStore.engineStore and
    com.sun.crypto.provider.JceKeyStore: magic, version 2, entry count; entry tag 1
    (private key), alias, creation time in ms, protected key, certificate chain; then a
    SHA-1 over UTF-16BE(password) + "Mighty Aphrodite" + everything before it. The JCEKS
    entry reuses the JKS key protection (keytool -list does not decrypt keys).
    """
    magic = {"jks": 0xFEEDFEED, "jceks": 0xCECECECE}[kind]
    protected = _jks_protect(pkcs8_der(rsa_key()), password)
    chain = [cert_der(leaf()), cert_der(ca()[1])]
    entry = (
        struct.pack(">I", 1)
        + _java_utf("support")
        + struct.pack(">q", int(NOW.timestamp() * 1000))
        + struct.pack(">I", len(protected))
        + protected
        + struct.pack(">I", len(chain))
        + b"".join(_java_utf("X.509") + struct.pack(">I", len(c)) + c for c in chain)
    )
    body = struct.pack(">III", magic, 2, 1) + entry
    digest = hashlib.sha1(password.encode("utf-16-be") + b"Mighty Aphrodite" + body).digest()
    return body + digest


# --------------------------------------------------------------------------- Windows blobs


def _le(value: int, size: int) -> bytes:
    return value.to_bytes(size, "little")


def capi_private_key_blob(key: rsa.RSAPrivateKey | None = None, *, snk: bool = False) -> bytes:
    """A CryptoAPI PRIVATEKEYBLOB (also what a .NET strong-name `.snk` file is).

    Format source: Microsoft docs "RSA/Schannel Key BLOBs" and "BLOBHEADER": bType 07
    (PRIVATEKEYBLOB), bVersion 02, reserved, aiKeyAlg (CALG_RSA_KEYX 0xA400, or
    CALG_RSA_SIGN 0x2400 for .snk); RSAPUBKEY "RSA2", bitlen, pubexp; then little-endian
    modulus, prime1, prime2, exponent1, exponent2, coefficient, privateExponent.
    """
    key = key or rsa_key()
    private = key.private_numbers()
    bits = key.key_size
    half = bits // 16
    header = bytes([0x07, 0x02, 0x00, 0x00]) + _le(0x2400 if snk else 0xA400, 4)
    rsapubkey = b"RSA2" + _le(bits, 4) + _le(private.public_numbers.e, 4)
    values = (
        _le(private.public_numbers.n, bits // 8)
        + _le(private.p, half)
        + _le(private.q, half)
        + _le(private.dmp1, half)
        + _le(private.dmq1, half)
        + _le(private.iqmp, half)
        + _le(private.d, bits // 8)
    )
    return header + rsapubkey + values


def pvk(key: rsa.RSAPrivateKey | None = None) -> bytes:
    """A Microsoft PVK file, unencrypted, around a PRIVATEKEYBLOB.

    Format source: OpenSSL crypto/pem/pvkfmt.c: DWORD magic 0xB0B5F11E, reserved,
    keytype (1 = AT_KEYEXCHANGE), is_encrypted, saltlen, keylen; then the salt and blob.
    """
    blob = capi_private_key_blob(key)
    return struct.pack("<IIIIII", 0xB0B5F11E, 0, 1, 0, 0, len(blob)) + blob


def cng_rsa_private_blob(key: rsa.RSAPrivateKey | None = None) -> bytes:
    """A CNG BCRYPT_RSAPRIVATE_BLOB.

    Format source: Microsoft docs "BCRYPT_RSAKEY_BLOB": ULONG Magic (0x32415352 "RSA2"),
    BitLength, cbPublicExp, cbModulus, cbPrime1, cbPrime2; then big-endian public
    exponent, modulus, prime1, prime2.
    """
    key = key or rsa_key()
    private = key.private_numbers()
    e = private.public_numbers.e
    e_raw = e.to_bytes((e.bit_length() + 7) // 8, "big")
    n_raw = private.public_numbers.n.to_bytes(key.key_size // 8, "big")
    p_raw = private.p.to_bytes(key.key_size // 16, "big")
    q_raw = private.q.to_bytes(key.key_size // 16, "big")
    header = struct.pack(
        "<IIIIII", 0x32415352, key.key_size, len(e_raw), len(n_raw), len(p_raw), len(q_raw)
    )
    return header + e_raw + n_raw + p_raw + q_raw


def cng_ecc_private_blob(key: ec.EllipticCurvePrivateKey | None = None) -> bytes:
    """A CNG BCRYPT_ECCPRIVATE_BLOB for P-256 (BCRYPT_ECDSA_PRIVATE_P256_MAGIC, "ECS2").

    Format source: Microsoft docs "BCRYPT_ECCKEY_BLOB": ULONG dwMagic, cbKey; then X, Y, d.
    """
    key = key or ec_key("secp256r1")
    numbers = key.private_numbers()
    size = 32
    return (
        struct.pack("<II", 0x32534345, size)
        + numbers.public_numbers.x.to_bytes(size, "big")
        + numbers.public_numbers.y.to_bytes(size, "big")
        + numbers.private_value.to_bytes(size, "big")
    )


# --------------------------------------------------------------------------- openssl -text


def _openssl_hex_lines(value: int) -> bytes:
    """How `openssl rsa -text` prints a number: 15 colon-separated bytes a line."""
    raw = value.to_bytes(value.bit_length() // 8 + 1, "big")
    if len(raw) > 1 and raw[0] == 0 and raw[1] < 0x80:
        raw = raw[1:]
    pairs = [f"{b:02x}" for b in raw]
    lines = [":".join(pairs[i : i + 15]) for i in range(0, len(pairs), 15)]
    return ("".join(f"    {line}:\n" for line in lines[:-1]) + f"    {lines[-1]}\n").encode()


def openssl_text(key: rsa.RSAPrivateKey | None = None) -> bytes:
    """The output of `openssl rsa -noout -text` (OpenSSL 3): a private key in plain hex."""
    key = key or rsa_key()
    private = key.private_numbers()
    e = private.public_numbers.e
    parts = [f"Private-Key: ({key.key_size} bit, 2 primes)\n".encode()]
    for label, value in (
        ("modulus", private.public_numbers.n),
        ("publicExponent", None),
        ("privateExponent", private.d),
        ("prime1", private.p),
        ("prime2", private.q),
        ("exponent1", private.dmp1),
        ("exponent2", private.dmq1),
        ("coefficient", private.iqmp),
    ):
        if value is None:
            parts.append(f"{label}: {e} ({e:#x})\n".encode())
        else:
            parts.append(f"{label}:\n".encode() + _openssl_hex_lines(value))
    return b"".join(parts)


# --------------------------------------------------------------------------- images


@functools.cache
def png() -> bytes:
    from PIL import Image

    image = Image.new("RGB", (48, 32))
    image.putdata([(x * 5, y * 7, (x + y) * 3) for y in range(32) for x in range(48)])
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@functools.cache
def jpeg() -> bytes:
    from PIL import Image

    image = Image.new("RGB", (48, 32), (40, 90, 160))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


# --------------------------------------------------------------------------- containers


def zip_of(members: Mapping[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def tar_of(members: Mapping[str, bytes], mode: str = "w") -> bytes:
    """A tar archive; `mode` "w:gz", "w:bz2", "w:xz" compresses it."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = int(NOW.timestamp())
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def gzip_of(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def bz2_of(data: bytes) -> bytes:
    return bz2.compress(data)


def xz_of(data: bytes) -> bytes:
    return lzma.compress(data)


def docx_with(media: Mapping[str, bytes]) -> bytes:
    """A zip shaped like a Word document, with extra files under word/media/."""
    members = {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.'
        b'openxmlformats.org/package/2006/content-types"/>',
        "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
        "word/document.xml": b'<?xml version="1.0"?><w:document><w:body><w:p><w:r><w:t>'
        b"Certificate renewal notes</w:t></w:r></w:p></w:body></w:document>",
    }
    members.update({f"word/media/{name}": data for name, data in media.items()})
    return zip_of(members)


# --------------------------------------------------------------------------- encodings


def utf16(data: bytes, endian: str = "le", *, bom: bool = False) -> bytes:
    """ASCII text re-encoded as UTF-16; with `bom`, the byte-order mark goes first."""
    text = data.decode("ascii")
    encoded = text.encode("utf-16-le" if endian == "le" else "utf-16-be")
    if bom:
        return (b"\xff\xfe" if endian == "le" else b"\xfe\xff") + encoded
    return encoded


def crlf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def indent(data: bytes, prefix: bytes = b"    ") -> bytes:
    return b"".join(prefix + line for line in data.splitlines(keepends=True))


def json_string(pem: bytes, *, escape_slashes: bool = False) -> bytes:
    """The PEM as a JSON string (quotes included): newlines become a literal `\\n`."""
    text = json.dumps(pem.decode())
    if escape_slashes:
        text = text.replace("/", "\\/")
    return text.encode()


def xml_entities(pem: bytes) -> bytes:
    """Line breaks as the `&#13;&#10;` entities XML serialisers write."""
    return pem.rstrip(b"\n").replace(b"\n", b"&#13;&#10;")


def b64(data: bytes, width: int | None = None) -> bytes:
    """Base64, on one line or wrapped at `width` (64 like PEM, 76 like MIME)."""
    encoded = base64.b64encode(data)
    return _wrap(encoded, width) if width else encoded
