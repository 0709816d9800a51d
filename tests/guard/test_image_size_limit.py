"""The guard accepts as an image only what the window and the bundle can use: one size
limit (`bundleguard.imagelimits`), read from the header before any pixel is inflated."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bundleguard.guard import classify_bytes
from bundleguard.imagelimits import MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    "size",
    [(MAX_IMAGE_SIDE + 1, 64), (64, MAX_IMAGE_SIDE + 1), (9_000, 9_000)],
    ids=["too wide", "too tall", "81 megapixels"],
)
def test_a_png_past_the_screenshot_limit_is_refused_with_the_limit(size) -> None:
    assert size[0] * size[1] > MAX_IMAGE_PIXELS or max(size) > MAX_IMAGE_SIDE

    report = classify_bytes(png(*size), "huge.png")

    assert report.verdict.value == "refused"
    reason = " ".join(report.reasons)
    assert f"{size[0]}×{size[1]} pixels" in reason and "too large for a screenshot" in reason


def test_a_png_within_the_limit_is_an_image() -> None:
    report = classify_bytes(png(MAX_IMAGE_SIDE, 64), "wide.png")

    assert report.verdict.value == "image"
