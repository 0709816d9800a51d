"""The user's settings: the support address and the last output folder, as JSON.

Stored in the user config folder (`bundleguard.folders.config_dir`). Only the named fields
are ever written: never a passphrase or key bytes. A corrupt or unreadable file gives the
defaults and a warning, never a crash; reading goes through the one reader, saving through
the one atomic writer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from bundleguard.errors import InputError
from bundleguard.files import read_input_file, write_file_atomic
from bundleguard.folders import config_dir

FILE_NAME = "settings.json"
MAX_FIELD = 4096
MAX_SETTINGS_BYTES = 1 << 20


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


def settings_path(env: Mapping[str, str] | None = None) -> Path:
    return config_dir(env) / FILE_NAME


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
    if not path.exists() and not path.is_symlink():
        return LoadedSettings(Settings(), path)
    try:
        raw = read_input_file(path, limit=MAX_SETTINGS_BYTES)
    except InputError as error:
        return LoadedSettings(Settings(), path, f"{error} Using the default settings.")
    try:
        settings = _from_json(json.loads(raw.decode("utf-8")))
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        reason = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
        return LoadedSettings(
            Settings(),
            path,
            f"Settings file '{path}' is damaged ({reason}); using defaults. "
            "Save your settings again to replace it.",
        )
    return LoadedSettings(settings, path)


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write `settings` atomically; `WriteFailedError` says why it could not be."""
    path = settings_path() if path is None else path
    text = json.dumps(asdict(settings), indent=2, sort_keys=True) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(
            f"Cannot save settings in '{path.parent}': {error.strerror or error}."
        ) from None
    return write_file_atomic(path, text.encode("utf-8"), force=True)
