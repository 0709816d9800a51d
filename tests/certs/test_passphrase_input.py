"""Passphrases as users really save them: UTF-16 from Notepad, a UTF-8 BOM, odd bytes.

A NUL byte once reached cryptography, whose Rust core panicked and printed the whole
passphrase to stderr: every such input must give a plain message and exit 2, and the
passphrase must appear nowhere in the output.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bundleguard.certs.load import check_passphrase
from bundleguard.errors import PassphraseError
from tests.certs import pki

PASSPHRASE = "correct horse"


@pytest.fixture(scope="module")
def p12(tmp_path_factory):
    chain = pki.make_chain(["support.example.com"])
    path = tmp_path_factory.mktemp("p12") / "export.p12"
    path.write_bytes(pki.make_pkcs12(chain, PASSPHRASE.encode()))
    return path


def _inspect(p12, *args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "bundleguard", "inspect", *args, str(p12)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def _assert_not_leaked(result):
    output = result.stdout + result.stderr
    assert "horse" not in output
    assert "99, 0, 111" not in output  # the panic's list of byte values
    assert "Traceback" not in output


def test_a_utf16_passphrase_file_with_a_bom_is_read_as_text(p12, tmp_path):
    path = tmp_path / "pass.txt"
    path.write_bytes(f"{PASSPHRASE}\r\n".encode("utf-16"))

    result = _inspect(p12, "--passphrase-file", str(path))

    assert result.returncode == 0, result.stderr
    assert "passphrase-protected" in result.stdout


def test_a_utf16_passphrase_file_without_a_bom_is_refused_plainly(p12, tmp_path):
    path = tmp_path / "pass.txt"
    path.write_bytes(f"{PASSPHRASE}\r\n".encode("utf-16-le"))

    result = _inspect(p12, "--passphrase-file", str(path))

    assert result.returncode == 2
    assert "UTF-16" in result.stderr and "UTF-8" in result.stderr
    _assert_not_leaked(result)


def test_a_utf8_bom_before_the_passphrase_is_ignored(p12, tmp_path):
    path = tmp_path / "pass.txt"
    path.write_bytes(b"\xef\xbb\xbf" + PASSPHRASE.encode() + b"\n")

    result = _inspect(p12, "--passphrase-file", str(path))

    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(os.name != "posix", reason="environment bytes that are not UTF-8: POSIX")
def test_a_passphrase_variable_that_is_not_utf8_is_refused_plainly(p12):
    env = dict(os.environb)
    env[b"BUNDLEGUARD_PASSPHRASE"] = b"correct\xffhorse"
    result = subprocess.run(
        [sys.executable, "-m", "bundleguard", "inspect", str(p12)],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )

    assert result.returncode == 2
    assert "not UTF-8" in result.stderr
    _assert_not_leaked(result)


def test_a_missing_passphrase_file_is_not_named_back(p12):
    # Someone typing the passphrase where the file name goes must not see it echoed.
    result = _inspect(p12, "--passphrase-file", "correct-horse-battery")

    assert result.returncode == 2
    assert "correct-horse-battery" not in result.stderr


@pytest.mark.parametrize("raw", [b"a\x00b", b"\xff\xfe", b"caf\xe9"])
def test_check_passphrase_refuses_what_cryptography_cannot_take(raw):
    with pytest.raises(PassphraseError) as caught:
        check_passphrase(raw)
    assert raw.decode("latin-1") not in str(caught.value)


def test_check_passphrase_drops_a_utf8_bom():
    assert check_passphrase(b"\xef\xbb\xbfsecret") == b"secret"
