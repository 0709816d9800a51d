"""`bundleguard.text.shown`: control characters made visible, ordinary text untouched."""

from __future__ import annotations

import pytest

from bundleguard.text import counted, shown


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\x1b[2J", "\\x1b[2J"),
        ("a\n Result: OK", "a\\n Result: OK"),
        ("a\rb", "a\\rb"),
        ("tab\there", "tab\\there"),
        ("\u202egnp.exe", "\\u202egnp.exe"),
        ("line\u2028sep", "line\\u2028sep"),
        ("del\x7f", "del\\x7f"),
        ("c1\x9b", "c1\\x9b"),
        ("nul\x00", "nul\\x00"),
    ],
)
def test_control_characters_are_made_visible(text, expected):
    assert shown(text) == expected


@pytest.mark.parametrize(
    "text", ["support.example.com", r"C:\Users\admin\chain.pem", "bücher.example", "日本語", ""]
)
def test_ordinary_text_is_unchanged(text):
    assert shown(text) == text


def test_an_escaped_string_cannot_pass_for_an_unescaped_one():
    # A literal backslash-n next to a real control character is doubled, so the two differ.
    assert shown("\\n\x1b") == "\\\\n\\x1b"
    assert shown("\\n\x1b") != shown("\n\x1b")


@pytest.mark.parametrize(
    ("count", "word", "plural", "expected"),
    [
        (1, "day", None, "1 day"),
        (5, "day", None, "5 days"),
        (0, "file", None, "0 files"),
        (1, "address", "addresses", "1 address"),
        (2, "address", "addresses", "2 addresses"),
        (2, "more problem", "more problems", "2 more problems"),
    ],
)
def test_counted_says_a_number_of_things_in_plain_words(count, word, plural, expected):
    assert counted(count, word, plural) == expected
