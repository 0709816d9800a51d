"""What to probe: an appliance's name, and where to connect to it (like curl's --resolve)."""

from __future__ import annotations

import enum
import ipaddress
from dataclasses import dataclass

from bundleguard.certs.names import normalize_hostname
from bundleguard.errors import InputError
from bundleguard.text import visible

DEFAULT_PORT = 443


class Role(enum.Enum):
    APPLIANCE = "appliance"
    TRAFFIC_NODE = "traffic node"


@dataclass(frozen=True)
class Target:
    """One appliance to check: `name` is sent as SNI; `address:port` is where we connect.

    `address` is None when the name itself is to be looked up in DNS.
    """

    name: str
    address: str | None = None
    port: int = DEFAULT_PORT
    role: Role = Role.APPLIANCE

    @property
    def connect_host(self) -> str:
        return self.address or self.name

    @property
    def endpoint(self) -> str:
        """`host:port` as a user would type it (IPv6 in brackets)."""
        host = self.connect_host
        if ":" in host:
            host = f"[{host}]"
        return f"{host}:{self.port}"


def sni_bytes(name: str) -> bytes | None:
    """The SNI value for a normalised `name`; None for an IP address (SNI is for host names)."""
    if _is_ip_literal(name):
        return None
    return name.encode("ascii")


def parse_target(
    spec: str, *, default_port: int = DEFAULT_PORT, role: Role = Role.APPLIANCE
) -> Target:
    """Parse `NAME[=ADDRESS[:PORT]]`; IPv6 addresses go in brackets: `NAME=[::1]:8443`.

    Raises `InputError` with a message that shows the accepted forms.
    """
    name_part, sep, where = spec.partition("=")
    name = normalize_hostname(name_part)
    if not sep:
        return Target(name=name, port=default_port, role=role)
    address, port = _parse_address(where.strip(), spec, default_port)
    return Target(name=name, address=address, port=port, role=role)


class AddressFormError(InputError):
    """An address is not written in one of the accepted forms (the message shows them)."""


def _parse_address(where: str, spec: str, default_port: int) -> tuple[str, int]:
    usage = f"'{visible(spec)}': expected NAME, NAME=ADDRESS, NAME=ADDRESS:PORT or NAME=[IPv6]:PORT"
    try:
        return parse_address(where, default_port=default_port)
    except AddressFormError:
        raise InputError(usage) from None


def parse_address(text: str, *, default_port: int = DEFAULT_PORT) -> tuple[str, int]:
    """`ADDRESS[:PORT]` (IPv6 in brackets: `[::1]:8443`, or bare without a port) as its
    normalised host and port. Every host goes through `normalize_hostname`, the one check
    of a host name. Raises `InputError` (`HostnameError` for the host itself)."""
    where = text.strip()
    usage = f"'{visible(where)}' is not an address: give IP, IP:PORT, NAME:PORT or [IPv6]:PORT"
    if not where:
        raise AddressFormError(usage)
    if where.startswith("["):
        inside, bracket, rest = where[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise AddressFormError(usage)
        host = normalize_hostname(f"[{inside}]")  # only an IPv6 address passes in brackets
        return host, _parse_port(rest[1:], text) if rest else default_port
    if where.count(":") > 1:  # a bare IPv6 address: no port possible without brackets
        host = normalize_hostname(where)
        if ":" not in host:
            raise AddressFormError(usage)
        return host, default_port
    host, colon, port_text = where.rpartition(":")
    if not colon:
        return normalize_hostname(where), default_port
    if not host:
        raise AddressFormError(usage)
    return normalize_hostname(host), _parse_port(port_text, text)


def _parse_port(text: str, spec: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 5 or not 0 < int(text) < 65536:
        raise InputError(f"'{visible(spec)}': the port must be a number from 1 to 65535")
    return int(text)


def _is_ip_literal(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


class NoTargetsError(InputError):
    """Nothing to probe: no appliance and no traffic node was named."""

    def __init__(self) -> None:
        super().__init__("Name at least one appliance or traffic node to check.")


class RepeatedTargetError(InputError):
    """The same appliance was named twice (its checks would be compared with themselves)."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        super().__init__(f"Each appliance once, please: {', '.join(names)} is repeated.")


def check_targets(targets: tuple[Target, ...]) -> tuple[Target, ...]:
    """`targets`, once there is at least one and none is named twice."""
    if not targets:
        raise NoTargetsError()
    names = [target.name for target in targets]
    repeated = tuple(sorted({name for name in names if names.count(name) > 1}))
    if repeated:
        raise RepeatedTargetError(repeated)
    return targets
