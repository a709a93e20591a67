"""The neutraliser: text from outside can neither add a line nor talk to a terminal."""

from __future__ import annotations

import pytest

from collectors.text_safety import is_safe, neutralise, neutralise_lines


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\nb", "a\\nb"),
        ("a\r\nb", "a\\r\\nb"),
        ("tab\there", "tab\\there"),
        ("\x1b]0;title\x07x", "\\x1b]0;title\\x07x"),
        ("\x9b2J", "\\x9b2J"),
        ("abc\u202edcba", "abc\\u202edcba"),
        ("\u2066iso\u2069", "\\u2066iso\\u2069"),
        ("one\u2028two", "one\\u2028two"),
        ("nul\x00del\x7f", "nul\\x00del\\x7f"),
    ],
)
def test_unsafe_characters_become_visible_escapes(raw: str, shown: str) -> None:
    assert neutralise(raw) == shown
    assert is_safe(neutralise(raw))


@pytest.mark.parametrize("text", ["plain", "Zürich Ünïcødé 東京", "path C:\\x\\y", ""])
def test_safe_text_is_left_alone(text: str) -> None:
    assert neutralise(text) == text


def test_lines_keep_their_breaks_but_not_their_escapes() -> None:
    assert neutralise_lines("Traceback\n  \x1b[2Jline") == "Traceback\n  \\x1b[2Jline"
