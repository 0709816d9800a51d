"""Probing fake appliances over real TLS on loopback: what a user is told, case by case."""

from __future__ import annotations

import socket
import ssl
import sys
import threading
import time

import pytest

from bundleguard.probe import Failure, Role, parse_target, probe_appliance, probe_appliances
from bundleguard.probe.fake import LOOPBACK, Behaviour

from .conftest import BACKUP, PRIMARY, SITE

TIMEOUT = 1.5  # per appliance; the stall tests check it holds


def targets(*appliances, role=Role.APPLIANCE):
    return [parse_target(appliance.spec, role=role) for appliance in appliances]


def test_consistent_pair_is_ok_and_needs_only_a_software_update(start_appliance, site_cert):
    primary = start_appliance(PRIMARY, default=site_cert)
    backup = start_appliance(BACKUP, default=site_cert)

    report = probe_appliances(targets(primary, backup), SITE, timeout=TIMEOUT)

    assert report.ok
    assert report.consistent is True
    assert report.appliances[1].same_as_reference.same
    assert report.appliances[1].same_as_reference.reference == PRIMARY
    # A private CA is not a failure: it is why the support bundle exists.
    assert report.needs_software_update
    check = report.appliances[0].check_for(SITE)
    assert check.covers_name and check.chain_complete and check.chain_in_order
    assert check.handshake.tls_version in {"TLSv1.2", "TLSv1.3"}
    assert [c.subject for c in check.chain] == [SITE, "Probe Test Intermediate CA"]


def test_each_appliance_is_asked_for_the_site_its_own_name_and_without_sni(
    start_appliance, site_cert
):
    primary = start_appliance(PRIMARY, default=site_cert)

    report = probe_appliance(targets(primary)[0], SITE, timeout=TIMEOUT)

    assert [check.sni for check in report.checks] == [SITE, PRIMARY, None]
    assert all(check.handshake.ok for check in report.checks)


def test_backup_serving_a_different_certificate_is_reported_with_what_differs(
    start_appliance, pki, site_cert
):
    other = pki.issue([SITE, BACKUP])
    primary = start_appliance(PRIMARY, default=site_cert)
    backup = start_appliance(BACKUP, default=other)

    report = probe_appliances(targets(primary, backup), SITE, timeout=TIMEOUT)

    assert not report.ok
    assert report.consistent is False
    comparison = report.appliances[1].same_as_reference
    assert not comparison.same
    assert other.leaf.subject.rfc4514_string().removeprefix("CN=") in comparison.differences[0]
    assert any(f"as {PRIMARY}" in problem for problem in report.appliances[1].problems)
    assert any("do not all serve the same certificate" in p for p in report.problems)


def test_default_certificate_for_clients_without_sni_that_differs_is_a_problem(
    start_appliance, pki, site_cert
):
    leftover = pki.issue(["appliance-default.example.test"])
    primary = start_appliance(PRIMARY, default=leftover, certificates={SITE: site_cert})

    report = probe_appliance(targets(primary)[0], SITE, timeout=TIMEOUT)

    assert report.check_for(SITE).leaf.subject == SITE
    assert report.check_for(None).leaf.subject == "appliance-default.example.test"
    assert any("Clients without SNI get a different certificate" in p for p in report.problems)


def test_incomplete_chain_leaf_only_is_a_problem(start_appliance, site_cert):
    primary = start_appliance(PRIMARY, default=site_cert.leaf_only())

    report = probe_appliances(targets(primary), SITE, timeout=TIMEOUT)

    check = report.appliances[0].check_for(SITE)
    assert check.chain_complete is False
    assert not report.ok
    assert any("incomplete" in problem for problem in report.appliances[0].problems)


def test_expired_certificate_is_a_problem(start_appliance, pki):
    expired = pki.issue([SITE, PRIMARY], expired=True)
    primary = start_appliance(PRIMARY, default=expired)

    report = probe_appliances(targets(primary), SITE, timeout=TIMEOUT)

    assert not report.ok
    assert any("expired" in problem for problem in report.appliances[0].problems)


def test_name_not_covered_is_a_problem_naming_what_it_covers(start_appliance, pki):
    site_only = pki.issue([SITE])
    primary = start_appliance(PRIMARY, default=site_only)

    report = probe_appliance(targets(primary)[0], SITE, timeout=TIMEOUT)

    assert report.check_for(SITE).covers_name is True
    assert report.check_for(PRIMARY).covers_name is False
    assert any(
        f"does not cover {PRIMARY}" in problem and SITE in problem for problem in report.problems
    )


def test_wildcard_alone_covers_site_and_traffic_node(start_appliance, pki):
    wildcard = pki.issue(["*.example.test"])  # names neither the site nor the node itself
    assert SITE not in wildcard.leaf.subject.rfc4514_string()
    node = start_appliance("node1.example.test", default=wildcard)

    report = probe_appliances(targets(node, role=Role.TRAFFIC_NODE), SITE, timeout=TIMEOUT)

    appliance = report.appliances[0]
    assert appliance.check_for(SITE).leaf.names == ("*.example.test",)
    assert appliance.check_for(SITE).covers_name is True
    assert appliance.check_for("node1.example.test").covers_name is True
    assert appliance.target.role is Role.TRAFFIC_NODE
    assert report.ok


def test_wildcard_does_not_cover_a_name_one_level_deeper(start_appliance, pki):
    node = start_appliance("node1.atlas.example.test", default=pki.issue(["*.example.test"]))

    report = probe_appliance(targets(node, role=Role.TRAFFIC_NODE)[0], SITE, timeout=TIMEOUT)

    assert report.check_for(SITE).covers_name is True
    assert report.check_for("node1.atlas.example.test").covers_name is False
    assert not report.ok


def test_stalled_appliance_costs_one_timeout_for_all_its_handshakes(start_appliance):
    stalled = start_appliance(PRIMARY, behaviour=Behaviour.STALL)

    started = time.monotonic()
    report = probe_appliance(targets(stalled)[0], SITE, timeout=TIMEOUT)
    elapsed = time.monotonic() - started

    assert elapsed < TIMEOUT + 2  # a behaviour check, not a benchmark
    assert report.checks[0].handshake.failure is Failure.TIMEOUT
    assert "time limit" in report.problems[0]
    assert not report.ok


def test_time_limit_bounds_all_handshakes_of_an_appliance_together(start_appliance, site_cert):
    # A distant appliance (each answer takes 3/4 of the limit) that hangs on the second
    # handshake only: one limit for the whole check ends it at LIMIT; a limit per handshake
    # would wait 3/4 LIMIT for the first, then LIMIT again for the second.
    limit = 2.0
    slow = start_appliance(PRIMARY, default=site_cert, latency=0.75 * limit, stall_on={2})

    started = time.monotonic()
    report = probe_appliance(targets(slow)[0], SITE, timeout=limit)
    elapsed = time.monotonic() - started

    first, second, third = report.checks
    assert first.handshake.ok
    assert second.handshake.failure is Failure.TIMEOUT
    assert f"{limit:g} s time limit" in second.handshake.message
    assert third.handshake.failure in (Failure.NOT_TRIED, Failure.OUT_OF_TIME)
    assert elapsed < 1.35 * limit  # one limit, with room for a busy machine; not 1.75 x


def test_stalled_appliances_are_waited_for_together_not_one_after_another(start_appliance):
    stalled = [
        start_appliance(f"node{i}.example.test", behaviour=Behaviour.STALL) for i in range(6)
    ]

    started = time.monotonic()
    report = probe_appliances(targets(*stalled), SITE, timeout=TIMEOUT)
    elapsed = time.monotonic() - started

    assert elapsed < TIMEOUT + 2  # sequential would take 6 x TIMEOUT
    assert all(a.checks[0].handshake.failure is Failure.TIMEOUT for a in report.appliances)


def test_unreachable_appliance_is_a_result_not_a_crash(closed_port):
    target = parse_target(f"{PRIMARY}=127.0.0.1:{closed_port}")

    # Generous limit: Windows retries a refused loopback connection for about 2 s.
    report = probe_appliances([target], SITE, timeout=5)

    appliance = report.appliances[0]
    assert appliance.checks[0].handshake.failure is Failure.REFUSED
    assert "refused the connection" in appliance.problems[0]
    # No retry storm: after a refused connection the other names are not tried.
    assert [c.handshake.failure for c in appliance.checks[1:]] == [Failure.NOT_TRIED] * 2
    assert not report.ok


def test_plain_http_on_the_port_is_said_in_plain_words(start_appliance):
    web = start_appliance(PRIMARY, behaviour=Behaviour.PLAIN_HTTP)

    report = probe_appliance(targets(web)[0], SITE, timeout=TIMEOUT)

    assert report.checks[0].handshake.failure is Failure.PLAIN_HTTP
    assert "plain HTTP" in report.problems[0]


def test_name_missing_from_dns_is_a_result(monkeypatch):
    def no_such_name(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)

    report = probe_appliance(parse_target("nowhere.example.test"), SITE, timeout=TIMEOUT)

    assert report.checks[0].handshake.failure is Failure.DNS
    assert "could not be found in DNS" in report.problems[0]


def test_progress_reports_every_appliance_once(start_appliance, site_cert):
    appliances = [start_appliance(f"node{i}.example.test", default=site_cert) for i in range(4)]
    seen = []

    probe_appliances(
        targets(*appliances),
        SITE,
        timeout=TIMEOUT,
        progress=lambda done, total, result: seen.append((done, total, result.target.name)),
    )

    assert [(done, total) for done, total, _ in seen] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert sorted(name for _, _, name in seen) == sorted(a.name for a in appliances)


def test_cancelling_stops_before_the_next_handshake(start_appliance, site_cert):
    appliances = [start_appliance(f"node{i}.example.test", default=site_cert) for i in range(3)]
    cancel = threading.Event()
    cancel.set()

    report = probe_appliances(targets(*appliances), SITE, timeout=TIMEOUT, cancel=cancel)

    assert report.cancelled
    assert not report.ok
    assert all(
        check.handshake.failure is Failure.CANCELLED
        for appliance in report.appliances
        for check in appliance.checks
    )


def test_cancelling_while_handshakes_are_in_flight_returns_promptly(start_appliance):
    stalled = [
        start_appliance(f"node{i}.example.test", behaviour=Behaviour.STALL) for i in range(3)
    ]
    cancel = threading.Event()
    outcome = {}

    def probe() -> None:
        outcome["report"] = probe_appliances(targets(*stalled), SITE, timeout=30, cancel=cancel)

    worker = threading.Thread(target=probe, daemon=True)
    worker.start()
    wait_until = time.monotonic() + 10
    while any(a.connections == 0 for a in stalled) and time.monotonic() < wait_until:
        time.sleep(0.01)
    assert all(a.connections == 1 for a in stalled), "the handshakes never started"
    cancelled_at = time.monotonic()
    cancel.set()
    worker.join(timeout=5)

    assert not worker.is_alive()
    assert time.monotonic() - cancelled_at < 2  # not the 30 s time limit
    report = outcome["report"]
    assert report.cancelled and not report.ok
    for appliance in report.appliances:
        assert [c.handshake.failure for c in appliance.checks] == [Failure.CANCELLED] * 3
        assert appliance.problems == ("The check was cancelled before it finished.",)


@pytest.fixture
def unanswered_port():
    """A loopback port whose listen queue is full: a new connection is never accepted."""
    listener = socket.create_server((LOOPBACK, 0), backlog=0)
    filler = socket.create_connection(listener.getsockname(), timeout=5)
    yield listener.getsockname()[1]
    filler.close()
    listener.close()


@pytest.mark.skipif(sys.platform != "linux", reason="a full listen queue drops SYNs on Linux")
def test_a_connection_that_is_never_accepted_costs_the_time_limit(unanswered_port):
    target = parse_target(f"{PRIMARY}={LOOPBACK}:{unanswered_port}")

    report = probe_appliance(target, SITE, timeout=1.0)

    assert report.checks[0].handshake.failure is Failure.TIMEOUT
    assert "connecting to" in report.checks[0].handshake.message
    assert report.seconds < 3


@pytest.mark.skipif(sys.platform != "linux", reason="a full listen queue drops SYNs on Linux")
def test_cancelling_while_connecting_returns_promptly(unanswered_port):
    target = parse_target(f"{PRIMARY}={LOOPBACK}:{unanswered_port}")
    cancel = threading.Event()
    outcome = {}
    worker = threading.Thread(
        target=lambda: outcome.update(
            report=probe_appliance(target, SITE, timeout=30, cancel=cancel)
        ),
        daemon=True,
    )
    worker.start()
    time.sleep(0.5)  # the connection attempt is under way (nothing answers it)

    cancel.set()
    worker.join(timeout=3)

    assert not worker.is_alive()
    assert outcome["report"].checks[0].handshake.failure is Failure.CANCELLED


def test_serving_the_expected_certificate_is_confirmed(start_appliance, pki, site_cert):
    primary = start_appliance(PRIMARY, default=site_cert)
    expected = (*site_cert.chain, pki.root)

    report = probe_appliances(
        targets(primary), SITE, timeout=TIMEOUT, expected=expected, expected_source="site.p12"
    )

    assert report.ok
    assert report.appliances[0].matches_expected.same
    assert report.expected.subject == SITE


def test_not_serving_the_expected_certificate_says_what_is_served_instead(
    start_appliance, pki, site_cert
):
    old = pki.issue([SITE, PRIMARY, BACKUP])
    backup = start_appliance(BACKUP, default=old)

    report = probe_appliances(
        targets(backup), SITE, timeout=TIMEOUT, expected=site_cert.chain, expected_source="x.p12"
    )

    comparison = report.appliances[0].matches_expected
    assert not comparison.same
    assert old.leaf.not_valid_after_utc.strftime("%Y-%m-%d") in comparison.differences[0]
    assert not report.ok


def test_same_certificate_without_its_intermediate_is_not_the_expected_chain(
    start_appliance, site_cert
):
    backup = start_appliance(BACKUP, default=site_cert.leaf_only())

    report = probe_appliances(
        targets(backup), SITE, timeout=TIMEOUT, expected=site_cert.chain, expected_source="x.pem"
    )

    comparison = report.appliances[0].matches_expected
    assert not comparison.same
    assert "the chain lacks" in comparison.differences[0]
    assert "Intermediate CA" in comparison.differences[0]


def test_tls_1_2_appliance_serves_its_whole_chain_too(start_appliance, site_cert):
    older = start_appliance(PRIMARY, default=site_cert, maximum_version=ssl.TLSVersion.TLSv1_2)

    report = probe_appliance(targets(older)[0], SITE, timeout=TIMEOUT)

    check = report.check_for(SITE)
    assert check.handshake.tls_version == "TLSv1.2"
    assert len(check.chain) == 2
    assert report.ok


def test_tls_alert_for_clients_without_sni_is_a_result_in_plain_words(start_appliance, site_cert):
    strict = start_appliance(
        PRIMARY, default=site_cert, certificates={SITE: site_cert}, reject_unknown_names=True
    )

    report = probe_appliance(targets(strict)[0], SITE, timeout=TIMEOUT)

    assert report.check_for(SITE).handshake.ok
    no_sni = report.check_for(None).handshake
    assert no_sni.failure is Failure.TLS_ERROR
    assert "unrecognized name" in no_sni.message
    assert any(p.startswith("(no SNI): The TLS handshake") for p in report.problems)
