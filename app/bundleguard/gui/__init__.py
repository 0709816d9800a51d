"""The PySide6 window of bundleguard: widgets, item models and workers; no domain logic.

Public API: `main(argv)` opens the window (`--demo`, or paths of files to add or a case).
"""

from __future__ import annotations


def main(argv: list[str]) -> int:
    """Open the window: `argv` holds `--demo` or paths (a `.bgcase` opens that case)."""
    from bundleguard.gui.app import run

    demo = "--demo" in argv
    paths = [a for a in argv if a != "--demo"]
    return run(paths, demo=demo)
