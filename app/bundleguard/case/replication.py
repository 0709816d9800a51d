"""The Replicate step's core: what a user checks before and after copying the certificate
from the primary to its backups and traffic nodes, as facts first and words second.

- `pkcs12_rows(report)`: the exported PKCS#12, judged row by row.
- `coverage_rows(case, leaf)`: does the certificate cover every name the case needs?
- `verification_grid(report, case)`: each appliance x each check as the live probe judged
  it (`probe.analyse.judge_appliance`: the one judge, which the CLI's exit status reads
  too; here nothing is judged again), with its sentence for every failure, a summary and a
  text to copy.
- `update_wait(installed, now)`: how long clients may still need after the vendor update.

No Qt here: the window renders these values. Untrusted text (names, fingerprints from a
server) is kept as it came; the shells make it visible or plain. Before any of it is put
into the grid it is judged whole by the secret guard (`case.texts`): when what a server
sent carries private key material, the grid leaves every name and sentence it sent out
and says why (`VerificationGrid.withheld`), and a result to save is judged again
(`to_verification`). Server-supplied names are cut to `texts.MAX_NAME` characters.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass

from cryptography import x509

from bundleguard.case import texts
from bundleguard.case.model import Case, Role, Verification, case_key
from bundleguard.certs.names import HostnameError, covers
from bundleguard.certs.pkcs12 import Pkcs12Report
from bundleguard.probe.report import ApplianceReport, Check, ProbeReport
from bundleguard.text import counted

_FINGERPRINT = re.compile(r"\b((?:[0-9A-F]{2}:){3}[0-9A-F]{2})(?::[0-9A-F]{2}){16,}\b")


def _short_fingerprints(text: str) -> str:
    """A summary line names a fingerprint by its first four bytes (`CD:46:E7:51…`): the
    whole one takes three lines of hex; it stays in the cell, "What differs" and the
    copied results."""
    return _FINGERPRINT.sub(lambda match: match.group(1) + "\u2026", text)


LEGACY_REASON = "older appliances and Windows Server 2016 need it; modern tools prefer AES-256"
CLIENT_WAIT = dt.timedelta(hours=48)


class Status(enum.Enum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class CheckRow:
    label: str
    status: Status
    detail: str = ""


# --------------------------------------------------------------------------- PKCS#12


def pkcs12_rows(report: Pkcs12Report) -> tuple[CheckRow, ...]:
    """The exported PKCS#12 as rows a user reads top to bottom."""
    rows: list[CheckRow] = []
    if report.certificate is not None:
        rows.append(CheckRow("Holds the certificate?", Status.PASS, "Yes."))
    else:
        rows.append(
            CheckRow("Holds the certificate?", Status.FAIL, "No: the file holds no certificate.")
        )
    if not report.has_private_key:
        rows.append(
            CheckRow(
                "Holds the private key?",
                Status.FAIL,
                "No: an appliance cannot use a certificate without its private key. "
                "Export it again with the private key.",
            )
        )
    elif report.key_matches_certificate is False:
        rows.append(
            CheckRow(
                "Holds the private key?",
                Status.FAIL,
                "A private key is there, but it does not belong to the certificate.",
            )
        )
    else:
        rows.append(
            CheckRow(
                "Holds the private key?",
                Status.PASS,
                "Yes, and it matches the certificate."
                if report.key_matches_certificate
                else "Yes.",
            )
        )
    count = len(report.chain)
    if count:
        rows.append(
            CheckRow(
                "Holds the chain?",
                Status.PASS,
                f"Yes: {count} more certificate (its issuer) comes with it."
                if count == 1
                else f"Yes: {count} more certificates (its issuers) come with it.",
            )
        )
    else:
        rows.append(
            CheckRow(
                "Holds the chain?",
                Status.WARN,
                "No intermediates: clients may not trust the appliance unless the chain "
                "is added when it is imported.",
            )
        )
    if report.passphrase_protected:
        rows.append(CheckRow("Passphrase set?", Status.PASS, "Yes."))
    else:
        rows.append(
            CheckRow(
                "Passphrase set?",
                Status.FAIL,
                "No: anyone who gets the file gets the private key. Protect it with a passphrase.",
            )
        )
    rows.append(_encryption_row(report))
    mac = report.mac_algorithm or "none"
    if mac.lower() == "none":
        rows.append(
            CheckRow(
                "Integrity check (MAC)?",
                Status.FAIL,
                "None: a damaged or altered file would not be noticed.",
            )
        )
    else:
        rows.append(CheckRow("Integrity check (MAC)?", Status.PASS, f"{mac}."))
    return tuple(rows)


def _encryption_row(report: Pkcs12Report) -> CheckRow:
    label = "Encryption?"
    key = report.key_encryption or "none"
    if key.lower() == "none" and report.has_private_key:
        return CheckRow(label, Status.FAIL, "None: the private key is stored in the clear.")
    if report.legacy_encryption:
        return CheckRow(label, Status.WARN, f"Legacy ({key}): {LEGACY_REASON}.")
    if "AES-256" in key or "AES256" in key.upper():
        return CheckRow(label, Status.PASS, f"{key}.")
    if key.lower() == "none":
        return CheckRow(label, Status.FAIL, "None.")
    return CheckRow(label, Status.WARN, f"{key}: modern tools prefer AES-256.")


# --------------------------------------------------------------------------- coverage


def _advice(role: Role) -> str:
    if role is Role.NODE:
        return "For Atlas, use a wildcard certificate (for example *.example.com)."
    return "For failover, the certificate must cover each appliance's own hostname and the site."


def coverage_rows(case: Case, leaf: x509.Certificate) -> tuple[CheckRow, ...]:
    """Certificate covers every name? A first row for the whole, then one row per name:
    the site, then each appliance and traffic node, with the vendor's advice when not."""
    rows: list[CheckRow] = []
    uncovered: list[str] = []
    seen: set[str] = set()
    wanted: list[tuple[str, Role | None]] = []
    if case.site.strip():
        wanted.append((case.site.strip(), None))
    for entry in case.appliances:
        if entry.hostname.strip():
            wanted.append((entry.hostname.strip(), entry.role))
    for name, role in wanted:
        key = name.lower()
        if key in seen:
            continue
        seen.add(key)
        what = (
            "the site" if role is None else ("traffic node" if role is Role.NODE else "appliance")
        )
        label = f"Covers {name} ({what})?"
        try:
            covered = covers(leaf, name)
        except HostnameError as error:  # typed while the user edits: said, never raised
            uncovered.append(name)
            rows.append(CheckRow(label, Status.FAIL, f"No: {error}"))
            continue
        if covered:
            rows.append(CheckRow(label, Status.PASS, "Yes."))
        else:
            uncovered.append(name)
            advice = _advice(role if role is not None else Role.PRIMARY)
            rows.append(CheckRow(label, Status.FAIL, f"No: {name} is not covered. {advice}"))
    whole = "Certificate covers every name?"
    if not rows:
        first = CheckRow(whole, Status.FAIL, "The case names no site and no appliance yet.")
    elif uncovered:
        first = CheckRow(whole, Status.FAIL, f"No: it does not cover {', '.join(uncovered)}.")
    else:
        said = "its one name" if len(rows) == 1 else f"all {len(rows)} names"
        first = CheckRow(whole, Status.PASS, f"Yes: {said}.")
    return (first, *rows)


# --------------------------------------------------------------------------- the grid


@dataclass(frozen=True)
class Cell:
    host: str
    check: Check
    status: Status | None  # None: does not apply here
    detail: str = ""

    @property
    def accessible_text(self) -> str:
        word = self.status.value if self.status is not None else "not applicable"
        return f"{self.host}: {self.check.value}: {word}"


@dataclass(frozen=True)
class GridRow:
    host: str
    cells: tuple[Cell, ...]
    reached_at: str = ""  # "ADDRESS:PORT" when the case gives an address, else "" (DNS)

    @property
    def ok(self) -> bool:
        return all(cell.status is not Status.FAIL for cell in self.cells)

    def cell(self, check: Check) -> Cell:
        return next(cell for cell in self.cells if cell.check is check)


@dataclass(frozen=True)
class VerificationGrid:
    site: str
    rows: tuple[GridRow, ...]
    checked_at: dt.datetime
    # What the live check found that no cell shows (the probe is the judge: the grid never
    # says "all pass" while it reports a problem).
    other_problems: tuple[str, ...] = ()
    case_key: str = ""  # `case_key(case)` of the case it was made for
    # Why the names and sentences the appliances sent are left out ("" when they are not):
    # a certificate served carries private key material.
    withheld: str = ""

    @property
    def ok(self) -> bool:
        cells_ok = bool(self.rows) and all(row.ok for row in self.rows)
        return cells_ok and not self.other_problems

    @property
    def failures(self) -> tuple[Cell, ...]:
        return tuple(c for row in self.rows for c in row.cells if c.status is Status.FAIL)

    @property
    def summary(self) -> str:
        if not self.rows:
            return "No appliance was checked."
        if self.withheld and self.other_problems:  # a key served to anyone: first to fix
            more = len(self.failures) + len(self.other_problems) - 1
            tail = f" ({more} more to fix.)" if more else ""
            return f"Fix first: {self.other_problems[0]}{tail}"
        if self.ok:
            count = len(self.rows)
            if count == 1:
                return f"The appliance serves a complete certificate for {self.site}."
            return (
                f"All {count} appliances serve the identical, complete certificate for {self.site}."
            )
        if not self.failures:
            more = len(self.other_problems) - 1
            tail = f" ({more} more to fix.)" if more else ""
            return f"Fix first: {self.other_problems[0]}{tail}"
        first = self.failures[0]
        more = len(self.failures) + len(self.other_problems) - 1
        tail = f" ({more} more to fix.)" if more else ""
        return f"Fix first: {first.host}: {_short_fingerprints(first.detail)}{tail}"

    def as_text(self) -> str:
        when = self.checked_at.replace(microsecond=0).isoformat()
        lines = [f"Replication check of {self.site}, {when}", ""]
        for row in self.rows:
            lines.append(f"{row.host} (at {row.reached_at})" if row.reached_at else row.host)
            for cell in row.cells:
                word = cell.status.value.upper() if cell.status is not None else "n/a"
                line = f"  {word:4}  {cell.check.value}"
                if cell.status is Status.FAIL and cell.detail:
                    line += f": {cell.detail}"
                lines.append(line)
        if self.other_problems:
            lines += ["", "The live check also found:"]
            lines += [f"  {problem}" for problem in self.other_problems]
        if self.withheld:
            lines += ["", self.withheld]
        lines += ["", self.summary]
        return "\n".join(lines)

    def to_verification(self, now: dt.datetime | None = None) -> Verification:
        """The result as the case keeps it, bounded (`texts.MAX_STORED_SUMMARY`,
        `texts.MAX_STORED_TEXT`) and judged again by the guard: `texts.KeyMaterialError`
        when it would still carry key material (then nothing is to be saved)."""
        moment = now if now is not None else dt.datetime.now(dt.UTC)
        summary = self.summary
        text = self.as_text()
        found = texts.key_material_in(summary, text)
        if found is not None:
            raise texts.KeyMaterialError(
                f"The results were not saved: they hold private key material ({found}).", found
            )
        return Verification(
            checked_at=moment.isoformat(),
            ok=self.ok,
            summary=texts.shortened(summary, texts.MAX_STORED_SUMMARY),
            text=texts.shortened(text, texts.MAX_STORED_TEXT),
            case_key=self.case_key,
        )


WITHHELD = "(withheld)"


def key_problem(found: texts.KeyMaterial) -> str:
    """The problem a certificate carrying key material is, whatever else passes."""
    return (
        f"A certificate an appliance serves carries private key material ({found}): "
        "whoever connects can read it. Issue a new key and certificate, and install them."
    )


def withheld_reason(found: texts.KeyMaterial) -> str:
    """Why the names and sentences the appliances sent are left out of the results."""
    return (
        "A certificate an appliance served carries private key material in its names or "
        f"fields ({found}): the names and messages the appliances sent are left out of "
        "these results. Replace that certificate: whoever connects can read its key."
    )


def verification_grid(
    report: ProbeReport, case: Case, *, now: dt.datetime | None = None
) -> VerificationGrid:
    """The probe's judgement of each appliance x each check, arranged as the grid shows it.

    Nothing is judged here: every cell is the probe's `Verdict` (`probe.analyse.
    judge_appliance`, the one judge the CLI's exit status reads too), in its words.
    `now` is when the check is said to have been made.
    """
    moment = now if now is not None else dt.datetime.now(dt.UTC)
    # Judged whole, before a name or a sentence is shortened: a cut could split a key
    # into pieces that each pass.
    found = texts.key_material_in_report(report)
    withheld = withheld_reason(found) if found is not None else ""
    rows = tuple(_row(appliance, bool(withheld)) for appliance in report.appliances)
    other: tuple[str, ...] = ()
    if all(row.ok for row in rows) and not report.ok:
        other = _other_problems(report, bool(withheld))
    if found is not None:
        other = (key_problem(found), *other)
    return VerificationGrid(
        site=report.site,
        rows=rows,
        checked_at=moment,
        other_problems=other,
        case_key=case_key(case),
        withheld=withheld,
    )


def _other_problems(report: ProbeReport, withheld: bool) -> tuple[str, ...]:
    """The probe's problems no cell shows, at most `texts.MAX_PROBLEMS`, each cut to
    `texts.MAX_PROBLEM` characters; when the appliances' words are withheld, only how many."""
    found = [*report.problems]
    for appliance in report.appliances:
        found += [f"{appliance.target.name}: {p}" for p in appliance.problems]
    cancelled = "The check was cancelled before every appliance answered."
    problems = list(dict.fromkeys(found))
    if withheld and problems:
        problems = [
            f"{counted(len(problems), 'problem')} whose words quote what the appliances sent "
            f"{WITHHELD}."
        ]
    if report.cancelled:
        problems.append(cancelled)
    if len(problems) > texts.MAX_PROBLEMS:
        more = len(problems) - texts.MAX_PROBLEMS + 1
        problems = [
            *problems[: texts.MAX_PROBLEMS - 1],
            f"And {counted(more, 'more problem', 'more problems')}.",
        ]
    return tuple(texts.shortened(p, texts.MAX_PROBLEM) for p in problems) or (
        "The live check reported a problem.",
    )


_STATUS = {True: Status.PASS, False: Status.FAIL, None: None}


def _row(appliance: ApplianceReport, withheld: bool = False) -> GridRow:
    """One appliance's cells, in the order of `Check`: the probe's verdicts; `withheld`:
    in the words without what the appliance sent."""
    host = appliance.target.name
    cells = tuple(
        Cell(
            host,
            verdict.check,
            _STATUS[verdict.passed],
            verdict.plain if withheld else verdict.detail,
        )
        for verdict in appliance.verdicts
    )
    target = appliance.target
    reached = f"{target.address}:{target.port}" if target.address else ""
    return GridRow(host, cells, reached)


# --------------------------------------------------------------------------- waiting


def _ago(delta: dt.timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    if hours < 1:
        return f"{counted(int(delta.total_seconds() // 60), 'minute')} ago"
    return f"{counted(hours, 'hour')} ago"


def update_wait(installed_iso: str, now: dt.datetime | None = None) -> str | None:
    """After the vendor update was installed: how long ago, and that clients may need
    24-48 hours. None once 48 hours have passed (or when no time was recorded)."""
    if not installed_iso.strip():
        return None
    try:
        installed = dt.datetime.fromisoformat(installed_iso.strip())
    except ValueError:
        return None
    if installed.tzinfo is None:
        installed = installed.replace(tzinfo=dt.UTC)
    moment = now if now is not None else dt.datetime.now(dt.UTC)
    delta = moment - installed
    if delta >= CLIENT_WAIT:
        return None
    if delta < dt.timedelta(0):
        delta = dt.timedelta(0)
    return (
        f"The vendor update was installed {_ago(delta)}. Clients, especially Jump Clients, "
        "may need 24 to 48 hours to update themselves."
    )
