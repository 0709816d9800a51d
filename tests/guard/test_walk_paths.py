"""The guard's one folder walker is public (`guard.walk_paths`): `scan_paths` and the
case's evidence walk with it, so "Add folder" and `scan` refuse the same things."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from bundleguard import guard
from bundleguard.case import evidence
from bundleguard.guard import FileReport, Verdict


def _shape(entries) -> list[tuple[str, str]]:
    return [
        (str(e.path), e.verdict.value) if isinstance(e, FileReport) else (str(e), "file")
        for e in entries
    ]


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need a privilege there")
def test_the_case_walks_folders_with_the_guards_public_walker(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("not in the folder\n")
    folder = tmp_path / "folder"
    deep = folder
    for level in range(guard.scan.MAX_FOLDER_DEPTH + 3):
        deep = deep / f"d{level}"
    deep.mkdir(parents=True)
    (deep / "too-deep.txt").write_text("deep\n")
    (folder / "note.txt").write_text("a note\n")
    os.symlink(outside, folder / "link.txt")
    loose = tmp_path / "loose.txt"
    loose.write_text("a file given by name\n")

    walked = _shape(guard.walk_paths([folder, loose]))
    assert (str(folder / "note.txt"), "file") in walked
    assert (str(folder / "link.txt"), Verdict.REFUSED.value) in walked
    assert walked[-1] == (str(loose), "file")
    assert not any("too-deep" in name and kind == "file" for name, kind in walked)
    assert _shape(evidence.walk([folder, loose])) == walked
    assert "walk_paths" in guard.__all__ and "`walk_paths(" in (guard.__doc__ or "")
