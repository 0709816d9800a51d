"""How the command line obtains passphrases: a file, the environment, or a prompt without echo.

Never a command-line value. Passphrases are returned as bytes and never printed or logged.
A new passphrase is judged as the window judges it (`case.strength`): one shorter than
`MIN_LENGTH` characters is refused, a weak one is refused unless `--anyway` is given, with
zxcvbn's feedback in the same words the window shows.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence

from bundleguard.case.strength import MIN_LENGTH, Strength, judge_passphrase
from bundleguard.certs.load import check_passphrase
from bundleguard.errors import InputError, PassphraseError
from bundleguard.files import FileTooLargeError, NotAFileError, read_input_file

PASSPHRASE_ENV = "BUNDLEGUARD_PASSPHRASE"
NEW_PASSPHRASE_ENV = "BUNDLEGUARD_NEW_PASSPHRASE"
MAX_PASSPHRASE_FILE_BYTES = 64 * 1024
PASSPHRASE_FILE = "the passphrase file"
"""How messages name a passphrase file: never by its path (a passphrase may stand there)."""


class _RefuseValue(argparse.Action):
    """`--passphrase VALUE` is refused without echoing VALUE (shell history, ps)."""

    def __call__(self, parser, namespace, values, option_string=None):
        parser.error(
            f"{option_string} is not accepted: a passphrase on the command line leaks into "
            f"shell history. Use {option_string}-file FILE, the environment variable or the "
            "prompt."
        )


def add_passphrase_argument(parser: argparse.ArgumentParser, new: bool = False) -> None:
    """Add `--passphrase-file` (and `--new-passphrase-file` when `new`).

    Use it on a parser made with `allow_abbrev=False`, so that no prefix of
    `--passphrase-file` takes a passphrase typed on the command line for a file name.
    """
    parser.add_argument("--passphrase", action=_RefuseValue, help=argparse.SUPPRESS)
    parser.add_argument(
        "--passphrase-file",
        metavar="FILE",
        help=f"read the passphrase from the first line of FILE (or set {PASSPHRASE_ENV}; "
        "otherwise you are asked)",
    )
    if new:
        parser.add_argument("--new-passphrase", action=_RefuseValue, help=argparse.SUPPRESS)
        parser.add_argument(
            "--new-passphrase-file",
            metavar="FILE",
            help=f"read the new passphrase from the first line of FILE (or set "
            f"{NEW_PASSPHRASE_ENV}; otherwise you are asked twice)",
        )
        parser.add_argument(
            "--anyway",
            action="store_true",
            help="write under the new passphrase even though it is weak (never one shorter "
            f"than {MIN_LENGTH} characters)",
        )


def _read_file(path: str) -> bytes:
    # The file's name is not repeated: a passphrase typed in its place would be echoed.
    try:
        content = read_input_file(path, limit=MAX_PASSPHRASE_FILE_BYTES, name=PASSPHRASE_FILE)
    except NotAFileError as error:
        raise InputError(
            f"The passphrase file is {error.what}, not a file: it was not read."
        ) from None
    except FileTooLargeError:
        raise InputError(
            f"The passphrase file is larger than {MAX_PASSPHRASE_FILE_BYTES // 1024} KiB: "
            "it cannot be a passphrase file, and it was not read."
        ) from None
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 (Windows "Unicode")
        try:
            content = content.decode("utf-16").encode("utf-8")
        except UnicodeError:
            raise PassphraseError("The passphrase file is not readable UTF-16 text.") from None
    first_line = content.split(b"\n", 1)[0].rstrip(b"\r")
    return check_passphrase(first_line, "The passphrase in that file")


def _from_environment(name: str) -> bytes:
    # surrogateescape gives back the bytes the environment really holds; the check
    # then refuses what is not UTF-8 without quoting it.
    return check_passphrase(
        os.environ[name].encode("utf-8", "surrogateescape"), f"The passphrase in {name}"
    )


def _interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _prompt(text: str) -> bytes:
    try:
        return check_passphrase(getpass.getpass(text).encode("utf-8", "surrogateescape"))
    except EOFError:
        raise PassphraseError("No passphrase was entered.") from None


def get_passphrase(args: argparse.Namespace, what: str) -> bytes:
    """The passphrase for `what` (a file name): file, then environment, then prompt."""
    path = getattr(args, "passphrase_file", None)
    if path:
        return _read_file(path)
    if os.environ.get(PASSPHRASE_ENV) is not None:
        return _from_environment(PASSPHRASE_ENV)
    if not _interactive():
        raise PassphraseError(
            f"'{what}' needs a passphrase: use --passphrase-file FILE or set {PASSPHRASE_ENV}."
        )
    return _prompt(f"Passphrase for {what}: ")


WEAK_HINT = "Choose a stronger one, or give --anyway to write it all the same."


def _judged(args: argparse.Namespace, value: bytes, context: Sequence[str]) -> None:
    """Refuse a new passphrase too short, or weak without --anyway (the window's words);
    say so on stderr when a weak one is taken anyway."""
    if not value:
        raise PassphraseError(
            "The new passphrase must not be empty: the file would be unprotected."
        )
    judgement = judge_passphrase(value.decode("utf-8"), context)
    if judgement.strength is Strength.TOO_SHORT:
        raise PassphraseError(f"{judgement.refusal()} Nothing was written.")
    if judgement.weak:
        if not getattr(args, "anyway", False):
            raise PassphraseError(f"{judgement.refusal()} {WEAK_HINT}")
        print(
            f"bundleguard: the new passphrase is {judgement.words}; written anyway (--anyway).",
            file=sys.stderr,
        )


def get_new_passphrase(args: argparse.Namespace, context: Sequence[str] = ()) -> bytes:
    """The new passphrase for `rewrap`: file, environment, or a prompt asked twice; judged
    (`case.strength`, the words of `context` counted as guessable) before it is returned.
    Asked at the prompt, it is judged before it is asked again."""
    path = getattr(args, "new_passphrase_file", None)
    if path:
        value = _read_file(path)
    elif os.environ.get(NEW_PASSPHRASE_ENV) is not None:
        value = _from_environment(NEW_PASSPHRASE_ENV)
    elif _interactive():
        value = _prompt("New passphrase: ")
        _judged(args, value, context)
        if _prompt("New passphrase again: ") != value:
            raise PassphraseError("The two new passphrases differ; nothing was written.")
        return value
    else:
        raise PassphraseError(
            f"A new passphrase is needed: use --new-passphrase-file FILE or set "
            f"{NEW_PASSPHRASE_ENV}."
        )
    _judged(args, value, context)
    return value
