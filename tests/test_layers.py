"""The house stays layered: read every module's imports (ast, nothing executed)."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "app" / "bundleguard"
# Nothing outside gui/ imports Qt (the self-test's Qt checks live in gui/ too).
QT_SHELLS: set[str] = set()
ABOVE_CORE = {"bundle", "probe", "case", "commands", "gui", "capture", "demo", "cli"}


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Every module name `path` imports, relative imports made absolute."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = parts[: len(parts) - node.level + (path.name == "__init__.py")]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def area(path: Path) -> str:
    relative = path.relative_to(PACKAGE).parts
    return relative[0].removesuffix(".py")


def test_pyside6_only_in_gui() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in modules()
        if area(path) != "gui"
        and area(path) not in QT_SHELLS
        and any(name.split(".")[0] in ("PySide6", "shiboken6") for name in imported(path))
    ]
    assert offenders == []


SHELLS = {"commands", "gui", "cli", "selftest", "__main__"}
# What each layer must not import (docs/architecture.md): nothing above it.
FORBIDDEN = {
    "guard": ABOVE_CORE,
    "certs": ABOVE_CORE,
    "bundle": {"probe", "case", "capture", "demo"} | SHELLS,
    "probe": {"bundle", "case", "capture", "demo"} | SHELLS,
    "capture": {"guard", "certs", "bundle", "probe", "case", "demo"} | SHELLS,
    "case": {"demo"} | SHELLS,
}


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_the_core_imports_nothing_above_it(layer: str) -> None:
    offenders = []
    for path in modules():
        if area(path) != layer:
            continue
        for name in imported(path):
            parts = name.split(".")
            if parts[0] == "bundleguard" and len(parts) > 1 and parts[1] in FORBIDDEN[layer]:
                offenders.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert offenders == []


def test_the_reader_finds_what_a_module_imports(tmp_path: Path) -> None:
    """The check above can fail: a planted import is seen."""
    names = imported(PACKAGE / "gui" / "window.py")
    assert "PySide6.QtWidgets" in names
    assert "bundleguard.gui.controller" in names


API = re.compile(r"`([A-Za-z_][A-Za-z0-9_.]*)(\(|`)")


def documented_names(doc: str) -> list[str]:
    """Backticked `name(` or `Name` after "Public API" in a package docstring."""
    marker = doc.lower().find("public api")
    if marker < 0:
        return []
    names = []
    for match in API.finditer(doc[marker:]):
        name, tail = match.groups()
        last = name.split(".")[-1]
        if tail == "(" or last[:1].isupper():
            names.append(name)
    return names


def _universe(package: str) -> set[str]:
    """Every name a package offers: its own, its modules', and their classes' members."""
    module = importlib.import_module(package)
    spaces = [module]
    for sub in sorted(Path(module.__file__).parent.glob("*.py")):
        if sub.stem != "__init__":
            spaces.append(importlib.import_module(f"{package}.{sub.stem}"))
    names: set[str] = set()
    for space in spaces:
        for key, value in vars(space).items():
            names.add(key)
            if isinstance(value, type):
                names.update(dir(value))
    return names


def _exists(package: str, name: str, universe: set[str]) -> bool:
    parts = name.split(".")
    if parts[0] == "bundleguard":
        for cut in range(len(parts), 1, -1):
            try:
                target = importlib.import_module(".".join(parts[:cut]))
            except ImportError:
                continue
            for attr in parts[cut:]:
                if not hasattr(target, attr):
                    return False
                target = getattr(target, attr)
            return True
        return False
    # `Name`, `name(`, `Class.member(` or `value.method(`: each part a real name.
    return all(part in universe for part in parts if part[:1].isupper() or part is parts[-1])


PACKAGES = sorted(
    "bundleguard." + ".".join(p.parent.relative_to(PACKAGE).parts)
    for p in PACKAGE.rglob("__init__.py")
    if p.parent != PACKAGE
)


@pytest.mark.parametrize("package", PACKAGES)
def test_a_package_docstring_names_only_real_api(package: str) -> None:
    doc = importlib.import_module(package).__doc__ or ""
    universe = _universe(package)
    missing = [n for n in documented_names(doc) if not _exists(package, n, universe)]
    assert missing == []
