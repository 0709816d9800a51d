"""The actions both shells call on a case: plan its bundles, then write them.

`plan_case` plans one bundle per appliance from the case's evidence (`case.evidence`: each
file read once through the one reader and judged once by the guard, per change on disk);
`gather_facts` does the same for a case still being written (what it can plan, and every
problem found, for `case.readiness`), through the same `_plan`; `write_case_bundles` writes
the accepted plans (one zip, and an email draft, per appliance) or nothing at all.
Trust anchors are passed in by the shell (loaded once, in the GUI in the background): the
core never reads a trust store itself. No Qt here, and no words of any shell.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from bundleguard.bundle.batch import BatchResult, write_batch
from bundleguard.bundle.email import check_address
from bundleguard.bundle.plan import (
    Appliance,
    BundleInput,
    BundlePlan,
    Refusal,
    check_appliance,
    check_incident,
    plan_bundle,
)
from bundleguard.case.evidence import Evidence, EvidenceCache, shared_evidence
from bundleguard.case.model import (
    ROLES,
    ApplianceEntry,
    Case,
    Role,
    check_screenshots,
    default_role,
)
from bundleguard.case.readiness import ChainFacts, PlanFacts, build_key
from bundleguard.certs.anchors import TrustAnchors
from bundleguard.certs.chain import build_chain
from bundleguard.certs.load import load_certificates
from bundleguard.certs.names import covers, normalize_hostname
from bundleguard.certs.validity import check_validity
from bundleguard.errors import BundleGuardError, InputError


class MissingScreenshotError(InputError):
    """An appliance of the case has no screenshot yet; `.hostname` names it."""

    def __init__(self, hostname: str) -> None:
        self.hostname = hostname
        super().__init__(
            f"The appliance {hostname or '(no hostname)'} has no Status > Basics screenshot: "
            "add one, one per appliance."
        )


class NoApplianceError(InputError):
    """The case names no appliance, so there is no bundle to plan."""

    def __init__(self) -> None:
        super().__init__("The case has no appliance: add the appliance the bundle is for.")


def split_host_role(text: str) -> tuple[str, Role | None]:
    """`HOST` or `HOST:ROLE` as (hostname, role or None); a tail that is no role stays
    part of the hostname (and fails the hostname check)."""
    head, sep, tail = text.rpartition(":")
    if sep and tail.strip().lower() in ROLES:
        return head, Role(tail.strip().lower())
    return text, None


def appliance_entries(
    given: Sequence[tuple[str, Role | None]],
    screenshots: Sequence[str] = (),
    *,
    role: Role | None = None,
) -> tuple[ApplianceEntry, ...]:
    """Appliances as the user listed them: an appliance without a role takes `role`,
    else the default for its place (the first is the primary, the next ones backups).
    With `screenshots`, one per appliance in the same order (`check_screenshots`)."""
    if screenshots:
        check_screenshots([ApplianceEntry(host) for host, _ in given], screenshots)
    entries = []
    for index, (host, own) in enumerate(given):
        chosen = own or role or default_role(index)
        shot = screenshots[index] if screenshots else ""
        entries.append(ApplianceEntry(host, chosen, screenshot=shot))
    return tuple(entries)


def case_with_overrides(
    case: Case,
    *,
    appliances: Sequence[tuple[str, Role | None]] | None = None,
    screenshots: Sequence[str] | None = None,
    role: Role | None = None,
    files: Sequence[str] | None = None,
    site: str | None = None,
    incident: str | None = None,
    support_address: str | None = None,
    output: str | None = None,
) -> Case:
    """`case` with what the user gave beside it replacing what it says (None: keep).

    New `appliances` keep the screenshots the case has for the same hostnames unless
    `screenshots` are given (one per appliance, same order); `screenshots` alone go to
    the case's appliances in order. Raises `InputError` when the counts differ.
    """
    if appliances is not None:
        if screenshots is None:
            known = {entry.hostname: entry.screenshot for entry in case.appliances}
            screenshots = [known.get(host, "") for host, _ in appliances]
        entries = appliance_entries(appliances, screenshots, role=role)
        case = case.with_changes(appliances=entries)
    elif screenshots is not None:
        check_screenshots(case.appliances, screenshots)
        entries = tuple(
            replace(entry, screenshot=shot)
            for entry, shot in zip(case.appliances, screenshots, strict=True)
        )
        case = case.with_changes(appliances=entries)
    changes = {
        "files": None if files is None else tuple(files),
        "site": site,
        "incident": incident,
        "support_address": support_address,
        "output": output,
    }
    return case.with_changes(**{k: v for k, v in changes.items() if v is not None})


def _plan(
    appliance: Appliance,
    screenshot: BundleInput | Refusal,
    certificates: Sequence[BundleInput | Refusal],
    *,
    site: str | None = None,
    incident: str | None = None,
    now: dt.datetime | None = None,
    anchors: TrustAnchors | None = None,
) -> BundlePlan:
    """One appliance's bundle planned from inputs the evidence judged (the one place a
    case is planned: `plan_case` and `gather_facts` both come here)."""
    return plan_bundle(
        appliance,
        screenshot,
        certificates,
        site=site,
        incident=incident,
        now=now,
        public_anchors=tuple(anchors.public) if anchors is not None else (),
        system_anchors=tuple(anchors.system) if anchors is not None else (),
    )


def _check_readable(judged: Evidence, case: Case) -> None:
    """`InputError` for the first file of `case` that could not be read at all (missing,
    no permission): with nothing to plan from it, planning stops there. A folder, a pipe
    or a file too large is a refusal inside the plans instead."""
    named = [(entry.screenshot, entry.hostname) for entry in case.appliances]
    named += [(path, None) for path in case.files]
    for path, hostname in named:
        entry = judged.get(path)
        if entry is not None and entry.unread is not None and entry.unread[0] == "error":
            why = entry.unread[1]
            raise InputError(f"The screenshot of {hostname}: {why}" if hostname else why)


def plan_case(
    case: Case,
    *,
    anchors: TrustAnchors,
    now: dt.datetime | None = None,
    evidence: EvidenceCache | None = None,
) -> tuple[BundlePlan, ...]:
    """One bundle plan per appliance of `case`, in its order.

    The files come from the `evidence` (default: the process's one cache), as for
    `gather_facts`: each is read once and judged once per change on disk, whatever the
    number of appliances. A refused input is a `Refusal` inside its plan (so the user
    sees every problem at once). Raises `InputError` (`NoApplianceError`,
    `MissingScreenshotError`, a hostname or incident that cannot be used, a file that
    cannot be read) when there is nothing to plan.
    """
    if not case.appliances:
        raise NoApplianceError()
    for entry in case.appliances:
        if not entry.screenshot:
            raise MissingScreenshotError(entry.hostname)
    appliances = [check_appliance(entry.hostname, entry.role.value) for entry in case.appliances]
    site = normalize_hostname(case.site) if case.site.strip() else None
    incident = check_incident(case.incident)
    shots = [entry.screenshot for entry in case.appliances]
    cache = evidence if evidence is not None else shared_evidence()
    judged = cache.judge([*case.files, *shots])
    _check_readable(judged, case)
    certificates = judged.inputs(case.files, "certificate")
    screenshots = judged.inputs(shots, "screenshot")
    return tuple(
        _plan(appliance, shot, certificates, site=site, incident=incident, now=now, anchors=anchors)
        for appliance, shot in zip(appliances, screenshots, strict=True)
    )


def _usable(check, text: str):
    try:
        return check(text)
    except InputError:
        return None


def _chain_facts(
    plan: BundlePlan,
    site: str | None,
    hostnames: Sequence[str],
    anchors: TrustAnchors,
    now: dt.datetime | None,
) -> ChainFacts | None:
    """The chain of the certificates `plan` accepted, judged for the case's names. They are
    parsed from the plan's members (certificates only, already judged by the guard)."""
    certificates = []
    for member in plan.members:
        if member.type == "certificate":
            certificates += load_certificates(member.data, member.name)
    if not certificates:
        return None
    try:
        chain = build_chain(certificates, anchors=(*anchors.public, *anchors.system))
        dates = check_validity(chain.ordered, now=now).problems
    except BundleGuardError as error:
        return ChainFacts(False, None, (str(error),), None, (), ())
    leaf = chain.leaf
    missing = chain.problems[1:] if chain.missing_issuer is not None else chain.problems
    return ChainFacts(
        complete=chain.complete,
        missing_issuer=chain.missing_issuer,
        problems=tuple(missing),
        site_covered=None if site is None or leaf is None else covers(leaf, site),
        uncovered_appliances=tuple(
            h for h in hostnames if leaf is not None and not covers(leaf, h)
        ),
        dates=tuple(dates),
    )


# A name no appliance can have (RFC 6761): certificate files are judged with it when no
# appliance of the case can have a plan yet.
_STAND_IN = Appliance("appliance.invalid")


def gather_facts(
    case: Case,
    *,
    anchors: TrustAnchors,
    now: dt.datetime | None = None,
    evidence: EvidenceCache | None = None,
) -> PlanFacts:
    """Plan what `case` lets plan, and keep every problem found, for `case.readiness`.

    Never raises for the case's own state: a missing screenshot, a hostname or incident
    that cannot be used, a file that cannot be read are facts (`readiness` says them).
    The files come from the `evidence` (default: the process's one cache): each is read
    and judged once per change on disk, so a change of the case's texts reads no file.
    Appliances without a usable hostname or screenshot get no plan.
    """
    cache = evidence if evidence is not None else shared_evidence()
    shots = [entry.screenshot for entry in case.appliances if entry.screenshot]
    judged_files = cache.judge([*case.files, *shots])
    site = _usable(normalize_hostname, case.site.strip()) if case.site.strip() else None
    incident = _usable(check_incident, case.incident)
    certificates = judged_files.inputs(case.files, "certificate")
    plans: list[BundlePlan] = []
    refused_shots: list[tuple[str, Refusal]] = []
    hostnames: list[str] = []
    for entry in case.appliances:
        appliance = _usable(lambda h, e=entry: check_appliance(h, e.role.value), entry.hostname)
        if appliance is None:
            continue
        hostnames.append(appliance.hostname)
        if not entry.screenshot:
            continue
        plan = _plan(
            appliance,
            judged_files.inputs([entry.screenshot], "screenshot")[0],
            certificates,
            site=site,
            incident=incident,
            now=now,
            anchors=anchors,
        )
        plans.append(plan)
        refused_shots += [(entry.hostname, r) for r in plan.refusals if r.expected == "screenshot"]
    judged = plans[0] if plans else None
    if judged is None and certificates:
        missing = Refusal("(none)", "screenshot", "missing", ())
        judged = _plan(_STAND_IN, missing, certificates, now=now)
    refused_files: dict[str, Refusal] = {}
    if judged is not None:
        for refusal in judged.refusals:
            if refusal.expected == "certificate" and refusal.source != "(none)":
                refused_files.setdefault(refusal.source, refusal)
    chain = _chain_facts(judged, site, hostnames, anchors, now) if judged is not None else None
    return PlanFacts(
        key=build_key(case),
        plans=tuple(plans),
        refused_files=tuple(refused_files.values()),
        refused_screenshots=tuple(refused_shots),
        chain=chain,
    )


def write_case_bundles(
    plans: Sequence[BundlePlan],
    out_dir: str | Path,
    *,
    force: bool = False,
    eml: bool = True,
    to: str = "",
    now: dt.datetime | None = None,
    progress: Callable[[str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> BatchResult:
    """Write every plan's bundle (and its `.eml` when `eml`); nothing if any is refused.

    `to` is checked as an email address (`check_address`; empty: the draft has no
    recipient) before anything is written. The zips and drafts are a set: when one fails,
    those already written are removed (`NothingKeptError` says which).
    `progress(member_name)` follows each member written; `cancel()` is asked before each
    bundle and, when true, stops before the next one (`BatchResult.cancelled`; what was
    written is verified and listed). Raises `TargetExistsError` (with `.paths`) before
    writing anything when a file exists and `force` is not given.
    """
    if not str(out_dir).strip():
        raise InputError("Say where to write the bundles: choose an output folder.")
    return write_batch(
        plans,
        Path(out_dir).expanduser(),
        force=force,
        eml=eml,
        to=check_address(to),
        now=now,
        progress=progress,
        cancel=cancel,
    )
