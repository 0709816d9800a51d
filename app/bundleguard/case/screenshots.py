"""Save an appliance's screenshot into the case's folder: redact, then encode, then write.

The one action both shells call to keep a screenshot (the window's Screenshot page calls it
in its worker; the command line names screenshot files and saves none). It is Qt-free and
works on Pillow pixels or on the image's bytes:

1. the picture's size is checked against `bundleguard.imagelimits` (from the header, before
   a pixel is decoded, when bytes are given);
2. the redaction boxes are burned into the pixels (`capture.image.redact`: the pixels
   themselves are replaced, there is no layer to peel off);
3. the pixels alone are encoded as PNG (`capture.image.encode_png`: no text, EXIF, ICC);
4. a screenshot already at the appliance's name is, when asked (`keep_replaced`), first
   copied aside into the case's folder (`replaced/`), never deleted, so that replacing it
   can be undone (`restore_screenshot`);
5. the PNG is written with the careful writer, never through a link out of the case's
   folder (`store.write_case_file`).

Nothing is written when a step fails: a picture too large, a flat colour (when refused),
a folder that leads out of the case's.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bundleguard.capture.models import CaptureError, Rect
from bundleguard.files import TargetExistsError

if TYPE_CHECKING:
    from PIL import Image

REPLACED_FOLDER = "replaced"
"""The subfolder of the case's folder where a replaced screenshot is kept aside."""

FLAT_COLOUR = (
    "That picture is a single flat colour, so it shows nothing of the appliance's page: "
    "it was not used."
)


def screenshot_file_name(hostname: str) -> str:
    """The name of an appliance's screenshot in the case folder (the bundle's own member name)."""
    safe = re.sub(r"[^A-Za-z0-9.-]", "_", hostname).strip(".") or "appliance"
    return f"status-basics-{safe}.png"


@dataclass(frozen=True, eq=False)
class SavedScreenshot:
    """A screenshot saved for `hostname`.

    - `path`: the PNG written (redacted pixels only), `<case folder>/status-basics-HOST.png`.
    - `kept`: the file that was at `path` before this save, copied aside (byte for byte)
      into `<case folder>/replaced/`; None when nothing was there, or when the save only
      burned new boxes into the same picture (`keep_replaced=False`).
    - `image`: the unredacted pixels that were saved (the window keeps them to redraw boxes).
    - `size`: the picture's width and height in pixels.

    To undo the replacement, call `restore_screenshot(saved)`: once the guard finds a
    picture in `kept`, it writes it back at `path` (atomically, through the same careful
    writer) and returns `path`; when `kept` is
    None, there is no earlier file to put back, and undoing means giving the appliance the
    screenshot the case named before (the case's own undo: its earlier `ApplianceEntry`).
    The kept copy stays in `replaced/` after a restore (it is never deleted by the app).
    """

    hostname: str
    path: Path
    kept: Path | None
    image: Image.Image
    size: tuple[int, int]


def decoded(image: Image.Image | bytes, name: str = "The image") -> Image.Image:
    """The picture as RGB pixels, its size checked (before decoding, for bytes)."""
    from bundleguard.capture.image import check_image_size, flatten, image_from_bytes

    if isinstance(image, bytes | bytearray | memoryview):
        return image_from_bytes(bytes(image), name)
    check_image_size(image.width, image.height, name)
    return image if image.mode == "RGB" else flatten(image)


def encoded(
    image: Image.Image | bytes, boxes: Sequence[Rect] = (), name: str = "The image"
) -> bytes:
    """PNG bytes of the picture with `boxes` burned in (the pixels alone); the size checked."""
    from bundleguard.capture.image import encode_png, redact

    return encode_png(redact(decoded(image, name), boxes))


def save_screenshot(
    folder: Path,
    hostname: str,
    image: Image.Image | bytes,
    boxes: Sequence[Rect] = (),
    *,
    keep_replaced: bool = True,
    refuse_blank: bool = False,
    name: str = "The image",
) -> SavedScreenshot:
    """Redact `image` with `boxes`, encode it as PNG and write it as `hostname`'s screenshot
    in the case's folder `folder`; see `SavedScreenshot` for what it returns and how to undo.

    `image` is Pillow pixels or an image file's bytes (decoded here, its size read first).
    `keep_replaced`: a screenshot already there is copied aside first (a new picture);
    False when the same picture is saved again with other boxes. `refuse_blank`: a picture
    of one flat colour is refused (a paste or a file: it shows nothing). Raises
    `CaptureError` (or the store's `InputError`) with the reason; nothing is written then.
    """
    from bundleguard.capture.image import is_blank
    from bundleguard.case.store import write_case_file

    pixels = decoded(image, name)
    if refuse_blank and is_blank(pixels):
        raise CaptureError(FLAT_COLOUR)
    data = encoded(pixels, boxes, name)
    folder = Path(folder)
    file_name = screenshot_file_name(hostname)
    kept = _keep_aside(folder, file_name) if keep_replaced else None
    try:
        path = write_case_file(folder, file_name, data, force=True)
    except OSError:
        raise CaptureError(
            "The case folder cannot be created; the screenshot was not saved."
        ) from None
    return SavedScreenshot(hostname, path, kept, pixels, pixels.size)


def _keep_aside(folder: Path, file_name: str) -> Path | None:
    """A copy of the screenshot now at `folder/file_name` in `folder/replaced/`, under the
    next free `NAME.replaced-N.png`; None when there is none (or it is no regular file:
    a link is never followed, and the careful writer refuses to write through it)."""
    from bundleguard.case.store import write_case_file
    from bundleguard.errors import InputError
    from bundleguard.files import read_input_file

    current = folder / file_name
    if os.path.islink(current) or not current.is_file():
        return None
    try:
        data = read_input_file(current)
    except (InputError, OSError):
        return None  # unreadable: there is nothing to keep
    aside = folder / REPLACED_FOLDER
    stem, suffix = os.path.splitext(file_name)
    number = 1
    while True:
        try:
            return write_case_file(aside, f"{stem}.replaced-{number}{suffix}", data)
        except TargetExistsError:
            number += 1
        except OSError:
            raise CaptureError(
                "The screenshot it replaces cannot be kept aside in the case folder; "
                "nothing was replaced."
            ) from None


def restore_screenshot(saved: SavedScreenshot) -> Path | None:
    """Undo `saved`: put the screenshot it replaced back at `saved.path` (atomically, never
    through a link out of the case's folder) and return that path; None, and nothing
    written, when it replaced no file (see `SavedScreenshot`)."""
    from bundleguard.case.store import write_case_file

    if saved.kept is None:
        return None
    data = _picture_kept(saved.kept)
    return write_case_file(saved.path.parent, saved.path.name, data, force=True)


def _picture_kept(kept: Path) -> bytes:
    """The bytes of the screenshot kept aside at `kept`, once the guard finds a picture in
    them (anything else, a file swapped in meanwhile or key material, raises `CaptureError`
    with the reason)."""
    from bundleguard.files import read_input_file
    from bundleguard.guard.scan import classify_bytes

    data = read_input_file(kept)
    report = classify_bytes(data, kept.name)
    if report.verdict.value != "image":
        reasons = " ".join(report.reasons) or "it is not a picture"
        raise CaptureError(f"The earlier screenshot cannot be put back: {reasons}")
    return data


def put_back_screenshot(path: Path, kept: Path) -> Path | None:
    """Undo (or redo) a replaced screenshot so that it can be done again: the screenshot
    now at `path` is kept aside first, then the one kept aside at `kept` is written back
    at `path`. Returns where the one taken away was kept (None: there was none), so putting
    that back reverses this. Only a picture goes back: the guard judges the kept file's
    bytes, and anything else (a file swapped in meanwhile, key material) is refused with
    the reason; nothing changes then."""
    from bundleguard.case.store import write_case_file

    path, kept = Path(path), Path(kept)
    data = _picture_kept(kept)
    now = _keep_aside(path.parent, path.name)
    write_case_file(path.parent, path.name, data, force=True)
    return now


__all__ = [
    "FLAT_COLOUR",
    "REPLACED_FOLDER",
    "SavedScreenshot",
    "encoded",
    "put_back_screenshot",
    "restore_screenshot",
    "save_screenshot",
    "screenshot_file_name",
]
