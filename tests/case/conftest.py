"""Fixtures for case tests: a generated PKI and real files beside a case file."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.bundle.conftest import BACKUP, PRIMARY, SITE, screenshot_png
from tests.certs import pki

__all__ = ["BACKUP", "PRIMARY", "SITE", "screenshot_png"]


@pytest.fixture(autouse=True)
def _own_folders(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Never read or write the real user's settings or cases."""
    monkeypatch.setenv("BUNDLEGUARD_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))
    monkeypatch.setenv("BUNDLEGUARD_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    # A case that names no output folder is built into Documents/bundleguard/...: not the
    # real user's.
    monkeypatch.setenv("BUNDLEGUARD_DOCUMENTS_DIR", str(tmp_path_factory.mktemp("documents")))


@pytest.fixture(scope="session")
def chain() -> pki.Chain:
    return pki.make_chain([SITE, PRIMARY, BACKUP])


@pytest.fixture
def no_anchors() -> SimpleNamespace:
    """Trust anchors as the shell passes them: here none, so nothing is read from disk."""
    return SimpleNamespace(public=(), system=())


@pytest.fixture
def folder(tmp_path: Path, chain: pki.Chain) -> Path:
    """A work folder with two screenshots and the chain, as a user keeps them."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "primary.png").write_bytes(screenshot_png())
    (work / "backup.png").write_bytes(screenshot_png((50, 30)))
    (work / "chain.pem").write_bytes(pki.pem(chain.leaf, *chain.intermediates, chain.root))
    return work
