"""`bundleguard scan`: exit codes, one text line per file, and the --json report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bundleguard.cli import main
from tests.guard import keyforge as kf

VERDICT_WORDS = ("secret", "certificate", "image", "refused", "error")


def run(args: list[str], capsys) -> tuple[int, str, str]:
    """main(args) with its exit code; argparse's own usage exit counts as a return."""
    try:
        code = main(args)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 2
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    made = {
        "chain": ("chain.pem", kf.chain_pem()),
        "image": ("status.png", kf.png()),
        "key": ("server.txt", kf.pkcs8_pem()),
        "zip": ("bundle.zip", kf.zip_of({"inner/key.pem": kf.sec1_pem()})),
        "text": ("notes.txt", b"nothing to see\n"),
    }
    paths = {}
    for label, (name, data) in made.items():
        paths[label] = tmp_path / name
        paths[label].write_bytes(data)
    return paths


def test_scan_of_clean_files_exits_zero(files, capsys):
    code, out, _ = run(["scan", str(files["chain"]), str(files["image"])], capsys)

    assert code == 0
    assert _line_for(out, files["chain"]).startswith("certificate")
    assert _line_for(out, files["image"]).startswith("image")


def test_refused_but_not_secret_file_exits_zero(files, capsys):
    code, out, _ = run(["scan", str(files["text"])], capsys)

    assert code == 0
    assert _line_for(out, files["text"]).startswith("refused")


def test_scan_with_a_key_exits_one_and_names_the_file(files, capsys):
    code, out, _ = run(["scan", str(files["chain"]), str(files["key"])], capsys)

    assert code == 1
    assert _line_for(out, files["key"]).startswith("secret")
    assert _line_for(out, files["chain"]).startswith("certificate")


def test_scan_of_a_directory_prints_one_verdict_line_per_file(files, capsys):
    directory = files["chain"].parent

    code, out, _ = run(["scan", str(directory)], capsys)

    assert code == 1
    verdict_lines = [line for line in out.splitlines() if line.startswith(VERDICT_WORDS)]
    assert len(verdict_lines) == len(files)
    for path in files.values():
        assert _line_for(out, path)


def test_scan_of_a_missing_path_exits_two(tmp_path, capsys):
    code, out, err = run(["scan", str(tmp_path / "no-such-file.pem")], capsys)

    assert code == 2
    assert "no-such-file.pem" in out + err


def test_scan_without_a_path_is_a_usage_error(capsys):
    code, _, err = run(["scan"], capsys)

    assert code == 2
    assert "usage" in err.lower()


def test_json_report_lists_files_findings_and_a_summary(files, capsys):
    code, out, _ = run(["scan", "--json", str(files["chain"]), str(files["zip"])], capsys)

    assert code == 1
    document = json.loads(out)
    assert set(document) >= {"files", "summary"}
    by_name = {Path(entry["path"]).name: entry for entry in document["files"]}
    chain, archive = by_name["chain.pem"], by_name["bundle.zip"]
    assert chain["verdict"] == "certificate"
    assert chain["findings"] == []
    assert archive["verdict"] == "secret"
    assert archive["reasons"] and all(isinstance(r, str) for r in archive["reasons"])
    [finding] = archive["findings"]
    assert finding["kind"] == "ec-private-key"
    assert finding["offset"] == 0
    assert finding["member"] == "inner/key.pem"


def test_json_top_level_finding_has_kind_and_offset_and_no_member(files, capsys):
    code, out, _ = run(["scan", "--json", str(files["key"])], capsys)

    assert code == 1
    [entry] = json.loads(out)["files"]
    [finding] = entry["findings"]
    assert (finding["kind"], finding["offset"]) == ("pkcs8-private-key", 0)
    assert finding.get("member") is None


def test_json_output_never_contains_key_bytes(files, capsys):
    _, out, _ = run(["scan", "--json", str(files["key"])], capsys)

    body_line = kf.pkcs8_pem().splitlines()[3].decode()
    assert body_line not in out


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return env


def test_python_dash_m_bundleguard_scan_exit_codes(files):
    for path, expected in ((files["chain"], 0), (files["key"], 1)):
        done = subprocess.run(
            [sys.executable, "-m", "bundleguard", "scan", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            env=_environment(),
        )
        assert done.returncode == expected, done.stderr


def test_installed_console_script_scans(files):
    script = Path(sys.executable).with_name("bundleguard.exe" if os.name == "nt" else "bundleguard")
    if not script.exists():
        pytest.skip(f"no console script beside {sys.executable}: not run from the venv")

    done = subprocess.run(
        [str(script), "scan", "--json", str(files["zip"])],
        capture_output=True,
        text=True,
        timeout=60,
        env=_environment(),
    )

    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["files"][0]["verdict"] == "secret"


def _line_for(output: str, path: Path) -> str:
    lines = [line for line in output.splitlines() if str(path) in line]
    assert len(lines) == 1, f"expected one line naming {path}:\n{output}"
    return lines[0]
