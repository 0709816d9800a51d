"""Is the case ready to build? One answer for the steps list, the Build button and the CLI.

`readiness(case, facts)` judges a case, and what planning found in its files (`PlanFacts`,
gathered by `case.actions.gather_facts`), into every step's state and two lists:
- **blockers** stop the build (a refused file, no appliance, a missing screenshot, no output
  folder, an address that cannot be used, no certificate file...);
- **concerns** still give support something usable but poor (an incomplete chain, no
  incident number, a certificate that does not cover the site...): building then needs the
  user's explicit consent.
Each names the step that fixes it. Pure and cheap: no file is read here, only the case's
texts and the facts already gathered are judged. No Qt, and no words of any shell.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from bundleguard.case.model import Case, verification_is_current
from bundleguard.case.steps import STEPS, Step
from bundleguard.errors import InputError

if TYPE_CHECKING:
    # The checks below pull in cryptography: imported when first judged, so that a window
    # that imports this module paints first.
    from bundleguard.bundle.plan import BundlePlan, Refusal

__all__ = [
    "STEPS",
    "Blocker",
    "ChainFacts",
    "Concern",
    "PlanFacts",
    "Readiness",
    "State",
    "Step",
    "StepStatus",
    "build_key",
    "readiness",
    "step_named",
]


# --------------------------------------------------------------------------- the steps
# The steps are the window's one list of them (`case.steps.Step`, in order in `STEPS`).


def step_named(step: Step) -> str:
    """As a sentence names it: "Step 2, Certificates"."""
    return f"Step {step.number}, {step.title}"


class State(Enum):
    """Where a step stands."""

    TODO = "to do"  # nothing wrong, nothing done yet (no live check saved)
    CHECKING = "checking"  # its files are not judged yet
    BLOCKED = "blocked"  # something must be fixed
    CONCERN = "concern"  # usable, but poor: building needs consent
    READY = "ready"  # the bundles can be built
    DONE = "done"


@dataclass(frozen=True)
class StepStatus:
    """One step's state and the short words the steps list shows beside its title."""

    step: Step
    state: State
    label: str

    @property
    def text(self) -> str:
        """ "1 Case: done": what a screen reader says of the step's row."""
        return f"{self.step.label}: {self.label}"


@dataclass(frozen=True)
class _StepNote:
    """What is wrong, and the step where the user fixes it ("Step 1, Case: ...")."""

    step: Step
    text: str

    def __str__(self) -> str:
        return f"{step_named(self.step)}: {self.text}"


@dataclass(frozen=True)
class Blocker(_StepNote):
    """Something that stops the build."""


@dataclass(frozen=True)
class Concern(_StepNote):
    """Something support can live with, but should not have to: building needs consent."""


# --------------------------------------------------------------------------- the facts


@dataclass(frozen=True)
class ChainFacts:
    """What the accepted certificates are, as a chain, for this case's names."""

    complete: bool
    missing_issuer: str | None  # the issuer whose certificate is missing, as a name
    problems: tuple[str, ...]  # other chain problems (several leaves, strays), as sentences
    site_covered: bool | None  # None: no usable site to check
    uncovered_appliances: tuple[str, ...]  # appliance hostnames the leaf does not cover
    dates: tuple[str, ...]  # validity problems (expired, not yet valid...), as sentences


@dataclass(frozen=True)
class PlanFacts:
    """What planning found in the case's files (`case.actions.gather_facts`).

    `key` is `build_key` of the case planned: facts about another case are not judged.
    `plans` are the bundles that would be written (one per appliance that can have one).
    """

    key: tuple
    plans: tuple[BundlePlan, ...]
    refused_files: tuple[Refusal, ...]  # certificate files refused, once each
    refused_screenshots: tuple[tuple[str, Refusal], ...]  # (appliance hostname, refusal)
    chain: ChainFacts | None  # None: no certificate was accepted


def build_key(case: Case) -> tuple:
    """What the bundles are made of: when it changes, what was planned or built is outdated.
    Of an appliance, its name, role and screenshot (its Address is for the live check only)."""
    appliances = tuple((a.hostname, a.role, a.screenshot) for a in case.appliances)
    return (case.site, case.incident, case.support_address, case.output, appliances,
            case.files)  # fmt: skip


# --------------------------------------------------------------------------- the answer


@dataclass(frozen=True)
class Readiness:
    """Every step's state, every blocker and every concern of one case.

    `checked` is False while the case's files are not judged yet (no facts, or facts about
    another version of the case): the build waits for them.
    """

    steps: tuple[StepStatus, ...]
    blockers: tuple[Blocker, ...]
    concerns: tuple[Concern, ...]
    plans: tuple[BundlePlan, ...]
    checked: bool

    def of(self, step: Step) -> StepStatus:
        return next(status for status in self.steps if status.step == step)

    @property
    def can_build(self) -> bool:
        """Nothing stops the build (concerns may still need consent)."""
        return self.checked and not self.blockers and bool(self.plans)

    @property
    def ready(self) -> bool:
        """The build may start without asking anything."""
        return self.can_build and not self.concerns

    def may_build(self, accepted: Iterable[Concern] = ()) -> bool:
        """Nothing stops the build and every concern is one the user accepted."""
        return self.can_build and set(self.concerns) <= set(accepted)


def _problem(check, text: str) -> str | None:
    try:
        check(text)
    except InputError as error:
        return str(error)
    return None


def _case_findings(case: Case, drafts: bool) -> tuple[list[Blocker], list[Concern]]:
    from bundleguard.bundle.email import check_address
    from bundleguard.bundle.plan import check_incident
    from bundleguard.certs.names import normalize_hostname

    blockers: list[Blocker] = []
    concerns: list[Concern] = []
    if not case.site.strip():
        blockers.append(Blocker(Step.CASE, "add the site hostname"))
    elif problem := _problem(normalize_hostname, case.site.strip()):
        blockers.append(Blocker(Step.CASE, f"the site hostname cannot be used. {problem}"))
    if not case.appliances:
        blockers.append(Blocker(Step.CASE, "add the appliance the bundle is for"))
    for entry in case.appliances:
        if not entry.hostname.strip():
            blockers.append(Blocker(Step.CASE, "give every appliance its hostname"))
        elif problem := _problem(normalize_hostname, entry.hostname.strip()):
            blockers.append(
                Blocker(Step.CASE, f"an appliance's hostname cannot be used. {problem}")
            )
    if not case.incident.strip():
        concerns.append(
            Concern(Step.CASE, "add the incident number: support matches the bundle to it")
        )
    elif problem := _problem(check_incident, case.incident):
        blockers.append(Blocker(Step.CASE, problem))
    if not drafts:
        pass  # no email draft is written: no recipient to judge
    elif not case.support_address.strip():
        concerns.append(
            Concern(Step.CASE, "add the support address: the email drafts have no recipient")
        )
    elif problem := _problem(check_address, case.support_address):
        blockers.append(Blocker(Step.CASE, f"the support address cannot be used. {problem}"))
    if not case.output.strip():
        blockers.append(Blocker(Step.CASE, "choose the output folder the bundles are written to"))
    return blockers, concerns


def _screenshot_findings(case: Case, facts: PlanFacts | None) -> list[Blocker]:
    blockers = [
        Blocker(
            Step.SCREENSHOT, f"add the Status > Basics screenshot of {e.hostname or 'an appliance'}"
        )
        for e in case.appliances
        if not e.screenshot
    ]
    if facts is not None:
        for hostname, refusal in facts.refused_screenshots:
            reason = refusal.reasons[0] if refusal.reasons else "it is not an image"
            blockers.append(
                Blocker(Step.SCREENSHOT, f"the screenshot of {hostname} is refused: {reason}")
            )
    return blockers


def _refused(refusal: Refusal) -> str:
    if refusal.verdict == "error":
        return f"{refusal.source} cannot be read: put it back or take it out of the case"
    if refusal.found == "image":
        return f"{refusal.source} is an image, not a certificate: add it as a screenshot"
    if refusal.verdict == "secret":
        return (
            f"{refusal.source} is refused (it holds a private key): extract its "
            "certificates, or take it out of the case"
        )
    return f"{refusal.source} is refused (not a certificate): take it out of the case"


def _certificate_findings(
    case: Case, facts: PlanFacts | None
) -> tuple[list[Blocker], list[Concern]]:
    if not case.files:
        return [Blocker(Step.CERTIFICATES, "add the certificate files of the chain")], []
    if facts is None:
        return [], []
    blockers = [Blocker(Step.CERTIFICATES, _refused(refusal)) for refusal in facts.refused_files]
    chain = facts.chain
    if chain is None:
        if not blockers:
            blockers.append(Blocker(Step.CERTIFICATES, "add a certificate file: none was accepted"))
        return blockers, []
    concerns: list[Concern] = []
    if not chain.complete:
        issuer = chain.missing_issuer or "its issuer"
        concerns.append(
            Concern(
                Step.CERTIFICATES,
                f"the chain is incomplete: add the certificate of the issuer {issuer}",
            )
        )
    concerns += [Concern(Step.CERTIFICATES, text) for text in chain.problems]
    if chain.site_covered is False:
        concerns.append(
            Concern(
                Step.CERTIFICATES, f"the certificate does not cover the site {case.site.strip()}"
            )
        )
    concerns += [
        Concern(Step.CERTIFICATES, f"the certificate does not cover the appliance {host}")
        for host in chain.uncovered_appliances
    ]
    concerns += [Concern(Step.CERTIFICATES, text) for text in chain.dates]
    return blockers, concerns


def _state(
    step: Step,
    blockers: list[Blocker],
    concerns: list[Concern],
    checking: bool,
    done: str = "done",
) -> StepStatus:
    if any(b.step == step for b in blockers):
        return StepStatus(step, State.BLOCKED, "needs attention")
    if checking:
        return StepStatus(step, State.CHECKING, "checking…")
    if any(c.step == step for c in concerns):
        return StepStatus(step, State.CONCERN, f"{done}, with concerns")
    return StepStatus(step, State.DONE, done)


def _replicate(case: Case) -> StepStatus:
    verification = case.replication.verification
    if verification is None:
        return StepStatus(Step.REPLICATE, State.TODO, "not verified")
    if verification_is_current(case) is False:
        return StepStatus(Step.REPLICATE, State.TODO, "check again: the case changed")
    if verification.ok:
        return StepStatus(Step.REPLICATE, State.DONE, "verified")
    return StepStatus(Step.REPLICATE, State.BLOCKED, "verification failed")


def readiness(
    case: Case, facts: PlanFacts | None = None, *, built: tuple | None = None, drafts: bool = True
) -> Readiness:
    """Judge `case`, with what planning found in its files, into steps, blockers, concerns.

    `facts` None (or gathered for another version of the case): the steps that depend on
    the files say "checking…" and the build waits. `built`: `build_key` of the case the
    bundles were last built for (step 4 says "built" while it is still this case's).
    `drafts` False: no email draft will be written, so the support address is not needed.
    """
    if facts is not None and facts.key != build_key(case):
        facts = None
    blockers, concerns = _case_findings(case, drafts)
    cert_blockers, cert_concerns = _certificate_findings(case, facts)
    shot_blockers = _screenshot_findings(case, facts)
    blockers += cert_blockers + shot_blockers
    concerns += cert_concerns
    checking = facts is None
    steps = [
        _state(Step.CASE, blockers, concerns, False),
        _state(Step.CERTIFICATES, blockers, concerns, checking),
        _state(Step.SCREENSHOT, blockers, concerns, checking)
        if case.appliances
        else StepStatus(Step.SCREENSHOT, State.TODO, "needs attention"),  # an appliance first
    ]
    plans = facts.plans if facts is not None else ()
    if blockers:
        bundle = StepStatus(Step.BUNDLE, State.BLOCKED, "not ready")
    elif checking or not plans:
        bundle = StepStatus(Step.BUNDLE, State.CHECKING, "checking…")
    elif built is not None and built == build_key(case):
        bundle = StepStatus(Step.BUNDLE, State.DONE, "built")
    elif concerns:
        bundle = StepStatus(Step.BUNDLE, State.CONCERN, "ready, with concerns")
    else:
        bundle = StepStatus(Step.BUNDLE, State.READY, "ready to build")
    steps += [bundle, _replicate(case)]
    return Readiness(tuple(steps), tuple(blockers), tuple(concerns), plans, not checking)
