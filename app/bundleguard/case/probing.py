"""Probe the appliances of a case: the live replication check both shells call.

`probe_case(case, ...)` turns the case's site and appliances (hostname, role, optional
address `HOST[:PORT]` to connect to) into probe targets — primary and backups are
appliances, nodes are Atlas traffic nodes — and runs `bundleguard.probe` on them, with the
primary (by role; the first when none is marked) as the one the others are compared with.
The probe judges every check of every appliance; the window's grid only shows it.
`with_probe_overrides` puts what the user gave beside a case (a site, appliances, traffic
nodes written `NAME[=ADDRESS[:PORT]]`) in place of the case's own.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from bundleguard.case.model import ApplianceEntry, Case, Role, default_role
from bundleguard.certs.anchors import TrustAnchors
from bundleguard.certs.names import normalize_hostname
from bundleguard.errors import InputError
from bundleguard.probe.expected import ExpectedChain
from bundleguard.probe.report import ProbeReport
from bundleguard.probe.run import DEFAULT_TIMEOUT, ProgressCallback, probe_appliances
from bundleguard.probe.targets import DEFAULT_PORT, Target, check_targets, parse_target
from bundleguard.probe.targets import Role as TargetRole

_TARGET_ROLE = {
    Role.PRIMARY: TargetRole.APPLIANCE,
    Role.BACKUP: TargetRole.APPLIANCE,
    Role.NODE: TargetRole.TRAFFIC_NODE,
}


class NoSiteError(InputError):
    """The case names no site hostname, and every check is about the site."""

    def __init__(self) -> None:
        super().__init__("Give the site hostname that clients connect to.")


def case_targets(case: Case, *, default_port: int = DEFAULT_PORT) -> tuple[Target, ...]:
    """The case's appliances as probe targets, in the case's order. Raises `InputError`
    for a malformed hostname or address, `NoTargetsError` for a case without appliances,
    `RepeatedTargetError` for one named twice."""
    return check_targets(tuple(_target(entry, default_port) for entry in case.appliances))


def case_primary(case: Case) -> str | None:
    """The normalised hostname of the appliance the others are compared with: the one
    whose role is primary, else the first of the case (None: the case names none)."""
    entries = case.appliances
    entry = next((e for e in entries if e.role is Role.PRIMARY), entries[0] if entries else None)
    return normalize_hostname(entry.hostname) if entry is not None else None


def _target(entry: ApplianceEntry, default_port: int) -> Target:
    address = entry.address.strip()
    spec = f"{entry.hostname}={address}" if address else entry.hostname
    return parse_target(spec, default_port=default_port, role=_TARGET_ROLE[entry.role])


def case_site(case: Case) -> str:
    """The case's site hostname, normalised; `NoSiteError` when it has none."""
    if not case.site.strip():
        raise NoSiteError()
    return normalize_hostname(case.site)


def probe_case(
    case: Case,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    expected: ExpectedChain | None = None,
    cancel: threading.Event | None = None,
    progress: ProgressCallback | None = None,
    default_port: int = DEFAULT_PORT,
    anchors: TrustAnchors | None = None,
) -> ProbeReport:
    """Probe every appliance of `case` over live TLS and compare them (see `bundleguard.probe`):
    every appliance with the primary (`case_primary`), and with the exported certificate
    (`expected`, else the fingerprint the case records).

    `timeout` bounds the whole check of one appliance; `expected` is the certificate all
    should serve; `progress(done, total, appliance_report)` sees each appliance finish;
    setting `cancel` stops every check within a fraction of a second; `anchors` are the
    trust anchors the shell loaded (read here only when none are given). Failures of the
    network are results in the report; bad input in the case raises `InputError`.
    """
    site = case_site(case)
    targets = case_targets(case, default_port=default_port)
    return probe_appliances(
        targets,
        site,
        timeout=timeout,
        expected=expected.certificates if expected is not None else (),
        expected_source=expected.source if expected is not None else "",
        expected_fingerprint=case.replication.exported_fingerprint,
        primary=case_primary(case),
        progress=progress,
        cancel=cancel,
        anchors=anchors,
    )


def entry_from_spec(spec: str, role: Role) -> ApplianceEntry:
    """`NAME[=ADDRESS[:PORT]]` as a case entry (checked when it is probed)."""
    name, _sep, address = spec.partition("=")
    return ApplianceEntry(hostname=name.strip(), role=role, address=address.strip())


def with_probe_overrides(
    case: Case,
    *,
    site: str | None = None,
    appliances: Sequence[str] = (),
    traffic_nodes: Sequence[str] = (),
) -> Case:
    """`case` with what the user gave beside it in place of the case's own.

    A `site` replaces the case's site; `appliances` (the first is the primary, the others
    its backups) replace the case's primary and backups; `traffic_nodes` replace its
    nodes. What is not given stays as the case has it.
    """
    kept = case.appliances
    if appliances:
        given = tuple(
            entry_from_spec(spec, default_role(index)) for index, spec in enumerate(appliances)
        )
        kept = given + tuple(entry for entry in kept if entry.role is Role.NODE)
    if traffic_nodes:
        nodes = tuple(entry_from_spec(spec, Role.NODE) for spec in traffic_nodes)
        kept = tuple(entry for entry in kept if entry.role is not Role.NODE) + nodes
    return case.with_changes(site=site if site is not None else case.site, appliances=kept)
