"""Read and write files the careful way.

Reading: `read_input_file` is the one reader of every input a user names (certificates,
screenshots, PKCS#12 files, passphrase files, expected chains): only a regular file is
opened for reading (a pipe or `/dev/zero` would block or never end), and never more than
its limit is read.

Writing: a temporary file in the target folder, flushed and synced, then given its final
name, never replacing an existing file unless asked.

Any failure removes the temporary file; nothing half-written is ever left under a final
name. A process killed mid-write can leave a `.bundleguard-*.part` file, never the final
name. Used for bundles, email drafts, extracted certificates and re-wrapped PKCS#12 files.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

from bundleguard.errors import BundleGuardError, InputError

TEMP_PREFIX = ".bundleguard-"
TEMP_SUFFIX = ".part"


MAX_INPUT_BYTES = 64 << 20
"""No certificate, chain, screenshot or PKCS#12 comes near this size."""


class NotAFileError(InputError):
    """The path names a folder, pipe, device or socket: it was not read."""

    def __init__(self, path: Path, what: str) -> None:
        self.path = path
        self.what = what
        super().__init__(f"'{path}' is {what}, not a file: it was not read.")


class FileTooLargeError(InputError):
    """The file is far larger than anything of its kind: it was not read."""

    def __init__(self, path: Path, size: int, limit: int) -> None:
        self.path = path
        self.size = size
        self.limit = limit
        super().__init__(
            f"'{path}' is {size / 1e6:.0f} MB, far larger than any certificate, key or "
            "screenshot: it was not read."
        )


def _kind_of(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device"


def read_input_file(
    path: str | os.PathLike[str], *, limit: int = MAX_INPUT_BYTES, name: str | None = None
) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them.

    Raises `NotAFileError` (folder, pipe, device), `FileTooLargeError`, or `InputError`
    when it cannot be read. `name` replaces the path in messages (a passphrase file's
    name is never repeated, in case a passphrase was typed in its place).
    """
    shown_as = Path(name if name is not None else path)
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise NotAFileError(shown_as, _kind_of(info.st_mode))
        if info.st_size > limit:
            raise FileTooLargeError(shown_as, info.st_size, limit)
        # O_NONBLOCK: should the path be swapped for a pipe after the check, opening it
        # does not wait for a writer; fstat then sees what was really opened.
        flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(path, flags)
        with os.fdopen(fd, "rb") as handle:
            opened = os.fstat(handle.fileno())
            if not stat.S_ISREG(opened.st_mode):
                raise NotAFileError(shown_as, _kind_of(opened.st_mode))
            # A buffer of the file's size, not the limit's (64 MB for every small file).
            want = min(limit, opened.st_size) + 1
            data = handle.read(want)
            if len(data) == want and want <= limit:  # it grew since: read on, to the limit
                data += handle.read(limit + 1 - want)
    except OSError as error:
        raise InputError(f"Cannot read '{shown_as}': {why_reading(error)}.") from None
    if len(data) > limit:
        raise FileTooLargeError(shown_as, len(data), limit)
    return data


def why_reading(error: OSError) -> str:
    """An OS error met while reading, in a user's words."""
    if error.errno == errno.ENOENT:
        return "there is no such file"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "you may not read it"
    return error.strerror or type(error).__name__


class TargetExistsError(InputError):
    """The final file (or files) already exist and replacing them was not asked for.

    `.path` is the first, `.paths` all of them; each shell says how to replace them.
    """

    def __init__(self, path: Path, *others: Path) -> None:
        self.paths = (Path(path), *(Path(p) for p in others))
        self.path = self.paths[0]
        listed = ", ".join(f"'{p}'" for p in self.paths)
        verb = "already exists" if len(self.paths) == 1 else "already exist"
        super().__init__(f"{listed} {verb}: nothing was replaced.")


class WriteFailedError(BundleGuardError):
    """The file could not be written (full disk, read-only folder...); nothing was left."""


def open_temp(directory: Path, stem: str) -> BinaryIO:
    """A new, empty temporary file in `directory` (same file system as the final name)."""
    import tempfile  # here: most starts (the window's, `--version`) write nothing

    return tempfile.NamedTemporaryFile(
        dir=directory, prefix=f"{TEMP_PREFIX}{stem}.", suffix=TEMP_SUFFIX, delete=False
    )


def fsync_folder(directory: Path) -> None:
    """Make a rename itself durable (POSIX); Windows has no folder handles for this."""
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def why(error: OSError) -> str:
    """An OS error in a user's words."""
    if error.errno == errno.ENOSPC:
        return "the disk is full"
    if error.errno == errno.ENOENT:
        return "the folder does not exist"
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "the folder is read-only or you may not write there"
    return error.strerror or type(error).__name__


def publish(temp: Path, final: Path, force: bool) -> None:
    """Give `temp` its final name; never replace an existing file (or link) unless `force`."""
    if force:
        os.replace(temp, final)
        return
    try:
        os.link(temp, final)  # fails if `final` exists: no window for a race
    except FileExistsError:
        raise TargetExistsError(final) from None
    except OSError:
        # File systems without hard links (FAT, some network shares): check, then rename.
        if final.exists() or final.is_symlink():
            raise TargetExistsError(final) from None
        os.replace(temp, final)
        return
    temp.unlink()


def write_file_atomic(path: Path, data: bytes, *, force: bool = False) -> Path:
    """Write `data` under `path` through a synced temporary file, atomically."""
    if (path.exists() or path.is_symlink()) and not force:
        raise TargetExistsError(path)
    handle = None
    try:
        handle = open_temp(path.parent, path.stem)
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        publish(Path(handle.name), path, force)
    except OSError as error:
        raise WriteFailedError(f"Cannot write '{path}': {why(error)}.") from None
    finally:
        if handle is not None:
            Path(handle.name).unlink(missing_ok=True)
    fsync_folder(path.parent)
    return path
