"""Render resources/bundleguard.svg to the icon files the packages need.

    .venv/bin/python packaging/render_icons.py [--out DIR]

Writes, into `resources/icons/` (or DIR):
- `bundleguard-<N>.png` for N in 16, 24, 32, 48, 64, 128, 256, 512 (Linux hicolor sizes,
  also the window icon);
- `bundleguard.ico` (Windows: 16…256 in one file);
- `bundleguard.icns` (macOS: 16…1024).

Each size is drawn from the vector by Qt's SVG renderer (QtSvg, in PySide6-Essentials),
not scaled down from a large bitmap, so small sizes stay sharp. Runs headless: the
offscreen platform is chosen when no other is set. The outputs are committed; run this
again after editing the SVG.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "bundleguard.svg"
OUT = ROOT / "resources" / "icons"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)


def render_png(svg: bytes, size: int) -> bytes:
    """The SVG drawn on a transparent `size`×`size` square, as PNG bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    if QGuiApplication.instance() is None:
        raise RuntimeError("render_png needs a QGuiApplication")
    renderer = QSvgRenderer(QByteArray(svg))
    if not renderer.isValid():
        raise ValueError(f"{SVG.name} is not an SVG that Qt can draw")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data())


def render_all(svg_path: Path, out: Path) -> list[Path]:
    """Every icon file, written into `out`; returns their paths."""
    from PIL import Image
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    svg = svg_path.read_bytes()
    sizes = sorted(set(PNG_SIZES) | set(ICO_SIZES) | set(ICNS_SIZES))
    images = {}
    for size in sizes:
        image = Image.open(io.BytesIO(render_png(svg, size)))
        image.load()
        images[size] = image.convert("RGBA")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for size in PNG_SIZES:
        target = out / f"bundleguard-{size}.png"
        # Pillow writes no text chunks or time stamp: the same SVG gives the same file.
        images[size].save(target, "PNG", optimize=True)
        written.append(target)
    ico = out / "bundleguard.ico"
    largest_ico = max(ICO_SIZES)
    images[largest_ico].save(
        ico,
        "ICO",
        sizes=[(s, s) for s in ICO_SIZES],
        append_images=[images[s] for s in ICO_SIZES if s != largest_ico],
    )
    written.append(ico)
    icns = out / "bundleguard.icns"
    largest_icns = max(ICNS_SIZES)
    images[largest_icns].save(
        icns, "ICNS", append_images=[images[s] for s in ICNS_SIZES if s != largest_icns]
    )
    written.append(icns)
    del app
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--svg", type=Path, default=SVG)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    for path in render_all(args.svg, args.out):
        print(f"{path}  {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
