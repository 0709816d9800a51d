"""Several appliances in one action: one zip and one draft each, or nothing at all.

If any plan has a refusal, nothing is written for any appliance. Existing files are
checked for every appliance before the first byte is written, so a clash never leaves
half a set behind. The zips and drafts of one action are a set: when one of them cannot
be written (a draft that fails, a full disk, a bundle that fails its check), every file
the action had written is removed again, and the error says so (`NothingKeptError`).
Only a stop the user asked for keeps the finished bundles (`BatchResult.cancelled`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bundleguard.bundle.email import Draft, check_address, make_draft, write_eml
from bundleguard.bundle.plan import BundlePlan, Refusal
from bundleguard.bundle.writer import WrittenBundle, write_bundle
from bundleguard.errors import BundleGuardError
from bundleguard.files import TargetExistsError, WriteFailedError


class SetNotWrittenError(BundleGuardError):
    """The set of bundles and drafts could not be written: `.error` is why."""

    error: BundleGuardError


class NothingKeptError(SetNotWrittenError):
    """A file of the set failed after others were written; those were removed again, so
    nothing of this action is left. `.removed` lists them."""

    def __init__(self, error: BundleGuardError, removed: Sequence[Path]) -> None:
        self.error = error
        self.removed = tuple(removed)
        names = ", ".join(f"'{path.name}'" for path in self.removed)
        super().__init__(
            f"{error} Nothing was kept: the files this action had written were removed ({names})."
        )


class PartlyWrittenError(SetNotWrittenError):
    """A file of the set failed, and files already written could not be removed again:
    `.error` is why, `.left` the files still on disk, `.written` the bundles among them."""

    def __init__(
        self,
        error: BundleGuardError,
        written: Sequence[WrittenBundle],
        left: Sequence[Path] = (),
    ) -> None:
        self.error = error
        self.written = tuple(written)
        self.left = tuple(left) or tuple(b.path for b in self.written)
        names = ", ".join(f"'{path}'" for path in self.left)
        super().__init__(
            f"{error} These files of the unfinished set could not be removed: {names}; "
            "remove them before sending anything."
        )


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
    to = check_address(to)  # before any byte is written: a bad address spoils no set
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
        if not written:
            raise
        removed, left = _remove_written(written, drafts)
        if left:
            kept = [b for b in written if b.path in left]
            raise PartlyWrittenError(error, kept, left) from None
        raise NothingKeptError(error, removed) from None
    except BaseException:
        # Unexpected (or an interrupt): no half set stays behind it either.
        removed, left = _remove_written(written, drafts)
        if left:
            stop = WriteFailedError("The action stopped on an unexpected error.")
            kept = [b for b in written if b.path in left]
            raise PartlyWrittenError(stop, kept, left) from None
        raise
    return BatchResult(plans, tuple(written), tuple(drafts))


def _remove_written(
    written: Sequence[WrittenBundle], drafts: Sequence[Draft]
) -> tuple[list[Path], list[Path]]:
    """Remove the zips and drafts this action wrote: (removed, could not be removed)."""
    paths = [b.path for b in written] + [d.eml for d in drafts if d.eml is not None]
    removed: list[Path] = []
    left: list[Path] = []
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            left.append(path)
        else:
            removed.append(path)
    return removed, left
