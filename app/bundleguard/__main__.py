"""`python -m bundleguard` runs the same entry point as the `bundleguard` command."""

import sys

from bundleguard.cli import main

sys.exit(main())
