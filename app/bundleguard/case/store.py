"""Where cases live: open and save `.bgcase` files, and the store of the user's cases.

`load_case` reads through the one careful reader; `save_case` writes atomically, and
leaves a file that already holds the same bytes as it is. The store keeps the case being
edited in the user data folder (so nothing is lost when the window closes), its working
files (extracted certificates, screenshots) in a folder per case, and the list of recently
opened case files. A case opened and saved again without a change is not rewritten. A file
that cannot be opened, for whatever reason, is never overwritten by the store: it is set
aside (left as it is, the new work gets a new name) and reported.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from bundleguard.case.model import (
    MAX_CASE_BYTES,
    SUFFIX,
    Case,
    CaseFileError,
    case_from_bytes,
    case_to_bytes,
)
from bundleguard.errors import InputError
from bundleguard.files import read_input_file, why_reading, write_file_atomic

APP_NAME = "bundleguard"
ENV_DATA_DIR = "BUNDLEGUARD_DATA_DIR"
MAX_RECENT = 10


def load_case(path: Path) -> Case:
    """The case in `path`; `CaseFileError` (or `InputError`) says why it cannot be opened."""
    return case_from_bytes(read_input_file(path, limit=MAX_CASE_BYTES), path)


def save_case(case: Case, path: Path, *, force: bool = True) -> Path:
    """Write `case` to `path` atomically (paths relative to its folder where they can be).

    `CaseFileError` (naming the field) for a case the reader would refuse: nothing is
    written then. A file that already holds these very bytes is not written again."""
    data = case_to_bytes(case, path)
    if force and _holds(path, data):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_file_atomic(path, data, force=force)


def _holds(path: Path, data: bytes) -> bool:
    try:
        return read_input_file(path, limit=len(data)) == data
    except (InputError, ValueError):
        return False


def data_dir() -> Path:
    """The user data folder (platformdirs), or `$BUNDLEGUARD_DATA_DIR` when set (tests)."""
    override = os.environ.get(ENV_DATA_DIR)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    """The user log folder (platformdirs), below `$BUNDLEGUARD_DATA_DIR` when set (tests)."""
    override = os.environ.get(ENV_DATA_DIR)
    if override:
        return Path(override) / "logs"
    import platformdirs

    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class Opened:
    """A case the store opened, where it is saved, and a warning when it had to start anew."""

    case: Case
    path: Path
    warning: str | None = None


def case_files_folder(case_path: Path) -> Path:
    """Where the app writes the files of the case saved as `case_path` (not created here):
    `<name>/` beside `<name>.bgcase`."""
    folder = case_path.with_suffix("")
    if folder == case_path:
        folder = case_path.parent / (case_path.name + ".files")
    return folder


class CaseStore:
    """The user's cases in one folder: `cases/<id>.bgcase` and `cases/<id>/` for its files."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = data_dir() if root is None else root
        # Each case file's case as last read or written: saving it unchanged writes nothing.
        self._as_on_disk: dict[str, Case] = {}
        # The last case, when `open_last` could not open it (left as it is): the window
        # asks the user what to do with it.
        self.set_aside: Path | None = None

    @property
    def cases_dir(self) -> Path:
        return self.root / "cases"

    @property
    def _recent_file(self) -> Path:
        return self.root / "recent.json"

    def new_case_path(self) -> Path:
        # 48 random bits, as uuid4().hex[:12] gave (uuid imports `platform`: slow to start).
        return self.cases_dir / f"case-{os.urandom(6).hex()}{SUFFIX}"

    def files_dir(self, case_path: Path) -> Path:
        """The folder for the files the app writes for this case (created on demand)."""
        folder = case_files_folder(case_path)
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def open(self, path: Path) -> Opened:
        """Open `path`; if it cannot be opened, raise `CaseFileError` and leave it as it is."""
        case = load_case(path)
        self._as_on_disk[os.path.abspath(path)] = case
        self.remember(path)
        return Opened(case, path)

    def open_last(self) -> Opened:
        """The last case worked on, or a new empty one (with a warning if the last one
        cannot be opened, whatever the reason: it stays where it is, untouched, the new
        case gets a new name, and `set_aside` is its path). Never raises: a start does not
        die of a case file."""
        for path in self.recent():
            try:
                os.lstat(path)
            except (FileNotFoundError, NotADirectoryError):
                continue  # removed since: the one before it
            except (OSError, ValueError):
                pass  # opening it says why
            try:
                return self.open(path)
            except (InputError, OSError, ValueError, RuntimeError) as error:
                self.set_aside = Path(path)
                return Opened(Case(), self.new_case_path(), _set_aside(path, error))
        return Opened(Case(), self.new_case_path())

    def save(self, case: Case, path: Path) -> Path:
        """Save `case` to `path`; nothing is written when it is the case last read from or
        written to that file and the file is still there (opening and closing a case
        leaves it as it was, byte for byte and with its time)."""
        key = os.path.abspath(path)
        if self._as_on_disk.get(key) == case and os.path.lexists(path):
            self.remember(path)
            return path
        saved = save_case(case, path)
        self._as_on_disk[key] = case
        self.remember(path)
        return saved

    def recent(self) -> list[Path]:
        try:
            raw = json.loads(read_input_file(self._recent_file, limit=1 << 20).decode("utf-8"))
        except (InputError, ValueError, RecursionError):
            return []
        if not isinstance(raw, list):
            return []
        usable = [item for item in raw if isinstance(item, str) and item and "\x00" not in item]
        return [Path(item) for item in usable][:MAX_RECENT]

    def recent_cases(self) -> list[RecentCase]:
        """The recent case files with their sites and incidents (`read_recent_case`: a
        small read of each; call it off the window's thread)."""
        return [read_recent_case(path) for path in self.recent()]

    def remember(self, path: Path) -> None:
        known = [str(p) for p in self.recent()]
        entries = [os.path.realpath(path)]  # never raises (Path.resolve does, on a loop)
        entries += [p for p in known if p != entries[0]]
        if entries[:MAX_RECENT] == known:
            return  # already first (every start and save of the same case): no write, no fsync
        data = (json.dumps(entries[:MAX_RECENT], indent=2) + "\n").encode()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            write_file_atomic(self._recent_file, data, force=True)
        except (OSError, InputError):
            pass  # the recent list is a convenience: losing it loses no work


HEAD_BYTES = 8192
"""How much of a case file the recent-cases list reads: the app writes the site and the
incident near its start (after the format and version), well inside this."""


@dataclass(frozen=True)
class RecentCase:
    """A recent case file as the File menu names it: its site and incident, read from the
    file's head (`readable` False: it could not be read, or it is no case)."""

    path: Path
    site: str = ""
    incident: str = ""
    readable: bool = True


def _head_fields(text: str, wanted: tuple[str, ...]) -> dict[str, object]:
    """The top-level fields of a JSON object's beginning (`text` may stop anywhere), up to
    the last of `wanted`; a value cut by the end of `text` is left out."""
    decoder = json.JSONDecoder()
    found: dict[str, object] = {}
    at = len(text) - len(text.lstrip())
    if text[at : at + 1] != "{":
        raise ValueError("not an object")
    at += 1
    while not all(name in found for name in wanted):
        at = _skip_space(text, at)
        if text[at : at + 1] in ("}", ""):
            break
        try:
            key, at = decoder.raw_decode(text, at)
            at = _skip_space(text, at)
            if text[at : at + 1] != ":":
                break
            value, at = decoder.raw_decode(text, _skip_space(text, at + 1))
        except ValueError:
            break  # cut by the end of the head (or bad: opening the case says so)
        if isinstance(key, str) and key not in found:
            found[key] = value
        at = _skip_space(text, at)
        if text[at : at + 1] == ",":
            at += 1
    return found


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at


def _read_head(path: Path, size: int) -> bytes:
    """The first `size` bytes of the regular file at `path` (never waits on a pipe)."""
    import stat

    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_CASE_BYTES:
        raise ValueError("not a case file")
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise ValueError("not a case file")
        return handle.read(size)


def read_recent_case(path: Path) -> RecentCase:
    """`path`'s site and incident, from the first `HEAD_BYTES` of the file only (a recent
    case that is large, or on a slow disk, costs one small read). Only a case file of this
    format with text values there counts as readable; what else is wrong with it, opening
    it says."""
    from bundleguard.case.model import FORMAT, MAX_HOSTNAME, MAX_INCIDENT

    try:
        head = _read_head(path, HEAD_BYTES).decode("utf-8", "ignore")
        fields = _head_fields(head, ("format", "site", "incident"))
    except (OSError, ValueError, RecursionError):
        return RecentCase(path, readable=False)
    site, incident = fields.get("site", ""), fields.get("incident", "")
    if (
        fields.get("format") != FORMAT
        or not isinstance(site, str)
        or not isinstance(incident, str)
        or len(site) > MAX_HOSTNAME
        or len(incident) > MAX_INCIDENT
    ):
        return RecentCase(path, readable=False)
    return RecentCase(path, site, incident)


def _set_aside(path: Path, error: BaseException) -> str:
    """Why the last case could not be opened, and that it was left as it is."""
    if isinstance(error, InputError):
        why = str(error).rstrip(".")
    elif isinstance(error, OSError):
        why = f"'{path}' cannot be opened: {why_reading(error)}"
    else:
        why = f"'{path}' cannot be opened"
    return f"{why}. It was left as it is, and a new case was started."


__all__ = [
    "CaseFileError",
    "CaseStore",
    "Opened",
    "RecentCase",
    "data_dir",
    "load_case",
    "log_dir",
    "read_recent_case",
    "save_case",
]


class OutsideCaseFolderError(InputError):
    """A file the app writes for a case would land outside the case's folder."""


def _inside(path: str, folder: str) -> bool:
    path, folder = os.path.normcase(path), os.path.normcase(folder)
    return path == folder or path.startswith(os.path.join(folder, ""))


def write_case_file(folder: Path, name: str, data: bytes, *, force: bool = False) -> Path:
    """Write `data` as `folder/name`, one of the files the app keeps beside a case (a
    pasted certificate, an extracted one), never through a symbolic link that leads out
    of the case's folder (`folder`'s parent): the folder and the name are checked before
    the write and the file's place after it (a file found elsewhere then is removed)."""
    import contextlib

    from bundleguard.text import shown

    folder = Path(folder)
    if name in ("", ".", "..") or any(sep in name for sep in (os.sep, os.altsep) if sep):
        raise OutsideCaseFolderError(
            f"'{shown(name)}' is not a plain file name: nothing was written."
        )
    base = os.path.realpath(folder.parent)

    def check(place: Path, what: str) -> None:
        real = os.path.realpath(place)
        if not _inside(real, base):
            raise OutsideCaseFolderError(
                f"'{shown(str(place))}' is {what} that leads out of the case's folder (to "
                f"'{shown(real)}'): nothing was written there."
            )

    check(folder, "a link")
    target = folder / name
    if os.path.islink(target):
        check(target, "a link")
    folder.mkdir(parents=True, exist_ok=True)
    pinned = _pin_folder(folder)
    try:
        written = write_file_atomic(target, data, force=force)
        try:
            check(written, "a file")
            if pinned is not None and not os.path.samestat(os.fstat(pinned), os.stat(folder)):
                raise OutsideCaseFolderError(
                    f"'{shown(str(folder))}' was replaced while a file was written into it: "
                    "the file was removed."
                )
        except OutsideCaseFolderError:
            with contextlib.suppress(OSError):
                os.unlink(written)  # the folder was swapped for a link while it was written
            raise
    finally:
        if pinned is not None:
            os.close(pinned)
    return written


def _pin_folder(folder: Path) -> int | None:
    """POSIX: the case's folder held open, reached without following a link (O_NOFOLLOW),
    so the write can be checked to have landed in this very folder. Elsewhere (Windows)
    None: the resolved paths are compared instead."""
    nofollow = getattr(os, "O_NOFOLLOW", None)
    directory = getattr(os, "O_DIRECTORY", None)
    if os.name != "posix" or nofollow is None or directory is None:
        return None
    try:
        return os.open(os.path.realpath(folder), os.O_RDONLY | nofollow | directory)
    except OSError:
        from bundleguard.text import shown

        raise OutsideCaseFolderError(
            f"'{shown(str(folder))}' changed while it was being checked (it may have been "
            "replaced by a link): nothing was written there."
        ) from None
