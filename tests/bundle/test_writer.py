"""Writing: atomic, never over an existing file, verified from the archive's own bytes."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from bundleguard import __version__
from bundleguard.bundle import writer
from bundleguard.bundle.manifest import FORMAT
from bundleguard.bundle.writer import (
    BundleRefusedError,
    BundleVerificationError,
    verify_bundle,
    write_bundle,
)
from bundleguard.files import TEMP_PREFIX, TEMP_SUFFIX, TargetExistsError, WriteFailedError
from bundleguard.guard import FileReport, Verdict
from tests.bundle.conftest import PRIMARY, SITE, good_plan
from tests.certs import pki


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_good_bundle_reopens_with_members_and_manifest_hashes(chain, out_dir):
    plan = good_plan(chain, incident="778899")
    written = write_bundle(plan, out_dir)

    assert written.path == out_dir / f"support-bundle-{PRIMARY}-incident-778899.zip"
    assert leftovers(out_dir) == [written.path.name]
    assert written.sha256 == hashlib.sha256(written.path.read_bytes()).hexdigest()
    with zipfile.ZipFile(written.path) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        contents = {name: archive.read(name) for name in names}
    assert names == [f"status-basics-{PRIMARY}.png", "leaf.crt", "chain.pem", "manifest.json"]
    assert manifest["format"] == FORMAT and manifest["app_version"] == __version__
    assert manifest["appliance"] == {"hostname": PRIMARY, "role": "primary"}
    assert manifest["site"] == SITE and manifest["incident"] == "778899"
    assert manifest["created_utc"].endswith("Z")
    for entry in manifest["members"]:
        data = contents[entry["name"]]
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["size"] == len(data)
    assert [e["type"] for e in manifest["members"]] == ["image", "certificate", "certificate"]
    assert contents["leaf.crt"] == pki.pem(chain.leaf)
    assert [m.name for m in written.members][-1] == "manifest.json"


def test_refused_plan_is_never_written(chain, out_dir):
    from bundleguard.bundle.plan import Appliance, BundleInput, plan_bundle

    plan = plan_bundle(
        Appliance(PRIMARY),
        BundleInput("x.png", b"not an image"),
        [BundleInput("leaf.crt", pki.pem(chain.leaf))],
        public_anchors=[],
        system_anchors=[],
    )
    with pytest.raises(BundleRefusedError, match="refused"):
        write_bundle(plan, out_dir)
    assert leftovers(out_dir) == []


def test_existing_file_is_not_overwritten_without_force(chain, out_dir):
    target = out_dir / good_plan(chain).zip_name
    target.write_bytes(b"the user's own file")
    with pytest.raises(TargetExistsError) as caught:
        write_bundle(good_plan(chain), out_dir)
    assert caught.value.path == target
    assert "--" not in str(caught.value)  # the shell words how to replace it
    assert target.read_bytes() == b"the user's own file"
    assert leftovers(out_dir) == [target.name]

    written = write_bundle(good_plan(chain), out_dir, force=True)
    assert zipfile.is_zipfile(written.path)
    assert leftovers(out_dir) == [target.name]


def test_a_file_appearing_during_the_write_is_not_replaced(chain, out_dir, monkeypatch):
    """The final name is taken with a hard link, which fails if the name exists."""
    plan = good_plan(chain)
    target = out_dir / plan.zip_name

    def someone_else_writes(name: str) -> None:
        if name == "manifest.json":
            target.write_bytes(b"theirs")

    with pytest.raises(TargetExistsError):
        write_bundle(plan, out_dir, progress=someone_else_writes)
    assert target.read_bytes() == b"theirs"
    assert leftovers(out_dir) == [target.name]


def test_full_disk_leaves_nothing(chain, out_dir, monkeypatch):
    real_open = writer.open_temp

    def filling_disk(directory, stem):
        handle = real_open(directory, stem)
        real_write = handle.write
        written = 0

        def write(data):
            nonlocal written
            if written + len(data) > 300:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            written += len(data)
            return real_write(data)

        handle.write = write
        return handle

    monkeypatch.setattr(writer, "open_temp", filling_disk)
    with pytest.raises(WriteFailedError, match="disk is full"):
        write_bundle(good_plan(chain), out_dir)
    assert leftovers(out_dir) == []


def test_fsync_failure_leaves_nothing(chain, out_dir, monkeypatch):
    def failing_fsync(fd):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(writer.os, "fsync", failing_fsync)
    with pytest.raises(WriteFailedError, match="Nothing was written"):
        write_bundle(good_plan(chain), out_dir)
    assert leftovers(out_dir) == []


def test_read_only_folder_simulated(chain, out_dir, monkeypatch):
    def denied(directory, stem):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(writer, "open_temp", denied)
    with pytest.raises(WriteFailedError, match="read-only"):
        write_bundle(good_plan(chain), out_dir)
    assert leftovers(out_dir) == []


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_read_only_folder_for_real(chain, out_dir):
    out_dir.chmod(0o555)
    try:
        if os.access(out_dir, os.W_OK):
            pytest.skip("running as root (or with CAP_DAC_OVERRIDE): a 0555 folder is writable")
        with pytest.raises(WriteFailedError, match="read-only"):
            write_bundle(good_plan(chain), out_dir)
        assert leftovers(out_dir) == []
    finally:
        out_dir.chmod(0o755)


def test_unexpected_exception_mid_write_leaves_nothing(chain, out_dir):
    def crash(name: str) -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_bundle(good_plan(chain), out_dir, progress=crash)
    assert leftovers(out_dir) == []


KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from bundleguard.bundle import plan, writer

    shot, cert, out = sys.argv[1:4]
    bundle = plan.plan_bundle(
        plan.check_appliance("primary.example.com"),
        plan.read_input(shot),
        [plan.read_input(cert)],
        public_anchors=[],
        system_anchors=[],
    )

    def pause(name):
        print("wrote", name, flush=True)
        time.sleep(60)

    writer.write_bundle(bundle, Path(out), progress=pause)
    print("finished", flush=True)
    """
)


def test_killed_writer_leaves_nothing_under_the_final_name(inputs, out_dir):
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(inputs.screenshot), str(inputs.leaf),
         str(out_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        line = child.stdout.readline()
        assert line.startswith("wrote status-basics-"), child.stderr.read()
        # The first member is in the temp file: kill the writer now, mid-bundle.
        child.kill()
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()
        child.stderr.close()
    assert not (out_dir / f"support-bundle-{PRIMARY}.zip").exists()
    left = leftovers(out_dir)
    assert all(n.startswith(TEMP_PREFIX) and n.endswith(TEMP_SUFFIX) for n in left)


def test_size_warning_past_the_threshold(chain, out_dir, monkeypatch):
    written = write_bundle(good_plan(chain), out_dir)
    assert not any("MB" in w for w in written.warnings)
    monkeypatch.setattr(writer, "WARN_SIZE_BYTES", 1000)
    written = write_bundle(good_plan(chain), out_dir, force=True)
    assert any("mail servers refuse" in w for w in written.warnings)


def test_member_failing_the_guard_on_read_back_deletes_the_bundle(chain, out_dir, monkeypatch):
    """Belt and braces: if the bytes read back are judged differently, nothing is kept."""
    real = writer.classify_bytes

    def doubtful(data, name, limits=None):
        if name == "leaf.crt":
            return FileReport(name, Verdict.SECRET, ("a key was found (test).",))
        return real(data, name)

    monkeypatch.setattr(writer, "classify_bytes", doubtful)
    with pytest.raises(BundleVerificationError, match=r"deleted.*leaf\.crt.*secret"):
        write_bundle(good_plan(chain), out_dir)
    assert leftovers(out_dir) == []


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_verify_catches_a_key_a_wrong_hash_and_a_stray_member(chain, tmp_path):
    good = write_bundle(good_plan(chain), tmp_path)
    with zipfile.ZipFile(good.path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}

    with_key = dict(members, **{"leaf.crt": members["leaf.crt"] + pki.key_pem(chain.leaf_key)})
    with pytest.raises(BundleVerificationError, match="key material") as caught:
        verify_bundle(_zip(tmp_path / "a.zip", with_key))
    assert "PRIVATE KEY" not in str(caught.value).replace("private key", "")

    stray = dict(members, **{"notes.txt": b"hi"})
    with pytest.raises(BundleVerificationError, match="not the ones the manifest lists"):
        verify_bundle(_zip(tmp_path / "b.zip", stray))

    changed = dict(members, **{"leaf.crt": pki.pem(chain.root)})
    with pytest.raises(BundleVerificationError, match="differ from the manifest"):
        verify_bundle(_zip(tmp_path / "c.zip", changed))

    sneaky = dict(members, **{"../evil.crt": b""})
    with pytest.raises(BundleVerificationError, match="unsafe member name"):
        verify_bundle(_zip(tmp_path / "d.zip", sneaky))

    (tmp_path / "e.zip").write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(BundleVerificationError, match="cannot be read back"):
        verify_bundle(tmp_path / "e.zip")
