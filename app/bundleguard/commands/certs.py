"""The certificate subcommands: `inspect`, `extract-chain` and `rewrap`.

Only argument parsing, reading and writing the files named, and printing live here:
every verdict comes from `bundleguard.certs`, every line printed from
`bundleguard.certs.render`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bundleguard.certs.anchors import load_trust_anchors
from bundleguard.certs.extract import check_certificates_only, extract_chain
from bundleguard.certs.inspect import InputFile, inspect_files
from bundleguard.certs.load import PassphraseNeeded, load_certificates
from bundleguard.certs.names import normalize_hostname
from bundleguard.certs.pkcs12 import inspect_pkcs12, rewrap_pkcs12
from bundleguard.certs.render import (
    render_extraction_notes,
    render_inspect,
    render_rewrapped,
    render_written,
)
from bundleguard.certs.validity import DEFAULT_EXPIRY_DAYS, MAX_EXPIRY_DAYS
from bundleguard.commands.passphrase import (
    add_passphrase_argument,
    get_new_passphrase,
    get_passphrase,
)
from bundleguard.errors import InputError
from bundleguard.exitcodes import ExitCode
from bundleguard.files import read_input_file, write_file_atomic


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
    rewrap.add_argument("--out", required=True, metavar="OUT", help="the new .p12 file")
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
        print(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        print(render_inspect(report))
    return ExitCode.OK if report.ok else ExitCode.PROBLEM


# --- extract-chain -------------------------------------------------------------------


def run_extract_chain(args: argparse.Namespace) -> int:
    data = read_file(args.file)
    certs, _ = _load_with_passphrase(args, args.file, data)
    extraction = extract_chain(certs, anchors=load_trust_anchors().all)
    out_dir = Path(args.out)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"Cannot create '{out_dir}': {error.strerror or error}.") from None
    existing = [f.filename for f in extraction.files if (out_dir / f.filename).exists()]
    if existing and not args.force:
        raise InputError(
            f"These files already exist in '{out_dir}': {', '.join(existing)}. "
            "Use --force to replace them; nothing was written."
        )
    check_certificates_only(extraction)
    for extracted in extraction.files:
        write_file_atomic(out_dir / extracted.filename, extracted.data, force=args.force)
        print(render_written(out_dir / extracted.filename))
    notes = render_extraction_notes(extraction)
    if notes:
        print(notes)
    return ExitCode.PROBLEM if extraction.chain.problems else ExitCode.OK


# --- rewrap --------------------------------------------------------------------------


def run_rewrap(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.exists() and not args.force:
        raise InputError(f"'{out}' already exists; use --force to replace it.")
    data = read_file(args.input)
    try:
        passphrase = None
        inspect_pkcs12(data, args.input, None)
    except PassphraseNeeded:
        passphrase = get_passphrase(args, args.input)
    new_passphrase = get_new_passphrase(args)
    result = rewrap_pkcs12(data, passphrase, new_passphrase, legacy=args.legacy, name=args.input)
    del new_passphrase, passphrase
    write_file_atomic(out, result, force=args.force)
    print(render_rewrapped(out, args.legacy))
    return ExitCode.OK
