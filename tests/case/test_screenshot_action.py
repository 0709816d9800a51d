"""Saving a screenshot is one Qt-free case action: redact, then encode, check the size,
write into the case's folder with the careful writer; a replaced screenshot is kept aside
(never deleted) and can be put back."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest
from PIL import Image

from bundleguard.capture.models import CaptureError, Rect
from bundleguard.case.screenshots import (
    FLAT_COLOUR,
    REPLACED_FOLDER,
    restore_screenshot,
    save_screenshot,
    screenshot_file_name,
)
from bundleguard.case.store import OutsideCaseFolderError
from tests.capture.fakes import desktop_picture, png_bomb

HOST = "primary.example.com"
needs_links = pytest.mark.skipif(
    sys.platform == "win32", reason="symbolic links need a privilege on Windows"
)


def png_of(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def reopened(path: Path) -> Image.Image:
    with Image.open(path) as image:
        image.load()
        return image.copy()


def test_the_boxes_are_burned_into_the_pixels_and_only_the_pixels_are_written(tmp_path):
    picture = desktop_picture(120, 80)
    picture.info["comment"] = b"secret note"
    saved = save_screenshot(tmp_path / "case", HOST, picture, (Rect(10, 10, 30, 20),))
    assert saved.path == tmp_path / "case" / screenshot_file_name(HOST)
    assert saved.size == (120, 80) and saved.kept is None
    written = reopened(saved.path)
    assert written.getpixel((15, 15)) == (0, 0, 0)  # inside the box: black
    assert written.getpixel((5, 5)) == picture.getpixel((5, 5))  # outside: as it was
    assert b"secret note" not in saved.path.read_bytes()
    assert saved.image.getpixel((15, 15)) == picture.getpixel((15, 15))  # kept unredacted


def test_image_bytes_are_decoded_by_the_action(tmp_path):
    saved = save_screenshot(tmp_path / "case", HOST, png_of(desktop_picture(64, 48)))
    assert reopened(saved.path).size == (64, 48)


def test_a_new_picture_keeps_the_one_it_replaces_aside_and_undo_puts_it_back(tmp_path):
    folder = tmp_path / "case"
    first = save_screenshot(folder, HOST, desktop_picture(100, 60))
    before = first.path.read_bytes()
    second = save_screenshot(folder, HOST, desktop_picture(90, 70), (Rect(0, 0, 20, 20),))
    assert second.kept is not None
    assert second.kept.parent == folder / REPLACED_FOLDER
    assert second.kept.read_bytes() == before  # byte for byte, never deleted
    assert reopened(second.path).size == (90, 70)
    assert restore_screenshot(second) == second.path
    assert second.path.read_bytes() == before
    assert second.kept.is_file()  # the kept copy stays
    # A third picture keeps the second aside under another name: nothing is overwritten.
    third = save_screenshot(folder, HOST, desktop_picture(50, 50))
    assert third.kept is not None and third.kept != second.kept
    assert third.kept.read_bytes() == before


def test_saving_new_boxes_on_the_same_picture_keeps_nothing_aside(tmp_path):
    folder = tmp_path / "case"
    picture = desktop_picture(100, 60)
    save_screenshot(folder, HOST, picture)
    again = save_screenshot(folder, HOST, picture, (Rect(1, 1, 10, 10),), keep_replaced=False)
    assert again.kept is None and restore_screenshot(again) is None
    assert not (folder / REPLACED_FOLDER).exists()


def test_a_picture_too_large_is_refused_and_nothing_written(tmp_path):
    folder = tmp_path / "case"
    with pytest.raises(CaptureError, match="too large for a screenshot"):
        save_screenshot(folder, HOST, Image.new("RGB", (16_385, 1)))
    with pytest.raises(CaptureError, match="13000×13000 pixels"):
        save_screenshot(folder, HOST, png_bomb(13_000, 13_000), name="bomb.png")
    assert not folder.exists()


def test_a_flat_colour_is_refused_when_asked_and_the_old_screenshot_stays(tmp_path):
    folder = tmp_path / "case"
    first = save_screenshot(folder, HOST, desktop_picture(40, 30))
    before = first.path.read_bytes()
    with pytest.raises(CaptureError) as refused:
        save_screenshot(folder, HOST, Image.new("RGB", (40, 30)), refuse_blank=True)
    assert str(refused.value) == FLAT_COLOUR
    assert first.path.read_bytes() == before
    assert not (folder / REPLACED_FOLDER).exists()


@needs_links
def test_a_link_out_of_the_case_folder_is_never_followed(tmp_path):
    folder = tmp_path / "case" / "files"
    folder.mkdir(parents=True)
    outside = tmp_path / "elsewhere.png"
    outside.write_bytes(b"not yours")
    os.symlink(outside, folder / screenshot_file_name(HOST))
    with pytest.raises(OutsideCaseFolderError):
        save_screenshot(folder, HOST, desktop_picture(40, 30))
    assert outside.read_bytes() == b"not yours"
    assert not (folder / REPLACED_FOLDER).exists()  # a link is not "kept aside" either


@needs_links
def test_a_replaced_folder_leading_out_of_the_case_is_refused(tmp_path):
    folder = tmp_path / "case" / "files"
    save_screenshot(folder, HOST, desktop_picture(40, 30))
    before = (folder / screenshot_file_name(HOST)).read_bytes()
    away = tmp_path / "away"
    away.mkdir()
    os.symlink(away, folder / REPLACED_FOLDER)
    with pytest.raises(OutsideCaseFolderError):
        save_screenshot(folder, HOST, desktop_picture(50, 30))
    assert list(away.iterdir()) == []
    assert (folder / screenshot_file_name(HOST)).read_bytes() == before  # nothing replaced


def test_restoring_puts_back_a_picture_only_never_what_replaced_the_kept_file(tmp_path):
    # The kept copy sits in the case's folder, where anything may write; what goes back as
    # the screenshot is judged by the guard first (as Edit > Undo's put_back_screenshot).
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    folder = tmp_path / "case"
    save_screenshot(folder, HOST, desktop_picture(100, 60))
    second = save_screenshot(folder, HOST, desktop_picture(90, 70))
    assert second.kept is not None
    key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    second.kept.write_bytes(key)
    now = second.path.read_bytes()
    with pytest.raises(CaptureError, match="cannot be put back"):
        restore_screenshot(second)
    assert second.path.read_bytes() == now  # nothing changed
