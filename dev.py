#!/usr/bin/env python3
"""Set up and run bundleguard, or its whole test suite, from a fresh clone.

Needs only python3 (standard library). It creates `.venv`, installs the project and, on
Debian/Ubuntu, the system libraries Qt needs when they are missing:

    python3 dev.py app [ARGS...]   set up, then run bundleguard (ARGS go to it)
    python3 dev.py test [ARGS...]  set up, then run ruff, the workflow lint and the test
                                   suite headless
    python3 dev.py lint-workflows  check .github/workflows with jactionlint (an actionlint)
    python3 dev.py build [--onefile]  build the app with PyInstaller: dist/bundleguard/
                                   (one folder), or dist/onefile/bundleguard (one file)
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
WORKFLOWS = ROOT / ".github" / "workflows"
# The workflow linter and shellcheck, pinned by hash (wheels that carry the binaries).
LINT_REQUIREMENTS = ROOT / ".github" / "lint-requirements.txt"
# (platform.system(), platform.machine()) pairs that LINT_REQUIREMENTS has wheels for.
LINT_PLATFORMS = {
    ("Linux", "x86_64"),
    ("Darwin", "arm64"),
    ("Darwin", "x86_64"),
    ("Windows", "AMD64"),
}

# Qt's xcb/offscreen platform plugins load these at run time (QT_DEBUG_PLUGINS=1 names them).
QT_RUNTIME_PACKAGES = [
    "libegl1",
    "libgl1",
    "libfontconfig1",
    "libglib2.0-0",
    "libxkbcommon0",
    "libdbus-1-3",
]
# A real X server for the tests that need a real window.
XVFB_PACKAGES = [
    "xvfb",
    "xauth",
    "xdotool",  # packaging/soak.py types into the frozen app with real X key events
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-keysyms1",
    "libxcb-image0",
    "libxcb-randr0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-xkb1",
    "libxkbcommon-x11-0",
    "dbus-daemon",  # dbus-run-session: a private bus for the screenshot-portal tests
]


def say(message: str) -> None:
    print(f"[dev] {message}", flush=True)


def run(cmd: list[str], **kwargs) -> int:
    return subprocess.call(cmd, cwd=ROOT, **kwargs)


def venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def is_debian() -> bool:
    return platform.system() == "Linux" and shutil.which("dpkg-query") is not None


def missing_debian_packages(names: list[str]) -> list[str]:
    missing = []
    for name in names:
        probe = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", name],
            capture_output=True,
            text=True,
            check=False,
        )
        if "install ok installed" not in probe.stdout:
            missing.append(name)
    return missing


def apt_install(names: list[str]) -> None:
    """Install Debian packages that are missing; as root directly, else through sudo -n."""
    missing = missing_debian_packages(names)
    if not missing:
        return
    prefix: list[str] = []
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        if shutil.which("sudo") is None:
            say("missing system packages and no root: apt-get install " + " ".join(missing))
            return
        prefix = ["sudo", "-n"]
    say("installing system packages: " + " ".join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if run([*prefix, "apt-get", "update", "-qq"], env=env) != 0:
        say("apt-get update failed; trying the install anyway")
    code = run(
        [*prefix, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
        env=env,
    )
    if code != 0:
        say("could not install: " + " ".join(missing))


def create_venv() -> None:
    import venv

    try:
        import ensurepip  # noqa: F401

        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        return
    except (ImportError, subprocess.CalledProcessError):
        pass
    if is_debian():
        # Debian splits ensurepip out of the interpreter into python3-venv.
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        apt_install(["python3-venv", f"python{version}-venv"])
        code = run([sys.executable, "-m", "venv", "--clear", str(VENV)])
        if code == 0:
            return
    sys.exit("Could not create a virtual environment: install python3-venv and try again.")


def ensure_environment(extras: str) -> Path:
    if not venv_python().exists():
        say(f"creating {VENV.name}")
        create_venv()
    python = venv_python()
    spec = f".[{extras}]" if extras else "."
    fingerprint = hashlib.sha256(
        (ROOT / "pyproject.toml").read_bytes() + spec.encode() + sys.version.encode()
    ).hexdigest()
    stamp = VENV / f".installed-{extras or 'app'}"
    if not stamp.exists() or stamp.read_text() != fingerprint:
        say(f"installing bundleguard {spec} into {VENV.name}")
        quiet = ["-q", "--disable-pip-version-check"]
        if run([str(python), "-m", "pip", "install", *quiet, "--upgrade", "pip"]) != 0:
            say("could not upgrade pip; going on with the one there is")
        if run([str(python), "-m", "pip", "install", *quiet, "-e", spec]) != 0:
            sys.exit("pip install failed: see the messages above.")
        stamp.write_text(fingerprint)
    return python


def venv_tool(python: Path, name: str) -> Path:
    """A console script of the venv: bin/NAME, or Scripts\\NAME.exe on Windows."""
    return python.parent / (f"{name}.exe" if os.name == "nt" else name)


def ensure_workflow_linter(python: Path) -> bool:
    """Install jactionlint and shellcheck into the venv from LINT_REQUIREMENTS' hashes."""
    fingerprint = hashlib.sha256(LINT_REQUIREMENTS.read_bytes() + sys.version.encode()).hexdigest()
    stamp = VENV / ".installed-workflow-lint"
    if stamp.exists() and stamp.read_text() == fingerprint:
        return True
    say("installing the workflow linter (jactionlint, shellcheck) into " + VENV.name)
    quiet = ["-q", "--disable-pip-version-check"]
    hashed = ["--require-hashes", "--only-binary=:all:", "-r", str(LINT_REQUIREMENTS)]
    if run([str(python), "-m", "pip", "install", *quiet, *hashed]) != 0:
        say(f"could not install the workflow linter from {LINT_REQUIREMENTS.relative_to(ROOT)}")
        return False
    stamp.write_text(fingerprint)
    return True


def lint_workflows(python: Path, folder: Path = WORKFLOWS) -> int:
    """jactionlint over every workflow, shellcheck on their `run:` scripts; warnings fail."""
    paths = sorted(p for p in folder.glob("*") if p.suffix in (".yml", ".yaml"))
    if not paths:
        return 0
    here = (platform.system(), platform.machine())
    if here not in LINT_PLATFORMS:
        # No wheel carries the linter for this machine; CI (Linux x86_64) still lints.
        say(f"workflow lint skipped: jactionlint has no wheel for {here[0]} {here[1]}")
        return 0
    if not ensure_workflow_linter(python):
        return 1
    files = [str(p.relative_to(ROOT) if p.is_relative_to(ROOT) else p) for p in paths]
    say("jactionlint " + " ".join(Path(f).as_posix() for f in files))
    shellcheck = venv_tool(python, "shellcheck")
    return run(
        [
            str(venv_tool(python, "jactionlint")),
            "--no-online",
            "--no-color",
            "--strict-exit",
            f"--shellcheck={shellcheck}",
            "--pyflakes=",
            *files,
        ]
    )


def command_lint_workflows(args: list[str]) -> int:
    if args:
        say("lint-workflows takes no arguments")
        return 2
    return lint_workflows(ensure_environment("test"))


def command_app(args: list[str]) -> int:
    if is_debian():
        apt_install(QT_RUNTIME_PACKAGES)
    python = ensure_environment("")
    return run([str(python), "-m", "bundleguard", *args])


def command_test(args: list[str]) -> int:
    if is_debian():
        apt_install(QT_RUNTIME_PACKAGES + XVFB_PACKAGES)
    python = ensure_environment("test")
    ruff = str(venv_tool(python, "ruff"))
    for check in (["check", "."], ["format", "--check", "."]):
        say("ruff " + " ".join(check))
        if run([ruff, *check]) != 0:
            return 1
    if lint_workflows(python) != 0:
        return 1
    # Bytecode is kept (in __pycache__, which git ignores): without it every test that
    # starts `python -m bundleguard` compiled the app again, and each worker too. The
    # app is compiled once up front, before the workers start and race to write it.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    run([str(python), "-m", "compileall", "-q", str(ROOT / "app")], env=env)
    # Two workers per core (pytest-xdist), up to four more than the cores: many GUI and TLS
    # tests wait on the event loop, a socket or a time limit rather than compute. On two
    # cores the suite takes 131 s in one process, 99 s with two workers, 78 s with four.
    # `-n 0` (or any -n/-p given) runs it as given.
    chosen = any(a.startswith(("-n", "--numprocesses", "-p")) for a in args)
    cores = os.cpu_count() or 1
    spread = [] if chosen else ["-n", str(min(2 * cores, cores + 4))]
    if spread and not any((ROOT / "tests").glob("__pycache__/*-pytest-*.pyc")):
        # A fresh clone: pytest rewrites the test modules' asserts once, here, instead of
        # once in each worker (on two cores the first run takes 93 s instead of 105 s);
        # the window's tests and the others in two processes (6 s instead of 9 s).
        say("pytest: preparing the test modules")
        collect = [str(python), "-m", "pytest", "-q", "--collect-only", "-p", "no:cacheprovider"]
        quiet = {"env": env, "cwd": ROOT, "stdout": subprocess.DEVNULL}
        gui = subprocess.Popen([*collect, "tests/gui"], **quiet)
        run([*collect, "tests", "--ignore=tests/gui"], env=env, stdout=subprocess.DEVNULL)
        gui.wait()
    say("pytest")
    code = run([str(python), "-m", "pytest", *spread, *args], env=env)
    if code == 5:
        say("pytest collected no tests: that is a failure")
    return code


def command_build(args: list[str]) -> int:
    unknown = [a for a in args if a != "--onefile"]
    if unknown:
        say("build takes only --onefile")
        return 2
    onefile = "--onefile" in args
    if is_debian():
        # binutils: strip(1) and objdump, which PyInstaller uses on Linux, and as/ld;
        # icu-devtools: icupkg, which slims Qt's ICU data (packaging/icu_data.py).
        apt_install([*QT_RUNTIME_PACKAGES, "binutils", "icu-devtools"])
    python = ensure_environment("package")
    kind = "onefile" if onefile else "onefolder"
    dist = ROOT / "dist" / ("onefile" if onefile else "")
    cmd = [
        str(python),
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level=WARN",
        "--distpath",
        str(dist),
        "--workpath",
        str(ROOT / "build" / kind),
        str(ROOT / "packaging" / "bundleguard.spec"),
    ]
    if onefile:
        cmd += ["--", "--onefile"]
    say(f"building the {kind} app into {dist.relative_to(ROOT)}")
    return run(cmd)


def main(argv: list[str]) -> int:
    commands = {
        "app": command_app,
        "test": command_test,
        "build": command_build,
        "lint-workflows": command_lint_workflows,
    }
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
