"""Whatever text comes in, a host name or an address comes out plain, or is refused."""

from __future__ import annotations

import ipaddress
import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bundleguard.bundle.email import check_address
from bundleguard.certs.names import normalize_hostname
from bundleguard.errors import InputError

# Hostile pieces the generator mixes with ordinary ones.
PIECES = st.sampled_from(
    ["a", "example", "com", ".", "-", "%", "@", "/", "?", "#", ":", "[", "]", "=?", "?=",
     "fe80::1", "10", "0x7f", "\r", "\n", "\x00", "\t", " ", "\u200b", "\u202e", "\u3002",
     "\uff0e", "\uff20", "\u00fc", "xn--", "*", '"', "(", ")", "<", ">", ","]
)  # fmt: skip
HOSTILE = st.lists(PIECES | st.text(max_size=3), max_size=12).map("".join)
PLAIN_NAME = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)*")


@settings(max_examples=200, deadline=None)
@given(HOSTILE)
@example("fe80::1%x@evil.example")
@example("[fe80::1%eth0]")
@example("10.1.2")
@example("example1")
def test_a_host_name_comes_out_plain_or_is_refused(text):
    try:
        host = normalize_hostname(text)
    except InputError:
        return
    numeric_end = re.fullmatch(r"[0-9]+|0x[0-9a-f]*", host.rsplit(".", 1)[-1])
    if ":" in host or PLAIN_NAME.fullmatch(host) is None or numeric_end:
        address = ipaddress.ip_address(host)  # else: neither a name nor an address
        assert str(address) == host and "%" not in host
    assert normalize_hostname(host) == host


@settings(max_examples=200, deadline=None)
@given(HOSTILE.map(lambda local: f"{local}@example.com") | HOSTILE)
def test_an_address_comes_out_plain_or_is_refused(text):
    try:
        address = check_address(text)
    except InputError:
        return
    if not address:
        assert not text.strip()
        return
    assert address.isascii() and address.isprintable()
    assert address.count("@") == 1 and "=?" not in address and "?=" not in address
    assert not any(c in address for c in ' \t\r\n"(),;<>[]\\')
    assert check_address(address) == address
