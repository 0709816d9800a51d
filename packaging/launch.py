"""The frozen app's entry script: the same `bundleguard.cli.main` as the installed command."""

import sys

from bundleguard.cli import main

if __name__ == "__main__":
    sys.exit(main())
