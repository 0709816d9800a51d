"""Where a re-wrapped PKCS#12 may be written: never under a certificate's name, never into a
folder that travels to the vendor (through a link too), never over the original."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from bundleguard.case.rewrap import default_target, target_path, target_problem


def test_the_default_is_next_to_the_original_and_never_taken(tmp_path: Path) -> None:
    source = tmp_path / "exported-cert.crt"
    source.write_bytes(b"x")
    first = default_target(source)
    assert first == tmp_path / "exported-cert-rewrapped-private-key.p12"
    first.write_bytes(b"taken")
    assert default_target(source) == tmp_path / "exported-cert-rewrapped-private-key-2.p12"
    assert target_problem(first, source, ()) == ""


@pytest.mark.parametrize("name", ["new.crt", "new.pem", "new.cer", "new"])
def test_a_name_that_looks_like_a_certificate_is_refused(tmp_path: Path, name: str) -> None:
    problem = target_problem(tmp_path / name, tmp_path / "in.p12", ())
    assert "must end in .p12 or .pfx" in problem


def test_the_bundle_folder_is_refused_also_through_a_link(tmp_path: Path) -> None:
    bundles = tmp_path / "bundles"
    (bundles / "deeper").mkdir(parents=True)
    source = tmp_path / "in.p12"
    assert "not into the bundle folder" in target_problem(
        bundles / "deeper" / "x.p12", source, [bundles]
    )
    if sys.platform != "win32":  # symlinks need a privilege on Windows
        link = tmp_path / "innocent"
        os.symlink(bundles, link)
        assert "not into the bundle folder" in target_problem(link / "x.p12", source, [bundles])


def test_the_original_itself_and_a_folder_are_refused(tmp_path: Path) -> None:
    source = tmp_path / "in.p12"
    source.write_bytes(b"x")
    assert "That is the original" in target_problem(source, source, ())
    (tmp_path / "dir.p12").mkdir()
    assert "That is a folder" in target_problem(tmp_path / "dir.p12", source, ())
    assert target_problem(None, source, ()) == "Choose where to save the re-wrapped file."


def test_a_relative_name_is_taken_next_to_the_original(tmp_path: Path) -> None:
    source = tmp_path / "sub" / "in.p12"
    assert target_path("  new.p12 ", source) == tmp_path / "sub" / "new.p12"
    assert target_path("   ", source) is None


def test_names_the_file_system_cannot_take_are_said_not_raised(tmp_path: Path) -> None:
    long_source = tmp_path / ("b" * 240 + ".p12")  # the default name would pass 255 bytes
    target = default_target(long_source)
    assert len(target.name) <= 255 and target.name.endswith("-rewrapped-private-key.p12")
    too_long = tmp_path / ("a" * 300 + ".p12")
    assert "cannot be used here" in target_problem(too_long, tmp_path / "in.p12", ())
    nobody = target_path("~no-such-user-here/new.p12", tmp_path / "in.p12")
    assert nobody == tmp_path / "~no-such-user-here" / "new.p12"
