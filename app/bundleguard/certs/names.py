"""Hostname coverage: does a certificate cover a name (RFC 6125 / CA/B Forum rules)?

Rules, in order:
- A name that parses as an IP address is matched only against iPAddress SANs.
- When the certificate has a subjectAltName extension, only its dNSName entries count.
  The subject CN is used only when there is no subjectAltName extension at all
  (RFC 6125 section 6.4.4); modern browsers ignore the CN, so `validity` warns about it.
- Comparison is case-insensitive, ignores one trailing dot, and uses the IDNA A-label
  form (`bücher.example` == `xn--bcher-kva.example`).
- A wildcard is only a whole left-most label `*`, matches exactly one non-empty label,
  and never stands for a bare domain or a public suffix: `*.com` and `*.co.uk` cover
  nothing. The public-suffix check is a small built-in list of common multi-label
  suffixes plus "any single label", not the full Public Suffix List.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import idna
from cryptography import x509

from bundleguard.certs.describe import common_name, subject_alt_names
from bundleguard.errors import InputError
from bundleguard.text import visible

# Multi-label public suffixes commonly seen; single labels ("com") are always suffixes.
MULTI_LABEL_PUBLIC_SUFFIXES = frozenset(
    {
        "co.uk", "org.uk", "ac.uk", "gov.uk", "ltd.uk", "plc.uk", "me.uk", "net.uk", "nhs.uk",
        "com.au", "net.au", "org.au", "edu.au", "gov.au", "id.au",
        "co.nz", "org.nz", "net.nz", "govt.nz", "ac.nz",
        "co.jp", "ne.jp", "or.jp", "ac.jp", "go.jp",
        "co.za", "org.za", "gov.za", "ac.za",
        "com.br", "net.br", "org.br", "gov.br",
        "co.in", "net.in", "org.in", "gov.in", "ac.in",
        "com.cn", "net.cn", "org.cn", "gov.cn",
        "com.mx", "org.mx", "gob.mx", "com.ar", "com.tr", "gov.tr",
        "co.kr", "or.kr", "go.kr", "com.sg", "gov.sg", "edu.sg",
        "com.hk", "gov.hk", "com.tw", "gov.tw", "co.il", "org.il", "gov.il",
        "com.es", "gouv.fr", "co.at", "or.at", "gv.at", "com.pl", "co.it",
    }
)  # fmt: skip


@dataclass(frozen=True)
class CoverageReport:
    """Which of the asked names the certificate covers."""

    covered: tuple[str, ...]
    uncovered: tuple[str, ...]
    certificate_names: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.uncovered

    def to_json(self) -> dict[str, Any]:
        return {
            "covered": list(self.covered),
            "uncovered": list(self.uncovered),
            "certificate_names": list(self.certificate_names),
            "complete": self.complete,
        }


MAX_HOSTNAME_LENGTH = 253
MAX_LABEL_LENGTH = 63
_LDH = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


class HostnameError(InputError):
    """A name given as a host name is not one; `reason` says why, in plain words."""

    def __init__(self, hostname: str, reason: str) -> None:
        self.hostname = hostname
        self.reason = reason
        cut = hostname if len(hostname) <= 80 else hostname[:77] + "..."
        # Quoted visibly: the message reaches terminals and labels.
        super().__init__(f"'{visible(cut)}' is not a valid host name: {reason}.")


# What `text.visible` writes out (controls, format characters such as bidi controls and
# zero-width spaces, separators, blank letters), plus every space and every private-use or
# unassigned character: none belongs in a host name or an address, and a name holding
# one could look like another, so it is refused, never cleaned up silently.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"})
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")
# The last label of a name a browser reads as an IPv4 address ("10.1.2", "0x7f.1").
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")


def invisible_character(text: str) -> str | None:
    """The first invisible, control, bidi or separator character of `text` as `U+XXXX`
    (a space included), or None when every character shows as itself."""
    for char in text:
        if unicodedata.category(char) in _INVISIBLE_CATEGORIES or char in _BLANK_LETTERS:
            return f"U+{ord(char):04X}"
    return None


def normalize_hostname(hostname: str) -> str:
    """Lower-case A-label form without a trailing dot; raises `HostnameError` if unusable.

    The one check of every host name the app is given (the case, the command line): a
    host name is labels of letters, digits and hyphens (no hyphen first or last), 1 to
    63 characters each and 253 in all once in IDNA (A-label) form, whose last label is
    not a number; an IP address, bare or (IPv6) in brackets, is returned in its canonical
    form. Refused: a wildcard, an IPv6 zone (`fe80::1%eth0`: it names an interface of
    this computer, which no certificate and no browser address can name), and any
    invisible, control or bidi character. The result holds only `[a-z0-9.-]`, or `:` in
    an IPv6 address: safe in a URL, an SNI, a header or a file name.
    """
    text = hostname.strip()
    hidden = invisible_character(text)
    if hidden is not None:
        raise HostnameError(hostname, f"it holds a space or an invisible character ({hidden})")
    if len(text) > MAX_HOSTNAME_LENGTH + 2:  # room for brackets or a trailing dot
        # Checked before IDNA, which would otherwise chew through any length.
        raise HostnameError(hostname, f"it is longer than {MAX_HOSTNAME_LENGTH} characters")
    bracketed = text.startswith("[") and text.endswith("]")
    if bracketed:
        text = text[1:-1]
    if "%" in text:
        raise HostnameError(
            hostname,
            "a zone (%...) names a network interface of this computer, not an appliance; "
            "give the address without it",
        )
    if text.endswith(".") and not bracketed:
        text = text[:-1]
    if not text:
        raise HostnameError(hostname, "it is empty")
    ip = _as_ip(text)
    if ip is not None:
        if bracketed and ip.version != 6:
            raise HostnameError(hostname, "only an IPv6 address goes in brackets")
        return str(ip)
    if bracketed:
        raise HostnameError(hostname, "only an IPv6 address goes in brackets")
    if "*" in text:
        raise HostnameError(hostname, "a wildcard names many hosts, give one host name")
    if ".." in text or text.startswith("."):
        raise HostnameError(hostname, "it has an empty label (two dots in a row)")
    bad_characters = "it holds characters a host name cannot (letters, digits and hyphens)"
    if text.isascii():
        ascii_name = text.lower()
    else:
        try:
            ascii_name = idna.encode(text, uts46=True).decode("ascii").lower()
        except (idna.IDNAError, UnicodeError):
            raise HostnameError(hostname, bad_characters) from None
    for label in ascii_name.split("."):
        if not label:
            raise HostnameError(hostname, "it has an empty label (two dots in a row)")
        if len(label) > MAX_LABEL_LENGTH:
            raise HostnameError(
                hostname, f"a part between dots is longer than {MAX_LABEL_LENGTH} characters"
            )
        if not set(label) <= _LDH:
            raise HostnameError(hostname, bad_characters)
        if label.startswith("-") or label.endswith("-"):
            raise HostnameError(hostname, "a part between dots starts or ends with a hyphen")
        if label.startswith("xn--"):
            try:
                idna.decode(label)
            except (idna.IDNAError, UnicodeError):
                raise HostnameError(hostname, "a part is not valid IDNA (xn--)") from None
    if len(ascii_name) > MAX_HOSTNAME_LENGTH:
        raise HostnameError(hostname, f"it is longer than {MAX_HOSTNAME_LENGTH} characters")
    if _NUMERIC_LABEL.fullmatch(ascii_name.rsplit(".", 1)[-1]):
        raise HostnameError(
            hostname,
            "it ends in a number but is not an IP address (a browser would read it as "
            "another address)",
        )
    return ascii_name


def url_host(hostname: str) -> str:
    """`hostname` checked (`normalize_hostname`) and ready for a URL's host part: an IPv6
    address in brackets."""
    host = normalize_hostname(hostname)
    return f"[{host}]" if ":" in host else host


def _as_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _normalize_pattern(pattern: str) -> str | None:
    """A-label, lower-case form of a certificate name; None if it can never match."""
    text = pattern.strip()
    if text.endswith("."):
        text = text[:-1]
    if not text:
        return None
    labels = text.split(".")
    out = []
    for label in labels:
        if label == "*":
            out.append(label)
            continue
        if not label:
            return None
        try:
            out.append(idna.encode(label, uts46=True).decode("ascii").lower())
        except idna.IDNAError:
            if label.isascii():
                out.append(label.lower())
            else:
                return None
    return ".".join(out)


def is_public_suffix(domain: str) -> bool:
    """True for a single label or one of the built-in multi-label public suffixes."""
    return "." not in domain or domain in MULTI_LABEL_PUBLIC_SUFFIXES


def is_wildcard(pattern: str) -> bool:
    return pattern.startswith("*.")


def pattern_matches(pattern: str, hostname: str) -> bool:
    """Does one certificate DNS name (maybe a wildcard) match a normalized hostname?"""
    normalized = _normalize_pattern(pattern)
    if normalized is None:
        return False
    if "*" not in normalized:
        return normalized == hostname
    labels = normalized.split(".")
    if labels[0] != "*" or "*" in labels[1:]:
        return False  # partial ("f*.example.com") or non-left-most wildcards never match
    base = ".".join(labels[1:])
    if is_public_suffix(base):
        return False
    host_labels = hostname.split(".")
    if len(host_labels) != len(labels) or not host_labels[0]:
        return False
    return ".".join(host_labels[1:]) == base


def certificate_names(cert: x509.Certificate) -> tuple[str, ...]:
    """The names the coverage rules look at: SAN DNS and IP entries, else the CN."""
    san = subject_alt_names(cert)
    if san is not None:
        dns = san.get_values_for_type(x509.DNSName)
        ips = [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
        return tuple(dns) + tuple(ips)
    cn = common_name(cert)
    return (cn,) if cn else ()


def covers(cert: x509.Certificate, hostname: str) -> bool:
    """True when `cert` is valid for `hostname` (a DNS name or an IP address).

    Raises `InputError` when `hostname` itself is not a usable host name.
    """
    host = normalize_hostname(hostname)
    ip = _as_ip(host)
    san = subject_alt_names(cert)
    if ip is not None:
        if san is None:
            return False
        return any(ip == other for other in san.get_values_for_type(x509.IPAddress))
    if san is not None:
        patterns: Sequence[str] = san.get_values_for_type(x509.DNSName)
    else:
        cn = common_name(cert)
        patterns = [cn] if cn and _as_ip(cn) is None else []
    return any(pattern_matches(pattern, host) for pattern in patterns)


def coverage(cert: x509.Certificate, names: Iterable[str]) -> CoverageReport:
    """Split `names` (order kept, duplicates dropped) into covered and uncovered."""
    covered: list[str] = []
    uncovered: list[str] = []
    seen: set[str] = set()
    for name in names:
        if name in seen:
            continue
        seen.add(name)
        (covered if covers(cert, name) else uncovered).append(name)
    return CoverageReport(tuple(covered), tuple(uncovered), certificate_names(cert))


@dataclass(frozen=True)
class ReplicationVerdict:
    """What the admin needs for failover and Atlas replication, in plain sentences."""

    failover_ready: bool | None  # None: no appliance hostnames were given
    atlas_ready: bool | None  # None: no traffic-node hostnames were given
    covering_wildcard: str | None
    problems: tuple[str, ...]
    notes: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "failover_ready": self.failover_ready,
            "atlas_ready": self.atlas_ready,
            "covering_wildcard": self.covering_wildcard,
            "problems": list(self.problems),
            "notes": list(self.notes),
        }


def _wildcard_covering(cert: x509.Certificate, hosts: Sequence[str]) -> str | None:
    san = subject_alt_names(cert)
    patterns = san.get_values_for_type(x509.DNSName) if san is not None else []
    normalized_hosts = [normalize_hostname(h) for h in hosts]
    for pattern in patterns:
        if is_wildcard(pattern) and all(pattern_matches(pattern, h) for h in normalized_hosts):
            return pattern
    return None


def replication_verdict(
    cert: x509.Certificate,
    site: str | None,
    appliances: Sequence[str] = (),
    traffic_nodes: Sequence[str] = (),
) -> ReplicationVerdict:
    """Can this one certificate serve the failover pair and/or the Atlas cluster?"""
    problems: list[str] = []
    notes: list[str] = []
    site_names = [site] if site else []
    failover_ready: bool | None = None
    if appliances:
        report = coverage(cert, [*site_names, *appliances])
        failover_ready = report.complete
        if failover_ready:
            notes.append(
                "Failover ready: the certificate covers "
                + ("the site and " if site else "")
                + "every appliance hostname."
            )
        else:
            problems.append(
                "Not ready for failover: the certificate does not cover "
                + ", ".join(report.uncovered)
                + ". Primary and backup need one certificate covering the site hostname "
                "and both appliance hostnames."
            )
    atlas_ready: bool | None = None
    wildcard = None
    if traffic_nodes:
        report = coverage(cert, [*site_names, *traffic_nodes])
        atlas_ready = report.complete
        wildcard = _wildcard_covering(cert, list(traffic_nodes))
        if not atlas_ready:
            problems.append(
                "Not ready for Atlas: the certificate does not cover "
                + ", ".join(report.uncovered)
                + "."
            )
        if wildcard is not None:
            notes.append(
                f"The wildcard {wildcard} covers every traffic node"
                + (" and the site" if site and covers(cert, site) else "")
                + f". A traffic node named outside {wildcard} would need another "
                "certificate and a vendor rebuild of the software."
            )
        else:
            notes.append(
                "No wildcard covers all traffic nodes: adding a traffic node later will "
                "need a new certificate and may need a vendor rebuild of the software. "
                "A wildcard certificate for the cluster's domain is recommended."
            )
    return ReplicationVerdict(failover_ready, atlas_ready, wildcard, tuple(problems), tuple(notes))
