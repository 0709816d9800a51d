"""Parsing `--appliance NAME[=ADDRESS[:PORT]]`: connect here, send this name as SNI."""

from __future__ import annotations

import pytest

from bundleguard.errors import InputError
from bundleguard.probe.targets import Role, Target, parse_target


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("primary.example.com", Target("primary.example.com", None, 443)),
        ("Primary.Example.COM.", Target("primary.example.com", None, 443)),
        ("primary.example.com=10.0.0.5", Target("primary.example.com", "10.0.0.5", 443)),
        ("primary.example.com=10.0.0.5:8443", Target("primary.example.com", "10.0.0.5", 8443)),
        ("primary.example.com=[::1]:8443", Target("primary.example.com", "::1", 8443)),
        ("primary.example.com=[2001:DB8::1]", Target("primary.example.com", "2001:db8::1", 443)),
        ("primary.example.com=::1", Target("primary.example.com", "::1", 443)),
        ("backup.example.com=lb.internal:4443", Target("backup.example.com", "lb.internal", 4443)),
    ],
)
def test_appliance_spec_gives_the_sni_name_and_where_to_connect(spec, expected):
    assert parse_target(spec) == expected


@pytest.mark.parametrize(
    ("spec", "port"), [("a.example.com=10.0.0.5", 8443), ("a.example.com=10.0.0.5:9443", 9443)]
)
def test_port_option_applies_when_the_spec_has_none(spec, port):
    assert parse_target(spec, default_port=8443).port == port


def test_traffic_node_role_is_kept():
    assert parse_target("node1.example.com", role=Role.TRAFFIC_NODE).role is Role.TRAFFIC_NODE


@pytest.mark.parametrize(
    ("spec", "endpoint"),
    [("a.example.com=[::1]:8443", "[::1]:8443"), ("a.example.com", "a.example.com:443")],
)
def test_endpoint_puts_ipv6_in_brackets(spec, endpoint):
    assert parse_target(spec).endpoint == endpoint


@pytest.mark.parametrize(
    "spec",
    [
        "a.example.com=",
        "a.example.com=[::1",
        "a.example.com=[::1]8443",
        "a.example.com=[10.0.0.1]:443",
        "a.example.com=host:0",
        "a.example.com=host:70000",
        "a.example.com=host:https",
        "=10.0.0.1",
        "a..example.com",
    ],
)
def test_malformed_appliance_spec_is_a_usage_error(spec):
    with pytest.raises(InputError) as raised:
        parse_target(spec)
    assert "--" not in str(raised.value)  # the core names no flag
