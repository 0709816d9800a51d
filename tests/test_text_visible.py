"""`visible`: untrusted words as the window shows them, every invisible character written
out, so that a name can neither reorder a row nor hide a letter."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bundleguard.text import shown, visible


@pytest.mark.parametrize(
    ("raw", "seen"),
    [
        ("report\u202egpj.exe", "report\\u202egpj.exe"),  # right-to-left override
        ("pay\u200bpal.example.com", "pay\\u200bpal.example.com"),  # zero-width space
        ("a\u200db\ufeffc\u00add", "a\\u200db\\ufeffc\\xadd"),  # joiner, BOM, soft hyphen
        ("line\nResult: OK", "line\\nResult: OK"),
        ("tab\there", "tab\\there"),
        ("\x1b[2Jcleared", "\\x1b[2Jcleared"),
        ("\u2066isolate\u2069", "\\u2066isolate\\u2069"),
        ("\U000e0041tag", "\\U000e0041tag"),  # a tag character, invisible
        ("\u3164", "\\u3164"),  # a Hangul filler: a letter that draws nothing
        ("C:\\certs\\x\u202e.crt", "C:\\\\certs\\\\x\\u202e.crt"),  # backslashes too, then
    ],
)
def test_invisible_and_reordering_characters_are_written_out(raw: str, seen: str) -> None:
    assert visible(raw) == seen


@pytest.mark.parametrize(
    "ordinary",
    ["chain.pem", "C:\\Users\\me\\chain.pem", "Zertifikat für Prüfung.crt", "証明書.crt", "👍.png"],
)
def test_ordinary_names_are_left_as_they_are(ordinary: str) -> None:
    assert visible(ordinary) == ordinary


def test_the_terminal_escaping_is_unchanged() -> None:
    assert shown("pay\u200bpal") == "pay\u200bpal"  # `shown` keeps its own rules
    assert shown("a\u202eb") == "a\\u202eb"


@given(st.text())
def test_nothing_invisible_is_left_and_a_second_pass_changes_nothing(text: str) -> None:
    once = visible(text)
    hidden = {"Cc", "Cf", "Cs", "Zl", "Zp"}
    assert not [char for char in once if unicodedata.category(char) in hidden]
    assert visible(once) == once
