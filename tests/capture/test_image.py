"""Crop in logical coordinates, burn redactions, write PNGs that carry only pixels."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image, PngImagePlugin

from bundleguard.capture.image import (
    crop_region,
    encode_png,
    image_from_bytes,
    is_blank,
    monitor_from_desktop,
    redact,
)
from bundleguard.capture.models import CaptureError, Rect
from tests.capture.fakes import desktop_picture


def png_chunk_types(data: bytes) -> list[bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    types, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert zlib.crc32(kind + body) == crc
        types.append(kind)
        offset += 12 + length
    return types


def test_crop_on_a_2x_screen_left_of_the_main_one(hidpi_left_monitor):
    image = Image.new("RGB", (2560, 1600), (255, 255, 255))
    image.paste((255, 0, 0), (200, 100, 600, 300))  # physical pixels
    # The same area in global logical coordinates: x from -1280 + 100, 50 down, 200×100.
    cropped = crop_region(image, hidpi_left_monitor, Rect(-1180, 50, 200, 100))
    assert cropped.size == (400, 200)
    assert cropped.getextrema() == ((255, 255), (0, 0), (0, 0))


def test_crop_is_clipped_to_the_screen(hidpi_left_monitor):
    image = desktop_picture(2560, 1600)
    cropped = crop_region(image, hidpi_left_monitor, Rect(-100, 700, 500, 500))
    assert cropped.size == (200, 200)  # only 100×100 logical of it is on this screen


def test_crop_off_the_screen_is_refused(hidpi_left_monitor):
    with pytest.raises(CaptureError, match="not on this screen"):
        crop_region(desktop_picture(2560, 1600), hidpi_left_monitor, Rect(0, 0, 50, 50))


def test_whole_screen_keeps_every_physical_pixel(hidpi_left_monitor):
    image = desktop_picture(2560, 1600)
    whole = crop_region(image, hidpi_left_monitor, hidpi_left_monitor.logical)
    assert whole.size == (2560, 1600) and whole.tobytes() == image.tobytes()


def test_monitor_is_cut_from_a_whole_desktop_picture(hidpi_left_monitor):
    # The portal gives the desktop (-1280, 0)..(1280, 800) logical as one 2x picture.
    desktop = Image.new("RGB", (5120, 1600), (0, 0, 255))
    desktop.paste((0, 255, 0), (0, 0, 2560, 1600))
    left = monitor_from_desktop(desktop, hidpi_left_monitor, Rect(-1280, 0, 2560, 800))
    assert left.size == (2560, 1600)
    assert left.getextrema() == ((0, 0), (255, 255), (0, 0))


def test_monitor_geometry_in_both_pixel_kinds(hidpi_left_monitor):
    assert hidpi_left_monitor.physical == Rect(-1280, 0, 2560, 1600)
    assert "2560×1600 at 200 %" in hidpi_left_monitor.label


def test_redaction_replaces_the_pixels_with_black():
    image = Image.new("RGB", (100, 80), (250, 250, 250))
    burned = redact(image, [Rect(10, 20, 30, 15), Rect(90, 70, 50, 50)])
    assert burned.crop((10, 20, 40, 35)).getextrema() == ((0, 0),) * 3
    assert burned.crop((90, 70, 100, 80)).getextrema() == ((0, 0),) * 3
    assert burned.getpixel((9, 20)) == (250, 250, 250)
    assert burned.getpixel((40, 35)) == (250, 250, 250)
    assert image.getpixel((10, 20)) == (250, 250, 250)  # the original is left alone


def test_png_carries_no_metadata_from_the_source():
    source = desktop_picture(60, 40)
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "host=secret.internal")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta/>")
    exif = Image.Exif()
    exif[0x010E] = "secret description"
    buffer = io.BytesIO()
    source.save(buffer, format="PNG", pnginfo=info, exif=exif, dpi=(144, 144))
    assert b"secret" in buffer.getvalue()

    png = encode_png(image_from_bytes(buffer.getvalue()))
    assert b"secret" not in png and b"xmpmeta" not in png
    assert set(png_chunk_types(png)) == {b"IHDR", b"IDAT", b"IEND"}
    assert Image.open(io.BytesIO(png)).tobytes() == source.tobytes()


def test_jpeg_exif_does_not_survive():
    exif = Image.Exif()
    exif[0x9286] = "a user comment"
    buffer = io.BytesIO()
    desktop_picture(60, 40).save(buffer, format="JPEG", exif=exif)
    png = encode_png(image_from_bytes(buffer.getvalue()))
    assert b"user comment" not in png
    assert set(png_chunk_types(png)) == {b"IHDR", b"IDAT", b"IEND"}


def test_transparent_image_is_laid_on_white():
    rgba = Image.new("RGBA", (4, 4), (255, 0, 0, 0))
    buffer = io.BytesIO()
    rgba.save(buffer, format="PNG")
    assert image_from_bytes(buffer.getvalue()).getpixel((0, 0)) == (255, 255, 255)


@pytest.mark.parametrize("data", [b"", b"not an image", b"\x89PNG\r\n\x1a\n" + b"\0" * 40])
def test_what_is_no_image_is_refused_in_plain_words(data):
    with pytest.raises(CaptureError, match=r"notes\.txt is (not an image|a damaged image)"):
        image_from_bytes(data, "notes.txt")


def test_blank_means_one_colour_only():
    assert is_blank(Image.new("RGB", (50, 50)))
    assert is_blank(Image.new("RGB", (50, 50), (30, 60, 90)))
    assert not is_blank(desktop_picture(50, 50))
