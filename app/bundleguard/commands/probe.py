"""`bundleguard probe`: check over live TLS what each appliance serves, and compare them."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cryptography import x509

from bundleguard.certs.load import load_certificates
from bundleguard.certs.names import normalize_hostname
from bundleguard.commands.passphrase import add_passphrase_argument, get_passphrase
from bundleguard.errors import InputError, PassphraseError
from bundleguard.probe.render import render_text, report_to_json
from bundleguard.probe.report import ApplianceReport
from bundleguard.probe.run import DEFAULT_TIMEOUT, ProgressCallback, probe_appliances
from bundleguard.probe.targets import DEFAULT_PORT, Role, Target, parse_target


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
    parser.add_argument("--site", required=True, help="the site hostname clients connect to")
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
    site = normalize_hostname(args.site)
    if not 0 < args.timeout <= 600:
        raise InputError("--timeout must be more than 0 and at most 600 seconds.")
    if not 0 < args.port < 65536:
        raise InputError("--port must be a number from 1 to 65535.")
    targets = _targets(args)
    expected: tuple[x509.Certificate, ...] = ()
    if args.expect is not None:
        expected = _load_expected(args.expect, args)
    report = probe_appliances(
        targets,
        site,
        timeout=args.timeout,
        expected=expected,
        expected_source=args.expect.name if args.expect is not None else "",
        progress=_progress_on_terminal(),
    )
    if args.json:
        json.dump(report_to_json(report), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_text(report))
    return 0 if report.ok else 1


def _targets(args: argparse.Namespace) -> list[Target]:
    targets = [
        parse_target(spec, default_port=args.port, role=Role.APPLIANCE) for spec in args.appliance
    ] + [
        parse_target(spec, default_port=args.port, role=Role.TRAFFIC_NODE)
        for spec in args.traffic_node
    ]
    if not targets:
        raise InputError("Name at least one --appliance or --traffic-node to check.")
    names = [target.name for target in targets]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise InputError(f"Each appliance once, please: {', '.join(duplicates)} is repeated.")
    return targets


def _load_expected(path: Path, args: argparse.Namespace) -> tuple[x509.Certificate, ...]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"Cannot read {path}: {error.strerror or error}.") from None
    try:
        certs = load_certificates(data, name=path.name)
    except PassphraseError:
        passphrase = get_passphrase(args, path.name)
        certs = load_certificates(data, name=path.name, passphrase=passphrase)
    if not certs:
        raise InputError(f"{path} holds no certificate to compare with.")
    return certs


def _progress_on_terminal() -> ProgressCallback | None:
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int, appliance: ApplianceReport) -> None:
        end = "\n" if done == total else ""
        sys.stderr.write(f"\rchecked {done}/{total}: {appliance.target.name:<40}{end}")
        sys.stderr.flush()

    return show
