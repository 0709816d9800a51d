"""Pictures from outside are measured from their header and refused past one stated limit
before a pixel is decoded (a 20 KB PNG can decode to hundreds of megabytes)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bundleguard.bundle.screenshot import ScreenshotTooLargeError, reencode_png
from bundleguard.capture.image import image_from_bytes
from bundleguard.capture.models import CaptureError
from bundleguard.imagelimits import MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, image_size_problem
from tests.capture.fakes import desktop_picture, forbid_decoding, png_bomb


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return png_bomb(13_000, 13_000)


def test_the_limits_leave_room_for_two_8k_screens_and_stop_the_bomb():
    assert image_size_problem(2 * 7680, 4320) is None  # two 8K screens side by side
    assert image_size_problem(7680, 2 * 4320) is None  # or stacked
    assert image_size_problem(MAX_IMAGE_SIDE, 4000) is None
    assert image_size_problem(MAX_IMAGE_SIDE + 1, 10) is not None
    assert image_size_problem(10, MAX_IMAGE_SIDE + 1) is not None
    side = int(MAX_IMAGE_PIXELS**0.5)
    assert image_size_problem(side, side) is None
    assert image_size_problem(side + 1, side + 1) is not None
    assert "13000×13000 pixels (169 megapixels)" in image_size_problem(13_000, 13_000)


def test_a_png_bomb_is_refused_from_its_header_without_decoding(bomb, monkeypatch):
    assert len(bomb) < 500_000
    attempts = forbid_decoding(monkeypatch)
    with pytest.raises(CaptureError) as refused:
        image_from_bytes(bomb, "bomb.png")
    message = str(refused.value)
    assert message.startswith("bomb.png is 13000×13000 pixels")
    assert f"at most {MAX_IMAGE_SIDE} pixels wide or tall" in message
    assert attempts == []


def test_a_bomb_past_pillows_own_limit_gets_the_same_words(monkeypatch):
    forbid_decoding(monkeypatch)
    with pytest.raises(CaptureError, match="too large for a screenshot: a screenshot may"):
        image_from_bytes(png_bomb(15_000, 15_000))


def test_a_picture_wider_than_the_limit_is_refused_though_it_is_small():
    wide = png(Image.new("L", (MAX_IMAGE_SIDE + 1, 2)))
    with pytest.raises(CaptureError, match=r"16385×2 pixels .*too large for a screenshot"):
        image_from_bytes(wide, "strip.png")
    assert image_from_bytes(png(desktop_picture(MAX_IMAGE_SIDE, 3))).size == (MAX_IMAGE_SIDE, 3)


def test_formats_that_run_programs_are_never_opened():
    eps = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\nshowpage\n"
    with pytest.raises(CaptureError, match="is not an image that can be read"):
        image_from_bytes(eps, "shot.eps")


def test_the_bundle_re_encoding_refuses_the_bomb_before_decoding(bomb, monkeypatch):
    attempts = forbid_decoding(monkeypatch)
    with pytest.raises(ScreenshotTooLargeError, match="13000×13000 pixels"):
        reencode_png(bomb)
    assert attempts == []
    with pytest.raises(ScreenshotTooLargeError):
        reencode_png(png(Image.new("L", (2, MAX_IMAGE_SIDE + 1))))
    assert reencode_png(png(desktop_picture(200, 100)))[:8] == b"\x89PNG\r\n\x1a\n"
