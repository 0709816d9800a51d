"""Untrusted text in file names and certificate fields is shown escaped, never obeyed.

Each command that prints text (`scan`, `inspect`, `extract-chain`, `rewrap`) is fed a
file name and a certificate whose CN, SAN and issuer hold an escape sequence, a forged
`Result: OK` line, a carriage return and a right-to-left override. The forged line must
not appear as a line of its own, no raw control character may reach the terminal, and the
escapes must be visible. `--json` keeps the exact values.
"""

from __future__ import annotations

import json
import sys

import pytest

from bundleguard import cli
from bundleguard.certs import roots
from tests.certs import pki

FORGED = "\x1b[2J\n Result: OK\r\u202e"
ASCII_FORGED = "\x1b[2J\n Result: OK\r"  # a DNSName holds ASCII only
RAW = ("\x1b", "\r", "\u202e")
VISIBLE = ("\\x1b[2J", "\\n Result: OK", "\\r", "\\u202e")


@pytest.fixture
def run(capsys, monkeypatch):
    monkeypatch.setattr(roots, "system_roots", lambda: ())
    monkeypatch.delenv("BUNDLEGUARD_PASSPHRASE", raising=False)
    monkeypatch.delenv("BUNDLEGUARD_NEW_PASSPHRASE", raising=False)
    monkeypatch.setattr(sys, "stdin", None)

    def _run(*argv) -> tuple[int, str, str]:
        code = cli.main([str(a) for a in argv])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return _run


@pytest.fixture(scope="module")
def hostile() -> pki.Chain:
    """A leaf whose CN, SAN and issuer (its root) all hold the forged text."""
    return pki.make_chain(
        [f"a{ASCII_FORGED}.example"],
        leaf_cn=f"leaf{FORGED}",
        ca_name=f"root{FORGED}",
        intermediates=0,
    )


def assert_not_forged(text: str) -> None:
    for line in text.splitlines():
        assert not line.startswith(" Result: OK"), line
    for char in RAW:
        assert char not in text, repr(char)


def test_inspect_shows_certificate_fields_escaped(run, tmp_path, hostile):
    path = tmp_path / f"chain{FORGED}.pem"
    path.write_bytes(pki.pem(hostile.leaf, hostile.root))
    _, out, err = run("inspect", path)
    assert_not_forged(out + err)
    assert "leaf\\x1b[2J\\n Result: OK\\r\\u202e  (issued" in out  # the subject (CN)
    assert "issued by root\\x1b[2J\\n Result: OK\\r\\u202e" in out  # the issuer
    assert "a\\x1b[2J\\n Result: OK\\r.example" in out  # the SAN


def test_inspect_json_keeps_the_exact_values(run, tmp_path, hostile):
    path = tmp_path / "chain.pem"
    path.write_bytes(pki.pem(hostile.leaf, hostile.root))
    _, out, _ = run("inspect", path, "--json")
    report = json.loads(out)
    leaf = report["certificates"][0]
    assert leaf["subject"] == f"leaf{FORGED}"
    assert leaf["issuer"] == f"root{FORGED}"
    assert leaf["names"] == [f"a{ASCII_FORGED}.example"]


def test_inspect_shows_a_pkcs12_file_name_escaped(run, tmp_path, hostile):
    path = tmp_path / f"export{FORGED}.p12"
    path.write_bytes(pki.make_pkcs12(hostile, None))
    _, out, err = run("inspect", path)
    assert_not_forged(out + err)
    assert "PKCS#12 " in out and "export\\x1b[2J\\n Result: OK\\r\\u202e.p12" in out


def test_an_error_quoting_a_file_name_is_escaped(run, tmp_path):
    path = tmp_path / f"broken{FORGED}.pem"
    path.write_bytes(b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n")
    code, out, err = run("inspect", path)
    assert code == 2
    assert_not_forged(out + err)
    for visible in VISIBLE:
        assert visible in err


def test_extract_chain_shows_fields_and_folder_escaped(run, tmp_path, hostile):
    source = tmp_path / "mixed.pem"
    source.write_bytes(pki.pem(hostile.leaf))  # the root is missing: a problem line
    out_dir = tmp_path / f"out{FORGED}"
    code, out, err = run("extract-chain", source, "--out", out_dir)
    assert code == 1
    assert_not_forged(out + err)
    assert "wrote " in out and "out\\x1b[2J\\n Result: OK\\r\\u202e" in out
    assert "root\\x1b[2J\\n Result: OK\\r\\u202e" in out  # the missing issuer, quoted


def test_rewrap_shows_the_output_name_escaped(run, tmp_path, hostile):
    source = tmp_path / f"in{FORGED}.p12"
    source.write_bytes(pki.make_pkcs12(hostile, b"old pass"))
    old, new = tmp_path / "old.txt", tmp_path / "new.txt"
    old.write_bytes(b"old pass\n")
    new.write_bytes(b"new pass for the hostile quokka\n")
    out = tmp_path / f"new{FORGED}.p12"
    code, printed, err = run(
        "rewrap", source, "--out", out, "--passphrase-file", old, "--new-passphrase-file", new
    )
    assert code == 0, err
    assert_not_forged(printed + err)
    assert "new\\x1b[2J\\n Result: OK\\r\\u202e.p12" in printed


def test_scan_shows_a_file_name_escaped(run, tmp_path, hostile):
    path = tmp_path / f"cert{FORGED}.pem"
    path.write_bytes(pki.pem(hostile.leaf))
    _, out, err = run("scan", path)
    assert_not_forged(out + err)
    assert "cert\\x1b[2J\\n Result: OK\\r\\u202e.pem" in out


def test_scan_json_keeps_the_exact_file_name(run, tmp_path, hostile):
    path = tmp_path / f"cert{FORGED}.pem"
    path.write_bytes(pki.pem(hostile.leaf))
    _, out, _ = run("scan", path, "--json")
    assert json.loads(out)["files"][0]["path"] == str(path)
