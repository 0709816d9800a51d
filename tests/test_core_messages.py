"""The core speaks of intent, never of a flag: no string of the core names `--something`
or a subcommand (`bundleguard extract-chain`); the shell says how to do it.

Every module under `app/bundleguard` except the shells (`commands/`, `cli.py`, `gui/`) is
parsed with `ast`; every string constant (f-string parts included) is searched for a
flag-like `--word`. PEM armour (`-----BEGIN`) is not a flag.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import bundleguard

PACKAGE = Path(bundleguard.__file__).parent
SHELLS = ("commands", "cli.py", "gui", "__main__.py")
FLAG = re.compile(
    r"(?<![-\w])--[A-Za-z][\w-]*"
    r"|\bbundleguard (?:scan|inspect|extract-chain|rewrap|bundle|probe|case new|case show)\b"
)


def core_modules() -> list[Path]:
    return sorted(
        path for path in PACKAGE.rglob("*.py") if path.relative_to(PACKAGE).parts[0] not in SHELLS
    )


def _docstrings(tree: ast.Module) -> set[int]:
    """Docstrings are for contributors (they may say which flag calls a function)."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _argv_items(tree: ast.Module) -> set[int]:
    """The arguments of an external program (`("xsel", "--clipboard")`) are its flags,
    not our words: a tuple or list of plain strings whose first is a bare command name."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List)) and node.elts:
            items = node.elts
            strings = all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in items)
            if strings and re.fullmatch(r"[\w.-]+", items[0].value):
                ids.update(id(e) for e in items)
    return ids


def flags_in(source: str) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    skip = _docstrings(tree) | _argv_items(tree)
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            hits.extend((node.lineno, flag) for flag in FLAG.findall(node.value))
    return hits


def test_the_finder_finds_flags_and_ignores_pem_armour():
    assert flags_in('x = "replace it with --force"') == [(1, "--force")]
    assert flags_in('x = f"give {name} with --cert."') == [(1, "--cert")]
    assert flags_in('x = "-----BEGIN CERTIFICATE-----"') == []
    assert flags_in('def f():\n    """Called by `scan --json`."""') == []
    assert flags_in('cmd = ("xsel", "--clipboard", "--input")') == []
    assert flags_in('x = ("Copy it", "with --body")') == [(1, "--body")]
    assert flags_in('x = "extract it (bundleguard extract-chain)"') == [
        (1, "bundleguard extract-chain")
    ]


@pytest.mark.parametrize("path", core_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_core_message_names_a_flag(path):
    hits = flags_in(path.read_text(encoding="utf-8"))
    assert hits == [], f"{path.relative_to(PACKAGE)} names flags (line, flag): {hits}"
