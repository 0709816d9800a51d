"""scan_file streams big files without missing keys on window edges; scan_paths walks safely."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bundleguard.guard import FileReport, Verdict, classify_bytes, scan_file, scan_paths
from tests.guard import keyforge as kf

MIB = 1 << 20
LOG_LINE = b"2025-01-01 12:00:00.000 INFO [sync] replicated certificate store to backup ok\n"


def _log_filler(size: int) -> bytes:
    return (LOG_LINE * (size // len(LOG_LINE) + 1))[:size]


@pytest.fixture(scope="module")
def big_log(tmp_path_factory) -> tuple[Path, dict[int, str]]:
    """A 40 MiB log with keys placed across 8 MiB boundaries and near the end."""
    base64_line = b'\nkey: "' + kf.b64(kf.pkcs1_der(kf.rsa_key(1))) + b'"\n'
    placements = [
        (8 * MIB - 100, kf.pkcs1_pem(), "rsa-private-key"),
        (12 * MIB - 700, base64_line, "rsa-private-key"),
        (16 * MIB - 10, kf.openssh_pem(), "openssh-private-key"),
        (24 * MIB - 1, kf.sec1_pem(), "ec-private-key"),
        (32 * MIB - 300, kf.pkcs8_der(), "pkcs8-private-key"),
        (40 * MIB - 4000, kf.pkcs8_pem(kf.ec_key()), "pkcs8-private-key"),
    ]
    parts, position, expected = [], 0, {}
    for offset, key, kind in placements:
        parts.append(_log_filler(offset - position))
        parts.append(key)
        # The base64 line is reported at its first base64 character, after `key: "`.
        expected[offset + (7 if key is base64_line else 0)] = kind
        position = offset + len(key)
    parts.append(_log_filler(40 * MIB - position))
    path = tmp_path_factory.mktemp("big") / "appliance-debug.log"
    path.write_bytes(b"".join(parts))
    return path, expected


def test_big_log_keys_are_found_at_exact_offsets_across_window_edges(big_log):
    path, expected = big_log

    report = scan_file(path)

    assert report.verdict is Verdict.SECRET
    found = {f.offset: f.kind for f in report.findings if not f.damaged}
    assert found == expected
    assert report.size == path.stat().st_size


def test_big_log_scan_reports_no_damaged_key_at_the_window_edges(big_log):
    path, _ = big_log

    report = scan_file(path)

    assert [f for f in report.findings if f.damaged] == []


def test_big_utf16_log_key_across_a_window_edge_is_found(tmp_path):
    lines = (LOG_LINE.decode() * (8 * MIB // (2 * len(LOG_LINE)))).encode("utf-16-le")
    lines = lines[: 8 * MIB - 300]  # even length: the key starts on a character boundary
    key = kf.pkcs8_pem(kf.ec_key()).decode().encode("utf-16-le")
    path = tmp_path / "debug-utf16.log"
    path.write_bytes(lines + key + LOG_LINE.decode().encode("utf-16-le") * 50_000)

    report = scan_file(path)

    assert report.verdict is Verdict.SECRET
    assert [(f.kind, f.offset) for f in report.findings] == [("pkcs8-private-key", len(lines))]


def test_big_clean_log_is_refused_without_findings(tmp_path):
    path = tmp_path / "clean.log"
    path.write_bytes(_log_filler(20 * MIB))

    report = scan_file(path)

    assert report.verdict is Verdict.REFUSED
    assert report.findings == ()


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("chain.pem", kf.chain_pem),
        ("status.png", kf.png),
        ("server.key", kf.pkcs1_pem),
        ("bundle.zip", lambda: kf.zip_of({"k.pem": kf.pkcs8_pem()})),
        ("store.p12", lambda: kf.pfx("3des")),
    ],
)
def test_scan_file_agrees_with_classify_bytes(tmp_path, name, build):
    path = tmp_path / name
    path.write_bytes(build())

    from_file = scan_file(path)
    from_bytes = classify_bytes(path.read_bytes(), name)

    assert from_file.verdict is from_bytes.verdict
    assert [(f.kind, f.offset, f.member) for f in from_file.findings] == [
        (f.kind, f.offset, f.member) for f in from_bytes.findings
    ]
    assert from_file.path.endswith(name)


def test_scan_file_on_a_missing_file_is_an_error_not_an_exception(tmp_path):
    report = scan_file(tmp_path / "vanished.pem")

    assert report.verdict is Verdict.ERROR
    assert report.reasons


# --------------------------------------------------------------------------- scan_paths


def _by_name(reports: list[FileReport]) -> dict[str, FileReport]:
    return {Path(r.path).name: r for r in reports}


@pytest.mark.timeout(60)
def test_scan_paths_walks_a_tree_without_escaping_or_looping(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "elsewhere-key.pem").write_bytes(kf.pkcs1_pem())
    tree = tmp_path / "upload"
    (tree / "certs" / "deeper").mkdir(parents=True)
    (tree / "certs" / "chain.pem").write_bytes(kf.chain_pem())
    (tree / "certs" / "deeper" / "server.key").write_bytes(kf.sec1_pem())
    (tree / "status.png").write_bytes(kf.png())
    (tree / "certs" / "deeper" / "loop").symlink_to(tree / "certs")  # a directory loop
    (tree / "outside-dir").symlink_to(outside)  # leaves the tree
    (tree / "outside-file.pem").symlink_to(outside / "elsewhere-key.pem")

    reports = list(scan_paths([tree]))

    names = _by_name(reports)
    assert names["chain.pem"].verdict is Verdict.CERTIFICATE
    assert names["server.key"].verdict is Verdict.SECRET
    assert names["status.png"].verdict is Verdict.IMAGE
    assert "elsewhere-key.pem" not in names, "followed a symlink out of the tree"
    for report in reports:
        assert not Path(report.path).is_relative_to(outside)
        if Path(report.path).is_symlink():
            assert not report.may_enter_bundle
    chain_reports = [r for r in reports if Path(r.path).name == "chain.pem"]
    assert len(chain_reports) <= 2, "the loop was walked more than once"


def test_scan_paths_reports_each_given_file_in_order(tmp_path):
    paths = []
    for name, data in (("a.pem", kf.cert_pem()), ("b.key", kf.pkcs1_pem()), ("c.png", kf.png())):
        paths.append(tmp_path / name)
        paths[-1].write_bytes(data)

    reports = list(scan_paths(paths))

    assert [Path(r.path).name for r in reports] == ["a.pem", "b.key", "c.png"]
    assert [r.verdict for r in reports] == [Verdict.CERTIFICATE, Verdict.SECRET, Verdict.IMAGE]


def test_a_vanished_file_is_an_error_and_the_scan_goes_on(tmp_path):
    cert = tmp_path / "chain.pem"
    cert.write_bytes(kf.chain_pem())

    reports = list(scan_paths([tmp_path / "gone.pem", cert]))

    assert [r.verdict for r in reports] == [Verdict.ERROR, Verdict.CERTIFICATE]
    assert reports[0].reasons


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0,
    reason="POSIX file modes, and not as root (who reads a file whatever its mode)",
)
def test_an_unreadable_file_is_an_error_and_the_scan_goes_on(tmp_path):
    locked = tmp_path / "locked.pem"
    locked.write_bytes(kf.pkcs1_pem())
    locked.chmod(0)
    (tmp_path / "z-chain.pem").write_bytes(kf.chain_pem())

    try:
        names = _by_name(list(scan_paths([tmp_path])))
    finally:
        locked.chmod(0o600)

    assert names["locked.pem"].verdict is Verdict.ERROR
    assert names["locked.pem"].reasons
    assert names["z-chain.pem"].verdict is Verdict.CERTIFICATE


@pytest.mark.timeout(10)
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes (FIFOs) are POSIX's")
def test_a_fifo_in_the_tree_neither_hangs_nor_enters_the_bundle(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "z-chain.pem").write_bytes(kf.chain_pem())

    names = _by_name(list(scan_paths([tmp_path])))

    if "pipe" in names:
        assert names["pipe"].verdict in (Verdict.REFUSED, Verdict.ERROR)
    assert names["z-chain.pem"].verdict is Verdict.CERTIFICATE
