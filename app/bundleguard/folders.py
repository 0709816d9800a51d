"""Where bundleguard keeps the user's settings: the platform's user config folder, as
`platformdirs` names it (Windows `%APPDATA%\\bundleguard`, macOS
`~/Library/Application Support/bundleguard`, elsewhere `$XDG_CONFIG_HOME/bundleguard` or
`~/.config/bundleguard`), or `$BUNDLEGUARD_CONFIG_DIR` when set (tests).

Kept apart from `settings` so that the window finds its saved geometry before its first
paint without building the settings' classes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

APP_NAME = "bundleguard"
ENV_CONFIG_DIR = "BUNDLEGUARD_CONFIG_DIR"


def config_dir(env: Mapping[str, str] | None = None) -> Path:
    """The folder holding bundleguard's settings (`$BUNDLEGUARD_CONFIG_DIR` wins)."""
    env = os.environ if env is None else env
    if env.get(ENV_CONFIG_DIR):
        return Path(env[ENV_CONFIG_DIR])
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False, roaming=True))
