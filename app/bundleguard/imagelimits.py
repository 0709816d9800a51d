"""The one size limit on images from outside (pasted, dropped, opened, in a case, bundled).

An image's size is read from its header and checked here before its pixels are decoded:
a PNG of a few hundred kilobytes can decode to billions of bytes. No Pillow and no Qt
here, so every layer that decodes an image (capture, bundle, the window) asks the same
question and gives the same answer.

Why these numbers: a Status > Basics screenshot is a few megapixels (a 4K screen is
3840×2160, 8.3 MP); two 8K screens side by side are 15360×4320 (66 MP), and a picture of
the whole desktop of such a workstation still fits. 16384 pixels a side is also what many
graphics stacks take as their largest texture. 80 megapixels keeps the decoded picture
under 240 MB in RGB, and under Pillow's own decompression-bomb warning (89.5 MP), so
every decoder of the app refuses the same pictures.
"""

from __future__ import annotations

MAX_IMAGE_SIDE = 16_384
"""The widest or tallest image accepted, in pixels."""

MAX_IMAGE_PIXELS = 80_000_000
"""The most pixels an image may have in all (width × height)."""


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.0f} megapixels" if pixels >= 1_000_000 else f"{pixels} pixels"


LIMIT_WORDS = (
    f"a screenshot may be at most {MAX_IMAGE_SIDE} pixels wide or tall and "
    f"{_megapixels(MAX_IMAGE_PIXELS)} in all"
)


def image_size_problem(width: int, height: int, name: str = "The image") -> str | None:
    """Why an image of `width` × `height` pixels is refused, in plain words; None if it fits."""
    if width <= 0 or height <= 0:
        return f"{name} has no pixels ({width}×{height})."
    if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS:
        return (
            f"{name} is {width}×{height} pixels ({_megapixels(width * height)}), too large "
            f"for a screenshot: {LIMIT_WORDS}. Take the screenshot again, or crop it."
        )
    return None


def too_large_unmeasured(name: str = "The image") -> str:
    """The refusal for an image whose header already says it is far too large to open."""
    return (
        f"{name} is too large for a screenshot: {LIMIT_WORDS}. Take the screenshot again, "
        "or crop it."
    )


__all__ = [
    "LIMIT_WORDS",
    "MAX_IMAGE_PIXELS",
    "MAX_IMAGE_SIDE",
    "image_size_problem",
    "too_large_unmeasured",
]
