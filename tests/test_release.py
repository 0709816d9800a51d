"""The release: one version everywhere a user or an OS reads it, archives that hold exactly
the built folder (modes and links kept), SHA256SUMS that the usual tools accept, the
workflow's own promises (it lints, its binaries are where the build puts them), and the
scripts' platform branches with the platform faked."""

from __future__ import annotations

import ast
import importlib.util
import io
import os
import plistlib
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import tokenize
import tomllib
import zipfile
from pathlib import Path

import pytest

from bundleguard import __version__

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"


def load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


release_info = load(ROOT / "packaging" / "release_info.py", "bg_release_info")
archive = load(ROOT / "packaging" / "archive.py", "bg_archive")
smoke = load(ROOT / "packaging" / "smoke.py", "bg_smoke")
dev = load(ROOT / "dev.py", "bg_dev")


# ------------------------------------------------------------------ one version
def version_resource_facts(text: str) -> dict:
    """filevers, prodvers and the StringStructs of a VSVersionInfo text, read as Python."""
    facts: dict = {"strings": {}}
    for node in ast.walk(ast.parse(text, mode="eval")):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "FixedFileInfo":
            for keyword in node.keywords:
                if keyword.arg in ("filevers", "prodvers"):
                    facts[keyword.arg] = ast.literal_eval(keyword.value)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "StringStruct":
            key, value = (ast.literal_eval(arg) for arg in node.args)
            facts["strings"][key] = value
    return facts


def test_version_cli_windows_resource_and_info_plist_agree():
    cli = subprocess.run(
        [sys.executable, "-m", "bundleguard", "--version"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    resource = version_resource_facts(release_info.windows_version_resource(__version__))
    # The spec hands BUNDLE a dict that PyInstaller writes with plistlib: do the same.
    info = plistlib.loads(plistlib.dumps(release_info.macos_info_plist(__version__)))

    assert cli.stdout.strip() == f"bundleguard {__version__}"
    assert release_info.project_version() == __version__
    assert resource["strings"]["FileVersion"] == __version__
    assert resource["strings"]["ProductVersion"] == __version__
    numbers = tuple(int(n) for n in __version__.split("."))
    assert resource["filevers"] == resource["prodvers"] == (*numbers, 0)
    assert info["CFBundleShortVersionString"] == info["CFBundleVersion"] == __version__
    assert info["CFBundleIdentifier"] == "com.bundleguard.app"  # the rest still merged in


def test_the_version_is_written_once_and_pyproject_reads_it():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "bundleguard.__version__"
    }
    spec = (ROOT / "packaging" / "bundleguard.spec").read_text(encoding="utf-8")
    assert "release_info.windows_version_resource(__version__)" in spec
    assert "release_info.macos_info_plist(__version__)" in spec
    assert not re.search(r"""version\s*=\s*["']\d""", spec)


def test_a_prerelease_gives_windows_and_macos_its_numbers_and_keeps_its_name():
    resource = version_resource_facts(release_info.windows_version_resource("1.2.0rc1"))
    info = release_info.macos_info_plist("1.2.0rc1")

    assert resource["filevers"] == (1, 2, 0, 0)
    assert resource["strings"]["ProductVersion"] == "1.2.0rc1"
    assert info["CFBundleShortVersionString"] == info["CFBundleVersion"] == "1.2.0"
    with pytest.raises(ValueError, match="three numbers"):
        release_info.release_numbers("one.two")


def test_the_version_is_read_from_the_package_without_importing_it(tmp_path: Path):
    init = tmp_path / "__init__.py"
    init.write_text('"""x"""\nimport does_not_exist\n__version__ = "7.8.9"\n', encoding="utf-8")

    assert release_info.project_version(init) == "7.8.9"


# ------------------------------------------------------------------ names and paths
@pytest.mark.parametrize(
    ("system", "machine", "label", "suffix"),
    [
        ("Linux", "x86_64", "linux-x86_64", ".tar.gz"),
        ("Windows", "AMD64", "windows-x86_64", ".zip"),
        ("Darwin", "arm64", "macos-arm64", ".zip"),
    ],
)
def test_each_platform_gets_its_archive_name(system, machine, label, suffix):
    assert release_info.platform_label(system, machine) == label
    assert release_info.archive_name("0.1.0", label) == f"bundleguard-0.1.0-{label}{suffix}"


def test_the_workflow_smoke_tests_the_binary_the_build_makes():
    text = WORKFLOW.read_text(encoding="utf-8")
    rows = re.findall(r"- os: (\S+).*\n\s+label: (\S+)\n\s+binary: (\S+)", text)
    systems = {"linux": "linux", "windows": "win32", "macos": "darwin"}

    assert {label.split("-")[0] for _os, label, _binary in rows} == set(systems)
    for _os, label, binary in rows:
        system = systems[label.split("-")[0]]
        assert binary == release_info.frozen_binary(Path("dist"), system).as_posix()
    assert "python dev.py test" in text and "python dev.py build" in text
    assert 'python packaging/smoke.py "$BINARY"' in text
    assert "python packaging/archive.py pack" in text


# ------------------------------------------------------------------ archives
def make_app(folder: Path) -> Path:
    """A stand-in for a built app: an executable, data in a subfolder, links into it."""
    app = folder / "bundleguard"
    (app / "_internal" / "PySide6").mkdir(parents=True)
    exe = app / "bundleguard"
    exe.write_bytes(b"\x7fELF pretend")
    exe.chmod(0o755)
    (app / "_internal" / "PySide6" / "qt.conf").write_text("[Paths]\n", encoding="utf-8")
    if os.name != "nt":
        os.symlink("PySide6", app / "_internal" / "Qt")  # a folder link, as in a .app
        os.symlink("../bundleguard", app / "_internal" / "bundleguard")
    return app


def test_a_tar_gz_holds_the_folder_with_modes_and_links(tmp_path: Path):
    app = make_app(tmp_path / "dist")
    target = archive.make_archive(app, tmp_path / "out.tar.gz")

    with tarfile.open(target) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert members["bundleguard/_internal/PySide6/qt.conf"].isfile()
        if os.name != "nt":
            assert members["bundleguard/bundleguard"].mode & stat.S_IXUSR
            assert members["bundleguard/_internal/Qt"].linkname == "PySide6"
            assert not any(name.startswith("bundleguard/_internal/Qt/") for name in members)
        tar.extractall(tmp_path / "unpacked", filter="tar")
    unpacked = tmp_path / "unpacked" / "bundleguard"
    assert (unpacked / "_internal" / "PySide6" / "qt.conf").read_text() == "[Paths]\n"
    assert not (tmp_path / "out.tar.gz.partial").exists()


@pytest.mark.skipif(os.name == "nt", reason="a .app's links and modes exist on macOS, not here")
def test_a_zipped_app_keeps_its_links_and_executables(tmp_path: Path):
    app = make_app(tmp_path / "dist")
    target = archive.make_archive(app, tmp_path / "bundleguard-macos-arm64.zip")

    with zipfile.ZipFile(target) as zf:
        infos = {info.filename: info for info in zf.infolist()}
        link = infos["bundleguard/_internal/Qt"]
        assert stat.S_ISLNK(link.external_attr >> 16) and zf.read(link) == b"PySide6"
        assert (infos["bundleguard/bundleguard"].external_attr >> 16) & stat.S_IXUSR
    if shutil.which("unzip") is None:
        return  # the listing above is the proof; unzip, where there is one, checks it too
    subprocess.run(["unzip", "-q", str(target), "-d", str(tmp_path / "u")], check=True)
    assert os.readlink(tmp_path / "u" / "bundleguard" / "_internal" / "Qt") == "PySide6"
    assert os.access(tmp_path / "u" / "bundleguard" / "bundleguard", os.X_OK)


def test_an_archive_that_does_not_match_the_folder_never_gets_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    app = make_app(tmp_path / "dist")
    real = archive.write_tar

    def loses_a_file(folder: Path, target: Path) -> None:
        real(folder, target)
        with tarfile.open(target) as tar:
            kept = [m for m in tar.getmembers() if not m.name.endswith("qt.conf")]
            data = {m.name: tar.extractfile(m).read() for m in kept if m.isfile()}
        with tarfile.open(target, "w:gz") as tar:
            for member in kept:
                tar.addfile(member, io.BytesIO(data[member.name]) if member.isfile() else None)

    monkeypatch.setattr(archive, "write_tar", loses_a_file)

    with pytest.raises(archive.ArchiveError, match="does not hold what"):
        archive.make_archive(app, tmp_path / "out.tar.gz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_sha256sums_are_what_sha256sum_and_shasum_check(tmp_path: Path):
    (tmp_path / "bundleguard-0.1.0-linux-x86_64.tar.gz").write_bytes(b"linux")
    (tmp_path / "bundleguard-0.1.0-windows-x86_64.zip").write_bytes(b"windows")
    sums = archive.write_sums(tmp_path)

    lines = sums.read_bytes().split(b"\n")
    assert lines[-1] == b"" and all(re.fullmatch(rb"[0-9a-f]{64}  \S+", ln) for ln in lines[:-1])
    assert archive.check_sums(tmp_path) == []
    for tool in (["sha256sum", "-c"], ["shasum", "-a", "256", "-c"]):
        if shutil.which(tool[0]):
            subprocess.run([*tool, "SHA256SUMS"], cwd=tmp_path, check=True, capture_output=True)

    (tmp_path / "bundleguard-0.1.0-windows-x86_64.zip").write_bytes(b"tampered")
    (tmp_path / "bundleguard-0.1.0-extra.zip").write_bytes(b"not listed")
    assert archive.check_sums(tmp_path) == [
        "bundleguard-0.1.0-windows-x86_64.zip: its SHA-256 is not the one listed",
        "bundleguard-0.1.0-extra.zip: not listed in SHA256SUMS",
    ]


def test_gather_makes_one_sha256sums_and_refuses_a_damaged_build(tmp_path: Path):
    for label, content in (("linux-x86_64.tar.gz", b"L"), ("windows-x86_64.zip", b"W")):
        folder = tmp_path / "builds" / label
        folder.mkdir(parents=True)
        (folder / f"bundleguard-0.1.0-{label}").write_bytes(content)
        archive.write_sums(folder)

    folders = sorted((tmp_path / "builds").iterdir())
    sums = archive.gather(tmp_path / "release", folders)
    assert [line.split("  ")[1] for line in sums.read_text().splitlines()] == [
        "bundleguard-0.1.0-linux-x86_64.tar.gz",
        "bundleguard-0.1.0-windows-x86_64.zip",
    ]

    (folders[0] / "bundleguard-0.1.0-linux-x86_64.tar.gz").write_bytes(b"damaged")
    with pytest.raises(archive.ArchiveError, match="not the one listed"):
        archive.gather(tmp_path / "again", folders)


def test_a_tag_must_name_the_version(capsys: pytest.CaptureFixture[str]):
    assert archive.main(["check-tag", f"v{__version__}"]) == 0
    assert archive.main(["check-tag", "v999.0.0"]) == 1
    assert "does not name this version" in capsys.readouterr().err


# ------------------------------------------------------------------ smoke.py off Linux
def test_smoke_runs_the_binary_with_a_clean_environment_on_each_system(tmp_path: Path):
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    caller = {"SYSTEMROOT": "C:\\Windows", "PYTHONPATH": "/src", "SECRET": "x"}

    windows = smoke.clean_env("win32", home, tmp, caller)
    posix = smoke.clean_env("darwin", home, tmp, caller)

    assert windows["SYSTEMROOT"] == "C:\\Windows"
    assert windows["PATH"].startswith("C:\\Windows\\System32")
    assert windows["USERPROFILE"] == str(home) and windows["TEMP"] == str(tmp)
    assert Path(windows["APPDATA"]).is_relative_to(home)
    assert posix == {"PATH": "/usr/bin:/bin", "HOME": str(home), "TMPDIR": str(tmp)}
    for env in (windows, posix):
        assert "PYTHONPATH" not in env and "SECRET" not in env
    assert smoke.native_platform("win32") == "windows"
    assert smoke.native_platform("darwin") == "cocoa"
    assert smoke.native_platform("linux") is None  # there: a private Xvfb


def test_smokes_files_are_what_the_guard_says_they_are(tmp_path: Path):
    from bundleguard.guard import scan_paths

    files = smoke.make_files(tmp_path)
    verdicts = {Path(r.path).name: r.verdict.value for r in scan_paths(list(files.values()))}

    assert verdicts == {"server.key": "secret", "server.crt": "certificate", "export.crt": "secret"}


# ------------------------------------------------------------------ dev.py
def test_dev_finds_the_venvs_tools_on_windows_and_elsewhere(monkeypatch: pytest.MonkeyPatch):
    python = Path("venv") / "bin" / "python"
    monkeypatch.setattr(dev.os, "name", "nt")
    windows = (dev.venv_python(), dev.venv_tool(python, "jactionlint"))
    monkeypatch.setattr(dev.os, "name", "posix")
    posix = (dev.venv_python(), dev.venv_tool(python, "jactionlint"))

    assert windows[0].parts[-2:] == ("Scripts", "python.exe")
    assert windows[1].name == "jactionlint.exe"
    assert posix[0].parts[-2:] == ("bin", "python")
    assert posix[1].name == "jactionlint"


def test_where_no_wheel_carries_the_linter_the_lint_is_skipped_and_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    (tmp_path / "release.yml").write_text("on: [push]\njobs: {}\n", encoding="utf-8")
    monkeypatch.setattr(dev.platform, "system", lambda: "Linux")
    monkeypatch.setattr(dev.platform, "machine", lambda: "aarch64")
    installs: list = []
    monkeypatch.setattr(dev, "ensure_workflow_linter", installs.append)

    assert dev.lint_workflows(tmp_path / "python", tmp_path) == 0
    assert installs == []
    assert "workflow lint skipped: jactionlint has no wheel for Linux aarch64" in (
        capsys.readouterr().out
    )
    assert ("Linux", "x86_64") in dev.LINT_PLATFORMS  # where CI runs, it lints


@pytest.fixture
def linter_python() -> Path:
    python = dev.venv_python()
    if not dev.venv_tool(python, "jactionlint").exists():
        pytest.skip("the workflow linter is not installed: python3 dev.py test installs it")
    return python


def test_the_release_workflow_lints_clean(linter_python: Path, capfd: pytest.CaptureFixture):
    assert dev.lint_workflows(linter_python) == 0, capfd.readouterr().out


def test_a_broken_workflow_fails_the_lint(
    linter_python: Path, tmp_path: Path, capfd: pytest.CaptureFixture
):
    broken = WORKFLOW.read_text(encoding="utf-8")
    broken = broken.replace("needs: build", "needs: biuld")
    broken = broken.replace('"$BINARY"', "$(ls dist)")
    (tmp_path / "release.yml").write_text(broken, encoding="utf-8")

    assert dev.lint_workflows(linter_python, tmp_path) == 1
    out = capfd.readouterr().out
    assert 'needs job "biuld" which does not exist' in out
    assert "SC2046" in out  # shellcheck ran on the run: script


# ------------------------------------------------------------------ portable scripts
def string_literals(path: Path) -> list[tuple[int, str]]:
    with tokenize.open(path) as stream:
        return [
            (token.start[0], token.string)
            for token in tokenize.generate_tokens(stream.readline)
            if token.type == tokenize.STRING
        ]


def test_scripts_and_tests_name_no_posix_only_temp_folder():
    files = [ROOT / "dev.py", *sorted((ROOT / "packaging").glob("*.py"))]
    files += sorted((ROOT / "tests").rglob("*.py"))
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in files
        if path != Path(__file__).resolve()
        for line, text in string_literals(path)
        if re.search(r"""^[rbfu]*["']/tmp(/|["'])""", text)
    ]

    assert found == [], "use tmp_path or tempfile: " + ", ".join(found)


FAKE_APP = """#!{python}
import sys, time
from pathlib import Path

args = sys.argv[1:]
if args[:1] == ["--selftest"]:
    print("bundleguard 0.0.0 self-test (frozen)")
    print("ok      window  a stand-in")
elif args[:1] == ["scan"]:
    secret = args[1] in ("server.key", "export.crt")
    print(("secret " if secret else "certificate ") + args[1])
    sys.exit(1 if secret else 0)
elif args[:1] == ["rewrap"]:
    import os
    new = os.environ["BUNDLEGUARD_NEW_PASSPHRASE"]
    if len(new) < 8 or new == "Summer2026!":
        words = "too short" if len(new) < 8 else "This is similar to a commonly used password."
        print(words, file=sys.stderr)
        sys.exit(2)
    Path(args[args.index("--out") + 1]).write_bytes(b"stand-in")
    print("Written: a stand-in")
elif args[:1] == ["--demo"]:
    if Path(__file__).with_name("crash").exists():
        print("Traceback (most recent call last):", file=sys.stderr)
        sys.exit(1)
    time.sleep(60)
"""


@pytest.mark.skipif(os.name == "nt", reason="the stand-in app is a script run by its #! line")
def test_smoke_off_linux_requires_the_demo_to_stay_up_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    app = tmp_path / "app" / "bundleguard"
    app.parent.mkdir()
    app.write_text(FAKE_APP.format(python=sys.executable), encoding="utf-8")
    app.chmod(0o755)
    # As on Windows or macOS: the system's own Qt platform, no X server to look into.
    monkeypatch.setattr(smoke, "native_platform", lambda system: "offscreen")

    assert smoke.main([str(app), "--demo-seconds", "1"]) == 0
    assert "ok      --demo (offscreen, 1 s): still running after 1 s" in capsys.readouterr().out

    (app.parent / "crash").touch()
    assert smoke.main([str(app), "--demo-seconds", "1"]) == 1
    out = capsys.readouterr().out
    assert "FAILED  --demo (offscreen, 1 s)" in out and "exited early (1)" in out
