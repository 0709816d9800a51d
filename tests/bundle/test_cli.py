"""`bundleguard bundle` end to end: real files in, a verified zip (and draft) out, or nothing."""

from __future__ import annotations

import email
import email.policy
import json
import zipfile

import pytest

from bundleguard.cli import main
from bundleguard.settings import Settings, load_settings, save_settings
from tests.bundle.conftest import BACKUP, PRIMARY, SITE, screenshot_png
from tests.certs import pki


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["bundle", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def base_args(inputs, out_dir, *extra: str) -> list[str]:
    certs = [str(p) for p in inputs.certs]
    return ["--appliance", PRIMARY, "--screenshot", str(inputs.screenshot), "--cert", *certs,
            "--site", SITE, "--out", str(out_dir), *extra]  # fmt: skip


def test_good_bundle_exit_0_prints_paths_sizes_and_hashes(capsys, inputs, out_dir):
    code, out, err = run(capsys, *base_args(inputs, out_dir, "--incident", "55"))
    assert code == 0, out + err
    target = out_dir / f"support-bundle-{PRIMARY}-incident-55.zip"
    assert str(target) in out and "verified" in out
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
    assert names == [f"status-basics-{PRIMARY}.png", "leaf.crt", "inter.cer", "root.pem",
                     "manifest.json"]  # fmt: skip
    for entry in manifest["members"]:
        assert entry["sha256"] in out
    assert "No private key" in out
    assert load_settings().settings.last_output_dir == str(out_dir.resolve())


def test_pkcs12_renamed_crt_exit_1_and_nothing_written(capsys, inputs, out_dir, chain):
    p12 = inputs.add("certificate.crt", pki.make_pkcs12(chain))
    args = base_args(inputs, out_dir, "--eml")
    args[args.index("--cert") + 1 : args.index("--cert") + 1] = [str(p12)]
    code, out, _ = run(capsys, *args)
    assert code == 1
    assert "nothing was written" in out and "certificate.crt" in out and "PKCS#12" in out
    assert list(out_dir.iterdir()) == []


def test_every_refusal_is_printed_with_its_reason(capsys, inputs, out_dir, chain):
    shot = inputs.add("shot with key.png", screenshot_png() + pki.key_pem(chain.leaf_key))
    mixed = inputs.add("full chain.pem", pki.pem(chain.leaf) + pki.key_pem(chain.leaf_key)
                       + pki.pem(chain.root))  # fmt: skip
    code, out, _ = run(capsys, "--appliance", PRIMARY, "--screenshot", str(shot),
                       "--cert", str(mixed), str(inputs.leaf), "--out", str(out_dir))  # fmt: skip
    assert code == 1
    assert "shot with key.png" in out and "full chain.pem" in out
    assert out.count("secret") >= 2
    assert list(out_dir.iterdir()) == []
    key_body = pki.key_pem(chain.leaf_key).splitlines()[1].decode()
    assert key_body not in out


def test_json_refusal_lists_findings(capsys, inputs, out_dir, chain):
    p12 = inputs.add("export.crt", pki.make_pkcs12(chain))
    code, out, _ = run(capsys, "--appliance", PRIMARY, "--screenshot", str(inputs.screenshot),
                       "--cert", str(p12), "--out", str(out_dir), "--json")  # fmt: skip
    assert code == 1
    document = json.loads(out)
    assert document["ok"] is False and document["bundles"] == []
    [refusal] = document["refusals"]
    assert refusal["appliance"] == PRIMARY and refusal["verdict"] == "secret"
    assert refusal["findings"] and refusal["reasons"]


def test_json_success(capsys, inputs, out_dir):
    code, out, _ = run(capsys, *base_args(inputs, out_dir, "--json", "--eml", "--body"))
    assert code == 0
    document = json.loads(out)
    [bundle] = document["bundles"]
    assert document["ok"] is True and bundle["appliance"] == PRIMARY
    assert bundle["draft"]["eml"].endswith(".eml") and "No private key" in bundle["body"]
    assert {m["name"] for m in bundle["members"]} >= {"manifest.json", "leaf.crt"}


def test_several_appliances_one_zip_and_one_draft_each(capsys, inputs, out_dir):
    second = inputs.add("backup basics.png", screenshot_png((80, 50)))
    code, out, err = run(
        capsys, "--site", SITE, "--appliance", f"{PRIMARY}:primary", "--appliance",
        f"{BACKUP}:backup", "--screenshot", str(inputs.screenshot), "--screenshot", str(second),
        "--cert", *map(str, inputs.certs), "--out", str(out_dir), "--eml",
        "--to", "support@beyondtrust.example",
    )  # fmt: skip
    assert code == 0, out + err
    for host, role in ((PRIMARY, "primary"), (BACKUP, "backup")):
        zip_path = out_dir / f"support-bundle-{host}.zip"
        with zipfile.ZipFile(zip_path) as archive:
            manifest = json.loads(archive.read("manifest.json"))
            assert f"status-basics-{host}.png" in archive.namelist()
        assert manifest["appliance"] == {"hostname": host, "role": role}
        message = email.message_from_bytes(
            zip_path.with_suffix(".eml").read_bytes(), policy=email.policy.default
        )
        assert message["To"] == "support@beyondtrust.example"
        [attachment] = message.iter_attachments()
        assert attachment.get_content() == zip_path.read_bytes()
        assert host in message.get_body(("plain",)).get_content()


def test_one_refused_appliance_means_nothing_for_any(capsys, inputs, out_dir, chain):
    bad = inputs.add("backup.png", screenshot_png() + pki.key_pem(chain.leaf_key))
    code, out, _ = run(
        capsys, "--appliance", PRIMARY, "--appliance", BACKUP, "--screenshot",
        str(inputs.screenshot), "--screenshot", str(bad), "--cert", str(inputs.leaf),
        "--out", str(out_dir),
    )  # fmt: skip
    assert code == 1 and f"{BACKUP} (backup)" in out
    assert list(out_dir.iterdir()) == []


def test_screenshot_count_must_match_appliances(capsys, inputs, out_dir):
    code, _, err = run(
        capsys, "--appliance", PRIMARY, "--appliance", BACKUP, "--screenshot",
        str(inputs.screenshot), "--cert", str(inputs.leaf), "--out", str(out_dir),
    )  # fmt: skip
    assert code == 2 and "one --screenshot per --appliance" in err


def test_existing_zip_exit_2_and_other_appliances_untouched(capsys, inputs, out_dir):
    (out_dir / f"support-bundle-{BACKUP}.zip").write_bytes(b"old")
    second = inputs.add("b.png", screenshot_png())
    code, _, err = run(
        capsys, "--appliance", PRIMARY, "--appliance", BACKUP, "--screenshot",
        str(inputs.screenshot), "--screenshot", str(second), "--cert", str(inputs.leaf),
        "--out", str(out_dir),
    )  # fmt: skip
    assert code == 2 and "--force" in err
    assert sorted(p.name for p in out_dir.iterdir()) == [f"support-bundle-{BACKUP}.zip"]
    code, _, _ = run(
        capsys, "--appliance", PRIMARY, "--appliance", BACKUP, "--screenshot",
        str(inputs.screenshot), "--screenshot", str(second), "--cert", str(inputs.leaf),
        "--out", str(out_dir), "--force",
    )  # fmt: skip
    assert code == 0
    assert zipfile.is_zipfile(out_dir / f"support-bundle-{BACKUP}.zip")


def test_names_with_spaces_unicode_and_dots(capsys, inputs, out_dir, chain):
    odd = inputs.add("Zertifikat Müller (neu).crt", pki.pem(chain.leaf))
    dotted = inputs.folder / "sub" / ".." / "inter.cer"
    (inputs.folder / "sub").mkdir()
    shot = inputs.add("Bildschirmfoto 2024 ü.png", screenshot_png())
    code, out, _ = run(capsys, "--appliance", PRIMARY, "--screenshot", str(shot), "--cert",
                       str(odd), str(dotted), "--out", str(out_dir))  # fmt: skip
    assert code == 0
    with zipfile.ZipFile(out_dir / f"support-bundle-{PRIMARY}.zip") as archive:
        names = archive.namelist()
    assert names == [f"status-basics-{PRIMARY}.png", "Zertifikat_Muller_neu.crt", "inter.cer",
                     "manifest.json"]  # fmt: skip
    assert "named 'Zertifikat_Muller_neu.crt'" in out


def test_body_is_printed_for_pasting(capsys, inputs, out_dir):
    code, out, _ = run(capsys, *base_args(inputs, out_dir, "--body", "--incident", "31337"))
    assert code == 0
    assert "--- email text for" in out and "Incident number: 31337" in out


def test_support_address_and_output_folder_come_from_settings(capsys, inputs, out_dir):
    save_settings(Settings("support@beyondtrust.example", str(out_dir)))
    code, _, _ = run(capsys, "--appliance", PRIMARY, "--screenshot", str(inputs.screenshot),
                     "--cert", str(inputs.leaf), "--eml")  # fmt: skip
    assert code == 0
    message = email.message_from_bytes((out_dir / f"support-bundle-{PRIMARY}.eml").read_bytes())
    assert message["To"] == "support@beyondtrust.example"


def test_no_output_folder_is_a_usage_error(capsys, inputs):
    code, _, err = run(capsys, "--appliance", PRIMARY, "--screenshot", str(inputs.screenshot),
                       "--cert", str(inputs.leaf))  # fmt: skip
    assert code == 2 and "--out" in err


def test_damaged_settings_warn_but_do_not_stop(capsys, inputs, out_dir):
    path = load_settings().path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{oops")
    code, _, err = run(capsys, *base_args(inputs, out_dir))
    assert code == 0 and "damaged" in err


def test_open_hands_the_draft_to_the_mailer(capsys, inputs, out_dir, monkeypatch):
    from bundleguard.bundle.mailer import OpenOutcome
    from bundleguard.commands import bundle as command

    opened = []

    def fake_open(draft):
        opened.append(draft)
        return OpenOutcome("test", ("true",), True, "Opened a compose window (test).")

    monkeypatch.setattr(command, "open_draft", fake_open)
    code, out, _ = run(capsys, *base_args(inputs, out_dir, "--open"))
    assert code == 0 and "Opened a compose window (test)." in out
    [draft] = opened
    assert draft.eml is not None and draft.eml.exists()
    assert draft.attachments == (out_dir / f"support-bundle-{PRIMARY}.zip",)


def test_help_explains_several_appliances(capsys):
    with pytest.raises(SystemExit):
        main(["bundle", "--help"])
    out = capsys.readouterr().out
    assert "HOST[:ROLE]" in out and "one --screenshot per appliance" in out


def test_bad_address_and_missing_file_are_usage_errors(capsys, inputs, out_dir):
    code, _, err = run(capsys, *base_args(inputs, out_dir, "--to", "not an address"))
    assert code == 2 and "email address" in err
    missing = str(inputs.folder / "missing.crt")
    code, _, err = run(capsys, "--appliance", PRIMARY, "--screenshot", str(inputs.screenshot),
                       "--cert", missing, "--out", str(out_dir))  # fmt: skip
    assert code == 2 and "Cannot read" in err
    assert list(out_dir.iterdir()) == []


def test_chain_warnings_come_before_the_write_and_do_not_stop_it(capsys, inputs, out_dir):
    other = pki.make_chain(["elsewhere.example.org"])
    leaf = inputs.add("other.crt", pki.pem(other.leaf))
    code, out, _ = run(capsys, "--appliance", PRIMARY, "--screenshot", str(inputs.screenshot),
                       "--cert", str(leaf), "--out", str(out_dir))  # fmt: skip
    assert code == 0
    assert f"Warnings for {PRIMARY} (primary):" in out
    assert out.index("Warnings for") < out.index("Wrote ")
    assert PRIMARY in out[: out.index("Wrote ")].split("Warnings for", 1)[1]


def test_size_warning_is_printed(capsys, inputs, out_dir, monkeypatch):
    monkeypatch.setattr("bundleguard.bundle.writer.WARN_SIZE_BYTES", 100)
    code, out, _ = run(capsys, *base_args(inputs, out_dir))
    assert code == 0 and "mail servers refuse" in out


# ------------------------------------------------------------------- the output folder


def test_out_with_a_tilde_is_the_home_folder_and_is_remembered_so(
    capsys, inputs, tmp_path, monkeypatch
):
    # `--out=~/bundles` reaches us unexpanded (no shell expands a `~` after `=`).
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))  # what Windows' expanduser reads
    monkeypatch.chdir(tmp_path)
    args = base_args(inputs, "unused", "--incident", "55")
    args.remove("--out")
    args.remove("unused")
    code, out, err = run(capsys, *args, "--out=~/bundles")
    assert code == 0, out + err
    assert (home / "bundles" / f"support-bundle-{PRIMARY}-incident-55.zip").is_file()
    assert not (tmp_path / "~").exists()
    assert load_settings().settings.last_output_dir == str(home / "bundles")


def test_out_relative_is_taken_from_the_working_folder(capsys, inputs, tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    args = base_args(inputs, "bundles/../zips", "--incident", "55")
    code, out, err = run(capsys, *args)
    assert code == 0, out + err
    assert (work / "zips" / f"support-bundle-{PRIMARY}-incident-55.zip").is_file()
    assert load_settings().settings.last_output_dir == str(work / "zips")


def test_anyway_goes_with_a_case(capsys, inputs, out_dir):
    # Flags alone are the user's whole statement: there is no case to judge, so nothing to
    # accept "anyway"; saying so beats ignoring the flag.
    code, _, err = run(capsys, *base_args(inputs, out_dir, "--anyway"))
    assert code == 2 and "--anyway goes with --case" in err
    assert list(out_dir.iterdir()) == []
