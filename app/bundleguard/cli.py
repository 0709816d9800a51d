"""The command line: parses arguments, calls the core, prints its reports (text or JSON).

Each subcommand lives in `bundleguard.commands.<name>` and registers itself through
`register(subparsers)`; a command's handler returns the exit code (0 fine, 1 something
must be fixed, 2 usage or I/O error).
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NoReturn

from bundleguard import __version__
from bundleguard.commands import COMMANDS, command_modules
from bundleguard.errors import BundleGuardError
from bundleguard.exitcodes import ExitCode
from bundleguard.files import TargetExistsError
from bundleguard.text import shown

# The one exit-code enum; these names are kept for the code below and its callers.
EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = ExitCode.OK, ExitCode.PROBLEM, ExitCode.USAGE


class _Parser(argparse.ArgumentParser):
    """argparse, minus one leak: it echoes unrecognised arguments, and a mistyped option
    (`--passphrase-fil secret`) would print a passphrase. Usage errors still exit 2."""

    def error(self, message: str) -> NoReturn:
        if message.startswith("unrecognized arguments"):
            message = "unrecognized arguments (not shown, in case one is a passphrase)"
        elif "invalid choice" in message:
            # `bundleguard --passphrase hunter2 inspect` makes "hunter2" the command.
            given = re.search(r"invalid choice: '([^']*)'", message)
            message = re.sub(r"invalid choice: '[^']*'", "invalid choice (not shown)", message)
            close = difflib.get_close_matches(
                given[1].lower() if given else "", COMMANDS, n=1, cutoff=0.6
            )
            if close and "argument COMMAND" in message:
                message += f"; did you mean `bundleguard {close[0]}`?"
        super().error(message)


def not_a_path(words: Iterable[str]) -> str | None:
    """Why the window cannot take these words (one sentence), or None when each is an
    existing file or folder.

    A word is never repeated: one typed by mistake may be a passphrase, as in `_Parser`.
    A first word close to a command is a typo of it, and that command is named.
    """
    for place, word in enumerate(words, start=1):
        if _exists(word):
            continue
        if place == 1:
            close = difflib.get_close_matches(word.lower(), COMMANDS, n=1, cutoff=0.6)
            if close:
                return (
                    "the first word is neither a command nor an existing file or folder; "
                    f"did you mean `bundleguard {close[0]}`?"
                )
            return (
                "the first word is neither a command nor an existing file or folder (it is "
                f"not repeated, in case it is a passphrase); the commands are "
                f"{', '.join(COMMANDS)}, and `bundleguard --help` says more."
            )
        return (
            f"word {place} is not an existing file or folder (it is not repeated, in case "
            "it is a passphrase): the window opens existing files, folders and cases."
        )
    return None


def _exists(word: str) -> bool:
    try:
        return Path(word).exists()
    except (OSError, ValueError):  # a name too long, a NUL byte
        return False


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with `command`, only that subcommand's module is imported and added."""
    parser = _Parser(
        prog="bundleguard",
        allow_abbrev=False,
        description=(
            "Prepare the certificate support bundle for BeyondTrust B Series appliances "
            "and check certificate replication, without ever sending a private key."
        ),
    )
    parser.add_argument("--version", action="version", version=f"bundleguard {__version__}")
    parser.add_argument(
        "--selftest",
        action="store_true",
        help="check this installation (guard, bundle, probe, window) and exit 0 if all work",
    )
    parser.add_argument(
        "--demo", action="store_true", help="open the window with a ready demo case"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in command_modules(command):
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if getattr(sys, "frozen", False):
        # A frozen (PyInstaller) build starts scan workers by running itself: let it serve
        # them. Only then: multiprocessing costs the window's start milliseconds.
        import multiprocessing

        multiprocessing.freeze_support()
    for stream in (sys.stdout, sys.stderr):
        # A file name outside the console's code page (Windows' cp1252, a C locale) is
        # written as an escape, never an "unexpected error" halfway through a report.
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")
    arguments = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in arguments if not a.startswith("-")), None)
    if first not in COMMANDS and all(a == "--demo" or not a.startswith("-") for a in arguments):
        # No subcommand: the window (with `--demo`, or files to add, or a case to open),
        # once every word is an existing path: `bundleguard scna FILE` is a typo.
        problem = not_a_path(a for a in arguments if a != "--demo")
        if problem is not None:
            print(f"bundleguard: {problem}", file=sys.stderr)
            return EXIT_USAGE
        from bundleguard.gui import main as gui_main

        return gui_main(arguments)
    parser = build_parser(first if first in COMMANDS else None)
    args = parser.parse_args(arguments)
    if getattr(args, "selftest", False):
        from bundleguard import selftest

        return selftest.main()
    handler = getattr(args, "handler", None)
    if handler is None:
        # No subcommand: the GUI once it lands; until then, the help.
        parser.print_help()
        return EXIT_OK
    try:
        return int(handler(args))
    except TargetExistsError as error:
        # The core states the fact; the command line says how to replace: its flag.
        print(f"bundleguard: {shown(str(error))} Use --force to replace.", file=sys.stderr)
        return EXIT_USAGE
    except BundleGuardError as error:
        # Messages may quote a file name or what a server sent: shown, never obeyed.
        print(f"bundleguard: {shown(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("bundleguard: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`bundleguard scan ... | head`): stop quietly, as cat does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_PROBLEM
    except Exception as error:  # the last line of defence, on purpose
        # An unexpected error must not print its text (it could quote a passphrase or
        # key bytes) nor exit 1, which means "a secret was found / something to fix".
        print(
            f"bundleguard: unexpected error ({type(error).__name__}); nothing was written. "
            "Please report it.",
            file=sys.stderr,
        )
        return EXIT_USAGE
