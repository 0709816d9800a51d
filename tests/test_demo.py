"""The demo case and its fake appliances: real files, real TLS on loopback."""

from __future__ import annotations

import dataclasses
import socket
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12

from bundleguard.case.model import Role
from bundleguard.case.probing import probe_case
from bundleguard.case.replication import Check, Status, verification_grid
from bundleguard.certs.anchors import TrustAnchors
from bundleguard.certs.summary import CertificateSummary
from bundleguard.demo import EXPORTED_NAME, PASSPHRASE, SITE, build_demo, start_demo_appliances
from bundleguard.errors import InputError

NO_ANCHORS = TrustAnchors(public=(), system=())


@pytest.fixture(autouse=True)
def _own_folders(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BUNDLEGUARD_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))
    monkeypatch.setenv("BUNDLEGUARD_DATA_DIR", str(tmp_path_factory.mktemp("data")))


def refused(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(2)
        try:
            sock.connect(("127.0.0.1", port))
        except ConnectionRefusedError:
            return True
    return False


def test_the_demo_case_names_a_pair_and_a_traffic_node_each_with_a_screenshot(tmp_path: Path):
    case = build_demo(tmp_path / "demo")
    assert [(a.hostname, a.role) for a in case.appliances] == [
        ("primary.example.com", Role.PRIMARY),
        ("backup.example.com", Role.BACKUP),
        ("node1.example.com", Role.NODE),
    ]
    shots = [Path(a.screenshot) for a in case.appliances]
    assert all(shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for shot in shots)
    assert len({shot.read_bytes() for shot in shots}) == 3  # each its own
    assert all(a.address == "" for a in case.appliances)


def test_the_demo_appliances_serve_a_pass_and_a_meaningful_fail_then_stop(tmp_path: Path):
    case = build_demo(tmp_path / "demo")
    exported = Path(next(f for f in case.files if f.endswith(EXPORTED_NAME))).read_bytes()
    _key, leaf, _extra = pkcs12.load_key_and_certificates(exported, PASSPHRASE)
    assert leaf is not None
    demo_fp = CertificateSummary.of(leaf).fingerprint_sha256
    before = sorted(p.name for p in (tmp_path / "demo").iterdir())

    demo = start_demo_appliances(case)
    try:
        ports = []
        for entry in demo.case.appliances:
            host, _sep, port = entry.address.partition(":")
            assert host == "127.0.0.1"
            ports.append(int(port))
        assert [a.hostname for a in demo.case.appliances] == [a.hostname for a in case.appliances]
        # The exported PKCS#12's certificate, as the Replicate page gives it to the probe.
        exported = dataclasses.replace(demo.case.replication, exported_fingerprint=demo_fp)
        report = probe_case(
            demo.case.with_changes(replication=exported), timeout=5.0, anchors=NO_ANCHORS
        )
    finally:
        demo.stop()
    grid = verification_grid(report, demo.case)
    primary, backup, node = grid.rows
    assert [row.host for row in grid.rows] == [
        "primary.example.com",
        "backup.example.com",
        "node1.example.com",
    ]
    assert primary.ok and backup.ok, grid.as_text()
    assert backup.cell(Check.SAME_AS_PRIMARY).accessible_text == (
        "backup.example.com: same leaf as primary: pass"
    )
    assert backup.cell(Check.MATCHES_EXPORT).status is Status.PASS
    same = node.cell(Check.SAME_AS_PRIMARY)
    assert same.accessible_text == "node1.example.com: same leaf as primary: fail"
    assert f"{demo_fp} on the primary" in same.detail
    assert node.cell(Check.MATCHES_EXPORT).status is Status.FAIL
    assert node.cell(Check.REACHABLE).status is Status.PASS
    assert grid.summary.startswith("Fix first: node1.example.com: Serves another certificate")
    assert grid.site == SITE

    assert all(refused(port) for port in ports)
    demo.stop()  # a second stop does nothing
    assert not demo.running
    # Nothing was written beside the demo's files (the key stayed in memory).
    assert sorted(p.name for p in (tmp_path / "demo").iterdir()) == before


def test_without_the_demo_pkcs12_nothing_starts_and_the_reason_is_given(tmp_path: Path):
    case = build_demo(tmp_path / "demo")
    (tmp_path / "demo" / EXPORTED_NAME).unlink()
    with pytest.raises(InputError, match=r"exported-cert\.crt was not found"):
        start_demo_appliances(case)


def test_the_demo_pkcs12_is_found_beside_the_screenshots_when_taken_out_of_the_case(
    tmp_path: Path,
):
    case = build_demo(tmp_path / "demo")
    case = case.with_changes(files=tuple(f for f in case.files if not f.endswith(EXPORTED_NAME)))
    with start_demo_appliances(case) as demo:
        report = probe_case(demo.case, timeout=5.0, anchors=NO_ANCHORS)
    assert verification_grid(report, demo.case).rows[1].ok
