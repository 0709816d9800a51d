"""One TLS handshake with a deadline: connect, send (or omit) SNI, return the served chain.

Why pyOpenSSL and not the stdlib `ssl` client: on Python 3.11 `ssl` exposes only the
leaf certificate publicly (`getpeercert`); the whole chain the server sent comes with
`SSLSocket.get_unverified_chain()` from Python 3.13 on. pyOpenSSL's supported
`Connection.get_peer_cert_chain(as_cryptography=True)` (pyOpenSSL >= 24.3) returns it
for TLS 1.2 and 1.3, with or without SNI (`set_tlsext_host_name`).

The handshake runs over memory BIOs: we move the bytes between OpenSSL and a plain
socket ourselves, so every wait is a socket timeout taken from one deadline (a stalled
server cannot hold us longer than the remaining budget), and we see the first bytes
the server answered with (a plain HTTP server says `HTTP/1.1 400`).

Failures are results (`Handshake.failure`, plain words in `Handshake.message`), never
exceptions. Certificates are not verified here: the point is to see what is served;
`bundleguard.certs` judges it.
"""

from __future__ import annotations

import enum
import errno
import ipaddress
import os
import selectors
import socket
import threading
import time
from dataclasses import dataclass

from cryptography import x509
from OpenSSL import SSL

from bundleguard.probe.targets import sni_bytes

_RECEIVE_SIZE = 65536
_SNIFF_SIZE = 16
_TLS_RECORD_TYPES = frozenset({0x14, 0x15, 0x16, 0x17})
# How often a wait looks whether the user cancelled: a cancel takes effect this fast.
_CANCEL_POLL = 0.1
# connect_ex on a non-blocking socket: under way (10035 is Windows' WSAEWOULDBLOCK).
_CONNECT_PENDING = frozenset({errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY, 10035})


class Failure(enum.Enum):
    """Why a handshake did not give us a certificate chain."""

    DNS = "dns"
    REFUSED = "refused"
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    CLOSED = "closed"
    TLS_ERROR = "tls-error"
    PLAIN_HTTP = "plain-http"
    NOT_TLS = "not-tls"
    NO_CERTIFICATE = "no-certificate"
    DAMAGED_CERTIFICATE = "damaged-certificate"
    NOT_TRIED = "not-tried"
    OUT_OF_TIME = "out-of-time"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Handshake:
    """What one handshake showed: the served chain (leaf first) and TLS version, or why not."""

    sni: str | None
    endpoint: str
    chain: tuple[x509.Certificate, ...] = ()
    tls_version: str | None = None
    failure: Failure | None = None
    message: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.failure is None


class HandshakeFailed(Exception):
    """Internal: carries a `Failure` and its plain-words message to the result."""

    def __init__(self, failure: Failure, message: str) -> None:
        super().__init__(message)
        self.failure = failure
        self.message = message


class Deadline:
    """A point in time (monotonic clock) that every wait of one appliance check counts down to.

    With a `cancel` event, waits also end soon after it is set (`HandshakeFailed` with
    `Failure.CANCELLED`), even in the middle of a handshake.
    """

    def __init__(self, seconds: float, cancel: threading.Event | None = None) -> None:
        self.budget = seconds
        self.cancel = cancel
        self._end = time.monotonic() + seconds

    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()

    def check_cancelled(self) -> None:
        if self.cancelled():
            raise HandshakeFailed(Failure.CANCELLED, "cancelled")

    def remaining(self) -> float:
        return self._end - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def timeout(self, doing: str) -> HandshakeFailed:
        return HandshakeFailed(
            Failure.TIMEOUT, f"no answer while {doing} within the {self.budget:g} s time limit"
        )

    def socket_timeout(self, doing: str) -> float:
        """All the time left, for a wait that cannot be resumed (connect, send)."""
        self.check_cancelled()
        left = self.remaining()
        if left <= 0:
            raise self.timeout(doing)
        return left

    def poll_timeout(self, doing: str) -> float:
        """The time left, in slices short enough to notice a cancel: for a wait that the
        caller repeats when a slice ends (receive)."""
        left = self.socket_timeout(doing)
        return min(left, _CANCEL_POLL) if self.cancel is not None else left


Address = tuple[socket.AddressFamily, tuple]


def resolve(host: str, port: int, deadline: Deadline) -> list[Address]:
    """The addresses of `host`, the lookup bounded by the deadline. Raises `HandshakeFailed`."""
    try:
        ipaddress.ip_address(host)
        flags = socket.AI_NUMERICHOST
    except ValueError:
        flags = 0
    if flags:
        return _addresses(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=flags))
    # getaddrinfo has no timeout: run it aside and stop waiting when the budget is spent.
    outcome: dict[str, object] = {}
    finished = threading.Event()

    def look_up() -> None:
        try:
            outcome["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as error:
            outcome["error"] = error
        finally:
            finished.set()

    threading.Thread(target=look_up, name=f"resolve-{host}", daemon=True).start()
    doing = f"looking up {host} in DNS"
    while not finished.wait(deadline.poll_timeout(doing)):
        pass
    if "error" in outcome:
        raise HandshakeFailed(
            Failure.DNS, f"the name {host} could not be found in DNS ({outcome['error']})"
        )
    return _addresses(outcome["infos"])  # type: ignore[arg-type]


def _addresses(infos: list) -> list[Address]:
    return [(family, sockaddr) for family, _type, _proto, _name, sockaddr in infos]


def connect(addresses: list[Address], endpoint: str, deadline: Deadline) -> socket.socket:
    """A TCP connection to the first address that answers. Raises `HandshakeFailed`."""
    last: HandshakeFailed | None = None
    for family, sockaddr in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            _connect_within(sock, sockaddr, deadline, f"connecting to {endpoint}")
            return sock
        except HandshakeFailed:
            sock.close()
            raise
        except TimeoutError:
            sock.close()
            last = deadline.timeout(f"connecting to {endpoint}")
        except ConnectionRefusedError:
            sock.close()
            last = HandshakeFailed(
                Failure.REFUSED,
                f"{endpoint} refused the connection (nothing listens on that port)",
            )
        except OSError as error:
            sock.close()
            last = HandshakeFailed(
                Failure.UNREACHABLE, f"{endpoint} cannot be reached ({error.strerror or error})"
            )
    raise last or HandshakeFailed(Failure.DNS, f"no address found for {endpoint}")


def _connect_within(sock: socket.socket, sockaddr: tuple, deadline: Deadline, doing: str) -> None:
    """`sock.connect(sockaddr)`, waiting in slices so that a cancel ends it too (a blocking
    connect that timed out cannot be resumed). Raises `OSError` as `connect` would."""
    deadline.socket_timeout(doing)  # already cancelled or out of time: do not start
    sock.setblocking(False)
    code = sock.connect_ex(sockaddr)
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_WRITE)  # writable (or failed): done
        while code in _CONNECT_PENDING:
            if selector.select(deadline.poll_timeout(doing)):
                code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if code:
        raise OSError(code, os.strerror(code))  # ECONNREFUSED gives ConnectionRefusedError


def handshake(
    addresses: list[Address], endpoint: str, sni: str | None, deadline: Deadline
) -> Handshake:
    """Connect to `addresses` and shake hands, sending `sni` (None: no SNI at all)."""
    started = time.monotonic()
    try:
        sock = connect(addresses, endpoint, deadline)
        try:
            chain, version = _shake_hands(sock, sni, endpoint, deadline)
        finally:
            sock.close()
    except HandshakeFailed as failed:
        return Handshake(
            sni=sni,
            endpoint=endpoint,
            failure=failed.failure,
            message=failed.message,
            seconds=time.monotonic() - started,
        )
    return Handshake(
        sni=sni,
        endpoint=endpoint,
        chain=chain,
        tls_version=version,
        seconds=time.monotonic() - started,
    )


def _client_context() -> SSL.Context:
    context = SSL.Context(SSL.TLS_CLIENT_METHOD)
    # We look at what is served, whatever it is; bundleguard.certs judges it afterwards.
    context.set_verify(SSL.VERIFY_NONE)
    return context


def _shake_hands(
    sock: socket.socket, sni: str | None, endpoint: str, deadline: Deadline
) -> tuple[tuple[x509.Certificate, ...], str]:
    conn = SSL.Connection(_client_context(), None)
    conn.set_connect_state()
    server_name = sni_bytes(sni) if sni else None
    if server_name:
        conn.set_tlsext_host_name(server_name)
    first_bytes = bytearray()
    doing = f"waiting for the TLS handshake with {endpoint}"
    while True:
        try:
            conn.do_handshake()
            break
        except SSL.WantReadError:
            pass
        except SSL.Error as error:
            raise _explain_tls_error(error, bytes(first_bytes), endpoint) from None
        _flush(conn, sock, deadline, doing)
        data = _receive(sock, deadline, doing, endpoint)
        if len(first_bytes) < _SNIFF_SIZE:
            first_bytes += data[: _SNIFF_SIZE - len(first_bytes)]
        if not data:
            raise _explain_early_close(bytes(first_bytes), endpoint)
        conn.bio_write(data)
    try:
        chain = tuple(conn.get_peer_cert_chain(as_cryptography=True) or ())
    except (ValueError, SSL.Error):
        raise HandshakeFailed(
            Failure.DAMAGED_CERTIFICATE,
            f"{endpoint} sent a certificate so damaged that it cannot be read",
        ) from None
    version = conn.get_protocol_version_name()
    _say_goodbye(conn, sock, deadline)
    if not chain:
        raise HandshakeFailed(Failure.NO_CERTIFICATE, f"{endpoint} sent no certificate")
    return chain, version


def _receive(sock: socket.socket, deadline: Deadline, doing: str, endpoint: str) -> bytes:
    while True:
        sock.settimeout(deadline.poll_timeout(doing))  # raises when time or the user ran out
        try:
            return sock.recv(_RECEIVE_SIZE)
        except TimeoutError:
            continue
        except OSError as error:
            raise HandshakeFailed(
                Failure.CLOSED,
                f"{endpoint} dropped the connection during the TLS handshake ({error})",
            ) from None


def _flush(conn: SSL.Connection, sock: socket.socket, deadline: Deadline, doing: str) -> None:
    while True:
        try:
            data = conn.bio_read(_RECEIVE_SIZE)
        except SSL.WantReadError:
            return
        try:
            sock.settimeout(deadline.socket_timeout(doing))
            sock.sendall(data)
        except TimeoutError:
            raise deadline.timeout(doing) from None
        except OSError as error:
            raise HandshakeFailed(
                Failure.CLOSED, f"the connection was dropped during the TLS handshake ({error})"
            ) from None


def _say_goodbye(conn: SSL.Connection, sock: socket.socket, deadline: Deadline) -> None:
    """Finish politely (our last handshake bytes and close_notify); failures do not matter."""
    try:
        conn.shutdown()
        _flush(conn, sock, deadline, "closing the connection")
    except (SSL.Error, HandshakeFailed):
        pass


def _explain_early_close(first_bytes: bytes, endpoint: str) -> HandshakeFailed:
    if first_bytes.startswith(b"HTTP/"):
        return _plain_http(endpoint)
    if first_bytes:
        return HandshakeFailed(
            Failure.NOT_TLS, f"{endpoint} answered, but not with TLS, and closed the connection"
        )
    return HandshakeFailed(
        Failure.CLOSED,
        f"{endpoint} accepted the connection and closed it without a TLS answer",
    )


def _explain_tls_error(error: SSL.Error, first_bytes: bytes, endpoint: str) -> HandshakeFailed:
    if first_bytes.startswith(b"HTTP/"):
        return _plain_http(endpoint)
    if first_bytes and first_bytes[0] not in _TLS_RECORD_TYPES:
        return HandshakeFailed(Failure.NOT_TLS, f"{endpoint} answered, but not with TLS")
    return HandshakeFailed(
        Failure.TLS_ERROR, f"the TLS handshake with {endpoint} failed: {_reason(error)}"
    )


def _plain_http(endpoint: str) -> HandshakeFailed:
    return HandshakeFailed(
        Failure.PLAIN_HTTP,
        f"{endpoint} answered in plain HTTP, not TLS: is this the right port?",
    )


def _reason(error: SSL.Error) -> str:
    """OpenSSL's reason strings ("tlsv1 alert handshake failure"), without the codes."""
    reasons = []
    for entry in error.args[0] if error.args and isinstance(error.args[0], list) else ():
        if isinstance(entry, tuple) and entry and entry[-1]:
            reasons.append(str(entry[-1]))
    return "; ".join(dict.fromkeys(reasons)) or str(error) or "unknown TLS error"
