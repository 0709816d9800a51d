"""`bundleguard inspect`, `extract-chain` and `rewrap`, run through `bundleguard.cli.main`."""

from __future__ import annotations

import importlib
import json
import sys
import types
from pathlib import Path

import pytest

from bundleguard.certs import roots
from bundleguard.certs.pkcs12 import inspect_pkcs12
from tests.certs import pki

PASS = b"correct horse"


def _cli():
    """bundleguard.cli; a stand-in `scan` module is used until that command lands."""
    try:
        return importlib.import_module("bundleguard.cli")
    except ImportError:
        for name in [m for m in sys.modules if m.startswith("bundleguard.commands")]:
            del sys.modules[name]
        stub = types.ModuleType("bundleguard.commands.scan")
        stub.register = lambda subparsers: None
        sys.modules["bundleguard.commands.scan"] = stub
        return importlib.import_module("bundleguard.cli")


@pytest.fixture
def run(capsys, monkeypatch):
    """Run the CLI; returns (exit code, stdout, stderr). No machine roots, no prompts."""
    monkeypatch.setattr(roots, "system_roots", lambda: ())
    monkeypatch.delenv("BUNDLEGUARD_PASSPHRASE", raising=False)
    monkeypatch.delenv("BUNDLEGUARD_NEW_PASSPHRASE", raising=False)
    monkeypatch.setattr(sys, "stdin", None)
    cli = _cli()

    def _run(*argv: str) -> tuple[int, str, str]:
        code = cli.main([str(a) for a in argv])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return _run


@pytest.fixture
def files(tmp_path, chain):
    def write(name: str, data: bytes):
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


def test_private_ca_chain_is_fine_and_says_software_update_needed(run, files, chain):
    path = files("chain.pem", pki.pem(*chain.certs))
    code, out, _ = run("inspect", path, "--site", "support.example.com")
    assert code == 0
    assert out.startswith("Result: OK")
    assert "send it to support" in out
    assert "covered      support.example.com" in out


def test_expired_certificate_exits_1(run, files):
    path = files("old.pem", pki.pem(*pki.make_chain(expired=True).certs))
    code, out, _ = run("inspect", path)
    assert code == 1
    assert "expired on" in out


def test_name_not_covered_exits_1(run, files, chain):
    path = files("chain.pem", pki.pem(*chain.certs))
    code, out, _ = run("inspect", path, "--site", "remote.example.org")
    assert code == 1
    assert "NOT covered  remote.example.org" in out


def test_failover_pair_check_through_cli(run, files, chain):
    path = files("chain.pem", pki.pem(*chain.certs))
    code, out, _ = run(
        "inspect", path, "--site", "support.example.com",
        "--appliance", "primary.example.com", "--appliance", "backup.example.com",
    )  # fmt: skip
    assert code == 0
    assert "Failover ready" in out


def test_missing_intermediate_across_files_exits_1(run, files, chain):
    leaf = files("leaf.crt", pki.der(chain.leaf))
    root = files("root.crt", pki.pem(chain.root))
    code, out, _ = run("inspect", leaf, root)
    assert code == 1
    assert "INCOMPLETE" in out and "Test Intermediate CA 1" in out


def test_json_is_the_same_report(run, files, chain):
    path = files("chain.pem", pki.pem(*chain.certs))
    code, out, _ = run("inspect", "--json", path, "--site", "support.example.com")
    report = json.loads(out)
    assert code == 0
    assert report["ok"] is True
    assert report["trust"]["needs_software_update"] is True
    assert [c["role"] for c in report["certificates"]] == ["leaf", "intermediate", "root"]
    assert report["coverage"]["covered"] == ["support.example.com"]


def test_pkcs12_with_passphrase_file(run, files, rsa_chain, tmp_path):
    p12 = files("export.p12", pki.make_pkcs12(rsa_chain, PASS))
    secret = files("pass.txt", PASS + b"\n")
    code, out, err = run("inspect", p12, "--passphrase-file", secret)
    assert code == 0, err
    assert "key matches" in out and "AES-256-CBC" in out
    assert PASS.decode() not in out + err


def test_pkcs12_passphrase_from_environment(run, files, rsa_chain, monkeypatch):
    p12 = files("export.p12", pki.make_pkcs12(rsa_chain, PASS, legacy=True))
    monkeypatch.setenv("BUNDLEGUARD_PASSPHRASE", PASS.decode())
    code, out, _ = run("inspect", p12)
    assert code == 0
    assert "legacy encryption" in out


def test_pkcs12_passphrase_is_prompted_without_echo_on_a_terminal(
    run, files, rsa_chain, monkeypatch
):
    p12 = files("export.p12", pki.make_pkcs12(rsa_chain, PASS))
    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(isatty=lambda: True))
    prompts = []
    monkeypatch.setattr("getpass.getpass", lambda text: prompts.append(text) or PASS.decode())
    code, _, _ = run("inspect", p12)
    assert code == 0
    assert prompts == [f"Passphrase for {p12}: "]


def test_wrong_passphrase_exits_2_without_showing_it(run, files, rsa_chain, monkeypatch):
    p12 = files("export.p12", pki.make_pkcs12(rsa_chain, PASS))
    monkeypatch.setenv("BUNDLEGUARD_PASSPHRASE", "not-it-42")
    code, out, err = run("inspect", p12)
    assert code == 2
    assert "wrong" in err and "not-it-42" not in out + err


def test_passphrase_needed_without_terminal_exits_2_with_advice(run, files, rsa_chain):
    p12 = files("export.p12", pki.make_pkcs12(rsa_chain, PASS))
    code, _, err = run("inspect", p12)
    assert code == 2
    assert "--passphrase-file" in err


def test_unprotected_pfx_exits_1(run, files, rsa_chain):
    p12 = files("open.pfx", pki.make_pkcs12(rsa_chain, None))
    code, out, _ = run("inspect", p12)
    assert code == 1
    assert "NOT protected by a passphrase" in out


def test_key_mismatch_exits_1(run, files, chain):
    p12 = files("odd.p12", pki.mismatched_pkcs12(chain, pki.new_key()))
    code, out, _ = run("inspect", p12)
    assert code == 1
    assert "KEY DOES NOT MATCH" in out


def test_missing_file_and_bad_hostname_exit_2(run, files, chain, tmp_path):
    code, _, err = run("inspect", tmp_path / "nope.pem")
    assert code == 2 and "Cannot read" in err
    path = files("chain.pem", pki.pem(*chain.certs))
    code, _, err = run("inspect", path, "--site", "bad..name")
    assert code == 2 and "not a valid host name" in err


@pytest.mark.parametrize("days", ["-1", "36501", str(10**12), "ten", "9" * 5000])
def test_an_absurd_expiry_days_is_a_usage_error(run, files, chain, capsys, days):
    path = files("chain.pem", pki.pem(*chain.certs))
    with pytest.raises(SystemExit) as exited:
        run("inspect", path, "--expiry-days", days)
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert "--expiry-days" in err and "days" in err and "Traceback" not in err


def test_a_duplicated_extension_exits_2_with_its_reason(run, files):
    from tests.certs.test_inspect_core import _with_duplicated_extension

    path = files("dup.der", _with_duplicated_extension())
    code, _, err = run("inspect", path)
    assert code == 2
    assert "damaged certificate" in err and "appears twice" in err
    assert "unexpected error" not in err


def test_corrupt_file_exits_2(run, files):
    code, _, err = run("inspect", files("junk.crt", b"not a certificate"))
    assert code == 2 and "junk.crt" in err


def test_extract_chain_writes_certificates_only(run, files, rsa_chain, tmp_path, monkeypatch):
    p12 = files("export.p12", pki.make_pkcs12(rsa_chain, PASS))
    monkeypatch.setenv("BUNDLEGUARD_PASSPHRASE", PASS.decode())
    out_dir = tmp_path / "bundle"
    code, _, _ = run("extract-chain", p12, "--out", out_dir)
    assert code == 0
    written = sorted(p.name for p in out_dir.iterdir())
    assert written == [
        "01-leaf-support.example.com.crt",
        "02-intermediate-Test_Intermediate_CA_1.crt",
        "03-root-Test_Root_CA.crt",
        "full-chain-support.example.com.pem",
    ]
    for path in out_dir.iterdir():
        assert b"PRIVATE KEY" not in path.read_bytes()
    # A second run refuses to overwrite, and --force replaces.
    code, _, err = run("extract-chain", p12, "--out", out_dir)
    assert code == 2 and "already exist" in err
    assert run("extract-chain", p12, "--out", out_dir, "--force")[0] == 0
    assert not [p for p in out_dir.iterdir() if p.name.endswith(".tmp")]


def test_extract_chain_from_a_mixed_pem(run, files, chain, tmp_path):
    mixed = files("server.pem", pki.key_pem(chain.leaf_key) + pki.pem(*chain.certs))
    code, _, _ = run("extract-chain", mixed, "--out", tmp_path / "out")
    assert code == 0
    assert len(list((tmp_path / "out").iterdir())) == 4


def test_extract_chain_with_a_missing_intermediate_exits_1(run, files, chain, tmp_path):
    path = files("partial.pem", pki.pem(chain.leaf, chain.root))
    code, out, _ = run("extract-chain", path, "--out", tmp_path / "out")
    assert code == 1 and "incomplete" in out


def test_rewrap_writes_an_aes_file_with_the_new_passphrase(
    run, files, rsa_chain, tmp_path, monkeypatch
):
    p12 = files("old.pfx", pki.make_pkcs12(rsa_chain, PASS, legacy=True))
    monkeypatch.setenv("BUNDLEGUARD_PASSPHRASE", PASS.decode())
    monkeypatch.setenv("BUNDLEGUARD_NEW_PASSPHRASE", "brand new lantern quokka")
    out = tmp_path / "new.p12"
    code, stdout, _ = run("rewrap", p12, "--out", out)
    assert code == 0 and "AES-256-CBC" in stdout
    report = inspect_pkcs12(out.read_bytes(), "new.p12", b"brand new lantern quokka")
    assert report.key_encryption.startswith("AES-256-CBC")
    assert run("rewrap", p12, "--out", out)[0] == 2  # exists: refused
    code, _, _ = run("rewrap", p12, "--out", out, "--force", "--legacy")
    assert code == 0
    assert inspect_pkcs12(out.read_bytes(), "", b"brand new lantern quokka").legacy_encryption


def test_rewrap_refuses_an_empty_new_passphrase(run, files, rsa_chain, tmp_path):
    p12 = files("old.pfx", pki.make_pkcs12(rsa_chain, None))
    empty = files("empty.txt", b"\n")
    out = tmp_path / "new.p12"
    code, _, err = run("rewrap", p12, "--out", out, "--new-passphrase-file", empty)
    assert code == 2 and "must not be empty" in err
    assert not out.exists()


def test_rewrap_asks_the_new_passphrase_twice(run, files, rsa_chain, tmp_path, monkeypatch):
    p12 = files("old.pfx", pki.make_pkcs12(rsa_chain, None))
    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(isatty=lambda: True))
    answers = iter(["quokka lantern 77 one", "quokka lantern 77 two"])
    monkeypatch.setattr("getpass.getpass", lambda text: next(answers))
    code, _, err = run("rewrap", p12, "--out", tmp_path / "new.p12")
    assert code == 2 and "differ" in err


@pytest.mark.parametrize(
    "argv",
    [
        ("inspect", "{p12}", "--passphrase", "hunter2"),
        ("inspect", "{p12}", "--passphrase=hunter2"),
        ("rewrap", "{p12}", "--out", "x.p12", "--new-passphrase", "hunter2"),
    ],
)
def test_a_passphrase_on_the_command_line_is_refused_without_echo(
    run, files, rsa_chain, argv, capsys
):
    p12 = files("export.p12", pki.make_pkcs12(rsa_chain, PASS))
    with pytest.raises(SystemExit) as exited:
        run(*[a.format(p12=p12) for a in argv])
    assert exited.value.code == 2
    assert "hunter2" not in capsys.readouterr().err


def test_extracted_files_pass_the_scan_as_certificates(run, files, rsa_chain, tmp_path):
    p12 = files("open.p12", pki.make_pkcs12(rsa_chain, None))
    out_dir = tmp_path / "bundle"
    assert run("extract-chain", p12, "--out", out_dir)[0] == 0
    code, out, _ = run("scan", "--json", out_dir)
    verdicts = {Path(f["path"]).name: f["verdict"] for f in json.loads(out)["files"]}
    assert code == 0
    assert len(verdicts) == 4
    assert set(verdicts.values()) == {"certificate"}
