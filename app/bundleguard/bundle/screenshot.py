"""The screenshot of a bundle: its pixels alone, re-encoded as an optimised PNG.

A new image is built from the decoded pixels (EXIF rotation applied), so no metadata
(EXIF, text chunks, ICC profiles, comments, thumbnails) can follow it into the bundle.
"""

from __future__ import annotations

import io
import warnings as py_warnings

from PIL import Image, ImageOps

from bundleguard.errors import InputError

_EXIF_ORIENTATION = 0x0112


class ScreenshotDecodeError(InputError):
    """The screenshot's bytes do not decode as an image."""

    def __init__(self) -> None:
        super().__init__("The screenshot cannot be decoded as an image.")


def _lossless_palette(image: Image.Image) -> Image.Image:
    """The image in palette mode when it has at most 256 colours and that loses nothing.

    Admin pages are mostly flat colours: a palette makes the PNG two to three times
    smaller. The result is compared pixel for pixel; any difference keeps the original.
    """
    if image.mode != "RGB" or image.getcolors(256) is None:
        return image
    paletted = image.quantize(colors=256, method=Image.Quantize.MAXCOVERAGE, dither=0)
    if paletted.convert("RGB").tobytes() != image.tobytes():
        return image
    return paletted


def reencode_png(data: bytes) -> bytes:
    """The image's pixels alone (EXIF rotation applied) as an optimised PNG.

    Raises `ScreenshotDecodeError` when the bytes are no image Pillow decodes (or one
    so large it would be a decompression bomb).
    """
    try:
        with py_warnings.catch_warnings():
            py_warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                rotated = image.getexif().get(_EXIF_ORIENTATION, 1) not in (None, 1)
                upright = ImageOps.exif_transpose(image) if rotated else image
                has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
                pixels = upright.convert("RGBA" if has_alpha else "RGB")
        clean = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
        out = io.BytesIO()
        _lossless_palette(clean).save(out, "PNG", optimize=True)
    except (OSError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ScreenshotDecodeError() from None
    return out.getvalue()
