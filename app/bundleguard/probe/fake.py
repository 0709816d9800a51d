"""Fake appliances: real TLS servers on loopback that behave like B Series appliances.

Used by the tests, the probe benchmark and (later) the GUI's demo mode, so it depends
only on runtime packages. A `FakeAppliance` listens on `127.0.0.1` on an ephemeral
port and serves a certificate chosen by the SNI name the client sends, or a default
one for clients without SNI (or with a name it does not know) — like the Default
column of Security > Certificates. It can also misbehave: stall (accept and never
answer) or answer in plain HTTP.

Keys are generated at run time and never written anywhere in the clear: the stdlib
`ssl` module only loads a key from a file, so each key is written encrypted with a
random in-memory password into a private temporary directory, loaded, and the
directory is removed at once — before the server accepts its first connection.
"""

from __future__ import annotations

import contextlib
import datetime
import enum
import ipaddress
import secrets
import shutil
import socket
import ssl
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

LOOPBACK = "127.0.0.1"
_ONE_DAY = datetime.timedelta(days=1)
# Enough for the handshake and the client's close; a fake never waits longer.
_CONNECTION_TIMEOUT = 10.0
_ACCEPT_POLL = 0.05

SigningKey = (
    rsa.RSAPrivateKey
    | ec.EllipticCurvePrivateKey
    | dsa.DSAPrivateKey
    | ed25519.Ed25519PrivateKey
    | ed448.Ed448PrivateKey
)
CertificatePublicKey = (
    rsa.RSAPublicKey
    | ec.EllipticCurvePublicKey
    | dsa.DSAPublicKey
    | ed25519.Ed25519PublicKey
    | ed448.Ed448PublicKey
)


@dataclass(frozen=True)
class ServedCertificate:
    """What a fake appliance sends for one name: the chain (leaf first) and the leaf's key."""

    chain: tuple[x509.Certificate, ...]
    key: ec.EllipticCurvePrivateKey

    @property
    def leaf(self) -> x509.Certificate:
        return self.chain[0]

    def leaf_only(self) -> ServedCertificate:
        """The same certificate served without its intermediates (an incomplete chain)."""
        return ServedCertificate(chain=self.chain[:1], key=self.key)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _san_entry(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


class FakePKI:
    """A throwaway private CA (root and one intermediate) that issues appliance certificates.

    >>> pki = FakePKI()
    >>> served = pki.issue(["support.example.test", "primary.example.test"])
    """

    def __init__(self, name: str = "Fake Appliance") -> None:
        now = datetime.datetime.now(datetime.UTC)
        self.root_key = ec.generate_private_key(ec.SECP256R1())
        self.root = self._sign(
            subject=_name(f"{name} Root CA"),
            issuer=_name(f"{name} Root CA"),
            public_key=self.root_key.public_key(),
            signing_key=self.root_key,
            not_before=now - _ONE_DAY,
            not_after=now + 3650 * _ONE_DAY,
            ca=True,
        )
        self.intermediate_key = ec.generate_private_key(ec.SECP256R1())
        self.intermediate = self._sign(
            subject=_name(f"{name} Intermediate CA"),
            issuer=self.root.subject,
            public_key=self.intermediate_key.public_key(),
            signing_key=self.root_key,
            not_before=now - _ONE_DAY,
            not_after=now + 1825 * _ONE_DAY,
            ca=True,
            issuer_cert=self.root,
        )

    def issue(
        self,
        names: Sequence[str],
        *,
        expired: bool = False,
        days: int = 365,
        common_name: str | None = None,
    ) -> ServedCertificate:
        """A leaf for `names` (first one is the common name) with its chain up to the root.

        The chain served is leaf + intermediate (servers do not send the root).
        `common_name` replaces the first name as the subject's CN (SANs stay `names`).
        """
        if not names:
            raise ValueError("a certificate needs at least one name")
        now = datetime.datetime.now(datetime.UTC)
        if expired:
            not_before, not_after = now - (days + 1) * _ONE_DAY, now - _ONE_DAY
        else:
            not_before, not_after = now - _ONE_DAY, now + days * _ONE_DAY
        key = ec.generate_private_key(ec.SECP256R1())
        leaf = self._sign(
            subject=_name(common_name if common_name is not None else names[0]),
            issuer=self.intermediate.subject,
            public_key=key.public_key(),
            signing_key=self.intermediate_key,
            not_before=not_before,
            not_after=not_after,
            ca=False,
            issuer_cert=self.intermediate,
            sans=names,
        )
        return ServedCertificate(chain=(leaf, self.intermediate), key=key)

    @staticmethod
    def _sign(
        *,
        subject: x509.Name,
        issuer: x509.Name,
        public_key: ec.EllipticCurvePublicKey,
        signing_key: ec.EllipticCurvePrivateKey,
        not_before: datetime.datetime,
        not_after: datetime.datetime,
        ca: bool,
        issuer_cert: x509.Certificate | None = None,
        sans: Sequence[str] = (),
    ) -> x509.Certificate:
        """This PKI's certificate profile (an appliance CA or server leaf), signed."""
        extensions: list[tuple[x509.ExtensionType, bool]] = [
            (x509.BasicConstraints(ca=ca, path_length=None), True),
            (x509.SubjectKeyIdentifier.from_public_key(public_key), False),
        ]
        if issuer_cert is not None:
            extensions.append(
                (
                    x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_cert.public_key()),
                    False,
                )
            )
        if ca:
            extensions.append(
                (
                    x509.KeyUsage(
                        digital_signature=True,
                        content_commitment=False,
                        key_encipherment=False,
                        data_encipherment=False,
                        key_agreement=False,
                        key_cert_sign=True,
                        crl_sign=True,
                        encipher_only=False,
                        decipher_only=False,
                    ),
                    True,
                )
            )
        else:
            extensions.append(
                (x509.SubjectAlternativeName([_san_entry(name) for name in sans]), False)
            )
            extensions.append((x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False))
        return FakePKI.sign_certificate(
            subject=subject,
            issuer=issuer,
            public_key=public_key,
            signing_key=signing_key,
            not_before=not_before,
            not_after=not_after,
            extensions=extensions,
        )

    @staticmethod
    def sign_certificate(
        *,
        subject: x509.Name,
        issuer: x509.Name,
        public_key: CertificatePublicKey,
        signing_key: SigningKey,
        not_before: datetime.datetime,
        not_after: datetime.datetime,
        extensions: Iterable[tuple[x509.ExtensionType, bool]] = (),
        serial_number: int | None = None,
        hash_algorithm: hashes.HashAlgorithm | None = None,
    ) -> x509.Certificate:
        """Sign one certificate with exactly the `(extension, critical)` pairs given, in order.

        The one place the fakes (and the tests built on them) sign certificates. The serial
        is random unless given; the hash is SHA-256 unless given. SHA-1 (which
        `cryptography` refuses to sign with, but old appliances still present) is done by
        re-signing the to-be-signed bytes by hand, so it needs an RSA `signing_key`.
        """
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(
                serial_number if serial_number is not None else x509.random_serial_number()
            )
            .not_valid_before(not_before)
            .not_valid_after(not_after)
        )
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical=critical)
        if isinstance(hash_algorithm, hashes.SHA1):
            if not isinstance(signing_key, rsa.RSAPrivateKey):
                raise ValueError("a SHA-1 signature is only made with an RSA issuer key")
            return _resign_sha1(builder.sign(signing_key, hashes.SHA256()), signing_key)
        if isinstance(signing_key, ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey):
            return builder.sign(signing_key, None)  # EdDSA hashes by itself
        return builder.sign(signing_key, hash_algorithm or hashes.SHA256())


_SHA256_RSA_ALG = bytes.fromhex("06092a864886f70d01010b")
_SHA1_RSA_ALG = bytes.fromhex("06092a864886f70d010105")


def _der_tlv(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    size = (length.bit_length() + 7) // 8
    return bytes([tag, 0x80 | size]) + length.to_bytes(size, "big") + content


def _resign_sha1(cert: x509.Certificate, issuer_key: rsa.RSAPrivateKey) -> x509.Certificate:
    """The same certificate, signed sha1WithRSAEncryption: TBS algorithm swapped, re-signed."""
    tbs = cert.tbs_certificate_bytes.replace(_SHA256_RSA_ALG, _SHA1_RSA_ALG, 1)
    signature = issuer_key.sign(tbs, padding.PKCS1v15(), hashes.SHA1())
    algorithm = _der_tlv(0x30, _SHA1_RSA_ALG + b"\x05\x00")
    body = tbs + algorithm + _der_tlv(0x03, b"\x00" + signature)
    return x509.load_der_x509_certificate(_der_tlv(0x30, body))


class Behaviour(enum.Enum):
    """How a fake appliance answers a connection."""

    TLS = "tls"
    STALL = "stall"  # accepts the connection and never says a word
    PLAIN_HTTP = "plain-http"  # a web server without TLS on the port


class FakeAppliance:
    """One fake appliance on `127.0.0.1:<ephemeral port>`, started and stopped as a context.

    `certificates` maps SNI names to what is served for them; `default` is served to
    clients without SNI and for names not in the map — unless `reject_unknown_names`,
    which answers those with a TLS "unrecognized name" alert (as strict-SNI servers do).
    `latency` (seconds) is waited before answering each connection, to stand in for a
    distant appliance; `maximum_version` caps the TLS version (e.g. an older appliance).
    `stall_on` numbers connections (the first is 1) that stall although the others are
    answered: an appliance that hangs on one handshake of a check. `connections` counts
    the connections accepted so far.

    >>> with FakeAppliance("primary.example.test", default=served) as appliance:
    ...     appliance.spec  # "primary.example.test=127.0.0.1:50123"
    """

    def __init__(
        self,
        name: str,
        *,
        default: ServedCertificate | None = None,
        certificates: Mapping[str, ServedCertificate] | None = None,
        behaviour: Behaviour = Behaviour.TLS,
        latency: float = 0.0,
        reject_unknown_names: bool = False,
        maximum_version: ssl.TLSVersion | None = None,
        stall_on: Iterable[int] = (),
    ) -> None:
        if behaviour is Behaviour.TLS and default is None:
            raise ValueError("a TLS fake appliance needs a default certificate")
        self.name = name
        self.behaviour = behaviour
        self.latency = latency
        self.reject_unknown_names = reject_unknown_names
        self.maximum_version = maximum_version
        self.stall_on = frozenset(stall_on)
        self.connections = 0
        self._default = default
        self._certificates = dict(certificates or {})
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._workers: set[threading.Thread] = set()
        self._default_context: ssl.SSLContext | None = None
        self._contexts: dict[str, ssl.SSLContext] = {}
        self.port = 0

    # -- life cycle -------------------------------------------------------------------

    def start(self) -> FakeAppliance:
        if self._listener is not None:
            raise RuntimeError("this fake appliance is already running")
        if self.behaviour is Behaviour.TLS:
            self._load_contexts()
        listener = socket.create_server((LOOPBACK, 0))
        listener.settimeout(_ACCEPT_POLL)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._stopping.clear()
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name=f"fake-appliance-{self.name}", daemon=True
        )
        self._accept_thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, close every open connection and wait for the worker threads."""
        self._stopping.set()
        if self._accept_thread is not None:
            self._accept_thread.join()
            self._accept_thread = None
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            for sock in self._open:
                _close_quietly(sock)
            workers = list(self._workers)
        for worker in workers:
            worker.join(timeout=_CONNECTION_TIMEOUT)

    def __enter__(self) -> FakeAppliance:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what a client needs to reach it ----------------------------------------------

    @property
    def address(self) -> tuple[str, int]:
        return (LOOPBACK, self.port)

    @property
    def spec(self) -> str:
        """The `--appliance` value that reaches this fake: `NAME=127.0.0.1:PORT`."""
        return f"{self.name}={LOOPBACK}:{self.port}"

    # -- serving ----------------------------------------------------------------------

    def _load_contexts(self) -> None:
        assert self._default is not None
        # One private directory for all keys of this appliance, gone before we listen.
        key_dir = Path(tempfile.mkdtemp(prefix="bundleguard-fake-"))
        try:
            self._default_context = _server_context(self._default, key_dir, self.maximum_version)
            self._contexts = {
                name.lower(): _server_context(served, key_dir, self.maximum_version)
                for name, served in self._certificates.items()
            }
        finally:
            shutil.rmtree(key_dir, ignore_errors=True)
        self._default_context.sni_callback = self._choose_certificate

    def _choose_certificate(
        self, ssl_object: ssl.SSLObject, server_name: str | None, _context: ssl.SSLContext
    ) -> int | None:
        chosen = self._contexts.get(server_name.lower()) if server_name is not None else None
        if chosen is not None:
            ssl_object.context = chosen
        elif self.reject_unknown_names:
            return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
        return None

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                conn, _peer = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            conn.settimeout(_CONNECTION_TIMEOUT)
            with self._lock:
                self.connections += 1
                stall = self.connections in self.stall_on
            worker = threading.Thread(target=self._serve, args=(conn, stall), daemon=True)
            with self._lock:
                if self._stopping.is_set():
                    _close_quietly(conn)
                    break
                self._open.add(conn)
                self._workers.add(worker)
            worker.start()

    def _serve(self, conn: socket.socket, stall: bool = False) -> None:
        try:
            if self.latency and self._stopping.wait(self.latency):
                return
            if stall or self.behaviour is Behaviour.STALL:
                self._stopping.wait()
            elif self.behaviour is Behaviour.PLAIN_HTTP:
                with contextlib.suppress(OSError):
                    conn.recv(4096)
                    conn.sendall(
                        b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                        b"Connection: close\r\n\r\n"
                    )
            else:
                self._serve_tls(conn)
        finally:
            with self._lock:
                self._open.discard(conn)
                self._workers.discard(threading.current_thread())
            _close_quietly(conn)

    def _serve_tls(self, conn: socket.socket) -> None:
        assert self._default_context is not None
        tls = self._default_context.wrap_socket(
            conn, server_side=True, do_handshake_on_connect=False
        )
        with self._lock:
            self._open.add(tls)  # `conn` is detached now; `stop` must reach `tls`
        try:
            try:
                tls.do_handshake()
            except (OSError, ssl.SSLError):
                return  # the client gave up or disliked us: that is the client's report
            # Wait for the client to close; a probe sends nothing after the handshake.
            with contextlib.suppress(OSError, ssl.SSLError):
                while tls.recv(4096):
                    pass
        finally:
            with self._lock:
                self._open.discard(tls)
            _close_quietly(tls)


class FakeAppliances:
    """Several fake appliances started and stopped together."""

    def __init__(self, appliances: Iterable[FakeAppliance]) -> None:
        self.appliances = tuple(appliances)

    def __enter__(self) -> tuple[FakeAppliance, ...]:
        started: list[FakeAppliance] = []
        try:
            for appliance in self.appliances:
                started.append(appliance.start())
        except BaseException:
            for appliance in started:
                appliance.stop()
            raise
        return self.appliances

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for appliance in self.appliances:
            appliance.stop()


def _server_context(
    served: ServedCertificate, key_dir: Path, maximum_version: ssl.TLSVersion | None
) -> ssl.SSLContext:
    password = secrets.token_bytes(32)
    stem = secrets.token_hex(8)
    chain_path = key_dir / f"{stem}-chain.pem"
    key_path = key_dir / f"{stem}-key.pem"
    chain_path.write_bytes(
        b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in served.chain)
    )
    key_path.write_bytes(
        served.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(password),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if maximum_version is not None:
        context.maximum_version = maximum_version
    try:
        context.load_cert_chain(chain_path, key_path, password=password)
    finally:
        key_path.unlink(missing_ok=True)
        chain_path.unlink(missing_ok=True)
    return context


def _close_quietly(sock: socket.socket) -> None:
    # shutdown() first: close() alone does not wake a thread blocked in recv() on Linux.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
