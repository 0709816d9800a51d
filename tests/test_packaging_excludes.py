"""What the frozen app leaves out (packaging/bundleguard.spec's EXCLUDED_MODULES) must be
what the app never loads: checking a support address (email-validator, whose only use of
dnspython is a deliverability check the app never asks for) and judging a passphrase load
neither dnspython nor asyncio. The frozen app's own smoke test (packaging/smoke.py) runs
the self-test, a scan, a re-wrap and the demo window without them."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "packaging" / "bundleguard.spec"
NEVER_LOADED = ("dns", "asyncio", "_asyncio")

PROGRAM = """
import sys
from bundleguard.bundle.email import check_address
from bundleguard.case.strength import case_context, judge_passphrase
from bundleguard.case.model import Case

check_address("support@example.com")
judge_passphrase("Summer2026!", case_context(Case(site="acme.example.com")))
print("loaded:", *sorted(m for m in sys.modules if m.split(".")[0] in {names!r}))
"""


def excluded() -> list[str]:
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "EXCLUDED_MODULES" for t in node.targets
        ):
            return [ast.literal_eval(e) for e in node.value.elts]
    raise AssertionError("no EXCLUDED_MODULES in the spec")


def test_the_spec_leaves_out_dnspython_and_asyncio():
    assert set(NEVER_LOADED) <= set(excluded())


def test_no_path_of_the_app_loads_what_the_spec_leaves_out(tmp_path):
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "BUNDLEGUARD_DATA_DIR": str(tmp_path / "data"),
        "BUNDLEGUARD_CONFIG_DIR": str(tmp_path / "config"),
        "HOME": str(tmp_path),
    }
    program = PROGRAM.replace("{names!r}", repr(set(NEVER_LOADED)))
    run = subprocess.run(
        [sys.executable, "-c", program],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "loaded:", run.stdout[-500:]
