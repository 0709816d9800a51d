"""The case's own sentences say how many in plain words: "installed 1 hour ago", "(3
appliances, 1 screenshot)", never "hour(s)" or "screenshot(s)"."""

from __future__ import annotations

import datetime as dt

import pytest

from bundleguard.case.actions import appliance_entries
from bundleguard.case.model import Role, ScreenshotCountError
from bundleguard.case.replication import update_wait

INSTALLED = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("after", "said"),
    [
        (dt.timedelta(minutes=1, seconds=30), "installed 1 minute ago."),
        (dt.timedelta(minutes=45), "installed 45 minutes ago."),
        (dt.timedelta(hours=1, minutes=59), "installed 1 hour ago."),
    ],
)
def test_the_update_wait_says_how_long_ago_in_plain_words(after, said):
    text = update_wait(INSTALLED.isoformat(), INSTALLED + after)
    assert text is not None and said in text and "(s)" not in text


def test_a_screenshot_count_that_does_not_match_says_both_counts_in_plain_words():
    given = [("a.example.test", None), ("b.example.test", None), ("c.example.test", Role.NODE)]
    with pytest.raises(ScreenshotCountError) as caught:
        appliance_entries(given, ["a.png"])
    assert str(caught.value).endswith("in the same order (3 appliances, 1 screenshot).")
