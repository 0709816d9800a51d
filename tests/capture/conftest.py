"""Fixtures for capture tests."""

from __future__ import annotations

import pytest

from bundleguard.capture.models import Monitor, Rect


@pytest.fixture
def hidpi_left_monitor() -> Monitor:
    """A 2x screen left of the main one: logical (-1280, 0) 1280×800, 2560×1600 pixels."""
    return Monitor.from_logical(1, "Left", Rect(-1280, 0, 1280, 800), 2.0)
