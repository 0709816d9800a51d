"""The text of `bundle`'s results, as a terminal shows them.

Every untrusted string (file names, reasons and warnings quoting certificate fields, the
paths written) goes through `bundleguard.text.shown`, so a name holding an escape
sequence or a newline cannot clear the screen or forge a line. No flag is named here: a
shell passes its own words for what to do (`hints`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bundleguard.bundle.batch import BatchResult
from bundleguard.bundle.plan import BundlePlan, Refusal
from bundleguard.text import shown


def _bullets(lines: Sequence[str], indent: str = "  ") -> list[str]:
    return [f"{indent}- {shown(line)}" for line in lines]


def _plan_header(plan: BundlePlan) -> str:
    return f"{shown(plan.appliance.hostname)} ({shown(plan.appliance.role)})"


def _refusal_lines(refusal: Refusal, hints: Mapping[str, str]) -> list[str]:
    lines = [f"  {refusal.expected} '{shown(refusal.source)}': {refusal.verdict}"]
    lines.extend(_bullets(refusal.reasons, "    "))
    if refusal.found in hints:
        lines.extend(_bullets([hints[refusal.found]], "    "))
    return lines


def render_refused(result: BatchResult, hints: Mapping[str, str] | None = None) -> str:
    """Every refusal of every plan with its reasons; `hints` maps what a misplaced input
    is (`Refusal.found`: "certificate", "image") to the shell's words for where it goes."""
    hints = hints or {}
    lines = ["Refused: nothing was written. Fix every item below, then run again.", ""]
    for plan in result.plans:
        if not plan.refusals:
            continue
        lines.append(f"{_plan_header(plan)}:")
        for refusal in plan.refusals:
            lines.extend(_refusal_lines(refusal, hints))
    warnings = [w for p in result.plans for w in p.warnings]
    if warnings:
        lines += ["", "Also, about the certificates:"]
        lines.extend(_bullets(list(dict.fromkeys(warnings))))
    return "\n".join(lines)


def render_plan_warnings(plans: Sequence[BundlePlan]) -> str:
    """The certificate warnings of every plan, before anything is written."""
    lines: list[str] = []
    for plan in plans:
        if plan.warnings:
            lines.append(f"Warnings for {_plan_header(plan)}:")
            lines.extend(_bullets(plan.warnings))
    return "\n".join(lines)


def render_written(result: BatchResult) -> str:
    lines: list[str] = []
    for plan, bundle, draft in zip(result.plans, result.written, result.drafts, strict=False):
        lines.append(f"{_plan_header(plan)}:")
        late = [w for w in bundle.warnings if w not in plan.warnings]  # e.g. the size
        if late:
            lines.append("  Warnings:")
            lines.extend(_bullets(late, "    "))
        lines.append(f"  Wrote {shown(str(bundle.path))} ({bundle.size:,} bytes), verified.")
        lines.append(f"    SHA-256 {bundle.sha256}")
        for member in bundle.members:
            lines.append(
                f"    {shown(member.name)}  {member.type}  {member.size:,} bytes  {member.sha256}"
            )
        lines.extend(f"  Note: {shown(note)}" for note in bundle.notes)
        if draft.eml is not None:
            to = shown(draft.to) if draft.to else "not set"
            lines.append(f"  Email draft: {shown(str(draft.eml))} (to: {to})")
        lines.append("")
    if result.cancelled:
        lines.append("Stopped on request: the appliances not listed above have no bundle yet.")
    trust = {p.trust_summary for p in result.plans if p.trust_summary}
    lines.extend(f"Certificate: {shown(summary)}" for summary in sorted(trust))
    lines.append("No private key is in any bundle.")
    return "\n".join(lines)
