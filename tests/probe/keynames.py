"""Certificates whose names carry a private key, built at run time, and a test for leaks.

Each carrier puts a freshly generated key (never committed) into the names an appliance
serves, the way a hostile or careless issuer could: PEM in an organisational unit, base64
of DER in a DNS name or a common name past its 64 characters, hex in a URI, the key cut
into pieces across many names or many OUs (where RFC 4514 escapes it), percent-escaped.
Carriers in the issuer's name are served without the intermediate (an incomplete chain),
so the issuer's name is what the results quote; carriers in the leaf do not cover the
appliance's own name, so the results quote the names it covers.

`leaked(text, carried)` says which form of the carried key shows in a text, if any: any
16 characters of it in base64, base64url or hex, after escapes and separators are taken
out, or anything the guard (as `bundleguard.case.texts` reads text) finds.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import urllib.parse
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)
from cryptography.x509.oid import NameOID

from bundleguard.case.texts import key_material_in
from bundleguard.guard import find_private_keys
from bundleguard.probe.fake import FakePKI, ServedCertificate
from tests.guard import keyforge

_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Carried:
    """A certificate to serve, the DER of the key its names carry, and whether the
    intermediate is left out (so that the results quote the issuer's name)."""

    served: ServedCertificate
    secret: bytes


def _pkcs8(key) -> bytes:
    return key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())


def _pem(key) -> str:
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()


def _sec1(key) -> bytes:
    return key.private_bytes(Encoding.DER, PrivateFormat.TraditionalOpenSSL, NoEncryption())


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def _leaf(pki: FakePKI, issuer_key, issuer: x509.Certificate, sans, subject=None):
    """A server certificate for `sans` issued by `issuer` (the chain: leaf, issuer)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    general = [
        x509.UniformResourceIdentifier(s[4:]) if s.startswith("URI:") else None for s in sans
    ]
    names = [g or x509.DNSName(s) for g, s in zip(general, sans, strict=True)]
    leaf = FakePKI.sign_certificate(
        subject=subject or x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "leaf")]),
        issuer=issuer.subject,
        public_key=key.public_key(),
        signing_key=issuer_key,
        not_before=now - _DAY,
        not_after=now + 90 * _DAY,
        extensions=[
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (x509.SubjectAlternativeName(names), False),
        ],
    )
    return ServedCertificate(chain=(leaf, issuer), key=key)


def _issuer(pki: FakePKI, attributes: list[x509.NameAttribute]):
    """An intermediate under `pki`'s root whose subject is `attributes`."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = FakePKI.sign_certificate(
        subject=x509.Name(attributes),
        issuer=pki.root.subject,
        public_key=key.public_key(),
        signing_key=pki.root_key,
        not_before=now - _DAY,
        not_after=now + 365 * _DAY,
        extensions=[(x509.BasicConstraints(ca=True, path_length=None), True)],
    )
    return key, cert


def in_leaf_names(pki: FakePKI, site: str, names: list[str]) -> ServedCertificate:
    return _leaf(pki, pki.intermediate_key, pki.intermediate, [site, *names])


def _in_issuer(pki: FakePKI, site: str, attributes: list[x509.NameAttribute]):
    key, issuer = _issuer(pki, attributes)
    return _leaf(pki, key, issuer, [site]).leaf_only()


def carry(form: str, pki: FakePKI, site: str) -> Carried:
    """A certificate for `site` whose names carry a new key in `form` (see `FORMS`)."""
    ou, cn, locality = (
        NameOID.ORGANIZATIONAL_UNIT_NAME,
        NameOID.COMMON_NAME,
        NameOID.LOCALITY_NAME,
    )
    ec_key = ec.generate_private_key(ec.SECP256R1())
    secret = _pkcs8(ec_key)
    text = base64.b64encode(secret).decode()
    if form == "base64 of DER in a DNS name":
        served = in_leaf_names(pki, site, [text])
    elif form == "PEM in the issuer's CN":
        long_cn = x509.NameAttribute(cn, _pem(ec_key), _validate=False)
        served = _in_issuer(pki, site, [long_cn])
    elif form == "hex of DER in a DNS name":
        secret = _sec1(ec_key)  # 242 hex digits: longer than a name is shown
        served = in_leaf_names(pki, site, [secret.hex()])
    elif form == "cut across DNS names":
        secret = _pkcs8(keyforge.rsa_key(7))
        served = in_leaf_names(pki, site, _pieces(base64.b64encode(secret).decode(), 60))
    elif form == "cut into 12-character DNS names":
        served = in_leaf_names(pki, site, _pieces(text, 12))
    elif form == "cut across the issuer's localities, RFC 4514 escaped":
        # No CN, OU or O: the issuer is named by its RFC 4514 string, '+' written '\\+'
        attributes = [x509.NameAttribute(locality, piece) for piece in _pieces(text, 24)]
        served = _in_issuer(pki, site, attributes)
    elif form == "percent-escaped in a DNS name":
        served = in_leaf_names(pki, site, ["k.example.test/" + urllib.parse.quote(text, safe="")])
    elif form == "PEM with \\n escapes in a DNS name":
        served = in_leaf_names(pki, site, [_pem(ec_key).replace("\n", "\\n")])
    elif form == "PEM in the issuer's OU":
        attributes = [x509.NameAttribute(cn, "Issuer"), x509.NameAttribute(ou, _pem(ec_key))]
        served = _in_issuer(pki, site, attributes)
    elif form == "hex of DER in a URI":
        secret = _sec1(ec_key)
        served = in_leaf_names(pki, site, ["URI:https://keys.example.test/" + secret.hex()])
    elif form == "cut across the leaf's OUs":
        subject = x509.Name(
            [x509.NameAttribute(cn, site)]
            + [x509.NameAttribute(ou, piece) for piece in _pieces(text, 10)]
        )
        served = _leaf(pki, pki.intermediate_key, pki.intermediate, [site], subject)
    else:
        raise ValueError(form)
    return Carried(served, secret)


# Forms the Verify results quote (the names it covers, the issuer of an incomplete chain).
FORMS = (
    "base64 of DER in a DNS name",
    "PEM in the issuer's CN",
    "hex of DER in a DNS name",
    "cut across DNS names",
    "cut into 12-character DNS names",
    "cut across the issuer's localities, RFC 4514 escaped",
    "percent-escaped in a DNS name",
    "PEM with \\n escapes in a DNS name",
)
# Forms in fields the results do not quote: judged all the same.
UNQUOTED_FORMS = ("PEM in the issuer's OU", "hex of DER in a URI", "cut across the leaf's OUs")

_SEPARATORS = re.compile(r"[^A-Za-z0-9+/_-]+")


def leaked(text: str, secret: bytes) -> str:
    """How `text` shows the key `secret` ("" when it does not)."""
    plain = urllib.parse.unquote(text).replace("\\", "")
    joined = _SEPARATORS.sub("", plain)
    forms = {
        "base64": base64.b64encode(secret).decode(),
        "base64url": base64.urlsafe_b64encode(secret).decode(),
        "hex": secret.hex(),
    }
    for name, encoded in forms.items():
        encoded = _SEPARATORS.sub("", encoded)
        for start in range(0, len(encoded) - 16, 8):
            chunk = encoded[start : start + 16]
            if chunk in joined or (chunk.lower() in joined.lower() and name == "hex"):
                return f"{name} characters {start}-{start + 16} of the key"
    found = find_private_keys(text.encode("utf-8", "surrogatepass"))
    if found:
        return f"the guard finds {found[0].label}"
    judged = key_material_in(text)
    return f"the guard finds {judged}" if judged is not None else ""
