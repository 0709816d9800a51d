"""Fakes for capture tests: a faked platform and strategies that return real images."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import pytest
from PIL import Image, ImageDraw

from bundleguard.capture.models import Monitor, StrategyKind


def fake_session(monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """Make the process look like it runs on `kind`: windows, macos, x11, wayland, none."""
    for name in ("WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    platform = {"windows": "win32", "macos": "darwin"}.get(kind, "linux")
    monkeypatch.setattr(sys, "platform", platform)
    if kind == "x11":
        monkeypatch.setenv("DISPLAY", ":0")
        monkeypatch.setenv("XDG_SESSION_TYPE", "x11")
    elif kind == "wayland":
        monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
        monkeypatch.setenv("DISPLAY", ":0")  # XWayland is there too; it must not count


def desktop_picture(width: int, height: int) -> Image.Image:
    """A picture with detail, like a real screen: a grey field and coloured marks."""
    image = Image.new("RGB", (width, height), (200, 200, 200))
    draw = ImageDraw.Draw(image)
    draw.rectangle((width // 10, height // 10, width // 3, height // 4), fill=(20, 90, 160))
    draw.text((20, height // 2), "Status > Basics", fill=(0, 0, 0))
    return image


@dataclass
class FakeStrategy:
    """A strategy whose answers the test sets; it records each capture asked of it."""

    kind: StrategyKind
    image: Image.Image | None = None
    compatible: bool = True
    installed: bool = True
    error: Exception | None = None
    install_instructions: str = "Install the thing."
    calls: list[Monitor] = field(default_factory=list)
    installed_asked: int = 0

    def is_compatible(self) -> bool:
        return self.compatible

    def is_installed(self) -> bool:
        self.installed_asked += 1
        return self.installed

    def capture(self, monitor: Monitor) -> Image.Image:
        self.calls.append(monitor)
        if self.error is not None:
            raise self.error
        assert self.image is not None
        return self.image


def png_bomb(width: int, height: int) -> bytes:
    """A valid PNG of `width` × `height` black pixels, one bit each, zlib-packed: 13000 ×
    13000 is about 20 KB on disk and 169 megapixels (hundreds of MB) once decoded."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    row = bytes(1 + (width + 7) // 8)  # filter byte 0, then the row's bits
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def forbid_decoding(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """Make any PNG decode fail the test loudly; returns the sizes that were attempted."""
    from PIL import PngImagePlugin

    attempts: list[tuple[int, int]] = []
    original = PngImagePlugin.PngImageFile.load

    def load(self):
        if self.width * self.height > 4_000_000:
            attempts.append(self.size)
            raise AssertionError(f"a {self.size} PNG was decoded")
        return original(self)

    monkeypatch.setattr(PngImagePlugin.PngImageFile, "load", load)
    return attempts
