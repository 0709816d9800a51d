"""Where a re-wrapped PKCS#12 may be written: next to the original, named so that no one
takes it for a certificate, never into a folder whose files travel to the vendor.

No Qt here. `default_target(source)`, `target_path(text, source)`,
`target_problem(target, source, forbidden)` ("" when the place is fine).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path

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
