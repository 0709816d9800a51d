"""The package docstring of bundleguard.capture lists its public API: every name exists."""

from __future__ import annotations

import importlib
import re

import bundleguard.capture


def test_every_name_the_docstring_lists_exists():
    doc = bundleguard.capture.__doc__
    listed = re.findall(r"^- `(bundleguard\.capture\.\w+)`\n((?:    .*\n?)+)", doc, re.M)
    assert len(listed) == 5
    for module_name, body in listed:
        module = importlib.import_module(module_name)
        classes = [value for value in vars(module).values() if isinstance(value, type)]
        for name in re.findall(r"`(\w+)", body):
            known = hasattr(module, name) or any(
                name in getattr(cls, "__annotations__", {}) or hasattr(cls, name) for cls in classes
            )
            assert known, f"{module_name} has no {name}"
