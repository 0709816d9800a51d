"""The files the packages carry: icons rendered from our SVG, desktop entry, MIME type,
Info.plist pieces and the Windows version resource — each read the way its platform does."""

from __future__ import annotations

import ast
import configparser
import importlib.util
import plistlib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from bundleguard import __version__

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "resources"
ICONS = RESOURCES / "icons"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
DOCUMENT_EXTENSIONS = {"bgcase", "crt", "cer", "pem", "p12", "pfx"}


def load_render_icons():
    spec = importlib.util.spec_from_file_location(
        "render_icons", ROOT / "packaging" / "render_icons.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("size", PNG_SIZES)
def test_each_png_icon_is_its_size_with_a_transparent_corner_and_a_drawn_middle(size):
    with Image.open(ICONS / f"bundleguard-{size}.png") as image:
        assert image.format == "PNG"
        assert image.size == (size, size)
        rgba = image.convert("RGBA")
    assert rgba.getpixel((0, size - 1))[3] == 0  # outside the shield
    assert rgba.getpixel((size // 2, size // 2))[3] == 255  # the seal


def test_the_ico_holds_every_windows_size_and_the_icns_the_retina_ones():
    with Image.open(ICONS / "bundleguard.ico") as ico:
        assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= set(ico.info["sizes"])
    with Image.open(ICONS / "bundleguard.icns") as icns:
        assert (512, 512, 2) in icns.info["sizes"]
        assert (16, 16, 2) in icns.info["sizes"]  # 16 pt, drawn at 32 px for Retina


def test_committed_icons_are_what_the_svg_renders_to_now(tmp_path, qapp):
    render_icons = load_render_icons()

    written = render_icons.render_all(RESOURCES / "bundleguard.svg", tmp_path)

    assert sorted(p.name for p in written) == sorted(
        [f"bundleguard-{s}.png" for s in PNG_SIZES] + ["bundleguard.ico", "bundleguard.icns"]
    )
    for size in (16, 64, 256):
        with (
            Image.open(tmp_path / f"bundleguard-{size}.png") as fresh,
            Image.open(ICONS / f"bundleguard-{size}.png") as committed,
        ):
            difference = ImageChops.difference(fresh.convert("RGBA"), committed.convert("RGBA"))
            # Anti-aliasing may move by a shade between Qt versions; a changed SVG moves more.
            assert max(ImageStat.Stat(difference).mean) < 2.0, f"re-run render_icons ({size})"


def test_the_desktop_entry_opens_cases_and_certificates_with_our_icon():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(RESOURCES / "bundleguard.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]

    assert desktop["Type"] == "Application"
    assert desktop["Exec"] == "bundleguard %F"
    assert desktop["Icon"] == "bundleguard"
    mime_types = set(filter(None, desktop["MimeType"].split(";")))
    assert {"application/x-bundleguard-case", "application/x-pkcs12"} <= mime_types
    assert "application/pkix-cert" in mime_types


def test_the_mime_type_claims_bgcase_files_under_the_type_the_desktop_entry_names():
    namespace = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    tree = ET.parse(RESOURCES / "bundleguard-mime.xml")

    mime = tree.getroot().find("m:mime-type", namespace)

    assert mime.get("type") == "application/x-bundleguard-case"
    assert [g.get("pattern") for g in mime.findall("m:glob", namespace)] == ["*.bgcase"]


def test_the_info_plist_asks_for_screen_recording_and_takes_every_dropped_type():
    info = plistlib.loads((RESOURCES / "macos" / "Info.plist").read_bytes())

    assert info["CFBundleIdentifier"] == "com.bundleguard.app"
    assert "screenshot" in info["NSScreenCaptureUsageDescription"]
    assert "Mail" in info["NSAppleEventsUsageDescription"]
    extensions = {
        ext for doc in info["CFBundleDocumentTypes"] for ext in doc["CFBundleTypeExtensions"]
    }
    assert extensions == DOCUMENT_EXTENSIONS
    exported = info["UTExportedTypeDeclarations"][0]["UTTypeTagSpecification"]
    assert exported["public.filename-extension"] == ["bgcase"]


def test_the_windows_version_resource_is_a_version_info_expression_once_filled():
    template = (RESOURCES / "windows" / "version_info.txt").read_text(encoding="utf-8")
    filled = template.replace("{version_tuple}", "(0, 1, 0, 0)").replace("{version}", __version__)

    tree = ast.parse(filled, mode="eval")

    assert isinstance(tree.body, ast.Call) and tree.body.func.id == "VSVersionInfo"
    assert f"StringStruct('ProductVersion', '{__version__}')" in filled
    assert "'OriginalFilename', 'bundleguard.exe'" in filled


def test_the_spec_and_the_smoke_script_are_valid_python():
    for path in (ROOT / "packaging" / "bundleguard.spec", ROOT / "packaging" / "smoke.py"):
        ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
