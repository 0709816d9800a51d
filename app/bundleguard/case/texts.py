"""Text from outside, judged by the secret guard before the app stores it or copies it.

What a probed server sends (its certificates' subject, issuer and names, and the
sentences quoting them) becomes the Verify results that are saved in the case file and
copied by the user; a case file may come from anyone. This module is the one place
that judges such text, with the guard's public API, and keeps it short where it is
stored:

- `key_material_in(*texts)`: the first piece of private key material in the texts, or
  None. The texts are judged as they are and as a reader could turn them back into a
  key: escapes undone (RFC 4514 ``\\2B``, ``\\+``, ``\\n``, ``\\u002b``, ``%2B``,
  ``&#43;``), and the pieces joined (a key split across several names, or broken by
  spaces and punctuation).
- `key_material_in_certificates(certificates)`: the same for served certificates, judged
  field by field from the certificates themselves (every name whole, the attribute
  values without their labels, and the guard's own look into every field), before any
  text about them is shortened.
- `key_material_in_report(report)`: the same for everything a live check saw.
- `checked(text, doing)`: `text`, or `KeyMaterialError` saying in plain words why it is
  not stored or copied. The message never holds the key.
- `stored_verification(saved)`: a saved check as the app may show it (its texts dropped,
  with a sentence saying why, when they hold key material); the case reader calls it.
- `stored_fingerprint(text)`: the same for the fingerprint a case records ("" if a key).
- `shortened(text, limit)`: a server-supplied string cut to `limit` characters (judge
  first: a cut may split a key into pieces that pass).

Limits where results are stored: `MAX_NAME` characters per name or certificate field,
`MAX_NAMES` names per sentence, `MAX_PROBLEM` characters per sentence a check reports
and `MAX_PROBLEMS` of them, and `MAX_STORED_TEXT` / `MAX_STORED_SUMMARY` characters for
a saved result as a whole.
"""

from __future__ import annotations

import html
import re
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from bundleguard.errors import BundleGuardError
from bundleguard.guard import Finding, find_private_keys

if TYPE_CHECKING:
    from bundleguard.case.model import Verification
    from bundleguard.probe.report import ProbeReport

MAX_NAME = 256
MAX_NAMES = 10
MAX_PROBLEM = 1000
MAX_PROBLEMS = 20
MAX_STORED_SUMMARY = 1000
MAX_STORED_TEXT = 64_000


@dataclass(frozen=True)
class KeyMaterial:
    """What the guard found, in words that never quote it ("PKCS#8 private key, base64")."""

    what: str
    place: str = ""  # "the certificate's subject OU", when a certificate field holds it

    def __str__(self) -> str:
        return f"{self.what}, in {self.place}" if self.place else self.what


class KeyMaterialError(BundleGuardError):
    """A text holds private key material, so it was not stored or copied; `.found` says
    what (never the key itself)."""

    def __init__(self, message: str, found: KeyMaterial) -> None:
        super().__init__(message)
        self.found = found


def shortened(text: str, limit: int = MAX_NAME) -> str:
    """`text` cut to `limit` characters, the cut marked with "…" (judge before cutting)."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


# --------------------------------------------------------------------------- views

# A backslash escape as RFC 4514, C, JSON and Python write them; a percent escape (URIs);
# an HTML character reference.
_BACKSLASH = re.compile(
    rb"\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|x([0-9a-fA-F]{2})|([0-9a-fA-F]{2})|(.))",
    re.DOTALL,
)
_NAMED = {b"n": b"\n", b"r": b"\r", b"t": b"\t"}
_PERCENT = re.compile(rb"%[0-9a-fA-F]{2}")
_ENTITY = re.compile(rb"&#?[0-9A-Za-z]{1,10};")
# What stays when the pieces of a key are joined: the base64 alphabets (both), and the
# hex digits they include. Everything else ('=' too: "OU=") separates pieces.
_NOT_KEY_ALPHABET = re.compile(rb"[^A-Za-z0-9+/_-]+")
_SHORT_WORD = re.compile(rb"(?:^|\n)[A-Za-z0-9+/_-]{1,3}(?=\n|$)")
# Enough rounds for an escape of an escape (``\\5C2B``), few enough to stay quick.
_UNESCAPE_ROUNDS = 3


def _unescape_once(data: bytes) -> bytes:
    def backslash(match: re.Match[bytes]) -> bytes:
        code = match.group(1) or match.group(2)
        if code:
            return chr(min(int(code, 16), 0x10FFFF)).encode("utf-8", "surrogatepass")
        byte = match.group(3) or match.group(4)
        if byte:
            return bytes([int(byte, 16)])
        char = match.group(5)
        return _NAMED.get(char, char)

    data = _BACKSLASH.sub(backslash, data)
    if b"%" in data:
        data = urllib.parse.unquote_to_bytes(data)
    if b"&" in data:
        data = _ENTITY.sub(
            lambda m: html.unescape(m.group().decode("ascii")).encode("utf-8", "surrogatepass"),
            data,
        )
    return data


def _views(text: str) -> Iterator[bytes]:
    """`text` as the guard should see it: as it is, unescaped, and its pieces joined."""
    raw = text.encode("utf-8", "surrogatepass")
    yield raw
    plain = raw
    for _ in range(_UNESCAPE_ROUNDS):
        if not any(mark in plain for mark in (b"\\", b"%", b"&")):
            break
        undone = _unescape_once(plain)
        if undone == plain:
            break
        plain = undone
        yield plain
    # Joined: separators dropped (a key cut into names "MIIE…, vQIB…" is one run again),
    # and as lines of words (a wrapped body the guard reads across line ends), without
    # the short labels between them ("OU", "CN").
    yield _NOT_KEY_ALPHABET.sub(b"", plain)
    words = _SHORT_WORD.sub(b"", _NOT_KEY_ALPHABET.sub(b"\n", plain))
    yield words
    yield words.replace(b"\n", b"")


def _describe(finding: Finding) -> KeyMaterial:
    return KeyMaterial(f"{finding.label}, {finding.encoding}", finding.place)


def key_material_in(*texts: str) -> KeyMaterial | None:
    """The first piece of private key material in `texts` (judged together), or None."""
    # One line each: the guard finds a key anywhere in a buffer, and a key cut across
    # texts is whole again in the joined views.
    whole = "\n".join(dict.fromkeys(text for text in texts if text))
    seen: set[bytes] = set()
    for view in _views(whole):
        if view in seen or not view:
            continue
        seen.add(view)
        found = find_private_keys(view, "text")
        if found:
            return _describe(found[0])
    return None


def _values(name: x509.Name) -> list[str]:
    """Each attribute value of a name, without its label, in order."""
    out = []
    for attribute in name:
        value = attribute.value
        out.append(value if isinstance(value, str) else value.hex())
    return out


def _names(certificate: x509.Certificate) -> list[str]:
    from bundleguard.certs.names import certificate_names

    try:
        return list(certificate_names(certificate))
    except ValueError:
        return []


def key_material_in_certificates(
    certificates: Sequence[x509.Certificate],
) -> KeyMaterial | None:
    """Key material in served certificates: the probe's look into each certificate (the
    guard on every field, and on its names and values joined), then every name, subject
    and issuer value as text a reader could undo (escapes), within each certificate and
    across them all (a key may be cut across names, fields or certificates)."""
    from bundleguard.probe.analyse import key_material_in_certificate

    distinct = list({c.public_bytes(Encoding.DER): c for c in certificates}.items())
    for _der, certificate in distinct:
        carried = key_material_in_certificate(certificate)
        if carried:
            return KeyMaterial(carried)
    every: list[str] = []
    for _der, certificate in distinct:
        groups = []
        try:
            groups.append(_values(certificate.subject))
            groups.append(_values(certificate.issuer))
        except ValueError:
            pass  # a damaged name: the guard's look above read its bytes
        groups.append(_names(certificate))
        for group in groups:
            found = key_material_in(*group)
            if found is not None:
                return found
            every.extend(group)
    return key_material_in(*every)


def _report_texts(report: ProbeReport) -> Iterator[str]:
    yield from report.problems
    for appliance in report.appliances:
        yield from appliance.problems
        yield from appliance.notes
        for comparison in (appliance.same_as_reference, appliance.matches_expected):
            if comparison is not None:
                yield from comparison.differences
        for check in appliance.checks:
            yield check.handshake.message
            yield check.trust_summary
            yield from check.problems
            yield from check.notes


def key_material_in_report(report: ProbeReport) -> KeyMaterial | None:
    """Key material in anything a live check saw: the certificates every appliance served
    and every sentence about them, judged whole (before anything is shortened)."""
    served: list[x509.Certificate] = []
    for appliance in report.appliances:
        for check in appliance.checks:
            served.extend(check.handshake.chain)
    found = key_material_in_certificates(served)
    if found is not None:
        return found
    return key_material_in(*_report_texts(report))


def checked(text: str, doing: str) -> str:
    """`text` when it holds no key material; else `KeyMaterialError` whose message says
    that `doing` ("The results were not copied") did not happen, and why."""
    found = key_material_in(text)
    if found is None:
        return text
    raise KeyMaterialError(f"{doing}: the text holds private key material ({found}).", found)


RESULTS_DROPPED = "The saved results were dropped: they held private key material"


def stored_fingerprint(text: str) -> str:
    """A fingerprint a case records, as the app may show it: "" when it holds key material
    (a forged case may write anything there; an Ed25519 key's base64 fits)."""
    return "" if key_material_in(text) is not None else text


# Past a reader's cut, this much more of a text as written is judged: more than any key
# in any encoding is long (a 16,384-bit RSA key is 19 KB in hex), so a key across the cut
# is judged whole, and a huge text costs no more than the part that is kept.
CUT_MARGIN = 64 << 10


def stored_verification(saved: Verification, *as_written: object) -> Verification:
    """A saved check as the app may show and copy it: `saved` itself, or, when its texts
    hold key material, a result without them whose summary says so (`RESULTS_DROPPED`), so
    that neither the window nor the next save carries the key. `as_written` are the
    summary and the text as the file had them, when a reader cut them: judged up to
    `CUT_MARGIN` characters past the cut."""
    texts = [saved.summary, saved.text]
    for kept, written in zip(texts[:], as_written, strict=False):
        if isinstance(written, str) and written != kept:
            texts.append(written[: len(kept) + CUT_MARGIN])
    found = key_material_in(*texts)
    if found is None:
        return saved
    return replace(
        saved, ok=False, summary=f"{RESULTS_DROPPED} ({found}). Verify again.", text="", case_key=""
    )
