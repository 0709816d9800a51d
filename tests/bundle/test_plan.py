"""Planning: every input through the guard, safe names, a clean screenshot, warnings."""

from __future__ import annotations

import io
import os
import random

import pytest
from PIL import Image, PngImagePlugin

from bundleguard.bundle.plan import (
    Appliance,
    BundleInput,
    Refusal,
    check_appliance,
    check_incident,
    plan_bundle,
    read_input,
    reencode_png,
    safe_member_name,
)
from bundleguard.errors import InputError
from tests.bundle.conftest import PRIMARY, SITE, good_plan, screenshot_png
from tests.certs import pki
from tests.guard import keyforge

APPLIANCE = Appliance(PRIMARY, "primary")
NO_ROOTS = {"public_anchors": [], "system_anchors": []}


def plan_of(screenshot: bytes, *certs: tuple[str, bytes], **kw):
    kw = {**NO_ROOTS, "site": SITE, **kw}
    return plan_bundle(
        APPLIANCE,
        BundleInput("basics.png", screenshot),
        [BundleInput(name, data) for name, data in certs],
        **kw,
    )


def test_good_inputs_give_an_accepted_plan_with_clear_member_names(chain):
    plan = good_plan(chain)
    assert plan.accepted and not plan.refusals
    assert [m.name for m in plan.members] == [
        f"status-basics-{PRIMARY}.png",
        "leaf.crt",
        "chain.pem",
    ]
    assert [m.type for m in plan.members] == ["image", "certificate", "certificate"]
    assert plan.zip_name == f"support-bundle-{PRIMARY}.zip"
    assert plan.needs_software_update is True


def test_pkcs12_renamed_crt_is_refused_with_advice(chain):
    plan = plan_of(
        screenshot_png(),
        ("leaf.crt", pki.pem(chain.leaf)),
        ("export.crt", pki.make_pkcs12(chain)),
    )
    assert not plan.accepted
    [refusal] = plan.refusals
    assert refusal.source == "export.crt" and refusal.verdict == "secret"
    assert any("PKCS#12" in r and "extract" in r for r in refusal.reasons)


def test_key_appended_to_png_is_refused():
    plan = plan_of(screenshot_png() + pki.key_pem(pki.new_key()), ("leaf.crt", keyforge.cert_pem()))
    [refusal] = plan.refusals
    assert refusal.expected == "screenshot" and refusal.verdict == "secret"
    assert refusal.findings and refusal.findings[0].offset == len(screenshot_png())


def test_chain_with_a_key_in_the_middle_is_refused(chain):
    mixed = pki.pem(chain.leaf) + pki.key_pem(chain.leaf_key) + pki.pem(chain.root)
    plan = plan_of(screenshot_png(), ("fullchain.pem", mixed))
    [refusal] = plan.refusals
    assert refusal.verdict == "secret"
    assert refusal.findings[0].offset == len(pki.pem(chain.leaf))


def test_every_refusal_is_listed_not_only_the_first(chain):
    plan = plan_of(
        screenshot_png() + pki.key_pem(pki.new_key()),
        ("a.crt", pki.make_pkcs12(chain)),
        ("notes.txt", b"hello"),
        ("leaf.crt", pki.pem(chain.leaf)),
    )
    assert [r.source for r in plan.refusals] == ["basics.png", "a.crt", "notes.txt"]
    assert all(r.reasons for r in plan.refusals)


def test_swapped_inputs_are_refused_with_what_to_do(chain):
    plan = plan_bundle(
        APPLIANCE,
        BundleInput("leaf.crt", pki.pem(chain.leaf)),
        [BundleInput("shot.png", screenshot_png())],
        **NO_ROOTS,
    )
    reasons = [r.reasons[0] for r in plan.refusals]
    assert "add it to the certificates" in reasons[0] and "as the screenshot" in reasons[1]
    assert [r.found for r in plan.refusals] == ["certificate", "image"]


def test_no_certificate_is_a_refusal():
    plan = plan_of(screenshot_png())
    assert not plan.accepted
    assert "No certificate" in plan.refusals[0].reasons[0]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("my cert (1).crt", "my_cert_1.crt"),
        ("Zertifikat Müller.pem", "Zertifikat_Muller.pem"),
        ("../../etc/leaf.crt", "leaf.crt"),
        ("..\\..\\Windows\\inter.cer", "inter.cer"),
        ("C:\\Users\\me\\Desktop\\CON.crt", "_CON.crt"),
        ("..", "certificate.pem"),
        ("証明書.crt", "certificate.crt"),
        ('a:b*c?d"e<f>g|h.crt', "a_bwildcardc_d_e_f_g_h.crt"),  # "*": the helper's choice
        ("chain.txt", "chain.txt.pem"),
    ],
)
def test_member_names_are_safe(source, expected):
    assert safe_member_name(source, keyforge.cert_pem()) == expected


def test_identical_files_go_in_once_and_clashing_names_are_renamed(chain):
    leaf = pki.pem(chain.leaf)
    plan = plan_of(
        screenshot_png(),
        ("a/leaf.crt", leaf),
        ("b/leaf.crt", leaf),
        ("c/LEAF.crt", pki.pem(chain.intermediates[0])),
        ("d/manifest.json.crt", pki.pem(chain.root)),
    )
    names = [m.name for m in plan.members[1:]]
    assert names == ["leaf.crt", "LEAF-2.crt", "manifest.json.crt"]
    assert any("identical" in n for n in plan.notes)
    assert len({n.lower() for n in names}) == len(names)


def test_screenshot_is_reencoded_without_metadata(chain):
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "someone@corp.example")
    shot = screenshot_png(pnginfo=info)
    plan = plan_of(shot, ("leaf.crt", pki.pem(chain.leaf)))
    png = plan.members[0].data
    assert png.startswith(b"\x89PNG") and b"someone@corp" not in png
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (64, 40) and not image.text


def test_jpeg_screenshot_becomes_png_and_exif_is_dropped(chain):
    image = Image.new("RGB", (30, 20), (10, 200, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"  # Make
    exif[0x0112] = 6  # rotated: the pixels are turned upright
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    plan = plan_of(out.getvalue(), ("leaf.crt", pki.pem(chain.leaf)))
    png = plan.members[0].data
    assert b"SecretCamera" not in png and b"Exif" not in png
    with Image.open(io.BytesIO(png)) as clean:
        assert clean.format == "PNG" and clean.size == (20, 30)


def test_chain_problems_are_warnings_not_refusals():
    other = pki.make_chain(["elsewhere.example.org"])
    plan = plan_of(screenshot_png(), ("leaf.crt", pki.pem(other.leaf)))
    assert plan.accepted
    text = " ".join(plan.warnings)
    assert PRIMARY in text  # the leaf does not cover the appliance
    assert "intermediate" in text.lower() or "issuer" in text.lower()


def test_expired_leaf_is_a_warning():
    old = pki.make_chain([SITE, PRIMARY], expired=True)
    plan = plan_of(screenshot_png(), ("chain.pem", pki.pem(*old.certs)))
    assert plan.accepted
    assert any("expired" in w.lower() for w in plan.warnings)


def test_publicly_trusted_chain_says_support_need_not_rebuild(chain):
    plan = plan_of(
        screenshot_png(),
        ("chain.pem", pki.pem(*chain.certs)),
        public_anchors=[chain.root],
        system_anchors=[chain.root],
    )
    assert plan.accepted and plan.needs_software_update is False
    assert any("may not need to send" in w for w in plan.warnings)


def test_read_input_refuses_folders_and_oversized_files_unread(tmp_path, monkeypatch):
    assert isinstance(read_input(tmp_path), Refusal)
    big = tmp_path / "big.crt"
    big.write_bytes(b"x" * 100)
    monkeypatch.setattr("bundleguard.bundle.plan.MAX_INPUT_BYTES", 10)
    refusal = read_input(big)
    assert isinstance(refusal, Refusal) and "not read" in refusal.reasons[0]
    with pytest.raises(InputError, match="Cannot read"):
        read_input(tmp_path / "missing.crt")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
def test_read_input_refuses_a_pipe_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.crt"
    os.mkfifo(fifo)
    assert isinstance(read_input(fifo), Refusal)


def test_hostname_role_and_incident_are_checked():
    assert check_appliance("Primary.Example.COM.", "backup") == Appliance(PRIMARY, "backup")
    with pytest.raises(InputError):
        check_appliance("primary.example.com", "tertiary")
    with pytest.raises(InputError):
        check_appliance("../etc")
    assert check_incident(" 12345 ") == "12345"
    assert check_incident("") is None
    with pytest.raises(InputError):
        check_incident("123\nBcc: evil@example.com")


@pytest.mark.parametrize("flat", [True, False])
def test_reencoding_is_lossless(flat):
    if flat:
        image = Image.new("RGB", (200, 100), (242, 244, 247))
        image.paste((28, 61, 110), (0, 0, 200, 20))
    else:
        image = Image.frombytes("RGB", (64, 64), random.Random(1).randbytes(64 * 64 * 3))
    out = io.BytesIO()
    image.save(out, "PNG")
    png = reencode_png(out.getvalue())
    with Image.open(io.BytesIO(png)) as again:
        assert again.mode == ("P" if flat else "RGB")
        assert again.convert("RGB").tobytes() == image.tobytes()


def test_an_uncovered_traffic_node_is_named_as_one_of_an_atlas_cluster():
    """A node's bundle says Atlas, never "Primary and backup need one certificate"."""
    chain = pki.make_chain([SITE, PRIMARY])
    node = good_plan(chain, hostname="node1.example.com", role="node")
    words = " ".join(node.warnings)
    assert "Not ready for Atlas: the certificate does not cover node1.example.com." in words
    assert "failover" not in words and "Primary and backup" not in words
    backup = good_plan(chain, hostname="backup.example.com", role="backup")
    assert "Not ready for failover" in " ".join(backup.warnings)
