"""Keys hidden the ways people really hand them over are found at their exact offset."""

from __future__ import annotations

import base64
import io

import pytest

from bundleguard.guard import Verdict
from tests.guard import keyforge as kf
from tests.guard.conftest import assert_reason_mentions, assert_secret, scan


def test_key_between_two_certificates_in_a_chain_pem_is_secret():
    first, key, second = kf.cert_pem(), kf.pkcs8_pem(), kf.cert_pem(kf.ca()[1])

    report = scan(first + key + second, "fullchain.pem")

    assert_secret(report, "pkcs8-private-key", offset=len(first))
    assert len(report.findings) == 1, "the certificates around it are not keys"
    assert_reason_mentions(report, rf"at byte {len(first)}")
    assert_reason_mentions(report, r"extract the certificates .*and send only those")


def test_chain_pem_with_rsa_key_and_bag_attributes_is_secret():
    # What `openssl pkcs12 -nodes` prints: Bag Attributes text before each block.
    bag = b"Bag Attributes\n    localKeyID: 01 02 03 04\nsubject=CN = support\n"
    data = bag + kf.cert_pem() + bag
    offset = len(data)

    report = scan(data + kf.pkcs1_pem(), "export.pem")

    assert_secret(report, "rsa-private-key", offset=offset)


@pytest.mark.parametrize("image", ["png", "jpeg"])
def test_pem_key_after_the_end_of_an_image_is_secret(image):
    picture = getattr(kf, image)()

    report = scan(picture + kf.pkcs8_pem(), f"screenshot.{image}")

    assert_secret(report, "pkcs8-private-key", offset=len(picture))
    assert_reason_mentions(report, rf"PKCS#8 private key .* at byte {len(picture)}: remove")


@pytest.mark.parametrize("image", ["png", "jpeg"])
def test_der_key_after_the_end_of_an_image_is_secret(image):
    picture = getattr(kf, image)()

    report = scan(picture + kf.pkcs1_der(), f"screenshot.{image}")

    assert_secret(report, "rsa-private-key", offset=len(picture))


def test_key_pasted_inside_a_log_is_secret():
    before = b"".join(
        b"2025-01-01 12:00:%02d INFO appliance sync step %d done\n" % (i, i) for i in range(50)
    )
    after = b"2025-01-01 12:01:00 INFO done\n" * 20

    report = scan(before + kf.sec1_pem() + after, "sync.log")

    assert_secret(report, "ec-private-key", offset=len(before))


PREFIX = "Key for the backup appliance:\n"


@pytest.mark.parametrize("bom", [False, True], ids=["no-bom", "bom"])
def test_key_in_utf16_le_text_is_secret(bom):
    text = (PREFIX.encode() + kf.pkcs8_pem()).decode()
    data = (b"\xff\xfe" if bom else b"") + text.encode("utf-16-le")
    offset = (2 if bom else 0) + 2 * len(PREFIX)

    report = scan(data, "notes.txt")

    finding = assert_secret(report, "pkcs8-private-key", offset=offset)
    assert "16" in finding.encoding


@pytest.mark.parametrize("bom", [False, True], ids=["no-bom", "bom"])
def test_key_in_utf16_be_text_is_secret(bom):
    text = (PREFIX.encode() + kf.pkcs1_pem()).decode()
    data = (b"\xfe\xff" if bom else b"") + text.encode("utf-16-be")
    offset = (2 if bom else 0) + 2 * len(PREFIX)

    report = scan(data, "notes.txt")

    # The key's first character is 00 2D; reporting the 2D is tolerated.
    finding = assert_secret(report, "rsa-private-key", offset={offset, offset + 1})
    assert "16" in finding.encoding


def test_whole_file_utf16_key_without_prefix_is_secret():
    report = scan(kf.utf16(kf.openssh_pem(), "le", bom=True), "id_ed25519")

    assert_secret(report, "openssh-private-key", offset=2)


def test_key_in_utf8_text_with_bom_is_secret():
    report = scan(b"\xef\xbb\xbf" + kf.pkcs1_pem(), "key.txt")

    assert_secret(report, "rsa-private-key", offset=3)


def test_key_with_crlf_line_ends_is_secret():
    prefix = b"Server key:\r\n"

    report = scan(prefix + kf.crlf(kf.pkcs8_pem()), "notes.txt")

    assert_secret(report, "pkcs8-private-key", offset=len(prefix))


def test_indented_key_is_secret():
    prefix = b"Notes:\n"
    data = prefix + kf.indent(kf.pkcs1_pem(), b"\t    ")

    report = scan(data, "notes.md")

    assert_secret(report, "rsa-private-key", offset=data.index(b"-----BEGIN"))


def test_key_in_a_json_string_with_escaped_newlines_is_secret():
    data = b'{"hostname": "support.example.com", "key": ' + kf.json_string(kf.pkcs8_pem()) + b"}"

    report = scan(data, "config.json")

    finding = assert_secret(report, "pkcs8-private-key", offset=data.index(b"-----BEGIN"))
    assert finding.member is None


def test_key_in_a_json_string_with_escaped_slashes_is_secret():
    pem = kf.pkcs1_pem(kf.rsa_key(1))
    escaped = kf.json_string(pem, escape_slashes=True)
    assert b"\\/" in escaped
    data = b'{"cert": "x", "private_key": ' + escaped + b"}"

    report = scan(data, "export.json")

    assert_secret(report, "rsa-private-key", offset=data.index(b"-----BEGIN"))


def test_key_in_a_yaml_block_scalar_is_secret():
    data = (
        b"appliance:\n  hostname: support.example.com\n  tls:\n    key: |\n"
        + kf.indent(kf.sec1_pem(), b"      ")
        + b"    enabled: true\n"
    )

    report = scan(data, "values.yaml")

    assert_secret(report, "ec-private-key", offset=data.index(b"-----BEGIN"))


def test_key_in_xml_with_line_break_entities_is_secret():
    data = (
        b'<?xml version="1.0"?>\n<config><privateKey>'
        + kf.xml_entities(kf.pkcs8_pem())
        + b"</privateKey></config>\n"
    )

    report = scan(data, "settings.xml")

    assert_secret(report, "pkcs8-private-key", offset=data.index(b"-----BEGIN"))


@pytest.mark.parametrize("width", [64, 76, None], ids=["wrap64", "wrap76", "one-line"])
@pytest.mark.parametrize(
    ("build", "kind"),
    [(kf.pkcs8_der, "pkcs8-private-key"), (kf.pkcs1_der, "rsa-private-key")],
    ids=["pkcs8", "pkcs1"],
)
def test_base64_of_a_der_key_without_armor_is_secret(build, kind, width):
    prefix = b"# exported key, do not share\nkey_data = \n"
    data = prefix + kf.b64(build(), width) + b"\n# end\n"

    report = scan(data, "settings.conf")

    assert_secret(report, kind, offset=len(prefix))


def test_base64_of_a_der_key_inside_a_json_value_is_secret():
    blob = kf.b64(kf.sec1_der())
    data = b'{"name": "backup", "keyMaterial": "' + blob + b'"}'

    report = scan(data, "vault.json")

    assert_secret(report, "ec-private-key", offset=data.index(blob))


def test_kubernetes_secret_with_base64_of_a_whole_pem_is_secret():
    blob = base64.b64encode(kf.pkcs1_pem())
    assert blob.startswith(b"LS0tLS1CRUdJTi")
    data = (
        b"apiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\ndata:\n"
        b"  tls.crt: " + base64.b64encode(kf.cert_pem()) + b"\n  tls.key: " + blob + b"\n"
    )

    report = scan(data, "secret.yaml")

    assert_secret(report, "rsa-private-key", offset=data.index(blob))


def test_base64_of_a_pfx_is_secret():
    blob = kf.b64(kf.pfx("aes"))
    data = b'{"certificate": {"pfxBase64": "' + blob + b'"}}'

    report = scan(data, "azure-export.json")

    assert_secret(report, "pkcs12", offset=data.index(blob))


def test_two_keys_in_one_file_are_both_reported():
    first = b"primary:\n" + kf.pkcs1_pem()
    second = kf.openssh_pem()

    report = scan(first + b"backup:\n" + second, "keys.txt")

    assert_secret(report, "rsa-private-key", offset=len(b"primary:\n"))
    assert_secret(report, "openssh-private-key", offset=len(first) + len(b"backup:\n"))


def test_certificate_followed_by_a_key_is_not_a_certificate():
    report = scan(kf.cert_pem() + kf.pkcs8_pem(), "server.crt")

    assert report.verdict is Verdict.SECRET
    assert not report.may_enter_bundle
    assert report.certificates == ()
    assert_reason_mentions(report, r"holds certificates and a private key")


def test_key_attached_to_an_email_as_mime_base64_is_secret():
    attachment = kf.b64(kf.pkcs1_pem(), 76)
    data = (
        b"From: admin@example.com\r\nTo: support@example.com\r\nSubject: certs\r\n"
        b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\n'
        b"Content-Type: text/plain\r\n\r\nCertificates attached.\r\n--b1\r\n"
        b'Content-Type: application/octet-stream; name="server.key"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n"
    )
    offset = len(data)
    data += kf.crlf(attachment) + b"\r\n--b1--\r\n"

    report = scan(data, "draft.eml")

    assert_secret(report, "rsa-private-key", offset=offset)


@pytest.mark.parametrize("separator", [b" ", b""], ids=["spaces", "nothing"])
def test_pem_flattened_onto_one_line_is_secret(separator):
    # How keys end up in .env files and Terraform variables.
    flat = separator.join(kf.pkcs8_pem().strip().split(b"\n"))
    data = b"TLS_KEY=" + flat + b"\nTLS_PORT=443\n"

    report = scan(data, "deploy.env")

    assert_secret(report, "pkcs8-private-key", offset=len(b"TLS_KEY="))


def test_key_in_a_png_text_chunk_is_secret():
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", kf.sec1_pem().decode())
    out = io.BytesIO()
    Image.open(io.BytesIO(kf.png())).save(out, "PNG", pnginfo=info)
    data = out.getvalue()

    report = scan(data, "status.png")

    assert_secret(report, "ec-private-key", offset=data.index(b"-----BEGIN"))


def test_key_in_a_jpeg_comment_segment_is_secret():
    from PIL import Image

    out = io.BytesIO()
    Image.open(io.BytesIO(kf.jpeg())).save(out, "JPEG", comment=kf.pkcs1_pem())
    data = out.getvalue()

    report = scan(data, "status.jpg")

    assert_secret(report, "rsa-private-key", offset=data.index(b"-----BEGIN"))


def test_base64_of_a_zip_holding_a_key_is_secret():
    blob = kf.b64(kf.zip_of({"key.pem": kf.pkcs1_pem()}))
    data = b'{"attachment": "' + blob + b'"}'

    report = scan(data, "ticket.json")

    assert report.verdict is Verdict.SECRET
    assert any(f.kind == "rsa-private-key" for f in report.findings), report.findings


def test_key_in_utf16_json_with_escaped_newlines_is_secret():
    text = b'{"key": ' + kf.json_string(kf.pkcs8_pem()) + b"}"
    data = kf.utf16(text, "le", bom=True)

    report = scan(data, "export.json")

    assert_secret(report, "pkcs8-private-key", offset=2 + 2 * text.index(b"-----BEGIN"))


def _binary_pgp_secret_key() -> bytes:
    """`gpg --export-secret-keys` without --armor: the packets themselves."""
    armored = kf.pgp_private_key_block()
    body = armored.split(b"\n\n", 1)[1].rsplit(b"\n=", 1)[0]
    return base64.b64decode(body)


def test_binary_pgp_secret_key_export_is_secret():
    report = scan(_binary_pgp_secret_key(), "secring.gpg")

    assert_secret(report, "pgp-private-key", offset=0)


def test_binary_pgp_secret_key_as_an_archive_member_is_secret():
    # Binary OpenPGP packets have no magic number: they are recognised where a file,
    # an archive member or a decoded blob begins (a stated limit of the guard).
    data = kf.zip_of(
        {"notes.txt": b"keys for the failover", "keys/secring.gpg": _binary_pgp_secret_key()}
    )

    report = scan(data, "handover.zip")

    assert_secret(report, "pgp-private-key", offset=0, member="keys/secring.gpg")


def test_key_pasted_into_a_word_document_body_is_secret():
    lines = kf.pkcs1_pem().decode().splitlines()
    paragraphs = "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in lines)
    document = (
        '<?xml version="1.0"?><w:document><w:body><w:p><w:r><w:t>New key:</w:t></w:r></w:p>'
        + paragraphs
        + "</w:body></w:document>"
    ).encode()
    data = kf.zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": document})

    report = scan(data, "handover.docx")

    assert_secret(
        report,
        "rsa-private-key",
        offset=document.index(b"-----BEGIN"),
        member="word/document.xml",
    )


def test_key_as_string_literals_in_source_code_is_secret():
    lines = kf.sec1_pem().decode().splitlines()
    literal = "\n".join(f'    "{line}\\n"' for line in lines)
    data = f"TEST_KEY = (\n{literal}\n)\n".encode()

    report = scan(data, "settings.py")

    assert_secret(report, "ec-private-key", offset=data.index(b"-----BEGIN"))
