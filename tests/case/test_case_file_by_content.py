"""What opens as a case is decided by the file's content (the reader's own test,
`model.is_case_document`), recorded in the evidence when the file is judged (no second
read), and routed by `intake.route`; never by the `.bgcase` name."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bundleguard.case.evidence import EvidenceCache, judge_file
from bundleguard.case.intake import case_documents, route
from bundleguard.case.model import MAX_CASE_BYTES, Case, case_to_bytes, is_case_document
from bundleguard.case.steps import Step
from bundleguard.case.store import load_case, save_case
from tests.certs import pki


@pytest.fixture
def case_bytes() -> bytes:
    return case_to_bytes(Case(site="content.example.com"))


def test_a_case_is_known_by_its_content(case_bytes):
    assert is_case_document(case_bytes)
    assert is_case_document(b"\xef\xbb\xbf\n  " + case_bytes)  # Notepad's byte order mark
    reordered = json.loads(case_bytes)
    reordered = {"version": 1, **{k: v for k, v in reordered.items() if k != "version"}}
    assert next(iter(reordered)) == "version"
    assert is_case_document(json.dumps(reordered).encode())


def test_a_damaged_or_too_large_case_still_counts_so_opening_it_says_why(case_bytes):
    assert is_case_document(case_bytes[:40])  # cut short: the reader says "damaged"
    large = case_bytes[:-2] + b' "pad": "' + b"x" * MAX_CASE_BYTES + b'"}'
    assert is_case_document(large)


def test_other_files_are_no_case_whatever_they_hold(case_bytes):
    assert not is_case_document(b'{"format": "something-else", "version": 1}')
    assert not is_case_document(b'["format", "bundleguard-case"]')
    assert not is_case_document(pki.pem(pki.self_signed(["a.example.com"]).leaf))
    assert not is_case_document(b"")
    assert not is_case_document(b'{"site": "x", "format": "bundleguard-case-not"}')


def test_the_evidence_records_a_case_file_with_its_one_read(tmp_path, case_bytes):
    renamed = tmp_path / "case.txt"
    renamed.write_bytes(case_bytes)
    named = tmp_path / "chain.bgcase"
    named.write_bytes(pki.pem(pki.self_signed(["a.example.com"]).leaf))
    reads: list[str] = []

    def counted(path, key):
        reads.append(path)
        return judge_file(path, key)

    cache = EvidenceCache(counted)
    evidence = cache.judge([renamed, named])
    assert evidence.get(renamed).case_file and evidence.get(renamed).verdict == "refused"
    assert not evidence.get(named).case_file and evidence.get(named).verdict == "certificate"
    cache.judge([renamed, named])
    assert len(reads) == 2  # judged again: one stat each, no read


def test_only_a_case_file_handed_over_itself_is_routed_to_open(tmp_path, case_bytes):
    folder = tmp_path / "given"
    folder.mkdir()
    direct = folder / "work.json"
    direct.write_bytes(case_bytes)
    inside = folder / "sub" / "other.json"
    inside.parent.mkdir()
    inside.write_bytes(case_bytes)
    evidence = EvidenceCache().judge([direct, inside]).entries
    cases = case_documents(evidence, [str(direct), str(folder)])
    assert cases == {str(direct)}
    reports = [evidence[str(direct)].report, evidence[str(inside)].report]
    routed = route(reports, ["a.example.com"], step=Step.CERTIFICATES, cases=cases)
    assert routed.cases == (str(direct),)
    assert routed.certificates == (str(inside),)  # a refused file of the list, as before


def test_a_case_renamed_loads_as_it_was_saved(tmp_path):
    saved = save_case(Case(site="content.example.com"), tmp_path / "a.bgcase")
    renamed = tmp_path / "a.json"
    shutil.copyfile(saved, renamed)
    assert load_case(renamed).site == "content.example.com"
    assert is_case_document(Path(renamed).read_bytes())
