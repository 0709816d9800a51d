"""The certificate subcommands: `inspect`, `extract-chain` and `rewrap`.

Only argument parsing, asking for passphrases and printing live here: extraction and
re-wrapping are the case actions the window calls too (`case.extract`, `case.rewrap`);
every verdict comes from `bundleguard.certs`, every line printed from
`bundleguard.certs.render` or the action's result (`Rewrapped.words`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bundleguard.certs.anchors import load_trust_anchors
from bundleguard.certs.inspect import InputFile, inspect_files
from bundleguard.certs.load import PassphraseNeeded, load_certificates
from bundleguard.certs.names import normalize_hostname
from bundleguard.certs.render import (
    render_extraction_notes,
    render_inspect,
    render_written,
)
from bundleguard.certs.validity import DEFAULT_EXPIRY_DAYS, MAX_EXPIRY_DAYS
from bundleguard.commands.passphrase import (
    add_passphrase_argument,
    get_new_passphrase,
    get_passphrase,
)
from bundleguard.exitcodes import ExitCode
from bundleguard.files import read_input_file
from bundleguard.text import shown


def expiry_days(text: str) -> int:
    """`--expiry-days`: a whole number from 0 to MAX_EXPIRY_DAYS, else a usage error."""
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("give a whole number of days") from None
    if not 0 <= days <= MAX_EXPIRY_DAYS:
        raise argparse.ArgumentTypeError(f"give 0 to {MAX_EXPIRY_DAYS} days")
    return days


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `inspect`, `extract-chain` and `rewrap` to the parser."""
    inspect = subparsers.add_parser(
        "inspect",
        allow_abbrev=False,  # "--passphrase X" must never be taken for a file
        help="check certificates: chain, names, dates, trust, PKCS#12 export",
        description="Check certificate files (PEM, DER, PKCS#7, PKCS#12) as one chain. "
        "Exit 0: fine (a private CA or self-signed certificate is fine: it needs a "
        "software update from support); 1: something must be fixed; 2: usage or I/O error.",
    )
    inspect.add_argument("files", nargs="+", metavar="FILE")
    inspect.add_argument("--json", action="store_true", help="print the report as JSON")
    inspect.add_argument("--site", metavar="HOST", help="the site hostname")
    inspect.add_argument(
        "--appliance", action="append", default=[], metavar="HOST",
        help="an appliance's own hostname (primary, backup); repeat for each",
    )  # fmt: skip
    inspect.add_argument(
        "--traffic-node", action="append", default=[], metavar="HOST",
        help="an Atlas traffic-node hostname; repeat for each",
    )  # fmt: skip
    inspect.add_argument(
        "--expiry-days", type=expiry_days, default=DEFAULT_EXPIRY_DAYS, metavar="N",
        help=f"warn when a certificate expires within N days (default {DEFAULT_EXPIRY_DAYS})",
    )  # fmt: skip
    inspect.add_argument(
        "--details", action="store_true",
        help="also show every field of each certificate (as the window's Certificate details)",
    )  # fmt: skip
    add_passphrase_argument(inspect)
    inspect.set_defaults(handler=run_inspect)

    extract = subparsers.add_parser(
        "extract-chain",
        allow_abbrev=False,  # "--passphrase X" must never be taken for a file
        help="write the certificates alone (no key) from a .p12 or a mixed PEM",
        description="Write one file per certificate (01-leaf-..., 02-intermediate-..., ...) "
        "and a full-chain PEM into DIR; never a private key.",
    )
    extract.add_argument("file", metavar="FILE")
    extract.add_argument("--out", required=True, metavar="DIR", help="the output folder")
    extract.add_argument("--force", action="store_true", help="replace existing files")
    add_passphrase_argument(extract)
    extract.set_defaults(handler=run_extract_chain)

    rewrap = subparsers.add_parser(
        "rewrap",
        allow_abbrev=False,  # "--passphrase X" must never be taken for a file
        help="write a PKCS#12 again under a new passphrase (AES-256 or legacy 3DES)",
        description="Re-encrypt a .p12/.pfx with a new passphrase: AES-256-CBC with "
        "PBKDF2-HMAC-SHA256 by default, or legacy 3DES with --legacy for targets that "
        "cannot read AES.",
    )
    rewrap.add_argument("input", metavar="IN")
    rewrap.add_argument(
        "--out", metavar="OUT",
        help="the new .p12/.pfx file (default: IN's name with -rewrapped-private-key.p12, "
        "next to it)",
    )  # fmt: skip
    rewrap.add_argument(
        "--case", metavar="CASE",
        help="the .bgcase the export belongs to: OUT may not be in its bundle folder or "
        "its files' folder, and its site, incident and appliance names count as guessable "
        "in the new passphrase",
    )  # fmt: skip
    rewrap.add_argument(
        "--legacy", action="store_true",
        help="use PBE-SHA1-3DES (for old targets) instead of AES-256",
    )  # fmt: skip
    rewrap.add_argument("--force", action="store_true", help="replace OUT if it exists")
    add_passphrase_argument(rewrap, new=True)
    rewrap.set_defaults(handler=run_rewrap)


# --- files ---------------------------------------------------------------------------


def read_file(path: str) -> bytes:
    """A certificate or PKCS#12 file named by the user: a regular file, of bounded size."""
    return read_input_file(path)


def _load_with_passphrase(args: argparse.Namespace, path: str, data: bytes):
    """(certificates, passphrase) — asking for a passphrase only when the file needs one."""
    try:
        return load_certificates(data, path), None
    except PassphraseNeeded:
        passphrase = get_passphrase(args, path)
        return load_certificates(data, path, passphrase), passphrase


# --- inspect -------------------------------------------------------------------------


def run_inspect(args: argparse.Namespace) -> int:
    for host in (args.site, *args.appliance, *args.traffic_node):
        if host:
            normalize_hostname(host)  # raises InputError: a usage error, exit 2
    inputs = []
    for path in args.files:
        data = read_file(path)
        _, passphrase = _load_with_passphrase(args, path, data)
        inputs.append(InputFile(path, data, passphrase))
    report = inspect_files(
        inputs,
        site=args.site,
        appliances=args.appliance,
        traffic_nodes=args.traffic_node,
        expiry_days=args.expiry_days,
        anchors=load_trust_anchors(),
    )
    if args.json:
        data = report.to_json()
        if args.details:
            from bundleguard.certs.details import certificate_details

            data["details"] = [certificate_details(c).to_json() for c in report.chain_certificates]
        text = json.dumps(data, indent=2, ensure_ascii=False)
    else:
        text = render_inspect(report)
        if args.details:
            from bundleguard.certs.render import render_details

            text += "\n\n" + render_details(report)
    # A certificate's names are quoted: one may be a key (a report is pasted into tickets).
    from bundleguard.case.texts import KeyMaterialError, checked

    try:
        print(checked(text, "The report was not printed"))
    except KeyMaterialError as error:
        print(
            f"bundleguard: {error} A certificate that carries private key material must "
            "never be sent: have it issued again.",
            file=sys.stderr,
        )
        return ExitCode.PROBLEM
    return ExitCode.OK if report.ok else ExitCode.PROBLEM


# --- extract-chain -------------------------------------------------------------------


def run_extract_chain(args: argparse.Namespace) -> int:
    from bundleguard.case.extract import extract_certificates

    source, folder = Path(args.file), Path(args.out)
    anchors = load_trust_anchors().all
    try:
        result = extract_certificates(source, None, folder, anchors=anchors, replace=args.force)
    except PassphraseNeeded:
        passphrase = get_passphrase(args, args.file)
        result = extract_certificates(
            source, passphrase, folder, anchors=anchors, replace=args.force
        )
        del passphrase
    for path in result.written:
        print(render_written(path))
    print(result.words(shown))  # the sentence the window says too
    notes = render_extraction_notes(result)  # its `.chain`, as an Extraction has
    if notes:
        print(notes)
    return ExitCode.PROBLEM if result.problems else ExitCode.OK


# --- rewrap --------------------------------------------------------------------------


def run_rewrap(args: argparse.Namespace) -> int:
    from bundleguard.case.rewrap import (
        check_target,
        default_target,
        forbidden_folders,
        needs_current_passphrase,
        rewrap_export,
    )
    from bundleguard.case.strength import case_context

    source = Path(args.input)
    forbidden: tuple[Path, ...] = ()
    case = None
    if args.case:
        from bundleguard.case.store import case_files_folder, load_case

        case_path = Path(args.case)
        case = load_case(case_path)
        forbidden = forbidden_folders(case, case_files_folder(case_path))
    target = Path(args.out) if args.out else default_target(source)
    check_target(target, source, forbidden, replace=args.force)  # before any passphrase
    passphrase = get_passphrase(args, args.input) if needs_current_passphrase(source) else None
    context = case_context(case, source)  # the case's names are guessable words
    new_passphrase = get_new_passphrase(args, context)
    try:
        result = rewrap_export(
            source,
            target,
            passphrase,
            new_passphrase,
            legacy=args.legacy,
            replace=args.force,
            forbidden=forbidden,
            context=context,
            anyway=args.anyway,
        )
    finally:
        del new_passphrase, passphrase
    print(result.words(shown))
    return ExitCode.OK
