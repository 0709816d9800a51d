"""Soak-test a frozen bundleguard on a real X display, as a user would wear it out.

    python3 packaging/soak.py dist/bundleguard/bundleguard

Linux, standard library plus Xvfb and xdotool (`apt-get install xvfb xdotool`). Starts a
private Xvfb (as packaging/smoke.py does) and the binary with `--demo` (three fake
appliances on loopback) in an empty temporary folder, with a clean environment: HOME,
TMPDIR, the settings folder (BUNDLEGUARD_CONFIG_DIR) and the data and log folder
(BUNDLEGUARD_DATA_DIR) all inside it. Then, with real X key events (xdotool, through the
XTEST extension; a click in the steps list gives the window the keyboard, then Ctrl+1 …
Ctrl+5 go to a step), in one process:

1. removes the demo's refused PKCS#12 from the case (Delete, Edit > Remove), so bundles
   can be built;
2. builds the bundles (Ctrl+B, "Yes" to "Replace?") and verifies the demo's appliances
   (step 5: Alt+A, Tab, Space) — the warm-up, after which every page exists;
3. types a few thousand keystrokes into the Site, Incident and Support address fields, in
   bursts of random text, each burst ended by typing the field's value back;
4. builds and verifies again, three times;
5. adds a folder of 3,000 generated files through "Add folder…" (its path typed into the
   folder dialog), waits for the scan, verifies once more, and quits (Ctrl+Q).

What the app did is read from what it wrote, never from inside it: the case file it saves
after every change, the bundles' files, its log. Its memory is its VmRSS, read from
/proc every quarter second.

Passes when the app is alive to the end and exits 0, each step above is seen done, the log
and stderr hold no traceback (nor "Fatal Python error"), and memory stays bounded:
- the repeated work (typing, building, verifying) does not make it grow: the resident
  memory after the last build-and-verify is at most 1.25 x the one after the first, plus
  32 MiB. One-off costs (Qt's caches, fonts, the trust stores, every page built) are paid
  in the warm-up; what is left is allocator slack, measured at +20 MiB over 2,500
  keystrokes and three rounds. A leak of ~30 KiB per keystroke, or ~20 MiB per round,
  fails it; smaller ones hide in the allowance;
- the whole run's peak is at most 2 x the warm-up's, plus 256 MiB (the 3,000 files'
  reports and the 1,000-file list are real work, not a leak).
Prints a summary (keystrokes, files, builds, verifies, memory, duration) and exits 1 with
the reason on failure, 2 when it cannot run (no binary, no Xvfb or xdotool).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import string
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from smoke import stop  # the smoke test's way to end a process

FOLDER_FILES = 3_000
KEYSTROKES = 2_000
CYCLES = 3  # build-and-verify rounds after the warm-up's
BURST = 96  # random characters typed into a field before its value is typed back
STEP_TIMEOUT = 60.0  # seconds one step may take before the soak says it did not happen
MIB = 1024 * 1024

# A point of the steps list, in the window's coordinates (just below the menu bar): one
# click there gives the window the keyboard (Xvfb has no window manager to do it).
STEPS_ROW_ONE = (60, 40)
# Fields of step 1, by how many Tabs from its first field (Site) reach them, and their key.
FIELDS = (("site", 0), ("incident", 1), ("support_address", 2))


class SoakFailed(Exception):
    """What went wrong, in one sentence for the CI log."""


@dataclass
class Memory:
    """The app's resident memory, sampled in a thread; marks name moments of the run."""

    pid: int
    samples: list[tuple[float, int]] = field(default_factory=list)
    marks: dict[str, int] = field(default_factory=dict)
    times: dict[str, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def rss(self) -> int:
        """VmRSS in bytes, 0 once the process is gone."""
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            pass
        return 0

    def start(self) -> None:
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        began = time.monotonic()
        while not self._stop.wait(0.25):
            value = self.rss()
            if value:
                self.samples.append((time.monotonic() - began, value))

    def stop(self) -> None:
        self._stop.set()

    def mark(self, name: str) -> int:
        self.marks[name] = self.rss()
        self.times[name] = time.monotonic()
        return self.marks[name]

    @property
    def peak(self) -> int:
        return max([value for _, value in self.samples] + list(self.marks.values()), default=0)


class Soak:
    def __init__(self, binary: Path, folder: Path, display: str) -> None:
        self.binary = binary
        self.folder = folder
        self.display = display
        self.home, self.tmp, self.work = folder / "home", folder / "tmp", folder / "work"
        self.config, self.data = folder / "config", folder / "data"
        for path in (self.home, self.tmp, self.work, self.config, self.data):
            path.mkdir()
        self.stderr_path = folder / "stderr.txt"
        self.app: subprocess.Popen | None = None
        self.memory: Memory | None = None
        self.window = ""
        self.keystrokes = 0
        self.builds = 0
        self.ignored_builds = 0  # Ctrl+B pressed before the Bundle step was ready
        self.verifies = 0
        self.repeated_verifies = 0  # Verify pressed again: the first press went astray
        self.files_added = 0
        self.began = time.monotonic()

    # ------------------------------------------------------------------ the app
    def env(self) -> dict[str, str]:
        return {
            "PATH": "/usr/bin:/bin",
            "HOME": str(self.home),
            "TMPDIR": str(self.tmp),
            "LANG": "C.UTF-8",
            "DISPLAY": self.display,
            "QT_QPA_PLATFORM": "xcb",
            "BUNDLEGUARD_CONFIG_DIR": str(self.config),
            "BUNDLEGUARD_DATA_DIR": str(self.data),
        }

    def start(self) -> None:
        with self.stderr_path.open("w") as stderr:
            self.app = subprocess.Popen(
                [str(self.binary), "--demo"],
                cwd=self.work,
                env=self.env(),
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        self.memory = Memory(self.app.pid)
        self.memory.start()

    def alive(self) -> None:
        """Raise SoakFailed, with the end of stderr, once the app has exited."""
        assert self.app is not None
        code = self.app.poll()
        if code is not None:
            how = f"signal {-code}" if code < 0 else f"code {code}"
            fatal = [
                line
                for line in self.stderr().splitlines()
                if "Fatal Python error" in line or "Traceback" in line
            ]
            last = [line for line in self.stderr().splitlines() if line.strip()][-1:]
            said = f": {(fatal or last)[0].strip()[:300]}" if fatal or last else ""
            raise SoakFailed(f"the app exited ({how}) in the middle of the soak{said}")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def wait_until(self, what: str, done, timeout: float = STEP_TIMEOUT) -> None:
        """Poll `done()` until it is true; the app must stay alive meanwhile."""
        deadline = time.monotonic() + timeout
        while True:
            self.alive()
            if done():
                return
            if time.monotonic() > deadline:
                raise SoakFailed(f"{what} was not seen within {timeout:g} s")
            time.sleep(0.1)

    # ------------------------------------------------------------------ what it wrote
    def demo_folder(self) -> Path | None:
        return next(self.tmp.glob("bundleguard-demo-*"), None)

    def case(self) -> dict:
        """The case as the app last saved it (written atomically: always whole)."""
        demo = self.demo_folder()
        paths = sorted(demo.rglob("*.bgcase")) if demo else []
        if not paths:
            return {}
        try:
            return json.loads(paths[0].read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def case_holds(self, key: str, text: str):
        """A test for `wait_until`: the saved case's `key` is `text`."""
        return lambda: self.case().get(key) == text

    def bundles(self) -> dict[str, float]:
        output = self.case().get("output")
        if not output:
            return {}
        return {p.name: p.stat().st_mtime for p in Path(output).glob("*.zip")}

    def verification(self) -> str:
        found = (self.case().get("replication") or {}).get("verification") or {}
        return str(found.get("checked_at", ""))

    # ------------------------------------------------------------------ X input
    def xdotool(self, *args: str) -> str:
        done = subprocess.run(
            ["xdotool", *args],
            env={"DISPLAY": self.display, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout

    def key(self, *keys: str) -> None:
        self.alive()
        self.xdotool("key", "--delay", "30", *keys)
        self.keystrokes += len(keys)

    def type(self, text: str) -> None:
        self.alive()
        self.xdotool("type", "--delay", "8", text)
        self.keystrokes += len(text)

    def find_window(self) -> None:
        """The main window: bundleguard's largest mapped window (not Qt's helpers)."""

        def found() -> bool:
            best = (0, "")
            for wid in self.xdotool("search", "--onlyvisible", "--class", "bundleguard").split():
                shape = self.xdotool("getwindowgeometry", "--shell", wid)
                size = dict(line.split("=", 1) for line in shape.split() if "=" in line)
                area = int(size.get("WIDTH", 0)) * int(size.get("HEIGHT", 0))
                if area > best[0] and int(size.get("WIDTH", 0)) >= 600:
                    best = (area, wid)
            self.window = best[1]
            return bool(self.window)

        self.wait_until("the main window", found)

    def dialog(self, title: str, timeout: float = 15) -> None:
        self.wait_until(
            f'the "{title}" dialog',
            lambda: bool(self.xdotool("search", "--onlyvisible", "--name", title).split()),
            timeout=timeout,
        )

    def step(self, index: int) -> None:
        """Go to step `index` (0-based): a click in the steps list gives the window the
        keyboard again (with no window manager, a closed dialog leaves it nowhere), then
        Ctrl+1 … Ctrl+5 (the Go menu), which puts the keyboard in the step's first field."""
        self.alive()
        x, y = STEPS_ROW_ONE
        self.xdotool("mousemove", "--window", self.window, str(x), str(y), "click", "1")
        self.key(f"ctrl+{index + 1}")
        time.sleep(0.3)

    # ------------------------------------------------------------------ what a user does
    def remove_refused_file(self) -> None:
        """The demo's PKCS#12 is refused (a key inside): a bundle needs it gone."""
        before = len(self.case().get("files", ()))
        self.step(1)
        time.sleep(1.0)  # the page has scanned its files and selected the refused one
        self.key("Delete")  # Edit > Remove: the selected file of the step shown
        self.wait_until(
            "the refused file removed from the case",
            lambda: len(self.case().get("files", ())) == before - 1,
        )

    def build(self) -> None:
        """Ctrl+B on the Bundle step; "Yes" when it asks to replace the bundles built before.
        Pressed again when nothing happened: the step plans its bundles in the background
        once shown, and a Ctrl+B before the plan is ready does nothing (counted, said)."""
        before = self.bundles()
        began = time.time()
        self.step(3)

        def written() -> bool:
            now = self.bundles()
            return bool(now) and all(mtime >= began - 1 for mtime in now.values())

        for attempt in range(3):
            self.key("ctrl+b")
            if before:
                try:
                    self.dialog("Replace the bundle", timeout=10)
                except SoakFailed:
                    self.ignored_builds += 1
                    continue
                self.key("alt+y")
            try:
                self.wait_until("the bundles written", written, timeout=10 if attempt < 2 else 60)
                break
            except SoakFailed:
                if attempt == 2:
                    raise
                self.ignored_builds += 1
        self.builds += 1

    def verify(self) -> None:
        """Step 5: Alt+A (the timeout's label) focuses the timeout, Tab the "Verify
        appliances" button, Space presses it. The keys are paced: sent at once, right after
        a build changed the case, the page was still redrawing and one went astray (the
        press is then repeated, counted and said)."""
        before = self.verification()
        for attempt in range(2):
            self.step(4)
            for key in ("alt+a", "Tab", "space"):
                time.sleep(0.3)
                self.key(key)
            try:
                self.wait_until(
                    "the appliances verified",
                    lambda: self.verification() not in ("", before),
                    timeout=20 if attempt == 0 else STEP_TIMEOUT,
                )
                break
            except SoakFailed:
                if attempt == 1:
                    raise
                self.repeated_verifies += 1
        self.verifies += 1

    def type_into_fields(self, total: int) -> None:
        chars = string.ascii_lowercase + string.digits
        rng = random.Random(16)
        typed = 0
        burst = 0
        while typed < total:
            key, tabs = FIELDS[burst % len(FIELDS)]
            value = self.case().get(key, "")
            start = self.keystrokes
            self.step(0)
            self.key(*(["Tab"] * tabs), "ctrl+a")
            noise = "".join(rng.choice(chars) for _ in range(BURST))
            self.type(noise)
            if burst == 0:  # the keys land in the field: the case holds what was typed
                self.wait_until(f"the typed {key}", self.case_holds(key, noise))
            self.key("ctrl+a")
            self.type(value)
            self.wait_until(f"the {key} typed back", self.case_holds(key, value), timeout=120)
            typed += self.keystrokes - start
            burst += 1

    def add_folder(self, folder: Path) -> None:
        before = len(self.case().get("files", ()))
        self.step(1)
        self.key("Tab", "space")  # from Add files… (the step's first field) to Add folder…
        self.dialog("Add a folder")
        self.type(str(folder))
        self.key("Return")
        counts: list[int] = []

        def settled() -> bool:  # the scan is over: the case's file count stays put
            counts.append(len(self.case().get("files", ())))
            return counts[-1] > before and len(set(counts[-20:])) == 1 and len(counts) >= 20

        self.wait_until("the folder's files added", settled, timeout=120)
        self.files_added = counts[-1] - before

    def quit(self) -> int:
        assert self.app is not None
        self.step(0)
        self.key("ctrl+q")
        try:
            return self.app.wait(timeout=30)
        except subprocess.TimeoutExpired:
            raise SoakFailed("the app did not quit within 30 s of Ctrl+Q") from None

    def traceback_in_log(self) -> str:
        log = self.data / "logs" / "bundleguard.log"
        text = log.read_text(errors="replace") if log.is_file() else ""
        return "Traceback" if "Traceback" in text else ""


def start_xvfb() -> tuple[subprocess.Popen, str]:
    """A private Xvfb, as packaging/smoke.py starts one, on a display number it picks itself
    (`-displayfd`: never another's server on a machine shared with other runs)."""
    read, write = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()  # written once the server takes connections
    if not number.isdigit():
        stop(xvfb)
        raise SoakFailed("Xvfb did not start")
    return xvfb, f":{number}"


def make_folder(folder: Path, certificate: bytes, count: int) -> Path:
    """`count` small files: every 30th a copy of a certificate, the rest notes (refused)."""
    folder.mkdir()
    for number in range(count):
        if number % 30 == 0:
            (folder / f"cert-{number:04d}.pem").write_bytes(certificate)
        else:
            (folder / f"note-{number:04d}.txt").write_bytes(b"ticket note %d\n" % number)
    return folder


def bounds(memory: Memory) -> list[str]:
    """The memory rules (see the module's docstring): the problems found, if any."""
    problems = []
    warm, last = memory.marks["warm-up"], memory.marks["last cycle"]
    if last > 1.25 * warm + 32 * MIB:
        problems.append(
            f"memory grew with repeated work: {last / MIB:.0f} MiB after the last build and "
            f"verify, {warm / MIB:.0f} MiB after the first (bound 1.25 x + 32 MiB)"
        )
    if memory.peak > 2 * warm + 256 * MIB:
        problems.append(
            f"memory peaked at {memory.peak / MIB:.0f} MiB, over 2 x the warm-up's "
            f"{warm / MIB:.0f} MiB + 256 MiB"
        )
    return problems


def run(soak: Soak, keystrokes: int, cycles: int) -> None:
    soak.start()
    soak.find_window()
    soak.wait_until("the demo case", lambda: len(soak.case().get("files", ())) >= 4)
    assert soak.memory is not None
    soak.memory.mark("window")
    soak.remove_refused_file()
    soak.build()
    soak.verify()
    soak.memory.mark("warm-up")
    soak.type_into_fields(keystrokes)
    soak.memory.mark("typed")
    for _ in range(cycles):
        soak.build()
        soak.verify()
    soak.memory.mark("last cycle")
    demo = soak.demo_folder()
    assert demo is not None
    certificate = next(demo.rglob("support.example.com.crt")).read_bytes()
    soak.add_folder(make_folder(soak.folder / "many", certificate, FOLDER_FILES))
    soak.verify()
    soak.memory.mark("end")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary", type=Path)
    parser.add_argument("--keystrokes", type=int, default=KEYSTROKES)
    parser.add_argument("--cycles", type=int, default=CYCLES)
    args = parser.parse_args(argv)
    binary = args.binary.resolve()
    if not binary.is_file():
        print(f"soak: no binary at {binary}", file=sys.stderr)
        return 2
    missing = [tool for tool in ("Xvfb", "xdotool", "xwininfo") if shutil.which(tool) is None]
    if missing or not sys.platform.startswith("linux"):
        print(f"soak: needs Linux with {', '.join(missing) or 'X11'} (apt-get install xvfb "
              "xdotool x11-utils)", file=sys.stderr)  # fmt: skip
        return 2
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bundleguard-soak-") as folder:
        try:
            xvfb, display = start_xvfb()
        except SoakFailed as failure:
            print(f"soak: {failure}", file=sys.stderr)
            return 2
        soak = Soak(binary, Path(folder), display)
        try:
            try:
                run(soak, args.keystrokes, args.cycles)
                code = soak.quit()
                if code != 0:
                    problems.append(f"the app exited with code {code} after Ctrl+Q")
            except SoakFailed as failure:
                problems.append(str(failure))
            finally:
                if soak.app is not None and soak.app.poll() is None:
                    stop(soak.app)
                if soak.memory is not None:
                    soak.memory.stop()
            errors = soak.stderr() if soak.stderr_path.exists() else ""
            for marker in ("Fatal Python error", "Traceback"):
                if marker in errors and not any(marker in p for p in problems):
                    problems.append(f"stderr holds {marker!r}: {errors[-300:].strip()}")
            if soak.traceback_in_log():
                problems.append("the app's log holds a Traceback")
            memory = soak.memory
            if memory is not None and {"warm-up", "last cycle"} <= set(memory.marks):
                problems.extend(bounds(memory))
        finally:
            stop(xvfb)
        took = time.monotonic() - soak.began
        print_summary(soak, took)
    if problems:
        for problem in problems:
            print(f"soak: FAILED: {problem}")
        return 1
    print(f"soak: ok in {took:.0f} s")
    return 0


def print_summary(soak: Soak, took: float) -> None:
    memory = soak.memory
    marks = memory.marks if memory else {}
    times = memory.times if memory else {}
    said = ", ".join(
        f"{name} {value / MIB:.0f} (at {times[name] - soak.began:.0f} s)"
        for name, value in marks.items()
    )
    peak = memory.peak / MIB if memory else 0
    print(
        f"soak: {soak.keystrokes} keystrokes, {soak.files_added} files added "
        f"(of {FOLDER_FILES} in the folder), {soak.builds} builds, {soak.verifies} verifies "
        f"in {took:.0f} s"
    )
    if soak.ignored_builds:
        print(f"soak: {soak.ignored_builds} Ctrl+B pressed again (the first did nothing)")
    if soak.repeated_verifies:
        print(f"soak: {soak.repeated_verifies} Verify pressed again (the first did nothing)")
    print(f"soak: resident memory (MiB): {said}; peak {peak:.0f}")


if __name__ == "__main__":
    sys.exit(main())
