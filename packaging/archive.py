"""Pack a built bundleguard for download, and write or check SHA256SUMS (standard library only).

    python packaging/archive.py pack [--dist dist] [--out release]
    python packaging/archive.py sums FOLDER          write FOLDER/SHA256SUMS for its archives
    python packaging/archive.py check FOLDER         check FOLDER's archives against it
    python packaging/archive.py gather OUT FOLDER... check each FOLDER, then copy their
                                                     archives into OUT with one SHA256SUMS
    python packaging/archive.py binary [--dist dist] print the path of the built executable
    python packaging/archive.py check-tag TAG        TAG must be v + the project's version

`pack` archives what `python dev.py build` left in dist: the one-folder app as a `.tar.gz`
on Linux, a `.zip` on Windows, bundleguard.app as a `.zip` on macOS. File modes and
symbolic links are kept (a .app needs both), nothing outside the folder is followed, and
the archive is reopened and compared with the folder, file by file, before it gets its
name. Then SHA256SUMS is written beside it. The same script runs on all three systems in
.github/workflows/release.yml, so a release is packed the same way everywhere.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import stat
import sys
import tarfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import release_info

SUMS = "SHA256SUMS"
ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".dmg")


class ArchiveError(Exception):
    """The archive could not be made, or does not hold what the folder holds."""


def entries(folder: Path) -> Iterator[tuple[str, Path]]:
    """(name inside the archive, path) of every folder, file and link, sorted, links not
    followed; names use `/` and start with the folder's own name."""
    base = folder.parent
    yield folder.name, folder
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames.sort()
        here = Path(dirpath)
        for name in sorted(dirnames + filenames):
            path = here / name
            yield path.relative_to(base).as_posix(), path


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tree_facts(folder: Path) -> dict[str, tuple[str, str]]:
    """name -> (kind, detail): a file's SHA-256 and executable bit, a link's target."""
    facts = {}
    for name, path in entries(folder):
        if path.is_symlink():
            facts[name] = ("link", os.readlink(path))
        elif path.is_dir():
            facts[name] = ("dir", "")
        else:
            executable = os.name != "nt" and bool(path.stat().st_mode & stat.S_IXUSR)
            facts[name] = ("file", f"{_digest(path.read_bytes())} x={executable}")
    return facts


def write_zip(folder: Path, target: Path) -> None:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, path in entries(folder):
            mode = path.lstat().st_mode
            when = time.localtime(max(path.lstat().st_mtime, 315532800))[:6]  # 1980: zip's start
            if path.is_symlink():
                info = zipfile.ZipInfo(name, when)
                info.create_system = 3  # Unix: unzip, ditto and Finder read the mode below
                info.external_attr = (stat.S_IFLNK | 0o755) << 16
                zf.writestr(info, os.readlink(path))
            elif path.is_dir():
                info = zipfile.ZipInfo(name + "/", when)
                info.create_system = 3
                info.external_attr = ((stat.S_IFDIR | 0o755) << 16) | 0x10
                zf.writestr(info, b"")
            else:
                info = zipfile.ZipInfo.from_file(path, name, strict_timestamps=False)
                info.compress_type = zipfile.ZIP_DEFLATED
                if os.name != "nt":
                    info.create_system = 3
                    info.external_attr = (stat.S_IFREG | stat.S_IMODE(mode)) << 16
                zf.writestr(info, path.read_bytes())


def zip_facts(archive: Path) -> dict[str, tuple[str, str]]:
    facts = {}
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            mode = info.external_attr >> 16
            name = info.filename.rstrip("/")
            if info.create_system == 3 and stat.S_ISLNK(mode):
                facts[name] = ("link", zf.read(info).decode())
            elif info.is_dir():
                facts[name] = ("dir", "")
            else:
                executable = os.name != "nt" and bool(mode & stat.S_IXUSR)
                facts[name] = ("file", f"{_digest(zf.read(info))} x={executable}")
    return facts


def write_tar(folder: Path, target: Path) -> None:
    def owned_by_nobody(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    with tarfile.open(target, "w:gz", compresslevel=9) as tar:
        for name, path in entries(folder):
            tar.add(path, arcname=name, recursive=False, filter=owned_by_nobody)


def tar_facts(archive: Path) -> dict[str, tuple[str, str]]:
    facts = {}
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar.getmembers():
            if member.issym():
                facts[member.name] = ("link", member.linkname)
            elif member.isdir():
                facts[member.name] = ("dir", "")
            elif member.isfile():
                data = tar.extractfile(member).read()  # type: ignore[union-attr]
                executable = os.name != "nt" and bool(member.mode & stat.S_IXUSR)
                facts[member.name] = ("file", f"{_digest(data)} x={executable}")
            else:
                facts[member.name] = ("other", "")
    return facts


def make_archive(folder: Path, target: Path) -> Path:
    """Archive `folder` (its name the archive's top entry) as `target` (.zip or .tar.gz),
    reopened and compared with the folder before it gets its final name."""
    if not folder.is_dir():
        raise ArchiveError(f"nothing to pack: {folder} is not a folder (run: python dev.py build)")
    partial = target.with_name(target.name + ".partial")
    zipped = target.name.endswith(".zip")
    try:
        (write_zip if zipped else write_tar)(folder, partial)
        got = (zip_facts if zipped else tar_facts)(partial)
        want = tree_facts(folder)
        if got != want:
            differ = sorted(set(got.items()) ^ set(want.items()))[:5]
            raise ArchiveError(f"{target.name} does not hold what {folder} holds: {differ}")
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_sums(folder: Path) -> Path:
    """SHA256SUMS for every archive in `folder`, in the format `sha256sum -c` and
    `shasum -a 256 -c` read (two spaces, `\\n` line ends on every system)."""
    archives = sorted(p for p in folder.iterdir() if p.name.endswith(ARCHIVE_SUFFIXES))
    if not archives:
        raise ArchiveError(f"no archive in {folder}")
    text = "".join(f"{file_sha256(p)}  {p.name}\n" for p in archives)
    sums = folder / SUMS
    sums.write_bytes(text.encode("ascii"))
    return sums


def check_sums(folder: Path) -> list[str]:
    """Problems found checking `folder`'s archives against its SHA256SUMS (none: all good)."""
    sums = folder / SUMS
    if not sums.is_file():
        return [f"no {SUMS} in {folder}"]
    problems = []
    listed = set()
    for line in sums.read_text(encoding="ascii").splitlines():
        digest, _, name = line.partition("  ")
        listed.add(name)
        path = folder / name
        if "/" in name or "\\" in name or not path.is_file():
            problems.append(f"{name}: listed but not here")
        elif file_sha256(path) != digest:
            problems.append(f"{name}: its SHA-256 is not the one listed")
    for path in folder.iterdir():
        if path.name.endswith(ARCHIVE_SUFFIXES) and path.name not in listed:
            problems.append(f"{path.name}: not listed in {SUMS}")
    return problems


def gather(out: Path, folders: list[Path]) -> Path:
    """Check each folder's SHA256SUMS, then copy every archive into `out` with one
    SHA256SUMS for them all: the release's download page."""
    out.mkdir(parents=True, exist_ok=True)
    for folder in folders:
        problems = check_sums(folder)
        if problems:
            raise ArchiveError("; ".join(problems))
        for path in sorted(folder.iterdir()):
            if path.name.endswith(ARCHIVE_SUFFIXES):
                if (out / path.name).exists():
                    raise ArchiveError(f"two archives are named {path.name}")
                shutil.copyfile(path, out / path.name)
    sums = write_sums(out)
    problems = check_sums(out)
    if problems:
        raise ArchiveError("; ".join(problems))
    return sums


def pack(dist: Path, out: Path, system: str | None = None) -> Path:
    version = release_info.project_version()
    label = release_info.platform_label()
    out.mkdir(parents=True, exist_ok=True)
    target = out / release_info.archive_name(version, label)
    return make_archive(release_info.shipped_folder(dist, system), target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_pack = sub.add_parser("pack", help="archive the built app and write SHA256SUMS")
    p_pack.add_argument("--dist", type=Path, default=Path("dist"))
    p_pack.add_argument("--out", type=Path, default=Path("release"))
    sub.add_parser("sums", help="write SHA256SUMS").add_argument("folder", type=Path)
    sub.add_parser("check", help="check SHA256SUMS").add_argument("folder", type=Path)
    p_gather = sub.add_parser("gather", help="one SHA256SUMS for several builds")
    p_gather.add_argument("out", type=Path)
    p_gather.add_argument("folders", type=Path, nargs="+")
    sub.add_parser("binary", help="path of the built app").add_argument(
        "--dist", type=Path, default=Path("dist")
    )
    sub.add_parser("check-tag", help="a tag names this version").add_argument("tag")
    args = parser.parse_args(argv)
    try:
        if args.command == "pack":
            archive = pack(args.dist, args.out)
            write_sums(args.out)
            print(f"{archive} ({archive.stat().st_size} bytes), sha256 {file_sha256(archive)}")
        elif args.command == "sums":
            print(write_sums(args.folder).read_text(encoding="ascii"), end="")
        elif args.command == "check":
            problems = check_sums(args.folder)
            for problem in problems:
                print(f"archive: {problem}", file=sys.stderr)
            if problems:
                return 1
            print(f"archive: every file in {args.folder / SUMS} is intact")
        elif args.command == "gather":
            print(gather(args.out, args.folders).read_text(encoding="ascii"), end="")
        elif args.command == "binary":
            print(release_info.frozen_binary(args.dist))
        elif args.command == "check-tag":
            version = release_info.project_version()
            if args.tag != f"v{version}":
                print(
                    f"archive: the tag {args.tag!r} does not name this version ({version}): "
                    f"tag v{version}, or change __version__ in app/bundleguard/__init__.py",
                    file=sys.stderr,
                )
                return 1
            print(f"archive: tag {args.tag} names version {version}")
    except (ArchiveError, OSError, ValueError) as error:
        print(f"archive: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
