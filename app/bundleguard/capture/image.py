"""Pure Pillow work on captured pixels: read a user's image, crop, redact, write PNG.

Pillow is imported inside each function, so importing this module costs nothing at
start-up.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bundleguard.capture.models import CaptureError, Monitor, Rect
from bundleguard.imagelimits import image_size_problem, too_large_unmeasured

if TYPE_CHECKING:
    from PIL import Image

READABLE_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "WEBP", "TIFF")
"""The formats a screenshot comes in. Pillow knows others (EPS would start Ghostscript on
the user's file): an image from outside is opened as one of these or not at all."""

BLANK_TOLERANCE = 3
"""Channel values within this of each other count as one colour (JPEG-like noise)."""


def image_from_bytes(data: bytes, name: str = "the image") -> Image.Image:
    """Decode an image a user pasted, dropped or opened; RGB, fully loaded.

    The size is read from the header first: a picture larger than `bundleguard.imagelimits`
    allows is refused before any pixel is decoded. Raises `CaptureError` when the bytes are
    no image Pillow reads, or one too large for a screenshot.
    """
    from PIL import Image, UnidentifiedImageError

    label = f"The {name[4:]}" if name.startswith("the ") else name  # starts a sentence
    try:
        opened = Image.open(io.BytesIO(data), formats=READABLE_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own check (at twice its 89.5 MP warning) fired before ours could.
        raise CaptureError(too_large_unmeasured(label)) from None
    except UnidentifiedImageError:
        raise CaptureError(f"{name} is not an image that can be read.") from None
    except (OSError, ValueError, SyntaxError):
        raise CaptureError(f"{name} is a damaged image and cannot be read.") from None
    try:
        with opened:
            problem = image_size_problem(*opened.size, label)
            if problem:
                raise CaptureError(problem)
            opened.load()
            if image_size_problem(*opened.size):  # a plugin that grew it while decoding
                raise CaptureError(too_large_unmeasured(label))
            return flatten(opened)
    except CaptureError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise CaptureError(f"{name} is a damaged image and cannot be read.") from None


def check_image_size(width: int, height: int, name: str = "The image") -> None:
    """Raise `CaptureError` when a picture of this size is too large for a screenshot."""
    problem = image_size_problem(width, height, name)
    if problem:
        raise CaptureError(problem)


def flatten(image: Image.Image) -> Image.Image:
    """An RGB copy; transparent parts laid on white, as a viewer shows them."""
    from PIL import Image

    if image.mode == "RGB":
        return image.copy()
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        base = Image.new("RGB", rgba.size, (255, 255, 255))
        base.paste(rgba, mask=rgba.getchannel("A"))
        return base
    return image.convert("RGB")


def is_blank(image: Image.Image) -> bool:
    """True when every pixel is (nearly) one colour: all black, all grey, a flat wallpaper.

    A screen capture that was not allowed (macOS without the screen-recording permission,
    a locked or absent display) comes back like this; a real screen never does.
    """
    extrema = image.convert("RGB").getextrema()
    return all(high - low <= BLANK_TOLERANCE for low, high in extrema)


def crop_region(image: Image.Image, monitor: Monitor, region: Rect) -> Image.Image:
    """The part of `monitor`'s image under `region`, given in global logical coordinates.

    The image holds the monitor in physical pixels; the scale is measured from the image
    itself (its width over the monitor's logical width), so a 2x screen gives a 2x crop
    whatever the platform reported. Raises `CaptureError` when the region is off the screen.
    """
    inside = region.intersected(monitor.logical)
    if inside.empty:
        raise CaptureError("The chosen area is not on this screen.")
    scale_x = image.width / monitor.logical.width
    scale_y = image.height / monitor.logical.height
    left = round((inside.x - monitor.logical.x) * scale_x)
    top = round((inside.y - monitor.logical.y) * scale_y)
    right = round((inside.right - monitor.logical.x) * scale_x)
    bottom = round((inside.bottom - monitor.logical.y) * scale_y)
    right, bottom = min(right, image.width), min(bottom, image.height)
    if right <= left or bottom <= top:
        raise CaptureError("The chosen area is too small to hold anything.")
    return image.crop((left, top, right, bottom))


def monitor_from_desktop(
    desktop: Image.Image, monitor: Monitor, desktop_logical: Rect
) -> Image.Image:
    """Cut one monitor out of a picture of the whole desktop (what the Wayland portal gives).

    `desktop_logical` is the union of every screen in logical coordinates; the picture's
    scale is its width over that union's width.
    """
    ratio = desktop.width / desktop_logical.width
    box = (
        round((monitor.logical.x - desktop_logical.x) * ratio),
        round((monitor.logical.y - desktop_logical.y) * ratio),
        round((monitor.logical.right - desktop_logical.x) * ratio),
        round((monitor.logical.bottom - desktop_logical.y) * ratio),
    )
    return desktop.crop(box)


def redact(image: Image.Image, boxes: Sequence[Rect]) -> Image.Image:
    """A copy of `image` with every box (in the image's pixels) filled with solid black.

    The pixels themselves are replaced: there is no layer to peel off afterwards.
    """
    from PIL import ImageDraw

    burned = flatten(image)
    bounds = Rect(0, 0, burned.width, burned.height)
    draw = ImageDraw.Draw(burned)
    for box in boxes:
        inside = box.intersected(bounds)
        if not inside.empty:
            draw.rectangle((inside.x, inside.y, inside.right - 1, inside.bottom - 1), fill=0)
    return burned


def encode_png(image: Image.Image) -> bytes:
    """PNG bytes of the pixels alone: no text chunks, no EXIF, no ICC profile, no time.

    The pixels are copied into a fresh image so that nothing of the source's `info` (a
    comment, a camera's EXIF, a file name) can ride along.
    """
    from PIL import Image

    flat = flatten(image)
    clean = Image.frombytes("RGB", flat.size, flat.tobytes())
    out = io.BytesIO()
    clean.save(out, format="PNG", optimize=True)
    return out.getvalue()
