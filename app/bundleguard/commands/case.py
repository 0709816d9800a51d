"""The `case` subcommand: create a `.bgcase` file (`case new`) and print one (`case show`).

Only argument parsing and printing: the case's rules live in `bundleguard.case`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bundleguard.case.actions import appliance_entries, split_host_role
from bundleguard.case.model import ROLES, SUFFIX, Case, case_to_text, check_can_add
from bundleguard.case.store import load_case, save_case
from bundleguard.certs.names import normalize_hostname
from bundleguard.exitcodes import ExitCode
from bundleguard.text import shown

DESCRIPTION = """\
A case is one piece of work kept as a file (.bgcase, JSON): the site, its appliances (with
their roles, addresses and screenshots), the certificate files and the output folder.
`bundleguard bundle --case FILE` builds the bundles from it. A case never holds a
passphrase or a key; paths are stored relative to the case file where they can be.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `case` (with `new` and `show`) to the parser."""
    parser = subparsers.add_parser(
        "case",
        allow_abbrev=False,
        help="create or print a case file (.bgcase): site, appliances, screenshots, certificates",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="case_action", metavar="ACTION", required=True)
    new = actions.add_parser("new", allow_abbrev=False, help="create a case file")
    new.add_argument("file", metavar="FILE", help=f"the case file to write ({SUFFIX})")
    new.add_argument("--site", metavar="HOST", help="the site hostname")
    new.add_argument("--incident", metavar="N", help="your support incident number")
    new.add_argument("--to", metavar="ADDRESS", help="the support address")
    new.add_argument("--out", metavar="DIR", help="where the bundles are written")
    new.add_argument(
        "--appliance", action="append", default=[], metavar="HOST[:ROLE]",
        help=f"an appliance and its role ({'|'.join(ROLES)}); repeat for several",
    )  # fmt: skip
    new.add_argument(
        "--screenshot", action="append", default=[], metavar="IMAGE",
        help="the Status > Basics screenshot of each --appliance, in the same order",
    )  # fmt: skip
    new.add_argument(
        "--cert", action="extend", nargs="+", default=[], metavar="FILE",
        help="certificate files of the chain",
    )  # fmt: skip
    new.add_argument("--force", action="store_true", help="replace an existing file")
    new.add_argument("--json", action="store_true", help="print the case written as JSON")
    new.set_defaults(handler=run_new)
    show = actions.add_parser("show", allow_abbrev=False, help="print a case file")
    show.add_argument("file", metavar="FILE", help="the case file to read")
    show.add_argument("--json", action="store_true", help="print the case as JSON")
    show.set_defaults(handler=run_show)


def run_new(args: argparse.Namespace) -> int:
    path = Path(args.file)
    given = [split_host_role(value) for value in args.appliance]
    given = [(normalize_hostname(host), role) for host, role in given]
    screenshots = [str(Path(p).absolute()) for p in args.screenshot]
    case = Case(
        site=normalize_hostname(args.site) if args.site else "",
        incident=args.incident or "",
        support_address=args.to or "",
        output=str(Path(args.out).expanduser().absolute()) if args.out else "",
    )
    # The limits in the words the window uses when files or appliances are added.
    entries = appliance_entries(given, screenshots)
    files = [str(Path(p).absolute()) for p in args.cert]
    check_can_add(case, files, appliances=len(entries), case_file=path)
    case = case.with_changes(appliances=entries, files=tuple(files))
    save_case(case, path, force=args.force)
    print(_json(case, path) if args.json else f"Wrote {shown(str(path))}.")
    return ExitCode.OK


def run_show(args: argparse.Namespace) -> int:
    path = Path(args.file)
    case = load_case(path)
    print(_json(case, path) if args.json else render_case(case))
    return ExitCode.OK


def _json(case: Case, path: Path) -> str:
    # The file's own text: a name that is not UTF-8 is printed escaped, as it is stored.
    return case_to_text(case, path).rstrip("\n")


def output_words(case: Case) -> str:
    """The case's output folder, or the default one `bundle --case` would build into."""
    if case.output.strip():
        return shown(case.output)
    from bundleguard.case.outputs import documents_folder, with_output_folder

    built = with_output_folder(case, documents_folder())
    if built.output.strip():
        return f"(not set: bundles go to the default, {shown(built.output)})"
    return "(not set)"


def render_case(case: Case) -> str:
    """The case as text; every field may hold anything, so each is shown escaped."""

    def value(text: str) -> str:
        return shown(text) if text else "(not set)"

    lines = [
        f"Site: {value(case.site)}",
        f"Incident: {value(case.incident)}",
        f"Support address: {value(case.support_address)}",
        f"Output folder: {output_words(case)}",
        f"Appliances ({len(case.appliances)}):",
    ]
    for entry in case.appliances:
        lines.append(f"  {value(entry.hostname)} ({entry.role.value})")
        if entry.address:
            lines.append(f"    address: {shown(entry.address)}")
        lines.append(f"    screenshot: {value(entry.screenshot)}")
    lines.append(f"Certificate files ({len(case.files)}):")
    lines.extend(f"  {shown(path)}" for path in case.files)
    verification = case.replication.verification
    if verification is not None:
        verdict = "OK" if verification.ok else "problems"
        lines.append(
            f"Last check: {shown(verification.checked_at)}: {verdict}: "
            f"{shown(verification.summary)}"
        )
    return "\n".join(lines)
