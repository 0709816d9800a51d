"""Keys written the ways a document writes them are named as keys (secret), not just refused.

A PEM key cut short; quoted in an e-mail reply, indented, bulleted or numbered; inside an
RTF document; written out as XML or JSON members (.NET's RSAKeyValue, JWK-like names).
Beside each, the look-alikes that only talk about the format stay clean.
"""

from __future__ import annotations

import base64
import json

import pytest

from bundleguard.cli import main
from bundleguard.guard import Verdict
from tests.guard import keyforge as kf
from tests.guard.conftest import (
    assert_no_key_bytes_in_messages,
    assert_reason_mentions,
    assert_secret,
    scan,
)

# --------------------------------------------------------------------------- cut short

PEMS = {"pkcs8": kf.pkcs8_pem, "pkcs1": kf.pkcs1_pem, "sec1": kf.sec1_pem}


def _lines(pem: bytes) -> list[bytes]:
    return pem.splitlines(keepends=True)


CUTS = {
    "header-and-one-line": lambda pem: b"".join(_lines(pem)[:2]),
    "header-and-three-lines": lambda pem: b"".join(_lines(pem)[:4]),
    "cut-mid-line": lambda pem: pem[: len(pem) // 2],
    "body-cut-end-kept": lambda pem: b"".join(_lines(pem)[:3] + _lines(pem)[-1:]),
}


@pytest.mark.parametrize("cut", CUTS, ids=list(CUTS))
@pytest.mark.parametrize("form", PEMS, ids=list(PEMS))
def test_a_pem_key_cut_short_is_secret_and_says_it_was_cut(form, cut):
    pem = PEMS[form]()
    data = b"Here is what the old appliance had:\n" + CUTS[cut](pem)

    report = scan(data, "notes.txt")

    # (a short EC key's three lines are its whole body: then only its END line is missing)
    whole = cut == "header-and-three-lines" and form == "sec1"
    kind = "ec-private-key" if whole else "truncated-private-key"
    finding = assert_secret(report, kind, offset=data.index(b"-----BEGIN"))
    assert "private key" in finding.label
    assert_reason_mentions(report, r"END line is missing" if whole else r"cut short")
    assert_no_key_bytes_in_messages(report, pem)


@pytest.mark.parametrize(
    "text",
    [
        b"To export, look for\n-----BEGIN PRIVATE KEY-----\nat the top of the file.\n",
        b"-----BEGIN RSA PRIVATE KEY-----\n",
        b"The header is -----BEGIN PRIVATE KEY----- and the body is base64.\n",
        # a body that is base64 but not a key's start
        b"-----BEGIN PRIVATE KEY-----\n" + base64.b64encode(b"hello world, " * 6) + b"\n",
    ],
    ids=["prose-with-header-line", "header-alone", "header-in-a-sentence", "not-a-key-body"],
)
def test_a_header_without_a_keys_start_is_not_secret(text):
    report = scan(text, "howto.txt")

    assert report.verdict is not Verdict.SECRET, report


# --------------------------------------------------------------------------- quoted


def _prefixed(pem: bytes, prefix: bytes) -> bytes:
    return b"".join(prefix + line for line in _lines(pem))


PREFIXES = {
    "email-quote": b"> ",
    "email-quote-twice": b">> ",
    "email-quote-spaced": b"> > ",
    "email-quote-bare": b">",
    "bullet-star": b"  * ",
    "bullet-dash": b"- ",
    "bullet-dot": "\u2022 ".encode(),
    "markdown-quote-in-list": b"  > ",
    "comment": b"# ",
}


@pytest.mark.parametrize("prefix", PREFIXES, ids=list(PREFIXES))
def test_a_quoted_indented_or_bulleted_pem_key_is_secret(prefix):
    pem = kf.pkcs8_pem()
    intro = b"On Monday, the admin wrote:\n> here is the key you asked for\n"
    data = intro + _prefixed(pem, PREFIXES[prefix]) + b"\nThanks!\n"

    report = scan(data, "reply.eml")

    assert_secret(report, "pkcs8-private-key", offset=data.index(b"-----BEGIN"))
    assert_no_key_bytes_in_messages(report, pem)


def test_a_numbered_pem_key_is_secret():
    pem = kf.pkcs1_pem()
    data = b"".join(b"%d. " % number + line for number, line in enumerate(_lines(pem), 1))

    report = scan(data, "steps.md")

    assert_secret(report, "rsa-private-key", offset=3)


@pytest.mark.parametrize("prefix", [b"> ", b">> ", b"  * ", b"    "])
def test_a_quoted_certificate_is_not_a_key(prefix):
    data = b"You sent:\n" + _prefixed(kf.cert_pem(), prefix)

    report = scan(data, "reply.eml")

    assert report.verdict is not Verdict.SECRET, report
    assert report.findings == ()


# --------------------------------------------------------------------------- RTF


def _rtf_escape(line: bytes) -> bytes:
    """As WordPad writes text: '+' and '/' sometimes as hex escapes, braces escaped."""
    return line.replace(b"+", b"\\'2b").replace(b"/", b"\\'2f")


def rtf_document(pem: bytes, *, dashes_as_unicode: bool = False) -> bytes:
    head = (
        b"{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fnil\\fcharset0 Calibri;}}\n"
        b"{\\*\\generator Riched20 10.0.19041}\\viewkind4\\uc1 \n"
        b"\\pard\\sa200\\sl276\\slmult1\\f0\\fs22\\lang9 Key for the appliance:\\par\n"
    )
    body = b""
    for line in pem.splitlines():
        if dashes_as_unicode:
            line = line.replace(b"-", b"\\u45?")
        body += b"{\\b0 " + _rtf_escape(line) + b"}\\par\n"
    return head + body + b"}\n"


def test_a_pem_key_in_an_rtf_document_is_secret_where_it_starts():
    pem = kf.pkcs8_pem()
    data = rtf_document(pem)

    report = scan(data, "notes.rtf")

    finding = assert_secret(report, "pkcs8-private-key", offset=data.index(b"-----BEGIN"))
    assert "RTF" in finding.encoding
    assert_no_key_bytes_in_messages(report, pem)


def test_a_pem_key_in_rtf_with_unicode_escapes_and_an_ec_key_is_secret():
    data = rtf_document(kf.sec1_pem(), dashes_as_unicode=True)

    report = scan(data, "notes.rtf")

    assert_secret(report, "ec-private-key", offset=data.index(b"\\u45?"))


def test_a_certificate_in_an_rtf_document_is_not_a_key():
    report = scan(rtf_document(kf.cert_pem()), "notes.rtf")

    assert report.verdict is not Verdict.SECRET, report
    assert report.findings == ()


# --------------------------------------------------------------------------- XML and JSON


def _b64(value: int) -> str:
    return base64.b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).decode()


def _b64url(value: int) -> str:
    return _b64(value).replace("+", "-").replace("/", "_").rstrip("=")


def _rsa_numbers():
    numbers = kf.rsa_key().private_numbers()
    public = numbers.public_numbers
    return {
        "Modulus": public.n,
        "Exponent": public.e,
        "P": numbers.p,
        "Q": numbers.q,
        "DP": numbers.dmp1,
        "DQ": numbers.dmq1,
        "InverseQ": numbers.iqmp,
        "D": numbers.d,
    }


def rsa_key_value(names: tuple[str, ...], numbers: dict[str, int] | None = None) -> bytes:
    numbers = numbers or _rsa_numbers()
    inner = "".join(f"<{name}>{_b64(numbers[name])}</{name}>" for name in names)
    return f"<RSAKeyValue>{inner}</RSAKeyValue>".encode()


ALL_RSA = ("Modulus", "Exponent", "P", "Q", "DP", "DQ", "InverseQ", "D")


@pytest.mark.parametrize(
    "names",
    [ALL_RSA, ("Modulus", "Exponent", "D"), ("P", "Q", "D")],
    ids=["all-members", "modulus-and-d", "p-q-d-only"],
)
def test_a_dotnet_rsa_key_value_with_private_members_is_secret(names):
    data = b'<?xml version="1.0"?>\n<config>\n  ' + rsa_key_value(names) + b"\n</config>\n"

    report = scan(data, "appsettings.xml")

    finding = assert_secret(report, "private-key-members", offset=data.index(b"<RSAKeyValue>"))
    assert "RSA private key (2048-bit)" in finding.label
    assert finding.encoding == "XML"


def test_a_dsa_key_value_with_x_is_secret():
    numbers = kf.dsa_key().private_numbers()
    params = numbers.public_numbers.parameter_numbers
    parts = {
        "P": params.p,
        "Q": params.q,
        "G": params.g,
        "Y": numbers.public_numbers.y,
        "X": numbers.x,
    }
    inner = "".join(f"<{k}>{_b64(v)}</{k}>" for k, v in parts.items())
    data = f"<DSAKeyValue>{inner}</DSAKeyValue>".encode()

    report = scan(data, "key.xml")

    assert_secret(report, "private-key-members", offset=0)


def test_xml_with_only_the_public_modulus_and_exponent_is_not_a_key():
    data = b"<KeyInfo>" + rsa_key_value(("Modulus", "Exponent")) + b"</KeyInfo>"

    report = scan(data, "public.xml")

    assert report.verdict is not Verdict.SECRET
    assert report.findings == ()


def test_xml_that_documents_the_format_with_placeholders_is_not_a_key():
    data = (
        b"<!-- an RSA key as .NET writes it -->\n<RSAKeyValue><Modulus>...</Modulus>"
        b"<Exponent>AQAB</Exponent><P>base64</P><Q>base64</Q><D>base64 private exponent</D>"
        b"</RSAKeyValue>\n"
    )

    report = scan(data, "howto.xml")

    assert report.verdict is not Verdict.SECRET
    assert report.findings == ()


def test_private_members_that_do_not_fit_their_modulus_are_refused_not_accepted():
    numbers = _rsa_numbers()
    numbers["P"] += 2  # no longer a factor of the modulus
    data = rsa_key_value(("Modulus", "Exponent", "P", "Q"), numbers)

    report = scan(data, "key.xml")

    assert report.verdict is Verdict.REFUSED
    assert_reason_mentions(report, r"do not fit together")


def _jwk_like(*, with_kty: bool, private: bool) -> dict[str, str]:
    numbers = _rsa_numbers()
    key = {"n": _b64url(numbers["Modulus"]), "e": "AQAB"}
    if private:
        key |= {k: _b64url(numbers[n]) for k, n in (("d", "D"), ("p", "P"), ("q", "Q"))}
    return ({"kty": "RSA"} if with_kty else {}) | key


def test_json_with_jwk_names_and_a_private_exponent_but_no_kty_is_secret():
    data = json.dumps({"service": "relay", "signing_key": _jwk_like(with_kty=False, private=True)})

    report = scan(data.encode(), "service.json")

    assert_secret(report, "private-key-members", offset=data.index('{"n"'))


def test_json_with_dotnet_names_is_secret():
    numbers = _rsa_numbers()
    data = json.dumps({name: _b64(numbers[name]) for name in ALL_RSA}, indent=2).encode()

    report = scan(data, "rsaparameters.json")

    finding = assert_secret(report, "private-key-members", offset=0)
    assert finding.encoding == "JSON"


def test_json_ec_members_with_d_are_secret():
    key = kf.ec_key()
    numbers = key.private_numbers()
    data = json.dumps(
        {
            "crv": "P-256",
            "x": _b64url(numbers.public_numbers.x),
            "y": _b64url(numbers.public_numbers.y),
            "d": _b64url(numbers.private_value),
        }
    ).encode()

    report = scan(data, "ec.json")

    assert_secret(report, "private-key-members", offset=0)


@pytest.mark.parametrize("with_kty", [True, False], ids=["jwk", "jwk-names-without-kty"])
def test_a_public_jwk_is_not_a_key(with_kty):
    data = json.dumps({"keys": [_jwk_like(with_kty=with_kty, private=False)]}).encode()

    report = scan(data, "jwks.json")

    assert report.verdict is not Verdict.SECRET
    assert report.findings == ()


# --------------------------------------------------------------------------- the command


FORMS = {
    "cut-short": lambda: b"".join(_lines(kf.pkcs8_pem())[:4]),
    "quoted": lambda: _prefixed(kf.pkcs8_pem(), b"> "),
    "rtf": lambda: rtf_document(kf.pkcs1_pem()),
    "xml": lambda: rsa_key_value(ALL_RSA),
    "json": lambda: json.dumps(_jwk_like(with_kty=False, private=True)).encode(),
}


@pytest.mark.parametrize("form", FORMS, ids=list(FORMS))
def test_scan_names_each_form_secret_and_exits_one(form, tmp_path, capsys):
    path = tmp_path / f"{form}.txt"
    path.write_bytes(FORMS[form]())

    code = main(["scan", "--json", str(path)])
    document = json.loads(capsys.readouterr().out)

    assert code == 1
    [entry] = document["files"]
    assert entry["verdict"] == "secret"
    assert entry["findings"] and not entry["findings"][0]["damaged"]
    assert "private key" in entry["reasons"][0]


# --------------------------------------------------------------------------- crafted input


def _many(unit: bytes, head: bytes = b"") -> bytes:
    return head + unit * ((512 << 10) // len(unit))


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "data",
    [
        pytest.param(_many(b"> " * 40 + b"\n", b"-----BEGIN PRIVATE KEY-----\n"), id="quote-lines"),
        pytest.param(_many(b"> ", b"-----BEGIN PRIVATE KEY-----\n"), id="one-long-quote-line"),
        pytest.param(_many(b"* \n-----BEGIN PRIVATE KEY-----\n> MIIE\n"), id="many-headers"),
        pytest.param(_many(b"{", b"{\\rtf1 ") + b"}" * 1000, id="rtf-nested-braces"),
        pytest.param(_many(b"\\par\\'2b{\\b ", b"{\\rtf1 "), id="rtf-control-words"),
        pytest.param(_many(b"\\u45?", b"{\\rtf1 -----BEGIN PRIVATE KEY-----"), id="rtf-unicode"),
        pytest.param(_many(b"<RSAKeyValue><D>"), id="xml-anchors"),
        pytest.param(_many(b"<P>AQAB", b"<RSAKeyValue>"), id="xml-members"),
        pytest.param(_many(b'{"d": "'), id="json-anchors"),
        pytest.param(_many(b'"d":', b"{"), id="json-anchors-one-object"),
        pytest.param(_many(b'"n": "AQAB", '), id="json-members"),
    ],
)
def test_crafted_input_for_the_new_forms_is_linear(data):
    # Each of these makes a quadratic search take minutes at 512 KB; the timeout fails it.
    report = scan(data, "crafted.txt")

    assert report.verdict in (Verdict.REFUSED, Verdict.SECRET)
