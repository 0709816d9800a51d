"""Several appliances in one action: one zip and one draft each, or nothing at all.

If any plan has a refusal, nothing is written for any appliance. Existing files are
checked for every appliance before the first byte is written, so a clash never leaves
half a set behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bundleguard.bundle.email import Draft, make_draft, write_eml
from bundleguard.bundle.plan import BundlePlan, Refusal
from bundleguard.bundle.writer import WrittenBundle, write_bundle
from bundleguard.errors import BundleGuardError
from bundleguard.files import TargetExistsError


class PartlyWrittenError(BundleGuardError):
    """A bundle failed after others were written and verified: `.error` is why, `.written`
    the bundles that are on disk and sound."""

    def __init__(self, error: BundleGuardError, written: Sequence[WrittenBundle]) -> None:
        self.error = error
        self.written = tuple(written)
        done = ", ".join(f"'{b.path}'" for b in self.written)
        super().__init__(f"{error} Already written and verified: {done}.")


@dataclass(frozen=True)
class BatchResult:
    """What one action did: every plan, and what was written (nothing if any refusal)."""

    plans: tuple[BundlePlan, ...]
    written: tuple[WrittenBundle, ...] = ()
    drafts: tuple[Draft, ...] = ()
    cancelled: bool = False  # stopped on request; `written` lists what was finished

    @property
    def refused(self) -> bool:
        return any(not plan.accepted for plan in self.plans)

    @property
    def refusals(self) -> tuple[tuple[str, Refusal], ...]:
        """(appliance hostname, refusal) for every refused input of every plan."""
        return tuple((p.appliance.hostname, r) for p in self.plans for r in p.refusals)

    def to_json(self, *, with_body: bool = False) -> dict[str, object]:
        """The result as `bundle --json` prints it (the shell adds what it opened)."""
        bundles = []
        for bundle, draft in zip(self.written, self.drafts, strict=True):
            entry = bundle.to_json()
            entry["draft"] = draft.to_json()
            if with_body:
                entry["body"] = draft.body
            bundles.append(entry)
        return {
            "ok": not self.refused and bool(self.written) and not self.cancelled,
            "written": bool(self.written),
            "bundles": bundles,
            "refusals": [
                {"appliance": host, **refusal.to_json()} for host, refusal in self.refusals
            ],
            "plans": [plan.to_json() for plan in self.plans],
        }


def planned_paths(plans: Sequence[BundlePlan], out_dir: Path, eml: bool) -> list[Path]:
    paths = []
    for plan in plans:
        zip_path = Path(out_dir) / plan.zip_name
        paths.append(zip_path)
        if eml:
            paths.append(zip_path.with_suffix(".eml"))
    return paths


def write_batch(
    plans: Sequence[BundlePlan],
    out_dir: Path,
    *,
    force: bool = False,
    eml: bool = False,
    to: str = "",
    now: dt.datetime | None = None,
    progress: Callable[[str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> BatchResult:
    """Write every plan's bundle (and its `.eml` when asked); nothing if any is refused.

    Raises `TargetExistsError` (every existing path in `.paths`) before writing anything
    when a target exists (unless `force`); other write errors name the bundles already
    written and verified. `cancel()`, asked before each bundle, stops the batch there.
    """
    plans = tuple(plans)
    names = [plan.zip_name.lower() for plan in plans]
    if len(set(names)) != len(names):
        raise BundleGuardError("Two appliances have the same hostname: give each one once.")
    if any(not plan.accepted for plan in plans):
        return BatchResult(plans)
    if not force:
        existing = [p for p in planned_paths(plans, out_dir, eml) if p.exists()]
        if existing:
            raise TargetExistsError(*existing)
    written: list[WrittenBundle] = []
    drafts: list[Draft] = []
    try:
        for plan in plans:
            if cancel is not None and cancel():
                return BatchResult(plans, tuple(written), tuple(drafts), cancelled=True)
            bundle = write_bundle(plan, out_dir, force=force, now=now, progress=progress)
            written.append(bundle)
            if eml:
                drafts.append(write_eml(bundle, to, force=force, now=now))
            else:
                drafts.append(make_draft([bundle], to))
    except BundleGuardError as error:
        if written:
            raise PartlyWrittenError(error, written) from None
        raise
    return BatchResult(plans, tuple(written), tuple(drafts))
