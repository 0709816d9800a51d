"""One certificate in full (`certs.details`), a chain saved by the guard's rules
(`case.savechain`), and the one trust sentence (`certs.trust.trust_sentence`).
Certificates are generated at run time."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from bundleguard.certs.anchors import TrustAnchors
from bundleguard.certs.details import certificate_details, detail_lines, details_text
from bundleguard.certs.load import load_certificates
from bundleguard.certs.trust import check_trust, trust_sentence
from bundleguard.errors import InputError
from bundleguard.files import TargetExistsError
from bundleguard.probe.fake import FakePKI
from bundleguard.text import shown, visible
from tests.certs import pki


def test_the_details_are_cryptographys_own_values(chain) -> None:
    leaf = chain.leaf
    details = certificate_details(leaf, now=pki.NOW)
    assert details.subject == leaf.subject.rfc4514_string()
    assert details.issuer == "CN=Test Intermediate CA 1,O=bundleguard tests"
    assert details.subject_alt_names == (
        "DNS:support.example.com",
        "DNS:primary.example.com",
        "DNS:backup.example.com",
    )
    assert details.fingerprint_sha256 == leaf.fingerprint(hashes.SHA256()).hex(":").upper()
    assert details.fingerprint_sha1 == leaf.fingerprint(hashes.SHA1()).hex(":").upper()
    assert int(details.serial.replace(":", ""), 16) == leaf.serial_number
    assert details.key == "EC secp256r1 (256 bits)"
    assert details.key_usage == ("Digital Signature", "Key Encipherment")
    assert details.extended_key_usage == ("TLS Web Server Authentication (serverAuth)",)
    assert details.days_left == (leaf.not_valid_after_utc - pki.NOW).days
    by_name = {e.name: e for e in details.extensions}
    assert len(by_name) == len(leaf.extensions)
    assert by_name["Basic Constraints"].critical and by_name["Basic Constraints"].value == "CA: no"
    assert not by_name["Subject Alternative Name"].critical


def test_an_rsa_key_and_an_unknown_critical_extension_are_described(rsa_chain) -> None:
    key = pki.new_key()
    custom = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.99999.1"), b"\x01\x02")
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "odd")]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "odd")]))
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(pki.NOW - dt.timedelta(days=30))
        .not_valid_after(pki.NOW - dt.timedelta(days=2))
        .add_extension(custom, critical=True)
        .sign(key, hashes.SHA256())
    )
    details = certificate_details(cert, now=pki.NOW)
    assert details.serial == "07"
    assert details.days_left < 0
    lines = dict(detail_lines(details, shown))
    assert lines["Extension: 1.3.6.1.4.1.99999.1 (critical)"] == "01:02"
    assert "expired 2 days ago" in lines["Validity"]
    assert certificate_details(rsa_chain.leaf).key.startswith("RSA 2048 bits")


def test_untrusted_fields_are_escaped_by_the_shell_s_escaper() -> None:
    chain = pki.make_chain(["support.example.com"], leaf_cn="evil\u202e\x1b[2J")
    details = certificate_details(chain.leaf)
    assert "\u202e" in details.subject  # the facts stay exact ...
    for escape in (shown, visible):  # ... the words never obey them
        text = details_text(details, escape)
        assert "\u202e" not in text and "\x1b" not in text
        assert "\\u202e" in text


def test_a_chain_is_saved_as_one_pem_or_one_file_per_certificate(chain, tmp_path) -> None:
    from bundleguard.case.savechain import save_chain

    shuffled = [chain.root, chain.leaf, *chain.intermediates]
    (one,) = save_chain(shuffled, tmp_path / "chain.pem")
    assert load_certificates(one.read_bytes()) == tuple(chain.certs)  # leaf first
    each = save_chain(shuffled, tmp_path / "part.crt", per_certificate=True)
    assert [p.name.split("-")[1] for p in each] == ["01", "02", "03"]
    assert [load_certificates(p.read_bytes())[0] for p in each] == chain.certs
    with pytest.raises(TargetExistsError) as raised:
        save_chain(shuffled, tmp_path / "part.crt", per_certificate=True)
    assert len(raised.value.paths) == 3
    assert save_chain(shuffled, tmp_path / "part.crt", per_certificate=True, replace=True) == each


def test_the_guard_refuses_to_write_anything_but_certificates() -> None:
    from bundleguard.case.savechain import check_certificates_only

    chain = pki.make_chain(["support.example.com"])
    check_certificates_only("ok.pem", pki.pem(chain.leaf))
    with pytest.raises(InputError, match="secret guard"):
        check_certificates_only("bad.pem", pki.pem(chain.leaf) + pki.key_pem(chain.leaf_key))
    with pytest.raises(InputError):
        check_certificates_only("empty.pem", b"")


def test_a_chain_without_its_issuers_is_not_known_never_publicly_trusted() -> None:
    pki_ = FakePKI("Public-looking CA")
    served = pki_.issue(["support.example.com"])
    # Its root is one of "Mozilla's" roots here: the chain with its issuer is a "no" ...
    anchors = TrustAnchors((pki_.root,), ())
    whole = check_trust((served.leaf, pki_.intermediate), anchors=anchors)
    assert trust_sentence(whole) == "Software update needed: no — publicly trusted"
    # ... the leaf alone is "not known", never "publicly trusted".
    alone = trust_sentence(check_trust((served.leaf,), anchors=anchors))
    assert alone.startswith("Software update needed: not known — ")
    assert "publicly trusted" not in alone
    nothing = trust_sentence(check_trust((), anchors=anchors))
    assert nothing == "Software update needed: not known — there is no certificate to judge"


def test_the_trust_sentence_for_a_private_ca_and_a_self_signed_certificate(chain) -> None:
    private = trust_sentence(check_trust(chain.certs, anchors=TrustAnchors((), ())))
    assert private.startswith("Software update needed: yes — issued by a private CA")
    own = pki.self_signed(["support.example.com"])
    assert trust_sentence(check_trust([own.leaf])).startswith(
        "Software update needed: yes — self-signed"
    )


def test_inspect_details_prints_what_the_window_shows(chain, tmp_path, capsys, monkeypatch):
    import json

    from bundleguard import cli
    from bundleguard.certs import roots

    monkeypatch.setattr(roots, "system_roots", lambda: ())
    hostile = pki.make_chain(["support.example.com"], leaf_cn="evil\u202e\x1b[2J")
    path = tmp_path / "chain.pem"
    path.write_bytes(pki.pem(hostile.leaf, *hostile.intermediates, hostile.root))
    assert cli.main(["inspect", str(path), "--details"]) == 0
    out = capsys.readouterr().out
    for line in detail_lines(certificate_details(hostile.leaf), shown):
        assert f"  {line[0]}: {line[1]}" in out or line[0] == "Validity"
    assert "Certificate (leaf): evil\\u202e\\x1b[2J" in out
    assert "\u202e" not in out and "\x1b" not in out
    assert out.count("SHA-1 fingerprint: ") == 3
    assert cli.main(["inspect", str(path), "--details", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["fingerprint_sha256"] for d in data["details"]] == [
        c["fingerprint_sha256"] for c in data["certificates"]
    ]
    assert data["details"][0]["subject"].startswith("CN=evil\u202e\x1b[2J")  # JSON exact


def _carrier(where: str):
    """A certificate whose field carries a private key made now (an unknown extension's
    value, or a subjectAltName URI), and that key's PKCS#8 DER."""
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    signer = ec.generate_private_key(ec.SECP256R1())
    hidden = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "support.example.com")])
    names = [x509.DNSName("support.example.com")]
    if where == "name":
        names.append(x509.UniformResourceIdentifier("k:" + base64.b64encode(hidden).decode()))
    if where == "dns":
        names.append(x509.DNSName(base64.b64encode(hidden).decode()))
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(signer.public_key())
        .serial_number(7)
        .not_valid_before(pki.NOW - dt.timedelta(days=1))
        .not_valid_after(pki.NOW + dt.timedelta(days=90))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
    )
    if where == "extension":
        oid = x509.ObjectIdentifier("1.3.6.1.4.1.99999.1")
        builder = builder.add_extension(x509.UnrecognizedExtension(oid, hidden), critical=False)
    return builder.sign(signer, hashes.SHA256()), hidden


@pytest.mark.parametrize("where", ["extension", "name"])
def test_details_never_show_a_private_key_a_certificate_carries(where, tmp_path, capsys):
    # The window's details, `inspect --details` and its JSON: the fields that carry it are
    # withheld (as a served certificate's are), and the reason is said instead.
    import base64
    import json

    from cryptography.hazmat.primitives.serialization import Encoding

    from bundleguard import cli

    cert, hidden = _carrier(where)
    path = tmp_path / "carrier.pem"
    path.write_bytes(cert.public_bytes(Encoding.PEM))
    pieces = [hidden[at : at + 12] for at in range(16, len(hidden) - 12, 12)]

    def holds_key(text: str) -> bool:
        flat = text.replace(":", "").replace("\n", "").lower()
        b64 = base64.b64encode(hidden).decode()
        return any(p.hex() in flat for p in pieces) or b64[20:60] in text

    words = details_text(certificate_details(cert), visible)
    assert not holds_key(words)
    assert "private key material" in words
    cli.main(["inspect", str(path), "--details"])
    out = capsys.readouterr().out
    assert not holds_key(out) and "private key material" in out
    cli.main(["inspect", str(path), "--details", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert not holds_key(json.dumps(data["details"]))


@pytest.mark.parametrize("as_json", [False, True])
def test_inspect_never_prints_a_private_key_a_certificate_carries(as_json, tmp_path, capsys):
    # `inspect`'s own lines name the certificate's names: one of them may be a key.
    import base64

    from cryptography.hazmat.primitives.serialization import Encoding

    from bundleguard import cli

    cert, hidden = _carrier("dns")
    path = tmp_path / "carrier.pem"
    path.write_bytes(cert.public_bytes(Encoding.PEM))
    b64 = base64.b64encode(hidden).decode()
    code = cli.main(["inspect", str(path), *(["--json"] if as_json else [])])
    said = capsys.readouterr()
    assert b64[20:60] not in said.out + said.err
    assert code == 1  # a problem, never "OK"
    assert "private key material" in said.err
