"""The one set of exit codes every subcommand returns (the CLI contract)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    """Nothing to fix: nothing secret, written and verified, consistent."""
    PROBLEM = 1
    """Something must be fixed: a key where it must not be, a refusal, a name not covered."""
    USAGE = 2
    """The command could not run as asked: usage or input/output error."""
