"""The screenshot of a bundle: its pixels alone, re-encoded as an optimised PNG.

A new image is built from the decoded pixels (EXIF rotation applied), so no metadata
(EXIF, text chunks, ICC profiles, comments, thumbnails) can follow it into the bundle.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from bundleguard.errors import InputError
from bundleguard.imagelimits import image_size_problem, too_large_unmeasured

if TYPE_CHECKING:
    from PIL import Image

_EXIF_ORIENTATION = 0x0112
_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "WEBP", "TIFF")
"""What a screenshot comes in; Pillow's other formats (EPS starts Ghostscript) are not tried."""


class ScreenshotDecodeError(InputError):
    """The screenshot's bytes do not decode as an image."""

    def __init__(self) -> None:
        super().__init__("The screenshot cannot be decoded as an image.")


class ScreenshotTooLargeError(InputError):
    """The screenshot's header gives a size no screenshot has (a decompression bomb)."""


def _lossless_palette(image: Image.Image) -> Image.Image:
    """The image in palette mode when it has at most 256 colours and that loses nothing.

    Admin pages are mostly flat colours: a palette makes the PNG two to three times
    smaller. The result is compared pixel for pixel; any difference keeps the original.
    """
    from PIL import Image

    if image.mode != "RGB" or image.getcolors(256) is None:
        return image
    paletted = image.quantize(colors=256, method=Image.Quantize.MAXCOVERAGE, dither=0)
    if paletted.convert("RGB").tobytes() != image.tobytes():
        return image
    return paletted


def reencode_png(data: bytes) -> bytes:
    """The image's pixels alone (EXIF rotation applied) as an optimised PNG.

    The size is read from the header before any pixel is decoded: past the limits of
    `bundleguard.imagelimits` it raises `ScreenshotTooLargeError`. Raises
    `ScreenshotDecodeError` when the bytes are no image Pillow decodes. Pillow is imported
    here, not with the module: the window's first paint does not wait for it.
    """
    from PIL import Image, ImageOps

    try:
        image = Image.open(io.BytesIO(data), formats=_FORMATS)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ScreenshotTooLargeError(too_large_unmeasured("The screenshot")) from None
    except (OSError, ValueError, SyntaxError):
        raise ScreenshotDecodeError() from None
    try:
        with image:
            problem = image_size_problem(*image.size, "The screenshot")
            if problem:
                raise ScreenshotTooLargeError(problem)
            image.load()
            rotated = image.getexif().get(_EXIF_ORIENTATION, 1) not in (None, 1)
            upright = ImageOps.exif_transpose(image) if rotated else image
            has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
            pixels = upright.convert("RGBA" if has_alpha else "RGB")
        clean = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
        out = io.BytesIO()
        _lossless_palette(clean).save(out, "PNG", optimize=True)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ScreenshotDecodeError() from None
    return out.getvalue()
