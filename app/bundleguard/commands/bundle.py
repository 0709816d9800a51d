"""The `bundle` subcommand: one support bundle (zip + optional email draft) per appliance.

Only argument parsing, reading the inputs and printing live here; every decision comes
from `bundleguard.bundle`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from bundleguard.bundle.batch import BatchResult, write_batch
from bundleguard.bundle.email import body_text, check_address
from bundleguard.bundle.mailer import OpenOutcome, open_draft
from bundleguard.bundle.plan import (
    ROLES,
    Appliance,
    BundleInput,
    BundlePlan,
    Refusal,
    check_appliance,
    check_incident,
    plan_bundle,
    read_input,
)
from bundleguard.bundle.writer import BundleVerificationError
from bundleguard.certs.names import normalize_hostname
from bundleguard.errors import InputError
from bundleguard.settings import Settings, load_settings, save_settings

EXIT_OK = 0
EXIT_REFUSED = 1

DESCRIPTION = """\
Build the .zip that BeyondTrust support needs to rebuild the software with your new
SSL certificate: the /appliance > Status > Basics screenshot (re-encoded as PNG) and the
certificate files of the chain, with a manifest.json of SHA-256 hashes. Every input must
be positively a certificate or an image: any private key (a .p12, a key inside a PEM or
appended to an image...) refuses the whole action and nothing is written. The zip is
written atomically, then reopened and checked again.

Several appliances (failover backup, Atlas nodes): repeat --appliance HOST[:ROLE] and give
one --screenshot per appliance, in the same order; the --cert files go into every
bundle (replicated appliances serve the same chain). One zip (and one .eml) per appliance.
Without a role, the first appliance is --role (default primary) and the next ones backup.

Exit 0: written and verified; 1: refused (nothing written); 2: usage or I/O error.
"""

EPILOG = """\
examples:
  bundleguard bundle --appliance primary.example.com --screenshot basics.png \\
      --cert leaf.crt --cert intermediate.crt --incident 123456 --out ~/bundles --eml
  bundleguard bundle --site support.example.com --appliance primary.example.com:primary \\
      --appliance backup.example.com:backup --screenshot primary.png --screenshot backup.png \\
      --cert chain.pem --out ~/bundles --open
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `bundle` to the parser."""
    parser = subparsers.add_parser(
        "bundle",
        allow_abbrev=False,
        help="build the support bundle (screenshot + certificates, never a key) and email",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--appliance", action="append", required=True, metavar="HOST[:ROLE]",
        help=f"an appliance's own hostname, optionally with its role ({'|'.join(ROLES)}); "
        "repeat for several appliances",
    )  # fmt: skip
    parser.add_argument(
        "--role", choices=ROLES, default=None,
        help="the role of an appliance given without one (default: primary, then backup)",
    )  # fmt: skip
    parser.add_argument(
        "--screenshot", action="append", required=True, metavar="IMAGE",
        help="the Status > Basics screenshot (PNG/JPEG); one per --appliance, same order",
    )  # fmt: skip
    parser.add_argument(
        "--cert", action="extend", nargs="+", required=True, metavar="FILE",
        help="certificate files of the chain (PEM, DER, PKCS#7), no keys",
    )  # fmt: skip
    parser.add_argument("--site", metavar="HOST", help="the site hostname (named in the email)")
    parser.add_argument("--incident", metavar="N", help="your support incident number")
    parser.add_argument(
        "--to", metavar="ADDRESS",
        help="the support address (default: the one in your settings, else empty)",
    )  # fmt: skip
    parser.add_argument(
        "--out", metavar="DIR",
        help="the output folder (default: the last one used)",
    )  # fmt: skip
    parser.add_argument("--eml", action="store_true", help="also write an email draft (.eml)")
    parser.add_argument(
        "--open", action="store_true",
        help="open the draft in your mail program with the zip attached (implies --eml)",
    )  # fmt: skip
    parser.add_argument(
        "--body", action="store_true",
        help="also print the email text, to paste into a web mail or a ticket",
    )  # fmt: skip
    parser.add_argument("--force", action="store_true", help="replace existing files")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=run)


# --- arguments -----------------------------------------------------------------------


def parse_appliances(values: Sequence[str], default_role: str | None) -> list[Appliance]:
    """`HOST` or `HOST:ROLE` each; without a role: `default_role`, else primary then backup."""
    appliances = []
    for index, value in enumerate(values):
        host, role = value, None
        head, sep, tail = value.rpartition(":")
        if sep and tail in ROLES:
            host, role = head, tail
        if role is None:
            role = default_role or ("primary" if index == 0 else "backup")
        appliances.append(check_appliance(host, role))
    return appliances


def _read_all(paths: Sequence[str]) -> list[BundleInput | Refusal]:
    return [read_input(path) for path in paths]


# --- running -------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    appliances = parse_appliances(args.appliance, args.role)
    if len(args.screenshot) != len(appliances):
        raise InputError(
            f"Give one --screenshot per --appliance, in the same order "
            f"({len(appliances)} appliance(s), {len(args.screenshot)} screenshot(s))."
        )
    site = normalize_hostname(args.site) if args.site else None
    incident = check_incident(args.incident)
    loaded = load_settings()
    if loaded.warning:
        print(f"bundleguard: {loaded.warning}", file=sys.stderr)
    to = check_address(args.to if args.to is not None else loaded.settings.support_address)
    out = args.out or loaded.settings.last_output_dir
    if not out:
        raise InputError("Say where to write the bundle: --out DIR.")
    out_dir = Path(out).expanduser()

    screenshots = _read_all(args.screenshot)
    certificates = _read_all(args.cert)
    plans = [
        plan_bundle(appliance, shot, certificates, site=site, incident=incident)
        for appliance, shot in zip(appliances, screenshots, strict=True)
    ]
    want_eml = args.eml or args.open
    if not args.json and all(plan.accepted for plan in plans):
        # Chain problems do not stop the bundle, but the user reads them before it is written.
        warnings = render_plan_warnings(plans)
        if warnings:
            print(warnings, flush=True)
    try:
        result = write_batch(plans, out_dir, force=args.force, eml=want_eml, to=to)
    except BundleVerificationError as error:
        print(f"bundleguard: {error}", file=sys.stderr)
        return EXIT_REFUSED
    if result.refused:
        print(render_json(result) if args.json else render_refused(result))
        return EXIT_REFUSED

    outcomes = [open_draft(draft) for draft in result.drafts] if args.open else []
    print(render_json(result, outcomes, args.body) if args.json else render_written(result))
    if not args.json:
        for outcome in outcomes:
            print(outcome.message)
        if args.body:
            for bundle in result.written:
                print(f"\n--- email text for {bundle.appliance.hostname} ---\n")
                print(body_text([bundle]))
    _remember(out_dir, loaded.settings)
    return EXIT_OK


def _remember(out_dir: Path, settings: Settings) -> None:
    folder = str(out_dir.resolve())
    if settings.last_output_dir == folder:
        return
    try:
        save_settings(settings.with_changes(last_output_dir=folder))
    except InputError as error:
        print(f"bundleguard: {error}", file=sys.stderr)


# --- rendering -----------------------------------------------------------------------


def _bullets(lines: Sequence[str], indent: str = "  ") -> list[str]:
    return [f"{indent}- {line}" for line in lines]


def _plan_header(plan: BundlePlan) -> str:
    return f"{plan.appliance.hostname} ({plan.appliance.role})"


def render_refused(result: BatchResult) -> str:
    lines = ["Refused: nothing was written. Fix every item below, then run again.", ""]
    for plan in result.plans:
        if not plan.refusals:
            continue
        lines.append(f"{_plan_header(plan)}:")
        for refusal in plan.refusals:
            lines.append(f"  {refusal.expected} '{refusal.source}': {refusal.verdict}")
            lines.extend(_bullets(refusal.reasons, "    "))
    warnings = [(p, w) for p in result.plans for w in p.warnings]
    if warnings:
        lines += ["", "Also, about the certificates:"]
        seen: set[str] = set()
        for _plan, text in warnings:
            if text not in seen:
                seen.add(text)
                lines.extend(_bullets([text]))
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
    for plan, bundle, draft in zip(result.plans, result.written, result.drafts, strict=True):
        lines.append(f"{bundle.appliance.hostname} ({bundle.appliance.role}):")
        late = [w for w in bundle.warnings if w not in plan.warnings]  # e.g. the size
        if late:
            lines.append("  Warnings:")
            lines.extend(_bullets(late, "    "))
        lines.append(f"  Wrote {bundle.path} ({bundle.size:,} bytes), verified.")
        lines.append(f"    SHA-256 {bundle.sha256}")
        for member in bundle.members:
            lines.append(
                f"    {member.name}  {member.type}  {member.size:,} bytes  {member.sha256}"
            )
        lines.extend(f"  Note: {note}" for note in bundle.notes)
        if draft.eml is not None:
            lines.append(f"  Email draft: {draft.eml} (to: {draft.to or 'not set'})")
        lines.append("")
    trust = {p.trust_summary for p in result.plans if p.trust_summary}
    lines.extend(f"Certificate: {summary}" for summary in sorted(trust))
    lines.append("No private key is in any bundle.")
    return "\n".join(lines)


def render_json(
    result: BatchResult, outcomes: Sequence[OpenOutcome] = (), with_body: bool = False
) -> str:
    bundles = []
    for bundle, draft in zip(result.written, result.drafts, strict=True):
        entry = bundle.to_json()
        entry["draft"] = draft.to_json()
        if with_body:
            entry["body"] = draft.body
        bundles.append(entry)
    document = {
        "ok": not result.refused and bool(result.written),
        "written": bool(result.written),
        "bundles": bundles,
        "refusals": [{"appliance": host, **refusal.to_json()} for host, refusal in result.refusals],
        "plans": [
            {
                "appliance": p.appliance.hostname,
                "role": p.appliance.role,
                "zip_name": p.zip_name,
                "members": [
                    {"name": m.name, "type": m.kind, "source": m.source} for m in p.members
                ],
                "warnings": list(p.warnings),
                "notes": list(p.notes),
                "trust": p.trust_summary,
                "needs_software_update": p.needs_software_update,
            }
            for p in result.plans
        ],
        "opened": [o.to_json() for o in outcomes],
    }
    return json.dumps(document, indent=2)
