"""`bundleguard inspect` says how many in plain words: "expires in 1 day", "1 chain
certificate", never "1 day(s)". Certificates generated at run time (EC P-256)."""

from __future__ import annotations

import datetime as dt
import sys

import pytest

from bundleguard.certs import roots
from bundleguard.cli import main
from tests.certs import pki


@pytest.fixture
def run(capsys, monkeypatch):
    """The CLI in-process, with no machine roots and no prompts: (exit code, stdout)."""
    monkeypatch.setattr(roots, "system_roots", lambda: ())
    monkeypatch.delenv("BUNDLEGUARD_PASSPHRASE", raising=False)
    monkeypatch.setattr(sys, "stdin", None)

    def _run(*argv) -> tuple[int, str]:
        code = main([str(a) for a in argv])
        return code, capsys.readouterr().out

    return _run


def test_inspect_a_certificate_expiring_in_one_day_says_1_day(run, tmp_path):
    base = pki.make_chain()
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=1, hours=12)
    chain = base.issue_leaf(["support.example.com"], not_after=soon)
    path = tmp_path / "chain.pem"
    path.write_bytes(pki.pem(*chain.certs))

    _code, out = run("inspect", path)

    assert f"expires in 1 day, on {soon:%Y-%m-%d}" in out
    assert "(s)" not in out


def test_inspect_a_pkcs12_with_one_chain_certificate_says_1_chain_certificate(run, tmp_path):
    chain = pki.make_chain(intermediates=0)
    path = tmp_path / "export.p12"
    path.write_bytes(pki.make_pkcs12(chain, None))

    _code, out = run("inspect", path)

    assert "; 1 chain certificate; NOT PASSPHRASE-PROTECTED" in out
    assert "(s)" not in out
