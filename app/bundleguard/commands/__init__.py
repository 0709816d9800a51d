"""Subcommands of the `bundleguard` command line, one module each.

Modules are imported on demand: `bundleguard scan` should not pay for Pillow, pyOpenSSL
and the bundle writer at start-up (about a third of a second each run).
"""

from __future__ import annotations

import importlib
from types import ModuleType

# Subcommand name -> the module under bundleguard.commands that registers it.
COMMANDS = {
    "scan": "scan",
    "inspect": "certs",
    "extract-chain": "certs",
    "rewrap": "certs",
    "bundle": "bundle",
    "probe": "probe",
    "case": "case",
}


def command_modules(command: str | None = None) -> list[ModuleType]:
    """The module registering `command`, or every module (in help order) when None."""
    names = [COMMANDS[command]] if command in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    return [importlib.import_module(f"bundleguard.commands.{name}") for name in names]
