"""The email draft: an .eml that parses back with the attachment intact, and the body."""

from __future__ import annotations

import email
import email.policy

import pytest

from bundleguard.bundle.email import (
    BundleVerificationError,
    body_text,
    build_eml,
    check_address,
    make_draft,
    subject_line,
    write_eml,
)
from bundleguard.bundle.writer import TargetExistsError, write_bundle
from bundleguard.errors import InputError
from tests.bundle.conftest import BACKUP, PRIMARY, SITE, good_plan


@pytest.fixture
def bundle(chain, out_dir):
    return write_bundle(good_plan(chain, incident="424242"), out_dir)


def parse(data: bytes):
    return email.message_from_bytes(data, policy=email.policy.default)


def test_eml_parses_back_with_headers_body_and_the_exact_zip(bundle):
    draft = write_eml(bundle, "support@beyondtrust.example")
    assert draft.eml == bundle.path.with_suffix(".eml")
    message = parse(draft.eml.read_bytes())

    assert message["X-Unsent"] == "1"
    assert message["To"] == "support@beyondtrust.example"
    assert SITE in message["Subject"] and "424242" in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert "software update" in body and "SSL certificate" in body
    assert PRIMARY in body and "424242" in body
    assert "No private key is included" in body
    assert bundle.sha256 in body
    for member in bundle.members:
        assert member.name in body and member.sha256 in body
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == bundle.path.name
    assert attachment.get_content_type() == "application/zip"
    assert attachment.get_content() == bundle.path.read_bytes()


def test_eml_without_an_address_has_an_empty_to(bundle):
    message = parse(write_eml(bundle).eml.read_bytes())
    assert message["To"] == ""
    assert b"\r\n" in bundle.path.with_suffix(".eml").read_bytes()


def test_existing_eml_is_not_overwritten(bundle):
    bundle.path.with_suffix(".eml").write_bytes(b"mine")
    with pytest.raises(TargetExistsError):
        write_eml(bundle)
    assert bundle.path.with_suffix(".eml").read_bytes() == b"mine"
    write_eml(bundle, force=True)
    assert parse(bundle.path.with_suffix(".eml").read_bytes())["X-Unsent"] == "1"


def test_a_zip_changed_after_verification_gets_no_draft(bundle):
    bundle.path.write_bytes(bundle.path.read_bytes() + b"tampered")
    with pytest.raises(BundleVerificationError):
        build_eml(make_draft([bundle]), [bundle])
    assert not bundle.path.with_suffix(".eml").exists()


def test_body_and_subject_for_several_appliances(chain, out_dir):
    first = write_bundle(good_plan(chain, PRIMARY, incident="7"), out_dir)
    second = write_bundle(good_plan(chain, BACKUP, "backup", incident="7"), out_dir)
    text = body_text([first, second])
    assert f"Appliance: {PRIMARY} (primary)" in text
    assert f"Appliance: {BACKUP} (backup)" in text
    assert first.path.name in text and second.path.name in text
    assert subject_line([first, second]).endswith("incident 7")


def test_subject_names_the_appliance_without_a_site(chain, out_dir):
    plain = write_bundle(good_plan(chain, site=None), out_dir)
    assert subject_line([plain]) == f"SSL certificate software update request - {PRIMARY}"


@pytest.mark.parametrize(
    "bad", ["a@b.example\nBcc: x@y.example", "two@a.example, three@b.example", "Name <a@b.c>", "x"]
)
def test_support_address_must_be_one_plain_address(bad):
    with pytest.raises(InputError):
        check_address(bad)


def test_support_address_accepted():
    assert check_address(" support@beyondtrust.example ") == "support@beyondtrust.example"
    assert check_address("") == ""
