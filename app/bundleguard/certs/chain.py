"""Order certificates into a chain (leaf -> intermediates -> root) and say what is wrong.

Issuance is decided by names, key identifiers when both sides carry them, and a
signature check; nothing here trusts anything, see `trust` for that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509

from bundleguard.certs.describe import (
    fingerprint_sha256,
    is_ca,
    is_self_signed,
    issuer_text,
    signed_by,
    subject_text,
)

MAX_CHAIN_LENGTH = 16


@dataclass(frozen=True)
class ChainReport:
    """The chain as ordered from what was given, and what is wrong with it.

    `problems` must be fixed (missing issuer, unrelated certificates, several leaves);
    `warnings` are worth knowing (duplicates, given out of order, root not included).
    `anchor` is the trusted root found outside the given certificates, if any.
    """

    ordered: tuple[x509.Certificate, ...]
    leaf: x509.Certificate | None
    complete: bool
    missing_issuer: str | None
    root_present: bool
    duplicates: tuple[x509.Certificate, ...]
    unrelated: tuple[x509.Certificate, ...]
    extra_leaves: tuple[x509.Certificate, ...]
    given_in_order: bool
    problems: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    anchor: x509.Certificate | None = None


def _key_id(cert: x509.Certificate, kind: type) -> bytes | None:
    try:
        value = cert.extensions.get_extension_for_class(kind).value
    except (x509.ExtensionNotFound, ValueError):
        return None
    if isinstance(value, x509.SubjectKeyIdentifier):
        return value.digest
    return value.key_identifier


def issued_by(child: x509.Certificate, parent: x509.Certificate) -> bool:
    """True when `parent` names, identifies and signed `child`."""
    if child.issuer != parent.subject:
        return False
    aki = _key_id(child, x509.AuthorityKeyIdentifier)
    ski = _key_id(parent, x509.SubjectKeyIdentifier)
    if aki is not None and ski is not None and aki != ski:
        return False
    return signed_by(child, parent)


def _find_issuer(
    cert: x509.Certificate, pool: Sequence[x509.Certificate]
) -> x509.Certificate | None:
    for candidate in pool:
        if candidate is not cert and candidate != cert and issued_by(cert, candidate):
            return candidate
    return None


def _walk_up(leaf: x509.Certificate, pool: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    path = [leaf]
    while len(path) < MAX_CHAIN_LENGTH and not is_self_signed(path[-1]):
        parent = _find_issuer(path[-1], pool)
        if parent is None or parent in path:
            break
        path.append(parent)
    return path


def _pick_leaf(
    candidates: list[x509.Certificate], unique: list[x509.Certificate]
) -> x509.Certificate:
    # Prefer an end-entity certificate, then the longest path, then the order given.
    def rank(cert: x509.Certificate) -> tuple[int, int, int]:
        return (0 if is_ca(cert) else 1, len(_walk_up(cert, unique)), -unique.index(cert))

    return max(candidates, key=rank)


def build_chain(
    certs: Sequence[x509.Certificate],
    anchors: Sequence[x509.Certificate] | None = None,
) -> ChainReport:
    """Order `certs` leaf-first and report gaps, duplicates, strays and order.

    `anchors` are roots the chain may end at without including them; by default
    Mozilla's roots and this machine's store (`bundleguard.certs.roots`). Pass `()`
    to judge only what was given.
    """
    if anchors is None:
        from bundleguard.certs import roots

        anchors = (*roots.public_roots(), *roots.system_roots())

    unique: list[x509.Certificate] = []
    duplicates: list[x509.Certificate] = []
    for cert in certs:
        (duplicates if cert in unique else unique).append(cert)
    if not unique:
        return ChainReport(
            (), None, False, None, False, (), (), (), True, ("No certificate was given.",)
        )

    issuers = {id(p) for c in unique for p in unique if p != c and issued_by(c, p)}
    candidates = [c for c in unique if id(c) not in issuers]
    if not candidates:  # a loop of cross-signatures; take the first given
        candidates = [unique[0]]
    leaf = _pick_leaf(candidates, unique)
    ordered = _walk_up(leaf, unique)
    top = ordered[-1]
    root_present = is_self_signed(top)
    anchor = None
    if not root_present:
        anchor = _find_issuer(top, anchors)
    complete = root_present or anchor is not None
    missing_issuer = None if complete else top.issuer.rfc4514_string()

    rest = [c for c in unique if c not in ordered]
    extra_leaves = tuple(c for c in rest if id(c) not in issuers and not is_ca(c))
    unrelated = tuple(c for c in rest if c not in extra_leaves)
    positions = [unique.index(c) for c in ordered]
    given_in_order = positions == sorted(positions)

    problems: list[str] = []
    warnings: list[str] = []
    if missing_issuer is not None:
        problems.append(
            f'The chain is incomplete: the certificate of the issuer "{issuer_text(top)}" '
            f"({missing_issuer}) is missing. Add that intermediate certificate."
        )
    for cert in extra_leaves:
        problems.append(
            f'Several server certificates were given: "{subject_text(cert)}" is not the '
            f'one in use ("{subject_text(leaf)}"). Keep one.'
        )
    for cert in unrelated:
        if missing_issuer is not None and is_ca(cert):
            problems.append(
                f'"{subject_text(cert)}" could not be linked to the chain; it may belong '
                "above the missing certificate."
            )
        else:
            problems.append(
                f'"{subject_text(cert)}" is not part of the chain of "{subject_text(leaf)}".'
            )
    for cert in duplicates:
        warnings.append(
            f'"{subject_text(cert)}" was given more than once '
            f"(SHA-256 {fingerprint_sha256(cert)[:23]}...)."
        )
    if not given_in_order:
        warnings.append(
            "The certificates were not given in chain order (leaf first, then each issuer); "
            "they have been put in order here."
        )
    if anchor is not None:
        warnings.append(
            f'The root "{subject_text(anchor)}" is not included; it is a trusted root, '
            "so clients already have it."
        )
    return ChainReport(
        ordered=tuple(ordered),
        leaf=leaf,
        complete=complete,
        missing_issuer=missing_issuer,
        root_present=root_present,
        duplicates=tuple(duplicates),
        unrelated=unrelated,
        extra_leaves=extra_leaves,
        given_in_order=given_in_order,
        problems=tuple(problems),
        warnings=tuple(warnings),
        anchor=anchor,
    )
