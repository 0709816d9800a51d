"""Subcommands of the `bundleguard` command line, one module each."""

from bundleguard.commands import bundle, certs, probe, scan

COMMAND_MODULES = (scan, certs, bundle, probe)
