"""Pasting certificate text is one Qt-free case action: the guard judges the text before
anything is written; a certificate is kept as the next free `pasted-N.pem` with the careful
writer, never through a link out of the case's folder."""

from __future__ import annotations

import os
import sys

import pytest

from bundleguard.case import model, paste
from bundleguard.case.model import Case, CaseLimitError
from bundleguard.case.paste import PasteRefusedError, paste_certificate_text
from bundleguard.case.store import OutsideCaseFolderError
from tests.certs import pki
from tests.guard import keyforge

needs_links = pytest.mark.skipif(
    sys.platform == "win32", reason="symbolic links need a privilege on Windows"
)


@pytest.fixture(scope="module")
def cert_pem() -> bytes:
    return pki.pem(pki.self_signed(["primary.example.com"]).leaf)


def test_certificate_text_is_kept_byte_for_byte_as_the_next_free_name(tmp_path, cert_pem):
    folder = tmp_path / "case" / "files"
    first = paste_certificate_text(folder, cert_pem.decode())
    assert first.path == folder / "pasted-1.pem"
    assert first.path.read_bytes() == cert_pem
    assert first.report.verdict.value == "certificate" and first.report.certificates
    second = paste_certificate_text(folder, cert_pem)
    assert second.path == folder / "pasted-2.pem"
    assert first.path.read_bytes() == cert_pem  # never replaced


def test_a_pasted_private_key_is_refused_with_its_reason_and_nothing_written(tmp_path):
    folder = tmp_path / "case" / "files"
    with pytest.raises(PasteRefusedError) as refused:
        paste_certificate_text(folder, keyforge.pkcs8_pem(keyforge.ec_key()).decode())
    assert refused.value.reasons
    assert "private key" in str(refused.value).lower()
    assert not folder.exists()  # not even the folder


def test_a_certificate_with_its_key_pasted_together_is_refused(tmp_path, cert_pem):
    folder = tmp_path / "files"
    folder.mkdir()
    both = cert_pem + keyforge.sec1_pem(keyforge.ec_key())
    with pytest.raises(PasteRefusedError):
        paste_certificate_text(folder, both)
    assert list(folder.iterdir()) == []


def test_text_that_is_no_certificate_is_refused(tmp_path):
    with pytest.raises(PasteRefusedError):
        paste_certificate_text(tmp_path / "files", "-----BEGIN NOTHING-----\nhello\n")
    assert not (tmp_path / "files").exists()


def test_a_case_that_cannot_take_one_more_file_gets_nothing(tmp_path, cert_pem, monkeypatch):
    monkeypatch.setattr(model, "MAX_FILES", 1)
    full = Case(files=(str(tmp_path / "chain.pem"),))
    with pytest.raises(CaseLimitError):
        paste_certificate_text(tmp_path / "files", cert_pem, case=full)
    assert not (tmp_path / "files").exists()
    kept = paste_certificate_text(tmp_path / "files", cert_pem, case=Case())
    assert kept.path.name == "pasted-1.pem"


def test_text_larger_than_a_file_may_be_is_refused_before_the_guard(
    tmp_path, cert_pem, monkeypatch
):
    monkeypatch.setattr(paste, "MAX_PASTE_BYTES", len(cert_pem) - 1)
    judged: list[bytes] = []
    monkeypatch.setattr(
        "bundleguard.guard.scan.classify_bytes", lambda data, name: judged.append(data)
    )
    with pytest.raises(PasteRefusedError, match="more than"):
        paste_certificate_text(tmp_path / "files", cert_pem)
    assert judged == [] and not (tmp_path / "files").exists()


@needs_links
def test_a_link_in_the_case_folder_is_never_written_through(tmp_path, cert_pem):
    folder = tmp_path / "case" / "files"
    folder.mkdir(parents=True)
    outside = tmp_path / "outside.pem"
    outside.write_bytes(b"theirs")
    os.symlink(outside, folder / "pasted-1.pem")
    kept = paste_certificate_text(folder, cert_pem)
    assert kept.path == folder / "pasted-2.pem"
    assert outside.read_bytes() == b"theirs"


@needs_links
def test_a_case_folder_that_is_a_link_out_is_refused(tmp_path, cert_pem):
    away = tmp_path / "away"
    away.mkdir()
    (tmp_path / "case").mkdir()
    os.symlink(away, tmp_path / "case" / "files", target_is_directory=True)
    with pytest.raises(OutsideCaseFolderError):
        paste_certificate_text(tmp_path / "case" / "files", cert_pem)
    assert list(away.iterdir()) == []


def test_only_the_certificates_are_kept_never_the_words_pasted_around_them(tmp_path, cert_pem):
    # An email copied whole: its note and a passphrase around the certificate stay out of
    # the file kept in the case's folder (as they stay out of a bundle).
    note = b"Hi, the .p12's passphrase is Zq7-Summer-2026!\r\n\r\n"
    pasted = note + cert_pem.replace(b"\n", b"\r\n") + b"\r\npassphrase: Zq7-Summer-2026!\r\n"
    kept = paste_certificate_text(tmp_path / "files", pasted.decode())
    written = kept.path.read_bytes()
    assert b"Zq7-Summer-2026" not in written and b"passphrase" not in written
    assert written == cert_pem  # the certificate, as PEM
