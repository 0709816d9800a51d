"""Write files the careful way: a temporary file in the target folder, flushed and
synced, then given its final name, never replacing an existing file unless asked.

Any failure removes the temporary file; nothing half-written is ever left under a final
name. A process killed mid-write can leave a `.bundleguard-*.part` file, never the final
name. Used for bundles, email drafts, extracted certificates and re-wrapped PKCS#12 files.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from bundleguard.errors import BundleGuardError, InputError

TEMP_PREFIX = ".bundleguard-"
TEMP_SUFFIX = ".part"


class TargetExistsError(InputError):
    """The final file already exists and replacing it was not asked for."""


class WriteFailedError(BundleGuardError):
    """The file could not be written (full disk, read-only folder...); nothing was left."""


def open_temp(directory: Path, stem: str) -> BinaryIO:
    """A new, empty temporary file in `directory` (same file system as the final name)."""
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
        raise TargetExistsError(f"'{final}' already exists; use --force to replace it.") from None
    except OSError:
        # File systems without hard links (FAT, some network shares): check, then rename.
        if final.exists() or final.is_symlink():
            raise TargetExistsError(
                f"'{final}' already exists; use --force to replace it."
            ) from None
        os.replace(temp, final)
        return
    temp.unlink()


def write_file_atomic(path: Path, data: bytes, *, force: bool = False) -> Path:
    """Write `data` under `path` through a synced temporary file, atomically."""
    if (path.exists() or path.is_symlink()) and not force:
        raise TargetExistsError(f"'{path}' already exists; use --force to replace it.")
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
