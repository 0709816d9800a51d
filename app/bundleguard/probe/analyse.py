"""Judge what the appliances served: per handshake, per appliance, and across appliances.

Pure code over `Handshake` results and certificates (no sockets): coverage, chain,
validity and trust come from `bundleguard.certs`; this module adds what only a live
check can say — does the default (no-SNI) certificate match, do all appliances serve
the identical chain for the site name, does each serve the expected certificate.

`judge_appliance` is the one judge of a live check: each `Check` of each appliance, pass
or fail (or not applicable), against one reference, the primary (by role). `probe`'s exit
status and the window's Verify grid (`bundleguard.case.replication`) both read these
verdicts; nothing judges them again.

A served certificate whose fields carry private key material (the secret guard looks into
every field, and into the names, subject and issuer values joined: a key may be cut
across them) is a problem of the chain, and its subject, issuer and names are withheld
from every summary and sentence (`summary_of`): the report, its text and its JSON never
repeat the key. Names quoted in a sentence are at most `MAX_NAMES_QUOTED`, each cut to
`MAX_NAME_QUOTED` characters (a certificate may carry thousands).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm

from bundleguard.certs.anchors import TrustAnchors, load_trust_anchors

# The one look for key material in a certificate's fields (re-exported: the probe's words).
from bundleguard.certs.carried import WITHHELD, key_material_in_certificate
from bundleguard.certs.chain import build_chain, issued_by
from bundleguard.certs.describe import fingerprint_sha256, is_ca, is_self_signed
from bundleguard.certs.names import certificate_names, covers
from bundleguard.certs.trust import INCOMPLETE, check_trust
from bundleguard.certs.validity import check_validity
from bundleguard.probe.report import (
    ApplianceReport,
    CertificateSummary,
    Check,
    Comparison,
    NameCheck,
    ProbeReport,
    Verdict,
)
from bundleguard.probe.targets import Target
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
        problems.append(
            f"For its own name {report.target.name} it serves a different certificate than "
            f"for {site}: {_describe(own_check.leaf)}. Replace that one as well."
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
    expected_fingerprint: str = "",
    primary: str | None = None,
    timeout: float = 0.0,
    seconds: float = 0.0,
    now: dt.datetime | None = None,
) -> ProbeReport:
    """Do all appliances serve the identical chain for the site, and the expected one?
    Then each check of each appliance is judged (`judge_appliance`).

    `primary` names the appliance the others are compared with (the primary, by role);
    None: the first of `reports`. `expected_fingerprint` (SHA-256) is the exported
    certificate's when no `expected` chain is given (a case records it).
    """
    expected_chain = _expected_chain(expected)
    answered = [r for r in reports if _site_chain(r, site)]
    reference = next((r for r in reports if r.target.name == primary), None)
    if reference is None and reports:
        reference = reports[0]
    reference_chain = _site_chain(reference, site) if reference is not None else ()
    if expected_chain:
        expected_fingerprint = fingerprint_sha256(expected_chain[0])
    problems: list[str] = []
    finished: list[ApplianceReport] = []
    for report in reports:
        served = _site_chain(report, site)
        extra: list[str] = []
        same_as_reference = None
        if served and reference_chain and report is not reference:
            assert reference is not None
            same_as_reference = _compare(served, reference_chain, reference.target)
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
        verdicts = judge_appliance(
            report,
            site,
            reference=None if report is reference else reference,
            exported=expected_fingerprint,
            now=now,
        )
        finished.append(
            replace(
                report,
                same_as_reference=same_as_reference,
                matches_expected=matches_expected,
                problems=(*report.problems, *extra),
                verdicts=verdicts,
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
        primary=reference.target.name if reference is not None else "",
    )


# --------------------------------------------------------------------------- verdicts
# Each check of one appliance, judged once: the CLI's exit status and the window's grid
# (`bundleguard.case.replication`) read these. Every sentence comes twice: as said, and
# `plain` (what the appliance sent left out, for results that must not repeat it).

WITHHELD_PLAIN = "(withheld)"
_FINGERPRINT = re.compile(r"[0-9A-Fa-f]{2}(?:[: ]?[0-9A-Fa-f]{2}){31}")


class _Said:
    """A sentence put together from our words and what the appliance sent."""

    def __init__(self) -> None:
        self.detail: list[str] = []
        self.plain: list[str] = []

    def ours(self, text: str) -> _Said:
        self.detail.append(text)
        self.plain.append(text)
        return self

    def theirs(self, text: str) -> _Said:
        self.detail.append(text)
        self.plain.append(WITHHELD_PLAIN)
        return self


def _fail(check: Check, said: _Said | str) -> Verdict:
    if isinstance(said, str):
        return Verdict(check, False, said, said)
    return Verdict(check, False, "".join(said.detail), "".join(said.plain))


def _short(text: str) -> str:
    return text if len(text) <= MAX_NAME_QUOTED else text[: MAX_NAME_QUOTED - 1] + "…"


def _leaf_fp(check: NameCheck | None) -> str | None:
    return check.leaf.fingerprint_sha256 if check is not None and check.leaf else None


def _served(check: NameCheck | None) -> bool:
    return check is not None and check.handshake.ok


def _not_served(check: NameCheck | None, name: str) -> _Said:
    if check is None or not check.attempted:
        return _Said().ours(f"{name} was not asked for.")
    message = _short(check.handshake.message)
    said = _Said().ours(f"Nothing served for {name}: ")
    if message:
        said.theirs(message)
    else:
        said.ours("no certificate was served")
    return said.ours(".")


def _to(check: NameCheck) -> str:
    return f"for {check.sni}" if check.sni is not None else "to clients that send no name"


def _norm(fingerprint: str) -> str:
    return fingerprint.replace(":", "").replace(" ", "").upper()


def judge_appliance(
    report: ApplianceReport,
    site: str,
    *,
    reference: ApplianceReport | None,
    exported: str = "",
    now: dt.datetime | None = None,
) -> tuple[Verdict, ...]:
    """Every `Check` of one appliance, in the order of `Check`.

    `reference` is the primary the appliance is compared with (None: it is the primary);
    `exported` is the SHA-256 fingerprint of the exported certificate ("": none to compare).
    """
    moment = now if now is not None else dt.datetime.now(dt.UTC)
    host = report.target.name
    site_check = report.check_for(site)
    own_check = report.check_for(host) if host != site else None
    default_check = report.check_for(None)
    site_fp = _leaf_fp(site_check)
    verdicts: list[Verdict] = []
    add = verdicts.append

    if any(c.handshake.ok for c in report.checks):
        add(Verdict(Check.REACHABLE, True))
    else:
        messages = [c.handshake.message for c in report.checks if c.handshake.message]
        said = _Said().ours("The appliance could not be reached: ")
        if messages:
            said.theirs(_short(messages[0]))
        else:
            said.ours("no answer")
        add(_fail(Check.REACHABLE, said.ours(".")))

    if _served(site_check):
        add(Verdict(Check.SITE_NAME, True))
    else:
        add(_fail(Check.SITE_NAME, _not_served(site_check, site)))

    own_fp = _leaf_fp(own_check)
    if own_check is None and host == site:
        add(Verdict(Check.OWN_NAME, None))
    elif not _served(own_check):
        add(_fail(Check.OWN_NAME, _not_served(own_check, host)))
    elif site_fp is not None and own_fp is not None and own_fp != site_fp:
        add(
            _fail(
                Check.OWN_NAME,
                f"For its own name {host} it serves another certificate (SHA-256 {own_fp}) "
                f"than for {site} (SHA-256 {site_fp}): replace that one as well.",
            )
        )
    else:
        add(Verdict(Check.OWN_NAME, True))

    default_fp = _leaf_fp(default_check)
    if not _served(default_check):
        said = _Said().ours("Clients that send no name got no certificate: ")
        if default_check is not None:
            said.theirs(_short(default_check.handshake.message))
        else:
            said.ours("not asked")
        add(_fail(Check.NO_SNI, said.ours(".")))
    elif site_fp is not None and default_fp is not None and default_fp != site_fp:
        add(
            _fail(
                Check.NO_SNI,
                f"Clients that send no name get another certificate (SHA-256 {default_fp}) "
                f"than {site} (SHA-256 {site_fp}): make this certificate the default.",
            )
        )
    elif (
        site_fp is not None
        and default_check is not None
        and site_check is not None
        and default_check.chain_fingerprints != site_check.chain_fingerprints
    ):
        add(
            _fail(
                Check.NO_SNI,
                f"Clients that send no name get the certificate of {site} with another "
                "chain: make this certificate, with its chain, the default.",
            )
        )
    else:
        add(Verdict(Check.NO_SNI, True))

    served = [c for c in (site_check, own_check, default_check) if _served(c)]
    damaged = [c for c in served if not c.chain]
    broken = [c for c in served if c.chain_complete is False]
    if not _served(site_check):
        add(_fail(Check.CHAIN, "No chain to judge."))
    elif damaged:
        add(_fail(Check.CHAIN, damaged[0].problems[0] if damaged[0].problems else "Damaged."))
    elif broken:
        check = broken[0]
        where = "" if check is site_check else f" served {_to(check)}"
        said = _Said().ours(f"The chain{where} is incomplete: the intermediate certificate ")
        if check.leaf is not None:
            said.theirs(_short(check.leaf.issuer))
        else:
            said.ours("its issuer")
        said.ours(" is missing. Import the certificate again with its intermediates.")
        add(_fail(Check.CHAIN, said))
    else:
        add(Verdict(Check.CHAIN, True))

    leaf = site_check.leaf if site_check is not None else None
    uncovered = [
        name
        for name, check in ((site, site_check), (host, own_check))
        if check is not None and check.covers_name is False
    ]
    if leaf is None:
        add(_fail(Check.COVERS, "No certificate to judge."))
    elif uncovered:
        said = _Said().ours(f"The certificate does not cover {', '.join(uncovered)} (it covers: ")
        said.theirs(quoted_names(leaf.names)).ours(").")
        add(_fail(Check.COVERS, said))
    else:
        add(Verdict(Check.COVERS, True))

    dated: dict[str, _Said] = {}  # by what it says: each said once
    for check in served:
        for position, cert in enumerate(check.chain):
            said = _Said()
            if position == 0 and moment < cert.not_before:
                said.ours(f"the certificate served {_to(check)} is not valid before ")
                said.ours(cert.not_before.isoformat())
            elif position == 0 and moment > cert.not_after:
                said.ours(f"the certificate served for {check.label} expired on ")
                said.ours(cert.not_after.isoformat())
            elif position and not cert.not_before <= moment <= cert.not_after:
                said.ours("the intermediate certificate ").theirs(_short(cert.subject))
                said.ours(f" served {_to(check)} ")
                if moment < cert.not_before:
                    said.ours(f"is not valid before {cert.not_before.isoformat()}")
                else:
                    said.ours(f"expired on {cert.not_after.isoformat()}")
            else:
                continue
            dated.setdefault("".join(said.detail), said)
    if leaf is None:
        add(_fail(Check.DATES, "No certificate to judge."))
    elif dated:
        joined = _Said()
        for number, said in enumerate(dated.values()):
            if number:
                joined.ours("; ")
            joined.detail += said.detail
            joined.plain += said.plain
        joined.detail[0] = joined.detail[0][:1].upper() + joined.detail[0][1:]
        joined.plain[0] = joined.plain[0][:1].upper() + joined.plain[0][1:]
        add(_fail(Check.DATES, joined.ours(".")))
    else:
        add(Verdict(Check.DATES, True))

    primary_fp = _leaf_fp(reference.check_for(site)) if reference is not None else None
    if reference is None:
        add(Verdict(Check.SAME_AS_PRIMARY, None))
    elif primary_fp is None or site_fp is None:
        # Said of the one that served nothing (the primary first: it is the reference).
        check, who = (
            (reference.check_for(site), "the primary")
            if primary_fp is None
            else (site_check, "this appliance")
        )
        what = "a damaged certificate" if _served(check) else "no certificate"
        add(_fail(Check.SAME_AS_PRIMARY, f"Cannot compare: {who} served {what} for {site}."))
    elif site_fp == primary_fp:
        add(Verdict(Check.SAME_AS_PRIMARY, True))
    else:
        add(
            _fail(
                Check.SAME_AS_PRIMARY,
                f"Serves another certificate than the primary: SHA-256 {site_fp} here, "
                f"{primary_fp} on the primary.",
            )
        )

    if not exported.strip():
        add(Verdict(Check.MATCHES_EXPORT, None))
    elif not _FINGERPRINT.fullmatch(exported.strip()):
        # A case file may say anything here: never quoted, only said to be wrong.
        add(
            _fail(
                Check.MATCHES_EXPORT,
                "The case records no SHA-256 fingerprint of the exported PKCS#12 (the text "
                "there is something else): open the export again.",
            )
        )
    elif site_fp is None:
        add(_fail(Check.MATCHES_EXPORT, "Cannot compare: no certificate was served."))
    elif _norm(site_fp) == _norm(exported):
        add(Verdict(Check.MATCHES_EXPORT, True))
    else:
        add(
            _fail(
                Check.MATCHES_EXPORT,
                f"Does not serve the exported certificate: SHA-256 {site_fp} here, "
                f"{exported.strip()} in the PKCS#12.",
            )
        )
    return tuple(verdicts)


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
