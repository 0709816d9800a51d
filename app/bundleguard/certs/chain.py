"""Order certificates into a chain (leaf -> intermediates -> root) and say what is wrong.

Issuance is decided by names, key identifiers when both sides carry them, and a
signature check; nothing here trusts anything, see `trust` for that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509

from bundleguard.certs.describe import (
    certificate_ref,
    fingerprint_sha256,
    is_ca,
    is_root,
    issuer_text,
    signed_by,
    subject_text,
)

MAX_CHAIN_LENGTH = 16
MAX_ISSUER_CANDIDATES = 8


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

    def to_json(self) -> dict[str, Any]:
        return {
            "ordered": [certificate_ref(c) for c in self.ordered],
            "leaf": certificate_ref(self.leaf),
            "complete": self.complete,
            "missing_issuer": self.missing_issuer,
            "root_present": self.root_present,
            "duplicates": [certificate_ref(c) for c in self.duplicates],
            "unrelated": [certificate_ref(c) for c in self.unrelated],
            "extra_leaves": [certificate_ref(c) for c in self.extra_leaves],
            "given_in_order": self.given_in_order,
            "problems": list(self.problems),
            "warnings": list(self.warnings),
            "anchor": certificate_ref(self.anchor),
        }


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


class _Issuers:
    """Who issued whom among a set of certificates, found through an index.

    Certificates are indexed by subject name; a child's candidates are those named as its
    issuer, those whose key identifier matches its authority key identifier first, and at
    most `MAX_ISSUER_CANDIDATES` signatures are checked per child. Ordering is linear in
    the number of certificates whatever they hold (thousands sharing one name included).
    """

    def __init__(self, certs: Sequence[x509.Certificate]) -> None:
        self._by_subject: dict[x509.Name, list[x509.Certificate]] = {}
        for cert in certs:
            self._by_subject.setdefault(cert.subject, []).append(cert)
        self._parent: dict[int, x509.Certificate | None] = {}
        self._all: dict[int, tuple[x509.Certificate, ...]] = {}

    def _candidates(self, child: x509.Certificate) -> list[x509.Certificate]:
        named = [c for c in self._by_subject.get(child.issuer, ()) if c is not child]
        aki = _key_id(child, x509.AuthorityKeyIdentifier)
        if aki is None or len(named) < 2:
            return named[:MAX_ISSUER_CANDIDATES]
        same = [c for c in named if _key_id(c, x509.SubjectKeyIdentifier) == aki]
        unknown = [c for c in named if _key_id(c, x509.SubjectKeyIdentifier) is None]
        return (same + unknown)[:MAX_ISSUER_CANDIDATES]

    def all_of(self, child: x509.Certificate) -> tuple[x509.Certificate, ...]:
        """Every certificate of the set that issued `child` (cross-signing gives several)."""
        key = id(child)
        if key not in self._all:
            found = tuple(c for c in self._candidates(child) if c != child and issued_by(child, c))
            self._all[key] = found
        return self._all[key]

    def of(self, child: x509.Certificate) -> x509.Certificate | None:
        """The first certificate given that issued `child`, or None."""
        key = id(child)
        if key not in self._parent:
            found = self.all_of(child)
            self._parent[key] = found[0] if found else None
        return self._parent[key]


def _find_issuer(
    cert: x509.Certificate, pool: Sequence[x509.Certificate]
) -> x509.Certificate | None:
    return _Issuers(pool).of(cert)


def _walk_up(leaf: x509.Certificate, issuers: _Issuers) -> list[x509.Certificate]:
    path = [leaf]
    while len(path) < MAX_CHAIN_LENGTH and not is_root(path[-1]):
        parent = issuers.of(path[-1])
        if parent is None or parent in path:
            break
        path.append(parent)
    return path


def _pick_leaf(
    candidates: list[x509.Certificate], issuers: _Issuers, position: dict[int, int]
) -> x509.Certificate:
    # Prefer an end-entity certificate, then the longest path, then the order given.
    def rank(cert: x509.Certificate) -> tuple[int, int, int]:
        return (0 if is_ca(cert) else 1, len(_walk_up(cert, issuers)), -position[id(cert)])

    return max(candidates, key=rank)


def build_chain(
    certs: Sequence[x509.Certificate],
    anchors: Sequence[x509.Certificate] | None = None,
) -> ChainReport:
    """Order `certs` leaf-first and report gaps, duplicates, strays and order.

    `anchors` are roots the chain may end at without including them (e.g.
    `TrustAnchors.all` from `bundleguard.certs.anchors`); nothing is read here, and
    without anchors only what was given is judged. Linear in the number of certificates.
    """
    anchors = () if anchors is None else anchors

    unique: list[x509.Certificate] = []
    duplicates: list[x509.Certificate] = []
    seen: set[x509.Certificate] = set()
    for cert in certs:
        if cert in seen:
            duplicates.append(cert)
        else:
            seen.add(cert)
            unique.append(cert)
    if not unique:
        return ChainReport(
            (), None, False, None, False, (), (), (), True, ("No certificate was given.",)
        )
    position = {id(cert): index for index, cert in enumerate(unique)}

    index = _Issuers(unique)
    issuers = {id(parent) for child in unique for parent in index.all_of(child)}
    candidates = [c for c in unique if id(c) not in issuers]
    if not candidates:  # a loop of cross-signatures; take the first given
        candidates = [unique[0]]
    leaf = _pick_leaf(candidates, index, position)
    ordered = _walk_up(leaf, index)
    top = ordered[-1]
    root_present = is_root(top)
    anchor = None
    if not root_present and anchors:
        anchor = _find_issuer(top, anchors)
    complete = root_present or anchor is not None
    missing_issuer = None if complete else top.issuer.rfc4514_string()

    in_chain = {id(c) for c in ordered}
    rest = [c for c in unique if id(c) not in in_chain]
    extra_leaves = tuple(c for c in rest if id(c) not in issuers and not is_ca(c))
    extra = {id(c) for c in extra_leaves}
    unrelated = tuple(c for c in rest if id(c) not in extra)
    positions = [position[id(c)] for c in ordered]
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
