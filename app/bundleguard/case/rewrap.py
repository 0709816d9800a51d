"""Re-wrap, the one action both shells call: a new PKCS#12 with the same certificate, key
and chain under a new passphrase, written next to the original, named so that no one takes
it for a certificate, never into a folder whose files travel to the vendor.

No Qt here. The action: `rewrap_export(source, target, current, new, *, legacy=False,
replace=False, forbidden=(), before_write=None, context=(), anyway=False) -> Rewrapped`
(raises `RewrapTargetError`, `TargetExistsError`, `WeakPassphraseError` for a new
passphrase too short, or weak without `anyway` (`case.strength` judges it, the words of
`context` counted as guessable), `PassphraseNeeded`/`WrongPassphrase` for the current
passphrase, or another `BundleGuardError`); `Rewrapped.words(escape)` is the sentence both
shells show.
The rules it applies, for the shells to ask ahead: `default_target(source)`,
`target_path(text, source)`, `target_problem(target, source, forbidden)` ("" when the
place is fine), `check_target(...)`, `forbidden_folders(case, files_folder)`,
`needs_current_passphrase(source)`. Passphrases are dropped as soon as the core has used
them and never appear in a message.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bundleguard.errors import InputError

if TYPE_CHECKING:
    from bundleguard.case.model import Case

SUFFIXES = (".p12", ".pfx")
NAME_TAIL = "-rewrapped-private-key"
MAX_STEM = 200  # file systems take 255 bytes a name: room for the tail, "-NN.p12", UTF-8


def default_target(source: Path) -> Path:
    """`<stem>-rewrapped-private-key.p12` next to `source`; -2, -3 ... when taken."""
    folder = source.parent
    # A name the file system cannot take (too long) is cut: the user may still change it.
    stem = source.stem[: MAX_STEM - len(NAME_TAIL)]
    candidate = folder / f"{stem}{NAME_TAIL}.p12"
    number = 2
    while _taken(candidate):
        candidate = folder / f"{stem}{NAME_TAIL}-{number}.p12"
        number += 1
    return candidate


def _taken(path: Path) -> bool:
    try:
        return path.exists() or path.is_symlink()
    except (OSError, ValueError):  # a name too long for the file system: say it is free
        return False


def target_path(text: str, source: Path) -> Path | None:
    """What the user typed as a path; a relative one is taken next to the original."""
    text = text.strip()
    if not text:
        return None
    path = Path(text)
    with contextlib.suppress(RuntimeError):  # "~someone" not a user here: taken as typed
        path = path.expanduser()
    return path if path.is_absolute() else source.parent / path


def _inside(path: Path, folder: Path) -> bool:
    """`path` is in `folder` or below it (links followed; case-blind file systems too)."""
    try:
        resolved = path.resolve()
        if resolved.is_relative_to(folder.resolve()):
            return True
        if not folder.is_dir():
            return False
        return any(
            parent.is_dir() and os.path.samefile(parent, folder) for parent in resolved.parents
        )
    except (OSError, RuntimeError, ValueError):
        return False


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return a.resolve() == b.resolve()
    except (OSError, RuntimeError, ValueError):
        return False


def target_problem(target: Path | None, source: Path, forbidden: Sequence[Path]) -> str:
    """Why the re-wrapped file may not be written at `target` ("" when it may)."""
    if target is None:
        return "Choose where to save the re-wrapped file."
    if target.suffix.lower() not in SUFFIXES:
        return (
            "The name must end in .p12 or .pfx: the file holds the private key, and a "
            ".crt or .pem name would make it look like a certificate."
        )
    if any(_inside(target, Path(folder)) for folder in forbidden):
        return (
            "Save it somewhere else: not into the bundle folder — bundles must never "
            "carry a private key."
        )
    if _same_file(target, source):
        return "That is the original: choose another name (the original stays as it is)."
    try:
        if target.exists() and not target.is_file():
            return "That is a folder: choose a file name."
    except (OSError, ValueError):
        return "That name cannot be used here (too long, or characters this system refuses)."
    return ""


class RewrapTargetError(InputError):
    """The re-wrapped file may not be written where asked; the message says why."""


@dataclass(frozen=True)
class Rewrapped:
    """What `rewrap_export` wrote (never a passphrase)."""

    path: Path
    source: Path
    legacy: bool

    @property
    def encryption(self) -> str:
        return "legacy 3DES (PBE-SHA1)" if self.legacy else "AES-256-CBC with PBKDF2-HMAC-SHA256"

    def words(self, escape: Callable[[str], str]) -> str:
        """The sentence both shells show, the path passed through the shell's `escape`
        (`text.shown` in a terminal, `text.visible` in the window)."""
        return WRITTEN.format(path=escape(str(self.path)), encryption=self.encryption)


WRITTEN = (
    "Written: {path} — import this file on the other appliances. It holds the private key: "
    "keep it on your private network. Never send it to support. Encrypted with {encryption}."
)


def forbidden_folders(case: Case | None, files_folder: Path | None = None) -> tuple[Path, ...]:
    """The folders a re-wrapped file may never go into: where the case's bundles are
    written, and the folder of the case's own files (both travel to the vendor)."""
    folders: list[Path] = []
    if case is not None and case.output.strip():
        with contextlib.suppress(RuntimeError):  # "~someone" not a user here: as typed
            folders.append(Path(case.output.strip()).expanduser())
    if files_folder is not None:
        folders.append(Path(files_folder))
    return tuple(folders)


def check_target(
    target: Path | None, source: Path, forbidden: Sequence[Path], *, replace: bool = False
) -> Path:
    """`target`, once it is a place the re-wrapped file may go; raises `RewrapTargetError`
    (why not) or `TargetExistsError` (a file is there and replacing it was not asked)."""
    from bundleguard.files import TargetExistsError

    problem = target_problem(target, source, forbidden)
    if problem or target is None:
        raise RewrapTargetError(problem or "Choose where to save the re-wrapped file.")
    if not replace and _taken(target):
        raise TargetExistsError(target)
    return target


def needs_current_passphrase(source: Path) -> bool:
    """Whether the original opens only with a passphrase (so it must be asked for)."""
    from bundleguard.certs.load import PassphraseNeeded, open_pkcs12
    from bundleguard.files import read_input_file

    try:
        opened = open_pkcs12(read_input_file(source), source.name, None)
    except PassphraseNeeded:
        return True
    del opened
    return False


def rewrap_export(
    source: Path,
    target: Path | None,
    current: bytes | None,
    new: bytes,
    *,
    legacy: bool = False,
    replace: bool = False,
    forbidden: Sequence[Path] = (),
    before_write: Callable[[], object] | None = None,
    context: Sequence[str] = (),
    anyway: bool = False,
) -> Rewrapped:
    """Re-wrap `source` under `new` and write it as `target` (None: `default_target`),
    atomically; the original stays as it is. The new passphrase is judged first (a weak
    one is written only with `anyway`, a too short one never), then the place is checked
    before anything is read and again as the file is written. `before_write()` is called
    once the new file is made: raising there (the user cancelled) writes nothing."""
    from bundleguard.case.strength import check_new_passphrase
    from bundleguard.certs.pkcs12 import rewrap_pkcs12
    from bundleguard.files import read_input_file, write_file_atomic

    source = Path(source)
    target = default_target(source) if target is None else Path(target)
    try:
        check_new_passphrase(new, context, anyway=anyway)
        check_target(target, source, forbidden, replace=replace)
        data = read_input_file(source)
        wrapped = rewrap_pkcs12(data, current, new, legacy=legacy, name=source.name)
    finally:
        del current, new
    if before_write is not None:
        before_write()
    check_target(target, source, forbidden, replace=replace)  # the disk may have changed
    written = write_file_atomic(target, wrapped, force=replace)
    return Rewrapped(written, source, legacy)
