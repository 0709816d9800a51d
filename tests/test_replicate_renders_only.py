"""The Replicate step's window modules only render: no probing for a module or an
attribute (`hasattr`, `ImportError`), no step number written into their words (a step is
`case.steps.Step` data), and the re-wrap and extraction commands call the case actions."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bundleguard.case.steps import STEPS, Step

APP = Path(__file__).resolve().parents[1] / "app" / "bundleguard"
RENDERERS = sorted(
    [
        *(APP / "gui" / "replicate").glob("*.py"),
        APP / "gui" / "replicate_page.py",
        APP / "gui" / "rewrap_dialog.py",
        APP / "gui" / "passphrase.py",
    ]
)
STEP_NUMBER = re.compile(r"\bsteps? [1-5]\b", re.IGNORECASE)


def probes_and_step_numbers(source: str) -> list[str]:
    """`hasattr(...)` calls, `ImportError` names and "step N" string constants (docstrings,
    written for contributors, aside)."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "hasattr":
            found.append(f"line {node.lineno}: hasattr")
        elif isinstance(node, ast.Name) and node.id in ("ImportError", "ModuleNotFoundError"):
            found.append(f"line {node.lineno}: {node.id}")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and STEP_NUMBER.search(node.value)
        ):
            found.append(f"line {node.lineno}: {node.value[:60]!r}")
    return found


@pytest.mark.parametrize("path", RENDERERS, ids=lambda p: p.name)
def test_the_replicate_modules_probe_nothing_and_number_no_step(path: Path) -> None:
    assert probes_and_step_numbers(path.read_text(encoding="utf-8")) == []


def test_the_check_finds_a_probe_and_a_step_number() -> None:
    source = (
        "try:\n    import x\nexcept ImportError:\n    pass\n"
        "if hasattr(page, 'y'):\n    pass\n"
        "TEXT = 'add them in step 1'\n"
    )
    assert len(probes_and_step_numbers(source)) == 3


def test_the_steps_are_the_window_s_five_steps_in_order() -> None:
    assert [s.title for s in STEPS] == [
        "Case",
        "Certificates",
        "Screenshot",
        "Bundle & email",
        "Replicate",
    ]
    assert [s.number for s in STEPS] == [1, 2, 3, 4, 5]
    assert Step.BUNDLE.index == 3 and Step.BUNDLE.label == "4 Bundle & email"
    assert Step("Replicate") is Step.REPLICATE


def test_the_window_lists_the_same_steps() -> None:
    from bundleguard.gui import window

    assert window.STEPS is STEPS  # the window lists case.steps' own tuple


def test_the_commands_call_the_case_actions() -> None:
    source = (APP / "commands" / "certs.py").read_text(encoding="utf-8")
    called = {
        node.func.id
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert {"rewrap_export", "extract_certificates"} <= called
    assert not {"rewrap_pkcs12", "extract_chain", "write_file_atomic"} & called
