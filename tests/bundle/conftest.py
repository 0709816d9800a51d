"""Fixtures for bundle tests: a generated PKI, a screenshot, real files in a temp folder.

Keys are generated at run time (tests/certs/pki.py) and only ever written where a test
wants a forbidden input on disk, inside pytest's temporary folder.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from bundleguard.bundle.plan import Appliance, BundleInput, BundlePlan, plan_bundle
from tests.certs import pki

SITE = "support.example.com"
PRIMARY = "primary.example.com"
BACKUP = "backup.example.com"


@pytest.fixture(autouse=True)
def _own_settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Never read or write the real user's settings."""
    monkeypatch.setenv("BUNDLEGUARD_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))
    # A case that names no output folder is built into Documents/bundleguard/...: not the
    # real user's.
    monkeypatch.setenv("BUNDLEGUARD_DOCUMENTS_DIR", str(tmp_path_factory.mktemp("documents")))


@pytest.fixture(scope="session")
def chain() -> pki.Chain:
    """root -> intermediate -> leaf covering the site and both appliances."""
    return pki.make_chain([SITE, PRIMARY, BACKUP])


def screenshot_png(size: tuple[int, int] = (64, 40), **save) -> bytes:
    image = Image.new("RGB", size)
    image.putdata([(x * 3 % 256, y * 5 % 256, 90) for y in range(size[1]) for x in range(size[0])])
    out = io.BytesIO()
    image.save(out, "PNG", **save)
    return out.getvalue()


@dataclass
class Inputs:
    """Real files for one appliance's bundle, in a folder of their own."""

    folder: Path
    screenshot: Path
    leaf: Path
    intermediate: Path
    root: Path

    @property
    def certs(self) -> list[Path]:
        return [self.leaf, self.intermediate, self.root]

    def add(self, name: str, data: bytes) -> Path:
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path


@pytest.fixture
def inputs(tmp_path: Path, chain: pki.Chain) -> Inputs:
    folder = tmp_path / "in"
    folder.mkdir()
    made = Inputs(folder, folder / "basics.png", folder / "leaf.crt", folder / "inter.cer",
                  folder / "root.pem")  # fmt: skip
    made.screenshot.write_bytes(screenshot_png())
    made.leaf.write_bytes(pki.pem(chain.leaf))
    made.intermediate.write_bytes(pki.der(chain.intermediates[0]))
    made.root.write_bytes(pki.pem(chain.root))
    return made


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def good_plan(chain: pki.Chain, hostname: str = PRIMARY, role: str = "primary", **kw) -> BundlePlan:
    """An accepted plan built from bytes, checked against the test root only."""
    kw.setdefault("site", SITE)
    kw.setdefault("public_anchors", [])
    kw.setdefault("system_anchors", [])
    return plan_bundle(
        Appliance(hostname, role),
        BundleInput("basics.png", screenshot_png()),
        [
            BundleInput("leaf.crt", pki.pem(chain.leaf)),
            BundleInput("chain.pem", pki.pem(*chain.intermediates, chain.root)),
        ],
        **kw,
    )
