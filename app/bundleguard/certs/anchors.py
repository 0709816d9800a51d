"""The roots a chain may be trusted by, read once by the shell and passed into the core.

Nothing else in `certs` reads a trust store: `build_chain`, `check_trust` and
`inspect_files` judge against the `TrustAnchors` they are given (none by default).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509

from bundleguard.certs import roots


@dataclass(frozen=True)
class TrustAnchors:
    """Mozilla's roots (`public`, our stand-in for "every platform") and this machine's."""

    public: tuple[x509.Certificate, ...] = ()
    system: tuple[x509.Certificate, ...] = ()

    @property
    def all(self) -> tuple[x509.Certificate, ...]:
        """Every anchor, public first: what a chain may end at without including it."""
        return (*self.public, *self.system)


NO_ANCHORS = TrustAnchors()
"""Judge only what was given: nothing is trusted."""


def load_trust_anchors() -> TrustAnchors:
    """certifi's roots and this machine's store (each read once per process, then cached).

    Reads files: a shell calls it once (the GUI in the background) and passes the result on.
    """
    return TrustAnchors(tuple(roots.public_roots()), tuple(roots.system_roots()))
