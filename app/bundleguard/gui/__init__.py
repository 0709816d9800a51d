"""The PySide6 window of bundleguard: widgets, item models and workers; no domain logic.

Public API: `main(argv)` opens the window (`--demo`, or paths of files to add or a case),
or says in one sentence that this session has no display (`display.display_problem`).
"""

from __future__ import annotations


def main(argv: list[str]) -> int:
    """Open the window: `argv` holds `--demo` or paths (a `.bgcase` opens that case).

    Without a display (an SSH session, a server), one sentence on stderr and exit 2,
    before Qt is imported: Qt would abort the process."""
    from bundleguard.gui.display import display_problem

    problem = display_problem()
    if problem is not None:
        import sys

        from bundleguard.commands import COMMANDS
        from bundleguard.text import shown

        print(
            f"bundleguard: the window needs a desktop session, and {shown(problem)}; the "
            f"commands work without one: {', '.join(COMMANDS)} (see bundleguard --help).",
            file=sys.stderr,
        )
        return 2
    from bundleguard.gui.app import run

    demo = "--demo" in argv
    paths = [a for a in argv if a != "--demo"]
    return run(paths, demo=demo)
