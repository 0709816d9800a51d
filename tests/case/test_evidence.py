"""The case's evidence: each file read once and judged once per change on disk, and the plans
derived from it without reading again."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
    pkcs12,
)

from bundleguard.case import evidence as evidence_module
from bundleguard.case.actions import gather_facts
from bundleguard.case.evidence import EvidenceCache, file_key
from bundleguard.case.model import ApplianceEntry, Case, Role
from bundleguard.case.readiness import readiness
from bundleguard.guard import scan as guard_scan
from tests.case.conftest import PRIMARY, SITE
from tests.certs import pki


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every read through the one reader and every guard verdict, by path."""
    seen: list[str] = []
    real_read, real_decide = evidence_module.read_input_file, guard_scan.decide

    def read(path, *args, **kwargs):
        seen.append(f"read {os.path.basename(path)}")
        return real_read(path, *args, **kwargs)

    def decide(path, *args, **kwargs):
        seen.append(f"judged {os.path.basename(path)}")
        return real_decide(path, *args, **kwargs)

    monkeypatch.setattr(evidence_module, "read_input_file", read)
    monkeypatch.setattr(guard_scan, "decide", decide)
    return seen


def test_an_unchanged_file_is_read_and_judged_once(tmp_path, chain, reads) -> None:
    path = tmp_path / "chain.pem"
    path.write_bytes(pki.pem(chain.leaf, *chain.intermediates, chain.root))
    cache = EvidenceCache()
    first = cache.judge([path])
    again = cache.judge([str(path)])
    assert reads == ["read chain.pem", "judged chain.pem"]
    assert first.get(path) is again.get(path)
    assert first.report(path).verdict.value == "certificate"
    assert len(again.certificates([str(path)])) == 3  # the guard's parsed certificates


def test_a_file_changed_on_disk_is_read_and_judged_again(tmp_path, chain, reads) -> None:
    path = tmp_path / "leaf.pem"
    path.write_bytes(pki.pem(chain.leaf))
    cache = EvidenceCache()
    assert cache.judge([path]).report(path).verdict.value == "certificate"
    before = file_key(path)
    path.write_bytes(b"now only a note\n")
    os.utime(path, ns=(time.time_ns(), before.mtime_ns + 1_000_000))
    assert cache.judge([path]).report(path).verdict.value == "refused"
    assert reads.count("read leaf.pem") == 2


def test_a_refused_file_says_whether_its_certificates_can_be_extracted(tmp_path, chain) -> None:
    key_pem = chain.leaf_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    (tmp_path / "both.pem").write_bytes(pki.pem(chain.leaf) + key_pem)
    (tmp_path / "export.pfx").write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"x", chain.leaf_key, chain.leaf, None, BestAvailableEncryption(b"pw-at-run-time")
        )
    )
    (tmp_path / "notes.txt").write_bytes(b"nothing here\n")
    judged = EvidenceCache().judge(sorted(tmp_path.iterdir()))
    both, export, notes = (
        judged.get(tmp_path / n) for n in ("both.pem", "export.pfx", "notes.txt")
    )
    assert (both.verdict, both.extractable, both.needs_passphrase) == ("secret", True, False)
    assert (export.extractable, export.needs_passphrase) == (True, True)
    assert (notes.verdict, notes.extractable) == ("refused", False)
    assert both.data is None and export.data is None  # refused bytes are not kept


def test_a_folder_is_walked_by_the_guards_walker(tmp_path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("secret-ish\n")
    folder = tmp_path / "dropped"
    folder.mkdir()
    (folder / "a.txt").write_text("a\n")
    (folder / "out").symlink_to(outside)
    walked = list(evidence_module.walk([folder]))
    assert Path(folder / "a.txt") in walked
    refused = [r for r in walked if not isinstance(r, Path)]
    assert [os.path.basename(r.path) for r in refused] == ["out"]
    assert "outside the folder" in refused[0].reasons[0]


def test_a_change_of_the_case_texts_plans_again_without_reading(folder, no_anchors, reads) -> None:
    case = Case(
        site=SITE,
        appliances=(ApplianceEntry(PRIMARY, Role.PRIMARY, screenshot=str(folder / "primary.png")),),
        files=(str(folder / "chain.pem"),),
        output=str(folder / "out"),
    )
    cache = EvidenceCache()
    first = gather_facts(case, anchors=no_anchors, evidence=cache)
    # (the re-encoded screenshot's own check is made once per picture, and may be already)
    assert sorted(r for r in reads if "status-basics" not in r) == [
        "judged chain.pem",
        "judged primary.png",
        "read chain.pem",
        "read primary.png",
    ]
    reads.clear()
    changed = case.with_changes(incident="4242", site=PRIMARY)
    facts = gather_facts(changed, anchors=no_anchors, evidence=cache)
    assert reads == []  # nothing read, nothing judged, the picture not encoded again
    assert facts.plans[0].zip_name.endswith("-incident-4242.zip")
    assert readiness(changed, facts).plans == facts.plans
    assert [m.name for m in facts.plans[0].members] == [m.name for m in first.plans[0].members]
