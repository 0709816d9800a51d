"""`python -m bundleguard` runs the same entry point as the `bundleguard` command."""

import sys

from bundleguard.cli import main

if __name__ == "__main__":  # worker processes import this module again: run nothing then
    sys.exit(main())
