"""The user's settings: the support address and the last output folder, as JSON.

Stored in the platform's config folder (Windows `%APPDATA%\\bundleguard`, macOS
`~/Library/Application Support/bundleguard`, elsewhere `$XDG_CONFIG_HOME/bundleguard` or
`~/.config/bundleguard`), or in `$BUNDLEGUARD_CONFIG_DIR` when set (tests). Only the
named fields are ever written: never a passphrase or key bytes. A corrupt or unreadable
file gives the defaults and a warning, never a crash; saving is atomic.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from bundleguard.errors import InputError

ENV_CONFIG_DIR = "BUNDLEGUARD_CONFIG_DIR"
FILE_NAME = "settings.json"
MAX_FIELD = 4096


@dataclass(frozen=True)
class Settings:
    """What bundleguard remembers between runs. Nothing secret, by construction."""

    support_address: str = ""
    last_output_dir: str = ""

    def with_changes(self, **changes: str) -> Settings:
        return replace(self, **changes)


@dataclass(frozen=True)
class LoadedSettings:
    settings: Settings
    path: Path
    warning: str | None = None  # set when the file was unusable and defaults were used


def config_dir(platform: str | None = None, env: Mapping[str, str] | None = None) -> Path:
    """The folder holding bundleguard's settings on this (or the given) platform."""
    platform = sys.platform if platform is None else platform
    env = os.environ if env is None else env
    if env.get(ENV_CONFIG_DIR):
        return Path(env[ENV_CONFIG_DIR])
    home = Path(env.get("HOME") or env.get("USERPROFILE") or Path.home())
    if platform == "win32":
        base = env.get("APPDATA")
        return Path(base) / "bundleguard" if base else home / "AppData" / "Roaming" / "bundleguard"
    if platform == "darwin":
        return home / "Library" / "Application Support" / "bundleguard"
    xdg = env.get("XDG_CONFIG_HOME")
    # The XDG spec says a relative value is invalid and must be ignored.
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "bundleguard"
    return home / ".config" / "bundleguard"


def settings_path(platform: str | None = None, env: Mapping[str, str] | None = None) -> Path:
    return config_dir(platform, env) / FILE_NAME


def _from_json(data: object) -> Settings:
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    values: dict[str, str] = {}
    for field in fields(Settings):
        value = data.get(field.name, "")
        if not isinstance(value, str) or len(value) > MAX_FIELD:
            raise ValueError(f"'{field.name}' is not a short text")
        values[field.name] = value
    return Settings(**values)


def load_settings(path: Path | None = None) -> LoadedSettings:
    """The saved settings, or the defaults (with a warning when the file is unusable)."""
    path = settings_path() if path is None else path
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return LoadedSettings(Settings(), path)
    except OSError as error:
        return LoadedSettings(
            Settings(), path, f"Cannot read settings '{path}' ({error.strerror}); using defaults."
        )
    try:
        settings = _from_json(json.loads(raw.decode("utf-8")))
    except (ValueError, UnicodeDecodeError) as error:
        reason = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
        return LoadedSettings(
            Settings(),
            path,
            f"Settings file '{path}' is damaged ({reason}); using defaults. "
            "Save your settings again to replace it.",
        )
    return LoadedSettings(settings, path)


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write `settings` atomically (temp file in the same folder, fsync, rename)."""
    path = settings_path() if path is None else path
    text = json.dumps(asdict(settings), indent=2, sort_keys=True) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, removed on error
            dir=path.parent, prefix=".settings-", suffix=".tmp", delete=False
        )
    except OSError as error:
        raise InputError(f"Cannot save settings in '{path.parent}': {error.strerror}.") from None
    try:
        with handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except OSError as error:
        Path(handle.name).unlink(missing_ok=True)
        raise InputError(f"Cannot save settings '{path}': {error.strerror}.") from None
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return path
