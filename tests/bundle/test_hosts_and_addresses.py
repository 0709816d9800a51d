"""Host names and support addresses that enter a bundle, and a set written whole or not at all.

A host name is checked by one function (`normalize_hostname`) wherever it enters; an
address by one (`check_address`); the zips and drafts of one action are a set.
"""

from __future__ import annotations

import dataclasses
import email
import email.policy

import pytest

from bundleguard.bundle.batch import NothingKeptError, write_batch
from bundleguard.bundle.email import AddressError, Draft, build_eml, check_address
from bundleguard.bundle.plan import check_appliance
from bundleguard.case.model import ApplianceEntry, Case, Role
from bundleguard.case.store import save_case
from bundleguard.certs.names import HostnameError, normalize_hostname
from bundleguard.cli import main
from tests.bundle.conftest import BACKUP, PRIMARY, SITE, good_plan, screenshot_png

# Each a whole class: what follows `%`, a character no host name holds, a lookalike of a
# separator, a name a browser reads as another address, a length no name has.
BAD_HOSTS = [
    "fe80::1%x@evil.example",
    "fe80::1%eth0\r\nBcc: someone@evil.example",
    "[fe80::1%25eth0]",
    "fe80::1%eth0",
    "primary.example.com\x00.evil.example",
    "primary\t.example.com",
    "primary.example.com\r\nX: y",
    "primary\u200b.example.com",
    "primary\u202e.example.com",
    "primary\u2028.example.com",
    "primary.example.com\uff0fevil",  # fullwidth solidus
    "evil.example\uff20primary.example.com",  # fullwidth commercial at
    "user@primary.example.com",
    "primary.example.com/evil",
    "primary.example.com?x",
    "primary.example.com#x",
    "primary.example.com\\evil",
    "10.1.2",  # a browser opens 10.1.0.2
    "primary.0x7f",
    "[primary.example.com]",
    "[192.0.2.1]",
    "a" * 254,
    ".".join(["a" * 60] * 5),
    "x" * 100_000,
]


@pytest.mark.parametrize("host", BAD_HOSTS)
def test_a_host_that_is_not_one_plain_name_is_refused(host):
    with pytest.raises(HostnameError) as caught:
        normalize_hostname(host)
    message = str(caught.value)
    # The message quotes the name visibly: no raw control, bidi or invisible character.
    assert not any(c in message for c in "\r\n\x00\t\u200b\u202e\u2028")
    assert len(message) < 400


@pytest.mark.parametrize(
    ("given", "normal"),
    [
        ("Primary.Example.COM.", "primary.example.com"),
        ("FE80::1", "fe80::1"),
        ("[2001:DB8:0:0::1]", "2001:db8::1"),
        ("192.0.2.7.", "192.0.2.7"),
        ("primary\u3002example\uff0ecom", "primary.example.com"),  # IDNA's own dots
        ("b\u00fccher.example", "xn--bcher-kva.example"),
        ("123.example.com", "123.example.com"),
    ],
)
def test_a_host_name_is_used_in_its_one_normal_form(given, normal):
    assert normalize_hostname(given) == normal


def test_the_zone_refusal_says_why(tmp_path):
    with pytest.raises(HostnameError, match="names a network interface of this computer"):
        check_appliance("fe80::1%eth0")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["bundle", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def args_for(inputs, out_dir, host: str, *extra: str) -> list[str]:
    certs = [str(p) for p in inputs.certs]
    return ["--appliance", host, "--screenshot", str(inputs.screenshot), "--cert", *certs,
            "--out", str(out_dir), "--eml", *extra]  # fmt: skip


@pytest.mark.parametrize("host", ["fe80::1%x\r\nX-Evil: 1", "fe80::1%x@evil.example", "a\x00b"])
def test_the_cli_refuses_such_a_host_and_writes_nothing(capsys, inputs, out_dir, host):
    # Before: the zip was written, the draft failed on the header, and the command said
    # "nothing was written" with the zip on disk.
    code, out, err = run(capsys, *args_for(inputs, out_dir, host))
    assert code == 2, out + err
    assert "is not a valid host name" in err
    assert "\r" not in err and "\x00" not in err
    assert list(out_dir.iterdir()) == []


def test_the_cli_refuses_a_site_with_a_zone(capsys, inputs, out_dir):
    code, _, err = run(capsys, *args_for(inputs, out_dir, PRIMARY, "--site", "fe80::2%eth0"))
    assert code == 2 and "zone" in err
    assert list(out_dir.iterdir()) == []


BAD_ADDRESSES = [
    "=?utf-8?q?attacker=40evil.example=3e?=@example.com",
    "support@example.com?=",
    "=?utf-8?b?c3VwcG9ydA==?=@example.com",
    "support@evil.example@example.com",
    "support@example.com\r\nBcc: x@evil.example",
    "support\x00@example.com",
    "support\t@example.com",
    "sup\u202eport@example.com",
    "support@exa\u200bmple.com",
    "sup\u2066port@example.com",
    "support\u00ad@example.com",
    "support(comment)@example.com",
    '"support team"@example.com',
    '"support"@example.com',
    "Support <support@example.com>",
    "support@example.com, other@example.com",
    "support@[192.0.2.1]",
    "s\u00fcpport@example.com",  # would need an encoded header
    "support@example.com.",
    "support@localhost",
    "x" * 250 + "@example.com",
    "support\uff20example.com",
]


@pytest.mark.parametrize("address", BAD_ADDRESSES)
def test_an_address_that_is_not_one_plain_address_is_refused(address):
    with pytest.raises(AddressError) as caught:
        check_address(address)
    assert "is not one email address" in str(caught.value)
    assert not any(c in str(caught.value) for c in "\r\n\x00\t\u200b\u202e\u2066\u00ad")


@pytest.mark.parametrize(
    ("given", "used"),
    [
        (" support@beyondtrust.example ", "support@beyondtrust.example"),
        ("Support@Example.COM", "support@example.com"),
        ("help.desk+ssl@example.com", "help.desk+ssl@example.com"),
        ("support@b\u00fccher.example", "support@xn--bcher-kva.example"),
    ],
)
def test_an_address_is_used_in_its_normal_ascii_form(given, used):
    assert check_address(given) == used


@pytest.mark.parametrize("address", BAD_ADDRESSES[:6])
def test_the_cli_refuses_such_an_address_and_writes_nothing(capsys, inputs, out_dir, address):
    code, out, err = run(capsys, *args_for(inputs, out_dir, PRIMARY, "--to", address))
    assert code == 2, out + err
    assert "is not one email address" in err
    assert list(out_dir.iterdir()) == []


def test_the_draft_is_addressed_to_the_normal_form(capsys, inputs, out_dir):
    code, out, err = run(capsys, *args_for(inputs, out_dir, PRIMARY, "--to", "Support@Example.COM"))
    assert code == 0, out + err
    [eml] = out_dir.glob("*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["To"] == "support@example.com"


def test_a_draft_never_carries_an_unchecked_address(chain, out_dir):
    [bundle] = write_batch([good_plan(chain)], out_dir).written
    draft = Draft("x@evil.example\r\nBcc: y@evil.example", "subject", "body", (bundle.path,))
    with pytest.raises(AddressError):
        build_eml(draft, [bundle])


# --------------------------------------------------------------------------- the set


def test_a_zip_whose_draft_fails_is_removed_and_the_message_says_so(capsys, inputs, out_dir):
    # A folder where the draft goes: the draft cannot be written, even with --force.
    (out_dir / f"support-bundle-{PRIMARY}.eml").mkdir()
    code, out, err = run(capsys, *args_for(inputs, out_dir, PRIMARY, "--force"))
    assert code == 2, out + err
    assert sorted(p.name for p in out_dir.iterdir()) == [f"support-bundle-{PRIMARY}.eml"]
    assert (out_dir / f"support-bundle-{PRIMARY}.eml").is_dir()
    assert "Nothing was kept" in err and f"support-bundle-{PRIMARY}.zip" in err
    assert "unexpected" not in err


def test_a_failed_draft_of_the_second_appliance_removes_the_whole_set(capsys, inputs, out_dir):
    second = inputs.add("backup.png", screenshot_png((80, 50)))
    (out_dir / f"support-bundle-{BACKUP}.eml").mkdir()
    code, out, err = run(
        capsys, "--site", SITE, "--appliance", f"{PRIMARY}:primary", "--appliance",
        f"{BACKUP}:backup", "--screenshot", str(inputs.screenshot), "--screenshot", str(second),
        "--cert", *map(str, inputs.certs), "--out", str(out_dir), "--eml", "--force",
    )  # fmt: skip
    assert code == 2, out + err
    assert sorted(p.name for p in out_dir.iterdir()) == [f"support-bundle-{BACKUP}.eml"]
    for name in (f"support-bundle-{PRIMARY}.zip", f"support-bundle-{PRIMARY}.eml",
                 f"support-bundle-{BACKUP}.zip"):  # fmt: skip
        assert name in err


def test_the_core_says_which_files_it_removed(chain, out_dir):
    (out_dir / f"support-bundle-{PRIMARY}.eml").mkdir()
    with pytest.raises(NothingKeptError) as caught:
        write_batch([good_plan(chain)], out_dir, eml=True, force=True)
    assert [p.name for p in caught.value.removed] == [f"support-bundle-{PRIMARY}.zip"]
    assert not (out_dir / f"support-bundle-{PRIMARY}.zip").exists()


def test_a_bad_address_given_to_the_core_writes_nothing(chain, out_dir):
    with pytest.raises(AddressError):
        write_batch([good_plan(chain)], out_dir, eml=False, to="a@b.example\r\nBcc: c@d.example")
    assert list(out_dir.iterdir()) == []


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("hostname", "fe80::1%x@evil.example", "is not a valid host name"),
        ("hostname", "primary.example.com\u202e", "is not a valid host name"),
        ("support_address", "=?utf-8?q?x=40evil.example?=@example.com", "email address"),
    ],
)
def test_a_case_file_is_checked_by_the_same_functions(
    capsys, inputs, out_dir, tmp_path, field, value, said
):
    entry = ApplianceEntry(PRIMARY, Role.PRIMARY, screenshot=str(inputs.screenshot))
    case = Case(
        appliances=(entry,),
        files=tuple(str(p) for p in inputs.certs),
        output=str(out_dir),
        support_address="support@example.com",
    )
    if field == "hostname":
        case = case.with_changes(appliances=(dataclasses.replace(entry, hostname=value),))
    else:
        case = case.with_changes(support_address=value)
    path = save_case(case, tmp_path / "forged.bgcase")
    code, out, err = run(capsys, "--case", str(path), "--eml")
    # A case is judged whole before anything is written: every blocker is listed (exit 1,
    # "something must be fixed"), this one among them.
    assert code == 1, out + err
    assert said in out and "\u202e" not in out + err
    assert list(out_dir.iterdir()) == []
