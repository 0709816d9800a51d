"""File names made from untrusted text: safe on Windows, macOS and Linux, and unique.

The ground level (no other bundleguard import): the bundle's member and zip names and the
certificate files `extract-chain` writes are all named here.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePath

WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)
UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME_PART = 64


def ascii_text(text: str) -> str:
    """Accents dropped (Müller -> Muller); other non-ASCII letters are left for
    `safe_name_part` to replace."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def safe_name_part(text: str) -> str:
    """`text` made safe for a file name on every platform (never empty: "unnamed")."""
    text = text.strip().replace("*", "wildcard")
    text = UNSAFE.sub("_", text).strip("._ ")[:MAX_NAME_PART].rstrip("._ ")
    if not text:
        return "unnamed"
    if text.split(".")[0].upper() in WINDOWS_RESERVED:
        text = f"_{text}"
    return text


def unique(name: str, taken: set[str]) -> str:
    """`name`, or `stem-2.suffix`, `stem-3.suffix`...: unique in `taken` even on
    case-blind disks. The name returned is added to `taken` (lower-cased)."""
    candidate = name
    stem, suffix = PurePath(name).stem, PurePath(name).suffix
    number = 2
    while candidate.lower() in taken:
        candidate = f"{stem}-{number}{suffix}"
        number += 1
    taken.add(candidate.lower())
    return candidate
