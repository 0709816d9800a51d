"""Settings: the platform's folder, atomic saves, and a damaged file is never a crash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bundleguard.settings import (
    Settings,
    config_dir,
    load_settings,
    save_settings,
    settings_path,
)


def test_config_dir_is_the_platforms_or_the_override(monkeypatch, tmp_path):
    import platformdirs

    assert config_dir({"BUNDLEGUARD_CONFIG_DIR": str(tmp_path / "cfg")}) == tmp_path / "cfg"
    expected = Path(platformdirs.user_config_dir("bundleguard", appauthor=False, roaming=True))
    assert config_dir({}) == expected
    assert expected.name == "bundleguard"


def test_a_folder_in_place_of_the_settings_file_gives_defaults_and_a_warning():
    path = settings_path()
    path.mkdir(parents=True)
    loaded = load_settings()
    assert loaded.settings == Settings() and "folder" in (loaded.warning or "")


def test_defaults_when_nothing_saved():
    loaded = load_settings()
    assert loaded.settings == Settings() and loaded.warning is None


def test_save_and_load_round_trip(tmp_path):
    output = str(tmp_path / "x")
    settings = Settings(support_address="support@beyondtrust.example", last_output_dir=output)
    path = save_settings(settings)
    assert path == settings_path()
    assert load_settings().settings == settings
    assert sorted(json.loads(path.read_text())) == ["last_output_dir", "support_address"]
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[1, 2]", b'{"support_address": 5}', b"\xff\xfe\x00garbage", b""],
)
def test_damaged_file_gives_defaults_and_a_warning(content):
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    loaded = load_settings()
    assert loaded.settings == Settings()
    assert loaded.warning and "damaged" in loaded.warning and "defaults" in loaded.warning


def test_unknown_keys_are_ignored_and_never_written_back():
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"support_address": "a@b.example", "passphrase": "hunter2"}))
    loaded = load_settings()
    assert loaded.settings.support_address == "a@b.example"
    save_settings(loaded.settings)
    assert "hunter2" not in path.read_text()
