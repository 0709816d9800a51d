"""The one judge of text from outside (`bundleguard.case.texts`), built for the class.

Every key is generated at run time. Each form a reader could turn back into a key is
found: PEM (whole, on one line, with escaped line ends), base64 of DER without armour
(both alphabets), hex (plain, with colons), the key cut into pieces (names, attribute
values with their labels, spaced groups), and escaped (RFC 4514, percent, JSON/Python
`\\u`, HTML references). Ordinary results are not: fingerprints, host names, sentences.
The message that says why never quotes the key.
"""

from __future__ import annotations

import base64
import json
import urllib.parse

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from bundleguard.case.model import Verification
from bundleguard.case.texts import (
    RESULTS_DROPPED,
    KeyMaterialError,
    checked,
    key_material_in,
    shortened,
    stored_verification,
)
from tests.guard import keyforge
from tests.probe.keynames import leaked

KEYS = {
    "RSA PKCS#8": lambda: keyforge.rsa_key(3),
    "EC SEC1": lambda: keyforge.ec_key(),
    "Ed25519 PKCS#8": lambda: keyforge.ed25519_key(),
}


def _der(name: str) -> bytes:
    key = KEYS[name]()
    fmt = PrivateFormat.TraditionalOpenSSL if "SEC1" in name else PrivateFormat.PKCS8
    return key.private_bytes(Encoding.DER, fmt, NoEncryption())


def _pem(name: str) -> str:
    key = KEYS[name]()
    fmt = PrivateFormat.TraditionalOpenSSL if "SEC1" in name else PrivateFormat.PKCS8
    return key.private_bytes(Encoding.PEM, fmt, NoEncryption()).decode()


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def _forms(name: str) -> dict[str, str]:
    der, pem = _der(name), _pem(name)
    b64 = base64.b64encode(der).decode()
    hexed = der.hex()
    return {
        "PEM": f"it covers: {pem}",
        "PEM on one line": "CN=" + pem.replace("\n", ""),
        "PEM with escaped line ends": json.dumps(pem)[1:-1],
        "base64 of DER": f"(it covers: a.example.com, {b64}, b.example.com)",
        "base64url of DER": base64.urlsafe_b64encode(der).decode().rstrip("="),
        "hex of DER": f"SHA-256 {hexed} here",
        "hex with colons": ":".join(_pieces(hexed, 2)),
        "cut across names": "it covers: " + ", ".join(_pieces(b64, 60)),
        "cut into 8-character names": ", ".join(_pieces(b64, 8)),
        "cut across labelled values": ",".join("OU=" + p for p in _pieces(b64, 20)),
        "cut across hex names": ", ".join(_pieces(hexed, 40)),
        "in groups of four": " ".join(_pieces(b64, 4)),
        "RFC 4514 escaped": "CN=x,OU=" + b64.replace("+", "\\+").replace("/", "\\2F"),
        "percent-escaped": "https://k.example/?k=" + urllib.parse.quote(b64, safe=""),
        "JSON \\u escaped": b64.replace("+", "\\u002b").replace("/", "\\u002F"),
        "HTML references": b64.replace("+", "&#43;").replace("/", "&#x2F;"),
        "escaped twice": b64.replace("+", "\\5C2B").replace("/", "%252F"),
    }


FORM_NAMES = (
    "PEM",
    "PEM on one line",
    "PEM with escaped line ends",
    "base64 of DER",
    "base64url of DER",
    "hex of DER",
    "hex with colons",
    "cut across names",
    "cut into 8-character names",
    "cut across labelled values",
    "cut across hex names",
    "in groups of four",
    "RFC 4514 escaped",
    "percent-escaped",
    "JSON \\u escaped",
    "HTML references",
    "escaped twice",
)


@pytest.mark.parametrize("form", FORM_NAMES)
@pytest.mark.parametrize("key", list(KEYS))
def test_key_material_is_found_in_every_form_a_reader_could_undo(key, form):
    text = _forms(key)[form]
    assert leaked(text, _der(key)), "the test's own leak check must see the key"

    found = key_material_in(text)

    assert found is not None, f"{key} {form}"
    assert not leaked(str(found), _der(key))


def test_a_key_cut_across_several_texts_is_found_when_they_are_judged_together():
    b64 = base64.b64encode(_der("EC SEC1")).decode()
    pieces = _pieces(b64, 10)
    assert all(key_material_in(piece) is None for piece in pieces)
    assert key_material_in(*pieces) is not None


ORDINARY = (
    "Replication check of support.example.com, 2026-12-07T01:02:03+00:00\n\n"
    "primary.example.com (at 127.0.0.1:8443)\n  PASS  reachable\n"
    "  FAIL  same leaf as primary: Serves another certificate than the primary: SHA-256 "
    + ":".join(["AB", "CD", "EF", "01"] * 8)
    + " here, "
    + "0123456789abcdef" * 4
    + " on the primary.",
    "The certificate does not cover backup.example.com (it covers: "
    + ", ".join(f"host-{i:03d}.very-long-subdomain.example.com" for i in range(40))
    + ").",
    "The chain is incomplete: the intermediate certificate Example Issuing CA G2 is missing.",
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + "x" * 40,  # a public key's start
    "C:\\Users\\admin\\Documents\\certs\\support.example.com.pem",
)


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_results_hold_no_key_material(text):
    assert key_material_in(text) is None


def test_a_public_certificate_is_not_key_material():
    assert key_material_in(keyforge.cert_pem().decode()) is None


def test_checked_refuses_in_plain_words_without_quoting_the_key():
    text = _forms("Ed25519 PKCS#8")["base64 of DER"]

    with pytest.raises(KeyMaterialError) as refused:
        checked(text, "The results were not copied")

    message = str(refused.value)
    assert message.startswith("The results were not copied: the text holds private key material (")
    assert "PKCS#8" in message
    assert not leaked(message, _der("Ed25519 PKCS#8"))
    assert checked("nothing secret here", "The results were not copied") == "nothing secret here"


@pytest.mark.parametrize("field", ["summary", "text"])
def test_a_saved_result_holding_a_key_is_dropped_with_a_sentence(field):
    pem = _pem("EC SEC1")
    saved = Verification(
        checked_at="2026-12-01T10:00:00+00:00",
        ok=True,
        summary=pem if field == "summary" else "All pass.",
        text=pem if field == "text" else "Replication check of x",
        case_key="abc",
    )

    judged = stored_verification(saved)

    assert judged.text == ""
    assert judged.summary.startswith(RESULTS_DROPPED)
    assert not judged.ok and judged.case_key == ""
    assert judged.checked_at == saved.checked_at
    assert not leaked(judged.summary, _der("EC SEC1"))


def test_a_saved_result_is_judged_as_written_before_any_cut():
    """The reader may cut a long text; a key across the cut is judged whole."""
    pem = _pem("RSA PKCS#8")
    written = "x" * 1000 + pem
    cut = written[:1100]  # the key's armour and first line only
    saved = Verification("2026-12-01T10:00:00+00:00", True, "All pass.", cut[:1000])

    assert stored_verification(saved) is saved
    assert stored_verification(saved, "All pass.", written).text == ""


def test_an_ordinary_saved_result_is_kept_as_it_is():
    saved = Verification("2026-12-01T10:00:00+00:00", True, "All pass.", ORDINARY[0], "k")
    assert stored_verification(saved, saved.summary, saved.text) is saved


def test_shortened_marks_the_cut():
    assert shortened("abc", 5) == "abc"
    assert shortened("abcdefgh", 5) == "abcd…"
    assert len(shortened("x" * 1000)) == 256
