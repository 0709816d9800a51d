"""The `bundle` subcommand: one support bundle (zip + optional email draft) per appliance.

Only argument parsing and printing live here: the flags become a `Case` (or override the
one given with `--case`), and `bundleguard.case.actions` plans and writes it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from bundleguard.bundle.batch import BatchResult, SetNotWrittenError
from bundleguard.bundle.email import body_text
from bundleguard.bundle.mailer import OpenOutcome, open_draft
from bundleguard.bundle.render import render_plan_warnings, render_refused, render_written
from bundleguard.bundle.writer import BundleVerificationError
from bundleguard.case.actions import (
    case_with_overrides,
    gather_facts,
    plan_case,
    split_host_role,
    write_case_bundles,
)
from bundleguard.case.model import ROLES, Case, Role, ScreenshotCountError, entered_path
from bundleguard.case.outputs import documents_folder, with_output_folder
from bundleguard.case.readiness import Readiness, readiness
from bundleguard.case.store import load_case
from bundleguard.certs.anchors import load_trust_anchors
from bundleguard.errors import BundleGuardError, InputError
from bundleguard.exitcodes import ExitCode
from bundleguard.files import TargetExistsError
from bundleguard.settings import Settings, load_settings, save_settings
from bundleguard.text import counted, shown

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

With --case FILE (a .bgcase, see `bundleguard case`), everything comes from the case;
flags given beside it replace what the case says. The case is judged as the window judges
it, before anything is written: everything that stops the build is listed, each with the
step that fixes it (a refused file, a missing screenshot, no site...). A case that names
no output folder is built into Documents/bundleguard/SITE-INCIDENT, as in the window.
Concerns that leave support something usable but poor (an incomplete chain, no incident
number, a certificate that does not cover the site, no support address for the drafts)
are listed too, and the bundles are built despite them only with --anyway.

Exit 0: written and verified; 1: refused or not ready (nothing written); 2: usage or I/O
error.
"""

EPILOG = """\
examples:
  bundleguard bundle --appliance primary.example.com --screenshot basics.png \\
      --cert leaf.crt --cert intermediate.crt --incident 123456 --out ~/bundles --eml
  bundleguard bundle --site support.example.com --appliance primary.example.com:primary \\
      --appliance backup.example.com:backup --screenshot primary.png --screenshot backup.png \\
      --cert chain.pem --out ~/bundles --open
  bundleguard bundle --case support.bgcase --eml
  bundleguard bundle --case support.bgcase --anyway    # build despite the concerns listed
"""


HINTS = {
    "certificate": "give it with --cert",
    "image": "give it with --screenshot",
}


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
        "--case", metavar="FILE",
        help="take the appliances, screenshots, certificates, site, incident, address and "
        "output folder from this .bgcase file (flags beside it override)",
    )  # fmt: skip
    parser.add_argument(
        "--appliance", action="append", metavar="HOST[:ROLE]",
        help=f"an appliance's own hostname, optionally with its role ({'|'.join(ROLES)}); "
        "repeat for several appliances",
    )  # fmt: skip
    parser.add_argument(
        "--role", choices=ROLES, default=None,
        help="the role of an appliance given without one (default: primary, then backup)",
    )  # fmt: skip
    parser.add_argument(
        "--screenshot", action="append", metavar="IMAGE",
        help="the Status > Basics screenshot (PNG/JPEG); one per --appliance, same order",
    )  # fmt: skip
    parser.add_argument(
        "--cert", action="extend", nargs="+", metavar="FILE",
        help="certificate files of the chain (PEM, DER, PKCS#7), no keys",
    )  # fmt: skip
    parser.add_argument("--site", metavar="HOST", help="the site hostname (named in the email)")
    parser.add_argument("--incident", metavar="N", help="your support incident number")
    parser.add_argument(
        "--to", metavar="ADDRESS",
        help="the support address (default: the case's, else the one in your settings)",
    )  # fmt: skip
    parser.add_argument(
        "--out", metavar="DIR",
        help="the output folder (default: the case's; for a case that names none, "
        "Documents/bundleguard/SITE-INCIDENT; without --case, the last one used)",
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
    parser.add_argument(
        "--anyway", action="store_true",
        help="with --case: build despite the concerns listed (never despite what stops "
        "the build)",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=run)


# --- arguments -----------------------------------------------------------------------


def case_from_args(args: argparse.Namespace) -> Case:
    """The case the flags describe: the `--case` file's, with the flags given beside it."""
    if not args.case:
        missing = [f for f in ("appliance", "screenshot", "cert") if not getattr(args, f)]
        if missing:
            listed = ", ".join(f"--{name}" for name in missing)
            raise InputError(f"Give {listed} (or take everything from a case: --case FILE).")
    case = load_case(Path(args.case)) if args.case else Case()
    appliances = [split_host_role(v) for v in args.appliance] if args.appliance else None
    try:
        return case_with_overrides(
            case,
            appliances=appliances,
            screenshots=args.screenshot,
            role=Role(args.role) if args.role else None,
            files=args.cert,
            site=args.site,
            incident=args.incident,
            support_address=args.to,
            output=entered_path(args.out, Path.cwd()) if args.out is not None else None,
        )
    except ScreenshotCountError as error:
        raise InputError(
            "Give one --screenshot per --appliance, in the same order "
            f"({counted(error.appliances, 'appliance')}, "
            f"{counted(error.screenshots, 'screenshot')})."
        ) from None


# --- running -------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:

    case = case_from_args(args)
    loaded = load_settings()
    if loaded.warning:
        print(f"bundleguard: {shown(loaded.warning)}", file=sys.stderr)
    to = case.support_address or loaded.settings.support_address
    if args.to is not None:
        to = args.to
    want_eml = args.eml or args.open
    default_note = ""
    if args.case and not case.output.strip():
        # A case names its folder, or its bundles go to the default one, as in the window.
        built = with_output_folder(case, documents_folder())
        if built.output:
            default_note = (
                f"The case names no output folder: the bundles go to the default folder, "
                f"{shown(built.output)}"
            )
        case = built
    out = entered_path(case.output or loaded.settings.last_output_dir, Path.cwd())
    if args.case:
        # The case as it will be built, judged as the window judges it, before anything
        # is written.
        case = case.with_changes(support_address=to, output=out)
        facts = gather_facts(case, anchors=load_trust_anchors())
        judged = readiness(case, facts, drafts=want_eml)
        if not judged.may_build(judged.concerns if args.anyway else ()):
            print(_json_not_ready(judged) if args.json else render_not_ready(judged))
            return ExitCode.PROBLEM
        plans = judged.plans
    else:
        if args.anyway:
            raise InputError("--anyway goes with --case: it accepts the concerns of a case.")
        if not out:
            raise InputError("Say where to write the bundle: --out DIR.")
        plans = plan_case(case, anchors=load_trust_anchors())
    out_dir = Path(out)
    if default_note:
        print(default_note, file=sys.stderr if args.json else sys.stdout, flush=True)
    if not args.json and all(plan.accepted for plan in plans):
        # Chain problems do not stop the bundle, but the user reads them before it is written.
        warnings = render_plan_warnings(plans)
        if warnings:
            print(warnings, flush=True)
    try:
        result = write_case_bundles(plans, out_dir, force=args.force, eml=want_eml, to=to)
    except BundleVerificationError as error:
        print(f"bundleguard: {shown(str(error))}", file=sys.stderr)
        return ExitCode.PROBLEM
    except SetNotWrittenError as error:
        # A file of the set failed after others were written: they were removed (or the
        # message names those that could not be).
        replace = " Use --force to replace." if isinstance(error.error, TargetExistsError) else ""
        print(f"bundleguard: {shown(str(error))}{replace}", file=sys.stderr)
        failed = isinstance(error.error, BundleVerificationError)
        return ExitCode.PROBLEM if failed else ExitCode.USAGE
    if result.refused:
        print(_json(result) if args.json else render_refused(result, HINTS))
        return ExitCode.PROBLEM

    outcomes = [open_draft(draft) for draft in result.drafts] if args.open else []
    print(_json(result, outcomes, args.body) if args.json else render_written(result))
    if not args.json:
        for outcome in outcomes:
            print(shown(outcome.message))
            if not outcome.attached and not outcome.clipboard and not args.body:
                print("The message text: run the same command with --body to print it.")
        if args.body:
            for bundle in result.written:
                print(f"\n--- email text for {shown(bundle.appliance.hostname)} ---\n")
                print(shown_body(body_text([bundle])))
    _remember(out_dir, loaded.settings)
    return ExitCode.OK


def render_not_ready(judged: Readiness) -> str:
    """Everything that stops the build, then every concern, each with the step that fixes
    it; what the file names say is escaped."""
    lines: list[str] = []
    if judged.blockers:
        count = len(judged.blockers)
        lines.append(f"Not ready: {counted(count, 'thing')} to fix "
                     "first. Nothing was written.")  # fmt: skip
        lines += [f"  {shown(str(blocker))}" for blocker in judged.blockers]
    if judged.concerns:
        if not judged.blockers:
            lines.append("Ready, with concerns. Nothing was written: fix them, or build "
                         "anyway with --anyway.")  # fmt: skip
        lines.append("Concerns:")
        lines += [f"  {shown(str(concern))}" for concern in judged.concerns]
    return "\n".join(lines)


def _json_not_ready(judged: Readiness) -> str:
    def said(items) -> list[dict[str, object]]:
        return [
            {"step": item.step.number, "step_title": item.step.title, "text": item.text}
            for item in items
        ]

    document = {
        "ok": False,
        "written": False,
        "blockers": said(judged.blockers),
        "concerns": said(judged.concerns),
        "plans": [plan.to_json() for plan in judged.plans],
    }
    return json.dumps(document, indent=2)


def shown_body(text: str) -> str:
    """The email text line by line: its own newlines kept, anything else made visible."""

    return "\n".join(shown(line) for line in text.split("\n"))


def _json(
    result: BatchResult, outcomes: Sequence[OpenOutcome] = (), with_body: bool = False
) -> str:
    document = result.to_json(with_body=with_body)
    document["opened"] = [o.to_json() for o in outcomes]
    return json.dumps(document, indent=2)


def _remember(out_dir: Path, settings: Settings) -> None:

    folder = str(out_dir.resolve())
    if settings.last_output_dir == folder:
        return
    try:
        save_settings(settings.with_changes(last_output_dir=folder))
    except BundleGuardError as error:
        print(f"bundleguard: {shown(str(error))}", file=sys.stderr)
