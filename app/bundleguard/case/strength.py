"""How strong a new passphrase for a private key is, and whether it may be written: one
judgement both shells apply (the Re-wrap dialog and `bundleguard rewrap`).

No Qt here. The estimate is zxcvbn's (Dropbox's estimator: dictionaries of common
passwords, names and words, keyboard patterns, dates, l33t, repeats), with its own
feedback; the words of the case (its site, incident and appliance names) are given to it
as words an attacker would try first, so "acme2026" is weak for the site of ACME.

- `judge_passphrase(passphrase, context=()) -> PassphraseJudgement`: the verdict
  (`Strength.TOO_SHORT`, `WEAK`, `STRONG`), zxcvbn's score (0-4), warning and suggestions.
  `may_write(anyway)`: a strong passphrase may be written; a weak one only when the user
  said so; one shorter than `MIN_LENGTH` characters never.
- `case_context(case, source=None) -> tuple[str, ...]`: the words of a case (and of the
  exported file's name) to pass as `context`.
- `WeakPassphraseError`: raised by the re-wrap action for a passphrase it may not write.

The passphrase is neither kept nor logged: zxcvbn's result (a dict that holds it and its
pieces) is read for the score and feedback and dropped at once; nothing raised here
quotes it (an error inside the estimator is replaced by one of our own, unchained).
"""

from __future__ import annotations

import enum
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bundleguard.errors import PassphraseError

if TYPE_CHECKING:
    from bundleguard.case.model import Case

MIN_LENGTH = 8
"""The floor: a passphrase for a private key shorter than this is never written (NIST SP
800-63B's minimum for a secret chosen by its user), whatever the user says."""
STRONG_SCORE = 3
"""zxcvbn's "safely unguessable" (score 3 of 4): below it a passphrase is weak."""
ESTIMATED_LENGTH = 72
"""zxcvbn refuses longer input: a longer passphrase is judged by its first 72 characters
(a lower bound: what follows can only make it harder to guess)."""
SCORE_WORDS = (
    "too guessable",
    "very guessable",
    "somewhat guessable",
    "safely unguessable",
    "very unguessable",
)
# Words an attacker of any bundleguard user would try (the app's and the vendor's names).
APP_WORDS = ("bundleguard", "beyondtrust", "bomgar")
_PIECES = re.compile(r"[^\W_]+")
MIN_PIECE = 3  # shorter pieces of names ("bt", "rs") match nearly every passphrase
# zxcvbn keeps the words of one call in a module-level dictionary: one call at a time.
_ESTIMATING = threading.Lock()


class Strength(enum.Enum):
    """The verdict on a new passphrase for a private key."""

    TOO_SHORT = "too short"
    WEAK = "weak"
    STRONG = "strong"


class WeakPassphraseError(PassphraseError):
    """The new passphrase may not be written (too short, or weak without consent)."""


@dataclass(frozen=True)
class PassphraseJudgement:
    """zxcvbn's estimate of a passphrase, without the passphrase."""

    strength: Strength
    score: int  # zxcvbn's 0-4 (0 for one too short to estimate)
    warning: str = ""
    suggestions: tuple[str, ...] = ()

    @property
    def weak(self) -> bool:
        """Weak but long enough: written only when the user says so."""
        return self.strength is Strength.WEAK

    def may_write(self, anyway: bool = False) -> bool:
        """Whether a private key may be written under it (`anyway`: the user accepted a
        weak one; a too short one never)."""
        if self.strength is Strength.STRONG:
            return True
        return self.strength is Strength.WEAK and anyway

    @property
    def words(self) -> str:
        """One line: the verdict and zxcvbn's score."""
        if self.strength is Strength.TOO_SHORT:
            return f"too short: at least {MIN_LENGTH} characters"
        return f"{self.strength.value}: {SCORE_WORDS[self.score]} ({self.score} of 4)"

    @property
    def feedback(self) -> str:
        """zxcvbn's warning and suggestions, as sentences ("" when it has none)."""
        return " ".join(s for s in (self.warning, *self.suggestions) if s)

    def refusal(self) -> str:
        """Why it is not written as it is, in the words both shells show (the shell says
        how to accept a weak one)."""
        tail = f" {self.feedback}" if self.feedback else ""
        return f"The new passphrase is {self.words}.{tail}"


def judge_passphrase(passphrase: str, context: Iterable[str] = ()) -> PassphraseJudgement:
    """zxcvbn's judgement of `passphrase`, the words in `context` counted as guessable."""
    if len(passphrase) < MIN_LENGTH:
        return PassphraseJudgement(Strength.TOO_SHORT, 0)
    from zxcvbn import matching, zxcvbn

    words = [w.lower() for w in context if w]
    result = None
    try:
        with _ESTIMATING:
            try:
                result = zxcvbn(passphrase[:ESTIMATED_LENGTH], user_inputs=words)
            finally:
                # zxcvbn keeps the case's words until its next call: not past this one.
                getattr(matching, "RANKED_DICTIONARIES", {}).pop("user_inputs", None)
        score = int(result["score"])
        feedback = result.get("feedback") or {}
        warning = str(feedback.get("warning") or "")
        suggestions = tuple(str(s) for s in feedback.get("suggestions") or () if s)
    except Exception:  # its message could quote the passphrase: never passed on
        raise PassphraseError("The passphrase's strength could not be estimated.") from None
    finally:
        result = None  # it holds the passphrase and its pieces: dropped now
    strength = Strength.STRONG if score >= STRONG_SCORE else Strength.WEAK
    return PassphraseJudgement(strength, score, warning, suggestions)


def check_new_passphrase(
    passphrase: bytes, context: Iterable[str] = (), *, anyway: bool = False
) -> PassphraseJudgement:
    """The judgement of `passphrase` (UTF-8 bytes), once it may be written; raises
    `WeakPassphraseError` (the refusal's words) when it may not."""
    try:
        text = passphrase.decode("utf-8")
    except UnicodeDecodeError:
        raise PassphraseError("The new passphrase is not UTF-8 text.") from None
    judgement = judge_passphrase(text, context)
    del text
    if not judgement.may_write(anyway):
        raise WeakPassphraseError(judgement.refusal())
    return judgement


def _pieces(text: str) -> list[str]:
    text = text.strip().lower()
    if not text:
        return []
    return [text, *(p for p in _PIECES.findall(text) if len(p) >= MIN_PIECE and p != text)]


def context_words(names: Sequence[str]) -> tuple[str, ...]:
    """`names` (hostnames, an incident, a file name) and their pieces ("acme.example.com"
    gives "acme", "example"), with the app's own names: the words zxcvbn counts as
    guessable. Without repeats, in order."""
    seen: dict[str, None] = {}
    for name in (*names, *APP_WORDS):
        for piece in _pieces(name):
            seen.setdefault(piece, None)
    return tuple(seen)


def case_context(case: Case | None, source: Path | None = None) -> tuple[str, ...]:
    """The words of `case` (site, incident, appliances, imported appliances) and of the
    exported file's name, for `judge_passphrase`."""
    names: list[str] = []
    if case is not None:
        names += [case.site, case.incident]
        names += [entry.hostname for entry in case.appliances]
        names += list(getattr(case.replication, "imported", ()) or ())
    if source is not None:
        names.append(Path(source).stem)
    return context_words([n for n in names if isinstance(n, str)])


__all__ = [
    "MIN_LENGTH",
    "PassphraseJudgement",
    "Strength",
    "WeakPassphraseError",
    "case_context",
    "check_new_passphrase",
    "context_words",
    "judge_passphrase",
]
