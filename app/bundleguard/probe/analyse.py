"""Judge what the appliances served: per handshake, per appliance, and across appliances.

Pure code over `Handshake` results and certificates (no sockets): coverage, chain,
validity and trust come from `bundleguard.certs`; this module adds what only a live
check can say — does the default (no-SNI) certificate match, do all appliances serve
the identical chain for the site name, does each serve the expected certificate.

A served certificate whose fields carry private key material (the secret guard looks into
every field, and into the names, subject and issuer values joined: a key may be cut
across them) is a problem of the chain, and its subject, issuer and names are withheld
from every summary and sentence (`summary_of`): the report, its text and its JSON never
repeat the key. Names quoted in a sentence are at most `MAX_NAMES_QUOTED`, each cut to
`MAX_NAME_QUOTED` characters (a certificate may carry thousands).
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import Encoding

from bundleguard.certs.anchors import TrustAnchors, load_trust_anchors
from bundleguard.certs.chain import build_chain, issued_by
from bundleguard.certs.describe import fingerprint_sha256, is_ca, is_self_signed
from bundleguard.certs.names import certificate_names, covers
from bundleguard.certs.trust import INCOMPLETE, check_trust
from bundleguard.certs.validity import check_validity
from bundleguard.guard import classify_bytes, find_private_keys
from bundleguard.probe.report import (
    ApplianceReport,
    CertificateSummary,
    Comparison,
    NameCheck,
    ProbeReport,
)
from bundleguard.probe.targets import Role, Target
from bundleguard.probe.tls import Failure, Handshake


@dataclass(frozen=True)
class ChainVerdict:
    """The judgement of one served chain, whatever name it was served for."""

    complete: bool
    in_order: bool
    publicly_trusted: bool
    trusted_by_system: bool
    needs_software_update: bool
    trust_summary: str
    problems: tuple[str, ...]
    notes: tuple[str, ...]


class ChainVerdicts:
    """Judged chains of one probe run, so the same chain is judged once, not per name and
    per appliance (trust checks dominate the CPU time of a probe). Thread-safe."""

    def __init__(
        self,
        known_roots: Sequence[x509.Certificate] = (),
        now: dt.datetime | None = None,
        anchors: TrustAnchors | None = None,
    ) -> None:
        self.known_roots = tuple(known_roots)
        self.now = now
        # The shell loads the anchors once and passes them; only a caller that gave none
        # (a test, a benchmark) has them read here, once per run.
        self.anchors = anchors if anchors is not None else load_trust_anchors()
        self._lock = threading.Lock()
        self._verdicts: dict[tuple[x509.Certificate, ...], ChainVerdict] = {}

    def verdict(self, served: tuple[x509.Certificate, ...]) -> ChainVerdict:
        with self._lock:
            known = self._verdicts.get(served)
        if known is not None:
            return known
        verdict = judge_chain(
            served, anchors=self.anchors, known_roots=self.known_roots, now=self.now
        )
        with self._lock:
            return self._verdicts.setdefault(served, verdict)


def judge_chain(
    served: Sequence[x509.Certificate],
    *,
    anchors: TrustAnchors,
    known_roots: Sequence[x509.Certificate] = (),
    now: dt.datetime | None = None,
) -> ChainVerdict:
    """Completeness and order, validity and trust of a served chain (leaf first).

    `known_roots` are private roots the user vouches for (from `--expect`): a served
    chain that stops just below one of them is complete, as servers need not send roots.
    """
    chain = build_chain(served, anchors=(*anchors.all, *known_roots))
    ordered = chain.ordered or tuple(served)
    problems: list[str] = []
    notes: list[str] = []

    complete = chain.complete
    chain_problems = list(chain.problems)
    if not complete and len(ordered) > 1 and is_ca(ordered[-1]):
        # Leaf and intermediates are all there; only the root was not sent, which servers
        # need not do. An unknown root is the trust question below, not a gap.
        complete = True
        chain_problems = [p for p in chain_problems if chain.missing_issuer not in p]
    problems.extend(chain_problems)
    if served[0] != ordered[0]:
        problems.append("The server certificate is not the first one sent.")
    if not chain.given_in_order:
        notes.append("The chain is not sent in order (leaf first, then each issuer).")

    validity = check_validity(ordered, now=now)
    problems.extend(validity.problems)
    notes.extend(validity.warnings)

    # A root the user gave us (--expect) completes the picture for the trust verdict.
    # Coverage of each name is judged apart, so trust is asked about the issuer only.
    root = next((r for r in known_roots if issued_by(ordered[-1], r)), None)
    trust = check_trust((*ordered, root) if root is not None else ordered, now=now, anchors=anchors)
    needs_update = trust.needs_software_update
    trust_summary = trust.summary
    if trust.verdict == INCOMPLETE and complete:
        # Only the root is missing, and it is in no trust store: a private CA.
        needs_update = True
        trust_summary = (
            "issued by a private CA whose root is not sent (clients must already have it); "
            "send the chain to support: a software update is needed."
        )
    if needs_update:
        notes.append(trust_summary[0].upper() + trust_summary[1:])
    return ChainVerdict(
        complete=complete,
        in_order=chain.given_in_order,
        publicly_trusted=trust.publicly_trusted,
        trusted_by_system=trust.trusted_by_system,
        needs_software_update=needs_update,
        trust_summary=trust_summary,
        problems=tuple(dict.fromkeys(problems)),
        notes=tuple(dict.fromkeys(notes)),
    )


MAX_NAMES_QUOTED = 10
MAX_NAME_QUOTED = 256
WITHHELD = "(withheld: the certificate carries private key material)"


@functools.lru_cache(maxsize=512)
def _key_material_in_der(der: bytes) -> str:
    certificate = x509.load_der_x509_certificate(der)
    findings = classify_bytes(certificate.public_bytes(Encoding.PEM), "certificate").findings
    if findings:
        found = findings[0]
        where = f", in {found.place}" if found.place else ""
        return f"{found.label}, {found.encoding}{where}"
    groups: list[list[str]] = []
    try:
        for name in (certificate.subject, certificate.issuer):
            groups.append([a.value for a in name if isinstance(a.value, str)])
        groups.append(list(certificate_names(certificate)))
    except ValueError:
        return ""  # a damaged field: said as such by `certificate_damage`
    for group in groups:
        for joined in ("".join(group), "\n".join(group)):
            hits = find_private_keys(joined.encode("utf-8", "surrogatepass"), "names")
            if hits:
                return f"{hits[0].label}, {hits[0].encoding}, cut across its names"
    return ""


def key_material_in_certificate(cert: x509.Certificate) -> str:
    """What private key material `cert`'s fields carry, in words that never quote it
    ("PKCS#8 private key (EC P-256), base64 of DER, in the certificate's subjectAltName
    (DNS name)"), or "" when none. Remembered per certificate."""
    return _key_material_in_der(cert.public_bytes(Encoding.DER))


def summary_of(cert: x509.Certificate, role: str = "") -> CertificateSummary:
    """`CertificateSummary.of(cert)`, its subject, issuer and names withheld when the
    certificate carries private key material."""
    summary = CertificateSummary.of(cert, role)
    if key_material_in_certificate(cert):
        return replace(summary, subject=WITHHELD, issuer=WITHHELD, names=(WITHHELD,))
    return summary


def quoted_names(names: Sequence[str]) -> str:
    """Names for a sentence: at most `MAX_NAMES_QUOTED`, each at most `MAX_NAME_QUOTED`
    characters."""
    shown = [
        name if len(name) <= MAX_NAME_QUOTED else name[: MAX_NAME_QUOTED - 1] + "…"
        for name in names[:MAX_NAMES_QUOTED]
    ]
    more = len(names) - MAX_NAMES_QUOTED
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def key_material_problems(served: Sequence[x509.Certificate]) -> tuple[str, ...]:
    """A sentence for each certificate of `served` whose fields carry private key material."""
    problems = []
    for number, cert in enumerate(served, start=1):
        found = key_material_in_certificate(cert)
        if found:
            problems.append(
                f"The server sent a certificate (number {number} of {len(served)}, SHA-256 "
                f"{fingerprint_sha256(cert)[:23]}...) that carries private key material "
                f"({found}): whoever connects can read it. Issue a new key and certificate, "
                "and install them."
            )
    return tuple(problems)


# What cryptography raises when a lazily parsed field of a certificate is damaged.
_DAMAGED_FIELD = (ValueError, UnsupportedAlgorithm, x509.DuplicateExtension)


def certificate_damage(cert: x509.Certificate) -> str | None:
    """Why `cert` cannot be judged (a field that does not parse, an extension twice), or None.

    cryptography reads names, extensions and the key only when asked; a server may send
    a certificate whose fields are damaged, and that is a verdict, not a crash.
    """
    try:
        _ = cert.subject, cert.issuer, cert.not_valid_before_utc, cert.not_valid_after_utc
        _ = cert.extensions
        cert.public_key()
        certificate_names(cert)
    except x509.DuplicateExtension as error:
        return f"it carries the extension {error.oid.dotted_string} twice (RFC 5280 forbids it)"
    except _DAMAGED_FIELD as error:
        return f"one of its fields cannot be read ({type(error).__name__})"
    return None


def damaged_chain_problems(served: Sequence[x509.Certificate]) -> tuple[str, ...]:
    """A sentence for each damaged certificate of `served`, saying which one and why."""
    problems = []
    for number, cert in enumerate(served, start=1):
        damage = certificate_damage(cert)
        if damage is not None:
            problems.append(
                f"The server sent a damaged certificate (number {number} of {len(served)}, "
                f"SHA-256 {fingerprint_sha256(cert)[:23]}...): {damage}. Clients may refuse "
                "it: issue the certificate again and install it on the appliance."
            )
    return tuple(problems)


def judge_handshake(handshake: Handshake, verdicts: ChainVerdicts | None = None) -> NameCheck:
    """Coverage of the SNI name, plus the served chain's verdict (see `judge_chain`).

    A served chain with a damaged certificate is judged no further: its check has no
    chain summaries and says what is damaged.
    """
    sni = handshake.sni
    if not handshake.ok:
        return NameCheck(sni=sni, handshake=handshake)
    served = handshake.chain
    damage = damaged_chain_problems(served)
    if damage:
        return NameCheck(sni=sni, handshake=handshake, problems=damage)
    verdict = (verdicts or ChainVerdicts()).verdict(served)
    carried = key_material_problems(served)
    problems: list[str] = list(carried)
    covers_name = covers(served[0], sni) if sni is not None else None
    if covers_name is False:
        names = quoted_names(summary_of(served[0]).names) or "no names"
        problems.append(f"The certificate does not cover {sni} (it covers: {names}).")
    chain_problems, notes, trust = verdict.problems, verdict.notes, verdict.trust_summary
    if carried:  # their words quote the certificates' names: how many, never what
        chain_problems = _withheld(chain_problems, "problem")
        notes = _withheld(notes, "note")
        trust = WITHHELD if trust else ""
    return NameCheck(
        sni=sni,
        handshake=handshake,
        chain=tuple(summary_of(cert) for cert in served),
        covers_name=covers_name,
        chain_complete=verdict.complete,
        chain_in_order=verdict.in_order,
        publicly_trusted=verdict.publicly_trusted,
        trusted_by_system=verdict.trusted_by_system,
        needs_software_update=verdict.needs_software_update,
        trust_summary=trust,
        problems=(*problems, *chain_problems),
        notes=notes,
    )


def _withheld(sentences: tuple[str, ...], noun: str) -> tuple[str, ...]:
    if not sentences:
        return ()
    count = len(sentences)
    return (f"{count} more {noun}{'s' if count > 1 else ''} of the chain {WITHHELD}.",)


def summarise_appliance(report: ApplianceReport, site: str) -> ApplianceReport:
    """Fill `problems` and `notes` from the checks, each said once, most useful first."""
    problems: list[str] = []
    notes: list[str] = []
    site_check = report.check_for(site)
    seen_chains: dict[tuple[str, ...], str] = {}
    for check in report.checks:
        failure = check.handshake.failure
        if failure is Failure.CANCELLED:
            problems.append("The check was cancelled before it finished.")
            continue
        if failure is not None:
            if failure is not Failure.NOT_TRIED:
                problems.append(f"{check.label}: {_sentence(check.handshake.message)}")
            continue
        fingerprints = check.chain_fingerprints
        if fingerprints in seen_chains:
            # The same chain as an earlier name: only coverage can differ.
            problems.extend(
                f"{check.label}: {p}"
                for p in check.problems
                if p.startswith("The certificate does not cover")
            )
            continue
        seen_chains[fingerprints] = check.label
        problems.extend(f"{check.label}: {p}" for p in check.problems)
        notes.extend(check.notes)

    default_check = report.check_for(None)
    if (
        site_check is not None
        and default_check is not None
        and site_check.leaf is not None
        and default_check.leaf is not None
        and default_check.chain_fingerprints != site_check.chain_fingerprints
    ):
        problems.append(
            f"Clients without SNI get a different certificate than {site}: "
            f"{_describe(default_check.leaf)} instead of {_describe(site_check.leaf)}. "
            "Make the site certificate the default under Security > Certificates."
        )
    own_check = report.check_for(report.target.name) if report.target.name != site else None
    if (
        own_check is not None
        and site_check is not None
        and own_check.leaf is not None
        and site_check.leaf is not None
        and own_check.leaf.fingerprint_sha256 != site_check.leaf.fingerprint_sha256
    ):
        notes.append(
            f"For its own name {report.target.name} serves a different certificate than for "
            f"{site}: {_describe(own_check.leaf)}."
        )
    return replace(
        report, problems=tuple(dict.fromkeys(problems)), notes=tuple(dict.fromkeys(notes))
    )


def compare_appliances(
    reports: Sequence[ApplianceReport],
    site: str,
    *,
    expected: Sequence[x509.Certificate] = (),
    expected_source: str = "",
    timeout: float = 0.0,
    seconds: float = 0.0,
) -> ProbeReport:
    """Do all appliances serve the identical chain for the site, and the expected one?"""
    expected_chain = _expected_chain(expected)
    answered = [r for r in reports if _site_chain(r, site)]
    reference = next((r for r in answered if r.target.role is Role.APPLIANCE), None)
    if reference is None and answered:
        reference = answered[0]
    problems: list[str] = []
    finished: list[ApplianceReport] = []
    for report in reports:
        served = _site_chain(report, site)
        extra: list[str] = []
        same_as_reference = None
        if served and reference is not None and report is not reference:
            same_as_reference = _compare(served, _site_chain(reference, site), reference.target)
            if not same_as_reference.same:
                extra.append(
                    f"It does not serve the same certificate for {site} as "
                    f"{reference.target.name}: " + " ".join(same_as_reference.differences)
                )
        matches_expected = None
        if served and expected_chain:
            label = f"the expected certificate ({expected_source or 'file'})"
            matches_expected = _compare_expected(served, expected_chain, label)
            if not matches_expected.same:
                extra.append(
                    f"It does not serve {label} for {site}: "
                    + " ".join(matches_expected.differences)
                )
        finished.append(
            replace(
                report,
                same_as_reference=same_as_reference,
                matches_expected=matches_expected,
                problems=(*report.problems, *extra),
            )
        )
    site_chains = {tuple(c.chain_fingerprints) for r in answered if (c := r.check_for(site))}
    consistent = None if len(answered) < 2 else len(site_chains) == 1
    if consistent is False:
        problems.append(
            f"The appliances do not all serve the same certificate for {site}: "
            "failover and Atlas clients need the identical certificate and chain everywhere."
        )
    return ProbeReport(
        site=site,
        appliances=tuple(finished),
        consistent=consistent,
        expected=summary_of(expected_chain[0]) if expected_chain else None,
        expected_source=expected_source,
        problems=tuple(problems),
        timeout=timeout,
        seconds=seconds,
    )


def expected_roots(expected: Sequence[x509.Certificate]) -> tuple[x509.Certificate, ...]:
    """The self-signed certificates of the expected file: roots the user vouches for."""
    return tuple(cert for cert in expected if is_self_signed(cert))


def _expected_chain(expected: Sequence[x509.Certificate]) -> tuple[x509.Certificate, ...]:
    if not expected:
        return ()
    return build_chain(expected, anchors=()).ordered or tuple(expected)


def _site_chain(report: ApplianceReport, site: str) -> tuple[x509.Certificate, ...]:
    check = report.check_for(site)
    # A damaged chain (no summaries) is reported on its own and compared with nothing.
    usable = check is not None and check.handshake.ok and check.chain
    return check.handshake.chain if usable else ()


def _compare(
    served: Sequence[x509.Certificate], reference: Sequence[x509.Certificate], target: Target
) -> Comparison:
    differences = _differences(served, reference, target.name, roots_optional=False)
    return Comparison(reference=target.name, same=not differences, differences=differences)


def _compare_expected(
    served: Sequence[x509.Certificate], expected: Sequence[x509.Certificate], label: str
) -> Comparison:
    differences = _differences(served, expected, label, roots_optional=True)
    return Comparison(reference=label, same=not differences, differences=differences)


def _differences(
    served: Sequence[x509.Certificate],
    reference: Sequence[x509.Certificate],
    reference_name: str,
    *,
    roots_optional: bool,
) -> tuple[str, ...]:
    if served[0] != reference[0]:
        return (
            f"it serves {_describe(summary_of(served[0]))}, "
            f"{reference_name} has {_describe(summary_of(reference[0]))}.",
        )
    differences: list[str] = []
    served_rest = {fingerprint_sha256(c): c for c in served[1:]}
    reference_rest = {fingerprint_sha256(c): c for c in reference[1:]}
    for fingerprint, cert in reference_rest.items():
        if fingerprint in served_rest or (roots_optional and is_self_signed(cert)):
            continue
        differences.append(
            f"the certificate is the same, but the chain lacks "
            f'"{summary_of(cert).subject}" that {reference_name} has.'
        )
    for fingerprint, cert in served_rest.items():
        if fingerprint not in reference_rest:
            differences.append(
                f"the certificate is the same, but the chain also has "
                f'"{summary_of(cert).subject}" that {reference_name} does not.'
            )
    return tuple(differences)


def _describe(cert: CertificateSummary) -> str:
    return (
        f'"{cert.subject}" (SHA-256 {cert.fingerprint_sha256[:23]}..., '
        f"valid until {cert.not_after:%Y-%m-%d})"
    )


def _sentence(text: str) -> str:
    text = text.strip()
    if text and text[0].islower():
        text = text[0].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."
