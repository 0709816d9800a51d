"""A smaller ICU data library for the Linux build: only the data Qt can reach.

PySide6's Linux wheels ship Qt's own ICU; its data library (`libicudata.so.NN`, 32 MB)
holds one symbol, `icudtNN_dat`, an ICU common data package. QtCore calls ICU for four
things only (its undefined `*_NN` symbols, `nm -D --undefined-only libQt6Core.so.6`):
collation (`ucol_*`, QCollator, as QFileSystemModel sorts), case mapping
(`u_strToUpper/Lower`, QLocale::toUpper/toLower), time zones (`ucal_*`: canonical IDs and
display names) and converters (`ucnv_*`, QStringConverter for non-UTF encodings). None of
those reads the break-iterator rules and dictionaries (`brkitr/`), transliterators
(`translit/`), spelled-out numbers (`rbnf/`), language, region or unit display names
(`lang/`, `region/`, `unit/`) or Unicode character names (`unames.icu`), so they go:
about 12.6 MB. Kept: collation, converters, the locale tree, time zone names and
currencies (number formats load currency symbols), and every other top-level item.

The package is rewritten with ICU's own `icupkg` (Debian: icu-devtools; `icupkg -r`
removes items, the output keeps the package format) and wrapped back in a shared library
of the same name and soname, with `as` and `ld` (binutils, which PyInstaller needs on
Linux anyway): the `.incbin` way ICU's `pkgdata` itself builds data libraries.
`check()` then loads the new library under the build's own PySide6 and proves collation
(Swedish sorts ä after z), Turkish upper-casing, a German time zone name and a Shift_JIS
converter still work; the build fails rather than ship an ICU that answers nothing.

    python packaging/icu_data.py LIBICUDATA OUTPUT_DIR    (what the spec does)
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

DROPPED_TREES = ("brkitr/", "translit/", "rbnf/", "lang/", "region/", "unit/")
DROPPED_ITEMS = {"unames.icu"}
LIBRARY = re.compile(r"^libicudata\.so\.(\d+)$")
TOOLS = ("icupkg", "as", "ld")


class IcuDataError(RuntimeError):
    """The data library could not be slimmed or the slimmed one does not work."""


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def _data_symbol(elf: bytes, name: bytes) -> tuple[int, int]:
    """(file offset, size) of a defined dynamic symbol in a little-endian ELF64 file."""
    if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
        raise IcuDataError("not a little-endian 64-bit ELF file")
    (shoff,) = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", elf, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", elf, shoff + i * shentsize) for i in range(shnum)]
    dynsym = next((s for s in sections if s[1] == 11), None)  # SHT_DYNSYM
    if dynsym is None:
        raise IcuDataError("no dynamic symbol table")
    strtab = sections[dynsym[6]]
    for offset in range(dynsym[4], dynsym[4] + dynsym[5], 24):
        st_name, _info, _other, shndx, value, size = struct.unpack_from("<IBBHQQ", elf, offset)
        start = strtab[4] + st_name
        if elf[start : elf.index(b"\0", start)] == name and 0 < shndx < len(sections):
            section = sections[shndx]
            return section[4] + value - section[3], size
    raise IcuDataError(f"no symbol {name.decode()}")


def _package_name(package: bytes) -> str:
    """The package's item prefix, e.g. icudt73l (from the first table-of-contents name)."""
    (header_size,) = struct.unpack_from("<H", package, 0)
    if package[2:4] != b"\xda\x27" or package[12:16] != b"CmnD":
        raise IcuDataError("not an ICU common data package")
    (name_offset,) = struct.unpack_from("<I", package, header_size + 4)
    start = header_size + name_offset
    return package[start : package.index(b"\0", start)].decode("ascii").split("/")[0]


def dropped(items: list[str]) -> list[str]:
    return [i for i in items if i.startswith(DROPPED_TREES) or i in DROPPED_ITEMS]


def slim(library: Path, out_dir: Path) -> tuple[Path, int, int]:
    """Write the slimmed library into out_dir; (path, items removed, items kept)."""
    match = LIBRARY.match(library.name)
    if not match:
        raise IcuDataError(f"{library.name} is not an ICU data library")
    symbol = f"icudt{match.group(1)}_dat"
    elf = library.read_bytes()
    offset, size = _data_symbol(elf, symbol.encode())
    package = elf[offset : offset + size]
    name = _package_name(package)
    work = out_dir / "icu-work"
    shutil.rmtree(work, ignore_errors=True)
    (work / "out").mkdir(parents=True)
    original = work / f"{name}.dat"
    original.write_bytes(package)

    def run(*cmd: str) -> str:
        done = subprocess.run(cmd, cwd=work, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise IcuDataError(f"{' '.join(cmd)}: {(done.stderr or done.stdout).strip()[-300:]}")
        return done.stdout

    items = run("icupkg", "-l", original.name).split()
    removed = dropped(items)
    (work / "remove.txt").write_text("\n".join(removed) + "\n", encoding="ascii")
    # icupkg names the items after the output file, so it keeps the package's name.
    slimmed = work / "out" / f"{name}.dat"
    run("icupkg", "-r", "remove.txt", original.name, str(slimmed.relative_to(work)))
    kept = run("icupkg", "-l", str(slimmed.relative_to(work))).split()
    if len(kept) != len(items) - len(removed):
        raise IcuDataError(f"icupkg kept {len(kept)} items, expected {len(items) - len(removed)}")
    (work / "data.s").write_text(
        "\t.section .rodata\n"
        f"\t.globl {symbol}\n"
        f"\t.type {symbol}, @object\n"
        "\t.balign 16\n"
        f"{symbol}:\n"
        f'\t.incbin "{slimmed.relative_to(work)}"\n'
        f"\t.size {symbol}, . - {symbol}\n"
        '\t.section .note.GNU-stack,"",@progbits\n',
        encoding="ascii",
    )
    run("as", "-o", "data.o", "data.s")
    target = out_dir / library.name
    run("ld", "-shared", "-soname", library.name, "-z", "noexecstack", "-o", str(target), "data.o")
    shutil.rmtree(work, ignore_errors=True)
    return target, len(removed), len(kept)


# Run in a fresh interpreter whose dynamic loader finds the slimmed library first.
_CHECK = r"""
import sys
from PySide6.QtCore import QCollator, QLocale, QStringDecoder, QTimeZone
maps = open("/proc/self/maps").read()
loaded = {line.split()[-1] for line in maps.splitlines() if "libicudata" in line}
assert loaded == {sys.argv[1]}, f"loaded {loaded}"
collator = QCollator(QLocale("sv_SE"))
assert sorted(["z", "\u00e4", "a"], key=collator.sortKey) == ["a", "z", "\u00e4"], "collation"
assert QLocale("tr_TR").toUpper("i") == "\u0130", "case mapping"
name = QTimeZone(b"Europe/Berlin").displayName(
    QTimeZone.TimeType.StandardTime, QTimeZone.NameType.LongName, QLocale("de_DE"))
assert name.startswith("Mitteleurop"), f"time zone name {name!r}"
assert QStringDecoder("Shift_JIS").isValid(), "converter"
print("ok")
"""


def check(library: Path, python: str = sys.executable) -> None:
    """Raise IcuDataError unless Qt, loading this library, still collates, cases, names
    time zones and converts."""
    env = dict(os.environ, LD_LIBRARY_PATH=str(library.parent), QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [python, "-c", _CHECK, str(library.resolve())],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if done.returncode != 0 or done.stdout.strip() != "ok" or "Could not" in done.stderr:
        raise IcuDataError(f"the slimmed ICU data fails: {(done.stderr or done.stdout)[-500:]}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    out = Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    path, removed_count, kept_count = slim(Path(sys.argv[1]), out)
    check(path)
    print(f"{path}: {path.stat().st_size} bytes, {removed_count} items removed, {kept_count} kept")
