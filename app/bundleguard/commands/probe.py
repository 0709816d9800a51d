"""`bundleguard probe`: check over live TLS what each appliance serves, and compare them.

Parses flags and prints; the case (`--case`, or the one the flags describe) is probed by
`bundleguard.case.probing.probe_case`, and the report renders itself as text or JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bundleguard.case.model import Case
from bundleguard.case.probing import NoSiteError, probe_case, with_probe_overrides
from bundleguard.case.store import load_case
from bundleguard.certs.anchors import load_trust_anchors
from bundleguard.commands.passphrase import add_passphrase_argument, get_passphrase
from bundleguard.errors import InputError, PassphraseError
from bundleguard.exitcodes import ExitCode
from bundleguard.files import read_input_file
from bundleguard.probe.expected import ExpectedChain, load_expected
from bundleguard.probe.render import render_text
from bundleguard.probe.report import ApplianceReport
from bundleguard.probe.run import DEFAULT_TIMEOUT, ProgressCallback
from bundleguard.probe.targets import DEFAULT_PORT, NoTargetsError
from bundleguard.text import shown

MAX_TIMEOUT = 600.0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this module's subcommands to the parser."""
    parser = subparsers.add_parser(
        "probe",
        allow_abbrev=False,  # no prefix of --passphrase-file may swallow a passphrase
        help="check over TLS that every appliance serves the same, complete, valid chain",
        description=(
            "Connect to each appliance (with the site name, its own name, and no SNI), "
            "fetch the certificate chain it serves, and check coverage, completeness, "
            "validity and trust, and that all appliances serve the identical chain. "
            "Exit 0: all good (a private CA only needs a software update); 1: a problem "
            "was found; 2: usage error."
        ),
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--case",
        type=Path,
        metavar="FILE",
        help="a .bgcase file: its site and appliances are probed (--site, --appliance and "
        "--traffic-node given beside it replace the case's own)",
    )
    parser.add_argument("--site", help="the site hostname clients connect to")
    parser.add_argument(
        "--appliance",
        action="append",
        default=[],
        metavar="NAME[=ADDRESS[:PORT]]",
        help="an appliance: its hostname, and where to connect if not where DNS says "
        "(IPv6 in brackets: NAME=[::1]:8443); repeat for each appliance, primary first",
    )
    parser.add_argument(
        "--traffic-node",
        action="append",
        default=[],
        metavar="NAME[=ADDRESS[:PORT]]",
        help="an Atlas traffic node, written like --appliance; repeat for each",
    )
    parser.add_argument(
        "--expect",
        type=Path,
        metavar="FILE",
        help="the certificate every appliance should serve: the exported PKCS#12, or its "
        "chain as PEM/DER",
    )
    add_passphrase_argument(parser)
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"seconds for the whole check of one appliance (default {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        metavar="P",
        help=f"port when an appliance gives none (default {DEFAULT_PORT})",
    )
    parser.set_defaults(handler=run_probe)


def run_probe(args: argparse.Namespace) -> int:
    if not 0 < args.timeout <= MAX_TIMEOUT:
        raise InputError(f"--timeout must be more than 0 and at most {MAX_TIMEOUT:g} seconds.")
    if not 0 < args.port < 65536:
        raise InputError("--port must be a number from 1 to 65535.")
    case = load_case(args.case) if args.case is not None else Case()
    case = with_probe_overrides(
        case, site=args.site, appliances=args.appliance, traffic_nodes=args.traffic_node
    )
    expected = _load_expected(args.expect, args) if args.expect is not None else None
    try:
        report = probe_case(
            case,
            timeout=args.timeout,
            expected=expected,
            progress=_progress_on_terminal(),
            default_port=args.port,
            anchors=load_trust_anchors(),
        )
    except NoSiteError:
        raise InputError("Give the site hostname with --site (or in the --case file).") from None
    except NoTargetsError:
        raise InputError("Name at least one --appliance or --traffic-node to check.") from None
    if args.json:
        json.dump(report.to_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_text(report))
    return ExitCode.OK if report.ok else ExitCode.PROBLEM


def _load_expected(path: Path, args: argparse.Namespace) -> ExpectedChain:
    data = read_input_file(path)
    try:
        return load_expected(data, path.name)
    except PassphraseError:
        passphrase = get_passphrase(args, path.name)
        return load_expected(data, path.name, passphrase=passphrase)


def _progress_on_terminal() -> ProgressCallback | None:
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int, appliance: ApplianceReport) -> None:
        end = "\n" if done == total else ""
        sys.stderr.write(f"\rchecked {done}/{total}: {shown(appliance.target.name):<40}{end}")
        sys.stderr.flush()

    return show
