"""Probe appliances over the network: each within its time budget, many at once.

Each appliance gets one deadline (`timeout` seconds) for all its handshakes — site
name, its own name, no SNI — so a stalled appliance costs `timeout`, not `timeout` per
handshake. Appliances are probed concurrently in a bounded thread pool; a progress
callback sees each appliance as it finishes, and setting the `cancel` event stops
every appliance within a fraction of a second, in the middle of a handshake too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed

from cryptography import x509

from bundleguard.certs.anchors import TrustAnchors
from bundleguard.probe.analyse import (
    ChainVerdicts,
    compare_appliances,
    expected_roots,
    judge_handshake,
    summarise_appliance,
)
from bundleguard.probe.report import ApplianceReport, ProbeReport
from bundleguard.probe.targets import Target
from bundleguard.probe.tls import Deadline, Failure, Handshake, HandshakeFailed, handshake, resolve

DEFAULT_TIMEOUT = 5.0
DEFAULT_WORKERS = 16

ProgressCallback = Callable[[int, int, ApplianceReport], None]

# After these, the next handshake on the same address would fail the same way.
_FATAL_FOR_APPLIANCE = frozenset(
    {
        Failure.DNS,
        Failure.REFUSED,
        Failure.UNREACHABLE,
        Failure.TIMEOUT,
        Failure.PLAIN_HTTP,
        Failure.NOT_TLS,
    }
)


def names_to_check(target: Target, site: str) -> tuple[str | None, ...]:
    """The SNI names one appliance is asked for: the site, its own name, and none at all."""
    names: list[str | None] = [site]
    if target.name != site:
        names.append(target.name)
    names.append(None)
    return tuple(names)


def probe_appliance(
    target: Target,
    site: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    cancel: threading.Event | None = None,
    known_roots: Sequence[x509.Certificate] = (),
    verdicts: ChainVerdicts | None = None,
    anchors: TrustAnchors | None = None,
) -> ApplianceReport:
    """All handshakes with one appliance inside one `timeout`, judged; never raises for I/O."""
    started = time.monotonic()
    deadline = Deadline(timeout, cancel)
    names = names_to_check(target, site)
    endpoint = target.endpoint
    handshakes: list[Handshake] = []
    stopped: Handshake | None = None
    try:
        if cancel is not None and cancel.is_set():
            raise HandshakeFailed(Failure.CANCELLED, "cancelled")
        addresses = resolve(target.connect_host, target.port, deadline)
    except HandshakeFailed as failed:
        addresses = []
        stopped = Handshake(
            sni=names[0], endpoint=endpoint, failure=failed.failure, message=failed.message
        )
        handshakes.append(stopped)
    for sni in names[len(handshakes) :]:
        was_cancelled = stopped is not None and stopped.failure is Failure.CANCELLED
        if was_cancelled or (cancel is not None and cancel.is_set()):
            handshakes.append(_not_done(sni, endpoint, Failure.CANCELLED, "cancelled"))
        elif stopped is not None:
            handshakes.append(
                _not_done(sni, endpoint, Failure.NOT_TRIED, "not tried after the failure above")
            )
        elif deadline.expired():
            handshakes.append(
                _not_done(
                    sni,
                    endpoint,
                    Failure.OUT_OF_TIME,
                    f"not tried: the {timeout:g} s time limit for this appliance was used up",
                )
            )
        else:
            result = handshake(addresses, endpoint, sni, deadline)
            handshakes.append(result)
            if result.failure in _FATAL_FOR_APPLIANCE:
                stopped = result
    verdicts = verdicts if verdicts is not None else ChainVerdicts(known_roots, anchors=anchors)
    checks = tuple(judge_handshake(h, verdicts) for h in handshakes)
    report = ApplianceReport(target=target, checks=checks, seconds=time.monotonic() - started)
    return summarise_appliance(report, site)


def probe_appliances(
    targets: Sequence[Target],
    site: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    expected: Sequence[x509.Certificate] = (),
    expected_source: str = "",
    expected_fingerprint: str = "",
    primary: str | None = None,
    workers: int = DEFAULT_WORKERS,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    anchors: TrustAnchors | None = None,
) -> ProbeReport:
    """Probe every target concurrently (at most `workers` at a time) and compare them.

    `progress(done, total, appliance_report)` is called from the calling thread as each
    appliance finishes. Results keep the order of `targets`. `primary` names the target
    the others are compared with (None: the first); `expected_fingerprint` is the exported
    certificate's SHA-256 when no `expected` chain is given.
    """
    started = time.monotonic()
    verdicts = ChainVerdicts(expected_roots(expected), anchors=anchors)
    reports: list[ApplianceReport | None] = [None] * len(targets)
    cancel = cancel if cancel is not None else threading.Event()
    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="probe")
    try:
        futures = {
            pool.submit(
                probe_appliance,
                target,
                site,
                timeout=timeout,
                cancel=cancel,
                verdicts=verdicts,
            ): index
            for index, target in enumerate(targets)
        }
        for done, future in enumerate(as_completed(futures), start=1):
            report = future.result()
            reports[futures[future]] = report
            if progress is not None:
                progress(done, len(targets), report)
    except BaseException:
        # Ctrl-C or a failing progress callback: stop the others at their next handshake.
        cancel.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return compare_appliances(
        [r for r in reports if r is not None],
        site,
        expected=expected,
        expected_source=expected_source,
        expected_fingerprint=expected_fingerprint,
        primary=primary,
        timeout=timeout,
        seconds=time.monotonic() - started,
    )


def _not_done(sni: str | None, endpoint: str, failure: Failure, message: str) -> Handshake:
    return Handshake(sni=sni, endpoint=endpoint, failure=failure, message=message)
